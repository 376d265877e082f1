"""Write ``examples/churn.csv``: 240 made-up customers of a streaming service.

Run ``python examples/make_churn.py``; the file is deterministic (seed 7), so running
it again reproduces the committed CSV byte for byte.

Columns
-------
tenure_months   months since the customer signed up (1-72)
monthly_spend   dollars per month (two decimals)
plan            "basic", "standard" or "premium" (text: one-hot encoded by ``logistic fit``)
support_calls   calls to support in the last quarter (0-7)
churned         "yes" or "no": did the customer leave the next month (the target)

The label is drawn from a logistic model, so the classes overlap and the
maximum-likelihood fit exists:

    logit P(churned) = 1.0 - 0.06 tenure + 0.012 spend + 0.45 calls
                       + {basic: 0, standard: -0.5, premium: -1.1}
"""

from pathlib import Path

import numpy as np

N = 240
PLAN_EFFECT = {"basic": 0.0, "standard": -0.5, "premium": -1.1}
PLAN_PRICE = {"basic": 9.99, "standard": 15.49, "premium": 22.99}


def make(seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    plans = rng.choice(list(PLAN_EFFECT), size=N, p=[0.45, 0.35, 0.20])
    tenure = rng.integers(1, 73, size=N)
    extras = np.round(rng.gamma(2.0, 6.0, size=N), 2)
    spend = np.array([PLAN_PRICE[p] for p in plans]) + extras
    calls = np.minimum(rng.poisson(1.4, size=N), 7)
    logit = (1.0 - 0.06 * tenure + 0.012 * spend + 0.45 * calls
             + np.array([PLAN_EFFECT[p] for p in plans]))
    churned = rng.random(N) < 1.0 / (1.0 + np.exp(-logit))
    lines = ["tenure_months,monthly_spend,plan,support_calls,churned"]
    for t, s, p, c, y in zip(tenure, spend, plans, calls, churned, strict=True):
        lines.append(f"{t},{s:.2f},{p},{c},{'yes' if y else 'no'}")
    return lines


if __name__ == "__main__":
    out = Path(__file__).with_name("churn.csv")
    out.write_text("\n".join(make()) + "\n")
    print(f"wrote {out}")

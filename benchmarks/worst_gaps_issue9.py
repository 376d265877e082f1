"""Worst relative objective gaps of the issue-9 models against scikit-learn.

    PYTHONPATH=src python benchmarks/worst_gaps_issue9.py

Multinomial L2 on iris, wine and digits (every solver) against scikit-learn
``newton-cholesky`` at tol=1e-12; L1 and elastic-net on the same data sets and on the
sparse test problems (intercept, weights, float32) against ``saga`` at tol=1e-12 — the
cases of ``tests/test_multiclass.py``, ``tests/test_l1.py`` and
``tests/test_l1_sparse.py``, whose assertions are ≤ 1e-8 — and, with ``--random N``,
N fresh random L1/elastic-net problems (dense or sparse, float32, weights, unscaled
columns, 2–3 classes, C from 0.03 to 30) against our own fit at tol=1e-15, evaluated in
float64. Default settings throughout. Not a test.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_l1 as L1  # noqa: E402
import test_l1_sparse as L1S  # noqa: E402
import test_multiclass as MC  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLR  # noqa: E402

import logistic  # noqa: E402
from logistic.models.fitting import make_problem  # noqa: E402


def random_l1_problem(seed: int):
    """A fresh problem: shape, sparsity, dtype, weights, scaling, C and l1_ratio vary."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(50, 600)), int(rng.integers(5, 300))
    X, y = make_classification(n_samples=n, n_features=d, n_informative=max(2, d // 5),
                               n_redundant=min(d // 5, 3), n_classes=2 + (seed % 4 == 0),
                               random_state=seed)
    if seed % 3 == 0:
        X = X * rng.uniform(0.01, 100, d)
    if seed % 2 == 0:
        X = sp.random(n, d, density=0.1, random_state=seed, format="csr")
        X.data = rng.normal(size=X.nnz)
        if seed % 4:
            y = (rng.random(n) < 0.5).astype(int)
    if seed % 5 == 0:
        X = X.astype(np.float32)
    s = rng.uniform(0.1, 3, n) if seed % 2 else None
    kw = dict(penalty="elasticnet", l1_ratio=[1.0, 0.5, 0.9][seed % 3],
              C=float(10 ** rng.uniform(-1.5, 1.5)), fit_intercept=bool(seed % 7))
    return X, y, s, kw


def random_gaps(count: int) -> tuple[float, str]:
    worst = (-np.inf, "")
    for seed in range(count):
        X, y, s, kw = random_l1_problem(seed)
        ours = logistic.LogisticRegression(**kw).fit(X, y, sample_weight=s)
        tight = logistic.LogisticRegression(tol=1e-15, max_iter=500, **kw)
        tight.fit(X, y, sample_weight=s)
        classes, y_idx = np.unique(y, return_inverse=True)
        P = make_problem(X.astype(np.float64), y_idx, s, n_classes=classes.size,
                         multinomial=True, penalty=kw["penalty"], C=kw["C"],
                         l1_ratio=kw["l1_ratio"], fit_intercept=kw["fit_intercept"])
        f_ours, f_tight = (
            P.loss(th) + P.penalty(th)
            for th in (np.concatenate([m.coef_.ravel(), m.intercept_ if kw["fit_intercept"]
                                       else []]) for m in (ours, tight))
        )
        gap = (f_ours - f_tight) / abs(f_tight)
        if gap > worst[0]:
            worst = (gap, f"seed={seed} {X.shape} sparse={sp.issparse(X)} {X.dtype} {kw}")
    return worst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=0, help="also this many random problems")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    worst: dict[str, tuple[float, str]] = {}

    def record(kind: str, gap: float, desc: str) -> None:
        if gap > worst.get(kind, (-np.inf, ""))[0]:
            worst[kind] = (gap, desc)

    for name, load in MC.DATASETS.items():
        X, y = load()
        ref = SkLR(C=0.5, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
        f_ref = MC._objective(X, y, ref.coef_, ref.intercept_, 0.5)
        for solver in ("auto", "lbfgs", "newton", "newton-cg"):
            m = logistic.LogisticRegression(C=0.5, solver=solver).fit(X, y)
            record("multinomial L2", MC._rel_gap(m.objective_, f_ref), f"{name} {solver}")
    for name, C, rho in L1.CASES:
        X, y = L1.DATASETS[name]()
        penalty = "l1" if rho == 1.0 else "elasticnet"
        m = logistic.LogisticRegression(penalty=penalty, C=C,
                                        l1_ratio=None if rho == 1 else rho).fit(X, y)
        ref = L1._saga(X, y, C=C, rho=rho)
        f_ref = L1._composite(X, y, ref.coef_, ref.intercept_, C=C, rho=rho)
        f = L1._composite(X, y, m.coef_, m.intercept_, C=C, rho=rho)
        record(f"{penalty} dense", (f - f_ref) / abs(f_ref), f"{name} C={C} rho={rho}")
    for C, rho, fit_intercept, weighted, dtype in L1S.CASES:
        X, y = L1S._sparse_problem(n=400, d=150, seed=int(C * 10), dtype=dtype)
        s = np.random.default_rng(1).uniform(0.3, 2.0, y.size) if weighted else None
        m = logistic.LogisticRegression(
            penalty="l1" if rho == 1 else "elasticnet", l1_ratio=None if rho == 1 else rho,
            C=C, fit_intercept=fit_intercept).fit(X, y, sample_weight=s)
        X64 = X.astype(np.float64)
        ref = L1S._saga(X64, y, C=C, rho=rho, s=s, fit_intercept=fit_intercept)
        f_ref = L1S._objective(X64, y, ref.coef_, ref.intercept_, C=C, rho=rho, s=s)
        f = L1S._objective(X64, y, m.coef_, m.intercept_, C=C, rho=rho, s=s)
        desc = f"C={C} rho={rho} intercept={fit_intercept} weights={weighted} {dtype.__name__}"
        record("L1/elastic-net sparse", (f - f_ref) / abs(f_ref), desc)
    if args.random:
        worst[f"L1/EN random ({args.random})"] = random_gaps(args.random)
    for kind, (gap, desc) in worst.items():
        print(f"{kind:24s} worst relative gap {gap:9.1e}  ({desc})")


if __name__ == "__main__":
    main()

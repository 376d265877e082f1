"""Worst relative objective gap per solver over the test suite's 24 random problems.

    python benchmarks/worst_gaps.py

The problems (dense C/F, CSR/CSC, float32, weights, no intercept, unscaled columns,
n < d, C in {0.01, 1, 100}) and the reference (scikit-learn newton-cholesky at tol=1e-12)
are those of ``tests/conftest.py``; the tests assert each gap ≤ 1e-8.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import make_problem, relative_gap, sklearn_reference  # noqa: E402

from logistic import LogisticRegression  # noqa: E402


def main() -> None:
    warnings.simplefilter("ignore")
    worst: dict[str, tuple[float, str]] = {}
    for seed in range(24):
        problem = make_problem(seed)
        _, _, f_ref = sklearn_reference(problem)
        for solver in ("auto", "newton", "newton-cg", "lbfgs"):
            model = LogisticRegression(solver=solver, C=problem.C,
                                       fit_intercept=problem.fit_intercept)
            model.fit(problem.X, problem.y, sample_weight=problem.sample_weight)
            gap = relative_gap(problem.objective(model.coef_, model.intercept_), f_ref)
            if gap > worst.get(solver, (-1.0, ""))[0]:
                worst[solver] = (gap, problem.desc)
    for solver, (gap, desc) in worst.items():
        print(f"{solver:10s} worst relative gap {gap:.1e}  ({desc})")


if __name__ == "__main__":
    main()

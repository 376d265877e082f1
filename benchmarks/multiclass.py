"""Multinomial L2 benchmark (issue 9): 200k x 50, 10 classes, C = 1.

    PYTHONPATH=src python benchmarks/multiclass.py [--n 200000] [--quick] [--blas-threads 1]

Times our default ``LogisticRegression()`` (and each of our solvers) against
scikit-learn's multinomial solvers (saga, sag, newton-cholesky, lbfgs) at their
default tol and at tol=1e-8, and prints time, relative objective gap (against
scikit-learn newton-cholesky at tol=1e-12)
and the ratio best-peer-time / our-time, the best peer being the fastest that
reached a relative gap <= 1e-8. Not a test; run by hand.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SK

sys.path.insert(0, os.path.dirname(__file__))
from _common import table, timed  # noqa: E402

import logistic  # noqa: E402
from logistic.models.fitting import make_problem  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--quick", action="store_true", help="skip the slow peers at tol=1e-8")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit BLAS threads for every run (ours and peers)")
    ap.add_argument("--ours-only", action="store_true", help="skip the peers")
    args = ap.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
    X, y = make_classification(
        n_samples=args.n, n_features=50, n_informative=30, n_redundant=10, n_classes=10,
        n_clusters_per_class=1, flip_y=0.05, class_sep=0.8, random_state=0,
    )
    P = make_problem(X, y, None, n_classes=10, multinomial=True, penalty="l2", C=1.0,
                     l1_ratio=None, fit_intercept=True)

    def objective(coef, intercept):
        return P.user_objective(P.loss(np.concatenate([coef.ravel(), intercept])))

    ref = SK(solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    f_ref = objective(ref.coef_, ref.intercept_)
    rows = []
    for name, kw in [("ours default", {}), ("ours lbfgs", {"solver": "lbfgs"}),
                     ("ours newton", {"solver": "newton"}),
                     ("ours newton-cg", {"solver": "newton-cg"})]:
        sec, m = timed(lambda kw=kw: logistic.LogisticRegression(**kw).fit(X, y))
        rows.append((f"{name} ({m.solver_})", sec, objective(m.coef_, m.intercept_)))
        print(rows[-1], flush=True)
    tols = [1e-4] if args.quick else [1e-4, 1e-8]
    for solver in [] if args.ours_only else ["saga", "sag", "newton-cholesky", "lbfgs"]:
        for tol in tols:
            sec, m = timed(lambda s=solver, t=tol: SK(solver=s, tol=t, max_iter=10_000).fit(X, y))
            rows.append((f"sklearn {solver} tol={tol:g}", sec, objective(m.coef_, m.intercept_)))
            print(rows[-1], flush=True)
    print(f"\nmultinomial 200k x 50, 10 classes, L2 C=1 (n={args.n}); "
          f"reference objective {f_ref:.10g}")
    print(table(rows, "ours", f_ref))


if __name__ == "__main__":
    main()

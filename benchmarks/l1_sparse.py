"""L1 on the sparse text-like workload (issue 9 / the speed issue): no intercept, C = 1.

    PYTHONPATH=src python benchmarks/l1_sparse.py [--workload speed|zipf] [--no-saga] [--repeat 3]

``--workload speed`` (the default) is the speed issue's sparse workload itself
(``workloads.sparse_text("full")``: 100k × 50k, ~60 non-zeros a row with power-law
column frequencies, log1p counts, rows L2-normalised, labels from a sparse true β),
here with L1, C = 1 and no intercept. A few words sit in almost every row, so the
model is ill-conditioned. ``--workload zipf`` is a second draw of the same kind
(frequencies offset by 10, so no word is in every row; labels from 200 frequent
words), better conditioned. Times our ``LogisticRegression(penalty="l1",
fit_intercept=False)`` against scikit-learn liblinear and saga, skglm and celer
(when installed), and prints time, relative objective gap against the best
objective any run reached, and best-peer-time / our-time. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SK

sys.path.insert(0, os.path.dirname(__file__))
from _common import table, timed  # noqa: E402
from workloads import sparse_text  # noqa: E402

import logistic  # noqa: E402


def text_like(n: int, d: int, nnz_per_row: int = 60, seed: int = 0):
    """Sparse log1p counts with power-law column frequencies; labels from a sparse β."""
    rng = np.random.default_rng(seed)
    p = 1.0 / (np.arange(d) + 10.0) ** 1.1
    p /= p.sum()
    counts = rng.poisson(nnz_per_row, n).clip(1)
    rows = np.repeat(np.arange(n), counts)
    cols = rng.permutation(d)[rng.choice(d, size=rows.size, p=p)]
    vals = rng.geometric(0.6, rows.size).astype(np.float64)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(n, d))
    X.sum_duplicates()
    X.data = np.log1p(X.data)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ X
    beta = np.zeros(d)
    support = rng.choice(d // 10, 200, replace=False)  # among the frequent columns
    beta[support] = rng.standard_normal(200) * 4.0
    z = X @ beta
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)
    return X.tocsr(), y


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", choices=("speed", "zipf"), default="speed")
    ap.add_argument("--n", type=int, default=100_000, help="rows (zipf only)")
    ap.add_argument("--d", type=int, default=50_000, help="columns (zipf only)")
    ap.add_argument("--no-saga", action="store_true")
    ap.add_argument("--tight-liblinear", action="store_true",
                    help="also liblinear at tol=1e-8 (76 s to over 7 min here)")
    ap.add_argument("--repeat", type=int, default=3, help="median of this many runs (fast ones)")
    args = ap.parse_args()
    if args.workload == "speed":
        X, y, _, _ = sparse_text("full")
    else:
        X, y = text_like(args.n, args.d)
    print(f"X: {X.shape}, nnz {X.nnz}, positives {y.mean():.3f}", flush=True)
    C = 1.0

    def objective(coef):
        z = X @ coef.ravel()
        return float(np.sum(np.logaddexp(0, z) - y * z) + np.abs(coef).sum() / C)

    rows = []
    ours = logistic.LogisticRegression(penalty="l1", C=C, fit_intercept=False)
    ours.fit(X[:2000], y[:2000])  # load the compiled kernels (as skglm's JIT below)
    sec, m = timed(lambda: ours.fit(X, y), repeat=args.repeat)
    rows.append(("ours proximal-newton", sec, objective(m.coef_)))
    print(rows[-1], "nnz", np.count_nonzero(m.coef_), "iters", m.n_iter_, flush=True)
    for tol in (1e-4, 1e-8) if args.tight_liblinear else (1e-4,):
        sec, r = timed(lambda t=tol: SK(l1_ratio=1.0, solver="liblinear", C=C, tol=t,
                                        fit_intercept=False, max_iter=10_000).fit(X, y),
                       repeat=args.repeat if tol > 1e-6 else 1)
        rows.append((f"sklearn liblinear tol={tol:g}", sec, objective(r.coef_)))
        print(rows[-1], flush=True)
    if not args.no_saga:
        sec, r = timed(lambda: SK(l1_ratio=1.0, solver="saga", C=C, tol=1e-6,
                                  fit_intercept=False, max_iter=1000).fit(X, y))
        rows.append(("sklearn saga tol=1e-6", sec, objective(r.coef_)))
        print(rows[-1], flush=True)
    try:
        from skglm import SparseLogisticRegression

        SparseLogisticRegression(alpha=1e-3, fit_intercept=False).fit(X[:500], y[:500])  # JIT
        for tol in (1e-4, 1e-8):
            est = SparseLogisticRegression(alpha=1.0 / (C * X.shape[0]), tol=tol,
                                           fit_intercept=False, max_iter=100)
            sec, r = timed(lambda e=est: e.fit(X, y))
            rows.append((f"skglm tol={tol:g}", sec, objective(r.coef_)))
            print(rows[-1], flush=True)
    except ImportError:
        print("skglm not installed")
    try:
        from celer import LogisticRegression as Celer

        for tol in (1e-4, 1e-8):
            est = Celer(C=C, tol=tol, fit_intercept=False)
            sec, r = timed(lambda e=est: e.fit(X, 2 * y - 1))
            rows.append((f"celer tol={tol:g}", sec, objective(r.coef_)))
            print(rows[-1], flush=True)
    except ImportError:
        print("celer not installed")
    f_ref = min(r[2] for r in rows)
    print(f"\nL1 sparse text-like ({args.workload}) {X.shape}, nnz {X.nnz}, no intercept, "
          f"C={C}; best objective {f_ref:.10g}")
    print(table(rows, "ours", f_ref))


if __name__ == "__main__":
    main()

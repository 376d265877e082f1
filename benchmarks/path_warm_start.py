"""Warm-started regularisation path vs cold fits (issue 9).

    PYTHONPATH=src python benchmarks/path_warm_start.py

For each problem, fits the same grid of C twice with :func:`logistic.regularization_path`
(``warm_start=True`` and ``False``) and prints total time, solver iterations, the
speed-up, and the largest relative objective difference between the two. Both
share one data backend per path (for sparse L1, one column-major copy of X), so the
difference is the warm start alone.
"""

from __future__ import annotations

import os
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(__file__))
from l1_sparse import text_like  # noqa: E402

import logistic  # noqa: E402


def problems():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    yield "breast cancer, L1, 20 Cs", X, y, dict(penalty="l1"), np.logspace(-2, 2, 20)
    yield "breast cancer, L2, 20 Cs", X, y, dict(), np.logspace(-2, 2, 20)
    Xd, yd = load_digits(return_X_y=True)
    Xd = StandardScaler().fit_transform(Xd)
    yield "digits multinomial, L2, 8 Cs", Xd, yd, dict(), np.logspace(-2, 1, 8)
    yield "digits multinomial, L1, 6 Cs", Xd, yd, dict(penalty="l1"), np.logspace(-2, 0, 6)
    Xc, yc = make_classification(n_samples=20_000, n_features=200, n_informative=20,
                                 random_state=0)
    yield "20k x 200 binary, elastic-net 0.5, 12 Cs", Xc, yc, dict(
        penalty="elasticnet", l1_ratio=0.5), np.logspace(-3, 1, 12)
    Xt, yt = text_like(100_000, 50_000)
    yield "text-like 100k x 50k sparse, L1, 6 Cs", Xt, yt, dict(
        penalty="l1", fit_intercept=False), np.logspace(-1, 0.5, 6)


def main() -> None:
    print(f"{'problem':42s} {'warm s':>8s} {'cold s':>8s} {'speed-up':>9s} "
          f"{'iters w/c':>11s} {'max rel diff':>12s}")
    for name, X, y, kw, Cs in problems():
        if "sparse" in name:  # load the compiled column kernels before either path is timed
            logistic.LogisticRegression(**kw).fit(X[:2000], y[:2000])
        warm = logistic.regularization_path(X, y, Cs, **kw)
        cold = logistic.regularization_path(X, y, Cs, warm_start=False, **kw)
        tw, tc = warm.seconds.sum(), cold.seconds.sum()
        diff = np.max(np.abs(warm.objectives - cold.objectives) / np.abs(cold.objectives))
        print(f"{name:42s} {tw:8.2f} {tc:8.2f} {tc / tw:8.1f}x "
              f"{warm.n_iter.sum():5d}/{cold.n_iter.sum():<5d} {diff:12.1e}")


if __name__ == "__main__":
    main()

"""Benchmark workloads: each returns (X, y, C, description) at a chosen size.

``size="full"`` is the size the speed issue names; ``size="tiny"`` is a few thousand
rows of the same kind, for the smoke test.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification

__all__ = ["WORKLOADS", "make_workload"]


def dense(size: str):
    n = 200_000 if size == "full" else 3_000
    X, y = make_classification(
        n_samples=n, n_features=100, n_informative=50, n_redundant=25, flip_y=0.05,
        class_sep=0.8, random_state=0,
    )
    return X, y, 1.0, f"dense {n}×100, L2, C=1"


def dense_float32(size: str):
    X, y, C, _ = dense(size)
    return X.astype(np.float32), y, C, f"dense float32 {X.shape[0]}×100, L2, C=1"


def sparse_text(size: str):
    """Text-like: power-law column frequencies, log1p counts, L2-normalised rows."""
    # 88 draws a row give ~60 distinct columns once repeated draws are summed into counts
    n, d, per_row = (100_000, 50_000, 88) if size == "full" else (3_000, 2_000, 40)
    rng = np.random.default_rng(0)
    freq = 1.0 / np.arange(1, d + 1) ** 1.1
    freq /= freq.sum()
    cols = rng.choice(d, size=n * per_row, p=freq)
    rows = np.repeat(np.arange(n), per_row)
    counts = np.ones_like(cols, dtype=np.float64)
    X = sp.csr_matrix((counts, (rows, cols)), shape=(n, d))  # duplicates add up to counts
    X.sum_duplicates()
    X.data = np.log1p(X.data)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ X
    X = X.tocsr()
    beta = np.zeros(d)
    support = rng.choice(d, size=d // 50, replace=False)
    beta[support] = rng.standard_normal(support.size) * 4
    z = X @ beta
    y = (rng.random(n) < 1 / (1 + np.exp(-(z - np.median(z))))).astype(np.int64)
    return X, y, 10.0, f"sparse text-like {n}×{d}, {X.nnz / n:.0f} nnz/row, L2, C=10"


def tall_narrow(size: str):
    n = 1_000_000 if size == "full" else 5_000
    X, y = make_classification(
        n_samples=n, n_features=20, n_informative=10, n_redundant=5, flip_y=0.05,
        class_sep=0.8, random_state=1,
    )
    return X, y, 1.0, f"tall-narrow {n}×20, L2, C=1"


def wide_dense(size: str):
    n, d = (5_000, 2_000) if size == "full" else (500, 200)
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=d // 10, n_redundant=d // 20, flip_y=0.05,
        class_sep=0.8, random_state=2,
    )
    return X, y, 1.0, f"wide dense {n}×{d}, L2, C=1"


WORKLOADS = {
    "dense": dense,
    "sparse": sparse_text,
    "tall": tall_narrow,
    "wide": wide_dense,
    "float32": dense_float32,
}


def make_workload(name: str, size: str = "full"):
    return WORKLOADS[name](size)

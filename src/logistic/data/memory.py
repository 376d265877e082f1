"""In-memory backends: dense NumPy arrays (row blocks sized for cache) and scipy.sparse.

Dense ``X`` is cut into row blocks of about :data:`BLOCK_BYTES` bytes. Each block is
a view (no copy of ``X``), and per-block math that touches it twice (``X_b w`` then
``X_bᵀ r``, or the Gram product of a Newton step) finds it still in cache, so one
fused call costs one read of ``X`` from memory. C- and F-ordered arrays both give
views. scipy.sparse matrices (CSR or CSC) are used whole, as a single block: their
``@`` already streams through the stored entries once, and row-slicing would copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["InMemoryBackend", "make_backend", "BLOCK_BYTES"]

#: Target size of one dense row block: about a core's share of L2/L3 cache.
BLOCK_BYTES = 1 << 20


def _to_host64(a: Any) -> Any:
    """A block result as a float64 NumPy scalar/array (moves device arrays to the host)."""
    if isinstance(a, np.ndarray | np.generic | float | int):
        return np.asarray(a, dtype=np.float64)
    if hasattr(a, "get"):  # CuPy
        return np.asarray(a.get(), dtype=np.float64)
    if hasattr(a, "cpu"):  # PyTorch
        return np.asarray(a.detach().cpu().numpy(), dtype=np.float64)
    return np.asarray(a, dtype=np.float64)


def _add(acc: tuple | None, out: tuple) -> tuple:
    out = tuple(_to_host64(o) for o in out)
    return out if acc is None else tuple(a + o for a, o in zip(acc, out, strict=True))


class InMemoryBackend:
    """Row blocks of an in-memory ``X`` with labels ``y`` and weights ``s`` (or None).

    Parameters
    ----------
    X : ndarray of shape (n, d) float32/float64 (C or F order), or scipy.sparse CSR/CSC.
    y : float64 array of shape (n,) with values in {0, 1}.
    sample_weight : float64 array of shape (n,) or None (all ones).
    block_rows : rows per block; by default about ``BLOCK_BYTES`` of ``X`` per block
        for dense data and the whole matrix for sparse data.
    """

    def __init__(self, X, y, sample_weight=None, *, block_rows: int | None = None):
        self.X, self.y, self.s = X, y, sample_weight
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        if block_rows is None:
            if sp.issparse(X):
                block_rows = self.n_samples
            else:
                row_bytes = max(1, self.n_features) * X.dtype.itemsize
                block_rows = max(256, BLOCK_BYTES // row_bytes)
        self.block_rows = max(1, int(block_rows))
        self.n_blocks = max(1, -(-self.n_samples // self.block_rows))

    def blocks(self) -> Iterator[tuple[Any, Any, Any]]:
        """Yield ``(X_b, y_b, s_b)`` views, one per row block."""
        if self.n_blocks == 1:
            yield self.X, self.y, self.s
            return
        for start in range(0, self.n_samples, self.block_rows):
            rows = slice(start, start + self.block_rows)
            yield self.X[rows], self.y[rows], None if self.s is None else self.s[rows]

    def subsample(self, rows: int, rng: np.random.Generator) -> InMemoryBackend | None:
        """A backend over ``rows`` rows drawn uniformly without replacement (a copy).

        Weights are rescaled by :math:`S / S_{sub}` so that sums over the subsample
        estimate sums over all rows. Dense rows are stored as float32 (the copy is
        only used for curvature estimates, where float32 rounding is far below the
        sampling error). Returns None when the subsample carries no weight.
        """
        idx = np.sort(rng.choice(self.n_samples, size=rows, replace=False))
        X = self.X[idx]
        if not sp.issparse(X):
            X = np.ascontiguousarray(X, dtype=np.float32)
        s = np.ones(rows) if self.s is None else self.s[idx]
        total = float(np.sum(self.s)) if self.s is not None else float(self.n_samples)
        if not s.sum() > 0:
            return None
        return InMemoryBackend(X, self.y[idx], s * (total / float(s.sum())))

    def reduce(self, fn: Callable, *args, per_block: list | None = None) -> tuple:
        acc = None
        for i, block in enumerate(self.blocks()):
            extra = () if per_block is None else (per_block[i],)
            acc = _add(acc, fn(*block, *extra, *args))
        return acc

    def reduce_keep(self, fn: Callable, *args) -> tuple[tuple, list]:
        acc, kept = None, []
        for block in self.blocks():
            sums, keep = fn(*block, *args)
            acc = _add(acc, sums)
            kept.append(keep)
        return acc, kept


def make_backend(X, y, sample_weight=None, **kwargs) -> InMemoryBackend:
    """Choose the backend for ``X`` (dense or scipy.sparse in memory)."""
    return InMemoryBackend(X, y, sample_weight, **kwargs)

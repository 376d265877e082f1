"""In-memory backends: dense NumPy arrays (row blocks sized for cache) and scipy.sparse.

Dense ``X`` is cut into row blocks of about :data:`BLOCK_BYTES` bytes. Each block is
a view (no copy of ``X``), and per-block math that touches it twice (``X_b w`` then
``X_bᵀ r``, or the Gram product of a Newton step) finds it still in cache, so one
fused call costs one read of ``X`` from memory. C- and F-ordered arrays both give
views. scipy.sparse matrices (CSR or CSC) are used whole, as a single block: their
``@`` already streams through the stored entries once (with ``n_jobs > 1`` a CSR
matrix is cut into row blocks that are views of its arrays; scipy's slicing would
copy). :meth:`InMemoryBackend.columns` gives sparse data a CSC copy for coordinate
descent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..math.blas import one_blas_thread

__all__ = ["InMemoryBackend", "ColumnCopy", "make_backend", "BLOCK_BYTES"]

#: Target size of one dense row block: about a core's share of L2/L3 cache.
BLOCK_BYTES = 4 << 20
#: Block threads of a dense pass by default (see InMemoryBackend's ``n_jobs``).
DENSE_JOBS = max(1, min(4, os.cpu_count() or 1))
#: Blocks of a pass read once by a fused kernel (see ``InMemoryBackend.stream_rows``).
STREAM_BLOCKS = 8
#: A lone dense block up to this size is computed on one BLAS thread (see ``_map``).
SINGLE_BLOCK_BYTES = 8 << 20


@lru_cache(maxsize=4)
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="logistic-block")


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
    n_jobs : threads mapping blocks, each block's BLAS calls on one thread. Default:
        :data:`DENSE_JOBS` for dense data, 1 for sparse. On an idle 2-core machine
        BLAS threads inside each block measured a little faster than a pool
        (``benchmarks/passes.py``: 0.16 s against 0.23 s for the dense 200k×100 fit),
        but on a loaded one (other processes on the cores) BLAS's threads meet at every
        call of every 4 MB block and a pass slowed 5-7× (2M×20: 0.5 s on one thread,
        2.8-3.7 s with two BLAS threads, 0.2-0.5 s with two block threads; 100k×500
        float32 Hessian 3.4 s, 8-11 s, 1.7-2.0 s), so dense passes use block
        threads, which meet once a pass. Sparse passes measured slower with threads
        (the 100k×50k text-like L2 fit: 0.38 s with one thread, 0.5 s with two),
        though a lone pass gains a little; it may pay with many cores.
    block_rows : rows per block; by default about ``BLOCK_BYTES`` of ``X`` per block
        for dense data; for CSR data ``n / n_jobs`` rows (zero-copy views of X's
        arrays), and the whole matrix for CSC data.

    Sparse float32 data get float64 values (the index arrays are shared): scipy's
    float32 products accumulate in float32, and the noise that leaves in the gradient
    (about 1e-7 relative) can keep an ill-conditioned or L1 fit from ever meeting a
    tight ``tol``; a sparse product costs its index reads, so float64 values cost
    little. Dense float32 stays float32 (BLAS halves the memory traffic).
    """

    def __init__(
        self, X, y, sample_weight=None, *, block_rows: int | None = None, n_jobs: int | None = None
    ):
        if sp.issparse(X) and X.dtype == np.float32:
            X = _with_float64_values(X)
        self.X, self.y, self.s = X, y, sample_weight
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        csr = sp.issparse(X) and X.format == "csr"
        if n_jobs is None:
            n_jobs = 1 if sp.issparse(X) else DENSE_JOBS
        self.n_jobs = max(1, int(n_jobs))
        if block_rows is None:
            if sp.issparse(X):
                block_rows = -(-self.n_samples // self.n_jobs) if csr else self.n_samples
            else:
                row_bytes = max(1, self.n_features) * X.dtype.itemsize
                block_rows = _dense_block_rows(self.n_samples, row_bytes, self.n_jobs)
        self.block_rows = max(1, int(block_rows))
        self.n_blocks = max(1, -(-self.n_samples // self.block_rows))
        self._row_views: dict[tuple[int, int], Any] = {}  # CSR row blocks (views)
        self._columns: ColumnCopy | None = None  # see columns()

    def blocks(self, min_rows: int = 0) -> Iterator[tuple[Any, Any, Any]]:
        """Yield ``(X_b, y_b, s_b)`` views, one per row block (of at least ``min_rows`` rows)."""
        size = max(self.block_rows, int(min_rows))
        if size >= self.n_samples:
            yield self.X, self.y, self.s
            return
        for start in range(0, self.n_samples, size):
            rows = slice(start, start + size)
            yield self._rows(rows), self.y[rows], None if self.s is None else self.s[rows]

    def _rows(self, rows: slice):
        """Rows of X: a view (CSR: a matrix over slices of X's own arrays)."""
        X = self.X
        if not (sp.issparse(X) and X.format == "csr"):
            return X[rows]
        start, stop, _ = rows.indices(self.n_samples)
        key = (start, stop)
        views = self._row_views
        if key not in views:
            lo, hi = X.indptr[start], X.indptr[stop]
            # the constructor would copy the arrays; assigning them keeps views
            view = type(X)((stop - start, self.n_features), dtype=X.dtype)
            view.data, view.indices = X.data[lo:hi], X.indices[lo:hi]
            view.indptr = X.indptr[start : stop + 1] - lo
            views[key] = view
        return views[key]

    def subsample(
        self, rows: int, rng: np.random.Generator, dtype=np.float32
    ) -> InMemoryBackend | None:
        """A backend over ``rows`` rows drawn uniformly without replacement (a copy; the
        derived backends here keep this one's ``n_jobs``).

        Weights are rescaled by :math:`S / S_{sub}` so that sums over the subsample
        estimate sums over all rows. Dense rows are stored as ``dtype`` (float32 by
        default: a copy used only for curvature estimates, where float32 rounding is
        far below the sampling error; None keeps X's dtype, for a copy that gradients
        read too). Returns None when the subsample carries no weight.
        """
        # the drawn rows in order: marked in a mask (sorting the draw took 20 ms of the
        # 2M → 250k subsample's 40)
        chosen = np.zeros(self.n_samples, dtype=bool)
        chosen[rng.choice(self.n_samples, size=rows, replace=False)] = True
        idx = np.flatnonzero(chosen)
        if sp.issparse(self.X):
            X = self.X[idx]
        else:  # np.take copies rows faster than fancy indexing (2M×20 → 250k: 7 / 26 ms)
            X = np.ascontiguousarray(np.take(self.X, idx, axis=0),
                                     dtype=self.X.dtype if dtype is None else dtype)
        total = float(np.sum(self.s)) if self.s is not None else float(self.n_samples)
        return InMemoryBackend(X, self.y[idx], None if self.s is None else self.s[idx],
                               n_jobs=self.n_jobs).rescaled(total)

    def rescaled(self, total: float, *, block_rows: int | None = None) -> InMemoryBackend | None:
        """The same rows with weights scaled to sum to ``total`` (None if they sum to 0),
        in blocks of ``block_rows`` rows (None: the default blocks)."""
        s = np.ones(self.n_samples) if self.s is None else self.s
        if not s.sum() > 0:
            return None
        return InMemoryBackend(self.X, self.y, s * (total / float(s.sum())),
                               block_rows=block_rows, n_jobs=self.n_jobs)

    def take(self, rows: np.ndarray) -> InMemoryBackend:
        """A backend over the rows ``rows`` (integer indices; a copy of those rows, kept
        in X's dtype), as one block: a mini-batch for stochastic gradients."""
        rows = np.asarray(rows)
        s = None if self.s is None else self.s[rows]
        return InMemoryBackend(self.X[rows], self.y[rows], s, block_rows=max(1, rows.size))

    def every(self, step: int, dtype=None) -> InMemoryBackend:
        """A backend over every ``step``-th row (a strided view of dense ``X``; a copy
        when ``dtype`` asks for another one, or for sparse ``X``). Weights are kept as
        they are (not rescaled)."""
        rows = slice(0, None, int(step))
        X = self.X[rows]
        if dtype is not None and not sp.issparse(X):
            X = np.ascontiguousarray(X, dtype=dtype)
        return InMemoryBackend(X, self.y[rows], None if self.s is None else self.s[rows],
                               n_jobs=self.n_jobs)

    def _map(self, fn: Callable, args: tuple, per_block: list | None, min_rows: int = 0) -> list:
        """``fn`` on every block, in block order; on a thread pool when there are cores.

        NumPy releases the GIL inside BLAS calls and ufunc loops, so blocks run in
        parallel; the per-block results are combined in block order, so the sums do
        not depend on the number of threads.
        """
        blocks = list(self.blocks(min_rows))

        def one(i: int):
            extra = () if per_block is None else (per_block[i],)
            return fn(*blocks[i], *extra, *args)

        if self.n_jobs > 1 and len(blocks) > 1:
            if sp.issparse(self.X):  # no BLAS inside sparse products
                return list(_pool(self.n_jobs).map(one, range(len(blocks))))
            # one BLAS thread per block: the pool already uses the cores
            with one_blas_thread():
                return list(_pool(self.n_jobs).map(one, range(len(blocks))))
        if self.n_jobs > 1 and not sp.issparse(self.X) and len(blocks) == 1 and (
                self.X.nbytes <= SINGLE_BLOCK_BYTES):
            # one small block (a partial_fit chunk, a small fit): BLAS threads waking for
            # its few small products cost more than they give — measured 6× slower for
            # 10k×50 stream chunks on the idle 2-core machine (690k against 4.4M rows/s)
            with one_blas_thread():
                return [one(0)]
        return [one(i) for i in range(len(blocks))]

    def stream_rows(self, n_coef: int) -> int:
        """Rows per block for a pass that a fused kernel reads once, row by row (loss and
        gradient with at most ``FUSED_MAX_COEF`` coefficients, dense NumPy rows): the data
        in :data:`STREAM_BLOCKS` blocks, or the default blocks where those are larger
        (0 otherwise). Such a pass needs no cache-sized block, and fewer blocks cost less
        to hand out and sum (100k×500: 100 blocks of 1000 rows became 8; the fit 648 →
        523 ms, median). A fixed count, not one per thread, so that the sums do not
        depend on ``n_jobs``. For ``reduce(min_rows=...)`` only: kept per-block values
        (``reduce_keep``) follow the default blocks."""
        from ..math.kernels import FUSED_MAX_COEF

        if sp.issparse(self.X) or type(self.X) is not np.ndarray or n_coef > FUSED_MAX_COEF:
            return 0
        return -(-self.n_samples // STREAM_BLOCKS)

    def reduce(
        self, fn: Callable, *args, per_block: list | None = None, min_rows: int = 0
    ) -> tuple:
        """Sum ``fn`` over blocks; ``min_rows`` enlarges blocks for d×d results (Gram products),
        whose per-block output would otherwise cost as much as the product."""
        acc = None
        for out in self._map(fn, args, per_block, min_rows):
            acc = _add(acc, out)
        return acc

    def columns(self) -> ColumnCopy | None:
        """Column access for coordinate descent: a :class:`ColumnCopy` of sparse ``X``
        (None for dense data, whose columns are read faster as Gram products by BLAS).

        Kept on the backend, so later fits on the same data (a regularisation path)
        reuse the columns already copied and copy only those they add.
        """
        if not sp.issparse(self.X):
            return None
        if self._columns is None:
            self._columns = ColumnCopy(self.X)
        return self._columns

    def reduce_keep(self, fn: Callable, *args) -> tuple[tuple, list]:
        acc, kept = None, []
        for sums, keep in self._map(fn, args, None):
            acc = _add(acc, sums)
            kept.append(keep)
        return acc, kept


def _dense_block_rows(n: int, row_bytes: int, n_jobs: int) -> int:
    """Rows per dense block: about :data:`BLOCK_BYTES` each (at least 256 rows), in
    equal blocks whose number, once there are several, is a multiple of ``n_jobs``, so
    that the threads share a pass evenly (6250 rows × 100 float64 columns were one
    block of 5242 rows and one of 1008: one thread worked through most of each
    Hessian alone). A single block stays whole (see ``SINGLE_BLOCK_BYTES``)."""
    count = -(-n // max(256, BLOCK_BYTES // row_bytes))
    if count > 1:
        count = -(-count // n_jobs) * n_jobs
    return max(1, -(-n // count))


class ColumnCopy:
    """A CSC copy of the columns of a sparse ``X`` that coordinate descent has asked
    for, grown on demand: ``colptr``, ``rows`` (int32) and ``values`` (float32, see
    :mod:`logistic.math.columns`) hold the copied columns in the order they were
    added, and ``slot[j]`` is column j's position among them (-1: not copied).

    An L1 fit reads only the columns of its working set, and on text-like data with a
    strong penalty those are a few hundred frequent words: copying every column cost
    more memory than the budget of a quarter of ``X`` (100k×50k, 11M entries: 85 MB
    for a working set of 41 columns, 1.35M entries). Each call to :meth:`take` that
    adds columns reads ``X``'s column indices once; a column is copied at most once.
    """

    def __init__(self, X):
        self.X = X
        self.n_copied = 0  # entries copied so far (over every take)
        self.counts: np.ndarray | None = None
        self.slot = np.full(X.shape[1], -1, dtype=np.int64)
        self.colptr = np.zeros(1, dtype=np.int64)
        self.rows = np.empty(0, dtype=np.int32)
        self.values = np.empty(0, dtype=np.float32)

    #: A request holding at least this share of X's entries copies every column: the
    #: rest costs little more memory, and no later request needs another read of X.
    ALL_SHARE = 0.5

    def take(self, cols: np.ndarray) -> np.ndarray:
        """Copy the columns ``cols`` not yet copied; return the slots of ``cols``."""
        cols = np.asarray(cols, dtype=np.int64)
        new = np.unique(cols[self.slot[cols] < 0])
        if new.size:
            if self.counts is None:  # entries per column (duplicates included)
                self.counts = _column_counts(self.X)
            if self.counts[new].sum() >= self.ALL_SHARE * self.counts.sum():
                new = np.flatnonzero(self.slot < 0)
            colptr, rows, values = self._copy(new)
            self.slot[new] = self.colptr.size - 1 + np.arange(new.size)
            if self.rows.size:
                colptr = np.concatenate([self.colptr, colptr[1:] + self.colptr[-1]])
                rows = np.concatenate([self.rows, rows])
                values = np.concatenate([self.values, values])
            self.colptr, self.rows, self.values = colptr, rows, values
        return self.slot[cols]

    def _copy(self, cols):
        X = self.X
        if X.format == "csc":  # column slices of X itself (summed if non-canonical)
            sub = X[:, cols]
            if not sub.has_canonical_format:
                sub.sum_duplicates()
            out = (sub.indptr.astype(np.int64), sub.indices.astype(np.int32),
                   sub.data.astype(np.float32))
        else:
            from ..math.columns import csc_columns

            X = X.tocsr()
            out = csc_columns(X.indptr, X.indices, X.data, X.shape[1], cols, self.counts,
                              duplicates=not X.has_canonical_format)
        self.n_copied += out[1].size
        return out


#: Column indices counted per call of ``np.bincount`` (see :func:`_column_counts`).
COUNT_CHUNK = 1 << 20


def _column_counts(X) -> np.ndarray:
    """Stored entries per column of a CSR or CSC matrix (duplicates counted).

    ``np.bincount`` converts int32 indices to int64 first: on 11M entries an 89 MB
    temporary, more than the column copy it serves. In chunks it is 8 MB at most."""
    if X.format == "csc":
        return np.diff(X.indptr)
    counts = np.zeros(X.shape[1], dtype=np.int64)
    for start in range(0, X.indices.size, COUNT_CHUNK):
        counts += np.bincount(X.indices[start:start + COUNT_CHUNK], minlength=X.shape[1])
    return counts


def _with_float64_values(X):
    """The sparse matrix ``X`` with float64 values, sharing its index arrays."""
    if X.format not in ("csr", "csc"):
        return X.astype(np.float64)
    out = type(X)(X.shape, dtype=np.float64)  # assigned: the constructor would copy
    out.data, out.indices, out.indptr = X.data.astype(np.float64), X.indices, X.indptr
    return out


def make_backend(X, y, sample_weight=None, **kwargs) -> InMemoryBackend:
    """Choose the backend for ``X``: dense or scipy.sparse in memory, or a device array
    (PyTorch, CuPy, any non-NumPy array-API array: :mod:`logistic.data.device`)."""
    from .device import DeviceBackend, is_device_array

    if is_device_array(X):
        return DeviceBackend(X, y, sample_weight, **kwargs)
    return InMemoryBackend(X, y, sample_weight, **kwargs)

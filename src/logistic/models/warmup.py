"""Compile the numba kernels ahead of the first fit (``logistic warmup``).

The coordinate-descent kernels of L1 / elastic-net fits (:mod:`logistic.math.columns`:
over a sparse matrix's columns, and over a dense model Hessian for dense and
multinomial data) and the loss arithmetic of passes over large blocks
(:mod:`logistic.math.kernels`) are compiled by numba on first use and cached on disk
(``cache=True``: next to the installed module in ``__pycache__``, or under
``NUMBA_CACHE_DIR`` when set). Compiling takes 15–30 s on a 2-core machine, once per
installation; every later process loads the cache instead, which costs about half a
second (numba's import) beside a warm fit. :func:`compile_kernels` fits tiny
problems that reach every kernel with every argument type a fit can pass them (CSR
with 32- and 64-bit indices, non-canonical CSR, CSC input, with and without an
intercept, L1 and elastic-net; dense binary and multinomial L1 fits; dense binary and
multinomial blocks large enough for the compiled loss), so running it once after
installing — the README's
install line does — moves the compile out of the first real fit.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.sparse as sp

from ..math.stable import COMPILED_MIN_SIZE

__all__ = ["compile_kernels", "kernels_compiled"]


def _variants(X: sp.csr_matrix):
    """CSR inputs covering the kernels' argument types."""
    yield X
    wide = X.copy()
    wide.indptr, wide.indices = wide.indptr.astype(np.int64), wide.indices.astype(np.int64)
    yield wide
    yield X.tocsc()
    dup = sp.csr_matrix((np.repeat(X.data, 2) / 2, np.repeat(X.indices, 2), 2 * X.indptr),
                        shape=X.shape)  # non-canonical (each entry twice): summed
    yield dup


def compile_kernels() -> float:
    """Compile (or load from the disk cache) every numba kernel a fit can call.

    Returns the seconds it took: the compile time on the first run after installing,
    the cache's load time afterwards.
    """
    from ..math.kernels import TILED_MIN_CLASSES
    from .estimator import LogisticRegression

    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    X = sp.random(300, 40, density=0.15, format="csr", random_state=0)
    y = (rng.random(300) < 0.5).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny problems: convergence is not the point
        for Xv in _variants(X):
            for kw in ({"penalty": "l1"}, {"penalty": "l1", "fit_intercept": False},
                       {"penalty": "elasticnet", "l1_ratio": 0.5}):
                LogisticRegression(C=1.0, max_iter=20, **kw).fit(Xv, y)
        Xs = X.toarray()  # dense L1: coordinate descent on the model's Hessian
        LogisticRegression(C=1.0, max_iter=20, penalty="l1").fit(Xs, y)
        LogisticRegression(C=1.0, max_iter=20, penalty="l1").fit(Xs, rng.integers(0, 3, 300))
        Xd = rng.standard_normal((2 * COMPILED_MIN_SIZE, 3))
        # binary and softmax: loss terms and fused passes (compiled tiles, and BLAS's tiles from
        # TILED_MIN_CLASSES classes on), both dtypes
        for k in (2, 3, TILED_MIN_CLASSES):
            for dtype in (np.float64, np.float32):
                LogisticRegression(max_iter=5).fit(Xd.astype(dtype),
                                                   rng.integers(0, k, Xd.shape[0]))
    return time.perf_counter() - t0


def kernels_compiled() -> dict[str, int]:
    """Per kernel, how many type signatures this process compiled (not loaded)."""
    from ..math import columns, kernels

    out = {}
    for module in (columns, kernels):
        for name in dir(module):
            f = getattr(module, name)
            stats = getattr(f, "stats", None)
            if stats is not None and hasattr(stats, "cache_misses"):
                out[name] = sum(stats.cache_misses.values())
    return out

"""BLAS thread control: one thread where threads cost more than they give.

Two places: row blocks already mapped on a thread pool (each block's BLAS call
should use one core), and the Cholesky factorisations of Newton steps, which are
small (``n_params`` ≤ about a thousand) and run too briefly for BLAS threads to pay
for waking up. Measured on the 2-core development machine: a 510×510 factor-and-solve
took 6.5 ms with two OpenBLAS threads and 2.3 ms with one (44 ms with two inside a
multinomial fit, between the passes' BLAS calls); at 2000×2000 two threads win.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["one_blas_thread", "factor_threads", "SMALL_FACTOR"]

#: Matrices up to this order are factorised on one BLAS thread.
SMALL_FACTOR = 1024


@lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@lru_cache(maxsize=1)
def _blas_libraries() -> tuple:
    return tuple(lib for lib in _controller().lib_controllers if lib.user_api == "blas")


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Context manager: BLAS libraries limited to one thread inside (their thread counts
    set and restored directly: threadpoolctl's ``limit`` lists every library's state on
    the way in and out, 80 µs a call, and a multinomial fit made forty calls)."""
    libraries = _blas_libraries()
    before = [lib.get_num_threads() for lib in libraries]
    for lib, n in zip(libraries, before, strict=True):
        if n != 1:
            lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libraries, before, strict=True):
            if n != 1:
                lib.set_num_threads(n)


@contextlib.contextmanager
def factor_threads(order: int) -> Iterator[None]:
    """One BLAS thread for factorising a matrix of order ≤ :data:`SMALL_FACTOR`.

    Nested uses cost next to nothing: an inner :func:`one_blas_thread` finds the
    count at one already and sets nothing.
    """
    if order > SMALL_FACTOR:
        yield
        return
    with one_blas_thread():
        yield

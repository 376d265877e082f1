"""A Cholesky factor that always exists: the smallest ridge that makes a matrix factor.

Hessians of unpenalised fits on wide or collinear data are singular (rank ≤ n), and a
float32 Hessian can lose positive definiteness to rounding. :func:`ridge_cholesky`
factors :math:`H + \\tau I` for the smallest :math:`\\tau` in
:math:`\\{0, 10^{-12}, 10^{-10}, \\dots\\}\\cdot\\max_j |H_{jj}|` that succeeds
(Levenberg's idea), so a Newton step or a preconditioner is always defined; non-finite
entries are refused with a ``ValueError`` (an overflowing Hessian cannot be repaired by
a ridge).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la

from ..math.blas import factor_threads

__all__ = ["cholesky", "ridge_cholesky", "cho_solve"]


#: LAPACK's Cholesky routines by dtype, called directly: an inner solve may factor a
#: small matrix hundreds of times, where scipy's wrappers cost more than the work.
_POTRF = {np.dtype(np.float64): (la.lapack.dpotrf, la.lapack.dpotrs),
          np.dtype(np.float32): (la.lapack.spotrf, la.lapack.spotrs)}


def cholesky(M: np.ndarray):
    """Lower Cholesky factor ``(L, True)`` of ``M``, or None when M is not positive definite."""
    routines = _POTRF.get(M.dtype)
    if routines is None:
        try:
            return la.cho_factor(M, lower=True, check_finite=False)
        except la.LinAlgError:
            return None
    L, info = routines[0](M, lower=True, clean=False)
    return (L, True) if info == 0 else None


def ridge_cholesky(H: np.ndarray):
    """``(factor, tau)`` for the smallest ridge τ ≥ 0 with H + τI positive definite.

    ``factor`` is for :func:`cho_solve`; it is None only when no ridge below
    ``max|H_jj|`` works (then the caller should fall back to a diagonal scaling).
    """
    if not np.all(np.isfinite(H)):
        raise ValueError(
            "the Hessian has infinite or NaN entries: some column's values are so large "
            "that their squares overflow; rescale the columns (e.g. StandardScaler)."
        )
    scale = max(float(np.max(np.abs(np.diag(H)), initial=0.0)), np.finfo(float).tiny)
    eye = None
    tau = 0.0
    with factor_threads(H.shape[0]):
        while tau < scale:
            M = H if tau == 0.0 else H + tau * eye
            factor = cholesky(M)
            if factor is not None:
                return factor, tau
            eye = np.eye(H.shape[0]) if eye is None else eye
            tau = 1e-12 * scale if tau == 0.0 else tau * 100
    return None, scale


def cho_solve(factor, b: np.ndarray) -> np.ndarray:
    """Solve with a factor from :func:`ridge_cholesky`."""
    L = factor[0]
    with factor_threads(L.shape[0]):
        routines = _POTRF.get(L.dtype)
        b = np.asarray(b)
        if routines is None or b.dtype != L.dtype or b.ndim > 2:
            return la.cho_solve(factor, b, check_finite=False)
        x, info = routines[1](L, b, lower=True)
        if info != 0:
            raise ValueError(f"LAPACK potrs failed (info={info})")
        return x

r"""Per-block logistic-regression math: partial loss, gradient, Hessian and H·v.

Every costly quantity of a fit is a sum over samples. For one block of rows
:math:`(X_b, y_b, s_b)` with coefficients :math:`w` and intercept :math:`b`, let
:math:`z = X_b w + b`, :math:`p = \sigma(z)` and :math:`h = s \odot p(1-p)`. Then

.. math::

    L_b      &= \textstyle\sum_i s_i\, \ell(y_i, z_i)
              = \sum_i s_i \operatorname{softplus}((1-2y_i) z_i) \\
    \nabla_w &= X_b^\top r, \quad \nabla_b = \textstyle\sum_i r_i,
              \quad r = s \odot (p - y) \\
    H_{ww}   &= X_b^\top \operatorname{diag}(h) X_b, \quad
    H_{wb} = X_b^\top h, \quad H_{bb} = \textstyle\sum_i h_i \\
    H v      &= \big(X_b^\top u,\ \textstyle\sum_i u_i\big),
              \quad u = h \odot (X_b v_w + v_b)

The functions here see one block only; a data backend (:mod:`logistic.data`) sums
their outputs over blocks, and :class:`logistic.problems.binary.LogisticProblem` adds the
penalty. Nothing here loops over samples in Python.

Dtypes: the pass over ``X_b`` (``X_b @ w`` and ``X_b.T @ r``) runs in ``X_b``'s own
dtype, so float32 data stays float32; margins, probabilities and the per-block
sums are formed in float64 before the backend accumulates them.

Dense blocks are handled through the array-API namespace of ``y_b`` (NumPy, CuPy,
PyTorch alike); scipy.sparse blocks use the same lines, since they support ``@`` and
``.T``, plus one sparse-specific helper for the weighted Gram matrix.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from array_api_compat import array_namespace, device

from .stable import COMPILED_MIN_SIZE, log_loss, loss_and_sigmoid

__all__ = [
    "block_loss",
    "block_loss_grad",
    "block_loss_grad_hess",
    "block_loss_grad_weights",
    "block_loss_grad_peak",
    "block_hessian",
    "standardized_block",
    "block_hessp",
    "block_gram_trace",
    "block_column_moments",
    "block_hess_columns",
    "block_sum_weights",
    "block_label_sums",
    "block_column_max_abs",
]


def exact_rows(X):
    """NumPy float32 rows as float64 for the products with them. Float32 scores carry
    relative errors of about 1e-8 of the scores' size, so the objective summed from
    them does too: on unscaled columns with offsets (binary, 200×5, C=1000) the
    reported objective was off by 1.2e-5 relative, and small multinomial fits stopped
    unconverged at that floor (15 of 120 fuzz cases, n ≤ 3000, k = 3–6); in float64,
    neither. (The fused passes of :mod:`logistic.math.kernels`, which take blocks
    from 4096 scores on, sum in float64 already.) Other arrays (sparse, device) keep
    their dtype."""
    return X.astype(np.float64) if type(X) is np.ndarray and X.dtype == np.float32 else X


def _margins(xp, X, w, b):
    """z = X w + b in float64 (see :func:`exact_rows`; no product at w = 0, as at a
    cold start, where it would read X for nothing)."""
    if not bool(xp.any(w != 0)):
        return xp.zeros(X.shape[0], dtype=xp.float64, device=device(w)) + b
    X = exact_rows(X)
    Xw = X @ xp.astype(w, X.dtype, copy=False)
    return xp.astype(xp.reshape(Xw, (-1,)), xp.float64) + b


def _rmatvec(xp, X, r):
    """Xᵀ r in float64 (see :func:`exact_rows`; r cast to X's dtype where it stays)."""
    X = exact_rows(X)
    out = X.T @ xp.astype(r, X.dtype, copy=False)
    return xp.astype(xp.reshape(out, (-1,)), xp.float64)


def _weighted(v, s):
    return v if s is None else v * s


def block_loss(X, y, s, w, b) -> tuple[Any]:
    """Partial loss :math:`\\sum_i s_i \\ell(y_i, z_i)` of one block (one matvec)."""
    xp = array_namespace(y)
    z = _margins(xp, X, w, b)
    return (xp.sum(_weighted(log_loss(y, z), s)),)


def _fused(X, y, s, w):
    """The compiled one-read pass of :mod:`logistic.math.kernels` when it takes the block."""
    if X.shape[0] < COMPILED_MIN_SIZE or type(X) is not np.ndarray:
        return None
    from .kernels import binary_pass, fusable

    return binary_pass if fusable(X, y, s, X.shape[1]) else None


def block_loss_grad(X, y, s, w, b) -> tuple[Any, Any, Any]:
    """Partial loss, gradient in w and gradient in b of one block."""
    fused = _fused(X, y, s, w)
    if fused is not None:
        return fused(X, y, s, w, b)[0]
    X = exact_rows(X)  # once for both products
    xp = array_namespace(y)
    loss, p, _ = loss_and_sigmoid(y, _margins(xp, X, w, b))
    r = _weighted(p - y, s)
    return xp.sum(_weighted(loss, s)), _rmatvec(xp, X, r), xp.sum(r)


def block_loss_grad_peak(X, y, s, w, b) -> tuple[tuple[Any, Any, Any], float]:
    """:func:`block_loss_grad`, and the block's largest :math:`|z_i|` among rows of
    positive weight (the separation symptom, see ``block_max_abs_margin``), from the
    same margins: one matvec."""
    fused = _fused(X, y, s, w)
    if fused is not None:
        return fused(X, y, s, w, b)
    X = exact_rows(X)  # once for both products
    xp = array_namespace(y)
    z = _margins(xp, X, w, b)
    loss, p, _ = loss_and_sigmoid(y, z)
    r = _weighted(p - y, s)
    za = xp.abs(z) if s is None else xp.abs(z)[s > 0]
    peak = float(xp.max(za)) if za.shape[0] else 0.0
    return (xp.sum(_weighted(loss, s)), _rmatvec(xp, X, r), xp.sum(r)), peak


def block_loss_grad_weights(X, y, s, w, b) -> tuple[tuple[Any, Any, Any], Any]:
    """Like :func:`block_loss_grad`, also returning the Newton weights h of the block.

    The weights are kept by the backend (one float64 per sample) so that the
    Hessian-vector products that follow need no extra pass to recompute them.
    """
    X = exact_rows(X)  # once for both products
    xp = array_namespace(y)
    loss, p, pq = loss_and_sigmoid(y, _margins(xp, X, w, b))
    r = _weighted(p - y, s)
    sums = (xp.sum(_weighted(loss, s)), _rmatvec(xp, X, r), xp.sum(r))
    return sums, _weighted(pq, s)


def block_hessp(X, y, s, h, v_w, v_b) -> tuple[Any, Any]:
    """Partial Hessian-vector product of one block given its Newton weights ``h``."""
    X = exact_rows(X)  # once for both products
    xp = array_namespace(y)
    u = h * _margins(xp, X, v_w, v_b)
    return _rmatvec(xp, X, u), xp.sum(u)


def _gram(A):
    """:math:`A^\top A` for a dense block.

    NumPy computes a product of an array with its own transpose by BLAS ``syrk`` (half
    the flops of a general product) and mirrors the triangle, so the result is exactly
    symmetric; measured 1.3–2× faster than calling scipy's ``dsyrk`` wrapper (and
    mirroring by hand) on 2k–25k-row blocks of 20–1000 columns.
    """
    return A.T @ A


def _weighted_gram(xp, X, h, dtype=None):
    """:math:`X^\\top \\operatorname{diag}(h) X` as a dense float64 array.

    ``dtype`` (e.g. float32) sets the precision of the product itself for dense X —
    half the flops of float64, ample for a preconditioner or a curvature estimate; a
    float32 product that overflows is redone in float64.
    """
    if sp.issparse(X):
        G = X.T @ sp.csr_matrix(X.multiply(h.astype(X.dtype, copy=False)[:, None]))
        return G.toarray().astype("float64", copy=False)
    dtype = X.dtype if dtype is None else dtype
    A = xp.astype(X, dtype, copy=False) * xp.astype(xp.sqrt(h), dtype, copy=False)[:, None]
    G = _gram(A)
    if dtype != xp.float64 and not bool(xp.all(xp.isfinite(G))):
        # float32 squares overflow (e.g. nanosecond timestamps, ~1e18): redo in float64
        A = xp.astype(X, xp.float64) * xp.astype(xp.sqrt(h), xp.float64)[:, None]
        G = _gram(A)
    return xp.astype(G, xp.float64)


def block_hessian(X, y, s, w, b, gram_dtype=None, standardize=None):
    """Partial Hessian blocks (ww, wb, bb) of one block, without loss or gradient.

    ``gram_dtype`` optionally lowers the precision of the ``ww`` product (see
    :func:`_weighted_gram`). ``standardize=(mean, sigma)`` gives the blocks of the
    standardised design :math:`x' = (x - \\mu)/\\sigma` instead (dense blocks): the
    Hessian in standardised coordinates, formed without the cancellation that
    transforming the raw one would suffer when a column's offset dwarfs its spread
    (a timestamp column, say).
    """
    xp = array_namespace(y)
    X64 = exact_rows(X)  # once for both vector products; the Gram keeps X's dtype
    _, _, h = loss_and_sigmoid(y, _margins(xp, X64, w, b))
    h = _weighted(h, s)
    if standardize is None:
        return _weighted_gram(xp, X, h, gram_dtype), _rmatvec(xp, X64, h), xp.sum(h)
    if type(X) is np.ndarray:
        return _standardized_gram(X, h, standardize, gram_dtype or X.dtype)
    Xs = standardized_block(xp, X, standardize, gram_dtype or X.dtype)
    if sp.issparse(Xs):
        return _weighted_gram(xp, Xs, h), _rmatvec(xp, Xs, h), xp.sum(h)
    root = xp.astype(xp.sqrt(h), Xs.dtype, copy=False)
    Xs *= root[:, None]  # Xs is the block's own new copy: scaled in place
    return (xp.astype(_gram(Xs), xp.float64), xp.astype(Xs.T @ root, xp.float64), xp.sum(h))


#: Bytes of the row buffer :func:`_standardized_gram` reuses.
GRAM_BUFFER_BYTES = 2 << 20


def _standardized_gram(X, h, standardize, dtype):
    r""":func:`block_hessian`'s blocks of the standardised NumPy rows ``X``, row block
    by row block through one reused buffer: the temporaries are a buffer's size, not
    ``X``'s (a Dask worker returns freed memory to the system, so every fresh
    temporary costs its pages again: 4 of the 12 ms of a 12,500×100 chunk's Hessian).
    Each block is centred and scaled in ``X``'s precision, cast to ``dtype``, scaled by
    :math:`\sqrt{h}` and its Gram product added in float64."""
    mean, sigma = standardize
    n, d = X.shape
    rows = max(1, min(n, max(256, GRAM_BUFFER_BYTES // (X.itemsize * max(d, 1)))))
    buf = np.empty((rows, d), dtype=X.dtype)
    cast = None if np.dtype(dtype) == X.dtype else np.empty((rows, d), dtype=dtype)
    mu, sg = np.asarray(mean, dtype=X.dtype), np.asarray(sigma, dtype=X.dtype)
    G, v = np.zeros((d, d)), np.zeros(d)
    for i in range(0, n, rows):
        m = min(rows, n - i)
        A = np.subtract(X[i:i + m], mu, out=buf[:m])
        A /= sg
        if cast is not None:
            A = cast[:m]
            A[...] = buf[:m]
        root = np.sqrt(h[i:i + m]).astype(A.dtype)
        A *= root[:, None]
        G += _gram(A)
        v += A.T @ root
    return G, v, np.sum(h)


def standardized_block(xp, X, standardize, dtype):
    """:math:`(X_b - \\mu)/\\sigma` in ``dtype`` (a new dense array, the caller's to
    change; a sparse block needs :math:`\\mu = 0` and stays sparse)."""
    mean, sigma = standardize
    if sp.issparse(X):
        if np.any(mean):
            raise ValueError("a sparse block can only be scaled, not centred")
        return sp.csr_matrix(X.multiply(1.0 / sigma)).astype(dtype)
    # centred and scaled in X's own precision, then cast (a float64 column beyond float32's
    # range is fine once scaled)
    Xs = X - xp.astype(xp.asarray(mean), X.dtype)
    Xs /= xp.astype(xp.asarray(sigma), X.dtype)  # in place: one new array, not two
    return xp.astype(Xs, dtype, copy=False)


def block_loss_grad_hess(X, y, s, w, b, stride: int = 1):
    r"""Partial loss, gradient (w, b) and Hessian blocks (ww, wb, bb) in one pass.

    The block is read once from memory: the Gram product reuses it while it is
    still in cache, so a Newton iteration costs one pass over X.

    ``stride > 1``: the Hessian blocks are estimated from every ``stride``-th row,
    :math:`\frac{S}{S_{sub}}\sum_{i \in sub} s_i h_i \tilde x_i \tilde x_i^\top`
    (:math:`S` the block's weight sum, :math:`\tilde x = (x, 1)`), which cuts the Gram
    product, the pass's main cost, by the stride; loss and gradient stay exact.
    """
    xp = array_namespace(y)
    # float64 throughout, the Gram too: this is the pass whose Hessian the inference
    # tables invert, and a float32 Gram of a column with an offset (mean 1000, spread 1)
    # gave standard errors 3% off statsmodels'
    X64 = exact_rows(X)
    (loss, g_w, g_b), h = block_loss_grad_weights(X64, y, s, w, b)
    if stride > 1:
        X64, h_sub = X64[::stride], h[::stride]
        total, sub = (h.shape[0], h_sub.shape[0]) if s is None else (xp.sum(s), xp.sum(s[::stride]))
        h = h_sub * (float(total) / float(sub)) if float(sub) > 0 else h_sub
    return loss, g_w, g_b, _weighted_gram(xp, X64, h), _rmatvec(xp, X64, h), xp.sum(h)


def block_gram_trace(X, y, s) -> tuple[Any, Any]:
    """Partial :math:`\\sum_i s_i \\|x_i\\|^2` and :math:`\\sum_i s_i` (for step-size bounds)."""
    xp = array_namespace(y)
    if sp.issparse(X):  # y may be 1-D labels or a one-hot (n, k) matrix
        total = float(np.sum(sparse_square_sums(X, s)))
        return total, (float(y.shape[0]) if s is None else xp.sum(s))
    sq = xp.astype(xp.sum(X * X, axis=1), xp.float64)
    if s is None:
        return xp.sum(sq), float(y.shape[0])
    return xp.sum(sq * s), xp.sum(s)


#: Stored entries of a sparse matrix handled at a time by :func:`sparse_square_sums`
#: (its temporaries: about 32 bytes each, 8 MB).
SPARSE_CHUNK = 1 << 18


def sparse_square_sums(X, s=None, unit=None) -> np.ndarray:
    r"""Per column j, :math:`\sum_i s_i (x_{ij}/u_j)^2` of a CSR/CSC matrix, in float64.

    Reads the stored entries in chunks of :data:`SPARSE_CHUNK`, so the temporaries
    stay a few MB whatever the size of X (``X.multiply(X)`` would copy every non-zero).
    """
    X = X if X.format in ("csr", "csc") else X.tocsr()
    d = X.shape[1]
    out = np.zeros(d)
    indptr, indices, data = X.indptr, X.indices, X.data
    for p0 in range(0, X.nnz, SPARSE_CHUNK):
        p1 = min(p0 + SPARSE_CHUNK, X.nnz)
        major = np.searchsorted(indptr, np.arange(p0, p1), side="right") - 1
        minor = indices[p0:p1]
        row, col = (major, minor) if X.format == "csr" else (minor, major)
        v = data[p0:p1].astype(np.float64)
        if unit is not None:
            v /= unit[col]
        v *= v
        if s is not None:
            v *= s[row]
        out += np.bincount(col, weights=v, minlength=d)
    return out


def block_column_moments(X, y, s, unit=None) -> tuple[Any, Any, Any]:
    """Partial column sums of :math:`s_i x_i` and :math:`s_i x_i^2`, and :math:`\\sum_i s_i`.

    ``unit``: per-column divisors (e.g. the columns' largest magnitudes), for columns
    whose squares would overflow: the moments of :math:`x/\\text{unit}` come back.
    """
    xp = array_namespace(y)
    if sp.issparse(X):
        sw = np.ones(y.shape[0]) if s is None else s  # y may be one-hot (n, k)
        first = np.asarray(X.T @ sw, dtype=np.float64)
        if unit is not None:
            first = first / unit
        return first, sparse_square_sums(X, s, unit), xp.sum(sw)
    Xf = xp.astype(X, xp.float64, copy=unit is not None)
    if unit is not None:
        Xf /= unit
    if s is None:
        return xp.sum(Xf, axis=0), _column_squares(xp, Xf), float(y.shape[0])
    return s @ Xf, s @ (Xf * Xf), xp.sum(s)


def _column_squares(xp, X):
    """:math:`\\sum_i x_{ij}^2` per column: NumPy's ``einsum`` reads ``X`` once without
    an n×d temporary (3× faster than ``sum(X * X)`` on a 25,000×100 block, whose
    temporary costs fresh pages where large allocations are returned to the system)."""
    if type(X) is np.ndarray:
        return np.einsum("ij,ij->j", X, X)
    return xp.sum(X * X, axis=0)


def block_hess_columns(X, y, s, w, b, cols) -> tuple[Any, Any, Any]:
    """Binary Hessian blocks on columns ``cols``: :math:`X_J^\\top D X_J`, :math:`X_J^\\top h`,
    :math:`\\sum h` with :math:`h = s\\odot\\sigma(z)(1-\\sigma(z))` (one block)."""
    xp = array_namespace(y)
    _, h = block_loss_grad_weights(X, y, s, w, b)
    XJ = X[:, cols]
    if sp.issparse(XJ):
        G = (XJ.T @ sp.csr_matrix(XJ.multiply(h.astype(X.dtype)[:, None]))).toarray()
        v = np.asarray(XJ.T @ h.astype(X.dtype)).reshape(-1)
    else:
        hx = xp.astype(h, X.dtype, copy=False)
        G = XJ.T @ (XJ * hx[:, None])
        v = XJ.T @ hx
    return xp.astype(xp.asarray(G), xp.float64), xp.astype(xp.asarray(v), xp.float64), xp.sum(h)


def block_sum_weights(X, y, s) -> tuple[Any]:
    """Partial total sample weight :math:`\\sum_i s_i` (the row count without weights)."""
    return (y.shape[0] if s is None else array_namespace(y).sum(s),)


def block_label_sums(X, y, s) -> tuple[Any]:
    """Partial unweighted label sums :math:`\\sum_i y_i` (per class for one-hot ``y``)."""
    xp = array_namespace(y)
    return (xp.sum(y, axis=0),)


def block_column_max_abs(X, y, s) -> tuple[Any]:
    """Partial column maxima of :math:`|x_{ij}|` (summing is wrong here: use
    ``reduce_keep`` and take the maximum over blocks)."""
    xp = array_namespace(y)
    if sp.issparse(X):
        peak = abs(X).max(axis=0)
        return (), np.asarray(peak.todense()).reshape(-1).astype(np.float64)
    return (), xp.astype(xp.max(xp.abs(X), axis=0), xp.float64)


block_column_max_abs.kept_on_host = True  # O(d) column statistics: a device backend moves them

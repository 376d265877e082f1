r"""Per-block multinomial (softmax) math: partial loss, gradient, H·v and the Hessian.

With :math:`k` classes the coefficients are a matrix :math:`W \in \mathbb{R}^{k\times d}`
(scikit-learn's ``coef_``) and intercepts :math:`b \in \mathbb{R}^k`. For one block of
rows :math:`(X_b, Y_b, s_b)`, :math:`Y` one-hot of shape (n_b, k), let

.. math::

    Z = X_b W^\top + \mathbf 1 b^\top, \qquad
    \operatorname{lse}(z_i) = m_i + \log\textstyle\sum_c e^{z_{ic} - m_i},
    \quad m_i = \max_c z_{ic}, \qquad P = e^{Z - \operatorname{lse}(Z)}.

Subtracting the row maximum makes every exponent non-positive, so nothing
overflows and the largest term of each sum is exactly 1 (no log of 0). Then

.. math::

    L_b &= \textstyle\sum_i s_i\big(\operatorname{lse}(z_i) - y_i\cdot z_i\big) \\
    \nabla_W &= R^\top X_b, \quad \nabla_b = R^\top \mathbf 1,
        \quad R = s \odot (P - Y) \\
    H v &= \big(Q^\top X_b,\ Q^\top\mathbf 1\big), \quad
        Q = s\odot\big(P\odot U - P \odot (P\odot U)\mathbf 1\big),
        \quad U = X_b V^\top + \mathbf 1 v_b^\top

(per sample the Hessian in :math:`z` is :math:`\operatorname{diag}(p) - pp^\top`). The
full Hessian, block :math:`(c, c')` of size :math:`d\times d`, is
:math:`X_b^\top \operatorname{diag}(s\odot(p_c\delta_{cc'} - p_c p_{c'}))X_b`: it costs
:math:`k(k+1)/2` weighted Gram products, so it is meant for small :math:`k\cdot d`.

Dtypes and namespaces follow :mod:`logistic.math.binary`: the products with ``X_b`` run
in ``X_b``'s dtype (NumPy float32 rows in float64, see :func:`_exact`; the Hessian's Gram
products in the rows' dtype), everything else in float64, through the array namespace
of ``Y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from array_api_compat import array_namespace, device

from .binary import exact_rows as _exact
from .binary import standardized_block
from .stable import COMPILED_MIN_SIZE, compiled

__all__ = [
    "block_loss",
    "block_loss_grad",
    "block_loss_grad_probs",
    "block_hessp",
    "block_loss_grad_hess",
    "block_hess_columns",
    "block_hess_columns_at",
    "block_max_abs_centered_score",
    "block_residual_grams",
    "block_max_abs_score_gap",
]


def _scores(X, Y, W, b):
    """Z = X Wᵀ + b in float64 (the product in X's dtype, see :func:`_exact`; none at
    W = 0); W is (k, d), b is (k,) or 0."""
    xp = array_namespace(Y)
    if not bool(xp.any(W != 0)):
        return xp.zeros(Y.shape, dtype=xp.float64, device=device(Y)) + b
    X = _exact(X)  # a no-op where the caller already cast the block
    XW = X @ xp.astype(W.T, X.dtype, copy=False)
    return xp.astype(xp.asarray(XW), xp.float64) + b


def _rmatmul(X, R):
    """Rᵀ X as a float64 (k, d) array (R cast to X's dtype for the product, see
    :func:`_exact`)."""
    xp = array_namespace(R)
    X = _exact(X)
    out = X.T @ xp.astype(R, X.dtype, copy=False)
    return xp.astype(xp.asarray(out), xp.float64).T


def _rowweight(A, s):
    return A if s is None else A * s[:, None]


def _softmax_loss(Y, s, Z):
    r"""Partial loss and probabilities from scores: one ``exp`` per entry, no second pass.

    With :math:`m_i = \max_c z_{ic}`, :math:`E = e^{Z - m}` and :math:`S_i = \sum_c E_{ic}
    \ge 1`: :math:`P = E / S` and :math:`\ell_i = m_i + \log S_i - y_i\cdot z_i`.
    """
    if compiled(Y, Z, ndim=2):  # the same formulas compiled (logistic.math.kernels)
        from .kernels import softmax_terms

        per_sample, P = softmax_terms(Y, Z)
        return np.sum(per_sample if s is None else per_sample * s), P
    xp = array_namespace(Y)
    m = xp.max(Z, axis=1, keepdims=True)
    E = xp.exp(Z - m)
    S = xp.sum(E, axis=1, keepdims=True)
    per_sample = xp.reshape(m + xp.log(S), (-1,)) - xp.sum(Y * Z, axis=1)
    loss = xp.sum(per_sample if s is None else per_sample * s)
    return loss, E / S


def block_loss(X, Y, s, W, b) -> tuple[Any]:
    r"""Partial loss :math:`\sum_i s_i(\operatorname{lse}(z_i) - y_i\cdot z_i)` (one product)."""
    return (_softmax_loss(Y, s, _scores(X, Y, W, b))[0],)


def block_loss_grad_probs(X, Y, s, W, b) -> tuple[tuple[Any, Any, Any], tuple[Any, Any]]:
    """Loss, gradient (W, b), and the kept ``(P, s)`` for later Hessian products."""
    xp = array_namespace(Y)
    X = _exact(X)  # once for both products
    loss, P = _softmax_loss(Y, s, _scores(X, Y, W, b))
    R = _rowweight(P - Y, s)
    return (loss, _rmatmul(X, R), xp.sum(R, axis=0)), (P, s)


def block_loss_grad(X, Y, s, W, b) -> tuple[Any, Any, Any]:
    """Partial loss, gradient in W (k, d) and gradient in b (k,) (large NumPy blocks of
    few coefficients: in one read of the block, :func:`logistic.math.kernels.softmax_pass`)."""
    if type(X) is np.ndarray and X.shape[0] * W.shape[0] >= COMPILED_MIN_SIZE:
        from .kernels import fusable, softmax_pass

        if fusable(X, Y, s, W.size):
            return softmax_pass(X, Y, s, W, b)
    return block_loss_grad_probs(X, Y, s, W, b)[0]


def block_hessp(X, Y, s, kept, V, v_b) -> tuple[Any, Any]:
    """Partial Hessian-vector product given the block's kept probabilities."""
    xp = array_namespace(Y)
    P, s = kept
    X = _exact(X)  # once for both products
    PU = P * _scores(X, Y, V, v_b)
    Q = _rowweight(PU - P * xp.sum(PU, axis=1, keepdims=True), s)
    return _rmatmul(X, Q), xp.sum(Q, axis=0)


def _gram(X, h, cols=None):
    """:math:`X_J^\\top \\operatorname{diag}(h) X_J` (h of any sign) as dense float64."""
    if cols is not None:
        X = X[:, cols]
    if sp.issparse(X):
        G = X.T @ sp.csr_matrix(X.multiply(h.astype(X.dtype, copy=False)[:, None]))
        return G.toarray().astype("float64", copy=False)
    xp = array_namespace(h)
    A = X * xp.astype(h, X.dtype, copy=False)[:, None]
    return xp.astype(X.T @ A, xp.float64)


def _colsum(X, h, cols=None):
    """:math:`X_J^\\top h` as float64."""
    if cols is not None:
        X = X[:, cols]
    xp = array_namespace(h)
    return xp.astype(xp.reshape(xp.asarray(X.T @ xp.astype(h, X.dtype, copy=False)), (-1,)),
                     xp.float64)


#: Bytes of the row slices' operands in :func:`_hess_by_row_products`.
PAIR_SLICE_BYTES = 4 << 20


#: From this many classes on, the dense Hessian blocks are formed by
#: :func:`_hess_by_row_products` (one product for all class pairs) instead of
#: per-class products (measured 3–5× faster at k = 10–20, even at k = 5, 3×
#: slower at k = 3 with 101 columns, one thread).
ROW_PRODUCT_MIN_CLASSES = 5


def _hess_by_row_products(X, P, s):
    r"""All class-pair blocks at once: with the cross-pair weights
    :math:`w_{i,cc'} = s_i p_{ic} p_{ic'}` (:math:`c < c'`), the Gram sums
    :math:`G_{cc'} = \sum_i w_{i,cc'}\, x_i x_i^\top` are one matrix product

    .. math:: G = \mathcal W^\top \mathcal X, \qquad
        \mathcal W_{i,(c<c')} = w_{i,cc'}, \quad
        \mathcal X_{i,(a\le b)} = x_{ia} x_{ib},

    over the :math:`k(k-1)/2` cross pairs and the :math:`m(m+1)/2` column pairs (symmetric:
    a quarter of the products' work), formed by row slices of at most
    :data:`PAIR_SLICE_BYTES`. The blocks follow as in :func:`_hess_by_cross_pairs`:
    :math:`H_{cc'} = -G_{cc'}` and :math:`H_{cc} = \sum_{c' \ne c} G_{cc'}`. The per-class
    products of :func:`_hess_by_cross_pairs` are thin when :math:`m` is small and
    :math:`k` large; this is one wide product. NumPy only; float64 throughout. Returns
    ``(H_WW, H_Wb, H_bb)`` as :func:`block_hess_columns`."""
    n, m = X.shape
    k = P.shape[1]
    ci, cj = np.triu_indices(k, 1)
    ai, bi = np.triu_indices(m)
    T = ai.size
    G = np.zeros((ci.size, T))
    V = np.zeros((ci.size, m))
    t = np.zeros(ci.size)
    step = max(64, PAIR_SLICE_BYTES // (8 * (T + 3 * ci.size)))  # XX and the weights
    buf = np.empty((min(step, n), T))
    for start in range(0, n, step):
        Xr = np.asarray(X[start : start + step], dtype=np.float64)
        Pr = P[start : start + step]
        Wr = Pr[:, ci] * Pr[:, cj]
        if s is not None:
            Wr *= s[start : start + step, None]
        XX, off = buf[: Xr.shape[0]], 0
        for a in range(m):  # x_a · x_b for b ≥ a, column pair by column pair
            np.multiply(Xr[:, a:], Xr[:, a : a + 1], out=XX[:, off : off + m - a])
            off += m - a
        G += Wr.T @ XX
        V += Wr.T @ Xr
        t += Wr.sum(axis=0)
    full = np.empty((ci.size, m, m))
    full[:, ai, bi] = G
    full[:, bi, ai] = G
    return _from_cross_grams(full, V, t, k)


def _from_cross_grams(G, V, t, k: int):
    r"""``(H_WW, H_Wb, H_bb)`` from the cross Grams :math:`G_{cc'}`, their column sums
    :math:`V_{cc'}` and totals :math:`t_{cc'}` over the pairs :math:`c < c'` (in
    ``np.triu_indices(k, 1)`` order): :math:`H_{cc'} = -G_{cc'}`,
    :math:`H_{cc} = \sum_{c' \ne c} G_{cc'}` (see :func:`_hess_by_cross_pairs`)."""
    m = G.shape[1]
    ci, cj = np.triu_indices(k, 1)
    H_WW, H_Wb, H_bb = np.empty((k, k, m, m)), np.empty((k, k, m)), np.empty((k, k))
    H_WW[ci, cj], H_Wb[ci, cj], H_bb[ci, cj] = -G, -V, -t
    H_WW[cj, ci], H_Wb[cj, ci], H_bb[cj, ci] = -G, -V, -t
    for c in range(k):
        on = (ci == c) | (cj == c)
        H_WW[c, c], H_Wb[c, c], H_bb[c, c] = G[on].sum(0), V[on].sum(0), t[on].sum()
    return H_WW, H_Wb, H_bb


def _dense_cross_grams(X: np.ndarray, P: np.ndarray, s):
    r""":func:`_hess_by_cross_pairs` for a NumPy block: every
    :math:`Z = \operatorname{diag}(\sqrt{s\,p_c p_{c'}})X` is written into one scratch
    array (a fresh array per pair is fresh memory, whose page faults cost as much as
    the product: 2000×100, 3 classes, 3.9 → 2.3 ms) and its Gram formed in X's
    precision, accumulated in float64."""
    k = P.shape[1]
    ci, cj = np.triu_indices(k, 1)
    Wp = P[:, ci] * P[:, cj]
    if s is not None:
        Wp *= s[:, None]
    root = np.sqrt(Wp).astype(X.dtype)
    G = np.empty((ci.size, X.shape[1], X.shape[1]))
    Z = np.empty_like(X, order="C")
    for q in range(ci.size):
        np.multiply(X, root[:, q : q + 1], out=Z)
        G[q] = Z.T @ Z
    V = np.asarray(Wp.T.astype(X.dtype) @ X, dtype=np.float64)
    return _from_cross_grams(G, V, Wp.sum(axis=0), k)


def _hess_by_cross_pairs(xp, X, P, s):
    r"""The dense Hessian blocks from the :math:`k(k-1)/2` cross pairs alone.

    The pair weights :math:`h_{i,cc'} = s_i p_{ic}(\delta_{cc'} - p_{ic'})` sum to zero
    over :math:`c'` (the probabilities sum to one), so with
    :math:`G_{cc'} = X^\top \operatorname{diag}(s\,p_c p_{c'}) X` for :math:`c \ne c'`

    .. math:: H_{cc'} = -G_{cc'}, \qquad H_{cc} = \sum_{c' \ne c} G_{cc'},

    and each dense :math:`G_{cc'}` is the Gram :math:`Z^\top Z` of
    :math:`Z = \operatorname{diag}(\sqrt{s\,p_c p_{c'}})\,X` (the weights are
    non-negative), which BLAS forms as a symmetric rank-k update: a quarter of the work
    of :math:`k(k+1)/2` general products (a sparse one is a sparse product). Returns
    ``(H_WW, H_Wb, H_bb)`` as :func:`block_hess_columns`.
    """
    k, m, dev = P.shape[1], X.shape[1], device(P)
    H_WW = xp.zeros((k, k, m, m), dtype=xp.float64, device=dev)
    H_Wb = xp.zeros((k, k, m), dtype=xp.float64, device=dev)
    H_bb = xp.zeros((k, k), dtype=xp.float64, device=dev)
    for c in range(k):
        for e in range(c + 1, k):
            w = P[:, c] * P[:, e]
            if s is not None:
                w = w * s
            if sp.issparse(X):
                G = _gram(X, w)
            else:  # Zᵀ Z with Z = diag(√w) X: a symmetric rank-k update
                Z = X * xp.astype(xp.sqrt(w), X.dtype)[:, None]
                G = xp.astype(Z.T @ Z, xp.float64)
            v = _colsum(X, w)
            t = xp.sum(w)
            H_WW[c, e, ...], H_Wb[c, e, ...], H_bb[c, e] = -G, -v, -t
            H_WW[e, c, ...], H_Wb[e, c, ...], H_bb[e, c] = -G, -v, -t
            for a in (c, e):
                H_WW[a, a, ...] += G
                H_Wb[a, a, ...] += v
                H_bb[a, a] += t
    return H_WW, H_Wb, H_bb


def _design(xp, X, cols, standardize):
    """The block's columns ``cols`` (None: all), standardised with ``(mean, sigma)``."""
    XJ = X if cols is None else X[:, cols]
    return XJ if standardize is None else standardized_block(xp, XJ, standardize, XJ.dtype)


def block_hess_columns(X, Y, s, kept, cols, standardize=None) -> tuple[Any, Any, Any]:
    """Hessian blocks on the feature columns ``cols`` (all when None), given kept ``(P, s)``.

    Returns ``(H_WW, H_Wb, H_bb)`` of shapes ``(k, k, m, m)``, ``(k, k, m)``, ``(k, k)``
    with ``H_WW[c, c'] = X_Jᵀ diag(s (p_c δ_cc' − p_c p_c')) X_J``; with
    ``standardize=(mean, sigma)`` (all columns) those of the standardised design
    (see :func:`logistic.math.binary.block_hessian`).
    """
    xp = array_namespace(Y)
    P, s = kept
    XJ = _design(xp, X, cols, standardize)
    if type(XJ) is np.ndarray and type(P) is np.ndarray:
        if P.shape[1] >= ROW_PRODUCT_MIN_CLASSES:
            return _hess_by_row_products(XJ, P, s)
        return _dense_cross_grams(XJ, P, s)
    return _hess_by_cross_pairs(xp, XJ, P, s)


def block_hess_columns_at(X, Y, s, W, b, cols, standardize=None) -> tuple[Any, Any, Any]:
    """:func:`block_hess_columns` at coefficients ``(W, b)`` (probabilities computed here;
    at ``W = 0``, a NumPy block, by :func:`_hess_at_zero_coef`)."""
    if type(X) is np.ndarray and type(Y) is np.ndarray and not np.any(W):
        return _hess_at_zero_coef(_design(np, X, cols, standardize), s,
                                  np.broadcast_to(np.asarray(b, dtype=np.float64), (Y.shape[1],)))
    _, P = _softmax_loss(Y, s, _scores(X, Y, W, b))
    return block_hess_columns(X, Y, s, (P, s), cols, standardize)


def _hess_at_zero_coef(X: np.ndarray, s, b: np.ndarray):
    r"""The Hessian blocks where :math:`W = 0` (where Newton starts): every row has the
    same probabilities :math:`p = \operatorname{softmax}(b)`, so each cross-pair Gram
    of :func:`_hess_by_cross_pairs` is :math:`p_c p_{c'}` times one weighted Gram,
    :math:`G_{cc'} = p_c p_{c'}\,X^\top \operatorname{diag}(s) X`: one product for
    every pair (50k×100, 3 classes: a third of the work; at 10 classes 1/45th)."""
    k = b.size
    e = np.exp(b - np.max(b))
    p = e / e.sum()
    ci, cj = np.triu_indices(k, 1)
    pair = p[ci] * p[cj]
    Z = X if s is None else X * np.sqrt(s).astype(X.dtype)[:, None]
    G = np.asarray(Z.T @ Z, dtype=np.float64)
    v = np.asarray(X.sum(axis=0) if s is None else s.astype(X.dtype) @ X, dtype=np.float64)
    t = float(X.shape[0] if s is None else np.sum(s))
    return _from_cross_grams(pair[:, None, None] * G, pair[:, None] * v, pair * t, k)


def block_loss_grad_hess(X, Y, s, W, b):
    """Loss, gradient (W, b) and Hessian blocks (see :func:`block_hess_columns`), one pass;
    the Grams in float64 for float32 rows too (the inference tables invert them; see
    :func:`logistic.math.binary.block_loss_grad_hess`)."""
    sums, kept = block_loss_grad_probs(X, Y, s, W, b)
    return (*sums, *block_hess_columns(_exact(X), Y, s, kept, None))


def block_max_abs_centered_score(X, Y, s, W, b):
    """Keeps the block's largest :math:`|z_{ic} - \\bar z_i|` (scores centred over the
    classes, rows of positive weight; no sums): how far the fit pushes a class apart."""
    xp = array_namespace(Y)
    Z = _scores(X, Y, W, b)
    Z = xp.abs(Z - xp.mean(Z, axis=1, keepdims=True))
    if s is not None:
        Z = Z[s > 0]
    return (), float(xp.max(Z)) if Z.shape[0] else 0.0


def block_score_gram(X, Y, s, W, b):
    r"""Partial :math:`M = \sum_i s_i (r_i r_i^\top)\otimes(\tilde x_i\tilde x_i^\top)`,
    :math:`r_i = p_i - y_i` (k,), :math:`\tilde x_i = (x_i, 1)`: the sandwich's meat in
    class-major order (class c's coefficients then its intercept), dense (k·(d+1))².
    Small models only (inference tables)."""
    xp = array_namespace(Y)
    _, P = _softmax_loss(Y, s, _scores(X, Y, W, b))
    R = xp.astype(P - Y, xp.float64)
    if s is not None:
        R = R * xp.sqrt(s)[:, None]
    if sp.issparse(X):
        Xd = X.toarray().astype(np.float64)
    else:
        Xd = xp.astype(X, xp.float64)
    Xa = xp.concat([Xd, xp.ones((Xd.shape[0], 1), dtype=xp.float64, device=device(Y))], axis=1)
    Z = xp.reshape(R[:, :, None] * Xa[:, None, :], (Xa.shape[0], -1))
    return (Z.T @ Z,)


def block_residual_grams(X, Y, s, W, b):
    r"""Partial sums of the multinomial existence certificate (see
    :func:`logistic.inference.separation.certifies_existence`). Its rows are
    :math:`(e_{y_i} - e_c) \otimes \tilde x_i` for every other class :math:`c`, with
    multipliers :math:`\lambda_{ic} = s_i p_{ic}`; the sums are
    :math:`\sum \lambda_{ic} a_{ic} a_{ic}^\top` as class-pair Grams of the row
    weights :math:`h_{i,aa} = s_i(y_{ia}(1 - p_{ia}) + (1 - y_{ia})p_{ia})` and
    :math:`h_{i,ab} = -s_i(y_{ia}p_{ib} + y_{ib}p_{ia})` (the Grams, their column sums
    and totals, each over the pairs :math:`a \le b` in row-major order),
    :math:`\sum \lambda_{ic} a_{ic} = -\sum_i s_i(p_i - y_i) \otimes \tilde x_i`
    (``(k, d)``, ``(k,)``), :math:`\sum \lambda_{ic}`, and the least
    :math:`\lambda_{ic}` over rows of positive weight (no sum)."""
    xp = array_namespace(Y)
    X = _exact(X)
    _, P = _softmax_loss(Y, s, _scores(X, Y, W, b))
    k = Y.shape[1]
    sw = xp.ones_like(P[:, 0]) if s is None else xp.astype(s, xp.float64)
    Gs, Vs, Ts = [], [], []
    for a in range(k):  # the pairs a ≤ c in row-major order
        for c in range(a, k):
            h = sw * (Y[:, a] * (1 - P[:, a]) + (1 - Y[:, a]) * P[:, a] if a == c else
                      -(Y[:, a] * P[:, c] + Y[:, c] * P[:, a]))
            Gs.append(_gram(X, h))
            Vs.append(_colsum(X, h))
            Ts.append(xp.sum(h))
    R = (Y - P) * sw[:, None]
    others = xp.where(Y > 0, xp.inf, P * sw[:, None])
    if s is not None:
        others = others[sw > 0]
    least = float(xp.min(others)) if others.shape[0] else np.inf
    total = float(xp.sum(xp.where(Y > 0, 0.0, P) * sw[:, None]))
    return (*Gs, *Vs, *Ts, _rmatmul(X, R), xp.sum(R, axis=0), total), least


def block_max_abs_score_gap(X, Y, s, W, b):
    """Keeps the block's largest :math:`|z_{iy_i} - z_{ic}|` over rows of positive weight
    and classes :math:`c \ne y_i` (no sums)."""
    xp = array_namespace(Y)
    Z = _scores(X, Y, W, b)
    own = xp.sum(Z * Y, axis=1, keepdims=True)
    gap = xp.where(Y > 0, 0.0, xp.abs(own - Z))
    if s is not None:
        gap = gap[s > 0]
    return (), float(xp.max(gap)) if gap.shape[0] else 0.0

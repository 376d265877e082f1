r"""Per-block math for inference: score outer products, cluster score sums, Firth's correction.

Same contract as :mod:`logistic.math.binary`: each function sees one block of rows
:math:`(X_b, y_b, s_b)` and returns a tuple of partial sums that a data backend adds
over blocks. Write :math:`\tilde x_i = (x_i, 1)` (the 1 only with an intercept),
:math:`z_i = x_i\cdot w + b`, :math:`p_i = \sigma(z_i)` and :math:`r_i = p_i - y_i`
(the per-sample score of the log-loss is :math:`r_i \tilde x_i`). With ``s`` read as
frequency weights (sample i stands for :math:`s_i` identical observations):

.. math::

    M      &= \textstyle\sum_i s_i\, r_i^2\, \tilde x_i \tilde x_i^\top
              \qquad\text{(the "meat" of the White sandwich)} \\
    u_g    &= \textstyle\sum_{i \in g} s_i\, r_i\, \tilde x_i
              \qquad\text{(score sum of cluster } g\text{)} \\
    c      &= \textstyle\sum_i h_i\,(\tfrac12 - p_i)\, \tilde x_i, \qquad
    h_i = s_i\, p_i(1-p_i)\; \tilde x_i^\top I^{-1} \tilde x_i
              \qquad\text{(Firth's score correction)}

where :math:`I = \sum_i s_i p_i (1-p_i) \tilde x_i \tilde x_i^\top` is the Fisher
information (the Hessian of the log-loss, :func:`logistic.math.binary.block_loss_grad_hess`)
and :math:`h_i` the diagonal of the weighted hat matrix
:math:`W^{1/2}\tilde X I^{-1}\tilde X^\top W^{1/2}`. The margins, residuals and weighted
Gram products reuse :mod:`logistic.math.binary`'s helpers, so the logistic math lives in
one place.

The Firth correction receives :math:`I^{-1}` through a factor :math:`T` with
:math:`I^{-1} = T T^\top` split as ``(T_w, t_b)`` (rows for the features, then the
intercept row), so that :math:`\tilde x_i^\top I^{-1}\tilde x_i = \|x_i T_w + t_b\|^2`:
one product ``X_b @ T_w`` per block, which works for dense and scipy.sparse blocks alike.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from array_api_compat import array_namespace

from .binary import _margins, _rmatvec, _weighted_gram, exact_rows
from .stable import sigmoid, sigmoid_and_weight

__all__ = [
    "block_n_rows",
    "block_score_gram",
    "block_cluster_scores",
    "block_firth_correction",
    "block_firth_curvature",
    "block_margin_sums",
    "block_max_abs_margin",
    "block_residual_gram",
]


def _weighted(v, s):
    return v if s is None else v * s


def block_n_rows(X, y, s):
    """No sums; keeps the number of rows of the block (to align per-sample data with blocks)."""
    return (), int(y.shape[0])


def block_score_gram(X, y, s, w, b):
    """Partial :math:`M = \\sum_i s_i r_i^2 \\tilde x_i \\tilde x_i^\\top`, as (ww, wb, bb),
    in float64 (float32 rows too: see :func:`logistic.math.binary.block_loss_grad_hess`)."""
    xp = array_namespace(y)
    X = exact_rows(X)
    z = _margins(xp, X, w, b)
    r = sigmoid(z) - y
    v = _weighted(r * r, s)
    return _weighted_gram(xp, X, v), _rmatvec(xp, X, v), xp.sum(v)


def block_cluster_scores(X, y, s, codes, w, b, n_groups):
    """Partial cluster score sums :math:`u_g` for the groups in this block.

    ``codes`` holds the block's group index (0 … n_groups−1) of each row. Returns the
    (n_groups, d) feature part and the (n_groups,) intercept part.
    """
    z = _margins(np, X, w, b)
    r = _weighted(sigmoid(z) - y, s)
    n_b = y.shape[0]
    ind = sp.csr_matrix((r, (codes, np.arange(n_b))), shape=(n_groups, n_b))
    U_w = ind @ X if sp.issparse(X) else ind @ np.asarray(X, dtype=np.float64)
    U_w = U_w.toarray() if sp.issparse(U_w) else np.asarray(U_w)
    return U_w.astype(np.float64, copy=False), np.bincount(codes, weights=r, minlength=n_groups)


def block_firth_correction(X, y, s, w, b, T_w, t_b):
    """Partial Firth correction :math:`c` and the hat part of the augmented information.

    ``T_w`` (d × k) and ``t_b`` (k,) factor the inverse information as described in the
    module docstring (``t_b`` is zero without an intercept). Returns :math:`c` as
    (feature part, intercept part), then :math:`\\sum_i h_i p_i(1-p_i)\\tilde x_i\\tilde
    x_i^\\top` as (ww, wb, bb) blocks: the information the pseudo-observations of Firth's
    data-augmentation view add (Heinze & Schemper 2002).
    """
    z = _margins(np, X, w, b)
    p, pq = sigmoid_and_weight(z)
    B = np.asarray(X @ T_w.astype(X.dtype, copy=False), dtype=np.float64) + t_b
    h = _weighted(pq, s) * np.einsum("ij,ij->i", B, B)
    a = h * (0.5 - p)
    v = h * pq
    return _rmatvec(np, X, a), np.sum(a), _weighted_gram(np, X, v), _rmatvec(np, X, v), np.sum(v)


def block_firth_curvature(X, y, s, w, b, T_w, t_b):
    r"""Partial sums behind the exact Hessian of :math:`\tfrac12\log\det I`.

    With :math:`v_i = p_i(1-p_i)`, :math:`v'_i = v_i(1-2p_i)`,
    :math:`v''_i = v_i(1-6v_i)` (its derivatives in :math:`z_i`) and
    :math:`q_i = \tilde x_i^\top I^{-1}\tilde x_i = \|\tilde b_i\|^2`,
    :math:`\tilde b_i = x_i T_w + t_b`,

    .. math::

        \partial_k\partial_l \log\det I
          = \operatorname{tr}(I^{-1}\partial_{kl} I)
            - \operatorname{tr}(I^{-1}\partial_k I\, I^{-1}\partial_l I)
          = \big[C - M^\top M\big]_{kl},

        C = \textstyle\sum_i s_i v''_i q_i\, \tilde x_i\tilde x_i^\top, \qquad
        M = \textstyle\sum_i s_i v'_i\, \kappa_i \tilde x_i^\top,

    where :math:`\kappa_i` lists the products :math:`\tilde b_{ia}\tilde b_{ic}`
    (:math:`a \le c`, off-diagonal ones times :math:`\sqrt2`), so that
    :math:`\kappa_i\cdot\kappa_j = (\tilde x_i^\top I^{-1}\tilde x_j)^2`. Returns the
    dense (C, M) over :math:`\tilde x` (intercept last when ``t_b`` is not None); memory
    per block grows as :math:`k^2` per row, so this serves small models.
    """
    z = _margins(np, X, w, b)
    p, v = sigmoid_and_weight(z)
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    if t_b is not None:
        Xd = np.column_stack([Xd, np.ones(Xd.shape[0])])
    B = np.asarray(X @ T_w.astype(X.dtype, copy=False), dtype=np.float64)
    if t_b is not None:
        B = B + t_b
    q = np.einsum("ij,ij->i", B, B)
    a, c = np.triu_indices(B.shape[1])
    kappa = B[:, a] * B[:, c] * np.where(a == c, 1.0, np.sqrt(2.0))
    d1 = _weighted(v * (1.0 - 2.0 * p), s)
    d2 = _weighted(v * (1.0 - 6.0 * v) * q, s)
    return (Xd * d2[:, None]).T @ Xd, kappa.T @ (Xd * d1[:, None])


def block_max_abs_margin(X, y, s, w, b):
    """Keeps the block's largest :math:`|z_i|` among rows of positive weight (no sums)."""
    xp = array_namespace(y)
    z = xp.abs(_margins(xp, X, w, b))
    if s is not None:
        z = z[s > 0]
    return (), float(xp.max(z)) if z.shape[0] else 0.0


def block_residual_gram(X, y, s, w, b):
    r"""Partial sums of the existence certificate (see
    :func:`logistic.inference.separation.certifies_existence`): with the signed rows
    :math:`a_i = (2y_i-1)\tilde x_i` and :math:`\lambda_i = s_i|y_i - p_i|`,
    :math:`\sum_i \lambda_i a_i a_i^\top` as (ww, wb, bb), :math:`\sum_i \lambda_i a_i`
    as (w, b) (the ``bb`` entry is :math:`\sum_i \lambda_i`), and the least
    :math:`\lambda_i` over rows of positive weight (no sum)."""
    xp = array_namespace(y)
    X = exact_rows(X)
    z = _margins(xp, X, w, b)
    sign = 2.0 * y - 1.0
    lam = _weighted(sigmoid(-sign * z), s)
    least = lam if s is None else lam[s > 0]
    g = lam * sign
    sums = (_weighted_gram(xp, X, lam), _rmatvec(xp, X, lam), xp.sum(lam),
            _rmatvec(xp, X, g), xp.sum(g))
    return sums, float(xp.min(least)) if least.shape[0] else np.inf


def block_margin_sums(X, y, s, w, b):
    r"""Partial sums behind average marginal effects: :math:`\sum_i s_i v_i`,
    :math:`\sum_i s_i v_i(1-2p_i)\tilde x_i` (as feature part, intercept part) and
    :math:`\sum_i s_i x_i`, with :math:`v_i = p_i(1-p_i)`."""
    xp = array_namespace(y)
    z = _margins(xp, X, w, b)
    p, v = sigmoid_and_weight(z)
    v = _weighted(v, s)
    a = v * (1.0 - 2.0 * p)
    ones = xp.ones_like(z) if s is None else s
    return xp.sum(v), _rmatvec(xp, X, a), xp.sum(a), _rmatvec(xp, X, ones)

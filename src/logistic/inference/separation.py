r"""Does the maximum-likelihood estimate exist? Detecting (quasi-)complete separation.

Write :math:`a_i = (2y_i - 1)\,\tilde x_i` (the sample's features, sign-flipped for class
0, with a 1 for the intercept) and :math:`A` the matrix of rows :math:`a_i` (samples of
positive weight only). The logistic log-likelihood increases without limit along a
direction :math:`\delta` exactly when

.. math:: A\delta \ge 0, \qquad A\delta \ne 0

(Albert & Anderson 1984): then the MLE does not exist. If some :math:`\delta` makes every
inequality strict the separation is *complete*; otherwise it is *quasi-complete*. All
three questions are linear programs over the cone :math:`\{\delta : A\delta \ge 0\}`
cut to the box :math:`-1 \le \delta_j \le 1` (Konis 2007), solved by scipy's HiGHS:

* **is there separation?** :math:`\max \mathbf 1^\top A\delta`: positive iff some
  direction has :math:`A\delta \ge 0,\ A\delta \ne 0` (one LP; directions with
  :math:`A\delta = 0`, collinear columns, do not count);
* **complete?** :math:`\max t` subject to :math:`A\delta \ge t`, :math:`t \le 1`;
* **which coefficients diverge**: for each :math:`j`, :math:`\max \pm\delta_j` over the
  cone (two LPs per coefficient, run only for at most :data:`PER_COEFFICIENT_LPS`
  parameters; beyond that the first LP's direction names them).

The columns of :math:`A` are scaled to unit maximum first (the cone is unchanged, the
LP is better conditioned on columns of very different scales).

**Multinomial** (:func:`detect_multinomial_separation`): with class scores
:math:`z_{ic} = D_c\cdot\tilde x_i`, the log-likelihood increases without limit along
:math:`D` exactly when :math:`(D_{y_i} - D_c)\cdot\tilde x_i \ge 0` for every sample
and every other class :math:`c`, not all zero (a direction with all zero only shifts
every score of a sample equally). With :math:`D` of the last class fixed at 0 (the
model's shift freedom) this is again one LP.

Each LP has a row per sample (times k − 1), so the fit path runs the check only when a
fit shows its symptom (some fitted margin larger than
:data:`~logistic.models.fitting.SEPARATION_SYMPTOM`, or no convergence).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "SeparationWarning",
    "Separation",
    "detect_separation",
    "detect_multinomial_separation",
    "PER_COEFFICIENT_LPS",
]


class SeparationWarning(ConvergenceWarning):
    """The maximum-likelihood estimate does not exist (the classes are separable)."""

_TOL = 1e-7
#: Up to this many parameters, two LPs per coefficient say exactly which ones diverge.
PER_COEFFICIENT_LPS = 50
#: A fit on Dask data (no LP over all of X) tests this many rows nearest its boundary.
CERTIFICATE_ROWS = 2000


@dataclass(frozen=True)
class Separation:
    """Outcome of :func:`detect_separation`.

    Attributes
    ----------
    kind : ``"none"``, ``"quasi-complete"`` or ``"complete"``.
    directions : per parameter (θ order), +1 / −1 where it can diverge to ±inf (both
        signs possible gives the sign of the larger LP value), 0 where it stays finite.
    per_column : True for a multinomial model: ``directions`` is then per column of X
        (some class's coefficient of that column diverges).
    """

    kind: str
    directions: np.ndarray
    per_column: bool = False

    @property
    def exists(self) -> bool:
        """True when the maximum-likelihood estimate exists (no separation)."""
        return self.kind == "none"

    def message(self, names) -> str:
        """A plain-language sentence naming the diverging coefficients."""
        if self.exists:
            return "The maximum-likelihood estimate exists (no separation)."
        if self.per_column:
            moved = [str(names[j]) for j in np.flatnonzero(self.directions)]
            what = "the coefficients of these columns (for some classes) grow without bound"
            advice = "fit with penalty='l2' (or a larger C)."
        else:
            moved = [
                f"{names[j]} (→ {'+' if self.directions[j] > 0 else '-'}inf)"
                for j in np.flatnonzero(self.directions)
            ]
            what = "these coefficients grow without bound"
            if self.kind == "complete":  # many separating directions: the fit's may differ
                what += (" along the separating direction found (complete separation has "
                         "many; the fitted coefficients may follow another)")
            advice = ("fit with penalty='firth' (finite, bias-reduced estimates) or "
                      "penalty='l2'.")
        return (
            f"The maximum-likelihood estimate does not exist: {self.kind} separation. "
            f"The log-likelihood keeps increasing as {what}: {', '.join(moved)}. Their "
            f"standard errors are meaningless and are not reported; {advice}"
        )


def detect_separation(X, y01, sample_weight=None, *, fit_intercept: bool = True,
                      theta=None) -> Separation:
    """Test the data for complete or quasi-complete separation by linear programming.

    Parameters
    ----------
    X : (n, d) dense array or scipy.sparse matrix.
    y01 : (n,) labels in {0, 1}.
    sample_weight : optional; rows of zero weight are ignored.
    fit_intercept : whether the model has an intercept (a column of ones).
    theta : optional ``(w, b)`` of a fit on these data: where its gradient certifies
        that the estimate exists (:func:`certifies_existence`) no LP is run.
    """
    keep = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
    sign = (2.0 * np.asarray(y01, dtype=np.float64) - 1.0)[keep]
    Xk = X[keep] if sample_weight is not None else X
    ones = np.ones((sign.size, 1)) if fit_intercept else np.zeros((sign.size, 0))
    s_k = None if sample_weight is None else np.asarray(sample_weight)[keep]
    rows = _rows_backend(Xk, np.asarray(y01)[keep], s_k) if theta is not None else None
    if rows is not None and certifies_existence(rows, theta, fit_intercept):
        return Separation("none", np.zeros(Xk.shape[1] + ones.shape[1]))
    A = _scaled_columns(_signed_rows(Xk, ones, sign))
    n, k = A.shape
    delta = _separating_direction(A)
    if delta is None:
        return Separation("none", np.zeros(k))
    directions = np.where(np.abs(delta) > _TOL, np.sign(delta), 0.0)
    if k <= PER_COEFFICIENT_LPS:
        directions = _diverging_coefficients(A)
    complete = _max_slack(A) > _TOL
    return Separation("complete" if complete else "quasi-complete", directions)


#: The certificate's correction may shrink no row's multiplier by more than this share.
CERTIFICATE_SLACK = 0.5


def certifies_existence(backend, theta, fit_intercept: bool) -> bool:
    r"""Whether a fit's point :math:`\theta` proves that the MLE exists.

    By Gordan's theorem, no direction has :math:`A\delta \ge 0,\ A\delta \ne 0`
    (the module docstring) exactly when some :math:`\lambda > 0` (every entry) has
    :math:`A^\top\lambda = 0`. At the optimum the fit gives one: for a binary model
    :math:`\lambda_i = s_i|y_i - p_i|` (:math:`A^\top\lambda` is the gradient), for a
    multinomial one :math:`\lambda_{ic} = s_i p_{ic}` on the rows
    :math:`(e_{y_i} - e_c) \otimes \tilde x_i` (:math:`A^\top\lambda` is minus the
    gradient). Near it :math:`g = A^\top\lambda` is small, and
    :math:`\lambda' = \lambda \circ (1 - Au)` with :math:`u = (A^\top\Lambda A)^{+} g`
    has :math:`A^\top\lambda' = 0`; it stays positive when every
    :math:`|a\cdot u| \le` :data:`CERTIFICATE_SLACK`. Two passes over ``backend``
    (:func:`~logistic.math.inference.block_residual_gram` or
    :func:`~logistic.math.multinomial.block_residual_grams`, then the largest
    :math:`|a\cdot u|`), no LP. False is no verdict: a multiplier that underflows (a
    margin diverging, as under separation) or a correction too large leaves it to the
    LP.

    This replaces a test of the rows nearest the boundary, which cannot show that no
    direction exists: a direction zero on all of them may be positive elsewhere
    (quasi-complete separation by rows far from the boundary).
    """
    from ..math import inference as mi
    from ..math import multinomial as mm

    W, b = theta
    W = np.asarray(W, dtype=np.float64)
    multinomial = W.ndim == 2
    if not fit_intercept:
        b = np.zeros(W.shape[0]) if multinomial else 0.0
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # overflowing squares: no verdict
        sums, least = backend.reduce_keep(
            mm.block_residual_grams if multinomial else mi.block_residual_gram,
            W if multinomial else W.reshape(-1), b if multinomial else float(b))
    if not min(least) > 1e-250:  # a multiplier that underflows: no certificate
        return False
    if multinomial:
        k, d = W.shape
        pairs = k * (k + 1) // 2
        G, V, T = np.empty((k, k, d, d)), np.empty((k, k, d)), np.empty((k, k))
        for q, (a, c) in enumerate(zip(*np.triu_indices(k), strict=True)):
            G[a, c] = G[c, a] = sums[q]
            V[a, c] = V[c, a] = sums[pairs + q]
            T[a, c] = T[c, a] = sums[2 * pairs + q]
        g_W, g_b, total = sums[3 * pairs:]
        p = d + int(fit_intercept)
        M = np.zeros((k * p, k * p))
        for a in range(k):
            for c in range(k):
                block = M[a * p:(a + 1) * p, c * p:(c + 1) * p]
                block[:d, :d] = G[a, c]
                if fit_intercept:
                    block[:d, d], block[d, :d], block[d, d] = V[a, c], V[a, c], T[a, c]
        g = (np.column_stack([g_W, g_b]) if fit_intercept else np.asarray(g_W)).reshape(-1)
    else:
        G_ww, G_wb, G_bb, g_w, g_b = sums
        total = G_bb  # Σλ
        M, g = np.asarray(G_ww), np.asarray(g_w)
        if fit_intercept:
            M = np.block([[M, G_wb[:, None]], [G_wb[None, :], np.array([[G_bb]])]])
            g = np.append(g, g_b)
    if not (np.all(np.isfinite(M)) and np.all(np.isfinite(g))):
        return False
    d = np.sqrt(np.diag(M))
    if not np.all(d > 0):
        return False
    v, *_ = np.linalg.lstsq(M / d[:, None] / d[None, :], g / d, rcond=None)
    u = v / d
    # Aᵀλ' = g − Mu is the rounding of the sums: each entry within 1e-9 of the bound
    # Σ λ|a_ij| ≤ (Σλ · M_jj)^½ of its terms (the LP's own tolerance is 1e-7)
    if not np.all(np.abs(M @ u - g) <= 1e-9 * np.sqrt(float(total)) * d):
        return False
    if multinomial:
        U = u.reshape(W.shape[0], -1)
        U_W, u_b = U[:, :W.shape[1]], (U[:, -1] if fit_intercept else 0.0)
        _, peaks = backend.reduce_keep(mm.block_max_abs_score_gap, U_W, u_b)
    else:
        _, peaks = backend.reduce_keep(mi.block_max_abs_margin, u[: W.size],
                                       float(u[-1]) if fit_intercept else 0.0)
    return max(peaks, default=0.0) <= CERTIFICATE_SLACK


def _rows_backend(X, y, sample_weight):
    """An in-memory backend over ``(X, y, sample_weight)`` (0/1 labels or one-hot rows)
    for the certificate's passes."""
    from ..data.memory import InMemoryBackend

    return InMemoryBackend(X, np.asarray(y, dtype=np.float64), sample_weight)


def detect_multinomial_separation(X, y_idx, n_classes: int, sample_weight=None, *,
                                  fit_intercept: bool = True, theta=None) -> Separation:
    """Test multinomial data for separation (one LP; see the module docstring).

    Returns a :class:`Separation` whose ``directions`` has one entry per *column* of
    ``X`` (then the intercept): ±1 where some class's coefficient of that column
    diverges in the direction found, 0 elsewhere. ``theta``: optional ``(W, b)`` of a
    fit: where its gradient certifies that the estimate exists
    (:func:`certifies_existence`) no LP is run.
    """
    keep = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
    y = np.asarray(y_idx)[keep]
    Xk = X[keep] if sample_weight is not None else X
    if theta is not None:
        Y = (y[:, None] == np.arange(int(n_classes))[None, :]).astype(np.float64)
        s_k = None if sample_weight is None else np.asarray(sample_weight)[keep]
        if certifies_existence(_rows_backend(Xk, Y, s_k), theta, fit_intercept):
            return Separation("none", np.zeros(Xk.shape[1] + int(fit_intercept)))
    Xt = sp.csr_matrix(Xk, dtype=np.float64) if sp.issparse(Xk) else np.asarray(Xk, np.float64)
    if fit_intercept:
        Xt = (sp.hstack([Xt, np.ones((y.size, 1))]).tocsr() if sp.issparse(Xt)
              else np.column_stack([Xt, np.ones(y.size)]))
    n, p = Xt.shape
    k = int(n_classes)
    # variables: D_0 … D_{k-2} (D_{k-1} = 0); row (i, c) for every c ≠ y_i is
    # (D_{y_i} - D_c)·x̃_i ≥ 0
    Xt = sp.csr_matrix(Xt)
    blocks = []
    for c in range(k):
        rows = np.flatnonzero(y != c)
        if rows.size == 0:
            continue
        Xr = Xt[rows]
        # the block of D_j in row (i, c): (+1 if y_i = j) − (1 if c = j), times x̃_i
        blocks.append(sp.hstack([
            sp.diags((y[rows] == j).astype(np.float64) - float(c == j)) @ Xr
            for j in range(k - 1)
        ]))
    A = _scaled_columns(sp.vstack(blocks).tocsr())
    delta = _separating_direction(A)
    if delta is None:
        return Separation("none", np.zeros(p))
    D = delta.reshape(k - 1, p)
    moved = np.abs(D) > _TOL
    directions = np.where(moved.any(axis=0), np.sign(D[np.argmax(np.abs(D), axis=0),
                                                         np.arange(p)]), 0.0)
    complete = _max_slack(A) > _TOL
    return Separation("complete" if complete else "quasi-complete", directions,
                      per_column=True)


def _signed_rows(X, ones, sign):
    if sp.issparse(X):
        A = sp.diags(sign) @ sp.csr_matrix(X, dtype=np.float64)
        return sp.hstack([A, sp.csr_matrix(ones * sign[:, None])]).tocsr() if ones.size else A
    A = np.asarray(X, dtype=np.float64) * sign[:, None]
    return np.column_stack([A, ones * sign[:, None]]) if ones.size else A


def _scaled_columns(A):
    """A with every column divided by its largest magnitude (the cone is the same)."""
    peak = np.asarray(abs(A).max(axis=0).todense() if sp.issparse(A) else np.abs(A).max(axis=0))
    peak = np.where(peak.reshape(-1) > 0, peak.reshape(-1), 1.0)
    return sp.csr_matrix(A @ sp.diags(1.0 / peak)) if sp.issparse(A) else A / peak


def _separating_direction(A):
    """δ maximising 1ᵀAδ over {Aδ ≥ 0, −1 ≤ δ ≤ 1}, or None when no δ has Aδ ≥ 0 with
    some entry clearly positive (checked on the solution, not only the LP's value)."""
    n, k = A.shape
    c = -np.asarray(A.sum(axis=0)).reshape(-1)
    res = linprog(c, A_ub=-A, b_ub=np.zeros(n), bounds=[(-1.0, 1.0)] * k, method="highs")
    if res.status != 0:
        return None
    margins = np.asarray(A @ res.x).reshape(-1)
    if margins.min(initial=0.0) < -_TOL or not margins.max(initial=0.0) > 10 * _TOL:
        return None
    return res.x


def _diverging_coefficients(A) -> np.ndarray:
    """+1 / −1 per coefficient that can grow to ±inf along the cone, 0 otherwise."""
    n, k = A.shape
    box = [(-1.0, 1.0)] * k
    directions = np.zeros(k)
    best = np.zeros(k)
    for j in range(k):
        for s in (1.0, -1.0):
            c = np.zeros(k)
            c[j] = -s  # maximise s·δ_j
            res = linprog(c, A_ub=-A, b_ub=np.zeros(n), bounds=box, method="highs")
            value = -res.fun if res.status == 0 else 0.0
            if value > max(_TOL, best[j]):
                best[j], directions[j] = value, s
    return directions


def _max_slack(A) -> float:
    """:math:`\\max t` s.t. :math:`A\\delta \\ge t`, :math:`t \\le 1`, :math:`|\\delta| \\le 1`."""
    n, k = A.shape
    A_t = (sp.hstack([-sp.csr_matrix(A), np.ones((n, 1))]) if sp.issparse(A)
           else np.column_stack([-A, np.ones(n)]))
    c = np.zeros(k + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=A_t, b_ub=np.zeros(n), bounds=[*([(-1.0, 1.0)] * k), (None, 1.0)],
                  method="highs")
    return -res.fun if res.status == 0 else 0.0

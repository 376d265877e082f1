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
#: Larger data are first tested on this many rows nearest a fit's boundary.
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
    theta : optional ``(w, b)`` of a fit on these data: with more than
        :data:`CERTIFICATE_ROWS` rows, the rows nearest its boundary are tested first
        (no separation there means none at all).
    """
    keep = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
    sign = (2.0 * np.asarray(y01, dtype=np.float64) - 1.0)[keep]
    Xk = X[keep] if sample_weight is not None else X
    ones = np.ones((sign.size, 1)) if fit_intercept else np.zeros((sign.size, 0))
    if theta is not None and sign.size > CERTIFICATE_ROWS:
        w, b = theta
        margins = sign * (np.asarray(Xk @ np.asarray(w, dtype=np.float64)).reshape(-1) + b)
        rows = _nearest(np.abs(margins))
        sub = _scaled_columns(_signed_rows(Xk[rows], ones[rows], sign[rows]))
        if _separating_direction(sub) is None:
            return Separation("none", np.zeros(sub.shape[1]))
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


def detect_multinomial_separation(X, y_idx, n_classes: int, sample_weight=None, *,
                                  fit_intercept: bool = True, theta=None) -> Separation:
    """Test multinomial data for separation (one LP; see the module docstring).

    Returns a :class:`Separation` whose ``directions`` has one entry per *column* of
    ``X`` (then the intercept): ±1 where some class's coefficient of that column
    diverges in the direction found, 0 elsewhere. ``theta``: optional ``(W, b)`` of a
    fit, whose rows nearest a class boundary are tested first (as in
    :func:`detect_separation`).
    """
    keep = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
    y = np.asarray(y_idx)[keep]
    Xk = X[keep] if sample_weight is not None else X
    if theta is not None and y.size > CERTIFICATE_ROWS:
        W, b = theta
        Z = np.asarray(Xk @ np.asarray(W, dtype=np.float64).T) + b
        own = Z[np.arange(y.size), y]
        Z[np.arange(y.size), y] = -np.inf
        rows = _nearest(np.abs(own - Z.max(axis=1)))
        found = detect_multinomial_separation(Xk[rows], y[rows], n_classes,
                                              fit_intercept=fit_intercept)
        if found.exists:
            return found
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


def _nearest(margins: np.ndarray) -> np.ndarray:
    """The :data:`CERTIFICATE_ROWS` rows nearest the fitted boundary, on both sides
    (``margins``: distances |z|). Taken by signed margin instead, a poor fit's subsample
    is all misclassified rows, which the reversed fit separates: a false alarm and a
    full-size LP (30 s on 200k×100)."""
    return np.sort(np.argpartition(margins, CERTIFICATE_ROWS)[:CERTIFICATE_ROWS])


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

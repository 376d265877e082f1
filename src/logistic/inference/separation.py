r"""Does the maximum-likelihood estimate exist? Detecting (quasi-)complete separation.

Write :math:`a_i = (2y_i - 1)\,\tilde x_i` (the sample's features, sign-flipped for class
0, with a 1 for the intercept). The logistic log-likelihood is bounded and increases
without limit along a direction :math:`\delta \ne 0` exactly when

.. math:: a_i \cdot \delta \ge 0 \ \text{for every sample (of positive weight)},
          \qquad \tilde X \delta \ne 0,

(Albert & Anderson 1984): then the MLE does not exist. If some :math:`\delta` makes every
inequality strict the separation is *complete*; otherwise it is *quasi-complete*.
Following Konis (2007), both are linear programs over the cone
:math:`\{\delta : A\delta \ge 0\}` cut to the box :math:`-1 \le \delta_j \le 1`:

* complete: :math:`\max t` subject to :math:`A\delta \ge t`, :math:`t \le 1`; complete
  separation iff :math:`t^* > 0`;
* which coefficients diverge: for each :math:`j`, :math:`\max \delta_j` and
  :math:`\max -\delta_j` over the cone; coefficient :math:`j` can grow to
  :math:`+\infty` (resp. :math:`-\infty`) iff that maximum is positive.

These are solved by scipy's HiGHS (``scipy.optimize.linprog``). Each LP has one row per
sample, so the check is run only when a fit shows its symptom (some fitted margin large).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning

__all__ = ["SeparationWarning", "Separation", "detect_separation"]


class SeparationWarning(ConvergenceWarning):
    """The maximum-likelihood estimate does not exist (the classes are separable)."""

_TOL = 1e-7


@dataclass(frozen=True)
class Separation:
    """Outcome of :func:`detect_separation`.

    Attributes
    ----------
    kind : ``"none"``, ``"quasi-complete"`` or ``"complete"``.
    directions : per parameter (θ order), +1 / −1 where it can diverge to ±inf (both
        signs possible gives the sign of the larger LP value), 0 where it stays finite.
    """

    kind: str
    directions: np.ndarray

    @property
    def exists(self) -> bool:
        """True when the maximum-likelihood estimate exists (no separation)."""
        return self.kind == "none"

    def message(self, names) -> str:
        """A plain-language sentence naming the diverging coefficients."""
        if self.exists:
            return "The maximum-likelihood estimate exists (no separation)."
        moved = [
            f"{names[j]} (→ {'+' if self.directions[j] > 0 else '-'}inf)"
            for j in np.flatnonzero(self.directions)
        ]
        return (
            f"The maximum-likelihood estimate does not exist: {self.kind} separation. "
            f"The log-likelihood keeps increasing as these coefficients grow without "
            f"bound: {', '.join(moved)}. Their standard errors are meaningless and are "
            f"not reported; fit with penalty='firth' (finite, bias-reduced estimates) "
            f"or penalty='l2'."
        )


def detect_separation(X, y01, sample_weight=None, *, fit_intercept: bool = True) -> Separation:
    """Test the data for complete or quasi-complete separation by linear programming.

    Parameters
    ----------
    X : (n, d) dense array or scipy.sparse matrix.
    y01 : (n,) labels in {0, 1}.
    sample_weight : optional; rows of zero weight are ignored.
    fit_intercept : whether the model has an intercept (a column of ones).
    """
    keep = slice(None) if sample_weight is None else np.asarray(sample_weight) > 0
    sign = (2.0 * np.asarray(y01, dtype=np.float64) - 1.0)[keep]
    Xk = X[keep] if sample_weight is not None else X
    if sp.issparse(Xk):
        A = sp.diags(sign) @ sp.csr_matrix(Xk, dtype=np.float64)
        if fit_intercept:
            A = sp.hstack([A, sp.csr_matrix(sign[:, None])]).tocsr()
    else:
        A = np.asarray(Xk, dtype=np.float64) * sign[:, None]
        if fit_intercept:
            A = np.column_stack([A, sign])
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
    if not directions.any():
        return Separation("none", directions)
    # complete separation: max t s.t. Aδ ≥ t (t ≤ 1), variables (δ, t)
    A_t = sp.hstack([-sp.csr_matrix(A), np.ones((n, 1))]) if sp.issparse(A) else np.column_stack(
        [-A, np.ones(n)]
    )
    c = np.zeros(k + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=A_t, b_ub=np.zeros(n), bounds=[*box, (None, 1.0)], method="highs")
    complete = res.status == 0 and -res.fun > _TOL
    return Separation("complete" if complete else "quasi-complete", directions)

r"""What inference needs from the data, kept with the fitted model: O(k²) numbers.

A fit of a binary model (``penalty`` None, ``"l2"`` or ``"firth"``) ends with one more
pass over its data at the optimum θ̂ (coefficients, then the intercept) and keeps

* ``information`` — the Hessian of the (penalised) negative log-likelihood,
  :math:`H = \sum_i s_i p_i(1-p_i)\tilde x_i\tilde x_i^\top` (+ :math:`I/C` on the
  coefficients for L2; Firth's penalised information :math:`I^*` for Firth);
* ``meat`` — :math:`M = \sum_i s_i r_i^2\tilde x_i\tilde x_i^\top`, the middle of the
  White sandwich (HC0/HC1/Stata's robust), in the same pass;
* ``score`` — the gradient at θ̂ (to check that θ̂ is the optimum);
* ``llf``, ``llnull`` (the intercept-only model; Firth's own for Firth), ``nobs``
  (:math:`\sum_i s_i`), ``n_rows``, and the separation found by the fit's check.

:func:`logistic.inference.summary` turns these into the full table without the data;
the data are needed again only for cluster covariances (per-cluster score sums) and for
Firth's profile intervals and likelihood-ratio tests (constrained refits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import xlogy

from ..math import inference as obji
from ..math import multinomial as mobj
from ..problems import FirthProblem, LogisticProblem, MultinomialProblem
from ..problems.binary import require_finite
from . import firth
from .separation import Separation

__all__ = ["InferenceState", "binary_state", "multinomial_state", "INFERENCE_PENALTIES"]

#: Penalties whose fits have a likelihood-based table (L1/elastic-net select variables:
#: no valid post-selection inference is offered).
INFERENCE_PENALTIES = (None, "l2", "firth")


@dataclass
class InferenceState:
    """The numbers :func:`~logistic.inference.summary` needs, in θ order (unscaled)."""

    information: np.ndarray
    meat: np.ndarray | None
    score: np.ndarray
    llf: float
    llnull: float
    nobs: float
    n_rows: int
    penalty: str | None
    C: float
    fit_intercept: bool
    separation: Separation | None = None
    n_classes: int = 2
    #: weighted means over the data of p(1−p), p(1−p)(1−2p)·x̃ (θ order) and x̃:
    #: average marginal effects and effects at the mean without the data
    margins: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (lists of floats); :meth:`from_dict` inverts it exactly."""
        sep = self.separation
        return {
            "information": self.information.tolist(),
            "meat": None if self.meat is None else self.meat.tolist(),
            "score": self.score.tolist(),
            "llf": self.llf, "llnull": self.llnull, "nobs": self.nobs,
            "n_rows": self.n_rows, "penalty": self.penalty, "C": self.C,
            "fit_intercept": self.fit_intercept, "n_classes": self.n_classes,
            "margins": None if self.margins is None else {
                key: np.asarray(v).tolist() for key, v in self.margins.items()},
            "separation": None if sep is None else {
                "kind": sep.kind, "directions": np.asarray(sep.directions).tolist(),
                "per_column": bool(getattr(sep, "per_column", False)),
            },
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> InferenceState:
        sep = doc.get("separation")
        k = len(doc["score"])
        info = np.asarray(doc["information"], dtype=np.float64).reshape(k, k)
        meat = doc.get("meat")
        return cls(
            information=info,
            meat=None if meat is None else np.asarray(meat, dtype=np.float64).reshape(k, k),
            score=np.asarray(doc["score"], dtype=np.float64),
            llf=float(doc["llf"]), llnull=float(doc["llnull"]), nobs=float(doc["nobs"]),
            n_rows=int(doc["n_rows"]), penalty=doc["penalty"], C=float(doc["C"]),
            fit_intercept=bool(doc["fit_intercept"]), n_classes=int(doc.get("n_classes", 2)),
            margins=None if doc.get("margins") is None else {
                key: np.asarray(v, dtype=np.float64) for key, v in doc["margins"].items()},
            separation=None if sep is None else Separation(
                sep["kind"], np.asarray(sep["directions"], dtype=np.float64),
                per_column=bool(sep.get("per_column", False)),
            ),
        )


def binary_state(backend, theta: np.ndarray, *, penalty, C: float, fit_intercept: bool,
                 y01: np.ndarray, s, separation: Separation | None = None) -> InferenceState:
    """Compute the :class:`InferenceState` of a binary fit at ``theta`` over ``backend``.

    Passes: one for the loss, gradient and Hessian, one for the meat (none for Firth,
    whose sandwich is not offered), one matvec for the unpenalised log-likelihood of an
    L2 fit; Firth's null model is one constrained fit.
    """
    if penalty not in INFERENCE_PENALTIES:
        raise ValueError(
            f"penalty={penalty!r} selects variables: no valid inference table is offered "
            "(post-selection inference); refit with penalty=None, 'l2' or 'firth'."
        )
    base = LogisticProblem(backend, alpha=0.0, fit_intercept=fit_intercept)
    if penalty == "firth":
        problem = FirthProblem(backend, fit_intercept=fit_intercept)
    elif penalty == "l2":
        problem = LogisticProblem(backend, alpha=1.0 / C, fit_intercept=fit_intercept)
    else:
        problem = base
    f, g, H = problem.loss_grad_hess(theta)
    d = theta.size - int(fit_intercept)
    w, b = theta[:d], (float(theta[d]) if fit_intercept else 0.0)
    meat = None
    if penalty != "firth":
        meat = _assemble(*backend.reduce(obji.block_score_gram, w, b), fit_intercept)
    if penalty == "firth":
        llf = -f / problem.scale
        llnull = _firth_null(problem, theta, fit_intercept)
    else:
        llf = -(f if penalty is None else base.loss(theta)) / base.scale
        llnull = _llnull(y01, s)
    v, a_w, a_b, x_sum = backend.reduce(obji.block_margin_sums, w, b)
    S = float(base.sum_weights)
    margins = {
        "mean_v": np.array(v / S),
        "mean_vx": (np.append(a_w, a_b) if fit_intercept else np.asarray(a_w)) / S,
        "mean_x": (np.append(x_sum, S) if fit_intercept else np.asarray(x_sum)) / S,
    }
    return InferenceState(
        margins=margins,
        information=H / problem.scale, meat=meat, score=g / problem.scale, llf=float(llf),
        llnull=float(llnull), nobs=float(base.sum_weights), n_rows=int(np.shape(y01)[0]),
        penalty=penalty, C=float(C), fit_intercept=bool(fit_intercept),
        separation=separation,
    )


def multinomial_state(backend, coef: np.ndarray, intercept: np.ndarray, *, penalty, C: float,
                      fit_intercept: bool, y_idx: np.ndarray, s,
                      separation: Separation | None = None) -> InferenceState:
    """The :class:`InferenceState` of a multinomial fit, in class-major order (class c's
    coefficients, then its intercept when fitted), one pass for the loss, gradient and
    Hessian and one for the meat. The symmetric model's information is singular without
    a penalty (the softmax ignores a common shift); the table takes its reference-class
    block (see :func:`logistic.inference.summary`)."""
    if penalty not in (None, "l2"):
        raise ValueError(
            f"penalty={penalty!r}: multinomial tables are offered for penalty=None and "
            "'l2' only (L1/elastic-net select variables; Firth is binary)."
        )
    W = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64) if fit_intercept else 0.0
    k, d = W.shape
    alpha = 1.0 / C if penalty == "l2" else 0.0
    problem = MultinomialProblem(backend, n_classes=k, alpha=alpha, fit_intercept=fit_intercept)
    with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
        loss, G_W, g_b, H_WW, H_Wb, H_bb = backend.reduce(mobj.block_loss_grad_hess, W, b)
        H = problem._assemble(H_WW, H_Wb, H_bb, np.arange(d), None) / problem.scale
        (meat,) = backend.reduce(mobj.block_score_gram, W, b if fit_intercept else np.zeros(k))
    # a column whose squares overflow: no numbers to keep (the fit ran standardised)
    require_finite(H, backend, "Hessian")
    require_finite(meat, backend, "score Gram")
    g = problem.join(G_W + alpha * W, g_b)
    order = np.concatenate([
        np.r_[c * d : (c + 1) * d, ([k * d + c] if fit_intercept else [])] for c in range(k)
    ]).astype(np.intp)  # problem layout → class-major
    keep = np.concatenate([np.r_[c * (d + 1) : c * (d + 1) + d,
                                 ([c * (d + 1) + d] if fit_intercept else [])]
                           for c in range(k)]).astype(np.intp)
    y_idx = np.asarray(y_idx)
    totals = np.bincount(y_idx, weights=s, minlength=k).astype(np.float64)
    S = float(totals.sum())
    return InferenceState(
        information=H[np.ix_(order, order)], meat=meat[np.ix_(keep, keep)],
        score=g[order], llf=-float(loss), llnull=float(np.sum(xlogy(totals, totals / S))),
        nobs=S, n_rows=int(y_idx.size), penalty=penalty, C=float(C),
        fit_intercept=bool(fit_intercept), separation=separation, n_classes=int(k),
    )


def _assemble(ww, wb, bb, fit_intercept: bool) -> np.ndarray:
    """Join (ww, wb, bb) blocks into one matrix in θ order (coefficients, then intercept)."""
    if not fit_intercept:
        return np.asarray(ww)
    wb = np.reshape(wb, (-1, 1))
    return np.block([[ww, wb], [wb.T, np.reshape(bb, (1, 1))]])


def _llnull(y01: np.ndarray, s) -> float:
    """Intercept-only MLE log-likelihood :math:`S[\\bar p\\log\\bar p + \\bar q\\log\\bar q]`."""
    S = float(y01.size if s is None else s.sum())
    pbar = float((y01 if s is None else y01 * s).sum()) / S
    return S * (xlogy(pbar, pbar) + xlogy(1 - pbar, 1 - pbar))


def _firth_null(problem, theta, fit_intercept) -> float:
    """Penalised log-likelihood of the intercept-only Firth fit (all slopes fixed at 0)."""
    d = problem.n_features
    fixed = np.arange(d)
    if not fit_intercept:
        return problem.penalized_loglik(np.zeros(d))
    ll, _ = firth.constrained_loglik(problem, fixed, np.zeros(d), theta[d:])
    return ll

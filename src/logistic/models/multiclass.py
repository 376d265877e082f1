"""More than two classes: one-vs-rest fits, and scores and probabilities for k classes.

A multinomial model is one fit of :func:`logistic.models.fitting.fit_model`.
One-vs-rest runs that same fit path once per class c, binary, "c against the rest",
with the class-weighted sample weights of the multiclass problem; its probabilities are
the k sigmoids normalised to sum to one (scikit-learn's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..math.stable import log_sigmoid, log_softmax
from .fitting import Fit, FitOptions, fit_model

__all__ = ["OvRFit", "fit_ovr", "multiclass_margins", "multiclass_log_proba"]


@dataclass
class OvRFit:
    """k binary fits of one-vs-rest, laid out as one model (``coef`` of shape (k, d))."""

    fits: list[Fit]

    @property
    def coef(self) -> np.ndarray:
        return np.vstack([f.coef for f in self.fits])

    @property
    def intercept(self) -> np.ndarray:
        return np.concatenate([f.intercept for f in self.fits])

    @property
    def objective(self) -> float:
        return float(sum(f.objective for f in self.fits))

    @property
    def converged(self) -> bool:
        return all(f.converged for f in self.fits)

    @property
    def solver(self) -> str:
        return self.fits[0].solver

    @property
    def n_passes(self) -> int:
        return int(sum(f.n_passes for f in self.fits))


def fit_ovr(X, y_idx, s, n_classes: int, options: FitOptions) -> OvRFit:
    """One binary fit per class (class c against the rest) through the one fit path."""
    fits = []
    for c in range(n_classes):
        y_c = (y_idx == c).astype(np.int64)
        fits.append(fit_model(X, y_c, s, n_classes=2, options=options))
    return OvRFit(fits)


def multiclass_margins(est, X) -> np.ndarray:
    """Scores :math:`XW^\\top + b` of shape (n, k) in float64 (the product in X's dtype)."""
    W = est.coef_.astype(X.dtype, copy=False)
    return np.asarray(X @ W.T, dtype=np.float64) + est.intercept_


def multiclass_log_proba(est, Z) -> np.ndarray:
    """Log-probabilities from scores: log-softmax (multinomial) or normalised sigmoids (OvR)."""
    if getattr(est, "multi_class_", "multinomial") == "ovr":
        Z = log_sigmoid(Z)  # log σ(z_c), then normalise the k probabilities to sum 1
    return log_softmax(Z)[0]

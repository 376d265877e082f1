"""More than two classes: one-vs-rest fits, and scores and probabilities for k classes.

A multinomial model is one fit of :func:`logistic.models.fitting.fit_model`.
One-vs-rest runs that same fit path once per class c, binary, "c against the rest",
with the class-weighted sample weights of the multiclass problem; its probabilities are
the k sigmoids normalised to sum to one (scikit-learn's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from array_api_compat import array_namespace

from ..math.stable import log_sigmoid, log_softmax
from .fitting import Fit, FitOptions, fit_model

__all__ = ["OvRFit", "fit_ovr", "multiclass_log_proba"]


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


def fit_ovr(X, y_idx, s, n_classes: int, options: FitOptions, *, starts=None,
            feature_names=None) -> OvRFit:
    """One binary fit per class (class c against the rest) through the one fit path;
    ``starts``: a warm start per class (or None)."""
    fits = []
    for c in range(n_classes):
        y_c = (y_idx == c).astype(np.int64)
        fits.append(fit_model(X, y_c, s, n_classes=2, options=options,
                              theta0=None if starts is None else starts[c],
                              feature_names=feature_names))
    return OvRFit(fits)


def multiclass_log_proba(est, Z) -> np.ndarray:
    """Log-probabilities from scores: log-softmax (multinomial) or normalised sigmoids (OvR).

    Scores may be ±inf (a finite row whose exact score overflows): the limits are
    taken, the classes at +inf sharing the probability, a row all at −inf uniform.
    """
    xp = array_namespace(Z)  # NumPy, or a device array's namespace (models/device_input.py)
    if getattr(est, "multi_class_", "multinomial") == "ovr":
        Z = log_sigmoid(Z)  # log σ(z_c), then normalise the k probabilities to sum 1
    if bool(xp.all(xp.isfinite(Z))):
        return log_softmax(Z)[0]
    Z = xp.astype(Z, xp.float64)
    top = xp.max(Z, axis=1, keepdims=True)
    limit = xp.isinf(top)  # the limit: only the top classes remain
    Z = xp.where(limit, xp.where(Z == top, xp.zeros_like(Z), xp.full_like(Z, -xp.inf)), Z)
    return log_softmax(Z)[0]

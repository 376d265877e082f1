"""The estimator's fits beyond binary L2: multinomial, one-vs-rest, L1 and elastic-net.

:meth:`logistic.LogisticRegression.fit` validates the data and hands over here when
there are more than two classes or the penalty has an L1 part. Like the estimator,
this module holds no numerics: problems and solvers come from :mod:`logistic._models`.

One-vs-rest fits, for each class c, the *binary* estimator (the existing binary path,
any penalty) to "c against the rest" with the class-weighted sample weights of the
multiclass problem; its probabilities are the k sigmoids normalised to sum to one
(scikit-learn's convention).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import _models
from ._numerics import log_sigmoid
from ._progress import progress_callback
from .objective_multinomial import log_softmax

__all__ = ["fit_more", "multiclass_margins", "multiclass_log_proba"]


def fit_more(est, X, y_idx, s):
    """Fit ``est`` (multiclass and/or L1 / elastic-net) and set its fitted attributes."""
    k = est.classes_.size
    if k > 2 and est.multi_class == "ovr":
        return _fit_ovr(est, X, y_idx, s)
    fit = _models.fit_model(
        X,
        y_idx,
        s,
        n_classes=k,
        multinomial=True,
        penalty=est.penalty,
        C=est.C,
        l1_ratio=est.l1_ratio,
        fit_intercept=est.fit_intercept,
        solver=est.solver,
        tol=est.tol,
        max_iter=est.max_iter,
        learning_rate=est.learning_rate,
        callback_factory=progress_callback if est.verbose else None,
    )
    result = fit.result
    est.coef_, est.intercept_ = fit.coef, fit.intercept
    est.n_iter_ = np.array([result.n_iter], dtype=np.int32)
    est.converged_ = bool(result.converged)
    est.solver_ = fit.solver
    est.objective_ = fit.objective
    hist = result.history.as_dict()
    hist["objective"] = hist["objective"] / fit.problem.scale
    hist["grad_norm"] = hist["grad_norm"] / fit.problem.scale
    est.history_ = hist
    est.n_passes_ = fit.problem.passes
    est.multi_class_ = "multinomial" if k > 2 else "binary"
    if not est.converged_:
        warnings.warn(
            f"Solver {fit.solver!r} did not converge ({result.message}) after "
            f"{result.n_iter} iterations; increase max_iter or loosen tol"
            + (" (without a penalty the classes may be separable)." if est.penalty is None
               else "."),
            ConvergenceWarning,
            stacklevel=3,
        )
    return est


def _fit_ovr(est, X, y_idx, s):
    """k binary fits (class c against the rest) through the binary estimator."""
    params = est.get_params()
    params.update(class_weight=None, multi_class="auto")
    fits = []
    for c in range(est.classes_.size):
        sub = type(est)(**params)
        fits.append(sub.fit(X, (y_idx == c).astype(np.int64), sample_weight=s))
    est.coef_ = np.vstack([f.coef_ for f in fits])
    est.intercept_ = np.concatenate([f.intercept_ for f in fits])
    est.n_iter_ = np.concatenate([f.n_iter_ for f in fits]).astype(np.int32)
    est.converged_ = all(f.converged_ for f in fits)
    est.solver_ = fits[0].solver_
    est.objective_ = float(sum(f.objective_ for f in fits))
    est.history_ = [f.history_ for f in fits]
    est.n_passes_ = int(sum(f.n_passes_ for f in fits))
    est.multi_class_ = "ovr"
    return est


def multiclass_margins(est, X) -> np.ndarray:
    """Scores :math:`XW^\\top + b` of shape (n, k) in float64 (the product in X's dtype)."""
    W = est.coef_.astype(X.dtype, copy=False)
    return np.asarray(X @ W.T, dtype=np.float64) + est.intercept_


def multiclass_log_proba(est, Z) -> np.ndarray:
    """Log-probabilities from scores: log-softmax (multinomial) or normalised sigmoids (OvR)."""
    if getattr(est, "multi_class_", "multinomial") == "ovr":
        Z = log_sigmoid(Z)  # log σ(z_c), then normalise the k probabilities to sum 1
    return log_softmax(Z)[0]

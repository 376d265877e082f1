r"""Regularisation paths with warm starts.

:func:`regularization_path` fits one model per value of ``C``, from the strongest
regularisation (smallest ``C``) to the weakest, each fit starting from the previous
solution. Neighbouring solutions are close, so Newton-type solvers need only a few
iterations per value, and for L1 the working set of the proximal Newton solver
(:mod:`logistic.solvers.proximal_newton`) starts at the previous support. The
problem is the estimator's (:class:`logistic.LogisticRegression`), with the same
penalties, class weights and multiclass handling.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.utils.validation import check_X_y

from .device_input import refuse_device_input
from .fitting import FitOptions, data_backend, fit_model
from .params import MULTI_CLASS, check_l1_ratio
from .targets import encode_targets

__all__ = ["regularization_path", "PathResult", "check_Cs"]


@dataclass
class PathResult:
    """The fits of a regularisation path, in the order of the ``Cs`` given.

    Attributes
    ----------
    Cs : ndarray (n_Cs,)
    coefs : ndarray (n_Cs, n_rows, n_features), ``n_rows`` = 1 (binary) or k.
    intercepts : ndarray (n_Cs, n_rows)
    objectives : ndarray (n_Cs,), scikit-learn's units (summed over classes for OvR).
    n_iter : ndarray (n_Cs,), solver iterations (summed over classes for OvR).
    converged : ndarray of bool (n_Cs,)
    seconds : ndarray (n_Cs,), solver time per C.
    classes : ndarray (k,)
    solver : the resolved solver name.
    """

    Cs: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    objectives: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    seconds: np.ndarray
    classes: np.ndarray
    solver: str

    @property
    def n_nonzero(self) -> np.ndarray:
        """Number of non-zero coefficients per C."""
        return np.count_nonzero(self.coefs.reshape(len(self.Cs), -1), axis=1)


def check_Cs(Cs) -> np.ndarray:
    """Validate a sequence of positive, finite ``C`` values."""
    Cs = np.atleast_1d(np.asarray(Cs, dtype=np.float64))
    if Cs.ndim != 1 or Cs.size == 0:
        raise ValueError("Cs must be a non-empty 1-d sequence of positive numbers.")
    if not np.all(np.isfinite(Cs)) or np.any(Cs <= 0):
        raise ValueError(f"every C must be a positive finite number, got {Cs.tolist()!r}.")
    return Cs


def regularization_path(
    X,
    y,
    Cs: Sequence[float] | np.ndarray,
    *,
    penalty: str = "l2",
    l1_ratio: float | None = None,
    fit_intercept: bool = True,
    solver: str = "auto",
    tol: float = 1e-10,
    max_iter: int | None = None,
    multi_class: str = "auto",
    class_weight=None,
    sample_weight=None,
    warm_start: bool = True,
) -> PathResult:
    """Fit logistic regressions for every ``C`` in ``Cs``, warm-starting each from the last.

    Parameters
    ----------
    X : {array-like, sparse matrix} (n_samples, n_features)
    y : array-like (n_samples,), two or more classes.
    Cs : positive inverse regularisation strengths (any order; fitted in increasing
        order, returned in the order given).
    penalty, l1_ratio, fit_intercept, solver, tol, max_iter, multi_class, class_weight :
        as in :class:`logistic.LogisticRegression`.
    sample_weight : array-like (n_samples,), optional.
    warm_start : start each fit from the previous solution (False: from zero, which
        is only useful to measure what warm starts save).

    Returns
    -------
    PathResult
    """
    Cs = check_Cs(Cs)
    if penalty not in ("l2", "l1", "elasticnet", None):
        raise ValueError(f"penalty must be 'l2', 'l1', 'elasticnet' or None, got {penalty!r}.")
    check_l1_ratio(penalty, l1_ratio)
    if multi_class not in MULTI_CLASS:
        raise ValueError(f"multi_class must be one of {MULTI_CLASS}, got {multi_class!r}.")
    refuse_device_input(X, "regularization_path")
    X, y = check_X_y(X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
    classes, y_idx, s = encode_targets(X, y, sample_weight, class_weight)
    options = FitOptions(
        penalty=penalty,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        solver=solver,
        tol=tol,
        max_iter=max_iter,
    )
    k = classes.size
    if k > 2 and multi_class == "ovr":
        per_class = [
            _path(X, (y_idx == c).astype(np.int64), s, Cs, 2, True, warm_start, options)
            for c in range(k)
        ]
        coefs = np.concatenate([p[0] for p in per_class], axis=1)
        intercepts = np.concatenate([p[1] for p in per_class], axis=1)
        stats = [np.sum([p[i] for p in per_class], axis=0) for i in range(2, 6)]
        stats[2] = np.all([p[4] for p in per_class], axis=0)
        solver_name = per_class[0][6]
    else:
        coefs, intercepts, *stats, solver_name = _path(
            X, y_idx, s, Cs, k, True, warm_start, options
        )
    objectives, n_iter, converged, seconds = stats
    return PathResult(
        Cs, coefs, intercepts, objectives, n_iter, converged.astype(bool), seconds, classes,
        solver_name,
    )


def _path(X, y_idx, s, Cs, n_classes, multinomial, warm_start, options):
    """One warm-started path (binary or multinomial); results in the order of ``Cs``."""
    order = np.argsort(Cs, kind="stable")
    n = Cs.size
    coefs, intercepts = [None] * n, [None] * n
    objectives, n_iter = np.zeros(n), np.zeros(n, dtype=np.int64)
    converged, seconds = np.zeros(n, dtype=bool), np.zeros(n)
    theta = None
    name = ""
    backend = data_backend(X, y_idx, s, n_classes=n_classes, multinomial=multinomial)
    for i in order:
        t0 = time.perf_counter()
        fit = fit_model(
            X,
            y_idx,
            s,
            n_classes=n_classes,
            multinomial=multinomial,
            options=replace(options, C=float(Cs[i])),
            theta0=theta if warm_start else None,
            backend=backend,
        )
        seconds[i] = time.perf_counter() - t0
        theta, name = fit.theta, fit.solver
        coefs[i], intercepts[i] = fit.coef, fit.intercept
        objectives[i], n_iter[i] = fit.objective, fit.result.n_iter
        converged[i] = fit.result.converged
    return (
        np.stack(coefs),
        np.stack(intercepts),
        objectives,
        n_iter,
        converged,
        seconds,
        name,
    )

"""Peer estimators, all set up for the same objective.

scikit-learn's objective is ours: ``Σ_i ℓ_i + ‖w‖²/(2C)``. glum minimises
``(1/n) Σ_i ℓ_i + (α/2)‖w‖²`` (with unit weights), so ``α = 1/(C·n)``.
statsmodels' ``Logit`` only fits the unpenalised model, so it applies only to
workloads without a penalty (none of the default ones).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["peer_factories"]


def _sklearn(solver: str, tol: float, C: float, max_iter: int):
    from sklearn.linear_model import LogisticRegression

    def fit(X, y):
        m = LogisticRegression(solver=solver, tol=tol, C=C, max_iter=max_iter)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(X, y)
        return m.coef_.ravel(), float(m.intercept_[0])

    return fit


def _glum(solver: str, C: float, n: int):
    from glum import GeneralizedLinearRegressor

    def fit(X, y):
        m = GeneralizedLinearRegressor(
            family="binomial", alpha=1.0 / (C * n), l1_ratio=0.0, solver=solver,
            gradient_tol=1e-8, max_iter=1000,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(X, y)
        return np.asarray(m.coef_).ravel(), float(m.intercept_)

    return fit


def peer_factories(X, C: float, *, quick: bool = False) -> dict:
    """Name → fit(X, y) returning (coef, intercept), for the peers that apply to X."""
    n, d = X.shape
    peers = {}
    tols = (1e-4,) if quick else (1e-4, 1e-8)
    for solver in ("lbfgs", "newton-cholesky", "newton-cg", "liblinear", "sag", "saga"):
        if solver == "newton-cholesky" and d > 5000:
            continue  # would form a d×d dense Hessian of many GB
        for tol in tols:
            # sag/saga need thousands of epochs for 1e-8 on these sizes; 500 bounds the
            # run (a peer that stops short shows its gap and cannot be "best").
            max_iter = (100 if quick else 500) if solver in ("sag", "saga") else 10_000
            peers[f"sklearn {solver} tol={tol:g}"] = _sklearn(solver, tol, C, max_iter)
    try:
        import glum  # noqa: F401

        for solver in ("irls-ls", "irls-cd", "lbfgs"):
            if solver == "irls-ls" and d > 5000:
                continue
            peers[f"glum {solver}"] = _glum(solver, C, n)
    except ImportError:
        pass
    return peers

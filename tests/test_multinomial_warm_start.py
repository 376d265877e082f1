"""Multinomial L2 on tall dense data: Newton from row subsamples, kept and secant-corrected
Hessians (issue 19; :mod:`logistic.models.warm_start`, :mod:`logistic.solvers.newton`).

A fuzz family around the multinomial-l2 benchmark members: k from 3 to 10, unscaled and
offset columns, sample weights with zeros, float32, no intercept, C from 0.05 to 100,
unpenalised, a rare class. Each default fit must reach a relative objective gap ≤ 1e-8
against an exact optimum computed here (scikit-learn's lbfgs at tol=1e-12 where it
applies, polished by exact Newton steps on a float64 softmax Hessian formed in this file,
in standardised coordinates), report ``converged_`` exactly when no ConvergenceWarning
was raised, and the tall cases must have gone through the subsample levels.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from logistic import LogisticRegression


def objective(X, y, s, W, b, C):
    """scikit-learn's multinomial objective in float64: Σ s_i (lse(z_i) − z_{i,y_i}) + ½‖W‖²/C."""
    Z = np.asarray(X, np.float64) @ W.T + b
    loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    loss = loss if s is None else s * loss
    pen = 0.0 if not np.isfinite(C) else 0.5 * float(np.sum(W * W)) / C
    return float(np.sum(loss) + pen)


def polished(X, y, s, C, k, fit_intercept, W, b):
    """Exact Newton steps from (W, b) on the standardised design (dense float64 Hessian)."""
    X = np.asarray(X, np.float64)
    n, d = X.shape
    mu = X.mean(axis=0) if fit_intercept else np.zeros(d)
    sd = X.std(axis=0) if fit_intercept else np.sqrt((X * X).mean(axis=0))
    sd[sd == 0] = 1.0
    A = (X - mu) / sd
    if fit_intercept:
        A = np.column_stack([A, np.ones(n)])
    m = A.shape[1]
    lam = 0.0 if not np.isfinite(C) else 1.0 / C
    ridge = np.zeros(m)
    ridge[:d] = lam / (sd * sd)
    # θ' per class: (w·sd, b + mu·w)
    T = np.column_stack([W * sd, b + W @ mu]) if fit_intercept else W * sd
    sw = np.ones(n) if s is None else s
    Y = np.eye(k)[y]

    def f(T):
        Z = A @ T.T
        return float(np.sum(sw * (logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)))
                     + 0.5 * np.sum(ridge * T * T))

    for _ in range(30):
        Z = A @ T.T
        P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
        G = ((sw[:, None] * (P - Y)).T @ A + ridge * T).ravel()
        H = np.zeros((k * m, k * m))
        for c in range(k):
            for e in range(k):
                h = sw * P[:, c] * ((c == e) - P[:, e])
                H[c * m:(c + 1) * m, e * m:(e + 1) * m] = (A * h[:, None]).T @ A
        H += np.diag(np.tile(ridge, k))
        H += 1e-12 * np.trace(H) / H.shape[0] * np.eye(H.shape[0])  # the softmax's shift
        step = -np.linalg.lstsq(H, G, rcond=None)[0]
        if -G @ step <= 1e-16 * abs(f(T)):
            break
        u = 1.0
        while f(T + u * step.reshape(k, m)) > f(T) + 1e-4 * u * (G @ step) and u > 1e-10:
            u /= 2
        T = T + u * step.reshape(k, m)
    Wr = T[:, :d] / sd
    br = T[:, d] - Wr @ mu if fit_intercept else np.zeros(k)
    return Wr, br


def make(seed, n, d, k, *, unscaled=False, weights=False, float32=False, rare=False):
    informative = max(2, min(d - d // 5 - 1, 2 * k))
    X, y = make_classification(n_samples=n, n_features=d, n_informative=informative,
                               n_redundant=d // 5, n_classes=k, n_clusters_per_class=1,
                               flip_y=0.05, class_sep=0.8, random_state=seed,
                               weights=[0.02] + [0.98 / (k - 1)] * (k - 1) if rare else None)
    rng = np.random.default_rng(seed)
    if unscaled:
        X = X * 10.0 ** rng.uniform(-2, 2, d) + rng.uniform(-50, 50, d)
    s = None
    if weights:
        s = rng.integers(0, 4, n).astype(np.float64)  # zero weights included
        s[:k] = 1.0
    return (X.astype(np.float32) if float32 else X), y, s



def check(X, y, s, C, k, fit_intercept=True):
    penalty = None if not np.isfinite(C) else "l2"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = LogisticRegression(C=1.0 if penalty is None else C, penalty=penalty,
                                  fit_intercept=fit_intercept, inference=False).fit(
            X, y, sample_weight=s)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert warned == (not ours.converged_)
    assert ours.converged_
    W, b = ours.coef_.astype(np.float64), ours.intercept_.astype(np.float64)
    f = objective(X, y, s, W, b, C)
    f_ref = min(f, objective(X, y, s, *polished(X, y, s, C, k, fit_intercept, W, b), C))
    assert (f - f_ref) / abs(f_ref) <= 1e-8, (f, f_ref)
    return ours


CASES = [  # (seed, n, d, k, options, C)
    (0, 3000, 6, 3, {}, 1.0),
    (1, 4000, 12, 4, {"unscaled": True}, 1.0),
    (2, 3000, 10, 5, {"weights": True}, 0.05),
    (3, 5000, 8, 3, {"float32": True}, 100.0),
    (4, 4000, 15, 6, {"weights": True, "unscaled": True}, 10.0),
    (5, 6000, 8, 10, {}, 1.0),
    (6, 5000, 10, 4, {"rare": True}, 1.0),
    (7, 4000, 20, 3, {"unscaled": True}, np.inf),  # unpenalised
    # few parameters for many rows: every level's Hessian on the level below's rows
    # strided down to ~10 per parameter (the "thin" curvature rows), weights and float32
    (8, 40000, 4, 3, {"weights": True, "float32": True}, 1.0),
    (9, 30000, 5, 4, {"unscaled": True}, 10.0),
]


@pytest.mark.parametrize("seed,n,d,k,opts,C", CASES)
def test_subsample_levels_reach_the_documented_gap(small_levels, counted, seed, n, d, k, opts, C):
    X, y, s = make(seed, n, d, k, **opts)
    check(X, y, s, C, k)
    assert counted, "the fit did not go through the subsample levels"


def test_without_intercept(small_levels, counted):
    X, y, s = make(11, 4000, 9, 4, weights=True)
    check(X, y, s, 1.0, 4, fit_intercept=False)
    assert counted


def test_real_thresholds_tall(counted):
    X, y, s = make(21, 30_000, 12, 4, unscaled=True, weights=True)
    check(X, y, s, 1.0, 4)
    assert counted


def test_secant_corrections_cut_the_passes(monkeypatch):
    """The kept Hessian corrected by secant pairs needs fewer full passes than kept alone."""
    X, y, _ = make(31, 40_000, 30, 3)
    with_pairs = LogisticRegression(inference=False).fit(X, y)
    newton_module = importlib.import_module("logistic.solvers.newton")
    monkeypatch.setattr(newton_module._Corrected, "add", lambda self, s, y: None)
    without = LogisticRegression(inference=False).fit(X, y)
    assert with_pairs.converged_ and without.converged_
    assert with_pairs.n_iter_[0] < without.n_iter_[0]
    f1, f2 = (objective(X, y, None, m.coef_, m.intercept_, 1.0) for m in (with_pairs, without))
    assert abs(f1 - f2) <= 1e-9 * abs(f2)

"""Multinomial L1 / elastic-net on a family of random problems (issue 19).

Each case draws k from 3 to 10, unscaled columns with offsets, sample weights with
zeros, float32 data, no intercept, ρ ∈ {0.3, 1} and C ∈ {0.05, 1, 20}. The reference
is our own fit at tol=1e-13, *checked* by the optimality conditions of the composite
objective (in scikit-learn's units, :math:`\\lambda = \\rho/C`): the gradient of the
smooth part satisfies :math:`|\\nabla_j| \\le \\lambda` at every zero and
:math:`\\nabla_j = -\\lambda\\,\\mathrm{sign}(w_j)` at every non-zero, to 1e-6 of the
gradient's scale; then the default fit must be within a relative objective gap of
1e-8 of it, and ``converged_`` must agree with the absence of a ConvergenceWarning.
Two tiny standardised cases are checked against scikit-learn's saga at tol=1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLR

from logistic import LogisticRegression
from logistic.models.fitting import make_problem

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def _case(seed: int):
    """A random problem: (X, y, s, fit kwargs)."""
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(3, 11))
    d = int(rng.integers(6, 16))
    n = int(rng.integers(20 * k, 40 * k))
    red = min(2, d // 4)
    X, y = make_classification(n, d, n_informative=min(d - red, max(4, k // 2 + 2)),
                               n_redundant=red, n_classes=k,
                               n_clusters_per_class=1, class_sep=1.0, random_state=seed)
    X = X * 10.0 ** rng.uniform(-1.5, 1.5, d) + rng.uniform(-20, 20, d)  # unscaled, offset
    s = rng.uniform(0.2, 3.0, n)
    s[rng.random(n) < 0.15] = 0.0  # rows of zero weight
    if seed % 3 == 0:
        X = X.astype(np.float32)
    rho = (0.3, 1.0)[seed % 2]
    C = (0.05, 1.0, 20.0)[seed % 3 if seed < 3 else (seed // 2) % 3]
    kw = dict(C=C, fit_intercept=seed % 4 != 1)
    kw.update(penalty="l1") if rho == 1.0 else kw.update(penalty="elasticnet", l1_ratio=rho)
    return X, y, s, kw, rho


def _objective(X, y, s, W, b, C, rho):
    """scikit-learn's objective in float64: Σ s_i ℓ_i + (1/C)(ρ‖W‖₁ + (1−ρ)/2 ‖W‖²)."""
    Z = np.asarray(X, dtype=np.float64) @ W.T + b
    zmax = Z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
    loss = np.sum(s * (lse - Z[np.arange(len(y)), y]))
    return loss + (rho * np.abs(W).sum() + 0.5 * (1 - rho) * np.sum(W * W)) / C


def _fit(X, y, s, **kw):
    """A fit and whether it warned that it did not converge."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = LogisticRegression(**kw).fit(X, y, sample_weight=s)
    return m, any(issubclass(w.category, ConvergenceWarning) for w in caught)


def _kkt_violation(X, y, s, m, C, rho) -> float:
    """Largest violation of the optimality conditions over the coefficients, relative
    to the gradient's scale at zero (scikit-learn's units)."""
    classes, y_idx = np.unique(y, return_inverse=True)
    P = make_problem(X, y_idx, s, n_classes=classes.size, multinomial=True,
                     penalty="elasticnet", C=C, l1_ratio=rho, fit_intercept=m.fit_intercept)
    theta = np.concatenate([m.coef_.ravel(), m.intercept_ if m.fit_intercept else []])
    _, g = P.loss_grad(theta)
    _, g0 = P.loss_grad(np.zeros_like(theta))
    g, scale = g / P.scale, np.max(np.abs(g0)) / P.scale  # smooth part, L2 included
    lam = rho / C
    w, gw = theta[: m.coef_.size], g[: m.coef_.size]
    at_zero = np.maximum(np.abs(gw) - lam, 0.0)
    off_zero = np.abs(gw + lam * np.sign(w))
    viol = np.where(w == 0, at_zero, off_zero)
    if m.fit_intercept:  # unpenalised: the gradient itself
        viol = np.concatenate([viol, np.abs(g[m.coef_.size:])])
    return float(np.max(viol)) / scale


@pytest.mark.parametrize("seed", range(12))
def test_default_fit_reaches_the_checked_optimum(seed):
    X, y, s, kw, rho = _case(seed)
    X64 = X.astype(np.float64)  # the reference: the exact optimum of the data in float64
    tight, warned_tight = _fit(X64, y, s, tol=1e-13, max_iter=500, **kw)
    assert tight.converged_ and not warned_tight
    assert _kkt_violation(X64, y, s, tight, kw["C"], rho) <= 1e-6
    ours, warned = _fit(X, y, s, **kw)
    assert ours.solver_ == "proximal-newton"
    assert ours.converged_ and not warned  # converged_ ⇔ no ConvergenceWarning
    b = ours.intercept_ if ours.fit_intercept else 0.0
    b_t = tight.intercept_ if tight.fit_intercept else 0.0
    f = _objective(X64, y, s, ours.coef_, b, kw["C"], rho)
    f_ref = _objective(X64, y, s, tight.coef_, b_t, kw["C"], rho)
    # float32 data: its products round the scores (offset columns: |z| of tens) to
    # ~1e-7, which moves the float32 optimum by up to ~1e-7 of the objective
    # (as in test_no_silent_wrong_answer)
    assert (f - f_ref) / abs(f_ref) <= (1e-6 if X.dtype == np.float32 else 1e-8)
    if rho == 1.0 and kw["C"] <= 1.0:  # a sparse optimum: exact zeros
        assert np.count_nonzero(ours.coef_ == 0) > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_an_unfinished_fit_says_so(seed):
    X, y, s, kw, _ = _case(seed)
    m, warned = _fit(X, y, s, max_iter=1, **kw)
    assert m.converged_ is False and warned


@pytest.mark.parametrize(("k", "rho", "C"), [(4, 1.0, 0.5), (3, 0.3, 2.0)])
def test_tiny_cases_match_saga(k, rho, C):
    X, y = make_classification(80, 5, n_informative=4, n_redundant=0, n_classes=k,
                               n_clusters_per_class=1, random_state=k)
    X = (X - X.mean(0)) / X.std(0)
    s = np.random.default_rng(k).uniform(0.0, 2.0, y.size)
    kw = dict(penalty="l1", C=C) if rho == 1.0 else dict(penalty="elasticnet", l1_ratio=rho, C=C)
    ours, warned = _fit(X, y, s, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkLR(C=C, l1_ratio=rho, solver="saga", tol=1e-12, max_iter=100_000).fit(
            X, y, sample_weight=s)
    assert ours.converged_ and not warned
    f = _objective(X, y, s, ours.coef_, ours.intercept_, C, rho)
    f_ref = _objective(X, y, s, ref.coef_, ref.intercept_, C, rho)
    assert (f - f_ref) / abs(f_ref) <= 1e-8
    # the same model (pure L1 coefficients with an even k are unique only up to a
    # shift of a column's classes, which leaves the probabilities unchanged)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)

"""Firth's bias-reduced logistic regression (penalty="firth") against firthmodels."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from logistic import LogisticRegression
from logistic.data import make_backend
from logistic.inference import lr_test
from logistic.problems.firth import FirthProblem

firthmodels = pytest.importorskip("firthmodels")

RTOL = 1e-6


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def problem(seed, n=60, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    z = X @ rng.normal(size=d) + 0.3
    return X, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)


def separated():
    """Complete separation by x1 (firthmodels' own docstring example, plus a noise column)."""
    X = np.array([[0, 0.3], [0, -1.2], [0, 0.5], [1, 0.1], [1, 2.0], [1, -0.7]])
    return X, np.array([0, 0, 0, 1, 1, 1.0])


def quasi_separated():
    rng = np.random.default_rng(11)
    treated = (np.arange(30) < 8).astype(float)
    y = np.where(treated == 1, 1.0, (rng.random(30) < 0.4).astype(float))
    return np.column_stack([treated, rng.normal(size=30)]), y


def fit_firth(X, y, sample_weight=None, tol=1e-16):
    return LogisticRegression(penalty="firth", tol=tol).fit(X, y, sample_weight)


def fit_peer(X, y, sample_weight=None):
    return firthmodels.FirthLogisticRegression(gtol=1e-10, xtol=1e-10, max_iter=200).fit(
        X, y, sample_weight
    )


@pytest.mark.parametrize("data", [lambda: problem(0), lambda: problem(1, n=40, d=2),
                                  separated, quasi_separated])
def test_matches_firthmodels(data):
    X, y = data()
    res = fit_firth(X, y).summary(X, y)
    peer = fit_peer(X, y)
    perm = np.r_[X.shape[1], 0 : X.shape[1]]  # firthmodels puts the intercept last
    assert rel(res.params, np.r_[peer.intercept_, peer.coef_]) < RTOL
    assert rel(res.bse, peer.bse_[perm]) < RTOL
    assert rel(res.pvalues, peer.pvalues_[perm]) < RTOL
    assert rel(res.llf, peer.loglik_) < 1e-10
    ci = res.conf_int(method="profile")
    assert rel(ci, peer.conf_int(method="pl", tol=1e-10, max_iter=200)[perm]) < RTOL
    # firthmodels' constrained fits may stop short of gtol=1e-10 (float noise): 1e-8 here
    peer = firthmodels.FirthLogisticRegression(gtol=1e-8, xtol=1e-8, max_iter=200).fit(X, y)
    peer.lrt()
    assert rel(res.lrt_pvalues, peer.lrt_pvalues_[perm]) < RTOL


def test_modified_score_is_zero():
    """U*(β) = Xᵀ(y − p + h(½ − p)) = 0, with h the hat diagonal, computed here directly."""
    for X, y in [problem(2), separated(), quasi_separated()]:
        m = fit_firth(X, y)
        Xt = np.column_stack([X, np.ones(len(y))])
        p = 1 / (1 + np.exp(-(Xt @ np.r_[m.coef_.ravel(), m.intercept_])))
        W = p * (1 - p)
        A = Xt * np.sqrt(W)[:, None]
        h = np.einsum("ij,ji->i", A, np.linalg.solve(A.T @ A, A.T))
        U = Xt.T @ (y - p + h * (0.5 - p))
        assert np.max(np.abs(U)) < 1e-8
        assert np.all(np.isfinite(m.coef_)) and m.converged_


def test_default_tol_score_and_finite_under_separation():
    X, y = separated()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SeparationWarning, no ConvergenceWarning
        m = LogisticRegression(penalty="firth").fit(X, y)
    theta = np.r_[m.coef_.ravel(), m.intercept_]
    U = FirthProblem(make_backend(X, y), fit_intercept=True).modified_score(theta)
    assert np.max(np.abs(U)) < 1e-5
    assert abs(m.coef_[0, 0]) < 10


def test_reduces_small_sample_bias():
    """Mean estimate over 150 small samples (n=40): Firth's bias is a fraction of the MLE's."""
    rng = np.random.default_rng(12)
    beta = np.array([1.0, -0.5])
    mle, fir = [], []
    for _ in range(150):
        X = rng.normal(size=(40, 2))
        y = (rng.random(40) < 1 / (1 + np.exp(-(X @ beta - 0.5)))).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mle.append(LogisticRegression(penalty=None).fit(X, y).coef_.ravel())
        fir.append(fit_firth(X, y, tol=1e-10).coef_.ravel())
    bias_mle = np.mean(mle, axis=0) - beta
    bias_firth = np.mean(fir, axis=0) - beta
    assert np.all(np.abs(bias_firth) < 0.5 * np.abs(bias_mle))
    assert np.sign(bias_mle).tolist() == np.sign(beta).tolist()  # the MLE overshoots


def test_frequency_weights_equal_repeated_rows_and_sparse_equals_dense():
    X, y = problem(3, n=50)
    s = np.random.default_rng(4).integers(1, 4, size=len(y)).astype(float)
    Xr, yr = np.repeat(X, s.astype(int), axis=0), np.repeat(y, s.astype(int))
    a = fit_firth(X, y, s).summary(X, y, s)
    b = fit_firth(Xr, yr).summary(Xr, yr)
    for name in ["params", "bse", "llf", "llnull"]:
        assert rel(getattr(a, name), getattr(b, name)) < 1e-8, name
    assert rel(a.conf_int(method="profile"), b.conf_int(method="profile")) < 1e-8
    peer = fit_peer(X, y, s)  # firthmodels also reads weights as frequency weights
    assert rel(a.params, np.r_[peer.intercept_, peer.coef_]) < RTOL

    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    Xd = Xs.toarray()
    c, d = fit_firth(Xs, y).summary(Xs, y), fit_firth(Xd, y).summary(Xd, y)
    assert rel(c.params, d.params) < 1e-10 and rel(c.bse, d.bse) < 1e-10


def test_penalized_lr_test_between_firth_fits():
    X, y = problem(5, n=80, d=3)
    full = fit_firth(X, y).summary(X, y)
    restricted = fit_firth(X[:, :1], y).summary(X[:, :1], y)
    res = lr_test(full, restricted)
    assert res.df == 2 and rel(res.statistic, 2 * (full.llf - restricted.llf)) < 1e-12
    peer_full, peer_r = fit_peer(X, y), fit_peer(X[:, :1], y)
    assert rel(res.statistic, 2 * (peer_full.loglik_ - peer_r.loglik_)) < RTOL
    assert "Penalised" in res.name and "Firth" in str(full)


def test_firth_bad_input():
    X, y = problem(6)
    with pytest.raises(ValueError, match="solver must be 'auto' or 'newton'"):
        LogisticRegression(penalty="firth", solver="lbfgs").fit(X, y)
    m = fit_firth(X, y)
    with pytest.raises(ValueError, match="supports cov_type='nonrobust' only"):
        m.summary(X, y, cov_type="HC0")
    with pytest.raises(ValueError, match="method must be 'wald' or 'profile'"):
        m.summary(X, y).conf_int(method="bootstrap")


def test_default_tol_solves_the_score_equations():
    """With default settings the modified score U*(β) vanishes to 1e-8 (issue: 'to 1e-8')."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((60, 3))
    y = (rng.random(60) < 1 / (1 + np.exp(-X @ [1.0, -0.5, 0.3]))).astype(float)
    model = LogisticRegression(penalty="firth").fit(X, y)
    problem = FirthProblem(make_backend(X, y, None), fit_intercept=True)
    theta = np.append(model.coef_.ravel(), model.intercept_)
    assert np.max(np.abs(problem.modified_score(theta))) < 1e-8

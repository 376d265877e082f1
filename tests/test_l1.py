"""L1 and elastic-net logistic regression (proximal Newton) against scikit-learn saga.

The reference is scikit-learn ``saga`` at tol=1e-12 with a large iteration budget, on
the same objective :math:`\\sum_i s_i\\ell_i + \\frac1C(\\rho\\|w\\|_1 +
\\frac{1-\\rho}2\\|w\\|^2)`; the target is a relative objective gap of 1e-8 and the
same exact zeros. Small problems keep saga fast.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from conftest import standardize
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.linear_model import LogisticRegression as SkLR

import logistic
from logistic.models.fitting import make_problem
from logistic.solvers.proximal_newton import min_norm_subgradient

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def _digits_subset():
    X, y = load_digits(return_X_y=True)
    keep = np.isin(y, [0, 3, 5, 8])  # four classes, every third sample: saga stays quick
    return standardize(X[keep][::3]), y[keep][::3]


DATASETS = {
    "breast_cancer": lambda: (standardize(load_breast_cancer().data), load_breast_cancer().target),
    "iris": lambda: (standardize(load_iris().data), load_iris().target),
    "wine": lambda: (standardize(load_wine().data), load_wine().target),
    "digits": _digits_subset,
}


def _composite(X, y, coef, intercept, *, C, rho, s=None, fit_intercept=True):
    classes, y_idx = np.unique(y, return_inverse=True)
    P = make_problem(X, y_idx, s, n_classes=classes.size, multinomial=True,
                     penalty="elasticnet", C=C, l1_ratio=rho, fit_intercept=fit_intercept)
    theta = np.concatenate([coef.ravel(), intercept if fit_intercept else []])
    return P.user_objective(P.loss(theta) + P.penalty(theta))


def _saga(X, y, *, C, rho, s=None, fit_intercept=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SkLR(C=C, l1_ratio=rho, solver="saga", tol=1e-12, max_iter=200_000,
                    fit_intercept=fit_intercept).fit(X, y, sample_weight=s)


CASES = [
    ("breast_cancer", 0.1, 1.0),
    ("breast_cancer", 1.0, 0.5),
    ("iris", 0.5, 1.0),
    ("iris", 2.0, 0.3),
    ("wine", 0.3, 1.0),
    ("wine", 1.0, 0.7),
    ("digits", 0.1, 1.0),
]


@pytest.mark.parametrize(("name", "C", "rho"), CASES)
def test_l1_and_elasticnet_match_saga(name, C, rho):
    X, y = DATASETS[name]()
    penalty = "l1" if rho == 1.0 else "elasticnet"
    ours = logistic.LogisticRegression(penalty=penalty, C=C, l1_ratio=None if rho == 1 else rho)
    ours.fit(X, y)
    ref = _saga(X, y, C=C, rho=rho)
    assert ours.solver_ == "proximal-newton" and ours.converged_
    assert ours.coef_.shape == ref.coef_.shape
    f_ref = _composite(X, y, ref.coef_, ref.intercept_, C=C, rho=rho)
    f_ours = _composite(X, y, ours.coef_, ours.intercept_, C=C, rho=rho)
    assert f_ours == pytest.approx(ours.objective_, rel=1e-13)
    assert (f_ours - f_ref) / abs(f_ref) <= 1e-8
    # exact zeros, and the same ones as saga's (up to its last-digit noise)
    if rho == 1.0:
        assert np.count_nonzero(ours.coef_) < ours.coef_.size
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-8)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-4 * np.abs(ref.coef_).max())


@pytest.mark.parametrize("seed", [0, 1])
def test_random_problems_with_weights_and_no_intercept(seed):
    X, y = make_classification(n_samples=200, n_features=12, n_informative=4, n_classes=2 + seed,
                               n_clusters_per_class=1, random_state=seed)
    s = np.random.default_rng(seed).uniform(0.2, 2.0, y.size)
    C, rho = 0.2, 0.8
    for fit_intercept in (True, False):
        ours = logistic.LogisticRegression(penalty="elasticnet", l1_ratio=rho, C=C,
                                           fit_intercept=fit_intercept)
        ours.fit(X, y, sample_weight=s)
        ref = _saga(X, y, C=C, rho=rho, s=s, fit_intercept=fit_intercept)
        f_ref = _composite(X, y, ref.coef_, ref.intercept_, C=C, rho=rho, s=s,
                           fit_intercept=fit_intercept)
        assert (ours.objective_ - f_ref) / abs(f_ref) <= 1e-8


def test_solution_satisfies_the_optimality_conditions():
    X, y = DATASETS["wine"]()
    m = logistic.LogisticRegression(penalty="l1", C=0.3).fit(X, y)
    classes, y_idx = np.unique(y, return_inverse=True)
    P = make_problem(X, y_idx, None, n_classes=3, multinomial=True, penalty="l1", C=0.3,
                     l1_ratio=None, fit_intercept=True)
    theta = np.concatenate([m.coef_.ravel(), m.intercept_])
    _, g = P.loss_grad(theta)
    v = min_norm_subgradient(theta, g, P.l1_weights) / P.scale  # in sklearn's units
    assert np.max(np.abs(v)) < 1e-6
    zero = theta[: m.coef_.size] == 0
    assert zero.sum() > 0
    # at an exact zero the gradient is strictly inside [-λ, λ] (λ = 1/C)
    assert np.all(np.abs(g[: m.coef_.size][zero] / P.scale) <= 1 / 0.3 + 1e-9)


def test_l1_path_is_monotone_in_the_number_of_nonzeros():
    X, y = make_classification(n_samples=400, n_features=30, n_informative=8, n_redundant=0,
                               random_state=0)
    Cs = np.logspace(-3, 1, 15)
    path = logistic.regularization_path(X, y, Cs, penalty="l1")
    nnz = path.n_nonzero
    assert path.converged.all()
    assert nnz[0] == 0 and nnz[-1] > 8
    assert np.all(np.diff(nnz) >= 0), nnz


def test_warm_started_path_equals_cold_fits_with_fewer_iterations():
    X, y = DATASETS["breast_cancer"]()
    Cs = np.logspace(-2, 1, 8)
    warm = logistic.regularization_path(X, y, Cs, penalty="l1")
    cold = logistic.regularization_path(X, y, Cs, penalty="l1", warm_start=False)
    np.testing.assert_allclose(warm.objectives, cold.objectives, rtol=1e-9)
    assert warm.n_iter.sum() < cold.n_iter.sum()
    for i, C in enumerate(Cs[[0, 4]]):
        single = logistic.LogisticRegression(penalty="l1", C=C).fit(X, y)
        assert warm.objectives[[0, 4][i]] == pytest.approx(single.objective_, rel=1e-9)


def test_elasticnet_extremes_agree_with_l2_and_l1():
    X, y = DATASETS["breast_cancer"]()
    l2 = logistic.LogisticRegression(C=0.5).fit(X, y)
    en0 = logistic.LogisticRegression(penalty="elasticnet", l1_ratio=0.0, C=0.5).fit(X, y)
    assert en0.objective_ == pytest.approx(l2.objective_, rel=1e-10)
    l1 = logistic.LogisticRegression(penalty="l1", C=0.5).fit(X, y)
    en1 = logistic.LogisticRegression(penalty="elasticnet", l1_ratio=1.0, C=0.5).fit(X, y)
    assert en1.objective_ == pytest.approx(l1.objective_, rel=1e-12)


def test_cold_fit_with_collinear_features_converges_fast():
    # redundant features make the Hessian nearly singular; weak penalty, cold start
    X, y = make_classification(n_samples=3000, n_features=60, n_informative=10,
                               n_redundant=5, random_state=0)
    m = logistic.LogisticRegression(penalty="elasticnet", l1_ratio=0.5, C=10.0).fit(X, y)
    assert m.converged_ and m.n_iter_[0] <= 15
    # saga needs minutes here; the optimality certificate is the reference instead
    P = make_problem(X, y, None, n_classes=2, multinomial=True, penalty="elasticnet",
                     C=10.0, l1_ratio=0.5, fit_intercept=True)
    theta = np.concatenate([m.coef_.ravel(), m.intercept_])
    _, g = P.loss_grad(theta)
    assert np.max(np.abs(min_norm_subgradient(theta, g, P.l1_weights))) / P.scale < 1e-6


def test_proximal_newton_on_a_smooth_problem_is_newton():
    X, y = DATASETS["wine"]()
    a = logistic.LogisticRegression(C=0.7, solver="proximal-newton").fit(X, y)
    b = logistic.LogisticRegression(C=0.7, solver="newton").fit(X, y)
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-11)


def test_bad_l1_input():
    X, y = DATASETS["iris"]()
    for bad in (-0.1, 1.5, "half", None):
        with pytest.raises(ValueError, match="l1_ratio must be a number in"):
            logistic.LogisticRegression(penalty="elasticnet", l1_ratio=bad).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be None or a number in"):
        logistic.LogisticRegression(l1_ratio=2.0).fit(X, y)
    with pytest.raises(ValueError, match="does not support the L1"):
        logistic.LogisticRegression(penalty="l1", solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="penalty must be"):
        logistic.LogisticRegression(penalty="l3").fit(X, y)
    with pytest.raises(ValueError, match="every C must be a positive"):
        logistic.regularization_path(X, y, [0.1, 0.0], penalty="l1")


def test_timing_of_a_small_l1_fit():
    X, y = DATASETS["digits"]()
    t0 = time.perf_counter()
    logistic.LogisticRegression(penalty="l1", C=0.1).fit(X, y)
    assert time.perf_counter() - t0 < 20  # a generous bound; catches pathological slowdowns

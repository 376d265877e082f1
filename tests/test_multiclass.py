"""Multinomial and one-vs-rest logistic regression against scikit-learn and finite differences.

References: scikit-learn's multinomial ``newton-cholesky`` at tol=1e-12 (the same
symmetric objective), ``OneVsRestClassifier`` of binary fits, central finite
differences for the gradient and Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import standardize
from sklearn.datasets import load_digits, load_iris, load_wine, make_classification
from sklearn.linear_model import LogisticRegression as SkLR
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import logistic
from logistic.data import make_backend
from logistic.math.stable import log_softmax
from logistic.models.fitting import make_problem
from logistic.problems.multinomial import MultinomialProblem, one_hot

pytestmark = pytest.mark.usefixtures("one_blas_thread")


DATASETS = {
    "iris": lambda: load_iris(return_X_y=True),
    "wine": lambda: (standardize(load_wine().data), load_wine().target),
    "digits": lambda: (standardize(load_digits().data[::3]), load_digits().target[::3]),
}


def _objective(X, y, coef, intercept, C=1.0, s=None, penalty="l2"):
    k = np.unique(y).size
    P = make_problem(X, np.searchsorted(np.unique(y), y), s, n_classes=k, multinomial=True,
                     penalty=penalty, C=C, l1_ratio=None, fit_intercept=True)
    return P.user_objective(P.loss(np.concatenate([coef.ravel(), intercept])))


def _rel_gap(f, f_ref):
    return (f - f_ref) / abs(f_ref)


# --------------------------------------------------------------- finite differences
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_and_hessian_match_finite_differences(fit_intercept):
    rng = np.random.default_rng(3)
    n, d, k = 60, 4, 3
    X = rng.standard_normal((n, d))
    y = rng.integers(0, k, n)
    s = rng.uniform(0.2, 2.0, n)
    P = MultinomialProblem(make_backend(X, one_hot(y, k), s), n_classes=k, alpha=0.7,
                           fit_intercept=fit_intercept)
    theta = rng.standard_normal(P.n_params)
    f, g = P.loss_grad(theta)
    H = P.hessian_subset(theta, None)
    eps = 1e-6
    E = np.eye(P.n_params)
    g_fd = np.array([(P.loss(theta + eps * e) - P.loss(theta - eps * e)) / (2 * eps) for e in E])
    H_fd = np.array([(P.loss_grad(theta + eps * e)[1] - P.loss_grad(theta - eps * e)[1])
                     / (2 * eps) for e in E])
    assert np.max(np.abs(g - g_fd)) < 1e-8
    assert np.max(np.abs(H - H_fd)) < 1e-7
    _, _, hessp = P.loss_grad_hessp(theta)
    v = rng.standard_normal(P.n_params)
    np.testing.assert_allclose(hessp(v), H @ v, rtol=1e-12, atol=1e-14)
    idx = np.array([0, 3, 5, P.n_params - 1])
    np.testing.assert_allclose(P.hessian_subset(theta, idx), H[np.ix_(idx, idx)], atol=1e-15)
    # the deflated Hessian of Newton differs only along the constant-shift directions
    _, _, H_defl = P.loss_grad_hess(theta)
    if fit_intercept:
        u = np.zeros(P.n_params)
        u[P.n_coef:] = 1.0
        w = rng.standard_normal(P.n_params)
        w -= (w @ u) / (u @ u) * u
        np.testing.assert_allclose(H_defl @ w, H @ w, atol=1e-13)


def test_softmax_is_stable_for_huge_scores():
    Z = np.array([[1e300, -1e300, 0.0], [-800.0, -801.0, -802.0], [1e-300, 0.0, 0.0]])
    logP, lse = log_softmax(Z)
    assert np.all(np.isfinite(logP)) and np.all(np.isfinite(lse))
    assert logP[0, 0] == 0.0 and lse[0, 0] == 1e300
    np.testing.assert_allclose(np.exp(logP).sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(logP[1], [-0.40760596444438, -1.40760596444438, -2.40760596444438],
                               rtol=1e-12)


# --------------------------------------------------------------- against scikit-learn
@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton", "newton-cg"])
def test_multinomial_l2_objective_gap_vs_sklearn(name, solver):
    X, y = DATASETS[name]()
    C = 0.5
    ours = logistic.LogisticRegression(C=C, solver=solver).fit(X, y)
    ref = SkLR(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (np.unique(y).size, X.shape[1])
    f_ref = _objective(X, y, ref.coef_, ref.intercept_, C)
    assert _rel_gap(ours.objective_, f_ref) <= 1e-8
    assert ours.objective_ == pytest.approx(_objective(X, y, ours.coef_, ours.intercept_, C),
                                            rel=1e-13)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.99
    np.testing.assert_allclose(ours.intercept_.sum(), 0.0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multinomial_random_problems_with_weights(seed):
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=4,
                               n_clusters_per_class=1, flip_y=0.1, random_state=seed)
    s = np.random.default_rng(seed).uniform(0.1, 3.0, y.size)
    C = [0.05, 1.0, 20.0][seed]
    ours = logistic.LogisticRegression(C=C).fit(X, y, sample_weight=s)
    ref = SkLR(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y, sample_weight=s)
    f_ref = _objective(X, y, ref.coef_, ref.intercept_, C, s)
    assert _rel_gap(ours.objective_, f_ref) <= 1e-8
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


def test_large_n_uses_a_subsampled_hessian_and_still_converges():
    X, y = make_classification(n_samples=25_000, n_features=5, n_informative=4, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, flip_y=0.1, random_state=2)
    ours = logistic.LogisticRegression(C=0.01).fit(X, y)
    assert ours.solver_ == "newton" and ours.converged_
    ref = SkLR(C=0.01, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    f_ref = _objective(X, y, ref.coef_, ref.intercept_, 0.01)
    assert _rel_gap(ours.objective_, f_ref) <= 1e-8
    exact = logistic.LogisticRegression(C=0.01, solver="newton").fit(X, y)  # full Hessian
    assert ours.n_iter_[0] <= exact.n_iter_[0] + 4


def test_multinomial_without_penalty_is_centred_and_optimal():
    X, y = make_classification(n_samples=400, n_features=4, n_informative=3, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, flip_y=0.3, random_state=5)
    ours = logistic.LogisticRegression(penalty=None).fit(X, y)
    ref = SkLR(C=np.inf, solver="lbfgs", tol=1e-14, max_iter=10_000).fit(X, y)
    f_ref = _objective(X, y, ref.coef_, ref.intercept_, penalty=None)
    assert ours.converged_
    assert _rel_gap(ours.objective_, f_ref) <= 1e-8
    np.testing.assert_allclose(ours.coef_.sum(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_.sum(), 0.0, atol=1e-10)
    centred = ref.coef_ - ref.coef_.mean(axis=0)
    np.testing.assert_allclose(ours.coef_, centred, rtol=1e-4, atol=1e-5)


def test_one_vs_rest_matches_sklearn_one_vs_rest():
    X, y = DATASETS["wine"]()
    ours = logistic.LogisticRegression(multi_class="ovr", C=0.3).fit(X, y)
    ref = OneVsRestClassifier(SkLR(C=0.3, solver="newton-cholesky", tol=1e-12)).fit(X, y)
    np.testing.assert_allclose(ours.coef_, np.vstack([e.coef_ for e in ref.estimators_]),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, [e.intercept_[0] for e in ref.estimators_],
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    assert ours.n_iter_.shape == (3,)
    assert np.array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("class_weight", ["balanced", {0: 3.0, 1: 0.25}])
@pytest.mark.parametrize("dataset", ["iris", "binary"])
def test_class_weight_matches_sklearn(class_weight, dataset):
    X, y = DATASETS["iris"]()
    if dataset == "binary":
        X, y = X[:120], y[:120]  # classes 0, 1 (50 each) and 2 (20): unbalanced
        y = np.where(y == 2, 0, y)
    s = np.random.default_rng(0).uniform(0.5, 2.0, y.size)
    ours = logistic.LogisticRegression(class_weight=class_weight).fit(X, y, sample_weight=s)
    ref = SkLR(class_weight=class_weight, solver="newton-cholesky", tol=1e-12).fit(
        X, y, sample_weight=s)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)


def test_string_labels_and_predict_log_proba():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    m = logistic.LogisticRegression().fit(X, labels)
    assert list(m.classes_) == list(labels[[0, 50, 100]])
    P, logP = m.predict_proba(X), m.predict_log_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.exp(logP), P, rtol=1e-12)
    assert m.decision_function(X).shape == (150, 3)


# --------------------------------------------------------------- errors
def test_bad_multiclass_and_class_weight_input():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="class_weight names class"):
        logistic.LogisticRegression(class_weight={7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be"):
        logistic.LogisticRegression(class_weight="heavy").fit(X, y)
    with pytest.raises(ValueError, match="multi_class must be one of"):
        logistic.LogisticRegression(multi_class="ova").fit(X, y)
    with pytest.raises(ValueError, match="C must be a positive number"):
        logistic.LogisticRegression(C=0).fit(X, y)
    with pytest.raises(ValueError, match="C must be a positive number"):
        logistic.LogisticRegression(C=-1.0).fit(X, y)


@parametrize_with_checks([logistic.LogisticRegression()])
def test_sklearn_compatible(estimator, check):
    check(estimator)

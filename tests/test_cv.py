"""LogisticRegressionCV and regularization_path against scikit-learn's LogisticRegressionCV."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegressionCV as SkCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import logistic


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _data(name):
    X, y = (load_iris if name == "iris" else load_breast_cancer)(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
def test_l2_cv_matches_sklearn(name):
    X, y = _data(name)
    ours = logistic.LogisticRegressionCV(Cs=6, cv=4).fit(X, y)
    ref = SkCV(Cs=6, cv=StratifiedKFold(4), l1_ratios=(0.0,), scoring="accuracy",
               solver="newton-cholesky", tol=1e-12, max_iter=1000,
               use_legacy_attributes=True).fit(X, y)
    key = list(ref.scores_)[0]
    np.testing.assert_allclose(ours.Cs_, ref.Cs_)
    np.testing.assert_array_equal(ours.scores_[key], ref.scores_[key][..., 0])
    np.testing.assert_allclose(ours.coefs_paths_[key], ref.coefs_paths_[key][:, :, 0],
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ours.C_, ref.C_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    k = np.unique(y).size
    assert ours.C_.shape == ((k,) if k > 2 else (1,))
    assert set(ours.scores_) == set(ref.scores_)


def test_elasticnet_grid_picks_the_best_mean_score_and_is_reproducible():
    X, y = _data("breast_cancer")
    kw = dict(Cs=[0.01, 0.1, 1.0], l1_ratios=[0.0, 0.5, 1.0], cv=3, random_state=7,
              scoring="neg_log_loss")
    a = logistic.LogisticRegressionCV(**kw).fit(X, y)
    b = logistic.LogisticRegressionCV(**kw).fit(X, y)
    scores = a.scores_[1]
    assert scores.shape == (3, 3, 3) and a.coefs_paths_[1].shape == (3, 3, 3, 31)
    np.testing.assert_array_equal(scores, b.scores_[1])
    mean = scores.mean(axis=0)
    i, j = np.unravel_index(np.argmax(mean), mean.shape)
    assert a.C_[0] == kw["Cs"][i] and a.l1_ratio_[0] == kw["l1_ratios"][j]
    ref = logistic.LogisticRegression(penalty="elasticnet", C=a.C_[0], l1_ratio=a.l1_ratio_[0])
    np.testing.assert_allclose(a.coef_, ref.fit(X, y).coef_, rtol=1e-8, atol=1e-10)
    # the folds really are shuffled by random_state, and stratified
    other = logistic.LogisticRegressionCV(**{**kw, "random_state": 8}).fit(X, y)
    assert not np.array_equal(other.scores_[1], scores)


def test_refit_false_averages_the_fold_coefficients():
    X, y = _data("iris")
    m = logistic.LogisticRegressionCV(Cs=[0.1, 1.0], cv=3, refit=False).fit(X, y)
    best = list(m.Cs_).index(m.C_[0])
    for i, c in enumerate(m.classes_):
        np.testing.assert_allclose(m.coef_[i], m.coefs_paths_[c][:, best, :-1].mean(axis=0))
    assert m.score(X, y) > 0.9


def test_path_warm_starts_match_cold_fits():
    X, y = _data("iris")
    Cs = [10.0, 0.01, 1.0, 0.1]
    warm = logistic.regularization_path(X, y, Cs)
    cold = logistic.regularization_path(X, y, Cs, warm_start=False)
    np.testing.assert_allclose(warm.objectives, cold.objectives, rtol=1e-10)
    for i, C in enumerate(Cs):
        single = logistic.LogisticRegression(C=C).fit(X, y)
        np.testing.assert_allclose(warm.coefs[i], single.coef_, rtol=1e-6, atol=1e-8)
    assert warm.coefs.shape == (4, 3, 4)
    ovr = logistic.regularization_path(X, y, Cs[:2], multi_class="ovr")
    single = logistic.LogisticRegression(C=Cs[1], multi_class="ovr").fit(X, y)
    np.testing.assert_allclose(ovr.coefs[1], single.coef_, rtol=1e-6, atol=1e-8)


def test_bad_cv_input():
    X, y = _data("iris")
    with pytest.raises(ValueError, match="every C must be a positive"):
        logistic.LogisticRegressionCV(Cs=[1.0, -2.0]).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be a number in"):
        logistic.LogisticRegressionCV(Cs=2, l1_ratios=[0.5, 1.2]).fit(X, y)
    with pytest.raises(ValueError, match="cv must be at least 2"):
        logistic.LogisticRegressionCV(Cs=2, cv=1).fit(X, y)
    with pytest.raises(ValueError, match="class_weight names class"):
        logistic.LogisticRegressionCV(Cs=2, class_weight={"a": 1.0}).fit(X, y)
    # more folds than rows, or than the largest class holds: said in cv's terms (they
    # were scikit-learn's n_splits messages)
    with pytest.raises(ValueError, match="cv=500 folds need at least 500 rows; the data have 150"):
        logistic.LogisticRegressionCV(Cs=2, cv=500).fit(X, y)
    with pytest.raises(ValueError, match=r"largest class \('a'\) has 4: use cv=4 or fewer"):
        logistic.LogisticRegressionCV(Cs=2, cv=5).fit(X[:7], np.array(list("aaaabbb")))


def _cv_xfails(estimator):
    # as scikit-learn's own LogisticRegressionCV: repeating a sample changes the folds
    reason = "sample weights are not equivalent to repeated samples under cross-validation"
    return {
        "check_sample_weight_equivalence_on_dense_data": reason,
        "check_sample_weight_equivalence_on_sparse_data": reason,
    }


@parametrize_with_checks([logistic.LogisticRegressionCV(Cs=3, cv=3)],
                         expected_failed_checks=_cv_xfails)
def test_cv_estimator_is_sklearn_compatible(estimator, check):
    check(estimator)

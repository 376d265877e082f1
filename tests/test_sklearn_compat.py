"""scikit-learn compatibility: every estimator check, Pipeline and GridSearchCV.

The numbers are compared with scikit-learn's own LogisticRegression (tight tol) on
the same data: both minimise the same objective, so predictions, probabilities,
coefficients and cross-validation scores must agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import relative_gap, sk_objective
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from logistic import LogisticRegression
from logistic.datasets import load_breast_cancer


# gd with a 1000-step budget: the checks' raw (unstandardised) data would otherwise run gd
# to its default 10 000 steps in a dozen checks (15 s); a ConvergenceWarning is fine there.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks([LogisticRegression(), LogisticRegression(solver="gd", max_iter=1000)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_tags_declare_multiclass_and_sparse():
    """Multiclass is supported (the multiclass issue removed the binary-only tag)."""
    tags = LogisticRegression().__sklearn_tags__()
    assert tags.classifier_tags.multi_class is True
    assert tags.input_tags.sparse is True
    model = LogisticRegression().fit(np.arange(6.0).reshape(-1, 1), [0, 1, 2, 0, 1, 2])
    assert model.coef_.shape == (3, 1) and model.predict_proba([[1.0]]).shape == (1, 3)


def _sk(**kw):
    return SkLogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000, **kw)


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton-cg", "gd"])
def test_pipeline_matches_sklearn(solver):
    X, y = load_breast_cancer()
    ours = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, solver=solver)).fit(X, y)
    ref = make_pipeline(StandardScaler(), _sk(C=0.5)).fit(X, y)
    # The objective gap is what the solvers guarantee; the coefficient error it allows
    # is ~ sqrt(2·gap·f/μ): measured max |Δcoef| 6e-16 (newton), 2e-9 (newton-cg),
    # 7e-6 (lbfgs, gap 2e-11) and 6e-4 (gd, gap 9e-8) with max |coef| ≈ 1.03.
    Xs = ours[0].transform(X)
    f = sk_objective(Xs, y, ours[-1].coef_, ours[-1].intercept_, 0.5)
    f_ref = sk_objective(Xs, y, ref[-1].coef_, ref[-1].intercept_, 0.5)
    assert relative_gap(f, f_ref) <= (1e-6 if solver == "gd" else 1e-8)
    atol = {"auto": 1e-7, "newton-cg": 1e-7, "lbfgs": 5e-5, "gd": 2e-3}[solver]
    np.testing.assert_allclose(ours[-1].coef_, ref[-1].coef_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours[-1].intercept_, ref[-1].intercept_, rtol=0, atol=atol)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=atol)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.score(X, y) == ref.score(X, y)


def test_grid_search_matches_sklearn():
    X, y = load_breast_cancer()
    grid = {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]}
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    kw = {"cv": cv, "scoring": "neg_log_loss"}
    ours = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()), grid, **kw)
    ref = GridSearchCV(make_pipeline(StandardScaler(), _sk()), grid, **kw)
    ours.fit(X, y)
    ref.fit(X, y)
    assert ours.best_params_ == ref.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], rtol=1e-8
    )
    np.testing.assert_allclose(
        ours.best_estimator_[-1].coef_, ref.best_estimator_[-1].coef_, rtol=1e-6
    )

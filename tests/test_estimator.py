"""The estimator's results: dtypes and copies, probabilities, history, labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import relative_gap, sk_objective, to_layout
from scipy.special import expit
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import logistic.models.fitting as est
from logistic import LogisticRegression

SOLVERS = ("gd", "lbfgs", "newton", "newton-cg")


def _data(n=120, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < expit(X @ np.linspace(1, -1, d) + 0.3)).astype(int)
    return X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
def test_X_reaches_the_backend_uncopied(layout, dtype, monkeypatch):
    """float32 stays float32, and C/F/CSR/CSC X reach the backend without a copy."""
    seen = {}
    real = est.make_backend

    def spy(X, y, s=None, **kw):
        seen["X"] = X
        return real(X, y, s, **kw)

    monkeypatch.setattr(est, "make_backend", spy)
    X0, y = _data()
    X = to_layout(X0, layout, dtype)
    model = LogisticRegression().fit(X, y)
    Xb = seen["X"]
    assert Xb.dtype == dtype
    if sp.issparse(X):
        assert Xb.format == layout and np.shares_memory(Xb.data, X.data)
    else:
        assert np.shares_memory(Xb, X)
    assert model.coef_.dtype == dtype and model.coef_.shape == (1, 3)  # as in scikit-learn
    assert model.intercept_.shape == (1,)
    # the same optimum as a float64 fit of the same (rounded) data: the default tol=1e-10
    # bounds the objective gap, which allows |Δcoef| ~ sqrt(2·1e-10·f/μ) ≈ 2e-5 here
    # (measured 1.5e-5 for C-ordered float32, where Newton stops one step earlier)
    X64 = X.astype(np.float64)
    ref = LogisticRegression().fit(X64, y)
    f = sk_objective(X64, y, model.coef_, model.intercept_, 1.0)
    f_ref = sk_objective(X64, y, ref.coef_, ref.intercept_, 1.0)
    assert relative_gap(f, f_ref) <= 1e-8
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-4)


def test_predict_proba_matches_sklearn():
    X, y = _data(seed=1)
    ours = LogisticRegression(C=0.3).fit(X, y)
    proba = ours.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=2.3e-16)
    # the same coefficients in scikit-learn's estimator give the same probabilities
    sk = SkLogisticRegression().fit(X, y)
    sk.coef_, sk.intercept_ = ours.coef_.copy(), ours.intercept_.copy()
    np.testing.assert_allclose(proba, sk.predict_proba(X), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(ours.decision_function(X), sk.decision_function(X), rtol=1e-14)
    # and scikit-learn's own tight fit gives them too
    sk_fit = SkLogisticRegression(C=0.3, solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(proba, sk_fit.predict_proba(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), sk_fit.predict(X))
    assert ours.score(X, y) == sk_fit.score(X, y)


def test_predict_log_proba_extreme_margins():
    X, y = _data(seed=2)
    model = LogisticRegression().fit(X, y)
    model.coef_ = np.array([[1e5, 0.0, 0.0]])
    model.intercept_ = np.array([0.0])
    Xe = np.array([[1e4, 0, 0], [-1e4, 0, 0], [1e-300, 0, 0], [0, 0, 0], [1e303, 0, 0]])
    z = Xe[:, 0] * 1e5  # ±1e9, 1e-295, 0, 1e308 (finite)
    logp = model.predict_log_proba(Xe)
    assert np.all(np.isfinite(logp)) and np.all(logp <= 0)
    np.testing.assert_allclose(logp[:, 1], -np.logaddexp(0, -z), rtol=1e-15)
    np.testing.assert_allclose(logp[:, 0], -np.logaddexp(0, z), rtol=1e-15)
    assert logp[0, 0] == -1e9 and logp[1, 1] == -1e9 and logp[4, 0] == -z[4]
    proba = model.predict_proba(Xe)
    np.testing.assert_allclose(np.exp(logp), proba, rtol=1e-15)
    np.testing.assert_array_equal(model.predict(Xe), [1, 0, 1, 0, 1])


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", SOLVERS)
def test_history(solver, fit_intercept):
    X, y = _data(seed=3)
    model = LogisticRegression(solver=solver, fit_intercept=fit_intercept).fit(X, y)
    h = model.history_
    n = model.n_iter_[0]
    assert set(h) >= {"objective", "grad_norm", "seconds"}
    for key in ("objective", "grad_norm", "seconds"):
        assert h[key].shape == (n + 1,), key
        assert np.all(np.isfinite(h[key]))
    # row 0: θ = 0, objective n·log 2 and the gradient there, in scikit-learn's units
    assert h["objective"][0] == pytest.approx(len(y) * np.log(2), rel=1e-14)
    g0 = np.append(X.T @ (0.5 - y), np.sum(0.5 - y) if fit_intercept else [])
    assert h["grad_norm"][0] == pytest.approx(np.linalg.norm(g0), rel=1e-12)
    assert h["objective"][-1] == pytest.approx(model.objective_, rel=1e-14)
    assert np.all(np.diff(h["seconds"]) >= 0)
    assert h["grad_norm"][-1] < 1e-3 * h["grad_norm"][0]
    if solver != "gd":  # descent methods with a line search never go up
        obj = h["objective"]
        assert np.all(np.diff(obj) <= 1e-14 * obj[1:]), np.diff(obj).max()


def test_string_labels_and_feature_names():
    X, y = _data(seed=4)
    labels = np.where(y == 1, "spam", "ham")
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = LogisticRegression().fit(frame, labels)
    np.testing.assert_array_equal(model.classes_, ["ham", "spam"])
    np.testing.assert_array_equal(model.feature_names_in_, ["a", "b", "c"])
    assert model.n_features_in_ == 3
    ref = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-12)  # "spam" is the positive
    pred = model.predict(frame)
    np.testing.assert_array_equal(pred, np.where(ref.predict(X) == 1, "spam", "ham"))
    # decision_function > 0 exactly where classes_[1] is predicted
    np.testing.assert_array_equal(model.decision_function(frame) > 0, pred == "spam")


def test_auto_solver_choice():
    X, y = _data(n=60, d=3)
    assert LogisticRegression().fit(X, y).solver_ == "newton"
    assert LogisticRegression().fit(sp.csr_matrix(X), y).solver_ == "newton-cg"
    Xw, yw = _data(n=30, d=80)
    assert LogisticRegression().fit(Xw, yw).solver_ in ("newton", "newton-cg")


def test_refit_resets_state():
    X, y = _data(seed=5)
    model = LogisticRegression()
    model.fit(X[:, :2], y)
    model.fit(X, y)
    assert model.coef_.shape == (1, 3) and model.n_features_in_ == 3
    np.testing.assert_allclose(model.coef_, LogisticRegression().fit(X, y).coef_, rtol=1e-14)


def test_integer_labels_by_counting_equal_np_unique():
    from logistic.models.targets import _integer_labels

    rng = np.random.default_rng(7)
    for y in [rng.integers(0, 2, 500), rng.integers(-50, 7, 3000), rng.random(40) < 0.5,
              rng.integers(0, 3, 99).astype(np.uint8), rng.integers(0, 5, 64).astype(np.int16),
              np.array([3, 3, 9], dtype=np.int32)]:
        classes, index = _integer_labels(y)
        ref_classes, ref_index = np.unique(y, return_inverse=True)
        assert classes.dtype == ref_classes.dtype
        np.testing.assert_array_equal(classes, ref_classes)
        np.testing.assert_array_equal(index, ref_index)
    assert _integer_labels(np.array([10**12, 5, 5]))[0] is None  # too wide: sorted instead
    assert _integer_labels(np.array([0.0, 1.0]))[0] is None  # floats: scikit-learn's check

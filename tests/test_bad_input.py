"""Bad input gets a clear error naming the problem; separable data never give NaN."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from logistic import LogisticRegression, SeparationWarning

RNG = np.random.default_rng(0)
X = RNG.standard_normal((10, 2))
Y = np.array([0, 1] * 5)


def _with(a, i, value):
    a = np.array(a, dtype=float)
    a.flat[i] = value
    return a


@pytest.mark.parametrize(
    "X_, y_, w_, match",
    [
        (_with(X, 3, np.nan), Y, None, "Input X contains NaN"),
        (_with(X, 3, np.inf), Y, None, "Input X contains infinity"),
        (_with(X, 3, -np.inf), Y, None, "Input X contains infinity"),
        (X, _with(Y, 2, np.nan), None, "Input y contains NaN"),
        (X, _with(Y, 2, np.inf), None, "Input y contains infinity"),
        (X, Y, _with(np.ones(10), 4, np.nan), "sample_weight contains NaN"),
        (X, Y, _with(np.ones(10), 4, np.inf), "sample_weight contains infinity"),
        (X, Y, _with(np.ones(10), 4, -1.0), "Negative values in data passed to `sample_weight`"),
        (X, Y, np.zeros(10), "(?i)sample weights.*non-zero|sums to zero"),
        (X, Y, np.ones(9), r"sample_weight.shape == \(9,\), expected \(10,\)"),
        (X, np.zeros(10), None, r"only one class \(0.0\)"),
        (X, np.array(["a"] * 10), None, "only one class"),
        (X, Y[:9], None, "inconsistent numbers of samples: \\[10, 9\\]"),
        (X[:0], Y[:0], None, "0 sample\\(s\\)"),
        (X[:, :0], Y, None, "0 feature\\(s\\)"),
        (np.array([["a", "b"]] * 10), Y, None, "could not convert string to float"),
        (np.array([[1.0, "b"]] * 10, dtype=object), Y, None, "could not convert string to float"),
        (X, np.linspace(0, 1, 10), None, "Unknown label type: continuous"),
        (X, np.c_[Y, Y], None, "y should be a 1d array"),
        (X[:, 0], Y, None, "Expected 2D array, got 1D array"),
        (X, np.arange(10) % 3, None, "penalty='firth' is for two classes"),
    ],
    ids=[
        "X-nan", "X-inf", "X-neginf", "y-nan", "y-inf", "w-nan", "w-inf", "w-negative",
        "w-all-zero", "w-length", "one-class", "one-class-str", "length-mismatch",
        "no-samples", "no-features", "X-strings", "X-object", "y-continuous", "y-2d",
        "X-1d", "three-classes-firth",
    ],
)
def test_bad_data(X_, y_, w_, match):
    penalty = "firth" if match.startswith("penalty='firth'") else "l2"  # 3 classes: firth only
    with pytest.raises(ValueError, match=match):
        LogisticRegression(penalty=penalty).fit(X_, y_, sample_weight=w_)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"C": 0}, "C must be a positive number, got 0"),
        ({"C": -1.0}, "C must be a positive number, got -1.0"),
        ({"C": np.nan}, "C must be a positive number, got nan"),
        ({"C": "1"}, "C must be a positive number, got '1'"),
        ({"solver": "sag"}, "solver must be one of .*got 'sag'"),
        ({"solver": "liblinear"}, "solver must be one of"),
        ({"tol": 0}, "tol must be a positive number, got 0"),
        ({"tol": -1e-4}, "tol must be a positive number"),
        ({"tol": np.inf}, "tol must be a positive number, got inf \\(finite\\)"),
        ({"C": True}, "C must be a positive number, got True"),
        ({"learning_rate": 0, "solver": "gd"}, "learning_rate must be a finite positive"),
        ({"learning_rate": -0.1, "solver": "gd"}, "learning_rate must be a finite positive"),
        ({"learning_rate": "fast", "solver": "gd"}, "learning_rate .* got 'fast'"),
        ({"learning_rate": np.nan, "solver": "gd"}, "learning_rate must be a finite positive"),
        ({"learning_rate": np.inf, "solver": "gd"}, "learning_rate must be a finite positive"),
        ({"penalty": "l3"}, "penalty must be .* got 'l3'"),
        ({"max_iter": -1}, "max_iter must be a non-negative integer or None, got -1"),
        ({"max_iter": 1.5}, "max_iter must be a non-negative integer"),
        ({"max_iter": True}, "max_iter must be a non-negative integer or None, got True"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else "",
)
def test_bad_params(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        LogisticRegression(**params).fit(X, Y)


def test_predict_checks():
    model = LogisticRegression().fit(X, Y)
    with pytest.raises(ValueError, match="X has 1 features, but LogisticRegression is expecting 2"):
        model.predict(X[:, :1])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        model.predict_proba(_with(X, 0, np.nan))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)


def test_infinite_C_is_no_penalty():
    """scikit-learn's convention: C=inf is the unpenalised fit."""
    rng = np.random.default_rng(1)
    X_ = rng.standard_normal((80, 2))
    y_ = (rng.random(80) < 1 / (1 + np.exp(-X_ @ [1.0, -2.0]))).astype(int)
    a = LogisticRegression(C=np.inf).fit(X_, y_)
    b = LogisticRegression(penalty=None).fit(X_, y_)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12)


# --------------------------------------------------------------------- separable data
def _separable(kind):
    rng = np.random.default_rng(0)
    X_ = rng.standard_normal((40, 2))
    y_ = (X_[:, 0] + 0.5 * X_[:, 1] > 0).astype(int)
    if kind == "csr":
        return sp.csr_matrix(X_), y_
    if kind == "one-feature":  # the sign of the only feature is the label
        return np.where(y_ == 1, 1.0, -1.0)[:, None] * rng.uniform(0.5, 2.0, (40, 1)), y_
    return X_, y_


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["dense", "csr", "one-feature"])
@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton", "newton-cg", "gd"])
def test_separable_without_penalty(solver, kind, fit_intercept):
    """A finite answer within max_iter, a SeparationWarning, never NaN."""
    X_, y_ = _separable(kind)
    max_iter = 1000 if solver == "gd" else None
    model = LogisticRegression(penalty=None, solver=solver, fit_intercept=fit_intercept,
                               max_iter=max_iter)
    with pytest.warns(SeparationWarning, match="maximum-likelihood estimate does not exist"):
        model.fit(X_, y_)
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert np.isfinite(model.objective_) and model.objective_ >= 0
    assert model.n_iter_[0] <= (max_iter or 1000)
    assert all(np.all(np.isfinite(v)) for v in model.history_.values())
    # the answer separates the classes: every training prediction is right
    np.testing.assert_array_equal(model.predict(X_), y_)
    proba = model.predict_proba(X_)
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(model.predict_log_proba(X_)))


def test_separable_with_penalty_is_fine():
    """With the L2 penalty the optimum exists: no SeparationWarning, converged."""
    X_, y_ = _separable("dense")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression().fit(X_, y_)
    assert model.converged_

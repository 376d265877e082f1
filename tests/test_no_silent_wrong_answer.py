"""Every fit is right or says why: the classes of failure found by a new user's audit.

Each test names the case it guards; each failed on the code before the fix.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import sk_objective
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLR
from sklearn.model_selection import GridSearchCV

from logistic import LogisticRegression, LogisticRegressionCV, SeparationWarning

SOLVERS = ("auto", "lbfgs", "newton", "newton-cg", "proximal-newton")


def _no_warning_of(kind, record) -> bool:
    return not any(issubclass(w.category, kind) for w in record)


# ---------------------------------------------------------------- 1. wide, unpenalised
@pytest.mark.parametrize("shape", [(100, 1500), (20, 25)])
@pytest.mark.parametrize("spelling", [{"penalty": None}, {"C": np.inf},
                                      {"penalty": None, "solver": "newton-cg"}])
def test_wide_unpenalised_fits_and_says_the_mle_does_not_exist(shape, spelling):
    """More columns than rows: the classes are separable, so the fit warns (it used to
    raise LinAlgError from the Newton-CG preconditioner)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape)
    y = rng.integers(0, 2, shape[0])
    with pytest.warns(SeparationWarning, match="complete separation"):
        model = LogisticRegression(**spelling).fit(X, y)
    assert np.all(np.isfinite(model.coef_))
    assert np.mean(model.predict(X) == y) == 1.0  # it separates the training data


def test_wide_weakly_penalised_fits_to_the_optimum():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 25))
    y = rng.integers(0, 2, 20)
    ours = LogisticRegression(C=1e6).fit(X, y)
    ref = SkLR(C=1e6, tol=1e-12, max_iter=100_000, solver="lbfgs").fit(X, y)
    f, f_ref = (sk_objective(X, y, m.coef_, m.intercept_, 1e6) for m in (ours, ref))
    assert f <= f_ref * (1 + 1e-8)


# ---------------------------------------------------------------------- 2. separation
def _quasi_separated(seed=0, n=100):
    """Column 0 is 0 on half the rows and decides y on the other half."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = rng.integers(0, 2, n)
    half = n // 2
    X[:half, 0] = 0.0
    X[half:, 0] = np.where(y[half:] == 1, 1, -1) * rng.uniform(0.5, 2.0, n - half)
    return X, y


@pytest.mark.parametrize("spelling", [
    {"penalty": None}, {"C": np.inf}, {"penalty": None, "solver": "proximal-newton"},
    {"C": np.inf, "solver": "proximal-newton"}, {"penalty": None, "solver": "lbfgs"},
    {"penalty": "l2", "C": np.inf, "solver": "newton-cg"},
])
def test_quasi_complete_separation_warns_naming_the_column(spelling):
    X, y = _quasi_separated()
    with pytest.warns(SeparationWarning, match=r"quasi-complete separation.*x1 \(→ \+inf\)"):
        LogisticRegression(**spelling).fit(X, y)


def test_separation_names_the_columns_by_their_names():
    pd = pytest.importorskip("pandas")
    X, y = _quasi_separated()
    df = pd.DataFrame(X, columns=["dose", "age", "bmi"])
    with pytest.warns(SeparationWarning, match=r"dose \(→ \+inf\)"):
        LogisticRegression(penalty=None).fit(df, y)


def test_multinomial_separation_warns():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((90, 2))
    y = np.repeat([0, 1, 2], 30)
    X[y == 2, 0] += 20.0  # class 2 lies beyond a line in column 0
    with pytest.warns(SeparationWarning, match="separation.*x1"):
        LogisticRegression(penalty=None).fit(X, y)


def test_no_separation_no_warning_even_with_large_margins():
    """An overlapping data set whose fit has margins beyond the symptom threshold: the
    linear program runs and clears it (no false alarm)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((400, 2))
    y = (rng.random(400) < expit(6 * X[:, 0])).astype(int)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = LogisticRegression(penalty=None).fit(X, y)
    assert np.max(np.abs(model.decision_function(X))) > 10
    assert _no_warning_of(SeparationWarning, record)


def test_large_data_separation_check_uses_a_certificate_subsample():
    """Beyond CERTIFICATE_ROWS rows, non-separated data are cleared by a small LP."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20_000, 3))
    y = (rng.random(20_000) < expit(8 * X[:, 0])).astype(int)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        LogisticRegression(penalty=None).fit(X, y)
    assert _no_warning_of(SeparationWarning, record)


# ---------------------------------------------------------------------- 4. overflow
@pytest.mark.parametrize("solver", ["auto", "newton", "newton-cg", "lbfgs"])
def test_columns_whose_squares_overflow_fit_like_the_rescaled_data(solver):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((200, 3))
    y = ((X[:, 0] + 0.5 * rng.standard_normal(200)) > 0).astype(int)
    big = X.copy()
    big[:, 1] *= 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = LogisticRegression(solver=solver, penalty=None).fit(big, y)
    ref = LogisticRegression(solver="newton", penalty=None).fit(X, y)
    scaled = model.coef_ * np.array([1.0, 1e160, 1.0])
    np.testing.assert_allclose(scaled, ref.coef_, rtol=1e-6)
    assert model.converged_


@pytest.mark.parametrize("kw", [{"solver": "gd"}, {"penalty": "l1"}])
def test_overflowing_column_refused_by_solvers_that_cannot_rescale(kw):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((200, 3))
    y = (X[:, 0] > 0).astype(int)
    X[:, 2] *= 1e160
    with pytest.raises(ValueError, match="column 2 of X has values up to .*overflow"):
        LogisticRegression(**kw).fit(X, y)


@pytest.mark.parametrize("solver", ["auto", "newton", "newton-cg", "lbfgs"])
def test_float32_timestamps_reach_the_float64_optimum(solver):
    """A nanosecond-timestamp column (≈1.7e18, spread 1e15) in float32: its squares
    overflow float32 Gram products and its offset dwarfs its spread."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = ((X[:, 0] > 0).astype(int) ^ (rng.random(200) < 0.2)).astype(int)
    X32 = X.astype(np.float32)
    X32[:, 2] = (1.7e18 + rng.uniform(0, 1e15, 200)).astype(np.float32)
    X64 = X32.astype(np.float64)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = LogisticRegression(solver=solver).fit(X32, y)
    ref = LogisticRegression(solver="lbfgs", tol=1e-14).fit(X64, y)
    f = sk_objective(X64, y, model.coef_, model.intercept_, 1.0)
    f_ref = sk_objective(X64, y, ref.coef_, ref.intercept_, 1.0)
    converged = _no_warning_of(ConvergenceWarning, record)
    assert (f - f_ref) / f_ref <= 1e-6 or not converged  # float32 data: 1e-6, or a warning


def test_float64_newton_cg_on_timestamps_is_not_stuck_at_zero():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = ((X[:, 0] > 0).astype(int) ^ (rng.random(200) < 0.2)).astype(int)
    X[:, 2] = 1.7e18 + rng.uniform(0, 1e15, 200)
    model = LogisticRegression(solver="newton-cg").fit(X, y)
    ref = LogisticRegression(solver="lbfgs", tol=1e-14).fit(X, y)
    assert model.objective_ == pytest.approx(ref.objective_, rel=1e-8)


def test_predictions_stay_finite_where_the_margin_is_inf_minus_inf():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    model.coef_ = np.array([[1e308, -1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        P = model.predict_proba(np.array([[10.0, 10.0], [10.0, 9.0], [9.0, 10.0]]))
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P, [[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]], atol=0.5)
    np.testing.assert_array_equal(P[1:], [[0.0, 1.0], [1.0, 0.0]])


def test_multiclass_predictions_stay_finite_for_overflowing_scores():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 2))
    y = np.repeat([0, 1, 2], 30)
    model = LogisticRegression().fit(X, y)
    model.coef_ = np.array([[1e308, 0.0], [-1e308, 0.0], [0.0, 1.0]])
    P = model.predict_proba(np.array([[10.0, 0.0], [-10.0, 0.0]]))
    np.testing.assert_array_equal(P, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


# ------------------------------------------------------------------ 5. validation
@pytest.mark.parametrize("params, match", [
    ({"tol": np.inf}, "tol must be a positive number"),
    ({"C": True}, "C must be a positive number"),
    ({"max_iter": True}, "max_iter must be a non-negative integer"),
])
def test_bad_parameters_are_refused(params, match):
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**params).fit([[0.0], [1.0]], [0, 1])


def test_zero_total_weight_on_a_class_is_refused():
    X = np.arange(6.0).reshape(-1, 1)
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="class 1 has zero total weight"):
        LogisticRegression().fit(X, y, sample_weight=[1, 1, 1, 0, 0, 0])
    with pytest.raises(ValueError, match="class 0 has zero total weight"):
        LogisticRegression(class_weight={0: 0.0}).fit(X, y)


def test_weights_too_small_to_compute_with_are_refused():
    X = np.arange(6.0).reshape(-1, 1)
    y = np.array([0, 1, 0, 1, 1, 0])
    with pytest.raises(ValueError, match="sample weights sum to .*multiply them"):
        LogisticRegression().fit(X, y, sample_weight=np.full(6, 1e-311))


# ------------------------------------------------------------ 6. scikit-learn parity
def test_l1_ratio_alone_chooses_the_penalty():
    """scikit-learn ≥ 1.8: l1_ratio decides (penalty is deprecated there)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 8))
    y = (X[:, 0] - X[:, 1] + rng.standard_normal(200) > 0).astype(int)
    l1 = LogisticRegression(l1_ratio=1, C=0.05).fit(X, y)
    en = LogisticRegression(l1_ratio=0.5, C=0.05).fit(X, y)
    l2 = LogisticRegression(l1_ratio=0, C=0.05).fit(X, y)
    assert (l1.penalty_, en.penalty_, l2.penalty_) == ("l1", "elasticnet", "l2")
    assert np.count_nonzero(l1.coef_) < 8 and np.count_nonzero(l2.coef_) == 8
    ref = SkLR(l1_ratio=1, C=0.05, solver="saga", tol=1e-10, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(l1.coef_, ref.coef_, atol=1e-4)
    search = GridSearchCV(LogisticRegression(C=0.05), {"l1_ratio": [0.0, 0.5, 1.0]}, cv=3)
    search.fit(X, y)
    means = search.cv_results_["mean_test_score"]
    nonzero = [np.count_nonzero(LogisticRegression(C=0.05, l1_ratio=r).fit(X, y).coef_)
               for r in (0.0, 0.5, 1.0)]
    assert len(set(nonzero)) > 1 and means.shape == (3,)  # three different models


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton-cg", "newton-cholesky"])
def test_C_inf_is_the_unpenalised_fit(solver):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 3))
    y = (rng.random(300) < expit(X @ [1.0, -1.0, 0.5])).astype(int)
    a = LogisticRegression(C=np.inf, solver=solver).fit(X, y)
    b = LogisticRegression(penalty=None, solver=solver).fit(X, y)
    assert a.penalty_ is None
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7)


def test_newton_cholesky_is_our_newton():
    X, y = _quasi_separated(seed=3)[0] + 0.0, np.array([0, 1] * 50)
    a = LogisticRegression(solver="newton-cholesky").fit(X, y)
    b = LogisticRegression(solver="newton").fit(X, y)
    assert a.solver_ == "newton"
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_max_iter_zero_returns_the_start_with_a_warning():
    X, y = np.arange(10.0).reshape(-1, 1), np.array([0, 1] * 5)
    with pytest.warns(ConvergenceWarning):
        model = LogisticRegression(max_iter=0).fit(X, y)
    assert np.all(model.coef_ == 0) and model.n_iter_[0] == 0


@pytest.mark.parametrize("multi", [False, True])
def test_warm_start_continues_from_the_previous_fit(multi):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 4))
    y = rng.integers(0, 3 if multi else 2, 300)
    cold = LogisticRegression(C=0.5).fit(X, y)
    model = LogisticRegression(C=1.0, warm_start=True).fit(X, y)
    first = model.n_iter_[0]
    model.set_params(C=0.5).fit(X, y)
    np.testing.assert_allclose(model.coef_, cold.coef_, rtol=1e-6, atol=1e-8)
    again = model.fit(X, y).n_iter_[0]
    assert again <= 1 < first  # already at the optimum: at most one confirming step


def test_float32_in_float32_out():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100, 3)).astype(np.float32)
    y = rng.integers(0, 2, 100)
    model = LogisticRegression().fit(X, y)
    assert model.coef_.dtype == np.float32 and model.intercept_.dtype == np.float32
    assert model.decision_function(X).dtype == np.float32
    assert model.predict_proba(X).dtype == np.float32
    ref = LogisticRegression().fit(X.astype(np.float64), y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-4)


def test_sparsify_and_densify_keep_predictions():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((100, 5))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression(penalty="l1", C=0.1).fit(X, y)
    dense = model.decision_function(X)
    model.sparsify()
    assert sp.issparse(model.coef_)
    np.testing.assert_allclose(model.decision_function(X), dense)
    np.testing.assert_allclose(model.decision_function(sp.csr_matrix(X)), dense)
    model.densify()
    assert isinstance(model.coef_, np.ndarray)


def test_firth_declares_itself_binary_only():
    assert LogisticRegression(penalty="firth").__sklearn_tags__().classifier_tags.multi_class \
        is False
    assert LogisticRegression().__sklearn_tags__().classifier_tags.multi_class is True


def test_cv_scores_folds_with_their_sample_weight():
    """Each held-out fold is scored with its share of sample_weight (weighted accuracy)."""
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 3))
    y = (X[:, 0] + rng.standard_normal(120) > 0).astype(int)
    s = rng.uniform(0.1, 5.0, 120)
    folds = [(np.arange(40, 120), np.arange(0, 40)), (np.arange(0, 80), np.arange(80, 120))]
    model = LogisticRegressionCV(Cs=[1.0], cv=folds).fit(X, y, sample_weight=s)
    for f, (train, test) in enumerate(folds):
        fold = LogisticRegression(C=1.0).fit(X[train], y[train], sample_weight=s[train])
        expected = accuracy_score(y[test], fold.predict(X[test]), sample_weight=s[test])
        assert model.scores_[1][f, 0] == pytest.approx(expected, abs=1e-12)


def test_cv_survives_a_fold_that_lacks_a_class():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((60, 2))
    y = np.r_[np.zeros(28), np.ones(28), np.full(4, 2)].astype(int)
    folds = [(np.arange(0, 56), np.arange(56, 60)), (np.arange(4, 60), np.arange(0, 4))]
    model = LogisticRegressionCV(Cs=[1.0], cv=folds, scoring="neg_log_loss").fit(X, y)
    assert np.all(np.isfinite(model.scores_[0]))


def test_cv_refuses_elasticnet_without_l1_ratios_and_unknown_solvers():
    X, y = np.arange(20.0).reshape(-1, 1), np.array([0, 1] * 10)
    with pytest.raises(ValueError, match="l1_ratios"):
        LogisticRegressionCV(penalty="elasticnet").fit(X, y)
    with pytest.raises(ValueError, match="solver must be one of"):
        LogisticRegressionCV(solver="sag").fit(X, y)


def test_cv_n_iter_layout_is_scikit_learns():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((90, 2))
    y = rng.integers(0, 2, 90)
    model = LogisticRegressionCV(Cs=4, cv=3).fit(X, y)
    assert model.n_iter_.shape == (1, 3, 4)
    en = LogisticRegressionCV(Cs=2, cv=3, l1_ratios=[0.2, 0.8]).fit(X, y)
    assert en.n_iter_.shape == (1, 3, 2, 2)


def test_cv_folds_in_parallel_give_the_same_result():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((150, 4))
    y = rng.integers(0, 3, 150)
    a = LogisticRegressionCV(Cs=3, cv=3, n_jobs=2).fit(X, y)
    b = LogisticRegressionCV(Cs=3, cv=3).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


# ----------------------------------------------------- 7. Firth's profile intervals
def _firth_penalized_loglik(beta, Xt, y):
    """ℓ*(β) = ℓ(β) + ½ log det XᵀWX, written out independently of the library."""
    from scipy.special import log_expit

    z = Xt @ beta
    w = expit(z) * expit(-z)
    sign, logdet = np.linalg.slogdet(Xt.T @ (Xt * w[:, None]))
    ll = np.sum(y * log_expit(z) + (1 - y) * log_expit(-z))
    return ll + 0.5 * logdet if sign > 0 else -np.inf


@pytest.mark.parametrize("seed", [3, 8, 28])
def test_firth_profile_intervals_under_separation(seed):
    """Separable 100×3 sets: the profile search crashed ("Fisher information is
    singular", seed 8) or jumped to a lower local maximum of the constrained fit (bounds
    12.6 for 13.5, 88 for 113). At each bound the profile deviance equals the χ²
    quantile, and no start from θ̂ (an independent ℓ*, BFGS) beats the constrained
    maximum, unless the interval warned that it found several maxima."""
    from scipy import optimize, stats

    from logistic.inference import firth

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((100, 3))
    y = (X @ [2.0, -1.0, 0.5] + 0.3 > 0).astype(int)
    model = LogisticRegression(penalty="firth").fit(X, y)
    assert model.converged_
    summary = model.summary(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ci = summary.conf_int(method="profile").to_numpy()  # rows: const, x1, x2, x3
    warned = {name for name in summary.names for w in record
              if f"Profile interval of {name}:" in str(w.message)}
    assert np.all(np.isfinite(ci)) and np.all(ci[:, 0] < summary.params.to_numpy())
    Xt = np.column_stack([np.ones(100), X])
    beta = np.r_[model.intercept_, model.coef_.ravel()]
    ll_hat = _firth_penalized_loglik(beta, Xt, y)
    crit = stats.chi2.ppf(0.95, 1)
    problem, theta = summary._firth
    for j, name in enumerate(summary.names):
        jj = int(summary._theta_order[j])
        for side in (0, 1):
            b = ci[j, side]
            ll, _ = firth._Branch(problem, theta, jj, 1.0).solve(b)
            assert 2 * (ll_hat - ll) == pytest.approx(crit, abs=1e-6) or name in warned
            if name in warned:
                continue

            def neg(v, j=j, b=b):
                return -_firth_penalized_loglik(np.insert(v, j, b), Xt, y)

            best = optimize.minimize(neg, np.delete(beta, j), method="BFGS").fun
            assert -best <= ll + 1e-8


def test_separation_certificate_needs_no_lp_for_a_noisy_fit(monkeypatch):
    """A noisy unpenalised fit (30% misclassified, margins > 10) is certified
    non-separated by its own gradient (Gordan's multipliers, two passes): no LP runs
    (the full-size LP took 30 s on 200k×100)."""
    from logistic.inference import separation

    rng = np.random.default_rng(5)
    X = rng.standard_normal((20_000, 30))
    w = rng.standard_normal(30)
    y = (X @ w * 0.5 + rng.logistic(size=20_000) > 0).astype(float)
    sizes = []
    real = separation._separating_direction
    monkeypatch.setattr(separation, "_separating_direction",
                        lambda A: sizes.append(A.shape[0]) or real(A))
    model = LogisticRegression(penalty=None).fit(X, y)
    assert np.max(np.abs(model.decision_function(X))) > 10 and sizes == []
    theta = (model.coef_[0], model.intercept_[0])
    assert separation.detect_separation(X, y, theta=theta).kind == "none" and sizes == []


def _quasi(rng, n, k, d=4):
    """Quasi-complete separation by rows far from the boundary: column 3 is zero but
    on ~10% of the last class's rows, where it is positive."""
    X = rng.normal(size=(n, d))
    if k == 2:
        y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    else:
        y = np.argmax(X[:, :k] + rng.gumbel(size=(n, k)), axis=1)
    last = y == k - 1
    X[:, 3] = 0.0
    X[last, 3] = np.abs(rng.normal(size=last.sum())) * (rng.random(last.sum()) < 0.1)
    return X, y


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("n", [500, 3000, 20_000])
@pytest.mark.parametrize("seed", [3, 4])
def test_quasi_separation_by_far_rows_warns_at_every_size(seed, n, k):
    """The rows nearest the boundary are not separable here, so a test of them alone
    cleared these data beyond 2000 rows (coefficient 5849 at n=3000, 11253 at 20000,
    converged_=True and silent; found by an audit)."""
    X, y = _quasi(np.random.default_rng(seed), n, k)
    with pytest.warns(SeparationWarning, match="quasi-complete"):
        LogisticRegression(penalty=None).fit(X, y)


@pytest.mark.parametrize("k", [2, 3, 4])
@pytest.mark.parametrize("seed", range(4))
def test_existence_certificate_agrees_with_the_lp(seed, k):
    """Where the certificate speaks it says what the LP says: on overlapping data
    with strong signal (weights, no intercept, unscaled columns), it certifies and the
    LP finds no direction; on (quasi-)separated data it never certifies."""
    from logistic.data.memory import InMemoryBackend
    from logistic.inference import separation

    rng = np.random.default_rng(seed)
    n, d = 3000, 5
    X = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-2, 2, d) + rng.uniform(-3, 3, d)
    Z = (X - X.mean(0)) / X.std(0) @ rng.standard_normal((d, k)) * 3
    y = np.argmax(Z + rng.gumbel(size=(n, k)), axis=1)
    s = rng.integers(0, 3, n).astype(float) if seed % 2 else None
    fit_intercept = seed < 2
    model = LogisticRegression(penalty=None, fit_intercept=fit_intercept).fit(
        X, y, sample_weight=s)
    if k == 2:
        labels, theta = y.astype(float), (model.coef_[0], model.intercept_[0])
        lp = separation.detect_separation(X, y, s, fit_intercept=fit_intercept)
    else:
        labels = np.eye(k)[y]
        theta = (model.coef_, model.intercept_)
        lp = separation.detect_multinomial_separation(X, y, k, s, fit_intercept=fit_intercept)
    backend = InMemoryBackend(X, labels, s)
    assert separation.certifies_existence(backend, theta, fit_intercept)
    assert lp.exists
    Xq, yq = _quasi(rng, n, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(penalty=None).fit(Xq, yq)
    labels = yq.astype(float) if k == 2 else np.eye(k)[yq]
    theta = (model.coef_[0], model.intercept_[0]) if k == 2 else (model.coef_,
                                                                   model.intercept_)
    assert not separation.certifies_existence(InMemoryBackend(Xq, labels, None), theta, True)


# ------------------------------------------- ill-conditioned multinomial, float32 rows
def _unscaled_multiclass(seed, n, d, k, dtype=np.float64):
    """Columns scaled 10^±2 with offsets, weights, a class structure of random scores."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 10 ** rng.uniform(-2, 2, d) + rng.uniform(-5, 5, d)
    W = rng.standard_normal((k, d)) / np.abs(X).mean(0)
    y = np.argmax(X @ W.T + rng.gumbel(size=(n, k)), axis=1)
    return X.astype(dtype), y, rng.uniform(0, 3, n)


@pytest.mark.parametrize("seed", range(4))
def test_newton_cg_multinomial_on_unscaled_columns_reaches_the_gap(seed):
    """Newton-CG stopped "converged" at relative gaps of 3e-7 on a weakly penalised
    8-class fit of unscaled columns: CG ran out of products (its decrement then
    underestimates the gap without bound) and the stop trusted rel_gap² as the gap
    after the step. Now it stops on solves that met their target, no sooner than the
    last step's contraction says, and the dense multinomial problem is preconditioned."""
    X, y, s = _unscaled_multiclass(100 + seed, 1000, 33, 8)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ours = LogisticRegression(C=49.4, solver="newton-cg").fit(X, y, sample_weight=s)
    tight = LogisticRegression(C=49.4, solver="newton", tol=1e-14).fit(X, y, sample_weight=s)
    gap = (ours.objective_ - tight.objective_) / abs(tight.objective_)
    assert ours.converged_ == _no_warning_of(ConvergenceWarning, record)
    assert ours.converged_ and gap <= 1e-8


@pytest.mark.parametrize("seed", range(6))
def test_small_float32_multinomial_fits_converge(seed):
    """Float32 rows gave float32 scores below the fused passes' size (n·k < 4096), an
    objective noisy at 1e-8: 15 of 120 such fits stopped unconverged (line search
    failed, max_iter, no progress). Their products now run in float64; each fit
    converges to the float64 optimum of the same (float32-valued) data."""
    rng = np.random.default_rng(seed)
    n, d, k = int(rng.choice([300, 1000])), int(rng.integers(5, 30)), int(rng.integers(3, 7))
    X, y, s = _unscaled_multiclass(200 + seed, n, d, k, np.float32)
    C = float(10 ** rng.uniform(-1, 2))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ours = LogisticRegression(C=C).fit(X, y, sample_weight=s)
    tight = LogisticRegression(C=C, tol=1e-14).fit(X.astype(np.float64), y, sample_weight=s)
    assert ours.converged_ and _no_warning_of(ConvergenceWarning, record)
    assert (ours.objective_ - tight.objective_) / abs(tight.objective_) <= 1e-8


# ------------------------------------------- 7. row subsamples that do not represent
def _tall_case(seed: int, kind: str, k: int):
    """Tall data (20–40k rows, the subsample warm start's domain) whose row subsamples
    misrepresent the curvature: ``spike`` five rows weighted 1e3–1e6 (and 30% of the
    rows weight 0), ``rarecol`` three columns set in 2–12 rows each."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(20_000, 40_000)), int(rng.integers(5, 25))
    X = rng.standard_normal((n, d))
    s = None
    if kind == "rarecol":
        for j in range(3):
            X[:, j] = 0.0
            X[rng.choice(n, int(rng.integers(2, 12)), replace=False), j] = 1.0
    W = rng.standard_normal((k if k > 2 else 1, d)) * 2 / np.sqrt(d)
    Z = X @ W.T + rng.standard_normal(W.shape[0]) * 0.5
    if k == 2:
        y = (rng.random(n) < expit(Z[:, 0])).astype(int)
    else:
        P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
        y = (P.cumsum(1) > rng.random((n, 1))).argmax(1)
    if kind == "spike":
        s = np.ones(n)
        s[rng.choice(n, 5, replace=False)] = 10 ** rng.uniform(3, 6, 5)
        s[rng.random(n) < 0.3] = 0.0
    return X, y, s, float(10 ** rng.uniform(-1, 2.5))


@pytest.mark.parametrize("seed,kind,k,penalty", [
    (12013, "spike", 3, "l2"), (12007, "spike", 3, "l2"), (12014, "spike", 2, "l2"),
    (10008, "spike", 2, None), (41, "rarecol", 3, "l1"), (5, "rarecol", 3, "l2"),
])
def test_unrepresentative_row_subsamples_still_converge(seed, kind, k, penalty):
    """The default fit of tall data estimates Newton's Hessian on a row subsample. Where
    a few rows carry most of the weight, or a column is set in a handful of rows, the
    subsample misses them: Newton ran into max_iter (100 iterations, gaps up to 1e-2)
    and proximal Newton into its 200 (its models predicting decreases 1e9 times what
    their steps achieved). Fresh factors that keep failing now switch the Hessian to
    every row: each fit converges, to the optimum of an exact solver."""
    X, y, s, C = _tall_case(seed, kind, k)
    kw = {"penalty": None} if penalty is None else {"C": C, "penalty": penalty}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ours = LogisticRegression(**kw).fit(X, y, sample_weight=s)
    exact = {"solver": "newton"} if penalty != "l1" else {"tol": 1e-13, "max_iter": 1000}
    if penalty == "l1":  # the exact Hessian from the start: a plain proximal Newton fit
        from logistic.models import fitting

        ref = LogisticRegression(**kw, **exact)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(fitting, "_maybe_subsample_hessian", lambda *a, **k: None)
            ref.fit(X, y, sample_weight=s)
    else:
        ref = LogisticRegression(**kw, **exact, tol=1e-13).fit(X, y, sample_weight=s)
    assert ours.converged_ and _no_warning_of(ConvergenceWarning, record)
    assert ours.n_iter_[0] <= 40
    gap = (ours.objective_ - ref.objective_) / abs(ref.objective_)
    assert gap <= 1e-8


def test_a_nan_direction_is_not_a_zero_decrement():
    """max(0, NaN) is 0 in Python: a NaN Newton direction read as a zero decrement, and
    the fit returned its start as converged (a column of ±1e308: coef_ all 0,
    converged_=True). Now the gradient's overflow is refused, naming the column, and a
    NaN decrement is no estimate at all."""
    from logistic.solvers._base import gap_estimate

    assert gap_estimate(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == np.inf
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    y = (X[:, 1] + rng.standard_normal(120) > 0).astype(int)
    X[:, 0] = 1e308 * np.sign(X[:, 0])
    for kw in ({}, {"penalty": None}, {"solver": "lbfgs"}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(ValueError, match="column 0 of X has values up to 1e"):
                LogisticRegression(**kw).fit(X, y)


def test_binary_float32_objective_is_the_float64_one():
    """Small binary float32 fits formed their scores in float32: on unscaled columns
    with offsets the reported objective was off by 1.2e-5 relative (the coefficients
    were right). Their products now run in float64, as the multinomial ones do."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 5))
    y = (X @ rng.normal(size=5) + rng.logistic(size=200) > 0).astype(int)
    X = (X * 10 ** rng.uniform(-2, 2, size=5) + rng.uniform(-50, 50, size=5)).astype(np.float32)
    ours = LogisticRegression(C=1e3).fit(X, y)
    theta_f = sk_objective(X, y, ours.coef_, ours.intercept_, 1e3)
    twin = LogisticRegression(C=1e3, tol=1e-13).fit(X.astype(np.float64), y)
    # coef_ is float32 (scikit-learn's rule): its rounding moves the objective ~1e-9
    assert abs(ours.objective_ - theta_f) <= 1e-8 * theta_f
    assert abs(ours.objective_ - twin.objective_) <= 1e-10 * twin.objective_


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("k", [2, 3])
def test_a_feature_named_const_is_refused_by_summary(fit_intercept, k):
    """``const`` names the intercept in the summary and tells it apart: a feature of
    that name crashed the table (two rows 'const') or, without an intercept, would be
    read as one (found by an audit)."""
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"const": rng.normal(size=120), "x": rng.normal(size=120)})
    y = rng.integers(0, k, 120)
    model = LogisticRegression(penalty=None, fit_intercept=fit_intercept).fit(X, y)
    with pytest.raises(ValueError, match="a feature is named 'const'"):
        model.summary()
    renamed = LogisticRegression(penalty=None, fit_intercept=fit_intercept).fit(
        X.rename(columns={"const": "c"}), y)
    assert "c" in str(renamed.summary())

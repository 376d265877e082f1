"""Inference lives with the model (issue #17): summary() without the data, multinomial
tables as statsmodels' MNLogit, Stata's and R's covariance conventions, model files."""

from __future__ import annotations

import numpy as np
import pytest

import logistic
from logistic import LogisticRegression

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def _binary(seed, n=300, d=3, scales=True, weights=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if scales:
        X *= 10.0 ** rng.uniform(-3, 3, d)
    z = (X / X.std(axis=0)) @ rng.normal(0, 1, d) + 0.3
    y = (z + rng.logistic(size=n) > 0).astype(int)
    s = rng.integers(1, 4, n).astype(float) if weights else None
    return X, y, s


def _sm_logit(X, y, s, cov_type="nonrobust", **kw):
    Xc = sm.add_constant(X, has_constant="add")
    if s is None:
        return sm.Logit(y, Xc).fit(disp=0, method="newton", tol=1e-14, maxiter=100,
                                   cov_type=cov_type, **kw)
    fam = sm.families.Binomial()
    return sm.GLM(y, Xc, family=fam, freq_weights=s).fit(tol=1e-14, cov_type=cov_type, **kw)


@pytest.mark.parametrize("seed", range(12))
def test_summary_without_data_matches_statsmodels(seed):
    """A family of problems (mixed column scales 1e-3…1e3, float32 every third)."""
    X, y, _ = _binary(seed, d=2 + seed % 4)
    if seed % 3 == 0:
        X = X.astype(np.float32)
    model = LogisticRegression(penalty=None).fit(X, y)
    r = model.summary()
    ref = _sm_logit(np.asarray(X, dtype=np.float64), y, None)
    tol = 1e-4 if seed % 3 == 0 else RTOL  # float32 coefficients are rounded
    assert rel(r.params, ref.params) < tol
    assert rel(r.bse, ref.bse) < tol
    assert rel(r.pvalues, ref.pvalues) < max(tol, 1e-5)
    assert rel(r.llf, ref.llf) < (1e-9 if tol == RTOL else 1e-6)
    assert rel(r.llnull, ref.llnull) < 1e-7
    assert rel(r.prsquared, ref.prsquared) < 1e-6
    # statsmodels' discrete models apply no small-sample factor: its HC1 equals its HC0;
    # ours is the textbook HC1 = HC0 × N/(N−k)
    n, k = X.shape[0], X.shape[1] + 1
    hc0 = _sm_logit(np.asarray(X, np.float64), y, None, "HC1").bse
    assert rel(model.summary(cov_type="HC0").bse, hc0) < tol
    assert rel(model.summary(cov_type="HC1").bse, hc0 * np.sqrt(n / (n - k))) < tol


@pytest.mark.parametrize("penalty", [None, "l2", "firth"])
def test_stored_numbers_equal_a_pass_over_the_data(penalty):
    X, y, s = _binary(3, weights=True)
    model = LogisticRegression(penalty=penalty, C=0.5).fit(X, y, sample_weight=s)
    a, b = model.summary(), model.summary(X, y, sample_weight=s)
    assert rel(a.bse, b.bse) < 1e-9 and a.llf == pytest.approx(b.llf, rel=1e-12)
    assert a.llnull == pytest.approx(b.llnull, rel=1e-12)


def test_stata_and_r_conventions():
    """Stata's logit, vce(robust) = HC0 × N/(N−1); vce(cluster g) = G/(G−1)·(N−1)/(N−k)
    (statsmodels' cluster with its default correction); R's sandwich::vcovHC(type="HC0")
    is statsmodels' HC0. Written out from the formulas, against statsmodels."""
    X, y, _ = _binary(4, n=240)
    groups = np.repeat(np.arange(24), 10)
    model = LogisticRegression(penalty=None).fit(X, y)
    n, k = X.shape[0], X.shape[1] + 1
    hc0 = _sm_logit(X, y, None, "HC0").cov_params()
    assert rel(model.summary(cov_type="stata").cov_params(), hc0 * n / (n - 1)) < RTOL
    clu = _sm_logit(X, y, None, "cluster", cov_kwds={"groups": groups}).cov_params()
    ours = model.summary(X, y, cov_type="stata-cluster", groups=groups).cov_params()
    assert rel(ours, clu) < RTOL
    # the correction itself, from HC-style sums of cluster scores
    G = 24
    assert rel(ours, model.summary(X, y, cov_type="cluster", groups=groups).cov_params()) < 1e-12
    assert G / (G - 1) * (n - 1) / (n - k) > 1


def test_weights_are_frequency_weights_without_data():
    X, y, s = _binary(5, weights=True)
    model = LogisticRegression(penalty=None).fit(X, y, sample_weight=s)
    ref = _sm_logit(X, y, s)
    assert rel(model.summary().bse, ref.bse) < RTOL


def _three_classes(seed, n=400, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-2, 2, d)
    z = (X / X.std(axis=0)) @ rng.normal(0, 1, d)
    return X, np.digitize(z + rng.logistic(size=n), [-1.0, 1.0])


@pytest.mark.parametrize("seed", range(6))
def test_multinomial_matches_mnlogit(seed):
    X, y = _three_classes(seed, d=2 + seed % 3)
    model = LogisticRegression(penalty=None).fit(X, y)
    r = model.summary()
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14,
                                                 maxiter=100)
    assert rel(r.params, ref.params) < RTOL
    assert rel(r.bse, ref.bse) < RTOL
    assert rel(r.pvalues, ref.pvalues) < 1e-5
    assert rel(r.conf_int().to_numpy(), np.asarray(ref.conf_int()).reshape(-1, 2)) < RTOL
    assert rel(r.llf, ref.llf) < 1e-10 and rel(r.llnull, ref.llnull) < 1e-6
    assert r.df_model == ref.df_model and rel(r.aic, ref.aic) < 1e-10
    assert rel(r.bic, ref.bic) < 1e-10 and rel(r.prsquared, ref.prsquared) < 1e-6
    ref_c = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14,
                                                   maxiter=100, cov_type="HC0")
    assert rel(model.summary(cov_type="HC0").bse, ref_c.bse) < RTOL
    n, k = X.shape[0], r.params.size
    assert rel(model.summary(cov_type="HC1").bse, ref_c.bse * np.sqrt(n / (n - k))) < RTOL
    assert rel(model.summary(X, y).bse, r.bse) < 1e-9


def test_l2_multinomial_table_from_the_fit_equals_the_data_pass():
    X, y = _three_classes(9)
    model = LogisticRegression(C=0.3).fit(X, y)
    assert rel(model.summary().bse, model.summary(X, y).bse) < 1e-9


@pytest.mark.parametrize("params", [{"l1_ratio": 1.0}, {"l1_ratio": 0.5},
                                    {"multi_class": "ovr"}])
def test_no_wrong_table_for_selection_or_ovr(params):
    X, y = _three_classes(2)
    model = LogisticRegression(**params).fit(X, y)
    with pytest.raises(ValueError, match="L1|one-vs-rest"):
        model.summary()
    with pytest.raises(ValueError, match="L1|one-vs-rest"):
        model.summary(X, y)


def test_large_l2_fit_says_how_to_get_inference():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30_000, 40))
    y = (X[:, 0] + rng.logistic(size=30_000) > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="inference=True"):
        model.summary()
    kept = LogisticRegression(inference=True).fit(X, y)
    assert rel(kept.summary().bse, kept.summary(X, y).bse) < 1e-9


def test_degenerate_cases_are_clear_errors():
    X = np.array([[0.0], [1.0]])
    y = np.array([0, 1])
    model = LogisticRegression(C=1.0).fit(X, y)  # n = k = 2
    with pytest.raises(ValueError, match="more observations"):
        model.summary(cov_type="HC1")
    X, y, _ = _binary(1)
    r = LogisticRegression(penalty=None).fit(X, y).summary()
    with pytest.raises(ValueError, match="linearly dependent rows"):
        r.wald_test(np.array([[0, 1, 0, 0], [0, 2, 0, 0]]))


def test_model_files_carry_the_inference_numbers(tmp_path):
    X, y, s = _binary(6, weights=True)
    model = LogisticRegression(penalty=None).fit(X, y, sample_weight=s)
    logistic.save(model, tmp_path / "m.json")
    loaded = logistic.load(tmp_path / "m.json")
    a, b = model.summary(), loaded.summary()
    assert np.array_equal(a.bse.to_numpy(), b.bse.to_numpy()) and a.llf == b.llf
    assert str(a) == str(b)


@pytest.mark.parametrize("seed", range(4))
def test_margeff_predictions_residuals_match_statsmodels(seed):
    X, y, _ = _binary(10 + seed)
    model = LogisticRegression(penalty=None).fit(X, y)
    r = model.summary()  # no data: the fit kept the averages
    ref = _sm_logit(X, y, None)
    for at in ("overall", "mean"):
        ours = r.get_margeff(at=at).to_numpy()
        assert rel(ours, ref.get_margeff(at=at).summary_frame().to_numpy()) < RTOL
    X_new = np.random.default_rng(seed).standard_normal((7, X.shape[1])) * X.std(axis=0)
    frame = r.get_prediction(X_new).summary_frame(alpha=0.1)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-14)
    Xc = sm.add_constant(X_new, has_constant="add")
    mean = glm.get_prediction(Xc).summary_frame(alpha=0.1).to_numpy()
    lin = glm.get_prediction(Xc, which="linear").summary_frame(alpha=0.1).to_numpy()
    assert rel(frame[["mean", "mean_se", "mean_ci_lower", "mean_ci_upper"]], mean) < RTOL
    cols = ["linpred", "linpred_se", "linpred_ci_lower", "linpred_ci_upper"]
    assert rel(frame[cols], lin) < RTOL
    assert rel(r.resid_pearson(X, y), ref.resid_pearson) < RTOL
    assert rel(r.resid_deviance(X, y), ref.resid_dev) < RTOL
    assert "<table" in r.as_html() and r.as_latex().startswith("\\begin{tabular}")
    assert list(r.to_frame().index) == list(ref.model.exog_names)[:0] + r.names


def test_multinomial_table_under_separation_reports_no_standard_errors():
    """Iris setosa is separable on the sepals: the table must not print SEs of 5e5."""
    from sklearn.datasets import load_iris

    from logistic import SeparationWarning

    X, y = load_iris(return_X_y=True)
    with pytest.warns(SeparationWarning):
        model = LogisticRegression(penalty=None).fit(X[:, :2], y)
    r = model.summary()
    assert np.all(np.isnan(r.bse.to_numpy())) and "does not exist" in str(r)


def test_audit_findings_cv_firth_separation_and_bad_input(tmp_path):
    """A new user's audit: CV tables at the chosen C, CV files refused at save, Firth's
    profile intervals on ordinary data, clear errors, no inf odds under separation."""
    import warnings

    from logistic import LogisticRegressionCV, SeparationWarning

    X, y, _ = _binary(21, scales=False)
    cv = LogisticRegressionCV(Cs=5).fit(X, y)
    ref = LogisticRegression(C=float(cv.C_[0])).fit(X, y).summary()
    assert rel(cv.summary(X, y).bse, ref.bse) < 1e-6
    assert rel(cv.summary().bse, ref.bse) < 1e-6  # the refit keeps its numbers (#18)
    logistic.save(cv, tmp_path / "cv.json")  # files hold cross-validated models (#18)
    assert np.array_equal(logistic.load(tmp_path / "cv.json").coef_, cv.coef_)
    firth = LogisticRegression(penalty="firth").fit(X, y)
    ci = firth.summary(X, y).conf_int(method="profile").to_numpy()
    assert np.all(np.isfinite(ci))
    with pytest.raises(ValueError, match="pass the training data"):
        firth.summary().conf_int(method="profile")
    r = LogisticRegression(penalty=None).fit(X, y).summary()
    with pytest.raises(ValueError, match="one label per row"):
        r.resid_pearson(X, y[:-1])
    with pytest.raises(TypeError, match="string"):
        r.wald_test("x1 = 0")
    with pytest.warns(SeparationWarning):
        sep = LogisticRegression(penalty=None).fit(X[:, :1], (X[:, 0] > 0).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = sep.summary().to_frame()
    assert frame["odds ratio"].isna().all()

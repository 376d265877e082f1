"""Inference (logistic.inference) against statsmodels: Logit, its cov_type variants, GLM."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.exceptions import NotFittedError
from statsmodels.stats.sandwich_covariance import cov_white_simple

from logistic import LogisticRegression, SeparationWarning
from logistic.inference import lr_test
from logistic.inference.separation import detect_separation

RTOL = 1e-6
SCALARS = ["llf", "llnull", "llr", "llr_pvalue", "prsquared", "aic", "bic", "nobs",
           "df_model", "df_resid"]


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def fit_ours(X, y, sample_weight=None, **kw):
    return LogisticRegression(penalty=None, tol=1e-14, **kw).fit(X, y, sample_weight)


def fit_sm(X, y, **kw):
    return sm.Logit(y, sm.add_constant(np.asarray(X), has_constant="add")).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100, **kw
    )


def assert_same(ours, ref, rtol=RTOL):
    for name in ["params", "bse", "tvalues", "pvalues"]:
        assert rel(getattr(ours, name), getattr(ref, name)) < rtol, name
    assert rel(ours.conf_int(), ref.conf_int(alpha=ours.alpha)) < rtol
    assert rel(ours.cov_params(), ref.cov_params()) < rtol
    for name in SCALARS:
        assert rel(getattr(ours, name), getattr(ref, name)) < rtol, name


def random_problem(seed, n=300, d=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d)
    z = X @ rng.normal(scale=0.5, size=d) + 0.3
    return X, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)


def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


def anes96():
    d = sm.datasets.anes96.load_pandas().data
    return d[["logpopul", "TVnews", "selfLR", "age", "educ", "income"]], d["vote"]


# ---------------------------------------------------------------- agreement
@pytest.mark.parametrize("data", [spector, anes96, lambda: random_problem(0),
                                  lambda: random_problem(1, n=200, d=6)])
def test_nonrobust_matches_logit(data):
    X, y = data()
    ours = fit_ours(X, y).summary(X, y)
    assert_same(ours, fit_sm(X, y))
    odds = ours.odds_ratios
    assert rel(odds["odds_ratio"], np.exp(ours.params)) < 1e-12
    assert rel(odds[["lower", "upper"]], np.exp(fit_sm(X, y).conf_int())) < RTOL


@pytest.mark.parametrize("data", [spector, anes96, lambda: random_problem(2)])
def test_sandwich_and_cluster_match_statsmodels(data):
    X, y = data()
    model = fit_ours(X, y)
    assert_same(model.summary(X, y, cov_type="HC0"), fit_sm(X, y, cov_type="HC0"))
    # statsmodels' Logit(cov_type="HC1") applies no small-sample factor (it equals HC0);
    # its own cov_white_simple(use_correction=True) is the textbook HC1 we follow.
    ref = fit_sm(X, y)
    hc1 = model.summary(X, y, cov_type="HC1")
    assert rel(hc1.cov_params(), cov_white_simple(ref, use_correction=True)) < RTOL
    groups = np.random.default_rng(3).integers(0, 12, size=len(y))
    ours = model.summary(X, y, cov_type="cluster", groups=groups, alpha=0.1)
    ref = fit_sm(X, y, cov_type="cluster", cov_kwds={"groups": groups})
    assert_same(ours, ref)


def test_string_groups_and_labels_in_printout():
    X, y = spector()
    groups = np.where(np.arange(len(y)) % 3 == 0, "a", np.where(np.arange(len(y)) % 3, "b", "c"))
    model = fit_ours(X, y)
    ours = model.summary(X, y, cov_type="cluster", groups=groups)
    codes = pd.factorize(groups)[0]
    ref = fit_sm(X, y, cov_type="cluster", cov_kwds={"groups": codes})
    assert rel(ours.bse, ref.bse) < RTOL
    text = str(model.summary(X, y))
    for name in ["const", "GPA", "TUCE", "PSI", "nonrobust", "-12.8896", "odds ratio"]:
        assert name in text
    frame = model.summary(X, y).to_frame()
    assert list(frame.index) == ["const", "GPA", "TUCE", "PSI"]
    assert rel(frame["std err"], ref.bse * 0 + fit_sm(X, y).bse) < RTOL


def test_frequency_weights_equal_repeated_rows_and_glm():
    X, y = random_problem(4, n=120, d=3)
    s = np.random.default_rng(5).integers(1, 4, size=len(y)).astype(float)
    Xr, yr = np.repeat(X, s.astype(int), axis=0), np.repeat(y, s.astype(int))
    model = fit_ours(X, y, sample_weight=s)
    groups = np.arange(len(y)) % 7
    for cov_type, kw, ref_kw in [
        ("nonrobust", {}, {}),
        ("HC0", {}, {"cov_type": "HC0"}),
        ("cluster", {"groups": groups},
         {"cov_type": "cluster", "cov_kwds": {"groups": np.repeat(groups, s.astype(int))}}),
    ]:
        ours = model.summary(X, y, s, cov_type=cov_type, **kw)
        assert_same(ours, fit_sm(Xr, yr, **ref_kw))
    hc1 = model.summary(X, y, s, cov_type="HC1")
    assert rel(hc1.cov_params(), cov_white_simple(fit_sm(Xr, yr), use_correction=True)) < RTOL

    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=s)
    ref = glm.fit(tol=1e-14)
    ours = model.summary(X, y, s)
    for name in ["params", "bse", "pvalues", "llf", "llnull", "aic"]:
        assert rel(getattr(ours, name), getattr(ref, name)) < RTOL, name
    assert rel(ours.bic, ref.bic_llf) < RTOL
    assert ours.nobs == ref.model.wnobs and ours.df_resid == ref.df_resid
    hc0 = model.summary(X, y, s, cov_type="HC0")
    assert rel(hc0.bse, glm.fit(tol=1e-14, cov_type="HC0").bse) < RTOL


def test_wald_test_matches_statsmodels():
    X, y = anes96()
    model = fit_ours(X, y)
    R = np.array([[0, 1, -1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, -2.0]])
    q = np.array([0.0, 0.01, 0.2])
    for cov_type in ["nonrobust", "HC0"]:
        ours = model.summary(X, y, cov_type=cov_type).wald_test(R, q)
        ref = fit_sm(X, y, cov_type=cov_type).wald_test((R, q), scalar=True, use_f=False)
        assert rel(ours.statistic, ref.statistic) < RTOL
        assert rel(ours.pvalue, ref.pvalue) < RTOL
        assert ours.df == 3


def test_lr_test_of_nested_models():
    X, y = anes96()
    small = ["logpopul", "age", "educ"]
    full = fit_ours(X, y).summary(X, y)
    restricted = fit_ours(X[small], y).summary(X[small], y)
    res = lr_test(full, restricted)
    ref_full, ref_r = fit_sm(X, y), fit_sm(X[small], y)
    stat = 2 * (ref_full.llf - ref_r.llf)
    assert rel(res.statistic, stat) < RTOL and res.df == 3
    assert rel(res.pvalue, stats.chi2.sf(stat, 3)) < RTOL
    with pytest.raises(ValueError, match="more parameters"):
        lr_test(restricted, full)
    l2 = LogisticRegression().fit(X, y).summary(X, y)
    with pytest.raises(ValueError, match="L2-penalised"):
        lr_test(l2, restricted)


def test_l2_summary_uses_penalized_hessian_and_says_so():
    X, y = random_problem(6, n=150, d=3)
    C = 0.05
    model = LogisticRegression(C=C, tol=1e-14).fit(X, y)
    res = model.summary(X, y)
    Xt = np.column_stack([np.ones(len(y)), X])
    theta = np.r_[model.intercept_, model.coef_.ravel()]
    p = 1 / (1 + np.exp(-Xt @ theta))
    H = Xt.T @ (Xt * (p * (1 - p))[:, None]) + np.diag([0.0, *[1 / C] * 3])
    assert rel(res.cov_params(), np.linalg.inv(H)) < 1e-9
    assert rel(res.llf, np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))) < 1e-12
    assert "penalised Hessian (L2, C=0.05)" in res.cov_label
    assert "penalised Hessian" in str(res) and "L2" in str(res)


# ------------------------------------------------------------------ separation
def test_complete_and_quasi_complete_separation_are_named():
    rng = np.random.default_rng(7)
    n = 40
    noise = rng.normal(size=n)
    x = rng.normal(size=n)
    y = (x > 0).astype(float)
    X = pd.DataFrame({"dose": x, "noise": noise})
    sep = detect_separation(X.to_numpy(), y)
    assert sep.kind == "complete"
    with pytest.warns(SeparationWarning):
        model = fit_ours(X, y)
    with pytest.warns(SeparationWarning, match=r"complete separation.*dose"):
        res = model.summary(X, y)
    assert np.isnan(res.bse["dose"])
    assert "does not exist" in str(res) and "dose" in str(res)

    # quasi-complete: treated == 1 implies y == 1; untreated are mixed
    treated = (np.arange(n) < 10).astype(float)
    y = np.where(treated == 1, 1.0, (rng.random(n) < 0.4).astype(float))
    X = pd.DataFrame({"treated": treated, "noise": noise})
    sep = detect_separation(X.to_numpy(), y)
    assert sep.kind == "quasi-complete"
    assert sep.directions.tolist() == [1.0, 0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_ours(X, y)
    with pytest.warns(SeparationWarning, match=r"quasi-complete separation.*treated \(→ \+inf\)"):
        res = model.summary(X, y)
    assert np.isnan(res.bse["treated"]) and np.isfinite(res.bse["noise"])

    X, y = random_problem(8)
    assert detect_separation(X, y).exists


# ------------------------------------------------------------------ bad input
def test_bad_input_errors():
    X, y = spector()
    with pytest.raises(NotFittedError):
        LogisticRegression().summary(X, y)
    model = fit_ours(X, y)
    with pytest.raises(ValueError, match="cov_type must be one of"):
        model.summary(X, y, cov_type="HC3")
    with pytest.raises(ValueError, match="one label per sample"):
        model.summary(X, y, cov_type="cluster", groups=np.arange(5))
    with pytest.raises(ValueError, match="needs groups="):
        model.summary(X, y, cov_type="cluster")
    with pytest.raises(ValueError, match="only with cov_type='cluster'"):
        model.summary(X, y, groups=np.arange(len(y)))
    for alpha in [0, 1, -0.1, 1.5, "0.05"]:
        with pytest.raises(ValueError, match="alpha must be a number strictly between 0 and 1"):
            model.summary(X, y, alpha=alpha)
    res = model.summary(X, y)
    with pytest.raises(ValueError, match="alpha must be"):
        res.conf_int(alpha=2)
    with pytest.raises(ValueError, match="R must have 4 columns"):
        res.wald_test(np.eye(3))
    with pytest.raises(ValueError, match="only for penalty='firth'|penalty='firth' fits only"):
        res.conf_int(method="profile")
    with pytest.warns(UserWarning, match="standard errors away from the optimum"):
        model.summary(X[:20], y[:20])


def test_float32_rows_give_the_float64_standard_errors():
    """float32 columns with offsets (|mean| up to 1e4 spreads): the information and meat
    are formed in float64, so the tables match the float64 fit's. Before, their Grams were
    float32: standard errors off by up to 63% (binary, 4 columns), and multinomial
    information matrices read as singular."""
    rng = np.random.default_rng(5)
    for case in range(12):
        n, d, k = int(rng.integers(200, 1500)), int(rng.integers(1, 5)), int(rng.choice([2, 3]))
        off = 10.0 ** rng.uniform(0, 4, d) * rng.choice([-1, 1], d)
        sc = 10.0 ** rng.uniform(-2, 2, d)
        X = (rng.standard_normal((n, d)) * sc + off).astype(np.float32)
        Z = ((X.astype(float) - off) / sc) @ rng.standard_normal((d, k))
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        y = (rng.random(n)[:, None] > np.cumsum(P, 1)).sum(1)
        s = rng.exponential(size=n) if case % 2 else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m32 = LogisticRegression(penalty=None).fit(X, y, sample_weight=s)
            m64 = LogisticRegression(penalty=None).fit(X.astype(np.float64), y,
                                                                sample_weight=s)
            for cov in ("nonrobust", "HC0"):
                b32 = np.asarray(m32.summary(cov_type=cov).bse).ravel()
                b64 = np.asarray(m64.summary(cov_type=cov).bse).ravel()
                np.testing.assert_allclose(b32, b64, rtol=1e-4, err_msg=f"case {case} {cov}")


def test_unidentified_unpenalised_fit_warns_naming_the_columns():
    """A duplicated column, an affine combination of others and the intercept, or a
    column that is zero in every row of positive weight: the MLE is not unique. The fit
    warns naming the terms (it was silent), and summary() refuses naming them too; an
    identified though ill-conditioned column (offset 1e6, spread 1) does not warn."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (rng.random(200) < 0.5).astype(int)
    s = np.ones(200)
    s[:5] = 0.0
    zero_where_weighted = np.where(s == 0, 1.0, 0.0)
    cases = [(np.c_[X, X[:, 0]], None, ["'x3'", "'x1'"]),
             (np.c_[X, 2 * X[:, 1] + 1], None, ["'const'", "'x2'", "'x3'"]),
             (np.c_[X, zero_where_weighted], s, ["'x3'"])]
    for Xc, sw, names in cases:
        with pytest.warns(UserWarning, match="not identified.*dependence involves") as caught:
            model = LogisticRegression(penalty=None).fit(Xc, y, sample_weight=sw)
        message = str(caught[0].message)
        assert all(name in message for name in names), message
        with pytest.raises(ValueError, match="singular.*dependence involves"):
            model.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(penalty=None).fit(np.c_[X, 1e6 + rng.normal(size=200)], y)
        LogisticRegression().fit(np.c_[X, X[:, 0]], y)  # L2: identified


def test_unidentified_multinomial_fit_warns_and_refuses_naming_the_terms():
    """The multinomial counterpart (it was silent at the fit, and summary's refusal named
    no term): the contrasts' information without the reference class, the terms named
    'class: column'; a separated multinomial summary prints n/a, as the binary one."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    y = rng.integers(0, 3, 300)
    for Xc, names in [(np.c_[X, 2 * X[:, 0] + X[:, 1]], ["x1", "x2", "x4"]),
                      (np.c_[X, X[:, 2] - 3.0], ["const", "x3", "x4"])]:
        with pytest.warns(UserWarning, match="not identified.*dependence involves") as caught:
            model = LogisticRegression(penalty=None).fit(Xc, y)
        message = str(caught[0].message)
        assert all(any(f"'{c}: {name}'" in message for c in (1, 2)) for name in names), message
        with pytest.raises(ValueError, match="singular.*dependence involves '[12]: "):
            model.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LogisticRegression(penalty=None).fit(X, y).summary()  # identified: silent
        LogisticRegression().fit(np.c_[X, X[:, 0]], y).summary()  # L2: identified
    Xs = rng.normal(size=(200, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the separation warning
        text = str(LogisticRegression(penalty=None).fit(Xs, np.digitize(Xs[:, 0], [-.5, .5]))
                   .summary())
    assert "n/a" in text and "NaN" not in text and "nan" not in text


def test_dependence_names_every_class_and_every_kind_of_binary_fit():
    """A duplicated column is a dependence in every non-reference class: the message
    names both classes' terms (it named one class's, an arbitrary null direction); no
    intercept, no "(with the intercept)"; multi_class='ovr' on two classes warns too."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = rng.integers(0, 3, 400)
    with pytest.warns(UserWarning, match="not identified") as caught:
        LogisticRegression(penalty=None, fit_intercept=False).fit(np.c_[X, X[:, 0]], y)
    message = str(caught[0].message)
    assert "with the intercept" not in message
    assert all(f"'{c}: {n}'" in message for c in (1, 2) for n in ("x1", "x4")), message
    with pytest.warns(UserWarning, match="dependence involves 'x1', 'x4'|'x4', 'x1'"):
        LogisticRegression(penalty=None, multi_class="ovr").fit(np.c_[X, X[:, 0]], y == 1)

"""The formula interface (:func:`logistic.from_formula`) against statsmodels' ``logit``.

statsmodels builds its design with its own formula engine (patsy by default), so the
comparison checks formulaic's design as well as the fit: same column names, and the
same coefficients to 1e-6 relative, matched by name.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("formulaic")
smf = pytest.importorskip("statsmodels.formula.api")

from logistic import LogisticRegression, formula_matrix, from_formula  # noqa: E402

FORMULA = "y ~ x1 + C(group) + x2:x3"


def make_data(seed: int, n: int = 400, scales=(1.0, 1.0, 1.0), levels="abc") -> pd.DataFrame:
    """Numeric x1..x3 (column j of size ``scales[j]``), a string category, a 0/1 outcome."""
    rng = np.random.default_rng(seed)
    s1, s2, s3 = scales
    df = pd.DataFrame({
        "x1": s1 * rng.normal(size=n),
        "x2": s2 * rng.normal(size=n),
        "x3": s3 * (1.0 + rng.normal(size=n)),
        "group": rng.choice(list(levels), size=n),
    })
    shift = {g: 0.6 * (i % 3) - 0.5 for i, g in enumerate(levels)}
    eta = (0.3 + 0.8 * df.x1 / s1 - 0.7 * df.x2 * df.x3 / (s2 * s3)
           + df.group.map(shift).to_numpy())
    df["y"] = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(int)
    return df


def fit_both(formula: str, df: pd.DataFrame, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no row dropped, no convergence trouble
        model = from_formula(formula, df, penalty=None, **params)
    result = smf.logit(formula, df).fit(disp=0)
    assert model.converged_ and result.mle_retvals["converged"]
    return model, result


def assert_matches_statsmodels(model, result, rtol=1e-6):
    exog = list(result.model.exog_names)
    assert sorted(model.feature_names_in_) == sorted(n for n in exog if n != "Intercept")
    ours = dict(zip(model.feature_names_in_, model.coef_.ravel(), strict=True))
    if model.fit_intercept:
        ours["Intercept"] = model.intercept_[0]
    else:
        assert "Intercept" not in exog and model.intercept_[0] == 0.0
    theirs = result.params
    np.testing.assert_allclose([ours[n] for n in exog], theirs[exog].to_numpy(), rtol=rtol)


def test_matches_statsmodels():
    df = make_data(0)
    model, result = fit_both(FORMULA, df)
    assert_matches_statsmodels(model, result)
    assert model.fit_intercept
    assert model.formula_ == FORMULA
    assert list(model.feature_names_in_) == ["x1", "C(group)[T.b]", "C(group)[T.c]", "x2:x3"]


def test_names_and_order_as_statsmodels_formulaic_engine():
    """With statsmodels on formulaic (its degree ordering), the names agree in order."""
    import statsmodels.formula as sf

    engine, ordering = sf.options.formula_engine, sf.options.ordering
    try:
        sf.options.formula_engine, sf.options.ordering = "formulaic", "degree"
        model, result = fit_both(FORMULA, make_data(1))
    finally:
        sf.options.formula_engine, sf.options.ordering = engine, ordering
    assert list(model.feature_names_in_) == [n for n in result.model.exog_names
                                             if n != "Intercept"]
    assert_matches_statsmodels(model, result)


@pytest.mark.parametrize("formula", ["y ~ x1 + x2 - 1", "y ~ 0 + x1 + x2",
                                     "y ~ x1 + C(group) - 1"])
def test_no_intercept(formula):
    model, result = fit_both(formula, make_data(2))
    assert not model.fit_intercept
    assert_matches_statsmodels(model, result)


def test_fit_intercept_must_agree_with_the_formula():
    df = make_data(3)
    with pytest.raises(ValueError, match="contradicts"):
        from_formula("y ~ x1 - 1", df, fit_intercept=True)
    with pytest.raises(ValueError, match="contradicts"):
        from_formula("y ~ x1", df, fit_intercept=False)
    assert not from_formula("y ~ x1 - 1", df, fit_intercept=False).fit_intercept


def test_string_outcome_labels_kept():
    df = make_data(4)
    labelled = df.assign(y=np.where(df.y == 1, "yes", "no"))
    model = from_formula(FORMULA, labelled, penalty=None)
    assert model.classes_.tolist() == ["no", "yes"]
    numeric = from_formula(FORMULA, df, penalty=None)
    np.testing.assert_allclose(model.coef_, numeric.coef_, rtol=1e-10)
    three = labelled.assign(y=np.where(df.x1 > 1, "maybe", labelled.y))
    model3 = from_formula(FORMULA, three)
    assert model3.classes_.tolist() == ["maybe", "no", "yes"]
    assert set(model3.predict(formula_matrix(model3, three))) <= {"maybe", "no", "yes"}


def test_outcome_expression_of_one_column():
    df = make_data(5).assign(score=lambda d: 2.0 * d.y - 1.0)
    model = from_formula("I(score > 0) ~ x1 + x2", df, penalty=None)
    _, result = fit_both("y ~ x1 + x2", df)
    assert_matches_statsmodels(model, result)


def test_missing_rows_dropped_with_outcome_and_weights():
    df = make_data(6, n=300)
    df.index = [f"r{i}" for i in range(len(df))][::-1]  # the alignment is by row, not label
    df["y"] = df.y.astype(float)
    df.iloc[[3, 10, 20], df.columns.get_loc("x1")] = np.nan
    df.iloc[7, df.columns.get_loc("group")] = None
    df.iloc[[40, 41], df.columns.get_loc("y")] = np.nan
    weights = np.random.default_rng(6).uniform(0.5, 2.0, size=len(df))
    with pytest.warns(UserWarning, match="dropped 6 of 300 rows"):
        model = from_formula(FORMULA, df, sample_weight=weights, penalty=None)
    keep = df.notna().all(axis=1).to_numpy()
    clean = df[keep]
    reference = LogisticRegression(penalty=None).fit(
        formula_matrix(model, clean), clean.y, sample_weight=weights[keep])
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-8)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=1e-8)
    unweighted = from_formula(FORMULA, clean, penalty=None)
    assert_matches_statsmodels(unweighted, smf.logit(FORMULA, clean).fit(disp=0))


def test_formula_matrix_predicts_new_data():
    train, new = make_data(7), make_data(8, n=50)
    model, result = fit_both(FORMULA, train)
    X = formula_matrix(model, new.drop(columns="y"))
    assert list(X.columns) == list(model.feature_names_in_) and len(X) == len(new)
    np.testing.assert_allclose(model.predict_proba(X)[:, 1], result.predict(new), rtol=1e-6)
    with pytest.raises(ValueError, match="null"):
        formula_matrix(model, new.assign(x1=np.where(new.index == 3, np.nan, new.x1)))
    with pytest.raises(ValueError, match="zz"):
        formula_matrix(model, new.assign(group="zz"))
    with pytest.raises(ValueError, match="from_formula"):
        formula_matrix(LogisticRegression().fit(X, new.y), new)


@pytest.mark.parametrize(
    ("formula", "data", "error", "match"),
    [
        (42, None, TypeError, "formula must be a string"),
        ("y ~ x1", [[0, 1]], TypeError, "data must be"),
        ("~ x1", None, ValueError, "no outcome"),
        ("y + x1 ~ x2", None, ValueError, "2 columns"),
        ("C(y) ~ x2", None, ValueError, "2 columns"),
        ("y ~ x1 + nope", None, ValueError, "nope"),
        ("ghost ~ x1", None, ValueError, "ghost"),
        ("y ~ x1 | x2", None, ValueError, "one right-hand side"),
        ("y ~ x1 ~ x2", None, ValueError, "cannot read"),
    ],
)
def test_bad_input(formula, data, error, match):
    df = make_data(9, n=60)
    with pytest.raises(error, match=match):
        from_formula(formula, df if data is None else data)


def test_bad_sample_weight():
    with pytest.raises(ValueError, match="one weight per row"):
        from_formula("y ~ x1", make_data(10, n=60), sample_weight=np.ones(59))


def test_missing_formulaic_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "formulaic", None)
    with pytest.raises(ImportError, match=r"pip install 'logistic\[formula\]'"):
        from_formula("y ~ x1", make_data(11, n=60))


def test_random_mixed_scale_data_match_statsmodels():
    """20 data sets: columns of sizes 1e-3 and 1e3, a 4-level category."""
    for seed in range(20):
        scales = (1e-3, 1e3, 1.0) if seed % 2 else (1e3, 1.0, 1e-3)
        df = make_data(100 + seed, n=300 + 10 * seed, scales=scales, levels="pqrs")
        model, result = fit_both("y ~ x1 + x2 + C(group) + x2:x3", df)
        assert_matches_statsmodels(model, result)

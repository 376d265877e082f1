"""Sample weights from a table column: ``logistic fit --weights COL`` and
``logistic evaluate --weights COL``, and :class:`~logistic.files.tabular.TabularModel`'s
``weights=``.

References: scikit-learn's ``LogisticRegression(tol=1e-12, sample_weight=...)`` on the
same encoded columns, the unweighted fit on rows repeated by their (integer) weights,
and scikit-learn's metrics with ``sample_weight``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

from logistic.files import model_file
from logistic.files.tables import DataError
from logistic.files.tabular import TablePreprocessor, TabularModel

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT / "examples" / "churn.csv"


def _weighted_churn() -> pd.DataFrame:
    df = pd.read_csv(CHURN)
    rng = np.random.default_rng(3)
    return df.assign(w=rng.integers(0, 4, len(df)).astype(float))


def _sklearn(df: pd.DataFrame, s: np.ndarray | None):
    X = pd.get_dummies(df.drop(columns=["churned", "w"]), columns=["plan"], drop_first=True,
                       prefix_sep="=", dtype=float)
    y = (df["churned"] == "yes").to_numpy().astype(int)
    sk = SkLogisticRegression(tol=1e-12, max_iter=10_000, solver="newton-cholesky")
    return X, y, sk.fit(X.to_numpy(), y, sample_weight=s)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_weights")
    df = _weighted_churn()
    df.to_csv(d / "w.csv", index=False)
    df.assign(w=np.where(df.index == 5, -1.0, df["w"])).to_csv(d / "neg.csv", index=False)
    df.assign(w=np.where(df.index == 7, "heavy", df["w"].astype(str))).to_csv(
        d / "text.csv", index=False)
    df.assign(w=0.0).to_csv(d / "zero.csv", index=False)
    pq = d / "set"
    pq.mkdir()
    df.drop(columns=["plan"]).assign(churned=(df["churned"] == "yes").astype(int)).to_parquet(
        pq / "a.parquet")
    m = str(d / "m.json")
    first = {
        "fit": ["fit", "w.csv", "-t", "churned", "--weights", "w", "-o", m],
        "negative": ["fit", "neg.csv", "-t", "churned", "--weights", "w", "-o", m + "x"],
        "text": ["fit", "text.csv", "-t", "churned", "--weights", "w", "-o", m + "x"],
        "zero": ["fit", "zero.csv", "-t", "churned", "--weights", "w", "-o", m + "x"],
        "absent": ["fit", "w.csv", "-t", "churned", "--weights", "weight", "-o", m + "x"],
        "as_feature": ["fit", "w.csv", "-t", "churned", "--weights", "w", "--features",
                       "tenure_months,w", "-o", m + "x"],
        "file_set": ["fit", str(pq), "-t", "churned", "--weights", "w", "-o", m + "x"],
    }
    second = {
        "summary": ["summary", m],
        "evaluate": ["evaluate", m, "w.csv", "--json"],
        "evaluate_weighted": ["evaluate", m, "w.csv", "--json", "--weights", "w"],
        "predict": ["predict", m, "w.csv", "--proba"],
    }
    env = {k: v for k, v in os.environ.items() if k != "LOGISTIC_DEBUG"}
    env["PYTHONPATH"] = str(ROOT / "src")

    def run(args):
        return subprocess.run([sys.executable, "-m", "logistic", *args], capture_output=True,
                              text=True, env=env, cwd=d, timeout=120)

    with ThreadPoolExecutor(max_workers=4) as pool:
        out = dict(zip(first, pool.map(run, first.values()), strict=True))
        assert out["fit"].returncode == 0, out["fit"].stderr
        out |= dict(zip(second, pool.map(run, second.values()), strict=True))
    return {"dir": d, "df": df, **out}


def test_weighted_fit_matches_sklearn_and_repeated_rows(runs):
    df = runs["df"]
    doc = json.loads((runs["dir"] / "m.json").read_text())
    X, y, sk = _sklearn(df, df["w"].to_numpy())
    ours = dict(zip(doc["feature_names_in"], doc["coef"][0], strict=True))
    for name, w in zip(X.columns, sk.coef_.ravel(), strict=True):
        assert ours[name] == pytest.approx(w, rel=1e-6, abs=1e-9)
    assert doc["intercept"][0] == pytest.approx(sk.intercept_[0], rel=1e-6)
    assert doc["preprocessing"]["weights"] == "w"
    assert "w" not in doc["feature_names_in"]
    # integer weights: the same model as the rows repeated that many times
    rep = df.loc[df.index.repeat(df["w"].astype(int))]
    _, _, sk_rep = _sklearn(rep, None)
    for name, w in zip(X.columns, sk_rep.coef_.ravel(), strict=True):
        assert ours[name] == pytest.approx(w, rel=1e-6, abs=1e-9)


def test_summary_names_the_weights_and_predict_ignores_the_column(runs):
    assert runs["summary"].returncode == 0, runs["summary"].stderr
    assert "fit with sample weights from the column 'w'" in runs["summary"].stdout
    r = runs["predict"]
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == len(runs["df"]) + 1


def test_evaluate_weighted_metrics_match_sklearn(runs):
    df = runs["df"]
    X, y, sk = _sklearn(df, df["w"].to_numpy())
    z = sk.decision_function(X.to_numpy())
    pred = (z > 0).astype(int)
    s = df["w"].to_numpy()
    plain = json.loads(runs["evaluate"].stdout)
    weighted = json.loads(runs["evaluate_weighted"].stdout)
    assert plain["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred))
    assert weighted["weights"] == "w"
    assert weighted["accuracy"] == pytest.approx(metrics.accuracy_score(y, pred, sample_weight=s))
    assert weighted["F1"] == pytest.approx(metrics.f1_score(y, pred, sample_weight=s))
    assert weighted["ROC-AUC"] == pytest.approx(metrics.roc_auc_score(y, z, sample_weight=s),
                                                rel=1e-9)
    p = sk.predict_proba(X.to_numpy())
    assert weighted["log-loss"] == pytest.approx(metrics.log_loss(y, p, sample_weight=s),
                                                 rel=1e-6)


@pytest.mark.parametrize("name,fragment", [
    ("negative", "the weights column 'w' has a negative weight (-1, row 6)"),
    ("text", "the weights column 'w' must be numeric (row 8 holds 'heavy')"),
    ("zero", "the weights column 'w' is zero in every row"),
    ("absent", "the weights column 'weight' is not in the data"),
    ("as_feature", "the weights column 'w' cannot also be a feature"),
    ("file_set", "--weights is not available for a Parquet file set"),
])
def test_bad_weights_are_one_line_exit_2(runs, name, fragment):
    r = runs[name]
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr
    assert fragment in r.stderr


def test_tabular_model_weights_family_against_sklearn():
    """Random weights (zeros, tiny and huge spreads) on random tables, against sklearn."""
    rng = np.random.default_rng(11)
    for case in range(12):
        n = int(rng.integers(30, 300))
        df = pd.DataFrame({"a": rng.standard_normal(n) * 10.0 ** rng.uniform(-2, 2),
                           "b": rng.choice(["u", "v", "x"], n)})
        df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df["a"] / df["a"].std()))).astype(int)
        s = rng.exponential(1.0, n) * 10.0 ** rng.uniform(-3, 3)
        s[rng.random(n) < 0.2] = 0.0
        df["s"] = s
        model = TabularModel().fit(df, "y", weights="s")
        X = pd.get_dummies(df[["a", "b"]], columns=["b"], drop_first=True, dtype=float)
        sk = SkLogisticRegression(tol=1e-12, max_iter=10_000, solver="newton-cholesky").fit(
            X.to_numpy(), df["y"].to_numpy(), sample_weight=s)
        np.testing.assert_allclose(model.estimator.coef_.ravel(), sk.coef_.ravel(),
                                   rtol=1e-5, atol=1e-8, err_msg=f"case {case}")
        assert model.preprocessor.weights == "s"


def test_weights_round_trip_and_older_files(tmp_path):
    df = _weighted_churn()
    model = TabularModel().fit(df, "churned", weights="w")
    model_file.save(model, tmp_path / "m.json")
    back = model_file.load_tabular(tmp_path / "m.json")
    assert back.preprocessor.weights == "w"
    np.testing.assert_array_equal(back.decision_function(df), model.decision_function(df))
    doc = model.preprocessor.to_dict()
    del doc["weights"]  # an unweighted fit's file (and every older one) has no key
    assert TablePreprocessor.from_dict(doc).weights is None
    with pytest.raises(ValueError, match="weights must differ"):
        TablePreprocessor.from_dict({**doc, "weights": "churned"})
    with pytest.raises(ValueError, match="not both"):
        TabularModel().fit(df, "churned", weights="w", sample_weight=np.ones(len(df)))
    with pytest.raises(DataError, match="is the target column"):
        TabularModel().fit(df, "churned", weights="churned")


def test_model_report_says_the_fit_was_weighted():
    from logistic.pictures.report import build_model_report

    df = _weighted_churn()
    model = TabularModel().fit(df, "churned", weights="w")
    page = build_model_report(model, df, "churned")  # the weights column is allowed
    assert "fit with sample weights from the column &#x27;w&#x27;" in page


def test_standardisation_is_weighted_as_frequency_weights():
    """--standardize with --weights: the weighted mean and sd (StandardScaler with
    sample_weight), so the fit equals the one on rows repeated by their weights and rows
    of weight 0 change nothing (they set the centre and scale before)."""
    from sklearn.preprocessing import StandardScaler

    df = _weighted_churn()
    numeric = ["tenure_months", "monthly_spend", "support_calls"]
    model = TabularModel(standardize=True).fit(df, "churned", weights="w")
    ref = StandardScaler().fit(df[numeric], sample_weight=df["w"])
    spec = {c["name"]: c for c in model.preprocessor.columns_}
    for j, name in enumerate(numeric):
        assert spec[name]["center"] == pytest.approx(ref.mean_[j], rel=1e-12)
        assert spec[name]["scale"] == pytest.approx(ref.scale_[j], rel=1e-12)
    repeated = df.loc[df.index.repeat(df["w"].astype(int))].reset_index(drop=True)
    rep = TabularModel(standardize=True).fit(repeated.drop(columns=["w"]), "churned")
    np.testing.assert_allclose(model.predict_proba(df), rep.predict_proba(df.drop(columns=["w"])),
                               rtol=1e-7)
    np.testing.assert_allclose(model.estimator.coef_, rep.estimator.coef_, rtol=1e-6)
    # an array of weights with --drop-missing keeps the weights of the rows kept
    gaps = df.assign(monthly_spend=np.where(df.index == 3, np.nan, df["monthly_spend"]))
    by_array = TabularModel(standardize=True).fit(
        gaps.drop(columns=["w"]), "churned", drop_missing=True, sample_weight=df["w"])
    by_column = TabularModel(standardize=True).fit(gaps, "churned", drop_missing=True,
                                                   weights="w")
    np.testing.assert_allclose(by_array.estimator.coef_, by_column.estimator.coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="sample_weight has shape"):
        TabularModel().fit(df, "churned", sample_weight=np.ones(3))

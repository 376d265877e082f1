"""``logistic fit / predict / evaluate / summary`` through a real subprocess, on real files.

Every invocation is ``python -m logistic ...`` with this checkout's ``src`` first on
``PYTHONPATH``. Starting Python with scikit-learn costs seconds, so all invocations are
started together (a thread pool) in one module fixture, and each test reads its result.

References: scikit-learn's ``LogisticRegression`` (tol=1e-12) fit on the same data,
encoded independently with ``pandas.get_dummies(drop_first=True)`` and a ddof=0
standardisation; scikit-learn's metrics on its own predictions.
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

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT / "examples" / "churn.csv"
NUMERIC = ["tenure_months", "monthly_spend", "support_calls"]


def _write_files(d: Path) -> dict[str, Path]:
    df = pd.read_csv(CHURN)
    files = {"churn": CHURN}

    def put(name, frame, **kw):
        files[name] = d / name
        frame.to_csv(files[name], index=False, **kw)

    df.to_parquet(d / "churn.parquet")
    files["parquet"] = d / "churn.parquet"
    put("semicolon.csv", df, sep=";")
    gaps = df.copy()
    gaps["monthly_spend"] = gaps["monthly_spend"].astype(float)
    gaps.loc[[2, 9], "monthly_spend"] = np.nan
    gaps.loc[9, "plan"] = np.nan
    put("gaps.csv", gaps)
    put("one_class.csv", df.assign(churned="yes"))
    put("three_classes.csv", df.assign(churned=np.array(["yes", "no", "maybe"])[df.index % 3]))
    put("extra_column.csv", df.assign(region="north"))
    put("lacks_plan.csv", df.drop(columns=["plan"]))
    put("gold_plan.csv", df.assign(plan=np.where(df.index == 4, "gold", df["plan"])))
    put("unknown_label.csv", df.assign(churned=np.where(df.index == 6, "perhaps",
                                                         df["churned"])))
    put("header_only.csv", df.iloc[:0])
    put("target_only.csv", df[["churned"]])
    (d / "ragged.csv").write_text("a,b,churned\n1,2,yes\n3,4,5,no\n")
    files["ragged.csv"] = d / "ragged.csv"
    (d / "binary.csv").write_bytes(b"PK\x03\x04\x00\x00\xff\xfe" * 20)
    files["binary.csv"] = d / "binary.csv"
    return files


def _commands(d: Path, f: dict[str, Path]) -> dict[str, list[str]]:
    m = str(d / "model.json")  # written by "fit", used by the commands of the second wave
    return {
        # first wave: fits and errors that need no model
        "fit": ["fit", str(f["churn"]), "--target", "churned", "--standardize", "--out", m],
        "missing_file": ["fit", str(d / "nope.csv"), "--target", "churned", "--out", m + "x"],
        "ragged_csv": ["fit", str(f["ragged.csv"]), "--target", "churned", "--out", m + "x"],
        "binary_csv": ["fit", str(f["binary.csv"]), "--target", "churned", "--out", m + "x"],
        "missing_target": ["fit", str(f["churn"]), "--target", "left", "--out", m + "x"],
        "single_class": ["fit", str(f["one_class.csv"]), "--target", "churned", "--out", m + "x"],
        "three_classes": ["fit", str(f["three_classes.csv"]), "--target", "churned",
                          "--out", m + "x"],
        "nan_features": ["fit", str(f["gaps.csv"]), "--target", "churned", "--out", m + "x"],
        "wrong_delimiter": ["fit", str(f["semicolon.csv"]), "--sep", ",", "--target",
                            "churned", "--out", m + "x"],
        "text_not_allowed": ["fit", str(f["churn"]), "--target", "churned", "--categorical",
                             "none", "--out", m + "x"],
        "debug_traceback": ["fit", str(f["churn"]), "--target", "left", "--out", m + "x",
                            "--debug"],
        "bad_model_file": ["predict", str(f["ragged.csv"]), str(f["churn"])],
        # second wave: need model.json
        "evaluate_json": ["evaluate", m, str(f["churn"]), "--json"],
        "predict_out": ["predict", m, str(f["churn"]), "--proba", "--out",
                        str(d / "pred.csv")],
        "unknown_column": ["predict", m, str(f["extra_column.csv"])],
        "needed_column": ["predict", m, str(f["lacks_plan.csv"])],
        "unseen_category": ["predict", m, str(f["gold_plan.csv"])],
        "unknown_label": ["evaluate", m, str(f["unknown_label.csv"])],
        "bad_threshold": ["predict", m, str(f["churn"]), "--threshold", "1.5"],
        "no_rows_predict": ["predict", m, str(f["header_only.csv"])],
        "target_only": ["evaluate", m, str(f["target_only.csv"])],
        "no_rows_fit": ["fit", str(f["header_only.csv"]), "--target", "churned",
                        "--out", m + "x"],
    }


_SECOND_WAVE = ("evaluate_json", "predict_out", "unknown_column", "needed_column",
                "unseen_category", "unknown_label", "bad_threshold", "no_rows_predict",
                "target_only")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    files = _write_files(d)
    commands = _commands(d, files)
    env = {k: v for k, v in os.environ.items() if k != "LOGISTIC_DEBUG"}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["COLUMNS"] = "120"

    def run(args):
        return subprocess.run([sys.executable, "-m", "logistic", *args], capture_output=True,
                              text=True, env=env, cwd=d, timeout=120)

    first = [k for k in commands if k not in _SECOND_WAVE]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(first, pool.map(run, [commands[k] for k in first]), strict=True))
        assert results["fit"].returncode == 0, results["fit"].stderr
        results |= dict(zip(_SECOND_WAVE, pool.map(run, [commands[k] for k in _SECOND_WAVE]),
                            strict=True))
    return {"dir": d, "files": files, **results}


# ------------------------------------------------------------------ the error catalogue
ERRORS = [
    ("missing_file", ["nope.csv: no such file"]),
    ("ragged_csv", ["not a readable CSV file", "Expected 3 fields in line 3, saw 4"]),
    ("binary_csv", ["not a text file"]),
    ("missing_target", ["target column 'left' is not in the data", "columns: tenure_months"]),
    ("single_class", ["target column 'churned' has a single class ('yes')"]),
    ("nan_features", ["missing values in 2 rows: row 3 (monthly_spend), "
                      "10 (monthly_spend, plan)", "--drop-missing"]),
    ("wrong_delimiter", ["read as a single column", "contains ';'", "--sep"]),
    ("text_not_allowed", ["column 'plan' holds text", "--categorical auto"]),
    ("bad_model_file", ["ragged.csv: the model file is not valid JSON"]),
    ("unknown_column", ["column 'region' is not one the model was fit on", "--ignore-extra"]),
    ("needed_column", ["the model needs column 'plan', which the data lack"]),
    ("unseen_category", ["column 'plan' has a value the model has not seen: 'gold'",
                         "known: basic, premium, standard"]),
    ("unknown_label", ["label 'perhaps' (row 7)", "not one of the model's classes (no, yes)"]),
    ("bad_threshold", ["--threshold must be strictly between 0 and 1, got 1.5"]),
    # a header alone: an IndexError traceback (exit 1) from predict, evaluate and report
    ("no_rows_predict", ["the data have no rows"]),
    ("no_rows_fit", ["target column 'churned' has no values: the data have no rows"]),
    # listed "(columns: )"
    ("target_only", ["the model needs column", "no column besides the target"]),
]


@pytest.mark.parametrize("name,fragments", ERRORS, ids=[e[0] for e in ERRORS])
def test_user_error_is_one_line_exit_2(runs, name, fragments):
    r = runs[name]
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_debug_shows_the_traceback(runs):
    r = runs["debug_traceback"]
    assert r.returncode not in (0, 2)
    assert "Traceback (most recent call last)" in r.stderr
    assert "DataError: the target column 'left' is not in the data" in r.stderr


# ---------------------------------------------------------------- the workflow's numbers
def _sklearn_reference(df: pd.DataFrame, C=1.0, standardize=True):
    """Encode independently of logistic (get_dummies + ddof=0 scaling) and fit sklearn."""
    X = pd.get_dummies(df.drop(columns=["churned"]), columns=["plan"], drop_first=True,
                       prefix_sep="=", dtype=float)
    if standardize:
        X[NUMERIC] = (X[NUMERIC] - X[NUMERIC].mean()) / X[NUMERIC].std(ddof=0)
    y = (df["churned"] == "yes").to_numpy().astype(int)
    sk = SkLogisticRegression(C=np.inf if C is None else C, tol=1e-12, max_iter=10_000,
                              solver="newton-cholesky").fit(X.to_numpy(), y)
    z = sk.decision_function(X.to_numpy())
    w = sk.coef_.ravel()
    obj = np.sum(np.logaddexp(0, -(2 * y - 1) * z)) + (0 if C is None else w @ w / (2 * C))
    return X, y, sk, z, obj


def test_fit_matches_sklearn_on_the_encoded_csv(runs):
    doc = json.loads((runs["dir"] / "model.json").read_text())
    X, y, sk, z, obj = _sklearn_reference(pd.read_csv(CHURN))
    ours = dict(zip(doc["feature_names_in"], doc["coef"][0], strict=True))
    theirs = dict(zip(X.columns, sk.coef_.ravel(), strict=True))
    assert set(ours) == set(theirs)
    for k in ours:
        assert ours[k] == pytest.approx(theirs[k], rel=1e-6, abs=1e-9)
    assert doc["intercept"][0] == pytest.approx(sk.intercept_[0], rel=1e-6)
    assert (doc["fit"]["objective"] - obj) / obj < 1e-8
    assert doc["classes"] == {"dtype": "object", "values": ["no", "yes"]}
    assert runs["fit"].stdout.startswith("fit 240 rows x 5 features (newton")


def test_evaluate_metrics_equal_sklearn(runs):
    r = runs["evaluate_json"]
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    X, y, sk, z, obj = _sklearn_reference(pd.read_csv(CHURN))
    pred = (z > 0).astype(int)
    assert got["positive_class"] == "yes" and got["n"] == 240
    assert got["accuracy"] == metrics.accuracy_score(y, pred)
    assert got["precision"] == metrics.precision_score(y, pred)
    assert got["recall"] == metrics.recall_score(y, pred)
    assert got["F1"] == pytest.approx(metrics.f1_score(y, pred), abs=1e-12)
    assert got["ROC-AUC"] == pytest.approx(metrics.roc_auc_score(y, z), abs=1e-12)
    assert got["log-loss"] == pytest.approx(metrics.log_loss(y, sk.predict_proba(X.to_numpy())),
                                            rel=1e-8)
    table = _invoke("evaluate", runs["dir"] / "model.json", CHURN).stdout
    assert f"{got['accuracy']:.4f}" in table and f"{got['ROC-AUC']:.4f}" in table


def test_predict_writes_exact_probabilities(runs):
    assert runs["predict_out"].returncode == 0, runs["predict_out"].stderr
    pred = pd.read_csv(runs["dir"] / "pred.csv", dtype=str)
    for col in ("proba_no", "proba_yes"):  # Python's float() reads the repr back exactly
        pred[col] = [float(v) for v in pred[col]]
    assert list(pred.columns) == ["prediction", "proba_no", "proba_yes"]
    X, y, sk, z, obj = _sklearn_reference(pd.read_csv(CHURN))
    assert np.array_equal(pred["prediction"].to_numpy() == "yes", z > 0)
    np.testing.assert_allclose(pred["proba_yes"], sk.predict_proba(X.to_numpy())[:, 1],
                               rtol=1e-7)
    # what the file holds is exactly what the library computes from the saved model
    import logistic.files.model_file

    model = logistic.files.model_file.load_tabular(runs["dir"] / "model.json")
    assert np.array_equal(pred[["proba_no", "proba_yes"]].to_numpy(),
                          model.predict_proba(pd.read_csv(CHURN)))


# ----------------------------------------------- more of the workflow, in-process (fast)
def _invoke(*args, code=0):
    """Run a command in this process with typer's CliRunner (no interpreter start-up)."""
    from typer.testing import CliRunner

    from logistic.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def test_predict_on_parquet_to_stdout_with_a_threshold(runs):
    r = _invoke("predict", runs["dir"] / "model.json", runs["files"]["parquet"],
                "--threshold", "0.3")
    lines = r.stdout.splitlines()
    assert lines[0] == "prediction" and len(lines) == 241
    X, y, sk, z, obj = _sklearn_reference(pd.read_csv(CHURN))
    p = sk.predict_proba(X.to_numpy())[:, 1]
    assert np.array_equal(np.array(lines[1:]) == "yes", p > 0.3)
    assert (p > 0.3).sum() > (z > 0).sum()  # the lower threshold really moved predictions


def test_drop_missing_fits_the_remaining_rows(runs):
    r = _invoke("fit", runs["files"]["gaps.csv"], "--target", "churned", "--penalty", "none",
                "--drop-missing", "--out", runs["dir"] / "dropped.json")
    assert "note: left out 2 rows with missing values." in r.stderr
    doc = json.loads((runs["dir"] / "dropped.json").read_text())
    df = pd.read_csv(CHURN).drop(index=[2, 9])
    X, y, sk, z, obj = _sklearn_reference(df, C=None, standardize=False)
    ours = pd.Series(doc["coef"][0], index=doc["feature_names_in"])[X.columns]
    np.testing.assert_allclose(ours, sk.coef_.ravel(), rtol=1e-6)
    assert (doc["fit"]["objective"] - obj) / obj < 1e-8


def test_semicolon_file_gives_the_same_model(runs):
    _invoke("fit", runs["files"]["semicolon.csv"], "--target", "churned", "--standardize",
            "--out", runs["dir"] / "semi.json")
    semi = json.loads((runs["dir"] / "semi.json").read_text())
    doc = json.loads((runs["dir"] / "model.json").read_text())
    assert semi["coef"] == doc["coef"] and semi["intercept"] == doc["intercept"]


def test_summary_lists_every_coefficient(runs):
    r = _invoke("summary", runs["dir"] / "model.json")
    doc = json.loads((runs["dir"] / "model.json").read_text())
    assert "plan: one-hot, reference category 'basic'" in r.stdout
    # the file carries the fit's inference numbers (issue #17): the full table, p-values
    assert "std err" in r.stdout and "P>|z|" in r.stdout
    for name, w in zip(doc["feature_names_in"], doc["coef"][0], strict=True):
        row = next(line for line in r.stdout.splitlines() if line.startswith(f"{name} "))
        assert f"{w:.4f}" in row


def test_solver_warnings_are_one_line_each(runs):
    r = _invoke("fit", CHURN, "--target", "churned", "--solver", "gd", "--max-iter", "3",
                "--out", runs["dir"] / "gd.json")
    warnings_shown = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warnings_shown) == 1 and "'gd' did not converge" in warnings_shown[0]
    doc = json.loads((runs["dir"] / "gd.json").read_text())
    assert doc["fit"] == {**doc["fit"], "solver": "gd", "converged": False, "n_iter": [3]}


def test_every_command_shows_warnings_as_one_line_each(capsys):
    """`logistic summary` of an unconverged model printed Python's raw UserWarning (its
    file path and source line); every command now shows warnings as `warning:` lines,
    before the error line when an error follows."""
    import warnings

    import typer

    from logistic.cli._errors import UserError, user_errors

    @user_errors
    def command(fail: bool = False):
        warnings.warn("first\nsecond", UserWarning, stacklevel=1)
        if fail:
            raise UserError("it failed")

    command()
    assert capsys.readouterr().err == "warning: first second\n"
    with pytest.raises(typer.Exit):
        command(fail=True)
    assert capsys.readouterr().err == "warning: first second\nerror: it failed\n"


def test_summary_of_a_model_fit_on_arrays(tmp_path):
    """`logistic summary` refused every model saved after a fit on NumPy arrays ("no
    feature names, so it cannot be applied to a table"), though it applies nothing to a
    table: it now prints the model with the estimator's own names (x1, x2, ...)."""
    import logistic

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = (X[:, 0] + 0.3 * rng.standard_normal(200) > 0).astype(int)
    path = tmp_path / "arrays.json"
    model = logistic.LogisticRegression().fit(X, y)
    logistic.save(model, path)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"}
    r = subprocess.run([sys.executable, "-m", "logistic", "summary", str(path)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "target fit on arrays" in r.stdout
    se = model.summary().bse
    for name in se.index:
        assert name in r.stdout
    assert f"{se.iloc[1]:.3f}" in r.stdout


def test_fit_reaches_no_intercept_and_one_vs_rest(tmp_path):
    """`fit_intercept=False` and `multi_class='ovr'` were fit in the library but had no
    CLI option; `--no-intercept` and `--multi-class ovr` reach them, and the model equals
    scikit-learn's one-vs-rest fit of the same columns."""
    from sklearn.multiclass import OneVsRestClassifier

    import logistic

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 3))
    y = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)]
    data = tmp_path / "three.csv"
    pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "x3": X[:, 2], "y": y}).to_csv(data, index=False)
    out = tmp_path / "ovr.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "logistic", "fit", str(data), "-t", "y", "-o",
                        str(out), "--multi-class", "ovr", "--no-intercept"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    model = logistic.load(out)
    assert model.multi_class == "ovr" and not model.fit_intercept
    ref = OneVsRestClassifier(SkLogisticRegression(fit_intercept=False, tol=1e-12)).fit(X, y)
    want = np.vstack([e.coef_ for e in ref.estimators_])
    np.testing.assert_allclose(model.coef_, want, rtol=1e-6, atol=1e-7)
    bad = subprocess.run([sys.executable, "-m", "logistic", "fit", str(data), "-t", "y", "-o",
                          str(out), "--multi-class", "foo"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: --multi-class must")

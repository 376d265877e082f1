"""The CLI does what the library does (issue #18 item 2): every kind of model through
fit → summary → evaluate → predict, on CSV, gzip CSV and Parquet; the error catalogue."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from logistic.cli import app


def _invoke(*args, code=0, input=None):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    n = 240
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n) * 100,
                       "plan": rng.choice(["basic", "pro", "team"], n)})
    z = df.x1 - df.x2 / 100 + (df.plan == "pro")
    df["churned"] = np.where(z + rng.logistic(size=n) > 0, "yes", "no")
    df["tier"] = np.array(["bronze", "gold", "silver"])[np.digitize(z + rng.logistic(size=n),
                                                                    [-1, 1])]
    files = {"csv": d / "t.csv", "gz": d / "t.csv.gz", "parquet": d / "t.parquet"}
    df.to_csv(files["csv"], index=False)
    df.to_csv(files["gz"], index=False, compression="gzip")
    df.to_parquet(files["parquet"])
    return d, files


KINDS = {
    "binary": ("churned", []),
    "3-class": ("tier", []),
    "l1": ("tier", ["--penalty", "l1", "--C", "0.5"]),
    "firth": ("churned", ["--penalty", "firth"]),
    "cv": ("tier", ["--cv", "3"]),
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("fmt", ["csv", "gz", "parquet"])
def test_fit_summary_evaluate_predict(tables, kind, fmt):
    d, files = tables
    target, extra = KINDS[kind]
    other = "tier" if target == "churned" else "churned"
    data = files[fmt]
    model = d / f"{kind}-{fmt}.json"
    features = "x1,x2,plan"
    r = _invoke("fit", data, "--target", target, "--features", features, "--out", model,
                *extra)
    assert "wrote" in r.stdout and "np." not in r.stdout
    s = _invoke("summary", model).stdout
    if kind in ("binary", "firth", "3-class", "cv"):
        assert "P>|z|" in s and "std err" in s  # inference travels in the file
    else:
        assert "no standard errors" in s and "coefficients of class" in s
    e = json.loads(_invoke("evaluate", model, data, "--json", "--ignore-extra").stdout)
    assert e["accuracy"] > 0.5 and e["n"] == 240
    p = _invoke("predict", model, data, "--proba", "--ignore-extra").stdout
    frame = pd.read_csv(pd.io.common.StringIO(p))
    n_classes = 2 if target == "churned" else 3
    assert len(frame) == 240 and frame.shape[1] == 1 + n_classes
    assert other not in frame.columns
    html = d / f"{kind}-{fmt}.html"
    _invoke("report", data, "--model", model, "--target", target, "--out", html,
            "--ignore-extra")
    page = html.read_text()
    assert "Coefficients" in page and ("held-out" not in page)
    if kind in ("binary", "firth"):
        assert "std. error" in page and "p-value" in page


def test_stdin_stdout_and_version(tables):
    d, files = tables
    text = files["csv"].read_text()
    r = _invoke("fit", "-", "--target", "churned", "--features", "x1,x2", "--out", "-",
                input=text)
    doc = json.loads(r.stdout)
    assert doc["format"] == "logistic-model"
    assert _invoke("--version").stdout.startswith("logistic ")


@pytest.mark.parametrize(("args", "message"), [
    (["--penalty", "lasso"], "--penalty must be"),
    (["--C", "-1"], "--C must be a positive"),
    (["--C", "nan"], "--C must be a positive"),
    (["--penalty", "elasticnet"], "needs --l1-ratio"),
    (["--l1-ratio", "2"], "--l1-ratio must be in"),
    (["--class-weight", "heavy"], "--class-weight must be"),
])
def test_fit_refuses_bad_options_in_one_line(tables, args, message):
    d, files = tables
    r = _invoke("fit", files["csv"], "--target", "churned", "--out", d / "bad.json", *args,
                code=2)
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_out_equal_to_input_and_duplicated_names_are_refused(tables, tmp_path):
    d, files = tables
    r = _invoke("fit", files["csv"], "--target", "churned", "--out", files["csv"], code=2)
    assert "refusing to overwrite" in r.stderr
    (tmp_path / "dup.csv").write_text("a,a,y\n1,2,0\n2,3,1\n3,1,0\n")
    r = _invoke("fit", tmp_path / "dup.csv", "--target", "y", "--out", tmp_path / "m.json",
                code=2)
    assert "appears more than once" in r.stderr
    pd.DataFrame({"a": [[1, 2], [3]], "y": [0, 1]}).to_parquet(tmp_path / "nested.parquet")
    r = _invoke("fit", tmp_path / "nested.parquet", "--target", "y", "--out",
                tmp_path / "m.json", code=2)
    assert "lists or structs" in r.stderr


def test_usage_errors_are_one_line_from_the_console_script():
    proc = subprocess.run([sys.executable, "-c", "from logistic.cli import main; main()",
                           "fit", "--bogus"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_C_inf_fits_and_writes_a_readable_file(tables):
    d, files = tables
    out = d / "inf.json"
    _invoke("fit", files["csv"], "--target", "churned", "--features", "x1,x2", "--C", "inf",
            "--out", out)
    doc = json.loads(out.read_text())
    assert doc["params"]["C"] == "inf" and doc["fit"]["penalty"] is None
    assert "Logit (MLE)" in _invoke("summary", out).stdout


def test_no_command_overwrites_its_inputs_or_writes_to_a_folder(tables, tmp_path):
    """Audit: predict and report wrote over the data (or the model) named by --out."""
    d, files = tables
    data = tmp_path / "t.csv"
    data.write_text(files["csv"].read_text())
    model = tmp_path / "m.json"
    _invoke("fit", data, "--target", "churned", "--features", "x1,x2", "--out", model)
    before = (data.read_text(), model.read_text())
    for args in (["predict", model, data, "--out", data], ["predict", model, data, "--out", model],
                 ["report", data, "--target", "churned", "--out", data],
                 ["report", data, "--model", model, "--target", "churned", "--out", model,
                  "--ignore-extra"]):
        r = _invoke(*args, code=2)
        assert "refusing to overwrite" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (data.read_text(), model.read_text()) == before
    r = _invoke("fit", data, "--target", "churned", "--out", tmp_path, code=2)
    assert "is a folder" in r.stderr

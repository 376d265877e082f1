"""A model on a pipe: ``logistic fit --out - | logistic summary -`` (and predict,
evaluate), read once from standard input; model and data cannot both be ``-``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT / "examples" / "churn.csv"


def _run(args, stdin: str = ""):
    env = {k: v for k, v in os.environ.items() if k != "LOGISTIC_DEBUG"}
    env["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run([sys.executable, "-m", "logistic", *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def model_text():
    r = _run(["fit", str(CHURN), "-t", "churned", "--out", "-"])
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_summary_predict_evaluate_read_the_model_from_stdin(model_text, tmp_path):
    (tmp_path / "m.json").write_text(model_text)
    from_file = _run(["summary", str(tmp_path / "m.json")])
    piped = _run(["summary", "-"], model_text)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == from_file.stdout and "target 'churned'" in piped.stdout
    predicted = _run(["predict", "-", str(CHURN)], model_text)
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout == _run(["predict", str(tmp_path / "m.json"), str(CHURN)]).stdout
    scored = _run(["evaluate", "-", str(CHURN), "--json"], model_text)
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["n"] == 240


@pytest.mark.parametrize("args,stdin,fragment", [
    (["predict", "-", "-"], "", "cannot both come from standard input"),
    (["evaluate", "-", "-"], "", "cannot both come from standard input"),
    (["summary", "-"], "", "-: the model file is empty"),
    (["summary", "-"], "{", "-: the model file is truncated"),
])
def test_stdin_mistakes_are_one_line(args, stdin, fragment):
    r = _run(args, stdin)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and fragment in r.stderr, r.stderr

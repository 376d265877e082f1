"""One-line messages the eighth audit asked for, through the real CLI, and the
near-duplicate-label warning of the library."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from logistic.files.tabular import target_labels

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT / "examples" / "churn.csv"


def _run(*args):
    env = {k: v for k, v in os.environ.items() if k != "LOGISTIC_DEBUG"}
    env["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run([sys.executable, "-m", "logistic", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_output_folder_missing_and_long_separator_are_one_line(tmp_path):
    model = tmp_path / "m.json"
    assert _run("fit", str(CHURN), "-t", "churned", "-o", str(model)).returncode == 0
    for args, fragment in [
        (("predict", str(model), str(CHURN), "--out", str(tmp_path / "no" / "p.csv")),
         "the folder"),  # it was "[Errno 2] No such file or directory"
        (("fit", str(CHURN), "-t", "churned", "--sep", "ab", "-o", str(model)),
         "--sep must be one character (got 'ab'"),  # a pandas warning line came first
    ]:
        r = _run(*args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and fragment in r.stderr, r.stderr


def test_report_takes_t_for_target(tmp_path):
    r = _run("report", str(CHURN), "-t", "churned", "--out", str(tmp_path / "r.html"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_labels_differing_only_in_case_warn():
    col = pd.Series(["yes", "Yes", "no", "yes ", "no", "No"] * 3, name="y")
    pattern = r"differ only in case or spaces \('No', 'no'; 'Yes', 'yes', 'yes '\)"
    with pytest.warns(UserWarning, match=pattern):
        labels = target_labels(col, "y")
    assert sorted(set(labels)) == ["No", "Yes", "no", "yes", "yes "]  # still distinct classes

"""``logistic fit``'s progress report (issue #18): plain lines when stderr is no terminal.

Through :class:`typer.testing.CliRunner`, whose stderr is not a terminal; the 1 s delay
and the 2 s throttle are module constants of :mod:`logistic.cli.files`, set to 0 here
so that a fit of a few milliseconds reports every iteration.
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from logistic import LogisticRegression
from logistic.cli import app
from logistic.cli import files as cli_files
from logistic.models.progress import reporting

CHURN = Path(__file__).resolve().parents[1] / "examples" / "churn.csv"
LINE = re.compile(r"^fit: iteration (\d+), objective (\S+), \|grad\| (\S+)$")


def _fit(tmp_path, *extra):
    out = tmp_path / "model.json"
    result = CliRunner().invoke(app, ["fit", str(CHURN), "--target", "churned", "--out",
                                      str(out), *extra])
    assert result.exit_code == 0, result.output
    return result, out


def _progress_lines(stderr: str) -> list[tuple[int, float, float]]:
    rows = []
    for line in stderr.splitlines():
        if line.startswith("fit: iteration"):
            m = LINE.match(line)
            assert m, line
            rows.append((int(m[1]), float(m[2]), float(m[3])))
    return rows


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
def test_plain_lines_once_past_the_delay(tmp_path, monkeypatch, solver):
    monkeypatch.setattr(cli_files, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(cli_files, "PROGRESS_EVERY_S", 0.0)
    result, out = _fit(tmp_path, "--standardize", "--solver", solver)
    rows = _progress_lines(result.stderr)
    assert len(rows) >= 3, result.stderr
    its = [r[0] for r in rows]
    assert its == sorted(set(its)) and its[0] >= 1
    objectives = np.array([r[1] for r in rows])
    assert np.all(np.isfinite(objectives)) and all(math.isfinite(r[2]) and r[2] >= 0
                                                   for r in rows)
    assert np.all(np.diff(objectives) <= 1e-9 * abs(objectives[0]))  # both solvers descend
    # the last line is the returned fit's: its iteration count and objective
    summary = re.search(r"\((\w[\w-]*), (\d+) iterations, .*objective (\S+)\);", result.stdout)
    assert summary and summary[1] == solver
    assert its[-1] == int(summary[2])
    assert objectives[-1] == pytest.approx(float(summary[3]), rel=1e-9)
    # the model file keeps the user's verbose=0
    assert json.loads(out.read_text())["params"]["verbose"] == 0


def test_lines_throttled(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_files, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(cli_files, "PROGRESS_EVERY_S", 3600.0)
    result, _ = _fit(tmp_path, "--standardize", "--solver", "lbfgs")
    assert len(_progress_lines(result.stderr)) == 1  # the first one, then none for an hour


def test_no_lines_for_a_short_fit(tmp_path):
    assert cli_files.PROGRESS_AFTER_S == 1.0
    result, _ = _fit(tmp_path)
    assert "fit: iteration" not in result.stderr
    assert "iteration" not in result.stderr


def test_verbose_prints_its_own_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_files, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(cli_files, "PROGRESS_EVERY_S", 0.0)
    result, _ = _fit(tmp_path, "--verbose")
    assert "fit: iteration" not in result.stderr
    iters = re.findall(r"^\s+iter\s+(\d+)\s+objective", result.stderr, flags=re.M)
    assert len(iters) >= 2 and [int(i) for i in iters] == sorted(int(i) for i in iters)


def test_reporter_hook_in_the_library(capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = (X[:, 0] + rng.logistic(size=200) > 0).astype(int)
    calls = []
    with reporting(lambda *args: calls.append(args)):
        LogisticRegression().fit(X, y)  # verbose=0: no callback, no report
        assert calls == []
        est = LogisticRegression(verbose=1, solver="lbfgs").fit(X, y)
    assert capsys.readouterr().err == ""  # the reporter replaced the printer
    assert [c[0] for c in calls] == list(range(1, est.n_iter_[0] + 1))
    assert calls[-1][1] == pytest.approx(est.objective_, rel=1e-12)
    LogisticRegression(verbose=1).fit(X, y)  # outside: the printer again
    assert "iter" in capsys.readouterr().err


def test_terminal_display_starts_and_stops(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(cli_files, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(sys, "stderr", Tty())
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    progress = cli_files._FitProgress(console, "240 rows of churn.csv")
    progress.timer.join()
    progress(3, 126.5, 1.5e-3)
    progress.close()
    assert sys.stderr.getvalue() == ""  # no plain lines on a terminal
    assert not progress.live.live.is_started

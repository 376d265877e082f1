"""benchmarks/dask_suite.py --quick runs end to end (numbers are not timed here)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import dask_suite  # noqa: E402


def test_quick_dask_suite_prints_our_row_and_the_throughput():
    out = io.StringIO()
    dask_suite.main(["--quick", "--no-spark", "--no-dask-ml", "--no-parquet"], out=out)
    text = out.getvalue()
    rows = [line for line in text.splitlines()
            if line.startswith(("logistic default+summary()", "logistic inference=False"))]
    assert len(rows) == 2  # our default fit with its summary(), and the fit alone
    for row in rows:
        assert float(row.split()[3]) <= 1e-8  # the relative gap column
        assert "passes=" in row and "round trips=" in row
    assert "dask-ml computes no standard errors" in text
    assert "of its throughput" in text

"""The benchmark harness runs end to end on tiny workloads (numbers are not timed here)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402
from workloads import WORKLOADS, make_workload  # noqa: E402


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_tiny_workload_table(name):
    out = io.StringIO()
    lines = run.run_workload(name, "tiny", repeats=1, slow=1.0, quick=True,
                             peers_filter=["lbfgs tol"], out=out)
    rows = {line.split("|")[2].strip(): line for line in lines[2:]}
    assert set(rows) == {"logistic (default)", "sklearn lbfgs tol=0.0001"}
    gap = float(rows["logistic (default)"].split("|")[5])
    assert 0.0 <= gap <= 1e-8  # ours reaches the reference objective


def test_workloads_have_the_issue_shapes():
    """Full-size shapes as the speed issue names them (built lazily, checked on tiny size)."""
    X, y, C, desc = make_workload("sparse", "tiny")
    assert X.format == "csr" and C == 10.0
    row_norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(row_norms[row_norms > 0], 1.0, rtol=1e-12)
    X32, *_ = make_workload("float32", "tiny")
    assert X32.dtype == np.float32


@pytest.mark.parametrize("member", ["dense-300kx80", "zipf1.1-nnz60-C1", "mn-l1-100x17x3-unscaled"])
def test_family_member_row(member):
    """benchmarks/families.py on a tiny member of three families: ours reaches the best
    objective any run reached, and the row carries a ratio and our extra memory."""
    import families
    from family_data import FAMILIES

    m = next(x for fam in FAMILIES.values() for x in fam if x.name == member)
    row = families.run_member(m, "tiny", repeats=1, slow=1.0, quick=True, log=lambda s: None)
    assert 0.0 <= row["ours_gap"] <= 1e-8
    assert row["ratio"] > 0 and row["mem"] < row["budget"]
    assert families.format_row(row).startswith(f"| {m.family} | {member} (")

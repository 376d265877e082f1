"""benchmarks/stream.py runs end to end on a tiny stream (numbers not timed here)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import stream  # noqa: E402


def test_stream_benchmark_on_a_tiny_stream():
    lines = stream.main(["--rows", "10000", "--passes", "3", "--no-river", "--no-vw"])
    rows = {line[:44].strip(): line[44:].split() for line in lines[3:-1]}
    one, three = rows["logistic partial_fit, 1 pass(es)"], rows["logistic partial_fit, 3 pass(es)"]
    assert abs(float(one[2].rstrip("%"))) <= 0.5  # held-out log-loss vs the batch optimum
    assert float(three[3]) <= 1e-6  # training objective's relative gap after three passes
    assert "sklearn SGDClassifier, 1 pass(es)" in rows

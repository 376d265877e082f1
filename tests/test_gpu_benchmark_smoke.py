"""benchmarks/gpu.py runs end to end on tiny sizes (on the CPU without a GPU; not timed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import gpu  # noqa: E402


def test_quick_gpu_benchmark_table():
    lines: list[str] = []
    rows, f_ref, bandwidth = gpu.benchmark(3000, 8, torch.device("cpu"), repeats=1,
                                           sklearn=True, out=lines.append)
    names = [r[0] for r in rows]
    assert names[:2] == ["logistic (default)", "torch.optim.LBFGS (strong Wolfe)"]
    assert "sklearn newton-cholesky (CPU)" in names and bandwidth > 0
    ours, lbfgs = rows[0], rows[1]
    assert 0.0 <= (ours[4] - f_ref) / abs(f_ref) <= 1e-8  # ours reaches the reference
    assert ours[3] >= 2 and lbfgs[3] >= 2  # passes counted (LBFGS's time: None if it
    # never reached 1e-8, as float32 rounding can stop it)
    # the objective the table scores with is scikit-learn's (checked against sklearn's fit)
    from sklearn.linear_model import LogisticRegression as SkLR

    X, y = gpu.make_data(3000, 8, torch.device("cpu"))
    sk = SkLR(C=1.0, tol=1e-12, max_iter=1000).fit(X.double().numpy(), y.numpy())
    assert abs(gpu.objective(X.double(), y, sk.coef_, sk.intercept_) - f_ref) <= 1e-6 * f_ref
    assert lines[0].startswith("\n3000×8 float32 on CPU") and len(lines) == 2 + len(rows)

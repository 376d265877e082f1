"""Cost of one pass over X (loss + gradient) and of a default fit, by block size and threads.

    python benchmarks/passes.py dense tall

Used to choose ``BLOCK_BYTES`` and the block thread pool; run it on a quiet machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workloads import make_workload  # noqa: E402

import logistic.data.memory as memory  # noqa: E402
from logistic import LogisticRegression  # noqa: E402
from logistic.data import make_backend  # noqa: E402
from logistic.problems.binary import LogisticProblem  # noqa: E402


def best_time(f, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(X, y, C, block_mb: int, jobs: int) -> tuple[float, float]:
    """(seconds per loss+gradient pass with ``jobs`` block threads, seconds per default fit)."""
    memory.BLOCK_BYTES = block_mb << 20
    problem = LogisticProblem(
        make_backend(X, y.astype(float), None, n_jobs=jobs), alpha=1 / C, fit_intercept=True
    )
    theta = np.full(problem.n_params, 0.01)
    t_pass = best_time(lambda: problem.loss_grad(theta))
    t_fit = best_time(lambda: LogisticRegression(C=C, random_state=0).fit(X, y), 3)
    return t_pass, t_fit


def main() -> None:
    for name in sys.argv[1:] or ["dense", "tall"]:
        X, y, C, desc = make_workload(name)
        print(desc)
        w = np.full(X.shape[1], 0.01)
        print(f"  bare X@w + X.T@y: {best_time(lambda X=X, y=y, w=w: (X @ w, X.T @ y)):.4f}s")
        for block_mb in (1, 2, 4, 8, 16):
            for jobs in (1, 2):
                t_pass, t_fit = measure(X, y, C, block_mb, jobs)
                print(f"  block {block_mb:2d} MB, {jobs} thread(s): "
                      f"pass {t_pass:.4f}s  fit {t_fit:.3f}s")


if __name__ == "__main__":
    main()

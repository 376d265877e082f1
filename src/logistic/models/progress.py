"""Per-iteration progress for ``verbose=1``: one rich line per iteration on stderr."""

from __future__ import annotations

import time

from rich.console import Console

from ..math.stable import norm2

__all__ = ["progress_callback"]


def progress_callback(problem, solver: str):
    """A solver callback printing iteration, objective, gradient norm and elapsed time.

    Values are shown in scikit-learn's units (``problem.user_objective``).
    """
    console = Console(stderr=True, highlight=False)
    t0 = time.perf_counter()
    console.print(f"[bold]{solver}[/]: {problem.n_params} parameters")

    def callback(it, theta, f, g):
        console.print(
            f"  iter {it:5d}  objective {problem.user_objective(f):.10g}  "
            f"|grad| {norm2(g) / problem.scale:.3e}  "
            f"{time.perf_counter() - t0:7.2f}s"
        )
        return False

    return callback

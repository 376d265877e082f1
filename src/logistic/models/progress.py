"""Per-iteration progress: the ``verbose=1`` printer, and a hook for a live display.

``verbose=1`` prints one rich line per iteration on stderr. Inside
:func:`reporting`, a fit with ``verbose >= 1`` instead calls the installed reporter
once per iteration with ``(iteration, objective, grad_norm)`` and prints nothing (the
command line's ``fit`` drives its progress display this way). A fit with
``verbose=0`` gets no callback at all, reporter or not: its solver runs exactly as
without this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

from ..math.stable import norm2

__all__ = ["progress_callback", "reporting", "Reporter"]

#: ``reporter(iteration, objective, grad_norm)``, in scikit-learn's units (as the
#: verbose printer's ``objective`` and ``|grad|``).
Reporter = Callable[[int, float, float], None]

_reporters: list[Reporter] = []  # a stack: the innermost ``reporting`` wins


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Send the per-iteration progress of the fits run inside to ``reporter``.

    Only fits with ``verbose >= 1`` report (their printer is replaced by the reporter);
    the reporter's return value is ignored, and it cannot stop the fit.
    """
    _reporters.append(reporter)
    try:
        yield reporter
    finally:
        _reporters.remove(reporter)


def progress_callback(problem, solver: str):
    """A solver callback printing iteration, objective, gradient norm and elapsed time.

    Values are shown in scikit-learn's units (``problem.user_objective``). Inside
    :func:`reporting` the callback passes them to the reporter instead.
    """
    if _reporters:
        return _reporting_callback(problem, _reporters[-1])
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


def _reporting_callback(problem, reporter: Reporter):
    def callback(it, theta, f, g):
        reporter(int(it), float(problem.user_objective(f)), float(norm2(g) / problem.scale))
        return False

    return callback

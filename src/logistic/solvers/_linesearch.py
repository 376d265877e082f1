"""Backtracking (Armijo) line search, shared by the Newton-type and quasi-Newton solvers.

Take the largest :math:`t \\in \\{t_0, t_0/2, t_0/4, \\dots\\}` with

.. math:: f(\\theta + t p) \\le f(\\theta) + c\\, t\\, \\nabla f(\\theta)\\cdot p,
          \\qquad c = 10^{-4}.

Near the optimum the decrease :math:`t\\,g\\cdot p` drops below the rounding error of
:math:`f` itself; a slack of a few ulps of :math:`|f|` keeps the search from
rejecting steps that are as good as floating point can tell.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["backtrack", "objective_rtol", "ARMIJO_C"]

ARMIJO_C = 1e-4
_EPS = np.finfo(np.float64).eps


def backtrack(
    evaluate: Callable[[np.ndarray], tuple],
    theta: np.ndarray,
    f: float,
    g: np.ndarray,
    p: np.ndarray,
    *,
    t0: float = 1.0,
    max_halvings: int = 40,
    rtol: float = 8 * _EPS,
):
    """Armijo backtracking along ``p`` from ``theta``.

    Parameters
    ----------
    evaluate : ``theta -> (f, ...)``: the objective (and whatever else the caller
        needs at the accepted point, e.g. the gradient), one pass per call.
    theta, f, g : the current point, its objective and gradient.
    p : a descent direction (``g @ p < 0``).
    rtol : relative precision of ``f`` (the slack allowed in the test).

    Returns
    -------
    (t, theta_new, out) where ``out`` is ``evaluate(theta_new)``, or ``None`` if no
    step satisfied the condition (the caller should stop: no progress is possible).
    """
    slope = float(g @ p)
    slack = rtol * abs(f)
    t = t0
    for _ in range(max_halvings):
        theta_new = theta + t * p
        out = evaluate(theta_new)
        f_new = out[0] if isinstance(out, tuple) else out
        if np.isfinite(f_new) and f_new <= f + ARMIJO_C * t * slope + slack:
            return t, theta_new, out
        t *= 0.5
    return None


def objective_rtol(problem) -> float:
    """The relative precision of ``problem``'s objective (a few ulps unless it says otherwise)."""
    return float(getattr(problem, "objective_rtol", 8 * _EPS))

"""What every solver shares: its result, its per-iteration history, its stopping rule.

Stopping rule. Every solver estimates the objective gap :math:`f(\\theta) - f^*`
from its own model of the curvature and stops when that estimate is at most
``tol · |f(θ)|`` — a *relative* objective gap, the quantity our tests check against
tight references. With a direction :math:`p = -D\\,g`, where :math:`D` is the
solver's inverse-curvature model, the quadratic model predicts

.. math:: f(\\theta) - f^* \\approx \\tfrac12\\, g^\\top D\\, g = -\\tfrac12\\, g\\cdot p,

which is exact to second order for Newton (:math:`D = H^{-1}`, the Newton
decrement), close for Newton-CG and L-BFGS, and for gradient descent
(:math:`D = \\eta I`) the decrease the next step would bring.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..math.stable import norm2

__all__ = ["SolverResult", "History", "gap_estimate", "Callback"]

#: ``callback(iteration, theta, f, g)``; return True to stop early.
Callback = Callable[[int, np.ndarray, float, np.ndarray], bool | None]


def gap_estimate(g: np.ndarray, p: np.ndarray) -> float:
    """Predicted objective decrease :math:`-\\tfrac12 g\\cdot p` of a full step along ``p``."""
    gap = -0.5 * float(g @ p)
    return max(0.0, gap) if gap == gap else np.inf  # NaN (a NaN direction): no estimate


@dataclass
class History:
    """Per-iteration record: objective, gradient 2-norm, seconds since the start.

    Row 0 is the starting point; row k is after iteration k. The last row is always the
    returned point's (gradient descent returning an earlier, better iterate appends
    that iterate's row).
    """

    objective: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    norm: Callable[[np.ndarray], float] = field(default=norm2, repr=False)
    _t0: float = field(default_factory=time.perf_counter, repr=False)

    @classmethod
    def for_problem(cls, problem) -> History:
        """A history measuring gradients as ``problem`` says (``problem.gradient_norm``).

        A problem solved in transformed coordinates reports the norm of the gradient
        in the original ones, so histories compare across solvers.
        """
        return cls(norm=getattr(problem, "gradient_norm", norm2))

    def record(self, f: float, g: np.ndarray) -> None:
        self.objective.append(float(f))
        self.grad_norm.append(float(self.norm(g)))
        self.seconds.append(time.perf_counter() - self._t0)

    def as_dict(self) -> dict[str, np.ndarray]:
        return {
            "objective": np.asarray(self.objective),
            "grad_norm": np.asarray(self.grad_norm),
            "seconds": np.asarray(self.seconds),
        }


@dataclass
class SolverResult:
    """The outcome of a solver run.

    Attributes
    ----------
    theta : the final parameter vector (coefficients, then the intercept if any).
    objective : the objective at ``theta`` in the problem's units.
    n_iter : iterations taken.
    converged : whether the stopping rule was met (False: ``max_iter`` reached or the
        line search stalled before it).
    history : :class:`History` of the run.
    message : a short human-readable reason for stopping.
    """

    theta: np.ndarray
    objective: float
    n_iter: int
    converged: bool
    history: History
    message: str = ""


def notify(callback: Callback | None, it: int, theta, f, g) -> bool:
    """Call the user's callback; True means the user asked to stop."""
    return bool(callback(it, theta, f, g)) if callback is not None else False

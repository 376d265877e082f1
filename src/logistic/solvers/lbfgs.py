"""Limited-memory BFGS with a backtracking line search.

L-BFGS keeps the last ``m`` steps :math:`s_k = \\theta_{k+1}-\\theta_k` and gradient
changes :math:`y_k = g_{k+1}-g_k` and applies the implied inverse-Hessian
approximation :math:`D` to the gradient by the *two-loop recursion*
(Nocedal & Wright, Algorithm 7.4), starting from :math:`D_0 = \\gamma I` with
:math:`\\gamma = s\\cdot y / y\\cdot y` of the newest pair. Each iteration costs one
pass (loss and gradient at the trial point); the direction :math:`p = -Dg` is then
accepted with an Armijo backtracking search from :math:`t = 1`. Pairs with
:math:`s\\cdot y \\le 0` (impossible for an exactly evaluated convex objective, but
rounding happens) are skipped so that :math:`D` stays positive definite.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..math.stable import norm2
from ._base import Callback, History, SolverResult, gap_estimate, notify
from ._certify import newton_certificate
from ._linesearch import backtrack, objective_rtol

__all__ = ["lbfgs", "two_loop", "MODEL_SAFETY"]

#: The L-BFGS model's gap estimate can be optimistic by orders of magnitude on
#: ill-conditioned problems (measured: 1e2 on a wide problem with columns of scale
#: 1e3 and 1e-2), so it must fall this far below ``tol`` before the solver stops.
MODEL_SAFETY = 1e-2
#: Upper bound on the bytes the (s, y) pairs may occupy.
MEMORY_BYTES = 1 << 28


def two_loop(g: np.ndarray, pairs: deque) -> np.ndarray:
    """Return :math:`-D g` for the L-BFGS inverse-Hessian model of ``pairs`` [(s, y, ρ)]."""
    q = g.copy()
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * float(s @ q)
        q -= a * y
        alphas.append(a)
    s, y, _ = pairs[-1]
    yy = float(y @ y)
    if yy > 0:  # initial inverse-Hessian model γI, γ = s·y / y·y
        q *= float(s @ y) / yy
    for (s, y, rho), a in zip(pairs, reversed(alphas), strict=True):
        b = rho * float(y @ q)
        q += (a - b) * s
    return -q


def _preconditioner(pairs: deque):
    """``r ↦ D r``, the L-BFGS inverse-Hessian model (symmetric positive definite): CG
    preconditioned by it certifies in a few products what it already knows."""
    frozen = deque(pairs)  # the pairs as they are now (the solve must see one matrix)
    return lambda r: -two_loop(r, frozen)


def lbfgs(
    problem,
    theta0: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
    memory: int = 50,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``problem`` by L-BFGS from ``theta0``.

    Parameters
    ----------
    problem : has ``loss_grad(θ) -> (f, g)``.
    tol : stop when the model's gap estimate :math:`-\\tfrac12 g\\cdot p` is ≤
        ``MODEL_SAFETY·tol·|f|``, confirmed on two consecutive iterations (the model
        can be optimistic, most of all right after a curvature change), and then by
        the Newton decrement on exact curvature (:mod:`logistic.solvers._certify`;
        where that is above ``tol·|f|`` the run goes on from its Newton step).
    max_iter : maximum number of iterations.
    memory : number of (s, y) pairs kept.
    callback : ``callback(k, θ, f, g)`` after each iteration; True stops.
    """
    history = History.for_problem(problem)
    rtol = objective_rtol(problem)
    theta = np.array(theta0, dtype=np.float64)
    f, g = problem.loss_grad(theta)
    history.record(f, g)
    memory = max(5, min(memory, MEMORY_BYTES // (16 * problem.n_params)))
    pairs: deque = deque(maxlen=memory)
    small = 0
    for it in range(1, max_iter + 1):
        if pairs:
            p = two_loop(g, pairs)
        else:  # first step: steepest descent, at most unit length
            p = -g / max(1.0, norm2(g))
        if pairs and gap_estimate(g, p) <= MODEL_SAFETY * tol * abs(f):
            small += 1
            if small >= 2:  # the model says converged: the exact curvature must agree
                certificate = newton_certificate(problem, theta, g, _preconditioner(pairs))
                if certificate is None or certificate[0] <= tol * abs(f):
                    return SolverResult(theta, f, it - 1, True, history,
                                        "gap estimate below tol")
                small, p = 0, certificate[1]  # not there: go on by its Newton step
        else:
            small = 0
        step = backtrack(problem.loss_grad, theta, f, g, p, rtol=rtol)
        if step is None and pairs:  # a stale curvature model: restart from a fresh memory
            pairs.clear()
            p = -g / max(1.0, norm2(g))
            step = backtrack(problem.loss_grad, theta, f, g, p, rtol=rtol)
        certificate = None
        if step is None:  # stalled: converged if the exact curvature says so, else try
            # its Newton step (a gradient step too small to lower f proves nothing: one
            # stalled 1.7e-7 above the optimum on offset columns without an intercept)
            certificate = newton_certificate(problem, theta, g)  # (the pairs were cleared)
            if certificate is not None and certificate[0] > tol * abs(f):
                step = backtrack(problem.loss_grad, theta, f, g, certificate[1], rtol=rtol)
        if step is None:
            gap = gap_estimate(g, p) if certificate is None else certificate[0]
            converged = gap <= tol * abs(f)
            return SolverResult(theta, f, it - 1, converged, history, "line search stalled")
        _, theta_new, (f_new, g_new) = step
        s, y = theta_new - theta, g_new - g
        sy = float(s @ y)
        if sy > 1e-12 * float(norm2(s) * norm2(y)):
            pairs.append((s, y, 1.0 / sy))
        theta, f, g = theta_new, f_new, g_new
        history.record(f, g)
        if notify(callback, it, theta, f, g):
            return SolverResult(theta, f, it, False, history, "stopped by callback")
    return SolverResult(theta, f, max_iter, False, history, "max_iter reached")

"""Batch gradient descent — the tutorials' algorithm, kept as readable as they are.

Start from zero and repeat

.. math:: w \\leftarrow w - \\eta\\, \\nabla_w f, \\qquad b \\leftarrow b - \\eta\\, \\nabla_b f,

where :math:`f` is the mean cross-entropy plus the L2 penalty (so a learning rate
:math:`\\eta` means what it means in the tutorials: :math:`\\nabla f =
\\tfrac1n X^\\top(\\sigma(Xw+b) - y)` without weights or penalty).

``learning_rate="auto"`` chooses :math:`\\eta = 1/L`, where :math:`L` is the
Lipschitz constant of :math:`\\nabla f`. Because :math:`\\sigma'(z) \\le \\tfrac14`
with equality at :math:`z = 0`, the Hessian is largest at :math:`\\theta = 0`, so
:math:`L = \\lambda_{\\max}(\\nabla^2 f(0))`, estimated by a few power iterations
(and never above the trace bound). Should a step still fail to decrease :math:`f`
by :math:`\\tfrac12\\eta\\|g\\|^2`, :math:`\\eta` is halved (backtracking).

A fixed float learning rate is used as given, with no safety net — too large a rate
makes the loss oscillate or grow, which is worth seeing once (``history_`` shows every
step; the iterate with the lowest objective is the one returned, and then ``history_``
ends with one more row, that iterate's, so that its last row always describes the
returned point).

What ``converged`` means here. The decrease the next step would bring,
:math:`\\tfrac12\\eta\\|g\\|^2`, is a gradient-norm test, *not* an estimate of the
gap to the optimum: on a problem with curvature between :math:`\\mu` and :math:`L` the
gap can still be :math:`L/\\mu` times larger (on unscaled columns gradient descent
stopped "converged" after 24 steps 25% above the optimum). So once that test reads
``tol·|f|`` the Newton decrement on exact curvature must agree
(:class:`~logistic.solvers._certify.CertifiedStop`): ``converged_=True`` means the
gap itself is within ``tol``, as for the other solvers — which on ill-conditioned
data plain gradient descent seldom reaches in ``max_iter`` steps (then it says so).
Standardise the columns, or use a second-order solver when the answer matters;
``"gd"`` is here to be watched.
"""

from __future__ import annotations

import numpy as np

from ._base import Callback, History, SolverResult, notify
from ._certify import CertifiedStop

__all__ = ["gradient_descent", "lipschitz_constant"]


def lipschitz_constant(problem, max_power: int = 200) -> float:
    """Largest eigenvalue of :math:`\\nabla^2 f(0)`, by power iteration (≤ the trace bound).

    Stops when the eigen-residual :math:`\\|Hv - \\lambda v\\|` is below
    :math:`10^{-3}\\lambda` (a Rayleigh quotient that merely stops changing can sit
    far below :math:`\\lambda_{max}` when the start vector leans on another
    eigenvector).
    """
    upper = problem.curvature_bound()
    if problem.n_params == 1:
        return upper
    _, _, hessp = problem.loss_grad_hessp(np.zeros(problem.n_params))
    v = np.random.default_rng(0).standard_normal(problem.n_params)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(max_power):
        Hv = hessp(v)
        lam = float(v @ Hv)
        if np.linalg.norm(Hv - lam * v) <= 1e-3 * lam:
            break
        v = Hv / np.linalg.norm(Hv)
    return min(upper, 1.02 * lam) if lam > 0 else upper


def gradient_descent(
    problem,
    theta0: np.ndarray,
    *,
    learning_rate: float | str = "auto",
    tol: float = 1e-10,
    max_iter: int = 10_000,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``problem`` by batch gradient descent from ``theta0``.

    Parameters
    ----------
    problem : has ``loss_grad(θ) -> (f, g)`` (and ``curvature_bound``,
        ``loss_grad_hessp`` for ``learning_rate="auto"``).
    learning_rate : float η > 0, or ``"auto"`` (η = 1/L with backtracking).
    tol : stop when :math:`\\tfrac12\\eta\\|g\\|^2 \\le` ``tol·|f|`` and the Newton
        decrement (see above) is too.
    max_iter : maximum number of steps.
    callback : ``callback(k, θ, f, g)`` after each step; True stops.
    """
    auto = isinstance(learning_rate, str)
    eta = 1.0 / lipschitz_constant(problem) if auto else float(learning_rate)

    history = History.for_problem(problem)
    theta = np.array(theta0, dtype=np.float64)
    f, g = problem.loss_grad(theta)
    history.record(f, g)
    best = (f, theta, g)  # a too-large fixed rate can climb: the best iterate is returned

    def result(n_iter: int, converged: bool, message: str) -> SolverResult:
        f_best, theta_best, g_best = best
        if f_best < f:
            message += "; returned the best iterate, not the last"
            # one more row, so that history's last row describes the returned point
            history.record(f_best, g_best)
        return SolverResult(theta_best, f_best, n_iter, converged, history, message)

    stop = CertifiedStop(problem, tol)
    for it in range(1, max_iter + 1):
        if stop(theta, f, g, 0.5 * eta * float(g @ g), it):
            return result(it - 1, True, "next step's decrease and the Newton decrement below tol")
        theta_new = theta - eta * g  # the update of the tutorials
        f_new, g_new = problem.loss_grad(theta_new)
        while auto and not f_new <= f - 0.5 * eta * float(g @ g):
            eta *= 0.5  # backtracking: the step was too long
            if eta < 1e-300:
                return result(it - 1, False, "line search failed")
            theta_new = theta - eta * g
            f_new, g_new = problem.loss_grad(theta_new)
        if not np.isfinite(f_new):
            return result(it - 1, False, "diverged: learning rate too large")
        theta, f, g = theta_new, f_new, g_new
        if f < best[0]:
            best = (f, theta, g)
        history.record(f, g)
        if notify(callback, it, theta, f, g):
            return result(it, False, "stopped by callback")
    return result(max_iter, False, "max_iter reached")

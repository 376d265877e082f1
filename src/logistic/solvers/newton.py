"""Newton's method with a Cholesky solve and a backtracking line search.

For :math:`n \\gg d`: each iteration reads the data once to form the loss, the
gradient :math:`g` and the full Hessian :math:`H` (size ``n_params²``), then

1. solves :math:`H p = -g` by Cholesky (a tiny ridge is added if :math:`H` is
   singular, as for collinear features without a penalty);
2. estimates the gap by the Newton decrement :math:`\\tfrac12 \\lambda^2 =
   -\\tfrac12 g\\cdot p`; once it is below ``tol·|f|`` the full step is taken and the
   solver stops — the step after a converged decrement is exact to second order, so
   no further Hessian is needed;
3. otherwise takes the largest :math:`t\\in\\{1, ½, ¼, …\\}` with
   :math:`f(\\theta + tp) \\le f(\\theta) + 10^{-4}\\,t\\,g\\cdot p`.

Newton's method is invariant to linear rescaling of the features, so unscaled data
cost it nothing; it converges quadratically near the optimum (typically 5–8
iterations on a logistic regression).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la

from ._base import Callback, History, SolverResult, gap_estimate, notify
from ._linesearch import backtrack

__all__ = ["newton", "newton_direction"]


def newton_direction(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Solve :math:`H p = -g` by Cholesky; regularise minimally if H is not positive definite."""
    try:
        return -la.cho_solve(la.cho_factor(H, lower=True, check_finite=False), g)
    except la.LinAlgError:
        pass
    scale = max(float(np.max(np.abs(np.diag(H)))), np.finfo(float).tiny)
    tau = 1e-12 * scale
    eye = np.eye(H.shape[0])
    while tau < scale:  # Levenberg-style: the smallest ridge that makes H + τI factor
        try:
            return -la.cho_solve(la.cho_factor(H + tau * eye, lower=True), g)
        except la.LinAlgError:
            tau *= 100
    return -g / scale


def newton(
    problem,
    theta0: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``problem`` by Newton's method from ``theta0``.

    Parameters
    ----------
    problem : has ``loss(θ)`` and ``loss_grad_hess(θ) -> (f, g, H)``.
    theta0 : starting point, shape (n_params,).
    tol : stop when the Newton decrement estimate of the gap is ≤ ``tol·|f|``.
    max_iter : maximum number of Newton iterations.
    callback : ``callback(k, θ, f, g)`` after each iteration; True stops.

    Returns
    -------
    SolverResult
    """
    history = History()
    theta = np.array(theta0, dtype=np.float64)
    f, g, H = problem.loss_grad_hess(theta)
    history.record(f, g)
    for it in range(1, max_iter + 1):
        p = newton_direction(H, g)
        if gap_estimate(g, p) <= tol * abs(f):
            step = backtrack(problem.loss, theta, f, g, p)
            if step is not None:
                theta, f = step[1], step[2]
            history.record(f, g)  # gradient at the last factorised point
            return SolverResult(theta, f, it, True, history, "Newton decrement below tol")
        step = backtrack(problem.loss, theta, f, g, p)
        if step is None:
            return SolverResult(theta, f, it, False, history, "line search failed")
        theta = step[1]
        f, g, H = problem.loss_grad_hess(theta)
        history.record(f, g)
        if notify(callback, it, theta, f, g):
            return SolverResult(theta, f, it, False, history, "stopped by callback")
    return SolverResult(theta, f, max_iter, False, history, "max_iter reached")

"""Truncated Newton: conjugate gradients on Hessian-vector products, for large d.

Where forming the ``n_params²`` Hessian is too costly (many features, sparse data),
each outer iteration computes :math:`f, g` and keeps the per-sample Newton weights
(one pass), then solves :math:`H p = -g` approximately by conjugate gradients using
products :math:`Hv` (one pass each). The inner solve stops when

.. math:: \\|H p + g\\| \\le \\eta_k \\|g\\|, \\qquad \\eta_k = \\min(\\tfrac12, \\sqrt{\\|g\\|}),

(the Eisenstat–Walker forcing term that keeps the outer convergence superlinear).
The gap estimate :math:`G = -\\tfrac12 g\\cdot p` then predicts the gap *after* the
step as about :math:`G\\max(\\eta_k^2, G)` — an inexact solve leaves a fraction
:math:`\\eta_k^2` of the decrease, the quadratic model errs at second order — so the
solver takes that last step (checked by one loss-and-gradient evaluation, the
gradient recorded in the history) and stops without a
further gradient and CG solve once the prediction is below ``tol·|f|``.
With ``precondition=True`` CG is preconditioned by a Cholesky factor of the Hessian
at an earlier iterate, rebuilt only when CG slows down: one ``n·d²`` Gram product
then serves several outer iterations, each solved in a few exact products — for
dense, ill-conditioned problems of up to a few thousand parameters. (Problems in
standardised coordinates, :mod:`logistic.problems.standardized`, are already scaled; sparse
problems with many columns use plain CG.) A backtracking line search follows, as in
:mod:`logistic.solvers.newton`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..math.stable import norm2
from ._base import Callback, History, SolverResult, gap_estimate, notify
from ._linalg import cho_solve, ridge_cholesky
from ._linesearch import backtrack, objective_rtol

__all__ = ["newton_cg", "conjugate_gradient", "AFTER_STEP_SAFETY"]

#: Safety factor on the η² reduction an inexact Newton step brings (CG's residual
#: bound holds in the 2-norm, the gap in the Hessian norm).
AFTER_STEP_SAFETY = 100.0
#: A lagged Hessian preconditioner is rebuilt once CG needs more products than this.
REFRESH_AFTER = 10
#: The relative CG residual of the solve a stop is decided on where the first solve
#: stopped short of its target (``max_inner`` products, negative curvature from
#: rounding, or a forcing term √‖g‖ below what rounding lets CG reach, as when the
#: classes separate and ‖g‖ → 0): CG from zero reaches a decrement :math:`g\cdot p` below
#: :math:`g\cdot H^{-1}g`, and a solve cut short says nothing of by how much (an
#: ill-conditioned 1000×33, 8-class fit ran out of its products and stopped
#: "converged" at a relative gap of 3e-7).
FINAL_FORCING = 1e-6


def _stops(rel_gap: float, forcing: float, tol: float, last_gap: float | None) -> bool:
    """Whether the step from a model solved to relative residual ``forcing``, with
    decrement ``rel_gap``, leaves a gap below ``tol``: about rel_gap·max(η², rel_gap)
    (the inexact solve leaves η² of it, the quadratic model's error is of second
    order) — but no less than the contraction the last full step brought,
    rel_gap/``last_gap`` (the quadratic model's second-order term has a constant that
    badly scaled data make large: 1000×33, 8 classes, columns scaled 10^±2, stopped at
    a gap of 3.4e-8 where rel_gap² promised 4e-13) — or the decrement itself is below
    ``tol``."""
    ratio = rel_gap / last_gap if last_gap else 1.0
    after = rel_gap * max(AFTER_STEP_SAFETY * forcing**2, rel_gap, ratio)
    return after <= tol or rel_gap <= tol


def conjugate_gradient(
    hessp: Callable[[np.ndarray], np.ndarray],
    g: np.ndarray,
    *,
    rtol: float,
    max_iter: int,
    precond: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, int, bool]:
    """Approximately solve :math:`H p = -g` by (preconditioned) conjugate gradients.

    ``precond(r)`` applies :math:`M^{-1}` for a preconditioner :math:`M \\approx H`.
    Returns the direction, the number of Hessian products used and whether the
    relative residual reached ``rtol``. Stops there, after ``max_iter`` products, or
    on negative curvature (returning the iterate so far, or ``-g`` if there is none).
    """
    p = np.zeros_like(g)
    r = -g.copy()
    z = precond(r) if precond is not None else r
    d = z.copy()
    rz = float(r @ z)
    target = rtol * norm2(g)
    for k in range(1, max_iter + 1):
        Hd = hessp(d)
        curv = float(d @ Hd)
        if curv <= 0:
            return (p if k > 1 else -g), k, False
        a = rz / curv
        p += a * d
        r -= a * Hd
        if norm2(r) <= target:
            return p, k, True
        z = precond(r) if precond is not None else r
        rz_new = float(r @ z)
        d = z + (rz_new / rz) * d
        rz = rz_new
    return p, max_iter, False


def lagged_hessian_preconditioner(problem, theta) -> Callable[[np.ndarray], np.ndarray]:
    """:math:`r \\mapsto H(\\theta)^{-1} r` by a Cholesky factor of the Hessian at θ.

    Built once and kept while CG converges in few products: the Hessian of a
    logistic regression changes slowly, so yesterday's factor makes today's CG solve
    take a handful of exact products.
    """
    H = problem.hessian(theta, low_precision=True)
    factor, _ = ridge_cholesky(H)
    if factor is None:  # no ridge helps: Jacobi (diagonal) preconditioning instead
        d = np.abs(np.diag(H))
        d = np.where(d > 0, d, 1.0)
        return lambda r: r / d
    return lambda r: cho_solve(factor, r)


def newton_cg(
    problem,
    theta0: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
    max_inner: int = 500,
    precondition: bool = False,
    refresh_after: int = REFRESH_AFTER,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``problem`` by truncated Newton (Newton-CG) from ``theta0``.

    Parameters
    ----------
    problem : has ``loss(θ)`` and ``loss_grad_hessp(θ) -> (f, g, hessp)`` (and
        ``hessian(θ)`` when ``precondition``).
    tol : stop when the predicted gap after the step is ≤ ``tol·|f|`` (see above).
    max_iter : maximum number of outer (Newton) iterations.
    max_inner : maximum conjugate-gradient iterations per outer iteration.
    precondition : precondition CG with a Cholesky factor of the Hessian, refreshed
        only when CG needs more than ``refresh_after`` products (for dense problems of
        up to a few thousand parameters that are ill-conditioned).
    refresh_after : see ``precondition``; 0 forms the factor at every iterate (then a
        fit warm-started at an iterate takes the same steps as one run through it:
        the multinomial problem, whose scikit-learn contract tests this).
    callback : ``callback(k, θ, f, g)`` after each iteration; True stops.
    """
    history = History.for_problem(problem)
    f_rtol = objective_rtol(problem)
    theta = np.array(theta0, dtype=np.float64)
    f, g, hessp = problem.loss_grad_hessp(theta)
    history.record(f, g)
    precond, inner = None, refresh_after + 1
    last_gap = None  # the decrement before the last step, if it was a full one
    for it in range(1, max_iter + 1):
        if precondition and inner > refresh_after:
            precond = lagged_hessian_preconditioner(problem, theta)
        forcing = min(0.5, np.sqrt(norm2(g)))
        p, inner, solved = conjugate_gradient(hessp, g, rtol=forcing, max_iter=max_inner,
                                              precond=precond)
        rel_gap = gap_estimate(g, p) / abs(f)
        if _stops(rel_gap, forcing, tol, last_gap) and not solved:
            # CG from zero underestimates the decrement g·H⁻¹g by its residual's share,
            # without bound where it stopped short of its target (max_inner products):
            # a stop is decided on a solve that got there
            forcing = FINAL_FORCING
            p, more, solved = conjugate_gradient(hessp, g, rtol=forcing, max_iter=max_inner,
                                                 precond=precond)
            inner += more
            rel_gap = gap_estimate(g, p) / abs(f)
        if solved and _stops(rel_gap, forcing, tol, last_gap):
            # loss and gradient at the trials: history's last row is the returned point
            step = backtrack(problem.loss_grad, theta, f, g, p, rtol=f_rtol)
            if step is not None:
                _, theta, (f, g) = step
            history.record(f, g)
            notify(callback, it, theta, f, g)
            return SolverResult(theta, f, it, True, history, "Newton decrement below tol")
        # loss, gradient and Hessian weights at each trial: the accepted one is reused
        step = backtrack(problem.loss_grad_hessp, theta, f, g, p, rtol=f_rtol)
        if step is None:
            return SolverResult(theta, f, it, False, history, "line search failed")
        t, theta, (f, g, hessp) = step
        last_gap = rel_gap if t == 1.0 else None
        history.record(f, g)
        if notify(callback, it, theta, f, g):
            return SolverResult(theta, f, it, False, history, "stopped by callback")
    return SolverResult(theta, f, max_iter, False, history, "max_iter reached")

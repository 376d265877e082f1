r"""Mini-batch stochastic gradient descent — the tutorials' three knobs: learning rate,
batch size, number of epochs.

Batch gradient descent (:mod:`logistic.solvers.gd`) reads every row for each step.
SGD reads only a *mini-batch* :math:`B` of ``batch_size`` rows, drawn without
replacement from a fresh shuffle of the rows each epoch (by ``random_state``), and
steps along the batch's unbiased estimate of the gradient of the mean objective,

.. math::

    \hat g_B(\theta) = \frac1S\Big(\frac{n}{|B|}\sum_{i\in B} s_i\,\nabla\ell_i(\theta)
        + \alpha\,(w, 0)\Big), \qquad
    \mathbb E_B\,\hat g_B = \nabla f(\theta), \qquad
    \theta \leftarrow \theta - \eta_t\, \hat g_B(\theta).

One *epoch* is one shuffle and :math:`\lceil n/|B|\rceil` steps, so it reads every
row once; ``max_iter`` counts epochs. Small batches take many cheap, noisy steps;
large ones few, accurate, expensive steps (``batch_size = n`` is batch gradient
descent).

Step sizes (``learning_rate``), with :math:`\eta_0` = ``eta0``. ``"auto"`` is
:math:`1/\mathcal L_B`, the inverse *expected smoothness* of a ``B``-row batch
(:func:`batch_smoothness`): it moves from the per-row curvature bound
:math:`\bar L = \tfrac14\,\overline{\|x_i\|^2 + 1} + \alpha/S`
(:meth:`~logistic.problems.LogisticProblem.curvature_bound`) at ``B = 1`` to batch
gradient descent's :math:`1/L` at ``B = n`` — bigger batches, longer safe steps:

``"constant"``
    :math:`\eta_t = \eta_0`. The iterates reach a noise ball around the optimum whose
    size grows with :math:`\eta_0/|B|` and stop improving there.
``"invscaling"``
    :math:`\eta_t = \eta_0/\sqrt{1 + e_t}`, :math:`e_t` the epochs completed: the
    classical :math:`1/\sqrt t` decay that, with averaging, gives the optimal
    :math:`O(1/\sqrt t)` rate of stochastic approximation.
``"adaptive"`` (``"auto"``)
    :math:`\eta_0` until an epoch fails to decrease the full objective, then
    :math:`\eta \leftarrow \eta/5` (as scikit-learn's ``SGDClassifier``), restarting
    from the best point so far. Each cut shrinks the noise ball.

Polyak–Ruppert averaging (``average=True``): the point returned is the running mean
:math:`\bar\theta = \frac1m\sum_{j\le m}\theta_j` of the iterates of the current
*phase* (a phase starts after the first epoch — a burn-in — and again at each step
cut of ``"adaptive"``). Averaging cancels much of the noise the steps carry: with a
decaying step it attains the statistically optimal rate; with a constant step it
sits far closer to the optimum than the last iterate.

What ``converged`` means here. After every epoch the *full* objective and gradient
are evaluated at the point that would be returned (one pass: that row of
``history_``), and the run stops when

.. math:: \tfrac{1}{2L}\,\|\nabla f(\bar\theta)\|^2 \le \mathrm{tol}\cdot|f(\bar\theta)|,

:math:`L` the largest Hessian eigenvalue at :math:`\theta = 0` (power iteration, as
``"gd"``'s ``learning_rate="auto"``): the decrease one full gradient step of length
:math:`1/L` would bring — exactly ``"gd"``'s test, a gradient-norm test and *not* a
bound on the gap to the optimum (on ill-conditioned data the gap can be
:math:`L/\mu` times larger). So once it passes, the Newton decrement on exact
curvature must agree, as for ``"gd"``
(:class:`~logistic.solvers._certify.CertifiedStop`): ``converged_=True`` means the
gap itself is within ``tol``. With the package's default ``tol=1e-10`` plain SGD
rarely gets there; that is honest — use ``tol≈1e-4`` for SGD or a second-order
solver for the answer.

The epoch with the lowest full objective is returned (a too-large step can climb);
``history_`` has one row per epoch (row 0 the start), each the full objective at that
epoch's returned point, and ends with the returned point's row.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._base import Callback, History, SolverResult, notify
from ._certify import CertifiedStop
from .gd import lipschitz_constant

__all__ = ["sgd", "batch_smoothness", "SCHEDULES", "DEFAULT_BATCH_SIZE"]

#: What ``learning_rate`` may name for ``"sgd"`` ("auto" is "adaptive").
SCHEDULES = ("constant", "invscaling", "adaptive")
#: Rows per mini-batch when ``batch_size`` is None.
DEFAULT_BATCH_SIZE = 64
#: ``"adaptive"``'s cut.
ADAPTIVE_CUT = 5.0


def batch_smoothness(L: float, L_row: float, n: int, B: int) -> float:
    r"""The expected smoothness of a ``B``-row mini-batch gradient (Gower et al., 2019,
    "SGD: general analysis and improved rates", Prop. 3.8, sampling without
    replacement): :math:`\mathcal L_B = \frac{n(B-1)}{B(n-1)} L + \frac{n-B}{B(n-1)}
    L_{row}`, from :math:`L` (batch gradient descent's, ``B = n``) up to the per-row
    :math:`L_{row}` (``B = 1``)."""
    if n <= 1:
        return L_row
    return (n * (B - 1) * L + (n - B) * L_row) / (B * (n - 1))


def sgd(
    problem,
    theta0: np.ndarray,
    *,
    batch_size: int | None = None,
    learning_rate: float | str = "auto",
    eta0: float | str = "auto",
    average: bool = True,
    tol: float = 1e-10,
    max_iter: int = 100,
    random_state=None,
    callback: Callback | None = None,
    on_step: Callable[[int, np.ndarray, float], object] | None = None,
) -> SolverResult:
    """Minimise ``problem`` by mini-batch SGD from ``theta0`` (see the module docstring).

    Parameters
    ----------
    problem : has ``loss_grad_rows(θ, rows) -> (f̂, ĝ)`` (unbiased mini-batch
        estimates), ``loss_grad(θ)``, ``curvature_bound()``, ``loss_grad_hessp(θ)`` and
        ``backend.n_samples``.
    batch_size : rows per step (None: :data:`DEFAULT_BATCH_SIZE`; at most ``n``).
    learning_rate : one of :data:`SCHEDULES`, ``"auto"`` (= ``"adaptive"``), or a
        float η (= ``"constant"`` with :math:`\\eta_0 = η`).
    eta0 : first step size, or ``"auto"`` (:math:`1/\\bar L`).
    average : return the Polyak–Ruppert average of the phase's iterates.
    tol : stop when :math:`\\|\\nabla f\\|^2/(2L) \\le` ``tol·|f|`` after an epoch, and
        the Newton decrement too (see the module docstring).
    max_iter : epochs.
    random_state : seeds the shuffles (int, None or a ``np.random.Generator``).
    callback : ``callback(epoch, θ, f, g)`` after each epoch with the full objective
        at the point it would return; True stops.
    on_step : ``on_step(t, θ, f̂_B)`` after every step (the raw iterate and the
        batch's objective estimate before the step), for pictures of the noisy path.
    """
    n = int(problem.backend.n_samples)
    B = min(n, DEFAULT_BATCH_SIZE if batch_size is None else int(batch_size))
    schedule = "constant" if not isinstance(learning_rate, str) else (
        "adaptive" if learning_rate == "auto" else learning_rate)
    if not isinstance(learning_rate, str):
        eta0 = learning_rate
    L = lipschitz_constant(problem)
    eta = 1.0 / batch_smoothness(L, problem.curvature_bound(), n, B) if eta0 == "auto" else (
        float(eta0))
    rng = np.random.default_rng(random_state)

    history = History.for_problem(problem)
    theta = np.array(theta0, dtype=np.float64)
    f, g = problem.loss_grad(theta)
    history.record(f, g)
    best = (f, theta.copy(), g)

    certified = CertifiedStop(problem, tol)

    def stationary(theta, f, g, epoch) -> bool:  # a full gradient step's decrease, certified
        return certified(theta, f, g, 0.5 * float(g @ g) / L, epoch)

    def result(n_iter: int, converged: bool, message: str) -> SolverResult:
        f_best, theta_best, g_best = best
        if f_best < f:
            message += "; returned the best epoch, not the last"
            history.record(f_best, g_best)
        return SolverResult(theta_best, f_best, n_iter, converged, history, message)

    if stationary(theta, f, g, 0):
        return result(0, True, "the start meets tol")
    t = 0
    avg, m = theta.copy(), 0  # the phase's running mean and its count (m = 0: no phase yet)
    for epoch in range(1, max_iter + 1):
        step = eta if schedule != "invscaling" else eta / math.sqrt(epoch)
        order = rng.permutation(n)
        for start in range(0, n, B):
            rows = np.sort(order[start : start + B])  # sorted: a faster gather
            f_batch, g_batch = problem.loss_grad_rows(theta, rows)
            theta = theta - step * g_batch  # the update of the tutorials, on a batch
            t += 1
            if average and epoch > 1:
                m += 1
                avg += (theta - avg) / m
            if on_step is not None:
                on_step(t, theta, f_batch)
        point = avg if average and m > 0 else theta
        f_prev = f
        f, g = problem.loss_grad(point)  # the full objective, one pass
        if not np.isfinite(f):
            return result(epoch - 1, False, "diverged: learning rate too large")
        history.record(f, g)
        if f < best[0]:
            best = (f, point.copy(), g)
        if stationary(point, f, g, epoch):
            return result(epoch, True, "full gradient step's decrease below tol")
        if notify(callback, epoch, point, f, g):
            return result(epoch, False, "stopped by callback")
        if schedule == "adaptive" and not f < f_prev:
            eta /= ADAPTIVE_CUT
            theta = best[1].copy()  # restart the new phase from the best point so far
            avg, m = theta.copy(), 0
    return result(max_iter, False, "max_iter reached")

r"""Proximal Newton with coordinate descent on the quadratic model (as glmnet does).

For a composite objective :math:`F(\theta) = f(\theta) + \sum_j\lambda_j|\theta_j|`
(``f`` smooth: the logistic loss plus any L2 part; see :mod:`logistic.problems.l1`),
each outer iteration builds the quadratic model of ``f`` at :math:`\theta` and
minimises it, L1 term included, over a step :math:`\delta`:

.. math::

    q(\delta) = g^\top\delta + \tfrac12\,\delta^\top H\delta
        + \textstyle\sum_j\lambda_j\big(|\theta_j+\delta_j| - |\theta_j|\big).

The inner solve is cyclic coordinate descent; coordinate :math:`j` has the closed form

.. math::

    u_j \leftarrow \frac{S\big(H_{jj}\theta_j - c_j,\ \lambda_j\big)}{H_{jj}},
    \qquad c_j = g_j + (H\delta)_j - H_{jj}\delta_j,\ u = \theta+\delta,
    \qquad S(a, \lambda) = \operatorname{sign}(a)\max(|a|-\lambda, 0),

which sets coordinates *exactly* to zero. Sweeps alternate between the non-zero
coordinates and a full check (glmnet's active-set cycling). Coordinate descent finds
the support and signs :math:`\sigma` of the model's minimiser quickly but converges
only linearly on ill-conditioned data, so once its support has settled the model is
also minimised *exactly* on the current support :math:`A`,

.. math:: H_{AA}\,u_A = (H\theta)_A - g_A - \lambda_A\odot\sigma_A, \qquad u_{\bar A} = 0,

(a Cholesky solve), refined by a primal active-set method (coordinates that would
change sign stop at zero and leave :math:`A`, several at once where that still
decreases the model, see :func:`_drop_step`; the worst violator of
:math:`|g_j + (H\delta)_j| \le \lambda_j` off the support joins it) until the
optimality conditions hold: the model's exact minimiser, even for nearly collinear
features where coordinate descent alone would crawl.

**Working set.** Only the coordinates that are non-zero, unpenalised, or violate the
optimality condition :math:`|g_j| \le \lambda_j` at zero enter the model (the largest
violators first, at most as many as the current support plus a margin), so the
Hessian is formed on a few columns of ``X`` (``problem.hessian_subset``) even when
``d`` is large. Coordinates outside the working set stay at zero.

**Step and stopping.** The step :math:`\delta` is accepted with the Armijo rule of
Lee, Sun & Saunders (2014), :math:`F(\theta+t\delta)\le F(\theta)+10^{-4}\,t\,q(\delta)`
(:math:`t = 1, ½, …`). The *proximal Newton decrement* :math:`-q(\delta)` estimates
:math:`F(\theta) - F^*` to second order, as the Newton decrement does for smooth
problems; the solver stops when it is at most ``tol·|F|`` and no coordinate outside
the working set violates optimality, or once full steps converge fast, when the
decrement extrapolated one step ahead, :math:`q_k^2/q_{k-1}`, is (see
:func:`_extrapolated_gap`): that saves building and minimising one more model only
to confirm convergence; a model solved inexactly (on the data's columns) may leave
up to :math:`\eta|q|` undone, so ten times that must be below ``tol·|F|`` too (and
a model that the same extrapolation says is likely the last is solved tightly
enough for that). A problem with a free descent step (``recenter``) stops this way
only after two exactly minimised models (the step along it is then the model's own).
An accepted step shorter than :data:`STALL_STEP` that did not lower :math:`F` ends
the fit (the objective is at its rounding floor), converged only if the decrement
is within a hundredfold of ``tol``.
``history.grad_norm`` records the norm of the
minimum-norm subgradient of :math:`F`, which is zero exactly at the optimum.
"""

from __future__ import annotations

import numpy as np

from ..math.blas import factor_threads
from ._base import Callback, History, SolverResult, notify
from ._linalg import cho_solve, ridge_cholesky
from .newton import POOR_FRESH_STEPS, POOR_RATIO

__all__ = ["proximal_newton", "min_norm_subgradient", "soft_threshold", "cd_quadratic"]

_ARMIJO = 1e-4
#: An accepted step this short that did not lower the objective ends the fit.
STALL_STEP = 2.0**-20
#: Inexact inner solves on the data's columns: coordinate descent stops once a sweep
#: decreases the model by at most this share η of the decrease so far (to begin with).
#: Then η ≤ sqrt(|q_{k-1}|/|F|), a forcing term that shrinks like the gradient, so the
#: outer iterations converge superlinearly rather than linearly at rate η; and η is
#: tenfold smaller after every outer iteration that shrank the decrement less than
#: tenfold while the η its model was solved to was within a tenth of that shrinkage
#: (ill-conditioned data, where an inexact model step gains little). An iteration
#: slower than its η explains is far from the optimum, not held back by its model:
#: there a smaller η only buys sweeps (zipf1.1-nnz60-C10: 49 → 41 sweeps, the same 6
#: outer iterations).
INEXACT_ETA = 0.05
_EPS = np.finfo(np.float64).eps
WS_MARGIN = 100
#: The exact support solve (a primal active-set method, one Cholesky factorisation per
#: step) starts from the support that coordinate descent found, and costs a step per
#: coordinate whose sign that support has wrong. So coordinate descent (compiled, a
#: sweep costs m² flops) runs first: rounds of a full sweep and up to ACTIVE sweeps
#: of the support, until the support is the same after two rounds and a full sweep
#: moves the model by at most SETTLED of the first one's move, or for SUPPORT_ROUNDS
#: rounds. On the issue-19 family (2000×50×10 L1) that cut the factorisations from
#: 523 to ~60 per fit.
SUPPORT_ROUNDS = 30
SETTLED = 1e-3
ACTIVE = 20


def soft_threshold(a, lam):
    """:math:`S(a, \\lambda) = \\operatorname{sign}(a)\\max(|a|-\\lambda, 0)` elementwise."""
    return np.sign(a) * np.maximum(np.abs(a) - lam, 0.0)


def min_norm_subgradient(theta: np.ndarray, g: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The element of :math:`\\partial F(\\theta)` of smallest norm (zero iff optimal)."""
    at_zero = (theta == 0) & (lam > 0)
    return np.where(at_zero, soft_threshold(g, lam), g + lam * np.sign(theta))


def cd_quadratic(
    H: np.ndarray,
    g: np.ndarray,
    theta: np.ndarray,
    lam: np.ndarray,
    *,
    tol: float,
    max_sweeps: int = 1000,
    active_sweeps: int = ACTIVE,
) -> tuple[np.ndarray, int, bool]:
    r"""Minimise :math:`q(\delta)` over δ by cyclic coordinate descent.

    Each round is one sweep over every coordinate, then up to ``active_sweeps`` sweeps
    over the support (compiled: :func:`logistic.math.columns.cd_dense_sweeps`). Once
    the support has settled (see :data:`SUPPORT_ROUNDS`) the exact solve on it is
    tried (:func:`_support_solve`) and returned if it finds the minimiser. Stops when a
    full sweep moves the model by less than ``tol`` (measured by
    :math:`\sum_j H_{jj}\Delta_j^2`) or after ``max_sweeps`` sweeps. Returns
    ``(delta, sweeps, exact)``; ``exact`` says the support solve found the model's
    minimiser.

    Unpenalised coordinates (intercepts: :math:`\lambda_j = 0`) are first eliminated
    exactly (:func:`_eliminate_free`): the model is minimised over them in closed form,
    which leaves coordinate descent the Schur complement of their block — the Hessian
    of *centred* columns. Uncentred columns (a large mean beside a small spread) are
    nearly collinear with the intercept, and coordinate descent on them crawls.
    """
    free = lam == 0
    if free.any() and not free.all():
        return _eliminate_free(H, g, theta, lam, free, tol=tol, max_sweeps=max_sweeps,
                               active_sweeps=active_sweeps)
    from ..math.columns import cd_dense_sweeps  # numba: imported when first used

    m = g.size
    H = np.ascontiguousarray(H, dtype=np.float64)
    u = theta.astype(np.float64).copy()
    th = u.copy()
    g = np.ascontiguousarray(g, dtype=np.float64)
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    Hd = np.zeros(m)
    every = np.arange(m, dtype=np.int64)

    sweeps, rounds, support, first = 0, 0, None, 0.0
    while sweeps < max_sweeps:
        _, moved = cd_dense_sweeps(H, g, th, lam, u, Hd, every, 1, tol)
        sweeps += 1
        rounds += 1
        # the exact solve starts from the support coordinate descent found: once that
        # has settled (or every SUPPORT_ROUNDS rounds), few active-set steps remain
        last, support = support, u != 0
        first = moved if rounds == 1 else first
        if rounds % SUPPORT_ROUNDS == 0 or moved <= tol or (
                last is not None and np.array_equal(last, support)
                and moved <= SETTLED * first):
            exact = _support_solve(H, g, th, lam, u)
            if exact is not None:
                return exact - th, sweeps, True
        if moved <= tol:
            break
        active = np.flatnonzero((u != 0) | (lam == 0)).astype(np.int64)
        done, _ = cd_dense_sweeps(H, g, th, lam, u, Hd, active, active_sweeps, tol)
        sweeps += int(done)
    return u - th, sweeps, False


def _eliminate_free(H, g, theta, lam, free, **kw) -> tuple[np.ndarray, int, bool]:
    r"""Minimise :math:`q` over the unpenalised coordinates U in closed form, then the
    rest P by :func:`cd_quadratic` on the reduced model.

    For fixed :math:`\delta_P` the model is a quadratic in :math:`\delta_U`, minimised at
    :math:`\delta_U = -H_{UU}^{+}(g_U + H_{UP}\delta_P)`; substituting leaves

    .. math::

        \tilde q(\delta_P) = \tilde g^\top\delta_P + \tfrac12\delta_P^\top S\,\delta_P
            + \textstyle\sum_{j\in P}\lambda_j(|\theta_j+\delta_j| - |\theta_j|),
        \qquad S = H_{PP} - H_{PU}H_{UU}^{+}H_{UP},\quad
        \tilde g = g_P - H_{PU}H_{UU}^{+}g_U.

    :math:`H_{UU}^{+}` is the pseudo-inverse (a multinomial model's intercepts have a
    null direction, the common shift, along which :math:`g_U` has no component).
    """
    P, U = np.flatnonzero(~free), np.flatnonzero(free)
    H_UU, H_UP = H[np.ix_(U, U)], H[np.ix_(U, P)]
    vals, vecs = np.linalg.eigh(H_UU)
    keep = vals > 1e-12 * max(float(vals.max(initial=0.0)), _EPS)
    inv_UU = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    K = inv_UU @ H_UP  # H_UU⁺ H_UP
    S = H[np.ix_(P, P)] - H_UP.T @ K
    S = 0.5 * (S + S.T)
    g_P = g[P] - K.T @ g[U]
    delta_P, sweeps, exact = cd_quadratic(S, g_P, theta[P], lam[P], **kw)
    delta = np.empty_like(g, dtype=np.float64)
    delta[P] = delta_P
    delta[U] = -inv_UU @ (g[U] + H_UP @ delta_P)
    return delta, sweeps, exact


def _support_solve(H, g, theta, lam, u, max_rounds: int | None = None):
    r"""The model's exact minimiser by a primal active-set method started at ``u``.

    Minimise on the support :math:`A` with the signs :math:`\sigma` of ``u`` (a
    Cholesky solve); if a coordinate would change sign, move only up to the first sign
    change and drop that coordinate (the model decreases monotonically); once the
    candidate is sign-consistent, add the violators of :math:`|r_j|\le\lambda_j`
    off the support, with the signs that decrease the model, and repeat. Violators
    join together (a support of hundreds then settles in tens of solves, not hundreds)
    until one that just joined must leave again at once; from then on only the worst
    violator joins per round, the classical rule, under which the method cannot cycle.
    Returns None if no optimal support is found within ``max_rounds`` (default
    ``2·m + 10``).
    """
    m = u.size
    u = u.copy()
    inA = (u != 0) | (lam == 0)
    sigma = np.sign(u)
    Htheta = H @ theta
    pen = lam > 0
    slack = 1e-9 * (float(np.max(lam)) if m else 0.0)
    together = True  # violators join together (until one must leave at once)
    joined = np.zeros(m, dtype=bool)
    with factor_threads(m):  # once for all rounds' factorisations
        return _active_set_rounds(H, g, lam, u, inA, sigma, Htheta, pen, slack, together,
                                  joined, max_rounds or 2 * m + 10)


def _active_set_rounds(H, g, lam, u, inA, sigma, Htheta, pen, slack, together, joined,
                       rounds):
    """The rounds of :func:`_support_solve` (its state passed in)."""
    m = u.size
    for _ in range(rounds):
        A = np.flatnonzero(inA)
        cand = np.zeros(m)
        if A.size:
            # the step from u to the minimiser on A: H_AA s = -(model gradient at u)_A,
            # solved for the step, not for u itself, so that a ridge (singular H_AA)
            # or rounding errs in proportion to the gradient, not to θ
            grad = (g + H @ u - Htheta + lam * sigma)[A]
            step = _refined_solve(H[np.ix_(A, A)], grad)
            if step is None:
                return None
            cand[A] = u[A] - step
            bad = A[pen[A] & (np.sign(cand[A]) != sigma[A])]
            if bad.size:  # move towards cand until coordinates reach zero; drop them
                u, hit, t = _drop_step(H, g, lam, Htheta, u, cand, bad)
                if t == 0.0 and joined[hit].any():
                    together = False
                inA[hit], sigma[hit] = False, 0.0
                joined[:] = False
                continue
        u = cand
        r = g + H @ cand - Htheta  # model gradient at the candidate (smooth part)
        excess = np.where(inA, -np.inf, np.abs(r) - lam)
        j = int(np.argmax(excess)) if m else 0
        if m == 0 or excess[j] <= slack:
            return cand
        new = np.flatnonzero(excess > slack) if together else np.array([j])
        joined[:] = False
        inA[new], sigma[new], joined[new] = True, -np.sign(r[new]), True
    return None


def _drop_step(H, g, lam, Htheta, u, cand, bad):
    r"""The step of a primal active-set round whose candidate changes signs.

    On the segment :math:`u + t(c - u)` the coordinates ``bad`` reach zero at
    :math:`t_j = u_j/(u_j - c_j)`. The classical step stops at the first of them
    (the model decreases along the segment up to there) and drops it; with hundreds
    of sign changes that costs hundreds of factorisations. So the later breakpoints
    :math:`t` (the last, then halfway down the sorted list, …) are tried first: the
    point there with every coordinate that crossed zero set to zero is taken if it
    decreases the model below its value at ``u`` — strictly, so no support repeats
    and the method still terminates. Returns ``(u, dropped, t)``.
    """
    ratios = u[bad] / (u[bad] - cand[bad])
    order = np.argsort(ratios, kind="stable")
    at = bad.size - 1
    q_u = None
    while at > 0:
        t = float(ratios[order[at]])
        hit = bad[order[: at + 1]]
        p = u + t * (cand - u)
        p[hit] = 0.0
        if q_u is None:
            q_u = _model_value(H, g, lam, Htheta, u)
        if _model_value(H, g, lam, Htheta, p) < q_u:
            return p, hit, t
        at //= 2
    t = float(ratios[order[0]])
    p = u + t * (cand - u)
    hit = bad[ratios <= t * (1 + 1e-12)]
    p[hit] = 0.0
    return p, hit, t


def _model_value(H, g, lam, Htheta, u) -> float:
    r"""The model at ``u`` up to a constant: :math:`g^\top u + \tfrac12 u^\top H u -
    (H\theta)^\top u + \lambda^\top|u|` (the constant is the same for every u)."""
    return float((g - Htheta) @ u + 0.5 * (u @ (H @ u)) + lam @ np.abs(u))


def _refined_solve(M: np.ndarray, r: np.ndarray, refinements: int = 2):
    """:math:`M^{-1} r` by the smallest-ridge Cholesky factor of M, refined twice
    (iterative refinement removes the ridge's bias); None if M cannot be factored."""
    factor, _ = ridge_cholesky(M)
    if factor is None:
        return None
    x = cho_solve(factor, r)
    for _ in range(refinements):
        x += cho_solve(factor, r - M @ x)
    return x


def _working_set(theta, g, lam, *, max_new: int):
    """Indices of the model: support ∪ unpenalised ∪ the largest violators of |g_j| ≤ λ_j."""
    base = (theta != 0) | (lam == 0)
    excess = np.where(base, -np.inf, np.abs(g) - lam)
    viol = np.flatnonzero(excess > 0)
    n_out = viol.size
    if viol.size > max_new:
        viol = viol[np.argpartition(-excess[viol], max_new)[:max_new]]
    ws = np.union1d(np.flatnonzero(base), viol)
    return ws, n_out - viol.size


def proximal_newton(
    problem,
    theta0: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 200,
    max_sweeps: int = 1000,
    ws_margin: int = WS_MARGIN,
    callback: Callback | None = None,
) -> SolverResult:
    """Minimise ``problem`` (smooth part + L1) by proximal Newton from ``theta0``.

    Parameters
    ----------
    problem : has ``loss``, ``loss_grad``, ``hessian_subset(θ, idx)``, ``l1_weights``
        and ``penalty`` (e.g. :class:`logistic.problems.l1.L1Problem`). A problem with
        no ``l1_weights`` is treated as :math:`\\lambda = 0` (plain Newton). Its optional
        ``recenter(θ, f, g)`` takes a descent step along directions the smooth part is
        blind to, after every accepted step.
    tol : stop when the proximal Newton decrement :math:`-q(\\delta) \\le` ``tol·|F|``
        and no coordinate outside the working set violates optimality.
    max_iter : maximum outer iterations.
    max_sweeps : maximum coordinate-descent sweeps per inner solve.
    ws_margin : the working set admits at most ``max(ws_margin, |support|)`` new
        coordinates per iteration.
    callback : ``callback(k, θ, F, g)`` after each iteration; True stops.

    Returns
    -------
    SolverResult, with ``objective`` the composite :math:`F` in the problem's units.
    """
    lam = np.asarray(getattr(problem, "l1_weights", np.zeros(problem.n_params)))
    penalty = getattr(problem, "penalty", lambda th: float(lam @ np.abs(th)))
    evaluate = getattr(problem, "loss_grad_model", None)
    recenter = getattr(problem, "recenter", None)
    if evaluate is None:
        evaluate = lambda th: (*problem.loss_grad(th), None)  # noqa: E731
    history = History()
    theta = np.array(theta0, dtype=np.float64)
    f, g, model = evaluate(theta)
    F = f + penalty(theta)
    history.record(F, min_norm_subgradient(theta, g, lam))
    eta, q_last, t_last = INEXACT_ETA, None, 0.0  # the previous decrement and step
    exact_curvature = getattr(problem, "use_exact_hessian", None)
    poor = 0  # models in a row whose decrement shrank by less than POOR_RATIO
    exact_last = False  # whether the previous model was minimised exactly
    q_before = None  # and the one before that
    for it in range(1, max_iter + 1):
        n_support = int(np.count_nonzero(theta))
        max_new = theta.size if model is not None else max(ws_margin, n_support)
        ws, left_out = _working_set(theta, g, lam, max_new=max_new)
        # the inner solve's forcing term η_k: what share of the model's decrease
        # may be left undone (see INEXACT_ETA)
        eta_k = eta
        if q_last is not None:  # forcing term → 0: superlinear, not linear at rate η
            eta = eta_k = min(eta, np.sqrt(-q_last / abs(F)))
        if q_before is not None and q_before < 0 and q_last < 0:
            q_next = q_last * q_last / q_before  # the decrement this model should find
            if q_next * q_next / -q_last <= 100 * tol * abs(F):  # likely the last model:
                # solve it tightly enough that the extrapolated stop may accept it
                eta_k = min(eta_k, 0.1 * tol * abs(F) / -q_next)
        if model is not None:  # coordinate descent on the data's columns
            # its tol is what may be left of the model's decrease: a tenth of the outer
            # tol suffices (the model is re-solved at the next point anyway)
            column_tol = max(0.1 * tol * abs(F), 64 * _EPS * abs(F))
            delta_w, q = model.minimise(ws, g, tol=column_tol, eta=eta_k, seed=it)
            left_in_model = eta_k * -q
        else:  # coordinate descent on the working set's Hessian
            full = ws.size == theta.size
            H = problem.hessian_subset(theta, None if full else ws)
            g_w, th_w, lam_w = g[ws], theta[ws], lam[ws]
            inner_tol = max(1e-3 * tol * abs(F), 64 * _EPS * abs(F))
            delta_w, _, exact = cd_quadratic(H, g_w, th_w, lam_w, tol=inner_tol,
                                             max_sweeps=max_sweeps)
            q = (
                float(g_w @ delta_w)
                + 0.5 * float(delta_w @ H @ delta_w)
                + float(lam_w @ (np.abs(th_w + delta_w) - np.abs(th_w)))
            )
            left_in_model = 0.0 if exact else eta_k * -q  # the support solve is exact
        delta = np.zeros_like(theta)
        delta[ws] = delta_w
        done = -q <= tol * abs(F) and left_out == 0 and 10 * left_in_model <= tol * abs(F)
        step = _line_search(evaluate, penalty, theta, F, delta, q)
        if step is None:
            converged = done or -q <= 1e2 * tol * abs(F) and left_out == 0
            msg = "decrement below tol" if converged else "line search failed"
            return SolverResult(theta, F, it, converged, history, msg)
        F_old = F
        theta, F, f, g, model, t = step
        decrease = F_old - F  # what the model's step brought (the extrapolation's check)
        if recenter is not None:  # a free descent step the model cannot see (multinomial)
            theta, f, g = recenter(theta, f, g)
            F = f + penalty(theta)
        history.record(F, min_norm_subgradient(theta, g, lam))
        if done:
            return SolverResult(theta, F, it, True, history, "proximal Newton decrement below tol")
        if t < STALL_STEP and F >= F_old:  # a tiny step that bought nothing: F is at the
            # floor of its rounding (float32 data with offset columns), where the line
            # search accepts steps on its slack alone; stop as a failed search does
            converged = -q <= 1e2 * tol * abs(F) and left_out == 0
            return SolverResult(theta, F, it, converged, history,
                                "decrement below tol" if converged else "no decrease")
        # the extrapolated stop assumes the model's step finds every descent direction;
        # along a problem's free descent step (recenter: the softmax is blind to it, the
        # L1 term is not) only an exactly minimised model is sure to have moved
        exact = left_in_model == 0.0
        sees_all = recenter is None or (exact and exact_last)
        q_full = q_last if t_last == 1.0 and t == 1.0 and sees_all else None
        if max(_extrapolated_gap(q_full, q, decrease), 10 * left_in_model) <= tol * abs(F):
            ws_next, _ = _working_set(theta, g, lam, max_new=theta.size)
            if np.isin(ws_next, ws).all():
                return SolverResult(theta, F, it, True, history,
                                    "extrapolated proximal Newton decrement below tol")
        if q_last is not None and q < 0.1 * q_last and eta_k >= 0.1 * q / q_last:
            # slow (q < 0) where the inexact solve may be why: solve the next models tighter
            eta = max(0.1 * eta, 1e-8)
        if model is None and exact_curvature is not None:  # the Hessian from a row subsample
            # (tall multinomial data) that keeps failing, its steps cut back or its
            # decrement not halving: its rows do not represent the data (a column or
            # class in a few rows; see logistic.solvers.newton.POOR_FRESH_STEPS); every
            # row's from now on (a 33k×28, 3-class L1 fit with three columns set in 2–12
            # rows each: 200 iterations unconverged, its models predicting decreases
            # 1e9 times what their steps achieved)
            slow = t < 1.0 or (q_last is not None and q < POOR_RATIO * q_last)
            poor = poor + 1 if slow else 0
            if poor >= POOR_FRESH_STEPS and exact_curvature():
                poor = 0
        q_before, q_last, t_last, exact_last = q_last, q, t, exact
        if notify(callback, it, theta, F, g):
            return SolverResult(theta, F, it, False, history, "stopped by callback")
    return SolverResult(theta, F, max_iter, False, history, "max_iter reached")


def _line_search(evaluate, penalty, theta, F, delta, q, max_halvings: int = 40):
    """Largest t ∈ {1, ½, …} with F(θ + tδ) ≤ F + 10⁻⁴ t q; returns (θ, F, f, g, model, t)."""
    if not np.any(delta):
        return None
    slack = 8 * _EPS * abs(F)
    t = 1.0
    for _ in range(max_halvings):
        cand = theta + t * delta
        f_new, g_new, model = evaluate(cand)
        F_new = f_new + penalty(cand)
        if np.isfinite(F_new) and F_new <= F + _ARMIJO * t * q + slack:
            return cand, F_new, f_new, g_new, model, t
        t *= 0.5
    return None


def _extrapolated_gap(q_prev, q, decrease) -> float:
    r"""The decrement expected at the next point, :math:`q_k^2/q_{k-1}`, or inf.

    Once full steps converge fast (the decrement shrinks at least tenfold per
    iteration and the last step decreased :math:`F` by its predicted :math:`-q_k`
    within a factor of two) the error contracts at least as fast again: linearly at
    the rate :math:`r = q_k/q_{k-1}` with inexact inner solves, faster than that
    when convergence is quadratic. So :math:`F(\theta_{k+1}) - F^* \approx r\,(-q_k)`,
    and the solver can stop without building the next model only to confirm it.
    """
    if q_prev is None or not q_prev < 0 or not q < 0:
        return np.inf
    r = q / q_prev
    if r > 0.1 or not 0.5 <= decrease / -q <= 2.0:
        return np.inf
    return r * -q

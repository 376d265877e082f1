r"""Inference for Firth fits: penalised likelihood-ratio tests and profile intervals.

Both rest on constrained fits of :class:`~logistic.problems.firth.FirthProblem`: some
coordinates held at given values (:class:`~logistic.problems.firth.RestrictedProblem`),
the others maximising Firth's penalised likelihood :math:`\ell^*` by Fisher scoring
(:func:`logistic.solvers.newton`, solved to a relative gap of ``1e-14``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from ..problems.firth import RestrictedProblem
from ..solvers import newton

__all__ = ["fit", "penalized_lrt", "profile_interval", "constrained_loglik"]


def fit(problem, theta0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 100, callback=None):
    """Maximise the penalised likelihood of ``problem`` by Fisher scoring (:func:`solvers.newton`).

    A problem with no free coordinate is simply evaluated.
    """
    if problem.n_params == 0:
        from ..solvers import History, SolverResult

        f = problem.loss(np.zeros(0))
        return SolverResult(np.zeros(0), f, 0, True, History(), "nothing to fit")
    return newton(problem, theta0, tol=tol, max_iter=max_iter, callback=callback)


#: Constrained fits behind tests and profiles are solved to this relative gap.
_INNER_TOL = 1e-14


def constrained_loglik(problem, fixed, values, start):
    """Maximised :math:`\\ell^*` with θ[fixed] = values; returns (ℓ*, free solution)."""
    sub = RestrictedProblem(problem, fixed, values)
    res = fit(sub, start, tol=_INNER_TOL, max_iter=200)
    return -res.objective / problem.scale, res.theta


def penalized_lrt(problem, theta_hat: np.ndarray, fixed: Sequence[int], values=0.0):
    """Penalised likelihood-ratio test of θ[fixed] = values against the full Firth fit.

    Returns
    -------
    (statistic, df, pvalue): the statistic
    :math:`2(\\ell^*(\\hat\\theta) - \\ell^*(\\tilde\\theta))`
    referred to :math:`\\chi^2_{df}`, ``df = len(fixed)``.
    """
    fixed = np.atleast_1d(np.asarray(fixed, dtype=np.intp))
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), fixed.shape)
    free = np.setdiff1d(np.arange(theta_hat.size), fixed)
    ll_full = problem.penalized_loglik(theta_hat)
    ll_0, _ = constrained_loglik(problem, fixed, values, theta_hat[free])
    stat = max(0.0, 2.0 * (ll_full - ll_0))
    return stat, int(fixed.size), float(stats.chi2.sf(stat, fixed.size))


def profile_interval(
    problem, theta_hat: np.ndarray, j: int, *, alpha: float = 0.05, se: float = 1.0
) -> tuple[float, float]:
    r"""Profile penalised-likelihood interval for θ_j.

    The bounds are the two roots of the excess deviance

    .. math:: e(b) = 2\big(\ell^*(\hat\theta) - \ell^*_p(b)\big) - \chi^2_{1,1-\alpha},
              \qquad \ell^*_p(b) = \max_{\theta_{-j}} \ell^*(b, \theta_{-j}),

    one on each side of :math:`\hat\theta_j`. By the envelope theorem
    :math:`e'(b) = -2\,U^*_j(b, \tilde\theta_{-j}(b))`, the modified score at the
    constrained optimum, so each root is found by Newton's method on :math:`e`,
    safeguarded by bisection once a bracket is known, starting from the Wald bound
    (``se`` × the normal quantile). A side on which the profile never reaches the critical
    value (it levels off under separation) gives ±inf.
    """
    crit = float(stats.chi2.ppf(1 - alpha, 1))
    ll_hat = problem.penalized_loglik(theta_hat)
    free = np.setdiff1d(np.arange(theta_hat.size), [j])
    half = max(float(stats.norm.ppf(1 - alpha / 2)) * se, 1e-3)
    bounds = []
    for side in (-1.0, 1.0):
        start = theta_hat[free]

        def excess(b, start):
            ll, sol = constrained_loglik(problem, [j], [b], start)
            theta = np.insert(sol, j, b) if sol.size else np.array([b])
            _, g, _ = problem.loss_grad_hess(theta)
            return 2.0 * (ll_hat - ll) - crit, 2.0 * g[j] / problem.scale, sol

        inner, outer = theta_hat[j], None
        b = theta_hat[j] + side * half
        for _ in range(200):
            e, de, start = excess(b, start)
            if abs(e) <= 1e-11 * crit:
                break
            if e < 0:
                inner = b
            else:
                outer = b
            step = -e / de if de != 0 else np.nan
            new = b + step
            if outer is None:  # still inside: move outwards, at least doubling
                if not np.isfinite(new) or (new - b) * side <= 0:
                    new = b + side * 2 * abs(b - theta_hat[j])
                if abs(new - theta_hat[j]) > 1e4 * half:
                    b = side * np.inf
                    break
            elif not (min(inner, outer) < new < max(inner, outer)):
                new = 0.5 * (inner + outer)
            if abs(new - b) <= 1e-14 * (1 + abs(b)):
                b = new
                break
            b = new
        bounds.append(float(b))
    return bounds[0], bounds[1]

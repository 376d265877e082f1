r"""Inference for Firth fits: penalised likelihood-ratio tests and profile intervals.

Both rest on constrained fits of :class:`~logistic.problems.firth.FirthProblem`: some
coordinates held at given values (:class:`~logistic.problems.firth.RestrictedProblem`),
the others maximising Firth's penalised likelihood :math:`\ell^*` by Fisher scoring
(:func:`logistic.solvers.newton`, solved to a relative gap of ``1e-12``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

from ..problems.firth import RestrictedProblem
from ..solvers import lbfgs, newton

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
_INNER_TOL = 1e-12


def constrained_loglik(problem, fixed, values, start):
    """Maximised :math:`\\ell^*` with θ[fixed] = values; returns (ℓ*, free solution)."""
    ll, theta, _ = _constrained_fit(problem, fixed, values, start)
    return ll, theta


def _constrained_fit(problem, fixed, values, start):
    """(ℓ*, free solution, whether the fit met its tolerance)."""
    sub = RestrictedProblem(problem, fixed, values)
    res = fit(sub, start, tol=_INNER_TOL, max_iter=200)
    return -res.objective / problem.scale, res.theta, res.converged


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
    problem, theta_hat: np.ndarray, j: int, *, alpha: float = 0.05, se: float = 1.0,
    name: str | None = None,
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

    **Following one branch.** Firth's penalised likelihood is not concave far along a
    separating direction, so a constrained fit started far from its solution can land
    on another local maximum (seen: an upper bound of 88 where the profile reaches the
    critical value at 113). The constrained solutions are therefore traced by
    continuation (:class:`_Branch`): from the nearest point already solved, in steps of
    at most half the distance from :math:`\hat\theta_j` (and at least the Wald
    half-width), each started from the tangent predictor
    :math:`\tilde\theta_{-j}(b) + \Delta b\; d\tilde\theta_{-j}/db`,
    :math:`d\tilde\theta_{-j}/db = -H_{-j,-j}^{-1} H_{-j,j}` (H: the solver's
    curvature, :meth:`FirthProblem.hessian`). Branches can also cross (the continued
    maximum falls below one reached from :math:`\hat\theta_{-j}`, seen: 12.6 where the
    profile crosses at 13.5, and firthmodels' bound 23.1 where the larger maximum puts
    the crossing at 25.3), so each step is solved from both starts and the larger
    maximum kept, as the profile's definition (the maximum over :math:`\theta_{-j}`)
    asks. Where the profile deviance is not monotone the bound is the crossing in the
    bracket the search first finds, outward from the Wald bound.
    """
    crit = float(stats.chi2.ppf(1 - alpha, 1))
    ll_hat = problem.penalized_loglik(theta_hat)
    half = max(float(stats.norm.ppf(1 - alpha / 2)) * se, 1e-3)
    bounds = []
    for side in (-1.0, 1.0):
        branch = _Branch(problem, theta_hat, j, half)

        def excess(b, branch=branch):
            ll, g_j = branch.solve(b)
            return 2.0 * (ll_hat - ll) - crit, 2.0 * g_j / problem.scale

        inner, outer = theta_hat[j], None
        b = theta_hat[j] + side * half
        for _ in range(200):
            e, de = excess(b)
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
        if branch.multimodal:
            warnings.warn(
                f"Profile interval of {name or f'parameter {j}'}: constrained fits from "
                f"different starts reached different maxima (Firth's penalised "
                f"likelihood is not unimodal here); the bound {b:.6g} uses the largest "
                "maximum found and a larger one may move it outward.",
                RuntimeWarning, stacklevel=3,
            )
    return bounds[0], bounds[1]


class _Branch:
    """Constrained maxima of ``problem`` with θ_j = b, traced by continuation from θ̂."""

    def __init__(self, problem, theta_hat, j: int, half: float):
        self.problem, self.j, self.half = problem, int(j), float(half)
        self.center = float(theta_hat[j])
        self.multimodal = False  # did the starts reach different constrained maxima?
        self.free = np.setdiff1d(np.arange(theta_hat.size), [self.j])
        _, g = problem.loss_grad(theta_hat)
        H = problem.hessian(theta_hat)
        self.points = [(self.center, theta_hat[self.free], self._tangent(H), float(g[self.j]),
                        problem.penalized_loglik(theta_hat))]

    def _tangent(self, H) -> np.ndarray:
        f, j = self.free, self.j
        if f.size == 0:
            return np.zeros(0)
        return -np.linalg.lstsq(H[np.ix_(f, f)], H[f, j], rcond=None)[0]

    def _starts(self, b: float, predicted: np.ndarray) -> list[np.ndarray]:
        """Where to start the constrained fit at θ_j = b: the continuation's prediction,
        θ̂_{-j}, and, going outward, θ̂ scaled along its own ray to θ_j = b (under
        separation θ̂ points into the separating cone, where the other maxima lie)."""
        rest = self.points[0][1]
        starts = [predicted, rest]
        ratio = b / self.center if self.center != 0 else 0.0
        if ratio > 1.0:
            starts.append(rest * ratio)
        if rest.size:  # quasi-Newton's path from θ̂ ends in other basins than Newton's
            sub = RestrictedProblem(self.problem, [self.j], [b])
            starts.append(lbfgs(sub, rest, tol=1e-8, max_iter=500).theta)
        return starts

    def solve(self, b: float) -> tuple[float, float]:
        """``(ℓ*_p(b), U-part g_j)`` at θ_j = b, walking from the nearest solved point."""
        b0, sol, tangent, g_j, ll = min(self.points, key=lambda p: abs(p[0] - b))
        while b0 != b:
            reach = max(self.half, 0.5 * abs(b0 - self.center))
            nb = b0 + float(np.clip(b - b0, -reach, reach))
            maxima = [_constrained_fit(self.problem, [self.j], [nb], start)
                      for start in self._starts(nb, sol + (nb - b0) * tangent)]
            ll, sol, _ = max(maxima, key=lambda solved: solved[0])
            if maxima[0][2] and maxima[0][0] < ll - 1e-8 * max(1.0, abs(ll)):
                # the branch followed from θ̂ is a local maximum, beaten by another: the
                # profile jumps here, and other maxima may exist that no start found
                self.multimodal = True
            theta = np.insert(sol, self.j, nb) if sol.size else np.array([nb])
            _, g = self.problem.loss_grad(theta)
            H = self.problem.hessian(theta)
            b0, tangent, g_j = nb, self._tangent(H), float(g[self.j])
            self.points.append((b0, sol, tangent, g_j, ll))
        return ll, g_j

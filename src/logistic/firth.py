r"""Firth's bias-reduced logistic regression: the penalized problem, profiles and tests.

Firth (1993) removes the :math:`O(1/n)` bias of the maximum-likelihood estimate by
maximising the log-likelihood penalised with Jeffreys' invariant prior,

.. math::

    \ell^*(\beta) = \ell(\beta) + \tfrac12 \log\det I(\beta), \qquad
    I(\beta) = \tilde X^\top W \tilde X, \quad W = \operatorname{diag}(s_i p_i(1-p_i)).

Its gradient is the *modified score*

.. math::

    U^*(\beta) = U(\beta) + \tfrac12 \operatorname{tr}\!\big[I^{-1}\,\partial I/\partial\beta\big]
               = \tilde X^\top\big(s \odot (y - p) + h \odot (\tfrac12 - p)\big),

with :math:`h` the diagonal of the weighted hat matrix (see
:mod:`logistic.objective_inference`). The estimate is finite even when the classes are
separated, because :math:`\log\det I \to -\infty` as any coefficient diverges.

:class:`FirthProblem` presents :math:`f(\beta) = -\ell^*(\beta)/S` to the solvers, in the
same units as :class:`logistic.problem.LogisticProblem` (divided by the total sample
weight :math:`S`), with the gradient :math:`-U^*/S` and, as "Hessian", the *penalised
information* of Firth's data-augmentation view (Heinze & Schemper 2002): each sample
contributes with weight :math:`s_i + h_i` instead of :math:`s_i`,

.. math:: I^*(\beta) = \tilde X^\top \operatorname{diag}\big((s_i + h_i)\,p_i(1-p_i)\big)\tilde X,

as in ``firthmodels`` (and regenie). The Newton direction is then a Fisher-scoring step
on the penalised likelihood, and :math:`I^{*-1}` gives the standard errors. Each
``loss_grad_hess`` costs two passes over the data (the information, then the hat
diagonal, which needs :math:`I^{-1}`); ``loss`` costs one.

:class:`RestrictedProblem` fixes some coordinates of any problem at given values, which
gives the constrained fits behind the penalized likelihood-ratio tests
(:func:`penalized_lrt`) and the profile penalized-likelihood intervals
(:func:`profile_interval`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg as la
from scipy import stats

from . import objective_inference as obji
from .problem import LogisticProblem
from .solvers import newton

__all__ = ["FirthProblem", "RestrictedProblem", "fit", "penalized_lrt", "profile_interval"]


class FirthProblem:
    """Negative Firth-penalised log-likelihood (per unit of sample weight) over a backend.

    Parameters
    ----------
    backend : a data backend (see :mod:`logistic.data`).
    fit_intercept : whether θ ends with an intercept.
    """

    def __init__(self, backend, *, fit_intercept: bool):
        self.base = LogisticProblem(backend, alpha=0.0, fit_intercept=fit_intercept)
        self.backend = backend
        self.fit_intercept = bool(fit_intercept)
        self.n_features = self.base.n_features
        self.n_params = self.base.n_params
        self.scale = self.base.scale

    @property
    def passes(self) -> int:
        return self.base.passes

    def user_objective(self, f: float) -> float:
        """Convert an objective value from this problem's units to :math:`-\\ell^*`."""
        return f / self.scale

    def _information(self, theta):
        """Loss, gradient and the Cholesky factor of the Fisher information (one pass)."""
        f0, g0, H = self.base.loss_grad_hess(theta)
        try:
            L = la.cholesky(H / self.scale, lower=True, check_finite=True)
        except (la.LinAlgError, ValueError):
            L = None
        return f0, g0, H, L

    def loss(self, theta: np.ndarray) -> float:
        """:math:`f = (-\\ell - \\tfrac12\\log\\det I)/S` at θ; inf where I is singular."""
        f0, _, _, L = self._information(theta)
        if L is None:
            return np.inf
        return f0 - float(np.sum(np.log(np.diag(L)))) * self.scale

    def loss_grad_hess(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Objective, gradient :math:`-U^*/S`, penalised information :math:`I^*/S` (two passes)."""
        f0, g0, H, L = self._information(theta)
        if L is None:
            raise la.LinAlgError(
                "The Fisher information is singular: the columns of X (with the "
                "intercept) are linearly dependent."
            )
        f = f0 - float(np.sum(np.log(np.diag(L)))) * self.scale
        corr, H_h = self._correction(theta, L)
        return f, g0 - corr * self.scale, H + H_h * self.scale

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and gradient; the information of the same point is kept for :meth:`hessian`."""
        f, g, H = self.loss_grad_hess(theta)
        self._last = (np.array(theta), H)
        return f, g

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Penalised information :math:`I^*/S` (reused from :meth:`loss_grad` at the same θ)."""
        last = getattr(self, "_last", None)
        if last is not None and np.array_equal(last[0], theta):
            return last[1]
        return self.loss_grad_hess(theta)[2]

    def _correction(self, theta, L) -> tuple[np.ndarray, np.ndarray]:
        """:math:`\\sum_i h_i(\\tfrac12 - p_i)\\tilde x_i` and :math:`\\sum_i h_i p_i(1-p_i)\\tilde
        x_i \\tilde x_i^\\top`, given the information's Cholesky factor (one pass)."""
        d = self.n_features
        Linv, info = la.lapack.dtrtri(L, lower=1)  # I⁻¹ = T Tᵀ with T = L⁻ᵀ
        if info != 0:
            raise la.LinAlgError("The Fisher information is singular.")
        T = Linv.T
        t_b = T[d] if self.fit_intercept else np.zeros(T.shape[1])
        w, b = self.base._split(theta)
        self.base.passes += 1
        c_w, c_b, G_ww, G_wb, G_bb = self.backend.reduce(
            obji.block_firth_correction, w, b, T[:d], t_b
        )
        if self.fit_intercept:
            G = np.block([[G_ww, G_wb[:, None]], [G_wb[None, :], np.reshape(G_bb, (1, 1))]])
        else:
            G = G_ww
        return self.base._join(c_w, c_b), G

    # -- in user units ----------------------------------------------------------
    def penalized_loglik(self, theta: np.ndarray) -> float:
        """:math:`\\ell^*(\\theta) = \\ell(\\theta) + \\tfrac12\\log\\det I(\\theta)`."""
        return -self.loss(theta) / self.scale

    def modified_score(self, theta: np.ndarray) -> np.ndarray:
        """:math:`U^*(\\theta)` (not divided by S)."""
        _, g, _ = self.loss_grad_hess(theta)
        return -g / self.scale

    def information(self, theta: np.ndarray) -> np.ndarray:
        """Penalised information :math:`I^*(\\theta)` (not divided by S)."""
        return self.loss_grad_hess(theta)[2] / self.scale


class RestrictedProblem:
    """A problem with the coordinates ``fixed`` held at ``values``; θ is the free part.

    Parameters
    ----------
    problem : any problem with ``loss``, ``loss_grad_hess``, ``n_params``, ``scale``.
    fixed : indices (into the full θ) to hold fixed.
    values : their values.
    """

    def __init__(self, problem, fixed: Sequence[int], values):
        self.problem = problem
        self.scale = problem.scale
        self.fixed = np.asarray(fixed, dtype=np.intp)
        self.free = np.setdiff1d(np.arange(problem.n_params), self.fixed)
        self.n_params = self.free.size
        self.template = np.zeros(problem.n_params)
        self.template[self.fixed] = values

    def full(self, theta_free: np.ndarray) -> np.ndarray:
        """The full θ with the free coordinates set to ``theta_free``."""
        theta = self.template.copy()
        theta[self.free] = theta_free
        return theta

    def loss(self, theta_free: np.ndarray) -> float:
        return self.problem.loss(self.full(theta_free))

    def loss_grad_hess(self, theta_free: np.ndarray):
        f, g, H = self.problem.loss_grad_hess(self.full(theta_free))
        return f, g[self.free], H[np.ix_(self.free, self.free)]

    def loss_grad(self, theta_free: np.ndarray):
        f, g = self.problem.loss_grad(self.full(theta_free))
        return f, g[self.free]

    def hessian(self, theta_free: np.ndarray):
        return self.problem.hessian(self.full(theta_free))[np.ix_(self.free, self.free)]


def fit(problem, theta0: np.ndarray, *, tol: float = 1e-10, max_iter: int = 100, callback=None):
    """Maximise the penalised likelihood of ``problem`` by Fisher scoring (:func:`solvers.newton`).

    A problem with no free coordinate is simply evaluated.
    """
    if problem.n_params == 0:
        from .solvers import History, SolverResult

        f = problem.loss(np.zeros(0))
        return SolverResult(np.zeros(0), f, 0, True, History(), "nothing to fit")
    return newton(problem, theta0, tol=tol, max_iter=max_iter, callback=callback)


#: Constrained fits behind tests and profiles are solved to this relative gap.
_INNER_TOL = 1e-14


def _constrained_loglik(problem, fixed, values, start):
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
    ll_0, _ = _constrained_loglik(problem, fixed, values, theta_hat[free])
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
            ll, sol = _constrained_loglik(problem, [j], [b], start)
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

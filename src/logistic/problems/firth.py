r"""Firth's bias-reduced logistic regression: the penalised problem.

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
:mod:`logistic.math.inference`). The estimate is finite even when the classes are
separated, because :math:`\log\det I \to -\infty` as any coefficient diverges.

:class:`FirthProblem` presents :math:`f(\beta) = -\ell^*(\beta)/S` to the solvers, in the
same units as :class:`logistic.problems.binary.LogisticProblem` (divided by the total sample
weight :math:`S`), with the gradient :math:`-U^*/S` and, as "Hessian", the *penalised
information* of Firth's data-augmentation view (Heinze & Schemper 2002): each sample
contributes with weight :math:`s_i + h_i` instead of :math:`s_i`,

.. math:: I^*(\beta) = \tilde X^\top \operatorname{diag}\big((s_i + h_i)\,p_i(1-p_i)\big)\tilde X,

as in ``firthmodels`` (and regenie). The Newton direction is then a Fisher-scoring step
on the penalised likelihood, and :math:`I^{*-1}` gives the standard errors. Each
``loss_grad_hess`` costs two passes over the data (the information, then the hat
diagonal, which needs :math:`I^{-1}`); ``loss`` costs one.

:class:`RestrictedProblem` fixes some coordinates of any problem at given values, which
gives the constrained fits behind the penalised likelihood-ratio tests and the profile
penalised-likelihood intervals of :mod:`logistic.inference.firth`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.linalg as la

from ..math import inference as obji
from .binary import CurvatureOverflowError, LogisticProblem

__all__ = ["FirthProblem", "RestrictedProblem", "EXACT_HESSIAN_MAX_PARAMS"]

#: Models up to this many parameters give Newton the exact Hessian (its partial sums
#: hold k(k+1)/2 products per row; beyond this, Fisher scoring's information).
EXACT_HESSIAN_MAX_PARAMS = 40


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
        self._seen_finite = False  # a point with a non-singular information yet?

    @property
    def passes(self) -> int:
        return self.base.passes

    def user_objective(self, f: float) -> float:
        """Convert an objective value from this problem's units to :math:`-\\ell^*`."""
        return f / self.scale

    def _information(self, theta):
        """Loss, gradient and the Cholesky factor of the Fisher information (one pass)."""
        try:
            f0, g0, H = self.base.loss_grad_hess(theta)
        except CurvatureOverflowError:  # θ far out (a trial step): no finite information
            n = self.n_params
            return np.inf, np.full(n, np.nan), np.full((n, n), np.nan), None
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
            if not self._seen_finite:  # the first point (θ = 0 in a fit): collinearity
                raise la.LinAlgError(
                    "The Fisher information is singular: the columns of X (with the "
                    "intercept) are linearly dependent."
                )
            # far out along a separating direction every p(1-p) underflows and
            # log det I → -inf: the penalised likelihood is -inf there, a point any
            # line search rejects (this is where separated data send trial steps)
            return np.inf, np.full(self.n_params, np.nan), H
        self._seen_finite = True
        f = f0 - float(np.sum(np.log(np.diag(L)))) * self.scale
        corr, H_h = self._correction(theta, L)
        return f, g0 - corr * self.scale, H + H_h * self.scale

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective and gradient; the information of the same point is kept for :meth:`hessian`."""
        f, g, H = self.loss_grad_hess(theta)
        self._last = (np.array(theta), H)
        return f, g

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        r"""The solver's curvature: the exact Hessian of :math:`f` where it is positive
        definite and the model small (:data:`EXACT_HESSIAN_MAX_PARAMS`), else the
        penalised information :math:`I^*/S` (reused from :meth:`loss_grad` at the same θ).

        Fisher scoring with :math:`I^*` converges linearly, and slowly far along a
        separating direction, where :math:`-\tfrac12\nabla^2\log\det I` dominates
        the curvature (seen: 200 iterations short of a 1e-14 gap in the constrained
        fits of profile intervals); the exact Hessian converges quadratically there.
        """
        last = getattr(self, "_last", None)
        if last is not None and np.array_equal(last[0], theta):
            H_star = last[1]
        else:
            H_star = self.loss_grad_hess(theta)[2]
        if self.n_params > EXACT_HESSIAN_MAX_PARAMS:
            return H_star
        H = self.exact_hessian(theta)
        try:
            la.cholesky(H, lower=True, check_finite=True)
        except (la.LinAlgError, ValueError):
            return H_star  # not convex here: scoring's direction is a descent direction
        return H

    def exact_hessian(self, theta: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \big(I - \tfrac12\nabla^2\log\det I\big)/S`, from
        :func:`logistic.math.inference.block_firth_curvature` (two passes)."""
        _, _, H, L = self._information(theta)
        if L is None:
            return H
        d = self.n_features
        Linv, info = la.lapack.dtrtri(L, lower=1)
        if info != 0:
            return H
        T = Linv.T
        w, b = self.base._split(theta)
        self.base.passes += 1
        C, M = self.backend.reduce(
            obji.block_firth_curvature, w, b, T[:d], T[d] if self.fit_intercept else None
        )
        return H - 0.5 * (C - M.T @ M) * self.scale

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

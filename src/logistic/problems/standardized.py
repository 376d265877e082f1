r"""Solve in standardised coordinates without touching X: an affine change of variables.

First-order and truncated-Newton solvers slow down (and their gap estimates turn
optimistic) when features have very different scales or large offsets: the Hessian
is then badly conditioned, mostly because of the columns' means and spreads. Writing
the margin in terms of standardised features :math:`x' = (x - \mu)/\sigma`,

.. math::

    x\cdot w + b = x'\cdot w' + b', \qquad
    w = w' / \sigma, \quad b = b' - \mu\cdot(w'/\sigma),

i.e. :math:`\theta = T\theta'` with :math:`T = \begin{pmatrix} \operatorname{diag}(1/\sigma)
& 0 \\ -(\mu/\sigma)^\top & 1 \end{pmatrix}`, gives the same objective
:math:`f'(\theta') = f(T\theta')`, with gradient :math:`T^\top\nabla f` and Hessian
:math:`T^\top \nabla^2 f\, T` — the Hessian of the standardised problem. Only
d-sized vectors are transformed; ``X`` is read exactly as before (``μ, σ`` take one
pass, once). The penalty stays on the original :math:`w`, so the optimum is
unchanged. Without an intercept there is nothing to absorb a shift, and only the
scaling is applied (:math:`\sigma` = root mean square of the column). The penalty's
curvature is folded into the scale, :math:`\tilde\sigma_j^2 = \sigma_j^2 + 4\alpha/S`,
so that every coordinate of the standardised problem has curvature ¼ at θ' = 0.

Only for tall data (more rows than parameters): on wide data the iterates of a
Krylov-type solver started at zero stay in the row space of ``X``, and a change of
variables would pull them out of it into directions held only by the penalty.

Newton's method is affine-invariant and does not need this; L-BFGS and Newton-CG do.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..math import binary as obj
from ..math.stable import norm2

__all__ = ["StandardizedProblem"]


class StandardizedProblem:
    """A problem in standardised coordinates θ' around ``problem`` (θ = Tθ').

    ``like``: use the coordinates (μ, σ) of another standardised problem over the same
    columns — e.g. one over a row subsample, whose moments estimate these — instead of
    a pass for the moments; any μ and σ > 0 give the same optimum.

    Exposes the same methods as :class:`logistic.problems.binary.LogisticProblem` (those the
    wrapped problem has), so any solver runs on it unchanged; map its solution back
    with :meth:`to_original`. A multinomial problem is transformed class by class
    (every row of ``W`` and its intercept as one binary θ).
    """

    def __init__(self, problem, *, like: StandardizedProblem | None = None):
        self.problem = problem
        self.n_params = problem.n_params
        self.n_features = problem.n_features
        self.n_rows = getattr(problem, "n_classes", 1) if hasattr(problem, "n_coef") else 1
        self.fit_intercept = problem.fit_intercept
        self.scale = problem.scale
        self.objective_rtol = getattr(problem, "objective_rtol", 8 * np.finfo(float).eps)
        if like is not None:  # the coordinates of another problem over the same columns
            self.mean, self.sigma = like.mean, like.sigma
            return
        mean, var, unit = self._moments(problem)
        # Curvature of column j at θ = 0 is ¼σ_j² + α/S: scale so that every column has ¼.
        sigma = unit * np.sqrt(var + 4.0 * problem.alpha * problem.scale / unit / unit)
        sigma[~(sigma > 1e-12 * max(1.0, float(np.max(np.abs(mean)))))] = 1.0  # constant columns
        self.mean, self.sigma = mean, sigma

    def _moments(self, problem):
        """Column means, variances (in units of ``unit``²) and ``unit``: the columns'
        largest magnitudes when their squares overflow (one more pass, only then)."""
        unit = np.ones(problem.n_features)
        with np.errstate(over="ignore", invalid="ignore"):
            problem.passes += 1
            first, second, total = problem.backend.reduce(obj.block_column_moments)
        if not (np.all(np.isfinite(first)) and np.all(np.isfinite(second))):
            _, peaks = problem.backend.reduce_keep(obj.block_column_max_abs)
            unit = np.max(np.stack(peaks), axis=0)
            unit[~(unit > 0)] = 1.0
            problem.passes += 2
            first, second, total = problem.backend.reduce(obj.block_column_moments, unit)
        mean = first / total
        if self.fit_intercept:
            var = np.maximum(second / total - mean * mean, 0.0)
        else:
            mean, var = np.zeros_like(mean), second / total
        return mean * unit, var, unit

    @property
    def passes(self) -> int:
        return self.problem.passes

    def use_exact_hessian(self) -> bool:
        """The wrapped problem's :meth:`~LogisticProblem.use_exact_hessian` (False if it
        has none: its Hessian reads every row)."""
        exact = getattr(self.problem, "use_exact_hessian", None)
        return bool(exact()) if exact is not None else False

    def user_objective(self, f: float) -> float:
        return self.problem.user_objective(f)

    def _parts(self, theta: np.ndarray):
        """θ → (W of shape (rows, d), b of shape (rows,) or None): views of a copy."""
        theta = np.array(theta, dtype=np.float64)
        m = self.n_rows * self.n_features
        W = theta[:m].reshape(self.n_rows, self.n_features)
        return theta, W, (theta[m:] if self.fit_intercept else None)

    # θ = T θ'  and the transposed map for gradients
    def to_original(self, theta_s: np.ndarray) -> np.ndarray:
        theta, W, b = self._parts(theta_s)
        W /= self.sigma
        if b is not None:
            b -= W @ self.mean
        return theta

    def to_standardized(self, theta: np.ndarray) -> np.ndarray:
        theta_s, W, b = self._parts(theta)
        if b is not None:
            b += W @ self.mean
        W *= self.sigma
        return theta_s

    def _transpose(self, g: np.ndarray) -> np.ndarray:
        """:math:`T^\\top g`."""
        out, G, g_b = self._parts(g)
        if g_b is not None:
            G -= np.outer(g_b, self.mean)
        G /= self.sigma
        return out

    def gradient_norm(self, g_s: np.ndarray) -> float:
        """2-norm of the original gradient :math:`T^{-\\top} g'` (for histories)."""
        g, G, g_b = self._parts(g_s)
        G *= self.sigma
        if g_b is not None:
            G += np.outer(g_b, self.mean)
        return norm2(g)

    # -- the problem protocol ---------------------------------------------------
    def loss(self, theta_s: np.ndarray) -> float:
        return self.problem.loss(self.to_original(theta_s))

    def loss_grad(self, theta_s: np.ndarray):
        f, g = self.problem.loss_grad(self.to_original(theta_s))
        return f, self._transpose(g)

    def loss_grad_hessp(self, theta_s: np.ndarray):
        f, g, hessp = self.problem.loss_grad_hessp(self.to_original(theta_s))

        def hessp_s(v: np.ndarray) -> np.ndarray:
            return self._transpose(hessp(self.to_original(v)))

        return f, self._transpose(g), hessp_s

    def hessian(self, theta_s: np.ndarray, *, low_precision: bool = False) -> np.ndarray:
        """The Hessian in standardised coordinates, :math:`T^\\top \\nabla^2 f\\, T`.

        Formed directly from the standardised design where the problem can (dense data,
        or sparse data without centring): transforming the raw Hessian would cancel
        catastrophically when a column's offset dwarfs its spread.
        """
        theta = self.to_original(theta_s)
        if not (sp.issparse(self.problem.backend.X) and np.any(self.mean)):
            return self.problem.hessian(theta, low_precision=low_precision,
                                        standardize=(self.mean, self.sigma))
        H = self.problem.hessian(theta, low_precision=low_precision)
        T = self._matrix()
        return T.T @ H @ T

    def _matrix(self) -> np.ndarray:
        eye = np.eye(self.n_params)
        return np.column_stack([self.to_original(e) for e in eye])

r"""Composite problems: a smooth logistic objective plus an L1 penalty.

scikit-learn's elastic-net objective with mixing :math:`\rho` (``l1_ratio``) is

.. math::

    \sum_i s_i\,\ell_i + \frac{1}{C}\Big(\rho\|w\|_1 + \frac{1-\rho}{2}\|w\|_2^2\Big),

so it is a *smooth* problem (the loss plus the L2 part, :math:`\alpha = (1-\rho)/C`:
a :class:`~logistic.problems.binary.LogisticProblem` or a
:class:`~logistic.problems.multinomial.MultinomialProblem`) plus the non-smooth
:math:`\lambda\|w\|_1`, :math:`\lambda = \rho/C`. :class:`L1Problem` wraps the smooth
problem and adds what a proximal solver needs:

``l1_weights``
    per-parameter :math:`\lambda_j` in the problem's units (0 for intercepts),
``penalty(θ)``
    :math:`\sum_j \lambda_j |\theta_j|`,
``hessian_subset(θ, idx)``
    the smooth part's Hessian on the parameters ``idx`` only (one pass, reading only
    the feature columns involved — what keeps a working-set method cheap on wide data).
``loss_grad_model(θ)``
    objective and gradient and, for a binary problem on sparse data, a
    :class:`ColumnModel`: the quadratic model at θ, minimised by coordinate descent
    over the data's columns without ever forming the Hessian (None otherwise).

The smooth methods (``loss``, ``loss_grad``, …) are passed through unchanged.
"""

from __future__ import annotations

import numpy as np

from ..math import binary as obj
from .binary import LogisticProblem, require_finite
from .multinomial import MultinomialProblem

__all__ = ["L1Problem", "ColumnModel", "best_shift"]


class L1Problem:
    """``smooth`` + :math:`\\lambda\\|w\\|_1` (intercepts unpenalised).

    Parameters
    ----------
    smooth : a LogisticProblem or MultinomialProblem (its ``alpha`` is the L2 part).
    l1 : :math:`\\lambda = \\rho / C` in scikit-learn's units (sum of losses).
    """

    def __init__(self, smooth, *, l1: float):
        self.smooth = smooth
        self.l1 = float(l1)
        self.n_params = smooth.n_params
        self.scale = smooth.scale
        n_coef = getattr(smooth, "n_coef", smooth.n_features)
        self.l1_weights = np.zeros(self.n_params)
        self.l1_weights[:n_coef] = self.l1 * self.scale
        #: ``(cols, S, Y, n)``: the curvature pairs of the last :class:`ColumnModel`
        #: solve, which precondition the next one (the Hessian changes slowly)
        self.cg_pairs: tuple | None = None
        #: a free descent step along the coefficients' shift (multinomial with an L1
        #: part; see :meth:`_recenter`), or None where there is no such direction
        self.recenter = (self._recenter if isinstance(smooth, MultinomialProblem)
                         and self.l1 > 0 else None)

    # -- pass-through of the smooth part ----------------------------------------
    @property
    def passes(self) -> int:
        return self.smooth.passes

    def loss(self, theta):
        return self.smooth.loss(theta)

    def loss_grad(self, theta):
        return self.smooth.loss_grad(theta)

    def loss_grad_hessp(self, theta):
        return self.smooth.loss_grad_hessp(theta)

    def curvature_bound(self) -> float:
        return self.smooth.curvature_bound()

    def user_objective(self, F: float) -> float:
        """Composite objective from this problem's units to scikit-learn's."""
        return self.smooth.user_objective(F)

    # -- what the proximal solvers add ------------------------------------------
    def _recenter(self, theta: np.ndarray, f: float, g: np.ndarray):
        """A free descent step for a multinomial model: ``(θ, f, g)`` after it.

        The softmax loss is blind to adding the same :math:`v_j` to every class's
        coefficient of column j; the penalty is not. Choosing
        :math:`v_j = \\arg\\min_v \\sum_c \\lambda|W_{cj} - v| + \\tfrac\\alpha2(W_{cj} - v)^2`
        (:func:`best_shift`) lowers the objective at no cost — no pass over the data,
        since the loss part of ``f`` and ``g`` does not change. Coordinate descent
        alone moves along this direction only by zigzags (every coordinate step
        changes the loss), which is what made multinomial L1 fits crawl. Offered as
        :attr:`recenter` for multinomial problems with an L1 part only.
        """
        smooth = self.smooth
        W, _ = smooth.split(theta)
        alpha = smooth.alpha * smooth.scale
        v = best_shift(W, self.l1 * smooth.scale, alpha)
        if not np.any(v):
            return theta, f, g
        W_new = W - v
        theta = np.array(theta, dtype=np.float64)
        theta[: smooth.n_coef] = W_new.reshape(-1)
        g = np.array(g, dtype=np.float64)
        g[: smooth.n_coef] += alpha * (W_new - W).reshape(-1)
        f = f + 0.5 * alpha * (float(np.vdot(W_new, W_new)) - float(np.vdot(W, W)))
        return theta, f, g


    def penalty(self, theta: np.ndarray) -> float:
        """:math:`\\sum_j \\lambda_j|\\theta_j|` in the problem's units."""
        return float(self.l1_weights @ np.abs(theta))

    def use_exact_hessian(self) -> bool:
        """The smooth part's ``use_exact_hessian`` (False if it has none or already was)."""
        exact = getattr(self.smooth, "use_exact_hessian", None)
        return bool(exact()) if exact is not None else False

    def hessian_subset(self, theta: np.ndarray, idx: np.ndarray | None) -> np.ndarray:
        """The smooth part's Hessian on parameters ``idx`` (None: all), one pass."""
        if hasattr(self.smooth, "hessian_subset"):  # multinomial: see its docstring
            return self.smooth.hessian_subset(theta, idx, deflate=self.l1 == 0.0)
        return _binary_hessian_subset(self.smooth, theta, idx)

    def loss_grad_model(self, theta: np.ndarray) -> tuple[float, np.ndarray, ColumnModel | None]:
        """``(f, g, model)`` at θ in one pass; ``model`` is a :class:`ColumnModel` when
        the smooth part is binary and its backend offers column access, else None."""
        columns = self._columns()
        if columns is None:
            f, g = self.smooth.loss_grad(theta)
            return f, g, None
        f, g, h = self.smooth.loss_grad_weights(theta)
        return f, g, ColumnModel(self, columns, theta, h)

    def _columns(self):
        if not isinstance(self.smooth, LogisticProblem):
            return None
        get = getattr(self.smooth.backend, "columns", None)
        return None if get is None else get()


class ColumnModel:
    r"""The quadratic model at θ of a binary :class:`L1Problem`, minimised on the data.

    .. math::

        q(\delta) = g^\top\delta + \tfrac12\|X\delta\|_h^2 + \tfrac\alpha2\|\delta_w\|^2
            + \textstyle\sum_j \lambda_j(|\theta_j+\delta_j| - |\theta_j|)

    (in the problem's units, :math:`\times S^{-1}`), by randomised coordinate descent
    over the columns of ``X`` (:func:`logistic.math.columns.cd_model_sweeps`):
    each coordinate reads one sparse column twice, so the Hessian is never formed.
    Where coordinate descent crawls (correlated columns), conjugate gradients take
    over on the support, preconditioned by the curvature pairs the last solves left
    on the problem (``L1Problem.cg_pairs``).
    """

    #: curvature pairs kept to precondition conjugate gradients, stored float32: they
    #: only shape the preconditioner (a fixed one per CG run, positive definite since
    #: pairs with :math:`s^\top y \le 0` are skipped), and in float64 the pairs kept, the
    #: next model's and the new ones of a CG run took 36 MB at once beside a 45 MB column
    #: copy (100k×50k, 5.6M entries, C=10: 37k columns in the working set)
    PAIRS = 16

    def __init__(self, problem: L1Problem, columns, theta: np.ndarray, h: np.ndarray):
        self.problem, self.columns, self.theta, self.h = problem, columns, theta, h

    def minimise(
        self, ws: np.ndarray, g: np.ndarray, *, tol: float, eta: float, seed: int,
        max_sweeps: int = 1000, cg: bool = True,
    ) -> tuple[np.ndarray, float]:
        r"""The step ``δ`` on the parameters ``ws`` (sorted; the intercept last) and
        :math:`q(\delta)`. Sweeps stop when one decreases the model by at most
        ``max(tol, η·|q|)`` (see :func:`~logistic.math.columns.cd_model_sweeps`);
        ``cg=False``: coordinate descent alone."""
        from ..math.columns import cd_model_sweeps  # numba: imported when first used

        smooth = self.problem.smooth
        scale, d = smooth.scale, smooth.n_features
        ws = np.asarray(ws, dtype=np.int64)
        cols = ws[ws < d]
        slots = self._slots(cols, g[:d])
        copy = self.columns
        colptr, rows, values = copy.colptr, copy.rows, copy.values
        intercept = cols.size < ws.size
        # with an intercept, its step is solved for in closed form (see the kernel)
        S = float(self.h.sum()) if intercept else 0.0
        g_b = float(g[d]) / scale if intercept else 0.0
        curv = np.zeros(cols.size)  # filled by the first sweep
        delta = np.zeros(ws.size)
        v = np.zeros(self.h.size)
        pairs = self._pairs(cols)
        self.problem.cg_pairs = None  # moved into ``pairs``: freed before the sweeps
        q, sweeps = cd_model_sweeps(
            colptr, rows, values, slots, self.h, g[cols] / scale, curv, self.theta[cols],
            self.problem.l1_weights[cols] / scale, smooth.alpha, g_b, S, v,
            delta[: cols.size], max_sweeps, tol / scale, eta, seed, cg, *pairs,
        )
        if intercept and S > 0:  # δ_b = -(g_b + hᵀXδ_w)/S, and the model's value there
            delta[-1] = -(g_b + float(self.h @ v)) / S
            q -= 0.5 * g_b * g_b / S
        self.problem.cg_pairs = (cols, *pairs)
        smooth.passes += int(sweeps)
        return delta, q * scale

    def _slots(self, cols: np.ndarray, g_w: np.ndarray) -> np.ndarray:
        """The positions of the columns ``cols`` in the backend's column copy, copying
        those it lacks — and with them every column not yet copied whose gradient is
        within half its penalty of violating, :math:`|g_j| > \\lambda_j/2`: the
        coordinates likely to join the working set at the next points, so that the
        copy grows in few steps (each reads X's indices once)."""
        copy = self.columns
        if np.any(copy.slot[cols] < 0):
            lam = self.problem.l1_weights[: g_w.size]
            near = np.flatnonzero((copy.slot < 0) & (np.abs(g_w) > 0.5 * lam))
            copy.take(np.union1d(cols, near))
        return copy.take(cols)

    def _pairs(self, ws: np.ndarray):
        """The problem's kept curvature pairs, moved onto the columns ``ws`` of this
        model (coordinates new to it get zeros: the pairs only precondition)."""
        s = np.zeros((self.PAIRS, ws.size), dtype=np.float32)
        y = np.zeros((self.PAIRS, ws.size), dtype=np.float32)
        n = np.zeros(1, dtype=np.int64)
        if self.problem.cg_pairs is not None:
            old_ws, old_s, old_y, old_n = self.problem.cg_pairs
            _, at, old_at = np.intersect1d(ws, old_ws, assume_unique=True, return_indices=True)
            s[:, at] = old_s[:, old_at]
            y[:, at] = old_y[:, old_at]
            n[0] = old_n[0]
        return s, y, n


def _binary_hessian_subset(problem, theta, idx):
    """Hessian of a binary LogisticProblem on the parameters ``idx`` (None: all)."""
    d = problem.n_features
    fi = problem.fit_intercept
    if idx is None:
        idx = np.arange(problem.n_params)
    idx = np.asarray(idx)
    cols = idx[idx < d]
    w, b = theta[:d], (float(theta[d]) if fi else 0.0)
    problem.passes += 1
    with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
        H_JJ, H_Jb, H_bb = problem.backend.reduce(obj.block_hess_columns, w, b, cols)
    H_JJ[np.diag_indices_from(H_JJ)] += problem.alpha
    if fi and idx.size > cols.size:  # the intercept is in idx (always last)
        H = np.block([[H_JJ, H_Jb[:, None]], [H_Jb[None, :], np.reshape(H_bb, (1, 1))]])
    else:
        H = H_JJ
    return require_finite(H * problem.scale, problem.backend, "Hessian")


def best_shift(W: np.ndarray, lam: float, alpha: float) -> np.ndarray:
    r"""Per column j, the :math:`v` minimising :math:`\sum_c \lambda|W_{cj} - v| +
    \tfrac\alpha2 (W_{cj} - v)^2` (0 where no shift lowers it).

    The function is convex and piecewise quadratic in :math:`v` with breakpoints at the
    :math:`W_{cj}`: its minimum is at a breakpoint or at the stationary point of one
    piece, :math:`v = (\sum_c W_{cj} - \lambda(2m - k)/\alpha)/k` with m entries
    below v. All candidates are evaluated (k is small); ties keep the smallest shift.
    """
    k, d = W.shape
    srt = np.sort(W, axis=0)
    cands = [np.zeros(d), *srt]
    if alpha > 0:
        total = W.sum(axis=0)
        lower = np.vstack([np.full(d, -np.inf), srt])
        upper = np.vstack([srt, np.full(d, np.inf)])
        for m in range(k + 1):
            v = (total - lam * (2 * m - k) / alpha) / k
            cands.append(np.clip(v, lower[m], upper[m]))
    V = np.stack(cands, axis=1)  # (d, candidates)
    diff = W[:, :, None] - V[None]  # (k, d, candidates)
    cost = (lam * np.abs(diff) + 0.5 * alpha * diff * diff).sum(axis=0)
    best = cost.min(axis=1, keepdims=True)
    tie = cost <= best + 1e-15 * np.maximum(1.0, np.abs(best))
    pick = np.where(tie, np.abs(V), np.inf).argmin(axis=1)
    v = V[np.arange(d), pick]
    return np.where(cost[np.arange(d), pick] < cost[:, 0], v, 0.0)

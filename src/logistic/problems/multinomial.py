r"""The multinomial (softmax) problem a solver sees, with the layout of scikit-learn.

:class:`MultinomialProblem` exposes the same methods as
:class:`logistic.problems.binary.LogisticProblem`, so every existing solver (``gd``, ``lbfgs``,
``newton``, ``newton-cg``) runs on it unchanged. The parameter vector is

.. math:: \theta = (\operatorname{vec} W,\ b), \qquad W \in \mathbb R^{k\times d}
          \text{ row-major (class by class), } b\in\mathbb R^k,

and the objective, in the units of the mean loss like the binary problem, is

.. math::

    f(\theta) = \frac1S\Big(\sum_i s_i\big(\operatorname{lse}(Wx_i + b) - y_i\cdot(Wx_i+b)\big)
        + \frac\alpha2\|W\|_F^2\Big), \qquad S=\sum_i s_i,

scikit-learn's *symmetric* multinomial: all :math:`k\times d` coefficients penalised,
intercepts not.

**Over-parametrisation.** The softmax is unchanged when the same vector is added to
every row of :math:`(W, b)`. With :math:`\alpha>0` that fixes :math:`W` (the penalty
is smallest when its class-sum is zero) but not :math:`b`; with ``penalty=None``
neither is fixed. We pick the *centred* representative, :math:`\sum_c W_c = 0` and
:math:`\sum_c b_c = 0` (the minimum-norm optimum, which is also what scikit-learn's
``lbfgs`` returns), by three facts: the gradient's class-sum is always zero (the
rows of :math:`P` and :math:`Y` both sum to one), so gradient-type solvers started at
zero stay centred; :meth:`loss_grad_hess` *deflates* the Hessian's null space (adds
:math:`\mu\,uu^\top` for each constant-shift direction :math:`u`, which leaves
:math:`H^{-1}g` equal to the pseudo-inverse solution because :math:`g\perp u`) so
Newton's Cholesky solve is well-posed; and :func:`center` removes any rounding drift.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..math import binary as obj
from ..math import multinomial as mobj
from .binary import EPS64, _stream_rows, _take, finite_gradient, require_finite

__all__ = ["MultinomialProblem", "center", "one_hot"]


def one_hot(y_index: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot float64 matrix (n, k) of integer labels 0..k−1."""
    Y = np.zeros((y_index.shape[0], n_classes))
    Y[np.arange(y_index.shape[0]), y_index] = 1.0
    return Y


def center(W: np.ndarray, b: np.ndarray | None = None, *, coef: bool = True):
    """Subtract the class-mean from the rows of ``W`` (if ``coef``) and from ``b``."""
    W = W - W.mean(axis=0, keepdims=True) if coef else W
    return W if b is None else (W, b - b.mean())


class MultinomialProblem:
    """L2-penalised multinomial loss over a backend holding one-hot labels.

    Parameters
    ----------
    backend : a data backend (see :mod:`logistic.data`) whose ``y`` is one-hot (n, k).
    n_classes : k ≥ 2.
    alpha : L2 strength :math:`1/C` on all coefficients; 0 for no penalty.
    fit_intercept : whether θ ends with k unpenalised intercepts.
    """

    def __init__(self, backend, *, n_classes: int, alpha: float, fit_intercept: bool):
        self.backend = backend
        self.n_classes = int(n_classes)
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self.n_features = backend.n_features
        self.n_coef = self.n_classes * self.n_features
        self.n_params = self.n_coef + self.n_classes * int(self.fit_intercept)
        self.passes = 0
        (sw,) = backend.reduce(obj.block_sum_weights)  # no pass over X
        self.sum_weights = float(sw)
        self.scale = 1.0 / self.sum_weights
        self.hessian_backend = None
        self._hessian_ratio = 1.0
        self._pass_rows = _stream_rows(backend, self.n_coef)  # see LogisticProblem
        #: Relative precision of an objective evaluation, as for LogisticProblem: exact
        #: float64 sums for float64 data and for NumPy float32 rows (whose products run
        #: in float64, see ``logistic.math.multinomial._exact``); float32 device arrays'
        #: scores are float32, about 1e-8 relative, where the line search asking float64
        #: precision of them stalled.
        exact = backend.dtype == np.float64 or type(getattr(backend, "X", None)) is np.ndarray
        self.objective_rtol = 8 * EPS64 if exact else 3e-8

    def subsample_hessian(self, backend) -> None:
        r"""Form Newton's Hessian from ``backend``, a row subsample of the data.

        The loss and gradient stay exact; the Hessian's loss part is estimated from
        the subsample and scaled by :math:`S/S_{sub}`. Newton then converges
        linearly at a rate about the Hessian's relative error,
        :math:`O(\sqrt{p/n_{sub}})`, while an iteration costs :math:`n_{sub}/n` of
        the full Hessian's :math:`k(k+1)/2` Gram products.
        """
        (sw,) = backend.reduce(obj.block_sum_weights)
        self.hessian_backend = backend
        self._hessian_ratio = self.sum_weights / float(sw)

    @property
    def hessian_is_exact(self) -> bool:
        """Whether :meth:`hessian` reads every row (False: a subsample estimate)."""
        return self.hessian_backend is None

    def use_exact_hessian(self) -> bool:
        """Form :meth:`hessian` from every row from now on (see
        :meth:`LogisticProblem.use_exact_hessian`); False if it already was."""
        if self.hessian_backend is None:
            return False
        self.hessian_backend = None
        return True

    # -- layout ----------------------------------------------------------------
    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | float]:
        """θ ↦ (W of shape (k, d), b of shape (k,) or 0.0)."""
        W = theta[: self.n_coef].reshape(self.n_classes, self.n_features)
        return W, (theta[self.n_coef :] if self.fit_intercept else 0.0)

    def join(self, G_W, g_b) -> np.ndarray:
        g = np.asarray(G_W).reshape(-1)
        return np.concatenate([g, np.asarray(g_b).reshape(-1)]) if self.fit_intercept else g

    def _penalised(self, loss, G_W, g_b, W):
        f = (float(loss) + 0.5 * self.alpha * float(np.vdot(W, W))) * self.scale
        return f, finite_gradient(f, self.join(G_W + self.alpha * W, g_b) * self.scale,
                                  self.backend)

    def user_objective(self, f: float) -> float:
        """Convert an objective value from this problem's units to scikit-learn's."""
        return f / self.scale

    # -- one pass each ---------------------------------------------------------
    def loss(self, theta: np.ndarray) -> float:
        """Objective value :math:`f(\\theta)`."""
        W, b = self.split(theta)
        self.passes += 1
        (loss,) = self.backend.reduce(mobj.block_loss, W, b, min_rows=self._pass_rows)
        return (float(loss) + 0.5 * self.alpha * float(np.vdot(W, W))) * self.scale

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective value and gradient."""
        W, b = self.split(theta)
        self.passes += 1
        loss, G_W, g_b = self.backend.reduce(mobj.block_loss_grad, W, b, min_rows=self._pass_rows)
        return self._penalised(loss, G_W, g_b, W)

    def loss_grad_rows(self, theta: np.ndarray, rows: np.ndarray) -> tuple[float, np.ndarray]:
        """Unbiased estimates of the objective and gradient from the rows ``rows``
        (see :meth:`logistic.problems.LogisticProblem.loss_grad_rows`)."""
        W, b = self.split(theta)
        loss, G_W, g_b = _take(self.backend, rows).reduce(mobj.block_loss_grad, W, b)
        r = self.backend.n_samples / len(rows)
        self.passes += 1.0 / r
        return self._penalised(loss * r, G_W * r, g_b * r, W)

    def loss_grad_hessp(
        self, theta: np.ndarray
    ) -> tuple[float, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Objective, gradient, and ``v ↦ ∇²f(θ) v`` (probabilities kept per block)."""
        W, b = self.split(theta)
        self.passes += 1
        (loss, G_W, g_b), kept = self.backend.reduce_keep(mobj.block_loss_grad_probs, W, b)
        f, g = self._penalised(loss, G_W, g_b, W)

        def hessp(v: np.ndarray) -> np.ndarray:
            V, v_b = self.split(v)
            self.passes += 1
            with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
                HV, Hv_b = self.backend.reduce(mobj.block_hessp, V, v_b, per_block=kept)
            Hv = self.join(HV + self.alpha * V, Hv_b) * self.scale
            return require_finite(Hv, self.backend, "Hessian-vector product")

        return f, g, hessp

    def hessian(
        self, theta: np.ndarray, *, low_precision: bool = False, standardize=None
    ) -> np.ndarray:
        """The dense Hessian with its null space deflated (from the row subsample if set).

        Costs :math:`k(k+1)/2` weighted Gram products per block: small ``k·d`` only.
        ``low_precision`` is accepted for the problem protocol (the subsample is
        already float32). ``standardize=(mean, sigma)``: in the standardised
        coordinates of :class:`~logistic.problems.StandardizedProblem` (class by class).
        """
        W, b = self.split(theta)
        d = self.n_features
        backend, ratio = self.backend, 1.0
        if self.hessian_backend is None:
            self.passes += 1
        else:
            backend, ratio = self.hessian_backend, self._hessian_ratio
        with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
            blocks = backend.reduce(mobj.block_hess_columns_at, W, b, None, standardize)
        ridge = None
        if standardize is not None:
            ridge = np.tile(self.alpha / standardize[1] / standardize[1], self.n_classes)
        H = require_finite(self._assemble(*blocks, np.arange(d), None, ratio=ratio, ridge=ridge),
                           self.backend, "Hessian")
        return self._deflate(H, np.arange(self.n_params), coef=True)

    def _deflate(self, H: np.ndarray, idx: np.ndarray, *, coef: bool) -> np.ndarray:
        """Add :math:`\\mu\\,uu^\\top/k` for each shift direction u the loss is blind to,
        restricted to the parameters ``idx`` of ``H``: all intercepts together, and with
        ``coef`` (no L2 part) all classes' coefficients of one column together.

        The gradient is orthogonal to these directions, so a Newton step is unchanged
        by the deflation.
        """
        k, d = self.n_classes, self.n_features
        mu = max(float(np.mean(np.diag(H))), np.finfo(float).tiny) / k
        in_w = idx < self.n_coef
        same = np.zeros((idx.size, idx.size), dtype=bool)
        if self.fit_intercept:  # shifting every intercept by the same amount
            same |= np.outer(~in_w, ~in_w)
        if coef and self.alpha == 0.0:  # shifting every class row of W by the same vector
            col = np.where(in_w, idx % d, -1)
            same |= np.outer(in_w, in_w) & (col[:, None] == col[None, :])
        H[same] += mu
        return H

    def loss_grad_hess(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Objective, gradient and :meth:`hessian` at θ."""
        f, g = self.loss_grad(theta)
        return f, g, self.hessian(theta)

    def hessian_subset(
        self, theta: np.ndarray, idx: np.ndarray | None, *, deflate: bool = False
    ) -> np.ndarray:
        """The Hessian restricted to parameters ``idx`` (None: all): raw, or with
        ``deflate`` its null space deflated as in :meth:`hessian`.

        The raw Hessian is singular along the shifts the loss is blind to. With an L1
        term it must stay raw (a deflated model, solved exactly, would be
        well-posed but the L1 term is not blind to the coefficients' shift; the L1
        solver moves along it by :meth:`logistic.problems.L1Problem.recenter`); without
        one, deflating makes the inner solve exact.

        One pass, reading only the feature columns that ``idx`` touches (of the row
        subsample, when :meth:`subsample_hessian` gave one).
        """
        W, b = self.split(theta)
        d = self.n_features
        if idx is None:
            cols = np.arange(d)
        else:
            idx = np.asarray(idx)
            cols = np.unique(idx[idx < self.n_coef] % d)
        backend, ratio = self.backend, 1.0
        if self.hessian_backend is None:
            self.passes += 1
        else:  # the curvature of a row subsample (see subsample_hessian)
            backend, ratio = self.hessian_backend, self._hessian_ratio
        with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
            blocks = backend.reduce(mobj.block_hess_columns_at, W, b, cols)
        H = require_finite(self._assemble(*blocks, cols, idx, ratio=ratio), self.backend,
                           "Hessian")
        if deflate:
            H = self._deflate(H, np.arange(self.n_params) if idx is None else idx, coef=True)
        return H

    def _assemble(self, H_WW, H_Wb, H_bb, cols, idx, ratio=1.0, ridge=None) -> np.ndarray:
        """Per-class-pair blocks → the (penalised, scaled) Hessian in θ's layout."""
        k, d, m = self.n_classes, self.n_features, cols.size
        H = H_WW.transpose(0, 2, 1, 3).reshape(k * m, k * m)
        if self.fit_intercept:
            H_Wb = H_Wb.transpose(0, 2, 1).reshape(k * m, k)
            H = np.block([[H, H_Wb], [H_Wb.T, H_bb]])
        if ratio != 1.0:
            H *= ratio
        H[np.arange(k * m), np.arange(k * m)] += self.alpha if ridge is None else ridge
        H *= self.scale
        if idx is not None:  # map parameter indices onto the rows of H
            pos = np.searchsorted(cols, idx % d)
            local = np.where(idx < self.n_coef, (idx // d) * m + pos, k * m + (idx - self.n_coef))
            H = H[np.ix_(local, local)]
        return H

    def curvature_bound(self) -> float:
        """Upper bound on the Hessian's largest eigenvalue at every θ.

        :math:`\\lambda_{max}(\\operatorname{diag}(p) - pp^\\top) \\le \\tfrac12`, so
        :math:`L = (\\tfrac12\\sum_i s_i(\\|x_i\\|^2 + [b]) + \\alpha)/S`. One pass.
        """
        self.passes += 1
        with np.errstate(over="ignore"):
            sq, sw = self.backend.reduce(obj.block_gram_trace)
        total = float(sq) + (float(sw) if self.fit_intercept else 0.0)
        bound = require_finite(np.array([0.5 * total + self.alpha]), self.backend, "step size")
        return float(bound[0]) * self.scale

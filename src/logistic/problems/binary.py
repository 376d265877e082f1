r"""The problem a solver sees: an objective over a d-sized parameter vector.

:class:`LogisticProblem` joins a data backend (which sums per-block math over the
rows of ``X``) with the L2 penalty and the intercept, and exposes only functions of
the parameter vector :math:`\theta = (w, b)` (``b`` present when ``fit_intercept``):

.. math::

    f(\theta) = \frac{1}{S}\Big(\sum_i s_i\,\ell(y_i, x_i\cdot w + b)
                + \frac{\alpha}{2}\|w\|^2\Big), \qquad S = \sum_i s_i,
    \quad \alpha = 1/C \ (0 \text{ without penalty}).

This is scikit-learn's objective divided by the total sample weight :math:`S`: the
mean loss, so that gradients are of order one whatever ``n`` is and a learning rate
means what it means in the tutorials. :meth:`LogisticProblem.user_objective`
converts back to scikit-learn's units for reports.

Each method is one pass over the data (or none, for :meth:`hessp` products that
reuse the weights kept by :meth:`loss_grad_hessp`).

Curvature from a subsample. :meth:`hessian` costs :math:`O(n d^2)` against
:math:`O(n d)` for a gradient, so on tall data it is estimated on a fixed uniform
subsample of :math:`m \ll n` rows (drawn once with ``random_state``), weighted to
estimate the full sum. A Newton step with such a Hessian and an *exact* gradient
still converges to the exact optimum — linearly with a rate of order
:math:`\sqrt{d/m}` instead of quadratically — and each iteration costs one pass
plus an :math:`O(m d^2)` Gram product instead of :math:`O(n d^2)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..math import binary as obj

__all__ = ["LogisticProblem", "HESSIAN_MIN_ROWS", "HESSIAN_ROWS_PER_PARAM", "require_finite",
           "finite_gradient"]

EPS64 = float(np.finfo(np.float64).eps)

#: Curvature subsample: at least this many rows ...
HESSIAN_MIN_ROWS = 8192
#: ... and this many per parameter; used only when the data have 4× as many rows.
HESSIAN_ROWS_PER_PARAM = 100


class LogisticProblem:
    """L2-penalised binary logistic loss over a backend, as a function of θ.

    Parameters
    ----------
    backend : a data backend (see :mod:`logistic.data`).
    alpha : L2 strength :math:`1/C`; 0 for the unpenalised maximum-likelihood fit.
    fit_intercept : whether θ ends with an unpenalised intercept.
    """

    def __init__(
        self,
        backend,
        *,
        alpha: float,
        fit_intercept: bool,
        hessian_rows: int | str | None = "auto",
        random_state=None,
    ):
        self.backend = backend
        self.alpha = float(alpha)
        self.fit_intercept = bool(fit_intercept)
        self.n_features = backend.n_features
        self.n_params = self.n_features + int(self.fit_intercept)
        self.passes = 0
        (self.sum_weights,) = backend.reduce(obj.block_sum_weights)
        self.scale = 1.0 / float(self.sum_weights)
        self._hessian_backend = self._curvature_sample(hessian_rows, random_state)
        #: Rows per block for Gram products: enough that each d×d partial is worth it.
        self._gram_rows = max(2048, 2 * self.n_params)
        #: ... and for the passes a fused kernel reads once (see the backend's stream_rows)
        self._pass_rows = _stream_rows(backend, self.n_features)
        #: Relative precision of an objective evaluation: float64 sums are exact to a
        #: few ulps (NumPy float32 rows too: their products run in float64, see
        #: math.binary.exact_rows); float32 products of sparse or device arrays carry
        #: relative errors measured up to ~2e-8 on badly scaled data.
        exact = backend.dtype == np.float64 or type(getattr(backend, "X", None)) is np.ndarray
        self.objective_rtol = 8 * EPS64 if exact else 3e-8

    def _curvature_sample(self, rows, random_state):
        """The backend :meth:`hessian` reads: a row subsample on tall data, else all rows."""
        n = self.backend.n_samples
        if rows == "auto":
            rows = max(HESSIAN_MIN_ROWS, HESSIAN_ROWS_PER_PARAM * self.n_params)
            rows = rows if 4 * rows <= n else None
        if rows is None or rows >= n or not hasattr(self.backend, "subsample"):
            return self.backend
        sub = self.backend.subsample(int(rows), np.random.default_rng(random_state))
        return self.backend if sub is None else sub

    def subsample_hessian(self, backend) -> None:
        """Form :meth:`hessian` from ``backend``: a row subsample of the data whose
        weights are rescaled to this problem's total (:meth:`InMemoryBackend.subsample`),
        so that its sums estimate the full ones. The loss and gradient stay exact."""
        self._hessian_backend = backend

    @property
    def hessian_is_exact(self) -> bool:
        """Whether :meth:`hessian` reads every row (False: a subsample estimate)."""
        return self._hessian_backend is self.backend

    def use_exact_hessian(self) -> bool:
        """Form :meth:`hessian` from every row from now on (Newton's call when the
        subsample's curvature does not pay, see :mod:`logistic.solvers.newton`); False
        if it already was."""
        if self.hessian_is_exact:
            return False
        self._hessian_backend = self.backend
        return True

    # -- helpers -------------------------------------------------------------
    def _split(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        d = self.n_features
        return theta[:d], float(theta[d]) if self.fit_intercept else 0.0

    def _join(self, g_w, g_b) -> np.ndarray:
        return np.append(g_w, g_b) if self.fit_intercept else np.asarray(g_w)

    def _penalised(self, loss, g_w, g_b, w):
        f = (float(loss) + 0.5 * self.alpha * float(w @ w)) * self.scale
        g = self._join(g_w + self.alpha * w, g_b) * self.scale
        return f, finite_gradient(f, g, self.backend)

    def user_objective(self, f: float) -> float:
        """Convert an objective value from this problem's units to scikit-learn's."""
        return f / self.scale

    # -- one pass each -------------------------------------------------------
    def loss(self, theta: np.ndarray) -> float:
        """Objective value :math:`f(\\theta)`."""
        w, b = self._split(theta)
        self.passes += 1
        (loss,) = self.backend.reduce(obj.block_loss, w, b, min_rows=self._pass_rows)
        return (float(loss) + 0.5 * self.alpha * float(w @ w)) * self.scale

    def loss_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Objective value and gradient."""
        w, b = self._split(theta)
        self.passes += 1
        loss, g_w, g_b = self.backend.reduce(obj.block_loss_grad, w, b, min_rows=self._pass_rows)
        return self._penalised(loss, g_w, g_b, w)

    def loss_grad_rows(self, theta: np.ndarray, rows: np.ndarray) -> tuple[float, np.ndarray]:
        r"""Unbiased estimates of :math:`f(\theta)` and :math:`\nabla f(\theta)` from the
        rows ``rows`` (a mini-batch :math:`B` of indices, drawn uniformly): the loss sum
        is estimated by :math:`\frac{n}{|B|}\sum_{i\in B} s_i\ell_i`, the penalty is
        exact. Reads only those rows (a fraction ``|B|/n`` of a pass)."""
        w, b = self._split(theta)
        loss, g_w, g_b = _take(self.backend, rows).reduce(obj.block_loss_grad, w, b)
        r = self.backend.n_samples / len(rows)
        self.passes += 1.0 / r
        return self._penalised(loss * r, g_w * r, g_b * r, w)

    def loss_grad_hess(
        self, theta: np.ndarray, *, stride: int = 1
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Objective, gradient and the dense (n_params × n_params) Hessian, in one pass.

        ``stride > 1``: the Hessian estimated from every ``stride``-th row of each block
        (weights rescaled; see :func:`logistic.math.binary.block_loss_grad_hess`), the
        objective and gradient exact.
        """
        w, b = self._split(theta)
        self.passes += 1
        with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
            loss, g_w, g_b, H_ww, H_wb, H_bb = self.backend.reduce(
                obj.block_loss_grad_hess, w, b, int(stride),
                min_rows=self._gram_rows * int(stride)
            )
        f, g = self._penalised(loss, g_w, g_b, w)
        return f, g, self._assemble_hessian(H_ww, H_wb, H_bb)

    def hessian(
        self, theta: np.ndarray, *, low_precision: bool = False, standardize=None
    ) -> np.ndarray:
        """The (n_params × n_params) Hessian, estimated on a row subsample for tall data.

        One pass over the subsample (or over all rows when :attr:`hessian_is_exact`).
        ``low_precision=True`` forms the Gram product in float32 (for preconditioners).
        ``standardize=(mean, sigma)``: the Hessian in the standardised coordinates of
        :class:`~logistic.problems.StandardizedProblem`, formed from the standardised
        design (see :func:`logistic.math.binary.block_hessian`).
        """
        w, b = self._split(theta)
        if self.hessian_is_exact:
            self.passes += 1
        gram_dtype = np.float32 if low_precision else None
        with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
            H_ww, H_wb, H_bb = self._hessian_backend.reduce(
                obj.block_hessian, w, b, gram_dtype, standardize, min_rows=self._gram_rows
            )
        ridge = self.alpha if standardize is None else self.alpha / standardize[1] / standardize[1]
        return self._assemble_hessian(H_ww, H_wb, H_bb, ridge)

    def _assemble_hessian(self, H_ww, H_wb, H_bb, ridge=None) -> np.ndarray:
        d = H_ww.shape[0]
        H_ww.flat[:: d + 1] += self.alpha if ridge is None else ridge
        if self.fit_intercept:
            H = np.empty((d + 1, d + 1))
            H[:d, :d], H[:d, d], H[d, :d], H[d, d] = H_ww, H_wb, H_wb, H_bb
        else:
            H = H_ww
        return require_finite(H * self.scale, self.backend, "Hessian")

    def _loss_grad_kept(self, theta: np.ndarray) -> tuple[float, np.ndarray, list]:
        """Objective, gradient, and the Newton weights of each block, kept where the
        block lives (one pass)."""
        w, b = self._split(theta)
        self.passes += 1
        (loss, g_w, g_b), h = self.backend.reduce_keep(obj.block_loss_grad_weights, w, b)
        return *self._penalised(loss, g_w, g_b, w), h

    def loss_grad_weights(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        r"""Objective, gradient, and the per-sample Newton weights
        :math:`h_i = s_i\,\sigma(z_i)(1-\sigma(z_i))` (unscaled, all rows), one pass."""
        f, g, h = self._loss_grad_kept(theta)
        return f, g, np.concatenate([np.asarray(hb, dtype=np.float64) for hb in h])

    def loss_grad_hessp(
        self, theta: np.ndarray
    ) -> tuple[float, np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Objective, gradient, and a function ``v ↦ ∇²f(θ) v``.

        The per-sample Newton weights are computed in the same pass and kept by the
        backend; each product then costs one pass (``X v`` and ``Xᵀ u`` per block).
        """
        f, g, h = self._loss_grad_kept(theta)

        def hessp(v: np.ndarray) -> np.ndarray:
            v_w, v_b = self._split(v)
            self.passes += 1
            with np.errstate(over="ignore", invalid="ignore"):  # require_finite says why
                Hv_w, Hv_b = self.backend.reduce(obj.block_hessp, v_w, v_b, per_block=h)
            Hv = self._join(Hv_w + self.alpha * v_w, Hv_b) * self.scale
            return require_finite(Hv, self.backend, "Hessian-vector product")

        return f, g, hessp

    def curvature_bound(self) -> float:
        """An upper bound on the largest Hessian eigenvalue, valid at every θ.

        Uses :math:`p(1-p) \\le 1/4` and :math:`\\lambda_{max}(A^\\top A) \\le
        \\|A\\|_F^2`: :math:`L = \\big(\\tfrac14 \\sum_i s_i (\\|x_i\\|^2 + [b]) +
        \\alpha\\big) / S`. One pass.
        """
        self.passes += 1
        with np.errstate(over="ignore"):
            sq, sw = self.backend.reduce(obj.block_gram_trace)
        total = float(sq) + (float(sw) if self.fit_intercept else 0.0)
        bound = require_finite(np.array([0.25 * total + self.alpha]), self.backend, "step size")
        return float(bound[0]) * self.scale


def _take(backend, rows):
    """The backend's mini-batch ``rows``, or a clear error for a backend without row access."""
    if not hasattr(backend, "take"):
        raise ValueError(f"{type(backend).__name__} has no row access (take): stochastic "
                         "gradients (solver='sgd') need an in-memory backend.")
    return backend.take(rows)


class CurvatureOverflowError(ValueError):
    """A column's magnitude overflows the curvature (its squares are not finite);
    ``column`` is its index in X (the message says "column j of X")."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column

    def named(self, names) -> str:
        """The message with the column's name, where ``names`` (X's columns) has one."""
        if self.column is None or names is None or not 0 <= self.column < len(names):
            return str(self)
        return str(self).replace(f"column {self.column} of X", f"column {names[self.column]!r}",
                                 1)


def require_finite(values: np.ndarray, backend, what: str) -> np.ndarray:
    """``values`` if finite; otherwise a ``ValueError`` naming the column of X whose
    magnitude overflows the curvature (the largest one; one extra pass, only then)."""
    if np.all(np.isfinite(values)):
        return values
    j, peak = _largest_column(backend)
    raise CurvatureOverflowError(
        f"column {j} of X has values up to {peak:.3g}: their squares overflow "
        f"{np.dtype(backend.dtype).name} in the {what}. Rescale the column (e.g. "
        "StandardScaler); with penalty 'l2' or None the default solvers handle such columns "
        "in standardised coordinates.", column=j,
    )


def finite_gradient(f: float, g: np.ndarray, backend) -> np.ndarray:
    r"""``g``, unless it overflowed where the objective ``f`` did not: then a
    ``ValueError`` naming the column of X whose values are too large to sum.

    With a finite objective every score and residual is finite, and each residual is
    at most its weight in size, so the gradient's sums :math:`\sum_i r_i x_{ij}`
    overflow only through the magnitude of the data (a column near the largest
    float), whatever θ is: no step can cure it, and a NaN direction would read as a
    zero decrement. A non-finite objective is a trial step's overflow, which the line
    search rejects."""
    if not (f == f and abs(f) < np.inf) or np.all(np.isfinite(g)):
        return g
    j, peak = _largest_column(backend)
    raise CurvatureOverflowError(
        f"column {j} of X has values up to {peak:.3g}: the gradient's sums over rows "
        f"overflow {np.dtype(backend.dtype).name}. Rescale the column (e.g. StandardScaler).",
        column=j,
    )


def _largest_column(backend) -> tuple[int, float]:
    """The column of X of largest magnitude and that magnitude (one pass)."""
    _, peaks = backend.reduce_keep(obj.block_column_max_abs)
    peak = np.max(np.stack([np.asarray(p, dtype=np.float64) for p in peaks]), axis=0)
    j = int(np.argmax(peak))
    return j, float(peak[j])


def _stream_rows(backend, n_coef: int) -> int:
    """The backend's rows per block for fused passes (0: its default blocks)."""
    get = getattr(backend, "stream_rows", None)
    return 0 if get is None else int(get(n_coef))

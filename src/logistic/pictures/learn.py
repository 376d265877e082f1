r"""``logistic learn``: gradient descent, one step at a time, with real numbers.

The model is :math:`P(y=1\mid x) = \sigma(z)`, :math:`z = x\cdot w + b`,
:math:`\sigma(z) = 1/(1+e^{-z})`, fitted by minimising the mean cross-entropy

.. math::

    L(w, b) = -\frac1n\sum_i \big[y_i\log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))\big],
    \qquad
    \frac{\partial L}{\partial w} = \frac1n X^\top(\sigma(z) - y), \quad
    \frac{\partial L}{\partial b} = \frac1n\sum_i(\sigma(z_i) - y_i),

by gradient descent: :math:`w \leftarrow w - \eta\,\partial L/\partial w`,
:math:`b \leftarrow b - \eta\,\partial L/\partial b`.

The fit itself is the package's ``solver="gd"`` (with ``record_coef=True``);
:func:`explain_steps` recomputes the first steps from the formulas above, in the
open, for printing — and checks that they land where the solver went.

``logistic learn --batch-size B`` sets mini-batch SGD (the package's ``solver="sgd"``)
beside it: each step uses only a batch :math:`\mathcal B` of :math:`B` rows, drawn
without replacement from a fresh shuffle of the rows each epoch,

.. math::

    w \leftarrow w - \eta\,\frac1B X_{\mathcal B}^\top(\sigma(z_{\mathcal B})
    - y_{\mathcal B}), \qquad
    b \leftarrow b - \eta\,\frac1B\sum_{i\in\mathcal B}(\sigma(z_i) - y_i),

an unbiased but noisy estimate of gradient descent's step. One epoch is
:math:`\lceil n/B\rceil` steps and reads every row once, as one step of gradient
descent does; :math:`B = n` *is* gradient descent. :func:`sgd_path` records every
step (through the solver's ``on_step`` hook) and :func:`animate_sgd_beside_gd` draws
both paths over the same epochs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..files.datasets import load_discount_codes, make_blobs
from ..math.stable import log_loss, sigmoid
from . import plots
from .plots import learning_rates_around  # noqa: F401  (re-exported: the panel's rates)

__all__ = ["LearningData", "Step", "load_learning_data", "explain_steps", "learning_rates_around",
           "DATASETS", "SGDPath", "sgd_path", "animate_sgd_beside_gd"]

DATASETS = ("blobs", "discount")


@dataclass
class LearningData:
    """A small teaching problem: standardised features and 0/1 labels."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    mean: np.ndarray
    std: np.ndarray
    description: str


def load_learning_data(name: str) -> LearningData:
    """``"blobs"`` (two Gaussian clouds in the plane) or ``"discount"`` (spending → code).

    Features are standardised (zero mean, unit variance) so that one learning rate suits
    every direction; the discount data keep their single feature, drawn against the label.
    """
    if name == "blobs":
        X, y = make_blobs(n_samples=200, random_state=0)
        names = ["x1 (standardised)", "x2 (standardised)"]
        text = "two Gaussian blobs, 200 points in the plane"
    elif name == "discount":
        X, y = load_discount_codes()
        names = ["spending (standardised)"]
        text = "36 customers: money spent last month → discount code sent (1) or not (0)"
    else:
        raise ValueError(f"unknown teaching data {name!r}; choose one of {DATASETS}.")
    mean, std = X.mean(axis=0), X.std(axis=0)
    return LearningData(name, (X - mean) / std, np.asarray(y), names, mean, std, text)


@dataclass
class Step:
    """Gradient descent's iteration ``k`` (1-based), worked out from the formulas.

    Numbered as the loss table of ``logistic learn`` (and ``history_``) numbers its
    rows, where row ``k`` is the point *after* ``k`` iterations and row 0 the start:
    iteration ``k`` starts at row ``k - 1`` (``w``, ``b``, ``loss``) and lands on row
    ``k`` (``w_new``, ``b_new``, ``loss_new``).
    """

    k: int
    w: np.ndarray
    b: float
    z: np.ndarray
    p: np.ndarray
    loss: float
    grad_w: np.ndarray
    grad_b: float
    w_new: np.ndarray
    b_new: float
    solver_w: np.ndarray | None
    solver_b: float | None
    loss_new: float | None = None

    @property
    def row_before(self) -> int:
        """The loss table's row this iteration starts from."""
        return self.k - 1

    @property
    def row_after(self) -> int:
        """The loss table's row this iteration lands on."""
        return self.k


def explain_steps(model, X, y, n_steps: int = 3) -> list[Step]:
    """Recompute the first ``n_steps`` gradient-descent steps of a fitted ``gd`` model.

    ``model`` must be a ``LogisticRegression(solver="gd", penalty=None,
    learning_rate=η, record_coef=True)`` fitted on ``(X, y)``; each step starts from
    the model's recorded iterate, and ``solver_w``/``solver_b`` hold where the solver
    went next (they equal ``w_new``/``b_new`` up to rounding).
    """
    if getattr(model, "solver_", None) != "gd" or isinstance(model.learning_rate, str):
        raise ValueError("explain_steps needs a model fitted with solver='gd' and a float "
                         "learning_rate.")
    if getattr(model, "penalty_", model.penalty) is not None or not model.fit_intercept:
        raise ValueError("explain_steps shows the unpenalised loss with an intercept; fit "
                         "with penalty=None and fit_intercept=True.")
    X = np.asarray(X, dtype=float)
    y01 = (np.asarray(y) == model.classes_[1]).astype(float)
    eta, n = float(model.learning_rate), X.shape[0]
    W, B = model.coef_path_, model.intercept_path_
    steps = []
    for k in range(min(n_steps, W.shape[0] - 1) if W.shape[0] > 1 else 0):
        w, b = W[k], float(B[k])
        z = X @ w + b                       # z = Xw + b
        p = sigmoid(z)                      # σ(z)
        loss = float(np.mean(log_loss(y01, z)))
        grad_w = X.T @ (p - y01) / n        # ∂L/∂w
        grad_b = float(np.mean(p - y01))    # ∂L/∂b
        w_new, b_new = w - eta * grad_w, b - eta * grad_b
        loss_new = float(np.mean(log_loss(y01, X @ w_new + b_new)))
        steps.append(Step(
            k + 1, w, b, z, p, loss, grad_w, grad_b,
            w_new, b_new, W[k + 1], float(B[k + 1]), loss_new,
        ))
    return steps




# ------------------------------------------------------------- mini-batch SGD beside GD
@dataclass
class SGDPath:
    """Every step of a mini-batch SGD run: row ``t`` is the point after ``t`` steps.

    ``coef`` (T + 1, d) and ``intercept`` (T + 1,) start at 0 (row 0); ``loss`` is the
    full mean loss L at each row; ``batch_loss[t - 1]`` is the batch's estimate of L
    at row ``t - 1``, the one step ``t`` was computed from.
    """

    batch_size: int
    learning_rate: float
    steps_per_epoch: int
    coef: np.ndarray
    intercept: np.ndarray
    loss: np.ndarray
    batch_loss: np.ndarray

    @property
    def epochs(self) -> np.ndarray:
        """Row ``t``'s position in epochs (passes over the data): ``t / steps_per_epoch``."""
        return np.arange(self.coef.shape[0]) / self.steps_per_epoch


def _mean_losses(X, y01, W, b, chunk: int = 2048) -> np.ndarray:
    """The mean loss L at each row of ``(W, b)`` (in column chunks: bounded memory)."""
    out = np.empty(W.shape[0])
    for i in range(0, W.shape[0], chunk):
        Z = X @ W[i : i + chunk].T + b[i : i + chunk]
        out[i : i + chunk] = np.mean(log_loss(y01[:, None], Z), axis=0)
    return out


def sgd_path(X, y, *, batch_size: int, learning_rate: float, epochs: int,
             random_state: int = 0) -> SGDPath:
    """Run constant-step mini-batch SGD on the unpenalised mean loss and keep every step.

    The same run as ``LogisticRegression(penalty=None, solver="sgd",
    batch_size=batch_size, learning_rate=learning_rate, average=False,
    max_iter=epochs, tol=1e-15, random_state=random_state)`` (the raw iterates, no
    averaging, so the noise shows); the model keeps the end of each epoch, this path
    every step. ``batch_size`` larger than ``n`` is one full batch (gradient descent).
    """
    from ..models.fitting import make_problem
    from ..solvers.sgd import sgd

    X = np.asarray(X, dtype=np.float64)
    classes, y_idx = np.unique(np.asarray(y), return_inverse=True)
    if classes.size != 2:
        raise ValueError(f"sgd_path needs two classes, y has {classes.size}.")
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    n, d = X.shape
    B = min(int(batch_size), n)
    problem = make_problem(X, y_idx, None, n_classes=2, multinomial=True, penalty=None, C=1.0,
                           l1_ratio=None, fit_intercept=True)
    thetas, batch_losses = [np.zeros(d + 1)], []

    def record(t, theta, f_batch):
        thetas.append(np.array(theta, dtype=np.float64))
        batch_losses.append(float(f_batch))

    sgd(problem, np.zeros(d + 1), batch_size=B, learning_rate=float(learning_rate),
        average=False, tol=1e-15, max_iter=int(epochs), random_state=random_state,
        on_step=record)
    theta = np.stack(thetas)
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"mini-batch SGD diverged with learning rate {learning_rate:g} and "
                         f"batch size {B}; try a smaller learning rate.")
    W, b = theta[:, :d], theta[:, d]
    loss = _mean_losses(X, (y_idx == 1).astype(float), W, b)
    return SGDPath(B, float(learning_rate), -(-n // B), W, b, loss, np.asarray(batch_losses))


def _overlay(drawing, ax, color: str, label: str):
    """A second model's boundary (and, in 1-D, its σ curve) on a boundary picture."""
    (line,) = ax.plot([], [], color=color, lw=2, label=label, zorder=5)
    curve = ax.plot([], [], color=color, lw=1.5, alpha=0.8)[0] if drawing.d == 1 else None

    def update(w, b):
        w = np.asarray(w, dtype=float).ravel()
        if drawing.d == 2:
            line.set_data(*plots.boundary_line(w, b, (drawing.lo[0], drawing.hi[0]),
                                               (drawing.lo[1], drawing.hi[1])))
            return
        curve.set_data(drawing.gx, sigmoid(w[0] * drawing.gx + b))
        line.set_data(*(([-b / w[0]] * 2, [-0.08, 1.08]) if w[0] != 0 else ([], [])))

    return update


def animate_sgd_beside_gd(gd_model, path: SGDPath, X, y, out, *, max_frames: int = 60,
                          feature_names=None, progress: bool | None = None, fps: int = 8,
                          mp4: bool | None = None, dpi: int = 80) -> list:
    """A GIF of mini-batch SGD beside batch gradient descent, epoch by epoch.

    Left: both decision boundaries on the data (GD's probabilities shaded). Middle:
    the paths of the coefficients (w₁, w₂ for two features; w, b for one) — GD's
    smooth, SGD's noisy. Right: the mean loss L per epoch for both, SGD's at every
    step, with each batch's estimate of it as dots. ``gd_model`` is a ``"gd"`` fit
    with ``record_coef=True`` (one step per epoch); the caption names the batch size
    and the learning rate.
    """
    from matplotlib.figure import Figure

    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    P, Bg = gd_model.coef_path_, gd_model.intercept_path_
    gd_loss = _mean_losses(X, (np.asarray(y) == gd_model.classes_[1]).astype(float), P, Bg)
    ep = path.epochs
    frames = plots._frame_indices(ep.size, 1, max_frames)

    def gd_row(t):  # GD's step k is one epoch: the rows GD has done by SGD's step t
        return min(int(ep[t] + 1e-9), P.shape[0] - 1)

    fig = Figure(figsize=(14, 4.4), layout="constrained", dpi=dpi)
    ax_b, ax_p, ax_l = fig.subplots(1, 3)
    y01 = (np.asarray(y) == gd_model.classes_[1]).astype(int)
    drawing = plots._BoundaryDrawing(ax_b, X, y01, gd_model.classes_,
                                     plots._feature_names(gd_model, d, feature_names), grid=80)
    drawing.line.set_label("batch GD boundary")
    sgd_line = _overlay(drawing, ax_b, "#e08214", f"SGD boundary (B = {path.batch_size})")
    ax_b.legend(loc="best", fontsize=8, framealpha=0.85)

    # the coefficient paths
    if d == 2:
        gx, gy, sx, sy, labels = P[:, 0], P[:, 1], path.coef[:, 0], path.coef[:, 1], ("w₁", "w₂")
    else:
        gx, gy, sx, sy, labels = P[:, 0], Bg, path.coef[:, 0], path.intercept, ("w", "b")
    ax_p.plot(sx, sy, color="#e08214", lw=0.6, alpha=0.25)
    ax_p.plot(gx, gy, color="#999", lw=1, alpha=0.5)
    (sgd_trace,) = ax_p.plot([], [], color="#e08214", lw=1, label="mini-batch SGD (every step)")
    (gd_trace,) = ax_p.plot([], [], "o-", color="black", lw=1.5, ms=3,
                            label="batch GD (every step)")
    (sgd_dot,) = ax_p.plot([], [], "o", color="#e08214", ms=7)
    ax_p.plot([0], [0], "k+", ms=10)
    ax_p.set_xlabel(labels[0])
    ax_p.set_ylabel(labels[1])
    ax_p.set_title("Path of the coefficients (from + = 0)")
    ax_p.legend(loc="best", fontsize=8)
    ax_p.grid(alpha=0.3)

    # the losses
    gd_ep = np.arange(P.shape[0])
    ax_l.plot(ep[1:], path.batch_loss, ".", color="#e08214", ms=2, alpha=0.25,
              label="SGD: the batch's estimate of L")
    ax_l.plot(ep, path.loss, color="#e08214", lw=0.8, alpha=0.25)
    ax_l.plot(gd_ep, gd_loss, color="#999", lw=1, alpha=0.5)
    (sgd_l,) = ax_l.plot([], [], color="#e08214", lw=1.2, label="SGD: L after each step")
    (gd_l,) = ax_l.plot([], [], "o-", color="black", lw=1.5, ms=3,
                        label="batch GD: L after each step")
    top = 1.1 * max(float(np.max(path.loss)), float(np.max(gd_loss)))
    ax_l.set_ylim(0, top)
    ax_l.set_xlabel("epoch (passes over the data; GD: one step each)")
    ax_l.set_ylabel("mean loss L")
    ax_l.set_title("Loss")
    ax_l.legend(loc="upper right", fontsize=8)
    ax_l.grid(alpha=0.3)
    fig.suptitle(f"Mini-batch SGD, batch size B = {path.batch_size} "
                 f"({path.steps_per_epoch} steps per epoch), beside batch gradient descent "
                 f"(B = n = {X.shape[0]}, one step per epoch); both learning rate "
                 f"η = {path.learning_rate:g}")

    def draw(t):
        k = gd_row(t)
        drawing.update(P[k], Bg[k])
        sgd_line(path.coef[t], path.intercept[t])
        ax_b.set_title(f"epoch {ep[t]:.2f}: SGD step {t}, GD step {k}")
        sgd_trace.set_data(sx[: t + 1], sy[: t + 1])
        sgd_dot.set_data([sx[t]], [sy[t]])
        gd_trace.set_data(gx[: k + 1], gy[: k + 1])
        sgd_l.set_data(ep[: t + 1], path.loss[: t + 1])
        gd_l.set_data(gd_ep[: k + 1], gd_loss[: k + 1])
        return ()

    return plots.save_animation(fig, draw, frames, out, fps=fps, mp4=mp4, dpi=dpi,
                                progress=progress)

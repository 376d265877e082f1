r"""Pictures of a logistic regression: how it learned and how good it is.

Every function draws on a matplotlib ``Axes`` (made for you when ``ax`` is None) and
returns it, so pictures compose into your own figures; nothing here calls
``plt.show`` or chooses a backend (files are written from bare ``Figure`` objects, so
they work headless). They read only a fitted model's public results (``coef_``,
``intercept_``, ``history_``, ``predict_proba``, and ``coef_path_`` from
``record_coef=True``).

=============================== ====================================================
:func:`loss_curve`               the objective per iteration (``history_``)
:func:`accuracy_curve`           training accuracy per iteration (``coef_path_``)
:func:`decision_boundary`        data, probability contours, the line w·x + b = 0
:func:`roc_curve`                true- vs false-positive rate, with the AUC
:func:`precision_recall_curve`   precision vs recall, with average precision
:func:`calibration_curve`        observed frequency vs predicted probability
:func:`coefficients`             coefficients, with confidence intervals when the
                                 model has ``summary()`` (inference)
:func:`confusion_matrix`         counts of true vs predicted classes
:func:`learning_rate_panel`      gradient descent with a too-small, a good and a
                                 too-large learning rate, side by side
:func:`animate_training`         a GIF (and MP4) of the boundary moving as the loss falls
=============================== ====================================================

The boundary. The model predicts :math:`P(y=1\mid x) = \sigma(w\cdot x + b)`, so the
probability is ½ exactly on the hyperplane :math:`w\cdot x + b = 0`. In the plane it is
the line :math:`x_2 = -(b + w_1 x_1)/w_2` (drawn with ``x_1`` as the free variable when
:math:`|w_2| \ge |w_1|`, else the other way round, so the line never becomes steep);
the contour of probability :math:`p` is the parallel line
:math:`w\cdot x + b = \operatorname{logit}(p)`. For one feature the boundary is the
point :math:`x = -b/w`, drawn as a vertical line beside the fitted sigmoid.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn import metrics as _metrics
from sklearn.base import clone
from sklearn.calibration import calibration_curve as _calibration_curve

from ..math.stable import sigmoid

__all__ = [
    "loss_curve",
    "accuracy_curve",
    "decision_boundary",
    "roc_curve",
    "precision_recall_curve",
    "calibration_curve",
    "coefficients",
    "confusion_matrix",
    "learning_rate_panel",
    "default_learning_rates",
    "animate_training",
    "boundary_line",
]

#: Probability levels drawn as contours around the boundary.
CONTOUR_LEVELS = (0.1, 0.25, 0.75, 0.9)
_CLASS_COLORS = ("#2166ac", "#b2182b")  # class 0 blue, class 1 red (RdBu ends)


def _axes(ax: Axes | None, figsize=(5.5, 4.2)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _require(model, attr: str, hint: str):
    if not hasattr(model, attr):
        raise ValueError(f"the model has no {attr!r}: {hint}")
    return getattr(model, attr)


def _positive_scores(model, X, y):
    """``(y01, p)``: labels as 0/1 (1 = ``classes_[1]``) and P(class 1)."""
    classes = _require(model, "classes_", "fit the model first.")
    y = np.asarray(y)
    return (y == classes[1]).astype(int), model.predict_proba(X)[:, 1]


# --------------------------------------------------------------------- training
def loss_curve(model, ax: Axes | None = None, *, per_sample: int | None = None) -> Axes:
    """The objective after each iteration (row 0 of ``history_`` = the start).

    Parameters
    ----------
    model : a fitted :class:`~logistic.LogisticRegression`.
    per_sample : if given (the number of training samples), plot the objective divided
        by it — the mean loss of the tutorials — instead of scikit-learn's sum.
    """
    hist = _require(model, "history_", "fit the model first.")
    f = np.asarray(hist["objective"], dtype=float)
    ylabel = "objective (sum of log-losses + penalty)"
    if per_sample:
        f = f / per_sample
        ylabel = "mean loss"
    ax = _axes(ax)
    ax.plot(np.arange(f.size), f, marker="o" if f.size <= 30 else None, ms=3, color="#444")
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Loss during training ({getattr(model, 'solver_', '?')})")
    ax.grid(alpha=0.3)
    return ax


def accuracy_curve(model, X, y, ax: Axes | None = None) -> Axes:
    """Accuracy on ``(X, y)`` of the coefficients after each iteration.

    Needs the coefficient path: fit with ``record_coef=True``.
    """
    P = _require(model, "coef_path_", "fit with record_coef=True to record the path.")
    b = model.intercept_path_
    y01 = (np.asarray(y) == model.classes_[1]).astype(int)
    Z = np.asarray(X, dtype=float) @ P.T + b  # (n_samples, n_iter + 1)
    acc = np.mean((Z > 0) == y01[:, None], axis=0)
    ax = _axes(ax)
    ax.plot(np.arange(acc.size), acc, color="#1b7837", marker="o" if acc.size <= 30 else None,
            ms=3)
    ax.set_xlabel("iteration")
    ax.set_ylabel("accuracy")
    ax.set_ylim(min(0.0, acc.min()) - 0.02, 1.02)
    ax.set_title("Training accuracy per iteration")
    ax.grid(alpha=0.3)
    return ax


# --------------------------------------------------------------------- boundary
def boundary_line(w: Sequence[float], b: float, xlim, ylim) -> tuple[np.ndarray, np.ndarray]:
    """Two end points of the line :math:`w_1x_1 + w_2x_2 + b = 0` across the box.

    Returns empty arrays when :math:`w = 0` (no boundary: every point has p = σ(b)).
    """
    w1, w2 = float(w[0]), float(w[1])
    if w1 == 0.0 and w2 == 0.0:
        return np.array([]), np.array([])
    if abs(w2) >= abs(w1):
        xs = np.asarray(xlim, dtype=float)
        return xs, -(b + w1 * xs) / w2
    ys = np.asarray(ylim, dtype=float)
    return -(b + w2 * ys) / w1, ys


def _feature_names(model, d: int, names=None) -> list[str]:
    if names is not None:
        return [str(n) for n in names]
    if hasattr(model, "feature_names_in_"):
        return [str(n) for n in model.feature_names_in_]
    return [f"x{i + 1}" for i in range(d)]


class _BoundaryDrawing:
    """The artists of a decision-boundary picture, updatable for animation frames."""

    def __init__(self, ax: Axes, X, y01, classes, names, *, grid: int = 150, margin=0.08):
        self.ax, self.X = ax, np.asarray(X, dtype=float)
        self.d = self.X.shape[1]
        if self.d not in (1, 2):
            raise ValueError(
                f"a decision boundary can be drawn for 1 or 2 features, X has {self.d}."
            )
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        pad = margin * np.where(hi > lo, hi - lo, 1.0)
        self.lo, self.hi = lo - pad, hi + pad
        self._contours = None
        for k, (cls, color) in enumerate(zip(classes, _CLASS_COLORS, strict=True)):
            m = y01 == k
            yy = self.X[m, 1] if self.d == 2 else y01[m]
            ax.scatter(self.X[m, 0], yy, s=18, c=color, edgecolors="white", linewidths=0.5,
                       label=f"class {cls}", zorder=3)
        ax.set_xlim(self.lo[0], self.hi[0])
        if self.d == 2:
            self.gx = np.linspace(self.lo[0], self.hi[0], grid)
            self.gy = np.linspace(self.lo[1], self.hi[1], grid)
            ax.set_ylim(self.lo[1], self.hi[1])
            self.image = ax.imshow(
                np.zeros((grid, grid)), extent=(self.lo[0], self.hi[0], self.lo[1], self.hi[1]),
                origin="lower", cmap="RdBu_r", vmin=0, vmax=1, alpha=0.35, aspect="auto",
                interpolation="bilinear", zorder=0,
            )
            ax.set_xlabel(names[0])
            ax.set_ylabel(names[1])
        else:
            self.gx = np.linspace(self.lo[0], self.hi[0], 300)
            (self.curve,) = ax.plot([], [], color="#555", lw=2, label="P(class 1) = σ(wx + b)")
            ax.axhline(0.5, color="#999", lw=0.8, ls=":")
            ax.set_ylim(-0.08, 1.08)
            ax.set_xlabel(names[0])
            ax.set_ylabel(f"P(y = {classes[1]})  /  label")
        (self.line,) = ax.plot([], [], color="black", lw=2, label="boundary w·x + b = 0",
                               zorder=4)
        ax.legend(loc="best", fontsize=8, framealpha=0.85)

    def update(self, w, b: float) -> None:
        w = np.asarray(w, dtype=float).ravel()
        if self.d == 1:
            self.curve.set_data(self.gx, sigmoid(w[0] * self.gx + b))
            if w[0] != 0.0:
                x0 = -b / w[0]
                self.line.set_data([x0, x0], [-0.08, 1.08])
            else:
                self.line.set_data([], [])
            return
        gxx, gyy = np.meshgrid(self.gx, self.gy)
        z = w[0] * gxx + w[1] * gyy + b
        self.image.set_data(sigmoid(z))
        if self._contours is not None:
            self._contours.remove()
            self._contours = None
        if np.ptp(z) > 0:
            levels = [np.log(p / (1 - p)) for p in CONTOUR_LEVELS]
            levels = [lv for lv in levels if z.min() < lv < z.max()]
            if levels:
                self._contours = self.ax.contour(
                    gxx, gyy, z, levels=levels, colors="#333", linewidths=0.7,
                    linestyles="dashed", zorder=2,
                )
                fmt = {lv: f"p={p:g}" for lv, p in zip(
                    [np.log(p / (1 - p)) for p in CONTOUR_LEVELS], CONTOUR_LEVELS, strict=True)}
                self.ax.clabel(self._contours, fmt=fmt, fontsize=7)
        xs, ys = boundary_line(w, b, (self.lo[0], self.hi[0]), (self.lo[1], self.hi[1]))
        self.line.set_data(xs, ys)


def decision_boundary(
    model,
    X,
    y,
    ax: Axes | None = None,
    *,
    coef=None,
    intercept: float | None = None,
    feature_names=None,
    grid: int = 150,
) -> Axes:
    """Data, probability contours and the boundary :math:`w\\cdot x + b = 0`.

    With two features: the plane coloured by :math:`P(y=1\\mid x)`, dashed contours at
    p = 0.1, 0.25, 0.75, 0.9 and the boundary line. With one feature: the labels
    against the feature, the fitted sigmoid and the boundary point as a vertical line.

    Parameters
    ----------
    model : a fitted model (its ``classes_``, ``coef_`` and ``intercept_`` are used).
    X : array of shape (n_samples, 1 or 2).
    y : labels (values of ``model.classes_``).
    coef, intercept : draw these coefficients instead of the model's (e.g. one row of
        ``coef_path_``).
    """
    ax = _axes(ax)
    classes = _require(model, "classes_", "fit the model first.")
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    y01 = (np.asarray(y) == classes[1]).astype(int)
    w = np.ravel(model.coef_ if coef is None else coef)
    b = float(model.intercept_[0] if intercept is None else intercept)
    drawing = _BoundaryDrawing(ax, X, y01, classes, _feature_names(model, X.shape[1],
                                                                     feature_names), grid=grid)
    drawing.update(w, b)
    ax.set_title("Decision boundary and P(class 1)")
    return ax


# ------------------------------------------------------------------- evaluation
def _unit_square(ax: Axes, xlabel: str, ylabel: str, title: str, *, legend: str) -> Axes:
    """Label a plot of one rate against another on the square [0, 1]²."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.legend(loc=legend, fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def roc_curve(model, X, y, ax: Axes | None = None) -> Axes:
    """ROC curve (:func:`sklearn.metrics.roc_curve` of ``predict_proba``), AUC in the legend."""
    y01, p = _positive_scores(model, X, y)
    fpr, tpr, _ = _metrics.roc_curve(y01, p)
    auc = _metrics.auc(fpr, tpr)
    ax = _axes(ax)
    ax.plot(fpr, tpr, color="#b2182b", lw=2, label=f"model (AUC = {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="chance")
    return _unit_square(ax, "false positive rate", "true positive rate", "ROC curve",
                        legend="lower right")


def precision_recall_curve(model, X, y, ax: Axes | None = None) -> Axes:
    """Precision against recall, average precision in the legend, prevalence as baseline."""
    y01, p = _positive_scores(model, X, y)
    precision, recall, _ = _metrics.precision_recall_curve(y01, p)
    ap = _metrics.average_precision_score(y01, p)
    ax = _axes(ax)
    ax.plot(recall, precision, color="#2166ac", lw=2, drawstyle="steps-post",
            label=f"model (AP = {ap:.3f})")
    ax.axhline(y01.mean(), color="#999", ls="--", lw=1, label=f"prevalence ({y01.mean():.2f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision–recall curve")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def calibration_curve(
    model, X, y, ax: Axes | None = None, *, n_bins: int = 10, strategy: str = "uniform"
) -> Axes:
    """Observed frequency of class 1 against mean predicted probability, per bin.

    A well-calibrated model lies on the diagonal. Bins with no samples are left out
    (:func:`sklearn.calibration.calibration_curve`).
    """
    y01, p = _positive_scores(model, X, y)
    frac, mean_pred = _calibration_curve(y01, p, n_bins=n_bins, strategy=strategy)
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="perfectly calibrated")
    ax.plot(mean_pred, frac, marker="o", color="#762a83", lw=1.5, label="model")
    return _unit_square(ax, "mean predicted probability", "fraction of class 1",
                        "Calibration curve", legend="upper left")


def confusion_matrix(model, X, y, ax: Axes | None = None) -> Axes:
    """Counts of (true class, predicted class), annotated in each cell."""
    classes = _require(model, "classes_", "fit the model first.")
    cm = _metrics.confusion_matrix(np.asarray(y), model.predict(X), labels=classes)
    ax = _axes(ax, figsize=(4, 3.6))
    ax.imshow(cm, cmap="Blues", vmin=0)
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=12,
                color="white" if v > cm.max() / 2 else "black")
    ticks = [str(c) for c in classes]
    ax.set_xticks([0, 1], ticks)
    ax.set_yticks([0, 1], ticks)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix")
    return ax


# ------------------------------------------------------------------ coefficients
def coefficient_table(model, alpha: float = 0.05, feature_names=None):
    """``(names, estimates, intervals or None)`` of a fitted model, intercept included.

    When the model offers inference (a ``summary()`` whose result has ``params`` and
    ``conf_int(alpha)``), its estimates and ``(1 - alpha)`` intervals are used, in its
    order and with its names when it has them; otherwise the bare coefficients.
    """
    d = np.ravel(model.coef_).size
    names = _feature_names(model, d, feature_names)
    fit_intercept = bool(getattr(model, "fit_intercept", True))
    est = np.ravel(model.coef_)
    if fit_intercept:
        names, est = ["intercept", *names], np.r_[model.intercept_[0], est]
    if getattr(model, "inference_", None) is not None and np.ravel(model.intercept_).size == 1:
        s = model.summary()
        params, ci = s.params, s.conf_int(alpha)
        p = np.asarray(params, dtype=float).ravel()
        ci = np.asarray(ci, dtype=float).reshape(-1, 2)
        if hasattr(params, "index") and len(params.index) == p.size:
            return [str(n) for n in params.index], p, ci
        if p.size == est.size and np.allclose(p, est, rtol=1e-6, atol=1e-9):
            return names, p, ci
        if fit_intercept and p.size == est.size and np.allclose(p, np.r_[est[1:], est[0]],
                                                                rtol=1e-6, atol=1e-9):
            return [*names[1:], names[0]], p, ci
        return [f"param {i}" for i in range(p.size)], p, ci
    return names, est, None


def coefficients(
    model, ax: Axes | None = None, *, alpha: float = 0.05, feature_names=None
) -> Axes:
    """The coefficients as points, with ``(1 - alpha)`` confidence intervals when available.

    Intervals come from the model's ``summary().conf_int(alpha)`` when the model offers
    inference; otherwise only the estimates are drawn (and the title says so).
    """
    _require(model, "coef_", "fit the model first.")
    names, est, ci = coefficient_table(model, alpha, feature_names)
    ax = _axes(ax, figsize=(5.5, max(2.5, 0.28 * len(names) + 1.2)))
    pos = np.arange(len(names))[::-1]
    if ci is not None:
        ax.errorbar(est, pos, xerr=np.abs(ci.T - est), fmt="o", color="#2166ac", ecolor="#777",
                    capsize=3, ms=4)
        ax.set_title(f"Coefficients with {100 * (1 - alpha):g}% confidence intervals")
    else:
        ax.plot(est, pos, "o", color="#2166ac", ms=4)
        ax.set_title("Coefficients (no inference available)")
    ax.axvline(0, color="#999", lw=1)
    ax.set_yticks(pos, names, fontsize=8)
    ax.set_xlabel("coefficient (change in log-odds)")
    ax.grid(alpha=0.3, axis="x")
    return ax


# ----------------------------------------------------------------- learning rate
def default_learning_rates(X) -> tuple[float, float, float]:
    """Too small, good and too large for gradient descent on the mean loss of ``X``.

    With :math:`L = \\lambda_{max}(\\nabla^2 L(0))` the largest curvature of the mean
    loss (it is largest at θ = 0, where every σ'(z) = ¼), :math:`1/L` is safe and fast,
    :math:`0.05/L` crawls, and :math:`20/L` overshoots the minimum so the loss
    oscillates (the curvature near the minimum is smaller than at 0, so merely
    exceeding :math:`2/L` is not enough to see it; on separable data, where the
    curvature vanishes along the way, even 20/L may only look fast).

    :math:`L` is the exact eigenvalue of the dense Hessian — these panels are drawn
    for one or two features.
    """
    from ..data import make_backend
    from ..problems.binary import LogisticProblem

    X = np.asarray(X, dtype=float)
    dummy = np.zeros(X.shape[0])  # the Hessian at θ = 0 does not depend on y
    problem = LogisticProblem(make_backend(X, dummy, None), alpha=0.0, fit_intercept=True)
    _, _, H = problem.loss_grad_hess(np.zeros(problem.n_params))
    L = float(np.linalg.eigvalsh(H)[-1])
    return 0.05 / L, 1.0 / L, 20.0 / L


def learning_rate_panel(
    X,
    y,
    rates: Sequence[float] | None = None,
    *,
    n_iter: int = 60,
    axes=None,
    feature_names=None,
    **model_params,
):
    """Gradient descent with three learning rates side by side: losses on top, boundaries below.

    Fits ``LogisticRegression(solver="gd", learning_rate=η, max_iter=n_iter,
    penalty=None)`` (override with ``model_params``) for each η in ``rates``
    (default :func:`default_learning_rates`) and draws the mean loss per iteration and
    the final boundary.

    Returns
    -------
    axes : ndarray of Axes, shape (2, len(rates)).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from ..models.estimator import LogisticRegression

    X = np.asarray(X, dtype=float)
    rates = default_learning_rates(X) if rates is None else tuple(rates)
    labels = ("too small", "good", "too large") if len(rates) == 3 else [""] * len(rates)
    if axes is None:
        _, axes = plt.subplots(2, len(rates), figsize=(4.2 * len(rates), 7.2),
                               layout="constrained", squeeze=False)
    params = {"penalty": None, "tol": 1e-15, **model_params}
    for j, (eta, label) in enumerate(zip(rates, labels, strict=True)):
        model = LogisticRegression(solver="gd", learning_rate=float(eta), max_iter=n_iter,
                                   **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        ax = loss_curve(model, axes[0, j], per_sample=X.shape[0])
        ax.set_title(f"η = {eta:.3g} ({label})" if label else f"η = {eta:.3g}")
        decision_boundary(model, X, y, axes[1, j], feature_names=feature_names)
        axes[1, j].set_title(f"boundary after {int(model.n_iter_[0])} iterations")
    return axes


# ---------------------------------------------------------------------- animation
def _frame_indices(n_rows: int, every: int, max_frames: int | None) -> np.ndarray:
    idx = np.arange(0, n_rows, max(1, int(every)))
    if idx[-1] != n_rows - 1:
        idx = np.append(idx, n_rows - 1)
    if max_frames is not None and idx.size > max_frames:
        idx = np.unique(np.round(np.linspace(0, n_rows - 1, max_frames)).astype(int))
    return idx


def animate_training(
    model,
    X,
    y,
    path: str | Path,
    *,
    every: int = 1,
    max_frames: int | None = 200,
    fps: int = 8,
    mp4: bool | None = None,
    feature_names=None,
    dpi: int = 80,
) -> list[Path]:
    """Write a GIF of the boundary moving beside the falling loss, one frame per iterate.

    Parameters
    ----------
    model : a :class:`~logistic.LogisticRegression`. If it has no ``coef_path_`` (not
        fitted with ``record_coef=True``), a clone with ``record_coef=True`` is fitted
        on ``(X, y)``.
    X, y : the training data (1 or 2 features).
    path : the GIF's file name; the MP4 goes beside it with the suffix ``.mp4``.
    every : draw every ``every``-th recorded iterate (the last is always drawn).
    max_frames : at most this many frames, spread evenly over the run (None: no cap).
    fps : frames per second.
    mp4 : also write an MP4 with ffmpeg; None means "when ffmpeg is on PATH".

    Returns
    -------
    The paths written (the GIF first).
    """
    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    if not hasattr(model, "coef_path_"):
        model = clone(model).set_params(record_coef=True).fit(X, y)
    X = np.asarray(X, dtype=float)
    P, B = model.coef_path_, model.intercept_path_
    loss = np.asarray(model.history_["objective"], dtype=float) / X.shape[0]
    n_rows = min(P.shape[0], loss.size)
    frames = _frame_indices(n_rows, every, max_frames)

    fig = Figure(figsize=(10, 4.2), layout="constrained", dpi=dpi)  # no pyplot, no GUI
    ax_b, ax_l = fig.subplots(1, 2)
    y01 = (np.asarray(y) == model.classes_[1]).astype(int)
    drawing = _BoundaryDrawing(ax_b, X, y01, model.classes_,
                               _feature_names(model, X.shape[1], feature_names), grid=100)
    ax_l.plot(np.arange(n_rows), loss[:n_rows], color="#bbb", lw=1)
    (trace,) = ax_l.plot([], [], color="#b2182b", lw=2)
    (dot,) = ax_l.plot([], [], "o", color="#b2182b")
    ax_l.set_xlabel("iteration")
    ax_l.set_ylabel("mean loss")
    ax_l.set_title("Loss")
    ax_l.grid(alpha=0.3)

    def draw(k):
        drawing.update(P[k], B[k])
        ax_b.set_title(f"iteration {k}: w = {np.array2string(P[k], precision=2)}, b = {B[k]:.2f}")
        trace.set_data(np.arange(k + 1), loss[: k + 1])
        dot.set_data([k], [loss[k]])
        return ()

    draw(int(frames[-1]))  # lay the figure out once, for the widest titles and ticks ...
    fig.draw_without_rendering()
    fig.set_layout_engine("none")  # ... then keep it: per-frame layout would triple the cost
    anim = FuncAnimation(fig, draw, frames=list(frames), blit=False, repeat=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    written = [path]
    if mp4 is None:
        mp4 = shutil.which("ffmpeg") is not None and FFMpegWriter.isAvailable()
    if mp4:
        mp4_path = path.with_suffix(".mp4")
        anim.save(mp4_path, writer=FFMpegWriter(fps=fps), dpi=dpi)
        written.append(mp4_path)
    return written

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
:func:`confusion_matrix`         counts of true vs predicted classes (k × k)
:func:`roc_curves`               one ROC curve per class, one-vs-rest, with AUCs
:func:`probability_histogram`    predicted probabilities, one histogram per true class
:func:`coefficient_heatmap`      the coefficients as a classes × features heat map
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

Styling and more than two classes. Each picture function takes ``label=`` (the legend
entry of its main artist; for the curves it prefixes the AUC / AP shown there) and
``**kwargs`` passed to its main matplotlib call (the curve's ``plot``, the boundary
line or contours, the matrix's ``imshow``, the coefficients' ``errorbar``). With more
than two classes the ROC, precision–recall and calibration curves are drawn per class,
one-vs-rest; the decision boundary colours the plane by the predicted class (1 or 2
features); :func:`coefficients` refuses (use :func:`coefficient_heatmap`).
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
    "roc_curves",
    "probability_histogram",
    "coefficient_heatmap",
    "coefficient_table",
    "learning_rate_panel",
    "default_learning_rates",
    "animate_training",
    "boundary_line",
]

#: Probability levels drawn as contours around the boundary.
CONTOUR_LEVELS = (0.1, 0.25, 0.75, 0.9)
_CLASS_COLORS = ("#2166ac", "#b2182b")  # class 0 blue, class 1 red (RdBu ends)


def _dense(X) -> np.ndarray:
    """The points to draw as a dense float array (scipy.sparse rows densified: a plot
    draws few enough points; ``np.asarray`` of a sparse matrix is a 0-d object array)."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=float)


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


def _class_colors(k: int) -> list:
    """Blue/red for two classes (RdBu ends), the ``tab10`` colours for more."""
    if k <= 2:
        return list(_CLASS_COLORS[:k])
    cmap = plt.get_cmap("tab10")
    return [cmap(i % 10) for i in range(k)]


def _is_multiclass(model) -> bool:
    return len(_require(model, "classes_", "fit the model first.")) > 2


def _one_vs_rest(model, X, y):
    """``(classes, Y, P)``: 0/1 indicators (n, k) of each class and P(class | x) (n, k)."""
    classes = _require(model, "classes_", "fit the model first.")
    y = np.asarray(y)
    Y = (y[:, None] == np.asarray(classes)[None, :]).astype(int)
    return classes, Y, np.asarray(model.predict_proba(X), dtype=float)


def _weighted_one_vs_rest(model, X, y, sample_weight):
    """:func:`_one_vs_rest` and the weights (:func:`_weights`), the rows of weight 0
    left out."""
    classes, Y, P = _one_vs_rest(model, X, y)
    s = _weights(sample_weight, Y.shape[0])
    if s is not None:
        Y, P, s = Y[s > 0], P[s > 0], s[s > 0]
    return classes, Y, P, s


def _weights(sample_weight, n: int) -> np.ndarray | None:
    """Sample weights as float64 of length ``n`` (None: every row counts once), or a
    ValueError naming what is wrong with them."""
    if sample_weight is None:
        return None
    s = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if s.size != n:
        raise ValueError(f"sample_weight has {s.size} entries for {n} rows.")
    if not (np.all(np.isfinite(s)) and np.all(s >= 0)) or not s.sum() > 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero.")
    return s


def _calibration(y01, p, s, *, n_bins: int, strategy: str):
    """``(fraction of positives, mean prediction)`` per non-empty bin of ``p``:
    :func:`sklearn.calibration.calibration_curve` without weights; with weights ``s``
    the bins' weighted means, quantile bins cutting the total weight evenly."""
    if s is None:
        return _calibration_curve(y01, p, n_bins=n_bins, strategy=strategy)
    if strategy == "quantile":
        order = np.argsort(p, kind="stable")
        cum = np.cumsum(s[order]) - 0.5 * s[order]  # each row's weight centred on it
        edges = np.interp(np.linspace(0.0, 1.0, n_bins + 1) * s.sum(), cum, p[order])
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}.")
    ids = np.searchsorted(edges[1:-1], p)
    total = np.bincount(ids, weights=s, minlength=n_bins)
    hit = total > 0
    frac = np.bincount(ids, weights=s * y01, minlength=n_bins)[hit] / total[hit]
    mean = np.bincount(ids, weights=s * p, minlength=n_bins)[hit] / total[hit]
    return frac, mean


def _styled(defaults: dict, kwargs: dict) -> dict:
    """The defaults overridden by the caller's matplotlib keyword arguments."""
    out = {**defaults, **kwargs}
    if "c" in kwargs:
        out.pop("color", None)
    return out


# --------------------------------------------------------------------- training
def loss_curve(model, ax: Axes | None = None, *, per_sample: int | None = None,
               label: str | None = None, **kwargs) -> Axes:
    """The objective after each iteration (row 0 of ``history_`` = the start).

    Parameters
    ----------
    model : a fitted :class:`~logistic.LogisticRegression`.
    per_sample : if given (the number of training samples), plot the objective divided
        by it — the mean loss of the tutorials — instead of scikit-learn's sum.
    label : legend entry of the curve (a legend is drawn when given). A one-vs-rest
        model has one curve per class, labelled by class.
    kwargs : passed to ``Axes.plot`` (e.g. ``color``, ``lw``).
    """
    hist = _require(model, "history_", "fit the model first.")
    ylabel = "objective (sum of log-losses + penalty)"
    if per_sample:
        ylabel = "mean loss"
    ax = _axes(ax)
    per_class = isinstance(hist, list | tuple)  # one-vs-rest: one history per class
    runs = hist if per_class else [hist]
    colors = _class_colors(len(runs)) if per_class else ["#444"]
    for k, h in enumerate(runs):
        f = np.asarray(h["objective"], dtype=float)
        if per_sample:
            f = f / per_sample
        name = label
        if per_class:
            cls = model.classes_[k]
            name = f"{label}: class {cls}" if label else f"class {cls} vs rest"
        style = _styled({"marker": "o" if f.size <= 30 else None, "ms": 3,
                         "color": colors[k]}, kwargs)
        ax.plot(np.arange(f.size), f, label=name, **style)
    if label is not None or per_class:
        ax.legend(loc="best", fontsize=8)
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.set_title(f"Loss during training ({getattr(model, 'solver_', '?')})")
    ax.grid(alpha=0.3)
    return ax


def accuracy_curve(model, X, y, ax: Axes | None = None, *, label: str | None = None,
                   **kwargs) -> Axes:
    """Accuracy on ``(X, y)`` of the coefficients after each iteration.

    Needs the coefficient path: fit with ``record_coef=True``. For a multinomial model
    the prediction is the class of the largest margin; a one-vs-rest model (whose k
    binary fits take different numbers of iterations) is refused. ``label`` is the
    curve's legend entry; ``kwargs`` go to ``Axes.plot``.
    """
    P = _require(model, "coef_path_", "fit with record_coef=True to record the path.")
    b = model.intercept_path_
    X = _dense(X)
    y = np.asarray(y)
    if isinstance(P, list | tuple):
        raise ValueError("accuracy_curve: a one-vs-rest model's k binary fits have paths of "
                         "different lengths, so there is no accuracy per iteration; fit "
                         "multi_class='multinomial'.")
    P = np.asarray(P)
    if P.ndim == 3:  # multinomial: (n_iter + 1, k, d), intercepts (n_iter + 1, k)
        Z = np.einsum("nd,tkd->tnk", X, P) + np.asarray(b)[:, None, :]
        pred = np.asarray(model.classes_)[Z.argmax(axis=2)]  # (n_iter + 1, n_samples)
        acc = np.mean(pred == y[None, :], axis=1)
    else:
        y01 = (y == model.classes_[1]).astype(int)
        Z = X @ P.T + b  # (n_samples, n_iter + 1)
        acc = np.mean((Z > 0) == y01[:, None], axis=0)
    ax = _axes(ax)
    style = _styled({"color": "#1b7837", "marker": "o" if acc.size <= 30 else None, "ms": 3},
                    kwargs)
    ax.plot(np.arange(acc.size), acc, label=label, **style)
    if label is not None:
        ax.legend(loc="best", fontsize=8)
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
    label: str | None = None,
    **kwargs,
) -> Axes:
    """Data, probability contours and the boundary :math:`w\\cdot x + b = 0`.

    With two features: the plane coloured by :math:`P(y=1\\mid x)`, dashed contours at
    p = 0.1, 0.25, 0.75, 0.9 and the boundary line. With one feature: the labels
    against the feature, the fitted sigmoid and the boundary point as a vertical line.

    With more than two classes: for two features the plane coloured by the predicted
    class (paler where its probability is lower) and the boundaries between the
    classes' regions; for one feature each class's probability curve, the data drawn
    below them and the points where the predicted class changes.

    Parameters
    ----------
    model : a fitted model (its ``classes_``, ``coef_`` and ``intercept_`` are used).
    X : array of shape (n_samples, 1 or 2).
    y : labels (values of ``model.classes_``).
    coef, intercept : draw these coefficients instead of the model's (e.g. one row of
        ``coef_path_``; shapes (k, d) and (k,) for more than two classes).
    label : legend entry of the boundary.
    kwargs : passed to the boundary's artist (``Line2D`` properties for two classes and
        for one feature, ``Axes.contour`` arguments such as ``colors`` or ``linewidths``
        for more than two classes in the plane).
    """
    ax = _axes(ax)
    classes = _require(model, "classes_", "fit the model first.")
    X = _dense(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    names = _feature_names(model, X.shape[1], feature_names)
    if len(classes) > 2:
        W = np.asarray(model.coef_ if coef is None else coef, dtype=float)
        b = np.asarray(model.intercept_ if intercept is None else intercept, dtype=float)
        _multiclass_boundary(ax, model, X, np.asarray(y), W, b.ravel(), names, grid=grid,
                             label=label, **kwargs)
        return ax
    y01 = (np.asarray(y) == classes[1]).astype(int)
    w = np.ravel(model.coef_ if coef is None else coef)
    b = float(model.intercept_[0] if intercept is None else intercept)
    drawing = _BoundaryDrawing(ax, X, y01, classes, names, grid=grid)
    drawing.update(w, b)
    if kwargs:
        drawing.line.set(**kwargs)
    if label is not None:
        drawing.line.set_label(label)
    if kwargs or label is not None:
        ax.legend(loc="best", fontsize=8, framealpha=0.85)
    ax.set_title("Decision boundary and P(class 1)")
    return ax


def _class_probabilities(model, Z: np.ndarray) -> np.ndarray:
    """P(class | x) from margins ``Z`` (n, k): softmax, or normalised sigmoids for OvR."""
    if getattr(model, "multi_class_", "multinomial") == "ovr":
        P = sigmoid(Z)
        return P / P.sum(axis=1, keepdims=True)
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _multiclass_boundary(ax: Axes, model, X, y, W, b, names, *, grid: int, label, **kwargs):
    """The k-class picture of :func:`decision_boundary` (1 or 2 features)."""
    from matplotlib.colors import to_rgb
    from matplotlib.lines import Line2D

    classes = np.asarray(model.classes_)
    k, d = len(classes), X.shape[1]
    if d not in (1, 2):
        raise ValueError(f"a decision boundary can be drawn for 1 or 2 features, X has {d}.")
    if W.shape != (k, d) or b.shape != (k,):
        raise ValueError(f"coef and intercept must have shapes ({k}, {d}) and ({k},) for "
                         f"{k} classes, got {W.shape} and {b.shape}.")
    colors = _class_colors(k)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.08 * np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    line_label = "boundary" if label is None else label
    if d == 2:
        gx, gy = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
        gxx, gyy = np.meshgrid(gx, gy)
        G = np.c_[gxx.ravel(), gyy.ravel()]
        P = _class_probabilities(model, G @ W.T + b)
        top = P.argmax(axis=1)
        strength = (P.max(axis=1) - 1 / k) / (1 - 1 / k)  # 0 where undecided, 1 where sure
        rgb = np.array([to_rgb(c) for c in colors])[top]
        alpha = 0.12 + 0.33 * strength
        image = (1 - alpha[:, None]) + alpha[:, None] * rgb  # over white
        ax.imshow(image.reshape(grid, grid, 3), extent=(lo[0], hi[0], lo[1], hi[1]),
                  origin="lower", aspect="auto", interpolation="nearest", zorder=0)
        style = _styled({"colors": "black", "linewidths": 1.5}, kwargs)
        ax.contour(gxx, gyy, top.reshape(grid, grid), levels=np.arange(k - 1) + 0.5,
                   zorder=2, **style)
        for cls, color in zip(classes, colors, strict=True):
            m = y == cls
            ax.scatter(X[m, 0], X[m, 1], s=18, color=color, edgecolors="white",
                       linewidths=0.5, label=f"class {cls}", zorder=3)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        proxy_color = style.get("colors", "black")
        proxy_color = proxy_color if isinstance(proxy_color, str) else "black"
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], color=proxy_color, lw=1.5))
        labels.append(line_label)
        ax.legend(handles, labels, loc="best", fontsize=8, framealpha=0.85)
        ax.set_title("Decision regions (predicted class)")
        return
    gx = np.linspace(lo[0], hi[0], 400)
    P = _class_probabilities(model, gx[:, None] @ W.T + b)
    for c, (cls, color) in enumerate(zip(classes, colors, strict=True)):
        ax.plot(gx, P[:, c], color=color, lw=2, label=f"P(class {cls})")
        m = y == cls
        ax.scatter(X[m, 0], np.full(m.sum(), -0.05 - 0.04 * c), s=14, color=color,
                   edgecolors="white", linewidths=0.5, zorder=3)
    top = P.argmax(axis=1)
    change = np.flatnonzero(np.diff(top)) if gx.size > 1 else np.array([], dtype=int)
    style = _styled({"color": "black", "lw": 1.5, "ls": "--"}, kwargs)
    for j, i in enumerate(change):
        ax.axvline(0.5 * (gx[i] + gx[i + 1]), label=line_label if j == 0 else None, **style)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(-0.1 - 0.04 * k, 1.05)
    ax.set_xlabel(names[0])
    ax.set_ylabel("probability  /  data")
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    ax.set_title("Class probabilities and boundaries")


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


def _prefixed(label: str | None, default: str, stat: str) -> str:
    """``"label (stat)"``, or ``"default (stat)"`` without a label."""
    return f"{default if label is None else label} ({stat})"


def roc_curve(model, X, y, ax: Axes | None = None, *, label: str | None = None,
              sample_weight=None, **kwargs) -> Axes:
    """ROC curve (:func:`sklearn.metrics.roc_curve` of ``predict_proba``), AUC in the legend.

    ``label`` names the curve (the AUC is appended; default "model"), ``sample_weight``
    weighs the rows (the rates are of total weight), ``kwargs`` go to ``Axes.plot``.
    With more than two classes: :func:`roc_curves` (one per class).
    """
    if _is_multiclass(model):
        return roc_curves(model, X, y, ax, label=label, sample_weight=sample_weight, **kwargs)
    y01, p = _positive_scores(model, X, y)
    fpr, tpr, _ = _metrics.roc_curve(y01, p, sample_weight=_weights(sample_weight, y01.size))
    auc = _metrics.auc(fpr, tpr)
    ax = _axes(ax)
    ax.plot(fpr, tpr, label=_prefixed(label, "model", f"AUC = {auc:.3f}"),
            **_styled({"color": "#b2182b", "lw": 2}, kwargs))
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="chance")
    return _unit_square(ax, "false positive rate", "true positive rate", "ROC curve",
                        legend="lower right")


def roc_curves(model, X, y, ax: Axes | None = None, *, label: str | None = None,
               sample_weight=None, **kwargs) -> Axes:
    """One ROC curve per class, one-vs-rest (class c against all others), AUCs in the legend.

    The title gives the macro-average AUC (the mean of the per-class AUCs, as
    ``roc_auc_score(multi_class="ovr", average="macro")``). Works for two classes too
    (two mirror-image curves). ``label`` prefixes each class's legend entry;
    ``sample_weight`` weighs the rows; ``kwargs`` go to every curve's ``Axes.plot`` (a
    ``color`` there colours them all).
    """
    classes, Y, P, s = _weighted_one_vs_rest(model, X, y, sample_weight)
    ax = _axes(ax)
    aucs = []
    for c, (cls, color) in enumerate(zip(classes, _class_colors(len(classes)), strict=True)):
        if Y[:, c].min() == Y[:, c].max():
            continue  # the class is absent (or alone) in y: no curve
        fpr, tpr, _ = _metrics.roc_curve(Y[:, c], P[:, c], sample_weight=s)
        auc = _metrics.auc(fpr, tpr)
        aucs.append(auc)
        name = f"class {cls}" if label is None else f"{label}: class {cls}"
        ax.plot(fpr, tpr, label=f"{name} (AUC = {auc:.3f})",
                **_styled({"color": color, "lw": 2}, kwargs))
    if not aucs:
        raise ValueError("roc_curves: y must contain at least two of the model's classes.")
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="chance")
    return _unit_square(ax, "false positive rate", "true positive rate",
                        f"ROC one-vs-rest (macro AUC = {np.mean(aucs):.3f})",
                        legend="lower right")


def precision_recall_curve(model, X, y, ax: Axes | None = None, *, label: str | None = None,
                           sample_weight=None, **kwargs) -> Axes:
    """Precision against recall, average precision in the legend, prevalence as baseline.

    With more than two classes: one curve per class, one-vs-rest. ``label`` names the
    curve (the AP is appended), ``sample_weight`` weighs the rows, ``kwargs`` go to
    ``Axes.plot``.
    """
    ax = _axes(ax)
    classes, Y, P, s = _weighted_one_vs_rest(model, X, y, sample_weight)
    if _is_multiclass(model):
        colors = _class_colors(len(classes))
        for c, cls in enumerate(classes):
            if Y[:, c].max() == 0:
                continue
            precision, recall, _ = _metrics.precision_recall_curve(Y[:, c], P[:, c],
                                                                   sample_weight=s)
            ap = _metrics.average_precision_score(Y[:, c], P[:, c], sample_weight=s)
            name = f"class {cls}" if label is None else f"{label}: class {cls}"
            ax.plot(recall, precision, label=f"{name} (AP = {ap:.3f})",
                    **_styled({"color": colors[c], "lw": 2, "drawstyle": "steps-post"},
                              kwargs))
        title = "Precision–recall, one-vs-rest"
    else:
        y01, p = Y[:, 1], P[:, 1]
        precision, recall, _ = _metrics.precision_recall_curve(y01, p, sample_weight=s)
        ap = _metrics.average_precision_score(y01, p, sample_weight=s)
        ax.plot(recall, precision, label=_prefixed(label, "model", f"AP = {ap:.3f}"),
                **_styled({"color": "#2166ac", "lw": 2, "drawstyle": "steps-post"}, kwargs))
        prevalence = float(np.average(y01, weights=s))
        ax.axhline(prevalence, color="#999", ls="--", lw=1,
                   label=f"prevalence ({prevalence:.2f})")
        title = "Precision–recall curve"
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def calibration_curve(
    model, X, y, ax: Axes | None = None, *, n_bins: int = 10, strategy: str = "uniform",
    label: str | None = None, sample_weight=None, **kwargs,
) -> Axes:
    """Observed frequency of class 1 against mean predicted probability, per bin.

    A well-calibrated model lies on the diagonal. Bins with no samples are left out
    (:func:`sklearn.calibration.calibration_curve`). With more than two classes: one
    curve per class c, P(c) against the frequency of c (one-vs-rest). ``label`` names
    the curve (default "model"), ``sample_weight`` weighs the rows (each bin's
    weighted means; quantile bins hold equal weight), ``kwargs`` go to ``Axes.plot``.
    """
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="perfectly calibrated")
    classes, Y, P, s = _weighted_one_vs_rest(model, X, y, sample_weight)
    if _is_multiclass(model):
        colors = _class_colors(len(classes))
        for c, cls in enumerate(classes):
            if Y[:, c].min() == Y[:, c].max():
                continue
            frac, mean_pred = _calibration(Y[:, c], P[:, c], s, n_bins=n_bins,
                                           strategy=strategy)
            name = f"class {cls}" if label is None else f"{label}: class {cls}"
            ax.plot(mean_pred, frac, label=name,
                    **_styled({"marker": "o", "color": colors[c], "lw": 1.5}, kwargs))
        return _unit_square(ax, "mean predicted probability of the class",
                            "fraction of the class", "Calibration, one-vs-rest",
                            legend="upper left")
    frac, mean_pred = _calibration(Y[:, 1], P[:, 1], s, n_bins=n_bins, strategy=strategy)
    ax.plot(mean_pred, frac, label="model" if label is None else label,
            **_styled({"marker": "o", "color": "#762a83", "lw": 1.5}, kwargs))
    return _unit_square(ax, "mean predicted probability", "fraction of class 1",
                        "Calibration curve", legend="upper left")


def probability_histogram(
    model, X, y, ax: Axes | None = None, *, cls=None, bins: int = 20,
    label: str | None = None, sample_weight=None, **kwargs,
) -> Axes:
    """Histograms of the predicted probability of class ``cls``, one per true class.

    Good separation shows the true class's histogram piled up near 1 and the others'
    near 0. ``cls`` defaults to ``classes_[1]`` (the positive class) for a binary model;
    for more than two classes draw one panel per class (``cls=c`` for each c). ``label``
    prefixes the legend entries; ``sample_weight`` makes the bars total weight instead
    of counts; ``kwargs`` go to ``Axes.hist`` (e.g. ``alpha``, ``histtype``).
    """
    classes, Y, P, s = _weighted_one_vs_rest(model, X, y, sample_weight)
    if cls is None:
        if len(classes) > 2:
            raise ValueError("probability_histogram: with more than two classes give cls= "
                             "(one panel per class), e.g. cls=model.classes_[0].")
        cls = classes[1]
    hits = np.flatnonzero(np.asarray(classes) == cls)
    if hits.size == 0:
        raise ValueError(f"probability_histogram: {cls!r} is not one of the model's classes "
                         f"{list(classes)}.")
    j = int(hits[0])
    ax = _axes(ax)
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    for c, (true, color) in enumerate(zip(classes, _class_colors(len(classes)), strict=True)):
        m = Y[:, c] == 1
        if not m.any():
            continue
        name = f"true class {true}" if label is None else f"{label}: true class {true}"
        ax.hist(P[m, j], bins=edges, label=name, weights=None if s is None else s[m],
                **_styled({"color": color, "alpha": 0.45, "histtype": "stepfilled",
                           "edgecolor": color}, kwargs))
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"predicted P(class {cls})")
    ax.set_ylabel("samples" if s is None else "total weight")
    ax.set_title(f"P({cls}) by true class")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def confusion_matrix(model, X, y, ax: Axes | None = None, *, label: str | None = None,
                     sample_weight=None, **kwargs) -> Axes:
    """Counts of (true class, predicted class), annotated in each cell; k × k for k classes.

    ``sample_weight``: total weights instead of counts. ``kwargs`` go to
    ``Axes.imshow`` (e.g. ``cmap``); ``label`` is the image's label and is added to
    the title.
    """
    classes = _require(model, "classes_", "fit the model first.")
    cm = _metrics.confusion_matrix(np.asarray(y), model.predict(X), labels=classes,
                                   sample_weight=_weights(sample_weight, len(y)))
    k = len(classes)
    ax = _axes(ax, figsize=(4 + 0.5 * max(0, k - 2), 3.6 + 0.5 * max(0, k - 2)))
    ax.imshow(cm, label=label, **_styled({"cmap": "Blues", "vmin": 0}, kwargs))
    size = 12 if k <= 4 else max(6, 12 - (k - 4))
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v) if cm.dtype.kind in "iu" else f"{v:.3g}", ha="center",
                va="center", fontsize=size,
                color="white" if v > cm.max() / 2 else "black")
    ticks = [str(c) for c in classes]
    ax.set_xticks(np.arange(k), ticks, rotation=45 if k > 4 else 0)
    ax.set_yticks(np.arange(k), ticks)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix" if label is None else f"Confusion matrix: {label}")
    return ax


# ------------------------------------------------------------------ coefficients
def coefficient_table(model, alpha: float = 0.05, feature_names=None):
    """``(names, estimates, intervals or None)`` of a fitted model, intercept included.

    When the model offers inference (a ``summary()`` whose result has ``params`` and
    ``conf_int(alpha)``), its estimates and ``(1 - alpha)`` intervals are used, in its
    order and with its names when it has them; otherwise the bare coefficients.
    """
    if np.shape(model.coef_)[0] > 1:
        raise ValueError(
            f"the model has {np.shape(model.coef_)[0]} rows of coefficients (one per class): "
            "a coefficient table or plot is for a binary model; draw coefficient_heatmap, "
            "or read model.summary() for the multinomial table.")
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
    model, ax: Axes | None = None, *, alpha: float = 0.05, feature_names=None,
    label: str | None = None, **kwargs,
) -> Axes:
    """The coefficients as points, with ``(1 - alpha)`` confidence intervals when available.

    Intervals come from the model's ``summary().conf_int(alpha)`` when the model offers
    inference; otherwise only the estimates are drawn (and the title says so). ``label``
    is the legend entry of the points (a legend is drawn when given); ``kwargs`` go to
    ``Axes.errorbar`` (``Axes.plot`` without intervals). A model with more than two
    classes is refused with a ValueError: draw :func:`coefficient_heatmap`.
    """
    _require(model, "coef_", "fit the model first.")
    names, est, ci = coefficient_table(model, alpha, feature_names)
    ax = _axes(ax, figsize=(5.5, max(2.5, 0.28 * len(names) + 1.2)))
    pos = np.arange(len(names))[::-1]
    if ci is not None:
        ax.errorbar(est, pos, xerr=np.abs(ci.T - est), label=label,
                    **_styled({"fmt": "o", "color": "#2166ac", "ecolor": "#777",
                               "capsize": 3, "ms": 4}, kwargs))
        ax.set_title(f"Coefficients with {100 * (1 - alpha):g}% confidence intervals")
    else:
        style = _styled({"marker": "o", "ls": "none", "color": "#2166ac", "ms": 4}, kwargs)
        for key in ("fmt", "ecolor", "capsize", "elinewidth"):  # errorbar-only arguments
            style.pop(key, None)
        ax.plot(est, pos, label=label, **style)
        ax.set_title("Coefficients (no inference available)")
    if label is not None:
        ax.legend(loc="best", fontsize=8)
    ax.axvline(0, color="#999", lw=1)
    ax.set_yticks(pos, names, fontsize=8)
    ax.set_xlabel("coefficient (change in log-odds)")
    ax.grid(alpha=0.3, axis="x")
    return ax


def coefficient_heatmap(
    model, ax: Axes | None = None, *, feature_names=None, intercept: bool = False,
    annotate: bool | None = None, label: str | None = None, colorbar: bool = True, **kwargs,
) -> Axes:
    """The coefficients as a heat map: one row per class, one column per feature.

    A multinomial model's row c holds :math:`w_c` of the symmetric softmax
    parametrisation (scikit-learn's ``coef_``, centred over the classes); a one-vs-rest
    model's row c the coefficients of class c against the rest; a binary model has one
    row (``classes_[1]``). The colours are symmetric about zero (red positive, blue
    negative). ``intercept=True`` adds the intercepts as the first column;
    ``annotate`` writes each value in its cell (default: when there are at most 150
    cells). ``kwargs`` go to ``Axes.imshow`` (e.g. ``cmap``); ``label`` is the image's
    label and goes into the title.
    """
    W = _require(model, "coef_", "fit the model first.")
    W = np.atleast_2d(np.asarray(W.toarray() if hasattr(W, "toarray") else W, dtype=float))
    classes = np.asarray(model.classes_)
    names = _feature_names(model, W.shape[1], feature_names)
    if intercept:
        W = np.c_[np.asarray(model.intercept_, dtype=float).reshape(-1, 1), W]
        names = ["intercept", *names]
    rows = [str(c) for c in classes] if W.shape[0] == classes.size else [str(classes[-1])]
    k, d = W.shape
    ax = _axes(ax, figsize=(min(14, 2.5 + 0.55 * d), 1.6 + 0.45 * k))
    vmax = float(np.max(np.abs(W))) if W.size and np.max(np.abs(W)) > 0 else 1.0
    image = ax.imshow(W, label=label, **_styled({"cmap": "RdBu_r", "vmin": -vmax,
                                                 "vmax": vmax, "aspect": "auto"}, kwargs))
    if annotate is None:
        annotate = k * d <= 150
    if annotate:
        for (i, j), v in np.ndenumerate(W):
            ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=7,
                    color="white" if abs(v) > 0.6 * vmax else "black")
    ax.set_xticks(np.arange(d), names, rotation=45 if d > 3 else 0,
                  ha="right" if d > 3 else "center", fontsize=8)
    ax.set_yticks(np.arange(k), [f"class {r}" for r in rows], fontsize=8)
    ax.set_xlabel("feature")
    ax.set_ylabel("class")
    title = "Coefficients (log-odds), classes × features"
    ax.set_title(title if label is None else f"{title}: {label}")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.85, label="coefficient")
    return ax


# ----------------------------------------------------------------- learning rate
def learning_rates_around(eta: float, X) -> tuple[float, float, float]:
    """Too small, good and too large learning rates for the panel, from the user's ``eta``.

    The user's rate is the "good" one, as given. Too small is ``eta / 10``: ten times
    slower, visibly crawling in the same number of iterations. Too large is
    ``max(10·eta, 20/L)`` with :math:`L` the largest curvature of the mean loss (at
    θ = 0, see :func:`logistic.pictures.plots.default_learning_rates`): ten times the
    user's rate, but at least :math:`20/L`, because the curvature near the minimum is
    smaller than at 0, so merely exceeding :math:`2/L` — or ten times a small rate —
    need not make the loss oscillate.
    """
    eta = float(eta)
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"the learning rate must be a positive number, got {eta}.")
    _, one_over_L, _ = default_learning_rates(X)
    return eta / 10.0, eta, max(10.0 * eta, 20.0 * one_over_L)


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

    X = _dense(X)
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
    learning_rate: float | None = None,
    **model_params,
):
    """Gradient descent with three learning rates side by side: losses on top, boundaries below.

    Fits ``LogisticRegression(solver="gd", learning_rate=η, max_iter=n_iter,
    penalty=None)`` (override with ``model_params``) for each η in ``rates`` and draws
    the mean loss per iteration and the final boundary. The loss panels share their
    y axis, so the three runs compare at a glance; legends name only what is drawn (a
    boundary that leaves the picture, or does not exist yet, is left out).

    rates : the learning rates; default: with ``learning_rate`` (the user's rate, the
        "good" one) :func:`logistic.pictures.learn.learning_rates_around` — η/10, η
        and max(10η, 20/L) — else :func:`default_learning_rates`.

    Returns
    -------
    axes : ndarray of Axes, shape (2, len(rates)).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from ..models.estimator import LogisticRegression

    X = _dense(X)
    if rates is not None:
        rates = tuple(rates)
    elif learning_rate is not None:
        rates = learning_rates_around(learning_rate, X)
    else:
        rates = default_learning_rates(X)
    labels = ("too small", "good", "too large") if len(rates) == 3 else [""] * len(rates)
    if axes is None:
        _, axes = plt.subplots(2, len(rates), figsize=(4.2 * len(rates), 7.2),
                               layout="constrained", squeeze=False)
    axes = np.asarray(axes)
    for ax in axes[0, 1:]:  # one loss scale for all the runs
        if not ax.get_shared_y_axes().joined(axes[0, 0], ax):
            ax.sharey(axes[0, 0])

    def drawn(artist, ax) -> bool:
        """Whether ``artist`` shows something inside ``ax``'s view."""
        if hasattr(artist, "get_offsets"):  # scatter
            return len(artist.get_offsets()) > 0 and artist.get_visible()
        if not hasattr(artist, "get_xydata") or not artist.get_visible():
            return True  # patches, images: drawn
        xy = np.asarray(artist.get_xydata(), dtype=float)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if xy.size == 0:
            return False
        if len(xy) > 1:  # points along the segments, to catch a line crossing the view
            t = np.linspace(0.0, 1.0, 64)[:, None, None]
            xy = (xy[:-1][None] * (1 - t) + xy[1:][None] * t).reshape(-1, 2)
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        return bool(np.any(inside))

    def legend_of_drawn(ax) -> None:
        if ax.get_legend() is None:
            return
        handles, names = ax.get_legend_handles_labels()
        keep = [(h, n) for h, n in zip(handles, names, strict=True) if drawn(h, ax)]
        ax.get_legend().remove()
        if keep:
            ax.legend(*zip(*keep, strict=True), loc="best", fontsize=8, framealpha=0.85)

    params = {"penalty": None, "tol": 1e-15, **model_params}
    for j, (eta, label) in enumerate(zip(rates, labels, strict=True)):
        model = LogisticRegression(solver="gd", learning_rate=float(eta), max_iter=n_iter,
                                   **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        ax = loss_curve(model, axes[0, j], per_sample=X.shape[0])
        line = ax.get_lines()[-1]  # the iterations only: a too-large rate's history ends
        rows = int(model.n_iter_[0]) + 1  # with a repeat of its best (returned) iterate
        line.set_data(line.get_xdata()[:rows], line.get_ydata()[:rows])
        ax.set_title(f"η = {eta:.3g} ({label})" if label else f"η = {eta:.3g}")
        decision_boundary(model, X, y, axes[1, j], feature_names=feature_names)
        axes[1, j].set_title(f"boundary after {int(model.n_iter_[0])} iterations")
        legend_of_drawn(axes[1, j])
    for ax in axes[0]:
        ax.relim()
        ax.autoscale_view()
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
    hold: float = 1.0,
    progress: bool | None = None,
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
    hold : seconds the GIF's last frame stays on screen before it loops (one frame of
        that duration; the MP4, which does not loop, keeps one frame per iterate).
    progress : print "writing …: frame i/n" lines on stderr (about ten per file) while
        the frames are drawn; None means "when stderr is a terminal".

    Returns
    -------
    The paths written (the GIF first).
    """
    if not hasattr(model, "coef_path_"):
        model = clone(model).set_params(record_coef=True).fit(X, y)
    X = _dense(X)
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

    return save_animation(fig, draw, frames, path, fps=fps, hold=hold, mp4=mp4, dpi=dpi,
                          progress=progress)


def save_animation(fig: Figure, draw, frames, path: str | Path, *, fps: int = 8,
                   hold: float = 1.0, mp4: bool | None = None, dpi: int = 80,
                   progress: bool | None = None) -> list[Path]:
    """Write ``draw(k)`` for each ``k`` of ``frames`` as a GIF (and an MP4 beside it).

    The figure is laid out once, at the last frame, and kept (per-frame layout would
    triple the cost); ``hold``, ``mp4`` and ``progress`` as in :func:`animate_training`.
    Returns the paths written (the GIF first).
    """
    import sys

    from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

    frames = np.asarray(frames)
    draw(int(frames[-1]))  # lay the figure out once, for the widest titles and ticks ...
    fig.draw_without_rendering()
    fig.set_layout_engine("none")  # ... then keep it: per-frame layout would triple the cost
    # hold the last frame: repeated for `hold` seconds (Pillow merges identical
    # consecutive GIF frames into one frame of the summed duration)
    n_hold = max(0, int(round(hold * fps)) - 1)
    held = [*frames.tolist(), *[int(frames[-1])] * n_hold]
    if progress is None:
        progress = sys.stderr.isatty()

    def reporter(name: str):
        if not progress:
            return None
        def report(i: int, n: int) -> None:  # about ten lines per file
            if i == 0 or (i + 1) % max(1, n // 10) == 0 or i + 1 == n:
                print(f"writing {name}: frame {i + 1}/{n}", file=sys.stderr, flush=True)

        return report

    anim = FuncAnimation(fig, draw, frames=held, blit=False, repeat=False,
                         cache_frame_data=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi,
              progress_callback=reporter(path.name))
    written = [path]
    if mp4 is None:
        mp4 = shutil.which("ffmpeg") is not None and FFMpegWriter.isAvailable()
    if mp4:
        mp4_path = path.with_suffix(".mp4")
        anim = FuncAnimation(fig, draw, frames=frames.tolist(), blit=False, repeat=False,
                             cache_frame_data=False)
        anim.save(mp4_path, writer=FFMpegWriter(fps=fps), dpi=dpi,
                  progress_callback=reporter(mp4_path.name))
        written.append(mp4_path)
    return written

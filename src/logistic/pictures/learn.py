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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..files.datasets import load_discount_codes, make_blobs
from ..math.stable import log_loss, sigmoid
from .plots import learning_rates_around  # noqa: F401  (re-exported: the panel's rates)

__all__ = ["LearningData", "Step", "load_learning_data", "explain_steps", "learning_rates_around",
           "DATASETS"]

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



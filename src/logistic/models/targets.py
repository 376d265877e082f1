r"""Labels and weights: classes, class indices and the effective sample weights.

One place for what every estimator (and :func:`~logistic.regularization_path`) checks
about ``y``, ``sample_weight``, ``class_weight`` and ``l1_ratio``, so the checks are
the same on every fit path.

Penalties (scikit-learn's units, :math:`\rho` = ``l1_ratio``):

========== ====================================================== ==============
penalty    added to :math:`\sum_i s_i\ell_i`                       :math:`\rho`
========== ====================================================== ==============
None       0                                                      —
"l2"       :math:`\frac1{2C}\|w\|^2`                              0
"l1"       :math:`\frac1C\|w\|_1`                                 1
elasticnet :math:`\frac1C(\rho\|w\|_1 + \frac{1-\rho}2\|w\|^2)`   ``l1_ratio``
"firth"    :math:`-\frac12\log\det I(\theta)`                     —
========== ====================================================== ==============
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "MULTI_CLASS",
    "check_l1_ratio",
    "l1_ratio_of",
    "encode_targets",
    "class_sample_weight",
]

MULTI_CLASS = ("auto", "multinomial", "ovr")


def check_l1_ratio(penalty, l1_ratio) -> None:
    """Validate ``l1_ratio`` for ``penalty`` (required in [0, 1] for elastic-net)."""
    if penalty == "elasticnet":
        if (
            not isinstance(l1_ratio, numbers.Real)
            or isinstance(l1_ratio, bool)
            or not 0.0 <= l1_ratio <= 1.0
        ):
            raise ValueError(
                f"l1_ratio must be a number in [0, 1] for penalty='elasticnet', got {l1_ratio!r}."
            )
    elif l1_ratio is not None and not (
        isinstance(l1_ratio, numbers.Real) and 0.0 <= l1_ratio <= 1.0
    ):
        raise ValueError(f"l1_ratio must be None or a number in [0, 1], got {l1_ratio!r}.")


def l1_ratio_of(penalty, l1_ratio) -> float:
    """The L1 share ρ of the penalty (0 for "l2", "firth" and None)."""
    return {"l1": 1.0, "elasticnet": float(l1_ratio) if l1_ratio is not None else 0.0}.get(
        penalty, 0.0
    )


def encode_targets(X, y, sample_weight, class_weight):
    """Classes, class indices and the effective sample weights (class weights folded in).

    ``X`` and ``y`` are already validated arrays. Raises ``ValueError`` on a single
    class, on negative or non-finite weights and on weights that sum to zero.
    """
    check_classification_targets(y)
    classes, y_idx = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"y contains only one class ({classes.tolist()[0]!r}); "
            "logistic regression needs samples of two classes."
        )
    s = None
    if sample_weight is not None:
        s = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if not np.all(np.isfinite(s)):
            raise ValueError("sample_weight contains NaN or infinity.")
        if not s.sum() > 0:
            raise ValueError("sample_weight sums to zero: there is nothing to fit.")
    return classes, y_idx, class_sample_weight(class_weight, classes, y_idx, s)


def class_sample_weight(class_weight, classes, y_idx, s):
    """Sample weights times class weights, exactly as scikit-learn combines them.

    ``"balanced"`` gives class :math:`c` the weight :math:`S/(k\\,S_c)` with
    :math:`S_c` the total sample weight of class :math:`c` (scikit-learn's
    ``compute_class_weight(..., sample_weight=s)``); a dict maps labels to weights
    (absent labels weigh 1). The result multiplies ``s`` (ones if None).
    """
    if class_weight is None:
        return s
    k = classes.size
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be 'balanced', a dict or None, got {class_weight!r}."
            )
        counts = np.bincount(y_idx, weights=s, minlength=k)
        total = counts.sum()
        per_class = np.where(counts > 0, total / (k * np.where(counts > 0, counts, 1)), 1.0)
    elif isinstance(class_weight, dict):
        known = set(classes.tolist())
        unknown = [c for c in class_weight if c not in known]
        if unknown:
            raise ValueError(
                f"class_weight names class(es) {unknown!r} that are not in y "
                f"(classes: {classes.tolist()!r})."
            )
        per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
        if np.any(per_class < 0) or not np.all(np.isfinite(per_class)):
            raise ValueError("class_weight values must be finite and non-negative.")
    else:
        raise ValueError(f"class_weight must be 'balanced', a dict or None, got {class_weight!r}.")
    w = per_class[y_idx]
    return w if s is None else s * w

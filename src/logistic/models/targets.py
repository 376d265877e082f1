r"""Labels and weights: classes, class indices and the effective sample weights.

One place for what every estimator (and :func:`~logistic.regularization_path`) checks
about ``y``, ``sample_weight`` and ``class_weight``, so the checks are
the same on every fit path.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

__all__ = ["encode_targets", "class_sample_weight"]

def encode_targets(X, y, sample_weight, class_weight):
    """Classes, class indices and the effective sample weights (class weights folded in).

    ``X`` and ``y`` are already validated arrays. Raises ``ValueError`` on a single
    class, on negative or non-finite weights and on weights that sum to zero.
    """
    classes, y_idx = _integer_labels(y)
    if classes is None:
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
    s = class_sample_weight(class_weight, classes, y_idx, s)
    if s is not None:
        _check_weight_range(s)
        totals = np.bincount(y_idx, weights=s, minlength=classes.size)
        empty = np.flatnonzero(~(totals > 0))
        if empty.size:
            raise ValueError(
                f"class {classes[empty[0]].item()!r} has zero total weight (sample_weight "
                "times class_weight): the data say nothing about it; drop its samples or "
                "give them weight."
            )
    return classes, y_idx, s


def _integer_labels(y):
    """Classes and class indices of 1-D integer or boolean labels by counting (a few
    linear passes; ``np.unique`` sorts: 75 ms of a 0.4 s fit on 2M rows), or
    ``(None, None)`` for other labels or a range much wider than the rows. Such labels
    are always binary or multiclass targets, so scikit-learn's target check (another
    hash of every label) has nothing to refuse."""
    if not (isinstance(y, np.ndarray) and y.ndim == 1 and y.size and y.dtype.kind in "iub"):
        return None, None
    yi = y.astype(np.int64, copy=False)
    lo, hi = int(yi.min()), int(yi.max())
    if hi - lo > max(1024, y.size):
        return None, None
    present = np.bincount(yi - lo, minlength=hi - lo + 1) > 0
    classes = (np.flatnonzero(present) + lo).astype(y.dtype)
    index = np.cumsum(present) - 1
    return classes, index[yi - lo]


#: Total weights outside this range cannot be computed with in float64 (1/S overflows,
#: per-sample curvatures become subnormal).
WEIGHT_SUM_RANGE = (1e-280, 1e280)


def _check_weight_range(s: np.ndarray) -> None:
    total = float(np.sum(s))
    low, high = WEIGHT_SUM_RANGE
    if not low <= total <= high:
        raise ValueError(
            f"the sample weights sum to {total:.3g}, outside [{low:g}, {high:g}] where "
            "float64 sums stay exact; multiply them by a constant and C by the same "
            "constant (the fit is the same)."
        )


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

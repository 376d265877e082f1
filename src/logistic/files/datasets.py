"""Toy data from the tutorials: the discount-code example and thin scikit-learn wrappers.

Every loader returns ``(X, y)`` NumPy arrays (``X`` of shape (n, d), ``y`` of 0/1
labels) unless ``as_frame=True`` where offered. Nothing is downloaded: the
discount-code data are embedded below and the others come with scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn import datasets as _sk

__all__ = [
    "load_discount_codes",
    "make_blobs",
    "make_classification",
    "load_breast_cancer",
    "DISCOUNT_SPENDING",
    "DISCOUNT_SEND_CODE",
]

#: Money each customer spent last month (dollars), the tutorial's single feature.
DISCOUNT_SPENDING = np.array(
    [5, 10, 12, 18, 22, 25, 30, 35, 40, 45, 52, 58, 60, 65, 70, 75, 80, 90, 95, 100,
     105, 110, 120, 130, 140, 150, 160, 175, 190, 200, 220, 250, 270, 300, 350, 400],
    dtype=np.float64,
)
#: Whether the shop sent that customer a discount code (1) — low spenders get one.
DISCOUNT_SEND_CODE = np.array(
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1,
     0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    dtype=np.int64,
)


def load_discount_codes() -> tuple[np.ndarray, np.ndarray]:
    """The discount-code example: spending (dollars, shape (36, 1)) → send a code (0/1).

    A shop sends a discount code to customers who spend little, to bring them back;
    the label is noisy around $60–$160, so the classes overlap and the
    maximum-likelihood fit exists.
    """
    return DISCOUNT_SPENDING.reshape(-1, 1).copy(), DISCOUNT_SEND_CODE.copy()


def make_blobs(n_samples: int = 200, *, cluster_std: float = 1.5, random_state=0):
    """Two Gaussian blobs in 2-D (:func:`sklearn.datasets.make_blobs` with 2 centres)."""
    return _sk.make_blobs(
        n_samples=n_samples, centers=2, n_features=2, cluster_std=cluster_std,
        random_state=random_state,
    )


def make_classification(n_samples: int = 500, n_features: int = 2, *, random_state=0, **kw):
    """A binary problem from :func:`sklearn.datasets.make_classification`.

    With the default two features both are informative (``n_redundant=0``), so the
    problem can be drawn in the plane.
    """
    kw.setdefault("n_informative", min(n_features, 2))
    kw.setdefault("n_redundant", 0)
    return _sk.make_classification(
        n_samples=n_samples, n_features=n_features, random_state=random_state, **kw
    )


def load_breast_cancer(*, as_frame: bool = False):
    """Wisconsin breast-cancer data (569 × 30) shipped with scikit-learn.

    ``y = 1`` means benign, as in scikit-learn. With ``as_frame=True`` returns a
    DataFrame of features and a Series of labels.
    """
    bunch = _sk.load_breast_cancer(as_frame=as_frame)
    return bunch.data, bunch.target

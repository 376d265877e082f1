"""logistic — logistic regression from first principles on NumPy.

>>> from logistic import LogisticRegression
>>> from logistic.datasets import load_breast_cancer
"""

from ._numerics import log_loss, log_sigmoid, sigmoid, softplus
from .cv import LogisticRegressionCV
from .estimator import LogisticRegression, SeparationWarning
from .model_io import load, save
from .path import regularization_path

__version__ = "0.1.0"

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "regularization_path",
    "SeparationWarning",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "log_loss",
    "__version__",
    "save",
    "load",
]

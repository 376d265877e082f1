"""logistic — logistic regression from first principles on NumPy.

>>> from logistic import LogisticRegression
>>> from logistic.datasets import load_breast_cancer

The package is one folder per layer; a layer imports only the layers below it
(``tests/test_layering.py`` checks this):

============== ====================================================================
``cli/``       the ``logistic`` command
``pictures/``  plots, the training animation, the HTML report, the demo
``files/``     tables, model files, data sets
``models/``    the estimators and the one fit path they share
``inference/`` summary tables, covariances, tests, separation, Firth's intervals
``problems/``  objectives of θ built from a backend and a penalty
``solvers/``   pure minimisers over a problem; d-sized vectors only
``data/``      backends: where the rows live; the only code over rows of X
``math/``      per-block sums, stable functions, compiled column kernels
============== ====================================================================

This module and :mod:`logistic.datasets` / :mod:`logistic.plots` are the public face:
they only re-export.
"""

from ._version import __version__
from .files import load, load_tabular, read_table, save
from .inference import SeparationWarning
from .math.stable import log_loss, log_sigmoid, sigmoid, softplus
from .models import (
    LogisticRegression,
    LogisticRegressionCV,
    formula_matrix,
    from_formula,
    regularization_path,
)

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "regularization_path",
    "from_formula",
    "formula_matrix",
    "SeparationWarning",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "log_loss",
    "__version__",
    "save",
    "load",
    "load_tabular",
    "read_table",
]

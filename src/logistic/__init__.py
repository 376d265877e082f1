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

#: public name → the module that defines it; imported on first use (PEP 562), so that
#: ``import logistic`` costs milliseconds and pulls in scikit-learn, SciPy and pandas
#: only when an estimator, a file function or a table is actually used
_PUBLIC = {
    "load": ".files", "load_tabular": ".files", "read_table": ".files", "save": ".files",
    "read_parquet": ".files.parquet_sets",
    "SeparationWarning": ".inference",
    "log_loss": ".math.stable", "log_sigmoid": ".math.stable", "sigmoid": ".math.stable",
    "softplus": ".math.stable",
    "LogisticRegression": ".models", "LogisticRegressionCV": ".models",
    "formula_matrix": ".models", "from_formula": ".models",
    "regularization_path": ".models",
}


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module 'logistic' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_PUBLIC])


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
    "read_parquet",
]

"""Layer 6 — models: the estimators, and the one fit path they all share.

================== ==========================================================
:mod:`~.estimator` :class:`LogisticRegression` (scikit-learn API): validation,
                   fitted attributes, predictions
:mod:`~.cv`        :class:`LogisticRegressionCV`: C (and l1_ratio) by
                   cross-validation
:mod:`~.path`      :func:`regularization_path`: warm-started fits over C
:mod:`~.formula`   :func:`from_formula`: a fit from ``"y ~ x1 + C(g)"`` (formulaic)
:mod:`~.fitting`   the one fit path: build problem → choose solver → solve →
                   unpack → checks (every fit of the package runs through it)
:mod:`~.choice`    which solver ``"auto"`` picks, and how it sees the problem
:mod:`~.multiclass` one-vs-rest, and k-class scores and probabilities
:mod:`~.targets`   classes, sample and class weights, ``l1_ratio``
:mod:`~.progress`  the ``verbose=1`` printer
================== ==========================================================

May import: :mod:`logistic.math`, :mod:`logistic.data`, :mod:`logistic.solvers`,
:mod:`logistic.problems`, :mod:`logistic.inference`; never files, pictures or the CLI.
"""

from .cv import LogisticRegressionCV
from .estimator import LogisticRegression
from .formula import formula_matrix, from_formula
from .path import PathResult, regularization_path

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "regularization_path",
    "PathResult",
    "from_formula",
    "formula_matrix",
]

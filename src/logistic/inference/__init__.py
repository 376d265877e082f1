"""Layer 5 — inference: summary tables, covariances, tests, separation, Firth's intervals.

====================== ==========================================================
:mod:`~.summary`       :func:`summary` → :class:`LogitResults` (statsmodels' ``Logit``
                       table: standard errors, z, p-values, intervals, fit statistics),
                       :func:`lr_test`
:mod:`~.separation`    does the maximum-likelihood estimate exist? (linear programs),
                       :class:`SeparationWarning`
:mod:`~.firth`         penalised likelihood-ratio tests and profile intervals of
                       Firth fits
:mod:`~.state`         :class:`InferenceState`: the O(k²) numbers a fit keeps so that
                       ``summary()`` needs no data (and model files carry)
:mod:`~.mnlogit`       multinomial tables in statsmodels' ``MNLogit`` parametrisation
:mod:`~.effects`       marginal effects, predictions with intervals, residuals, LaTeX
====================== ==========================================================

Works from a fitted model's public attributes (``coef_``, ``intercept_``, ``classes_``,
``penalty``, ``C``, ``inference_``) and the data, through problems and backends — never an estimator
class. May import: :mod:`logistic.math`, :mod:`logistic.data`, :mod:`logistic.solvers`,
:mod:`logistic.problems`; never models, files, pictures or the CLI.
"""

from .mnlogit import MNLogitResults
from .separation import Separation, SeparationWarning, detect_separation
from .state import InferenceState
from .summary import COV_TYPES, LogitResults, TestResult, lr_test, summary

__all__ = [
    "summary",
    "lr_test",
    "LogitResults",
    "MNLogitResults",
    "InferenceState",
    "TestResult",
    "COV_TYPES",
    "detect_separation",
    "Separation",
    "SeparationWarning",
]

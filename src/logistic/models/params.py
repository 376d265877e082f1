r"""The estimators' parameters: validation, and the penalty they spell.

One place for what :class:`~logistic.LogisticRegression`,
:class:`~logistic.LogisticRegressionCV` and :func:`~logistic.regularization_path`
accept, so every fit path checks the same things with the same words.

The penalty (scikit-learn's units, :math:`\rho` = ``l1_ratio``):

============ ===================================================== =============
penalty      added to :math:`\sum_i s_i\ell_i`                      :math:`\rho`
============ ===================================================== =============
None         0                                                     —
"l2"         :math:`\frac1{2C}\|w\|^2`                             0
"l1"         :math:`\frac1C\|w\|_1`                                1
"elasticnet" :math:`\frac1C(\rho\|w\|_1 + \frac{1-\rho}2\|w\|^2)`  ``l1_ratio``
"firth"      :math:`-\frac12\log\det I(\theta)` (``C`` unused)     —
============ ===================================================== =============

``penalty="auto"`` (the default) lets ``l1_ratio`` and ``C`` say it, as scikit-learn
≥ 1.8 does (where ``penalty`` is deprecated): ``l1_ratio`` None or 0 is ``"l2"``, 1
is ``"l1"``, in between ``"elasticnet"``; and ``C=np.inf`` is no penalty at all,
however the penalty is spelled (an infinitely weak penalty is none), so that such a
fit gets the checks of an unpenalised one (separation). :func:`resolve_penalty`
returns the penalty a fit actually uses (the estimators' ``penalty_``).
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..solvers import PROXIMAL_SOLVERS, SMOOTH_SOLVERS

__all__ = [
    "PENALTIES",
    "MULTI_CLASS",
    "SOLVER_ALIASES",
    "check_positive",
    "check_tol",
    "check_max_iter",
    "check_l1_ratio",
    "l1_ratio_of",
    "resolve_penalty",
    "resolve_solver_name",
    "check_learning_rate",
    "check_sgd_params",
]

PENALTIES = ("auto", "l2", "l1", "elasticnet", None, "firth")
MULTI_CLASS = ("auto", "multinomial", "ovr")
#: Other names of our solvers (scikit-learn's name of Newton–Cholesky).
SOLVER_ALIASES = {"newton-cholesky": "newton"}


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive(name: str, value, *, allow_inf: bool = False) -> float:
    """A positive number (``bool`` refused; ``inf`` only with ``allow_inf``)."""
    if not _is_real(value) or not value > 0 or math.isnan(value) or (
        not allow_inf and math.isinf(value)
    ):
        note = " (np.inf means no penalty)" if allow_inf else " (finite)"
        raise ValueError(f"{name} must be a positive number, got {value!r}{note}.")
    return float(value)


def check_tol(tol) -> float:
    """``tol``: a finite positive number."""
    return check_positive("tol", tol)


def check_max_iter(max_iter) -> int | None:
    """``max_iter``: None (the solver's budget) or an integer ≥ 0 (0 returns the start)."""
    if max_iter is None:
        return None
    if not isinstance(max_iter, numbers.Integral) or isinstance(max_iter, bool) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer or None, got {max_iter!r}.")
    return int(max_iter)


def check_l1_ratio(penalty, l1_ratio) -> None:
    """Validate ``l1_ratio`` for ``penalty`` (required in [0, 1] for elastic-net)."""
    if penalty == "elasticnet":
        if not _is_real(l1_ratio) or not 0.0 <= l1_ratio <= 1.0:
            raise ValueError(
                f"l1_ratio must be a number in [0, 1] for penalty='elasticnet', got {l1_ratio!r}."
            )
    elif l1_ratio is not None and not (_is_real(l1_ratio) and 0.0 <= l1_ratio <= 1.0):
        raise ValueError(f"l1_ratio must be None or a number in [0, 1], got {l1_ratio!r}.")


def l1_ratio_of(penalty, l1_ratio) -> float:
    """The L1 share ρ of a resolved penalty (0 for "l2", "firth" and None)."""
    return {"l1": 1.0, "elasticnet": float(l1_ratio) if l1_ratio is not None else 0.0}.get(
        penalty, 0.0
    )


def resolve_penalty(penalty, l1_ratio, C) -> str | None:
    """The penalty a fit uses: ``"auto"`` read from ``l1_ratio``, and ``C=inf`` as None.

    Raises ``ValueError`` for an unknown penalty or an ``l1_ratio`` out of range.
    """
    if penalty not in PENALTIES:
        raise ValueError(
            "penalty must be 'auto', 'l2', 'l1', 'elasticnet', 'firth' or None, "
            f"got {penalty!r}."
        )
    check_l1_ratio(penalty, l1_ratio)
    if penalty is None and (C != 1.0 or l1_ratio is not None):
        warnings.warn("Setting penalty=None will ignore the C and l1_ratio parameters.",
                      UserWarning, stacklevel=4)
    if penalty in ("l1", "l2") and l1_ratio is not None and l1_ratio != (penalty == "l1"):
        warnings.warn(
            f"Inconsistent values: penalty={penalty} with l1_ratio={l1_ratio}. The "
            "l1_ratio parameter is only used when penalty is 'elasticnet' or 'auto'. "
            f"Got (penalty={penalty}): l1_ratio is ignored.",
            UserWarning, stacklevel=4,
        )
    if penalty == "auto":
        if l1_ratio is None or l1_ratio == 0:
            penalty = "l2"
        elif l1_ratio == 1:
            penalty = "l1"
        else:
            penalty = "elasticnet"
    if penalty != "firth" and C == math.inf:
        return None
    return penalty


def check_learning_rate(learning_rate, solver: str) -> None:
    """``learning_rate``: a finite positive number or ``"auto"``; for ``solver="sgd"``
    also a schedule name (``"constant"``, ``"invscaling"``, ``"adaptive"``)."""
    from ..solvers.sgd import SCHEDULES

    lr = learning_rate
    if isinstance(lr, str):
        if lr == "auto" or (solver == "sgd" and lr in SCHEDULES):
            return
        if lr in SCHEDULES:
            raise ValueError(f"learning_rate={lr!r} is a schedule of solver='sgd'; "
                             f"solver={solver!r} takes a positive number or 'auto'.")
    elif _is_real(lr) and 0 < lr < math.inf:
        return
    raise ValueError(f"learning_rate must be a finite positive number or 'auto' (for "
                     f"solver='sgd' also one of {SCHEDULES}), got {lr!r}.")


def check_sgd_params(batch_size, eta0, average) -> int | None:
    """``batch_size`` (None or an integer ≥ 1), ``eta0`` (``"auto"`` or a finite positive
    number) and ``average`` (a bool), the parameters of ``solver="sgd"``."""
    if batch_size is not None and (
        not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}.")
    if not (eta0 == "auto" if isinstance(eta0, str) else _is_real(eta0) and 0 < eta0 < math.inf):
        raise ValueError(f"eta0 must be a finite positive number or 'auto', got {eta0!r}.")
    if not isinstance(average, bool | np.bool_):
        raise ValueError(f"average must be True or False, got {average!r}.")
    return None if batch_size is None else int(batch_size)


def resolve_solver_name(solver: str) -> str:
    """Validate ``solver`` and map aliases (``"newton-cholesky"`` → ``"newton"``)."""
    names = ("auto", *SMOOTH_SOLVERS, "newton-cholesky", *PROXIMAL_SOLVERS)
    if not isinstance(solver, str) or solver not in names:
        raise ValueError(f"solver must be one of {names}, got {solver!r}.")
    return SOLVER_ALIASES.get(solver, solver)

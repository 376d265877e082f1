"""Fit :class:`~logistic.LogisticRegression` from a formula such as ``"y ~ x1 + C(g)"``.

The formula is read and the design built by `formulaic
<https://matthewwardrop.github.io/formulaic/>`_ (an optional extra:
``pip install 'logistic[formula]'``); this module only hands formulaic's matrices to the
estimator. The intercept is the estimator's ``fit_intercept`` (``"y ~ x - 1"`` and
``"y ~ 0 + x"`` fit none), and the columns keep formulaic's names
(``"C(g)[T.b]"``, ``"x2:x3"``) in ``feature_names_in_``. :func:`formula_matrix` builds
the same design for new data, with the encodings learned on the training data.

Names in a formula are looked up in ``data`` only (and formulaic's transforms, such
as ``C``, ``center`` and ``np``), never in the caller's variables, so the design of new
data is always built from the new data.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .estimator import LogisticRegression

__all__ = ["from_formula", "formula_matrix"]

_INSTALL = "the formula interface needs formulaic: pip install 'logistic[formula]'"


def _formulaic():
    try:
        import formulaic
    except ImportError as err:
        raise ImportError(_INSTALL) from err
    return formulaic


def _intercept_columns(rhs_spec) -> list[str]:
    """The columns of the formula's intercept term (empty when it has none)."""
    return [c for part in rhs_spec.structure if part.term.degree == 0 for c in part.columns]


def from_formula(
    formula: str,
    data: pd.DataFrame | Mapping[str, Any],
    *,
    sample_weight=None,
    **params: Any,
) -> LogisticRegression:
    """Fit a :class:`~logistic.LogisticRegression` described by a Wilkinson formula.

    Parameters
    ----------
    formula : str
        ``"outcome ~ terms"`` in formulaic's grammar, e.g. ``"y ~ x1 + C(group) + x2:x3"``.
        The outcome is a single column: a bare column name (its values are the
        classes, exactly as in ``data``: 0/1, two or more labels) or an expression
        giving one column, such as ``"I(score > 0) ~ x"``. ``- 1`` or ``0 +`` removes
        the intercept.
    data : pandas.DataFrame or mapping of column name to 1-d array
        The columns the formula names.
    sample_weight : array-like of shape (len(data),), optional
        Weights of the rows of ``data``.
    **params
        Parameters of :class:`~logistic.LogisticRegression` (e.g. ``penalty=None``).
        ``fit_intercept`` is set by the formula; passing a value that contradicts it
        is an error.

    Returns
    -------
    LogisticRegression
        The fitted model, with ``formula_`` (the formula string) and
        ``formula_spec_`` (formulaic's ``ModelSpecs``: ``formula_spec_.rhs`` builds the
        design of new data, see :func:`formula_matrix`).

    Raises
    ------
    TypeError
        If ``formula`` is not a string or ``data`` not a data frame or mapping.
    ValueError
        If the formula has no outcome, an outcome of more than one column, names not
        in ``data``, an intercept that ``fit_intercept`` contradicts, or cannot be
        built by formulaic.
    ImportError
        If formulaic is not installed.

    Warns
    -----
    UserWarning
        When rows with missing values are dropped (formulaic drops a row with a
        missing value in any column the formula uses; its outcome and weight go too).

    Examples
    --------
    >>> import pandas as pd
    >>> from logistic import from_formula
    >>> df = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0], "x": [1.0, 2.0, 3.0, 4.0, 2.5, 0.5]})
    >>> model = from_formula("y ~ x", df, penalty=None)
    >>> list(model.feature_names_in_)
    ['x']
    """
    formulaic = _formulaic()
    if not isinstance(formula, str):
        raise TypeError(f"formula must be a string, got {type(formula).__name__}")
    if not isinstance(data, pd.DataFrame | Mapping):
        raise TypeError(f"data must be a pandas DataFrame or a mapping, got {type(data).__name__}")
    # Rows by position, so that the rows formulaic keeps index the outcome and weights.
    frame = pd.DataFrame(data).reset_index(drop=True)

    try:
        parsed = formulaic.Formula(formula)
    except formulaic.errors.FormulaicError as err:
        raise ValueError(f"cannot read the formula {formula!r}: {err}") from err
    lhs = getattr(parsed, "lhs", None)
    if lhs is None or not list(lhs):
        raise ValueError(f"the formula {formula!r} has no outcome: write 'y ~ ...'")
    if not isinstance(parsed.rhs, formulaic.formula.SimpleFormula):
        raise ValueError(f"the formula {formula!r} must have one right-hand side")
    missing = sorted(set(parsed.required_variables) - set(map(str, frame.columns)))
    if missing:
        raise ValueError(f"the formula {formula!r} names columns not in data: {missing}")

    try:
        matrices = formulaic.model_matrix(parsed, frame, context={})
    except formulaic.errors.FormulaicError as err:
        raise ValueError(f"cannot build the formula {formula!r}: {err}") from err
    spec = matrices.model_spec
    X = pd.DataFrame(matrices.rhs)
    kept = X.index.to_numpy()

    terms = list(lhs)
    factors = terms[0].factors if len(terms) == 1 else ()
    if len(factors) == 1 and factors[0].eval_method.value == "lookup":
        y = frame[factors[0].expr].to_numpy()[kept]  # the labels as the user wrote them
    elif matrices.lhs.shape[1] == 1:
        y = np.asarray(matrices.lhs)[:, 0]
    else:
        raise ValueError(
            f"the outcome of {formula!r} has {matrices.lhs.shape[1]} columns "
            f"{list(matrices.lhs.columns)}; it must be one column (name the outcome column "
            "bare, e.g. 'y ~ x', for categorical labels)"
        )

    intercept = _intercept_columns(spec.rhs)
    if "fit_intercept" in params and bool(params["fit_intercept"]) != bool(intercept):
        raise ValueError(
            f"fit_intercept={params['fit_intercept']!r} contradicts the formula {formula!r}, "
            f"which has {'an' if intercept else 'no'} intercept"
        )
    params["fit_intercept"] = bool(intercept)

    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight)
        if sample_weight.shape != (len(frame),):
            raise ValueError(
                f"sample_weight has shape {sample_weight.shape}; expected ({len(frame)},), "
                "one weight per row of data"
            )
        sample_weight = sample_weight[kept]
    dropped = len(frame) - len(kept)
    if dropped:
        warnings.warn(
            f"from_formula dropped {dropped} of {len(frame)} rows with missing values",
            UserWarning,
            stacklevel=2,
        )

    model = LogisticRegression(**params)
    model.fit(X.drop(columns=intercept).reset_index(drop=True), y, sample_weight=sample_weight)
    model.formula_ = formula
    model.formula_spec_ = spec
    return model


def formula_matrix(model: LogisticRegression, data: pd.DataFrame) -> pd.DataFrame:
    """The design of new data for a model fitted by :func:`from_formula`.

    The columns are the model's ``feature_names_in_``, with the encodings learned on
    the training data (levels of categories, centring, ...), so that
    ``model.predict_proba(formula_matrix(model, new))`` predicts for the rows of ``new``.

    Parameters
    ----------
    model : LogisticRegression
        Fitted by :func:`from_formula` (it holds ``formula_spec_``).
    data : pandas.DataFrame
        The columns of the formula's right-hand side (the outcome is not needed).

    Returns
    -------
    pandas.DataFrame of shape (len(data), n_features_in_)
        One row per row of ``data``, in order, without the intercept column.

    Raises
    ------
    ValueError
        If ``model`` was not fitted by :func:`from_formula`, if a value the formula
        uses is missing (no row is dropped, so predictions stay aligned with ``data``),
        or a category has a level not seen in training.
    """
    formulaic = _formulaic()
    spec = getattr(model, "formula_spec_", None)
    if spec is None:
        raise ValueError("formula_matrix needs a model fitted by from_formula")
    with warnings.catch_warnings():
        # An unseen level is encoded as the base level after a warning: make it an error.
        warnings.simplefilter("error", formulaic.errors.DataMismatchWarning)
        try:
            X = spec.rhs.get_model_matrix(data, na_action="raise")
        except (ValueError, formulaic.errors.DataMismatchWarning,
                formulaic.errors.FormulaicError) as err:
            raise ValueError(f"cannot build the design of {model.formula_!r}: {err}") from err
    return pd.DataFrame(X).drop(columns=_intercept_columns(spec.rhs))

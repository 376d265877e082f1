r"""Tables to design matrices: column selection, one-hot encoding, standardisation.

A :class:`TablePreprocessor` learns, from a DataFrame, how to turn its columns into
the numeric matrix :math:`X` a :class:`~logistic.LogisticRegression` is fit on; a
:class:`TabularModel` holds one together with the fitted estimator and works on
DataFrames end to end. Both are what the command line uses, and what a model file
stores (:mod:`logistic.files.model_file`), so a user of the library gets the same behaviour:

>>> from logistic.files.tables import read_table
>>> from logistic.files.tabular import TabularModel
>>> model = TabularModel(standardize=True).fit(read_table("examples/churn.csv"),
...                                           target="churned")       # doctest: +SKIP
>>> model.predict(read_table("new_customers.csv"))                   # doctest: +SKIP

Encoding
--------
- **numeric** columns (and booleans, as 0/1) are used as they are, or, with
  ``standardize=True``, as :math:`(x - \mu)/s` with the training mean :math:`\mu` and
  standard deviation :math:`s` (population, ``ddof=0``, as scikit-learn's
  ``StandardScaler``; :math:`s = 1` for a constant column).
- **text / categorical** columns (``categorical="auto"``) become one 0/1 column per
  category, named ``column=category``, categories in sorted order. The first category
  is the reference and gets no column (treatment coding, as R and statsmodels do): with
  an intercept the full set of indicators is collinear, so without it an unpenalised
  fit would have no unique maximum and the summary's standard errors would not exist.
  A category that was not seen in training is an error at prediction time, not a
  silent all-zeros row.

Every problem with the data is a :class:`~logistic.files.tables.DataError` (a ``ValueError``)
with a one-line message naming the column and, for missing values, the first
offending rows (row 1 is the first row after the header).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..models.estimator import LogisticRegression
from . import schema as S
from .tables import DataError

__all__ = ["TablePreprocessor", "TabularModel", "missing_rows", "target_labels", "as_labels",
           "weight_column", "check_weights_name"]

_MAX_ROWS_SHOWN = 5
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def missing_rows(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Positions (0-based) of the rows with a missing value in any of ``columns``."""
    if not columns:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(df[columns].isna().to_numpy().any(axis=1))


def _missing_message(df: pd.DataFrame, columns: list[str], rows: np.ndarray) -> str:
    shown = []
    for r in rows[:_MAX_ROWS_SHOWN]:
        cols = [c for c in columns if pd.isna(df[c].iloc[r])]
        shown.append(f"{r + 1} ({', '.join(cols)})")
    more = f" and {rows.size - _MAX_ROWS_SHOWN} more" if rows.size > _MAX_ROWS_SHOWN else ""
    return (
        f"missing values in {rows.size} row{'s' if rows.size > 1 else ''}: row "
        f"{', '.join(shown)}{more} (row 1 = first row after the header); fix the data "
        f"or drop those rows (drop_missing=True, --drop-missing)."
    )


def _is_numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)


#: A text column with more distinct values than this share of its rows (from
#: ID_MIN_ROWS rows on) is refused as an identifier or a date rather than one-hot encoded.
ID_SHARE = 0.9
ID_MIN_ROWS = 10
#: How a column is left out: by ``logistic fit --features``, or by dropping it from the
#: data (``report`` takes every column of its data).
_LEAVE_OUT = "drop the column, or name the others with logistic fit --features"


class TablePreprocessor:
    """Select feature columns of a DataFrame and encode them as a float64 matrix.

    Parameters
    ----------
    features : list of str, optional
        The columns to use, in this order; None uses every column but ``target``.
    target : str, optional
        The target column's name: never a feature, and ignored when present at
        transform time.
    weights : str, optional
        The column of sample weights the model was fit with (``TabularModel.fit(...,
        weights=...)``): never a feature, and ignored when present at transform time.
    categorical : {"auto", "none"}, default "auto"
        ``"auto"`` one-hot encodes text and categorical columns; ``"none"`` refuses them.
    standardize : bool, default False
        Centre and scale the numeric columns with the training mean and std.
    max_categories : int, default 100
        A text column with more distinct values is refused (it is likely an
        identifier, and would add that many columns).

    Attributes
    ----------
    columns_ : list of dict
        One spec per input column: ``{"name", "kind": "numeric", "center", "scale"}``
        or ``{"name", "kind": "categorical", "categories", "reference"}``.
    feature_names_out_ : list of str
        Names of the columns of the encoded matrix.
    """

    def __init__(self, features: list[str] | None = None, *, target: str | None = None,
                 weights: str | None = None, categorical: str = "auto",
                 standardize: bool = False, max_categories: int = 100):
        self.features = features
        self.target = target
        self.weights = weights
        self.categorical = categorical
        self.standardize = standardize
        self.max_categories = max_categories

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, sample_weight=None) -> TablePreprocessor:
        """Learn the column specs from ``df`` (which must have no missing features);
        with ``sample_weight`` the standardisation uses the weighted mean and standard
        deviation (as scikit-learn's ``StandardScaler``: frequency weights, so a row of
        weight 0 changes nothing and one of weight 2 counts as two)."""
        if self.categorical not in ("auto", "none"):
            raise ValueError(f"categorical must be 'auto' or 'none', got {self.categorical!r}.")
        names = self._feature_columns(df)
        rows = missing_rows(df, names)
        if rows.size:
            raise DataError(_missing_message(df, names, rows))
        if len(df) == 0:
            raise DataError("the data have no rows.")
        s = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        self.columns_ = [self._fit_column(df[name], s) for name in names]
        return self

    def _feature_columns(self, df: pd.DataFrame) -> list[str]:
        columns = [str(c) for c in df.columns]
        if self.features is None:
            names = [c for c in columns if c not in (self.target, self.weights)]
            if not names:
                raise DataError("the data have no feature columns besides the target"
                                + (" and the weights." if self.weights is not None else "."))
            return names
        names = list(self.features)
        if not names:
            raise DataError("no feature columns were given.")
        unknown = [c for c in names if c not in columns]
        if unknown:
            raise DataError(f"feature column {unknown[0]!r} is not in the data "
                            f"(columns: {', '.join(columns)}).")
        if self.target is not None and self.target in names:
            raise DataError(f"the target column {self.target!r} cannot also be a feature.")
        if self.weights is not None and self.weights in names:
            raise DataError(f"the weights column {self.weights!r} cannot also be a feature.")
        dup = [c for c in names if names.count(c) > 1]
        if dup:
            raise DataError(f"feature column {dup[0]!r} is listed twice.")
        return names

    def _fit_column(self, col: pd.Series, s: np.ndarray | None = None) -> dict[str, Any]:
        name = str(col.name)
        if _is_numeric(col):
            x = col.to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(x)):
                raise DataError(f"column {name!r} contains infinite values.")
            center, scale = 0.0, 1.0
            if self.standardize:
                center = float(np.average(x, weights=s))
                std = float(np.sqrt(np.average((x - center) ** 2, weights=s)))
                scale = std if std > 0 else 1.0
            return {"name": name, "kind": "numeric", "center": center, "scale": scale}
        values = col.astype(str)
        example = values.iloc[0]
        if values.map(lambda v: bool(_DECIMAL_COMMA.match(v))).all():
            raise DataError(f"column {name!r} holds numbers with decimal commas (e.g. "
                            f"{example!r}); read the file with --decimal ',' (decimal=',').")
        if self.categorical == "none":
            raise DataError(f"column {name!r} holds text (e.g. {example!r}); one-hot encode "
                            f"it with --categorical auto or leave it out with --features.")
        categories = sorted(set(values))
        if len(categories) > self.max_categories:
            raise DataError(f"column {name!r} has {len(categories)} distinct text values "
                            f"(more than {self.max_categories}): is it an identifier? "
                            f"Leave it out ({_LEAVE_OUT}).")
        if len(values) >= ID_MIN_ROWS and len(categories) > ID_SHARE * len(values):
            # one 0/1 column per value seen once or twice: an identifier or a date, whose
            # columns each fit a row or two (separated, and unseen values at predict time)
            raise DataError(f"column {name!r} has {len(categories)} distinct text values in "
                            f"{len(values)} rows (e.g. {example!r}): is it an identifier or a "
                            f"date? Leave it out ({_LEAVE_OUT}).")
        return {"name": name, "kind": "categorical", "categories": categories,
                "reference": categories[0]}

    @property
    def feature_names_out_(self) -> list[str]:
        out = []
        for spec in self.columns_:
            if spec["kind"] == "numeric":
                out.append(spec["name"])
            else:
                out.extend(f"{spec['name']}={c}" for c in spec["categories"]
                           if c != spec["reference"])
        return out

    @property
    def feature_names_in_(self) -> list[str]:
        return [spec["name"] for spec in self.columns_]

    # ------------------------------------------------------------ transform
    def transform(self, df: pd.DataFrame, *, ignore_extra: bool = False) -> np.ndarray:
        """The encoded float64 matrix of ``df`` (shape ``(len(df), len(feature_names_out_))``).

        Raises :class:`~logistic.files.tables.DataError` when a needed column is missing, a
        column is unknown (unless ``ignore_extra``; the target and weights columns are
        always allowed), a value is missing, a numeric column holds text, or a category was
        not seen in training.
        """
        needed = self.feature_names_in_
        columns = [str(c) for c in df.columns]
        if len(df) == 0:
            raise DataError("the data have no rows (a header alone).")
        lacking = [c for c in needed if c not in columns]
        if lacking:
            listed = [c for c in columns if c not in (self.target, self.weights)]
            raise DataError(f"the model needs column {lacking[0]!r}, which the data lack "
                            + (f"(columns: {', '.join(listed)})." if listed else
                               "(they hold no column besides the target)."))
        extra = [c for c in columns if c not in needed and c not in (self.target, self.weights)]
        if extra and not ignore_extra:
            raise DataError(f"column {extra[0]!r} is not one the model was fit on (it uses "
                            f"{', '.join(needed)}); remove it or pass --ignore-extra.")
        rows = missing_rows(df, needed)
        if rows.size:
            raise DataError(_missing_message(df, needed, rows))
        blocks = [self._encode(df[spec["name"]], spec) for spec in self.columns_]
        if not blocks:
            return np.zeros((len(df), 0))
        return np.column_stack(blocks).astype(np.float64, copy=False)

    def _encode(self, col: pd.Series, spec: dict) -> np.ndarray:
        name = spec["name"]
        if spec["kind"] == "numeric":
            if not _is_numeric(col):
                raise DataError(f"column {name!r} was numeric when the model was fit but "
                                f"holds text here (e.g. {str(col.iloc[0])!r}).")
            x = col.to_numpy(dtype=np.float64)
            if not np.all(np.isfinite(x)):
                raise DataError(f"column {name!r} contains infinite values.")
            return ((x - spec["center"]) / spec["scale"]).reshape(-1, 1)
        values = col.astype(str).to_numpy(dtype=object)
        categories = spec["categories"]
        unknown = sorted(set(values) - set(categories))
        if unknown:
            raise DataError(f"column {name!r} has a value the model has not seen: "
                            f"{unknown[0]!r} (known: {', '.join(categories)}).")
        kept = [c for c in categories if c != spec["reference"]]
        out = np.zeros((len(values), len(kept)))
        for j, c in enumerate(kept):
            out[values == c, j] = 1.0
        return out

    # ---------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (floats kept exactly by ``json``'s repr)."""
        out = {
            "target": self.target,
            "categorical": self.categorical,
            "standardize": bool(self.standardize),
            "columns": [dict(spec) for spec in self.columns_],
        }
        if self.weights is not None:  # absent from files of unweighted fits (and older ones)
            out["weights"] = self.weights
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "preprocessing") -> TablePreprocessor:
        """Rebuild from :meth:`to_dict`'s output, checking every entry strictly."""
        S.expect_keys(data, where, {"target", "categorical", "standardize", "columns"},
                      {"weights"})
        target = S.expect_optional(S.expect_str, data["target"], f"{where}.target")
        weights = S.expect_optional(S.expect_str, data.get("weights"), f"{where}.weights")
        categorical = S.expect_str(data["categorical"], f"{where}.categorical", ("auto", "none"))
        standardize = S.expect_bool(data["standardize"], f"{where}.standardize")
        columns = []
        for i, spec in enumerate(S.expect_list(data["columns"], f"{where}.columns")):
            w = f"{where}.columns[{i}]"
            S.expect_dict(spec, w)
            kind = S.expect_str(spec.get("kind"), f"{w}.kind", ("numeric", "categorical"))
            if kind == "numeric":
                S.expect_keys(spec, w, {"name", "kind", "center", "scale"})
                columns.append({"name": S.expect_str(spec["name"], f"{w}.name"), "kind": kind,
                                "center": S.expect_float(spec["center"], f"{w}.center"),
                                "scale": S.expect_float(spec["scale"], f"{w}.scale",
                                                        positive=True)})
            else:
                S.expect_keys(spec, w, {"name", "kind", "categories", "reference"})
                cats = [S.expect_str(c, f"{w}.categories[{j}]")
                        for j, c in enumerate(S.expect_list(spec["categories"],
                                                            f"{w}.categories"))]
                if not cats or cats != sorted(set(cats)):
                    raise ValueError(f"{w}.categories must be distinct, sorted and non-empty.")
                ref = S.expect_str(spec["reference"], f"{w}.reference")
                if ref != cats[0]:
                    raise ValueError(f"{w}.reference must be the first category {cats[0]!r}.")
                columns.append({"name": S.expect_str(spec["name"], f"{w}.name"), "kind": kind,
                                "categories": cats, "reference": ref})
        names = [c["name"] for c in columns]
        if len(set(names)) != len(names) or target in names:
            raise ValueError(f"{where}.columns names must be distinct and differ from the target.")
        if weights is not None and (weights in names or weights == target):
            raise ValueError(f"{where}.weights must differ from the target and the features.")
        pre = cls(names, target=target, weights=weights, categorical=categorical,
                  standardize=standardize)
        pre.columns_ = columns
        return pre

    def __repr__(self) -> str:
        return (f"TablePreprocessor(features={self.features!r}, target={self.target!r}, "
                f"weights={self.weights!r}, categorical={self.categorical!r}, "
                f"standardize={self.standardize!r})")


class TabularModel:
    """A :class:`TablePreprocessor` and a :class:`~logistic.LogisticRegression`, on DataFrames.

    Parameters
    ----------
    estimator : LogisticRegression, optional
        Unfitted (for :meth:`fit`) or fitted; default ``LogisticRegression()``.
    preprocessor : TablePreprocessor, optional
        Default ``TablePreprocessor(features, categorical=..., standardize=...)``.
    features, categorical, standardize :
        Passed to the default preprocessor.
    """

    def __init__(self, estimator: LogisticRegression | None = None,
                 preprocessor: TablePreprocessor | None = None, *,
                 features: list[str] | None = None, categorical: str = "auto",
                 standardize: bool = False):
        self.estimator = estimator if estimator is not None else LogisticRegression()
        self.preprocessor = preprocessor if preprocessor is not None else TablePreprocessor(
            features, categorical=categorical, standardize=standardize)

    @property
    def target(self) -> str | None:
        return self.preprocessor.target

    def fit(self, df: pd.DataFrame, target: str, *, drop_missing: bool = False,
            sample_weight=None, weights: str | None = None) -> TabularModel:
        """Fit the preprocessor and the estimator on ``df``, predicting column ``target``.

        With ``drop_missing`` the rows with a missing target or feature are left out
        (their count is in ``n_dropped_``); otherwise they are an error. ``weights``
        names a column of sample weights (numeric, finite, non-negative, not all zero;
        kept in the model file, never a feature); ``sample_weight`` gives them as an
        array instead.
        """
        columns = [str(c) for c in df.columns]
        if target not in columns:
            raise DataError(f"the target column {target!r} is not in the data "
                            f"(columns: {', '.join(columns)}).")
        if weights is not None:
            if sample_weight is not None:
                raise ValueError("give the weights as a column (weights=) or as an array "
                                 "(sample_weight=), not both.")
            check_weights_name(weights, columns, target)
        self.preprocessor.target = target
        self.preprocessor.weights = weights
        used = [*self.preprocessor._feature_columns(df), target,
                *([] if weights is None else [weights])]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (len(df),):
                raise ValueError(f"sample_weight has shape {sample_weight.shape}; the table "
                                 f"has {len(df)} rows.")
        rows = missing_rows(df, used)
        self.n_dropped_ = int(rows.size)
        if rows.size:
            if not drop_missing:
                raise DataError(_missing_message(df, used, rows))
            df = df.drop(index=df.index[rows])
            if sample_weight is not None:  # the weights of the rows kept
                sample_weight = np.delete(sample_weight, rows)
        y = target_labels(df[target], target)
        if weights is not None:
            sample_weight = weight_column(df[weights], weights)
        # columns outside the chosen features (and the target) are simply not used
        X = self.preprocessor.fit(df, sample_weight).transform(df, ignore_extra=True)
        X = pd.DataFrame(X, columns=self.preprocessor.feature_names_out_, copy=False)
        self.estimator.fit(X, y, sample_weight=sample_weight)
        return self

    def transform(self, df: pd.DataFrame, *, ignore_extra: bool = False) -> pd.DataFrame:
        """The encoded design matrix, with the estimator's feature names as columns."""
        X = self.preprocessor.transform(df, ignore_extra=ignore_extra)
        return pd.DataFrame(X, columns=self.preprocessor.feature_names_out_, copy=False)

    def decision_function(self, df: pd.DataFrame, **kw) -> np.ndarray:
        """Margins :math:`z = x\\cdot w + b` of each row."""
        return self.estimator.decision_function(self.transform(df, **kw))

    def predict_proba(self, df: pd.DataFrame, **kw) -> np.ndarray:
        """Class probabilities, columns ordered as ``classes_``."""
        return self.estimator.predict_proba(self.transform(df, **kw))

    def predict(self, df: pd.DataFrame, **kw) -> np.ndarray:
        """Predicted labels (the most probable class of each row)."""
        return self.estimator.predict(self.transform(df, **kw))

    @property
    def classes_(self) -> np.ndarray:
        return self.estimator.classes_

    def __repr__(self) -> str:
        return f"TabularModel({self.estimator!r}, {self.preprocessor!r})"


def target_labels(col: pd.Series, name: str) -> np.ndarray:
    """The target column as a NumPy array of class labels (two or more), their type kept.

    Text stays text (an object array of ``str``), integers stay integers; a float
    column whose values are all whole numbers (pandas reads an integer column with
    gaps as float) becomes int64.
    """
    y = as_labels(col)
    if y.size == 0:
        raise DataError(f"the target column {name!r} has no values: the data have no rows.")
    classes = np.unique(y)
    if classes.size < 2:
        shown = classes[0] if classes.size else "nothing"
        raise DataError(f"the target column {name!r} has a single class ({shown!r}); "
                        f"logistic regression needs two.")
    if classes.size > max(2, y.size // 2):
        raise DataError(f"the target column {name!r} has {classes.size} distinct values in "
                        f"{y.size} rows: it looks continuous, not a class label.")
    _warn_near_duplicate_labels(classes, name)
    return y


def _warn_near_duplicate_labels(classes: np.ndarray, name: str) -> None:
    """Warn where text labels differ only in case or surrounding spaces ('Yes', 'yes '):
    they are distinct classes, which is rarely what the data meant."""
    if classes.dtype != object:
        return
    groups: dict[str, list[str]] = {}
    for label in classes.tolist():
        groups.setdefault(str(label).strip().casefold(), []).append(str(label))
    alike = [g for g in groups.values() if len(g) > 1]
    if alike:
        shown = "; ".join(", ".join(map(repr, g)) for g in alike[:3])
        warnings.warn(f"the target column {name!r} has labels that differ only in case or "
                      f"spaces ({shown}): they are fitted as different classes; fix the "
                      "data if they mean the same.", UserWarning, stacklevel=3)


def check_weights_name(weights: str, columns: list[str], target: str) -> None:
    """A weights column named ``weights`` must be one of ``columns`` and not the target."""
    if weights not in columns:
        raise DataError(f"the weights column {weights!r} is not in the data "
                        f"(columns: {', '.join(columns)}).")
    if weights == target:
        raise DataError(f"the weights column {weights!r} is the target column.")


def weight_column(col: pd.Series, name: str) -> np.ndarray:
    """A column of sample weights as float64: numeric, finite, non-negative and not all
    zero, or a :class:`~logistic.files.tables.DataError` naming the first bad row."""
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        text = np.flatnonzero(pd.to_numeric(col, errors="coerce").isna().to_numpy())
        at = int(text[0]) if text.size else 0
        raise DataError(f"the weights column {name!r} must be numeric (row {at + 1} holds "
                        f"{str(col.iloc[at])!r}).")
    s = col.to_numpy(dtype=np.float64)
    for bad, what in ((~np.isfinite(s), "an infinite value"), (s < 0, "a negative weight")):
        rows = np.flatnonzero(bad)
        if rows.size:
            raise DataError(f"the weights column {name!r} has {what} ({s[rows[0]]:g}, row "
                            f"{rows[0] + 1}); weights must be finite and non-negative.")
    if not s.sum() > 0:
        raise DataError(f"the weights column {name!r} is zero in every row.")
    return s


def as_labels(col: pd.Series) -> np.ndarray:
    """A label column (no missing values) as NumPy labels, typed as :func:`target_labels` says."""
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=bool)
    if _is_numeric(col):
        y = col.to_numpy()
        if y.dtype.kind == "f" and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        return y
    return col.astype(str).to_numpy(dtype=object)

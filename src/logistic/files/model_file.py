"""Model files: a fitted model as plain JSON, read back exactly and safely.

:func:`save` writes, and :func:`load` reads, one JSON document::

    {
      "format": "logistic-model",
      "schema_version": 2,               (version-1 files, binary L2/none, still load)
      "logistic_version": "0.1.0",
      "params":   {every parameter of the estimator: "penalty", "C" (a number or "inf"),
                   "l1_ratio", "class_weight" (null | "balanced" | {"pairs": [[label, w]]}),
                   "multi_class", "inference", ...},
      "n_features_in": 3,
      "feature_names_in": ["age", "plan=pro", ...] | null,
      "classes":  {"dtype": "int64" | "float64" | "bool" | "object" | "<U3", "values": [...]},
      "coef":      [[w_1, ..., w_d]] (one row, or one per class for k > 2),
      "intercept": [b] (one per row),
      "fit":      {"solver": "newton", "penalty": "l2", "multi_class": "binary",
                   "converged": true, "n_iter": [7], "objective": 41.2,
                   "inference_skipped": "why"},    (optional: why no inference was kept)
      "preprocessing": null | {TablePreprocessor.to_dict()},  (its "weights": a weights column)
      "inference": {InferenceState.to_dict()},             (optional: absent when not kept)
      "estimator": "LogisticRegressionCV", "cv": {...}    (only for a CV model)
    }

Why this shape:

- **Exact.** Floats are written by Python's ``repr`` (the shortest string that reads
  back to the same double), so coefficients, intercepts, means and scales round-trip
  bit for bit, and a loaded model's ``decision_function`` and ``predict_proba`` are
  bit-identical to the saved one's. Labels keep their type (``dtype`` above).
- **Safe.** Reading is ``json.loads`` and nothing else: no pickle, no imports, no
  ``eval``. Every entry is then checked for its exact key set, type, shape and
  finiteness; NaN/Infinity literals, duplicate keys, unknown keys, another schema
  version or a truncated file are refused with a :class:`ModelFileError` (a
  ``ValueError``) whose one-line message names the file and the entry.
- **Self-contained.** The preprocessing (columns, one-hot categories, standardisation)
  travels with the coefficients, so the command line can predict from a data file.

A loaded model is a :class:`~logistic.LogisticRegression` (or
:class:`~logistic.LogisticRegressionCV`) with the fitted attributes set (``coef_``,
``intercept_``, ``classes_``, ``n_features_in_``, ``feature_names_in_`` when stored,
``solver_``, ``penalty_``, ``multi_class_``, ``converged_``, ``n_iter_``,
``objective_``, ``inference_``; a CV model's grid, choice and scores) and, when the file
has preprocessing, ``preprocessor_``. Its ``history_`` is not stored. The parameter
checks are keyed by the estimators' ``get_params()`` (a test asserts the two agree).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..data.device import on_host
from ..inference.state import InferenceState
from ..models.estimator import LogisticRegression
from ..solvers import SMOOTH_SOLVERS
from . import schema as S
from .tabular import TablePreprocessor, TabularModel

__all__ = ["ModelFileError", "save", "load", "load_tabular", "as_tabular", "to_dict", "from_dict",
           "SCHEMA_VERSION", "FORMAT"]

FORMAT = "logistic-model"
SCHEMA_VERSION = 2
_READABLE_VERSIONS = (1, 2)
_TOP_KEYS = {"format", "schema_version", "logistic_version", "params", "n_features_in",
             "feature_names_in", "classes", "coef", "intercept", "fit", "preprocessing"}
_CLASS_DTYPE = re.compile(r"^(u?int(8|16|32|64)|float(32|64)|bool|object|[<>|=]?U\d{1,6})$")


class ModelFileError(ValueError):
    """A model file cannot be read or is not a valid model; the message says why."""


# ------------------------------------------------------------------ the parameters
def _number(where, positive=False, allow_inf=False):
    def check(v):
        if allow_inf and v == "inf":
            return math.inf
        return S.expect_float(v, where, positive=positive)
    return check


def _choice(where, choices):
    def check(v):
        if not any(v is c or (type(v) is type(c) and v == c) for c in choices):
            raise ValueError(f"{where} must be one of {list(choices)}, got {v!r}.")
        return v
    return check


def _optional(check):
    return lambda v: None if v is None else check(v)


def _class_weight(v):
    if v is None or v == "balanced":
        return v
    S.expect_keys(v, "params.class_weight", {"pairs"})
    out = {}
    for i, pair in enumerate(S.expect_list(v["pairs"], "params.class_weight.pairs")):
        label, weight = S.expect_list(pair, f"params.class_weight.pairs[{i}]", 2)
        if not isinstance(label, str | int | float | bool):
            raise ValueError(f"params.class_weight.pairs[{i}] has a label that is not a "
                             "number, string or boolean.")
        if label in out:
            raise ValueError(f"params.class_weight repeats the label {label!r}.")
        out[label] = S.expect_float(weight, f"params.class_weight.pairs[{i}][1]", positive=True)
    return out


def _param_checks() -> dict[str, Any]:
    """One check per parameter of :class:`LogisticRegression` (``test_model_io`` asserts
    that these keys are exactly the estimator's ``get_params()``, so they cannot drift)."""
    from ..models.params import MULTI_CLASS, PENALTIES
    from ..solvers import PROXIMAL_SOLVERS
    from ..solvers.sgd import SCHEDULES

    solvers = ("auto", *SMOOTH_SOLVERS, "newton-cholesky", *PROXIMAL_SOLVERS)
    return {
        "penalty": _choice("params.penalty", PENALTIES),
        "C": _number("params.C", positive=True, allow_inf=True),
        "fit_intercept": lambda v: S.expect_bool(v, "params.fit_intercept"),
        "solver": _choice("params.solver", solvers),
        "tol": _number("params.tol", positive=True),
        "max_iter": _optional(lambda v: S.expect_int(v, "params.max_iter", minimum=0)),
        "learning_rate": lambda v: v if v in ("auto", *SCHEDULES) else _number(
            "params.learning_rate", positive=True)(v),
        "random_state": _optional(lambda v: S.expect_int(v, "params.random_state")),
        "verbose": lambda v: S.expect_int(v, "params.verbose", minimum=0),
        "record_coef": lambda v: S.expect_bool(v, "params.record_coef"),
        "multi_class": _choice("params.multi_class", MULTI_CLASS),
        "l1_ratio": _optional(_number("params.l1_ratio")),
        "class_weight": _class_weight,
        "warm_start": lambda v: S.expect_bool(v, "params.warm_start"),
        "n_jobs": _optional(lambda v: S.expect_int(v, "params.n_jobs")),
        "inference": _choice("params.inference", ("auto", True, False)),
        "batch_size": _optional(lambda v: S.expect_int(v, "params.batch_size", minimum=1)),
        "eta0": lambda v: v if v == "auto" else _number("params.eta0", positive=True)(v),
        "average": lambda v: S.expect_bool(v, "params.average"),
    }


def _cv_param_checks() -> dict[str, Any]:
    """One check per parameter of :class:`LogisticRegressionCV` (asserted equal to its
    ``get_params()`` by ``test_model_files_every_model``)."""
    base = _param_checks()

    def floats(where):
        def check(v):
            if isinstance(v, int) and not isinstance(v, bool):
                return S.expect_int(v, where, minimum=1)
            return [S.expect_float(x, f"{where}[{i}]", positive=True)
                    for i, x in enumerate(S.expect_list(v, where))]
        return check

    def ratios(v):
        if v is None:
            return None
        return [S.expect_float(x, f"params.l1_ratios[{i}]")
                for i, x in enumerate(S.expect_list(v, "params.l1_ratios"))]

    return {
        "Cs": floats("params.Cs"),
        "l1_ratios": ratios,
        "cv": _optional(lambda v: S.expect_int(v, "params.cv", minimum=2)),
        "scoring": _optional(lambda v: S.expect_str(v, "params.scoring")),
        "refit": lambda v: S.expect_bool(v, "params.refit"),
        "use_legacy_attributes": lambda v: S.expect_bool(v, "params.use_legacy_attributes"),
        **{k: base[k] for k in ("penalty", "fit_intercept", "solver", "tol", "max_iter",
                                "class_weight", "random_state", "verbose", "n_jobs")},
    }


def _cv_param_doc(params: dict[str, Any]) -> dict[str, Any]:
    for key in ("cv", "scoring"):
        value = params[key]
        ok = value is None or (key == "cv" and isinstance(value, int)
                               and not isinstance(value, bool)) or (
            key == "scoring" and isinstance(value, str))
        if not ok:
            raise ValueError(f"a LogisticRegressionCV with {key}={value!r} cannot be saved: "
                             f"only an int cv and a named scoring are data.")
    out = _param_doc({k: v for k, v in params.items() if k not in ("Cs", "l1_ratios")})
    Cs, ratios = params["Cs"], params["l1_ratios"]
    out["Cs"] = int(Cs) if isinstance(Cs, int | np.integer) else [float(c) for c in Cs]
    out["l1_ratios"] = None if ratios is None else [float(r) for r in np.atleast_1d(ratios)]
    return out


def _array_doc(a) -> dict[str, Any]:
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape),
            "values": [None if np.isnan(v) else float(v) for v in a.ravel()]}


def _check_array(doc: Any, where: str) -> np.ndarray:
    S.expect_keys(doc, where, {"shape", "values"})
    shape = [S.expect_int(n, f"{where}.shape[{i}]", minimum=0, maximum=10**7)
             for i, n in enumerate(S.expect_list(doc["shape"], f"{where}.shape"))]
    if len(shape) > 6:
        raise ValueError(f"{where}.shape has too many dimensions.")
    values = S.expect_list(doc["values"], f"{where}.values", int(np.prod(shape)))
    flat = [np.nan if v is None else S.expect_float(v, f"{where}.values[{i}]")
            for i, v in enumerate(values)]
    return np.array(flat, dtype=np.float64).reshape(shape)


def _cv_doc(model) -> dict[str, Any]:
    """A cross-validated model's grid, choice and scores."""
    def per_class(value):
        if isinstance(value, dict):
            return {"by_class": [[_plain(k), _array_doc(v)] for k, v in value.items()]}
        return {"array": _array_doc(value)}

    return {
        "Cs_": _array_doc(model.Cs_), "l1_ratios_": _array_doc(model.l1_ratios_),
        "C_": _array_doc(model.C_), "l1_ratio_": _array_doc(model.l1_ratio_),
        "scalar_choice": not isinstance(model.C_, np.ndarray),
        "scores_": per_class(model.scores_), "coefs_paths_": per_class(model.coefs_paths_),
        "n_iter_": _array_doc(model.n_iter_),
    }


def _check_cv(doc: Any, classes: np.ndarray) -> dict[str, Any]:
    S.expect_keys(doc, "cv", {"Cs_", "l1_ratios_", "C_", "l1_ratio_", "scalar_choice",
                              "scores_", "coefs_paths_", "n_iter_"})
    out = {k: _check_array(doc[k], f"cv.{k}") for k in ("Cs_", "l1_ratios_", "C_",
                                                         "l1_ratio_", "n_iter_")}
    scalar = S.expect_bool(doc["scalar_choice"], "cv.scalar_choice")
    if scalar:
        if out["C_"].shape != () or out["l1_ratio_"].shape != ():
            raise ValueError("cv.C_ and cv.l1_ratio_ must be scalars with scalar_choice.")
        out["C_"], out["l1_ratio_"] = float(out["C_"]), float(out["l1_ratio_"])
    if not np.all(np.isin(np.ravel(out["C_"]), out["Cs_"])):
        raise ValueError("cv.C_ is not one of cv.Cs_.")
    labels = set(classes.tolist())
    for key in ("scores_", "coefs_paths_"):
        entry = doc[key]
        if isinstance(entry, dict) and "by_class" in entry:
            S.expect_keys(entry, f"cv.{key}", {"by_class"})
            table = {}
            for i, pair in enumerate(S.expect_list(entry["by_class"], f"cv.{key}.by_class")):
                label, arr = S.expect_list(pair, f"cv.{key}.by_class[{i}]", 2)
                if label not in labels or label in table:
                    raise ValueError(f"cv.{key}.by_class[{i}] names no class or repeats one.")
                table[label] = _check_array(arr, f"cv.{key}.by_class[{i}][1]")
            out[key] = {classes[classes.tolist().index(k)]: v for k, v in table.items()}
        else:
            S.expect_keys(entry, f"cv.{key}", {"array"})
            out[key] = _check_array(entry["array"], f"cv.{key}.array")
    return out


def _param_doc(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        if key == "C" and value == math.inf:
            value = "inf"  # JSON has no infinity
        elif key == "class_weight" and isinstance(value, dict):
            value = {"pairs": [[_plain(k), float(w)] for k, w in value.items()]}
        elif key == "random_state" and not isinstance(value, int | None):
            value = None  # a RandomState object is not data
        elif isinstance(value, float | np.floating) and key != "C":
            value = float(value)
        out[key] = _plain(value)
    return out


# ----------------------------------------------------------------------------- save
def to_dict(model, preprocessor: TablePreprocessor | None = None) -> dict[str, Any]:
    """The JSON-ready document of a fitted model (see the module docstring)."""
    if isinstance(model, TabularModel):
        model, preprocessor = model.estimator, preprocessor or model.preprocessor
    if preprocessor is None:
        preprocessor = getattr(model, "preprocessor_", None)
    cv = hasattr(model, "Cs") and hasattr(model, "l1_ratios")  # a LogisticRegressionCV
    for attr in ("coef_", "intercept_", "classes_"):
        if not hasattr(model, attr):
            raise ValueError(f"the model is not fitted (it has no {attr}); fit it first.")
    coef = on_host(model.coef_)  # a fit on device arrays: its coefficients, copied
    coef = np.asarray(coef.toarray() if hasattr(coef, "toarray") else coef, dtype=np.float64)
    intercept = np.asarray(on_host(model.intercept_), dtype=np.float64).reshape(-1)
    classes = np.asarray(model.classes_)
    rows = 1 if classes.size == 2 else classes.size
    if coef.ndim != 2 or coef.shape[0] != rows or intercept.size != rows:
        raise ValueError(f"coef_ must have {rows} row(s) for {classes.size} classes, got "
                         f"shape {coef.shape}.")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError("the model has NaN or infinite coefficients; it cannot be saved.")
    names = getattr(model, "feature_names_in_", None)
    if getattr(model, "formula_", None) is not None:
        warnings.warn(
            f"the formula {model.formula_!r} is not stored in the model file (only its "
            "columns' names): build new data with logistic.formula_matrix before loading "
            "it elsewhere, or pickle the model.", UserWarning, stacklevel=3,
        )
    params = _cv_param_doc(model.get_params()) if cv else _param_doc(model.get_params())
    n_iter = np.asarray(getattr(model, "n_iter_", [0])).reshape(-1)
    if cv:
        n_iter = np.zeros(0, dtype=int)  # the folds' iterations are in cv.n_iter_
    objective = getattr(model, "objective_", None)
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "logistic_version": _version(),
        "params": params,
        "n_features_in": int(coef.shape[1]),
        "feature_names_in": None if names is None else [str(n) for n in names],
        "classes": {"dtype": _dtype_name(classes.dtype), "values": _plain(classes.tolist())},
        "coef": coef.tolist(),
        "intercept": intercept.tolist(),
        "fit": {
            "solver": str(getattr(model, "solver_", "auto")),
            "penalty": getattr(model, "penalty_", None),
            "multi_class": str(getattr(model, "multi_class_", "binary")),
            "converged": bool(getattr(model, "converged_", True)),
            "n_iter": [int(v) for v in n_iter],
            "objective": None if objective is None else float(objective),
            **({"inference_skipped": str(skipped)}
               if (skipped := getattr(model, "inference_skipped_", None)) else {}),
        },
        "preprocessing": None if preprocessor is None else preprocessor.to_dict(),
        **({"inference": inference} if (inference := _inference_doc(model)) else {}),
        **({"estimator": "LogisticRegressionCV", "cv": _cv_doc(model)} if cv else {}),
    }


def save(model, path: str | os.PathLike, *, preprocessor: TablePreprocessor | None = None
         ) -> None:
    """Write a fitted model (a :class:`~logistic.LogisticRegression` or a
    :class:`~logistic.files.tabular.TabularModel`) to ``path`` as JSON.

    The file is written to a uniquely named temporary file in the target folder and
    renamed over ``path`` (atomic): a crash, a full disk or a concurrent save never
    leaves a half-written model under ``path``, and the temporary file is removed when
    writing fails.
    """
    text = json.dumps(to_dict(model, preprocessor), indent=1, allow_nan=False) + "\n"
    path = Path(path)
    if not path.parent.is_dir():  # mkstemp would name its temporary file instead
        raise FileNotFoundError(f"{path}: no such folder {str(path.parent)!r} to save into.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------- load
def load(path: str | os.PathLike) -> LogisticRegression:
    """Read a model file written by :func:`save` (``"-"``: from standard input, as
    ``logistic fit --out -`` writes it).

    Returns
    -------
    LogisticRegression
        Fitted, predicting bit-identically to the saved model; with the
        ``preprocessor_`` attribute when the file stores preprocessing.

    Raises
    ------
    ModelFileError
        The file is missing, not JSON, truncated, of another schema version, or has
        a missing, unknown, mistyped, misshapen or non-finite entry.
    """
    path = Path(path)
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"{path}: no such model file.") from exc
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read the model file ({exc.strerror}).") from exc
    try:
        return from_dict(parse(raw))
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc


def load_tabular(path: str | os.PathLike) -> TabularModel:
    """Read a model file as a :class:`~logistic.files.tabular.TabularModel` (works on DataFrames).

    A file saved without preprocessing gets an identity preprocessor over its
    feature names (an error when it has none).
    """
    return as_tabular(load(path), path)


def as_tabular(model: LogisticRegression, path: str | os.PathLike = "the model"
               ) -> TabularModel:
    """A loaded model with its preprocessing (:func:`load_tabular` after :func:`load`)."""
    pre = getattr(model, "preprocessor_", None)
    if pre is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            raise ModelFileError(f"{path}: the model has no feature names, so it cannot be "
                                 "applied to a table; save it fit on a DataFrame.")
        pre = TablePreprocessor([str(n) for n in names], categorical="none")
        pre.columns_ = [{"name": str(n), "kind": "numeric", "center": 0.0, "scale": 1.0}
                        for n in names]
    return TabularModel(model, pre)


def parse(raw: bytes | str) -> Any:
    """``json.loads`` that refuses NaN/Infinity literals and duplicate keys."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not a model file: not UTF-8 text (byte {exc.start}).") from None
    if not raw.strip():
        raise ValueError("the model file is empty.")

    def no_constants(name):
        raise ValueError(f"the model file contains {name}, which is not a valid number.")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        dup = [k for k in keys if keys.count(k) > 1]
        if dup:
            raise ValueError(f"the model file repeats the key {dup[0]!r}.")
        return dict(pairs)

    try:
        return json.loads(raw, parse_constant=no_constants, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        where = "truncated" if _unclosed(raw) else "not valid JSON"
        raise ValueError(f"the model file is {where} (line {exc.lineno}, column "
                         f"{exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise ValueError("the model file is nested too deeply to be a model.") from None


def from_dict(doc: Any) -> LogisticRegression:
    """Check a parsed document entry by entry and build the fitted estimator."""
    S.expect_dict(doc, "the file's top level")
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a logistic model file (its 'format' is {doc.get('format')!r}, "
                         f"expected {FORMAT!r}).")
    version = doc.get("schema_version")
    if version not in _READABLE_VERSIONS or isinstance(version, bool):
        raise ValueError(f"schema version {version!r} is not supported (this logistic "
                         f"{_version()} reads versions {list(_READABLE_VERSIONS)}).")
    if version == 1:
        doc = _upgrade_v1(doc)
    S.expect_keys(doc, "the model", _TOP_KEYS, {"inference", "estimator", "cv"})
    S.expect_str(doc["logistic_version"], "logistic_version")
    cv = "estimator" in doc
    if cv and (doc["estimator"] != "LogisticRegressionCV" or "cv" not in doc):
        raise ValueError("estimator must be 'LogisticRegressionCV' (with its cv entry).")
    if "cv" in doc and not cv:
        raise ValueError("the model has a cv entry but no estimator 'LogisticRegressionCV'.")

    if cv:
        cv_params = _check_cv_params(doc["params"])
        params = {**LogisticRegression().get_params(),
                  **{k: cv_params[k] for k in ("penalty", "fit_intercept", "solver", "tol",
                                               "max_iter", "class_weight", "random_state",
                                               "verbose", "n_jobs")}}
    else:
        params = _check_params(doc["params"])
    d = S.expect_int(doc["n_features_in"], "n_features_in", minimum=0)
    names = doc["feature_names_in"]
    if names is not None:
        names = [S.expect_str(n, f"feature_names_in[{i}]")
                 for i, n in enumerate(S.expect_list(names, "feature_names_in", d))]
        if len(set(names)) != d:
            raise ValueError("feature_names_in has a repeated name.")
    classes = _check_classes(doc["classes"])
    k = classes.size
    n_rows = 1 if k == 2 else k
    rows = S.expect_list(doc["coef"], "coef", n_rows)
    coef = np.array([[S.expect_float(v, f"coef[{i}][{j}]")
                      for j, v in enumerate(S.expect_list(row, f"coef[{i}]", d))]
                     for i, row in enumerate(rows)], dtype=np.float64).reshape(n_rows, d)
    intercept = np.array([S.expect_float(b, f"intercept[{i}]") for i, b in
                          enumerate(S.expect_list(doc["intercept"], "intercept", n_rows))])
    if not params["fit_intercept"] and np.any(intercept != 0.0):
        raise ValueError("intercept must be 0 for a model with fit_intercept false.")
    weights = params["class_weight"]
    if isinstance(weights, dict) and not set(weights) <= set(classes.tolist()):
        raise ValueError("params.class_weight names a label that is not one of the classes.")

    fit = S.expect_keys(doc["fit"], "fit", {"solver", "penalty", "multi_class", "converged",
                                            "n_iter", "objective"}, {"inference_skipped"})
    from ..models.params import resolve_penalty
    from ..solvers import SOLVERS

    solver = S.expect_str(fit["solver"], "fit.solver", (*SOLVERS, "auto", "streaming-newton"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit already warned about its parameters
        if cv:
            penalty = "elasticnet" if cv_params["l1_ratios"] is not None else resolve_penalty(
                params["penalty"], None, 1.0)
        else:
            penalty = resolve_penalty(params["penalty"], params["l1_ratio"], params["C"])
    if fit["penalty"] != penalty:
        raise ValueError(f"fit.penalty {fit['penalty']!r} is not what params give "
                         f"({penalty!r}).")
    multi = "binary" if k == 2 else ("ovr" if params["multi_class"] == "ovr" else
                                     "multinomial")
    if fit["multi_class"] != multi:
        raise ValueError(f"fit.multi_class must be {multi!r} for these params and classes.")
    converged = S.expect_bool(fit["converged"], "fit.converged")
    n_fits = 0 if cv else (k if multi == "ovr" else 1)
    n_iter = [S.expect_int(v, f"fit.n_iter[{i}]", minimum=0, maximum=2**31 - 1)
              for i, v in enumerate(S.expect_list(fit["n_iter"], "fit.n_iter", n_fits))]
    objective = S.expect_optional(S.expect_float, fit["objective"], "fit.objective")
    skipped = (S.expect_str(fit["inference_skipped"], "fit.inference_skipped")
               if "inference_skipped" in fit else None)

    pre = None
    if doc["preprocessing"] is not None:
        pre = TablePreprocessor.from_dict(doc["preprocessing"])
        if names != pre.feature_names_out_:
            raise ValueError("feature_names_in does not match the columns the preprocessing "
                             "produces.")

    if cv:
        from ..models.cv import LogisticRegressionCV

        model = LogisticRegressionCV(**cv_params)
        for key, value in _check_cv(doc["cv"], classes).items():
            setattr(model, key, value)
    else:
        model = LogisticRegression(**params)
    model.coef_ = coef
    model.intercept_ = intercept
    model.classes_ = classes
    model.n_features_in_ = d
    if names is not None:
        model.feature_names_in_ = np.asarray(names, dtype=object)
    model.solver_ = solver
    model.penalty_ = penalty
    model.multi_class_ = multi
    model.converged_ = converged
    if not cv:
        model.n_iter_ = np.array(n_iter, dtype=np.int32)
    if objective is not None:
        model.objective_ = objective
    if pre is not None:
        model.preprocessor_ = pre
    if skipped is not None:
        model.inference_skipped_ = skipped  # why the fit kept no inference numbers
    if doc.get("inference") is not None:
        if multi == "ovr" or penalty not in (None, "l2", "firth"):
            raise ValueError("inference is stored only for binary or multinomial fits with "
                             "penalty None, 'l2' or 'firth'.")
        p = d + int(params["fit_intercept"])
        model.inference_ = _check_inference(doc["inference"], p * n_rows, params, penalty, k)
    return model


def _upgrade_v1(doc: Any) -> Any:
    """A version-1 document (binary, fewer params) in version 2's shape."""
    S.expect_dict(doc, "the file's top level")
    doc = dict(doc, schema_version=2)
    params = dict(LogisticRegression().get_params())
    params.update(S.expect_dict(doc.get("params"), "params"))
    doc["params"] = _param_doc(params) | {k: v for k, v in doc["params"].items()}
    fit = dict(S.expect_dict(doc.get("fit"), "fit"))
    fit.setdefault("penalty", doc["params"].get("penalty"))
    fit.setdefault("multi_class", "binary")
    if isinstance(fit.get("n_iter"), int) and not isinstance(fit.get("n_iter"), bool):
        fit["n_iter"] = [fit["n_iter"]]
    doc["fit"] = fit
    return doc


def _check_curvature(rows: list, where: str) -> None:
    """A stored information (or meat) matrix must be symmetric and positive semidefinite,
    as every fit's is (a damaged one would otherwise read as collinear features)."""
    M = np.asarray(rows, dtype=np.float64)
    scale = max(float(np.max(np.abs(M), initial=0.0)), np.finfo(float).tiny)
    if not np.allclose(M, M.T, rtol=1e-10, atol=1e-12 * scale):
        raise ValueError(f"{where} is not symmetric.")
    if M.size and float(np.linalg.eigvalsh(0.5 * (M + M.T)).min()) < -1e-8 * scale:
        raise ValueError(f"{where} is not positive semidefinite (a damaged file).")


def _check_inference(doc: Any, k: int, params: dict, penalty, n_classes: int
                     ) -> InferenceState:
    """The stored :class:`InferenceState`, checked: k×k finite matrices and counts."""
    S.expect_keys(doc, "inference", {"information", "meat", "score", "llf", "llnull", "nobs",
                                     "n_rows", "penalty", "C", "fit_intercept", "n_classes",
                                     "separation"}, {"margins"})
    for key in ("information", "meat"):
        if doc[key] is None and key == "meat":
            continue
        rows = S.expect_list(doc[key], f"inference.{key}", k)
        for i, row in enumerate(rows):
            for j, v in enumerate(S.expect_list(row, f"inference.{key}[{i}]", k)):
                S.expect_float(v, f"inference.{key}[{i}][{j}]")
    _check_curvature(doc["information"], "inference.information")
    if doc["meat"] is not None:
        _check_curvature(doc["meat"], "inference.meat")
    for j, v in enumerate(S.expect_list(doc["score"], "inference.score", k)):
        S.expect_float(v, f"inference.score[{j}]")
    for key in ("llf", "llnull"):
        S.expect_float(doc[key], f"inference.{key}")
    S.expect_float(doc["nobs"], "inference.nobs", positive=True)
    S.expect_float(doc["C"], "inference.C", positive=True)
    S.expect_int(doc["n_rows"], "inference.n_rows", minimum=1)
    if doc["penalty"] != penalty or doc["fit_intercept"] is not params["fit_intercept"]:
        raise ValueError("inference.penalty / fit_intercept disagree with params.")
    if S.expect_int(doc["n_classes"], "inference.n_classes", minimum=2) != n_classes:
        raise ValueError(f"inference.n_classes must be {n_classes}.")
    sep = doc["separation"]
    if sep is not None:
        S.expect_keys(sep, "inference.separation", {"kind", "directions", "per_column"})
        S.expect_str(sep["kind"], "inference.separation.kind",
                     ("none", "quasi-complete", "complete"))
        per_column = S.expect_bool(sep["per_column"], "inference.separation.per_column")
        # a multinomial separation names columns (then the intercept), k/n_classes of them
        size = k // n_classes if per_column and n_classes > 2 else k
        for j, v in enumerate(S.expect_list(sep["directions"], "inference.separation.directions",
                                            size)):
            S.expect_float(v, f"inference.separation.directions[{j}]")
    margins = doc.get("margins")
    if margins is not None:
        S.expect_keys(margins, "inference.margins", {"mean_v", "mean_vx", "mean_x"})
        S.expect_float(margins["mean_v"], "inference.margins.mean_v")
        for key in ("mean_vx", "mean_x"):
            for j, v in enumerate(S.expect_list(margins[key], f"inference.margins.{key}", k)):
                S.expect_float(v, f"inference.margins.{key}[{j}]")
    return InferenceState.from_dict(doc)


def _check_cv_params(params: Any) -> dict[str, Any]:
    checks = _cv_param_checks()
    S.expect_keys(params, "params", set(checks))
    return {key: check(params[key]) for key, check in checks.items()}


def _check_params(params: Any) -> dict[str, Any]:
    checks = _param_checks()
    S.expect_keys(params, "params", set(checks))
    return {key: check(params[key]) for key, check in checks.items()}


def _check_classes(classes: Any) -> np.ndarray:
    S.expect_keys(classes, "classes", {"dtype", "values"})
    dtype = S.expect_str(classes["dtype"], "classes.dtype")
    if not _CLASS_DTYPE.match(dtype):
        raise ValueError(f"classes.dtype {dtype!r} is not a label type this file format knows.")
    values = S.expect_list(classes["values"], "classes.values")
    if len(values) < 2:
        raise ValueError("classes.values must list at least two labels.")
    kind = np.dtype(dtype).kind
    for i, v in enumerate(values):
        w = f"classes.values[{i}]"
        if kind in "iu":
            S.expect_int(v, w)
        elif kind == "f":
            S.expect_float(v, w)
        elif kind == "b":
            S.expect_bool(v, w)
        else:
            S.expect_str(v, w)
    try:
        arr = np.array(values, dtype=object if kind == "O" else dtype)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"classes.values do not fit classes.dtype {dtype!r}.") from exc
    if arr.tolist() != values:
        raise ValueError(f"classes.values do not fit classes.dtype {dtype!r}.")
    if not all(a < b for a, b in zip(values, values[1:], strict=False)):
        raise ValueError("classes.values must be distinct labels in sorted order.")
    return arr


# ----------------------------------------------------------------------------- helpers
def _unclosed(text: str) -> bool:
    """Whether a JSON text ends inside a string, object or array (it was cut short)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return in_string or depth > 0


def _dtype_name(dtype: np.dtype) -> str:
    return dtype.str if dtype.kind == "U" else dtype.name


def _inference_doc(model) -> dict | None:
    """The fit's inference numbers (:mod:`logistic.inference.state`), JSON-ready."""
    state = getattr(model, "inference_", None)
    if state is None:
        return None
    doc = _plain(state.to_dict())
    if not math.isfinite(doc["C"]):
        doc["C"] = 1.0  # unused without a penalty; JSON has no infinity
    return doc


def _plain(value: Any) -> Any:
    """NumPy scalars inside lists/dicts as Python ones (json cannot write np.int64)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _version() -> str:
    from .._version import __version__

    return __version__

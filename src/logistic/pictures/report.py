"""``logistic report``: one self-contained HTML page about a fitted model.

:func:`build_report` splits the data (stratified, ``test_size`` held out), encodes the
columns as ``logistic fit`` does (:class:`~logistic.files.tabular.TablePreprocessor`:
text columns one-hot with the first category as reference, numeric columns
standardised on the training part when ``standardize``), fits a
:class:`~logistic.LogisticRegression` and writes one HTML page — every picture a
base64-embedded PNG, no other files — with these sections, in order:

1. data summary (rows, features, classes, per-feature statistics),
2. solver and convergence (iterations, converged, objective, gradient norm, time),
3. metrics on the held-out split (and on the training part beside them),
4. the loss curve,
5. ROC, precision–recall and calibration curves (held-out split; one curve per class,
   one-vs-rest, and per-class probability histograms for more than two classes),
6. the coefficients: for a binary model the table with standard errors, confidence
   intervals and p-values (the report fits with ``inference=True`` so unpenalised,
   L2 and Firth fits always have them) and the plot of the intervals; for more than
   two classes a classes × features heat map, the coefficient table and the
   multinomial inference table (relative to the first class) when it exists,
7. the confusion matrix (held-out split; k × k),
8. the decision boundary, when there are one or two features.

Data come from a CSV/Parquet file (:func:`load_frame`, text columns kept;
:func:`load_table`, numeric binary data only) or a built-in data set
(:func:`load_builtin`). :func:`build_model_report` scores a saved model on a table
instead (nothing fitted, every row scored).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import numbers
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn import metrics
from sklearn.model_selection import train_test_split

from .._version import __version__
from ..files.tabular import TablePreprocessor
from ..models.estimator import LogisticRegression
from . import plots

__all__ = [
    "BUILTIN",
    "SECTIONS",
    "load_frame",
    "load_table",
    "load_builtin",
    "build_report",
    "build_model_report",
    "write_report",
]

#: Built-in data sets: name → (loader description).
BUILTIN = ("breast_cancer", "blobs", "discount")

#: Section ids and headings, in page order.
SECTIONS = {
    "data-summary": "Data summary",
    "solver": "Solver and convergence",
    "metrics": "Metrics",
    "loss-curve": "Loss curve",
    "roc-pr-calibration": "ROC, precision–recall and calibration",
    "coefficients": "Coefficients",
    "confusion-matrix": "Confusion matrix",
    "decision-boundary": "Decision boundary",
}


# ------------------------------------------------------------------------ data
def load_table(path: str | Path, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """Read a CSV or Parquet file; return the numeric feature columns and ``target``.

    Raises ValueError naming the problem: unknown suffix, missing target column,
    non-numeric feature columns, missing values, or a target without exactly two classes.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = pd.read_csv(path)
    elif suffix == ".tsv":
        df = pd.read_csv(path, sep="\t")
    elif suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    else:
        raise ValueError(f"{path.name}: unknown file type {suffix!r}; use .csv, .tsv or .parquet.")
    if target not in df.columns:
        cols = ", ".join(map(str, df.columns[:20]))
        raise ValueError(f"{path.name} has no column {target!r}; its columns are: {cols}.")
    y = df[target]
    X = df.drop(columns=[target])
    bad = [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ValueError(f"non-numeric feature columns {bad}; encode them as numbers first "
                         "(or read the file with load_frame: build_report one-hot encodes "
                         "text columns).")
    if X.shape[1] == 0:
        raise ValueError(f"{path.name} has no feature columns besides {target!r}.")
    missing = [str(c) for c in df.columns if df[c].isna().any()]
    if missing:
        raise ValueError(f"missing values in columns {missing}; drop or impute them first.")
    n_classes = y.nunique()
    if n_classes != 2:
        raise ValueError(f"target {target!r} has {n_classes} distinct values; it needs exactly 2.")
    return X.astype(np.float64), y


def load_frame(path: str | Path, target: str, *, drop_missing: bool = False
               ) -> tuple[pd.DataFrame, pd.Series, int]:
    """Read a CSV or Parquet file; return its feature columns (text kept), ``target``
    and the number of rows left out for missing values (``drop_missing``).

    Unlike :func:`load_table` the features may hold text (:func:`build_report` one-hot
    encodes them as ``logistic fit`` does) and the target may have two or more classes.
    Raises ValueError (a :class:`~logistic.files.tables.DataError`) naming the problem:
    missing file or target column, no feature columns, missing values (unless
    ``drop_missing``: then the rows with any are left out), fewer than two classes.
    """
    from ..files.tables import read_table
    from ..files.tabular import as_labels, missing_rows

    path = Path(path)
    df = read_table(path)
    columns = [str(c) for c in df.columns]
    df.columns = columns
    if target not in columns:
        cols = ", ".join(columns[:20])
        raise ValueError(f"{path.name} has no column {target!r}; its columns are: {cols}.")
    X = df.drop(columns=[target])
    if X.shape[1] == 0:
        raise ValueError(f"{path.name} has no feature columns besides {target!r}.")
    rows = missing_rows(df, columns)
    if rows.size and not drop_missing:
        missing = [c for c in columns if df[c].isna().any()]
        raise ValueError(f"missing values in columns {missing} (row {rows[0] + 1} first, row 1 "
                         "= first row after the header); drop or impute them, or pass "
                         "--drop-missing.")
    if rows.size:
        df = df.drop(index=df.index[rows]).reset_index(drop=True)
        X = df.drop(columns=[target])
        if len(df) == 0:
            raise ValueError(f"every row of {path.name} has a missing value.")
    y = pd.Series(as_labels(df[target]), name=target)
    n_classes = y.nunique()
    if n_classes < 2:
        raise ValueError(f"target {target!r} has {n_classes} distinct value; it needs 2 or more.")
    return X, y, int(rows.size)


def load_builtin(name: str) -> tuple[pd.DataFrame, pd.Series, str]:
    """A built-in data set as ``(X, y, description)``."""
    from ..files import datasets

    if name == "breast_cancer":
        X, y = datasets.load_breast_cancer(as_frame=True)
        return X, y.rename("benign"), "Wisconsin breast cancer (scikit-learn), 1 = benign"
    if name == "blobs":
        X, y = datasets.make_blobs()
        return (pd.DataFrame(X, columns=["x1", "x2"]), pd.Series(y, name="class"),
                "two Gaussian blobs (make_blobs, random_state=0)")
    if name == "discount":
        X, y = datasets.load_discount_codes()
        return (pd.DataFrame(X, columns=["spending"]), pd.Series(y, name="send_code"),
                "discount codes: spending last month → code sent")
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(BUILTIN)}.")


# --------------------------------------------------------------------- helpers
def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig: Figure, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _table(header: list[str], rows: list[list], cls: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _kv(rows: list[list]) -> str:
    """A two-column key/value table without a header row."""
    body = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in rows
    )
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def _fmt(v) -> str:
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, float | np.floating):
        if v != v:  # not reported (a coefficient that separation sends to infinity)
            return "n/a"
        if not np.isfinite(v):
            return str(v)
        return f"{v:.4g}" if abs(v) >= 1e4 or (v != 0 and abs(v) < 1e-3) else f"{v:.4f}"
    return str(v)


def _section(sid: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{note}</p>' if note else ""
    return f'<section id="{sid}"><h2>{SECTIONS[sid]}</h2>{note_html}{body}</section>'


def _scores(model, X, y, s=None) -> dict[str, float]:
    """The metrics of ``model`` on ``(X, y)``, each row weighted by ``s`` (None: once)."""
    if len(model.classes_) > 2:
        return _multiclass_scores(model, X, y, s)
    y01 = (np.asarray(y) == model.classes_[1]).astype(int)
    p = model.predict_proba(X)[:, 1]
    pred = (p > 0.5).astype(int)
    w = {"sample_weight": s}
    return {
        "accuracy": metrics.accuracy_score(y01, pred, **w),
        "precision": metrics.precision_score(y01, pred, zero_division=0, **w),
        "recall": metrics.recall_score(y01, pred, zero_division=0, **w),
        "F1": metrics.f1_score(y01, pred, zero_division=0, **w),
        "ROC-AUC": _auc(y01, p, **w),
        "log-loss": metrics.log_loss(y01, p, labels=[0, 1], **w),
        "Brier score": metrics.brier_score_loss(y01, p, **w),
    }


def _auc(y, p, **kw) -> float:
    """ROC-AUC, NaN where it does not exist (a class missing from ``y``)."""
    try:
        return float(metrics.roc_auc_score(y, p, **kw))
    except ValueError:
        return float("nan")


def _multiclass_scores(model, X, y, s=None) -> dict[str, float]:
    classes = model.classes_
    y = np.asarray(y)
    P = model.predict_proba(X)
    pred = model.predict(X)
    Y = (y[:, None] == classes[None, :]).astype(float)
    w = {"sample_weight": s}
    macro = {"labels": classes, "average": "macro", "zero_division": 0, **w}
    return {
        "accuracy": metrics.accuracy_score(y, pred, **w),
        "macro precision": metrics.precision_score(y, pred, **macro),
        "macro recall": metrics.recall_score(y, pred, **macro),
        "macro F1": metrics.f1_score(y, pred, **macro),
        "ROC-AUC (one-vs-rest, macro)": _auc(y, P, multi_class="ovr", average="macro",
                                             labels=classes, **w),
        "log-loss": metrics.log_loss(y, P, labels=classes, **w),
        "Brier score (multiclass)": float(np.average(np.sum((P - Y) ** 2, axis=1), weights=s)),
    }


def _inference_columns(model, alpha: float):
    """Extra per-parameter columns (std. error, z, p-value) when ``summary()`` offers them."""
    if getattr(model, "inference_", None) is None:  # the fit kept no inference numbers
        return {}
    s = model.summary()
    cols = {}
    for attr, label in (("bse", "std. error"), ("tvalues", "z"), ("zvalues", "z"),
                        ("pvalues", "p-value")):
        v = getattr(s, attr, None)
        if v is not None and label not in cols:
            cols[label] = np.asarray(v, dtype=float).ravel()
    return cols


# ---------------------------------------------------------------------- report
def build_report(
    X,
    y,
    *,
    title: str = "Logistic regression report",
    source: str = "",
    test_size: float = 0.25,
    random_state: int = 0,
    standardize: bool = True,
    alpha: float = 0.05,
    sample_weight=None,
    weights_name: str | None = None,
    **model_params,
) -> str:
    """Fit, evaluate and draw; return the report as one HTML string.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features), numeric.
    y : labels with exactly two classes.
    source : a line describing where the data came from.
    test_size : fraction held out (stratified) for the metrics and curves.
    standardize : standardise features on the training part before fitting
        (coefficients are then per standard deviation).
    alpha : confidence intervals are at level ``1 - alpha`` (when inference exists).
    sample_weight : array of shape (n_samples,), or None: the fit, the standardisation,
        the metrics, the curves and the confusion matrix weigh each row by it
        (frequency weights, as ``logistic fit --weights``); the split stays by rows.
    weights_name : what the page calls the weights (a column's name, say).
    model_params : passed to :class:`~logistic.LogisticRegression`.
    """
    X = pd.DataFrame(X) if not isinstance(X, pd.DataFrame) else X
    X.columns = [str(c) for c in X.columns]
    y = pd.Series(np.asarray(y), name=getattr(y, "name", None) or "target")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}.")
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise ValueError(f"the target has {classes.size} class; the report needs 2 or more.")
    if counts.min() < 2:
        raise ValueError("each class needs at least 2 samples for a stratified split.")
    s = None if sample_weight is None else plots._weights(sample_weight, len(y))

    X_tr, X_te, y_tr, y_te, *s_parts = train_test_split(
        X, y, *(() if s is None else (s,)), test_size=test_size, stratify=y,
        random_state=random_state)
    s_tr, s_te = s_parts if s_parts else (None, None)
    for part, rows in (("training", s_tr), ("held-out", s_te)):
        if rows is not None and not rows.sum() > 0:
            raise ValueError(f"the sample weights are zero on every {part} row.")
    pre = _preprocessor(X, X_tr, standardize, s_tr)
    names = pre.feature_names_out_
    if not names:
        raise ValueError("no feature columns are left after encoding (every text column "
                         "has a single category).")
    X_tr = pd.DataFrame(pre.transform(X_tr), columns=names)
    X_te = pd.DataFrame(pre.transform(X_te), columns=names)
    # the data summary shows the encoded, unstandardised features of every row
    X_all = pd.DataFrame(_unscaled(pre).transform(X), columns=names)
    # the report wants the coefficient table: keep inference even for large L2 fits
    model_params.setdefault("inference", True)
    model = LogisticRegression(**model_params)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_tr, np.asarray(y_tr), sample_weight=s_tr)
    seconds = time.perf_counter() - t0
    fit_warnings = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]

    weighed = _weights_note(s, weights_name)
    parts = [
        _data_section(X_all, y, classes, counts, source, len(X_tr), len(X_te), standardize,
                      encoding=_encoding_note(pre), weights=_weights_row(s, weights_name)),
        _solver_section(model, seconds, fit_warnings),
        _metrics_section(model, X_tr, y_tr, X_te, y_te, s_tr, s_te, weighed),
        _loss_section(model),
        _curves_section(model, X_te, y_te, where=_HELD_OUT + weighed, s=s_te),
        _coef_section(model, alpha, standardize, categorical=_has_categorical(pre)),
        _confusion_section(model, X_te, y_te, where=_HELD_OUT + weighed, s=s_te),
    ]
    if X_tr.shape[1] <= 2:
        parts.append(_boundary_section(model, X_te, y_te, where=_BOUNDARY + (
            " Every point drawn the same size, whatever its weight." if s is not None else "")))
    return _page(title, source, parts)


def _weights_note(s, name: str | None) -> str:
    """The sentence that says how the page's numbers weigh the rows ("" unweighted)."""
    if s is None:
        return ""
    what = f"the column {html.escape(repr(name))}" if name else "sample_weight"
    return f" Each row weighs its sample weight from {what}."


def _weights_row(s, name: str | None) -> list | None:
    """The data summary's row on the weights (None unweighted)."""
    if s is None:
        return None
    what = f"column {name!r}" if name else "sample_weight"
    return ["sample weights", f"{what}: total {float(np.sum(s)):.6g}, "
                              f"{int(np.sum(s == 0))} rows of weight 0"]


def _preprocessor(X: pd.DataFrame, X_tr: pd.DataFrame, standardize: bool,
                  s_tr=None) -> TablePreprocessor:
    """``logistic fit``'s encoding: numeric centres and scales from the training rows
    (weighted by ``s_tr``, as ``logistic fit --weights`` standardises), the categories
    of text columns from every row (so the held-out rows never hold a category the
    encoding has not seen)."""
    pre = TablePreprocessor(categorical="auto", standardize=standardize).fit(
        X_tr, sample_weight=s_tr)
    every = TablePreprocessor(categorical="auto").fit(X)
    pre.columns_ = [a if a["kind"] == "numeric" else b
                    for a, b in zip(pre.columns_, every.columns_, strict=True)]
    return pre


def _unscaled(pre: TablePreprocessor) -> TablePreprocessor:
    """The same encoding without centring or scaling (for the data summary)."""
    raw = TablePreprocessor(pre.feature_names_in_, categorical=pre.categorical)
    raw.columns_ = [{**c, "center": 0.0, "scale": 1.0} if c["kind"] == "numeric" else c
                    for c in pre.columns_]
    return raw


def _has_categorical(pre) -> bool:
    return any(c["kind"] == "categorical" for c in getattr(pre, "columns_", []))


def _encoding_note(pre) -> str:
    """One line per one-hot encoded column: its indicator columns and reference."""
    lines = [
        f"{html.escape(c['name'])}: one-hot, {len(c['categories']) - 1} indicator "
        f"column(s), reference category {html.escape(repr(c['reference']))}"
        for c in getattr(pre, "columns_", []) if c["kind"] == "categorical"
    ]
    return "; ".join(lines)


def build_model_report(
    tabular, df: pd.DataFrame, target: str, *, source: str = "", alpha: float = 0.05,
    ignore_extra: bool = False, sample_weight=None, weights_name: str | None = None,
) -> str:
    """Evaluate a loaded model (:func:`logistic.files.load_tabular`) on ``df``; HTML page.

    Nothing is fitted: the model file's preprocessing encodes ``df``, every row is
    scored, and the page shows the data, the stored solver and convergence, the
    metrics, the curves, the coefficients and the confusion matrix (no loss curve:
    model files keep no history). Every picture and table says it is of all rows
    scored (not a held-out split), and whether the features are standardised is read
    from the model file's preprocessing. ``sample_weight`` (and ``weights_name``, its
    column, which is then no feature unless the model uses it as one) weighs the
    metrics, the curves and the confusion matrix.
    """
    if target not in df.columns:
        raise ValueError(f"the target column {target!r} is not in the data.")
    from ..files.tabular import missing_rows

    rows = missing_rows(df, [target])
    if rows.size:  # as evaluate says it (not as labels the model does not know)
        raise ValueError(f"the target column {target!r} has missing values (row "
                         f"{rows[0] + 1} first); fix them or pass --drop-missing.")
    y = df[target]
    used = tabular.preprocessor.feature_names_in_
    unused = [c for c in (target, weights_name) if c is not None and c not in used]
    X = tabular.transform(df.drop(columns=unused), ignore_extra=ignore_extra)
    s = None if sample_weight is None else plots._weights(sample_weight, len(y))
    model = tabular.estimator
    unknown = sorted(set(np.unique(y).tolist()) - set(model.classes_.tolist()), key=str)
    if unknown:
        raise ValueError(
            f"the target column {target!r} has labels the model does not know: {unknown[:5]}."
        )
    y = pd.Series(np.asarray(y), name=target)
    classes, counts = np.unique(y, return_counts=True)
    if classes.size < 2:
        raise ValueError(f"the target column {target!r} holds one class only "
                         f"({classes[0]!r}): the report's metrics and curves need rows of "
                         "two classes or more.")
    pre = tabular.preprocessor
    standardized = _is_standardized(pre)
    where = "On every row of the data, scored by the loaded model (no train/test split)."
    where += _weights_note(s, weights_name)
    weights = getattr(pre, "weights", None)
    if weights is not None:  # the fit's weights column
        where += (f" The model was fit with sample weights from the column "
                  f"{html.escape(repr(weights))}" + (
                      "." if s is not None else "; the metrics and curves here weigh every "
                      f"row equally (--weights {html.escape(weights)} weighs them)."))
    if len(model.classes_) > 2:
        metrics_note = f"{len(model.classes_)} classes; predictions are the most probable class."
    else:
        metrics_note = f"Positive class: {html.escape(str(model.classes_[1]))}."
    parts = [
        _data_section(X, y, classes, counts, source, len(X), 0, standardized,
                      split="all rows scored by the loaded model (no fitting)",
                      encoding=_encoding_note(pre), weights=_weights_row(s, weights_name),
                      stats_note="Statistics of the features as the model sees them "
                                 "(encoded" + (", standardised)." if standardized else ").")),
        _solver_section(model, None, []),
        _section("metrics", _table(["metric", "all rows"], [[k, v] for k, v in
                                                              _scores(model, X, y, s).items()]),
                 note=f"{metrics_note} {where}"),
        _curves_section(model, X, y, where=where, s=s),
        _coef_section(model, alpha, standardized, categorical=_has_categorical(pre)),
        _confusion_section(model, X, y, where=where, s=s),
    ]
    if X.shape[1] <= 2:
        parts.append(_boundary_section(model, X, y, where="Every row scored, over the "
                                                          "fitted probability."))
    return _page("Logistic regression report: loaded model", source, parts)


def _is_standardized(pre) -> bool:
    """Whether the model's preprocessing standardises: its ``standardize`` flag, or any
    numeric column stored with a centre or scale other than 0 and 1."""
    if pre is None:
        return False
    if bool(getattr(pre, "standardize", False)):
        return True
    return any(c["kind"] == "numeric" and (c["center"] != 0.0 or c["scale"] != 1.0)
               for c in getattr(pre, "columns_", []))


def _page(title: str, source: str, parts: list[str]) -> str:
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    toc = "".join(f'<a href="#{sid}">{name}</a>' for sid, name in SECTIONS.items()
                  if any(f'id="{sid}"' in p for p in parts))
    return _PAGE.format(
        title=html.escape(title),
        subtitle=html.escape(f"{source} · logistic {__version__} · {stamp}"),
        toc=toc,
        body="\n".join(parts),
    )


def write_report(path: str | Path, X, y, **kwargs) -> Path:
    """:func:`build_report` and write it to ``path`` (folders created); return the path."""
    path = Path(path)
    page = build_report(X, y, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- sections
def _data_section(X, y, classes, counts, source, n_train, n_test, standardize,
                  split: str | None = None, encoding: str = "", stats_note: str = "",
                  weights: list | None = None) -> str:
    overview = _kv([  # the source is in the page's subtitle
        ["rows", X.shape[0]],
        ["features", X.shape[1]],
        ["target", y.name],
        *[[f"class {c}", f"{n} ({n / counts.sum():.1%})"]
          for c, n in zip(classes, counts, strict=True)],
        ["split", split or f"{n_train} train / {n_test} held out (stratified)"],
        ["features standardised", bool(standardize)],
        *([weights] if weights else []),
    ])
    shown = X.columns[:40]
    d = X[shown].astype(float)
    stats = _table(["feature", "mean", "std", "min", "max"], [
        [c, d[c].mean(), d[c].std(), d[c].min(), d[c].max()] for c in shown
    ])
    more = (f'<p class="note">First 40 of {X.shape[1]} features shown.</p>'
            if X.shape[1] > 40 else "")
    if encoding:
        more += f'<p class="note">Text columns, encoded as logistic fit does: {encoding}.</p>'
    if stats_note:
        more += f'<p class="note">{html.escape(stats_note)}</p>'
    return _section("data-summary", f'<div class="row">{overview}{stats}</div>{more}')


def _histories(model) -> list[dict]:
    """The fit's histories: one, or one per class for one-vs-rest."""
    h = getattr(model, "history_", None)
    if h is None:
        return []
    return list(h) if isinstance(h, list | tuple) else [h]


def _penalty_label(model) -> str:
    penalty = getattr(model, "penalty_", None)
    C = float(np.ravel(getattr(model, "C_", getattr(model, "C", 1.0)))[0])
    chosen = " (chosen by cross-validation)" if hasattr(model, "C_") else ""
    if penalty in ("l2", "l1"):
        return f"{penalty.upper()}, C = {C:g}{chosen}"
    if penalty == "elasticnet":
        mix = float(np.ravel(getattr(model, "l1_ratio_", getattr(model, "l1_ratio", 0.0)))[0])
        return f"elastic-net, C = {C:g}, l1_ratio = {mix:g}{chosen}"
    return "Firth" if penalty == "firth" else "none"


def _iterations_label(model) -> str:
    n_iter = np.asarray(model.n_iter_)
    if hasattr(model, "Cs_"):  # cross-validation: (…, folds, Cs[, l1]) per fold and C
        return f"at most {int(n_iter.max())} per fold and C (cross-validation)"
    if n_iter.size == 1:
        return str(int(n_iter.ravel()[0]))
    return ", ".join(str(int(n)) for n in n_iter.ravel()) + " (one-vs-rest, per class)"


def _solver_section(model, seconds, fit_warnings) -> str:
    """Solver and convergence; ``seconds=None`` for a loaded model (no history, no timing)."""
    rows = [
        ["solver", model.solver_],
        ["penalty", _penalty_label(model)],
        ["fit intercept", bool(model.fit_intercept)],
        ["iterations", _iterations_label(model)],
        ["converged", bool(model.converged_)],
    ]
    if len(model.classes_) > 2:
        rows.insert(1, ["classes", f"{len(model.classes_)} "
                                   f"({getattr(model, 'multi_class_', 'multinomial')})"])
    if getattr(model, "objective_", None) is not None:
        rows.append(["final objective", float(model.objective_)])
    if seconds is not None:
        rows += [
            ["final gradient norm", max(float(h["grad_norm"][-1]) for h in _histories(model))],
            ["passes over the data", int(getattr(model, "n_passes_", -1))],
            ["fit time (s)", seconds],
        ]
    warn = "".join(f'<p class="warn">⚠ {html.escape(w)}</p>' for w in fit_warnings)
    return _section("solver", _kv(rows) + warn)


def _metrics_section(model, X_tr, y_tr, X_te, y_te, s_tr=None, s_te=None,
                     weighed: str = "") -> str:
    tr, te = _scores(model, X_tr, y_tr, s_tr), _scores(model, X_te, y_te, s_te)
    rows = [[k, te[k], tr[k]] for k in te]
    if len(model.classes_) > 2:
        note = (f"{len(model.classes_)} classes; predictions are the most probable class; "
                "precision, recall and F1 are unweighted means over the classes.")
    else:
        note = (f"Positive class: {html.escape(str(model.classes_[1]))}; "
                "predictions at probability ½.")
    return _section("metrics", _table(["metric", "held-out", "train"], rows),
                    note=note + weighed)


def _loss_section(model) -> str:
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    plots.loss_curve(model, ax1)
    hists = _histories(model)
    for k, h in enumerate(hists):
        g = np.asarray(h["grad_norm"], dtype=float)
        ax2.semilogy(np.arange(g.size), np.maximum(g, 1e-300),
                     marker="o" if g.size <= 30 else None, ms=3,
                     color="#444" if len(hists) == 1 else f"C{k}",
                     label=None if len(hists) == 1 else f"class {model.classes_[k]}")
    if len(hists) > 1:
        ax2.legend(fontsize=8)
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("gradient norm (log scale)")
    ax2.set_title("Gradient norm")
    ax2.grid(alpha=0.3)
    return _section("loss-curve", _img(fig, "loss curve"))


_HELD_OUT = "On the held-out split."


def _curves_section(model, X_te, y_te, where: str = _HELD_OUT, s=None) -> str:
    k = len(model.classes_)
    # quantile bins with ~20+ samples each: uniform bins on a small test set are mostly noise
    n_bins = int(np.clip(len(y_te) // (20 if k == 2 else 10), 3, 10))
    if k == 2:
        fig = Figure(figsize=(12, 4), layout="constrained")
        a, b, c = fig.subplots(1, 3)
        plots.roc_curve(model, X_te, y_te, a, sample_weight=s)
        plots.precision_recall_curve(model, X_te, y_te, b, sample_weight=s)
        plots.calibration_curve(model, X_te, y_te, c, strategy="quantile", n_bins=n_bins,
                                sample_weight=s)
        return _section("roc-pr-calibration",
                        _img(fig, "ROC, precision-recall and calibration"), note=where)
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    a, b, c = fig.subplots(1, 3)
    plots.roc_curves(model, X_te, y_te, a, sample_weight=s)
    plots.precision_recall_curve(model, X_te, y_te, b, sample_weight=s)
    plots.calibration_curve(model, X_te, y_te, c, strategy="quantile", n_bins=n_bins,
                            sample_weight=s)
    body = _img(fig, "per-class ROC (one-vs-rest), precision-recall and calibration")
    shown = model.classes_[:8]
    cols = min(4, len(shown))
    rows = -(-len(shown) // cols)
    hist_fig = Figure(figsize=(3.2 * cols, 2.8 * rows), layout="constrained")
    axes = np.atleast_1d(hist_fig.subplots(rows, cols)).ravel()
    for ax, cls in zip(axes, shown, strict=False):
        plots.probability_histogram(model, X_te, y_te, ax, cls=cls, bins=15, sample_weight=s)
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    body += _img(hist_fig, "predicted probability histograms per class")
    note = (f"{where} One curve per class, that class against the rest (one-vs-rest); "
            "below, each class's predicted probability, one histogram per true class"
            + (f" (first 8 of {k} classes)." if k > 8 else "."))
    return _section("roc-pr-calibration", body, note=note)


def _unit_note(standardize: bool, categorical: bool) -> str:
    unit = "per standard deviation of the feature" if standardize else "per unit of the feature"
    note = f"Change in log-odds {unit}"
    if categorical:
        note += " (one-hot columns: of that category against the reference category)"
    return note + "."


def _coef_section(model, alpha, standardize, categorical: bool = False) -> str:
    """The coefficients section; warnings of the inference (e.g. separation) shown in it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if len(model.classes_) > 2:
            section = _multiclass_coef_section(model, alpha, standardize, categorical)
        else:
            section = _binary_coef_section(model, alpha, standardize, categorical)
    shown = list(dict.fromkeys(str(w.message) for w in caught
                               if issubclass(w.category, UserWarning)))
    if shown:
        warn = "".join(f'<p class="warn">⚠ {html.escape(w)}</p>' for w in shown)
        section = section.replace("</section>", warn + "</section>")
    return section


def _binary_coef_section(model, alpha, standardize, categorical) -> str:
    names, est, ci = plots.coefficient_table(model, alpha)
    header, cols = ["parameter", "estimate"], [est]
    if ci is not None:
        level = f"{100 * (1 - alpha):g}%"
        header += [f"{level} CI low", f"{level} CI high"]
        cols += [ci[:, 0], ci[:, 1]]
        for label, v in _inference_columns(model, alpha).items():
            if v.size == est.size:
                header.append(label)
                cols.append(v)
    rows = [[n, *[float(c[i]) for c in cols]] for i, n in enumerate(names)]
    fig = Figure(figsize=(6, max(2.5, 0.26 * len(names) + 1.2)), layout="constrained")
    plots.coefficients(model, fig.subplots(), alpha=alpha)
    note = _unit_note(standardize, categorical)
    if ci is None:
        note += " No inference available for this model: estimates only"
        reason = getattr(model, "inference_skipped_", None)
        note += f" ({html.escape(str(reason))})." if reason else "."
    body = f'<div class="row">{_table(header, rows)}{_img(fig, "coefficients")}</div>'
    return _section("coefficients", body, note=note)


def _multiclass_coef_section(model, alpha, standardize, categorical) -> str:
    classes = [str(c) for c in model.classes_]
    W = np.asarray(model.coef_.toarray() if hasattr(model.coef_, "toarray") else model.coef_,
                   dtype=float)
    names = plots._feature_names(model, W.shape[1])
    fig = Figure(figsize=(min(14, 3.5 + 0.6 * (W.shape[1] + 1)), 1.8 + 0.45 * len(classes)),
                 layout="constrained")
    plots.coefficient_heatmap(model, fig.subplots(), intercept=bool(model.fit_intercept))
    b = np.asarray(model.intercept_, dtype=float).ravel()
    rows = ([["intercept", *b.tolist()]] if model.fit_intercept else [])
    rows += [[n, *W[:, j].tolist()] for j, n in enumerate(names)]
    layout = getattr(model, "multi_class_", "multinomial")
    coef_table = _table(["parameter", *[f"class {c}" for c in classes]], rows)
    body = f'{_img(fig, "coefficient heat map")}<div class="row">{coef_table}</div>'
    note = _unit_note(standardize, categorical) + (
        " One row of coefficients per class: class c against the rest (one-vs-rest)."
        if layout == "ovr" else
        " One row per class of the softmax model, centred over the classes (scikit-learn's "
        "coef_): only differences between classes are identified.")
    inference = _multinomial_inference_table(model, alpha)
    if inference:
        body += (f"<h3>Inference, each class against class {html.escape(classes[0])}</h3>"
                 + inference)
    else:
        note += " No inference table for this model."
    return _section("coefficients", body, note=note)


def _multinomial_inference_table(model, alpha) -> str:
    """The multinomial table (log-odds against the first class) with SEs, CIs, p-values."""
    if getattr(model, "inference_", None) is None:
        return ""
    try:
        s = model.summary()
        ci = s.conf_int(alpha)
    except (ValueError, TypeError, AttributeError):
        return ""
    params, bse, z, pv = (getattr(s, a, None) for a in ("params", "bse", "zvalues", "pvalues"))
    if not all(isinstance(v, pd.DataFrame) for v in (params, bse, z, pv)):
        return ""
    level = f"{100 * (1 - alpha):g}%"
    rows = []
    for cls in params.columns:
        for name in params.index:
            lo, hi = ci.loc[(cls, name)]
            rows.append([f"class {cls}: {name}", float(params.loc[name, cls]), float(lo),
                         float(hi), float(bse.loc[name, cls]), float(z.loc[name, cls]),
                         float(pv.loc[name, cls])])
    return _table(["parameter", "estimate", f"{level} CI low", f"{level} CI high",
                   "std. error", "z", "p-value"], rows)


def _confusion_section(model, X_te, y_te, where: str = _HELD_OUT, s=None) -> str:
    labels = model.classes_
    cm = metrics.confusion_matrix(np.asarray(y_te), model.predict(X_te), labels=labels,
                                  sample_weight=s)
    rows = [[f"true {labels[i]}", *cm[i].tolist()] for i in range(len(labels))]
    table = _table(["", *[f"predicted {c}" for c in labels]], rows)
    k = len(labels)
    fig = Figure(figsize=(3.6 + 0.5 * max(0, k - 2), 3.2 + 0.5 * max(0, k - 2)),
                 layout="constrained")
    plots.confusion_matrix(model, X_te, y_te, fig.subplots(), sample_weight=s)
    return _section("confusion-matrix", f'<div class="row">{table}{_img(fig, "confusion")}</div>',
                    note=where)


_BOUNDARY = "Held-out points over the fitted probability."


def _boundary_section(model, X_te, y_te, where: str = _BOUNDARY) -> str:
    fig = Figure(figsize=(5.5, 4.2), layout="constrained")
    plots.decision_boundary(model, np.asarray(X_te), y_te, fig.subplots())
    return _section("decision-boundary", _img(fig, "decision boundary"), note=where)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1140px; margin: 0 auto; padding: 1.5em 2em; line-height: 1.45; }}
h1 {{ margin-bottom: 0.1em; }}
.subtitle {{ color: #666; margin-top: 0; }}
nav {{ margin: 1em 0 1.5em; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em;
      font-size: 0.92em; }}
nav a {{ color: #2166ac; text-decoration: none; }}
section {{ border-top: 1px solid #ddd; padding-top: 0.6em; margin-top: 1.4em; }}
h2 {{ font-size: 1.25em; margin: 0.3em 0 0.5em; }}
table {{ border-collapse: collapse; font-size: 0.9em; margin: 0.3em 0; }}
th, td {{ padding: 0.25em 0.8em; border-bottom: 1px solid #eee; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
thead th {{ border-bottom: 2px solid #bbb; background: #f6f6f6; }}
table.kv th {{ color: #555; font-weight: normal; text-align: left; }}
table.kv td {{ text-align: left; }}
.row {{ display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }}
img {{ max-width: 100%; height: auto; }}
.note {{ color: #666; font-size: 0.9em; margin: 0 0 0.5em; }}
.warn {{ color: #8a4b00; background: #fff4e0; padding: 0.4em 0.7em; border-radius: 4px; }}
</style></head>
<body>
<h1>{title}</h1>
<p class="subtitle">{subtitle}</p>
<nav>{toc}</nav>
{body}
</body></html>
"""

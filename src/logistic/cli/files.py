"""``logistic fit / predict / evaluate / summary``: models from data files.

The three-command workflow on a CSV or Parquet file::

    logistic fit customers.csv --target churned --standardize --out model.json
    logistic evaluate model.json customers.csv
    logistic predict model.json new_customers.csv --proba --out predictions.csv

The model file (:mod:`logistic.files.model_file`) carries the preprocessing, so ``predict``
and ``evaluate`` encode new data exactly as ``fit`` did. Every problem a user can fix
is one ``error: ...`` line on stderr with exit code 2 (``--debug`` shows the
traceback); see :mod:`logistic.cli._errors`.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._errors import UserError, user_errors, warnings_as_lines
from .app import app
from .file_sets import fit_file_set, is_file_set


class _Lazy:
    """A module (or one of its names) imported on first use: ``logistic --help`` and
    ``--version`` then start without pandas, SciPy and scikit-learn."""

    def __init__(self, module: str, name: str | None = None):
        self._module, self._name = module, name

    def _target(self):
        module = importlib.import_module(self._module, __package__)
        return module if self._name is None else getattr(module, self._name)

    def __getattr__(self, attr):
        return getattr(self._target(), attr)

    def __call__(self, *args, **kwargs):
        return self._target()(*args, **kwargs)


pd = _Lazy("pandas")
load_tabular = _Lazy("..files.model_file", "load_tabular")
load_model = _Lazy("..files.model_file", "load")
as_tabular = _Lazy("..files.model_file", "as_tabular")
save = _Lazy("..files.model_file", "save")
to_dict = _Lazy("..files.model_file", "to_dict")
read_table = _Lazy("..files.tables", "read_table")
TabularModel = _Lazy("..files.tabular", "TabularModel")
as_labels = _Lazy("..files.tabular", "as_labels")
missing_rows = _Lazy("..files.tabular", "missing_rows")
weight_column = _Lazy("..files.tabular", "weight_column")
check_weights_name = _Lazy("..files.tabular", "check_weights_name")
missing_inference_reason = _Lazy("..inference.summary", "missing_inference_reason")
log_loss = _Lazy("..math.stable", "log_loss")
LogisticRegression = _Lazy("..models.estimator", "LogisticRegression")
reporting = _Lazy("..models.progress", "reporting")

_SepOpt = Annotated[str | None, typer.Option(
    "--sep", help="CSV delimiter (default: sniffed among , ; TAB |).")]
_DecimalOpt = Annotated[str, typer.Option("--decimal", help="CSV decimal mark.")]
_ExtraOpt = Annotated[bool, typer.Option(
    "--ignore-extra", help="Ignore columns the model was not fit on (instead of an error).")]


def _stdout() -> Console:
    return Console(width=max(Console().width, 100), highlight=False)


def check_out(out: Path | None, *inputs: Path) -> None:
    """Refuse an ``--out`` that is a folder or one of the command's input files."""
    if out is None or str(out) == "-":
        return
    if out.is_dir():
        raise UserError(f"--out {out} is a folder; give a file name.")
    for path in inputs:
        if str(path) != "-" and out.resolve() == Path(path).resolve():
            raise UserError(f"--out {out} is an input file of this command: refusing to "
                            "overwrite it.")


def _one_stdin(model_path: Path, data: Path) -> None:
    """Refuse reading both the model and the data from standard input (``-``)."""
    if str(model_path) == "-" and str(data) == "-":
        raise UserError("the model and the data cannot both come from standard input "
                        "('-'); give one of them as a file.")


def _read(path: Path, sep: str | None, decimal: str) -> pd.DataFrame:
    if sep is not None:
        sep = {"tab": "\t", "\\t": "\t"}.get(sep, sep)
        if len(sep) != 1:  # pandas would take it as a regular expression, warning
            raise UserError(f"--sep must be one character (got {sep!r}; 'tab' for a tab).")
    return read_table(path, sep=sep, decimal=decimal)


# ------------------------------------------------------------------------------ fit
#: ``fit`` shows its progress only once the fit has run this long (seconds) ...
PROGRESS_AFTER_S = 1.0
#: ... and, when stderr is not a terminal, one plain line at most this often.
PROGRESS_EVERY_S = 2.0


class _FitProgress:
    """The reporter behind ``fit``'s progress: a live rich display on a terminal, plain
    throttled ``fit: iteration ...`` lines on stderr otherwise; nothing before
    :data:`PROGRESS_AFTER_S`."""

    def __init__(self, err: Console, label: str):
        self.t0 = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last_line = -math.inf
        self.live: Progress | None = None
        self.timer: threading.Timer | None = None
        self.lock = threading.Lock()
        self.closed = False
        if self.tty:
            self.live = Progress(SpinnerColumn("dots"), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=err, transient=True)
            self.task = self.live.add_task(f"fitting {label} ...", total=None)
            # a timer, so that a long first iteration still shows the display
            self.timer = threading.Timer(PROGRESS_AFTER_S, self._start)
            self.timer.daemon = True
            self.timer.start()

    def _start(self) -> None:
        with self.lock:
            if not self.closed and self.live is not None:
                self.live.start()

    def __call__(self, it: int, objective: float, grad_norm: float) -> None:
        if self.live is not None:
            self.live.update(self.task, description=f"fit: iteration {it}  objective "
                                                    f"{objective:.10g}  |grad| {grad_norm:.2e}")
            return
        now = time.monotonic()
        if now - self.t0 < PROGRESS_AFTER_S or now - self.last_line < PROGRESS_EVERY_S:
            return
        self.last_line = now
        print(f"fit: iteration {it}, objective {objective:.10g}, |grad| {grad_norm:.3e}",
              file=sys.stderr, flush=True)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            if self.timer is not None:
                self.timer.cancel()
            if self.live is not None and self.live.live.is_started:
                self.live.stop()


@contextmanager
def _fit_progress(err: Console, label: str, estimator) -> Iterator[None]:
    """Report the fit's iterations to :class:`_FitProgress` (the estimator runs with
    ``verbose=1`` inside, its printer replaced by the reporter; 0 again after)."""
    progress = _FitProgress(err, label)
    estimator.set_params(verbose=1)
    try:
        with reporting(progress):
            yield
    finally:
        progress.close()
        estimator.set_params(verbose=0)


@app.command()
@user_errors
def fit(
    data: Annotated[Path, typer.Argument(help="Training data: CSV or Parquet.")],
    target: Annotated[str, typer.Option("--target", "-t", help="The column to predict.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model (JSON).")],
    features: Annotated[str | None, typer.Option(
        help="Comma-separated feature columns (default: all but the target).")] = None,
    penalty: Annotated[str, typer.Option(
        help="l2, l1, elasticnet (with --l1-ratio), none or firth (binary).")] = "l2",
    C: Annotated[float, typer.Option("--C", "-C", help="Inverse penalty strength (inf: none).")
                 ] = 1.0,
    l1_ratio: Annotated[float | None, typer.Option(
        "--l1-ratio", help="Elastic-net mixing in [0, 1] (1 = L1).")] = None,
    class_weight: Annotated[str | None, typer.Option(
        "--class-weight", help="balanced: weight classes inversely to their frequency.")
    ] = None,
    weights: Annotated[str | None, typer.Option(
        "--weights", help="A column of sample weights (numeric, non-negative; not a "
                          "feature).")] = None,
    cv: Annotated[int | None, typer.Option(
        "--cv", help="Choose C (and with --l1-ratio the mixing) by K-fold cross-validation "
                     "(LogisticRegressionCV over 10 values of C).")] = None,
    solver: Annotated[str, typer.Option(
        help="auto, newton, newton-cholesky, lbfgs, newton-cg, gd, sgd or proximal-newton.")
    ] = "auto",
    max_iter: Annotated[int | None, typer.Option(help="Iteration budget.")] = None,
    intercept: Annotated[bool, typer.Option(
        "--intercept/--no-intercept", help="Fit an intercept (the default).")] = True,
    multi_class: Annotated[str, typer.Option(
        "--multi-class", help="More than two classes: auto or multinomial (one softmax "
                              "model) or ovr (one binary model per class).")] = "auto",
    standardize: Annotated[bool, typer.Option(
        help="Centre and scale numeric columns (stored in the model).")] = False,
    categorical: Annotated[str, typer.Option(
        help="auto: one-hot encode text columns; none: refuse them.")] = "auto",
    drop_missing: Annotated[bool, typer.Option(
        help="Leave out rows with missing values (instead of an error).")] = False,
    sep: _SepOpt = None,
    decimal: _DecimalOpt = ".",
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="One line per solver iteration.")] = False,
) -> None:
    """Fit a logistic regression on a data file and write the model to --out."""
    if penalty not in ("l2", "l1", "elasticnet", "none", "firth"):
        raise UserError(f"--penalty must be l2, l1, elasticnet, none or firth, got {penalty!r}.")
    if not (C > 0):  # NaN fails too
        raise UserError(f"--C must be a positive number (or inf), got {C}.")
    if l1_ratio is not None and not 0.0 <= l1_ratio <= 1.0:
        raise UserError(f"--l1-ratio must be in [0, 1], got {l1_ratio}.")
    if penalty == "elasticnet" and l1_ratio is None:
        raise UserError("--penalty elasticnet needs --l1-ratio.")
    if class_weight not in (None, "balanced"):
        raise UserError(f"--class-weight must be 'balanced', got {class_weight!r}.")
    if multi_class not in ("auto", "multinomial", "ovr"):
        raise UserError(f"--multi-class must be auto, multinomial or ovr, got {multi_class!r}.")
    if str(data) != "-" and str(out) != "-" and out.resolve() == data.resolve():
        raise UserError(f"--out {out} is the input data file: refusing to overwrite it.")
    check_out(out, data)
    if categorical not in ("auto", "none"):
        raise UserError(f"--categorical must be 'auto' or 'none', got {categorical!r}.")
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: the folder {out.parent} does not exist.")
    cols = None if features is None else [c.strip() for c in features.split(",") if c.strip()]
    if cv is not None:
        if cv < 2:
            raise UserError(f"--cv must be at least 2 folds, got {cv}.")
        if penalty in ("none", "firth"):
            raise UserError(f"--cv chooses C: it needs a penalty, not --penalty {penalty}.")
        if multi_class == "ovr":
            raise UserError("--cv fits one multinomial model per C; --multi-class ovr is "
                            "offered without --cv.")
        from ..models.cv import LogisticRegressionCV

        estimator = LogisticRegressionCV(
            cv=cv, penalty=penalty if l1_ratio is None else "elasticnet",
            l1_ratios=None if l1_ratio is None else [l1_ratio], class_weight=class_weight,
            solver=solver, max_iter=max_iter, verbose=int(verbose), fit_intercept=intercept)
    else:
        estimator = LogisticRegression(penalty=None if penalty == "none" else penalty, C=C,
                                       l1_ratio=l1_ratio, class_weight=class_weight,
                                       solver=solver, max_iter=max_iter, verbose=int(verbose),
                                       fit_intercept=intercept, multi_class=multi_class)
    if is_file_set(data):  # a glob or folder of Parquet files: passes through Dask
        if weights is not None:
            raise UserError(f"--weights is not available for a Parquet file set ({data}): "
                            "fit one table file, or leave the option out.")
        with warnings_as_lines():
            model, n_rows = fit_file_set(data, target, cols, estimator, cv=cv,
                                         standardize=standardize, drop_missing=drop_missing)
    else:
        df = _read(data, sep, decimal)
        n_rows = len(df)
        model = TabularModel(estimator, features=cols, categorical=categorical,
                             standardize=standardize)
        err = Console(stderr=True, highlight=False)
        # --verbose prints one line per iteration instead of the progress display
        progress = nullcontext() if verbose else _fit_progress(
            err, f"{len(df)} rows of {data.name}", estimator)
        with warnings_as_lines(), progress:
            model.fit(df, target, drop_missing=drop_missing, weights=weights)
    if model.n_dropped_:
        print(f"note: left out {model.n_dropped_} rows with missing values.", file=sys.stderr)
    if str(out) == "-":  # the model to standard output, the report line to stderr
        print(json.dumps(to_dict(model), indent=1, allow_nan=False))
    else:
        save(model, out)
    est = model.estimator
    state = "converged" if est.converged_ else "NOT converged"
    where = "standard output" if str(out) == "-" else out
    labels = [_plain_label(c) for c in est.classes_]
    classes = (f"classes {labels[0]!r} / {labels[1]!r} (positive: {labels[1]!r})"
               if len(labels) == 2 else f"{len(labels)} classes {', '.join(map(repr, labels))}")
    print(f"fit {n_rows - model.n_dropped_} rows x {est.n_features_in_} features "
          f"({est.solver_}, {int(np.max(est.n_iter_))} iterations, {state}, objective "
          f"{est.objective_:.10g}); {classes}; wrote {where}",
          file=sys.stderr if str(out) == "-" else sys.stdout)


# -------------------------------------------------------------------------- predict
@app.command()
@user_errors
def predict(
    model_path: Annotated[Path, typer.Argument(
        metavar="MODEL", help="Model file (JSON; - reads standard input).")],
    data: Annotated[Path, typer.Argument(help="Data to predict: CSV or Parquet.")],
    proba: Annotated[bool, typer.Option(help="Add a probability column per class.")] = False,
    threshold: Annotated[float | None, typer.Option(
        help="Predict the positive class where its probability exceeds this "
             "(default 0.5).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="CSV file to write (default: stdout).")] = None,
    ignore_extra: _ExtraOpt = False,
    sep: _SepOpt = None,
    decimal: _DecimalOpt = ".",
) -> None:
    """Predict the class (and with --proba the probabilities) of each row of a data file."""
    cut = 0.0
    if threshold is not None:
        if not 0.0 < threshold < 1.0:
            raise UserError(f"--threshold must be strictly between 0 and 1, got {threshold}.")
        cut = math.log(threshold) - math.log1p(-threshold)  # logit: p > T  <=>  z > logit(T)
    check_out(out, model_path, data)
    if out is not None and str(out) != "-" and not out.parent.is_dir():
        raise UserError(f"cannot write {out}: the folder {out.parent} does not exist.")
    _one_stdin(model_path, data)
    model = load_tabular(model_path)
    X = model.transform(_read(data, sep, decimal), ignore_extra=ignore_extra)
    est = model.estimator
    if est.classes_.size > 2:
        if threshold is not None:
            raise UserError("--threshold applies to two-class models; this one has "
                            f"{est.classes_.size} classes.")
        result = pd.DataFrame({"prediction": est.predict(X)})
    else:
        z = est.decision_function(X)
        result = pd.DataFrame({"prediction": est.classes_[(z > cut).astype(int)]})
    if proba:
        p = est.predict_proba(X)
        for k, label in enumerate(est.classes_):
            result[f"proba_{label}"] = p[:, k]
    if out is None or str(out) == "-":
        result.to_csv(sys.stdout, index=False)
    else:
        result.to_csv(out, index=False)
        print(f"wrote {len(result)} predictions to {out}")


# ------------------------------------------------------------------------- evaluate
@app.command()
@user_errors
def evaluate(
    model_path: Annotated[Path, typer.Argument(
        metavar="MODEL", help="Model file (JSON; - reads standard input).")],
    data: Annotated[Path, typer.Argument(help="Labelled data: CSV or Parquet.")],
    target: Annotated[str | None, typer.Option(
        "--target", "-t", help="The label column (default: the one the model was fit on).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    weights: Annotated[str | None, typer.Option(
        "--weights", help="Weigh the rows by this column (default: unweighted).")] = None,
    drop_missing: Annotated[bool, typer.Option(
        help="Leave out rows with missing values (instead of an error).")] = False,
    ignore_extra: _ExtraOpt = False,
    sep: _SepOpt = None,
    decimal: _DecimalOpt = ".",
) -> None:
    """Accuracy, precision, recall, F1, ROC-AUC and log-loss of a model on labelled data."""
    _one_stdin(model_path, data)
    model = load_tabular(model_path)
    target = target or model.target
    if target is None:
        raise UserError("the model file does not name its target column; pass --target.")
    df = _read(data, sep, decimal)
    if target not in df.columns:
        raise UserError(f"the target column {target!r} is not in the data "
                        f"(columns: {', '.join(map(str, df.columns))}).")
    if weights is not None:
        check_weights_name(weights, [str(c) for c in df.columns], target)
    labels_of = [target, *([] if weights is None else [weights])]
    if drop_missing:
        used = [c for c in (*model.preprocessor.feature_names_in_, *labels_of)
                if c in df.columns]
        df = df.drop(index=df.index[missing_rows(df, used)])
    for name in labels_of:
        rows = missing_rows(df, [name])
        if rows.size:
            raise UserError(f"the {'target' if name == target else 'weights'} column "
                            f"{name!r} has missing values (row {rows[0] + 1} first); fix them "
                            "or pass --drop-missing.")
    s = None if weights is None else weight_column(df[weights], weights)
    # the weights column is not a feature, unless the model uses it as one
    unused = [c for c in labels_of if c not in model.preprocessor.feature_names_in_]
    X = model.transform(df.drop(columns=unused), ignore_extra=ignore_extra)
    y_idx = _as_01(df[target], model.classes_, target)
    title_weights = "" if weights is None else f", weighted by {weights!r}"
    if model.classes_.size > 2:
        metrics = _metrics_multiclass(model.estimator.predict_proba(X), y_idx, s)
        head = {"classes": [_plain_label(c) for c in model.classes_]}
        title = f"{model_path.name} on {data.name}, {model.classes_.size} classes"
    else:
        metrics = _metrics(model.estimator.decision_function(X), y_idx, s)
        positive = _plain_label(model.classes_[1])
        head = {"positive_class": positive}
        title = f"{model_path.name} on {data.name}, positive class {positive!r}"
    title += title_weights
    if weights is not None:
        head["weights"] = weights
    if as_json:
        print(json.dumps({**head, **metrics}, indent=2))
        return
    console = _stdout()
    console.print(title, markup=False)
    table = Table()
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        shown = "n/a" if value is None else (str(value) if name == "n" else f"{value:.4f}")
        table.add_row(name, shown)
    console.print(table)


def _as_01(col: pd.Series, classes: np.ndarray, name: str) -> np.ndarray:
    labels = as_labels(col)
    known = {str(c): k for k, c in enumerate(classes.tolist())}
    keys = [str(v) for v in labels.tolist()]
    bad = [i for i, k in enumerate(keys) if k not in known]
    if bad:
        raise UserError(f"the target column {name!r} has the label {keys[bad[0]]!r} (row "
                        f"{bad[0] + 1}), which is not one of the model's classes "
                        f"({', '.join(known)}).")
    return np.array([known[k] for k in keys], dtype=np.float64)


def _metrics_multiclass(P: np.ndarray, y_idx: np.ndarray, s: np.ndarray | None = None
                        ) -> dict[str, float | int | None]:
    """Accuracy, macro precision/recall/F1, one-vs-rest ROC-AUC and log-loss (weighted
    by ``s`` when given; ROC-AUC None unless every class has weight)."""
    from sklearn import metrics as M

    y = y_idx.astype(int)
    pred = np.argmax(P, axis=1)
    labels = np.arange(P.shape[1])
    every = np.unique(y if s is None else y[s > 0]).size == P.shape[1]
    kw = {"sample_weight": s}
    return {
        "accuracy": float(M.accuracy_score(y, pred, **kw)),
        "precision (macro)": float(M.precision_score(y, pred, labels=labels, average="macro",
                                                     zero_division=0, **kw)),
        "recall (macro)": float(M.recall_score(y, pred, labels=labels, average="macro",
                                               zero_division=0, **kw)),
        "F1 (macro)": float(M.f1_score(y, pred, labels=labels, average="macro",
                                       zero_division=0, **kw)),
        "ROC-AUC (one-vs-rest)": float(M.roc_auc_score(y, P, multi_class="ovr", labels=labels,
                                                       **kw)) if every else None,
        "log-loss": float(M.log_loss(y, np.clip(P, 1e-300, 1.0), labels=labels, **kw)),
        "n": int(y.size),
    }


def _metrics(z: np.ndarray, y01: np.ndarray, s: np.ndarray | None = None
             ) -> dict[str, float | int | None]:
    """Binary metrics of margins ``z`` against 0/1 labels (weighted by ``s`` when given);
    ROC-AUC is None unless both classes have weight."""
    from sklearn import metrics as M

    pred = (z > 0).astype(np.float64)
    w = np.ones_like(y01) if s is None else s
    both = float(w @ y01) > 0 and float(w @ (1 - y01)) > 0
    kw = {"sample_weight": s}
    return {
        "accuracy": float(M.accuracy_score(y01, pred, **kw)),
        "precision": float(M.precision_score(y01, pred, zero_division=0, **kw)),
        "recall": float(M.recall_score(y01, pred, zero_division=0, **kw)),
        "F1": float(M.f1_score(y01, pred, zero_division=0, **kw)),
        "ROC-AUC": float(M.roc_auc_score(y01, z, **kw)) if both else None,
        "log-loss": float(np.average(log_loss(y01, z), weights=w)),
        "n": int(y01.size),
    }


def _plain_label(label):
    return label.item() if isinstance(label, np.generic) else label


# -------------------------------------------------------------------------- summary
@app.command()
@user_errors
def summary(
    model_path: Annotated[Path, typer.Argument(
        metavar="MODEL", help="Model file (JSON; - reads standard input).")],
    cov_type: Annotated[str, typer.Option(
        "--cov-type", help="nonrobust, HC0, HC1 or stata (cluster types need the data).")
    ] = "nonrobust",
) -> None:
    """The model's settings and its coefficient table (with inference when available)."""
    if cov_type not in ("nonrobust", "HC0", "HC1", "stata"):
        raise UserError(f"--cov-type must be nonrobust, HC0, HC1 or stata, got {cov_type!r}.")
    est = load_model(model_path)  # read once: it may be standard input
    pre = None  # a model fit on arrays has no table columns (nor a target name)
    if getattr(est, "preprocessor_", None) is not None or (
            getattr(est, "feature_names_in_", None) is not None):
        pre = as_tabular(est, model_path).preprocessor
    console = _stdout()
    penalty = _penalty_text(est)
    labels = [_plain_label(c) for c in est.classes_]
    objective = getattr(est, "objective_", None)
    classes = (f"classes {labels[0]!r} / {labels[1]!r} (coefficients raise the odds of "
               f"{labels[1]!r})" if len(labels) == 2 else
               f"{len(labels)} classes {', '.join(map(repr, labels))} ({est.multi_class_})")
    target = "fit on arrays" if pre is None else repr(pre.target)
    console.print(
        f"target {target}: {classes}\n"
        f"penalty {penalty}; solver {est.solver_}, {int(np.max(est.n_iter_))} iterations, "
        f"{'converged' if est.converged_ else 'NOT converged'}"
        + ("" if objective is None else f", objective {objective:.10g}"), markup=False,
    )
    if pre is not None and pre.weights is not None:
        console.print(f"fit with sample weights from the column {pre.weights!r}", markup=False)
    columns = [] if pre is None else pre.columns_
    scaled = [s["name"] for s in columns if s["kind"] == "numeric" and s["scale"] != 1.0]
    if pre is not None and pre.standardize:
        console.print(f"standardised columns (coefficients per standard deviation): "
                      f"{', '.join(scaled) or 'none'}")
    for spec in columns:
        if spec["kind"] == "categorical":
            console.print(f"{spec['name']}: one-hot, reference category {spec['reference']!r}")
    inference = _inference(est, cov_type)
    if inference is not None:
        console.print(str(inference), markup=False, highlight=False)
        return
    reason = missing_inference_reason(est)
    console.print(reason if reason.startswith("No inference numbers") else
                  f"no standard errors: {reason}", markup=False)
    names = getattr(est, "feature_names_in_", None)
    if names is None:
        names = [f"x{j}" for j in range(est.n_features_in_)]
    coef = np.asarray(est.coef_.toarray() if hasattr(est.coef_, "toarray") else est.coef_)
    rows = [None] if coef.shape[0] == 1 else [_plain_label(c) for c in est.classes_]
    for r, label in enumerate(rows):
        title = "coefficients" if label is None else f"coefficients of class {label!r}"
        table = Table(title=title)
        for col in ("term", "coefficient", "odds ratio"):
            table.add_column(col, justify="left" if col == "term" else "right")
        if est.fit_intercept:
            b = float(est.intercept_[r])
            table.add_row("(intercept)", f"{b:.6g}", _odds(b))
        for name, w in zip(names, coef[r], strict=True):
            table.add_row(str(name), f"{w:.6g}", _odds(float(w)))
        console.print(table)


def _odds(w: float) -> str:
    """exp(w) for the table; ``inf`` where it overflows float64 (not a capped number)."""
    return f"{math.exp(w):.6g}" if w < 709.78 else "inf"


def _inference(est, cov_type: str = "nonrobust"):
    """The estimator's own summary (standard errors, p-values) when its file carries the
    fit's inference numbers; otherwise None and the plain table says why."""
    if getattr(est, "inference_", None) is None:
        return None
    if cov_type != "nonrobust" and est.inference_.meat is None:
        raise UserError(f"--cov-type {cov_type}: a Firth fit offers nonrobust only.")
    return est.summary(cov_type=cov_type)


def _penalty_text(est) -> str:
    penalty = est.penalty_
    if hasattr(est, "C_"):  # cross-validated: the chosen values
        C = float(np.ravel(est.C_)[0])
        mix = float(np.ravel(est.l1_ratio_)[0])
        chosen = f"C={C:g} chosen by {len(est.Cs_)}-value cross-validation"
        return (f"{penalty}, {chosen}" + (f", l1_ratio={mix:g}" if penalty == "elasticnet"
                                          else ""))
    if penalty is None:
        return "none"
    if penalty == "firth":
        return "firth"
    if penalty == "elasticnet":
        return f"elasticnet, C={est.C:g}, l1_ratio={est.l1_ratio:g}"
    return f"{penalty}, C={est.C:g}"



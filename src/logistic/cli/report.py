"""``logistic report``: fit a model and write one self-contained HTML report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .app import app


class _Dataset(StrEnum):
    breast_cancer = "breast_cancer"
    blobs = "blobs"
    discount = "discount"


class _Penalty(StrEnum):
    l2 = "l2"
    none = "none"
    firth = "firth"


@app.command()
def report(
    data: Annotated[
        Path | None, typer.Argument(help="A CSV or Parquet file (give --target).")
    ] = None,
    target: Annotated[str | None, typer.Option(
        "--target", "-t", help="The label column of DATA.")] = None,
    dataset: Annotated[
        _Dataset | None, typer.Option(help="A built-in data set instead of DATA.")
    ] = None,
    out: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("report.html"),
    test_size: Annotated[float, typer.Option(help="Fraction held out for metrics.")] = 0.25,
    penalty: Annotated[
        _Penalty, typer.Option(help="l2, none or firth (binary only).")
    ] = _Penalty.l2,
    c: Annotated[float, typer.Option("--C", help="Inverse L2 strength.")] = 1.0,
    solver: Annotated[str, typer.Option(help="auto, gd, lbfgs, newton or newton-cg.")] = "auto",
    standardize: Annotated[
        bool, typer.Option(help="Standardise features on the training part.")
    ] = True,
    random_state: Annotated[int, typer.Option(help="Seed of the train/test split.")] = 0,
    model: Annotated[
        Path | None,
        typer.Option(help="A model file (logistic fit --out): evaluate it on DATA, no fitting."),
    ] = None,
    ignore_extra: Annotated[bool, typer.Option(
        "--ignore-extra", help="With --model: ignore columns the model was not fit on.")
    ] = False,
    weights: Annotated[str | None, typer.Option(
        "--weights", help="A column of DATA of sample weights: the fit (without --model), "
                          "the metrics, curves and confusion matrix weigh rows by it.")
    ] = None,
    drop_missing: Annotated[bool, typer.Option(
        help="Leave out rows with missing values (instead of an error).")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Fit on DATA (--target COL) or a built-in --dataset; write an HTML report to --out.

    The page holds the data summary, solver and convergence, metrics on a held-out
    split, the loss curve, ROC/PR/calibration curves, the coefficients (with standard
    errors, intervals and p-values) and the confusion matrix, with every image embedded.
    Text columns are one-hot encoded as `logistic fit` does; a target with more than two
    classes gets a multinomial model, per-class curves and a coefficient heat map.
    --weights COL weighs the rows as `logistic fit --weights` and `logistic evaluate
    --weights` do.
    """
    from ..pictures.report import build_report, load_builtin, load_frame
    from ._errors import UserError
    from .files import check_out

    try:
        check_out(out, *(p for p in (data, model) if p is not None))
        if model is not None:
            page = _loaded_model_page(model, data, target, ignore_extra, weights, drop_missing)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(page, encoding="utf-8")
            print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")
            return
        if (data is None) == (dataset is None):
            raise ValueError("give exactly one of: a DATA file (with --target), or --dataset NAME.")
        s = None
        if data is not None:
            if target is None:
                raise ValueError("--target COL is required with a DATA file.")
            X, y, dropped = load_frame(data, target, drop_missing=drop_missing)
            source = f"{data.name} (target {target!r})" + _dropped_note(dropped)
            if weights is not None:
                s = _weights_of(X, weights, target)
                X = X.drop(columns=[weights])
                source += f", weighted by {weights!r}"
        else:
            if weights is not None:
                raise ValueError("--weights needs a DATA file (the built-in data sets have "
                                 "no weights column).")
            X, y, source = load_builtin(dataset.value)
        page = build_report(
            X, y, title=f"Logistic regression report: {data.name if data else dataset.value}",
            source=source, test_size=test_size, random_state=random_state,
            standardize=standardize,
            penalty={_Penalty.none: None, _Penalty.l2: "l2", _Penalty.firth: "firth"}[penalty],
            C=c, solver=solver, sample_weight=s, weights_name=weights,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except (ValueError, TypeError, OSError, UserError) as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB)")


def _weights_of(df, weights: str, target: str):
    """The column ``weights`` of ``df`` as checked sample weights (its name checked too:
    a column of the data, not the target)."""
    from ..files.tabular import check_weights_name, weight_column

    columns = [str(c) for c in df.columns]
    check_weights_name(weights, columns if target in columns else [*columns, target], target)
    return weight_column(df[weights], weights)


def _dropped_note(dropped: int) -> str:
    return f", {dropped} row{'s' * (dropped != 1)} with missing values left out" if dropped else ""


def _loaded_model_page(model_path: Path, data: Path | None, target: str | None,
                       ignore_extra: bool = False, weights: str | None = None,
                       drop_missing: bool = False) -> str:
    """The report of a model file scored on a DATA file (target from the file by default;
    ``drop_missing``: rows missing a value the model, the target or the weights use are
    left out, as ``logistic evaluate --drop-missing`` does)."""
    from ..files.model_file import load_tabular
    from ..files.tables import read_table
    from ..files.tabular import missing_rows
    from ..pictures.report import build_model_report

    if data is None:
        raise ValueError("--model needs a DATA file to evaluate the model on.")
    tabular = load_tabular(model_path)
    target = target or tabular.target
    if target is None:
        raise ValueError("the model file names no target column: give --target COL.")
    df = read_table(data)
    dropped = 0
    if drop_missing:
        used = [c for c in (*tabular.preprocessor.feature_names_in_, target, weights)
                if c is not None and c in df.columns]
        rows = missing_rows(df, used)
        df, dropped = df.drop(index=df.index[rows]).reset_index(drop=True), int(rows.size)
        if len(df) == 0:
            raise ValueError(f"every row of {data.name} misses a value the model uses.")
    s = None
    source = f"{model_path.name} on {data.name} (target {target!r})" + _dropped_note(dropped)
    if weights is not None:
        s = _weights_of(df, weights, target)
        source += f", weighted by {weights!r}"
    return build_model_report(
        tabular, df, target, source=source, ignore_extra=ignore_extra, sample_weight=s,
        weights_name=weights,
    )

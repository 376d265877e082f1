"""``logistic learn``: watch gradient descent fit a logistic regression, step by step."""

from __future__ import annotations

import math
import sys
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console

from .app import app


class _Data(StrEnum):
    blobs = "blobs"
    discount = "discount"


def _vec(a, digits: int = 4, limit: int = 6) -> str:
    a = np.ravel(a)
    body = ", ".join(f"{v:.{digits}f}" for v in a[:limit])
    return f"[{body}{', …' if a.size > limit else ''}]"


@app.command()
def learn(
    data: Annotated[_Data, typer.Option(help="The teaching problem.")] = _Data.blobs,
    learning_rate: Annotated[
        float, typer.Option(help="Step size η of gradient descent.")
    ] = 1.0,
    iterations: Annotated[int, typer.Option(help="Gradient steps to take.")] = 100,
    out: Annotated[
        Path, typer.Option(help="Folder for the animation and the learning-rate panel.")
    ] = Path("logistic-learn"),
    steps: Annotated[int, typer.Option(help="Iterations to show in full detail.")] = 3,
    frames: Annotated[int, typer.Option(help="At most this many animation frames.")] = 60,
    batch_size: Annotated[int | None, typer.Option(
        help="Also run mini-batch SGD with this many rows per step (as many epochs as "
             "--iterations, the same --learning-rate) and animate it beside gradient "
             "descent; at least n is one full batch, i.e. gradient descent.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of SGD's shuffles (with --batch-size).")] = 0,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Fit by gradient descent on a built-in problem, explaining each step, and draw it.

    Prints z = Xw + b, σ(z), the loss, the gradient and the update for the first
    iterations, the loss every so often, then writes training.gif (and .mp4 with
    ffmpeg), learning-rates.png and boundary.png into --out. With --batch-size B,
    sgd-vs-gd.gif (mini-batch SGD beside gradient descent) replaces training.gif.
    """
    try:
        _learn(data.value, learning_rate, iterations, out, steps, frames, batch_size, seed)
    except (ValueError, OSError) as exc:
        if debug:
            raise
        print(f"logistic learn: error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def _learn(data: str, eta: float, iterations: int, out: Path, n_steps: int, frames: int,
           batch_size: int | None = None, seed: int = 0):
    from matplotlib.figure import Figure

    from ..models.estimator import LogisticRegression
    from ..pictures import plots
    from ..pictures.learn import explain_steps, load_learning_data

    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"--learning-rate must be a positive number, got {eta}.")
    if iterations < 1:
        raise ValueError(f"--iterations must be at least 1, got {iterations}.")
    if frames < 2:
        raise ValueError(f"--frames must be at least 2, got {frames}.")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"--batch-size must be a positive number of rows, got {batch_size}.")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file: the pictures go into a folder.")
    out.mkdir(parents=True, exist_ok=True)

    console = Console(highlight=False, soft_wrap=True)
    d = load_learning_data(data)
    X, y, n = d.X, d.y, d.X.shape[0]
    console.print(f"[bold]Data[/]: {d.description}.")
    console.print(f"  features standardised (x − mean)/std with mean {_vec(d.mean, 2)}, "
                  f"std {_vec(d.std, 2)}; {n} samples, {int(y.sum())} of class 1.")
    console.print("[bold]Model[/]: P(y=1 | x) = σ(z),  z = Xw + b,  σ(z) = 1 / (1 + e^(−z)).")
    console.print("[bold]Loss[/]:  L = −mean( y·log σ(z) + (1−y)·log(1−σ(z)) )")
    console.print("[bold]Gradient descent[/]: w ← w − η·∂L/∂w,  b ← b − η·∂L/∂b,  with "
                  "∂L/∂w = Xᵀ(σ(z) − y)/n,  ∂L/∂b = mean(σ(z) − y),  "
                  f"η = {eta:g}, starting at w = 0, b = 0.\n")

    model = LogisticRegression(penalty=None, solver="gd", learning_rate=eta,
                               max_iter=iterations, tol=1e-15, record_coef=True)
    with warnings.catch_warnings():
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)

    idx = np.unique(np.linspace(0, n - 1, min(4, n)).astype(int))  # a few samples, spread out
    rows = "samples " + ", ".join(f"#{i}" for i in idx)
    console.print("Iterations are numbered as in the loss table below, whose row k is the "
                  "point after k iterations (row 0: the start): iteration k starts at row "
                  "k − 1 and lands on row k.\n")
    for s in explain_steps(model, X, y, n_steps):
        console.print(f"[bold]Iteration {s.k}[/]   (row {s.row_before} → row {s.row_after})   "
                      f"w = {_vec(s.w)},  b = {s.b:.4f}")
        console.print(f"  z = Xw + b     {rows}: {_vec(s.z[idx])}")
        console.print(f"  σ(z)           {rows}: {_vec(s.p[idx])}"
                      f"   (their labels y: {np.ravel(y[idx]).tolist()})")
        console.print(f"  loss L = {s.loss:.6f}   (row {s.row_before} of the loss table)")
        console.print(f"  gradient       ∂L/∂w = {_vec(s.grad_w)},  ∂L/∂b = {s.grad_b:.4f}")
        console.print(f"  update         w ← {_vec(s.w)} − {eta:g}·{_vec(s.grad_w)} = "
                      f"{_vec(s.w_new)}")
        console.print(f"                 b ← {s.b:.4f} − {eta:g}·({s.grad_b:.4f}) = "
                      f"{s.b_new:.4f}")
        agree = np.allclose(s.w_new, s.solver_w, rtol=1e-9, atol=1e-12)
        console.print(f"  new loss L = {s.loss_new:.6f}   (row {s.row_after} of the loss table)")
        console.print(f"  (the solver's step: w = {_vec(s.solver_w)}, b = {s.solver_b:.4f}"
                      f"{' — the same' if agree else ' — DIFFERENT'})\n")

    # the iterations' rows (history_ repeats the best iterate last when the loss climbed)
    loss = model.history_["objective"][: int(model.n_iter_[0]) + 1] / n
    Z = X @ model.coef_path_.T + model.intercept_path_
    acc = np.mean((Z > 0) == (y == model.classes_[1])[:, None], axis=0)
    every = max(1, int(model.n_iter_[0]) // 10)
    console.print("[bold]iteration      loss   accuracy[/]   (row k: after k iterations)")
    for k in sorted({*range(0, loss.size, every), loss.size - 1}):
        console.print(f"{k:9d}  {loss[k]:8.5f}   {acc[k]:8.3f}")
    trend = "fell" if loss[-1] < loss[0] else "did NOT fall — try a smaller --learning-rate"
    console.print(f"The loss {trend}: {loss[0]:.5f} → {loss[-1]:.5f} after "
                  f"{int(model.n_iter_[0])} iterations; final w = {_vec(model.coef_)}, "
                  f"b = {model.intercept_[0]:.4f}.\n")

    if batch_size is None:
        written = plots.animate_training(model, X, y, out / "training.gif",
                                         max_frames=frames, feature_names=d.feature_names,
                                         progress=True)
    else:
        written = _sgd_beside_gd(console, d, model, batch_size, eta, iterations, seed, out,
                                 frames)
    fig = Figure(figsize=(12.6, 7.6), layout="constrained")
    # the user's η is the "good" panel; η/10 and max(10η, 20/L) flank it
    plots.learning_rate_panel(X, y, feature_names=d.feature_names, axes=fig.subplots(2, 3),
                              n_iter=max(60, min(iterations, 200)), learning_rate=eta)
    fig.suptitle("Gradient descent with three learning rates (mean loss above, boundary below)")
    fig.savefig(out / "learning-rates.png", dpi=80)
    written.append(out / "learning-rates.png")
    fig = Figure(figsize=(5.5, 4.2), layout="constrained")
    plots.decision_boundary(model, X, y, fig.subplots(), feature_names=d.feature_names)
    fig.savefig(out / "boundary.png", dpi=90)
    written.append(out / "boundary.png")
    for p in written:
        console.print(f"wrote {p}")



def _sgd_beside_gd(console, d, model, batch_size: int, eta: float, epochs: int, seed: int,
                   out: Path, frames: int) -> list[Path]:
    """Run mini-batch SGD on the same data, print its losses beside GD's, animate both."""
    from ..pictures.learn import animate_sgd_beside_gd, sgd_path

    n = d.X.shape[0]
    path = sgd_path(d.X, d.y, batch_size=batch_size, learning_rate=eta, epochs=epochs,
                    random_state=seed)
    B, per = path.batch_size, path.steps_per_epoch
    console.print(f"[bold]Mini-batch SGD[/]: the same update from only B = {B} rows at a time "
                  f"(w ← w − η·X_Bᵀ(σ(z_B) − y_B)/B, b ← b − η·mean(σ(z_B) − y_B)), the "
                  f"rows shuffled afresh each epoch (seed {seed}): {per} steps per epoch, "
                  f"each epoch reading all {n} rows once — as one step of gradient descent "
                  f"does. η = {eta:g} for both; B = n would be gradient descent itself.")
    gd_loss = model.history_["objective"][: int(model.n_iter_[0]) + 1] / n
    sgd_epoch = path.loss[::per]
    rows = min(gd_loss.size, sgd_epoch.size)
    every = max(1, (rows - 1) // 10)
    console.print("[bold]    epoch   GD loss   SGD loss[/]   (after that many passes over the "
                  "data)")
    for k in sorted({*range(0, rows, every), rows - 1}):
        console.print(f"{k:9d}  {gd_loss[k]:8.5f}   {sgd_epoch[k]:8.5f}")
    noise = float(np.std(np.diff(path.loss[-per - 1 :]))) if per > 1 else 0.0
    console.print(f"SGD's loss at its last step: {path.loss[-1]:.5f} (GD's: {gd_loss[-1]:.5f});"
                  f" within its last epoch it moved by ±{noise:.2g} from step to step — "
                  "a larger batch or a smaller η makes the steps quieter; a smaller batch "
                  "takes more (noisier) steps per epoch. "
                  f"Final SGD w = {_vec(path.coef[-1])}, b = {path.intercept[-1]:.4f}.\n")
    return animate_sgd_beside_gd(model, path, d.X, d.y, out / "sgd-vs-gd.gif",
                                 max_frames=frames, feature_names=d.feature_names,
                                 progress=True)

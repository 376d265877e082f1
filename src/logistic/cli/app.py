"""The typer application the command modules register their commands on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="logistic",
    help="Logistic regression from first principles: fit, inspect and learn.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Logistic regression from first principles: fit, inspect and learn."""

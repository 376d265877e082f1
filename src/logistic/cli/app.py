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


def _version(value: bool) -> None:
    if value:
        from .._version import __version__

        print(f"logistic {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Logistic regression from first principles: fit, inspect and learn."""

"""The ``logistic`` command line (typer).

Each group of commands lives in its own module and registers itself on :data:`app`;
errors a user can cause exit with code 2 and one line on stderr.
"""

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


from . import demo as _demo  # noqa: E402,F401  (registers its commands)
from . import files as _files  # noqa: E402,F401  (fit, predict, evaluate, summary)
from . import learn as _learn  # noqa: E402,F401  (registers its commands)
from . import report as _report  # noqa: E402,F401  (registers its commands)


def main() -> None:
    """Console-script entry point."""
    app()

"""Layer 9 — the ``logistic`` command line (typer).

Each group of commands lives in its own module and registers itself on
:data:`~.app.app`; errors a user can cause exit with code 2 and one line on stderr
(:mod:`~._errors`). May import every layer below; nothing imports it but
``logistic.__main__`` and the console script.
"""

from __future__ import annotations

from . import demo as _demo  # noqa: F401  (registers its commands)
from . import files as _files  # noqa: F401  (fit, predict, evaluate, summary)
from . import learn as _learn  # noqa: F401  (registers its commands)
from . import report as _report  # noqa: F401  (registers its commands)
from . import warmup as _warmup  # noqa: F401  (registers its command)
from .app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: usage errors (unknown option, missing argument) are
    one line on stderr and exit code 2, like every other user error."""
    import sys

    import typer

    try:
        from typer._click.exceptions import UsageError  # typer ≥ 0.20 vendors click
    except ImportError:  # pragma: no cover - older typer on click
        from click.exceptions import UsageError

    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("error: aborted.", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)

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
from .app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()

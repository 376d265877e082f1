"""Errors a user can fix: one line on stderr, exit code 2, no traceback.

Decorate a command with :func:`user_errors` (below ``@app.command()``)::

    @app.command()
    @user_errors
    def fit(...): ...

and raise :class:`UserError` for problems the command itself detects. The library's
own input errors are user errors too: it raises ``ValueError`` (with
:class:`~logistic.files.DataError` and :class:`~logistic.files.ModelFileError` among
them) for bad input, with messages written to be read, and ``OSError`` for files it
cannot open or write. Each is printed as ``error: <message>`` on one line.

The decorator adds a ``--debug`` option to the command that re-raises instead, so the
full traceback is shown; setting the environment variable ``LOGISTIC_DEBUG=1`` does
the same for every command.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

__all__ = ["UserError", "user_errors", "EXIT_USER_ERROR", "one_line", "warnings_as_lines"]

#: The exit status of an error the user can fix (as click's usage errors).
EXIT_USER_ERROR = 2
_HANDLED = (ValueError, OSError)


class UserError(Exception):
    """A problem the user can fix; its message is shown as one line."""


def one_line(exc: BaseException) -> str:
    """The exception's message with all whitespace runs (newlines too) made single spaces."""
    return " ".join(str(exc).split()) or type(exc).__name__


def user_errors(func: Callable) -> Callable:
    """Wrap a typer command: user errors become one stderr line and exit code 2.

    Adds a keyword-only ``--debug`` flag to the command's signature (typer reads the
    signature), which lets the exception propagate with its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args, debug: bool = False, **kwargs):
        try:
            with warnings_as_lines():  # every command's warnings: one line each
                return func(*args, **kwargs)
        except BrokenPipeError:  # `logistic predict ... | head`: the reader left, stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except (UserError, *_HANDLED) as exc:
            if debug or os.environ.get("LOGISTIC_DEBUG"):
                raise
            print(f"error: {one_line(exc)}", file=sys.stderr)
            raise typer.Exit(EXIT_USER_ERROR) from None

    signature = inspect.signature(func, eval_str=True)
    debug = inspect.Parameter(
        "debug",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[bool, typer.Option("--debug", help="Show the full traceback "
                                                "when an error occurs.")],
    )
    wrapper.__signature__ = signature.replace(
        parameters=[*signature.parameters.values(), debug]
    )
    wrapper.__annotations__ = {**func.__annotations__, "debug": debug.annotation}
    return wrapper


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show each warning raised inside as one ``warning: ...`` line on stderr (also
    when an error ends the block: they come before its line)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            seen = set()
            for w in caught:
                text = one_line(w.message)
                if text not in seen:
                    seen.add(text)
                    print(f"warning: {text}", file=sys.stderr)

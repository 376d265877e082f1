"""Reading tables from files: CSV (delimiter sniffed) and Parquet.

:func:`read_table` is the one entry point. It turns every way a file can be unusable
into a :class:`DataError` (a ``ValueError``) whose message names the file and the
problem in one line, so the command line can show it as is:

- the file is missing, a directory, or unreadable;
- a CSV is empty, not text, or has rows with more fields than the header;
- a CSV was split with the wrong delimiter (one column whose name still contains
  ``;``, a tab, ``|`` or ``,``);
- a Parquet file is not Parquet.

The delimiter is sniffed by :class:`csv.Sniffer` on the first 64 KiB, restricted to
``, ; TAB |``. (pandas' own ``sep=None`` lets the sniffer choose *any* character, and
on a one-column file it happily splits on a letter of the header.) When the sniffer
cannot decide, a comma is assumed.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

__all__ = ["DataError", "read_table", "PARQUET_SUFFIXES", "DELIMITERS"]

#: File name endings read as Parquet; everything else is read as CSV.
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
#: Delimiters the CSV sniffer may choose from.
DELIMITERS = ",;\t|"
_SNIFF_BYTES = 65536


class DataError(ValueError):
    """A data file or its content cannot be used; the message says why, in one line."""


def read_table(path: str | os.PathLike, *, sep: str | None = None,
               decimal: str = ".") -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or path-like
        ``*.parquet``, ``*.pq`` or ``*.parq`` are read with pyarrow; anything else as
        CSV (optionally compressed: pandas infers gzip/bz2/zip/xz/zstd from the name).
    sep : str, optional
        The CSV delimiter; None sniffs it among ``, ; TAB |``.
    decimal : str, default "."
        The CSV decimal mark (``","`` for files written with a European locale).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        With a one-line message naming the file and the problem.
    """
    if str(path) == "-":  # standard input (CSV)
        return _read_stdin(sep=sep, decimal=decimal)
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a data file.")
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _read_parquet(path)
    return _read_csv(path, sep=sep, decimal=decimal)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({_one_line(exc)}).") from exc
    nested = [f.name for f in table.schema
              if pa.types.is_nested(f.type)]
    if nested:
        raise DataError(f"{path}: the column {nested[0]!r} holds lists or structs; a "
                        "feature must be a number, a boolean or text.")
    names = table.schema.names
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise DataError(f"{path}: the column name {dup!r} appears more than once.")
    return table.to_pandas()


def _read_csv(path: Path, *, sep: str | None, decimal: str) -> pd.DataFrame:
    if sep is None:
        sep = _sniff_delimiter(path)
    try:
        df = pd.read_csv(path, sep=sep, decimal=decimal)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path}: the file is empty (no header line).") from exc
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: not a readable CSV file ({_one_line(exc)}).") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a text file (it is not valid UTF-8).") from exc
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read it as CSV ({_one_line(exc)}).") from exc
    _check_delimiter(df, path, sep)
    _check_unique_header(pd.read_csv(path, sep=sep, decimal=decimal, header=None, nrows=1),
                         path)
    return df


def _read_stdin(*, sep: str | None, decimal: str) -> pd.DataFrame:
    import io
    import sys

    text = sys.stdin.read()
    if not text.strip():
        raise DataError("-: standard input is empty (no header line).")
    if sep is None:
        try:
            sep = csv.Sniffer().sniff("\n".join(text.splitlines()[:200]),
                                      delimiters=DELIMITERS).delimiter
        except csv.Error:
            sep = ","
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal)
    except pd.errors.ParserError as exc:
        raise DataError(f"-: not readable CSV on standard input ({_one_line(exc)}).") from exc
    _check_unique_header(pd.read_csv(io.StringIO(text), sep=sep, header=None, nrows=1), "-")
    return df


def _check_unique_header(header: pd.DataFrame, path) -> None:
    """pandas renames a repeated column name to ``name.1`` silently; refuse it instead."""
    names = [str(v) for v in header.iloc[0].tolist()] if len(header) else []
    seen = set()
    for name in names:
        if name in seen:
            raise DataError(f"{path}: the column name {name!r} appears more than once; "
                            "rename the columns so each is unique.")
        seen.add(name)


def _sniff_delimiter(path: Path) -> str:
    """The delimiter of a CSV file among :data:`DELIMITERS`; ``","`` when undecided."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise DataError(f"{path}: cannot open it ({_one_line(exc)}).") from exc
    if path.suffix.lower() in (".gz", ".bz2", ".zip", ".xz", ".zst"):
        return ","  # compressed: let pandas decompress and use the common default
    if b"\x00" in raw:
        raise DataError(f"{path}: not a text file (it contains NUL bytes).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 4:  # not just a character cut at the sample's end
            raise DataError(f"{path}: not a text file (it is not valid UTF-8).") from exc
        text = raw[: exc.start].decode("utf-8")
    lines = text.splitlines()
    if len(raw) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    sample = "\n".join(lines[:200])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _check_delimiter(df: pd.DataFrame, path: Path, sep: str) -> None:
    """A single column whose name contains another delimiter means a wrong split."""
    if df.shape[1] != 1:
        return
    header = str(df.columns[0])
    others = [d for d in DELIMITERS if d != sep and d in header]
    if others:
        shown = {"\t": "tabs", ";": "';'", "|": "'|'", ",": "','"}
        raise DataError(
            f"{path}: read as a single column {header!r} although the header contains "
            f"{shown[others[0]]}; the delimiter looks wrong (split on {sep!r}), "
            f"pass the right one with --sep."
        )


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__

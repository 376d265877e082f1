r"""Parquet file sets as Dask arrays: one chunk per row group, read on the workers.

:func:`read_parquet` turns a Parquet file, a folder of them or a glob
(``"data/*.parquet"``) into a Dask array ``X`` of the feature columns and a Dask
array ``y`` of the target column, for :meth:`~logistic.LogisticRegression.fit`. The
row counts come from the files' footers, so the chunks are known without reading any
data, and each chunk is read by the task that uses it: a fit on data larger than the
cluster's memory streams them from storage on every pass (see
:mod:`logistic.data.dask`).
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

import numpy as np

from .tables import DataError

__all__ = ["read_parquet", "parquet_files"]


def parquet_files(path_or_glob: str | os.PathLike) -> list[str]:
    """The Parquet files a path names: itself, the ``*.parquet`` files of a folder, or the
    sorted matches of a glob. Raises :class:`DataError` when there are none."""
    text = str(path_or_glob)
    if Path(text).is_dir():
        files = sorted(glob.glob(os.path.join(text, "*.parquet")))
    elif any(ch in text for ch in "*?["):
        files = sorted(f for f in glob.glob(text) if Path(f).is_file())
    else:
        files = [text] if Path(text).is_file() else []
    if not files:
        raise DataError(f"no Parquet files match {text!r}.")
    return files


def _read_rows(path: str, row_group: int, columns: list[str], dtype) -> np.ndarray:
    """One row group's ``columns`` as a 2-D array (runs on a worker)."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(row_group, columns=columns)
    out = np.empty((table.num_rows, len(columns)), dtype=dtype)
    for j, name in enumerate(columns):
        out[:, j] = table.column(name).to_numpy(zero_copy_only=False)
    return out


def _read_labels(path: str, row_group: int, column: str) -> np.ndarray:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path).read_row_group(row_group, columns=[column])
    return table.column(column).to_numpy(zero_copy_only=False)


def read_parquet(path_or_glob: str | os.PathLike, target: str, *,
                 features: list[str] | None = None, dtype=np.float64):
    """Feature matrix and target of a Parquet file set, as lazy Dask arrays.

    Parameters
    ----------
    path_or_glob : a Parquet file, a folder of ``*.parquet`` files, or a glob.
    target : the label column.
    features : the feature columns, in order (default: every numeric column but
        ``target``); they must be numeric (encode text columns first).
    dtype : float64 (default) or float32 for ``X``.

    Returns
    -------
    X : dask array of shape (n, d), one chunk per row group.
    y : dask array of shape (n,).
    names : list of str, the feature columns.
    """
    import dask.array as da
    import pyarrow as pa
    import pyarrow.parquet as pq
    from dask import delayed

    files = parquet_files(path_or_glob)
    schema = pq.read_schema(files[0])
    columns = list(schema.names)
    if target not in columns:
        raise DataError(f"the target column {target!r} is not in {files[0]} "
                        f"(columns: {', '.join(columns)}).")
    numeric = [c for c in columns if c != target and (
        pa.types.is_integer(schema.field(c).type) or pa.types.is_floating(schema.field(c).type)
        or pa.types.is_boolean(schema.field(c).type))]
    if features is None:
        features = numeric
        if not features:
            raise DataError("the data have no numeric feature columns besides the target.")
    else:
        unknown = [c for c in features if c not in columns]
        if unknown:
            raise DataError(f"feature column {unknown[0]!r} is not in the data.")
        text = [c for c in features if c not in numeric]
        if text:
            raise DataError(f"column {text[0]!r} is not numeric: a Parquet file set is read "
                            "as numbers only (encode it first).")
    label_type = schema.field(target).type
    label_dtype = object if (pa.types.is_string(label_type) or pa.types.is_large_string(
        label_type)) else label_type.to_pandas_dtype()
    xs, ys = [], []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        if set(pq.read_schema(path).names) < {*features, target}:
            raise DataError(f"{path} lacks some of the columns of {files[0]}.")
        for g in range(meta.num_row_groups):
            rows = meta.row_group(g).num_rows
            if rows == 0:
                continue
            xs.append(da.from_delayed(delayed(_read_rows, pure=True)(path, g, features, dtype),
                                      shape=(rows, len(features)), dtype=dtype))
            ys.append(da.from_delayed(delayed(_read_labels, pure=True)(path, g, target),
                                      shape=(rows,), dtype=label_dtype))
    if not xs:
        raise DataError(f"the Parquet files of {str(path_or_glob)!r} have no rows.")
    return da.concatenate(xs), da.concatenate(ys), list(features)

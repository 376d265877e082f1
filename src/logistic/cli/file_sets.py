"""``logistic fit 'data/*.parquet' --target y``: a fit on a Parquet file set, through Dask.

The files are read as Dask arrays (:func:`logistic.files.parquet_sets.read_parquet`),
each pass of the fit runs over their row groups on the active Dask scheduler (the
threaded one on this machine; set ``DASK_SCHEDULER_ADDRESS`` to use a cluster), and
the model file is the same as for a table in memory (numeric columns, no
preprocessing), so ``predict``, ``evaluate`` and ``summary`` read it as usual.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._errors import UserError

__all__ = ["is_file_set", "fit_file_set"]


def is_file_set(data: Path) -> bool:
    """Whether ``data`` names a Parquet file set: a glob or a folder."""
    text = str(data)
    return text != "-" and (any(ch in text for ch in "*?[") or data.is_dir())


def fit_file_set(data: Path, target: str, features, estimator, *, standardize: bool,
                 drop_missing: bool, cv) -> tuple:
    """Fit ``estimator`` on the file set; returns ``(model, n_rows)``."""
    for flag, given in (("--cv", cv is not None), ("--standardize", standardize),
                        ("--drop-missing", drop_missing)):
        if given:
            raise UserError(f"{flag} is not available for a Parquet file set ({data}): fit "
                            "one table file, or leave the option out.")
    import pyarrow.parquet as pq

    from ..files.parquet_sets import parquet_files, read_parquet
    from ..files.tabular import TablePreprocessor, TabularModel

    client = None
    address = os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        from distributed import Client

        client = Client(address)
    try:
        X, y, names = read_parquet(data, target, features=features)
        files = parquet_files(data)
        first = pq.ParquetFile(files[0]).read_row_group(0, columns=[*names, target]).to_pandas()
        preprocessor = TablePreprocessor(names, target=target, categorical="none").fit(first)
        estimator.fit(X, y)
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    finally:
        if client is not None:
            client.close()
    model = TabularModel(estimator, preprocessor)
    model.n_dropped_ = 0
    return model, int(X.shape[0])

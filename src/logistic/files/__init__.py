"""Layer 7 — files: tables in, models out, data sets.

=================== =============================================================
:mod:`~.tables`     :func:`read_table`: CSV (delimiter sniffed) and Parquet →
                    DataFrame, every failure a one-line :class:`DataError`
:mod:`~.tabular`    DataFrames → design matrices (one-hot, standardising):
                    :class:`TablePreprocessor`, :class:`TabularModel`
:mod:`~.model_file` model files: :func:`save`, :func:`load`, :func:`load_tabular`
                    (plain JSON, exact, checked entry by entry)
:mod:`~.schema`     the strict JSON checks model files are read with
:mod:`~.datasets`   the tutorials' toy data (embedded or from scikit-learn)
=================== =============================================================

May import: everything below (:mod:`logistic.models` and down), pandas, pyarrow;
never pictures or the CLI.
"""

from .model_file import ModelFileError, load, load_tabular, save
from .tables import DataError, read_table
from .tabular import TablePreprocessor, TabularModel

__all__ = [
    "read_table",
    "DataError",
    "TablePreprocessor",
    "TabularModel",
    "save",
    "load",
    "load_tabular",
    "ModelFileError",
]

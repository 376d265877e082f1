"""Reading files and encoding tables, in-process (fast).

References: pandas' own readers with the delimiter given, ``pandas.get_dummies`` and
scikit-learn's ``StandardScaler`` for the encoding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

from logistic.files.tables import DataError, read_table
from logistic.files.tabular import TablePreprocessor, TabularModel


@pytest.fixture
def frame():
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "age": rng.integers(18, 80, 40),
        "income": np.round(rng.normal(50, 12, 40), 3),
        "city": rng.choice(["Oslo", "Bergen", "Tromsø"], 40),
        "const": np.full(40, 2.5),
        "y": rng.choice(["a", "b"], 40),
    })


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, frame, sep):
    path = tmp_path / "data.txt"
    frame.to_csv(path, sep=sep, index=False)
    pd.testing.assert_frame_equal(read_table(path), pd.read_csv(path, sep=sep))


def test_one_column_file_is_one_column(tmp_path):
    # pandas' sep=None would split this header on a letter; ours reads one column "x"
    (tmp_path / "one.csv").write_text("x\n1\n2\n3\n")
    assert read_table(tmp_path / "one.csv")["x"].tolist() == [1, 2, 3]


def test_parquet_equals_csv(tmp_path, frame):
    frame.to_parquet(tmp_path / "d.parquet")
    frame.to_csv(tmp_path / "d.csv", index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "d.parquet"),
                                  read_table(tmp_path / "d.csv"), check_dtype=False)
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="bad.parquet: not a readable Parquet file"):
        read_table(tmp_path / "bad.parquet")


@pytest.mark.parametrize("content,message", [
    ("", "the file is empty"),
    ("a,b\n1,2\n3,4,5\n", "Expected 2 fields in line 3, saw 3"),
])
def test_unreadable_csv(tmp_path, content, message):
    (tmp_path / "f.csv").write_text(content)
    with pytest.raises(DataError, match=message):
        read_table(tmp_path / "f.csv")


def test_directory_and_decimal_commas(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        read_table(tmp_path)
    (tmp_path / "eu.csv").write_text("x;y\n1,5;a\n2,25;b\n3,0;a\n")
    df = read_table(tmp_path / "eu.csv")
    with pytest.raises(DataError, match=r"column 'x' holds numbers with decimal commas"):
        TablePreprocessor(target="y").fit(df)
    assert read_table(tmp_path / "eu.csv", decimal=",")["x"].tolist() == [1.5, 2.25, 3.0]


def test_encoding_matches_get_dummies_and_standard_scaler(frame):
    pre = TablePreprocessor(target="y", standardize=True).fit(frame)
    X = pre.transform(frame)
    ref = pd.get_dummies(frame.drop(columns="y"), columns=["city"], drop_first=True,
                         prefix_sep="=", dtype=float)
    num = ["age", "income", "const"]
    scaled = StandardScaler().fit_transform(ref[num])
    ref[num] = scaled
    ref = ref[pre.feature_names_out_]
    assert pre.feature_names_out_ == ["age", "income", "city=Oslo", "city=Tromsø", "const"]
    np.testing.assert_allclose(X, ref.to_numpy(), rtol=1e-14, atol=1e-14)
    assert pre.columns_[3] == {"name": "const", "kind": "numeric", "center": 2.5, "scale": 1.0}


def test_missing_values_name_the_first_rows(frame):
    frame = frame.astype({"income": float})
    frame.loc[[1, 4, 5, 8, 20, 30, 31], "income"] = np.nan
    frame.loc[4, "city"] = None
    with pytest.raises(DataError) as info:
        TabularModel().fit(frame, "y")
    assert str(info.value).startswith(
        "missing values in 7 rows: row 2 (income), 5 (income, city), 6 (income), "
        "9 (income), 21 (income) and 2 more")
    model = TabularModel().fit(frame, "y", drop_missing=True)
    assert model.n_dropped_ == 7
    ref = TabularModel().fit(frame.dropna(), "y")
    assert np.array_equal(model.estimator.coef_, ref.estimator.coef_)


def test_identifier_like_text_column_is_refused(frame):
    frame["id"] = [f"cust{i}" for i in range(len(frame))]
    with pytest.raises(DataError, match="'id' has 40 distinct text values"):
        TablePreprocessor(target="y", max_categories=20).fit(frame)


def test_date_or_id_column_with_few_rows_is_refused(frame):
    """Fewer distinct values than max_categories but one for (nearly) every row (dates,
    identifiers): refused naming the column, not one-hot encoded into a column per row;
    a real category stays, even with many levels on few rows (11 states in 20 rows, 3
    cities in 40), and so does a table under ID_MIN_ROWS rows."""
    for values in ([str(d.date()) for d in pd.date_range("2026-01-01", periods=40)],
                   [f"id{i}" for i in range(38)] + ["id0", "id1"]):
        bad = frame.assign(when=values)
        with pytest.raises(DataError, match=r"'when' has \d+ distinct text values in 40 rows"):
            TablePreprocessor(target="y").fit(bad)
    assert "city=Oslo" in TablePreprocessor(target="y").fit(frame).feature_names_out_
    states = np.array(list("ABCDEFGHIJK"))[np.r_[np.arange(11), np.arange(9)]]
    twenty = frame.head(20).assign(state=[f"S{c}" for c in states])
    assert "state=SK" in TablePreprocessor(target="y").fit(twenty).feature_names_out_
    small = frame.head(9).assign(tag=[f"t{i}" for i in range(9)])
    assert len(TablePreprocessor(target="y").fit(small).feature_names_out_) > 8


def test_numeric_column_holding_text_at_predict_time(frame):
    model = TabularModel().fit(frame, "y")
    bad = frame.astype({"age": str})
    bad.loc[0, "age"] = "unknown"
    with pytest.raises(DataError, match="column 'age' was numeric when the model was fit"):
        model.predict(bad)
    # extra columns are fine when asked to ignore them; the target is always ignored
    extra = frame.assign(note="x")
    assert np.array_equal(model.predict(extra, ignore_extra=True), model.predict(frame))

"""Model files: exact round trips, and a loader that refuses every damaged file cleanly.

References: the saved model itself (predictions must be bit-identical after a round
trip, ``np.array_equal``), and the mutated document (a file the loader accepts must
describe exactly the model it returns).
"""

from __future__ import annotations

import copy
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logistic
from logistic import LogisticRegression
from logistic.files.model_file import ModelFileError, from_dict, load_tabular, parse, to_dict
from logistic.files.tabular import TabularModel

LABELS = {  # label columns of a DataFrame
    "int": np.array([3, 7]),
    "str": np.array(["no", "yes"], dtype=object),
    "bool": np.array([False, True]),
}


def _frame(rng, n, d_num, n_cat):
    """A DataFrame with d_num numeric and n_cat text columns, and a logistic label."""
    cols = {f"x{j}": rng.normal(size=n) * rng.uniform(0.5, 5) + rng.normal() for j in range(d_num)}
    for j in range(n_cat):
        cols[f"c{j}"] = rng.choice(["red", "green", "blue", "ünïcode"][: 2 + j % 3], size=n)
    df = pd.DataFrame(cols)
    z = df[[f"x{j}" for j in range(d_num)]].to_numpy().sum(axis=1) * 0.3 + rng.normal(size=n)
    return df, z > np.median(z)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    d_num=st.integers(0, 4),
    n_cat=st.integers(0, 2),
    labels=st.sampled_from(sorted(LABELS)),
    fit_intercept=st.booleans(),
    standardize=st.booleans(),
    penalty=st.sampled_from(["l2", None]),
)
def test_round_trip_is_bit_identical(tmp_path_factory, seed, d_num, n_cat, labels,
                                     fit_intercept, standardize, penalty):
    if d_num + n_cat == 0:
        d_num = 1
    rng = np.random.default_rng(seed)
    df, y01 = _frame(rng, 60, d_num, n_cat)
    y = LABELS[labels][y01.astype(int)]
    est = LogisticRegression(penalty=penalty, C=float(rng.uniform(0.1, 10)),
                             fit_intercept=fit_intercept)
    df["target"] = y
    with warnings.catch_warnings():  # separable draws warn with penalty=None; not tested here
        warnings.simplefilter("ignore")
        model = TabularModel(est, standardize=standardize).fit(df, "target")
    path = tmp_path_factory.mktemp("rt") / "model.json"
    logistic.save(model, path)

    loaded = logistic.load(path)
    assert isinstance(loaded, LogisticRegression)
    X = model.transform(df)
    for method in ("decision_function", "predict_proba", "predict_log_proba"):
        assert np.array_equal(getattr(loaded, method)(X), getattr(est, method)(X))
    assert np.array_equal(loaded.predict(X), est.predict(X))
    assert loaded.classes_.dtype == est.classes_.dtype
    assert loaded.classes_.tolist() == est.classes_.tolist()
    assert np.array_equal(loaded.coef_, est.coef_) and np.array_equal(loaded.intercept_,
                                                                      est.intercept_)
    assert list(loaded.feature_names_in_) == list(est.feature_names_in_)
    assert (loaded.solver_, loaded.converged_, loaded.n_iter_[0], loaded.objective_) == (
        est.solver_, est.converged_, est.n_iter_[0], est.objective_)
    assert loaded.get_params() == est.get_params()

    # the pipeline read back encodes the frame to the same bits and predicts the same
    tab = load_tabular(path)
    assert np.array_equal(tab.transform(df).to_numpy(), X.to_numpy())
    assert np.array_equal(tab.predict_proba(df), model.predict_proba(df))
    # saving what was loaded writes the same file
    path2 = path.with_name("again.json")
    logistic.save(loaded, path2)
    assert path2.read_text() == path.read_text()


@pytest.mark.parametrize("labels", [
    np.array([0, 1]), np.array([0.0, 1.0]), np.array([-1, 1], dtype=np.int8),
    np.array(["a", "bb"]),  # fixed-width <U2 labels keep their dtype
    np.array([False, True]),
], ids=["int", "float", "int8", "unicode", "bool"])
def test_plain_estimator_on_arrays_round_trips(tmp_path, labels):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = labels[(X @ [1.0, -2.0, 0.5] + rng.normal(size=80) > 0).astype(int)]
    est = LogisticRegression(C=0.3, solver="lbfgs").fit(X, y)
    logistic.save(est, tmp_path / "m.json")
    loaded = logistic.load(tmp_path / "m.json")
    assert not hasattr(loaded, "feature_names_in_")
    assert np.array_equal(loaded.decision_function(X), est.decision_function(X))
    assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert loaded.classes_.dtype == labels.dtype and loaded.predict(X).dtype == labels.dtype
    assert np.array_equal(loaded.predict(X), est.predict(X))
    # the exact doubles survive: every coefficient reads back to the same bits
    doc = json.loads((tmp_path / "m.json").read_text())
    assert [float.hex(v) for v in doc["coef"][0]] == [float.hex(v) for v in est.coef_[0]]


def test_save_refuses_unfitted_and_non_finite(tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        logistic.save(LogisticRegression(), tmp_path / "m.json")
    est = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1])
    est.coef_[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        logistic.save(est, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


# --------------------------------------------------------------------- damaged files
@pytest.fixture(scope="module")
def good_doc():
    rng = np.random.default_rng(1)
    df, y01 = _frame(rng, 50, 2, 2)
    df["label"] = np.array(["no", "yes"], dtype=object)[y01.astype(int)]
    model = TabularModel(LogisticRegression(C=2.0), standardize=True).fit(df, "label")
    return to_dict(model), df


def _load_text(tmp_path, text: str | bytes):
    path = tmp_path / "model.json"
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return logistic.load(path)


def _mutated(doc, edit):
    doc = copy.deepcopy(doc)
    edit(doc)
    return json.dumps(doc)


CASES = [
    ("truncated", lambda d: json.dumps(d)[:200], "truncated"),
    ("empty", lambda d: "", "empty"),
    ("not json", lambda d: "coef = [1, 2]", "not valid JSON"),
    ("schema v3", lambda d: _mutated(d, lambda x: x.update(schema_version=3)),
     "schema version 3 is not supported"),
    ("other format", lambda d: _mutated(d, lambda x: x.update(format="pickle")),
     "not a logistic model file"),
    ("extra key", lambda d: _mutated(d, lambda x: x.update(__reduce__="os.system")),
     "unknown key '__reduce__'"),
    ("extra nested key", lambda d: _mutated(d, lambda x: x["fit"].update(cmd="rm")),
     "fit has an unknown key 'cmd'"),
    ("missing key", lambda d: _mutated(d, lambda x: x.pop("intercept")),
     "lacks the key 'intercept'"),
    ("short coef", lambda d: _mutated(d, lambda x: x["coef"][0].pop()),
     r"coef\[0\] must have 5 entries, got 4"),
    ("two coef rows", lambda d: _mutated(d, lambda x: x["coef"].append(x["coef"][0])),
     "coef must have 1 entries"),
    ("NaN coef", lambda d: json.dumps(d).replace(repr(d["coef"][0][1]), "NaN", 1),
     "contains NaN"),
    ("inf coef", lambda d: json.dumps(d).replace(repr(d["coef"][0][1]), "1e999", 1),
     r"coef\[0\]\[1\] must be finite"),
    ("string coef", lambda d: _mutated(d, lambda x: x["coef"][0].__setitem__(0, "0.5")),
     r"coef\[0\]\[0\] must be a number, got a string"),
    ("bool intercept", lambda d: _mutated(d, lambda x: x.update(intercept=[True])),
     r"intercept\[0\] must be a number, got a boolean"),
    ("three classes, one row", lambda d: _mutated(
        d, lambda x: x["classes"]["values"].append("zzz")), "coef must have 3 entries"),
    ("unsorted classes", lambda d: _mutated(
        d, lambda x: x["classes"].update(values=["yes", "no"])), "sorted order"),
    ("bad label dtype", lambda d: _mutated(
        d, lambda x: x["classes"].update(dtype="V8")), "not a label type"),
    ("negative scale", lambda d: _mutated(
        d, lambda x: x["preprocessing"]["columns"][0].update(scale=-1.0)),
     r"preprocessing.columns\[0\].scale must be positive"),
    ("names vs preprocessing", lambda d: _mutated(
        d, lambda x: x["feature_names_in"].__setitem__(0, "other")), "does not match"),
    ("duplicate key", lambda d: json.dumps(d)[:-1] + ', "coef": [[1.0]]}', "repeats the key"),
    ("not utf-8", lambda d: b"\xff\xfe" + json.dumps(d).encode("utf-16-le"), "not UTF-8"),
    ("top-level list", lambda d: json.dumps([d]), "must be a JSON object"),
]


@pytest.mark.parametrize("make,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_damaged_file_is_refused_with_a_named_problem(tmp_path, good_doc, make, message):
    with pytest.raises(ModelFileError, match=message) as info:
        _load_text(tmp_path, make(good_doc[0]))
    text = str(info.value)
    assert text.startswith(str(tmp_path / "model.json") + ": ")
    assert "\n" not in text


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        logistic.load(tmp_path / "nope.json")


# ------------------------------------------------------------- hypothesis: mutations
_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                  st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5),
                  st.just([]), st.just({}), st.just([1.0, 2.0]), st.just({"a": 1}))


def _paths(node, prefix=()):
    """Every (container, key) position in a JSON document."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        yield prefix + (k,)
        if isinstance(v, dict | list) and v:
            yield from _paths(v, prefix + (k,))


def _at(doc, path):
    for k in path:
        doc = doc[k]
    return doc


@st.composite
def mutated_files(draw, base):
    doc = copy.deepcopy(base)
    kind = draw(st.sampled_from(["drop", "retype", "extra", "shape", "truncate", "bytes",
                                 "nan", "two"]))
    paths = list(_paths(doc))
    if kind in ("drop", "retype", "extra", "shape", "two"):
        for _ in range(2 if kind == "two" else 1):
            paths = list(_paths(doc))
            path = draw(st.sampled_from(paths))
            parent, key = _at(doc, path[:-1]), path[-1]
            action = kind if kind != "two" else draw(st.sampled_from(["drop", "retype", "extra"]))
            if action == "drop":
                del parent[key]
            elif action == "retype":
                parent[key] = draw(_JUNK)
            elif action == "extra":
                target = parent if isinstance(parent, dict) else doc
                target[draw(st.text(min_size=1, max_size=6))] = draw(_JUNK)
            elif isinstance(parent[key], list):
                lst = parent[key]
                if lst and draw(st.booleans()):
                    lst.pop(draw(st.integers(0, len(lst) - 1)))
                else:
                    lst.append(draw(_JUNK))
            else:
                parent[key] = [parent[key]]
        return json.dumps(doc).encode()
    text = json.dumps(doc).encode()
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if kind == "nan":
        numbers = [p for p in paths if isinstance(_at(doc, p), float)]
        path = draw(st.sampled_from(numbers))
        _at(doc, path[:-1])[path[-1]] = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
        return json.dumps(doc).encode()
    flips = draw(st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(0, 255)),
                          min_size=1, max_size=4))
    data = bytearray(text)
    for pos, byte in flips:
        data[pos] = byte
    return bytes(data)


def test_mutated_files_give_a_clean_error_or_the_model_they_describe(good_doc, tmp_path):
    base, df = good_doc
    path = tmp_path / "model.json"
    outcomes = {"refused": 0, "loaded": 0}

    @settings(max_examples=400, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(mutated_files(base))
    def check(raw):
        path.write_bytes(raw)
        try:
            model = logistic.load(path)
        except ModelFileError as exc:  # any other exception type fails the test
            message = str(exc)
            assert message.startswith(f"{path}: ") and "\n" not in message
            outcomes["refused"] += 1
            return
        outcomes["loaded"] += 1
        # accepted: the model is exactly what the file says, and it predicts finitely
        described = parse(raw)
        described["logistic_version"] = logistic.__version__  # the writer's, informational
        assert to_dict(model) == described
        X = pd.DataFrame(np.random.default_rng(0).normal(size=(5, model.n_features_in_)),
                         columns=getattr(model, "feature_names_in_", None))
        assert np.all(np.isfinite(model.decision_function(X)))
        assert set(model.predict(X).tolist()) <= set(model.classes_.tolist())

    check()
    assert outcomes["refused"] > 100  # most damage is caught...
    assert outcomes["loaded"] > 0     # ...and harmless edits (a flipped digit) are not


def test_from_dict_on_the_good_document(good_doc):
    base, df = good_doc
    model = from_dict(copy.deepcopy(base))
    assert model.classes_.tolist() == ["no", "yes"]
    assert model.preprocessor_.feature_names_out_ == base["feature_names_in"]


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    """Saving into a folder that does not exist raised FileNotFoundError naming the
    temporary file (".u.json.awymtxpl.tmp"); the error now names the folder."""
    X = np.random.default_rng(0).standard_normal((50, 2))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    target = tmp_path / "nope" / "u.json"
    with pytest.raises(FileNotFoundError, match="no such folder") as err:
        logistic.save(model, target)
    assert ".tmp" not in str(err.value)


def test_a_damaged_information_matrix_is_refused(tmp_path):
    """A model file whose stored information matrix was negated loaded, and its summary
    blamed linearly dependent features; it is refused at load, naming the entry."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    model = LogisticRegression().fit(X, (X[:, 0] + rng.standard_normal(200) > 0).astype(int))
    doc = to_dict(model)
    doc["inference"]["information"] = (-np.asarray(doc["inference"]["information"])).tolist()
    with pytest.raises(ValueError, match="inference.information is not positive semidefinite"):
        from_dict(doc)
    from_dict(to_dict(model))  # the undamaged file loads

"""Model files for every model the estimator fits (issue #18 item 1): every parameter
combination round-trips bit for bit; the schema's parameters are the estimator's."""

from __future__ import annotations

import itertools
import json
import os
import warnings

import numpy as np
import pytest

import logistic
from logistic import LogisticRegression
from logistic.files import model_file


def test_schema_parameters_are_the_estimators():
    assert set(model_file._param_checks()) == set(LogisticRegression().get_params())


def _data(k, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((120, 3)) * [1.0, 10.0, 0.1]
    z = X @ [1.0, -0.1, 5.0]
    y = np.digitize(z + rng.logistic(size=120), [-1.0, 1.0]) if k == 3 else (
        (z + rng.logistic(size=120) > 0).astype(int))
    return X, np.array(["a", "b", "c"])[y]


PENALTIES = [
    {"penalty": None}, {"C": 0.5}, {"C": np.inf}, {"l1_ratio": 1.0, "C": 0.3},
    {"l1_ratio": 0.5, "C": 0.3}, {"penalty": "firth"}, {"penalty": "l1", "C": 0.3},
]
OTHERS = [
    {}, {"fit_intercept": False}, {"class_weight": "balanced"},
    {"class_weight": {"a": 2.0, "b": 1.0}}, {"multi_class": "ovr"}, {"solver": "lbfgs"},
    {"inference": False}, {"random_state": 3, "tol": 1e-8, "max_iter": 500},
]


@pytest.mark.parametrize(("k", "pen", "other"), [
    (k, p, o) for k, p, o in itertools.product((2, 3), PENALTIES, OTHERS)
    if not (p.get("penalty") == "firth" and (k == 3 or o.get("solver")))
    and not (o.get("solver") == "lbfgs" and ("l1_ratio" in p or p.get("penalty") == "l1"))
])
def test_every_model_round_trips_bit_for_bit(tmp_path, k, pen, other):
    X, y = _data(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation/convergence warnings are not the point
        model = LogisticRegression(**pen, **other).fit(X, y)
    path = tmp_path / "m.json"
    logistic.save(model, path)
    loaded = logistic.load(path)
    assert model_file.to_dict(loaded) == json.loads(path.read_text())
    assert loaded.get_params() == model.get_params() or pen.get("C") == np.inf
    assert np.array_equal(loaded.decision_function(X), model.decision_function(X))
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.n_iter_.tolist() == model.n_iter_.tolist()
    assert loaded.multi_class_ == model.multi_class_ and loaded.penalty_ == model.penalty_
    if getattr(model, "inference_", None) is not None:
        assert str(loaded.summary()) == str(model.summary())
    assert [f for f in os.listdir(tmp_path) if f != "m.json"] == []  # no temporary left


def test_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    X, y = _data(2)
    model = LogisticRegression().fit(X, y)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model_file.os, "replace", full_disk)
    with pytest.raises(OSError):
        logistic.save(model, tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def test_concurrent_saves_use_distinct_temporary_names(tmp_path):
    X, y = _data(2)
    a, b = LogisticRegression(C=0.1).fit(X, y), LogisticRegression(C=10.0).fit(X, y)
    import threading

    threads = [threading.Thread(target=logistic.save, args=(m, tmp_path / "m.json"))
               for m in (a, b) * 5]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = logistic.load(tmp_path / "m.json")  # one of the two, whole
    assert loaded.C in (0.1, 10.0) and os.listdir(tmp_path) == ["m.json"]


def test_cv_parameters_are_the_estimators():
    from logistic import LogisticRegressionCV

    assert set(model_file._cv_param_checks()) == set(LogisticRegressionCV().get_params())


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("params", [
    {}, {"l1_ratios": [0.2, 0.8]}, {"use_legacy_attributes": False}, {"refit": False},
    {"Cs": [0.1, 1.0], "class_weight": "balanced", "fit_intercept": False},
])
def test_cross_validated_models_round_trip(tmp_path, k, params):
    from logistic import LogisticRegressionCV

    X, y = _data(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegressionCV(Cs=params.pop("Cs", 3), cv=3, **params).fit(X, y)
    path = tmp_path / "cv.json"
    logistic.save(model, path)
    loaded = logistic.load(path)
    assert type(loaded) is LogisticRegressionCV
    assert model_file.to_dict(loaded) == json.loads(path.read_text())
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(np.asarray(loaded.C_), np.asarray(model.C_))
    scores = model.scores_
    got = loaded.scores_
    if isinstance(scores, dict):
        assert all(np.array_equal(got[c], v) for c, v in scores.items())
    else:
        assert np.array_equal(got, scores)
    assert np.array_equal(loaded.n_iter_, model.n_iter_)


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("quasi", [False, True])
def test_separated_multinomial_fit_round_trips(tmp_path, k, quasi):
    """A multinomial separation names one direction per column (then the intercept);
    the loader expected one per parameter, so such a file was written and then
    refused by every command (found by an audit)."""
    rng = np.random.default_rng(k)
    n = 40 * k
    y = rng.integers(0, k, n)
    d = (y == k - 1) * (rng.random(n) < 0.5 if quasi else 1.0)
    X = np.column_stack([rng.normal(size=n), d])
    with pytest.warns(logistic.SeparationWarning):
        model = LogisticRegression(penalty=None).fit(X, y)
    path = tmp_path / "m.json"
    logistic.save(model, path)
    back = logistic.load(path)
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))
    assert str(back.summary()) == str(model.summary())


@pytest.mark.parametrize("k", [2, 3])
def test_why_no_inference_was_kept_survives_the_file(tmp_path, k):
    """A fit that kept no inference numbers for a reason (squares of a column's values
    overflow float64) says that reason after a round trip through a file too; it said
    that inference='auto' skips large L2 fits (and a multinomial fit kept infinite
    information, which no file could hold: save failed). A file without the entry
    loads as before, and a wrong type is refused naming the entry."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    X[:, 1] *= 1e300
    y = rng.integers(0, k, 200)
    model = LogisticRegression(penalty=None).fit(X, y)
    assert "overflow" in model.inference_skipped_
    path = tmp_path / "m.json"
    logistic.save(model, path)
    loaded = logistic.load(path)
    with pytest.raises(ValueError, match="No inference numbers: column 1 of X .* overflow"):
        loaded.summary()
    doc = json.loads(path.read_text())
    doc["fit"]["inference_skipped"] = 3
    with pytest.raises(ValueError, match="fit.inference_skipped must be a string"):
        model_file.from_dict(doc)
    del doc["fit"]["inference_skipped"]
    assert not hasattr(model_file.from_dict(doc), "inference_skipped_")


def test_why_no_inference_names_the_column_and_the_cli_says_it_once(tmp_path):
    """With feature names the reason names the column (it gave its index), and the
    CLI summary prints it without a doubled prefix."""
    import pandas as pd
    from typer.testing import CliRunner

    from logistic.cli import app

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=200), "huge": rng.normal(size=200) * 1e300,
                       "y": rng.integers(0, 2, 200)})
    model = LogisticRegression().fit(df[["a", "huge"]], df.y)
    assert model.inference_skipped_.startswith("column 'huge' has values up to")
    df.to_csv(tmp_path / "d.csv", index=False)
    runner = CliRunner()
    assert runner.invoke(app, ["fit", str(tmp_path / "d.csv"), "-t", "y", "-o",
                               str(tmp_path / "m.json")]).exit_code == 0
    r = runner.invoke(app, ["summary", str(tmp_path / "m.json")])
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert "No inference numbers: column 'huge' has values" in text
    assert "no standard errors: No inference" not in text

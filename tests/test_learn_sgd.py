"""``logistic learn --batch-size B``: mini-batch SGD beside batch gradient descent.

References: the package's own ``LogisticRegression(solver="sgd")`` and ``solver="gd"``
fitted directly (the recorded path must be the very same run), scikit-learn's
``log_loss`` for the loss at each step, PIL for the written GIF.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn import metrics  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from logistic import LogisticRegression  # noqa: E402
from logistic.pictures.learn import load_learning_data, sgd_path  # noqa: E402

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(penalty=None, tol=1e-15, record_coef=True, **params).fit(X, y)


def _sgd_model(X, y, B, eta, epochs, seed):
    return _fit(X, y, solver="sgd", batch_size=B, learning_rate=eta, average=False,
                max_iter=epochs, random_state=seed)


@pytest.mark.parametrize("name,B,eta,seed", [
    ("discount", 7, 0.5, 0),     # n = 36: 6 steps per epoch, the last batch of 1 row
    ("discount", 1, 0.1, 3),     # one row per step
    ("discount", 35, 2.0, 1),    # n − 1: a full batch and a batch of one
    ("blobs", 32, 1.0, 0),
    ("blobs", 3, 0.05, 7),
])
def test_recorded_path_is_the_estimators_sgd_run(name, B, eta, seed):
    d = load_learning_data(name)
    X, y, n = d.X, d.y, d.X.shape[0]
    epochs = 4
    path = sgd_path(X, y, batch_size=B, learning_rate=eta, epochs=epochs, random_state=seed)
    per = -(-n // B)
    assert path.steps_per_epoch == per and path.batch_size == B
    assert path.coef.shape == (epochs * per + 1, X.shape[1])
    assert path.batch_loss.size == epochs * per
    np.testing.assert_array_equal(path.epochs[::per], np.arange(epochs + 1))
    model = _sgd_model(X, y, B, eta, epochs, seed)
    # the model keeps the end of each epoch: the path's rows every `per` steps
    np.testing.assert_allclose(model.coef_path_, path.coef[::per], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.intercept_path_, path.intercept[::per], rtol=1e-10,
                               atol=1e-14)
    # and returns the epoch of lowest loss (the last one when the loss kept falling)
    best = per * int(np.argmin(path.loss[::per]))
    np.testing.assert_allclose(model.coef_[0], path.coef[best], rtol=1e-10)
    assert model.intercept_[0] == pytest.approx(path.intercept[best], rel=1e-10, abs=1e-14)
    # the loss at each step is scikit-learn's log-loss there
    for t in (0, 1, per, path.loss.size - 1):
        p = 1 / (1 + np.exp(-(X @ path.coef[t] + path.intercept[t])))
        assert path.loss[t] == pytest.approx(metrics.log_loss(y, p), rel=1e-12)
    assert path.batch_loss[0] == pytest.approx(np.log(2), rel=1e-14)  # σ(0) = ½ in any batch
    # another seed, another shuffle
    other = sgd_path(X, y, batch_size=B, learning_rate=eta, epochs=1, random_state=seed + 1)
    if B < n - 1:
        assert not np.allclose(other.coef[1:], path.coef[1 : per + 1])


def test_final_point_is_the_estimators_coef_when_the_loss_keeps_falling():
    d = load_learning_data("discount")
    path = sgd_path(d.X, d.y, batch_size=5, learning_rate=0.2, epochs=6, random_state=0)
    assert np.all(np.diff(path.loss[:: path.steps_per_epoch]) < 0)
    model = _sgd_model(d.X, d.y, 5, 0.2, 6, 0)
    np.testing.assert_allclose(model.coef_[0], path.coef[-1], rtol=1e-10)
    assert model.intercept_[0] == pytest.approx(path.intercept[-1], rel=1e-10)


@pytest.mark.parametrize("name,factor,eta", [("discount", 1, 0.7), ("discount", 10, 3.0),
                                             ("blobs", 1, 1.0)])
def test_full_batch_sgd_is_gradient_descent(name, factor, eta):
    d = load_learning_data(name)
    X, y, n = d.X, d.y, d.X.shape[0]
    path = sgd_path(X, y, batch_size=factor * n, learning_rate=eta, epochs=8, random_state=5)
    gd = _fit(X, y, solver="gd", learning_rate=eta, max_iter=8)
    assert path.batch_size == n and path.steps_per_epoch == 1
    assert gd.coef_path_.shape[0] == path.coef.shape[0] == 9
    np.testing.assert_allclose(path.coef, gd.coef_path_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(path.intercept, gd.intercept_path_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(path.batch_loss, path.loss[:-1], rtol=1e-12)  # the batch is all
    np.testing.assert_allclose(path.loss, gd.history_["objective"][:9] / n, rtol=1e-12)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_sgd_path_rejects_bad_batch_sizes(bad):
    d = load_learning_data("discount")
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        sgd_path(d.X, d.y, batch_size=bad, learning_rate=0.5, epochs=1)


def test_learn_cli_with_batch_size(tmp_path):
    out = tmp_path / "learn-sgd"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, "-m", "logistic", "learn", "--data", "discount", "--iterations", "5",
         "--learning-rate", "0.5", "--batch-size", "8", "--seed", "2", "--frames", "4",
         "--steps", "1", "--out", str(out)], capture_output=True, text=True, env=env,
        timeout=300)
    assert res.returncode == 0, res.stderr
    text = res.stdout
    d = load_learning_data("discount")
    path = sgd_path(d.X, d.y, batch_size=8, learning_rate=0.5, epochs=5, random_state=2)
    for needle in ("Mini-batch SGD", "B = 8 rows", "5 steps per epoch", "η = 0.5 for both",
                   "epoch   GD loss   SGD loss", f"{path.loss[-1]:.5f}",
                   f"b = {path.intercept[-1]:.4f}"):
        assert needle in text, needle
    with Image.open(out / "sgd-vs-gd.gif") as im:
        assert im.n_frames == 4 and im.size == (1120, 352)  # 14 × 4.4 inches at 80 dpi
    assert (out / "learning-rates.png").exists() and (out / "boundary.png").exists()
    assert not (out / "training.gif").exists()


@pytest.mark.parametrize("value", ["0", "-2"])
def test_learn_cli_nonpositive_batch_size_is_one_line_exit_2(tmp_path, value):
    from typer.testing import CliRunner

    from logistic.cli import app

    res = CliRunner().invoke(app, ["learn", "--batch-size", value, "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert res.stderr.strip() == ("logistic learn: error: --batch-size must be a positive "
                                  f"number of rows, got {value}.")
    assert "Traceback" not in res.output and not any(tmp_path.iterdir())


@pytest.mark.parametrize("value", ["2.5", "many"])
def test_learn_cli_non_integer_batch_size_is_one_line_exit_2(monkeypatch, capsys, value):
    from logistic.cli import main

    monkeypatch.setattr(sys, "argv", ["logistic", "learn", "--batch-size", value])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    assert "'--batch-size'" in err and "integer" in err

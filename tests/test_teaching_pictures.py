"""The teaching pictures of ``logistic learn`` (issue #18 item 4).

The learning-rate panel centres on the user's rate and shares its loss axis; its
legends name only what is drawn; the GIF shows progress and holds its last frame;
the explained iterations are numbered as the loss table numbers its rows.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from logistic import LogisticRegression  # noqa: E402
from logistic.pictures import plots  # noqa: E402
from logistic.pictures.learn import (  # noqa: E402
    explain_steps,
    learning_rates_around,
    load_learning_data,
)

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402


@pytest.fixture(scope="module")
def blobs():
    d = load_learning_data("blobs")
    return d.X, d.y


def _gd(X, y, eta, n_iter, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(solver="gd", penalty=None, learning_rate=eta, max_iter=n_iter,
                                  tol=1e-15, record_coef=True, **kw).fit(X, y)


def _drawn_in_view(line: Line2D) -> bool:
    """A line shows something: finite points, some of them (or its segment) in view."""
    xy = np.asarray(line.get_xydata(), dtype=float)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if not line.get_visible() or xy.size == 0:
        return False
    ax = line.axes
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    t = np.linspace(0, 1, 200)[:, None]
    pts = xy if len(xy) == 1 else np.concatenate(
        [a * (1 - t) + b * t for a, b in zip(xy[:-1], xy[1:], strict=True)])
    return bool(np.any((pts[:, 0] >= x0) & (pts[:, 0] <= x1)
                       & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)))


def _assert_legends_name_drawn_lines(axes):
    for ax in np.ravel(axes):
        legend = ax.get_legend()
        if legend is None:
            continue
        names = [t.get_text() for t in legend.get_texts()]
        for name in names:
            lines = [ln for ln in ax.get_lines() if ln.get_label() == name]
            others = [c for c in ax.collections if c.get_label() == name]
            assert lines or others, f"legend names {name!r}, which is not an artist"
            if lines:
                assert any(_drawn_in_view(ln) for ln in lines), f"{name!r} is not drawn"


# ----------------------------------------------------------------- learning rates
def test_rates_around_the_users_rate(blobs):
    X, _ = blobs
    small, good, large = learning_rates_around(0.5, X)
    assert good == 0.5 and small == pytest.approx(0.05, rel=1e-15)
    _, one_over_L, _ = plots.default_learning_rates(X)
    assert large == pytest.approx(max(5.0, 20 * one_over_L), rel=1e-15)
    assert learning_rates_around(100.0, X)[2] == 1000.0  # ten times a rate that is large
    with pytest.raises(ValueError):
        learning_rates_around(0.0, X)


def test_panel_good_rate_is_the_users_and_loss_axes_are_shared(blobs):
    X, y = blobs
    axes = plots.learning_rate_panel(X, y, n_iter=20, learning_rate=0.5)
    rates = learning_rates_around(0.5, X)
    titles = [axes[0, j].get_title() for j in range(3)]
    assert titles[1] == "η = 0.5 (good)"
    assert titles == [f"η = {r:.3g} ({lab})" for r, lab in
                      zip(rates, ["too small", "good", "too large"], strict=True)]
    # the good panel draws the user's run exactly
    ref = _gd(X, y, 0.5, 20).history_["objective"] / len(y)
    np.testing.assert_allclose(axes[0, 1].get_lines()[0].get_ydata(), ref, rtol=1e-13)
    for j in (1, 2):
        assert axes[0, 0].get_shared_y_axes().joined(axes[0, 0], axes[0, j])
        assert axes[0, j].get_ylim() == axes[0, 0].get_ylim()
    lo, hi = axes[0, 0].get_ylim()
    for j in range(3):  # every run's loss lies inside the shared range
        f = axes[0, j].get_lines()[0].get_ydata()
        assert lo <= f.min() and f.max() <= hi
    # the boundaries are not shared (different features, not a loss)
    assert not axes[1, 0].get_shared_y_axes().joined(axes[1, 0], axes[0, 0])
    _assert_legends_name_drawn_lines(axes)


def test_panel_draws_only_the_iterations_of_a_climbing_run(blobs):
    X, y = blobs
    axes = plots.learning_rate_panel(X, y, n_iter=30)  # default rates: 20/L climbs
    for j in range(3):
        assert axes[0, j].get_lines()[0].get_ydata().size == 31


def test_legend_leaves_out_a_boundary_outside_the_picture():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 2))
    y = (np.arange(100) < 8).astype(int)  # 8% positives, unrelated to X
    # a vanishing slope and b ≈ logit(0.08): the boundary lies far outside the box
    axes = plots.learning_rate_panel(X, y, rates=(0.5, 1.0, 2.0), n_iter=40,
                                     penalty="l2", C=1e-9)
    for j in range(3):
        legend = axes[1, j].get_legend()
        names = [t.get_text() for t in legend.get_texts()] if legend is not None else []
        assert "boundary w·x + b = 0" not in names
        assert {"class 0", "class 1"} <= set(names)
    _assert_legends_name_drawn_lines(axes)


# ---------------------------------------------------------------------- the GIF
def _durations(path):
    with Image.open(path) as im:
        out = []
        for i in range(im.n_frames):
            im.seek(i)
            out.append(im.info.get("duration"))
        return out


def test_gif_holds_its_last_frame(tmp_path, blobs):
    X, y = blobs
    model = _gd(X, y, 1.0, 5)
    (gif,) = plots.animate_training(model, X, y, tmp_path / "t.gif", mp4=False, dpi=30, fps=8)
    durations = _durations(gif)
    assert len(durations) == model.coef_path_.shape[0] == 6  # one frame per iterate
    assert all(d == pytest.approx(125, abs=10) for d in durations[:-1])
    assert durations[-1] >= 950  # held about a second
    (gif,) = plots.animate_training(model, X, y, tmp_path / "h.gif", mp4=False, dpi=30,
                                    fps=10, hold=2.0)
    assert _durations(gif)[-1] == pytest.approx(2000, abs=20)


def test_gif_writing_reports_progress(tmp_path, blobs, capsys):
    X, y = blobs
    model = _gd(X, y, 1.0, 30)
    plots.animate_training(model, X, y, tmp_path / "p.gif", mp4=False, dpi=30, progress=True)
    err = capsys.readouterr().err
    lines = re.findall(r"writing p\.gif: frame (\d+)/(\d+)", err)
    assert 3 <= len(lines) <= 15
    assert lines[-1][0] == lines[-1][1]  # the last line says it is done
    plots.animate_training(model, X, y, tmp_path / "q.gif", mp4=False, dpi=30, progress=False)
    assert "writing" not in capsys.readouterr().err


# ------------------------------------------------------------------- numbering
def test_explained_iterations_use_the_loss_tables_numbers(blobs):
    X, y = blobs
    model = _gd(X, y, 0.8, 6)
    table = model.history_["objective"] / len(y)  # the loss table's rows
    steps = explain_steps(model, X, y, n_steps=3)
    for s in steps:
        assert (s.row_before, s.row_after) == (s.k - 1, s.k)
        assert s.loss == pytest.approx(table[s.row_before], rel=1e-12)
        assert s.loss_new == pytest.approx(table[s.row_after], rel=1e-12)


def test_learn_cli_numbers_agree_with_its_table(tmp_path, capsys):
    from logistic.cli.learn import _learn

    _learn("discount", 0.5, 6, tmp_path, 3, 10)
    out = capsys.readouterr().out
    table = {int(k): float(v) for k, v in
             re.findall(r"^\s+(\d+)\s+([0-9.]+)\s+[0-9.]+\s*$", out, flags=re.M)}
    assert set(table) >= {0, 1, 2, 3, 6}
    blocks = re.split(r"(?=^Iteration \d+)", out, flags=re.M)[1:]
    assert len(blocks) == 3
    for k, block in enumerate(blocks, start=1):
        assert block.startswith(f"Iteration {k}   (row {k - 1} → row {k})")
        before = float(re.search(r"  loss L = ([0-9.]+)   \(row (\d+)", block).group(1))
        after = float(re.search(r"new loss L = ([0-9.]+)   \(row (\d+)", block).group(1))
        assert before == pytest.approx(table[k - 1], abs=1e-5)
        assert after == pytest.approx(table[k], abs=1e-5)

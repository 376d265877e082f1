"""Sample weights in the report and the plots: a row of integer weight w counts as w
repeated rows (the reference: the same functions on the repeated rows, scikit-learn's
metrics and calibration_curve), rows of weight 0 are not there, and the page says so."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402

from logistic import LogisticRegression, plots  # noqa: E402
from logistic.pictures import report as report_mod  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _data(seed: int, k: int, n: int = 240):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2)) * [1.0, 3.0] + [0.5, -2.0]
    if k == 2:
        y = np.where(X[:, 0] - 0.3 * X[:, 1] + rng.logistic(size=n) > 0, "yes", "no")
    else:
        y = np.array(["r", "g", "b"])[np.argmax(X @ rng.standard_normal((2, 3))
                                                + rng.gumbel(size=(n, 3)), axis=1)]
    w = rng.integers(0, 4, n).astype(float)  # zeros among them
    return X, y, w


def _repeated(X, y, w):
    idx = np.repeat(np.arange(len(w)), w.astype(int))
    return X[idx], y[idx]


def _lines(ax):
    return [np.asarray(line.get_xydata()) for line in ax.lines]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [2, 3])
def test_weighted_plots_and_scores_equal_repeated_rows(seed, k):
    X, y, w = _data(seed, k)
    model = LogisticRegression().fit(X, y, sample_weight=w)
    Xr, yr = _repeated(X, y, w)
    draws = [
        (plots.roc_curve, {}), (plots.roc_curves, {}), (plots.precision_recall_curve, {}),
        (plots.calibration_curve, {"n_bins": 6}),
    ]
    for draw, kw in draws:
        a = draw(model, X, y, plt.figure().subplots(), sample_weight=w, **kw)
        b = draw(model, Xr, yr, plt.figure().subplots(), **kw)
        got, want = _lines(a), _lines(b)
        assert len(got) == len(want), draw.__name__
        for g, r in zip(got, want, strict=True):
            np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12, err_msg=draw.__name__)
        assert [t.get_text() for t in a.get_legend().get_texts()] == [
            t.get_text() for t in b.get_legend().get_texts()], draw.__name__
    for cls in model.classes_:
        a = plots.probability_histogram(model, X, y, plt.figure().subplots(), cls=cls,
                                        sample_weight=w)
        b = plots.probability_histogram(model, Xr, yr, plt.figure().subplots(), cls=cls)
        np.testing.assert_allclose([p.get_path().vertices for p in a.patches],
                                   [p.get_path().vertices for p in b.patches])
        assert a.get_ylabel() == "total weight"
    a = plots.confusion_matrix(model, X, y, plt.figure().subplots(), sample_weight=w)
    b = plots.confusion_matrix(model, Xr, yr, plt.figure().subplots())
    np.testing.assert_array_equal(a.images[0].get_array(), b.images[0].get_array())
    got, want = report_mod._scores(model, X, y, w), report_mod._scores(model, Xr, yr)
    assert got.keys() == want.keys()
    for name in got:
        assert got[name] == pytest.approx(want[name], rel=1e-12, abs=1e-15), name


def test_weighted_calibration_bins():
    rng = np.random.default_rng(5)
    p = rng.uniform(size=500)
    y01 = (rng.uniform(size=500) < p).astype(int)
    s = rng.integers(1, 5, 500).astype(float)
    idx = np.repeat(np.arange(500), s.astype(int))
    for n_bins in (3, 7, 10):
        got = plots._calibration(y01, p, s, n_bins=n_bins, strategy="uniform")
        want = calibration_curve(y01[idx], p[idx], n_bins=n_bins, strategy="uniform")
        np.testing.assert_allclose(got, want, rtol=1e-12)
        # quantile bins hold equal shares of the weight (within the heaviest row)
        frac, mean = plots._calibration(y01, p, s, n_bins=n_bins, strategy="quantile")
        assert frac.size == n_bins and np.all(np.diff(mean) > 0)
        order = np.argsort(p)
        cum = np.cumsum(s[order])
        cuts = np.searchsorted(cum, np.arange(1, n_bins) * s.sum() / n_bins)
        assert np.all(np.abs(cum[cuts] - np.arange(1, n_bins) * s.sum() / n_bins) <= s.max())
    # unit weights are the unweighted curve's bins (uniform)
    np.testing.assert_allclose(
        plots._calibration(y01, p, np.ones(500), n_bins=5, strategy="uniform"),
        calibration_curve(y01, p, n_bins=5, strategy="uniform"))
    with pytest.raises(ValueError, match="strategy"):
        plots._calibration(y01, p, s, n_bins=5, strategy="kmeans")


def test_plots_refuse_bad_weights():
    X, y, w = _data(0, 2, n=60)
    model = LogisticRegression().fit(X, y)
    for bad, match in ((w[:-1], "entries"), (-w, "non-negative"), (w * np.nan, "finite"),
                       (0 * w, "not all zero")):
        with pytest.raises(ValueError, match=match):
            plots.roc_curve(model, X, y, sample_weight=bad)


def _section(page: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', page, re.S)
    assert m, f"section {sid} missing"
    return m.group(1)


def _tables(html: str) -> list[str]:
    return re.findall(r"<table.*?</table>", html, re.S)


@pytest.mark.parametrize("k", [2, 3])
def test_loaded_model_page_with_weights_equals_repeated_rows(tmp_path, k):
    from logistic.files.model_file import load_tabular, save
    from logistic.files.tabular import TabularModel

    X, y, w = _data(7, k)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y, "w": w})
    tab = TabularModel(LogisticRegression()).fit(df, "label", weights="w")
    save(tab, tmp_path / "m.json")
    tab = load_tabular(tmp_path / "m.json")
    weighted = report_mod.build_model_report(tab, df, "label", sample_weight=w,
                                             weights_name="w")
    idx = np.repeat(np.arange(len(w)), w.astype(int))
    repeated = report_mod.build_model_report(tab, df.iloc[idx].reset_index(drop=True),
                                             "label")
    for sid in ("metrics", "confusion-matrix"):
        got = _tables(_section(weighted, sid))
        want = _tables(_section(repeated, sid))
        if sid == "confusion-matrix":  # weighted cells are float sums: 3.0000 vs 3
            got = [re.sub(r"(\d+)\.0000<", r"\1<", t) for t in got]
        assert got == want, sid
        assert "weighs its sample weight from the column &#x27;w&#x27;" in _section(
            weighted, sid)
    summary = _section(weighted, "data-summary")
    assert f"total {w.sum():.6g}, {int(np.sum(w == 0))} rows of weight 0" in summary
    # without weights the page says that the fit's weights are not applied
    plain = report_mod.build_model_report(tab, df, "label")
    assert "weigh every row equally (--weights w weighs them)" in _section(plain, "metrics")


def test_report_fits_and_scores_with_weights(tmp_path):
    from typer.testing import CliRunner

    from logistic.cli import app

    X, y, w = _data(3, 2, n=400)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y, "w": w})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "r.html"
    fitted = []
    original = LogisticRegression.fit

    def spy(self, X, y, sample_weight=None):
        fitted.append(None if sample_weight is None else np.asarray(sample_weight))
        return original(self, X, y, sample_weight=sample_weight)

    mp = pytest.MonkeyPatch()
    mp.setattr(LogisticRegression, "fit", spy)
    try:
        r = CliRunner().invoke(app, ["report", str(path), "-t", "label", "--weights", "w",
                                     "--out", str(out)])
    finally:
        mp.undo()
    assert r.exit_code == 0, (r.stdout, r.stderr)
    # the training rows' weights reach the fit (a stratified quarter held out)
    assert len(fitted) == 1 and fitted[0].size == 300
    from sklearn.model_selection import train_test_split

    train = train_test_split(np.arange(400), test_size=0.25, stratify=y, random_state=0)[0]
    np.testing.assert_array_equal(fitted[0], w[train])
    page = out.read_text(encoding="utf-8")
    assert "weighted by &#x27;w&#x27;" in page  # the subtitle
    for sid in ("metrics", "roc-pr-calibration", "confusion-matrix"):
        assert "weighs its sample weight" in _section(page, sid)
    assert "Every point drawn the same size" in _section(page, "decision-boundary")
    # the weights column is no feature
    assert "<td>w</td>" not in _section(page, "coefficients")
    for args, message in (
        (["--weights", "nope"], "the weights column 'nope' is not in the data"),
        (["--weights", "label"], "the weights column 'label' is the target column"),
    ):
        r = CliRunner().invoke(app, ["report", str(path), "-t", "label", *args,
                                     "--out", str(out)])
        assert r.exit_code == 2 and r.stderr.startswith(f"error: {message}"), r.stderr
    r = CliRunner().invoke(app, ["report", "--dataset", "blobs", "--weights", "w",
                                 "--out", str(out)])
    assert r.exit_code == 2 and "--weights needs a DATA file" in r.stderr


def test_loaded_model_page_refuses_data_of_one_class(tmp_path):
    from logistic.files.model_file import load_tabular, save
    from logistic.files.tabular import TabularModel

    X, y, _ = _data(8, 3)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y})
    save(TabularModel(LogisticRegression()).fit(df, "label"), tmp_path / "m.json")
    one = df[df.label == "r"]
    with pytest.raises(ValueError, match="holds one class only"):
        report_mod.build_model_report(load_tabular(tmp_path / "m.json"), one, "label")


def test_report_drop_missing_equals_the_report_of_the_complete_rows(tmp_path):
    """``report --drop-missing`` (fitting, and with --model) leaves out the rows with a
    missing value and says how many; the pages' metrics equal those of the file without
    those rows. Without it, one line that names the first row and the option (the
    --model message named --drop-missing, which report did not have)."""
    from typer.testing import CliRunner

    from logistic.cli import app

    X, y, w = _data(5, 2, n=300)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y, "w": w})
    holes = df.copy()
    holes.loc[[3, 50, 120], "a"] = np.nan
    holes.loc[7, "label"] = np.nan
    full, part = tmp_path / "full.csv", tmp_path / "part.csv"
    holes.to_csv(full, index=False)
    holes.dropna().to_csv(part, index=False)
    model = tmp_path / "m.json"
    assert CliRunner().invoke(app, ["fit", str(part), "-t", "label", "-o", str(model)]
                              ).exit_code == 0
    for extra in ([], ["--model", str(model)]):
        r = CliRunner().invoke(app, ["report", str(full), "-t", "label", *extra,
                                     "--out", str(tmp_path / "x.html")])
        assert r.exit_code == 2 and "--drop-missing" in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1
        pages = []
        for data, more in ((full, ["--drop-missing"]), (part, [])):
            out = tmp_path / f"{data.stem}.html"
            r = CliRunner().invoke(app, ["report", str(data), "-t", "label", *extra, *more,
                                         "--out", str(out)])
            assert r.exit_code == 0, r.stderr
            pages.append(out.read_text(encoding="utf-8"))
        assert "4 rows with missing values left out" in pages[0]
        assert _tables(_section(pages[0], "metrics")) == _tables(_section(pages[1], "metrics"))

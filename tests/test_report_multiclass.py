"""``logistic report`` shows everything (issue #18 item 3): text columns, inference,
more than two classes, loaded models; the plot functions' ``label=`` and ``**kwargs``.

References: scikit-learn's metrics (roc_curve, confusion_matrix) and the package's
TablePreprocessor / summary() for the numbers the page must show.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import re  # noqa: E402
from pathlib import Path  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from sklearn import metrics  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.datasets import make_blobs as sk_blobs  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from logistic import LogisticRegression, plots  # noqa: E402
from logistic.datasets import make_blobs  # noqa: E402
from logistic.files.tabular import TablePreprocessor  # noqa: E402
from logistic.pictures import report as report_mod  # noqa: E402

CHURN = Path(__file__).resolve().parents[1] / "examples" / "churn.csv"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _section(page: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', page, re.S)
    assert m, f"section {sid} missing"
    return m.group(1)


def _cli(*args):
    from typer.testing import CliRunner

    from logistic.cli import app

    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def iris():
    data = load_iris(as_frame=True)
    names = np.asarray(data.target_names)
    return data.data, pd.Series(names[data.target], name="species")


@pytest.fixture(scope="module")
def iris_page(iris):
    X, y = iris
    return report_mod.build_report(X, y, source="iris", random_state=0)


# ------------------------------------------------------------------ text columns
def test_report_encodes_text_columns_as_fit_does(tmp_path):
    out = tmp_path / "churn.html"
    res = _cli("report", str(CHURN), "--target", "churned", "--out", str(out))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    coef = _section(page, "coefficients")
    for header in ("estimate", "95% CI low", "95% CI high", "std. error", "z", "p-value"):
        assert f"<th>{header}</th>" in coef, header
    assert "No inference available" not in coef
    # the plan column one-hot, reference "basic" (sorted first), as TablePreprocessor does
    assert "<td>plan=premium</td>" in coef and "<td>plan=standard</td>" in coef
    assert "plan=basic" not in coef
    assert "reference category &#x27;basic&#x27;" in _section(page, "data-summary")
    assert 'alt="coefficients"' in coef
    # the numbers are those of an independent fit on the same encoding
    X, y, _ = report_mod.load_frame(CHURN, "churned")
    assert not pd.api.types.is_numeric_dtype(X["plan"])  # text kept
    X_tr, _, y_tr, _ = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    pre = TablePreprocessor(standardize=True).fit(X_tr)
    model = LogisticRegression().fit(
        pd.DataFrame(pre.transform(X_tr), columns=pre.feature_names_out_), y_tr)
    s = model.summary()
    for name in ("tenure_months", "plan=premium"):
        assert (f"<td>{name}</td><td>{s.params[name]:.4f}</td>" in coef), name
        assert f"<td>{s.bse[name]:.4f}</td>" in coef
    # the coefficient plot of such a model draws the intervals
    ax = plots.coefficients(model)
    assert any(isinstance(c, ErrorbarContainer) for c in ax.containers)
    assert "confidence intervals" in ax.get_title()


def test_large_l2_fit_is_refit_with_inference(monkeypatch):
    import logistic.models.estimator as est

    monkeypatch.setattr(est, "INFERENCE_AUTO_WORK", 0)  # every L2 fit counts as large
    X, y, _ = report_mod.load_builtin("discount")
    assert not hasattr(LogisticRegression().fit(X, y), "inference_")
    coef = _section(report_mod.build_report(X, y), "coefficients")
    assert "<th>std. error</th>" in coef and "<th>p-value</th>" in coef


def test_firth_report_has_the_table():
    X, y, _ = report_mod.load_builtin("discount")
    coef = _section(report_mod.build_report(X, y, penalty="firth"), "coefficients")
    assert "<th>std. error</th>" in coef and "No inference available" not in coef


# -------------------------------------------------------------------- multiclass
def test_three_class_report(iris, iris_page):
    X, y = iris
    page = iris_page
    for sid in ("data-summary", "solver", "metrics", "loss-curve", "roc-pr-calibration",
                "coefficients", "confusion-matrix"):
        _section(page, sid)
    assert 'id="decision-boundary"' not in page  # four features
    curves = _section(page, "roc-pr-calibration")
    assert 'alt="per-class ROC (one-vs-rest)' in curves
    assert 'alt="predicted probability histograms per class"' in curves
    # 3 × 3 confusion matrix equal to an independent fit's
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    pre = TablePreprocessor(standardize=True).fit(X_tr)
    model = LogisticRegression().fit(pre.transform(X_tr), y_tr)
    cm = metrics.confusion_matrix(y_te, model.predict(pre.transform(X_te)),
                                  labels=model.classes_)
    conf = _section(page, "confusion-matrix")
    assert [int(v) for v in re.findall(r"<td>(\d+)</td>", conf)] == cm.ravel().tolist()
    assert conf.count("<th>predicted ") == 3 and conf.count("<td>true ") == 3
    coef = _section(page, "coefficients")
    assert 'alt="coefficient heat map"' in coef
    assert coef.count("<th>class ") == 3
    assert "Inference, each class against class setosa" in coef and "<th>p-value</th>" in coef
    auc = metrics.roc_auc_score(y_te, model.predict_proba(pre.transform(X_te)),
                                multi_class="ovr")
    assert f"<td>ROC-AUC (one-vs-rest, macro)</td><td>{auc:.4f}</td>" in _section(page,
                                                                                 "metrics")


def test_three_class_report_in_two_dimensions_draws_the_regions(tmp_path):
    X, y = sk_blobs(n_samples=90, centers=3, random_state=1)
    path = tmp_path / "blobs3.csv"
    pd.DataFrame(X, columns=["a", "b"]).assign(k=np.array(["p", "q", "r"])[y]).to_csv(
        path, index=False)
    out = tmp_path / "blobs3.html"
    res = _cli("report", str(path), "--target", "k", "--out", str(out))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert 'alt="decision boundary"' in _section(page, "decision-boundary")


# ---------------------------------------------------------------- --model labels
def test_loaded_model_report_labels(tmp_path):
    model_path = tmp_path / "model.json"
    fitted = _cli("fit", str(CHURN), "--target", "churned", "--standardize",
                  "--out", str(model_path))
    assert fitted.exit_code == 0, fitted.output
    out = tmp_path / "loaded.html"
    res = _cli("report", str(CHURN), "--model", str(model_path), "--out", str(out))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "<th>features standardised</th><td>yes</td>" in _section(page, "data-summary")
    assert "held-out" not in page.lower() and "held out" not in page.lower()
    for sid in ("roc-pr-calibration", "confusion-matrix"):
        assert "scored by the loaded model" in _section(page, sid)
    coef = _section(page, "coefficients")
    assert "per standard deviation" in coef and "<th>std. error</th>" in coef
    # an unstandardised model says "no"
    plain = tmp_path / "plain.json"
    assert _cli("fit", str(CHURN), "--target", "churned", "--out", str(plain)).exit_code == 0
    res = _cli("report", str(CHURN), "--model", str(plain), "--out", str(out))
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "<th>features standardised</th><td>no</td>" in page
    assert "per unit of the feature" in _section(page, "coefficients")


# ---------------------------------------------------------------- plot functions
@pytest.fixture(scope="module")
def binary():
    X, y = make_blobs(n_samples=80, cluster_std=2.0, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    return LogisticRegression(record_coef=True).fit(X, y), X, y


@pytest.fixture(scope="module")
def three():
    X, y = sk_blobs(n_samples=90, centers=3, random_state=1)
    X = (X - X.mean(0)) / X.std(0)
    return LogisticRegression(record_coef=True).fit(X, y), X, y


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_binary_plots_take_label_and_kwargs(binary):
    model, X, y = binary
    ax = plots.roc_curve(model, X, y, label="mine", color="green", lw=3)
    line = ax.get_lines()[0]
    assert line.get_color() == "green" and line.get_linewidth() == 3
    assert line.get_label().startswith("mine (AUC = ")
    ax = plots.precision_recall_curve(model, X, y, label="pr", ls=":")
    assert ax.get_lines()[0].get_linestyle() == ":" and _legend(ax)[0].startswith("pr (AP")
    ax = plots.calibration_curve(model, X, y, label="cal", marker="s")
    assert ax.get_lines()[1].get_marker() == "s" and "cal" in _legend(ax)
    ax = plots.loss_curve(model, label="loss", color="red")
    assert ax.get_lines()[0].get_color() == "red" and _legend(ax) == ["loss"]
    ax = plots.accuracy_curve(model, X, y, label="acc", lw=4)
    assert ax.get_lines()[0].get_linewidth() == 4 and _legend(ax) == ["acc"]
    ax = plots.decision_boundary(model, X, y, label="w·x+b=0", color="purple")
    assert "w·x+b=0" in _legend(ax)
    assert any(line.get_color() == "purple" for line in ax.get_lines())
    ax = plots.confusion_matrix(model, X, y, cmap="Greens", label="train")
    assert ax.images[0].get_cmap().name == "Greens" and ax.get_title().endswith("train")
    ax = plots.coefficients(model, label="fit", color="black")
    assert _legend(ax) == ["fit"]
    ax = plots.probability_histogram(model, X, y, bins=10, label="h", alpha=0.2)
    assert len(ax.patches) == 2 and _legend(ax)[0].startswith("h: true class")
    ax = plots.coefficient_heatmap(model, cmap="PuOr", label="binary")
    assert ax.images[0].get_array().shape == (1, 2)
    assert ax.images[0].get_cmap().name == "PuOr"


def test_multiclass_plots(three):
    model, X, y = three
    ax = plots.roc_curves(model, X, y, label="m", lw=1)
    curves = [ln for ln in ax.get_lines() if ln.get_label().startswith("m: class")]
    assert len(curves) == 3 and all(ln.get_linewidth() == 1 for ln in curves)
    for c, ln in zip(model.classes_, curves, strict=True):  # each curve one-vs-rest
        fpr, tpr, _ = metrics.roc_curve(y == c, model.predict_proba(X)[:, c])
        np.testing.assert_allclose(ln.get_xdata(), fpr)
        np.testing.assert_allclose(ln.get_ydata(), tpr)
    assert len(plots.roc_curve(model, X, y).get_lines()) == 4  # 3 classes + chance
    assert len(plots.precision_recall_curve(model, X, y).get_lines()) == 3
    assert len(plots.calibration_curve(model, X, y, n_bins=4).get_lines()) == 4
    ax = plots.confusion_matrix(model, X, y)
    np.testing.assert_array_equal(ax.images[0].get_array(),
                                  metrics.confusion_matrix(y, model.predict(X)))
    assert len(ax.texts) == 9
    ax = plots.coefficient_heatmap(model, intercept=True, vmin=-5, vmax=5)
    np.testing.assert_allclose(ax.images[0].get_array(), np.c_[model.intercept_, model.coef_])
    assert ax.images[0].get_clim() == (-5, 5)
    ax = plots.decision_boundary(model, X, y, label="edges", linewidths=3)
    assert "edges" in _legend(ax) and len(ax.collections) >= 4  # contours + 3 scatters
    one = LogisticRegression().fit(X[:, :1], y)
    ax = plots.decision_boundary(one, X[:, :1], y)  # one feature: 3 probability curves
    assert sum(ln.get_label().startswith("P(class") for ln in ax.get_lines()) == 3
    ax = plots.probability_histogram(model, X, y, cls=2, bins=5)
    assert len(ax.patches) == 3
    ax = plots.accuracy_curve(model, X, y)
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(
        metrics.accuracy_score(y, model.predict(X)))


def test_multiclass_plots_refuse_clearly(three):
    model, X, y = three
    with pytest.raises(ValueError, match="coefficient_heatmap"):
        plots.coefficients(model)
    with pytest.raises(ValueError, match="give cls="):
        plots.probability_histogram(model, X, y)
    with pytest.raises(ValueError, match="1 or 2 features"):
        plots.decision_boundary(model, np.c_[X, X], y)
    ovr = LogisticRegression(multi_class="ovr", record_coef=True).fit(X, y)
    with pytest.raises(ValueError, match="one-vs-rest"):
        plots.accuracy_curve(ovr, X, y)
    assert len(plots.loss_curve(ovr).get_lines()) == 3  # one curve per binary fit

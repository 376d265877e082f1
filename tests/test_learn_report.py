"""``logistic learn`` (the worked gradient-descent steps) and ``logistic report`` (HTML).

References: scikit-learn's log_loss and metrics, central finite differences for the
printed gradient, the solver's own recorded path, PIL for the written images.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn import metrics  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from logistic import LogisticRegression  # noqa: E402
from logistic.datasets import load_discount_codes, make_blobs  # noqa: E402
from logistic.pictures import report as report_mod  # noqa: E402
from logistic.pictures.learn import explain_steps, load_learning_data  # noqa: E402

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "logistic", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


# ------------------------------------------------------------------------ learn
@pytest.mark.parametrize("name,n,d", [("blobs", 200, 2), ("discount", 36, 1)])
def test_learning_data_is_standardised(name, n, d):
    data = load_learning_data(name)
    assert data.X.shape == (n, d) and len(data.feature_names) == d
    np.testing.assert_allclose(data.X.mean(axis=0), 0, atol=1e-14)
    np.testing.assert_allclose(data.X.std(axis=0), 1, rtol=1e-14)
    raw = make_blobs()[0] if name == "blobs" else load_discount_codes()[0]
    np.testing.assert_allclose(data.X * data.std + data.mean, raw, rtol=1e-13)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_explained_steps_are_the_solver_steps():
    d = load_learning_data("discount")
    X, y, eta = d.X, d.y, 0.7
    model = LogisticRegression(penalty=None, solver="gd", learning_rate=eta, max_iter=5,
                               tol=1e-15, record_coef=True).fit(X, y)
    steps = explain_steps(model, X, y, n_steps=4)
    assert [s.k for s in steps] == [1, 2, 3, 4]
    assert steps[0].loss == pytest.approx(np.log(2), rel=1e-15)  # σ(0) = ½ for everyone

    def mean_loss(theta):  # scikit-learn's log-loss as the reference
        return metrics.log_loss(y, 1 / (1 + np.exp(-(X @ theta[:1] + theta[1]))))

    for s in steps:
        theta = np.r_[s.w, s.b]
        assert s.loss == pytest.approx(mean_loss(theta), rel=1e-12)
        np.testing.assert_allclose(s.p, 1 / (1 + np.exp(-s.z)), rtol=1e-14)
        h = 1e-6
        fd = [(mean_loss(theta + h * e) - mean_loss(theta - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(np.r_[s.grad_w, s.grad_b], fd, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(s.w_new, s.solver_w, rtol=1e-13)
        assert s.b_new == pytest.approx(s.solver_b, rel=1e-12, abs=1e-15)


def test_explain_steps_rejects_other_fits():
    d = load_learning_data("blobs")
    with pytest.raises(ValueError, match="solver='gd'"):
        explain_steps(LogisticRegression(record_coef=True).fit(d.X, d.y), d.X, d.y)


def test_learn_cli(tmp_path):
    out = tmp_path / "learn-out"
    res = _cli("learn", "--data", "discount", "--iterations", "6", "--learning-rate", "0.5",
               "--out", str(out), "--frames", "30")
    assert res.returncode == 0, res.stderr
    text = res.stdout
    for needle in ("z = Xw + b", "σ(z)", "loss L = 0.693147", "∂L/∂w", "Iteration 1",
                   "Iteration 3", "— the same", "iteration      loss   accuracy",
                   "The loss fell"):
        assert needle in text, needle
    assert "Iteration 4" not in text and "DIFFERENT" not in text
    # the first update printed is −η·∂L/∂w at w = 0: ∂L/∂w = Xᵀ(½ − y)/n
    d = load_learning_data("discount")
    g = d.X[:, 0] @ (0.5 - d.y) / len(d.y)
    assert f"= [{-0.5 * g:.4f}]" in text
    with Image.open(out / "training.gif") as im:
        assert im.n_frames == 7  # iterates 0..6
    with Image.open(out / "learning-rates.png") as im:
        assert im.size == (1008, 608)  # 12.6 × 7.6 inches at 80 dpi
    assert (out / "boundary.png").stat().st_size > 5000


def _run_in_process(*args):
    """The typer app in this process (errors only: no need to pay for a subprocess)."""
    from typer.testing import CliRunner

    from logistic.cli import app

    return CliRunner().invoke(app, list(args))


def test_learn_cli_bad_rate_is_one_line_exit_2(tmp_path):
    res = _run_in_process("learn", "--learning-rate", "0", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert res.stderr.strip() == "logistic learn: error: --learning-rate must be a positive " \
                                 "number, got 0.0."
    assert "Traceback" not in res.output


def test_learn_cli_out_that_is_a_file_is_one_line_exit_2(tmp_path):
    """`--out` naming an existing file showed a raw "[Errno 17] File exists"."""
    existing = tmp_path / "data.csv"
    existing.write_text("a,b\n1,2\n")
    res = _run_in_process("learn", "--out", str(existing))
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"logistic learn: error: --out {existing} is a file: the "
                                  "pictures go into a folder.")


# ------------------------------------------------------------------------ report
def _section(page: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', page, re.S)
    assert m, f"section {sid} missing"
    return m.group(1)


def _metric(section: str, name: str) -> tuple[str, str]:
    m = re.search(rf"<tr><td>{re.escape(name)}</td><td>([^<]+)</td><td>([^<]+)</td></tr>",
                  section)
    assert m, name
    return m.group(1), m.group(2)


@pytest.fixture(scope="module")
def blobs_page():
    X, y, source = report_mod.load_builtin("blobs")
    return X, y, report_mod.build_report(X, y, source=source, test_size=0.25, random_state=0)


def test_report_has_every_section_and_only_embedded_images(blobs_page):
    _, _, page = blobs_page
    for sid, heading in report_mod.SECTIONS.items():
        assert f"<h2>{heading}</h2>" in _section(page, sid)
        assert f'href="#{sid}"' in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 5  # loss, ROC/PR/calibration, coefficients, confusion, boundary
    for b64 in images:
        with Image.open(io.BytesIO(base64.b64decode(b64))) as im:
            assert im.format == "PNG" and im.size[0] > 200
    assert not re.search(r'(src|href)="(https?:|file:|//)', page)  # self-contained
    assert "<script" not in page and "<link" not in page


def test_report_metrics_match_an_independent_fit(blobs_page):
    X, y, page = blobs_page
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    sc = StandardScaler().fit(X_tr)
    model = LogisticRegression().fit(sc.transform(X_tr), y_tr)
    p = model.predict_proba(sc.transform(X_te))[:, 1]
    sec = _section(page, "metrics")
    assert _metric(sec, "accuracy")[0] == f"{metrics.accuracy_score(y_te, p > 0.5):.4f}"
    assert _metric(sec, "ROC-AUC")[0] == f"{metrics.roc_auc_score(y_te, p):.4f}"
    assert _metric(sec, "log-loss")[0] == f"{metrics.log_loss(y_te, p):.4f}"
    cm = metrics.confusion_matrix(y_te, p > 0.5)
    conf = _section(page, "confusion-matrix")
    cells = [int(v) for v in re.findall(r"<td>(\d+)</td>", conf)]
    assert cells == cm.ravel().tolist()
    coef = _section(page, "coefficients")
    # with inference (the summary's names, statsmodels' "const" for the intercept)
    for name, value in zip(["const", "x1", "x2"],
                           [model.intercept_[0], *model.coef_[0]], strict=True):
        assert f"<td>{name}</td><td>{value:.4f}</td>" in coef
    # the fit keeps its inference numbers (issue #17): the table has standard errors
    assert "<th>std. error</th>" in coef and "No inference available" not in coef
    solver = _section(page, "solver")
    assert f"<th>iterations</th><td>{int(model.n_iter_[0])}</td>" in solver
    assert "<th>converged</th><td>yes</td>" in solver


class _Inferential(LogisticRegression):
    """Stands in for the estimator once inference lands: summary() with CIs and p-values."""

    def summary(self):
        params = np.r_[self.intercept_, self.coef_.ravel()]
        return SimpleNamespace(
            params=params, bse=np.full(params.size, 0.5), pvalues=np.full(params.size, 0.01),
            conf_int=lambda alpha: np.c_[params - 1.0, params + 1.0],
        )


def test_report_uses_inference_when_present(monkeypatch):
    monkeypatch.setattr(report_mod, "LogisticRegression", _Inferential)
    X, y, _ = report_mod.load_builtin("discount")
    page = report_mod.build_report(X, y, alpha=0.1)
    coef = _section(page, "coefficients")
    for header in ("90% CI low", "90% CI high", "std. error", "p-value"):
        assert f"<th>{header}</th>" in coef
    assert "No inference available" not in coef
    assert "<td>0.5000</td>" in coef and "<td>0.0100</td>" in coef
    assert "decision-boundary" in page  # one feature: the sigmoid picture


def test_load_table_csv_parquet_and_errors(tmp_path):
    X, y = make_blobs(n_samples=40)
    df = pd.DataFrame(X, columns=["a", "b"]).assign(label=np.where(y == 1, "yes", "no"))
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_parquet(tmp_path / "d.parquet")
    for name in ("d.csv", "d.parquet"):
        Xl, yl = report_mod.load_table(tmp_path / name, "label")
        np.testing.assert_allclose(Xl.to_numpy(), X, rtol=1e-15)
        assert list(yl) == list(df["label"])
    with pytest.raises(ValueError, match="no column 'target'.*a, b, label"):
        report_mod.load_table(tmp_path / "d.csv", "target")
    df.assign(c=["x"] * 40).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(ValueError, match=r"non-numeric feature columns \['c'\]"):
        report_mod.load_table(tmp_path / "s.csv", "label")
    df.assign(a=[np.nan] + list(X[1:, 0])).to_csv(tmp_path / "n.csv", index=False)
    with pytest.raises(ValueError, match=r"missing values in columns \['a'\]"):
        report_mod.load_table(tmp_path / "n.csv", "label")
    df.assign(label=np.arange(40) % 3).to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ValueError, match="3 distinct values"):
        report_mod.load_table(tmp_path / "m.csv", "label")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ValueError, match="unknown file type '.json'"):
        report_mod.load_table(tmp_path / "x.json", "label")


def test_report_cli(tmp_path):
    X, y = load_discount_codes()
    pd.DataFrame({"spending": X[:, 0], "code": y}).to_csv(tmp_path / "shop.csv", index=False)
    out = tmp_path / "r" / "shop.html"
    res = _cli("report", str(tmp_path / "shop.csv"), "--target", "code", "--out", str(out),
               "--penalty", "none")
    assert res.returncode == 0, res.stderr
    page = out.read_text(encoding="utf-8")
    for sid in report_mod.SECTIONS:
        _section(page, sid)
    assert "<th>penalty</th><td>none</td>" in page and "shop.csv (target &#x27;code&#x27;)" in page
    res = _run_in_process("report", str(tmp_path / "shop.csv"), "--out", str(out))
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: --target COL is required with a " \
                                 "DATA file."


def test_report_shows_non_convergence():
    X, y, _ = report_mod.load_builtin("discount")
    page = report_mod.build_report(X, y, solver="gd", max_iter=3)
    solver = _section(page, "solver")
    assert "<th>converged</th><td>no</td>" in solver
    assert "did not converge (max_iter reached) after 3 iterations" in solver


def test_report_of_a_loaded_model(tmp_path):
    """`logistic report DATA --model MODEL.json` scores a saved model: numbers equal predict's."""
    churn = Path(__file__).resolve().parents[1] / "examples" / "churn.csv"
    model_path = tmp_path / "model.json"
    fitted = _run_in_process("fit", str(churn), "--target", "churned", "--standardize",
                             "--out", str(model_path))
    assert fitted.exit_code == 0, fitted.output
    out = tmp_path / "loaded.html"
    result = _run_in_process("report", str(churn), "--model", str(model_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    for sid in ("data-summary", "solver", "metrics", "roc-pr-calibration", "coefficients",
                "confusion-matrix"):
        assert f'id="{sid}"' in page, sid
    assert 'id="loss-curve"' not in page  # model files keep no history
    from logistic.files.model_file import load_tabular

    tabular = load_tabular(model_path)
    df = pd.read_csv(churn)
    y = df.pop("churned").to_numpy()
    expected = metrics.accuracy_score(y, tabular.predict(df))
    m = re.search(r"<td>accuracy</td><td[^>]*>([0-9.]+)</td>", page)
    assert m is not None and float(m.group(1)) == pytest.approx(expected, abs=5e-5)
    bad = _run_in_process("report", "--model", str(model_path), "--out", str(out))
    assert bad.exit_code == 2 and "needs a DATA file" in bad.output

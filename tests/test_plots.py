"""logistic.plots and record_coef: every figure rendered headless, its content checked.

References: scikit-learn's metrics (roc_curve, precision_recall_curve,
calibration_curve, confusion_matrix, log_loss), closed forms (the boundary w·x+b=0,
the Hessian at 0), and the recorded objective recomputed from the coefficient path.
"""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import shutil  # noqa: E402
import subprocess  # noqa: E402
import warnings  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn import metrics  # noqa: E402
from sklearn.calibration import calibration_curve as sk_calibration_curve  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from logistic import LogisticRegression, plots  # noqa: E402
from logistic.datasets import load_discount_codes, make_blobs  # noqa: E402
from logistic.math.stable import sigmoid  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, cluster_std=2.0, random_state=0)
    return (X - X.mean(0)) / X.std(0), y


def _gd(X, y, n_iter=12, eta=1.0, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(solver="gd", learning_rate=eta, max_iter=n_iter, tol=1e-15,
                                  record_coef=True, **kw).fit(X, y)


@pytest.fixture(scope="module")
def gd_model(blobs):
    return _gd(*blobs)


@pytest.fixture(scope="module")
def fitted(blobs):
    return LogisticRegression().fit(*blobs)


def _sk_objective(X, y, w, b, C=1.0, penalty=True):
    z = X @ w + b
    return metrics.log_loss(y, sigmoid(z), normalize=False) + (0.5 / C * w @ w if penalty else 0)


# ------------------------------------------------------------------ record_coef
def test_record_coef_is_off_by_default(blobs):
    model = LogisticRegression().fit(*blobs)
    assert model.get_params()["record_coef"] is False
    assert not hasattr(model, "coef_path_")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["gd", "lbfgs", "newton", "newton-cg"])
def test_coef_path_matches_history(blobs, solver):
    X, y = blobs
    model = LogisticRegression(solver=solver, record_coef=True, max_iter=40).fit(X, y)
    n = int(model.n_iter_[0])
    assert model.coef_path_.shape == (n + 1, 2)
    assert model.intercept_path_.shape == (n + 1,)
    assert np.all(model.coef_path_[0] == 0) and model.intercept_path_[0] == 0
    np.testing.assert_array_equal(model.coef_path_[-1], model.coef_.ravel())
    assert model.intercept_path_[-1] == model.intercept_[0]
    # each recorded iterate's objective, recomputed with scikit-learn's log_loss, is the
    # one the solver reported in history_ (rows 0 .. n-1; Newton's last row repeats
    # the previous gradient's objective)
    rows = n if solver in ("newton", "newton-cg") else n + 1
    ref = [_sk_objective(X, y, w, b) for w, b in
           zip(model.coef_path_[:rows], model.intercept_path_[:rows], strict=True)]
    np.testing.assert_allclose(model.history_["objective"][:rows], ref, rtol=1e-12)


def test_record_coef_composes_with_verbose(blobs, capsys):
    model = LogisticRegression(solver="lbfgs", record_coef=True, verbose=1).fit(*blobs)
    err = capsys.readouterr().err
    assert err.count("iter ") == int(model.n_iter_[0])
    assert model.coef_path_.shape[0] == int(model.n_iter_[0]) + 1


def test_gd_path_is_the_tutorial_update(blobs, gd_model):
    X, y = blobs
    P, B = gd_model.coef_path_, gd_model.intercept_path_
    for k in range(3):
        r = sigmoid(X @ P[k] + B[k]) - y
        g_w = X.T @ r / len(y) + P[k] / len(y)  # mean loss + ||w||²/(2nC), C = 1
        np.testing.assert_allclose(P[k + 1], P[k] - 1.0 * g_w, rtol=1e-12)
        np.testing.assert_allclose(B[k + 1], B[k] - r.mean(), rtol=1e-10, atol=1e-15)


# ------------------------------------------------------------------ training curves
def test_loss_curve(gd_model, blobs):
    ax = plots.loss_curve(gd_model)
    (line,) = ax.get_lines()
    f = gd_model.history_["objective"]
    assert len(line.get_xdata()) == 13 == f.size
    np.testing.assert_array_equal(line.get_ydata(), f)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(13))
    assert ax.get_xlabel() == "iteration" and "objective" in ax.get_ylabel()
    assert ax.get_title() == "Loss during training (gd)"
    ax2 = plots.loss_curve(gd_model, per_sample=len(blobs[1]))
    np.testing.assert_allclose(ax2.get_lines()[0].get_ydata(), f / 120)
    assert ax2.get_lines()[0].get_ydata()[0] == pytest.approx(np.log(2), rel=1e-12)
    assert ax2.get_ylabel() == "mean loss"


def test_accuracy_curve(gd_model, blobs):
    X, y = blobs
    _, ax = plt.subplots()
    assert plots.accuracy_curve(gd_model, X, y, ax) is ax
    acc = ax.get_lines()[0].get_ydata()
    assert acc.size == gd_model.coef_path_.shape[0]
    for k in (0, 1, 5, 12):
        m = LogisticRegression().fit(X, y)  # a fitted shell; set its coefficients to row k
        m.coef_ = gd_model.coef_path_[k][None, :]
        m.intercept_ = gd_model.intercept_path_[k : k + 1]
        assert acc[k] == metrics.accuracy_score(y, m.predict(X))
    assert ax.get_title() == "Training accuracy per iteration" and ax.get_ylabel() == "accuracy"


def test_accuracy_curve_needs_the_path(fitted, blobs):
    with pytest.raises(ValueError, match="record_coef=True"):
        plots.accuracy_curve(fitted, *blobs)


# ------------------------------------------------------------------ boundary
def _boundary(ax):
    return next(ln for ln in ax.get_lines() if ln.get_label().startswith("boundary"))


def test_decision_boundary_2d(fitted, blobs):
    X, y = blobs
    ax = plots.decision_boundary(fitted, X, y)
    w, b = fitted.coef_.ravel(), fitted.intercept_[0]
    line = _boundary(ax)
    xs, ys = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert xs.size == 2
    np.testing.assert_allclose(w[0] * xs + w[1] * ys + b, 0, atol=1e-12)
    # it spans the axes box: edge to edge along the coordinate with the smaller weight
    if abs(w[1]) >= abs(w[0]):
        np.testing.assert_allclose(xs, ax.get_xlim())
    else:
        np.testing.assert_allclose(ys, ax.get_ylim())
    # every sample plotted once, per class
    offsets = [c.get_offsets() for c in ax.collections if c.get_offsets().shape[0] > 0
               and c.get_label().startswith("class")]
    assert sum(o.shape[0] for o in offsets) == len(y)
    assert [o.shape[0] for o in offsets] == [np.sum(y == 0), np.sum(y == 1)]
    # the background is P(class 1) on the grid
    img = ax.get_images()[0]
    P = np.asarray(img.get_array())
    x0, x1, y0, y1 = img.get_extent()
    i, j = 37, 101
    gx = np.linspace(x0, x1, P.shape[1])[j]
    gy = np.linspace(y0, y1, P.shape[0])[i]
    assert P[i, j] == pytest.approx(fitted.predict_proba([[gx, gy]])[0, 1], rel=1e-12)
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2"
    assert ax.get_title() == "Decision boundary and P(class 1)"


def test_boundary_line_steep_and_flat_and_zero():
    xs, ys = plots.boundary_line([3.0, 0.5], -1.0, (-2, 2), (-5, 5))  # steep: y is free
    np.testing.assert_allclose(ys, [-5, 5])
    np.testing.assert_allclose(3.0 * xs + 0.5 * ys - 1.0, 0, atol=1e-14)
    xs, ys = plots.boundary_line([0.0, 2.0], 1.0, (-2, 2), (-5, 5))  # horizontal
    np.testing.assert_allclose(ys, [-0.5, -0.5])
    xs, ys = plots.boundary_line([0.0, 0.0], 1.0, (-2, 2), (-5, 5))  # no boundary
    assert xs.size == 0 and ys.size == 0


def test_decision_boundary_draws_a_path_row(gd_model, blobs):
    X, y = blobs
    ax = plots.decision_boundary(gd_model, X, y, coef=gd_model.coef_path_[0],
                                 intercept=gd_model.intercept_path_[0])
    assert len(_boundary(ax).get_xdata()) == 0  # w = 0: no line yet
    ax = plots.decision_boundary(gd_model, X, y, coef=gd_model.coef_path_[3],
                                 intercept=gd_model.intercept_path_[3])
    line = _boundary(ax)
    z = np.c_[line.get_xdata(), line.get_ydata()] @ gd_model.coef_path_[3]
    np.testing.assert_allclose(z + gd_model.intercept_path_[3], 0, atol=1e-12)


def test_decision_boundary_1d():
    X, y = load_discount_codes()
    X = (X - X.mean()) / X.std()
    model = LogisticRegression(penalty=None).fit(X, y)
    ax = plots.decision_boundary(model, X, y, feature_names=["spending (standardised)"])
    w, b = model.coef_[0, 0], model.intercept_[0]
    np.testing.assert_allclose(_boundary(ax).get_xdata(), [-b / w, -b / w], rtol=1e-12)
    curve = next(ln for ln in ax.get_lines() if ln.get_label().startswith("P(class 1)"))
    np.testing.assert_allclose(curve.get_ydata(),
                               model.predict_proba(curve.get_xdata()[:, None])[:, 1], rtol=1e-12)
    assert sum(c.get_offsets().shape[0] for c in ax.collections) == 36
    assert ax.get_xlabel() == "spending (standardised)"


def test_decision_boundary_rejects_many_features():
    model = LogisticRegression().fit(np.random.default_rng(0).normal(size=(30, 3)),
                                     np.arange(30) % 2)
    with pytest.raises(ValueError, match="1 or 2 features"):
        plots.decision_boundary(model, np.zeros((4, 3)), [0, 1, 0, 1])


# ------------------------------------------------------------------ evaluation
def test_roc_curve_equals_sklearn(fitted, blobs):
    X, y = blobs
    ax = plots.roc_curve(fitted, X, y)
    fpr, tpr, _ = metrics.roc_curve(y, fitted.predict_proba(X)[:, 1])
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), fpr)
    np.testing.assert_array_equal(line.get_ydata(), tpr)
    auc = metrics.roc_auc_score(y, fitted.predict_proba(X)[:, 1])
    assert line.get_label() == f"model (AUC = {auc:.3f})"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "false positive rate", "true positive rate", "ROC curve")


def test_roc_curve_with_string_labels(blobs):
    X, y = blobs
    ys = np.where(y == 1, "yes", "no")
    model = LogisticRegression().fit(X, ys)
    ax = plots.roc_curve(model, X, ys)
    fpr, _, _ = metrics.roc_curve(ys, model.predict_proba(X)[:, 1], pos_label="yes")
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), fpr)


def test_precision_recall_equals_sklearn(fitted, blobs):
    X, y = blobs
    p = fitted.predict_proba(X)[:, 1]
    ax = plots.precision_recall_curve(fitted, X, y)
    precision, recall, _ = metrics.precision_recall_curve(y, p)
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), recall)
    np.testing.assert_array_equal(line.get_ydata(), precision)
    assert line.get_label() == f"model (AP = {metrics.average_precision_score(y, p):.3f})"
    assert ax.get_xlabel() == "recall" and ax.get_ylabel() == "precision"


def test_calibration_equals_sklearn(fitted, blobs):
    X, y = blobs
    ax = plots.calibration_curve(fitted, X, y, n_bins=5)
    frac, mean_pred = sk_calibration_curve(y, fitted.predict_proba(X)[:, 1], n_bins=5)
    line = ax.get_lines()[1]
    np.testing.assert_array_equal(line.get_xdata(), mean_pred)
    np.testing.assert_array_equal(line.get_ydata(), frac)
    assert ax.get_title() == "Calibration curve"


def test_confusion_matrix_counts(fitted, blobs):
    X, y = blobs
    ax = plots.confusion_matrix(fitted, X, y)
    cm = metrics.confusion_matrix(y, fitted.predict(X))
    assert [int(t.get_text()) for t in ax.texts] == cm.ravel().tolist()
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"


# ------------------------------------------------------------------ coefficients
def test_coefficients_without_inference(fitted):
    fitted = copy.deepcopy(fitted)
    del fitted.inference_  # as a fit with inference=False
    ax = plots.coefficients(fitted)
    pts = ax.get_lines()[0]
    np.testing.assert_array_equal(pts.get_xdata(), [fitted.intercept_[0], *fitted.coef_[0]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["intercept", "x1", "x2"]
    assert ax.get_title() == "Coefficients (no inference available)"


class _WithSummary(LogisticRegression):
    """A model whose summary() returns statsmodels-shaped results (params, conf_int)."""

    def summary(self):
        params = np.r_[self.coef_.ravel(), self.intercept_]  # intercept LAST, bare array
        half = np.array([0.1, 0.2, 0.3])
        return SimpleNamespace(params=params,
                               conf_int=lambda alpha: np.c_[params - half, params + half])


def test_coefficients_with_inference_duck_typed(blobs):
    model = _WithSummary().fit(*blobs)
    ax = plots.coefficients(model, alpha=0.1)
    assert ax.get_title() == "Coefficients with 90% confidence intervals"
    names, est, ci = plots.coefficient_table(model)
    assert names == ["x1", "x2", "intercept"]  # order recognised from the values
    np.testing.assert_allclose(ci[:, 1] - est, [0.1, 0.2, 0.3])
    err = ax.collections[0].get_segments()  # the error bars
    np.testing.assert_allclose([s[1, 0] - s[0, 0] for s in err], [0.2, 0.4, 0.6])


def test_coefficients_with_named_params(blobs):
    class Named(LogisticRegression):
        def summary(self):
            p = pd.Series(np.r_[self.intercept_, self.coef_.ravel()], index=["const", "a", "b"])
            return SimpleNamespace(params=p, conf_int=lambda alpha: pd.DataFrame(
                np.c_[p - 1, p + 1], index=p.index))

    names, est, ci = plots.coefficient_table(Named().fit(*blobs))
    assert names == ["const", "a", "b"] and ci.shape == (3, 2)


# ------------------------------------------------------------------ learning rates
def test_default_learning_rates_from_the_hessian_at_zero(blobs):
    X, _ = blobs
    X1 = np.c_[X, np.ones(len(X))]
    lam = np.linalg.eigvalsh(X1.T @ X1 / (4 * len(X)))[-1]  # λmax of ∇²(mean loss) at 0
    small, good, large = plots.default_learning_rates(X)
    assert good == pytest.approx(1 / lam, rel=1e-12)
    assert (small, large) == pytest.approx((0.05 * good, 20 * good), rel=1e-12)


def test_learning_rate_panel(blobs):
    X, y = blobs
    axes = plots.learning_rate_panel(X, y, n_iter=40)
    assert axes.shape == (2, 3)
    losses = [np.asarray(axes[0, j].get_lines()[0].get_ydata()) for j in range(3)]
    assert all(f.size == 41 for f in losses)
    small, good, large = losses
    assert np.all(np.diff(small) < 0) and np.all(np.diff(good) <= 1e-15)
    assert good[-1] < small[-1] < 0.9 * small[0]       # too small: still far from the minimum
    assert np.sum(np.diff(large) > 0) >= 3              # too large: the loss goes up, repeatedly
    assert large.max() > large[0]                       # ... even above where it started
    assert large[-1] > good[-1] + 1e-3
    rates = plots.default_learning_rates(X)
    for j, label in enumerate(["too small", "good", "too large"]):
        assert axes[0, j].get_title() == f"η = {rates[j]:.3g} ({label})"
        assert axes[0, j].get_ylabel() == "mean loss"
        assert axes[1, j].get_title() == "boundary after 40 iterations"
        assert len(_boundary(axes[1, j]).get_xdata()) == 2


# ------------------------------------------------------------------ animation
def test_animate_training_one_frame_per_iterate(tmp_path, blobs):
    X, y = blobs
    model = _gd(X, y, n_iter=5)
    (gif,) = plots.animate_training(model, X, y, tmp_path / "a" / "train.gif", mp4=False, dpi=40)
    with Image.open(gif) as im:
        assert im.n_frames == model.coef_path_.shape[0] == 6
        assert im.size == (400, 168)  # 10 × 4.2 inches at 40 dpi
    (gif,) = plots.animate_training(model, X, y, tmp_path / "b.gif", max_frames=3, mp4=False,
                                    dpi=40)
    with Image.open(gif) as im:
        assert im.n_frames == 3


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_animate_training_fits_a_recording_clone(tmp_path, blobs):
    X, y = blobs
    plain = LogisticRegression(solver="newton", max_iter=3)
    (gif,) = plots.animate_training(plain, X, y, tmp_path / "n.gif", mp4=False, dpi=40)
    ref = LogisticRegression(solver="newton", max_iter=3).fit(X, y)
    with Image.open(gif) as im:
        assert im.n_frames == int(ref.n_iter_[0]) + 1
    assert not hasattr(plain, "coef_")  # the user's estimator is left untouched


@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
                    reason="ffmpeg is not installed")
def test_animate_training_writes_mp4_with_ffmpeg(tmp_path, blobs):
    X, y = blobs
    model = _gd(X, y, n_iter=4)
    gif, mp4 = plots.animate_training(model, X, y, tmp_path / "t.gif", dpi=40)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", str(mp4)],
        capture_output=True, text=True, check=True,
    )
    assert mp4.suffix == ".mp4" and int(probe.stdout.strip()) == 5


def test_decision_boundary_takes_sparse_points():
    """scipy.sparse X raised "setting an array element with a sequence" (np.asarray of a
    sparse matrix); its points are now drawn as the dense ones are."""
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 2))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    dense = plots.decision_boundary(model, X, y)
    sparse = plots.decision_boundary(model, sp.csr_matrix(X), y)
    a, b = dense.collections[0].get_offsets(), sparse.collections[0].get_offsets()
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))

"""Fits on array-API arrays (PyTorch tensors, array-api-strict arrays): same optimum as
NumPy, results in the input's namespace, no O(n) host↔device traffic per iteration.

array-api-strict refuses everything outside the standard (NumPy indexing, implicit
conversions, mixing namespaces), so a fit that passes on it ran on its arrays, not on a
hidden NumPy copy. PyTorch runs on the CPU here; the CUDA tests skip without a GPU.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import make_problem, relative_gap, sk_objective, sklearn_reference

from logistic import LogisticRegression
from logistic.data.device import DeviceBackend
from logistic.files.model_file import load, save
from logistic.math import binary as obj
from logistic.problems import LogisticProblem, MultinomialProblem
from logistic.problems.multinomial import one_hot

xs = pytest.importorskip("array_api_strict")
try:
    import torch

    torch.set_num_threads(1)  # pytest-xdist runs two workers on two cores
except ImportError:  # torch is optional: its tests skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
needs_cuda = pytest.mark.skipif(
    torch is None or not torch.cuda.is_available(), reason="no CUDA device"
)


def _strict(a):
    return xs.asarray(np.ascontiguousarray(a))


def _torch_cpu(a):
    return torch.asarray(np.ascontiguousarray(a))


def _torch_cuda(a):
    return torch.asarray(np.ascontiguousarray(a), device="cuda")


NAMESPACES = [
    pytest.param(_strict, id="array-api-strict"),
    pytest.param(_torch_cpu, id="torch-cpu", marks=needs_torch),
    pytest.param(_torch_cuda, id="torch-cuda", marks=needs_cuda),
]


def _host(a) -> np.ndarray:
    """A device result on the host, for comparisons (not the library's converter)."""
    return np.from_dlpack(a.cpu()) if hasattr(a, "cpu") else np.from_dlpack(a)


def _module(a) -> str:
    return type(a).__module__.split(".")[0]


def _fit(X, y, s=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(**params).fit(X, y, sample_weight=s)


# ------------------------------------------------------------------ same optimum
@pytest.mark.parametrize("to", NAMESPACES)
@pytest.mark.parametrize("seed", range(10))
def test_binary_optimum_matches_sklearn(to, seed):
    """Fuzz family: shapes (wide, one feature), mixed-scale columns with offsets,
    weights, float32, with and without intercept, C from 0.01 to 100."""
    p = make_problem(seed, layout="C", dtype=np.float32 if seed % 3 == 2 else np.float64)
    model = _fit(to(p.X), to(p.y), None if p.sample_weight is None else to(p.sample_weight),
                 C=p.C, fit_intercept=p.fit_intercept)
    assert _module(model.coef_) == _module(to(p.X))
    assert model.coef_.dtype == to(p.X).dtype and model.coef_.shape == (1, p.X.shape[1])
    coef, intercept = _host(model.coef_), _host(model.intercept_)
    f = p.objective(coef, intercept)
    f_ref = sklearn_reference(p)[2]
    assert relative_gap(f, f_ref) <= (1e-5 if p.X.dtype == np.float32 else 1e-8), p.desc
    assert model.converged_


MULTINOMIAL_CASES = [  # (seed, n, d, k, dtype, weighted, intercept, solver)
    (0, 20_000, 3, 3, np.float64, True, True, "auto"),  # tall: Hessian on a row subsample
    (1, 400, 5, 3, np.float32, True, True, "auto"),
    (2, 400, 5, 4, np.float64, False, False, "auto"),
    (3, 400, 5, 3, np.float64, True, True, "lbfgs"),
    (4, 300, 4, 4, np.float32, False, True, "newton-cg"),
    (5, 300, 4, 3, np.float64, True, False, "newton-cg"),
]


@pytest.mark.parametrize("to", NAMESPACES)
@pytest.mark.parametrize("case", MULTINOMIAL_CASES, ids=lambda c: f"seed{c[0]}")
def test_multinomial_optimum_matches_numpy(to, case):
    """3-4 classes, mixed scales, weights, float32, intercept or not: the same
    objective as the NumPy fit."""
    seed, n, d, k, dtype, weighted, intercept, solver = case
    rng = np.random.default_rng(100 + seed)
    scales = np.logspace(-1, 1 if dtype == np.float32 else 2, d)
    X = (rng.standard_normal((n, d)) * scales).astype(dtype)
    y = np.argmax(X @ (rng.standard_normal((k, d)) / scales).T + rng.gumbel(size=(n, k)), axis=1)
    s = rng.uniform(0.2, 2.0, n) if weighted else None
    params = dict(solver=solver, fit_intercept=intercept, C=0.5)
    ref = _fit(X, y, s, **params)
    model = _fit(to(X), to(y), None if s is None else to(s), **params)
    assert model.coef_.shape == (k, d) and _module(model.intercept_) == _module(to(X))
    assert model.coef_.dtype == to(X).dtype
    tol = 1e-5 if dtype == np.float32 else 1e-8
    assert abs(relative_gap(model.objective_, ref.objective_)) <= tol


@pytest.mark.parametrize("to", NAMESPACES)
def test_unpenalised_and_tall_binary(to):
    """penalty=None (the separation check's margins on the device), tall fits whose
    Newton Hessian comes from a row subsample gathered on the device, and gd."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((34_000, 4)) * [1, 10, 100, 0.1]
    y = (X @ [1, 0.1, 0.01, 5] + rng.logistic(size=34_000) > 0).astype(int)
    # gd: 300 iterations on both, the same path (its optimum is the other solvers' job)
    for params in ({"penalty": None}, {"C": 0.01}, {"solver": "gd", "max_iter": 300, "n": 300}):
        n = params.pop("n", X.shape[0])
        ref = _fit(X[:n], y[:n], **params)
        model = _fit(to(X[:n]), to(y[:n]), **params)
        assert abs(relative_gap(model.objective_, ref.objective_)) <= 1e-8, params
        np.testing.assert_allclose(model._dense_coef(), ref.coef_, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------- results in its namespace
@pytest.mark.parametrize("to", NAMESPACES)
@pytest.mark.parametrize("k", [2, 3])
def test_predictions_in_input_namespace(to, k):
    rng = np.random.default_rng(k)
    X = rng.standard_normal((300, 4)).astype(np.float32)
    y = rng.integers(0, k, 300) * 10  # labels 0, 10, 20
    ref = _fit(X, y)
    model = _fit(to(X), to(y))
    Xd = to(X)
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        out = getattr(model, method)(Xd)
        assert _module(out) == _module(Xd), method
        expected = getattr(ref, method)(X)
        host = _host(out)
        if method != "predict":
            assert out.dtype == Xd.dtype
            np.testing.assert_allclose(host, expected, rtol=1e-4, atol=1e-5)
        else:
            assert np.mean(host == expected) > 0.99
    assert np.array_equal(model.classes_, ref.classes_)
    # NumPy input to a model fitted on device arrays: NumPy results
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-5)
    with pytest.raises(ValueError, match="fitted on 4 features"):
        model.predict(to(np.zeros((2, 5), dtype=np.float32)))


@needs_torch
def test_dispatch_on_matches_sklearn_layout(monkeypatch):
    """With scikit-learn's array_api_dispatch the fit works (it raised a TypeError) and
    its attributes have the types scikit-learn's own LogisticRegression gives."""
    import sklearn
    from sklearn.linear_model import LogisticRegression as SkLR

    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 3))
    y = (X[:, 0] + rng.logistic(size=200) > 0).astype(int)
    Xt, yt = torch.asarray(X), torch.asarray(y)
    with sklearn.config_context(array_api_dispatch=True):
        ours = LogisticRegression(C=1.0).fit(Xt, yt)
        theirs = SkLR(C=1.0, tol=1e-10).fit(Xt, yt)
        for attr in ("coef_", "intercept_"):
            a, b = getattr(ours, attr), getattr(theirs, attr)
            assert type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)
        for method in ("decision_function", "predict_proba", "predict"):
            assert type(getattr(ours, method)(Xt)) is type(getattr(theirs, method)(Xt))
    without = LogisticRegression(C=1.0).fit(Xt, yt)  # and without dispatch: the same
    assert isinstance(without.coef_, torch.Tensor)
    np.testing.assert_array_equal(without.coef_.numpy(), ours.coef_.numpy())


# ------------------------------------------------------------ O(d) traffic per pass
@pytest.mark.parametrize("to", NAMESPACES)
def test_no_row_sized_transfer_per_pass(to, monkeypatch):
    """Every reduce over the device moves O(d) numbers (O(d²) for a Hessian) across,
    never O(n): counted by the backend, for every pass of whole fits."""
    moved = []
    reduce, reduce_keep = DeviceBackend.reduce, DeviceBackend.reduce_keep

    def counting(method):
        def wrapper(self, *args, **kwargs):
            before = self.to_device_numbers + self.to_host_numbers
            out = method(self, *args, **kwargs)
            moved.append(self.to_device_numbers + self.to_host_numbers - before)
            return out
        return wrapper

    monkeypatch.setattr(DeviceBackend, "reduce", counting(reduce))
    monkeypatch.setattr(DeviceBackend, "reduce_keep", counting(reduce_keep))
    rng = np.random.default_rng(0)
    n, d = 34_000, 3
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 3, n)
    for yy, params in (((y > 0).astype(int), {}), ((y > 0).astype(int), {"solver": "newton-cg"}),
                       ((y > 0).astype(int), {"solver": "lbfgs"}), (y, {}),
                       (y, {"solver": "lbfgs"})):
        moved.clear()
        model = _fit(to(X), to(yy), rng.uniform(0.5, 1.5, n), **params)
        p = model.coef_.shape[0] * (d + 1)
        assert len(moved) >= model.n_iter_[0]  # at least a pass per iteration
        assert max(moved) <= 3 * p * p + 10 * p, params  # a Hessian and its pieces at most
        assert max(moved) < n / 20


@pytest.mark.parametrize("to", NAMESPACES)
def test_backend_passes_match_in_memory(to):
    """The device backend's sums equal the in-memory backend's on the same data."""
    from logistic.data import InMemoryBackend

    rng = np.random.default_rng(5)
    X = rng.standard_normal((3000, 4)).astype(np.float32)
    y = (rng.random(3000) < 0.4).astype(np.float64)
    s = rng.uniform(0.1, 2, 3000)
    dev = DeviceBackend(to(X), y, s, block_rows=700)  # five blocks, the last short
    host = InMemoryBackend(X, y, s)
    assert dev.n_blocks == 5 and dev.dtype == np.float32
    theta = rng.standard_normal(5)
    for a, b in ((LogisticProblem(dev, alpha=0.3, fit_intercept=True),
                  LogisticProblem(host, alpha=0.3, fit_intercept=True)),):
        fa, ga, Ha = a.loss_grad_hess(theta)
        fb, gb, Hb = b.loss_grad_hess(theta)
        np.testing.assert_allclose([fa, *ga], [fb, *gb], rtol=1e-6)
        np.testing.assert_allclose(Ha, Hb, rtol=1e-5, atol=1e-7)
        _, _, hv_a = a.loss_grad_hessp(theta)
        _, _, hv_b = b.loss_grad_hessp(theta)
        np.testing.assert_allclose(hv_a(theta), hv_b(theta), rtol=1e-5)
    (sq, sw), (sq2, sw2) = dev.reduce(obj.block_gram_trace), host.reduce(obj.block_gram_trace)
    np.testing.assert_allclose([sq, sw], [sq2, sw2], rtol=1e-6)
    Y = one_hot(rng.integers(0, 3, 3000), 3)
    ma = MultinomialProblem(DeviceBackend(to(X), Y, s, block_rows=1000), n_classes=3,
                            alpha=0.5, fit_intercept=True)
    mb = MultinomialProblem(InMemoryBackend(X, Y, s), n_classes=3, alpha=0.5,
                            fit_intercept=True)
    t = rng.standard_normal(ma.n_params) * 0.1
    np.testing.assert_allclose(ma.hessian(t), mb.hessian(t), rtol=1e-5, atol=1e-8)


# ------------------------------------------------------- surfaces: files, summary
@pytest.mark.parametrize("to", NAMESPACES)
def test_save_load_and_summary(to, tmp_path):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((500, 3))
    y = (X @ [1.0, -0.5, 0.2] + rng.logistic(size=500) > 0).astype(int)
    ref = _fit(X, y, penalty=None)
    model = _fit(to(X), to(y), penalty=None)
    a, b = model.summary(), ref.summary()
    np.testing.assert_allclose(a.params, b.params, rtol=1e-8)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-6)
    save(model, tmp_path / "m.json")
    loaded = load(tmp_path / "m.json")
    assert isinstance(loaded.coef_, np.ndarray)
    np.testing.assert_allclose(loaded.predict_proba(X), ref.predict_proba(X), rtol=1e-8)
    assert float(sk_objective(X, y, loaded.coef_, loaded.intercept_, 1.0, penalty=None)) == (
        pytest.approx(ref.objective_, rel=1e-10))


# ----------------------------------------------------------------------- refusals
@pytest.mark.parametrize("to", NAMESPACES)
@pytest.mark.parametrize("params", [{"penalty": "l1"}, {"penalty": "elasticnet", "l1_ratio": 0.5},
                                    {"penalty": "firth"}, {"solver": "proximal-newton"}])
def test_unsupported_options_refused(to, params):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 2)), rng.integers(0, 2, 50)
    with pytest.raises(ValueError, match="not supported on"):
        LogisticRegression(**params).fit(to(X), to(y))


@pytest.mark.parametrize("to", NAMESPACES)
def test_bad_device_input(to):
    X = np.ones((10, 2))
    X[3, 1] = np.nan
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match="NaN or infinity"):
        LogisticRegression().fit(to(X), to(y))
    with pytest.raises(ValueError, match="2D"):
        LogisticRegression().fit(to(np.ones(10)), to(y))
    with pytest.raises(ValueError, match="10 samples but y has 9"):
        LogisticRegression().fit(to(np.ones((10, 2))), to(y[:9]))


@needs_cuda
def test_cuda_fit_stays_on_device():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5000, 10)).astype(np.float32)
    y = (X[:, 0] + rng.logistic(size=5000) > 0).astype(int)
    model = _fit(_torch_cuda(X), _torch_cuda(y))
    assert model.coef_.device.type == "cuda"
    assert model.predict_proba(_torch_cuda(X)).device.type == "cuda"
    ref = _fit(X, y)
    assert abs(relative_gap(model.objective_, ref.objective_)) <= 1e-6


@pytest.mark.parametrize("to", NAMESPACES)
def test_cv_and_path_refuse_device_arrays(to):
    """No silent copy to NumPy: the CV estimator and the path say they take host data."""
    from logistic import LogisticRegressionCV, regularization_path

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 2)), rng.integers(0, 2, 60)
    with pytest.raises(ValueError, match="LogisticRegressionCV takes NumPy"):
        LogisticRegressionCV().fit(to(X), to(y))
    with pytest.raises(ValueError, match="regularization_path takes NumPy"):
        regularization_path(to(X), to(y), [1.0])

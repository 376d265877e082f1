"""``LogisticRegression.partial_fit``: a replayed stream converges to the batch fit.

The reference is ``LogisticRegression().fit`` on the concatenated chunks (same C,
penalty, weights), itself tested against scikit-learn elsewhere; objectives here are
computed independently (``np.logaddexp`` / ``scipy.special.logsumexp``).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp

from logistic import LogisticRegression
from logistic.files.model_file import load as load_model
from logistic.files.model_file import save as save_model


def _objective(model, X, y, s, C, l1_ratio):
    """Sum of weighted losses + penalty, independently of the library."""
    classes = model.classes_
    W = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    b = np.asarray(model.intercept_, dtype=np.float64)
    Z = np.asarray(X @ W.T, dtype=np.float64) + b
    idx = np.searchsorted(classes, y)
    if W.shape[0] == 1:
        z = Z[:, 0]
        loss = np.logaddexp(0, np.where(idx == 1, -z, z))
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), idx]
    rho = 0.0 if l1_ratio is None else l1_ratio
    pen = 0.0 if C == np.inf else (rho * np.abs(W).sum() + 0.5 * (1 - rho) * (W * W).sum()) / C
    return float(np.sum(s * loss) + pen)


def _stream(n=6000, d=8, k=2, seed=0, chunk=1000):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.3, 3.0, d)
    W = rng.standard_normal((k, d)) * 0.4
    Z = X @ W.T
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(P, 1)).sum(1)
    labels = np.array(["a", "b", "c", "d"])[:k]
    return X, labels[y], rng.uniform(0.5, 2.0, n), chunk


def _replay(model, X, y, s, chunk, passes=5):
    """Stream (X, y, s) into ``model`` in chunks of ``chunk`` rows, ``passes`` times."""
    for _ in range(passes):
        for c in range(0, len(y), chunk):
            model.partial_fit(X[c:c + chunk], y[c:c + chunk], classes=np.unique(y),
                              sample_weight=s[c:c + chunk])
    return model


def _gap_to(batch, model, X, y, s, case):
    """Relative objective gap of ``model`` to ``batch`` (objectives computed here)."""
    C = batch.C if batch.penalty_ is not None else np.inf
    ratio = {"l2": 0.0, None: 0.0}.get(batch.penalty_, case.get("l1_ratio"))
    f_batch = _objective(batch, X, y, s, C, ratio)
    return (_objective(model, X, y, s, C, ratio) - f_batch) / abs(f_batch)


CASES = [
    dict(k=2), dict(k=2, penalty=None), dict(k=2, l1_ratio=1.0, C=0.02),
    dict(k=2, l1_ratio=0.5, C=0.05), dict(k=3), dict(k=3, penalty=None),
    dict(k=3, l1_ratio=1.0, C=0.05), dict(k=2, fit_intercept=False),
]


@pytest.mark.parametrize("case", CASES)
def test_replayed_stream_reaches_the_batch_optimum(case):
    case = dict(case)
    k = case.pop("k")
    X, y, s, chunk = _stream(k=k, seed=k + len(case))
    batch = LogisticRegression(**case).fit(X, y, sample_weight=s)
    model = _replay(LogisticRegression(**case), X, y, s, chunk)
    assert _gap_to(batch, model, X, y, s, case) <= 1e-6
    C = batch.C if batch.penalty_ is not None else np.inf
    ratio = {"l2": 0.0, None: 0.0}.get(batch.penalty_, case.get("l1_ratio"))
    f_ours = _objective(model, X, y, s, C, ratio)
    assert model.n_passes_ == 4 and model.n_iter_[0] == 5 * len(range(0, len(y), chunk))
    assert model.converged_
    assert model.objective_ == pytest.approx(f_ours, rel=1e-8)
    np.testing.assert_allclose(model.predict_proba(X), batch.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("k", [2, 3])
def test_one_pass_is_close_and_seen_once_is_the_fit_of_the_rows_seen(k):
    X, y, s, _ = _stream(n=20_000, k=k, seed=11, chunk=2000)
    model = LogisticRegression()
    for c in range(0, 10_000, 2000):  # half the data, seen once
        model.partial_fit(X[c:c + 2000], y[c:c + 2000], classes=np.unique(y),
                          sample_weight=s[c:c + 2000])
    half = LogisticRegression().fit(X[:10_000], y[:10_000], sample_weight=s[:10_000])
    f_half = _objective(half, X[:10_000], y[:10_000], s[:10_000], 1.0, 0.0)
    f_ours = _objective(model, X[:10_000], y[:10_000], s[:10_000], 1.0, 0.0)
    assert 0 <= (f_ours - f_half) / f_half <= 1e-5
    assert model.n_passes_ == 0 and not model.converged_


def test_chunks_in_float32_and_sparse_and_single_rows_of_a_class():
    X, y, s, chunk = _stream(n=3000, seed=5)
    batch = LogisticRegression().fit(X, y)
    for kind in ("float32", "csr"):
        model = LogisticRegression()
        for _ in range(4):
            for c in range(0, 3000, chunk):
                Xc = X[c:c + chunk]
                Xc = Xc.astype(np.float32) if kind == "float32" else sp.csr_matrix(Xc)
                model.partial_fit(Xc, y[c:c + chunk], classes=["a", "b"])
        rtol = 1e-4 if kind == "float32" else 1e-6
        np.testing.assert_allclose(model.coef_, batch.coef_, rtol=rtol, atol=rtol)
    # chunks of one class only, mixed through the stream, are fine (sums over chunks)
    model = LogisticRegression()
    order = np.argsort(y, kind="stable").reshape(2, -1)  # class a rows, class b rows
    chunks = [order[i % 2, (i // 2) * 300:(i // 2 + 1) * 300] for i in range(10)]
    chunks = [np.concatenate([chunks[i], chunks[i + 1]]) if i % 4 == 0 else chunks[i]
              for i in range(10) if i % 4 != 1]
    for _ in range(5):
        for rows in chunks:
            model.partial_fit(X[rows], y[rows], classes=["a", "b"])
    np.testing.assert_allclose(model.coef_, batch.coef_, rtol=1e-6, atol=1e-7)


def test_memory_does_not_grow_with_the_stream():
    X, y, _, _ = _stream(n=4000, seed=2)
    model = LogisticRegression()

    def held():
        st = model._stream_
        arrays = [st.theta, st.current.A, st.current.b, st.pass_start]
        if st.previous is not None:
            arrays += [st.previous.A, st.previous.b]
        return sum(a.nbytes for a in arrays)

    sizes = []
    for c in range(0, 4000, 100):
        model.partial_fit(X[c:c + 100], y[c:c + 100], classes=["a", "b"])
        sizes.append(held())
    assert max(sizes) == sizes[0] == (9 * 9 + 9 + 9 + 9) * 8


def test_partial_fit_model_on_every_surface(tmp_path):
    X, y, s, chunk = _stream(n=3000, seed=9)
    model = LogisticRegression()
    for _ in range(4):
        for c in range(0, 3000, chunk):
            model.partial_fit(X[c:c + chunk], y[c:c + chunk], classes=["a", "b"],
                              sample_weight=s[c:c + chunk])
    batch = LogisticRegression().fit(X, y, sample_weight=s)
    assert model.solver_ == "streaming-newton"
    assert model.score(X, y) == batch.score(X, y)
    np.testing.assert_array_equal(model.predict(X), batch.predict(X))
    with pytest.raises(ValueError, match="partial_fit keeps no rows"):
        model.summary()
    table = model.summary(X, y, sample_weight=s)
    ref = batch.summary(X, y, sample_weight=s)
    np.testing.assert_allclose(table.params, ref.params, rtol=1e-6)
    np.testing.assert_allclose(table.bse, ref.bse, rtol=1e-5)
    path = tmp_path / "m.json"
    save_model(model, path)
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-12)
    assert loaded.solver_ == "streaming-newton"
    # a loaded model continues from its coefficients
    for c in [*range(0, 3000, chunk)] * 3:
        loaded.partial_fit(X[c:c + chunk], y[c:c + chunk], sample_weight=s[c:c + chunk])
    np.testing.assert_allclose(loaded.coef_, batch.coef_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("params, call, match", [
    ({}, dict(), "classes must be passed on the first call"),
    ({}, dict(classes=["a"]), "at least two labels"),
    ({}, dict(classes=["a", "z"]), "not among classes"),
    ({"penalty": "firth"}, dict(classes=["a", "b"]), "firth"),
    ({"class_weight": "balanced"}, dict(classes=["a", "b"]), "balanced"),
    ({"C": -1.0}, dict(classes=["a", "b"]), "C must be a positive"),
])
def test_partial_fit_bad_input(params, call, match):
    X, y, _, _ = _stream(n=200, seed=1)
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**params).partial_fit(X, y, **call)


def test_partial_fit_refuses_ovr_and_changed_classes():
    X, y, _, _ = _stream(n=300, k=3, seed=1)
    with pytest.raises(ValueError, match="ovr"):
        LogisticRegression(multi_class="ovr").partial_fit(X, y, classes=["a", "b", "c"])
    model = LogisticRegression().partial_fit(X, y, classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="differ"):
        model.partial_fit(X, y, classes=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :3], y)
    model.fit(X, y)  # fit starts over
    assert not hasattr(model, "_stream_") and model.solver_ != "streaming-newton"


# -- chunks large enough that their Hessian comes from a strided row subsample ---------
def test_strided_chunk_hessian_is_the_scaled_subsample_hessian():
    """block_loss_grad_hess(stride=3): loss and gradient exact, Hessian blocks = the
    strided rows' weighted Hessian × S/S_sub (closed form, computed here)."""
    from logistic.math.binary import block_loss_grad_hess

    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 4)) * [1.0, 5.0, 0.2, 30.0] + [0.0, 100.0, 0.0, -7.0]
    y = (rng.random(500) < 0.4).astype(np.float64)
    s = rng.uniform(0.2, 3.0, 500)
    w, b = rng.standard_normal(4) * 0.02, 0.3
    exact = block_loss_grad_hess(X, y, s, w, b)
    est = block_loss_grad_hess(X, y, s, w, b, 3)
    for a, e in zip(exact[:3], est[:3], strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-14)
    z = X[::3] @ w + b
    h = s[::3] * np.exp(-np.logaddexp(0, z) - np.logaddexp(0, -z)) * (s.sum() / s[::3].sum())
    Xt = np.column_stack([X[::3], np.ones(len(z))])
    H = (Xt * h[:, None]).T @ Xt
    np.testing.assert_allclose(est[3], H[:4, :4], rtol=1e-10)
    np.testing.assert_allclose(est[4], H[:4, 4], rtol=1e-10)
    np.testing.assert_allclose(est[5], H[4, 4], rtol=1e-12)


STRIDED = [
    dict(), dict(penalty=None), dict(l1_ratio=1.0, C=0.01), dict(fit_intercept=False),
    dict(C=100.0, offset=True), dict(float32=True), dict(k=3), dict(k=3, offset=True),
]


@pytest.mark.parametrize("case", STRIDED)
def test_replays_with_strided_chunk_hessians_reach_the_batch_optimum(case):
    """Chunks of 5000 rows (a Hessian from every 4th row, on replays too; mixed scales,
    offsets 50× the spread, weights, float32, L1, multinomial): five passes within gap
    1e-6 of the batch fit, converged_ at the default tol, the stride path taken."""
    from logistic.models.fitting import hessian_stride
    from logistic.models.partial import STREAM_HESSIAN_MIN_ROWS, STREAM_REPLAY_ROWS_PER_PARAM

    case = dict(case)
    k, offset, f32 = case.pop("k", 2), case.pop("offset", False), case.pop("float32", False)
    n, d = (60_000, 6) if k == 2 else (100_000, 3)
    X, y, s, _ = _stream(n=n, d=d, k=k, seed=40 + len(STRIDED) * k + offset)
    if offset:
        X = X + 50.0 * X.std(axis=0)
    if f32:
        X = X.astype(np.float32)
    chunk = 5000
    p = (d + 1) * (1 if k == 2 else k)
    stride = hessian_stride(chunk, p, STREAM_HESSIAN_MIN_ROWS)
    assert stride >= 2 and n // stride >= STREAM_REPLAY_ROWS_PER_PARAM * p
    batch = LogisticRegression(tol=1e-12, **case).fit(X, y, sample_weight=s)
    model = _replay(LogisticRegression(**case), X, y, s, chunk)
    assert _gap_to(batch, model, X, y, s, case) <= 1e-6
    assert model.converged_


@pytest.mark.parametrize("bad, match", [
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 77, np.nan, X), "NaN"),
    (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), "infinity"),
    (lambda X: X[:, :-1], "features"),
    (lambda X: np.full_like(X, 1e300), "overflow|infinity|Rescale|large"),
])
@pytest.mark.parametrize("k", [2, 3])
def test_a_later_bad_chunk_is_refused_and_leaves_the_model_as_it_was(bad, match, k):
    """Later chunks skip validate_data when they need no conversion (their finiteness
    is read from the gradient); a NaN, an infinity, a wrong width, or values that
    overflow still get a clear error, and the refused chunk changes nothing."""
    X, y, _, _ = _stream(n=3000, k=k, seed=5)
    model = LogisticRegression().partial_fit(X[:1000], y[:1000], classes=np.unique(y))
    before = (model.coef_.copy(), model.intercept_.copy(), model.n_iter_.copy())
    with pytest.raises(ValueError, match=match):
        model.partial_fit(bad(X[1000:2000]), y[1000:2000])
    np.testing.assert_array_equal(model.coef_, before[0])
    np.testing.assert_array_equal(model.n_iter_, before[2])
    model.partial_fit(X[1000:2000].astype(np.int64), y[1000:2000])  # converted, accepted
    assert model.n_iter_[0] == 2


def test_a_short_stream_replays_with_exact_hessians():
    """Too few rows per pass for a subsampled Hessian to converge fast: the replays use
    exact chunk Hessians (quadratic convergence: the decrement vanishes by pass 4)."""
    X, y, s, _ = _stream(n=20_000, d=30, k=2, seed=9)
    model = _replay(LogisticRegression(), X, y, s, 5000)
    dec = model.history_["decrease"]
    assert model.converged_ and dec[3] <= 1e-12 * abs(model.objective_)

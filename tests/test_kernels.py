"""The compiled loss arithmetic (logistic.math.kernels) against long-double references.

Every per-sample loss, probability and Newton weight of the binary kernel, and every
softmax term and probability, on margins from 1e-300 to 1e300 in magnitude (both signs,
the ±700 cap, ±inf, NaN), must agree with the same formulas in x87 long double (64-bit
mantissa) to a few ulp; the blocks a pass sums must agree with NumPy's expressions; a NaN
must stay NaN.
"""

from __future__ import annotations

import numpy as np
import pytest

import logistic
from logistic.math import binary as bobj
from logistic.math import kernels, stable
from logistic.math import multinomial as mobj

ULP = np.finfo(np.float64).eps


def margins(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mags = np.concatenate([np.logspace(-300, 300, 3000), rng.uniform(0, 40, 20000),
                           rng.uniform(0, 800, 4000),
                           [0.0, 1e-8, 0.3465735902, 0.34657359028, 699.9, 700.0, 700.1, 745.2]])
    return np.concatenate([mags, -mags])


def long_double_binary(y, z):
    zl = z.astype(np.longdouble)
    e = np.exp(-np.abs(zl))
    loss = np.maximum((1 - 2 * y) * zl, 0) + np.log1p(e)
    p = np.where(zl >= 0, 1 / (1 + e), e / (1 + e))
    return loss, p, e / (1 + e) ** 2


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_binary_terms_are_within_a_few_ulp(label):
    z = margins(0)
    y = np.full(z.size, label)
    loss, p, pq = kernels.binary_terms(y, z)
    ref_loss, ref_p, ref_pq = long_double_binary(y, z)
    tiny = 1e-300  # the ±700 cap: anything below e^-700 may come out as e^-700
    for got, ref in [(loss, ref_loss), (p, ref_p), (pq, ref_pq)]:
        err = np.abs(got - ref.astype(np.float64))
        assert np.all(err <= 4 * ULP * np.abs(ref.astype(np.float64)) + tiny)


def test_binary_non_finite_margins():
    z = np.array([np.nan, np.inf, -np.inf, 1.0] * 2000)
    y = np.tile([0.0, 0.0, 0.0, 1.0], 2000)
    loss, p, _ = kernels.binary_terms(y, z)
    assert np.isnan(loss[0]) and np.isnan(p[0])
    assert loss[1] == np.inf and p[1] == 1.0  # wrong label at +inf: infinite loss
    assert loss[2] < 1e-300 and p[2] < 1e-300  # right label at −inf
    np.testing.assert_allclose(loss[3], np.log1p(np.exp(-1.0)), rtol=4 * ULP)


def test_softmax_terms_are_within_a_few_ulp():
    rng = np.random.default_rng(1)
    for k in (2, 3, 7, 20):
        n = 5000
        Z = rng.standard_normal((n, k)) * rng.choice([0.01, 1, 30, 300], (n, 1))
        Z += rng.choice([0.0, 1e6, -1e4], (n, 1))  # offsets the max removes
        y = rng.integers(0, k, n)
        Y = np.eye(k)[y]
        per_sample, P = kernels.softmax_terms(Y, Z)
        Zl = Z.astype(np.longdouble)
        m = Zl.max(axis=1, keepdims=True)
        E = np.exp((Z - Z.max(axis=1, keepdims=True)).astype(np.longdouble))  # as rounded
        S = E.sum(axis=1, keepdims=True)
        ref = (m + np.log(S)).ravel() - Zl[np.arange(n), y]
        refP = (E / S).astype(np.float64)
        # the loss of a row is m + log S − z_y: its rounding is relative to |m| and |z_y|
        scale = np.abs(m.ravel().astype(np.float64)) + np.abs(Z[np.arange(n), y]) + 1.0
        assert np.all(np.abs(per_sample - ref.astype(np.float64)) <= 4 * ULP * scale)
        assert np.all(np.abs(P - refP) <= 4 * ULP * refP + 1e-300)


def test_softmax_non_finite_scores():
    Z = np.zeros((5000, 3))
    Z[0, 1] = np.nan
    Z[1, 2] = np.inf
    per_sample, P = kernels.softmax_terms(np.eye(3)[np.zeros(5000, int)], Z)
    assert np.isnan(per_sample[0]) and np.isnan(P[0]).any()
    assert not np.isfinite(per_sample[1])
    np.testing.assert_allclose(per_sample[2:], np.log(3.0), rtol=4 * ULP)


@pytest.mark.parametrize("weights", [False, True])
def test_a_compiled_pass_equals_numpy(monkeypatch, weights):
    rng = np.random.default_rng(2)
    n, d = 3 * stable.COMPILED_MIN_SIZE, 7
    X = rng.standard_normal((n, d)) * 3
    y = (rng.random(n) < 0.4).astype(np.float64)
    s = rng.integers(0, 3, n).astype(np.float64) if weights else None
    w, b = rng.standard_normal(d), 0.3
    Y = np.eye(4)[rng.integers(0, 4, n)]
    W, bb = rng.standard_normal((4, d)), rng.standard_normal(4)
    fast = bobj.block_loss_grad_weights(X, y, s, w, b), mobj.block_loss_grad(X, Y, s, W, bb)
    monkeypatch.setattr(stable, "COMPILED_MIN_SIZE", 10**18)
    slow = bobj.block_loss_grad_weights(X, y, s, w, b), mobj.block_loss_grad(X, Y, s, W, bb)
    (f_sums, f_h), f_m = fast
    (s_sums, s_h), s_m = slow
    for a, c in zip([*f_sums, f_h, *f_m], [*s_sums, s_h, *s_m], strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-13, atol=1e-12)


def test_read_only_and_strided_inputs_take_the_one_compiled_type():
    z = np.linspace(-50, 50, 3 * 8192)[::3]
    y = np.zeros(z.size)
    y.flags.writeable = False
    loss, _, _ = kernels.binary_terms(y, z)
    np.testing.assert_allclose(loss, np.logaddexp(0, z), rtol=4 * ULP)
    assert len(kernels._binary.signatures) == 1


def _numpy_path(monkeypatch):
    for module in (stable, bobj, mobj):
        monkeypatch.setattr(module, "COMPILED_MIN_SIZE", 10**18)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weights", [False, True])
def test_fused_passes_equal_the_blas_path(monkeypatch, dtype, weights):
    """One read of the block (kernels.binary_pass / softmax_pass) = Xw then Xᵀr by BLAS
    (float32 rows: the fused sums are float64, BLAS's float32 — compared to float64)."""
    rng = np.random.default_rng(3)
    n, d = 2 * stable.COMPILED_MIN_SIZE + 17, 23
    X64 = rng.standard_normal((n, d)) * rng.uniform(0.01, 30, d) + rng.uniform(-5, 5, d)
    X = X64.astype(dtype)
    y = (rng.random(n) < 0.3).astype(np.float64)
    s = rng.integers(0, 3, n).astype(np.float64) if weights else None
    w = rng.standard_normal(d) / (10 * np.abs(X64).mean(0))
    Y = np.eye(5)[rng.integers(0, 5, n)]
    W = rng.standard_normal((5, d)) / (10 * np.abs(X64).mean(0))
    bb = rng.standard_normal(5)
    assert kernels.fusable(X, y, s, d)
    fast = bobj.block_loss_grad_peak(X, y, s, w, 0.4), mobj.block_loss_grad(X, Y, s, W, bb)
    _numpy_path(monkeypatch)
    ref = (bobj.block_loss_grad_peak(X.astype(np.float64), y, s, w, 0.4),
           mobj.block_loss_grad(X.astype(np.float64), Y, s, W, bb))
    ((fl, fg, fb), fpeak), (ml, mG, mb) = fast
    ((rl, rg, rb), rpeak), (nl, nG, nb) = ref
    tol = 1e-12
    assert fl == pytest.approx(rl, rel=tol) and ml == pytest.approx(nl, rel=tol)
    assert fpeak == pytest.approx(rpeak, rel=1e-12)
    np.testing.assert_allclose(fg, rg, rtol=0, atol=tol * np.abs(X64).sum(0).max())
    np.testing.assert_allclose(mG, nG, rtol=0, atol=tol * np.abs(X64).sum(0).max())
    np.testing.assert_allclose([fb, *mb], [rb, *nb], rtol=0, atol=tol * n)


@pytest.mark.parametrize("tiled", [True, False])
def test_softmax_pass_tiled_and_by_rows_match_float64_sums(monkeypatch, tiled):
    """Both ways of the fused softmax pass (tiles of rows through BLAS, or the compiled
    tiles of rows)
    against float64 NumPy sums, on a family of blocks: 1 to 2000 rows (several tiles,
    a last partial one), 1 to 300 columns (unscaled, offset), 2 to 9 classes, float32
    and float64 rows, weights with zeros."""
    monkeypatch.setattr(kernels, "TILED_MIN_CLASSES", 0 if tiled else 10**9)
    monkeypatch.setattr(kernels, "ROWS_MAX_COEF", 0 if tiled else 10**9)
    rng = np.random.default_rng(11)
    for case in range(40):
        n, d, k = int(rng.integers(1, 2000)), int(rng.integers(1, 300)), int(rng.integers(2, 10))
        dtype = (np.float64, np.float32)[case % 2]
        X = (rng.standard_normal((n, d)) * 10.0 ** rng.uniform(-3, 3, d)
             + rng.uniform(-100, 100, d)).astype(dtype)
        Y = np.eye(k)[rng.integers(0, k, n)]
        s = None if case % 3 == 0 else rng.uniform(0, 3, n) * (rng.random(n) > 0.2)
        W = rng.standard_normal((k, d)) / (10 * np.abs(X.astype(np.float64)).mean(0))
        b = rng.standard_normal(k)
        loss, G, g_b = kernels.softmax_pass(X, Y, s, W, b)
        X64 = X.astype(np.float64)
        Z = X64 @ W.T + b
        lse = Z.max(1) + np.log(np.exp(Z - Z.max(1, keepdims=True)).sum(1))
        sw = np.ones(n) if s is None else s
        R = sw[:, None] * (np.exp(Z - lse[:, None]) - Y)
        scale = np.abs(R).T @ np.abs(X64)
        assert loss == pytest.approx(float(sw @ (lse - (Y * Z).sum(1))), rel=1e-12, abs=1e-300)
        assert np.all(np.abs(G - R.T @ X64) <= 1e-12 * scale + 1e-300)
        np.testing.assert_allclose(g_b, R.sum(0), rtol=0, atol=1e-12 * np.abs(R).sum(0).max())


def test_fused_passes_keep_nan_and_refuse_other_layouts():
    n, d = 2 * stable.COMPILED_MIN_SIZE, 4
    X = np.ones((n, d))
    X[5, 2] = np.nan
    y = np.zeros(n)
    (loss, g, _), peak = bobj.block_loss_grad_peak(X, y, None, np.full(d, 0.1), 0.0)
    assert np.isnan(loss) and np.isnan(g).all() and np.isnan(peak)
    loss, G, _ = mobj.block_loss_grad(X, np.eye(3)[np.zeros(n, int)], None,
                                      np.full((3, d), 0.1), np.zeros(3))
    assert np.isnan(loss) and np.isnan(G).all()
    F = np.asfortranarray(np.ones((n, d)))
    ro = np.ones((n, d))
    ro.flags.writeable = False
    assert not kernels.fusable(F, y, None, d) and not kernels.fusable(ro, y, None, d)
    assert not kernels.fusable(X, y, None, kernels.FUSED_MAX_COEF + 1)


def test_one_blas_thread_limits_and_restores_the_blas_threads():
    """The direct thread-count switch (no threadpoolctl listing per call) holds BLAS at
    one thread inside, restores the count on the way out, after an error too, and a fit
    leaves the count as it found it."""
    from threadpoolctl import threadpool_info

    from logistic.math.blas import one_blas_thread

    def counts():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = counts()
    with one_blas_thread():
        assert set(counts()) <= {1}
        with one_blas_thread():
            assert set(counts()) <= {1}
        assert set(counts()) <= {1}
    assert counts() == before
    with pytest.raises(KeyError), one_blas_thread():
        raise KeyError("inside")
    assert counts() == before
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20_000, 30))
    y = rng.integers(0, 3, 20_000)
    logistic.LogisticRegression().fit(X, y)
    assert counts() == before

"""Per-block loss / gradient / Hessian / H·v through the backend and the problem.

References: :func:`conftest.sk_objective` (np.logaddexp) for the loss, the closed
forms Xᵀ s(σ(z) − y) + w/C and X̃ᵀ diag(s σ(1−σ)) X̃ + diag(1/C, …, 0) written here with
``scipy.special.expit`` for the gradient and the Hessian, central finite differences
of the loss (for the gradient) and of the gradient (for the Hessian), and H·v against
the dense H @ v. Everything is checked for several block sizes, down to one row per
block, and for C/F-ordered dense, float32 and CSR/CSC data; the backend's blocks must
be views of the caller's X.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import sk_objective, to_layout
from scipy.special import expit

from logistic.data import make_backend
from logistic.problems.binary import LogisticProblem

N, D = 37, 4
BLOCK_ROWS = (None, 1, 5, 16, 1000)


def _data(seed=0, weighted=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D)) * [1.0, 3.0, 0.3, 1.0]
    X[rng.random((N, D)) < 0.3] = 0.0  # some zeros, so the sparse layouts are sparse
    y = (rng.random(N) < 0.5).astype(np.float64)
    s = rng.uniform(0.2, 2.0, N) if weighted else None
    theta = rng.standard_normal(D + 1) * 0.7
    return X, y, s, theta


def _problem(X, y, s, *, C=2.0, fit_intercept=True, block_rows=None):
    kw = {} if block_rows is None else {"block_rows": block_rows}
    return LogisticProblem(make_backend(X, y, s, **kw), alpha=1 / C, fit_intercept=fit_intercept)


def _closed_form(X, y, s, theta, C, fit_intercept):
    """Objective / S, gradient / S and Hessian / S from the textbook formulas."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    n, d = X.shape
    s = np.ones(n) if s is None else s
    Xt = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    th = theta if fit_intercept else theta[:d]
    w = th[:d]
    z = Xt @ th
    p = expit(z)
    pen = np.ones(Xt.shape[1]) / C
    if fit_intercept:
        pen[-1] = 0.0
    S = s.sum()
    f = sk_objective(X, y, w, th[d] if fit_intercept else 0.0, C, s) / S
    g = (Xt.T @ (s * (p - y)) + pen * th) / S
    H = (Xt.T @ (Xt * (s * p * (1 - p))[:, None]) + np.diag(pen)) / S
    return f, g, H


def _fd_grad(fun, theta, h=1e-5):
    g = np.empty_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        g[j] = (fun(theta + e) - fun(theta - e)) / (2 * h)
    return g


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("block_rows", BLOCK_ROWS)
def test_against_closed_form(block_rows, layout, weighted, fit_intercept):
    X0, y, s, theta = _data(1, weighted)
    X = to_layout(X0, layout)
    theta = theta if fit_intercept else theta[:D]
    prob = _problem(X, y, s, fit_intercept=fit_intercept, block_rows=block_rows)
    f_ref, g_ref, H_ref = _closed_form(X0, y, s, np.append(theta, 0)[: D + 1], 2.0,
                                       fit_intercept)
    assert prob.n_params == theta.size
    assert prob.scale == pytest.approx(1 / (N if s is None else s.sum()), rel=1e-15)

    f = prob.loss(theta)
    f1, g1 = prob.loss_grad(theta)
    f2, g2, H = prob.loss_grad_hess(theta)
    f3, g3, hessp = prob.loss_grad_hessp(theta)
    for fk in (f, f1, f2, f3):
        assert fk == pytest.approx(f_ref, rel=1e-14)
    for gk in (g1, g2, g3):
        np.testing.assert_allclose(gk, g_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(H, H_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(H, H.T, rtol=1e-15, atol=1e-18)  # sparse Gram: to rounding
    rng = np.random.default_rng(2)
    for _ in range(3):
        v = rng.standard_normal(theta.size)
        np.testing.assert_allclose(hessp(v), H @ v, rtol=1e-12, atol=1e-14)
    # user units: times the total weight
    assert prob.user_objective(f) == pytest.approx(f_ref * (N if s is None else s.sum()))


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("block_rows", [None, 3])
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_finite_differences(C, block_rows, fit_intercept):
    """Gradient = central differences of the loss; Hessian = central differences of g."""
    X, y, s, theta = _data(3)
    theta = theta if fit_intercept else theta[:D]
    prob = _problem(X, y, s, C=C, fit_intercept=fit_intercept, block_rows=block_rows)
    _, g = prob.loss_grad(theta)
    _, _, H = prob.loss_grad_hess(theta)
    g_fd = _fd_grad(prob.loss, theta)
    # central differences: error ~ h²·f''' + eps·f/h ≈ 1e-10
    np.testing.assert_allclose(g, g_fd, rtol=1e-7, atol=1e-9)
    H_fd = np.column_stack(
        [_fd_grad(lambda t, j=j: prob.loss_grad(t)[1][j], theta) for j in range(theta.size)]
    )
    np.testing.assert_allclose(H, H_fd, rtol=1e-6, atol=1e-9)


def test_blocks_agree():
    """The sums do not depend on how the rows are cut into blocks (to rounding)."""
    X, y, s, theta = _data(4)
    ref = _problem(X, y, s, block_rows=N)
    f0, g0, H0 = ref.loss_grad_hess(theta)
    for block_rows in (1, 2, 5, 36):
        prob = _problem(X, y, s, block_rows=block_rows)
        assert prob.backend.n_blocks == -(-N // block_rows)
        f, g, H = prob.loss_grad_hess(theta)
        assert f == pytest.approx(f0, rel=1e-15)
        np.testing.assert_allclose(g, g0, rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(H, H0, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("layout", ["C", "F", "csr", "csc"])
@pytest.mark.parametrize("block_rows", [None, 4])
def test_float32(layout, block_rows):
    """float32 X: same numbers as float64 to float32 precision; sums in float64."""
    X0, y, s, theta = _data(5)
    X32 = to_layout(X0, layout, np.float32)
    X64 = X32.astype(np.float64)  # the same data, exactly
    p32 = _problem(X32, y, s, block_rows=block_rows)
    p64 = _problem(X64, y, s, block_rows=block_rows)
    # dense float32 stays float32; sparse float32 gets float64 values (exact products)
    assert p32.backend.dtype == (np.float64 if layout in ("csr", "csc") else np.float32)
    f32, g32, H32 = p32.loss_grad_hess(theta)
    f64, g64, H64 = p64.loss_grad_hess(theta)
    for out in (f32, g32, H32):
        assert np.asarray(out).dtype == np.float64
    assert f32 == pytest.approx(f64, rel=1e-6)
    np.testing.assert_allclose(g32, g64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H32, H64, rtol=1e-5, atol=1e-6)
    _, _, hessp = p32.loss_grad_hessp(theta)
    v = np.random.default_rng(0).standard_normal(D + 1)
    np.testing.assert_allclose(hessp(v), H64 @ v, rtol=1e-5, atol=1e-6)


def test_large_margins_finite():
    """Margins of ±1e5: loss finite and exact (= sum of wrong-side |z|), gradient finite."""
    X, y, s, _ = _data(6, weighted=False)
    theta = np.array([1e5, -1e5, 3e4, 0.0, 0.0])
    prob = _problem(X, y, None, C=1.0)
    f, g, H = prob.loss_grad_hess(theta)
    assert np.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(H))
    assert f == pytest.approx(_closed_form(X, y, None, theta, 1.0, True)[0], rel=1e-14)


def test_curvature_bound_is_an_upper_bound():
    X, y, s, theta = _data(7)
    prob = _problem(X, y, s, C=0.5)
    L = prob.curvature_bound()
    for scale in (0.0, 1.0, 10.0):
        _, _, H = prob.loss_grad_hess(scale * theta)
        assert np.linalg.eigvalsh(H).max() <= L * (1 + 1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("block_rows", [None, 1, 7])
def test_dense_blocks_are_views(layout, dtype, block_rows):
    X0, y, s, _ = _data(8)
    X = to_layout(X0, layout, dtype)
    backend = make_backend(X, y, s, **({} if block_rows is None else {"block_rows": block_rows}))
    blocks = list(backend.blocks())
    assert len(blocks) == backend.n_blocks == (1 if block_rows is None else -(-N // block_rows))
    assert sum(b[0].shape[0] for b in blocks) == N
    for X_b, y_b, s_b in blocks:
        assert X_b.dtype == dtype
        assert np.shares_memory(X_b, X), "a block of X was copied"
        assert np.shares_memory(y_b, y) and np.shares_memory(s_b, s)


@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_sparse_is_not_copied(layout):
    X0, y, s, _ = _data(9)
    X = to_layout(X0, layout, np.float64)
    backend = make_backend(X, y, s)
    for X_b, _, _ in backend.blocks():
        assert X_b.format == layout and X_b.dtype == np.float64
        assert np.shares_memory(X_b.data, X.data)
    # float32 values are widened once; the index arrays are still X's own
    X32 = X.astype(np.float32)
    (X_b, _, _), = make_backend(X32, y, s).blocks()
    assert X_b.dtype == np.float64 and np.shares_memory(X_b.indices, X32.indices)
    np.testing.assert_array_equal(X_b.toarray(), X32.toarray())


def test_threaded_blocks_give_identical_sums():
    """Mapping blocks over threads combines them in block order: bit-identical sums."""
    from logistic.data import make_backend
    from logistic.problems.binary import LogisticProblem

    rng = np.random.default_rng(5)
    X = rng.standard_normal((3000, 7))
    y = (rng.random(3000) < 0.4).astype(float)
    theta = rng.standard_normal(8) * 0.3
    results = []
    for jobs in (1, 2):
        backend = make_backend(X, y, None, block_rows=256, n_jobs=jobs)
        problem = LogisticProblem(backend, alpha=1.0, fit_intercept=True)
        results.append(problem.loss_grad(theta))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("dtype,gram_dtype", [(np.float64, None), (np.float64, np.float32),
                                               (np.float32, None)])
def test_standardised_hessian_in_row_blocks_equals_the_closed_form(monkeypatch, dtype,
                                                                   gram_dtype):
    """block_hessian with ``standardize`` forms the standardised Hessian row block by
    row block through one buffer (a buffer of 40 rows here, so many blocks and a short
    last one): the closed form :math:`T^\\top X^\\top D X T` of centred, scaled columns
    (offsets 1e3 times the spread, 10 for float32 rows; weights), to the rounding of
    ``gram_dtype``."""
    from logistic.math import binary

    monkeypatch.setattr(binary, "GRAM_BUFFER_BYTES", 40 * 11 * np.dtype(dtype).itemsize)
    rng = np.random.default_rng(7)
    for n in (1, 39, 333):
        scale = 10.0 ** rng.uniform(-2, 2, 11)
        offset = 1e3 if dtype == np.float64 else 10.0  # float32 rows centre to ~1e-7·offset
        X = (rng.standard_normal((n, 11)) * scale + offset * scale).astype(dtype)
        y = (rng.random(n) < 0.4).astype(float)
        s = rng.uniform(0.1, 3.0, n)
        w = rng.standard_normal(11) / scale * 3e-4  # margins of order 1
        mean, sigma = offset * scale, scale * rng.uniform(0.8, 1.2, 11)
        H_ww, H_wb, H_bb = binary.block_hessian(X, y, s, w, 0.2, gram_dtype, (mean, sigma))
        X64 = X.astype(np.float64)
        p = expit(X64 @ w + 0.2)
        h = s * p * (1 - p)
        Z = (X64 - mean) / sigma
        rtol = 1e-12 if dtype == np.float64 and gram_dtype is None else 2e-5
        want = Z.T @ (Z * h[:, None])
        np.testing.assert_allclose(H_ww, want, rtol=rtol, atol=rtol * np.abs(want).max())
        np.testing.assert_allclose(H_wb, Z.T @ h, rtol=rtol, atol=rtol * np.abs(Z.T @ h).max())
        assert float(H_bb) == pytest.approx(float(h.sum()), rel=rtol)

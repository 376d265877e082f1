"""The multinomial Hessian's Gram products: exact, in bounded memory.

``block_hess_columns`` forms all pair Grams of a class in one matrix product per slice
of rows; a whole block at once took k copies of the block (42 MB for 10k rows × 50
columns × 10 classes), which pushed the 200k×50, 10-class fit of the benchmark
families over its memory budget.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from logistic.math.multinomial import PAIR_SLICE_BYTES, block_hess_columns


@pytest.mark.parametrize("n, d, k, dtype", [(6000, 40, 8, np.float64), (3001, 7, 4, np.float32),
                                            (300, 20, 3, np.float64), (2500, 5, 20, np.float64),
                                            (700, 12, 5, np.float32)])
def test_pair_grams_are_exact_and_bounded(n, d, k, dtype):
    rng = np.random.default_rng(n + d + k)
    X = (rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d)).astype(dtype)
    Z = rng.standard_normal((n, k))
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    s = rng.uniform(0.5, 2, n)
    tracemalloc.start()
    Y = np.eye(k)[rng.integers(0, k, n)]
    H_WW, H_Wb, H_bb = block_hess_columns(X, Y, s, (P, s), None)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    Xd = X.astype(np.float64)
    for c in (0, k - 1):  # the first class's pairs are all its slice's, the last's one
        for e in range(k):
            h = s * P[:, c] * ((c == e) - P[:, e])
            ref = Xd.T @ (Xd * h[:, None])
            tol = 1e-10 if dtype == np.float64 else 2e-4
            np.testing.assert_allclose(H_WW[c, e], ref, rtol=tol, atol=tol * np.abs(ref).max())
            v = Xd.T @ h
            np.testing.assert_allclose(H_Wb[c, e], v, rtol=tol, atol=tol * np.abs(v).max())
            assert H_bb[c, e] == pytest.approx(h.sum(), rel=1e-10)
    result = H_WW.nbytes + H_Wb.nbytes + H_bb.nbytes
    # the output, the per-class weights and one slice's product, not k copies of X
    bound = result + 4 * n * k * 8 + 2 * PAIR_SLICE_BYTES + 4 * X.nbytes // max(1, k)
    assert peak <= bound + (1 << 20)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("spread", [0.1, 30.0])
def test_cross_pair_blocks_match_the_pair_weights(k, spread):
    """The blocks are formed from the k(k-1)/2 cross pairs (each diagonal block as the
    sum of its row's cross Grams): equal to X' diag(s p_c (δ - p_c')) X for every pair,
    with confident rows (probabilities within 1e-13 of one), zero weights and an
    offset, unscaled column."""
    rng = np.random.default_rng(k + int(spread))
    n, d = 900, 6
    X = rng.standard_normal((n, d)) * rng.uniform(0.01, 100, d) + 5.0
    Z = rng.standard_normal((n, k)) * spread
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    s = rng.uniform(0, 3, n)
    s[::7] = 0.0
    Y = np.eye(k)[rng.integers(0, k, n)]
    H_WW, H_Wb, H_bb = block_hess_columns(X, Y, s, (P, s), None)
    Xl = X.astype(np.longdouble)
    for c in range(k):
        for e in range(k):
            h = s * P[:, c] * ((c == e) - P[:, e]) if c != e else s * P[:, c] * np.sum(
                np.delete(P, c, axis=1), axis=1)  # 1 - p_c without its cancellation
            ref = (Xl.T @ (Xl * h.astype(np.longdouble)[:, None])).astype(np.float64)
            scale = np.abs(ref).max() + 1e-300
            np.testing.assert_allclose(H_WW[c, e], ref, rtol=1e-11, atol=1e-11 * scale)
            v = (Xl.T @ h.astype(np.longdouble)).astype(np.float64)
            np.testing.assert_allclose(H_Wb[c, e], v, rtol=1e-11, atol=1e-11 * (np.abs(v).max()
                                                                               + 1e-300))
            assert H_bb[c, e] == pytest.approx(h.sum(), rel=1e-11, abs=1e-300)
    # the class blocks sum to zero along a row: the model's one redundant direction
    np.testing.assert_allclose(H_WW.sum(axis=1), 0, atol=1e-10 * np.abs(H_WW).max())


@pytest.mark.parametrize("k, dtype, weights, standardize, cols", [
    (2, np.float64, False, True, None), (3, np.float64, True, True, None),
    (3, np.float32, True, False, [0, 3, 4]), (10, np.float64, True, False, None),
    (6, np.float32, False, True, None)])
def test_hessian_at_zero_coefficients_is_the_general_one(k, dtype, weights, standardize, cols):
    """At W = 0 (where Newton starts) every row has the probabilities softmax(b), and the
    blocks come from one weighted Gram (``_hess_at_zero_coef``): equal to the general
    per-row path, with weights, standardisation, a column subset and float32 rows."""
    from logistic.math.binary import standardized_block
    from logistic.math.multinomial import block_hess_columns_at

    rng = np.random.default_rng(k + int(weights))
    n, d = 1500, 6
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 30, d) + rng.uniform(-5, 5, d)
    X = X.astype(dtype)
    Y = np.eye(k)[rng.integers(0, k, n)]
    s = rng.uniform(0, 3, n) if weights else None
    b = rng.standard_normal(k) * 2
    moments = (X.mean(0, dtype=np.float64), X.std(0, dtype=np.float64)) if standardize else None
    fast = block_hess_columns_at(X, Y, s, np.zeros((k, d)), b, cols, moments)
    XJ = X if cols is None else X[:, cols]
    if moments is not None:
        XJ = standardized_block(np, XJ, moments, XJ.dtype)
    p = np.exp(b - b.max()) / np.exp(b - b.max()).sum()
    P = np.tile(p, (n, 1))
    ref = block_hess_columns(XJ.astype(np.float64), Y, s, (P, s), None)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    scale = np.abs(ref[0]).max()
    for a, r in zip(fast, ref, strict=True):
        np.testing.assert_allclose(a, r, rtol=0, atol=tol * scale)

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

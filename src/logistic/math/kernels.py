r"""Compiled hot-path arithmetic: the binary log-loss terms and the softmax, from one ``exp``.

Once the products with ``X`` are done by BLAS, what is left of a pass is elementwise:
:math:`e = \exp(-|z|)`, :math:`\log1p(e)`, :math:`1/(1+e)` per sample (binary), or a
row maximum, :math:`k` exponentials and a log per row (softmax). NumPy evaluates
``exp`` and ``log1p`` in float64 by scalar library calls on this kind of CPU (about
10 and 16 ns each, against 0.3 ns for a multiply), and every step of
:func:`logistic.math.stable.loss_and_sigmoid` allocates and fills an array, so on tall
data these few lines cost as much as the matrix products. Here the same formulas run
as one loop compiled by numba, with

* :math:`\exp(-a)`, :math:`a \ge 0`: :math:`a = k\ln 2 - r` with :math:`k` the nearest
  integer to :math:`a/\ln 2` (Cody–Waite: :math:`\ln 2` in two parts, so
  :math:`r` is exact to an ulp), :math:`|r| \le \tfrac12\ln 2`, then
  :math:`e^{r}` by its Taylor polynomial of degree 13 (truncation
  :math:`0.347^{14}/14! < 10^{-17}`) times :math:`2^{-k}` from a table. :math:`a` is
  capped at 700: :math:`e^{-700} \approx 10^{-304}` stands for anything smaller, an
  absolute change below :math:`10^{-300}` in a loss or a probability;
* :math:`\log1p(e)`, :math:`e \in (0, 1]`: :math:`2\operatorname{atanh}(t)` with
  :math:`t = e/(2+e) \le \tfrac13`, by its odd series to :math:`t^{35}`
  (:math:`9^{-18}/37 < 10^{-19}`);

straight-line arithmetic that LLVM vectorises. Measured against long double: every
loss term and probability within 3 ulp (the library functions are within 1), sums
taken by NumPy's pairwise summation as before; 7–10 ns per sample against 50–90 ns
for the NumPy expressions on the 2-core test machine. A NaN margin gives NaN loss and
probability, as in NumPy, so :func:`~logistic.problems.binary.require_finite` still
names the problem.

For dense blocks with few coefficients the whole pass is fused (:func:`binary_pass`,
:func:`softmax_pass`): each row is read once for its margins, loss and its share of the
gradient, instead of once by each of BLAS's two thin products (see the section below).

Used by :mod:`logistic.math.stable` for NumPy float64 arrays of at least
:data:`~logistic.math.stable.COMPILED_MIN_SIZE` entries (smaller ones, other dtypes
and other array namespaces take the NumPy expressions, so that small fits never import
numba); compiled once into
numba's disk cache by ``logistic warmup`` (:mod:`logistic.models.warmup`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["binary_terms", "softmax_terms", "binary_pass", "softmax_pass", "fusable",
           "FUSED_MAX_COEF"]

_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits: k·_LN2_HI is exact for k ≤ 2^20
_LN2_LO = 1.90821492927058770002e-10  # ln 2 − _LN2_HI
_INV_LN2 = 1.4426950408889634
_CAP = 700.0
_TWO_POW = np.array([2.0**-k for k in range(1011)])  # 2^-k for k ≤ 700/ln 2 + 1

_OPTS = {"cache": True, "fastmath": {"contract"}, "error_model": "numpy", "boundscheck": False}


@njit(inline="always", **_OPTS)
def _exp_neg(a, table):
    """:math:`e^{-a}` for :math:`a \\ge 0` (NaN for NaN; :math:`e^{-700}` beyond 700)."""
    capped = a if a < _CAP else _CAP  # NaN → the cap (a safe table index) ...
    k = np.floor(capped * _INV_LN2 + 0.5)
    r = (k * _LN2_HI - capped) + k * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    e = p * table[int(k)]
    return e if a == a else a  # ... and NaN back out


@njit(inline="always", **_OPTS)
def _log1p_small(e):
    """:math:`\\log(1 + e)` for :math:`0 \\le e \\le 1`: :math:`2\\operatorname{atanh}(e/(2+e))`."""
    t = e / (2.0 + e)
    t2 = t * t
    q = 1.0 / 35.0
    q = q * t2 + 1.0 / 33.0
    q = q * t2 + 1.0 / 31.0
    q = q * t2 + 1.0 / 29.0
    q = q * t2 + 1.0 / 27.0
    q = q * t2 + 1.0 / 25.0
    q = q * t2 + 1.0 / 23.0
    q = q * t2 + 1.0 / 21.0
    q = q * t2 + 1.0 / 19.0
    q = q * t2 + 1.0 / 17.0
    q = q * t2 + 1.0 / 15.0
    q = q * t2 + 1.0 / 13.0
    q = q * t2 + 1.0 / 11.0
    q = q * t2 + 1.0 / 9.0
    q = q * t2 + 1.0 / 7.0
    q = q * t2 + 1.0 / 5.0
    q = q * t2 + 1.0 / 3.0
    q = q * t2 + 1.0
    return 2.0 * t * q


@njit(inline="always", **_OPTS)
def _binary_sample(zi, yi, table):
    r"""One sample's log-loss, :math:`\sigma(z)` and :math:`e = e^{-|z|}`,
    :math:`1/(1+e)` (NaN in, NaN out)."""
    e = _exp_neg(abs(zi), table)
    inv = 1.0 / (1.0 + e)
    m = (1.0 - 2.0 * yi) * zi
    hinge = m if m > 0.0 else 0.0
    loss = (hinge if zi == zi else zi) + _log1p_small(e)
    return loss, (inv if zi >= 0.0 else e * inv), e, inv


@njit(inline="always", **_OPTS)
def _softmax_row(z, y, out, table):
    r"""One row's :math:`\operatorname{lse}(z) - y\cdot z` (NaN if a score is NaN), its
    probabilities written into ``out``."""
    m = -np.inf
    bad = False
    for c in range(z.shape[0]):
        m = z[c] if z[c] > m else m
        bad = bad or z[c] != z[c]
    total = 0.0
    yz = 0.0
    for c in range(z.shape[0]):
        e = _exp_neg(m - z[c], table)
        out[c] = e
        total += e
        yz += y[c] * z[c]
    inv = 1.0 / total
    for c in range(z.shape[0]):
        out[c] *= inv
    return (m + math.log(total) - yz) if not bad else math.nan


@njit(nogil=True, **_OPTS)
def _binary(y, z, loss, p, pq, table):
    for i in range(z.shape[0]):
        loss[i], p[i], e, inv = _binary_sample(z[i], y[i], table)
        pq[i] = e * inv * inv


def _own(a: np.ndarray) -> np.ndarray:
    """``a`` C-contiguous and writeable: the one array type the kernels are compiled for
    (numba types a read-only array apart, and would compile again mid-fit)."""
    a = np.ascontiguousarray(a)
    return a if a.flags.writeable else a.copy()


def binary_terms(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample log-loss, :math:`\\sigma(z)` and :math:`\\sigma(z)\\sigma(-z)` of float64
    ``y`` (0/1) and ``z`` (what :func:`logistic.math.stable.loss_and_sigmoid` returns)."""
    z, y = _own(z), _own(y)
    loss, p, pq = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    _binary(y, z, loss, p, pq, _TWO_POW)
    return loss, p, pq


@njit(nogil=True, **_OPTS)
def _softmax(Y, Z, per_sample, P, table):
    for i in range(Z.shape[0]):
        per_sample[i] = _softmax_row(Z[i], Y[i], P[i], table)


def softmax_terms(Y: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Per-sample :math:`\operatorname{lse}(z_i) - y_i\cdot z_i` and the probabilities
    :math:`P` of float64 one-hot ``Y`` and scores ``Z`` (n, k), from
    :math:`m_i = \max_c z_{ic}` and one :math:`e^{z_{ic} - m_i}` per entry."""
    Z, Y = _own(Z), _own(Y)
    per_sample, P = np.empty(Z.shape[0]), np.empty_like(Z)
    _softmax(Y, Z, per_sample, P, _TWO_POW)
    return per_sample, P


# ------------------------------------------------------------------ fused passes
# A pass's loss and gradient read each row of X twice: z = Xw (or XWᵀ) and then Xᵀr.
# BLAS does each as a matrix-vector (or thin matrix) product, which streams X from
# memory at a few GB/s; here one loop reads a row once, forms its margins, loss and
# residuals, and adds r_i x_i to the gradient while the row is in cache. Measured
# (one thread, 8192-row blocks of float64): 50 columns × 3 classes 4.7 against 34 ms,
# 100 × 3 3.1 against 9.6 ms, 20 × 20 11 against 27 ms; at 500 columns × 20 classes BLAS's
# blocked product is faster, so these run while k·d ≤ FUSED_MAX_COEF.

#: Coefficients (k·d, or d for a binary model) up to which a fused pass beats BLAS.
FUSED_MAX_COEF = 4096


@njit(nogil=True, fastmath={"contract", "reassoc"}, cache=True, boundscheck=False)
def _dot(x, w):  # not inlined by numba: its reassociation (a vectorised sum) stays its own
    acc = 0.0
    for j in range(x.shape[0]):
        acc += x[j] * w[j]
    return acc


@njit(nogil=True, **_OPTS)
def _binary_pass(X, y, s, w, b, g, per_sample, table):
    """Per-sample (weighted) loss into ``per_sample``, Σ s(p−y)x into ``g``; returns
    (Σ s(p−y), largest |z| over rows of positive weight)."""
    n, d = X.shape
    weighted = s.shape[0] == n
    g_b = 0.0
    peak = 0.0
    for i in range(n):
        x = X[i]
        zi = _dot(x, w) + b
        loss, p, _, _ = _binary_sample(zi, y[i], table)
        si = s[i] if weighted else 1.0
        per_sample[i] = si * loss
        r = si * (p - y[i])
        g_b += r
        a = abs(zi)
        if si > 0.0 and peak == peak and not a <= peak:  # a NaN stays, so that it is seen
            peak = a
        for j in range(d):
            g[j] += r * x[j]
    return g_b, peak


@njit(nogil=True, **_OPTS)
def _softmax_pass(X, Y, s, W, b, G, g_b, per_sample, table):
    """Per-sample (weighted) softmax loss into ``per_sample``, Σ s(p−y)xᵀ into ``G``
    and Σ s(p−y) into ``g_b``."""
    n, d = X.shape
    k = W.shape[0]
    weighted = s.shape[0] == n
    z = np.empty(k)
    q = np.empty(k)
    for i in range(n):
        x = X[i]
        for c in range(k):
            z[c] = _dot(x, W[c]) + b[c]
        si = s[i] if weighted else 1.0
        per_sample[i] = si * _softmax_row(z, Y[i], q, table)
        for c in range(k):
            r = si * (q[c] - Y[i, c])
            g_b[c] += r
            gc = G[c]
            for j in range(d):
                gc[j] += r * x[j]


# The per-row loop above forms each score as its own dot product and adds each
# residual's row to the gradient one row at a time: about 44 ns of a 118 ns row for
# the dots, as much again for the additions (2000×100 float64, 3 classes, one thread).
# By tiles of rows that stay in the core's cache, BLAS does both as two small matrix
# products, Z = X_t Wᵀ and G += R_tᵀ X_t (the tile read from cache the second time),
# and the loop keeps only the softmax. Measured as passes over ~40 MB of rows on two
# threads (tiled / per-row time): 5 classes 0.78–0.91, 8–20 classes 0.60–0.72, float32
# rows (widened to float64 tile by tile: the scores stay float64) about the same; but
# with 3 classes the pass is bound by the memory's bandwidth, and the tiles' phases
# without reads cost more than BLAS saves (1.02–1.19), except for float64 rows of 300
# columns (0.82). So: from TILED_MIN_CLASSES classes on, or TILED_MIN_COLUMNS
# columns of float64.

#: Bytes of a tile of rows (float64): well within a core's L2 between its two products.
TILE_BYTES = 256 << 10
#: The tiled pass runs from this many classes on ...
TILED_MIN_CLASSES = 5
#: ... or, for float64 rows, this many columns.
TILED_MIN_COLUMNS = 256


@njit(nogil=True, inline="always", **_OPTS)
def _softmax_tile(Xt, lo, Y, s, weighted, Wt, b, G, g_b, per_sample, table, q, R):
    """One tile of :func:`_softmax_tiled64` / :func:`_softmax_tiled32`: the float64 rows
    ``Xt`` from row ``lo``."""
    m = Xt.shape[0]
    k = Wt.shape[1]
    Z = np.dot(Xt, Wt)
    for i in range(m):
        z = Z[i]
        for c in range(k):
            z[c] += b[c]
        si = s[lo + i] if weighted else 1.0
        per_sample[lo + i] = si * _softmax_row(z, Y[lo + i], q, table)
        for c in range(k):
            r = si * (q[c] - Y[lo + i, c])
            g_b[c] += r
            R[i, c] = r
    G += np.dot(R[:m].T, Xt)


@njit(nogil=True, **_OPTS)
def _softmax_tiled64(X, Y, s, Wt, b, G, g_b, per_sample, table, tile):
    """:func:`_softmax_pass` by tiles of ``tile`` float64 rows (``Wt`` = Wᵀ, C-ordered)."""
    n = X.shape[0]
    q = np.empty(Wt.shape[1])
    R = np.empty((tile, Wt.shape[1]))
    for lo in range(0, n, tile):
        _softmax_tile(X[lo : min(n, lo + tile)], lo, Y, s, s.shape[0] == n, Wt, b, G, g_b,
                      per_sample, table, q, R)


@njit(nogil=True, **_OPTS)
def _softmax_tiled32(X, Y, s, Wt, b, G, g_b, per_sample, table, tile):
    """:func:`_softmax_tiled64` for float32 rows, each tile widened to float64 first."""
    n, d = X.shape
    q = np.empty(Wt.shape[1])
    R = np.empty((tile, Wt.shape[1]))
    buf = np.empty((tile, d))
    for lo in range(0, n, tile):
        m = min(n, lo + tile) - lo
        for i in range(m):
            for j in range(d):
                buf[i, j] = X[lo + i, j]
        _softmax_tile(buf[:m], lo, Y, s, s.shape[0] == n, Wt, b, G, g_b, per_sample, table,
                      q, R)


_NO_WEIGHTS = np.empty(0)


def fusable(X, labels, s, n_coef: int) -> bool:
    """Whether a fused pass takes this block: C-contiguous writeable NumPy float32/64
    rows, float64 labels and weights, few enough coefficients."""
    return (type(X) is np.ndarray and X.ndim == 2 and X.flags.c_contiguous
            and X.flags.writeable and X.dtype in (np.float64, np.float32)
            and n_coef <= FUSED_MAX_COEF and type(labels) is np.ndarray
            and labels.dtype == np.float64 and labels.flags.c_contiguous
            and (s is None or (type(s) is np.ndarray and s.dtype == np.float64)))


def binary_pass(X, y, s, w, b) -> tuple[tuple[float, np.ndarray, float], float]:
    """``((loss, g_w, g_b), peak)`` of :func:`logistic.math.binary.block_loss_grad_peak`
    in one read of the block (see :func:`fusable`)."""
    g = np.zeros(X.shape[1])
    per_sample = np.empty(X.shape[0])
    w = np.ascontiguousarray(w, dtype=np.float64)
    g_b, peak = _binary_pass(X, _own(y), _NO_WEIGHTS if s is None else _own(s), w, float(b), g,
                             per_sample, _TWO_POW)
    return (float(np.sum(per_sample)), g, g_b), peak


def softmax_pass(X, Y, s, W, b) -> tuple[float, np.ndarray, np.ndarray]:
    """``(loss, G_W, g_b)`` of :func:`logistic.math.multinomial.block_loss_grad` in one
    read of the block (see :func:`fusable`)."""
    k, d = W.shape
    G, g_b = np.zeros((k, d)), np.zeros(k)
    per_sample = np.empty(X.shape[0])
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), (k,)).copy()
    Y, s = _own(Y), _NO_WEIGHTS if s is None else _own(s)
    tiled = d > 0 and (k >= TILED_MIN_CLASSES
                       or (X.dtype == np.float64 and d >= TILED_MIN_COLUMNS))
    if tiled:
        Wt = np.ascontiguousarray(np.asarray(W, dtype=np.float64).T)
        tile = max(16, TILE_BYTES // (8 * d))
        run = _softmax_tiled64 if X.dtype == np.float64 else _softmax_tiled32
        run(X, Y, s, Wt, b, G, g_b, per_sample, _TWO_POW, tile)
    else:
        _softmax_pass(X, Y, s, np.ascontiguousarray(W, dtype=np.float64), b, G, g_b,
                      per_sample, _TWO_POW)
    return float(np.sum(per_sample)), G, g_b

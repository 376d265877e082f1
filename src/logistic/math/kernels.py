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
def _exp_poly(a):
    """``(p, k)`` with :math:`e^{-a} = p\\cdot 2^{-k}` for :math:`a \\ge 0` (a NaN or
    anything beyond the cap gives the cap's: the callers put a NaN back)."""
    capped = a if a < _CAP else _CAP  # NaN → the cap (a safe table index / exponent)
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
    return p, k


@njit(inline="always", **_OPTS)
def _exp_neg(a, table):
    """:math:`e^{-a}` for :math:`a \\ge 0` (NaN for NaN; :math:`e^{-700}` beyond 700)."""
    p, k = _exp_poly(a)
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


# The softmax pass works on tiles of ROWS rows, in three phases that each vectorise:
# the tile's scores (a dot product per row and class, the rows streamed from memory in
# order), their softmax *across* the tile's rows (class by class, so that the
# exponentials and logs run SIMD-wide: 2^-k is built from its bits rather than read from
# a table, which a vectorised loop could only gather), and the gradient's share of the
# tile four rows at a time while they are in cache (one update of G per four rows
# instead of per row: a row-by-row update is bound by its stores). Measured (one
# thread, 25,000 rows, 3 classes; the per-row loop that this replaced = 1): 0.74 at 100
# columns, 0.56 at 50, 0.49 at 20, 0.67 for 100 × 4, 0.70 for 100 × 5; beside BLAS's
# tiles (below) 0.70–0.94 up to 5 classes and k·d ≤ 1500, 0.97–1.02 with 8 classes at
# ≤ 100 columns, 1.2–1.9 from 8 classes at 300 columns or 12 at 100.

#: Rows of a tile of the softmax pass (their scores and residuals stay in registers'
#: reach: (k, ROWS) arrays).
ROWS = 64
_MANTISSA = (1 << 52) - 1
_ONE_BITS = 1023 << 52


@njit(nogil=True, inline="always", **_OPTS)
def _tile_softmax(Z, m, M, S, Sbits, E, Ebits):
    r"""The softmax of the first ``m`` columns of the class-major scores ``Z`` (k, ROWS),
    in place; ``M`` ← :math:`\max_c z_c + \log\sum_c e^{z_c - \max}` (the row's
    log-sum-exp). NaN scores give NaN probabilities and a NaN log-sum-exp.

    :math:`\log S` for :math:`1 \le S \le k`: :math:`S = 2^q f`, :math:`1 \le f < 2`
    read from the bits, :math:`\log S = q\ln 2 + \operatorname{log1p}(f - 1)`."""
    k = Z.shape[0]
    for t in range(m):
        M[t] = Z[0, t]
        S[t] = 0.0
    for c in range(1, k):
        for t in range(m):
            v = Z[c, t]
            M[t] = v if v > M[t] else M[t]
    scale = Ebits.view(np.float64)
    for c in range(k):
        for t in range(m):
            p, q = _exp_poly(M[t] - Z[c, t])
            E[t] = p
            Ebits[t] = (1023 - np.int64(q)) << 52  # 2^-q, q ≤ 1010
        for t in range(m):
            a = M[t] - Z[c, t]
            e = E[t] * scale[t]
            e = e if a == a else a
            Z[c, t] = e
            S[t] += e
    bits = S.view(np.int64)
    f = Sbits.view(np.float64)
    for t in range(m):
        Sbits[t] = (bits[t] & _MANTISSA) | _ONE_BITS
    for t in range(m):
        q = np.float64((bits[t] >> 52) - 1023)
        M[t] += q * _LN2_HI + (q * _LN2_LO + _log1p_small(f[t] - 1.0))
        S[t] = 1.0 / S[t]
    for c in range(k):
        for t in range(m):
            Z[c, t] *= S[t]


@njit(nogil=True, inline="always", **_OPTS)
def _tile_grad(X, lo, m, R, G):
    """``G += R[:, :m] X[lo:lo+m]`` (R class-major), four rows at a time."""
    k, d = G.shape
    m4 = m - m % 4
    for t in range(0, m4, 4):
        i = lo + t
        for c in range(k):
            r0, r1, r2, r3 = R[c, t], R[c, t + 1], R[c, t + 2], R[c, t + 3]
            for j in range(d):
                G[c, j] += ((r0 * X[i, j] + r1 * X[i + 1, j])
                            + (r2 * X[i + 2, j] + r3 * X[i + 3, j]))
    for t in range(m4, m):
        for c in range(k):
            r = R[c, t]
            for j in range(d):
                G[c, j] += r * X[lo + t, j]


@njit(nogil=True, **_OPTS)
def _softmax_pass(X, Y, s, W, b, G, g_b, tile_loss):
    """Σ s(p−y)xᵀ into ``G``, Σ s(p−y) into ``g_b`` and each tile's (weighted) softmax
    loss into ``tile_loss``, by tiles of :data:`ROWS` rows."""
    n, d = X.shape
    k = W.shape[0]
    weighted = s.shape[0] == n
    Z, w = np.empty((k, ROWS)), np.ones(ROWS)
    M, S, E, yz = np.empty(ROWS), np.empty(ROWS), np.empty(ROWS), np.empty(ROWS)
    Sbits, Ebits = np.empty(ROWS, np.int64), np.empty(ROWS, np.int64)
    for lo in range(0, n, ROWS):
        m = min(n, lo + ROWS) - lo
        for t in range(m):
            x = X[lo + t]
            acc = 0.0
            for c in range(k):
                z = _dot(x, W[c]) + b[c]
                Z[c, t] = z
                acc += Y[lo + t, c] * z
            yz[t] = acc
            if weighted:
                w[t] = s[lo + t]
        _tile_softmax(Z, m, M, S, Sbits, E, Ebits)
        loss = 0.0
        for t in range(m):
            loss += w[t] * (M[t] - yz[t])
        tile_loss[lo // ROWS] = loss
        for c in range(k):
            total = 0.0
            for t in range(m):
                r = w[t] * (Z[c, t] - Y[lo + t, c])
                Z[c, t] = r
                total += r
            g_b[c] += total
        _tile_grad(X, lo, m, Z, G)


# With many classes, or many coefficients, the scores and the gradient's share of a
# tile are better done by BLAS as two small matrix products, Z = X_t Wᵀ and
# G += R_tᵀ X_t (the tile read from cache the second time); the loop keeps only the
# softmax. Measured beside the tiles of rows above (one thread, 20,000 rows): 0.56–0.68
# of their time with 8 classes at 300–500 columns, 0.84 with 12 at 100, about the same
# with 8 at ≤ 100 columns; float32 rows are widened to float64 tile by tile (the scores
# stay float64). So: from TILED_MIN_CLASSES classes on, or beyond ROWS_MAX_COEF
# coefficients.

#: Bytes of a tile of rows (float64): well within a core's L2 between its two products.
TILE_BYTES = 256 << 10
#: The BLAS tiles run from this many classes on ...
TILED_MIN_CLASSES = 8
#: ... or beyond this many coefficients k·d.
ROWS_MAX_COEF = 1600


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
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), (k,)).copy()
    Y, s = _own(Y), _NO_WEIGHTS if s is None else _own(s)
    if d > 0 and (k >= TILED_MIN_CLASSES or k * d > ROWS_MAX_COEF):
        per_sample = np.empty(X.shape[0])
        Wt = np.ascontiguousarray(np.asarray(W, dtype=np.float64).T)
        tile = max(16, TILE_BYTES // (8 * d))
        run = _softmax_tiled64 if X.dtype == np.float64 else _softmax_tiled32
        run(X, Y, s, Wt, b, G, g_b, per_sample, _TWO_POW, tile)
        return float(np.sum(per_sample)), G, g_b
    tile_loss = np.empty(-(-X.shape[0] // ROWS))
    _softmax_pass(X, Y, s, np.ascontiguousarray(W, dtype=np.float64), b, G, g_b, tile_loss)
    return float(np.sum(tile_loss)), G, g_b

r"""Per-column math: coordinate descent on a quadratic model, one column of ``X`` at a time.

The block functions of :mod:`logistic.objective` sum over *rows*. Coordinate descent
(glmnet, liblinear's newGLMNET) instead updates one coefficient at a time, which on
sparse data costs only the stored entries of that column. For the binary logistic
loss at :math:`\theta = (w, b)` with per-sample curvature weights
:math:`h_i = s_i\,\sigma(z_i)(1-\sigma(z_i))`, the quadratic model of the smooth part
plus the L1 term, as a function of the step :math:`\delta`, is

.. math::

    q(\delta) = g^\top\delta + \tfrac12\,\|X\delta\|_h^2 + \tfrac{\alpha}{2}\|\delta_w\|^2
        + \textstyle\sum_j\lambda_j\big(|\theta_j+\delta_j| - |\theta_j|\big),
    \qquad \|v\|_h^2 = \textstyle\sum_i h_i v_i^2 .

Keeping the vector :math:`v = X\delta` up to date, coordinate :math:`j` has the model
gradient :math:`G_j = g_j + \sum_i x_{ij} h_i v_i + \alpha\delta_j` and curvature
:math:`a_j = \sum_i h_i x_{ij}^2 + \alpha`, and its exact minimiser is a soft threshold,

.. math::

    u_j \leftarrow S\big(a_j u_j - G_j,\ \lambda_j\big) / a_j, \qquad u = \theta + \delta,
    \qquad S(c, \lambda) = \operatorname{sign}(c)\max(|c|-\lambda, 0),

after which :math:`v \mathrel{+}= (u_j^{new} - u_j)\,x_{:j}`: two reads of the column.
The model decreases by exactly
:math:`G_j\Delta + \tfrac12 a_j\Delta^2 + \lambda_j(|u_j^{new}| - |u_j|)`, so the sum of
these is :math:`q(\delta)` itself.

Each sweep visits the coordinates in a fresh random order. On correlated columns a
fixed cyclic order can crawl (hundreds of sweeps where a random order needs a few);
the permutations come from a seeded xorshift generator, so fits are reproducible.

The kernels are compiled with numba (cached on disk after the first call). They are
CPU-only and read a CSC copy of the data (:func:`csc_columns`), stored float32 since
the model only shapes the step: the gradient and the objective that accept it are
always computed exactly, in float64, by the row passes of :mod:`logistic.objective`.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

__all__ = ["csc_columns", "cd_model_sweeps"]


def csc_columns(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays → CSC ``(colptr int64, rows int32, values float32)``.

    A counting sort, in row chunks on all of numba's threads: each chunk counts its
    entries per column, the counts give every chunk its own write position in each
    column, and the chunks scatter in parallel. Rows come out increasing within each
    column, so duplicate entries (a non-canonical CSR) are adjacent and are summed.
    """
    n_rows = indptr.size - 1
    nnz = int(indptr[n_rows])
    chunks = max(1, min(numba.get_num_threads(), nnz // max(4 * n_cols, 1 << 16)))
    bounds = np.searchsorted(indptr, np.linspace(0, nnz, chunks + 1)).astype(np.int64)
    bounds[0], bounds[-1] = 0, n_rows
    # allocated by NumPy, which asks for transparent huge pages on large arrays (numba's
    # own allocations come in 4 KiB pages): the scatter's random writes and the sweeps,
    # which read the columns in random order, fault and miss the TLB far less (5.6M
    # entries: 11k → 1k page faults; scatter ~110 → 80–90 ms, sweeps ~150 → 110–145 ms)
    rows = np.empty(nnz, dtype=np.int32)
    values = np.empty(nnz, dtype=np.float32)
    colptr = _csc_scatter(indptr, indices, data, n_cols, bounds, rows, values)
    if _has_duplicates(colptr, rows):
        colptr, rows, values = _sum_duplicates(colptr, rows, values)
    return colptr, rows, values


@njit(cache=True, parallel=True)
def _csc_scatter(indptr, indices, data, n_cols, bounds, rows, values):  # pragma: no cover
    chunks = bounds.size - 1
    counts = np.zeros((chunks, n_cols), dtype=np.int64)
    for c in prange(chunks):
        for q in range(indptr[bounds[c]], indptr[bounds[c + 1]]):
            counts[c, indices[q]] += 1
    colptr = np.zeros(n_cols + 1, dtype=np.int64)
    for j in range(n_cols):  # chunk c writes column j after chunks 0..c-1
        start = colptr[j]
        for c in range(chunks):
            n_cj = counts[c, j]
            counts[c, j] = start
            start += n_cj
        colptr[j + 1] = start
    for c in prange(chunks):
        fill = counts[c]
        for i in range(bounds[c], bounds[c + 1]):
            for q in range(indptr[i], indptr[i + 1]):
                j = indices[q]
                dst = fill[j]
                rows[dst] = i
                values[dst] = data[q]
                fill[j] = dst + 1
    return colptr


@njit(cache=True, nogil=True)
def _has_duplicates(colptr, rows):  # pragma: no cover - compiled
    for j in range(colptr.size - 1):
        for q in range(colptr[j] + 1, colptr[j + 1]):
            if rows[q] == rows[q - 1]:
                return True
    return False


@njit(cache=True, nogil=True)
def _sum_duplicates(colptr, rows, values):  # pragma: no cover - compiled
    """Sum adjacent entries of equal row within each column (rows sorted per column)."""
    out_ptr = np.zeros_like(colptr)
    out_rows = np.empty_like(rows)
    out_vals = np.empty(values.size, dtype=np.float64)
    k = 0
    for j in range(colptr.size - 1):
        for q in range(colptr[j], colptr[j + 1]):
            if q > colptr[j] and rows[q] == rows[q - 1]:
                out_vals[k - 1] += values[q]
            else:
                out_rows[k] = rows[q]
                out_vals[k] = values[q]
                k += 1
        out_ptr[j + 1] = k
    return out_ptr, out_rows[:k].copy(), out_vals[:k].astype(np.float32)


@njit(cache=True, nogil=True)
def _xorshift(state):  # pragma: no cover - compiled
    state ^= (state << np.uint64(13)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    state ^= state >> np.uint64(7)
    state ^= (state << np.uint64(17)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return state


@njit(cache=True, nogil=True)
def _shuffle(order, state):  # pragma: no cover - compiled
    """Fisher–Yates shuffle of ``order`` in place; returns the new generator state."""
    for k in range(order.size - 1, 0, -1):
        state = _xorshift(state)
        r = np.int64(state % np.uint64(k + 1))
        order[k], order[r] = order[r], order[k]
    return state


@njit(cache=True, nogil=True)
def cd_model_sweeps(
    colptr, rows, values, cols, h, g, curv, theta, lam, alpha, intercept,
    v, delta, max_sweeps, tol, eta, seed,
):  # pragma: no cover - compiled
    r"""Minimise the quadratic model :math:`q(\delta)` by randomised coordinate descent.

    Coordinates are ``cols`` (columns of ``X``) and, when ``intercept`` is True, one
    more, the intercept, whose column is all ones (last in ``g``, ``theta``, …).
    ``curv`` receives :math:`a_j`: the first sweep computes it for the columns
    (:math:`\sum_i h_i x_{ij}^2 + \alpha`, read with the column's first gradient), the
    intercept's (:math:`\sum_i h_i`) is given in its last entry. ``v`` is
    :math:`X\delta` (+ δ_b) and ``delta`` the step; both are updated in place from
    their starting values (usually zeros).

    A full sweep visits every coordinate; sweeps over the non-zero (or unpenalised)
    coordinates follow until one decreases the model by at most ``η·|q|``, then a full
    sweep checks the rest (glmnet's active-set cycling). Stops when a full sweep
    decreases the model by at most ``max(tol, η·|q|)`` or after ``max_sweeps`` sweeps.
    Returns ``(q, sweeps)`` with :math:`q = q(\delta)`.
    """
    m = g.size
    n_cols = cols.size
    order = np.arange(m)
    active = np.ones(m, dtype=np.bool_)
    state = np.uint64(seed) * np.uint64(2654435761) + np.uint64(0x9E3779B97F4A7C15)
    total = 0.0
    sweeps = 0
    full = True
    while sweeps < max_sweeps:
        state = _shuffle(order, state)
        decrease = 0.0
        for kk in range(m):
            k = order[kk]
            if not full and not active[k]:
                continue
            if k < n_cols:
                j = cols[k]
                s = 0.0
                if sweeps == 0:  # the curvature, read along with the first gradient
                    a = 0.0
                    for q in range(colptr[j], colptr[j + 1]):
                        i = rows[q]
                        x = np.float64(values[q])
                        hx = h[i] * x
                        s += hx * v[i]
                        a += hx * x
                    curv[k] = a + alpha
                else:
                    for q in range(colptr[j], colptr[j + 1]):
                        i = rows[q]
                        s += np.float64(values[q]) * h[i] * v[i]
                grad = g[k] + s + alpha * delta[k]
            else:  # the intercept: a column of ones, no L2 term
                s = 0.0
                for i in range(v.size):
                    s += h[i] * v[i]
                grad = g[k] + s
            a = curv[k]
            if a <= 0.0:
                continue
            u = theta[k] + delta[k]
            c = a * u - grad
            lk = lam[k]
            if c > lk:
                new = (c - lk) / a
            elif c < -lk:
                new = (c + lk) / a
            else:
                new = 0.0
            step = new - u
            if step != 0.0:
                decrease += grad * step + 0.5 * a * step * step + lk * (abs(new) - abs(u))
                delta[k] += step
                if k < n_cols:
                    j = cols[k]
                    for q in range(colptr[j], colptr[j + 1]):
                        v[rows[q]] += step * np.float64(values[q])
                else:
                    for i in range(v.size):
                        v[i] += step
            if full:
                active[k] = new != 0.0 or lk == 0.0
        sweeps += 1
        total += decrease
        if -decrease <= max(tol, -eta * total):
            if full:
                break
            full = True
        else:
            full = False
    return total, sweeps

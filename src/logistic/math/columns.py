r"""Per-column math: coordinate descent on a quadratic model, one column of ``X`` at a time.

The block functions of :mod:`logistic.math.binary` sum over *rows*. Coordinate descent
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

An intercept is not a coordinate here: the model is minimised over its step in closed
form, :math:`\delta_b = -(g_b + h^\top X\delta_w)/\sum_i h_i`, which leaves the model
of the columns with their h-weighted means taken out (glmnet centres sparse columns
the same implicit way). The centred columns stay sparse, since only a scalar offset
moves; and a word in almost every row, nearly the intercept's own column, no longer
competes with it, which on text data is what makes coordinate descent crawl (on the
speed issue's text workload with an intercept, 62 sweeps became 22).

Each sweep visits the coordinates in a fresh random order. On correlated columns a
fixed cyclic order can crawl (hundreds of sweeps where a random order needs a few);
the permutations come from a seeded xorshift generator, so fits are reproducible.
The order is random by blocks (:data:`SHUFFLE_BLOCK` neighbouring columns, the blocks
and the columns within each in random order), so that a sweep reads the column copy
in short runs rather than jumping at every column; where the columns are long
(:data:`SHUFFLE_LONG`) it is uniformly random.

Even in random order, coordinate descent needs about :math:`\kappa` sweeps where
:math:`\kappa` is the condition number of the diagonally scaled Hessian on the
support; on text-like data, where a few frequent words sit in almost every row,
:math:`\kappa` is in the thousands. Once the signs settle, the model restricted to
the support with those signs is a smooth quadratic, and preconditioned conjugate
gradients need about :math:`\sqrt\kappa` products :math:`Hp`, each as costly as a
sweep. So when sweeps crawl, CG takes over (:func:`_support_cg`), preconditioned by
a limited-memory BFGS matrix built from its own earlier pairs :math:`(p, Hp)` and
those of the previous models: the Hessian changes little between outer iterations,
so the hard directions found once are not searched for again.

The kernels are compiled with numba (cached on disk after the first call). They are
CPU-only and read a CSC copy of the data (:func:`csc_columns`), stored float32 since
the model only shapes the step: the gradient and the objective that accept it are
always computed exactly, in float64, by the row passes of :mod:`logistic.math.binary`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["csc_columns", "cd_model_sweeps", "cd_dense_sweeps"]

#: Coordinate descent is crawling when an active sweep decreases the model by more
#: than this share of the sweep before: CG takes over.
CRAWL = 0.5
#: Sweeps visit blocks of this many consecutive coordinates (columns stored next to
#: each other) in random order, and each block's coordinates in random order: a fully
#: random order jumps across the column copy at every coordinate, and on the 100k×50k
#: text-like member (5.6M entries, 42 MB) the misses at column starts made a sweep's
#: reads about 40% slower than in this order.
SHUFFLE_BLOCK = 64
#: ... unless the columns hold this many entries on average: long columns amortise the
#: miss at their start, and there the blocks cost convergence (zipf1.3-nnz100, 1.4k
#: working-set columns of ~4700 entries: 5 outer iterations in 10 of 10 seeds, against
#: 4.4 on average in a uniformly random order).
SHUFFLE_LONG = 1024
#: When at least this share of a model's coordinates is non-zero after a full sweep,
#: sweeps over the non-zero ones alone would save little, and the full sweep that
#: must follow them before stopping costs one more: full sweeps only. (A model near
#: the optimum has its working set on the support: 3 sweeps became 2.)
ALL_ACTIVE = 0.9


def csc_columns(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_cols: int,
    cols: np.ndarray | None = None, counts: np.ndarray | None = None,
    duplicates: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays → CSC ``(colptr int64, rows int32, values float32)`` of the columns
    ``cols`` (in that order; None: all ``n_cols``).

    A counting sort on one thread: the entries per column (``counts``, the stored
    entries of every column, when the caller has them: ``np.bincount(indices)``) give
    the column pointers, and one read of the CSR arrays scatters the wanted entries.
    Rows come out increasing within each column, so duplicate entries (a
    non-canonical CSR) are adjacent and are summed. Two threads (chunks counting and
    scattering in parallel) measured no faster on the 2-core machine for 2M entries
    (25 against 23 ms), and on a loaded one a parallel region waits for its slowest
    thread (95 ms). ``duplicates=False``: the caller knows the CSR has none (scipy's
    ``has_canonical_format``), and the check is skipped — with it the kernel that a
    fresh process would load for it (cold start, see :mod:`logistic.models.warmup`).
    """
    if counts is None:
        counts = np.bincount(indices, minlength=n_cols)
    slot = np.full(n_cols, -1, dtype=np.int32)
    if cols is None:
        cols = np.arange(n_cols)
    cols = np.asarray(cols, dtype=np.int64)
    slot[cols] = np.arange(cols.size, dtype=np.int32)
    colptr = np.zeros(cols.size + 1, dtype=np.int64)
    np.cumsum(counts[cols], out=colptr[1:])
    nnz = int(colptr[-1])
    # allocated by NumPy, which asks for transparent huge pages on large arrays (numba's
    # own allocations come in 4 KiB pages): the scatter's random writes and the sweeps,
    # which read the columns in random order, fault and miss the TLB far less (5.6M
    # entries: 11k → 1k page faults; scatter ~110 → 80–90 ms, sweeps ~150 → 110–145 ms)
    rows = np.empty(nnz, dtype=np.int32)
    values = np.empty(nnz, dtype=np.float32)
    _csc_fill(indptr, indices, data, slot, colptr, rows, values)
    if duplicates and _has_duplicates(colptr, rows):
        colptr, rows, values = _sum_duplicates(colptr, rows, values)
    return colptr, rows, values


@njit(cache=True, nogil=True)
def _csc_fill(indptr, indices, data, slot, colptr, rows, values):  # pragma: no cover
    """Scatter the entries of the wanted columns (``slot[j] ≥ 0``: column j's
    position) into their columns, rows increasing."""
    fill = colptr[:-1].copy()
    for i in range(indptr.size - 1):
        for q in range(indptr[i], indptr[i + 1]):
            k = slot[indices[q]]
            if k >= 0:
                dst = fill[k]
                rows[dst] = i
                values[dst] = data[q]
                fill[k] = dst + 1


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
def _permute(a, lo, hi, state):  # pragma: no cover - compiled
    """Fisher–Yates shuffle of ``a[lo:hi]`` in place; returns the new generator state."""
    for k in range(hi - 1, lo, -1):
        state = _xorshift(state)
        r = lo + np.int64(state % np.uint64(k - lo + 1))
        a[k], a[r] = a[r], a[k]
    return state


@njit(cache=True, nogil=True)
def _shuffle(order, state, block):  # pragma: no cover - compiled
    """A fresh random order of the coordinates ``0 … m-1`` into ``order``: blocks of
    ``block`` consecutive coordinates in random order, the coordinates of each block in
    random order (see the module docstring); returns the new generator state."""
    m = order.size
    n_blocks = (m + block - 1) // block
    blocks = np.arange(n_blocks)
    state = _permute(blocks, 0, n_blocks, state)
    at = 0
    for b in blocks:
        start = at
        for k in range(b * block, min(m, (b + 1) * block)):
            order[at] = k
            at += 1
        state = _permute(order, start, at, state)
    return state


@njit(cache=True, nogil=True)
def cd_model_sweeps(
    colptr, rows, values, cols, h, g, curv, theta, lam, alpha, g_b, S,
    v, delta, max_sweeps, tol, eta, seed, cg, pairs_s, pairs_y, n_pairs,
):  # pragma: no cover - compiled
    r"""Minimise the quadratic model by randomised coordinate descent over ``cols``.

    The coordinates are the columns ``cols`` of ``X`` (``g``, ``theta``, ``lam`` and
    ``delta`` are theirs). With an intercept (``S`` = :math:`\sum_i h_i > 0`, ``g_b``
    its gradient) the model is first minimised over the intercept's step in closed
    form, which leaves the model of the columns *centred* with the weights ``h``
    (see :func:`_sweep`); with ``S = 0`` there is none. ``curv`` receives the
    columns' curvatures, computed by the first sweep. ``v`` is :math:`X\delta`,
    updated in place from its start (zeros, as ``delta``).

    A full sweep visits every coordinate; sweeps over the non-zero (or unpenalised)
    coordinates follow until one decreases the model by at most ``η·|q|``, then a full
    sweep checks the rest (glmnet's active-set cycling) — unless nearly all are
    non-zero (:data:`ALL_ACTIVE`): then full sweeps follow each other. Stops when a full sweep
    decreases the model by at most ``max(tol, η·|q|)`` or after ``max_sweeps`` sweeps
    (CG products count as sweeps). Returns ``(q̃, sweeps)``: the centred model's
    value (without the intercept's own share) and the sweeps made.

    With ``cg`` True, when an active sweep decreases the model by more than ``CRAWL``
    times the sweep before (coordinate descent crawling, as on correlated columns),
    :func:`_support_cg` finishes the active phase instead. ``pairs_s``, ``pairs_y``
    (rows oldest first) and ``n_pairs[0]`` hold the curvature pairs that precondition
    it, updated in place with the newest. Once there are pairs (CG was needed, in this
    model or an earlier one of the same fit) the problem is known to be
    ill-conditioned, and a small sweep proves little: there coordinate descent stalls
    far from the minimum (on the speed issue's text workload, a sweep decreasing the
    model by 1/50 of what was left). So every full sweep is then followed by CG, and
    only a full sweep after CG, or a CG run that changed nothing, may stop.
    """
    m = g.size
    order = np.arange(m)
    entries = 0
    for k in range(m):
        entries += colptr[cols[k] + 1] - colptr[cols[k]]
    block = SHUFFLE_BLOCK if entries < SHUFFLE_LONG * m else 1
    active = np.ones(m, dtype=np.bool_)
    mu = np.zeros(m)  # the columns' h-weighted means (zeros without an intercept)
    off = np.zeros(1)  # c = μᵀδ: the centred Xδ is v - c
    state = np.uint64(seed) * np.uint64(2654435761) + np.uint64(0x9E3779B97F4A7C15)
    total = 0.0
    sweeps = 0
    verified = False  # CG has minimised on the support since the last full sweep
    previous_full = 0.0  # the last full sweep's change (0: none yet)
    hv = np.empty((h.size, 2))  # (h_i, v_i) side by side for the sweeps (see _sweep)
    for i in range(h.size):
        hv[i, 0] = h[i]
        hv[i, 1] = v[i]
    while sweeps < max_sweeps:
        state = _shuffle(order, state, block)
        decrease = _sweep(colptr, rows, values, cols, hv, g, curv, mu, off, S, g_b, theta,
                          lam, alpha, delta, order, active, True, sweeps == 0)
        sweeps += 1
        total += decrease
        # once CG has been needed (its pairs are kept), a small sweep proves little:
        # coordinate descent can stall far from the minimum; CG checks the support
        ill_conditioned = cg and n_pairs[0] > 0
        # full sweeps that follow each other (see below) crawl as active ones do: a
        # small one may still be far from the minimum, and CG takes over
        crawling = cg and previous_full < 0.0 and decrease < CRAWL * previous_full
        if -decrease <= max(tol, -eta * total) and (
                verified or not (ill_conditioned or crawling)):
            break
        verified = False
        ill_conditioned = ill_conditioned or crawling
        if not ill_conditioned and np.count_nonzero(active) >= ALL_ACTIVE * m:
            # an active sweep would cost a full one, and a small one would still need
            # a full sweep to stop: sweep everything
            previous_full = decrease
            continue
        previous_full = 0.0
        previous = decrease
        while sweeps < max_sweeps and not ill_conditioned:
            state = _shuffle(order, state, block)
            decrease = _sweep(colptr, rows, values, cols, hv, g, curv, mu, off, S, g_b,
                              theta, lam, alpha, delta, order, active, False, False)
            sweeps += 1
            total += decrease
            if -decrease <= max(tol, -eta * total):
                break
            if cg and decrease < CRAWL * previous:
                ill_conditioned = True
            previous = decrease
        if ill_conditioned:
            for i in range(h.size):
                v[i] = hv[i, 1]
            change, products = _support_cg(colptr, rows, values, cols, h, g, curv, mu, off,
                                           S, g_b, theta, lam, alpha, v, delta, eta,
                                           tol, max_sweeps - sweeps, pairs_s, pairs_y,
                                           n_pairs)
            for i in range(h.size):
                hv[i, 1] = v[i]
            sweeps += products
            total += change
            verified = True
            if -change <= max(tol, -eta * total):
                break  # the support was already solved: the last full sweep stands
    for i in range(h.size):
        v[i] = hv[i, 1]
    return total, sweeps


@njit(cache=True, nogil=True, inline="always")
def _column_dot(j, colptr, rows, values, u):  # pragma: no cover - compiled
    r""":math:`x_j^\top u` for column ``j``."""
    s = 0.0
    for q in range(colptr[j], colptr[j + 1]):
        s += np.float64(values[q]) * u[rows[q]]
    return s


@njit(cache=True, nogil=True, inline="always")
def _column_hv(j, colptr, rows, values, h, v):  # pragma: no cover - compiled
    r""":math:`\sum_i x_{ij} h_i v_i` for column ``j``."""
    s = 0.0
    for q in range(colptr[j], colptr[j + 1]):
        i = rows[q]
        s += np.float64(values[q]) * h[i] * v[i]
    return s


@njit(cache=True, nogil=True, inline="always")
def _column_axpy(j, step, colptr, rows, values, v):  # pragma: no cover - compiled
    """``v += step · x_j`` for column ``j``."""
    for q in range(colptr[j], colptr[j + 1]):
        v[rows[q]] += step * np.float64(values[q])


@njit(cache=True, nogil=True)
def _sweep(colptr, rows, values, cols, hv, g, curv, mu, off, S, g_b, theta, lam, alpha,
           delta, order, active, full, first):  # pragma: no cover - compiled
    r"""One coordinate-descent sweep in ``order`` (all coordinates, or the active ones);
    returns the model's change. ``first``: compute the curvatures on the way.
    ``hv[i] = (h_i, v_i)``: the weights beside :math:`v = X\delta`, so that an entry's
    row costs one cache line, not two (the sweep reads rows at random).

    With an intercept the model is minimised over its step :math:`\delta_b` in closed
    form, :math:`\delta_b = -(g_b + h^\top X\delta)/S`, which leaves the model of the
    columns with the h-weighted means :math:`\mu_j = h^\top x_j / S` taken out (as
    glmnet centres sparse columns, implicitly): gradient
    :math:`g_j - g_b\mu_j + x_j^\top(h\odot(v - c)) + \alpha\delta_j` with
    :math:`c = \mu^\top\delta`, curvature :math:`\sum_i h_i x_{ij}^2 - S\mu_j^2 + \alpha`.
    The centred columns stay sparse: only the scalar :math:`c` moves. A word in almost
    every row is nearly the intercept's column; centred, it no longer competes with it
    (on the text workload this is what made coordinate descent crawl).
    """
    decrease = 0.0
    for kk in range(order.size):
        k = order[kk]
        if not full and not active[k]:
            continue
        j = cols[k]
        if first:  # curvature and mean, read along with the first gradient
            s = 0.0
            a = 0.0
            m1 = 0.0
            for q in range(colptr[j], colptr[j + 1]):
                i = rows[q]
                x = np.float64(values[q])
                hx = hv[i, 0] * x
                s += hx * hv[i, 1]
                a += hx * x
                m1 += hx
            if S > 0.0:
                mu[k] = m1 / S
                a_c = a - m1 * mu[k]
                curv[k] = (a_c if a_c > 1e-12 * a else 0.0) + alpha
            else:
                curv[k] = a + alpha
        else:
            s = 0.0
            for q in range(colptr[j], colptr[j + 1]):
                i = rows[q]
                s += np.float64(values[q]) * hv[i, 0] * hv[i, 1]
        grad = g[k] - g_b * mu[k] + s - off[0] * S * mu[k] + alpha * delta[k]
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
            for q in range(colptr[j], colptr[j + 1]):
                hv[rows[q], 1] += step * np.float64(values[q])
            off[0] += mu[k] * step
        if full:
            active[k] = new != 0.0 or lk == 0.0
    return decrease


@njit(cache=True, nogil=True)
def _model_value(g, h, mu, c, g_b, theta, lam, alpha, v, delta):  # pragma: no cover
    r"""The centred model's value from ``v`` = Xδ and :math:`c = \mu^\top\delta`,
    exactly: O(n + m), no pass over the data."""
    q = 0.0
    for i in range(v.size):
        q += h[i] * (v[i] - c) * (v[i] - c)
    q *= 0.5
    for k in range(g.size):
        d = delta[k]
        q += (g[k] - g_b * mu[k]) * d + lam[k] * (abs(theta[k] + d) - abs(theta[k]))
        q += 0.5 * alpha * d * d
    return q


@njit(cache=True, nogil=True)
def _support_cg(colptr, rows, values, cols, h, g, curv, mu, off, S, g_b, theta, lam, alpha,
                v, delta, eta, tol, max_products, pairs_s, pairs_y, n_pairs):  # pragma: no cover
    r"""Minimise the model on its support with the signs fixed, by preconditioned CG.

    On the support :math:`A` (non-zero or unpenalised coordinates of
    :math:`u = \theta + \delta`) with signs :math:`\sigma`, the model is the smooth
    quadratic
    :math:`\tilde g^\top\delta + \tfrac12\delta^\top H\delta + \lambda^\top(\sigma\odot u)`
    (:math:`H` of the centred columns, see :func:`_sweep`), gradient
    :math:`r_A = \tilde g_A + (H\delta)_A + \lambda_A\sigma_A`. Conjugate gradients
    with the diagonal (``curv``) as preconditioner need about :math:`\sqrt\kappa`
    products :math:`H p` (two reads of the support's columns, as one sweep) where
    coordinate descent needs about :math:`\kappa` sweeps.

    A step that would carry coordinates through zero is projected: they stop at zero
    and leave :math:`A`. The model is evaluated exactly (from ``v``, no pass) at the
    projected step and at the step cut at the first crossing; the lower is taken and
    CG restarts. The preconditioner is :func:`_precondition` with the pairs
    :math:`(p, Hp)` of earlier CG steps, this solve's and the last solves' (the pairs
    gathered in a run join at its next restart: within a run it stays fixed).

    Stops as inexact Newton-CG does, on the residual: once
    :math:`r^\top M^{-1} r \le \eta\, r_0^\top M^{-1} r_0` (``r_0`` at entry), or
    :math:`\tfrac12 r^\top M^{-1} r \le` ``tol``/100. Estimates of what is left
    (:math:`\tfrac12 r^\top M^{-1} r`, a step's decrease) proved no stopping rule:
    with one eigenvalue of the scaled Hessian near 0.002 they read 1/300 of the
    truth. Returns ``(change of q, products)``.
    """
    m = g.size
    A = np.empty(m, dtype=np.int64)
    n_a = 0
    for k in range(m):
        if (theta[k] + delta[k] != 0.0 or lam[k] == 0.0) and curv[k] > 0.0:
            A[n_a] = k
            n_a += 1
    r = np.empty(n_a)
    z = np.empty(n_a)
    p = np.zeros(n_a)
    capacity = pairs_s.shape[0]
    new_s = np.zeros((capacity, m), dtype=pairs_s.dtype)  # float32: see ColumnModel.PAIRS
    new_y = np.zeros((capacity, m), dtype=pairs_y.dtype)
    n_new = 0
    rho = np.zeros(capacity)
    scratch = np.empty(capacity)
    hp = np.empty(n_a)
    cross = np.zeros(n_a, dtype=np.bool_)
    w = np.empty(v.size)
    hw = np.empty(v.size)
    trial_v = np.empty(v.size)
    trial_delta = np.empty(m)
    q_start = _model_value(g, h, mu, off[0], g_b, theta, lam, alpha, v, delta)
    q = q_start
    rz_first = -1.0
    products = 0
    restart = True
    rz = 0.0
    while products < max_products and n_a > 0:
        if restart:
            n_new = _merge_pairs(pairs_s, pairs_y, n_pairs, new_s, new_y, n_new)
            _pair_weights(pairs_s, pairs_y, n_pairs[0], A, n_a, rho)
            for a_ in range(n_a):
                k = A[a_]
                u = theta[k] + delta[k]
                sign = 1.0 if u > 0.0 else (-1.0 if u < 0.0 else 0.0)
                hv = _column_hv(cols[k], colptr, rows, values, h, v)
                grad = g[k] - g_b * mu[k] + hv - off[0] * S * mu[k] + alpha * delta[k]
                r[a_] = grad + lam[k] * sign
            _precondition(r, A, n_a, curv, pairs_s, pairs_y, n_pairs[0], rho, scratch, z)
            rz = 0.0
            for a_ in range(n_a):
                p[a_] = -z[a_]
                rz += r[a_] * z[a_]
            if rz_first < 0.0:
                rz_first = rz
            restart = False
        w[:] = 0.0
        c_p = 0.0  # μᵀp: the centred X p is w - c_p
        for a_ in range(n_a):
            _column_axpy(cols[A[a_]], p[a_], colptr, rows, values, w)
            c_p += mu[A[a_]] * p[a_]
        for i in range(w.size):
            hw[i] = h[i] * (w[i] - c_p)
        pHp = 0.0
        for a_ in range(n_a):
            k = A[a_]
            hp[a_] = _column_dot(cols[k], colptr, rows, values, hw) + alpha * p[a_]
            pHp += p[a_] * hp[a_]
        products += 1
        if not pHp > 0.0:
            break
        if n_new == capacity:
            n_new = _merge_pairs(pairs_s, pairs_y, n_pairs, new_s, new_y, n_new)
        new_s[n_new, :] = 0.0
        new_y[n_new, :] = 0.0
        for a_ in range(n_a):
            new_s[n_new, A[a_]] = p[a_]
            new_y[n_new, A[a_]] = hp[a_]
        n_new += 1
        tau = rz / pHp
        rp = 0.0
        first, t_first, n_cross = -1, tau, 0
        for a_ in range(n_a):  # which penalised coordinates the step carries through zero
            rp += r[a_] * p[a_]
            k = A[a_]
            u = theta[k] + delta[k]
            cross[a_] = lam[k] > 0.0 and u * (u + tau * p[a_]) <= 0.0
            if cross[a_]:
                n_cross += 1
                t_k = -u / p[a_]
                if t_k <= t_first:
                    first, t_first = a_, t_k
        if n_cross == 0:
            q += tau * rp + 0.5 * tau * tau * pHp
            _step(tau, A, n_a, p, w, c_p, delta, v, off)
            for a_ in range(n_a):
                r[a_] += tau * hp[a_]
            _precondition(r, A, n_a, curv, pairs_s, pairs_y, n_pairs[0], rho, scratch, z)
            rz_new = 0.0
            for a_ in range(n_a):
                rz_new += r[a_] * z[a_]
            if rz_new <= eta * rz_first or 0.5 * rz_new <= 0.01 * tol:
                break
            beta = rz_new / rz
            rz = rz_new
            for a_ in range(n_a):
                p[a_] = -z[a_] + beta * p[a_]
            continue
        # the full step, the crossing coordinates projected back to zero
        trial_delta[:] = delta
        for i in range(v.size):
            trial_v[i] = v[i] + tau * w[i]
        trial_off = off[0] + tau * c_p
        for a_ in range(n_a):
            k = A[a_]
            trial_delta[k] += tau * p[a_]
            if cross[a_]:
                back = -(theta[k] + trial_delta[k])
                trial_delta[k] = -theta[k]
                _column_axpy(cols[k], back, colptr, rows, values, trial_v)
                trial_off += mu[k] * back
        q_projected = _model_value(g, h, mu, trial_off, g_b, theta, lam, alpha, trial_v,
                                   trial_delta)
        q_cut = q + t_first * rp + 0.5 * t_first * t_first * pHp  # cut at the first crossing
        if q_projected < q_cut:
            delta[:] = trial_delta
            v[:] = trial_v
            off[0] = trial_off
            q = q_projected
        else:
            _step(t_first, A, n_a, p, w, c_p, delta, v, off)
            for a_ in range(n_a):
                cross[a_] = a_ == first
            k = A[first]
            off[0] += mu[k] * (-theta[k] - delta[k])
            _column_axpy(cols[k], -theta[k] - delta[k], colptr, rows, values, v)
            delta[k] = -theta[k]
            q = q_cut
        kept = 0
        for a_ in range(n_a):  # the coordinates now at zero leave the support
            if not cross[a_]:
                A[kept] = A[a_]
                kept += 1
        n_a = kept
        restart = True
    _merge_pairs(pairs_s, pairs_y, n_pairs, new_s, new_y, n_new)
    return q - q_start, products


@njit(cache=True, nogil=True, inline="always")
def _step(t, A, n_a, p, w, c_p, delta, v, off):  # pragma: no cover - compiled
    """δ_A += t·p with ``v`` = Xδ (``w`` = X_A p) and the offset μᵀδ (``c_p`` = μᵀp)."""
    for a_ in range(n_a):
        delta[A[a_]] += t * p[a_]
    for i in range(v.size):
        v[i] += t * w[i]
    off[0] += t * c_p


@njit(cache=True, nogil=True)
def _merge_pairs(pairs_s, pairs_y, n_pairs, new_s, new_y, n_new):  # pragma: no cover
    """Keep the newest ``capacity`` pairs of the stored ones followed by the new ones
    (rows oldest first; ``n_pairs[0]`` counts the stored). Returns 0 (none pending)."""
    capacity = pairs_s.shape[0]
    n_old = n_pairs[0]
    keep_old = min(n_old, capacity - n_new)
    drop = n_old - keep_old
    for i in range(keep_old):
        pairs_s[i, :] = pairs_s[drop + i, :]
        pairs_y[i, :] = pairs_y[drop + i, :]
    for i in range(n_new):
        pairs_s[keep_old + i, :] = new_s[i, :]
        pairs_y[keep_old + i, :] = new_y[i, :]
    n_pairs[0] = keep_old + n_new
    return 0


@njit(cache=True, nogil=True)
def _pair_weights(pairs_s, pairs_y, n, A, n_a, rho):  # pragma: no cover - compiled
    """:math:`\rho_i = 1/(s_i^\top y_i)` on the support ``A`` (0: pair skipped)."""
    for i in range(n):
        sy = 0.0
        ss = 0.0
        yy = 0.0
        for a_ in range(n_a):
            k = A[a_]
            s_k = np.float64(pairs_s[i, k])
            y_k = np.float64(pairs_y[i, k])
            sy += s_k * y_k
            ss += s_k * s_k
            yy += y_k * y_k
        rho[i] = 1.0 / sy if sy > 1e-10 * np.sqrt(ss * yy) else 0.0


@njit(cache=True, nogil=True)
def _precondition(r, A, n_a, curv, pairs_s, pairs_y, n, rho, scratch, z):  # pragma: no cover
    r"""``z`` = :math:`M^{-1} r` on the support: the limited-memory BFGS inverse built
    from earlier CG pairs :math:`(s_i, y_i = H s_i)` on the diagonal :math:`D^{-1}`
    (two-loop recursion; Morales & Nocedal 2000). With no pairs, :math:`D^{-1}r`."""
    for a_ in range(n_a):
        z[a_] = r[a_]
    for i in range(n - 1, -1, -1):
        if rho[i] == 0.0:
            continue
        c = 0.0
        for a_ in range(n_a):
            c += pairs_s[i, A[a_]] * z[a_]
        c *= rho[i]
        scratch[i] = c
        for a_ in range(n_a):
            z[a_] -= c * pairs_y[i, A[a_]]
    for a_ in range(n_a):
        z[a_] /= curv[A[a_]]
    for i in range(n):
        if rho[i] == 0.0:
            continue
        c = 0.0
        for a_ in range(n_a):
            c += pairs_y[i, A[a_]] * z[a_]
        c = scratch[i] - rho[i] * c
        for a_ in range(n_a):
            z[a_] += c * pairs_s[i, A[a_]]


@njit(cache=True, nogil=True)
def cd_dense_sweeps(H, g, theta, lam, u, Hd, coords, max_sweeps, tol):  # pragma: no cover
    r"""Cyclic coordinate descent on an explicit quadratic model (a dense Hessian).

    Minimises :math:`q(\delta) = g^\top\delta + \tfrac12\delta^\top H\delta +
    \sum_j\lambda_j(|\theta_j+\delta_j| - |\theta_j|)` over the coordinates
    ``coords`` (in that order), :math:`u = \theta + \delta` and :math:`Hd = H\delta`
    updated in place; coordinate j moves to
    :math:`S(H_{jj}\theta_j - g_j - (H\delta)_j + H_{jj}\delta_j, \lambda_j)/H_{jj}`
    (see :func:`logistic.solvers.proximal_newton.cd_quadratic`), then
    :math:`Hd \mathrel{+}= \Delta_j H_{j\cdot}` (H symmetric, read by rows).
    Stops after a sweep that moved the model by at most ``tol``
    (:math:`\sum_j H_{jj}\Delta_j^2`) or after ``max_sweeps``; returns
    ``(sweeps, moved)`` of the last sweep.
    """
    m = H.shape[0]
    moved = 0.0
    for sweep in range(max_sweeps):
        moved = 0.0
        for jj in range(coords.size):
            j = coords[jj]
            a = H[j, j]
            if a <= 0.0:
                continue
            uj, tj, lj = u[j], theta[j], lam[j]
            z = a * tj - (g[j] + Hd[j] - a * (uj - tj))
            if z > lj:
                new = (z - lj) / a
            elif z < -lj:
                new = (z + lj) / a
            else:
                new = 0.0
            step = new - uj
            if step != 0.0:
                u[j] = new
                for i in range(m):
                    Hd[i] += step * H[j, i]
                moved += a * step * step
        if moved <= tol:
            return sweep + 1, moved
    return max_sweeps, moved

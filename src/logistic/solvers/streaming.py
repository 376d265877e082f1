r"""Streaming Newton: learn from chunks, converge to the batch optimum on replays.

The data arrive as chunks :math:`c = 1, 2, \dots`; no row is kept. The batch
objective is a sum over chunks, :math:`F(\theta) = \sum_c f_c(\theta) + P(\theta)`
(:math:`f_c` the chunk's weighted loss sum, :math:`P` the penalty). When chunk
:math:`c` arrives at the current point :math:`\theta_c`, its loss is replaced by its
second-order Taylor model

.. math::

    q_c(\theta) = f_c(\theta_c) + g_c^\top(\theta-\theta_c)
        + \tfrac12(\theta-\theta_c)^\top H_c(\theta-\theta_c),

and the sum of the models is one quadratic :math:`Q = \tfrac12\theta^\top A\theta +
b^\top\theta + \text{const}` with :math:`A = \sum_c H_c`, :math:`b = \sum_c (g_c -
H_c\theta_c)`: :math:`O(p^2)` numbers whatever the stream's length. The next point
minimises the model plus the exact penalty,

.. math:: \theta \leftarrow \arg\min_\theta\; Q(\theta) + P(\theta),

a Cholesky solve for L2 (or none), cyclic coordinate descent on the :math:`p\times p`
quadratic with soft-thresholding for L1 / elastic-net — the proximal step of the
quadratic model (:func:`logistic.solvers.proximal_newton.cd_quadratic`).

Replays. A stream seen once gives, after every chunk, the batch fit of the rows seen
so far up to the models' error: each :math:`q_c` is exact at :math:`\theta_c` and
off by :math:`O(\|\theta-\theta_c\|^3)`; early chunks, seen far from the optimum,
carry most of it. When the stream is replayed, pass :math:`p+1` builds a fresh
quadratic :math:`Q_{cur}` from its chunks, and until it is complete the chunks not
yet replayed are represented by the previous pass's model, scaled by the share of
the pass's weight not yet seen:

.. math:: Q = Q_{cur} + \max\!\Big(0,\ 1 - \frac{S_{cur}}{S_{prev}}\Big)\, Q_{prev}.

At the end of a pass :math:`Q_{cur}` becomes :math:`Q_{prev}`. On replays every
chunk's model is taken at the *same* point, the pass's start :math:`\theta_p` (the
point reported between chunks is still the blend's minimiser), so the pass ends on

.. math:: \theta_{p+1} = \arg\min_\theta\; F(\theta_p) + \nabla F(\theta_p)^\top
          (\theta - \theta_p) + \tfrac12 (\theta-\theta_p)^\top \nabla^2 F(\theta_p)
          (\theta-\theta_p) + P(\theta),

one (proximal) Newton step on the whole data, assembled chunk by chunk: with exact
chunk Hessians the error after a pass is the square of the error before it (quadratic
convergence, as Newton's); with Hessians estimated from a row subsample of each chunk
(what ``partial_fit`` does on large chunks, to save most of a chunk's cost) it shrinks
by a factor about the estimate's relative error, :math:`O(\sqrt{p/n_{sub}})`, per
pass. Either way the gradients are exact, so the fixed point is exactly the batch
optimum. (Taking replayed models
at the moving point instead would leave a floor: mid-pass points carry the sampling
noise of the chunks seen so far, which no number of passes removes.) Variance-reduced
SGD (SVRG, SAGA) converges too, but linearly, at a rate set by the conditioning, and
needs a step size; Newton's curvature makes the number of passes nearly independent
of the data's scaling, and one pass already lands within the statistical noise of the
optimum. The price is the :math:`p\times p` matrix: this is for :math:`p` up to a few
thousand.

Safeguards. On the first pass each update is held to a trust region,
:math:`\Delta^\top M\Delta \le 1` with :math:`M` the first chunk's per-row Hessian at
the start (about a root-mean-square change of 2 in the margins), so that a chunk of
one class only cannot throw the point far off. Far from the optimum a full Newton
step can go uphill. On replays the model's value at the anchor is the exact
objective :math:`F(\theta_p)` (every chunk's model was taken there), so a pass
that finds :math:`F(\theta_p)` above the previous anchor's backtracks: the next pass
is anchored at the minimiser of the quadratic through :math:`F(\theta_p)`, its slope
along the step and the failed value (clipped to [0.1, 0.5] of the failed step: a
backtracking line search, one pass per trial).

What ``converged`` means here: at the end of a replayed pass, the Newton decrement at
its anchor is at most ``tol·|F|``: :math:`F(\theta_p) - \min_\theta(Q+P) \le
\mathrm{tol}\cdot|F(\theta_p)|` with :math:`Q` the pass's model — the same
second-order estimate of the gap that ``"newton"`` stops on. The first pass never
reports convergence (its models are taken at moving points).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ._linalg import cho_solve, cholesky
from .proximal_newton import cd_quadratic

__all__ = ["Quadratic", "StreamState", "StreamOverflowError", "minimize_model", "new_chunk",
           "stream_update", "relinearize", "FIRST_PASS_RTOL", "FIRST_PASS_ROUNDS"]

#: First pass: a chunk's model is taken again at the point it led to while that move
#: is above this share of the objective (:func:`relinearize`) ...
FIRST_PASS_RTOL = 1e-3
#: ... at most this many times per chunk.
FIRST_PASS_ROUNDS = 8
#: First pass: one update moves the point by at most this in the metric of the first
#: chunk's per-row Hessian at the start (about a root-mean-square margin change of 2).
FIRST_PASS_TRUST = 1.0


@dataclass
class Quadratic:
    r""":math:`Q(\theta) = \tfrac12\theta^\top A\theta + b^\top\theta + c`, the sum of
    chunk models, ``weight``, the total sample weight they stand for, and ``loss``, the
    sum of the chunks' losses at the points their models were taken (on a replay, all at
    the anchor: there :math:`Q` equals this sum, which, unlike :math:`Q`'s terms, does
    not cancel when columns have large offsets)."""

    A: np.ndarray
    b: np.ndarray
    c: float = 0.0
    weight: float = 0.0
    loss: float = 0.0

    @classmethod
    def zeros(cls, p: int) -> Quadratic:
        return cls(np.zeros((p, p)), np.zeros(p))

    def add(self, f: float, g: np.ndarray, H: np.ndarray, theta: np.ndarray, weight: float,
            sign: float = 1.0):
        """Add (``sign=-1``: remove) the Taylor model of a chunk with loss ``f``, gradient
        ``g`` and Hessian ``H`` at ``theta`` (sums over the chunk's rows, not means)."""
        Ht = H @ theta
        self.A += sign * H
        self.b += sign * (g - Ht)
        self.c += sign * float(f - g @ theta + 0.5 * theta @ Ht)
        self.weight += sign * float(weight)
        self.loss += sign * float(f)

    def plus(self, other: Quadratic, t: float) -> Quadratic:
        """``self + t·other``."""
        return Quadratic(self.A + t * other.A, self.b + t * other.b, self.c + t * other.c,
                         self.weight + t * other.weight, self.loss + t * other.loss)

    def value(self, theta: np.ndarray) -> float:
        return float(0.5 * theta @ (self.A @ theta) + self.b @ theta + self.c)

    def change(self, theta: np.ndarray, delta: np.ndarray) -> float:
        r""":math:`Q(\theta+\delta) - Q(\theta) = (A\theta + b)^\top\delta +
        \tfrac12\delta^\top A\delta`, without the cancellation of two values."""
        return float((self.A @ theta + self.b) @ delta + 0.5 * delta @ (self.A @ delta))


def _penalty(theta, ridge, l1) -> float:
    return float(0.5 * np.sum(ridge * theta * theta) + np.sum(l1 * np.abs(theta)))


def minimize_model(q: Quadratic, ridge: np.ndarray, l1: np.ndarray, theta0: np.ndarray
                   ) -> np.ndarray:
    r""":math:`\arg\min_\theta Q(\theta) + \tfrac12\sum_j r_j\theta_j^2 + \sum_j
    \lambda_j|\theta_j|` (``ridge`` :math:`r`, ``l1`` :math:`\lambda`, per coordinate).

    Without an L1 part: one Cholesky solve (a least-squares solve when the model is
    singular, as an unpenalised model can be on its first rows). With one: coordinate
    descent from ``theta0``.
    """
    M = q.A.copy()
    M.flat[:: M.shape[0] + 1] += ridge
    if not np.any(l1 > 0):
        factor = cholesky(M)  # LAPACK directly: this solve runs once per chunk
        if factor is not None:
            return cho_solve(factor, -q.b)
        return np.linalg.lstsq(M, -q.b, rcond=None)[0]
    g0 = M @ theta0 + q.b
    tol = 1e-15 * max(float(np.trace(M)), np.finfo(float).tiny)
    delta, *_ = cd_quadratic(M, g0, theta0, l1, tol=tol, max_sweeps=10_000)
    return theta0 + delta


@dataclass
class StreamState:
    """What ``partial_fit`` keeps between chunks: :math:`O(p^2)`, no rows.

    ``key`` identifies the stream's first chunk (a pass ends when it comes back).
    ``history`` has one row per completed pass: the model objective at its end, the
    decrease the pass brought, seconds since the stream began. ``rows`` counts the
    rows of the pass so far, ``previous_rows`` those of the last completed pass.
    ``objective_rtol``: the relative precision of an objective value (float32 chunks:
    about 3e-8); a replay whose anchor is higher than the last by less is not uphill.
    """

    theta: np.ndarray
    current: Quadratic
    previous: Quadratic | None = None
    key: bytes | None = None
    pass_start: np.ndarray | None = None
    passes: int = 0
    chunks: int = 0
    converged: bool = False
    objective: float = float("nan")
    metric: np.ndarray | None = None
    best_F: float | None = None
    best_anchor: np.ndarray | None = None
    direction: np.ndarray | None = None
    trial: float = 1.0
    slope: float = 0.0
    rows: int = 0
    previous_rows: int = 0
    objective_rtol: float = 1e-13
    history: dict = field(default_factory=lambda: {"objective": [], "decrease": [],
                                                   "seconds": []})
    t0: float = field(default_factory=time.perf_counter)

    @property
    def anchor(self) -> np.ndarray:
        """Where the next chunk's model is taken: the current point on the first pass,
        the pass's starting point on replays."""
        return self.theta if self.previous is None else self.pass_start

    @classmethod
    def start(cls, theta0: np.ndarray) -> StreamState:
        theta0 = np.array(theta0, dtype=np.float64)
        return cls(theta0, Quadratic.zeros(theta0.size), pass_start=theta0.copy())


def new_chunk(state: StreamState, key: bytes, *, ridge: np.ndarray, l1: np.ndarray,
              tol: float, rows: int = 0) -> np.ndarray:
    """A chunk of ``rows`` rows with fingerprint ``key`` arrives: close the pass if it is
    the stream's first chunk coming back; return the point at which to take its model
    (:attr:`StreamState.anchor`)."""
    if state.key is None:
        state.key = key
    elif key == state.key:  # the first chunk is back: a pass has ended
        state.previous_rows, state.rows = state.rows, 0
        _end_pass(state, ridge, l1, tol)
    state.chunks += 1
    state.rows += int(rows)
    return state.anchor


class StreamOverflowError(ValueError):
    """A chunk's update is not finite (its values overflow the model); the chunk was
    taken back out of the state."""


def stream_update(state: StreamState, f: float, g: np.ndarray, H: np.ndarray, weight: float,
                  *, ridge: np.ndarray, l1: np.ndarray) -> StreamState:
    """One chunk: its loss sum ``f``, gradient ``g`` and Hessian ``H`` at the point
    :func:`new_chunk` returned (sums over its rows, total weight ``weight``). Updates
    ``state`` in place (and returns it).

    Raises :class:`StreamOverflowError`, the state as it was, when the update is not
    finite (values so large that the model's step or value overflows)."""
    anchor = state.anchor
    state.current.add(f, g, H, anchor, weight)
    model = state.current
    if state.previous is not None and state.previous.weight > 0:
        model = model.plus(state.previous, max(0.0, 1.0 - model.weight / state.previous.weight))
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        new = minimize_model(model, ridge, l1, state.theta)
        size = 0.0
        if state.previous is None:  # first pass: a trust region (see the module docstring)
            metric = state.metric if state.metric is not None else H / max(
                float(weight), np.finfo(float).tiny)
            delta = new - state.theta
            size = float(np.sqrt(max(delta @ (metric @ delta), 0.0)))
            if size > FIRST_PASS_TRUST:
                new = state.theta + (FIRST_PASS_TRUST / size) * delta
        objective = model.value(new) + _penalty(new, ridge, l1)
    if not (np.isfinite(size) and np.isfinite(objective) and np.all(np.isfinite(new))):
        state.current.add(f, g, H, anchor, weight, sign=-1.0)
        raise StreamOverflowError(
            "the chunk's update overflows: its values are too large for the model "
            "(their products with the coefficients are not finite). Rescale the "
            "columns, e.g. StandardScaler, the same way for every chunk.")
    if state.previous is None and state.metric is None:
        state.metric = metric
    state.theta, state.objective = new, objective
    return state


def relinearize(state: StreamState, f, g, H, weight, at: np.ndarray, *, ridge, l1,
                rtol: float = FIRST_PASS_RTOL) -> bool:
    r"""On the first pass, whether the chunk just added (its model ``f, g, H`` taken at
    ``at``) moved the point so far that its model should be taken again at the new
    point (the model is then removed; add the new one with :func:`stream_update`).

    Far from the optimum (the first chunks) a chunk's Taylor model is poor where the
    point lands; re-taking it there, while the chunk is still at hand, is a Newton
    iteration on the rows seen so far. The move is measured by the model:
    :math:`\tfrac12\Delta^\top(A + r)\Delta \le` ``rtol·|F|`` stops.
    """
    if state.previous is not None:
        return False
    delta = state.theta - at
    moved = 0.5 * float(delta @ (state.current.A @ delta) + np.sum(ridge * delta * delta))
    if not moved > rtol * abs(state.objective):
        return False
    state.current.add(f, g, H, at, weight, sign=-1.0)
    return True


def _end_pass(state: StreamState, ridge, l1, tol) -> None:
    r"""Close a pass. On replays every chunk's model was taken at the pass's anchor, so
    the model's value there is the exact objective :math:`F(\theta_p)`: a Newton step
    that went uphill (far from the optimum, a full step can) backtracks — the next pass
    is anchored half-way back, the previous model kept — so the passes descend."""
    q, anchor = state.current, state.pass_start
    replay = state.previous is not None
    # on replays every model was taken at the anchor: F there is the sum of the losses
    F_anchor = (q.loss if replay else q.value(anchor)) + _penalty(anchor, ridge, l1)
    # a rise within the values' precision, or (once converged) within tol, is not uphill
    noise = max(state.objective_rtol, 1e-13, tol if state.converged else 0.0) * abs(F_anchor)
    if replay and state.best_F is not None and F_anchor > state.best_F + noise:
        # backtrack: the minimiser of the quadratic through F(0), F'(0) and F(t)
        t, slope = state.trial, state.slope
        curv = F_anchor - state.best_F - slope * t
        t_new = -slope * t * t / (2.0 * curv) if curv > 0 else 0.5 * t
        state.trial = min(max(t_new, 0.1 * t), 0.5 * t)
        state.pass_start = state.best_anchor + state.trial * state.direction
        state.theta = state.best_anchor.copy()
        state.current = Quadratic.zeros(anchor.size)
        state.converged = False
        _record(state, F_anchor, float("nan"))
        return
    # on replays: the Newton decrement at the anchor (the model's change, not a
    # difference of two values, which cancel when columns have large offsets)
    decrease = -(q.change(anchor, state.theta - anchor) + _penalty(state.theta, ridge, l1)
                 - _penalty(anchor, ridge, l1))
    F_end = F_anchor - decrease
    if replay:
        state.best_F, state.best_anchor = F_anchor, anchor.copy()
        state.direction, state.trial = state.theta - anchor, 1.0
        g = q.A @ anchor + q.b + ridge * anchor
        state.slope = float(g @ state.direction + np.sum(
            l1 * (np.abs(state.theta) - np.abs(anchor))))
    state.converged = bool(replay and decrease <= tol * abs(F_anchor))
    _record(state, F_anchor if replay else F_end, decrease)
    state.previous, state.current = q, Quadratic.zeros(state.theta.size)
    state.pass_start = state.theta.copy()


def _record(state: StreamState, objective: float, decrease: float) -> None:
    state.history["objective"].append(objective)
    state.history["decrease"].append(decrease)
    state.history["seconds"].append(time.perf_counter() - state.t0)
    state.passes += 1

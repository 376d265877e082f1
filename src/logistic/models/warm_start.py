r"""Newton from a subsample: solve on a few rows, then on more, each solution starting the next.

On tall dense data (:math:`n \gg p`) the optimum of the objective over a uniform
subsample of :math:`m` rows, its weights rescaled to the full total
(:meth:`~logistic.data.memory.InMemoryBackend.subsample`), is an estimate of the full
optimum whose gap on the full objective is about :math:`p/m` relative (the sampling
noise of an M-estimator). So the binary L2 fit is solved on nested subsamples

.. math:: m_0 < m_1 = 8 m_0 < \dots < m_L = n,

each level by Newton's method started at the level below's solution, with the
Hessian formed on the level below's rows (its weights rescaled: an estimate of this
level's Hessian with relative error about :math:`\sqrt{p/m_{j-1}}`) and *kept*
while it pays (``reuse_hessian``, :mod:`logistic.solvers.newton`): an iteration costs
one pass over the level's rows, and the error contracts by about :math:`p/m_{j-1}`
per iteration, so that two or three passes over all of ``X`` finish the fit. The
smallest level (:data:`MIN_LEVEL_ROWS` rows, at least :data:`ROWS_PER_PARAM` per
parameter) is solved by Newton with its own Hessian (on every k-th of its rows where
it has twice the curvature rows or more), also kept while it pays (from
zero the first factor serves two or three steps: the 50k×100, 3-class fit formed 5
Hessians of its smallest level with a fresh one per step, 2–3 kept). Every level is solved in
the standardised coordinates of the smallest one (:class:`StandardizedProblem` with
``like=``), so the moments cost no pass over ``X``. The Hessians are formed in
float64 from X's own rows: a float32 Gram product halves their cost, but its rounding
(~1e-7 of the largest curvature) swamped the penalty's curvature along redundant
(collinear) columns of the 400k×40, C=10 benchmark member, and Newton crawled (24
iterations and 65 passes instead of 3).

Only the top level decides convergence, with the user's ``tol`` on the full
objective and an exact gradient: the subsamples change the path, never the optimum
or the meaning of ``converged_``. The lower levels stop at a relative decrement of
:data:`LEVEL_TOL_FACTOR`·p/m (well below their sampling noise); a level that does not
converge (a subsample whose classes separate, without a penalty) ends the climb, and
the full data start from the last level that did. Every random choice
takes ``random_state`` (None: a fixed seed, so that default fits are reproducible).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..data.memory import InMemoryBackend
from ..problems import LogisticProblem, MultinomialProblem, StandardizedProblem
from ..solvers import SOLVERS, SolverResult

__all__ = ["applies", "levels", "solve", "LEVEL_FACTOR", "MIN_LEVEL_ROWS", "ROWS_PER_PARAM"]

#: Rows of each level over the level below.
LEVEL_FACTOR = 8
#: The smallest level has at least this many rows ...
MIN_LEVEL_ROWS = 2000
#: ... and this many per parameter.
ROWS_PER_PARAM = 5
#: A level's Hessian is formed on at least this many rows per parameter (up to half
#: the level's rows): its relative error, about sqrt(p/rows), sets the contraction.
#: 50 against 100: the same number of full passes on every dense benchmark member but
#: one (float32 500k×100: 4 instead of 5), and half the Gram product's work where it
#: is formed on the level's own rows (100k×500: 0.97 against 1.11 s of CPU).
CURVATURE_ROWS_PER_PARAM = 50
#: ... or about this many for a multinomial problem (see :func:`_curvature_rows`; a
#: level below with twice as many is strided down to them, see :func:`_curvature`).
MULTINOMIAL_CURVATURE_ROWS_PER_PARAM = 10
#: Below a smallest level of at least this many times the floor (``MIN_LEVEL_ROWS``,
#: ``ROWS_PER_PARAM``), one more level of the floor's size is solved first. Closer to the
#: floor, the extra level's Newton steps from zero cost more than they save the level
#: above (2 instead of 4: 300k×80 [2000, 4687, 37500] rows 132 → 111 ms, 500k×100
#: float32 211 → 176 ms, 50k×100 3-class 104 → 86 ms; medians, in one process).
FLOOR_LEVEL_RATIO = 4
#: Lower levels stop at a relative decrement of this times p/m (their noise is ~p/m).
LEVEL_TOL_FACTOR = 1e-2


def levels(n_samples: int, n_params: int) -> list[int]:
    """Row counts of the subsample levels below the full data (smallest first; empty:
    the data are not tall enough for a warm start to pay)."""
    floor = max(MIN_LEVEL_ROWS, ROWS_PER_PARAM * n_params)
    sizes: list[int] = []
    m = n_samples // LEVEL_FACTOR
    while m >= floor:
        sizes.insert(0, m)
        m //= LEVEL_FACTOR
    if sizes and sizes[0] >= FLOOR_LEVEL_RATIO * floor:  # a last level: the floor itself
        sizes.insert(0, floor)
    return sizes


def applies(problem, solver: str, requested: str) -> bool:
    """Whether ``solver="auto"`` resolved to Newton on a binary or multinomial L2 (or
    unpenalised) problem over in-memory dense rows tall enough for :func:`levels`."""
    backend = getattr(problem, "backend", None)
    return (requested == "auto" and solver == "newton"
            and type(problem) in (LogisticProblem, MultinomialProblem)
            and type(backend) is InMemoryBackend and not sp.issparse(backend.X)
            and bool(levels(backend.n_samples, problem.n_params)))


def _over(problem, backend):
    """``problem``'s objective over the rows of ``backend`` (a subsample level)."""
    if isinstance(problem, MultinomialProblem):
        return MultinomialProblem(backend, n_classes=problem.n_classes, alpha=problem.alpha,
                                  fit_intercept=problem.fit_intercept)
    return LogisticProblem(backend, alpha=problem.alpha, fit_intercept=problem.fit_intercept,
                           hessian_rows=None)


def solve(problem: LogisticProblem, *, tol: float, max_iter: int, callback=None,
          random_state=None) -> tuple[StandardizedProblem, SolverResult]:
    """Minimise ``problem`` from zero through the subsample levels.

    Returns the standardised problem the top level ran on (map θ back with its
    ``to_original``) and the top level's :class:`SolverResult` (its history starts at
    the warm start; its iterations are passes-plus-Hessians over all of ``X``).
    """
    newton = SOLVERS["newton"]
    rng = np.random.default_rng(0 if random_state is None else random_state)
    p = problem.n_params
    sizes = levels(problem.backend.n_samples, p)
    backends = [problem.backend]
    for m in reversed(sizes):  # nested: each level a subsample of the one above
        backends.insert(0, backends[0].subsample(m, rng, dtype=None))
    if any(b is None for b in backends):  # a subsample without weight: no warm start
        return _cold(problem, tol=tol, max_iter=max_iter, callback=callback)
    subs = [_over(problem, b) for b in backends[:-1]]
    rows = _curvature_rows(problem)
    own = _strided(subs[0].backend, rows)  # the smallest level's: its own rows,
    if own is not None:  # strided where it has at least twice as many as it needs
        subs[0].subsample_hessian(own)
    thin = isinstance(problem, MultinomialProblem)  # the level below's rows, strided
    for below, sub in zip(subs, subs[1:], strict=False):
        sub.subsample_hessian(_curvature(below.backend, sub.backend, rows, thin))
    base = StandardizedProblem(subs[0])
    theta = np.zeros(problem.n_params)
    for j, sub in enumerate(subs):
        target = base if j == 0 else StandardizedProblem(sub, like=base)
        level_tol = max(tol, LEVEL_TOL_FACTOR * p / sizes[j])
        result = newton(target, theta, tol=level_tol, max_iter=max_iter, reuse_hessian=True)
        problem.passes += sub.passes * sizes[j] / problem.backend.n_samples
        if not result.converged:  # e.g. a subsample separable without a penalty: keep
            break  # the last level's solution (or zero) and let the full data decide
        theta = result.theta
    problem.subsample_hessian(_curvature(subs[-1].backend, problem.backend, rows, thin))
    top = StandardizedProblem(problem, like=base)
    kwargs = {} if callback is None else {"callback": callback}
    return top, newton(top, theta, tol=tol, max_iter=max_iter, reuse_hessian=True, **kwargs)


def _curvature_rows(problem) -> int:
    """How many rows a level's Hessian wants: :data:`CURVATURE_ROWS_PER_PARAM` per
    parameter for a binary problem; for a multinomial one, whose Hessian costs
    :math:`k(k+1)/2` Gram products against a pass's :math:`2k` products with ``X``,
    :data:`MULTINOMIAL_CURVATURE_ROWS_PER_PARAM` (a kept Hessian contracts the error by
    about p/rows per pass: more passes, each far cheaper than more curvature rows)."""
    if isinstance(problem, MultinomialProblem):
        return MULTINOMIAL_CURVATURE_ROWS_PER_PARAM * problem.n_params
    return CURVATURE_ROWS_PER_PARAM * problem.n_params


def _curvature(below, level, rows: int, thin: bool = False):
    """The rows a level's Hessian is formed on: the level below's, or, where those
    are fewer than ``rows``, every k-th row of the level itself (a strided view: no
    copy; at most half its rows), weights rescaled to the level's total. ``thin``
    (multinomial): a level below with twice ``rows`` or more is strided down to about
    ``rows`` too (the 50k×100, 3-class top: 3125 of the 6250 rows below, one more pass
    but half the Hessian, 99 → 86 ms; 100k×20×20 295 → 252 ms). Where the strided
    rows carry no weight, the level below's."""
    rows = min(level.n_samples // 2, rows)
    strided = (_strided(below, rows) if thin else None) if rows <= below.n_samples else (
        _strided(level, rows))
    return below if strided is None else strided


def _strided(backend, rows: int):
    """Every ``n // rows``-th row of ``backend``, weights rescaled to its total, where
    it has at least twice ``rows`` (None otherwise, or where they carry no weight).
    The smallest level's Hessian rows (the 6250-row level of the 50k×100, 3-class fit:
    3125 rows, 92 → 86 ms). They are read by Hessians alone, so rows that would fit
    one cache-sized block come in one block per thread: a Gram product is worth a
    thread (3125×101, 3 classes: 7.3 → 4.4 ms per Hessian on 2 cores; a binary
    problem's Hessian keeps blocks of at least 2048 rows, see ``LogisticProblem``)."""
    n = backend.n_samples
    if 2 * rows > n:
        return None
    strided = backend.every(n // rows)
    lone = strided.n_blocks == 1
    per_thread = -(-strided.n_samples // strided.n_jobs) if lone else None
    return strided.rescaled(_total(backend), block_rows=per_thread)


def _total(backend) -> float:
    return float(backend.n_samples) if backend.s is None else float(np.sum(backend.s))


def _cold(problem, *, tol, max_iter, callback):
    top = StandardizedProblem(problem)
    kwargs = {} if callback is None else {"callback": callback}
    return top, SOLVERS["newton"](top, np.zeros(problem.n_params), tol=tol, max_iter=max_iter,
                                  **kwargs)

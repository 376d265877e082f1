r"""``LogisticRegression.partial_fit``: learning from a stream of chunks.

The wiring only: each chunk becomes a problem over a backend of its rows (the same
problems every fit uses, without a penalty), whose loss, gradient and Hessian at the
current point feed the streaming Newton state of :mod:`logistic.solvers.streaming`
(the algorithm, and why it converges to the batch optimum on replays, is there). The
penalty is added exactly, once, by the state's minimiser — so after replaying a
stream the model is ``LogisticRegression(...).fit`` on the concatenated chunks, same
``C``, same weights.

Pass boundaries. A pass ends when the stream's *first* chunk comes back (the same
shape, the same first, middle and last rows, labels and weights: a 16-byte
fingerprint). Replay the chunks in the same order; chunks that never repeat are
simply more data (the model is then the batch fit of everything seen).

Known limitation: a stream *sorted by label* (all of one class, then all of the
other) gives a poor first pass, and the replays' Newton steps from it need many
backtracking passes (measured: still 0.18 off in the coefficients after 10 passes on
3000 rows). Chunks of one class mixed through the stream are fine. Shuffle such data
before streaming it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import _check_sample_weight, validate_data

from ..math.blas import factor_threads
from ..problems import LogisticProblem, MultinomialProblem
from ..problems.binary import CurvatureOverflowError
from ..problems.multinomial import center
from ..solvers.streaming import (
    FIRST_PASS_ROUNDS,
    StreamOverflowError,
    StreamState,
    new_chunk,
    relinearize,
    stream_update,
)
from .fitting import _maybe_subsample_hessian, data_backend, hessian_stride
from .params import l1_ratio_of
from .targets import class_sample_weight

__all__ = ["partial_fit", "STREAM_SOLVER", "MAX_STREAM_PARAMS"]

#: ``solver_`` of a model fitted by ``partial_fit``.
STREAM_SOLVER = "streaming-newton"
#: The state holds a p×p matrix: refuse larger models.
MAX_STREAM_PARAMS = 5000
#: A chunk's Hessian comes from every step-th of its rows, step = n // max(20·p, this),
#: when step ≥ 2 (loss and gradient stay exact; see :func:`_chunk_model`) ...
STREAM_HESSIAN_MIN_ROWS = 1024
#: ... and, on replays, only while the pass's subsampled rows number at least this many
#: per parameter: each replay then shrinks the Newton decrement by about
#: p / n_sub ≤ 1/200 (a short stream replays with exact Hessians, quadratically).
STREAM_REPLAY_ROWS_PER_PARAM = 200
#: Why a partial_fit model has no inference table of its own.
NO_INFERENCE = ("partial_fit keeps no rows, so it has no inference numbers: pass data, "
                "model.summary(X, y), to compute the table in one pass over them.")


def _fingerprint(X, y_idx, s) -> bytes:
    """16 bytes identifying a chunk: shape, dtype, first/middle/last rows, the first and
    last 64 labels and weights, the class counts and the weight sum (a few hundred
    bytes hashed, whatever the chunk's size)."""
    h = hashlib.blake2b(digest_size=16)
    n = X.shape[0]
    h.update(repr((X.shape, str(X.dtype))).encode())
    if sp.issparse(X):
        X = X.tocsr()
        h.update(np.ascontiguousarray(X.indptr[[0, n // 2, n]]).tobytes())
        h.update(np.ascontiguousarray(X.data[:64]).tobytes())
        h.update(np.ascontiguousarray(X.data[-64:]).tobytes())
    else:
        h.update(np.ascontiguousarray(X[[0, n // 2, n - 1]]).tobytes())
    h.update(np.ascontiguousarray(y_idx[:64]).tobytes())
    h.update(np.ascontiguousarray(y_idx[-64:]).tobytes())
    h.update(np.bincount(y_idx).tobytes())
    if s is not None:
        h.update(np.ascontiguousarray(s[:64]).tobytes())
        h.update(np.ascontiguousarray(s[-64:]).tobytes())
        h.update(np.float64(np.sum(s)).tobytes())
    return h.digest()


def _validate(model, X, y, *, reset: bool):
    """``validate_data`` for a chunk (dense float or CSR/CSC ``X``)."""
    return validate_data(model, X, y, accept_sparse=["csr", "csc"],
                         dtype=[np.float64, np.float32], order=None, reset=reset)


def _plain_chunk(model, X, y):
    """``(X, y)`` of a later chunk that needs no conversion — NumPy float64/float32 ``X``
    of the fitted width, finite, 1-D ``y`` of its length, a model fitted without feature
    names — as ``validate_data`` would return them, without its per-call cost (about
    a third of a 10k×50 chunk's update) and without its finiteness pass over X, which
    :func:`_first_model` reads from the chunk's gradient instead; None: let
    ``validate_data`` check (and say what is wrong)."""
    if type(X) is not np.ndarray or type(y) is not np.ndarray:
        return None
    if (X.ndim != 2 or X.dtype not in (np.float64, np.float32) or X.shape[0] == 0
            or X.shape[1] != getattr(model, "n_features_in_", -1)
            or hasattr(model, "feature_names_in_") or y.shape != X.shape[:1]):
        return None
    return X, y  # finiteness: read from the chunk's gradient (see _first_model)


def _chunk_targets(model, X, y, classes, sample_weight):
    """Classes (fixed by the first call), the chunk's class indices and weights."""
    fixed = model.classes_ if hasattr(model, "classes_") and (
        getattr(model, "_stream_", None) is not None or classes is None) else None
    if fixed is None:
        if classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit "
                             "(all the labels the stream can hold).")
        known = np.unique(np.asarray(classes))
        if known.size < 2:
            raise ValueError(f"classes must hold at least two labels, got {known.tolist()!r}.")
    else:
        known = fixed
        if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), known):
            raise ValueError(f"classes {np.unique(classes).tolist()!r} differ from the "
                             f"classes of the earlier calls {known.tolist()!r}.")
    y = np.asarray(y)
    y_idx = np.searchsorted(known, y)
    y_idx = np.clip(y_idx, 0, known.size - 1)
    bad = known[y_idx] != y
    if np.any(bad):
        raise ValueError(f"y holds label {y[np.argmax(bad)]!r}, not among classes "
                         f"{known.tolist()!r}.")
    s = None
    if sample_weight is not None:
        s = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if not np.all(np.isfinite(s)):
            raise ValueError("sample_weight contains NaN or infinity.")
    if model.class_weight == "balanced":
        raise ValueError("class_weight='balanced' needs the whole data's class counts; "
                         "partial_fit takes None or a dict.")
    s = class_sample_weight(model.class_weight, known, y_idx, s)
    return known, y_idx, s


def _layout(k: int, d: int, fit_intercept: bool) -> tuple[int, np.ndarray]:
    """(p, mask of the penalised coordinates) of θ: binary (w, b), k classes (vec W, b)."""
    rows = 1 if k == 2 else k
    coef = np.ones(rows * d, dtype=bool)
    return rows * (d + int(fit_intercept)), np.concatenate(
        [coef, np.zeros(rows * int(fit_intercept), dtype=bool)])


def _chunk_stride(state: StreamState, n: int, p: int) -> int:
    """Every how many rows a chunk of ``n`` rows forms its Hessian from (1: all)."""
    step = hessian_stride(n, p, STREAM_HESSIAN_MIN_ROWS)
    if step > 1 and state.previous is not None and (
            state.previous_rows // step < STREAM_REPLAY_ROWS_PER_PARAM * p):
        return 1
    return step


def _chunk_model(problem, theta, l1: bool, stride: int = 1):
    r"""The chunk's loss sum, gradient and Hessian at θ (sums, not means).

    Loss and gradient are exact. The Hessian is exact for ``stride=1``; on larger
    chunks it is estimated from every ``stride``-th row (:func:`_chunk_stride`; a
    multinomial problem was given its strided subsample when made), which cuts the
    chunk's Gram product — most of its cost — by the stride. The replays' fixed point
    is unchanged (the gradients are exact); their Newton steps converge linearly, at a
    rate about the summed estimate's relative error :math:`O(\sqrt{p/n_{sub}})` over
    the pass's :math:`n_{sub}` subsampled rows, instead of quadratically.
    """
    S = float(problem.sum_weights)
    if isinstance(problem, MultinomialProblem):
        f, g = problem.loss_grad(theta)
        if l1:  # the L1 term sees the coefficients' class shift: deflate the intercepts only
            H = problem._deflate(problem.hessian_subset(theta, None), np.arange(theta.size),
                                 coef=False)
        else:
            H = problem.hessian(theta)
    else:
        f, g, H = problem.loss_grad_hess(theta, stride=stride)
    return f * S, g * S, H * S, S


def _start(model, k: int, d: int, p: int) -> np.ndarray:
    """θ₀: the model's current coefficients when their layout fits (a loaded or
    batch-fitted model continues from them), else zeros."""
    if not hasattr(model, "coef_") or not hasattr(model, "classes_"):
        return np.zeros(p)
    coef = model._dense_coef()
    if coef.shape[1] != d or model.classes_.size != k:
        return np.zeros(p)
    parts = [coef.ravel()]
    if model.fit_intercept:
        parts.append(np.asarray(model.intercept_, dtype=np.float64).ravel())
    theta = np.concatenate(parts)
    return theta if theta.size == p else np.zeros(p)


def partial_fit(model, X, y, classes=None, sample_weight=None):
    """One chunk into ``model`` (a :class:`~logistic.LogisticRegression`); see the
    estimator's ``partial_fit``."""
    options = model._fit_options()
    if options.penalty == "firth":
        raise ValueError("penalty='firth' is not additive over rows: partial_fit supports "
                         "'l2', 'l1', 'elasticnet' and None.")
    state: StreamState | None = getattr(model, "_stream_", None)
    checked = None if state is None else _plain_chunk(model, X, y)
    X, y = checked if checked is not None else _validate(model, X, y, reset=state is None)
    known, y_idx, s = _chunk_targets(model, X, y, classes, sample_weight)
    k, d = known.size, X.shape[1]
    if k > 2 and model.multi_class == "ovr":
        raise ValueError("partial_fit fits the multinomial model; multi_class='ovr' is not "
                         "supported (use 'auto' or 'multinomial').")
    p, penalised = _layout(k, d, options.fit_intercept)
    if p > MAX_STREAM_PARAMS:
        raise ValueError(f"partial_fit keeps a {p}×{p} matrix (p = {p} parameters), more "
                         f"than {MAX_STREAM_PARAMS}: use fewer features, or "
                         "solver='sgd' on data in memory.")
    if state is None:
        state = StreamState.start(_start(model, k, d, p))
    rho = 0.0 if options.penalty is None else l1_ratio_of(options.penalty, options.l1_ratio)
    C = options.C
    ridge = np.where(penalised, 0.0 if options.penalty is None else (1 - rho) / C, 0.0)
    l1 = np.where(penalised, 0.0 if options.penalty is None else rho / C, 0.0)
    if s is None or float(np.sum(s)) > 0:
        backend = data_backend(X, y_idx, s, n_classes=k, multinomial=True)
        at = new_chunk(state, _fingerprint(X, y_idx, s), ridge=ridge, l1=l1, tol=options.tol,
                       rows=X.shape[0])
        stride = _chunk_stride(state, X.shape[0], p)
        if k > 2:
            with np.errstate(over="ignore", invalid="ignore"):  # its Gram trace: unused
                problem = MultinomialProblem(backend, n_classes=k, alpha=0.0,
                                             fit_intercept=options.fit_intercept)
            if stride > 1:
                _maybe_subsample_hessian(problem, min_rows=STREAM_HESSIAN_MIN_ROWS)
        else:
            problem = LogisticProblem(backend, alpha=0.0, fit_intercept=options.fit_intercept,
                                      hessian_rows=None)
        # a float32 chunk's sums carry ~3e-8 relative noise (the problem's objective_rtol)
        state.objective_rtol = 3e-8 if X.dtype == np.float32 else 1e-13
        with factor_threads(p):  # the p×p solves on one BLAS thread while p is small
            _update(state, problem, at, stride, X.shape[0], ridge, l1,
                    unchecked=None if checked is None else (model, X, y))
    _store(model, state, known, p, k, d, options, X.dtype)
    return model


def _first_model(problem, at, l1: bool, stride: int, unchecked, state, rows):
    r""":func:`_chunk_model` of a chunk whose finiteness ``validate_data`` did not check
    (``unchecked = (model, X, y)``). A NaN or infinity anywhere in X makes the
    gradient :math:`X^\top r` non-finite (IEEE: :math:`\infty\cdot 0` is NaN too), so
    a finite loss and gradient prove X finite; otherwise the chunk is counted out and
    ``validate_data`` names the bad value (or, X finite, the overflow is reported)."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite X: checked below
            out = _chunk_model(problem, at, l1, stride)
    except CurvatureOverflowError:
        _refuse(unchecked, state, rows)
        raise
    if not (np.isfinite(out[0]) and np.all(np.isfinite(out[1]))):
        _refuse(unchecked, state, rows)
        raise StreamOverflowError("the chunk's loss or gradient overflows float64: its values "
                                  "are too large; rescale the columns (e.g. StandardScaler), "
                                  "the same way for every chunk.")
    return out


def _count_out(state, rows: int) -> None:
    """Take a refused chunk back out of the state's counts (its model never went in)."""
    state.chunks -= 1
    state.rows -= rows


def _refuse(unchecked, state, rows) -> None:
    """Count a refused chunk out of the state; raise validate_data's error if X holds a
    NaN or an infinity."""
    _count_out(state, rows)
    model, X, y = unchecked
    _validate(model, X, y, reset=False)


def _update(state, problem, at, stride, rows, ridge, l1, unchecked=None) -> None:
    """The chunk's model into the state, re-taken at the new point while it moves far
    (first pass, :func:`~logistic.solvers.streaming.relinearize`)."""
    has_l1 = bool(np.any(l1 > 0))
    for r in range(FIRST_PASS_ROUNDS):
        if r == 0 and unchecked is not None:
            f, g, H, S = _first_model(problem, at, has_l1, stride, unchecked, state, rows)
        else:
            f, g, H, S = _chunk_model(problem, at, has_l1, stride)
        try:
            stream_update(state, f, g, H, S, ridge=ridge, l1=l1)
        except StreamOverflowError:  # the state is as it was: count the chunk out
            _count_out(state, rows)
            raise
        if not relinearize(state, f, g, H, S, at, ridge=ridge, l1=l1):
            break
        at = state.theta


def _store(model, state: StreamState, classes, p, k, d, options, dtype) -> None:
    """The fitted attributes, as :meth:`LogisticRegression.fit` sets them."""
    theta = state.theta
    rows = 1 if k == 2 else k
    coef = theta[: rows * d].reshape(rows, d)
    if options.fit_intercept:
        intercept = theta[rows * d :].copy()
    else:
        intercept = np.zeros(rows)
    if k > 2:  # centred over the classes, as a batch fit reports them
        W, b = center(coef, intercept, coef=options.penalty is None)
        coef, intercept = W, (b if options.fit_intercept else np.zeros(k))
    model._stream_ = state
    model.classes_ = classes
    model.coef_ = np.array(coef, dtype=dtype)
    model.intercept_ = np.array(intercept, dtype=dtype)
    model.penalty_ = options.penalty
    model.solver_ = STREAM_SOLVER
    model.multi_class_ = "binary" if k == 2 else "multinomial"
    model.converged_ = bool(state.converged)
    model.n_iter_ = np.array([state.chunks], dtype=np.int32)
    model.objective_ = float(state.objective)
    model.n_passes_ = int(state.passes)
    model.history_ = {key: np.asarray(v, dtype=np.float64) for key, v in state.history.items()}
    model.inference_skipped_ = NO_INFERENCE
    if hasattr(model, "inference_"):
        del model.inference_

r"""The estimator on Dask data: validation, class encoding, lazy predictions, the score.

:class:`~logistic.LogisticRegression` hands a Dask array or DataFrame here and then
runs its one fit path unchanged: the backend for Dask ``X``
(:class:`~logistic.data.dask.DaskBackend`) makes every pass one task per worker
thread over the chunks it holds, the partial sums added on the client; the solver
sees d-sized vectors only.

Validation is one pass, one round trip (:func:`validate_fit`): the labels and weights
come to the client (n numbers each: the classes, the inference state and the checks
read them; ``X`` is never gathered), together with each chunk's finiteness, its
column moments and a uniform sample of its rows (:func:`warm_rows`: about 500 per
parameter drawn, at most a quarter of them; half of those sent, at least 10,000). On that sample the
client fits the same model in memory (:func:`warm_start`), so Newton on the cluster
starts at a relative gap of about p/m (3e-3). Its Hessian is kept (secant-corrected,
:mod:`logistic.solvers.newton`): a binary model's formed on the workers from strided
rows in the first pass, a multinomial one's on the client from the sample (with the
drawn rows not sent, when it needs them) while that pass runs (:class:`Overlapped`);
each cluster iteration is one round trip for a loss and a gradient. A fit that
keeps inference numbers also takes the step
after the converged decrement, and its inference sums ride with that last pass. A
default unpenalised fit of 200k×100 makes 5 round trips, 6 with summary().
What stays lazy: predictions (``map_blocks`` of the in-memory methods over the chunks
of ``X``, so the numerics are the same code).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from ..data.dask import (
    _Chunk,
    _cluster_memory,
    _compute,
    _loaded,
    _sum_parts,
    fits_in_memory,
    is_dask_collection,
    place,
    remember,
)
from .targets import encode_targets

__all__ = ["is_dask_input", "validate_fit", "lazy", "score", "to_dask_array", "separation"]


def is_dask_input(*objs) -> bool:
    """Whether any of ``objs`` is a Dask collection."""
    return any(is_dask_collection(o) for o in objs)


def to_dask_array(X, *, what: str = "X"):
    """A Dask array of floats with known row chunks from a Dask array, DataFrame or Series
    (a NumPy array gives None); column names of a DataFrame are returned too."""
    import dask.array as da
    import dask.dataframe as dd

    names = None
    if isinstance(X, dd.DataFrame | dd.Series):
        if isinstance(X, dd.DataFrame):
            names = np.asarray([str(c) for c in X.columns], dtype=object)
            if not all(isinstance(c, str) for c in X.columns):
                names = None
            bad = [c for c, t in X.dtypes.items() if not np.issubdtype(t, np.number)
                   and not np.issubdtype(t, np.bool_)]
            if what == "X" and bad:
                raise TypeError(
                    f"X has non-numeric columns {bad[:5]}: encode them as numbers first."
                )
        X = X.to_dask_array(lengths=True)
    elif not isinstance(X, da.Array):
        if what == "X":
            raise TypeError(f"X must be a Dask array or DataFrame here, got {type(X).__name__}.")
        return None, None
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    return X, names


def validate_fit(est, X, y, sample_weight):
    """Validate Dask ``X``, ``y`` (and weights) for :meth:`LogisticRegression.fit`.

    Returns ``(X, classes, y_idx, s)``: ``X`` a float Dask array with whole rows per
    chunk (persisted on the workers when it fits, see :func:`~logistic.data.dask.place`),
    the sorted classes, the class index of each row and the effective weights (NumPy).
    Sets ``n_features_in_`` (and ``feature_names_in_`` for a DataFrame of named columns).
    """

    X, names = to_dask_array(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}.")
    if X.dtype not in (np.float32, np.float64):
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_):
            raise TypeError(f"X has dtype {X.dtype}: numeric data are needed.")
        X = X.astype(np.float64)
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    n, d = (int(v) for v in X.shape)
    if n < 1 or d < 1:
        raise ValueError(f"X has shape {X.shape}: at least one row and one column are needed.")
    y_d = _labels(y, X.chunks[0], n)
    s_d = None
    if sample_weight is not None:
        s_d = _labels(sample_weight, X.chunks[0], n, what="sample_weight").astype(np.float64)
    persist = fits_in_memory(X)
    X = place(X, persist)
    y_np, s, facts, take = _first_pass(est, X, y_d, s_d, persist)
    classes = np.unique(y_np)
    check_classification_targets(classes)
    if not all(f[0] for f in facts):
        raise ValueError("Input X contains NaN or infinity.")
    moments = _sum_parts(*(f[1] for f in facts))
    sample = None
    reserve = None
    if take is not None:  # the warm start's rows (see warm_start): half of them sent
        offsets = np.cumsum((0, *X.chunks[0][:-1]))
        step = _sent_step(sum(t.size for t in take))
        index = np.concatenate([o + t[::step] for o, t in zip(offsets, take, strict=True)])
        sample = (index, np.concatenate([f[2] for f in facts]))
        reserve = np.concatenate([o + t[1::step] for o, t in zip(offsets, take, strict=True)]
                                 ) if step > 1 else None
    remember(X, moments=moments, sample=sample, reserve=reserve)
    y_idx = np.searchsorted(classes, y_np)
    # encode_targets on the class indices: its weight checks and class weights, unchanged
    class_weight = est.class_weight
    if isinstance(class_weight, dict):
        lookup = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}
        class_weight = {lookup[k]: v for k, v in class_weight.items() if k in lookup}
    if classes.size < 2:
        raise ValueError(
            f"y contains only one class ({classes.tolist()[0]!r}); "
            "logistic regression needs samples of two classes."
        )
    _, y_idx, s = encode_targets(
        np.empty((n, 0)), np.asarray(y_idx), None if s is None else np.asarray(s), class_weight
    )
    est.n_features_in_ = d
    if names is not None:
        est.feature_names_in_ = names
    elif hasattr(est, "feature_names_in_"):
        del est.feature_names_in_
    return X, classes, y_idx, s


def _first_pass(est, X, y_d, s_d, persisted: bool):
    """The one pass of validation, one round trip: the labels and weights to the
    client (n numbers each), and per chunk of ``X`` whether it is finite, its
    unweighted column moments (the standardisation's, see
    :class:`~logistic.problems.StandardizedProblem`) and a uniform sample of its rows
    for :func:`warm_start` (:func:`warm_rows` rows drawn in all, in proportion to the
    chunks, every other one of them sent when that still sends :data:`WARM_ROWS`: the
    rest are gathered only by a fit that needs them; none on small data). Streamed
    chunks are read inside their task, never stored (see
    :class:`~logistic.data.dask.DaskBackend`). Returns
    ``(y, s, facts, take)``: ``take`` the rows drawn from each chunk (positions within
    it) or None."""
    from dask import delayed
    from sklearn.utils import check_random_state

    n, d = (int(v) for v in X.shape)
    rows = X.chunks[0]
    m = warm_rows(n, d + 1, persisted=persisted, row_bytes=d * X.dtype.itemsize,
                  memory=0.0 if persisted else _cluster_memory())
    take = None
    if m:
        rng = np.random.default_rng(check_random_state(est.random_state).randint(2**31 - 1))
        take = [np.sort(rng.choice(r, size=min(r, max(1, round(m * r / n))), replace=False))
                for r in rows]
    blocks = X.to_delayed().ravel().tolist() if persisted else [
        _Chunk(X, i) for i in range(X.numblocks[0])]
    run = delayed(_chunk_facts, pure=True)
    step = 1 if take is None else _sent_step(sum(t.size for t in take))
    facts = [run(x, None if take is None else take[i][::step]) for i, x in enumerate(blocks)]
    y_b = y_d.to_delayed().ravel().tolist()
    s_b = [] if s_d is None else s_d.to_delayed().ravel().tolist()
    values = _compute(*y_b, *s_b, *facts)
    y_np = np.concatenate(values[: len(y_b)])
    s = None if s_d is None else np.concatenate(values[len(y_b): len(y_b) + len(s_b)])
    return y_np, s, list(values[len(y_b) + len(s_b):]), take


def _sent_step(drawn: int) -> int:
    """Every how many drawn rows validation sends one to the client: 2 (half of them,
    the rest on demand: see :func:`warm_start`) when that still sends
    :data:`WARM_ROWS`, else 1 (all)."""
    return 2 if drawn >= 2 * WARM_ROWS else 1


def _chunk_facts(x, take):
    """One chunk: (all finite, its column moments (Σx, Σx², rows), the rows ``take``)."""
    from ..data.memory import _add
    from ..math.binary import block_column_moments

    x = np.asarray(_loaded(x))
    with np.errstate(over="ignore", invalid="ignore"):
        moments = _add(None, block_column_moments(x, np.empty(x.shape[0]), None))
    # a NaN or an infinity makes its column's sums non-finite; finite sums prove the
    # chunk finite (only sums that overflowed need the entries checked)
    finite = bool(np.isfinite(moments[0]).all() and np.isfinite(moments[1]).all()) or bool(
        np.isfinite(x).all())
    return finite, moments, None if take is None else x[take]


#: :func:`warm_start` fits about this many rows per parameter on the client (its start
#: is then about p/m ≈ 2e-3 from the optimum, and Newton's Hessian from those rows
#: contracts the error by about as much per pass) ...
WARM_ROWS_PER_PARAM = 500
#: ... and this many (a Hessian estimate's error has a constant: the in-memory
#: curvature subsample takes 8192 rows at least) ...
WARM_ROWS = 10_000
#: ... up to a quarter of the rows of ``X`` held on the workers or a sixteenth of
#: streamed ones (a sample held on the workers until the client takes it stays small
#: beside the chunks, out of core too: at most :data:`WARM_MEMORY_SHARE` of the
#: cluster's memory); none if that leaves fewer than :data:`WARM_MIN_ROWS`.
WARM_MIN_ROWS = 2000
WARM_MEMORY_SHARE = 1 / 16


#: A binary fit's Hessian is formed on the workers from this many times the rows of
#: the sample sent to the client (half of those drawn, or all: see _sent_step).
WARM_HESSIAN_FACTOR = 4
#: The sample fit stops at this relative gap (its sampling error is ~p/m ≈ 1e-3).
WARM_TOL = 1e-5
#: The sample also gives Newton's Hessian (kept on the client) when it has this many
#: rows per parameter (its relative error, about sqrt(p/m), sets Newton's contraction).
CURVATURE_ROWS_PER_PARAM = 100
#: A sample fit with a margin beyond this (p < 2e-22) looks separated: no warm start
#: from it (the sample is fitted without the separation check; the full data get it).
WARM_MAX_MARGIN = 50.0


def warm_rows(n_samples: int, n_params: int, *, persisted: bool = True,
              row_bytes: float = 0.0, memory: float = 0.0) -> int:
    """Rows of the warm start's sample: ``max(10000, 500·p)``, at most ``n/4`` (``n/16``
    and :data:`WARM_MEMORY_SHARE` of ``memory`` bytes when streamed), or 0 when fewer
    than 2000 rows remain."""
    m = min(max(WARM_ROWS, WARM_ROWS_PER_PARAM * n_params),
            n_samples // (4 if persisted else 16))
    if not persisted and row_bytes > 0 and memory > 0:
        m = min(m, int(WARM_MEMORY_SHARE * memory / row_bytes))
    return m if m >= WARM_MIN_ROWS else 0


def _labels(y, rows, n: int, what: str = "y"):
    """``y`` (Dask array/Series or array-like) as a 1-D Dask array chunked like ``X``'s rows."""
    import dask.array as da

    y_d, _ = to_dask_array(y, what=what)
    if y_d is None:
        y_np = np.asarray(y)
        if y_np.ndim != 1:
            raise ValueError(f"{what} must be 1-D, got shape {y_np.shape}.")
        y_d = da.from_array(y_np, chunks=(rows,)) if y_np.shape[0] == n else None
        if y_d is None:
            raise ValueError(f"{what} has {y_np.shape[0]} entries; X has {n} rows.")
    if y_d.ndim == 2 and y_d.shape[1] == 1:
        y_d = y_d[:, 0]
    if y_d.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {y_d.shape}.")
    if int(y_d.shape[0]) != n:
        raise ValueError(f"{what} has {y_d.shape[0]} entries; X has {n} rows.")
    return y_d.rechunk((rows,))


def _check_predict_input(est, X):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)
    X, names = to_dask_array(X)
    if X.ndim != 2 or X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1] if X.ndim == 2 else X.shape} features, but "
            f"{type(est).__name__} is expecting {est.n_features_in_} features as input."
        )
    fitted = getattr(est, "feature_names_in_", None)
    if names is not None and fitted is not None and list(names) != list(fitted):
        raise ValueError("The feature names of X differ from those seen at fit.")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X.rechunk({1: -1}) if X.numblocks[1] > 1 else X


def lazy(est, X, method: str):
    """``est.method(X)`` as a lazy Dask array: the in-memory method mapped over the row
    chunks of ``X`` (``decision_function``, ``predict``, ``predict_proba``,
    ``predict_log_proba``)."""
    X = _check_predict_input(est, X)
    k = est.classes_.size
    wide = method in ("predict_proba", "predict_log_proba") or (
        method == "decision_function" and est.coef_.shape[0] > 1)
    dtype = est.classes_.dtype if method == "predict" else X.dtype

    def block(xb):
        with warnings.catch_warnings():  # the names were checked above, for all chunks
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return getattr(est, method)(xb)

    if wide:
        return X.map_blocks(block, dtype=dtype, chunks=(X.chunks[0], (k,)))
    return X.map_blocks(block, dtype=dtype, drop_axis=1)


def score(est, X, y, sample_weight=None) -> float:
    """Weighted accuracy of ``predict(X)`` against ``y`` (one compute)."""
    import dask

    pred = lazy(est, X, "predict")
    y_d = _labels(y, pred.chunks[0], int(pred.shape[0]))
    hit = (pred == y_d).astype(np.float64)
    if sample_weight is None:
        (value,) = dask.compute(hit.mean())
    else:
        s = _labels(sample_weight, pred.chunks[0], int(pred.shape[0]), what="sample_weight")
        num, den = dask.compute((hit * s).sum(), s.sum())
        value = num / den
    return float(value)


def separation(problem, theta, y_idx, s, peak: float):
    """The separation check of an unpenalised fit on Dask data that shows the symptom
    and whose gradient did not certify the estimate (see
    :func:`logistic.models.fitting._separation`). The full linear program needs ``X``
    in memory, so a :class:`SeparationWarning` says that separation is possible but
    unchecked; the LP on the :data:`~logistic.inference.separation.CERTIFICATE_ROWS`
    rows nearest the fitted boundary (their margins computed on the cluster, the rows
    gathered) says whether those rows alone are separable. Rows that are not cannot
    clear the data: a direction zero on all of them may be positive on rows far from
    the boundary (quasi-complete separation). Returns None."""
    from ..inference.separation import (
        CERTIFICATE_ROWS,
        SeparationWarning,
        detect_multinomial_separation,
        detect_separation,
    )

    backend = problem.backend
    W, b = theta
    multinomial = np.ndim(W) == 2
    Z = backend.margins(W, b)
    y_idx = np.asarray(y_idx)
    if multinomial:
        at = np.arange(y_idx.size)
        own = Z[at, y_idx].copy()
        Z[at, y_idx] = -np.inf
        dist = np.abs(own - Z.max(axis=1))
    else:
        dist = np.abs(Z)
    if s is not None:
        dist[~(np.asarray(s) > 0)] = np.inf
    m = min(CERTIFICATE_ROWS, int(np.sum(np.isfinite(dist))))
    rows = np.sort(np.argpartition(dist, m - 1)[:m]) if m < dist.size else np.arange(dist.size)
    X_rows = backend.rows(rows)
    fit_intercept = problem.fit_intercept
    if multinomial:
        found = detect_multinomial_separation(X_rows, y_idx[rows], problem.n_classes,
                                              fit_intercept=fit_intercept)
    else:
        found = detect_separation(X_rows, y_idx[rows] == 1, fit_intercept=fit_intercept)
    near = ("are separable" if not found.exists else
            "are not separable, which does not rule out separation by rows farther away")
    warnings.warn(
        f"fitted margins reach {peak:.3g} without a penalty, the fit does not certify that "
        f"the maximum-likelihood estimate exists, and the {m} rows nearest the boundary "
        f"{near}: the classes may be separable (the full linear-programming check needs X "
        "in memory and was not run on Dask data), and the coefficients may be diverging. "
        "Use a penalty.",
        SeparationWarning,
        stacklevel=6,
    )
    return None


# ------------------------------------------------------- fewer round trips
def is_dask_backend(backend) -> bool:
    """Whether ``backend`` is a :class:`~logistic.data.dask.DaskBackend`."""
    from ..data.dask import DaskBackend

    return isinstance(backend, DaskBackend)


def warm_start(problem, target, solver: str, options, y_idx, s, *, n_classes: int,
               multinomial: bool, fit):
    r"""A Newton start for a fit on Dask data: the same model fitted on the client to
    the rows :func:`validate_fit` drew (:func:`warm_rows`, weights rescaled so that the
    penalty keeps its weight), in the problem's layout — or None (small data, another
    solver, a sample missing a class, or a sample fit that warned: separable rows, say).

    From a sample of :math:`m` rows the relative gap of the start is of order
    :math:`p/m` (2e-3 at 500 rows per parameter), so Newton needs three or four passes
    instead of seven. With at least :data:`CURVATURE_ROWS_PER_PARAM` rows per parameter
    the sample also gives Newton's Hessian (kept on the client; the solver then runs
    on :class:`Overlapped`); otherwise each pass computes a Hessian estimate on the
    workers (primed here: :meth:`~logistic.data.dask.DaskBackend.fuse_curvature`), one
    round trip per iteration either way. ``fit``: the in-memory fit path
    (:func:`~logistic.models.fitting.fit_model`, passed in: no import circle).
    """
    from dataclasses import replace

    from ..problems import LogisticProblem, MultinomialProblem

    backend = problem.backend
    if solver != "newton" or not isinstance(problem, LogisticProblem | MultinomialProblem):
        return None
    binary = isinstance(problem, LogisticProblem)
    on_workers = binary and hasattr(target, "mean")  # the Hessian rows: see below
    if on_workers:
        rows = getattr(problem, "_hessian_backend", backend)
        backend.fuse_curvature(getattr(rows, "stride", 1), None, (target.mean, target.sigma))
    if backend.sample is None:
        return None
    index, rows = backend.sample
    reserve = getattr(backend, "reserve", None)
    if (not on_workers and reserve is not None and reserve.size
            and index.size < CURVATURE_ROWS_PER_PARAM * problem.n_params):
        # a Hessian formed on the client wants the rows validation drew and did not
        # send (a multinomial model's k(d+1) parameters): one round trip for them
        index = np.concatenate([index, reserve])
        rows = np.concatenate([rows, backend.rows(reserve)])
    y_sub = np.asarray(y_idx)[index]
    if np.unique(y_sub).size < n_classes:
        return None
    total = float(y_idx.size if s is None else np.sum(s))
    s_sub = np.ones(index.size) if s is None else np.asarray(s, dtype=np.float64)[index]
    if not s_sub.sum() > 0:
        return None
    s_sub = s_sub * (total / float(s_sub.sum()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sub = fit(rows, y_sub, s_sub, n_classes=n_classes, multinomial=multinomial,
                  options=replace(options, verbose=0, record_coef=False, polish=False,
                                  tol=max(options.tol, WARM_TOL), check_separation=False))
    if caught or not sub.converged or _peak_margin(rows, sub) > WARM_MAX_MARGIN:
        return None  # (a sample whose classes separate: its fit diverges, no start)
    if index.size >= CURVATURE_ROWS_PER_PARAM * problem.n_params:
        # Newton's curvature from the sample's rows, on the client: each pass on the
        # cluster is then a loss and a gradient only (no Hessian there at all)
        from ..data.memory import InMemoryBackend
        from ..problems.multinomial import one_hot

        # a fit that keeps inference numbers also takes the step after the converged
        # decrement, still from the kept (secant-corrected) factor; for a binary L2
        # (or unpenalised) one its inference sums ride with that step (Overlapped)
        runs_on = Overlapped(target, backend, ride=options.polish and binary and (
            options.penalty in (None, "l2")))
        theta = np.asarray(sub.theta, dtype=np.float64)
        if on_workers:
            # every k-th row of each chunk, on the workers, as many as validation
            # drew for the sample and twice over (the start's error then contracts by
            # about 1e-3 per pass: a 200k×100 fit's gap 3e-3, 3e-6, 4e-9, 3e-13): their
            # Hessian (float64, standardised) rides with the first pass and is kept
            rows = backend.subsample(WARM_HESSIAN_FACTOR * index.size,
                                     gram_dtype=np.float64)
            problem.subsample_hessian(rows)
            backend.fuse_curvature(rows.stride, np.float64, (target.mean, target.sigma))
            runs_on.first_pass_only()
        else:
            y_rows = (y_sub == 1).astype(np.float64) if binary else one_hot(y_sub, n_classes)
            problem.subsample_hessian(InMemoryBackend(rows, y_rows, s_sub))
            backend.fuse_curvature(None)  # the passes need no Hessian rows of their own
            runs_on.start(target.to_standardized(theta) if hasattr(target, "to_standardized")
                          else theta)
        return theta, {"reuse_hessian": True, "final_step": bool(options.polish),
                       "problem": runs_on}
    return sub.theta


def _peak_margin(rows: np.ndarray, sub) -> float:
    """The largest fitted margin :math:`|x_i w + b|` of a sample fit (multinomial:
    of any class)."""
    Z = rows @ np.asarray(sub.coef, dtype=rows.dtype).T + np.asarray(sub.intercept)
    return float(np.max(np.abs(Z))) if Z.size else 0.0


def _inference_sums() -> list:
    """What a binary :func:`~logistic.inference.state.binary_state` sums at (w, b)
    — loss, gradient and Hessian, the robust meat, the marginal-effect sums — as
    ``(fn, arguments after (w, b))``."""
    from ..math import binary, inference

    return [(binary.block_loss_grad_hess, (1,)), (inference.block_score_gram, ()),
            (inference.block_margin_sums, ())]


def prefetch_inference(backend, theta: np.ndarray, fit_intercept: bool) -> None:
    """The sums a binary :func:`~logistic.inference.state.binary_state` reads at
    ``theta``, computed in one pass (one round trip) and kept by the Dask ``backend``
    — or none, when they rode along with the fit's last pass (:class:`Overlapped`)."""
    d = theta.size - int(fit_intercept)
    w, b = theta[:d], (float(theta[d]) if fit_intercept else 0.0)
    backend.prefetch([(fn, (w, b, *args)) for fn, args in _inference_sums()])


class Overlapped:
    r"""The problem Newton runs on after a sample warm start on Dask data: ``target``
    itself, except that

    * its first pass, the loss and gradient at the start :math:`\theta_0`, runs on the
      cluster while the client forms the sample's Hessian there (:meth:`start`: the
      pass in a thread, the Hessian in this one); the solver's first ``loss_grad`` and
      ``hessian`` at :math:`\theta_0` return them, each computed once;
    * with ``ride``, when the solver announces its final step (``before_final_step``,
      see :mod:`logistic.solvers.newton`) the backend learns that the next pass is at
      the point to be returned, so the inference sums ride along with it
      (:meth:`~logistic.data.dask.DaskBackend.ride_along`) instead of costing a round
      trip after the fit. If the line search backtracks, the sums computed at the
      first trial are kept by that point and no one reads them (the accepted point's
      cost one pass after the fit)."""

    def __init__(self, target, backend, *, ride: bool):
        self._target, self._backend, self._ride = target, backend, bool(ride)
        self._first: dict = {}

    def __getattr__(self, name):
        self._settle()  # nothing else runs on the data while the first pass does
        return getattr(self._target, name)

    def start(self, theta: np.ndarray) -> None:
        """Start the pass at ``theta`` (the solver's start, in its coordinates) and form
        the Hessian there meanwhile."""
        import threading

        first = {"theta": np.array(theta, dtype=np.float64, copy=True)}

        def run():
            try:
                first["loss_grad"] = self._target.loss_grad(first["theta"])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the solver's thread
                first["error"] = exc

        first["thread"] = threading.Thread(target=run, name="logistic-first-pass",
                                           daemon=True)
        self._first = first
        first["thread"].start()
        try:
            first["hessian"] = self._target.hessian(first["theta"])
        except BaseException:
            self._settle()
            raise

    def first_pass_only(self) -> None:
        """The backend's fused Hessian rows ride with the first pass only (the solver
        keeps that Hessian): later passes are a loss and a gradient."""
        self._first["unfuse"] = True

    def _settle(self) -> None:
        """Wait for the first pass; raise its error, if it failed."""
        thread = self._first.pop("thread", None)
        if thread is not None:
            thread.join()
        if "error" in self._first:
            raise self._first.pop("error")

    def _kept(self, theta, what: str):
        """The value ``what`` formed at the start, once, if ``theta`` is the start."""
        self._settle()
        if what in self._first and np.array_equal(theta, self._first["theta"]):
            return self._first.pop(what)
        return None

    def loss_grad(self, theta):
        value = self._kept(theta, "loss_grad")
        if value is None:
            value = self._target.loss_grad(theta)
        if self._first.pop("unfuse", False):
            self._backend.fuse_curvature(None)
        return value

    def hessian(self, theta, **kwargs):
        value = None if kwargs else self._kept(theta, "hessian")
        return self._target.hessian(theta, **kwargs) if value is None else value

    def before_final_step(self) -> None:
        if self._ride:
            self._backend.ride_along(_inference_sums())

r"""The Dask backend: each pass is a map over the row chunks and a tree sum on the cluster.

A fit's costly steps are sums over rows (see :mod:`logistic.data`), so on a Dask array
``X`` of row chunks :math:`X_1, \dots, X_B` one pass is

.. math::

    \sum_b \texttt{fn}(X_b, y_b, s_b, \theta)
    = \big(\cdots(\texttt{fn}_1 + \texttt{fn}_2) + \cdots\big)
    \quad\text{(a tree of fan-in } F = \text{:data:`FAN_IN`)},

each chunk's partial sums from :mod:`logistic.math` (d-sized vectors, a d×d Gram
block at most) added on the workers: only d-sized sums reach the client, where the
solver runs. Nothing in a solver changes.

How a pass is scheduled. On a ``dask.distributed`` cluster holding ``X`` persisted,
the chunks are grouped by the worker that holds them, one group per worker thread
(:func:`held_groups`, asked once), and a pass is a raw graph of one task per group
over its chunks' futures (:func:`_group_graph`, one ``Client.get``): each task adds
its chunks' sums where they are held, the client adds the groups' (a tree of fan-in
:data:`FAN_IN` on the cluster when there are more groups than that). A round trip's
cost is mostly the scheduler's per task, so this beats one task per chunk and a tree
of additions (measured on 2 workers, 8 chunks of 25,000×100: about 35 ms a pass
against 90 ms; the arithmetic is 10 ms). Labels and weights are computed beside
their rows (:func:`beside`). Streamed ``X``, or the threaded scheduler: one task
per chunk, then :math:`\lceil\log_F B\rceil` levels of additions on the workers.

Where the data live. Labels and weights (n floats) are always kept on the workers.
``X`` is persisted there once when it fits in :data:`PERSIST_FRACTION` of the
cluster's memory (``dask.distributed``: the workers' ``memory_limit``; the threaded
scheduler: the machine's available memory); otherwise every pass streams it from
storage (a Parquet file set, say) chunk by chunk, so a worker holds about
``threads × chunk`` bytes of ``X`` at a time, whatever ``n`` is.

Values kept per chunk (:meth:`DaskBackend.reduce_keep`: the Newton weights of a
Newton-CG step, say) stay on the workers as persisted chunks
(:class:`KeptBlocks`) and are handed back to later passes without a round trip; they
are brought to the client only when the caller iterates over them (small values:
per-chunk maxima).

Round trips. A pass to the cluster and back costs more than a chunk's arithmetic, so
the backend makes as few as the fit allows (:meth:`DaskBackend.reduce`): sums of the
data alone are computed once (and the unweighted column moments come from
validation's one pass, :func:`remember`); a binary loss pass also returns the
gradient, the largest margin (the separation check's symptom) and, for a Newton
solver, its Hessian estimate at the same θ — every ``stride``-th row of each chunk
(:meth:`DaskBackend.subsample`, :class:`_CurvatureRows`, primed by
:meth:`DaskBackend.fuse_curvature`), so one Newton iteration is one round trip; and
the inference sums at the optimum are fetched together (:meth:`DaskBackend.prefetch`).
The multinomial curvature subsample (:meth:`DaskBackend.every`) is gathered to the
client once as an :class:`~logistic.data.memory.InMemoryBackend` (m ≪ n rows).

Faults: a task lost with its worker is recomputed by Dask from its inputs (persisted
chunks from their graph, streamed chunks from storage), so a pass's sum is the same
sum; if Dask gives up (``KilledWorker``, a lost scheduler) the error reaches the caller
with a note that the fit was interrupted — never a partial sum.

Works with any Dask scheduler: ``dask.compute`` uses the active
``dask.distributed.Client`` when there is one, else the threaded scheduler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .memory import InMemoryBackend, _add

__all__ = [
    "DaskBackend",
    "KeptBlocks",
    "is_dask_collection",
    "place",
    "to_client",
    "remember",
    "PERSIST_FRACTION",
    "FAN_IN",
]

#: Persist ``X`` on the workers when its bytes are at most this share of their memory.
PERSIST_FRACTION = 0.5
#: Partial sums added per task in the tree reduction.
FAN_IN = 8
#: Name prefix of an ``X`` whose chunks are held aligned on the workers (see :func:`place`).
ALIGNED = "logistic-aligned-"


def _with_gradient(fn: Callable) -> Callable | None:
    """The ``block_loss_grad`` of a ``block_loss`` (binary or multinomial), else None."""
    from ..math import binary, multinomial

    return {binary.block_loss: binary.block_loss_grad,
            multinomial.block_loss: multinomial.block_loss_grad}.get(fn)


def _memo_key(fn: Callable, args: tuple) -> tuple:
    """A key for a pass: the function and the bytes of its (small) arguments."""
    parts = _key_parts(args)
    return (fn, object(), id(args)) if parts is None else (fn, parts)


def _key_parts(args: tuple) -> tuple | None:
    """The bytes of small arguments (arrays, scalars, tuples of them); None if any
    argument is something else (not memoisable)."""
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append((a.dtype.str, a.shape, a.tobytes()))
        elif isinstance(a, tuple):
            inner = _key_parts(a)
            if inner is None:
                return None
            parts.append(("tuple", inner))
        elif a is None or isinstance(a, float | int | str | np.generic | type):
            parts.append(a if not isinstance(a, np.generic) else a.item())
        else:
            return None
    return tuple(parts)


#: What :func:`~logistic.models.on_dask.validate_fit` learnt about an ``X`` in its one
#: pass (keyed by the Dask name of ``X``): its unweighted column moments and a row
#: sample, read by the :class:`DaskBackend` built on that ``X`` next (a few entries).
_LEARNT: dict = {}
_LEARNT_MAX = 4


def remember(X, **facts) -> None:
    """Keep ``facts`` about the Dask array ``X`` for the backend built on it next."""
    while len(_LEARNT) >= _LEARNT_MAX:
        _LEARNT.pop(next(iter(_LEARNT)))
    _LEARNT[X.name] = facts


def is_dask_collection(obj: Any) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series), without importing
    Dask when it is not one."""
    module = type(obj).__module__ or ""
    if not module.startswith("dask"):
        return False
    from dask import is_dask_collection as is_collection

    return bool(is_collection(obj))


def _block_sums(fn: Callable, x, *args) -> tuple:
    """``fn`` on one chunk, its partial sums as float64 NumPy (runs on a worker)."""
    return _add(None, fn(_loaded(x), *args))


def _blocks(x, y, s) -> list:
    """A chunk's rows in cache-sized blocks, as the in-memory backend cuts ``X``
    (:data:`~logistic.data.memory.BLOCK_BYTES`, and at least ``2(d+1)`` rows: a d×d
    partial per block is amortised): ``X_b w`` then ``X_bᵀ r`` read each block from
    memory once, and the temporaries are small (a worker's allocator returns large
    ones to the system, ``MALLOC_TRIM_THRESHOLD_``, so each costs fresh pages)."""
    return list(InMemoryBackend(x, y, s, n_jobs=1).blocks(2 * x.shape[1] + 2))


def _chunk_sums(fn: Callable, x, y, s, *args) -> tuple:
    """``fn``'s partial sums over one chunk, block by block (:func:`_blocks`)."""
    acc = None
    for xb, yb, sb in _blocks(_loaded(x), y, s):
        acc = _add(acc, fn(xb, yb, sb, *args))
    return acc


def _block_sums_keep(fn: Callable, x, *args) -> tuple:
    sums, kept = fn(_loaded(x), *args)
    return _add(None, sums), kept


def _point_block(x, y, s, w, b, stride: int, curvature: tuple | None) -> tuple:
    """One chunk's loss and gradient at (w, b), its Hessian blocks from every
    ``stride``-th row when ``curvature`` = (gram_dtype, standardize) is given, and its
    largest margin :math:`|z_i|` (last; a maximum, not a sum)."""
    from ..math import binary

    x = _loaded(x)
    sums, peak = None, 0.0
    for xb, yb, sb in _blocks(x, y, s):
        part, top = binary.block_loss_grad_peak(xb, yb, sb, w, b)
        sums, peak = _add(sums, part), max(peak, top)
    if curvature is not None:
        sums = (*sums, *_add(None, _strided_hessian(x, y, s, stride, w, b, *curvature)))
    return (*sums, peak)


def _point_block_plus(x, y, s, w, b, stride: int, curvature: tuple | None,
                      calls: tuple) -> tuple:
    """:func:`_point_block`, and the partial sums of ``fn(x, y, s, w, b, *args)`` for
    each ``(fn, args)`` of ``calls``, block by block (the chunk read once)."""
    return (_point_block(x, y, s, w, b, stride, curvature),
            _multi_block(tuple((fn, (w, b, *args)) for fn, args in calls), x, y, s))


def _sum_point_plus(*parts: tuple) -> tuple:
    return (_sum_parts_max_last(*(p[0] for p in parts)), _sum_nested(*(p[1] for p in parts)))


def _strided_hessian(x, y, s, stride: int, w, b, gram_dtype=None, standardize=None):
    """The chunk's Hessian blocks estimated from every ``stride``-th row (weights
    rescaled by :math:`S_b/S_{b,sub}`, so that the sum estimates the whole chunk's;
    formed in float32 from standardised rows, as the in-memory curvature subsample)."""
    from ..math import binary

    if stride > 1:
        if standardize is not None and gram_dtype is None:
            # a curvature estimate of centred, scaled columns: float32 rounding (1e-7) is
            # far below the sampling error (~sqrt(p/m)), and the Gram costs half
            gram_dtype = np.float32
        total = float(x.shape[0]) if s is None else float(np.sum(s))
        sub = np.ones(-(-x.shape[0] // stride)) if s is None else s[::stride]
        mass = float(np.sum(sub))
        x, y = x[::stride], y[::stride]
        s = sub * (total / mass) if mass > 0 else sub
    return binary.block_hessian(x, y, s, w, b, gram_dtype, standardize)


def _strided_block(x, y, s, stride: int, w, b, gram_dtype, standardize) -> tuple:
    return _add(None, _strided_hessian(_loaded(x), y, s, stride, w, b, gram_dtype, standardize))


def _multi_block(calls: tuple, x, y, s) -> tuple:
    """Several functions' partial sums on one chunk (read once), one tuple each."""
    sums = [None] * len(calls)
    for xb, yb, sb in _blocks(_loaded(x), y, s):
        sums = [_add(acc, fn(xb, yb, sb, *args)) for acc, (fn, args) in zip(sums, calls,
                                                                              strict=True)]
    return tuple(sums)


def _sum_nested(*parts: tuple) -> tuple:
    return tuple(_sum_parts(*(p[i] for p in parts)) for i in range(len(parts[0])))


class _Chunk:
    """A streamed chunk of ``X``: the little graph that reads it (a Parquet row group,
    say), run inside the task that reduces it, so the chunk is never stored by a
    worker as a result of its own (and never counted, moved or spilled)."""

    def __init__(self, X, i: int):
        block = X.blocks[i]
        self.graph = dict(block.__dask_graph__())
        self.key = block.__dask_keys__()[0][0]

    def load(self):
        from dask.local import get_sync

        return get_sync(self.graph, self.key)


def _loaded(x):
    return _aligned(x.load() if isinstance(x, _Chunk) else x)


def _aligned(x):
    """``x`` itself, or an aligned copy of a NumPy chunk whose buffer is not aligned.

    A NumPy array unpickled on a worker (the chunks of ``da.from_array(X).persist()``,
    shipped inside the graph) may start at any byte offset; NumPy then runs ``X @ w``
    in its own unbuffered loop instead of BLAS, and every ufunc on the slow unaligned
    path: a pass measured 5–8× slower on 25,000×100 chunks. Copying one chunk costs
    a fraction of one matrix-vector product."""
    if isinstance(x, np.ndarray) and not x.flags.aligned:
        return np.array(x, order="K")
    return x


def _aligned_block(x):
    return _aligned(x)


def _sum_parts(*parts: tuple) -> tuple:
    acc = None
    for part in parts:
        acc = _add(acc, part)
    return acc


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


def _sum_parts_max_last(*parts: tuple) -> tuple:
    """Sum of tuples whose last entry is a maximum (taken, not added)."""
    return (*_sum_parts(*(p[:-1] for p in parts)), max(p[-1] for p in parts))


def tree_sum(parts: list, combine: Callable = _sum_parts):
    """A Delayed of the sum of the Delayed tuples ``parts``, by a tree of fan-in :data:`FAN_IN`."""
    from dask import delayed

    add = delayed(combine, pure=False)
    while len(parts) > 1:
        parts = [add(*parts[i : i + FAN_IN]) for i in range(0, len(parts), FAN_IN)]
    return parts[0]


class KeptBlocks(Sequence):
    """Per-chunk values left on the workers by :meth:`DaskBackend.reduce_keep`.

    Handed back as ``per_block=`` they stay where they are; read (``len``, iteration,
    indexing) they are brought to the client once, all together.
    """

    def __init__(self, delayeds: list):
        self.delayeds = delayeds
        self._local: list | None = None

    def _values(self) -> list:
        if self._local is None:
            import dask

            self._local = list(dask.compute(*self.delayeds))
        return self._local

    def __len__(self) -> int:
        return len(self.delayeds)

    def __getitem__(self, i):
        return self._values()[i]


def _cluster_memory() -> float:
    """Bytes the active scheduler may hold: the workers' total ``memory_limit``
    (``dask.distributed``; 0 while no worker has joined: stream), else the machine's
    available memory (the threaded scheduler, or workers without a limit)."""
    try:
        from distributed import get_client

        client = get_client()
    except (ImportError, ValueError):
        client = None
    if client is not None:
        workers = _workers(client)
        if not workers:
            return 0.0
        limits = [float(w.get("memory_limit") or 0) for w in workers]
        if all(m > 0 for m in limits):
            return float(sum(limits))
    try:
        import psutil

        return float(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with distributed
        return 0.0


def _workers(client) -> list[dict]:
    """The scheduler's record of each worker, asked afresh. ``Client.scheduler_info``
    returns a cached copy that the client's periodic refresh overwrites with one
    listing no workers (recent distributed): read through it, a fit could find no
    memory limit and persist ``X`` on workers that cannot hold it."""
    if _takes_n_workers(client):
        info = client.sync(client.scheduler.identity, n_workers=-1)
    else:  # older distributed: scheduler_info() lists every worker
        info = client.scheduler_info()
    return list(info.get("workers", {}).values())


def _takes_n_workers(client) -> bool:
    import inspect

    return "n_workers" in inspect.signature(client.scheduler_info).parameters


def fits_in_memory(X) -> bool:
    """Whether ``X`` is at most :data:`PERSIST_FRACTION` of the cluster's memory."""
    return float(X.nbytes) <= PERSIST_FRACTION * _cluster_memory()


def place(X, persist: bool | str = "auto"):
    """``X`` persisted on the workers (``persist=True``, or ``"auto"`` and it fits in
    memory), else ``X`` as it is (streamed from its source on every pass)."""
    if persist == "auto":
        persist = fits_in_memory(X)
    if not persist:
        return X
    if not X.name.startswith(ALIGNED) and float(X.nbytes) <= 0.5 * PERSIST_FRACTION * (
            _cluster_memory()):
        # held aligned (see _aligned): an aligned chunk is kept as it is, an unaligned
        # one copied once (room for both), rather than on every pass
        X = X.map_blocks(_aligned_block, dtype=X.dtype, name=ALIGNED + X.name)
    # persisting an array already held by the workers is a no-op there
    return X.persist()


def to_client(*arrays):
    """Dask arrays (or None) brought to the client chunk by chunk, in one compute, and
    joined there (``compute`` would first join them on one worker: n numbers held by
    one worker at once)."""

    blocks = [None if a is None else a.to_delayed().ravel().tolist() for a in arrays]
    flat = [b for bs in blocks if bs is not None for b in bs]
    values = iter(_compute(*flat))
    return [None if bs is None else np.concatenate([next(values) for _ in bs]) for bs in blocks]



def _client():
    """The ``dask.distributed`` client that ``dask.compute`` uses now, or None (the
    threaded scheduler, or no ``distributed``)."""
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - distributed is optional
        return None
    try:
        client = default_client()
    except ValueError:
        return None
    from dask.base import get_scheduler

    return client if getattr(get_scheduler(), "__self__", None) is client else None


def held_groups(X) -> list[list[int]] | None:
    """The chunks of a persisted ``X`` grouped by the worker that holds them, each
    worker's split into one group per thread (contiguous, of about equal rows); None
    without a ``distributed`` client or when a chunk is held nowhere (a pass then runs
    one task per chunk).

    A pass runs one task per group, on the worker holding its chunks (the scheduler
    places a task where its input bytes are), rather than one per chunk and a tree of
    additions: a round trip's cost is mostly the scheduler's per task (measured on 2
    workers, 8 chunks of 25,000×100: 90 ms a pass with a task per chunk, 35 ms with
    one per worker; the arithmetic is 10 ms). Where a chunk lives is asked once (the
    chunks of a persisted array stay where they are); if it moves later, a group's
    task fetches it, and the sum is the same sum.
    """
    client = _client()
    if client is None:
        return None
    from dask.core import flatten
    from distributed import futures_of, wait

    futures = futures_of(X)
    keys = list(flatten(X.__dask_keys__()))
    if len(futures) != len(keys):
        return None
    wait(futures)
    who, threads = client.who_has(futures), client.nthreads()
    rows = X.chunks[0]
    held: dict[str, list[int]] = {}
    load: dict[str, int] = {}
    for i, key in enumerate(keys):
        holders = [w for w in who.get(key, ()) if w in threads]
        if not holders:
            return None
        worker = min(holders, key=lambda w: load.get(w, 0))  # a replica: the least loaded
        held.setdefault(worker, []).append(i)
        load[worker] = load.get(worker, 0) + rows[i]
    groups = []
    for worker, chunks in held.items():
        groups += _split(chunks, [rows[i] for i in chunks], max(1, int(threads[worker])))
    return groups


def _split(items: list, sizes: list, parts: int) -> list[list]:
    """``items`` cut into at most ``parts`` contiguous runs of about equal total size."""
    parts = min(parts, len(items))
    total, bounds = float(sum(sizes)), np.cumsum(sizes)
    runs, start = [], 0
    for j in range(1, parts + 1):
        stop = len(items) if j == parts else max(start + 1, int(np.searchsorted(
            bounds, total * j / parts - 1e-9 * total, side="left")) + 1)
        stop = min(stop, len(items) - (parts - j))
        runs.append(items[start:stop])
        start = stop
    return [r for r in runs if r]


def _beside_block(x, a):
    return a


def beside(X, a):
    """The row chunks of the Dask array ``a`` (labels, weights; or None) computed where
    the matching chunks of ``X`` are held: each is a task that takes both and returns
    the second, which the scheduler runs beside its large input. A pass's task then
    finds all its inputs on its worker; a lost chunk is recomputed from both."""
    if a is None:
        return None
    import dask.array as da

    index = "i" + "k" * (a.ndim - 1)
    return da.blockwise(_beside_block, index, X, "ij", a, index, dtype=a.dtype,
                        name="logistic-beside-" + _token(X.name, a.name))


def _token(*parts) -> str:
    from dask.base import tokenize

    return tokenize(*parts)


def _grouped(task: Callable, combine: Callable, head: tuple, tail: tuple, width: int,
             *inputs):
    """``combine`` of ``task(*head, *chunk, *tail)`` over the chunks of one group
    (``inputs``: their ``width`` values each, in order; runs on a worker)."""
    return combine(*(task(*head, *inputs[i:i + width], *tail)
                     for i in range(0, len(inputs), width)))



def _futures(collection_parts: list) -> list | None:
    """The futures behind persisted Delayed values (one each), or None."""
    from distributed import futures_of

    out = []
    for part in collection_parts:
        found = futures_of(part)
        if len(found) != 1:
            return None
        out.append(found[0])
    return out


def _held_inputs(X, y, s) -> list[tuple] | None:
    """Per chunk, the futures of its rows, labels and weights (None: no weights), in
    block order; None if any is not held as one future."""
    from dask.core import flatten
    from distributed import futures_of

    def by_block(a):
        if a is None:
            return [None] * X.numblocks[0]
        found = {f.key: f for f in futures_of(a)}
        keys = list(flatten(a.__dask_keys__()))
        return [found[k] for k in keys] if all(k in found for k in keys) else None

    columns = [by_block(a) for a in (X, y, s)]
    if any(c is None for c in columns):
        return None
    return list(zip(*columns, strict=True))


def _group_graph(task: Callable, head: tuple, tail: tuple, combine: Callable,
                 held: list[tuple], groups: list[list[int]]) -> tuple[dict, str]:
    """A pass as a graph of one task per group of chunks (their futures its inputs),
    the groups' values combined by a tree of fan-in :data:`FAN_IN` on the cluster
    where there are more than that; and the key of the result (or the group keys'
    list, combined on the client: see :func:`_compute_graph`)."""
    import uuid
    from functools import partial

    name = "logistic-pass-" + uuid.uuid4().hex
    # the arguments ride in a partial: a raw graph would read tuples of them as tasks
    run = partial(_grouped, task, combine, head, tail, len(held[0]))
    graph = {f"{name}-0-{j}": (run, *(v for i in group for v in held[i]))
             for j, group in enumerate(groups)}
    keys, level = list(graph), 0
    if len(keys) <= FAN_IN:
        return graph, (combine, keys)
    while len(keys) > 1:
        level += 1
        parts = [keys[i:i + FAN_IN] for i in range(0, len(keys), FAN_IN)]
        keys = [f"{name}-{level}-{j}" for j in range(len(parts))]
        graph.update({k: (combine, *p) for k, p in zip(keys, parts, strict=True)})
    return graph, (None, keys)


def _compute_graph(graph: dict, result: tuple):
    """Run a pass's graph (:func:`_group_graph`) in one round trip: the combined value."""
    combine, keys = result
    values = _compute_raw(graph, keys)
    return values[0] if combine is None else combine(*values)


def _compute_raw(graph: dict, keys: list) -> list:
    """``Client.get`` of a raw graph; a pass the cluster could not finish raises as
    :func:`_compute` does."""
    client = _client()
    if client is None:
        raise RuntimeError("the Dask client that holds the data was closed mid-fit")
    return list(_translated(lambda: client.get(graph, keys)))


def _chunked(a: np.ndarray, rows: tuple):
    """A NumPy array as a Dask array with one graph key per row chunk (``from_array``
    would also hold the whole array under one key, on one worker)."""
    import dask.array as da
    from dask.base import tokenize

    name = "logistic-rows-" + tokenize(a, rows)
    bounds = np.cumsum((0, *rows))
    tail = (0,) * (a.ndim - 1)
    graph = {(name, i, *tail): a[bounds[i]:bounds[i + 1]] for i in range(len(rows))}
    return da.Array(graph, name, chunks=(rows, *((m,) for m in a.shape[1:])), dtype=a.dtype)


class DaskBackend:
    """Row chunks of a Dask array ``X`` with labels ``y`` and weights ``s`` (or None).

    Parameters
    ----------
    X : dask array of shape (n, d), float32 or float64, with known row chunks; chunks
        across columns are joined (a chunk holds whole rows).
    y : dask or NumPy array of shape (n,) (0/1) or (n, k) (one-hot).
    sample_weight : dask or NumPy array of shape (n,), or None.
    persist : ``"auto"`` (persist ``X`` when it fits in :data:`PERSIST_FRACTION` of
        the cluster's memory), True or False (stream it on every pass).

    Attributes
    ----------
    persisted : whether ``X`` is held on the workers (else streamed each pass).
    n_samples, n_features, dtype, n_blocks, chunks : the data's shape and chunking.
    """

    def __init__(self, X, y, sample_weight=None, *, persist: bool | str = "auto"):
        import dask

        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got a dask array of shape {X.shape}.")
        if any(np.isnan(c) for c in X.chunks[0]):
            raise ValueError(
                "X has unknown chunk sizes; call X.compute_chunk_sizes() (or build it "
                "with lengths=True) first."
            )
        if X.numblocks[1] > 1:
            X = X.rechunk({1: -1})
        rows = X.chunks[0]
        self.n_samples, self.n_features = (int(v) for v in X.shape)
        self.dtype = np.dtype(X.dtype)
        self.chunks = rows
        self.n_blocks = len(rows)
        if persist == "auto":
            persist = fits_in_memory(X)
        self.persisted = bool(persist)

        def aligned(a):
            if a is None:
                return None
            whole = tuple((int(m),) for m in a.shape[1:])  # whole rows of one-hot targets
            if isinstance(a, np.ndarray):  # one key per chunk, spread over the workers
                return _chunked(a, rows)
            return a.rechunk((rows, *whole))

        y, s = aligned(y), aligned(sample_weight)
        X = place(X, self.persisted)
        #: the chunks of ``X`` grouped by where they are held (see :func:`held_groups`):
        #: one task per group and pass, or None (one task per chunk)
        self._groups = held_groups(X) if self.persisted else None
        if self._groups is not None:  # labels and weights beside their rows of X
            y, s = beside(X, y), beside(X, s)
        y, s = dask.persist(y, s)
        self.X, self.y, self.s = X, y, s
        # persisted chunks are read where they are held; streamed ones inside each task
        self._xb = X.to_delayed().ravel().tolist() if self.persisted else [
            _Chunk(X, i) for i in range(self.n_blocks)]
        self._yb = y.to_delayed().ravel().tolist()
        self._sb = [None] * self.n_blocks if s is None else s.to_delayed().ravel().tolist()
        #: per chunk, the futures of its (x, y, s) on the cluster (grouped passes)
        self._held = None if self._groups is None else _held_inputs(X, y, s)
        if self._held is None:
            self._groups = None
        self._memo: dict = {}  # sums of the data alone (see reduce())
        self._point: dict = {}  # sums at the last point a pass evaluated (see reduce())
        #: (stride, gram_dtype, standardize) of the Hessian that loss passes also
        #: compute (see :meth:`fuse_curvature`), or None
        self._curvature: tuple | None = None
        #: sums the next loss pass also computes at its θ (see :meth:`ride_along`)
        self._ride: tuple | None = None
        #: weights known on the client (NumPy or None): their sum costs no pass
        self._client_weights = sample_weight is None or isinstance(sample_weight, np.ndarray)
        self._s_host = sample_weight if isinstance(sample_weight, np.ndarray) else None
        learnt = _LEARNT.get(X.name, {})
        if sample_weight is None and "moments" in learnt:  # unweighted: what validation saw
            self._memo[_memo_key(_binary().block_column_moments, ())] = learnt["moments"]
        #: rows drawn by validation for a warm start: ``(index, X[index])``, or None
        self.sample = learnt.get("sample")
        #: rows drawn with the sample but left on the workers (their index; gathered
        #: by :meth:`rows` when a fit wants them), or None
        self.reserve = learnt.get("reserve")

    # ------------------------------------------------------------ the passes
    def _pass(self, task: Callable, head: tuple, tail: tuple, combine: Callable = _sum_parts,
              per_block=None):
        """One pass, one round trip: ``combine`` over the chunks of
        ``task(*head, x_b, y_b, s_b, [per_block[b]], *tail)``.

        With the chunks grouped by worker (:func:`held_groups`) one task per group
        combines its chunks' values where they are held and the client combines the
        groups' (a tree of fan-in :data:`FAN_IN` on the cluster when there are more
        groups than that); otherwise one task per chunk and a tree on the cluster."""
        from dask import delayed

        if isinstance(per_block, KeptBlocks):
            per_block = per_block.delayeds
        chunks = [(x, y, s) if per_block is None else (x, y, s, per_block[i])
                  for i, (x, y, s) in enumerate(zip(self._xb, self._yb, self._sb,
                                                    strict=True))]
        held = self._held
        if held is not None and per_block is not None:
            kept = _futures(per_block)
            held = None if kept is None else [(*c, k) for c, k in zip(held, kept, strict=True)]
        if held is None:
            run = delayed(task, pure=False)
            (total,) = _compute(tree_sum([run(*head, *c, *tail) for c in chunks], combine))
            return total
        return _compute_graph(*_group_graph(task, head, tail, combine, held, self._groups))

    def _parts(self, task: Callable, fn: Callable, args: tuple, per_block) -> list:
        from dask import delayed

        if isinstance(per_block, KeptBlocks):
            per_block = per_block.delayeds
        run = delayed(task, pure=False)
        return [
            run(fn, x, y, s, *(() if per_block is None else (per_block[i],)), *args)
            for i, (x, y, s) in enumerate(zip(self._xb, self._yb, self._sb, strict=True))
        ]

    def _sums(self, fn: Callable, args: tuple, per_block=None) -> tuple:
        """:math:`\\sum_b` ``fn(X_b, y_b, s_b, [per_block[b]], *args)``: one pass."""
        task = _block_sums if per_block is not None else _chunk_sums
        return self._pass(task, (fn,), tuple(args), per_block=per_block)

    def reduce(
        self, fn: Callable, *args, per_block: Sequence | None = None, min_rows: int = 0
    ) -> tuple:
        """:math:`\\sum_b` ``fn(X_b, y_b, s_b, [per_block[b]], *args)``, summed on the cluster.

        ``min_rows`` is ignored: a chunk is the unit of work (chunks of a few thousand
        rows or more amortise a d×d partial).

        A round trip to the cluster costs more than the arithmetic of a chunk, so
        passes are saved where the answer is already known or can ride along:

        * sums of the data alone (``fn`` without arguments: column moments) are
          computed once; the total weight of weights held on the client costs none;
        * a binary loss (or loss-and-gradient) pass at θ also computes the gradient,
          the largest margin :math:`|z_i|` (the separation check's symptom) and, once
          a Newton solver has asked for a Hessian (:meth:`fuse_curvature`), that
          Hessian at the same θ: the solver's next ``hessian`` and ``loss_grad`` there
          (after a line search accepts the step) read them without a pass;
        * a multinomial loss pass also computes the gradient at the same θ.
        """
        binary = _binary()
        if per_block is None:
            key = _memo_key(fn, args)
            for memo in (self._memo, self._point):
                if key in memo:
                    return memo[key]
            if fn is binary.block_sum_weights and self._client_weights:
                total = (np.float64(self.n_samples if self._s_host is None
                                    else np.sum(self._s_host, dtype=np.float64)),)
                self._memo[key] = total
                return total
            moments = self._memo.get(_memo_key(binary.block_column_moments, ()))
            if fn is binary.block_gram_trace and moments is not None and self.s is None:
                # unweighted: the trace is the sum of the column moments' squares
                # (validation's pass), the weight the row count
                total = (np.float64(np.sum(moments[1])), np.float64(self.n_samples))
                self._memo[key] = total
                return total
            if fn in (binary.block_loss, binary.block_loss_grad):
                self._point_pass(*args)
                return self._point[key]
            if fn is binary.block_hessian:
                return self._curvature_reduce(1, args)
            upgrade = _with_gradient(fn)
            if upgrade is not None:
                full = self._sums(upgrade, args)
                self._point = {_memo_key(upgrade, args): full}
                return full[:1]
        total = self._sums(fn, args, per_block)
        if per_block is None and not args:
            self._memo[_memo_key(fn, args)] = total
        return total

    def _point_pass(self, w, b) -> None:
        """One pass at (w, b): loss, gradient, largest margin and (when fused) the
        Hessian, kept in the point memo (:meth:`reduce`)."""

        binary = _binary()
        stride, curvature = (1, None) if self._curvature is None else (
            self._curvature[0], self._curvature[1:])
        calls, self._ride = self._ride, None
        if calls:
            total, extras = self._pass(_point_block_plus, (), (w, b, stride, curvature, calls),
                                       _sum_point_plus)
        else:
            total = self._pass(_point_block, (), (w, b, stride, curvature),
                               _sum_parts_max_last)
            extras = ()
        self._point = {
            **{_memo_key(fn, (w, b, *args)): sums
               for (fn, args), sums in zip(calls or (), extras, strict=True)},
            _memo_key(binary.block_loss_grad, (w, b)): total[:3],
            _memo_key(binary.block_loss, (w, b)): total[:1],
            _memo_key(_peak_fn(), (w, b)): total[-1],
        }
        if curvature is not None:
            self._point[_memo_key(("hessian", stride), (w, b, *curvature))] = total[3:6]

    def ride_along(self, calls: Sequence[tuple[Callable, tuple]]) -> None:
        """Compute ``fn(X_b, y_b, s_b, w, b, *args)`` summed, for each ``(fn, args)`` of
        ``calls``, in the next binary loss pass, at its (w, b) (one round trip for
        all): a later :meth:`reduce` or :meth:`prefetch` of any of them there reads
        the point memo without a pass. For sums wanted at a point not yet known (the
        inference sums at the step a solver is about to take last)."""
        self._ride = tuple((fn, tuple(args)) for fn, args in calls)

    def fuse_curvature(self, stride: int | None, gram_dtype=None, standardize=None) -> None:
        """Let every later binary loss pass also compute the Hessian blocks from every
        ``stride``-th row (``block_hessian(..., gram_dtype, standardize)``): a Newton
        iteration then costs one round trip. ``stride=None``: no longer."""
        self._curvature = None if stride is None else (int(stride), gram_dtype, standardize)

    def _curvature_reduce(self, stride: int, args: tuple) -> tuple:
        """``block_hessian(*args)`` summed over every ``stride``-th row of each chunk
        (weights rescaled to estimate the full sum): from the point memo when the loss
        pass at the same θ computed it, else one pass (after which loss passes compute
        it too, for full-precision Hessians: a Newton solver's)."""

        args = (*args, None, None)[:4]  # (w, b, gram_dtype, standardize)
        key = _memo_key(("hessian", stride), args)
        if key in self._point:
            return self._point[key]
        if args[2] is None:  # full precision: Newton's Hessian, wanted at every iterate
            self.fuse_curvature(stride, *args[2:])
        return self._pass(_strided_block, (), (stride, *args))

    def prefetch(self, calls: Sequence[tuple[Callable, tuple]]) -> None:
        """Compute :meth:`reduce` of several ``(fn, args)`` in one pass (each chunk read
        once, one round trip) and keep them in the point memo; a later ``reduce`` of
        any of them reads it without a pass. A full binary ``block_loss_grad_hess``
        also answers ``block_loss_grad`` and ``block_loss`` at its θ."""

        binary = _binary()
        calls = tuple((fn, tuple(args)) for fn, args in calls)
        if all(_memo_key(fn, args) in self._point for fn, args in calls):
            return  # computed along with the last loss pass (see ride_along)
        totals = self._pass(_multi_block, (calls,), (), _sum_nested)
        point = {}
        for (fn, args), total in zip(calls, totals, strict=True):
            point[_memo_key(fn, args)] = total
            if fn is binary.block_loss_grad_hess and tuple(args[2:]) in ((), (1,)):
                point[_memo_key(binary.block_loss_grad, args[:2])] = total[:3]
                point[_memo_key(binary.block_loss, args[:2])] = total[:1]
        self._point = point

    def reduce_keep(self, fn: Callable, *args) -> tuple[tuple, KeptBlocks]:
        """The sums of a ``fn`` returning ``(partial_sums, kept)``, and the kept values
        left on the workers (:class:`KeptBlocks`). The largest margin at the θ of the
        last loss pass is known already: returned as one value, without a pass."""
        import dask
        from dask import delayed

        key = _memo_key(fn, args)
        if fn is _peak_fn() and key in self._point:
            return (), [self._point[key]]
        parts = self._parts(_block_sums_keep, fn, args, None)
        kept = [delayed(_second, pure=True)(p) for p in parts]
        total = tree_sum([delayed(_first, pure=True)(p) for p in parts])
        if fn in _scalar_keeps():  # one number per chunk: brought along, one round trip
            sums, *values = _compute(total, *kept)
            return sums, list(values)
        *kept, total = dask.persist(*kept, total)
        (sums,) = _compute(total)
        return sums, KeptBlocks(kept)

    def columns(self) -> None:
        """No column access: coordinate descent over columns would need ``X`` in memory;
        L1 fits use the working-set Hessians, one pass each."""
        return None

    # ----------------------------------------------------- client-side subsamples
    def _gather(self, index) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        parts = [self.X[index], self.y[index], None if self.s is None else self.s[index]]
        X, y, s = _compute(*parts)
        return np.asarray(X), np.asarray(y, dtype=np.float64), s

    def margins(self, W, b) -> np.ndarray:
        """:math:`XW^T + b` (binary: ``X w + b``), computed on the cluster, gathered
        to the client (n or n×k numbers, never ``X``)."""
        W = np.asarray(W, dtype=np.float64)
        Z = self.X @ (W.T if W.ndim == 2 else W).astype(self.dtype) + b
        (Z,) = to_client(Z)
        return np.asarray(Z, dtype=np.float64)

    def rows(self, index) -> np.ndarray:
        """The rows ``index`` of ``X``, gathered to the client."""
        (X,) = _compute(self.X[index])
        return np.asarray(X)

    def subsample(self, rows: int, rng: np.random.Generator | None = None,
                  gram_dtype=None) -> _CurvatureRows:
        """A curvature estimate from about ``rows`` rows: every ``n // rows``-th row of
        each chunk (:class:`_CurvatureRows`), read on the workers inside the loss
        passes (see :meth:`fuse_curvature`) rather than gathered to the client: a
        Newton iteration is one round trip. ``rng`` is unused (the rows are strided).
        ``gram_dtype``: the precision of the Gram products when the caller asks for
        none (float32 otherwise, for standardised rows: see :func:`_strided_hessian`)."""
        return _CurvatureRows(self, max(1, self.n_samples // max(1, int(rows))), gram_dtype)

    def every(self, step: int, dtype=None) -> InMemoryBackend:
        """An in-memory backend over every ``step``-th row (gathered once; weights kept)."""
        X, y, s = self._gather(slice(0, None, int(step)))
        if dtype is not None:
            X = np.ascontiguousarray(X, dtype=dtype)
        return InMemoryBackend(X, y, s)


class _CurvatureRows:
    """Every ``stride``-th row of each chunk of a :class:`DaskBackend`, for Hessian
    estimates: ``reduce(block_hessian, w, b, gram_dtype, standardize)`` sums the
    chunks' strided Hessians, weights rescaled to estimate the sum over all rows."""

    def __init__(self, parent: DaskBackend, stride: int, gram_dtype=None):
        self.parent, self.stride, self.gram_dtype = parent, int(stride), gram_dtype
        self.n_samples, self.n_features = parent.n_samples, parent.n_features
        self.dtype = parent.dtype

    def reduce(self, fn: Callable, *args, per_block=None, min_rows: int = 0) -> tuple:
        if fn is not _binary().block_hessian or per_block is not None:
            raise TypeError("the curvature rows of a DaskBackend sum block_hessian only")
        if self.gram_dtype is not None and (len(args) < 3 or args[2] is None):
            args = (*args[:2], self.gram_dtype, *args[3:])
        return self.parent._curvature_reduce(self.stride, args)


def _binary():
    from ..math import binary

    return binary


def _scalar_keeps() -> tuple:
    """Per-chunk functions that keep one number per chunk (the largest margins)."""
    from ..math import multinomial

    return (_peak_fn(), multinomial.block_max_abs_centered_score)


def _peak_fn():
    from ..math.inference import block_max_abs_margin

    return block_max_abs_margin


def _compute(*collections):
    """``dask.compute``; a pass the cluster could not finish raises with what was lost."""
    import dask

    return _translated(lambda: dask.compute(*collections))


def _translated(run: Callable):
    """``run()``; a Dask error that means the cluster lost the pass (a worker, the
    scheduler) becomes a RuntimeError saying the fit was interrupted."""
    try:
        return run()
    except Exception as exc:
        if type(exc).__name__ in ("KilledWorker", "CommClosedError", "FutureCancelledError"):
            raise RuntimeError(
                f"a pass over the Dask data failed ({type(exc).__name__}: {exc}); the fit "
                "was interrupted and no coefficients were set. Restart the workers and fit "
                "again."
            ) from exc
        raise

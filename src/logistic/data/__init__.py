"""Layer 2 — data backends: where the blocks of rows live and how partial sums are combined.

A backend is the only code that iterates over ``X``. It offers

``reduce(fn, *args, per_block=None, min_rows=0)``
    :math:`\\sum_b` ``fn(X_b, y_b, s_b, [per_block[b]], *args)`` for per-block math
    ``fn`` from :mod:`logistic.math.binary` returning a tuple of partial sums;
    the sum is accumulated in float64 on the host. ``min_rows`` asks for blocks of
    at least that many rows (Gram products, whose d×d partials must be amortised).
``reduce_keep(fn, *args)``
    the same for a ``fn`` returning ``(partial_sums, kept)``; returns the sums and
    the list of per-block ``kept`` values (left where the block lives), to be handed
    back later as ``per_block``.

Optionally ``columns()``: CSC arrays of ``X`` for per-column math
(:mod:`logistic.math.columns`), or None where columns are not cheap to read.

and the attributes ``n_samples``, ``n_features``, ``dtype``. Solvers never see a
backend; :class:`logistic.problems.binary.LogisticProblem` sits between them.

Also ``subsample(rows, rng)`` and ``every(step, dtype)``: backends over a subset of
the rows (for curvature estimates), and ``take(rows)``: a backend over given rows (a
mini-batch, for stochastic gradients; optional — ``solver="sgd"`` needs it).

Backends: :class:`InMemoryBackend` (NumPy, scipy.sparse; :mod:`~.memory`) and
:class:`DeviceBackend` (PyTorch, CuPy, any array-API array, on its own device;
:mod:`~.device`), and :mod:`~.dask` (chunks of a Dask array, summed on the cluster);
:func:`make_backend` picks one by the type of ``X``.

This is the only code that iterates over the rows of ``X``. May import:
:mod:`logistic.math`; never problems, solvers, models or anything above.
"""

from .device import DeviceBackend
from .memory import InMemoryBackend
from .memory import make_backend as _in_memory


def make_backend(X, y, sample_weight=None, **kwargs):
    """The backend for ``X``: in memory (dense or scipy.sparse), on X's device (PyTorch,
    CuPy, array-API arrays), or for a Dask array the
    :class:`~logistic.data.dask.DaskBackend` (imported only then; ``n_jobs`` does not
    apply there)."""
    if type(X).__module__.startswith("dask"):
        from .dask import DaskBackend

        kwargs.pop("n_jobs", None)
        return DaskBackend(X, y, sample_weight, **kwargs)
    return _in_memory(X, y, sample_weight, **kwargs)


__all__ = ["DeviceBackend", "InMemoryBackend", "make_backend"]

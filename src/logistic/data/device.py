r"""Device backend: ``X`` stays where it lives (a GPU, or any array-API library), the
solvers keep their d-sized NumPy vectors.

PyTorch tensors (CPU or CUDA), CuPy arrays and any other array-API array that is not
NumPy (``array-api-strict`` in the tests) are read through
`array-api-compat <https://data-apis.org/array-api-compat/>`_: the per-block math of
:mod:`logistic.math` is written against the namespace of its inputs, so the same
lines run on the device. What crosses between host and device per call of
:meth:`DeviceBackend.reduce`:

- host → device: the call's arguments (θ's pieces: ``w`` of size d, ``W`` of size
  k·d, the standardisation vectors ``μ, σ``), :math:`O(kd)` numbers;
- device → host: the partial sums (loss, gradient, Hessian blocks),
  :math:`O(kd)` numbers, or :math:`O((kd)^2)` for a Hessian.

Nothing of size n crosses in a pass: margins, probabilities and the Newton weights
kept for Hessian-vector products (:meth:`reduce_keep`) stay on the device. The
counters :attr:`DeviceBackend.to_device_numbers` and :attr:`DeviceBackend.to_host_numbers`
record every number moved, so a test can assert this.

Blocks: ``X`` is cut into row blocks of about :data:`DEVICE_BLOCK_BYTES` (large: a
kernel launch costs microseconds, a GPU streams gigabytes in a millisecond), which
bounds the temporaries of a Gram product (a weighted copy of the block). Each
block's products run in ``X``'s dtype (float32 stays float32; the device BLAS
accumulates them), margins, probabilities and per-block sums are float64 (as in
:mod:`logistic.math.binary`), and the sum over blocks is formed in float64 on the
device before one transfer to the host.

May import: :mod:`logistic.math`, NumPy, array-api-compat; the array library itself
(torch, CuPy) is never imported here — the arrays bring their namespace with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["DeviceBackend", "is_device_array", "to_numpy", "on_host", "namespace_dtype",
           "DEVICE_BLOCK_BYTES"]

#: Target size of one device row block (bounds the temporaries of Gram products).
DEVICE_BLOCK_BYTES = 512 << 20


def is_device_array(a: Any) -> bool:
    """Whether ``a`` is an array-API array other than NumPy: a PyTorch tensor, a CuPy
    array, an ``array-api-strict`` array, ... (not scipy.sparse, not a Dask array, not
    a pandas object; these have backends of their own or are converted by validation)."""
    if a is None or isinstance(a, np.ndarray | np.generic) or sp.issparse(a):
        return False
    from array_api_compat import is_array_api_obj, is_dask_array, is_numpy_array

    return bool(is_array_api_obj(a)) and not is_numpy_array(a) and not is_dask_array(a)


def to_numpy(a: Any, dtype=None) -> Any:
    """``a`` as a NumPy array on the host (a copy from a device; NumPy input as is).

    Python scalars and None pass through; tuples are converted item by item.
    """
    if a is None or isinstance(a, bool | int | float):
        return a
    if isinstance(a, tuple):
        return tuple(to_numpy(x, dtype) for x in a)
    if isinstance(a, np.ndarray | np.generic):
        return a if dtype is None else np.asarray(a, dtype=dtype)
    if hasattr(a, "get") and type(a).__module__.startswith("cupy"):
        out = a.get()
    elif hasattr(a, "detach") and hasattr(a, "cpu"):  # PyTorch
        out = a.detach().cpu().numpy()
    else:  # any array-API array on the CPU (DLPack), e.g. array-api-strict
        out = np.from_dlpack(a)
    return np.asarray(out) if dtype is None else np.asarray(out, dtype=dtype)


def on_host(a: Any) -> Any:
    """``a`` on the host when it is a device array (:func:`to_numpy`); anything else
    (NumPy, scipy.sparse, lists) as it is."""
    return to_numpy(a) if is_device_array(a) else a


def namespace_dtype(xp, dtype):
    """The dtype of namespace ``xp`` matching a NumPy ``dtype`` (float32/float64, ...)."""
    return getattr(xp, np.dtype(dtype).name)


def numpy_dtype(xp, dtype) -> np.dtype:
    """The NumPy dtype matching a dtype of namespace ``xp`` (real floating dtypes)."""
    for name in ("float64", "float32", "float16"):
        if dtype == getattr(xp, name, None):
            return np.dtype(name)
    raise TypeError(f"unsupported dtype {dtype} for a logistic-regression fit.")


class DeviceBackend:
    """Row blocks of an array-API ``X`` (torch, CuPy, ...) with labels and weights on
    the same device.

    Parameters
    ----------
    X : (n, d) real floating array of a non-NumPy array-API library.
    y : (n,) 0/1 labels or (n, k) one-hot labels: NumPy (moved to X's device once,
        as float64) or already on the device.
    sample_weight : (n,) weights or None, likewise.
    block_rows : rows per block (default: about :data:`DEVICE_BLOCK_BYTES` of X).
    n_jobs : ignored (the device runs each block in parallel).

    The backend protocol of :mod:`logistic.data`: ``reduce``, ``reduce_keep``,
    ``subsample``, ``every``, ``columns`` (None: no column access on a device), and
    ``n_samples``, ``n_features``, ``dtype`` (a NumPy dtype, for the problems'
    precision rules; :attr:`xp` and :attr:`device` name where the data live).
    """

    def __init__(self, X, y, sample_weight=None, *, block_rows: int | None = None,
                 n_jobs: int | None = None):
        from array_api_compat import array_namespace, device

        self.xp = xp = array_namespace(X)
        self.device = device(X)
        self.X = X
        self.n_samples, self.n_features = (int(n) for n in X.shape)
        self.dtype = numpy_dtype(xp, X.dtype)
        self.to_device_numbers = 0
        self.to_host_numbers = 0
        self.y = self._on_device(y, np.float64)
        self.s = None if sample_weight is None else self._on_device(sample_weight, np.float64)
        if block_rows is None:
            row_bytes = max(1, self.n_features) * self.dtype.itemsize
            block_rows = max(1 << 14, DEVICE_BLOCK_BYTES // row_bytes)
        self.block_rows = max(1, int(block_rows))
        self.n_blocks = max(1, -(-self.n_samples // self.block_rows))

    # -- moving numbers ------------------------------------------------------
    def _on_device(self, a, dtype=None):
        """A NumPy array (or scalar) as an array of this backend's namespace and device."""
        if a is None or isinstance(a, bool | int | float) or (
            not isinstance(a, np.ndarray | np.generic)
        ):
            return a
        a = np.asarray(a)
        self.to_device_numbers += int(a.size)
        out = self.xp.asarray(np.ascontiguousarray(a), device=self.device)
        return out if dtype is None else self.xp.astype(out, namespace_dtype(self.xp, dtype))

    def _arg(self, a):
        """A per-call argument on the device: NumPy arrays moved, NumPy dtypes mapped."""
        if isinstance(a, tuple):
            return tuple(self._arg(x) for x in a)
        if isinstance(a, np.dtype) or (isinstance(a, type) and issubclass(a, np.generic)):
            return namespace_dtype(self.xp, a)
        if isinstance(a, np.generic):
            return a.item()
        return self._on_device(a)

    def _host(self, a):
        """A device result as float64 NumPy (counted)."""
        if a is None or isinstance(a, bool | int | float):
            return np.asarray(a, dtype=np.float64)
        out = to_numpy(a, np.float64)
        self.to_host_numbers += int(out.size)
        return out

    # -- blocks ----------------------------------------------------------------
    def blocks(self, min_rows: int = 0):
        """Yield ``(X_b, y_b, s_b)`` (views), one per row block."""
        size = max(self.block_rows, int(min_rows))
        if size >= self.n_samples:
            yield self.X, self.y, self.s
            return
        for start in range(0, self.n_samples, size):
            rows = slice(start, min(start + size, self.n_samples))
            yield self.X[rows, ...], self.y[rows, ...], None if self.s is None else self.s[rows]

    def _map(self, fn: Callable, args: tuple, per_block: list | None, min_rows: int = 0):
        args = tuple(self._arg(a) for a in args)
        for i, block in enumerate(self.blocks(min_rows)):
            extra = () if per_block is None else (per_block[i],)
            yield fn(*block, *extra, *args)

    @staticmethod
    def _add(acc, out):
        return out if acc is None else tuple(a + o for a, o in zip(acc, out, strict=True))

    def reduce(self, fn: Callable, *args, per_block: list | None = None, min_rows: int = 0):
        """:math:`\\sum_b` ``fn(X_b, y_b, s_b, *args)``, summed on the device in float64,
        then moved to the host (:math:`O(d)` numbers; :math:`O(d^2)` for a Hessian)."""
        acc = None
        for out in self._map(fn, args, per_block, min_rows):
            acc = self._add(acc, out)
        return tuple(self._host(a) for a in acc)

    def reduce_keep(self, fn: Callable, *args) -> tuple[tuple, list]:
        """Sums as :meth:`reduce`, and each block's ``kept`` value, left on the device
        (per-row data: Newton weights, probabilities, handed back as ``per_block``);
        a Python number stays one, and a function marked ``kept_on_host = True``
        (column statistics, :math:`O(d)`) has its kept arrays moved to the host."""
        to_host = bool(getattr(fn, "kept_on_host", False))
        acc, kept = None, []
        for sums, keep in self._map(fn, args, None):
            acc = self._add(acc, sums) if len(sums) else acc
            kept.append(self._host(keep) if to_host else keep)
        return (() if acc is None else tuple(self._host(a) for a in acc)), kept

    # -- other views -----------------------------------------------------------
    def columns(self):
        """No column access on a device (coordinate descent is host-only)."""
        return None

    def subsample(self, rows: int, rng: np.random.Generator) -> DeviceBackend | None:
        """A backend over ``rows`` rows drawn uniformly without replacement (gathered on
        the device, float32), weights rescaled by :math:`S/S_{sub}` as in
        :meth:`logistic.data.InMemoryBackend.subsample`. The row indices (drawn on the
        host with ``rng``, so fits are reproducible) cross once, when it is built."""
        xp = self.xp
        idx = self._on_device(np.sort(rng.choice(self.n_samples, size=rows, replace=False)))
        X = xp.astype(xp.take(self.X, idx, axis=0), xp.float32)
        y = xp.take(self.y, idx, axis=0)
        if self.s is None:
            s = xp.ones(rows, dtype=xp.float64, device=self.device)
            total = float(self.n_samples)
        else:
            s = xp.take(self.s, idx, axis=0)
            total = float(xp.sum(self.s))
        sub_total = float(xp.sum(s))
        if not sub_total > 0:
            return None
        return DeviceBackend(X, y, s * (total / sub_total))

    def every(self, step: int, dtype=None) -> DeviceBackend:
        """A backend over every ``step``-th row (a strided view; a copy in ``dtype``)."""
        xp = self.xp
        X = self.X[:: int(step), ...]
        if dtype is not None:
            X = xp.astype(X, namespace_dtype(xp, dtype))
        s = None if self.s is None else self.s[:: int(step)]
        return DeviceBackend(X, self.y[:: int(step), ...], s)

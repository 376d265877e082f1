r"""Device input for the estimator: PyTorch / CuPy / array-API arrays in, the same out.

:class:`~logistic.LogisticRegression` fitted on a non-NumPy array-API array ``X``
(a PyTorch tensor on the CPU or a GPU, a CuPy array, an ``array-api-strict`` array)
reads it through :class:`logistic.data.DeviceBackend`: every pass runs on ``X``'s own
device, whether or not scikit-learn's ``set_config(array_api_dispatch=True)`` is on,
and ``X`` is never converted to NumPy.

What comes back, as scikit-learn ≥ 1.8 does under ``array_api_dispatch`` (its
``LogisticRegression`` keeps ``coef_``/``intercept_`` in the namespace, device and
dtype of ``X``): ``coef_`` and ``intercept_`` are arrays of ``X``'s namespace, device
and dtype — with or without dispatch, so a fit on tensors gives tensors either way;
``decision_function``, ``predict_proba``, ``predict_log_proba`` and ``predict`` on a
device array return arrays of its namespace and device (``predict`` gives numeric
labels there; string labels come back as NumPy). ``classes_``, ``n_iter_``,
``history_`` and the inference numbers stay NumPy (small host metadata; model files
hold NumPy numbers, so a loaded model predicts on NumPy input, and on device input
too). Predicting NumPy input with a model fitted on tensors works as well (the
coefficients are copied to the host, :math:`O(kd)`).

What crosses to the host once per fit: the labels ``y`` (and ``sample_weight``), for
the class encoding and the checks every fit runs, then back to the device as float64
(:math:`O(n)` once, against the :math:`O(nd)` of one pass over ``X``); per solver
iteration only :math:`O(kd)` numbers cross (:math:`O((kd)^2)` for a Hessian).

Supported on device arrays: ``penalty="l2"`` and ``None``, binary, multinomial and
one-vs-rest, solvers ``"auto"``, ``"gd"``, ``"lbfgs"``, ``"newton"``, ``"newton-cg"``.
L1 / elastic-net (coordinate descent reads columns on the host) and Firth's penalty
raise a ``ValueError`` that says so, rather than copying ``X`` to the host.
"""

from __future__ import annotations

import numpy as np

from ..data.device import is_device_array, namespace_dtype, numpy_dtype, to_numpy
from ..math.stable import log_sigmoid, sigmoid

__all__ = ["is_device_array", "as_float", "check_device_fit", "refuse_device_input",
           "coef_like", "device_margins", "device_proba", "device_predict", "to_numpy",
           "DEVICE_PENALTIES", "DEVICE_SOLVERS"]

#: Penalties and solvers a fit on device arrays supports.
DEVICE_PENALTIES = ("l2", None)
DEVICE_SOLVERS = ("auto", "gd", "lbfgs", "newton", "newton-cg")


def as_float(X):
    """``X`` as a real floating array of its own namespace (integers/bools → float64)."""
    from array_api_compat import array_namespace

    xp = array_namespace(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D array for X, got {X.ndim}D with shape {tuple(X.shape)}.")
    if X.dtype in (xp.float32, xp.float64):
        return X
    if xp.isdtype(X.dtype, ("integral", "bool")) or X.dtype == getattr(xp, "float16", None):
        return xp.astype(X, xp.float64)
    raise TypeError(f"X has dtype {X.dtype}; a real floating or integer array is needed.")


def check_device_fit(estimator, X, y, sample_weight, options):
    """Validate a fit on device arrays: returns ``(X, y, sample_weight)`` with ``X`` on
    its device (real floating, finite, 2-D) and ``y``, ``sample_weight`` as NumPy.

    Sets ``n_features_in_`` (and removes a stale ``feature_names_in_``), as
    scikit-learn's ``validate_data`` would.
    """
    if options.penalty not in DEVICE_PENALTIES:
        raise ValueError(
            f"penalty={options.penalty!r} is not supported on {type(X).__module__} arrays: "
            "a fit on device arrays supports penalty 'l2' and None (L1 coordinate descent "
            "and Firth's correction run on the host). Pass NumPy arrays for this penalty."
        )
    if options.solver not in DEVICE_SOLVERS:
        raise ValueError(
            f"solver={options.solver!r} is not supported on {type(X).__module__} arrays; "
            f"use one of {DEVICE_SOLVERS}."
        )
    from array_api_compat import array_namespace

    X = as_float(X)
    xp = array_namespace(X)
    n, d = (int(v) for v in X.shape)
    if n < 1 or d < 1:
        raise ValueError(f"X has shape {(n, d)}: at least one sample and one feature needed.")
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError("Input X contains NaN or infinity.")
    y = np.asarray(to_numpy(y)).reshape(-1) if y is not None else y
    if y is None or y.shape[0] != n:
        raise ValueError(
            f"X has {n} samples but y has {None if y is None else y.shape[0]}."
        )
    if sample_weight is not None and is_device_array(sample_weight):
        sample_weight = to_numpy(sample_weight)
    estimator.n_features_in_ = d
    if hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_
    return X, y, sample_weight


def refuse_device_input(X, what: str) -> None:
    """A clear ``ValueError`` for device arrays where only host data are supported
    (rather than a silent copy to NumPy)."""
    if is_device_array(X):
        raise ValueError(
            f"{what} takes NumPy or scipy.sparse X, got a {type(X).__module__} array; "
            "LogisticRegression fits device arrays (or pass X as NumPy)."
        )


def host_dtype(X) -> np.dtype:
    """The NumPy dtype matching a device array's dtype."""
    from array_api_compat import array_namespace

    return numpy_dtype(array_namespace(X), X.dtype)


def coef_like(a: np.ndarray, X):
    """A host array as an array of ``X``'s namespace, device and dtype (O(kd))."""
    from array_api_compat import array_namespace, device

    xp = array_namespace(X)
    return xp.asarray(np.ascontiguousarray(a), dtype=X.dtype, device=device(X))


def device_margins(X, W: np.ndarray, b: np.ndarray):
    """Margins :math:`XW^\\top + b` on ``X``'s device in float64 ((n,) for one row of
    ``W``), the product in ``X``'s dtype; an overflowing product is redone with ``W``
    scaled down (as :meth:`LogisticRegression._raw_margins` does on the host)."""
    from array_api_compat import array_namespace, device

    X = as_float(X)
    xp = array_namespace(X)
    dev = device(X)

    def on(a, dtype):
        return xp.asarray(np.ascontiguousarray(a), dtype=namespace_dtype(xp, dtype), device=dev)

    Z = xp.astype(X @ on(W.T, host_dtype(X)), xp.float64) + on(b, np.float64)
    if not bool(xp.all(xp.isfinite(Z))):
        m = np.max(np.abs(W), axis=1)
        m[~(m > 0)] = 1.0
        scaled = xp.astype(X @ on((W / m[:, None]).T, np.float64 if X.dtype == xp.float64
                                  else np.float32), xp.float64)
        Z = scaled * on(m, np.float64) + on(b, np.float64)
    return Z[:, 0] if W.shape[0] == 1 else Z


def device_proba(estimator, z, log: bool = False):
    """Class probabilities (or their logs) from device margins, in the namespace of ``z``."""
    from array_api_compat import array_namespace

    from .multiclass import multiclass_log_proba

    xp = array_namespace(z)
    if z.ndim == 2:
        out = multiclass_log_proba(estimator, z)
        return out if log else xp.exp(out)
    pair = (log_sigmoid(-z), log_sigmoid(z)) if log else (sigmoid(-z), sigmoid(z))
    return xp.stack(pair, axis=1)


def device_predict(classes: np.ndarray, z):
    """Predicted labels from device margins: on the device for numeric labels."""
    from array_api_compat import array_namespace, device

    xp = array_namespace(z)
    idx = xp.argmax(z, axis=1) if z.ndim == 2 else xp.astype(z > 0, xp.int64)
    if classes.dtype.kind in "biuf":
        return xp.take(xp.asarray(classes, device=device(z)), idx, axis=0)
    return classes[to_numpy(idx)]

r"""Numerically stable building blocks: sigmoid, log-sigmoid, softplus, log-loss, log-softmax.

The logistic function and its logarithms are evaluated without overflow for every
finite input, with no clipping and no ε inside a logarithm. Everything rests on one
identity: with :math:`e = \exp(-|z|) \in (0, 1]`,

.. math::

    \operatorname{softplus}(z) = \log(1 + e^{z}) = \max(z, 0) + \log1p(e),

    \sigma(z) = \frac{1}{1 + e^{-z}} =
        \begin{cases} 1/(1 + e) & z \ge 0 \\ e/(1 + e) & z < 0, \end{cases}

    \log \sigma(z) = -\operatorname{softplus}(-z),
    \qquad \sigma(z)\,\sigma(-z) = e/(1 + e)^2 .

``exp`` is only ever called on a non-positive number, so it cannot overflow, and
``log1p`` keeps full relative precision when ``e`` is tiny. The binary log-loss of a
label :math:`y \in \{0, 1\}` with margin :math:`z` is

.. math::

    \ell(y, z) = -y\log\sigma(z) - (1-y)\log\sigma(-z) = \operatorname{softplus}((1 - 2y)\,z),

which is exactly 0 (not NaN, not inf) for a correct label at :math:`z = \pm 10^{300}`.

Every function works on any array-API namespace (NumPy, CuPy, PyTorch) through
``array_api_compat``; the namespace is taken from the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "log_loss",
    "sigmoid_and_weight",
    "loss_and_sigmoid",
    "log_softmax",
    "norm2",
    "COMPILED_MIN_SIZE",
]

#: NumPy float64 arrays of at least this many entries take the compiled loops of
#: :mod:`logistic.math.kernels` (same formulas; numba's import, ~0.3 s, is paid only
#: by data this large).
COMPILED_MIN_SIZE = 4096


def compiled(labels, scores, ndim: int = 1) -> bool:
    """Whether the compiled kernels take these arrays: NumPy float64 of one shape with
    ``ndim`` dimensions (1: binary margins, 2: softmax scores), large enough."""
    return (type(labels) is np.ndarray and type(scores) is np.ndarray
            and labels.dtype == np.float64 and scores.dtype == np.float64
            and scores.ndim == ndim and labels.shape == scores.shape
            and scores.size >= COMPILED_MIN_SIZE)


def softplus(z: Any) -> Any:
    r"""Return :math:`\log(1 + e^{z})` elementwise, stable for every finite ``z``."""
    xp = array_namespace(z)
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def sigmoid(z: Any) -> Any:
    r"""Return :math:`\sigma(z) = 1 / (1 + e^{-z})` elementwise, stable for every finite ``z``."""
    xp = array_namespace(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def log_sigmoid(z: Any) -> Any:
    r"""Return :math:`\log \sigma(z) = -\operatorname{softplus}(-z)` elementwise."""
    return -softplus(-z)


def log_loss(y: Any, z: Any) -> Any:
    r"""Per-sample binary cross-entropy :math:`\ell(y, z) = \operatorname{softplus}((1-2y) z)`.

    Parameters
    ----------
    y : array of 0/1 labels (any real dtype).
    z : array of margins :math:`x_i \cdot w + b`, same shape.
    """
    if compiled(y, z):
        from .kernels import binary_terms

        return binary_terms(y, z)[0]
    return softplus((1 - 2 * y) * z)


def sigmoid_and_weight(z: Any) -> tuple[Any, Any]:
    r"""Return :math:`p = \sigma(z)` and the Newton weight :math:`p(1-p) = e/(1+e)^2`.

    The weight is computed from :math:`e = \exp(-|z|)` directly, so it neither
    underflows to a negative number nor loses precision where :math:`p \approx 1`.
    """
    xp = array_namespace(z)
    e = xp.exp(-xp.abs(z))
    inv = 1 / (1 + e)
    p = xp.where(z >= 0, inv, e * inv)
    return p, e * inv * inv


def loss_and_sigmoid(y: Any, z: Any) -> tuple[Any, Any, Any]:
    r"""Per-sample log-loss, :math:`p = \sigma(z)` and :math:`p(1-p)` from one ``exp``.

    Since :math:`|(1-2y)z| = |z|` for :math:`y \in \{0,1\}`, the loss
    :math:`\operatorname{softplus}((1-2y)z) = \max((1-2y)z, 0) + \log1p(e)` and the
    probability share :math:`e = \exp(-|z|)`; this is the hot path of every pass
    (large NumPy float64 arrays: the same formulas compiled, :mod:`logistic.math.kernels`).
    """
    if compiled(y, z):
        from .kernels import binary_terms

        return binary_terms(y, z)
    xp = array_namespace(z)
    e = xp.exp(-xp.abs(z))
    inv = 1 / (1 + e)
    loss = xp.maximum((1 - 2 * y) * z, 0) + xp.log1p(e)
    p = xp.where(z >= 0, inv, e * inv)
    return loss, p, e * inv * inv


def log_softmax(Z: Any) -> tuple[Any, Any]:
    """Return ``(Z - lse(Z), lse(Z))`` row-wise, stable for every finite ``Z``."""
    xp = array_namespace(Z)
    m = xp.max(Z, axis=1, keepdims=True)
    lse = m + xp.log(xp.sum(xp.exp(Z - m), axis=1, keepdims=True))
    return Z - lse, lse


def norm2(v: Any) -> float:
    r"""The 2-norm :math:`\|v\|` without overflow: :math:`m\,\|v/m\|`, :math:`m = \max|v_j|`
    (a gradient of columns near 1e160 has a finite norm whose square is not)."""
    if type(v) is np.ndarray:  # the solvers' vectors: without the namespace lookups
        m = float(np.max(np.abs(v))) if v.size else 0.0
        return m * float(np.linalg.norm(v / m)) if 0.0 < m < float("inf") else m
    xp = array_namespace(v)
    m = float(xp.max(xp.abs(v))) if v.shape[0] else 0.0
    if not 0.0 < m < float("inf"):
        return m
    return m * float(xp.linalg.vector_norm(v / m))

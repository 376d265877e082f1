"""Stable sigmoid, log-sigmoid, softplus and log-loss against closed forms.

References are independent of the library: ``np.logaddexp`` (softplus(z) =
logaddexp(0, z)), extended-precision (``np.longdouble``, 64-bit mantissa on x86)
evaluations of the textbook formulas, exact values where the answer is exactly
representable (0, 1, z itself), and identities such as σ(z) + σ(−z) = 1 and
softplus(z) − softplus(−z) = z. RuntimeWarnings are errors (pyproject), and the key
tests additionally run under ``np.errstate(over/divide/invalid="raise")``.
"""

from __future__ import annotations

import numpy as np
import pytest

from logistic.math.stable import log_loss, log_sigmoid, sigmoid, sigmoid_and_weight, softplus

TINY = np.finfo(np.float64).tiny
HUGE = np.finfo(np.float64).max
SUB = 5e-324  # the smallest subnormal
#: Every kind of finite input: 0, subnormal, tiny, moderate, beyond exp's range, huge.
Z = np.array(
    [0.0, SUB, TINY, 1e-300, 1e-20, 1e-8, 0.5, 1.0, 10.0, 30.0, 36.0, 40.0, 100.0, 700.0,
     709.0, 710.0, 745.0, 1e4, 1e10, 1e300, HUGE]
)
Z = np.concatenate([-Z[::-1], Z[1:]])
EXTENDED = np.finfo(np.longdouble).eps < np.finfo(np.float64).eps


@pytest.fixture(autouse=True)
def _strict_fp():
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        yield


def _ld_sigmoid(z):
    """σ in extended precision by the textbook formulas (exp of a non-positive number)."""
    z = z.astype(np.longdouble)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def test_sigmoid_finite_and_in_range():
    p = sigmoid(Z)
    assert p.dtype == np.float64
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(p) >= 0), "sigmoid must be monotone"


def test_sigmoid_exact_values():
    assert sigmoid(np.array([0.0]))[0] == 0.5
    assert np.all(sigmoid(np.array([40.0, 1e4, 1e300, HUGE])) == 1.0)
    assert np.all(sigmoid(np.array([-1e4, -1e300, -HUGE])) == 0.0)
    # exp(-700) is a normal number: σ(-700) = e^-700/(1+e^-700) = e^-700 to the last bit
    assert sigmoid(np.array([-700.0]))[0] == pytest.approx(np.exp(-700.0), rel=1e-15)
    # tiny z: σ(z) = 1/2 + z/4 + O(z³)
    assert sigmoid(np.array([1e-8]))[0] == pytest.approx(0.5 + 0.25e-8, rel=1e-16, abs=0)


@pytest.mark.skipif(not EXTENDED, reason="needs extended precision long double")
def test_sigmoid_matches_extended_precision():
    ref = _ld_sigmoid(Z)
    p = sigmoid(Z)
    # at most ~2 ulp relative (subnormal results: a few multiples of the smallest subnormal)
    np.testing.assert_allclose(p, ref.astype(np.float64), rtol=4e-16, atol=4 * SUB)


def test_sigmoid_symmetry():
    z = Z[np.abs(Z) < 40]
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=0, atol=2.3e-16)


def test_softplus_matches_logaddexp():
    sp_ = softplus(Z)
    assert np.all(np.isfinite(sp_))
    np.testing.assert_allclose(sp_, np.logaddexp(0.0, Z), rtol=2.3e-16, atol=0)
    assert softplus(np.array([HUGE]))[0] == HUGE
    assert softplus(np.array([1e300]))[0] == 1e300
    assert softplus(np.array([-1e300]))[0] == 0.0
    assert softplus(np.array([0.0]))[0] == np.log(2.0)


def test_softplus_identity():
    z = Z[np.abs(Z) <= 1e4]
    np.testing.assert_allclose(softplus(z) - softplus(-z), z, rtol=1e-15, atol=3e-16)


@pytest.mark.skipif(not EXTENDED, reason="needs extended precision long double")
def test_log_sigmoid_matches_extended_precision():
    z = Z[np.abs(Z) <= 1e4].astype(np.longdouble)
    ref = -(np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))))
    np.testing.assert_allclose(log_sigmoid(Z[np.abs(Z) <= 1e4]), ref.astype(float), rtol=3e-16)


def test_log_sigmoid_no_cancellation():
    # log σ(40) = -log1p(e^-40) ≈ -e^-40: a naive log(σ(40)) = log(1.0) = 0 loses it all
    assert log_sigmoid(np.array([40.0]))[0] == pytest.approx(-np.exp(-40.0), rel=1e-15)
    assert log_sigmoid(np.array([745.0]))[0] == pytest.approx(-np.exp(-745.0), abs=SUB)
    # far left tail: log σ(z) = z exactly
    np.testing.assert_array_equal(log_sigmoid(np.array([-1e4, -1e300, -HUGE])),
                                  [-1e4, -1e300, -HUGE])
    np.testing.assert_array_equal(log_sigmoid(np.array([1e4, 1e300, HUGE])), 0.0)
    assert np.all(log_sigmoid(Z) <= 0) and np.all(np.isfinite(log_sigmoid(Z)))


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_log_loss_every_finite_margin(y):
    losses = log_loss(np.full_like(Z, y), Z)
    assert np.all(np.isfinite(losses)) and np.all(losses >= 0)
    # closed form: -y log σ(z) - (1-y) log σ(-z) = logaddexp(0, ∓z)
    ref = np.logaddexp(0.0, -Z if y == 1 else Z)
    np.testing.assert_allclose(losses, ref, rtol=2.3e-16, atol=0)


def test_log_loss_extremes():
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    z = np.array([1e300, -1e300, 1e4, -1e4, -1e4, 1e300])
    out = log_loss(y, z)
    # correct labels: exactly 0 (not NaN, not inf); wrong labels: exactly |z|
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 0.0, 1e4, 1e300])
    assert log_loss(np.array([1.0]), np.array([0.0]))[0] == np.log(2.0)
    assert log_loss(np.array([0.0]), np.array([HUGE]))[0] == HUGE


@pytest.mark.skipif(not EXTENDED, reason="needs extended precision long double")
def test_sigmoid_and_weight():
    p, w = sigmoid_and_weight(Z)
    np.testing.assert_allclose(p, sigmoid(Z), rtol=2.3e-16, atol=0)  # e·(1/(1+e)) vs e/(1+e)
    zl = np.abs(Z).astype(np.longdouble)
    e = np.exp(-zl)
    ref = (e / (1 + e) ** 2).astype(np.float64)
    np.testing.assert_allclose(w, ref, rtol=6e-16, atol=4 * SUB)
    assert np.all(w >= 0) and np.all(w <= 0.25) and w[Z == 0][0] == 0.25
    # where p ≈ 1 the naive p(1-p) is all rounding error; the weight keeps full precision
    z30 = np.array([30.0])
    assert sigmoid_and_weight(z30)[1][0] == pytest.approx(np.exp(-30.0), rel=1e-12)


@pytest.mark.parametrize("fn", [sigmoid, log_sigmoid, softplus])
def test_float32_stays_float32(fn):
    z = np.array([-1e30, -1e4, -100.0, -1.0, 0.0, 1e-30, 1.0, 100.0, 1e4, 3e38], np.float32)
    out = fn(z)
    assert out.dtype == np.float32
    assert np.all(np.isfinite(out))
    ref = fn(z.astype(np.float64))
    np.testing.assert_allclose(out, ref.astype(np.float32), rtol=2e-7, atol=1e-44)


def test_log_loss_float32():
    z = np.array([-3e38, -1e4, 0.0, 1e4, 3e38], np.float32)
    y = np.array([0, 0, 1, 1, 1], np.float32)
    out = log_loss(y, z)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([0, 0, np.log(2), 0, 0], np.float32))


def test_nan_propagates_without_warning():
    out = sigmoid(np.array([np.nan, 0.0]))
    assert np.isnan(out[0]) and out[1] == 0.5

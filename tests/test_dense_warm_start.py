"""Binary L2 on tall dense data: Newton from nested row subsamples (issue 19, models/warm_start).

A fuzz family around the dense-l2 benchmark members: tall and nearly square shapes with
d from 5 to 300, unscaled and offset columns, sample weights (zeros included), float32,
C from 0.01 to 100, no intercept, near-separable classes. Each default fit must reach a
relative objective gap ≤ 1e-8 against scikit-learn's newton-cholesky at tol=1e-12 (the
objective computed here in float64, independently of the package; the reference
polished by exact Newton steps where scikit-learn's Hessian of unscaled columns is
ill-conditioned) and report
``converged_=True``; the tall cases must have gone through the subsample levels.

The level thresholds are lowered for most cases (``small_levels``) so that data of a
few thousand rows exercise several levels in milliseconds; two cases use the real ones.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SK

from logistic import LogisticRegression
from logistic.models import warm_start


def objective(X, y, s, coef, intercept, C):
    z = np.asarray(X, dtype=np.float64) @ np.ravel(coef).astype(np.float64) + intercept[0]
    loss = np.logaddexp(0.0, z) - y * z
    loss = loss if s is None else s * loss
    return float(np.sum(loss) + 0.5 * np.dot(np.ravel(coef), np.ravel(coef)) / C)


def reference(X, y, s, C, fit_intercept, start_sklearn=True):
    """The exact optimum: scikit-learn's newton-cholesky at tol=1e-12, polished by exact
    Newton steps in standardised coordinates (float64, dense Hessian formed here), for
    unscaled columns where scikit-learn's own Hessian is ill-conditioned."""
    X = np.asarray(X, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    if start_sklearn:
        sk = SK(C=C, solver="newton-cholesky", tol=1e-12, max_iter=500,
                fit_intercept=fit_intercept).fit(X, y, sample_weight=s)
        w = np.ravel(sk.coef_).astype(np.float64)
        b = float(np.atleast_1d(sk.intercept_)[0]) if fit_intercept else 0.0
    mu = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    sd = X.std(axis=0) if fit_intercept else np.sqrt((X * X).mean(axis=0))
    sd[sd == 0] = 1.0
    A = (X - mu) / sd
    if fit_intercept:
        A = np.column_stack([A, np.ones(len(y))])
    ridge = np.append(1.0 / (C * sd * sd), 0.0) if fit_intercept else 1.0 / (C * sd * sd)
    t = np.append(w * sd, b + mu @ w) if fit_intercept else w * sd  # θ' of (w, b)
    sw = np.ones(len(y)) if s is None else s

    def f(t):
        z = A @ t
        return np.sum(sw * (np.logaddexp(0.0, z) - y * z)) + 0.5 * np.sum(ridge * t * t)

    for _ in range(50):
        z = A @ t
        p = 1.0 / (1.0 + np.exp(-z))
        g = A.T @ (sw * (p - y)) + ridge * t
        H = (A * (sw * p * (1 - p))[:, None]).T @ A + np.diag(ridge)
        step = -np.linalg.solve(H, g)
        if -g @ step <= 1e-15 * abs(f(t)):
            break
        u = 1.0
        while f(t + u * step) > f(t) + 1e-4 * u * (g @ step) and u > 1e-10:
            u /= 2
        t = t + u * step
    w = t[: X.shape[1]] / sd
    return w, (np.array([t[-1] - mu @ w]) if fit_intercept else np.zeros(1))


def make(seed, n, d, *, unscaled=False, weights=False, float32=False, sep=0.8, flip=0.05,
         redundant=True):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=max(2, d // 2),
                               n_redundant=d // 4 if redundant else 0, flip_y=flip, class_sep=sep,
                               random_state=seed)
    rng = np.random.default_rng(seed)
    if unscaled:
        X = X * 10.0 ** rng.uniform(-3, 3, d) + rng.uniform(-100, 100, d)
    s = None
    if weights:
        s = rng.integers(0, 4, n).astype(np.float64)  # zero weights included
        s[:2] = 1.0
    return (X.astype(np.float32) if float32 else X), y, s



def check(X, y, s, C, fit_intercept=True, certifiable=True, unscaled=False, penalty="l2"):
    """Fit by default and compare with the exact optimum. ``certifiable=False``: float32
    data with offset columns, whose float32 objective is too coarse to certify 1e-8 —
    the fit may then say it did not converge (with a ConvergenceWarning, as the cold
    Newton fit does), but its gap must still be ≤ 1e-8."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = LogisticRegression(C=C, fit_intercept=fit_intercept, penalty=penalty,
                                  inference=False).fit(
            X, y, sample_weight=s)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert warned == (not ours.converged_)
    assert ours.converged_ or not certifiable
    f = objective(X, y, s, ours.coef_, ours.intercept_, C)
    f_ref = min(f, objective(X, y, s, *reference(X, y, s, C, fit_intercept, not unscaled), C))
    assert (f - f_ref) / abs(f_ref) <= 1e-8, (f, f_ref)
    return ours


CASES = [  # (seed, n, d, options, C)
    (0, 3000, 5, {}, 1.0),
    (1, 4000, 20, {"unscaled": True}, 1.0),
    (2, 3000, 40, {"weights": True}, 0.01),
    (3, 5000, 12, {"float32": True}, 100.0),
    (4, 4000, 30, {"float32": True, "weights": True}, 10.0),
    (5, 3000, 8, {"sep": 3.0, "flip": 0.0}, 100.0),  # nearly separable
    (6, 6000, 60, {"weights": True, "unscaled": True}, 0.1),
    (7, 2500, 80, {}, 1.0),  # nearly square for its levels
    (8, 4000, 10, {"sep": 2.5, "flip": 0.002, "weights": True}, 30.0),
    (9, 5000, 200, {"unscaled": True}, 1.0),
    (10, 6200, 250, {}, 0.05),  # just tall enough for its levels
]


@pytest.mark.parametrize("seed,n,d,opts,C", CASES)
def test_subsample_levels_reach_the_documented_gap(small_levels, counted, seed, n, d, opts, C):
    X, y, s = make(seed, n, d, **opts)
    check(X, y, s, C, unscaled=opts.get("unscaled", False))
    assert counted, "the fit did not go through the subsample levels"


def test_float32_offset_columns_never_silently_short(small_levels, counted):
    X, y, s = make(4, 4000, 30, unscaled=True, float32=True)
    check(X, y, s, 10.0, certifiable=False, unscaled=True)
    assert counted


@pytest.mark.parametrize("seed,sep", [(51, 1.5), (52, 2.5)])
def test_unpenalised_with_subsamples_that_may_separate(small_levels, counted, seed, sep):
    # no redundant columns: without a penalty their optimum would not be unique
    X, y, s = make(seed, 3000, 25, sep=sep, flip=0.01, redundant=False)
    check(X, y, s, np.inf, penalty=None, unscaled=True)  # C = ∞: no penalty; exact reference
    assert counted


def test_without_intercept(small_levels, counted):
    X, y, s = make(11, 4000, 15, unscaled=False, weights=True)
    check(X, y, s, 1.0, fit_intercept=False)
    assert counted


@pytest.mark.parametrize("seed,n,d,opts,C", [
    (21, 20_000, 5, {"unscaled": True, "weights": True}, 1.0),
    (22, 16_000, 40, {}, 0.3),
])
def test_real_thresholds_tall(counted, seed, n, d, opts, C):
    X, y, s = make(seed, n, d, **opts)
    check(X, y, s, C, unscaled=opts.get("unscaled", False))
    assert counted


@pytest.mark.parametrize("n,d", [(400, 300), (1500, 300), (600, 5)])
def test_nearly_square_fits_are_unchanged_and_exact(counted, n, d):
    X, y, s = make(31 + d, n, d, unscaled=True)
    check(X, y, s, 1.0, unscaled=True)
    assert not counted  # not tall enough: the ordinary Newton fit


def test_levels_shape():
    assert warm_start.levels(10_000, 21) == []
    sizes = warm_start.levels(2_000_000, 21)
    assert sizes == sorted(sizes) and sizes[-1] == 250_000 and sizes[0] >= 2000
    assert warm_start.levels(100_000, 501)[0] == 5 * 501


def test_reproducible_by_default():
    X, y, _ = make(41, 20_000, 6)
    a, b = (LogisticRegression(inference=False).fit(X, y) for _ in range(2))
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_a_fit_that_keeps_inference_is_polished(counted, small_levels):
    """A fit whose standard errors are kept skips the subsample levels (their last point
    is only as good as tol asks, coefficients to about √tol) and ends on classic Newton's
    exact final step: its standard errors match a tight fit's to 1e-7."""
    rng = np.random.default_rng(21)
    X = rng.standard_normal((4000, 6)) * [1, 3, 0.2, 10, 1, 1] + [0, 5, 0, -20, 0, 0]
    y = (rng.random(4000) < 1 / (1 + np.exp(-(X @ (np.r_[1, -.5, 2, .1, 0, .3]) + 1)))).astype(int)
    ours = LogisticRegression().fit(X, y)
    assert not counted and hasattr(ours, "inference_")
    tight = LogisticRegression(tol=1e-14).fit(X, y)
    np.testing.assert_allclose(ours.summary().bse, tight.summary().bse, rtol=1e-7)


def test_strided_hessian_rows_come_one_block_per_thread():
    """The rows a Hessian is formed on (every k-th, weights rescaled to the level's
    total) come one block per thread when they would fit one cache-sized block — a Gram
    product is worth a thread — and in the default blocks otherwise; subsamples and
    strided rows keep the data's ``n_jobs`` (they took the default before)."""
    from logistic.data.memory import InMemoryBackend

    rng = np.random.default_rng(5)
    X = rng.standard_normal((6250, 100))
    y = (rng.random(6250) < 0.4).astype(np.float64)
    s = rng.uniform(0, 2, 6250)
    rows = warm_start._strided(InMemoryBackend(X, y, s, n_jobs=2), 3030)
    assert rows.n_samples == 3125 and rows.n_blocks == 2
    np.testing.assert_array_equal(rows.X, X[::2])
    assert rows.s.sum() == pytest.approx(s.sum(), rel=1e-12)
    np.testing.assert_allclose(rows.s, s[::2] * (s.sum() / s[::2].sum()), rtol=1e-12)
    one = InMemoryBackend(X, y, s, n_jobs=1)  # the user's n_jobs reaches every level
    assert warm_start._strided(one, 3030).n_blocks == 1
    assert one.subsample(2000, np.random.default_rng(0)).n_jobs == 1
    assert warm_start._strided(one, 3030).n_jobs == one.every(3).n_jobs == 1
    big = InMemoryBackend(rng.standard_normal((40_000, 200)), np.zeros(40_000), n_jobs=2)
    strided = warm_start._strided(big, 10_000)
    assert strided.n_blocks == big.every(4).n_blocks > 2  # 16 MB: cache-sized blocks

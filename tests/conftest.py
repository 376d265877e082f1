"""Shared test helpers: an independent objective, random problems and tight references.

Nothing here uses :mod:`logistic`'s numerics: the objective is written with
``np.logaddexp`` and the references are scikit-learn (and statsmodels in the tests
that need the unpenalised fit), so a test comparing the library against these helpers
compares it against an independent implementation. (The two fixtures at the end only
watch which path a fit takes: ``logistic.models.warm_start``'s levels.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

#: The layouts a problem's X can take.
LAYOUTS = ("C", "F", "csr", "csc")
#: The values of C the convergence tests sweep.
C_VALUES = (0.01, 1.0, 100.0)
#: (n_samples, n_features): tall, wide (n < d), one feature, medium, squarish.
SHAPES = ((200, 5), (60, 100), (150, 1), (300, 20), (80, 30))


# --------------------------------------------------------------------------- objective
def sk_objective(X, y01, coef, intercept, C, sample_weight=None, penalty="l2") -> float:
    r"""scikit-learn's objective in float64, independently of the library.

    .. math:: \sum_i s_i \log(1 + e^{-(2y_i-1) z_i}) + \frac{1}{2C}\|w\|^2,
              \quad z = Xw + b,

    with the per-sample loss as ``np.logaddexp(0, ±z)`` (exact for every finite z).
    """
    w = np.asarray(coef, dtype=np.float64).ravel()
    X64 = X.astype(np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    z = np.asarray(X64 @ w).ravel() + float(np.ravel(intercept)[0] if np.size(intercept) else 0)
    y01 = np.asarray(y01, dtype=np.float64)
    losses = np.logaddexp(0.0, np.where(y01 == 1, -z, z))
    s = np.ones_like(losses) if sample_weight is None else np.asarray(sample_weight, float)
    total = float(np.sum(s * losses))
    if penalty == "l2":
        total += 0.5 / C * float(w @ w)
    return total


def relative_gap(f: float, f_ref: float) -> float:
    """(f - f_ref) / |f_ref|: positive when f is worse than the reference."""
    return (f - f_ref) / abs(f_ref)


# --------------------------------------------------------------------------- problems
@dataclass
class Problem:
    """A random binary problem and the settings to fit it with."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray | None
    C: float
    fit_intercept: bool
    desc: str

    def objective(self, coef, intercept, penalty="l2") -> float:
        return sk_objective(
            self.X, self.y, coef, intercept, self.C, self.sample_weight, penalty=penalty
        )


def to_layout(X: np.ndarray, layout: str, dtype=np.float64):
    """X (dense float64) in the given layout and dtype: 'C', 'F', 'csr' or 'csc'."""
    X = X.astype(dtype)
    if layout == "C":
        return np.ascontiguousarray(X)
    if layout == "F":
        return np.asfortranarray(X)
    return sp.csr_matrix(X) if layout == "csr" else sp.csc_matrix(X)


def make_problem(
    seed: int,
    *,
    n_samples: int | None = None,
    n_features: int | None = None,
    layout: str | None = None,
    dtype=None,
    weighted: bool | None = None,
    fit_intercept: bool | None = None,
    C: float | None = None,
    unscaled: bool | None = None,
) -> Problem:
    """A fresh random problem; every setting not given is derived from ``seed``.

    Over seeds 0..23 the derived settings cycle through all layouts (C/F dense,
    CSR/CSC), all of C ∈ {0.01, 1, 100}, with and without weights and intercept, the
    shapes in :data:`SHAPES` (including n < d and d = 1), float32 on every fifth seed,
    and on every other block of three seeds *unscaled* features (some columns times
    1e3 plus an offset, others times 1e-2) so that solvers must cope with poor
    conditioning. Sparse problems get ~70 % zeros.
    """
    rng = np.random.default_rng(seed)
    n, d = SHAPES[seed % len(SHAPES)]
    n = n_samples or n
    d = n_features or d
    layout = layout or LAYOUTS[seed % 4]
    C = C if C is not None else C_VALUES[seed % 3]
    weighted = weighted if weighted is not None else bool((seed // 4) % 2)
    fit_intercept = fit_intercept if fit_intercept is not None else not (seed // 8) % 2
    unscaled = unscaled if unscaled is not None else bool((seed // 3) % 2)
    dtype = dtype or (np.float32 if seed % 5 == 4 else np.float64)

    X = rng.standard_normal((n, d))
    if layout in ("csr", "csc"):
        X[rng.random((n, d)) < 0.7] = 0.0
    w_true = rng.standard_normal(d) * 2 / np.sqrt(d)
    z = X @ w_true + (0.5 if fit_intercept else 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    y[:2] = [0, 1]  # both classes present, whatever the draw
    if unscaled:
        cols = rng.permutation(d)
        big, small = cols[: max(1, d // 3)], cols[max(1, d // 3) : max(1, d // 3) + d // 4]
        X[:, big] *= 1e3
        X[:, small] *= 1e-2
        if layout in ("C", "F"):
            X[:, big] += 500.0  # an offset: the intercept and the coefficients correlate
    s = rng.uniform(0.1, 3.0, n) if weighted else None
    desc = (
        f"seed={seed} n={n} d={d} {layout} {np.dtype(dtype).name} C={C} "
        f"weights={weighted} intercept={fit_intercept} unscaled={unscaled}"
    )
    return Problem(to_layout(X, layout, dtype), y, s, C, fit_intercept, desc)


# --------------------------------------------------------------------------- references
def sklearn_reference(problem: Problem, solvers=("newton-cholesky",)):
    """A tight scikit-learn fit: the best objective of the given solvers at tol=1e-12.

    Returns ``(coef, intercept, objective)``. X is upcast to float64 so that the
    reference is the float64 optimum of the same data.

    ``newton-cholesky`` is the reference for dense *and* sparse X (scikit-learn accepts
    both). Measured on seeds 0..29 of :func:`make_problem`, scikit-learn's ``lbfgs`` at
    tol=1e-12 and max_iter=10000 was never better than it by more than 2e-16 relative,
    was worse by up to 2e-5 on the unscaled problems, and took up to 15 s; pass
    ``solvers=("newton-cholesky", "lbfgs")`` to take the better of the two.
    """
    X = problem.X.astype(np.float64)
    best = None
    for solver in solvers:
        model = SkLogisticRegression(
            C=problem.C, fit_intercept=problem.fit_intercept, solver=solver,
            tol=1e-12, max_iter=10_000,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # lbfgs' line search may warn
            model.fit(X, problem.y, sample_weight=problem.sample_weight)
        f = problem.objective(model.coef_, model.intercept_)
        if best is None or f < best[2]:
            best = (model.coef_.ravel().copy(), float(model.intercept_[0]), f)
    return best


@pytest.fixture(scope="session")
def reference_cache():
    """A per-session cache of references keyed by problem description."""
    return {}


def cached_reference(cache: dict, problem: Problem):
    if problem.desc not in cache:
        cache[problem.desc] = sklearn_reference(problem)
    return cache[problem.desc]


@pytest.fixture(scope="module")
def one_blas_thread():
    """One BLAS thread for a module of tiny problems (threads only add contention there)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def standardize(X):
    """Features scaled to mean 0 and variance 1 (scikit-learn's StandardScaler)."""
    from sklearn.preprocessing import StandardScaler

    return StandardScaler().fit_transform(X)


# ------------------------------------------------ which path a fit takes (warm start)
@pytest.fixture
def counted(monkeypatch):
    """Counts fits that went through the subsample levels (models/warm_start)."""
    from logistic.models import warm_start

    calls = []
    solve = warm_start.solve

    def spy(*args, **kwargs):
        calls.append(1)
        return solve(*args, **kwargs)

    monkeypatch.setattr(warm_start, "solve", spy)
    return calls


@pytest.fixture
def small_levels(monkeypatch):
    """Lower the level thresholds so that a few thousand rows go through several levels."""
    from logistic.models import warm_start

    monkeypatch.setattr(warm_start, "MIN_LEVEL_ROWS", 60)
    monkeypatch.setattr(warm_start, "ROWS_PER_PARAM", 3)

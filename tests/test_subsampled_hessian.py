"""The multinomial Newton fit's row-subsampled Hessian must not stop the fit early (issue 19).

On tall data the default multinomial fit forms Newton's Hessian from every k-th row.
With a float32 copy of those rows, a 300k×30, 5-class problem with unscaled, offset
columns (benchmarks/family_data.py's mn-300kx30x5-unscaled) stopped at a relative gap of
1.7e-8 while reporting convergence: the decrement read through the rounded Hessian
underestimated the gap. The subsample is now float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification

from logistic import LogisticRegression


def _objective(X, y, W, b, C=1.0):
    Z = X @ W.T + b
    zmax = Z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
    return np.sum(lse - Z[np.arange(len(y)), y]) + 0.5 * np.sum(W * W) / C


def test_unscaled_tall_multinomial_meets_the_documented_gap():
    X, y = make_classification(n_samples=300_000, n_features=30, n_informative=10,
                               n_redundant=6, n_classes=5, n_clusters_per_class=1,
                               flip_y=0.05, class_sep=0.8, random_state=24)
    rng = np.random.default_rng(24)
    X = X * 10.0 ** rng.uniform(-2, 2, 30) + rng.uniform(-5, 5, 30)
    default = LogisticRegression().fit(X, y)
    tight = LogisticRegression(solver="newton", tol=1e-13, max_iter=1000).fit(X, y)
    assert default.converged_
    f, f_ref = (_objective(X, y, m.coef_, m.intercept_) for m in (default, tight))
    assert (f - f_ref) / f_ref <= 1e-8  # was 1.7e-8 with the float32 subsample


class _Counted:
    """A problem that counts its passes and the solver's final-step announcements."""

    def __init__(self, problem):
        self.problem, self.passes, self.announced = problem, 0, 0

    def __getattr__(self, name):
        return getattr(self.problem, name)

    def loss_grad(self, theta):
        self.passes += 1
        return self.problem.loss_grad(theta)

    def before_final_step(self):
        self.announced += 1


def test_kept_hessian_final_step_is_announced_and_closes_the_gap():
    """Newton with a kept (subsampled, secant-corrected) Hessian and ``final_step``:
    one more pass than stopping at the converged point, announced once before it,
    and the returned point's gap shrinks by the factor's contraction (against an
    exact-Hessian Newton fit at tol=1e-14), unscaled columns, weights, with and
    without an intercept."""
    from logistic.data.memory import InMemoryBackend
    from logistic.problems import LogisticProblem, StandardizedProblem
    from logistic.solvers.newton import newton

    for seed, fit_intercept in ((0, True), (1, False), (2, True)):
        rng = np.random.default_rng(seed)
        Z = rng.standard_normal((40_000, 12))
        y = rng.random(40_000) < 1.0 / (1.0 + np.exp(-(Z @ rng.standard_normal(12) * 0.5)))
        scale = 10.0 ** rng.uniform(-2, 2, 12)
        X = Z * scale + 50.0 * scale * rng.standard_normal(12)  # unscaled, offset columns
        s = rng.uniform(0.5, 2.0, X.shape[0]) if seed == 2 else None
        backend = InMemoryBackend(X, y.astype(float), s)

        def problem(rows, backend=backend, fit_intercept=fit_intercept):
            return StandardizedProblem(LogisticProblem(backend, alpha=1e-3,
                                                       fit_intercept=fit_intercept,
                                                       hessian_rows=rows, random_state=0))

        exact = problem(None)
        ref = newton(exact, np.zeros(exact.n_params), tol=1e-14)
        f_ref = ref.objective
        runs = {}
        for final in (False, True):
            counted = _Counted(problem(2000))
            res = newton(counted, np.zeros(counted.n_params), tol=1e-10, reuse_hessian=True,
                         final_step=final)
            assert res.converged
            assert counted.announced == int(final)
            # the history's last row is the returned point
            assert res.history.as_dict()["objective"][-1] == pytest.approx(res.objective,
                                                                            rel=1e-15)
            runs[final] = (counted.passes, (res.objective - f_ref) / abs(f_ref))
        (p0, gap0), (p1, gap1) = runs[False], runs[True]
        assert p1 == p0 + 1
        assert -1e-15 <= gap1 <= max(1e-13, 0.2 * gap0) and gap0 <= 1e-9

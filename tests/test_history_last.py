"""``history_``'s last row describes the returned point, for every solver (issue #18).

``history_`` is in scikit-learn's units (:func:`logistic.models.fitting._unpack_fit`
divides the problem's mean-loss values by its ``scale`` = 1/S): the objective is
:math:`\\sum_i \\ell_i + \\tfrac1{2C}\\|w\\|^2` (L2) or :math:`\\sum_i \\ell_i +
\\tfrac1C\\|w\\|_1` (L1), and ``grad_norm`` the 2-norm of its gradient over all
coefficients and intercepts — for L1 fits (proximal Newton) the norm of the
*minimum-norm subgradient* (:func:`logistic.solvers.proximal_newton.min_norm_subgradient`),
zero exactly at the optimum. Both are recomputed here with numpy alone at the
returned ``coef_``/``intercept_`` and compared with the last row.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import logistic

SOLVERS = ("gd", "lbfgs", "newton", "newton-cg", "proximal-newton")
C = 0.5


def _data(n_classes: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n, d = 150, 3
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((n_classes, d))
    Z = X @ W.T + 0.7 * rng.standard_normal((n, n_classes))
    y = np.argmax(Z, axis=1) if n_classes > 2 else (Z[:, 0] > Z[:, 1]).astype(int)
    return X, y


def _smooth_grad(X, y, coef, intercept):
    """Gradient of the sum of log-losses in (coef_, intercept_), flattened like θ."""
    if coef.shape[0] == 1:  # binary: σ(Xw + b) − y
        r = 1.0 / (1.0 + np.exp(-(X @ coef[0] + intercept[0]))) - y
        return X.T @ r, np.array([r.sum()])
    Z = X @ coef.T + intercept
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    R = P - (y[:, None] == np.arange(coef.shape[0])[None, :])
    return R.T @ X, R.sum(axis=0)


def _reference_grad_norm(X, y, model, penalty):
    coef, b = model.coef_, model.intercept_
    g_w, g_b = _smooth_grad(X, y, coef, b)
    if penalty == "l2":
        g_w = g_w + coef / C
    elif penalty == "l1":  # the minimum-norm subgradient of F
        lam = 1.0 / C
        at_zero = coef == 0
        shrunk = np.sign(g_w) * np.maximum(np.abs(g_w) - lam, 0.0)
        g_w = np.where(at_zero, shrunk, g_w + lam * np.sign(coef))
    return float(np.linalg.norm(np.concatenate([np.ravel(g_w), np.ravel(g_b)])))


CASES = [
    (solver, k, penalty)
    for solver in SOLVERS
    for k in (2, 3)
    for penalty in ("l2", None, "l1")
    if penalty != "l1" or solver == "proximal-newton"
]


@pytest.mark.parametrize("solver,n_classes,penalty", CASES)
def test_last_grad_norm_is_the_returned_points(solver, n_classes, penalty):
    X, y = _data(n_classes, seed=n_classes)
    params = {"penalty": penalty, "solver": solver}
    if penalty is not None:
        params["C"] = C
    if solver == "gd":
        params.update(tol=1e-9, max_iter=20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = logistic.LogisticRegression(**params).fit(X, y)
    h = model.history_
    assert h["objective"].size == h["grad_norm"].size
    ref = _reference_grad_norm(X, y, model, penalty)
    last = float(h["grad_norm"][-1])
    assert last == pytest.approx(ref, rel=1e-6, abs=1e-12), (last, ref)
    assert h["objective"][-1] == pytest.approx(model.objective_, rel=1e-13)


@pytest.mark.parametrize("solver", ["newton", "newton-cg"])
def test_newton_stop_records_the_new_gradient(solver):
    """The decrement test stops after one more step: its gradient, not the previous one."""
    X, y = _data(2, seed=5)
    model = logistic.LogisticRegression(solver=solver, penalty="l2", C=C).fit(X, y)
    g = model.history_["grad_norm"]
    assert g[-1] < g[-2]  # converging quadratically: the last step shrank the gradient
    assert g[-1] == pytest.approx(_reference_grad_norm(X, y, model, "l2"), rel=1e-6,
                                  abs=1e-12)


def test_gd_returning_an_earlier_iterate_records_it():
    """A too-large fixed rate climbs: the best iterate is returned and recorded last."""
    X, y = _data(2, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = logistic.LogisticRegression(solver="gd", learning_rate=200.0, max_iter=30,
                                            penalty=None).fit(X, y)
    f = model.history_["objective"]
    n = int(model.n_iter_[0])
    if f.size == n + 1:  # the last iterate was the best: nothing to add
        pytest.skip("the run did not climb on this data")
    assert f.size == n + 2
    assert f[-1] == pytest.approx(np.min(f[:-1]), rel=1e-15)
    assert model.history_["grad_norm"][-1] == pytest.approx(
        _reference_grad_norm(X, y, model, None), rel=1e-6, abs=1e-12)

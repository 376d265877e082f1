r"""The model zoo behind the estimators: which problem, which solver, which layout.

Shared by :class:`~logistic.LogisticRegression` (for multiclass and L1/elastic-net
fits; the binary L2 path lives in the estimator itself),
:func:`~logistic.regularization_path` and :class:`~logistic.LogisticRegressionCV`.
No numerics here: it only builds problems (:mod:`logistic.problem`,
:mod:`logistic.problem_multinomial`, :mod:`logistic.problem_l1`), calls solvers and
lays the result out as scikit-learn does.

Penalties (scikit-learn's units, :math:`\rho` = ``l1_ratio``):

========== ====================================================== ==============
penalty    added to :math:`\sum_i s_i\ell_i`                       :math:`\rho`
========== ====================================================== ==============
None       0                                                      —
"l2"       :math:`\frac1{2C}\|w\|^2`                              0
"l1"       :math:`\frac1C\|w\|_1`                                 1
elasticnet :math:`\frac1C(\rho\|w\|_1 + \frac{1-\rho}2\|w\|^2)`   ``l1_ratio``
========== ====================================================== ==============
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .data import make_backend
from .problem import LogisticProblem
from .problem_l1 import L1Problem
from .problem_multinomial import MultinomialProblem, center, one_hot
from .solvers import DEFAULT_MAX_ITER, SOLVERS, SolverResult, choose_solver
from .solvers.proximal_newton import proximal_newton

__all__ = [
    "PROXIMAL_SOLVERS",
    "MULTI_CLASS",
    "l1_ratio_of",
    "check_l1_ratio",
    "class_sample_weight",
    "encode_targets",
    "make_problem",
    "resolve_solver",
    "solve",
    "unpack",
    "Fit",
    "fit_model",
]

#: Solvers for the non-smooth (L1, elastic-net) problems.
PROXIMAL_SOLVERS = {"proximal-newton": proximal_newton}
DEFAULT_MAX_ITER_PROXIMAL = {"proximal-newton": 200}
MULTI_CLASS = ("auto", "multinomial", "ovr")

#: Largest k·d + k for which "auto" uses the multinomial Newton solver.
MULTINOMIAL_NEWTON_MAX_PARAMS = 1000
#: "auto" multinomial Newton forms its Hessian from about this many rows per
#: parameter (a strided subsample) when the data have at least twice as many.
HESSIAN_ROWS_PER_PARAM = 20


def check_l1_ratio(penalty, l1_ratio) -> None:
    """Validate ``l1_ratio`` for ``penalty`` (required in [0, 1] for elastic-net)."""
    if penalty == "elasticnet":
        if (
            not isinstance(l1_ratio, numbers.Real)
            or isinstance(l1_ratio, bool)
            or not 0.0 <= l1_ratio <= 1.0
        ):
            raise ValueError(
                f"l1_ratio must be a number in [0, 1] for penalty='elasticnet', got {l1_ratio!r}."
            )
    elif l1_ratio is not None and not (
        isinstance(l1_ratio, numbers.Real) and 0.0 <= l1_ratio <= 1.0
    ):
        raise ValueError(f"l1_ratio must be None or a number in [0, 1], got {l1_ratio!r}.")


def l1_ratio_of(penalty, l1_ratio) -> float:
    """The L1 share ρ of the penalty (0 for "l2" and None)."""
    return {"l1": 1.0, "elasticnet": float(l1_ratio) if l1_ratio is not None else 0.0}.get(
        penalty, 0.0
    )


def encode_targets(X, y, sample_weight, class_weight):
    """Classes, class indices and the effective sample weights (class weights folded in).

    ``X`` and ``y`` are already validated arrays; raises on a single class and on
    negative or non-finite weights.
    """
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight

    check_classification_targets(y)
    classes, y_idx = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError("y contains only one class; logistic regression needs two or more.")
    s = None
    if sample_weight is not None:
        s = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if not np.all(np.isfinite(s)):
            raise ValueError("sample_weight contains NaN or infinity.")
    return classes, y_idx, class_sample_weight(class_weight, classes, y_idx, s)


def class_sample_weight(class_weight, classes, y_idx, s):
    """Sample weights times class weights, exactly as scikit-learn combines them.

    ``"balanced"`` gives class :math:`c` the weight :math:`S/(k\\,S_c)` with
    :math:`S_c` the total sample weight of class :math:`c` (scikit-learn's
    ``compute_class_weight(..., sample_weight=s)``); a dict maps labels to weights
    (absent labels weigh 1). The result multiplies ``s`` (ones if None).
    """
    if class_weight is None:
        return s
    k = classes.size
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be 'balanced', a dict or None, got {class_weight!r}."
            )
        counts = np.bincount(y_idx, weights=s, minlength=k)
        total = counts.sum()
        per_class = np.where(counts > 0, total / (k * np.where(counts > 0, counts, 1)), 1.0)
    elif isinstance(class_weight, dict):
        known = set(classes.tolist())
        unknown = [c for c in class_weight if c not in known]
        if unknown:
            raise ValueError(
                f"class_weight names class(es) {unknown!r} that are not in y "
                f"(classes: {classes.tolist()!r})."
            )
        per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
        if np.any(per_class < 0) or not np.all(np.isfinite(per_class)):
            raise ValueError("class_weight values must be finite and non-negative.")
    else:
        raise ValueError(f"class_weight must be 'balanced', a dict or None, got {class_weight!r}.")
    w = per_class[y_idx]
    return w if s is None else s * w


def data_backend(X, y_idx, s, *, n_classes, multinomial):
    """The backend a problem reads: one-hot targets for a multinomial model, else 0/1.

    Built once per data set and shared by every fit on it (a regularisation path's
    ``C`` values), so what a backend builds on first use — the column-major copy for
    coordinate descent on sparse data — is built once.
    """
    if n_classes > 2 and multinomial:
        return make_backend(X, one_hot(y_idx, n_classes), s)
    return make_backend(X, (y_idx == 1).astype(np.float64), s)


def make_problem(
    X, y_idx, s, *, n_classes, multinomial, penalty, C, l1_ratio, fit_intercept, backend=None
):
    """Backend + penalty → the problem a solver sees.

    Two classes (or ``multinomial=False`` with ``y_idx`` already 0/1) give the binary
    :class:`LogisticProblem` (``y_idx == 1`` is the positive class); more give a
    :class:`MultinomialProblem`. A positive L1 share wraps it in :class:`L1Problem`.
    ``backend``: one from :func:`data_backend` for the same data, to share.
    """
    rho = 0.0 if penalty is None else l1_ratio_of(penalty, l1_ratio)
    alpha = 0.0 if penalty is None else (1.0 - rho) / C
    if backend is None:
        backend = data_backend(X, y_idx, s, n_classes=n_classes, multinomial=multinomial)
    if n_classes > 2 and multinomial:
        smooth = MultinomialProblem(
            backend, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept
        )
    else:
        smooth = LogisticProblem(backend, alpha=alpha, fit_intercept=fit_intercept)
    return L1Problem(smooth, l1=rho / C) if rho > 0 else smooth


def resolve_solver(solver: str, problem, sparse: bool) -> str:
    """Resolve ``"auto"`` and check that ``solver`` can minimise ``problem``.

    L1/elastic-net: ``"proximal-newton"``. Multinomial: Newton–Cholesky while
    ``k·d + k`` ≤ :data:`MULTINOMIAL_NEWTON_MAX_PARAMS` (dense), else L-BFGS. Binary:
    :func:`logistic.solvers.choose_solver`.
    """
    composite = isinstance(problem, L1Problem)
    if composite:
        if solver == "auto":
            return "proximal-newton"
        if solver not in PROXIMAL_SOLVERS:
            raise ValueError(
                f"solver={solver!r} does not support the L1 / elastic-net penalty; "
                f"use 'auto' or one of {tuple(PROXIMAL_SOLVERS)}."
            )
        return solver
    if solver != "auto":
        return solver
    if isinstance(problem, MultinomialProblem):
        if not sparse and problem.n_params <= MULTINOMIAL_NEWTON_MAX_PARAMS:
            return "newton"
        return "lbfgs"
    return choose_solver(problem.backend.n_samples, problem.n_params, sparse)


def solve(problem, solver, theta0, *, tol, max_iter=None, learning_rate="auto", callback=None):
    """Run ``solver`` (a resolved name) on ``problem`` from ``theta0``."""
    if solver in PROXIMAL_SOLVERS:
        fn, budget = PROXIMAL_SOLVERS[solver], DEFAULT_MAX_ITER_PROXIMAL[solver]
    else:
        fn, budget = SOLVERS[solver], DEFAULT_MAX_ITER[solver]
    kwargs = {"tol": tol, "max_iter": max_iter or budget}
    if solver == "gd":
        kwargs["learning_rate"] = learning_rate
    if callback is not None:
        kwargs["callback"] = callback
    return fn(problem, np.asarray(theta0, dtype=np.float64), **kwargs)


def unpack(problem, theta, *, penalised: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """θ → (coef_ of shape (1 or k, d), intercept_ of shape (1 or k,)), as scikit-learn.

    Multinomial coefficients are centred over the classes where the objective does
    not fix them (the intercepts always; ``W`` too without any penalty).
    """
    smooth = getattr(problem, "smooth", problem)
    d = smooth.n_features
    if isinstance(smooth, MultinomialProblem):
        W, b = smooth.split(theta)
        W = np.array(W)
        b = np.array(b) if smooth.fit_intercept else np.zeros(smooth.n_classes)
        return center(W, b, coef=not penalised)
    b = np.array([theta[d] if smooth.fit_intercept else 0.0])
    return theta[:d].reshape(1, -1).copy(), b


def _maybe_subsample_hessian(problem, X, y_idx, s) -> None:
    """Give a large multinomial problem a strided row subsample for its Hessian."""
    n_rows = max(HESSIAN_ROWS_PER_PARAM * problem.n_params, 10_000)
    step = X.shape[0] // n_rows
    if step < 2:
        return
    rows = slice(0, None, step)
    counts = np.bincount(y_idx[rows], minlength=problem.n_classes)
    if counts.min() < 2 * problem.n_features:  # a rare class: its curvature would be noise
        return
    # a float32 copy of the subsample (≤ 1/2 of X's rows, half the bytes): the Hessian
    # only shapes the step, so single precision suffices and its Gram products run 2× faster
    sub = make_backend(X[rows].astype(np.float32), one_hot(y_idx[rows], problem.n_classes),
                       None if s is None else s[rows])
    problem.subsample_hessian(sub)


@dataclass
class Fit:
    """The outcome of one fit in scikit-learn's layout and units."""

    coef: np.ndarray
    intercept: np.ndarray
    objective: float
    result: SolverResult
    solver: str
    problem: object


def fit_model(
    X,
    y_idx,
    s,
    *,
    n_classes,
    multinomial=True,
    penalty="l2",
    C=1.0,
    l1_ratio=None,
    fit_intercept=True,
    solver="auto",
    tol=1e-10,
    max_iter=None,
    learning_rate="auto",
    theta0=None,
    callback_factory=None,
    backend=None,
) -> Fit:
    """Build the problem (on ``backend`` when given, see :func:`data_backend`), resolve
    the solver, solve from ``theta0`` (zeros) and unpack."""
    problem = make_problem(
        X,
        y_idx,
        s,
        n_classes=n_classes,
        multinomial=multinomial,
        penalty=penalty,
        C=C,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        backend=backend,
    )
    name = resolve_solver(solver, problem, sp.issparse(X))
    if solver == "auto" and name == "newton" and isinstance(problem, MultinomialProblem):
        _maybe_subsample_hessian(problem, X, y_idx, s)
    if name in PROXIMAL_SOLVERS and not isinstance(problem, L1Problem):
        problem = L1Problem(problem, l1=0.0)  # a smooth problem: proximal Newton = Newton
    if theta0 is None:
        theta0 = np.zeros(problem.n_params)
    callback = callback_factory(problem, name) if callback_factory is not None else None
    result = solve(
        problem,
        name,
        theta0,
        tol=tol,
        max_iter=max_iter,
        learning_rate=learning_rate,
        callback=callback,
    )
    coef, intercept = unpack(problem, result.theta, penalised=penalty is not None)
    return Fit(coef, intercept, problem.user_objective(result.objective), result, name, problem)

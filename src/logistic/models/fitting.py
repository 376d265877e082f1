r"""The one fit path: build the problem → choose the solver → solve → unpack → check.

Every fit of the package — :class:`~logistic.LogisticRegression` for any penalty,
class count and solver, each class of a one-vs-rest fit, every point of
:func:`~logistic.regularization_path` and every fold of
:class:`~logistic.LogisticRegressionCV` — runs through :func:`fit_model`:

1. **build the problem** (:func:`make_problem`): a data backend over ``X`` (one-hot
   targets for a multinomial model, 0/1 otherwise) and the penalty give a
   :class:`~logistic.problems.LogisticProblem`,
   :class:`~logistic.problems.MultinomialProblem`,
   :class:`~logistic.problems.FirthProblem`, or either of the first two inside an
   :class:`~logistic.problems.L1Problem`;
2. **choose the solver** and how it sees the problem (:mod:`logistic.models.choice`):
   as is, in standardised coordinates, preconditioned, with a subsampled Hessian;
3. **solve** from zero or a warm start, with the verbose printer and the
   ``record_coef`` recorder as callbacks (a default binary fit on tall dense data
   from zero goes through row subsamples first: :mod:`logistic.models.warm_start`);
4. **unpack** θ into scikit-learn's ``coef_`` (1 or k rows) and ``intercept_``, the
   history into scikit-learn's units;
5. **check**: separable classes without a penalty warn
   :class:`~logistic.SeparationWarning`, an unconverged solver warns
   ``ConvergenceWarning``.

No numerics here: problems and solvers do the work; this module only wires them.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from ..data import make_backend
from ..data.device import is_device_array, to_numpy
from ..inference.separation import (
    SeparationWarning,
    certifies_existence,
    detect_multinomial_separation,
    detect_separation,
)
from ..inference.state import binary_state, multinomial_state
from ..math import binary as obj
from ..math import inference as obji
from ..math import multinomial as mobj
from ..math.blas import one_blas_thread
from ..problems import (
    FirthProblem,
    L1Problem,
    LogisticProblem,
    MultinomialProblem,
    StandardizedProblem,
)
from ..problems.multinomial import center, one_hot
from ..solvers import DEFAULT_MAX_ITER, SOLVERS, SolverResult
from . import on_dask, warm_start
from .choice import presentation, resolve_solver
from .params import l1_ratio_of
from .progress import progress_callback

__all__ = ["FitOptions", "Fit", "data_backend", "make_problem", "fit_model", "unpack"]

#: Firth fits are solved this much tighter than ``tol`` (see :func:`_solver_kwargs`),
#: but no tighter than a relative gap of :data:`FIRTH_TOL_FLOOR` (what float64 can
#: certify: below it the Newton decrement is rounding noise and the fit never stops).
FIRTH_TOL_FACTOR = 1e-6
FIRTH_TOL_FLOOR = 1e-14
#: A fitted margin beyond this (|z| > 10: p < 5e-5) makes an unpenalised fit check
#: its data for separation by linear programming.
SEPARATION_SYMPTOM = 10.0
#: "auto" multinomial Newton forms its Hessian from about this many rows per
#: parameter (a strided subsample) when the data have at least twice as many.
HESSIAN_ROWS_PER_PARAM = 20
#: dtype of the multinomial Hessian's row subsample (see _maybe_subsample_hessian)
SUBSAMPLE_DTYPE = np.float64


@dataclass(frozen=True)
class FitOptions:
    """The estimator parameters that shape one fit (see :class:`~logistic.LogisticRegression`)."""

    penalty: str | None = "l2"
    C: float = 1.0
    l1_ratio: float | None = None
    fit_intercept: bool = True
    solver: str = "auto"
    tol: float = 1e-10
    max_iter: int | None = None
    learning_rate: float | str = "auto"
    random_state: Any = None
    verbose: int = 0
    record_coef: bool = False
    n_jobs: int | None = None
    batch_size: int | None = None
    eta0: float | str = "auto"
    average: bool = True
    #: the fit's point feeds inference numbers (standard errors read the Hessian there):
    #: no subsample-level warm start, whose last point is only as good as ``tol`` asks
    #: (coefficients to about √tol), but classic Newton's final exact step
    polish: bool = False
    #: check an unpenalised fit's data for separation (False: a warm start's fit on a
    #: row sample, whose full data the fit it starts is checked on)
    check_separation: bool = True

    @classmethod
    def of(cls, params: dict, **overrides) -> FitOptions:
        """Options from an estimator's ``get_params()`` (keys it lacks keep their defaults)."""
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in params.items() if k in names}
        kwargs.update(overrides)
        return cls(**kwargs)


@dataclass
class Fit:
    """The outcome of one fit, in scikit-learn's layout and units.

    ``theta`` is the solution in the problem's layout (original coordinates);
    ``history`` is the solver's per-iteration record with objective and gradient norm
    in scikit-learn's units; ``coef_path``/``intercept_path`` are set only with
    ``record_coef`` (row 0 the starting point).
    """

    coef: np.ndarray
    intercept: np.ndarray
    objective: float
    result: SolverResult
    solver: str
    problem: Any
    theta: np.ndarray
    history: dict
    n_passes: int
    coef_path: np.ndarray | None = None
    intercept_path: np.ndarray | None = None
    separation: Any = None
    #: the data may be separable but the check could not be completed (Dask: it
    #: warned so); the information's near-singularity is then no dependence of columns
    separation_unchecked: bool = False

    @property
    def converged(self) -> bool:
        return bool(self.result.converged)

    @property
    def n_iter(self) -> int:
        return int(self.result.n_iter)


# ------------------------------------------------------------------ 1. the problem
def data_backend(X, y_idx, s, *, n_classes, multinomial, n_jobs=None):
    """The backend a problem reads: one-hot targets for a multinomial model, else 0/1.

    Built once per data set and shared by every fit on it (a regularisation path's
    ``C`` values), so what a backend builds on first use — the column-major copy for
    coordinate descent on sparse data — is built once.
    """
    if n_classes > 2 and multinomial:
        return make_backend(X, one_hot(y_idx, n_classes), s, n_jobs=n_jobs)
    return make_backend(X, (y_idx == 1).astype(np.float64), s, n_jobs=n_jobs)


def make_problem(
    X, y_idx, s, *, n_classes, multinomial, penalty, C, l1_ratio, fit_intercept,
    backend=None, random_state=None, n_jobs=None,
):
    """Backend + penalty → the problem a solver sees.

    Two classes (or ``multinomial=False`` with ``y_idx`` already 0/1) give the binary
    :class:`LogisticProblem` (``y_idx == 1`` is the positive class), or Firth's problem
    for ``penalty="firth"``; more give a :class:`MultinomialProblem`. A positive L1
    share wraps it in :class:`L1Problem`. ``backend``: one from :func:`data_backend`
    for the same data, to share.
    """
    if backend is None:
        backend = data_backend(
            X, y_idx, s, n_classes=n_classes, multinomial=multinomial, n_jobs=n_jobs
        )
    if penalty == "firth":
        return FirthProblem(backend, fit_intercept=fit_intercept)
    rho = 0.0 if penalty is None else l1_ratio_of(penalty, l1_ratio)
    alpha = 0.0 if penalty is None else (1.0 - rho) / C
    if n_classes > 2 and multinomial:
        smooth = MultinomialProblem(
            backend, n_classes=n_classes, alpha=alpha, fit_intercept=fit_intercept
        )
    else:
        smooth = LogisticProblem(
            backend, alpha=alpha, fit_intercept=fit_intercept, random_state=random_state
        )
    return L1Problem(smooth, l1=rho / C) if rho > 0 else smooth


# -------------------------------------------------------- 2. solver and presentation
def _present(problem, solver: str, options: FitOptions, sparse: bool):
    """The problem object the solver runs on, and the extra solver arguments it needs."""
    extra: dict = {}
    if solver in ("proximal-newton",) and not isinstance(problem, L1Problem):
        return L1Problem(problem, l1=0.0), extra  # a smooth problem: proximal Newton = Newton
    if (isinstance(problem, MultinomialProblem) and solver == "newton"
            and options.solver == "auto" and not _has_sample(problem)):
        _maybe_subsample_hessian(problem)
    if (isinstance(problem, L1Problem) and isinstance(problem.smooth, MultinomialProblem)
            and options.solver == "auto"):  # its k(k+1)/2 Gram products dominate too
        _maybe_subsample_hessian(problem.smooth)
    standardize, precondition = presentation(problem, solver, sparse)
    if precondition:
        extra["precondition"] = True
        if isinstance(problem, MultinomialProblem):  # a fresh factor every iteration: a
            extra["refresh_after"] = 0  # warm start's steps are then the cold fit's
    return (StandardizedProblem(problem) if standardize else problem), extra


def _has_sample(problem) -> bool:
    """Whether the problem's (Dask) backend drew a row sample for the warm start, whose
    rows then give Newton's Hessian (:func:`~logistic.models.on_dask.warm_start`;
    :func:`_maybe_subsample_hessian` only if it gives no start)."""
    return getattr(problem.backend, "sample", None) is not None


def hessian_stride(n_samples: int, n_params: int, min_rows: int = 10_000) -> int:
    """The stride of a Hessian's row subsample: ``n // max(20·p, min_rows)`` (1: all rows)."""
    return max(1, n_samples // max(HESSIAN_ROWS_PER_PARAM * n_params, min_rows))


def _maybe_subsample_hessian(problem: MultinomialProblem, min_rows: int = 10_000) -> None:
    """Give a large multinomial problem a strided row subsample for its Hessian
    (every :func:`hessian_stride`-th row), unless a class would be rare in it."""
    step = hessian_stride(problem.backend.n_samples, problem.n_params, min_rows)
    if step < 2:
        return
    # a copy of every step-th row (≤ 1/2 of X's rows), in float64: a float32 copy ran
    # its Gram products 2× faster, but on unscaled columns (offsets 100× the spread)
    # its Hessian was off enough that Newton's decrement, read through it, stopped the
    # fit at a gap of 1.7e-8 while claiming tol (300k×30, 5 classes; benchmarks/families)
    (counts,) = problem.backend.every(step).reduce(obj.block_label_sums)
    if np.min(counts) < 2 * problem.n_features:  # a rare class: its curvature would be noise
        return
    problem.subsample_hessian(problem.backend.every(step, dtype=SUBSAMPLE_DTYPE))


#: Largest multinomial L1 / elastic-net problem whose working set takes every violator.
MULTINOMIAL_WS_ALL = 1000


def _solver_kwargs(solver: str, problem, options: FitOptions) -> dict:
    budget = DEFAULT_MAX_ITER[solver] if options.max_iter is None else options.max_iter
    kwargs = {"tol": options.tol, "max_iter": budget}
    if isinstance(problem, FirthProblem):
        # Firth's estimates are read through their score equations (to ~1e-8);
        # Fisher scoring converges fast, so 1e-6·tol costs ~2 iterations
        kwargs["tol"] = max(options.tol * FIRTH_TOL_FACTOR, FIRTH_TOL_FLOOR)
    if (solver == "proximal-newton" and isinstance(problem, L1Problem)
            and isinstance(problem.smooth, MultinomialProblem)
            and problem.n_params <= MULTINOMIAL_WS_ALL):
        # every violator joins the working set at once: a multinomial model's Hessian
        # touches every column anyway (a violator in any class brings its column), and
        # growing the set by 100 per iteration cost 2000×50×10 L1 three more iterations
        kwargs["ws_margin"] = problem.n_params
    if solver == "gd":
        kwargs["learning_rate"] = options.learning_rate
    if solver == "sgd":
        kwargs.update(learning_rate=options.learning_rate, batch_size=options.batch_size,
                      eta0=options.eta0, average=options.average,
                      random_state=_seed(options.random_state))
    return kwargs


def _seed(random_state):
    """``random_state`` as NumPy's Generator accepts it (a RandomState gives a seed)."""
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    return random_state


# ---------------------------------------------------------------------- 3. solve
def _callback(problem, solver: str, options: FitOptions, path: list | None, to_original):
    """The verbose printer and the coefficient recorder, chained (None if neither)."""
    printer = progress_callback(problem, solver) if options.verbose else None
    if path is None:
        return printer

    def record(it, theta, f, g):
        path.append(np.array(to_original(theta), dtype=np.float64))
        return printer(it, theta, f, g) if printer is not None else False

    return record


def fit_model(
    X,
    y_idx,
    s,
    *,
    n_classes: int,
    multinomial: bool = True,
    options: FitOptions | None = None,
    theta0=None,
    backend=None,
    feature_names=None,
) -> Fit:
    """Fit one model (binary or multinomial, any penalty and solver) and check it.

    Parameters
    ----------
    X : validated data (dense float32/float64 or CSR/CSC).
    y_idx : class index of each sample (0/1 for a binary fit).
    s : effective sample weights (class weights folded in) or None.
    n_classes : number of classes; more than 2 with ``multinomial`` fits a softmax model.
    options : the estimator's parameters (:class:`FitOptions`).
    theta0 : warm start in the problem's layout (default zeros).
    backend : a backend from :func:`data_backend` for the same data, to share.
    feature_names : names of the columns of ``X`` (for warnings that name them).
    """
    options = options or FitOptions()
    problem = make_problem(
        X, y_idx, s, n_classes=n_classes, multinomial=multinomial, penalty=options.penalty,
        C=options.C, l1_ratio=options.l1_ratio, fit_intercept=options.fit_intercept,
        backend=backend, random_state=options.random_state, n_jobs=options.n_jobs,
    )
    sparse = sp.issparse(X)
    solver = resolve_solver(options.solver, problem, sparse)
    if theta0 is None and not (options.record_coef or options.polish) and warm_start.applies(
            problem, solver, options.solver):  # tall dense binary: Newton from subsamples
        target, result = warm_start.solve(
            problem, **_solver_kwargs(solver, problem, options),
            callback=_callback(problem, solver, options, None, np.asarray),
            random_state=_seed(options.random_state))
        path = None
    else:
        start_from = None
        if theta0 is None and on_dask.is_dask_backend(getattr(problem, "backend", None)):

            def start_from(target):  # Dask: a start fitted on the client from a row sample
                start = on_dask.warm_start(problem, target, solver, options, y_idx, s,
                                           n_classes=n_classes, multinomial=multinomial,
                                           fit=fit_model)
                if (start is None and isinstance(problem, MultinomialProblem)
                        and solver == "newton" and options.solver == "auto"
                        and _has_sample(problem)):
                    _maybe_subsample_hessian(problem)  # no start: the strided Hessian rows
                return start

        target, result, path = _solve(problem, solver, options, sparse, theta0, start_from)
    to_original = getattr(target, "to_original", np.asarray)

    theta = np.asarray(to_original(result.theta), dtype=np.float64)
    fit = _unpack_fit(problem, result, solver, theta, options)
    if path is not None:
        _store_path(fit, problem, path, theta, result.n_iter, options.penalty is not None)
    _check(fit, options, X, y_idx, s, feature_names)
    return fit


def _solve(problem, solver: str, options: FitOptions, sparse: bool, theta0, start_from=None):
    """Present ``problem`` to ``solver`` and run it from ``theta0`` (default zeros, or
    ``start_from(target)`` when given: a start, or a start and extra solver arguments,
    ``"problem"`` among them a stand-in for ``target`` that the solver runs on):
    ``(target, result, path)``, ``path`` the recorded iterates with ``record_coef``."""
    target, extra = _present(problem, solver, options, sparse)
    to_original = getattr(target, "to_original", np.asarray)
    runs_on = target
    if theta0 is None and start_from is not None:
        theta0 = start_from(target)
        if isinstance(theta0, tuple):
            theta0, more = theta0
            more = dict(more)
            runs_on = more.pop("problem", target)
            extra = {**extra, **more}
    start = np.zeros(problem.n_params) if theta0 is None else np.asarray(theta0, np.float64)
    path = [start.copy()] if options.record_coef else None
    kwargs = {**_solver_kwargs(solver, problem, options), **extra}
    callback = _callback(problem, solver, options, path, to_original)
    if callback is not None:
        kwargs["callback"] = callback
    if hasattr(target, "to_standardized"):
        start = target.to_standardized(start)
    with _sparse_blas(problem):
        return target, SOLVERS[solver](runs_on, start, **kwargs), path


def _sparse_blas(problem):
    """One BLAS thread for a solve over in-memory scipy.sparse data, else no limit.

    The passes over sparse data are scipy's own products; what BLAS still does is
    level-1 work on d- and n-sized vectors (``w @ w``, ``λᵀ|θ|``, norms), which two
    OpenBLAS threads do no faster, and on a loaded machine far slower: waiting for
    the second thread to be scheduled, a 50k-entry dot product took 12 ms (median,
    against 7 µs on one thread), and the 100k×50k text-like L1 fit makes dozens.
    """
    smooth = getattr(problem, "smooth", problem)
    X = getattr(getattr(smooth, "backend", None), "X", None)
    return one_blas_thread() if sp.issparse(X) else contextlib.nullcontext()


# ---------------------------------------------------------- 6. inference numbers
def fit_state(fit: Fit, X, y_idx, s, options: FitOptions, *, n_classes: int):
    """The :class:`~logistic.inference.state.InferenceState` of a finished fit: one more
    pass at the optimum over the fit's own backend (see :mod:`logistic.inference.state`)."""
    problem = getattr(fit.problem, "smooth", fit.problem)
    if n_classes > 2:
        return multinomial_state(problem.backend, fit.coef, fit.intercept,
                                 penalty=options.penalty, C=options.C,
                                 fit_intercept=options.fit_intercept, y_idx=y_idx, s=s,
                                 separation=fit.separation)
    theta = np.concatenate([fit.coef.ravel(), fit.intercept]) if options.fit_intercept else (
        fit.coef.ravel().copy())
    if on_dask.is_dask_backend(problem.backend) and options.penalty != "firth":
        on_dask.prefetch_inference(problem.backend, np.asarray(theta, dtype=np.float64),
                                   options.fit_intercept)  # one round trip for all sums
    y01 = (np.asarray(y_idx) == 1).astype(np.float64)
    return binary_state(problem.backend, np.asarray(theta, dtype=np.float64),
                        penalty=options.penalty, C=options.C,
                        fit_intercept=options.fit_intercept, y01=y01, s=s,
                        separation=fit.separation)


# --------------------------------------------------------------------- 4. unpack
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


def _unpack_fit(problem, result: SolverResult, solver: str, theta, options) -> Fit:
    coef, intercept = unpack(problem, theta, penalised=options.penalty is not None)
    history = result.history.as_dict()
    history["objective"] = history["objective"] / problem.scale
    history["grad_norm"] = history["grad_norm"] / problem.scale
    return Fit(
        coef=coef,
        intercept=intercept,
        objective=problem.user_objective(result.objective),
        result=result,
        solver=solver,
        problem=problem,
        theta=theta,
        history=history,
        n_passes=int(problem.passes),
    )


def _store_path(fit: Fit, problem, path: list, theta, n_iter: int, penalised: bool) -> None:
    """``coef_path``/``intercept_path`` from the recorded iterates (and the final θ)."""
    if len(path) < n_iter + 1:
        path.append(theta)
    layouts = [unpack(problem, t, penalised=penalised) for t in path[: n_iter + 1]]
    coefs = np.stack([c for c, _ in layouts])
    intercepts = np.stack([b for _, b in layouts])
    if coefs.shape[1] == 1:  # binary: (n_iter + 1, d) and (n_iter + 1,)
        coefs, intercepts = coefs[:, 0, :], intercepts[:, 0]
    fit.coef_path, fit.intercept_path = coefs, intercepts


# ---------------------------------------------------------------------- 5. check
def _check(fit: Fit, options: FitOptions, X, y_idx, s, feature_names) -> None:
    """Warn about separable classes (no penalty) or an unconverged solver."""
    result = fit.result
    if options.penalty is None and options.check_separation:
        separation = _separation(fit, options, X, y_idx, s)
        if separation is not None:
            fit.separation = separation
            warnings.warn(
                separation.message(_parameter_names(fit, feature_names)),
                SeparationWarning,
                stacklevel=4,
            )
            return
    if not result.converged:
        hint = " (without a penalty the classes may be separable)." if (
            options.penalty is None
        ) else "."
        warnings.warn(
            f"Solver {fit.solver!r} did not converge ({result.message}) after "
            f"{result.n_iter} iterations: {fit.solver} failed to converge. Increase the "
            f"number of iterations (max_iter) or loosen tol{hint}",
            ConvergenceWarning,
            stacklevel=4,
        )


def _separation(fit: Fit, options: FitOptions, X, y_idx, s):
    """The data's separation (a :class:`~logistic.inference.Separation`) when the fit
    shows its symptom and linear programming confirms it; else None.

    The symptom: a fitted margin beyond :data:`SEPARATION_SYMPTOM` (or beyond
    ``½ log(1/tol)`` for loose tolerances: the solver stops pushing diverging margins
    once their loss is below ``tol``), or a solver that did not converge. Without it the
    linear programs are not run, so an ordinary fit pays one pass, not an LP.
    """
    problem = getattr(fit.problem, "smooth", fit.problem)
    symptom = min(SEPARATION_SYMPTOM, 0.5 * math.log(1.0 / options.tol))
    in_memory = getattr(problem.backend, "persisted", None) is None  # not Dask
    fit_intercept = problem.fit_intercept
    if isinstance(problem, MultinomialProblem):
        W, b = problem.split(fit.theta)
        _, peaks = problem.backend.reduce_keep(mobj.block_max_abs_centered_score, W, b)
        if max(peaks) <= symptom and fit.converged:
            return None
        # the fit's gradient may prove that the estimate exists (two passes, no LP)
        if certifies_existence(problem.backend, (W, b), fit_intercept):
            return None
        if not in_memory:  # Dask: the LP on the rows nearest the boundary
            fit.separation_unchecked = True
            return on_dask.separation(problem, (W, b), y_idx, s, max(peaks))
        found = detect_multinomial_separation(_host(X), y_idx, problem.n_classes, s,
                                              fit_intercept=fit_intercept)
    else:
        w, b = problem._split(fit.theta)
        _, peaks = problem.backend.reduce_keep(obji.block_max_abs_margin, w, b)
        if max(peaks) <= symptom and fit.converged:
            return None
        # the fit's gradient may prove that the estimate exists (two passes, no LP)
        if certifies_existence(problem.backend, (w, b), fit_intercept):
            return None
        if not in_memory:  # Dask: the LP on the rows nearest the boundary
            fit.separation_unchecked = True
            return on_dask.separation(problem, (w, b), y_idx, s, max(peaks))
        found = detect_separation(_host(X), (y_idx == 1), s, fit_intercept=fit_intercept)
    return None if found.exists else found


def _host(X):
    """``X`` for the separation LP, which runs on the host (scipy's HiGHS): a device
    array is copied, once, and only for a fit that shows the symptom."""
    return to_numpy(X) if is_device_array(X) else X


def _parameter_names(fit: Fit, feature_names) -> list[str]:
    """Names of θ's coordinates for messages: the features, then "intercept"."""
    problem = getattr(fit.problem, "smooth", fit.problem)
    d = problem.n_features
    names = [str(n) for n in feature_names] if feature_names is not None else [
        f"x{j + 1}" for j in range(d)
    ]
    return [*names, "intercept"] if problem.fit_intercept else names

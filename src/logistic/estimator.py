r"""The scikit-learn estimator: validation, classes, penalty and solver choice.

:class:`LogisticRegression` minimises scikit-learn's objective

.. math::

    \min_{w, b}\; \sum_i s_i \, \ell\big(y_i,\; x_i\cdot w + b\big)
        + \frac{1}{2C}\|w\|^2, \qquad
    \ell(y, z) = -y\log\sigma(z) - (1-y)\log(1-\sigma(z)),

with the intercept :math:`b` unpenalised and ``penalty=None`` giving the plain
maximum-likelihood fit (statsmodels' ``Logit``). It holds no numerics of its own:
data go to a backend (:mod:`logistic.data`), the backend and the penalty form a
problem (:mod:`logistic.problem`), and a solver (:mod:`logistic.solvers`) minimises
it.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _fit_more, _models
from ._numerics import log_sigmoid, sigmoid
from ._progress import progress_callback
from .data import make_backend
from .firth import FirthProblem
from .problem import LogisticProblem
from .solvers import DEFAULT_MAX_ITER, SOLVERS, choose_solver
from .standardized import StandardizedProblem

__all__ = ["LogisticRegression", "SeparationWarning"]


class SeparationWarning(ConvergenceWarning):
    """The maximum-likelihood estimate does not exist (the classes are separable)."""


_PENALTIES = ("l2", None, "l1", "elasticnet", "firth")
_SOLVERS = ("auto", *SOLVERS, *_models.PROXIMAL_SOLVERS)
#: Solvers that are not affine-invariant run in standardised coordinates
#: (:mod:`logistic.standardized`); gradient descent stays the tutorials' algorithm.
_STANDARDIZED_SOLVERS = ("lbfgs", "newton-cg")
#: Firth fits are solved this much tighter than ``tol`` (see ``fit``).
FIRTH_TOL_FACTOR = 1e-6
#: Largest dense problem whose Hessian Newton-CG factors as a preconditioner.
HESSIAN_PRECONDITION_MAX_PARAMS = 4000


def _hessian_preconditioned(X, n_params: int) -> bool:
    """Newton-CG preconditions with a lagged Hessian on dense data of ≤ 4000 parameters."""
    return not sp.issparse(X) and n_params <= HESSIAN_PRECONDITION_MAX_PARAMS


def _recording(path: list, inner=None, to_original=np.asarray):
    """A solver callback appending θ (in original coordinates) to ``path``, then ``inner``."""

    def callback(it, theta, f, g):
        path.append(np.array(to_original(theta), dtype=np.float64))
        return inner(it, theta, f, g) if inner is not None else False

    return callback


class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression (binary, multinomial, one-vs-rest), from first principles.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet", None, "firth"}, default="l2"
        ``"l2"`` adds :math:`\frac{1}{2C}\|w\|^2`; ``"l1"`` adds
        :math:`\frac1C\|w\|_1`; ``"elasticnet"`` adds
        :math:`\frac1C(\rho\|w\|_1 + \frac{1-\rho}{2}\|w\|^2)` with
        :math:`\rho` = ``l1_ratio``; ``None`` fits the unpenalised
        maximum-likelihood model; ``"firth"`` maximises Firth's bias-reduced
        penalised likelihood :math:`\ell + \frac12\log\det I` (finite under
        separation; see :mod:`logistic.firth`), by Fisher scoring (``C`` ignored,
        ``solver`` must be ``"auto"`` or ``"newton"``; binary only).
    C : float > 0, default=1.0
        Inverse regularisation strength (scikit-learn's convention).
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    solver : {"auto", "gd", "lbfgs", "newton", "newton-cg", "proximal-newton"}, default="auto"
        ``"auto"`` picks Newton–Cholesky for dense data with at most 1000 features
        and Newton-CG otherwise (see :func:`logistic.solvers.choose_solver`); for
        more than two classes Newton–Cholesky while k·d is small, else L-BFGS; for
        L1 / elastic-net proximal Newton, the only solver of the non-smooth problem
        (see :func:`logistic._models.resolve_solver`).
    tol : float, default=1e-10
        Stop when the solver's estimate of the relative objective gap
        :math:`(f - f^*)/|f|` is at most ``tol`` (for ``"gd"``: when the decrease the
        next step would bring is). The default makes every solver but ``"gd"`` reach
        a relative gap of 1e-8 or better.
    max_iter : int or None, default=None
        Iteration budget; None uses the solver's default (gd 10000, lbfgs 1000,
        newton 100, newton-cg 200).
    learning_rate : float or "auto", default="auto"
        Step size of ``"gd"`` on the *mean* loss (as in the tutorials); ``"auto"`` uses
        1/L (L the gradient's Lipschitz constant) with backtracking. Ignored by the
        other solvers.
    random_state : int, RandomState or None, default=None
        Seeds the row subsample on which ``"newton"`` estimates curvature for tall
        data (more than 32768 rows). The optimum does not depend on it.
    verbose : int, default=0
        ``1`` or more prints one line per iteration (objective, gradient norm, time).
    record_coef : bool, default=False
        Keep the coefficients after every iteration in ``coef_path_`` and
        ``intercept_path_`` (for pictures of the fit, e.g.
        :func:`logistic.plots.animate_training`); costs ``n_iter × n_features`` floats.
    multi_class : {"auto", "multinomial", "ovr"}, default="auto"
        With more than two classes: ``"multinomial"`` (= ``"auto"``) fits one softmax
        model (scikit-learn's symmetric parametrisation, all k×d coefficients
        penalised, centred over the classes where the objective leaves them free);
        ``"ovr"`` fits k binary models, class c against the rest. Two classes always
        fit the binary model.
    l1_ratio : float in [0, 1] or None, default=None
        The L1 share :math:`\rho` of ``penalty="elasticnet"`` (required there).
    class_weight : dict, "balanced" or None, default=None
        Multiplies each sample's weight by its class's weight, as scikit-learn does;
        ``"balanced"`` uses :math:`S/(k S_c)` with :math:`S_c` the class's total
        sample weight.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features), or (n_classes, n_features) for > 2 classes
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : ndarray of shape (1,), or (n_classes,) for one-vs-rest
        Iterations the solver took.
    converged_ : bool
        Whether the solver met its tolerance.
    solver_ : str
        The solver actually used (resolves ``"auto"``).
    history_ : dict of ndarrays
        Per iteration (row 0 = the starting point): ``"objective"`` (scikit-learn's
        units), ``"grad_norm"`` (its gradient's 2-norm) and ``"seconds"`` (elapsed
        since the solver started).
    objective_ : float
        The final objective, in scikit-learn's units (L1 term included; for
        one-vs-rest the sum of the k binary objectives, and ``history_`` is then a
        list of k dicts).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when X had string column names.
    coef_path_ : ndarray of shape (n_iter_ + 1, n_features), only with ``record_coef``
        Row 0 is the starting point (zeros), row k the coefficients after iteration k.
    intercept_path_ : ndarray of shape (n_iter_ + 1,), only with ``record_coef``
    """

    def __init__(
        self,
        penalty: str | None = "l2",
        C: float = 1.0,
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float = 1e-10,
        max_iter: int | None = None,
        learning_rate: float | str = "auto",
        random_state=None,
        verbose: int = 0,
        record_coef: bool = False,
        multi_class: str = "auto",
        l1_ratio: float | None = None,
        class_weight=None,
    ):
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose
        self.record_coef = record_coef
        self.multi_class = multi_class
        self.l1_ratio = l1_ratio
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None) -> LogisticRegression:
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            float32 and float64 arrays (C or F order) and CSR/CSC matrices are used
            without a copy.
        y : array-like of shape (n_samples,) with exactly two classes.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights; the loss of sample i is multiplied by ``s_i``.

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            order=None,
            y_numeric=False,
        )
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                f"y contains only one class ({self.classes_.tolist()[0]!r}); "
                "logistic regression needs samples of two classes."
            )
        if self.classes_.size > 2 and self.penalty == "firth":
            raise ValueError(
                f"penalty='firth' is for two classes; y has {self.classes_.size} classes."
            )
        y01 = (y == self.classes_[1]).astype(np.float64)
        s = None
        if sample_weight is not None:
            s = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            if not np.all(np.isfinite(s)):
                raise ValueError("sample_weight contains NaN or infinity.")
            if not s.sum() > 0:
                raise ValueError("sample_weight sums to zero: there is nothing to fit.")
        y_idx = np.searchsorted(self.classes_, y)
        s = _models.class_sample_weight(self.class_weight, self.classes_, y_idx, s)
        if (
            self.classes_.size > 2
            or self.penalty in ("l1", "elasticnet")
            or self.solver in _models.PROXIMAL_SOLVERS
        ):
            return _fit_more.fit_more(self, X, y_idx, s)  # multiclass, L1 / elastic-net

        alpha = 0.0 if self.penalty is None else 1.0 / self.C
        if self.penalty == "firth":  # Firth's penalised likelihood (logistic.firth)
            problem = FirthProblem(make_backend(X, y01, s), fit_intercept=self.fit_intercept)
        else:
            problem = LogisticProblem(
                make_backend(X, y01, s),
                alpha=alpha,
                fit_intercept=self.fit_intercept,
                random_state=self.random_state,
            )
        solver = self.solver
        if self.penalty == "firth":
            solver = "newton"
        if solver == "auto":
            solver = choose_solver(X.shape[0], problem.n_params, sp.issparse(X))
        kwargs = {"tol": self.tol, "max_iter": self.max_iter or DEFAULT_MAX_ITER[solver]}
        if self.penalty == "firth":
            # Firth's estimates are read through their score equations (to ~1e-8);
            # Fisher scoring converges fast, so 1e-6·tol costs ~2 iterations
            kwargs["tol"] = self.tol * FIRTH_TOL_FACTOR
        if solver == "gd":
            kwargs["learning_rate"] = self.learning_rate
        if self.verbose:
            kwargs["callback"] = progress_callback(problem, solver)
        target = problem
        if solver == "newton-cg" and _hessian_preconditioned(X, problem.n_params):
            kwargs["precondition"] = True  # affine-invariant: no standardising needed
        elif (
            solver in _STANDARDIZED_SOLVERS
            and self.penalty != "firth"
            and X.shape[0] > problem.n_params
        ):
            target = StandardizedProblem(problem)
        to_original = getattr(target, "to_original", np.asarray)
        path = [np.zeros(problem.n_params)]
        if self.record_coef:
            kwargs["callback"] = _recording(path, kwargs.get("callback"), to_original)
        result = SOLVERS[solver](target, np.zeros(problem.n_params), **kwargs)
        theta = to_original(result.theta)
        if self.record_coef:
            self._store_path(path, theta, result.n_iter, X.shape[1])

        d = X.shape[1]
        self.coef_ = theta[:d].reshape(1, -1).copy()
        self.intercept_ = np.array([theta[d] if self.fit_intercept else 0.0])
        self.n_iter_ = np.array([result.n_iter], dtype=np.int32)
        self.converged_ = bool(result.converged)
        self.solver_ = solver
        self.objective_ = problem.user_objective(result.objective)
        hist = result.history.as_dict()
        hist["objective"] = hist["objective"] / problem.scale
        hist["grad_norm"] = hist["grad_norm"] / problem.scale
        self.history_ = hist
        self.n_passes_ = problem.passes

        if self.penalty is None and self._separates(X, y01):
            warnings.warn(
                "The classes are linearly separable, so the maximum-likelihood estimate "
                "does not exist (the coefficients grow without bound). The returned "
                "coefficients are finite but arbitrary in scale; use penalty='l2'.",
                SeparationWarning,
                stacklevel=2,
            )
        elif not self.converged_:
            warnings.warn(
                f"Solver {solver!r} did not converge ({result.message}) after "
                f"{result.n_iter} iterations; increase max_iter or loosen tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _store_path(self, path, theta, n_iter: int, d: int) -> None:
        """Set ``coef_path_``/``intercept_path_`` from the recorded iterates (and the final θ)."""
        if len(path) < n_iter + 1:
            path.append(np.array(theta, dtype=np.float64))
        P = np.asarray(path[: n_iter + 1])
        self.coef_path_ = P[:, :d].copy()
        self.intercept_path_ = P[:, d].copy() if self.fit_intercept else np.zeros(len(P))

    def _check_params(self) -> None:
        if self.penalty not in _PENALTIES:
            raise ValueError(
                f"penalty must be 'l2', 'l1', 'elasticnet', 'firth' or None, got {self.penalty!r}."
            )
        if self.penalty == "firth" and self.solver not in ("auto", "newton"):
            raise ValueError(
                f"penalty='firth' is fitted by Fisher scoring: solver must be 'auto' or "
                f"'newton', got {self.solver!r}."
            )
        if not isinstance(self.C, numbers.Real) or not self.C > 0:
            raise ValueError(f"C must be a positive number, got {self.C!r}.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}, got {self.solver!r}.")
        if not isinstance(self.tol, numbers.Real) or not self.tol > 0:
            raise ValueError(f"tol must be a positive number, got {self.tol!r}.")
        if self.max_iter is not None and (
            not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1
        ):
            raise ValueError(f"max_iter must be a positive integer or None, got {self.max_iter!r}.")
        if self.multi_class not in _models.MULTI_CLASS:
            raise ValueError(
                f"multi_class must be one of {_models.MULTI_CLASS}, got {self.multi_class!r}."
            )
        _models.check_l1_ratio(self.penalty, self.l1_ratio)
        lr = self.learning_rate
        if not (
            lr == "auto"
            if isinstance(lr, str)
            else isinstance(lr, numbers.Real) and 0 < lr < np.inf
        ):
            raise ValueError(
                f"learning_rate must be a finite positive number or 'auto', got {lr!r}."
            )

    def _separates(self, X, y01) -> bool:
        """True when the fitted hyperplane classifies every training sample strictly right."""
        z = self._raw_margins(X)
        return bool(np.all((2 * y01 - 1) * z > 0))

    # ------------------------------------------------------------ inference
    def summary(
        self,
        X,
        y,
        sample_weight=None,
        *,
        alpha: float = 0.05,
        cov_type: str = "nonrobust",
        groups=None,
    ):
        """Coefficient table, standard errors, tests and fit statistics on the training data.

        A thin wrapper around :func:`logistic.inference.summary` (see there): pass the
        ``X, y, sample_weight`` the model was fitted on. ``cov_type`` is one of
        ``"nonrobust"``, ``"HC0"``, ``"HC1"``, ``"cluster"`` (with ``groups``).
        """
        from .inference import summary

        return summary(
            self, X, y, sample_weight, alpha=alpha, cov_type=cov_type, groups=groups
        )

    # -------------------------------------------------------------- predict
    def _raw_margins(self, X) -> np.ndarray:
        if self.coef_.shape[0] > 1:  # k > 2 classes: the (n, k) scores
            return _fit_more.multiclass_margins(self, X)
        w = self.coef_.ravel().astype(X.dtype, copy=False)
        return np.asarray(X @ w, dtype=np.float64).reshape(-1) + self.intercept_[0]

    def decision_function(self, X) -> np.ndarray:
        """Margins :math:`z = Xw + b` (positive means ``classes_[1]``)."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        return self._raw_margins(X)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities :math:`[\\sigma(-z), \\sigma(z)]` in the order of ``classes_``."""
        z = self.decision_function(X)
        if z.ndim == 2:
            return np.exp(_fit_more.multiclass_log_proba(self, z))
        return np.column_stack([sigmoid(-z), sigmoid(z)])

    def predict_log_proba(self, X) -> np.ndarray:
        """Log-probabilities :math:`[\\log\\sigma(-z), \\log\\sigma(z)]`, exact even where p ≈ 0."""
        z = self.decision_function(X)
        if z.ndim == 2:
            return _fit_more.multiclass_log_proba(self, z)
        return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])

    def predict(self, X) -> np.ndarray:
        """Predicted class: ``classes_[1]`` where :math:`z > 0` (probability above ½)."""
        check_is_fitted(self)
        z = self.decision_function(X)
        if z.ndim == 2:
            return self.classes_[np.argmax(z, axis=1)]
        return self.classes_[(z > 0).astype(int)]


r"""The scikit-learn estimator: validation, classes, and the fitted attributes.

:class:`LogisticRegression` minimises scikit-learn's objective

.. math::

    \min_{w, b}\; \sum_i s_i \, \ell\big(y_i,\; x_i\cdot w + b\big)
        + \frac{1}{2C}\|w\|^2, \qquad
    \ell(y, z) = -y\log\sigma(z) - (1-y)\log(1-\sigma(z)),

with the intercept :math:`b` unpenalised and ``penalty=None`` giving the plain
maximum-likelihood fit (statsmodels' ``Logit``). It holds no numerics of its own:
it validates, encodes the classes (:mod:`logistic.models.targets`) and hands the fit to
the one fit path (:func:`logistic.models.fitting.fit_model`: problem → solver → solve
→ unpack → checks), once, or once per class for one-vs-rest
(:mod:`logistic.models.multiclass`).
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..inference.separation import SeparationWarning
from ..math.stable import log_sigmoid, sigmoid
from .choice import SOLVER_NAMES
from .fitting import FitOptions, fit_model
from .multiclass import fit_ovr, multiclass_log_proba, multiclass_margins
from .targets import MULTI_CLASS, check_l1_ratio, encode_targets

__all__ = ["LogisticRegression", "SeparationWarning"]

_PENALTIES = ("l2", None, "l1", "elasticnet", "firth")


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
        separation; see :mod:`logistic.problems.firth`), by Fisher scoring (``C`` ignored,
        ``solver`` must be ``"auto"`` or ``"newton"``; binary only).
    C : float > 0, default=1.0
        Inverse regularisation strength (scikit-learn's convention).
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    solver : {"auto", "gd", "lbfgs", "newton", "newton-cg", "proximal-newton"}, default="auto"
        ``"auto"`` picks Newton–Cholesky for dense data with at most 1000 features
        and Newton-CG otherwise (see :mod:`logistic.models.choice`); for
        more than two classes Newton–Cholesky while k·d is small, else L-BFGS; for
        L1 / elastic-net proximal Newton, the only solver of the non-smooth problem
        (see :mod:`logistic.models.choice`).
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
        :func:`logistic.pictures.plots.animate_training`); costs ``n_iter × n_features`` floats.
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
        y : array-like of shape (n_samples,), two or more classes.
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
        classes, y_idx, s = encode_targets(X, y, sample_weight, self.class_weight)
        self.classes_ = classes
        k = classes.size
        if k > 2 and self.penalty == "firth":
            raise ValueError(f"penalty='firth' is for two classes; y has {k} classes.")
        options = FitOptions.of(self.get_params())
        if k > 2 and self.multi_class == "ovr":
            self._store_fit(fit_ovr(X, y_idx, s, k, options))
        else:
            self._store_fit(fit_model(X, y_idx, s, n_classes=k, options=options))
        return self

    def _store_fit(self, fit) -> None:
        """Set the fitted attributes from a :class:`~logistic.models.fitting.Fit` (or an
        :class:`~logistic.models.multiclass.OvRFit`: per-class lists where scikit-learn
        has them)."""
        fits = getattr(fit, "fits", None)
        if fits is not None:  # one-vs-rest
            self.n_iter_ = np.array([f.n_iter for f in fits], dtype=np.int32)
            self.history_ = [f.history for f in fits]
            if self.record_coef:
                self.coef_path_ = [f.coef_path for f in fits]
                self.intercept_path_ = [f.intercept_path for f in fits]
            self.multi_class_ = "ovr"
        else:
            self.n_iter_ = np.array([fit.n_iter], dtype=np.int32)
            self.history_ = fit.history
            if self.record_coef:
                self.coef_path_, self.intercept_path_ = fit.coef_path, fit.intercept_path
            self.multi_class_ = "multinomial" if fit.coef.shape[0] > 1 else "binary"
        self.coef_, self.intercept_ = fit.coef, fit.intercept
        self.converged_ = bool(fit.converged)
        self.solver_ = fit.solver
        self.objective_ = fit.objective
        self.n_passes_ = fit.n_passes

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
        if self.solver not in SOLVER_NAMES:
            raise ValueError(f"solver must be one of {SOLVER_NAMES}, got {self.solver!r}.")
        if not isinstance(self.tol, numbers.Real) or not self.tol > 0:
            raise ValueError(f"tol must be a positive number, got {self.tol!r}.")
        if self.max_iter is not None and (
            not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1
        ):
            raise ValueError(f"max_iter must be a positive integer or None, got {self.max_iter!r}.")
        if self.multi_class not in MULTI_CLASS:
            raise ValueError(
                f"multi_class must be one of {MULTI_CLASS}, got {self.multi_class!r}."
            )
        check_l1_ratio(self.penalty, self.l1_ratio)
        lr = self.learning_rate
        if not (
            lr == "auto"
            if isinstance(lr, str)
            else isinstance(lr, numbers.Real) and 0 < lr < np.inf
        ):
            raise ValueError(
                f"learning_rate must be a finite positive number or 'auto', got {lr!r}."
            )

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
        from ..inference.summary import summary

        return summary(
            self, X, y, sample_weight, alpha=alpha, cov_type=cov_type, groups=groups
        )

    # -------------------------------------------------------------- predict
    def _raw_margins(self, X) -> np.ndarray:
        if self.coef_.shape[0] > 1:  # k > 2 classes: the (n, k) scores
            return multiclass_margins(self, X)
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
            return np.exp(multiclass_log_proba(self, z))
        return np.column_stack([sigmoid(-z), sigmoid(z)])

    def predict_log_proba(self, X) -> np.ndarray:
        """Log-probabilities :math:`[\\log\\sigma(-z), \\log\\sigma(z)]`, exact even where p ≈ 0."""
        z = self.decision_function(X)
        if z.ndim == 2:
            return multiclass_log_proba(self, z)
        return np.column_stack([log_sigmoid(-z), log_sigmoid(z)])

    def predict(self, X) -> np.ndarray:
        """Predicted class: ``classes_[1]`` where :math:`z > 0` (probability above ½)."""
        check_is_fitted(self)
        z = self.decision_function(X)
        if z.ndim == 2:
            return self.classes_[np.argmax(z, axis=1)]
        return self.classes_[(z > 0).astype(int)]


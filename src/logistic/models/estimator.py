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

import dataclasses
import functools
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..inference.separation import SeparationWarning
from ..inference.state import INFERENCE_PENALTIES
from ..math.stable import log_sigmoid, sigmoid
from ..problems.binary import CurvatureOverflowError
from . import on_dask
from .device_input import (
    as_float,
    check_device_fit,
    coef_like,
    device_margins,
    device_predict,
    device_proba,
    host_dtype,
    is_device_array,
    to_numpy,
)
from .fitting import FitOptions, fit_model, fit_state
from .multiclass import fit_ovr, multiclass_log_proba
from .on_dask import is_dask_input
from .params import (
    MULTI_CLASS,
    check_learning_rate,
    check_max_iter,
    check_positive,
    check_sgd_params,
    check_tol,
    resolve_penalty,
    resolve_solver_name,
)
from .targets import encode_targets

__all__ = ["LogisticRegression", "SeparationWarning"]

#: ``inference="auto"`` keeps an L2 fit's inference numbers when rows × parameters² is
#: at most this (the extra pass then costs milliseconds); unpenalised and Firth fits
#: always keep them. Measured on 200k×100 (2e9): the pass costs about as much as the
#: whole L2 fit, so large L2 fits skip it unless ``inference=True``.
INFERENCE_AUTO_WORK = 2e7

class LogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression (binary, multinomial, one-vs-rest), from first principles.

    Parameters
    ----------
    penalty : {"auto", "l2", "l1", "elasticnet", None, "firth"}, default="auto"
        ``"auto"`` lets ``l1_ratio`` decide, as scikit-learn ≥ 1.8 does: None or 0 is
        ``"l2"``, 1 is ``"l1"``, in between ``"elasticnet"``. ``"l2"`` adds
        :math:`\frac{1}{2C}\|w\|^2`; ``"l1"`` adds
        :math:`\frac1C\|w\|_1`; ``"elasticnet"`` adds
        :math:`\frac1C(\rho\|w\|_1 + \frac{1-\rho}{2}\|w\|^2)` with
        :math:`\rho` = ``l1_ratio``; ``None`` fits the unpenalised
        maximum-likelihood model; ``"firth"`` maximises Firth's bias-reduced
        penalised likelihood :math:`\ell + \frac12\log\det I` (finite under
        separation; see :mod:`logistic.problems.firth`), by Fisher scoring (``C`` ignored,
        ``solver`` must be ``"auto"`` or ``"newton"``; binary only). The penalty a
        fit used is ``penalty_`` (see :mod:`logistic.models.params`).
    C : float > 0 or np.inf, default=1.0
        Inverse regularisation strength (scikit-learn's convention); ``np.inf`` means
        no penalty, however ``penalty`` is spelled.
    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.
    solver : {"auto", "gd", "sgd", "lbfgs", "newton", "newton-cg", "proximal-newton"}, \
default="auto"
        (``"newton-cholesky"``, scikit-learn's name, is ``"newton"``.)
        ``"auto"`` picks Newton–Cholesky for dense data with at most 1000 features
        and Newton-CG otherwise (see :mod:`logistic.models.choice`); for
        more than two classes Newton–Cholesky while k·d is small, else L-BFGS; for
        L1 / elastic-net proximal Newton, the only solver of the non-smooth problem
        (see :mod:`logistic.models.choice`).
    tol : float, default=1e-10
        Stop when the solver's estimate of the relative objective gap
        :math:`(f - f^*)/|f|` is at most ``tol`` (for ``"gd"`` and ``"sgd"``: when the
        decrease a full gradient step would bring is; ``"sgd"`` tests it once per
        epoch). The default makes every solver but ``"gd"`` and ``"sgd"`` reach
        a relative gap of 1e-8 or better.
    max_iter : int ≥ 0 or None, default=None
        Iteration budget (epochs for ``"sgd"``); None uses the solver's default
        (gd 10000, sgd 100, lbfgs 1000,
        newton 100, newton-cg 200, proximal-newton 200). ``0`` returns the starting
        point (with a ConvergenceWarning).
    learning_rate : float, "auto", or for "sgd" "constant", "invscaling", "adaptive"
        Step size of ``"gd"`` on the *mean* loss (as in the tutorials); ``"auto"`` uses
        1/L (L the gradient's Lipschitz constant) with backtracking. For ``"sgd"`` the
        step schedule (``"auto"`` is ``"adaptive"``; a float is a constant step; see
        :mod:`logistic.solvers.sgd`). Ignored by the other solvers.
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
        The L1 share :math:`\rho`: with ``penalty="auto"`` it chooses the penalty; with
        ``penalty="elasticnet"`` it is required.
    class_weight : dict, "balanced" or None, default=None
        Multiplies each sample's weight by its class's weight, as scikit-learn does;
        ``"balanced"`` uses :math:`S/(k S_c)` with :math:`S_c` the class's total
        sample weight.
    warm_start : bool, default=False
        Start from the previous fit's coefficients when they fit the new problem
        (same number of features, classes and layout); otherwise from zero.
    n_jobs : int or None, default=None
        Threads over the row blocks of each pass, each block's BLAS on one thread
        (None: up to 4 for dense data, one for sparse; see :mod:`logistic.data.memory`).

    batch_size : int ≥ 1 or None, default=None
        Rows per step of ``solver="sgd"`` (None: 64). Ignored by the other solvers.
    eta0 : float or "auto", default="auto"
        First step size of ``"sgd"``'s schedule (``"auto"``: the inverse of the average
        per-row curvature bound). Ignored by the other solvers.
    average : bool, default=True
        ``"sgd"`` returns the Polyak–Ruppert average of its iterates (see
        :mod:`logistic.solvers.sgd`). Ignored by the other solvers.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features), or (n_classes, n_features) for > 2 classes
        In the dtype of the training data (float32 stays float32, as in scikit-learn).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : ndarray of shape (1,), or (n_classes,) for one-vs-rest
        Iterations the solver took.
    converged_ : bool
        Whether the solver met its tolerance.
    solver_ : str
        The solver actually used (resolves ``"auto"``).
    penalty_ : str or None
        The penalty actually used (resolves ``"auto"``; None for ``C=np.inf``).
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
        Row 0 is the starting point (zeros), row k the coefficients after iteration k
        (shape (n_iter_ + 1, n_classes, n_features) for a multinomial model, a list
        per class for one-vs-rest).
    intercept_path_ : ndarray of shape (n_iter_ + 1,), only with ``record_coef``
    """

    @classmethod
    @functools.cache
    def _get_param_names(cls):
        """The constructor's parameter names, cached per class (scikit-learn reads the
        signature on every ``get_params``, which ``partial_fit`` calls per chunk)."""
        return super()._get_param_names()

    def __init__(
        self,
        penalty: str | None = "auto",
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
        warm_start: bool = False,
        n_jobs: int | None = None,
        inference: bool | str = "auto",
        batch_size: int | None = None,
        eta0: float | str = "auto",
        average: bool = True,
    ):
        self.batch_size = batch_size
        self.eta0 = eta0
        self.average = average
        self.inference = inference
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
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        if self.penalty == "firth":  # Firth's penalised likelihood is binary only
            tags.classifier_tags.multi_class = False
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
        options = self._fit_options()
        dask_input = is_dask_input(X, y, sample_weight)
        on_device = not dask_input and is_device_array(X)
        if dask_input:  # passes on the cluster: models/on_dask.py
            X, classes, y_idx, s = on_dask.validate_fit(self, X, y, sample_weight)
        elif on_device:  # torch / CuPy / array-API: stays on its device (models/device_input.py)
            X, y, sample_weight = check_device_fit(self, X, y, sample_weight, options)
            classes, y_idx, s = encode_targets(
                np.empty((X.shape[0], 0)), y, sample_weight, self.class_weight
            )
        else:
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
        k = classes.size
        if k > 2 and options.penalty == "firth":
            raise ValueError(f"penalty='firth' is for two classes; y has {k} classes.")
        start = self._warm_start(classes, X.shape[1])
        self.classes_ = classes
        self.penalty_ = options.penalty
        names = getattr(self, "feature_names_in_", None)
        keeps_inference = self._keeps_inference(options.penalty, X, k)
        options = dataclasses.replace(options, polish=keeps_inference)
        if k > 2 and self.multi_class == "ovr":
            fit = fit_ovr(X, y_idx, s, k, options, starts=start, feature_names=names)
        else:
            fit = fit_model(X, y_idx, s, n_classes=k, options=options,
                            theta0=None if start is None else start[0], feature_names=names)
        self._store_fit(fit, host_dtype(X) if on_device else X.dtype)
        for stale in ("inference_", "inference_skipped_", "_stream_"):
            if hasattr(self, stale):
                delattr(self, stale)
        if keeps_inference:
            try:
                self.inference_ = fit_state(fit, X, y_idx, s, options, n_classes=k)
            except CurvatureOverflowError as exc:  # the fit itself ran standardised
                self.inference_skipped_ = exc.named(getattr(self, "feature_names_in_", None))
            else:
                if not fit.separation_unchecked:  # (Dask: it warned that it may separate)
                    from ..inference.summary import warn_if_not_identified  # pandas: lazily

                    warn_if_not_identified(self, self.inference_)
        if on_device:  # coef_ and intercept_ in X's namespace, device and dtype
            self.coef_, self.intercept_ = coef_like(self.coef_, X), coef_like(self.intercept_, X)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> LogisticRegression:
        """Learn from one chunk of a stream (as scikit-learn's ``SGDClassifier.partial_fit``).

        Streaming Newton (:mod:`logistic.solvers.streaming`): each chunk adds its
        second-order Taylor model at the current point to an :math:`O(p^2)` quadratic
        (no row is kept) and the next point minimises that model plus the exact
        penalty (a Cholesky solve; coordinate descent for L1 / elastic-net). A stream
        seen once gives the batch fit of the rows seen so far, up to the models'
        error; a stream *replayed* in the same order (a pass ends when its first chunk
        comes back) converges to the batch optimum — the optimum of
        ``LogisticRegression(...).fit`` on the concatenated chunks, same ``C``, same
        weights — in a few passes: a fixed point of the iteration is exactly where
        the data's gradient vanishes, whatever the curvatures' accuracy, and each pass
        is a Newton step (its Hessian estimated from every few rows of chunks larger
        than about 1000 rows; the error shrinks by about that estimate's relative
        error per pass, quadratically with exact Hessians). (Variance-reduced SGD
        would converge too, but linearly at a rate set by the conditioning, and needs
        a step size.) Binary and multinomial; penalty "l2", "l1", "elasticnet" or
        None; p = (d + 1)·(1 or k) at most 5000.

        ``converged_`` is True once a completed pass (after the first) moved the model
        objective by at most ``tol·|F|``; ``objective_`` is the model's estimate of the
        objective; ``n_iter_`` counts chunks, ``n_passes_`` completed passes;
        ``history_`` has one row per completed pass. Fitted models predict, save and
        load as any other; ``summary()`` needs data (``summary(X, y)``). ``fit``
        starts over.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_chunk, n_features)
        y : array-like of shape (n_chunk,)
        classes : array-like, the labels the stream can hold; required on the first call.
        sample_weight : array-like of shape (n_chunk,), optional

        Returns
        -------
        self
        """
        from .partial import partial_fit

        return partial_fit(self, X, y, classes=classes, sample_weight=sample_weight)

    def _keeps_inference(self, penalty, X, n_classes: int) -> bool:
        """Whether this fit keeps :attr:`inference_` (see the ``inference`` parameter)."""
        if self.inference not in ("auto", True, False):
            raise ValueError(
                f"inference must be 'auto', True or False, got {self.inference!r}."
            )
        if self.inference is False or penalty not in INFERENCE_PENALTIES:
            return False
        if n_classes > 2 and self.multi_class == "ovr":
            return False
        if self.inference is True or penalty != "l2":
            return True
        k = (X.shape[1] + 1) * (1 if n_classes == 2 else n_classes)
        return X.shape[0] * k * k <= INFERENCE_AUTO_WORK

    def _fit_options(self) -> FitOptions:
        """Validate the parameters; the options of the fit they spell."""
        penalty = resolve_penalty(self.penalty, self.l1_ratio, self.C)
        solver = resolve_solver_name(self.solver)
        if penalty == "firth" and solver not in ("auto", "newton"):
            raise ValueError(
                f"penalty='firth' is fitted by Fisher scoring: solver must be 'auto' or "
                f"'newton', got {self.solver!r}."
            )
        C = check_positive("C", self.C, allow_inf=True)
        if self.multi_class not in MULTI_CLASS:
            raise ValueError(
                f"multi_class must be one of {MULTI_CLASS}, got {self.multi_class!r}."
            )
        check_learning_rate(self.learning_rate, solver)
        batch_size = check_sgd_params(self.batch_size, self.eta0, self.average)
        if self.n_jobs is not None and (
            not isinstance(self.n_jobs, numbers.Integral) or isinstance(self.n_jobs, bool)
        ):
            raise ValueError(f"n_jobs must be an integer or None, got {self.n_jobs!r}.")
        return FitOptions.of(
            self.get_params(),
            penalty=penalty,
            C=C,
            solver=solver,
            tol=check_tol(self.tol),
            max_iter=check_max_iter(self.max_iter),
            batch_size=batch_size,
            n_jobs=None if self.n_jobs is None else max(1, int(self.n_jobs)),
        )

    def _warm_start(self, classes, n_features: int):
        """θ₀ from the previous fit (``warm_start``), when its layout fits; else None."""
        if not self.warm_start or not hasattr(self, "coef_"):
            return None
        coef = self._dense_coef()
        if (
            coef.shape[1] != n_features
            or getattr(self, "classes_", np.array([])).shape != classes.shape
            or not np.array_equal(self.classes_, classes)
        ):
            return None
        intercept = np.asarray(to_numpy(self.intercept_), dtype=np.float64)
        rows = [np.append(c, b) if self.fit_intercept else c
                for c, b in zip(coef, intercept, strict=True)]
        if coef.shape[0] == 1 or self.multi_class == "ovr":
            return [np.asarray(r, dtype=np.float64) for r in rows]  # one θ per binary fit
        W = coef.reshape(-1)
        b = intercept
        return [np.concatenate([W, b]) if self.fit_intercept else W.astype(np.float64)]

    def _dense_coef(self) -> np.ndarray:
        coef = self.coef_
        return np.asarray(coef.toarray() if sp.issparse(coef) else to_numpy(coef),
                          dtype=np.float64)

    def _store_fit(self, fit, dtype=np.float64) -> None:
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
        # float32 data give float32 coefficients, as in scikit-learn
        self.coef_ = fit.coef.astype(dtype, copy=False)
        self.intercept_ = fit.intercept.astype(dtype, copy=False)
        self.converged_ = bool(fit.converged)
        self.solver_ = fit.solver
        self.objective_ = fit.objective
        self.n_passes_ = fit.n_passes

    # ------------------------------------------------------------ inference
    def summary(
        self,
        X=None,
        y=None,
        sample_weight=None,
        *,
        alpha: float = 0.05,
        cov_type: str = "nonrobust",
        groups=None,
    ):
        """Coefficient table, standard errors, tests and fit statistics.

        A thin wrapper around :func:`logistic.inference.summary` (see there). Without
        arguments it uses the numbers the fit kept (``inference_``); pass the training
        ``X, y, sample_weight`` for cluster covariances (``groups``), Firth's profile
        intervals, or a model fitted with ``inference=False``. ``cov_type`` is one of
        ``"nonrobust"``, ``"HC0"``, ``"HC1"``, ``"stata"`` (Stata's ``vce(robust)``),
        ``"cluster"`` / ``"stata-cluster"`` (with ``groups``).
        """
        from ..inference.summary import summary

        return summary(
            self, X, y, sample_weight, alpha=alpha, cov_type=cov_type, groups=groups
        )

    # -------------------------------------------------------------- predict
    def _raw_margins(self, X) -> np.ndarray:
        """Margins in float64 (binary: (n,); k classes: (n, k)), finite wherever the
        exact margin is: an overflowing product is recomputed with the coefficients
        scaled down (``X @ (w/m)`` then times ``m``), so a finite row never gets
        inf − inf = NaN."""
        W = self._dense_coef()
        b = np.asarray(to_numpy(self.intercept_), dtype=np.float64)
        if is_device_array(X):
            return device_margins(X, W, b)
        with np.errstate(over="ignore", invalid="ignore"):  # recomputed below if so
            Z = np.asarray(X @ W.T.astype(X.dtype, copy=False), dtype=np.float64) + b
        if not np.all(np.isfinite(Z)):
            m = np.max(np.abs(W), axis=1)
            m[~(m > 0)] = 1.0
            scaled = np.asarray(X @ (W / m[:, None]).T, dtype=np.float64)
            with np.errstate(over="ignore"):
                Z = scaled * m + b
        return Z[:, 0] if W.shape[0] == 1 else Z

    def decision_function(self, X) -> np.ndarray:
        """Margins :math:`z = Xw + b` (positive means ``classes_[1]``), in X's dtype."""
        if is_dask_input(X):  # a lazy Dask array, chunk by chunk
            return on_dask.lazy(self, X, "decision_function")
        z, dtype = self._margins_of(X)
        if is_device_array(z):  # dtype is X itself: margins in X's dtype, on its device
            return coef_like(z, dtype)
        return z.astype(dtype, copy=False)

    def _margins_of(self, X):
        check_is_fitted(self)
        if is_device_array(X):
            X = as_float(X)
            self._check_n_features_device(X)
            return self._raw_margins(X), X
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        return self._raw_margins(X), X.dtype

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities :math:`[\\sigma(-z), \\sigma(z)]` in the order of ``classes_``."""
        if is_dask_input(X):  # a lazy Dask array, chunk by chunk
            return on_dask.lazy(self, X, "predict_proba")
        z, dtype = self._margins_of(X)
        if is_device_array(z):
            return coef_like(device_proba(self, z), dtype)
        if z.ndim == 2:
            out = np.exp(multiclass_log_proba(self, z))
        else:
            out = np.column_stack([sigmoid(-z), sigmoid(z)])
        return out.astype(dtype, copy=False)

    def predict_log_proba(self, X) -> np.ndarray:
        """Log-probabilities :math:`[\\log\\sigma(-z), \\log\\sigma(z)]`, exact even where p ≈ 0."""
        if is_dask_input(X):  # a lazy Dask array, chunk by chunk
            return on_dask.lazy(self, X, "predict_log_proba")
        z, dtype = self._margins_of(X)
        if is_device_array(z):
            return coef_like(device_proba(self, z, log=True), dtype)
        if z.ndim == 2:
            out = multiclass_log_proba(self, z)
        else:
            out = np.column_stack([log_sigmoid(-z), log_sigmoid(z)])
        if dtype == np.float64:
            return out
        # float32 data: the log of predict_proba's rounded probabilities (a probability
        # that rounds to 1 has log 0, as scikit-learn's consistency checks expect), and
        # the exact log where the probability rounds to 0 (finite, not -inf)
        p = np.exp(out).astype(dtype)
        with np.errstate(divide="ignore"):
            return np.where(p > 0, np.log(p), out.astype(dtype))

    def predict(self, X) -> np.ndarray:
        """Predicted class: ``classes_[1]`` where :math:`z > 0` (probability above ½)."""
        if is_dask_input(X):  # a lazy Dask array, chunk by chunk
            return on_dask.lazy(self, X, "predict")
        z, _ = self._margins_of(X)
        if is_device_array(z):
            return device_predict(self.classes_, z)
        if z.ndim == 2:
            return self.classes_[np.argmax(z, axis=1)]
        return self.classes_[(z > 0).astype(int)]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy of :meth:`predict` on ``X`` against ``y`` (weighted by
        ``sample_weight``), as scikit-learn's; one compute on Dask data."""
        if is_dask_input(X, y, sample_weight):
            return on_dask.score(self, X, y, sample_weight)
        return super().score(X, y, sample_weight)

    def _check_n_features_device(self, X) -> None:
        if X.ndim != 2 or int(X.shape[1]) != self.n_features_in_:
            raise ValueError(
                f"X has {tuple(X.shape)} shape; this model was fitted on "
                f"{self.n_features_in_} features."
            )

    # ------------------------------------------------------ sparse coefficients
    def sparsify(self) -> LogisticRegression:
        """Store ``coef_`` as a scipy.sparse CSR matrix (predictions are unchanged)."""
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self

    def densify(self) -> LogisticRegression:
        """Store ``coef_`` as a dense array again (undoes :meth:`sparsify`)."""
        check_is_fitted(self)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

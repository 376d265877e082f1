r"""Cross-validated choice of ``C`` (and ``l1_ratio``): :class:`LogisticRegressionCV`.

For every fold and every ``l1_ratio`` a warm-started regularisation path over ``Cs``
(:mod:`logistic.models.path`) is fitted on the training part and scored on the held-out
part; the pair :math:`(C, \rho)` with the best mean score over the folds is chosen
(the first one, in the order given, on ties) and, with ``refit=True``, the model is
refitted on all the data. Folds are stratified (scikit-learn's ``StratifiedKFold``),
shuffled reproducibly when ``random_state`` is given. The fitted attributes follow
scikit-learn's ``LogisticRegressionCV`` (its long-standing layout): ``Cs_``,
``l1_ratios_``, ``scores_``, ``coefs_paths_``, ``C_``, ``l1_ratio_``, ``coef_``,
``intercept_``. More than two classes fit the multinomial model.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import replace

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import check_scoring, make_scorer
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils.validation import check_is_fitted, validate_data

from ..problems.binary import CurvatureOverflowError
from .device_input import refuse_device_input
from .estimator import INFERENCE_AUTO_WORK, LogisticRegression
from .fitting import FitOptions, fit_model, fit_state
from .params import (
    check_l1_ratio,
    check_max_iter,
    check_tol,
    l1_ratio_of,
    resolve_penalty,
    resolve_solver_name,
)
from .path import _path, check_Cs
from .targets import encode_targets

__all__ = ["LogisticRegressionCV"]


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` (and ``l1_ratio``) chosen by cross-validation.

    Parameters
    ----------
    Cs : int or sequence of float, default=10
        An int n gives ``np.logspace(-4, 4, n)`` (scikit-learn's grid); a sequence is
        used as given.
    l1_ratios : sequence of float in [0, 1] or None, default=None
        Elastic-net mixings to try (``penalty="elasticnet"`` is then implied);
        None uses ``penalty`` alone.
    cv : int, cross-validation generator or iterable, default=5
        An int k gives ``StratifiedKFold(k)``, shuffled with ``random_state`` when
        that is not None.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None is accuracy.
    refit : bool, default=True
        Refit on all the data with the best parameters; otherwise ``coef_`` is the
        mean over the folds of the best parameters' coefficients.
    penalty, fit_intercept, solver, tol, max_iter, class_weight, random_state, verbose :
        as in :class:`logistic.LogisticRegression` (``penalty="elasticnet"`` needs
        ``l1_ratios``).
    n_jobs : int or None, default=None
        Folds (and l1_ratios) cross-validated in parallel on this many threads.
    use_legacy_attributes : bool, default=True
        False gives scikit-learn ≥ 1.8's simplified layout: ``C_`` and ``l1_ratio_``
        floats, ``coefs_paths_`` an array (n_folds, n_l1_ratios, n_Cs, n_rows, n_dof)
        (n_rows = 1 for a binary model), ``scores_`` and ``n_iter_`` arrays
        (n_folds, n_l1_ratios, n_Cs).

    Attributes
    ----------
    Cs_ : ndarray (n_Cs,)
    l1_ratios_ : ndarray (n_l1_ratios,) (``[None]`` → ``[nan]`` without elastic-net)
    scores_ : dict class → ndarray (n_folds, n_Cs) or (n_folds, n_Cs, n_l1_ratios)
        Held-out scores; the same array under every class key (one model is fitted).
    coefs_paths_ : dict class → ndarray (n_folds, n_Cs, [n_l1_ratios,] n_features + 1)
        Coefficients (then the intercept, when fitted) of that class's row.
    C_ : ndarray (n_classes,) or (1,), the chosen C (repeated per class).
    l1_ratio_ : ndarray like ``C_``.
    n_iter_ : ndarray (1, n_folds, n_Cs) or (1, n_folds, n_Cs, n_l1_ratios)
        Solver iterations of every fold's fit (scikit-learn's layout).
    coef_, intercept_, classes_ : as in LogisticRegression.
    """

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=None,
        cv=5,
        scoring=None,
        refit: bool = True,
        penalty: str | None = "auto",
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float = 1e-10,
        max_iter: int | None = None,
        class_weight=None,
        random_state=None,
        verbose: int = 0,
        n_jobs: int | None = None,
        use_legacy_attributes: bool = True,
    ):
        self.use_legacy_attributes = use_legacy_attributes
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    # LogisticRegression's parameters that the CV estimator fixes
    C = 1.0
    l1_ratio = None
    multi_class = "auto"
    learning_rate = "auto"
    record_coef = False
    warm_start = False

    def _grid(self):
        if isinstance(self.Cs, numbers.Integral) and not isinstance(self.Cs, bool):
            if self.Cs < 1:
                raise ValueError(f"Cs must be a positive int or a sequence, got {self.Cs!r}.")
            Cs = np.logspace(-4, 4, int(self.Cs))
        else:
            Cs = check_Cs(self.Cs)
        if self.l1_ratios is None:
            if self.penalty == "elasticnet":
                raise ValueError(
                    "penalty='elasticnet' needs l1_ratios (the elastic-net mixings to "
                    "cross-validate), e.g. l1_ratios=[0.1, 0.5, 0.9]."
                )
            penalty = resolve_penalty(self.penalty, None, 1.0)
            if penalty == "firth":
                raise ValueError("penalty='firth' has no C to cross-validate; use "
                                 "LogisticRegression(penalty='firth').")
            return Cs, [None], penalty
        ratios = list(np.atleast_1d(self.l1_ratios))
        for r in ratios:
            check_l1_ratio("elasticnet", r)
        return Cs, [float(r) for r in ratios], "elasticnet"

    def _folds(self, X, y):
        cv = self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise ValueError(f"cv must be at least 2 folds, got {cv!r}.")
            if cv > len(y):
                raise ValueError(f"cv={cv} folds need at least {cv} rows; the data have "
                                 f"{len(y)}.")
            labels, counts = np.unique(y, return_counts=True)
            if counts.max() < cv:  # StratifiedKFold's own error, said in these terms
                largest = labels[counts.argmax()]
                largest = largest.item() if isinstance(largest, np.generic) else largest
                raise ValueError(f"cv={cv} stratified folds need a class with at least {cv} "
                                 f"rows; the largest class ({largest!r}) has "
                                 f"{counts.max()}: use cv={max(2, int(counts.max()))} or "
                                 "fewer.")
            shuffle = self.random_state is not None
            cv = StratifiedKFold(cv, shuffle=shuffle, random_state=self.random_state)
        cv = check_cv(cv, y, classifier=True)
        return list(cv.split(X, y))

    @property
    def partial_fit(self):
        """Not offered: cross-validation needs the whole data (hasattr is False)."""
        raise AttributeError("LogisticRegressionCV has no partial_fit: cross-validation "
                             "needs the whole data; stream into LogisticRegression.")

    def fit(self, X, y, sample_weight=None) -> LogisticRegressionCV:
        """Cross-validate over the grid, then (``refit``) fit on all the data.

        Each held-out fold is scored with its share of ``sample_weight`` (when the
        scorer takes weights), and scorers that take ``labels`` get all the classes,
        so a fold that lacks a class is scored like the others. With ``n_jobs`` the
        folds' paths run on that many threads.
        """
        Cs, ratios, penalty = self._grid()
        base = FitOptions.of(
            self.get_params(),
            penalty=penalty,
            solver=resolve_solver_name(self.solver),
            tol=check_tol(self.tol),
            max_iter=check_max_iter(self.max_iter),
            n_jobs=None,
        )
        refuse_device_input(X, "LogisticRegressionCV")
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
        )
        classes, y_idx, s_all = encode_targets(X, y, sample_weight, self.class_weight)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        scorer = check_scoring(self, scoring=self.scoring or "accuracy")
        weigh_scores = sw is not None and _takes_weights(scorer)
        scorer = _labelled_scorer(scorer, classes)
        folds = self._folds(X, y)
        k = classes.size
        n_rows = 1 if k == 2 else k
        d = X.shape[1]
        n_dof = d + int(self.fit_intercept)

        def one(f, r):
            train, test = folds[f]
            s_train = None if s_all is None else s_all[train]
            options = replace(base, l1_ratio=ratios[r])
            coefs, intercepts, _, n_iter, *_ = _path(
                X[train], y_idx[train], s_train, Cs, k, True, True, options
            )
            kwargs = {"sample_weight": sw[test]} if weigh_scores else {}
            scores = [
                scorer(self._scoring_model(classes, coefs[c], intercepts[c], d), X[test],
                       y[test], **kwargs)
                for c in range(Cs.size)
            ]
            return f, r, coefs, intercepts, n_iter, scores

        jobs = [(f, r) for f in range(len(folds)) for r in range(len(ratios))]
        if self.n_jobs not in (None, 1) and len(jobs) > 1:
            runs = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(one)(f, r) for f, r in jobs
            )
        else:
            runs = [one(f, r) for f, r in jobs]
        scores = np.zeros((len(folds), Cs.size, len(ratios)))
        paths = np.zeros((len(folds), Cs.size, len(ratios), n_rows, n_dof))
        n_iter = np.zeros((len(folds), Cs.size, len(ratios)), dtype=np.int32)
        for f, r, coefs, intercepts, iters, fold_scores in runs:
            paths[f, :, r, :, :d] = coefs
            if self.fit_intercept:
                paths[f, :, r, :, d] = intercepts
            scores[f, :, r] = fold_scores
            n_iter[f, :, r] = iters
        mean = scores.mean(axis=0)
        best_c, best_r = np.unravel_index(np.argmax(mean), mean.shape)
        self.Cs_ = Cs
        self.l1_ratios_ = np.array([np.nan if r is None else r for r in ratios])
        self.classes_ = classes
        self.penalty_ = penalty
        squeeze = self.l1_ratios is None
        keys = classes[1:] if k == 2 else classes
        self.scores_ = {c: scores[..., 0] if squeeze else scores for c in keys}
        self.coefs_paths_ = {
            c: (paths[..., 0, i, :] if squeeze else paths[..., i, :])
            for i, c in enumerate(keys)
        }
        self.C_ = np.full(n_rows, Cs[best_c])
        self.l1_ratio_ = np.full(n_rows, self.l1_ratios_[best_r])
        if self.refit:
            options = replace(base, C=float(Cs[best_c]), l1_ratio=ratios[best_r])
            fit = fit_model(X, y_idx, s_all, n_classes=k, options=options)
            self._store_fit(fit, X.dtype)
            self._keep_inference(fit, X, y_idx, s_all, options, k)
        else:
            best = paths[:, best_c, best_r].mean(axis=0)
            self.coef_ = best[:, :d].astype(X.dtype)
            self.intercept_ = (best[:, d] if self.fit_intercept else np.zeros(n_rows)).astype(
                X.dtype
            )
        self.multi_class_ = "multinomial" if k > 2 else "binary"
        # scikit-learn's layout: (1, n_folds, n_Cs[, n_l1_ratios]) for the one model
        self.n_iter_ = (n_iter[..., 0] if squeeze else n_iter)[None]
        if not self.use_legacy_attributes:  # scikit-learn ≥ 1.8's simplified layout
            self.C_ = float(self.C_[0])
            self.l1_ratio_ = (float(self.l1_ratio_[0]) if not squeeze
                              else float(l1_ratio_of(penalty, None)))
            self.coefs_paths_ = np.moveaxis(paths, 2, 1)  # (folds, l1, Cs, rows, dof)
            self.scores_ = np.moveaxis(scores, 2, 1)  # (folds, l1, Cs)
            self.n_iter_ = np.moveaxis(n_iter, 2, 1)
        return self

    def _keep_inference(self, fit, X, y_idx, s, options, k) -> None:
        """The refit's inference numbers, as ``LogisticRegression(inference="auto")``
        keeps them (unpenalised or L2 and small enough; see ``INFERENCE_AUTO_WORK``)."""
        for stale in ("inference_", "inference_skipped_"):
            if hasattr(self, stale):
                delattr(self, stale)
        p = (X.shape[1] + 1) * (1 if k == 2 else k)
        if options.penalty not in (None, "l2") or X.shape[0] * p * p > INFERENCE_AUTO_WORK:
            return
        try:
            self.inference_ = fit_state(fit, X, y_idx, s, options, n_classes=k)
        except CurvatureOverflowError as exc:
            self.inference_skipped_ = exc.named(getattr(self, "feature_names_in_", None))

    def _scoring_model(self, classes, coef, intercept, d) -> LogisticRegression:
        """A fitted LogisticRegression holding one path point, for the scorer."""
        model = LogisticRegression(fit_intercept=self.fit_intercept)
        model.classes_, model.coef_, model.intercept_ = classes, coef, intercept
        model.n_features_in_ = d
        model.multi_class_ = "multinomial" if classes.size > 2 else "binary"
        return model

    def score(self, X, y, sample_weight=None) -> float:
        """The ``scoring`` metric (accuracy by default) of the fitted model."""
        check_is_fitted(self)
        scorer = check_scoring(self, scoring=self.scoring or "accuracy")
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self, X, y, **kwargs)


def _labelled_scorer(scorer, classes):
    """``scorer`` rebuilt with ``labels=classes`` when its metric takes labels, so a
    held-out fold that lacks a class is scored against all of them."""
    func = getattr(scorer, "_score_func", None)
    if func is None or "labels" not in inspect.signature(func).parameters:
        return scorer
    kwargs = dict(getattr(scorer, "_kwargs", {}))
    kwargs.setdefault("labels", classes)
    if classes.size == 2 and "pos_label" in inspect.signature(func).parameters:
        kwargs.setdefault("pos_label", classes[-1])
    return make_scorer(func, greater_is_better=scorer._sign == 1,
                       response_method=scorer._response_method, **kwargs)


def _takes_weights(scorer) -> bool:
    """Whether ``scorer`` accepts ``sample_weight`` and did not decline it
    (``set_score_request(sample_weight=False)``)."""
    request = getattr(scorer, "_get_metadata_request", None)
    if request is not None:
        routed = getattr(getattr(request(), "score", None), "requests", {})
        if routed.get("sample_weight") is False:
            return False
    try:
        params = inspect.signature(scorer).parameters
    except (TypeError, ValueError):
        return False
    return "sample_weight" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )

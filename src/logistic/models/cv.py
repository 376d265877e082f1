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

import numbers

import numpy as np
from sklearn.metrics import check_scoring
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils.validation import check_is_fitted, validate_data

from .estimator import LogisticRegression
from .fitting import FitOptions, fit_model
from .path import _path, check_Cs
from .targets import check_l1_ratio, encode_targets

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
        as in :class:`logistic.LogisticRegression`.

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
    coef_, intercept_, classes_, n_iter_ : as in LogisticRegression.
    """

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=None,
        cv=5,
        scoring=None,
        refit: bool = True,
        penalty: str | None = "l2",
        fit_intercept: bool = True,
        solver: str = "auto",
        tol: float = 1e-10,
        max_iter: int | None = None,
        class_weight=None,
        random_state=None,
        verbose: int = 0,
    ):
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

    # LogisticRegression's parameters that the CV estimator fixes
    C = 1.0
    l1_ratio = None
    multi_class = "auto"
    learning_rate = "auto"
    record_coef = False

    def _grid(self):
        if isinstance(self.Cs, numbers.Integral) and not isinstance(self.Cs, bool):
            if self.Cs < 1:
                raise ValueError(f"Cs must be a positive int or a sequence, got {self.Cs!r}.")
            Cs = np.logspace(-4, 4, int(self.Cs))
        else:
            Cs = check_Cs(self.Cs)
        if self.l1_ratios is None:
            return Cs, [None], self.penalty
        ratios = list(np.atleast_1d(self.l1_ratios))
        for r in ratios:
            check_l1_ratio("elasticnet", r)
        return Cs, [float(r) for r in ratios], "elasticnet"

    def _folds(self, X, y):
        cv = self.cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise ValueError(f"cv must be at least 2 folds, got {cv!r}.")
            shuffle = self.random_state is not None
            cv = StratifiedKFold(cv, shuffle=shuffle, random_state=self.random_state)
        cv = check_cv(cv, y, classifier=True)
        return list(cv.split(X, y))

    def fit(self, X, y, sample_weight=None) -> LogisticRegressionCV:
        """Cross-validate over the grid, then (``refit``) fit on all the data."""
        Cs, ratios, penalty = self._grid()
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32]
        )
        classes, y_idx, s_all = encode_targets(X, y, sample_weight, self.class_weight)
        scorer = check_scoring(self, scoring=self.scoring or "accuracy")
        folds = self._folds(X, y)
        k = classes.size
        n_rows = 1 if k == 2 else k
        d = X.shape[1]
        n_dof = d + int(self.fit_intercept)
        scores = np.zeros((len(folds), Cs.size, len(ratios)))
        paths = np.zeros((len(folds), Cs.size, len(ratios), n_rows, n_dof))
        for f, (train, test) in enumerate(folds):
            s_train = None if s_all is None else s_all[train]
            for r, ratio in enumerate(ratios):
                options = FitOptions.of(self.get_params(), penalty=penalty, l1_ratio=ratio)
                coefs, intercepts, *_ = _path(
                    X[train], y_idx[train], s_train, Cs, k, True, True, options
                )
                paths[f, :, r, :, :d] = coefs
                if self.fit_intercept:
                    paths[f, :, r, :, d] = intercepts
                for c in range(Cs.size):
                    model = self._scoring_model(classes, coefs[c], intercepts[c], d)
                    scores[f, c, r] = scorer(model, X[test], y[test])
        mean = scores.mean(axis=0)
        best_c, best_r = np.unravel_index(np.argmax(mean), mean.shape)
        self.Cs_ = Cs
        self.l1_ratios_ = np.array([np.nan if r is None else r for r in ratios])
        self.classes_ = classes
        squeeze = self.l1_ratios is None
        keys = classes[1:] if k == 2 else classes
        self.scores_ = {c: scores[..., 0] if squeeze else scores for c in keys}
        self.coefs_paths_ = {
            c: (paths[..., 0, i, :] if squeeze else paths[..., i, :])
            for i, c in enumerate(keys)
        }
        self.C_ = np.full(n_rows, Cs[best_c])
        self.l1_ratio_ = np.full(n_rows, self.l1_ratios_[best_r])
        best_ratio = ratios[best_r]
        if self.refit:
            options = FitOptions.of(
                self.get_params(), penalty=penalty, C=float(Cs[best_c]), l1_ratio=best_ratio
            )
            self._store_fit(fit_model(X, y_idx, s_all, n_classes=k, options=options))
        else:
            best = paths[:, best_c, best_r].mean(axis=0)
            self.coef_ = best[:, :d].copy()
            self.intercept_ = best[:, d].copy() if self.fit_intercept else np.zeros(n_rows)
        self.multi_class_ = "multinomial" if k > 2 else "binary"
        return self

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

r"""Statistical inference for a fitted binary :class:`~logistic.LogisticRegression`.

:func:`summary` (also ``model.summary(X, y)``) returns a :class:`LogitResults`: the
coefficient table with standard errors, z statistics, p-values, confidence intervals and
odds ratios, plus the fit statistics of statsmodels' ``Logit`` — and follows its
conventions exactly, so the numbers agree with statsmodels to rounding.

Why the data are passed again
    The estimator keeps only its coefficients: storing ``X`` would pin possibly large
    data in every fitted (and pickled) model. Everything here is computed from the data
    in a few passes through the package's per-block layer (:mod:`logistic.math.binary`,
    :mod:`logistic.math.inference`), and :func:`summary` checks that the
    coefficients really are the optimum on the data it is given.

Covariances (θ̂ the estimate, :math:`\tilde x_i = (1, x_i)`, :math:`r_i = p_i - y_i`)
    * ``"nonrobust"``: :math:`V = H^{-1}`, the inverse Fisher information
      :math:`H = \sum_i s_i p_i(1-p_i)\tilde x_i\tilde x_i^\top` (plus :math:`I/C` on the
      coefficients for ``penalty="l2"``: the *penalised* Hessian; for ``"firth"`` the
      Fisher information at the Firth estimate, as in logistf and firthmodels).
    * ``"HC0"``: White's sandwich :math:`V = H^{-1} M H^{-1}`,
      :math:`M = \sum_i s_i r_i^2 \tilde x_i\tilde x_i^\top`; ``"HC1"``: times
      :math:`N/(N-k)`.
    * ``"cluster"`` (CRV1): :math:`M = \sum_g u_g u_g^\top`,
      :math:`u_g = \sum_{i\in g} s_i r_i \tilde x_i`, times
      :math:`\frac{G}{G-1}\frac{N-1}{N-k}` (statsmodels' ``use_correction=True``).

    :math:`N` is the number of observations, :math:`k` the number of parameters,
    :math:`G` the number of clusters.

Sample weights are frequency weights
    Sample :math:`i` stands for :math:`s_i` identical observations, so every number
    equals the one computed on the data with each row repeated :math:`s_i` times (for
    integer weights): :math:`N = \sum_i s_i`. This is statsmodels'
    ``GLM(..., freq_weights=s)``, except that GLM's HC1 and cluster corrections count
    rows rather than :math:`\sum_i s_i` (an inconsistency we do not copy).

Fit statistics, as statsmodels' ``Logit`` (which always counts a constant)
    ``llf`` = :math:`\ell(\hat\theta)` (the penalised :math:`\ell^*` for Firth);
    ``llnull`` = the intercept-only model's (its Firth fit for Firth);
    ``llr = 2(llf - llnull)`` on ``df_model = k - 1`` degrees of freedom;
    ``prsquared = 1 - llf/llnull`` (McFadden); ``aic = -2 llf + 2k``;
    ``bic = -2 llf + k\log N``; ``df_resid = N - k``.

Separation
    For ``penalty=None``, when some fitted margin is large (the symptom) the data are
    checked by linear programming (:mod:`logistic.inference.separation`). If the MLE does not
    exist the result says so and names the diverging coefficients, whose standard errors
    are reported as NaN instead of huge numbers.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg as la
from scipy import stats
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..data import make_backend
from ..data.device import on_host
from ..math import inference as obji
from ..problems import FirthProblem
from ..problems.multinomial import one_hot
from . import effects, firth
from ._stats import FitStatistics
from .effects import latex_table
from .mnlogit import multinomial_results
from .separation import SeparationWarning, detect_separation
from .state import INFERENCE_PENALTIES, _assemble, binary_state, multinomial_state

__all__ = [
    "COV_TYPES",
    "LogitResults",
    "TestResult",
    "summary",
    "lr_test",
]

COV_TYPES = ("nonrobust", "HC0", "HC1", "stata", "cluster", "stata-cluster")

#: Fitted margins beyond this trigger the separation check (|z| > 10: p < 5e-5).
_SEPARATION_SYMPTOM = 10.0

#: The coefficients must be within this many standard errors (Mahalanobis) of the optimum.
_OPTIMUM_SE = 1e-2


@dataclass(frozen=True)
class TestResult:
    """A chi-squared test: ``statistic`` on ``df`` degrees of freedom, its ``pvalue``."""

    statistic: float
    df: int
    pvalue: float
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name}: chi2({self.df}) = {self.statistic:.6g}, p-value = {self.pvalue:.6g}"


# --------------------------------------------------------------------------- checks
def _firth_only(penalty, what: str) -> str:
    if penalty == "firth":
        return (f"{what} refits constrained Firth models: pass the training data, "
                "model.summary(X, y).")
    return f"{what} is available for penalty='firth' fits only."


def _check_alpha(alpha) -> float:
    if not isinstance(alpha, int | float | np.floating) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number strictly between 0 and 1, got {alpha!r}.")
    return float(alpha)


def _check_cov_type(cov_type, groups, n_samples, penalty):
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}.")
    if penalty == "firth" and cov_type != "nonrobust":
        raise ValueError(
            "penalty='firth' supports cov_type='nonrobust' only (the penalised information); "
            f"got {cov_type!r}."
        )
    if cov_type not in ("cluster", "stata-cluster"):
        if groups is not None:
            raise ValueError(f"groups is used only with cov_type='cluster', not {cov_type!r}.")
        return None
    if groups is None:
        raise ValueError(f"cov_type={cov_type!r} needs groups= (one cluster label per sample).")
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != n_samples:
        raise ValueError(
            f"groups must have one label per sample: expected shape ({n_samples},), "
            f"got {groups.shape}."
        )
    _, codes = np.unique(groups, return_inverse=True)
    n_groups = int(codes.max()) + 1
    if n_groups < 2:
        raise ValueError("cov_type='cluster' needs at least 2 distinct groups.")
    return codes.astype(np.intp), n_groups


# ------------------------------------------------------------------ covariances
def _inverse(H: np.ndarray, names: list[str] | None = None) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix (Cholesky), or an error naming why
    — with ``names`` (one per row of H), also where H is singular only up to rounding
    (:func:`_rank_deficient`), naming the terms of the dependence."""
    try:
        if names is not None and _rank_deficient(H):
            raise la.LinAlgError("rank-deficient up to rounding")
        c = la.cho_factor(H, lower=True)
    except la.LinAlgError:
        raise ValueError(
            "The information matrix is singular: the features (with the intercept) are "
            "linearly dependent, so the coefficients are not identified"
            + _dependent_terms(H, names) + "."
        ) from None
    return la.cho_solve(c, np.eye(H.shape[0]))


#: The unit-diagonal information's smallest eigenvalue (per parameter) at which an
#: unpenalised fit's coefficients count as not identified.
RANK_TOL = 1e-14
#: Terms a message about a dependence names at most.
MAX_TERMS = 8


def warn_if_not_identified(model, state) -> None:
    """Warn when an unpenalised fit's information is singular: the features are
    linearly dependent (or a column is zero in every row of positive weight), so the
    coefficients returned are one of many maximisers (the solvers' minimum-norm-like
    choice), and the summary will refuse them."""
    if state.penalty is not None or state.separation is not None:
        return  # penalised: identified; separated: SeparationWarning says why
    H, names = _identified_block(model, state)
    if _rank_deficient(H):
        terms = _dependent_terms(H, names)
        warnings.warn(
            "the coefficients are not identified: the features"
            f"{' (with the intercept)' if state.fit_intercept else ''} are "
            f"linearly dependent{terms}; the fit is one of many with the same likelihood "
            "(drop a column, or use an L2 penalty).", UserWarning, stacklevel=3)


def _identified_block(model, state) -> tuple[np.ndarray, list[str]]:
    """The information of the parameters an unpenalised fit identifies, with their names:
    all of a binary fit's; a multinomial fit's without its first class (the reference:
    the loss is blind to shifting every class by the same vector), named
    ``'class: term'``."""
    names = _theta_names(model, state.fit_intercept)
    if state.n_classes == 2:
        return state.information, names
    p = len(names)
    return state.information[p:, p:], [f"{c}: {n}" for c in model.classes_[1:] for n in names]


def _rank_deficient(H: np.ndarray) -> bool:
    """Whether H is singular up to rounding: its scale-free (unit-diagonal) form has an
    eigenvalue at rounding level (a duplicated column: ~1e-16; a column of spread 1
    beside an offset of 1e6, identified though barely: ~1e-12), or a zero diagonal."""
    if H.shape[0] == 0 or not np.all(np.isfinite(H)):
        return False
    scaled = _unit_diagonal(H)
    if scaled is None:
        return True
    return float(np.linalg.eigvalsh(scaled)[0]) <= RANK_TOL * H.shape[0]


def _unit_diagonal(H: np.ndarray) -> np.ndarray | None:
    """:math:`D^{-1/2} H D^{-1/2}` (symmetrised), D = diag(H); None where a diagonal
    entry is zero (a column without curvature)."""
    root = np.sqrt(np.clip(np.diag(H), 0.0, None))
    if not np.all(root > 0):
        return None
    scaled = H / np.outer(root, root)
    return 0.5 * (scaled + scaled.T)


def _dependent_terms(H: np.ndarray, names: list[str] | None) -> str:
    """`` (the dependence involves 'a', 'b')``: the terms with the largest weights in the
    direction of the unit-diagonal H's smallest eigenvalue, or the columns without
    curvature (zero in every row of positive weight); empty without names."""
    if names is None or len(names) != H.shape[0] or not np.all(np.isfinite(H)):
        return ""
    scaled = _unit_diagonal(H)  # scale-free, so that a column's scale does not pick it
    if scaled is None:  # columns with no curvature at all: they alone
        v = (np.diag(H) <= 0).astype(float)
    else:  # every null direction (a multinomial fit has one per class for a dependence)
        values, vectors = np.linalg.eigh(scaled)
        null = values <= max(values[0], RANK_TOL * H.shape[0])
        v = np.max(np.abs(vectors[:, null]), axis=1)
    terms = [names[j] for j in np.argsort(-v, kind="stable")[:MAX_TERMS]
             if v[j] >= 0.1 * v.max()]
    return f" (the dependence involves {', '.join(map(repr, terms))})"


def _meat(backend, w, b, fit_intercept, clusters):
    """Score outer products: per sample (HC) or per cluster sum (cluster)."""
    if clusters is None:
        return _assemble(*backend.reduce(obji.block_score_gram, w, b), fit_intercept)
    codes, n_groups = clusters
    _, sizes = backend.reduce_keep(obji.block_n_rows)
    per_block = np.split(codes, np.cumsum(sizes)[:-1])
    U_w, U_b = backend.reduce(obji.block_cluster_scores, w, b, n_groups, per_block=per_block)
    U = np.column_stack([U_w, U_b]) if fit_intercept else U_w
    return U.T @ U


# ------------------------------------------------------------------- results
class LogitResults(FitStatistics):
    """Results of :func:`summary`: estimates, their covariance, tests and fit statistics.

    Parameters are ordered as in statsmodels with ``add_constant``: ``const`` first (when
    the model has an intercept), then the features in the order of ``X``'s columns.
    ``params``, ``bse``, ``zvalues``, ``pvalues`` are pandas Series indexed by name.
    """

    def __init__(self, *, names, params, cov, llf, llnull, nobs, cov_type, alpha, penalty,
                 C, separation, firth_state=None, cov_label="", margins=None):
        self.names = list(names)
        self._margins = margins
        self.params = pd.Series(params, index=self.names, name="coef")
        self._cov = np.asarray(cov)
        self.llf = float(llf)
        self.llnull = float(llnull)
        self.nobs = float(nobs)
        self.cov_type = cov_type
        self.alpha = alpha
        self.penalty = penalty
        self.C = C
        self.separation = separation
        self.cov_label = cov_label
        self._firth = firth_state
        k = len(self.names)
        self.df_model = float(k - 1)
        self.df_resid = float(self.nobs - k)
        bse = np.sqrt(np.diag(self._cov))
        if separation is not None and not separation.exists:
            bse = np.where(separation.directions[self._theta_order] != 0, np.nan, bse)
        self.bse = pd.Series(bse, index=self.names, name="std err")
        self.zvalues = pd.Series(self.params.to_numpy() / bse, index=self.names, name="z")
        self.tvalues = self.zvalues  # statsmodels' name
        self.pvalues = pd.Series(
            2 * stats.norm.sf(np.abs(self.zvalues.to_numpy())), index=self.names, name="P>|z|"
        )

    @property
    def _theta_order(self) -> np.ndarray:
        """Index into θ (coefficients then intercept) of each displayed parameter."""
        k = len(self.names)
        if self.names[0] == "const":
            return np.r_[k - 1, 0 : k - 1]
        return np.arange(k)

    # fit statistics (llr, llr_pvalue, prsquared, aic, bic): FitStatistics

    # -- intervals --------------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """The estimated covariance of the parameters (of the chosen ``cov_type``)."""
        return pd.DataFrame(self._cov, index=self.names, columns=self.names)

    def conf_int(self, alpha: float | None = None, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals at level 1 − alpha (default: the summary's alpha).

        ``method="wald"``: :math:`\\hat\\theta \\pm z_{1-\\alpha/2}\\,\\mathrm{se}`.
        ``method="profile"`` (Firth fits only): profile penalised-likelihood intervals
        (:func:`logistic.inference.firth.profile_interval`).
        """
        alpha = self.alpha if alpha is None else _check_alpha(alpha)
        if method == "wald":
            q = stats.norm.ppf(1 - alpha / 2)
            lo, hi = self.params - q * self.bse, self.params + q * self.bse
        elif method == "profile":
            if self._firth is None:
                raise ValueError(_firth_only(self.penalty, "method='profile'"))
            problem, theta = self._firth
            order = self._theta_order
            ci = np.array([
                firth.profile_interval(
                    problem, theta, int(order[i]), alpha=alpha, se=se, name=self.names[i]
                )
                for i, se in enumerate(self.bse.to_numpy())
            ])
            lo, hi = ci[:, 0], ci[:, 1]
        else:
            raise ValueError(f"method must be 'wald' or 'profile', got {method!r}.")
        return pd.DataFrame({"lower": np.asarray(lo), "upper": np.asarray(hi)}, index=self.names)

    @property
    def odds_ratios(self) -> pd.DataFrame:
        """exp(coef) with its (Wald) confidence interval at the summary's level."""
        ci = np.exp(self.conf_int())
        return pd.DataFrame(
            {"odds_ratio": np.exp(self.params), "lower": ci["lower"], "upper": ci["upper"]}
        )

    # -- tests ------------------------------------------------------------------
    def wald_test(self, R, q=None) -> TestResult:
        """Wald test of the linear restrictions :math:`R\\theta = q` (statsmodels' ``wald_test``).

        :math:`W = (R\\hat\\theta - q)^\\top (R V R^\\top)^{-1} (R\\hat\\theta - q)
        \\sim \\chi^2_{r}` with V this result's covariance and r the rows of R.
        Columns of R follow :attr:`names`.
        """
        if isinstance(R, str):
            raise TypeError("R must be a matrix with one column per parameter (string "
                            "restrictions such as 'x1 = 0' are not parsed).")
        R = np.atleast_2d(np.asarray(R, dtype=np.float64))
        k = len(self.names)
        if R.shape[1] != k:
            raise ValueError(f"R must have {k} columns (one per parameter), got {R.shape[1]}.")
        q = np.zeros(R.shape[0]) if q is None else np.atleast_1d(np.asarray(q, dtype=np.float64))
        if q.shape != (R.shape[0],):
            raise ValueError(f"q must have {R.shape[0]} entries (one per row of R), got {q.shape}.")
        diff = R @ self.params.to_numpy() - q
        df = int(np.linalg.matrix_rank(R))
        if df < R.shape[0]:
            raise ValueError(
                f"R has linearly dependent rows (rank {df} < {R.shape[0]} rows): drop the "
                "redundant restrictions."
            )
        try:
            stat = float(diff @ la.solve(R @ self._cov @ R.T, diff, assume_a="pos"))
        except la.LinAlgError:
            raise ValueError(
                "R V Rᵀ is singular: the restrictions involve parameters without a finite "
                "variance (e.g. under separation)."
            ) from None
        return TestResult(stat, df, float(stats.chi2.sf(stat, df)), "Wald test")

    @property
    def lrt_pvalues(self) -> pd.Series:
        """Firth fits: penalised likelihood-ratio p-value of each θ_j = 0 (as firthmodels')."""
        if self._firth is None:
            raise ValueError(_firth_only(self.penalty, "lrt_pvalues"))
        problem, theta = self._firth
        p = [firth.penalized_lrt(problem, theta, [int(j)])[2] for j in self._theta_order]
        return pd.Series(p, index=self.names, name="LRT p")

    # -- marginal effects, predictions, residuals (logistic.inference.effects) -----
    def get_margeff(self, at: str = "overall", method: str = "dydx") -> pd.DataFrame:
        """Average marginal effects (``at="overall"``) or effects at the mean
        (``at="mean"``) on the probability, with delta-method standard errors, as
        statsmodels' ``get_margeff(...).summary_frame()``; no data needed."""
        if method != "dydx":
            raise ValueError(f"method must be 'dydx' (effects on the probability), got "
                             f"{method!r}.")
        if self.penalty == "firth" or self._margins is None:
            raise ValueError("Marginal effects need the fit's averages: they are offered for "
                             "penalty=None and 'l2' fits.")
        m, order = self._margins, self._theta_order
        return effects.marginal_effects(
            self.params.to_numpy(), self._cov, m["mean_v"], np.asarray(m["mean_vx"])[order],
            np.asarray(m["mean_x"])[order], self.names, at=at, alpha=self.alpha,
            has_const=self.names[0] == "const",
        )

    def _design(self, X) -> np.ndarray:
        X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
        k = len(self.names) - int(self.names[0] == "const")
        if X.ndim != 2 or X.shape[1] != k:
            raise ValueError(f"X must have {k} columns, got shape {X.shape}.")
        return np.column_stack([np.ones(X.shape[0]), X]) if self.names[0] == "const" else X

    def get_prediction(self, X) -> effects.PredictionResults:
        """Predictions for the rows of ``X`` with standard errors; ``.summary_frame(alpha)``
        gives the probability and the linear predictor with their intervals."""
        Xt = self._design(X)
        eta = Xt @ self.params.to_numpy()
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", Xt, self._cov, Xt), 0.0))
        return effects.PredictionResults(eta, se)

    def resid_pearson(self, X, y) -> np.ndarray:
        r"""Pearson residuals :math:`(y-p)/\sqrt{p(1-p)}` on ``(X, y)`` (y in 0/1 or the
        model's two labels, the second the positive class)."""
        Xt = self._design(X)
        return effects.pearson_residuals(self._y01(y, Xt.shape[0]), Xt @ self.params.to_numpy())

    def resid_deviance(self, X, y) -> np.ndarray:
        """Deviance residuals on ``(X, y)``."""
        Xt = self._design(X)
        return effects.deviance_residuals(self._y01(y, Xt.shape[0]),
                                          Xt @ self.params.to_numpy())

    def _y01(self, y, n_rows: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n_rows,):
            raise ValueError(f"y must have one label per row of X ({n_rows}), got shape "
                             f"{y.shape}.")
        labels = getattr(self, "classes", None)
        if labels is not None and np.all(np.isin(y, labels)):
            return (y == labels[1]).astype(np.float64)
        if not np.all(np.isin(y, (0, 1))):
            raise ValueError("y must hold the model's two classes (or 0/1).")
        return y.astype(np.float64)

    def as_html(self) -> str:
        """The coefficient table as HTML (with the fit statistics as a caption)."""
        caption = (f"Logit: N={self.nobs:g}, log-likelihood {self.llf:.6g}, pseudo R² "
                   f"{self.prsquared:.4f}, covariance {self.cov_label}")
        return self.to_frame().to_html(float_format=lambda v: f"{v:.4g}").replace(
            "<table", f"<table title=\"{caption}\"", 1)

    def as_latex(self) -> str:
        """The coefficient table as a LaTeX tabular (booktabs rules)."""
        return latex_table(self.to_frame())

    # -- output -----------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The coefficient table as a DataFrame (one row per parameter)."""
        ci = self.conf_int()
        a = self.alpha
        return pd.DataFrame({
            "coef": self.params,
            "std err": self.bse,
            "z": self.zvalues,
            "P>|z|": self.pvalues,
            f"[{a / 2:g}": ci["lower"],
            f"{1 - a / 2:g}]": ci["upper"],
            "odds ratio": self._odds(),
        })

    def _odds(self) -> pd.Series:
        """exp(coef), NaN where the coefficient diverges (separation: no finite value)."""
        with np.errstate(over="ignore"):
            odds = np.exp(self.params)
        return odds.where(~np.isnan(self.bse.to_numpy()))

    def __str__(self) -> str:
        return _format(self)

    def __repr__(self) -> str:
        return f"<LogitResults: {len(self.names)} parameters, cov_type={self.cov_type!r}>"


# -------------------------------------------------------------------- summary
def _names(model, fit_intercept: bool) -> list[str]:
    names = getattr(model, "feature_names_in_", None)
    names = [str(n) for n in names] if names is not None else [
        f"x{j + 1}" for j in range(model.n_features_in_)
    ]
    return ["const", *names] if fit_intercept else names


def _table_names(model, fit_intercept: bool) -> list[str]:
    """The summary table's row names; a feature named ``const`` (the intercept's name
    there, by which the results tell the intercept) is refused."""
    names = _names(model, fit_intercept)
    if "const" in names[int(fit_intercept):]:
        raise ValueError("a feature is named 'const', the summary's name for the intercept: "
                         "rename that column to read the summary.")
    return names


def summary(
    model,
    X=None,
    y=None,
    sample_weight=None,
    *,
    alpha: float = 0.05,
    cov_type: str = "nonrobust",
    groups=None,
) -> LogitResults:
    """Inference for a fitted binary :class:`~logistic.LogisticRegression`.

    Parameters
    ----------
    model : a fitted ``LogisticRegression`` (penalty None, "l2" or "firth").
    X, y, sample_weight : omit them to use the numbers the fit kept
        (``model.inference_``, see :mod:`logistic.inference.state`); pass the data for
        cluster covariances, for Firth's profile intervals and likelihood-ratio tests,
        or to evaluate the model on other data (weights are frequency weights).
    alpha : level of the confidence intervals, in (0, 1).
    cov_type : one of :data:`COV_TYPES` (see the module docstring).
    groups : cluster labels (one per sample) for ``cov_type="cluster"``/``"stata-cluster"``.

    Returns
    -------
    LogitResults
    """
    check_is_fitted(model)
    alpha = _check_alpha(alpha)
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}, got {cov_type!r}.")
    penalty = getattr(model, "penalty_", model.penalty)  # the penalty the fit used
    if penalty not in INFERENCE_PENALTIES:
        raise ValueError(
            f"No inference table for penalty={penalty!r}: L1 and elastic-net select "
            "variables, and post-selection inference is not offered; refit with "
            "penalty=None, 'l2' or 'firth'."
        )
    if getattr(model, "multi_class_", "") == "ovr":
        raise ValueError(
            "summary() covers binary and multinomial models; a one-vs-rest model's "
            "per-class fits are not one likelihood, so it has no single table."
        )
    if np.ravel(model.intercept_).size > 1:
        return _multinomial_summary(model, X, y, sample_weight, alpha=alpha,
                                    cov_type=cov_type, groups=groups, penalty=penalty)
    fit_intercept = bool(model.fit_intercept)
    d = int(model.n_features_in_)
    coef, intercept = on_host(model.coef_), on_host(model.intercept_)  # device fits: O(d)
    theta = np.append(coef.ravel(), intercept[0]) if fit_intercept else (
        np.asarray(coef, dtype=np.float64).ravel().copy()
    )
    theta = np.asarray(theta, dtype=np.float64)
    w, b = theta[:d], (float(theta[d]) if fit_intercept else 0.0)
    firth_state = None
    if X is None and y is None:
        if sample_weight is not None:
            raise ValueError("sample_weight is used only with X and y.")
        state = getattr(model, "inference_", None)
        if state is None:
            raise ValueError(missing_inference_reason(model))
        clusters = _check_cov_type(cov_type, groups, state.n_rows, penalty)
        if clusters is not None:
            raise ValueError(
                f"cov_type={cov_type!r} sums scores per cluster: pass the data, "
                "model.summary(X, y, groups=...)."
            )
        backend = None
    elif X is None or y is None:
        raise ValueError("Pass both X and y (the data to evaluate on), or neither.")
    else:
        X, y, s = _checked_data(model, X, y, sample_weight)
        y01 = (y == model.classes_[1]).astype(np.float64)
        clusters = _check_cov_type(cov_type, groups, X.shape[0], penalty)
        backend = make_backend(X, y01, s)
        separation = None
        if penalty is None:
            _, zmax = backend.reduce_keep(obji.block_max_abs_margin, w, b)
            if max(zmax) > _SEPARATION_SYMPTOM or not getattr(model, "converged_", True):
                separation = detect_separation(X, y01, s, fit_intercept=fit_intercept)
                if separation.exists:
                    separation = None
                else:
                    warnings.warn(
                        separation.message(_theta_names(model, fit_intercept)),
                        SeparationWarning,
                        stacklevel=3,
                    )
        state = binary_state(backend, theta, penalty=penalty, C=_fitted_C(model),
                             fit_intercept=fit_intercept, y01=y01, s=s,
                             separation=separation)
        if penalty == "firth":
            firth_state = (FirthProblem(backend, fit_intercept=fit_intercept), theta)
    return results_from_state(model, state, theta, alpha=alpha, cov_type=cov_type,
                              backend=backend, clusters=clusters, firth_state=firth_state)


def _checked_data(model, X, y, sample_weight):
    """``(X, y, s)`` validated against the fitted ``model`` (labels among its classes,
    non-negative weights or None)."""
    X, y = validate_data(
        model, X, y, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32],
        reset=False,
    )
    if not np.all(np.isin(y, model.classes_)):
        raise ValueError(f"y has labels outside the model's classes {model.classes_.tolist()}.")
    s = None if sample_weight is None else _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    return X, y, s


def _multinomial_summary(model, X, y, sample_weight, *, alpha, cov_type, groups, penalty):
    """The multinomial branch of :func:`summary` (see :mod:`logistic.inference.mnlogit`)."""
    if groups is not None:
        raise ValueError("Cluster covariances are offered for binary models only.")
    if X is None and y is None:
        state = getattr(model, "inference_", None)
        if state is None:
            raise ValueError(missing_inference_reason(model))
    elif X is None or y is None:
        raise ValueError("Pass both X and y (the data to evaluate on), or neither.")
    else:
        X, y, s = _checked_data(model, X, y, sample_weight)
        y_idx = np.searchsorted(model.classes_, y)
        backend = make_backend(X, one_hot(y_idx, model.classes_.size), s)
        state = multinomial_state(backend, model.coef_, model.intercept_, penalty=penalty,
                                  C=_fitted_C(model), fit_intercept=bool(model.fit_intercept),
                                  y_idx=y_idx, s=s)
    label = {"nonrobust": "nonrobust", "HC0": "HC0 (sandwich)", "HC1": "HC1 (sandwich)",
             "stata": "robust (Stata: HC0 × N/(N−1))"}.get(cov_type, cov_type)
    # under separation the information at the diverging point is near-singular by
    # nature, and the separation's own report says why (not a dependence of columns)
    names = _identified_block(model, state)[1] if state.separation is None else None
    return multinomial_results(
        model, state, alpha=alpha, cov_type=cov_type,
        names=_table_names(model, bool(model.fit_intercept)),
        inverse=functools.partial(_inverse, names=names),
        check_optimum=functools.partial(_check_optimum, given=X is not None), label=label,
    )


def results_from_state(model, state, theta, *, alpha, cov_type, backend=None, clusters=None,
                       firth_state=None) -> LogitResults:
    """:class:`LogitResults` from an :class:`~logistic.inference.state.InferenceState`
    (``backend`` and ``clusters`` only for cluster covariances)."""
    fit_intercept = state.fit_intercept
    d = theta.size - int(fit_intercept)
    # under separation the information at the diverging point is near-singular by
    # nature, and the separation's own report says why (not a dependence of columns)
    names = _theta_names(model, fit_intercept) if state.separation is None else None
    bread = _inverse(state.information, names)
    _check_optimum(state.score, bread, given=backend is not None)
    nobs, n_params = state.nobs, theta.size
    if cov_type == "nonrobust":
        cov = bread
    else:
        if state.meat is None:
            raise ValueError(
                f"cov_type={cov_type!r} needs the score outer products, which a "
                "penalty='firth' fit does not offer (its covariance is the inverse "
                "penalised information): use cov_type='nonrobust'."
            )
        if nobs <= n_params and cov_type in ("HC1", "cluster", "stata-cluster"):
            raise ValueError(
                f"cov_type={cov_type!r} scales by N/(N-k): it needs more observations "
                f"(N = {nobs:g}) than parameters (k = {n_params})."
            )
        if cov_type in ("cluster", "stata-cluster"):
            w, b = theta[:d], (float(theta[d]) if fit_intercept else 0.0)
            meat = _meat(backend, w, b, fit_intercept, clusters)
        else:
            meat = state.meat
        cov = bread @ meat @ bread
        if cov_type == "HC1":
            cov *= nobs / (nobs - n_params)
        elif cov_type == "stata":
            cov *= nobs / (nobs - 1.0)
        elif cov_type in ("cluster", "stata-cluster"):
            G = clusters[1]
            cov *= G / (G - 1.0) * (nobs - 1.0) / (nobs - n_params)

    order = np.r_[d, 0:d] if fit_intercept else np.arange(d)
    groups_label = f"{clusters[1] if clusters else 0} groups"
    label = {"nonrobust": "nonrobust", "HC0": "HC0 (sandwich)", "HC1": "HC1 (sandwich)",
             "stata": "robust (Stata: HC0 × N/(N−1))",
             "cluster": f"cluster ({groups_label})",
             "stata-cluster": f"cluster ({groups_label}; Stata's vce(cluster))"}[cov_type]
    penalty = state.penalty
    if penalty == "l2":
        label += f", penalised Hessian (L2, C={state.C:g})"
    elif penalty == "firth":
        label += ", Firth-penalised information"
    results = LogitResults(
        names=_table_names(model, fit_intercept),
        params=theta[order],
        cov=cov[np.ix_(order, order)],
        llf=state.llf,
        llnull=state.llnull,
        nobs=nobs,
        cov_type=cov_type,
        alpha=alpha,
        penalty=penalty,
        C=state.C,
        separation=state.separation,
        firth_state=firth_state,
        cov_label=label,
        margins=state.margins if penalty != "firth" else None,
    )
    results.classes = np.asarray(model.classes_)
    return results


def _fitted_C(model) -> float:
    """The C the fit used: a cross-validated model's chosen ``C_``, else ``C``."""
    return float(np.ravel(getattr(model, "C_", model.C))[0])


def missing_inference_reason(model) -> str:
    """Why ``model.summary()`` (without data) has nothing to show, as a sentence."""
    penalty = getattr(model, "penalty_", getattr(model, "penalty", None))
    if penalty not in INFERENCE_PENALTIES:
        return (f"No inference table for penalty={penalty!r}: L1 and elastic-net select "
                "variables (post-selection inference is not offered).")
    if getattr(model, "multi_class_", "") == "ovr":
        return "A one-vs-rest model's per-class fits are not one likelihood: no table."
    if "inference" not in model.get_params():
        return (f"{type(model).__name__} keeps inference numbers only for a small "
                "unpenalised or L2 refit: pass the training data, model.summary(X, y).")
    skipped = getattr(model, "inference_skipped_", None)
    if skipped is not None:
        return f"No inference numbers: {skipped}"
    if getattr(model, "inference", "auto") is False:
        return ("This model was fitted with inference=False: refit with inference=True, "
                "or pass the training data, model.summary(X, y).")
    return ("This model carries no inference numbers (inference='auto' skips them for "
            "large L2 fits, where they cost a pass over the data, and a model file keeps "
            "only those its fit kept): refit with inference=True, or pass the training "
            "data, model.summary(X, y).")


def _theta_names(model, fit_intercept):
    names = _names(model, fit_intercept)
    return [*names[1:], names[0]] if fit_intercept else names


def _check_optimum(g: np.ndarray, bread: np.ndarray, *, given: bool = True) -> None:
    """Warn unless θ̂ is within ``_OPTIMUM_SE`` standard errors of the optimum on these data
    (``given``: data passed to summary; else the fit's own, kept at the fit).

    The Newton decrement :math:`\\lambda^2 = g^\\top H^{-1} g` (the score statistic) is
    the squared Mahalanobis distance, in standard errors, from θ̂ to the optimum.
    """
    lam2 = float(g @ bread @ g)
    if not lam2 <= _OPTIMUM_SE**2:
        where = "the data given to summary" if given else "the data it was fitted on"
        fix = ("pass the data the model was fitted on (with the same sample_weight), or "
               if given else "")
        warnings.warn(
            f"The coefficients are {math.sqrt(max(lam2, 0)):.3g} standard errors away from the "
            f"optimum on {where}, and the standard errors describe that optimum: {fix}refit "
            "with a smaller tol or more iterations (max_iter).",
            UserWarning,
            stacklevel=3,
        )


# ------------------------------------------------------------------- LR test
def lr_test(full: LogitResults, restricted: LogitResults) -> TestResult:
    """Likelihood-ratio test of a restricted model nested in a full one.

    :math:`LR = 2(\\ell_{full} - \\ell_{restricted}) \\sim \\chi^2_{df}`,
    ``df = full.df_model - restricted.df_model`` (statsmodels' ``compare_lr_test``). For
    Firth fits the penalised log-likelihoods are compared (the penalised LRT of
    Heinze & Schemper). Both models must be fitted on the same observations.
    """
    for r in (full, restricted):
        if not isinstance(r, LogitResults):
            raise TypeError(f"lr_test takes two LogitResults, got {type(r).__name__}.")
        if r.penalty == "l2":
            raise ValueError(
                "A likelihood-ratio test needs maximum-likelihood (penalty=None) or Firth "
                "fits; an L2-penalised fit's likelihood ratio has no chi-squared reference."
            )
    if full.penalty != restricted.penalty:
        raise ValueError("Both models must have the same penalty (None or 'firth').")
    if not math.isclose(full.nobs, restricted.nobs, rel_tol=1e-12):
        raise ValueError(
            f"The models were fitted on different numbers of observations "
            f"({full.nobs:g} and {restricted.nobs:g})."
        )
    df = int(round(full.df_model - restricted.df_model))
    if df <= 0:
        raise ValueError(
            f"The full model must have more parameters than the restricted one (df = {df})."
        )
    stat = 2.0 * (full.llf - restricted.llf)
    name = "Penalised likelihood-ratio test" if full.penalty == "firth" else "Likelihood-ratio test"
    return TestResult(stat, df, float(stats.chi2.sf(stat, df)), name)


# ------------------------------------------------------------------- printing
def _format(r: LogitResults) -> str:
    name_w = max(10, *(len(n) for n in r.names)) + 1
    width = max(78, name_w + 68)
    model = {None: "Logit (MLE)", "l2": f"Logit, L2 (C={r.C:g})", "firth": "Logit, Firth"}[
        r.penalty
    ]
    ll_name = "Penalised log-lik:" if r.penalty == "firth" else "Log-likelihood:"
    left = [("Model:", model), ("Covariance:", r.cov_label), ("No. observations:", f"{r.nobs:g}"),
            ("Df residuals:", f"{r.df_resid:g}"), ("Df model:", f"{r.df_model:g}")]
    right = [(ll_name, f"{r.llf:.6g}"), ("LL-null:", f"{r.llnull:.6g}"),
             ("LLR p-value:", f"{r.llr_pvalue:.4g}"), ("Pseudo R2 (McF.):", f"{r.prsquared:.4f}"),
             ("AIC / BIC:", f"{r.aic:.5g} / {r.bic:.5g}")]
    lines = ["Logistic regression results".center(width), "=" * width]
    if len(left[1][1]) > 22:  # long covariance labels get their own line
        lines.append(f"{'Covariance:':<18}{left[1][1]}")
        left[1] = ("", "")
    for (a, b), (c, e) in zip(left, right, strict=True):
        b = f"{b:<22}" if len(b) < 22 else f"{b} "  # a long model name keeps a space
        lines.append(f"{a:<18}{b}{c:<20}{e:>{width - 18 - len(b) - 20}}")
    lines.append("=" * width)
    lo, hi = f"[{r.alpha / 2:g}", f"{1 - r.alpha / 2:g}]"
    lines.append(f"{'':<{name_w}}{'coef':>10}{'std err':>10}{'z':>9}{'P>|z|':>8}"
                 f"{lo:>10}{hi:>10}{'odds ratio':>11}")
    lines.append("-" * width)
    ci = r.conf_int()
    odds = r._odds()
    for n in r.names:
        lines.append(
            f"{n:<{name_w}}{r.params[n]:>10.4f}{_cell(r.bse[n], 10, '.3f')}"
            f"{_cell(r.zvalues[n], 9, '.3f')}{_cell(r.pvalues[n], 8, '.3f')}"
            f"{_cell(ci.loc[n, 'lower'], 10, '.3f')}{_cell(ci.loc[n, 'upper'], 10, '.3f')}"
            f"{_cell(odds[n], 11, '.4g')}"
        )
    lines.append("=" * width)
    if r.separation is not None and not r.separation.exists:
        import textwrap

        names = [*r.names[1:], r.names[0]] if r.names[0] == "const" else r.names
        lines += textwrap.wrap("WARNING: " + r.separation.message(names), width)
    if r.penalty == "l2":
        lines += textwrap_note(
            "Note: L2-penalised estimates are biased towards 0; standard errors come from "
            "the penalised Hessian and the intervals are not exact confidence intervals.",
            width,
        )
    return "\n".join(lines)


def _cell(value: float, width: int, spec: str) -> str:
    """A number of the coefficient table, right-aligned; ``n/a`` where it is not reported
    (NaN: a coefficient that separation sends to infinity), ``inf`` where it overflows."""
    if value != value:
        return f"{'n/a':>{width}}"
    return f"{value:>{width}{spec}}"


def textwrap_note(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)

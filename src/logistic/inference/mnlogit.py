r"""Inference for multinomial fits, in statsmodels' ``MNLogit`` parametrisation.

Our multinomial model is scikit-learn's *symmetric* softmax: one row
:math:`\theta_c = (w_c, b_c)` per class. Adding the same vector to every row leaves
the probabilities unchanged, so the table reports what the data identify, the
**contrasts against the first class** (statsmodels' reference category)

.. math:: \beta_c = \theta_c - \theta_0, \qquad c = 1, \dots, K-1,

which are exactly ``MNLogit``'s parameters for an unpenalised fit (the log-odds of class
c against class 0). Covariances:

* ``penalty=None``: the reference-class log-likelihood is the symmetric one with
  :math:`\theta_0` fixed at 0, so its information is the symmetric information's block
  of classes 1…K−1, :math:`V = I_{(-0)}^{-1}` (HC: :math:`V = I^{-1}_{(-0)} M_{(-0)}
  I^{-1}_{(-0)}`, the meat of the same classes' scores);
* ``penalty="l2"``: the penalised symmetric information is invertible; the contrasts'
  covariance is :math:`D V_{sym} D^\top` with :math:`D` the contrast matrix (delta
  method; the note of the binary L2 table applies: biased estimates, approximate
  intervals).

Fit statistics as ``MNLogit``: ``df_model`` :math:`= (K-1)(p-1)` (p parameters per
class with the constant), ``df_resid`` :math:`= N - (K-1)p`, ``aic``
:math:`= -2\ell + 2(K-1)p`, ``bic`` :math:`= -2\ell + \log N\,(K-1)p`, McFadden's
pseudo-R² against the intercept-only model.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..data.device import on_host
from ._stats import FitStatistics

__all__ = ["MNLogitResults", "multinomial_results"]


class MNLogitResults(FitStatistics):
    """Multinomial results: per-class tables against the reference (first) class.

    ``params``, ``bse``, ``zvalues``, ``pvalues`` are DataFrames with one row per
    parameter name (``const`` first) and one column per non-reference class, as
    statsmodels' ``MNLogitResults``.
    """

    def __init__(self, *, names, classes, params, cov, llf, llnull, nobs, cov_type, alpha,
                 penalty, C, cov_label, separation=None, diverging=None):
        self.separation = separation
        self.names = list(names)
        self.classes = list(classes)
        cols = [str(c) for c in self.classes[1:]]
        p = len(self.names)
        self.params = pd.DataFrame(np.reshape(params, (len(cols), p)).T,
                                   index=self.names, columns=cols)
        self._cov = np.asarray(cov)
        bse = np.sqrt(np.diag(self._cov)).reshape(len(cols), p).T
        if diverging is not None:  # separation: these rows' estimates are not finite
            bse[np.asarray(diverging, dtype=bool)] = np.nan
        self.bse = pd.DataFrame(bse, index=self.names, columns=cols)
        self.zvalues = self.params / self.bse
        self.tvalues = self.zvalues
        self.pvalues = pd.DataFrame(2 * stats.norm.sf(np.abs(self.zvalues.to_numpy())),
                                    index=self.names, columns=cols)
        self.llf, self.llnull, self.nobs = float(llf), float(llnull), float(nobs)
        self.cov_type, self.alpha, self.penalty, self.C = cov_type, alpha, penalty, C
        self.cov_label = cov_label
        k_params = len(cols) * p
        self.df_model = float(len(cols) * (p - 1)) if "const" in self.names else float(k_params)
        self.df_resid = self.nobs - k_params

    def cov_params(self) -> pd.DataFrame:
        index = pd.MultiIndex.from_product([self.params.columns, self.names])
        return pd.DataFrame(self._cov, index=index, columns=index)

    def conf_int(self, alpha: float | None = None) -> pd.DataFrame:
        """Wald intervals, one row per (class, parameter) as statsmodels' MNLogit."""
        a = self.alpha if alpha is None else float(alpha)
        if not 0 < a < 1:
            raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}.")
        q = stats.norm.ppf(1 - a / 2)
        lo = (self.params - q * self.bse).T.stack()
        hi = (self.params + q * self.bse).T.stack()
        return pd.DataFrame({"lower": lo, "upper": hi})

    def to_frame(self) -> pd.DataFrame:
        ci = self.conf_int()
        a = self.alpha
        return pd.DataFrame({
            "coef": self.params.T.stack(), "std err": self.bse.T.stack(),
            "z": self.zvalues.T.stack(), "P>|z|": self.pvalues.T.stack(),
            f"[{a / 2:g}": ci["lower"], f"{1 - a / 2:g}]": ci["upper"],
        })

    def __str__(self) -> str:
        width = max(78, max(len(n) for n in self.names) + 60)
        model = "MNLogit (MLE)" if self.penalty is None else f"MNLogit, L2 (C={self.C:g})"
        lines = ["Multinomial logistic regression results".center(width), "=" * width,
                 f"Model: {model}; reference class {_plain(self.classes[0])!r}; covariance "
                 f"{self.cov_label}",
                 f"No. observations: {self.nobs:g}   Df model: {self.df_model:g}   "
                 f"Df residuals: {self.df_resid:g}",
                 f"Log-likelihood: {self.llf + 0.0:.6g}   LL-null: {self.llnull:.6g}   "
                 f"LLR p-value: {self.llr_pvalue:.4g}   Pseudo R2: {self.prsquared:.4f}",
                 "=" * width]
        frame = self.to_frame()
        for c in self.params.columns:
            lines.append(f"class {c} vs {_plain(self.classes[0])}")
            # n/a where a standard error is not reported (NaN: a coefficient that
            # separation sends to infinity), as the binary summary prints
            lines.append(frame.loc[c].to_string(float_format=lambda v: f"{v:.4f}",
                                                na_rep="n/a"))
            lines.append("-" * width)
        sep = self.separation
        if sep is not None and not sep.exists:
            import textwrap

            names = [*self.names[1:], self.names[0]] if self.names[0] == "const" else self.names
            lines += textwrap.wrap("WARNING: " + sep.message(names), width)
        if self.penalty == "l2":
            lines.append("Note: L2-penalised estimates are biased towards 0; standard errors "
                         "come from the penalised Hessian.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<MNLogitResults: {self.params.shape[1]} classes vs "
                f"{_plain(self.classes[0])!r}>")

    def as_html(self) -> str:
        return self.to_frame().to_html(float_format=lambda v: f"{v:.4g}")

    def as_latex(self) -> str:
        from .effects import latex_table

        frame = self.to_frame()
        frame.index = [f"{c}: {n}" for c, n in frame.index]
        return latex_table(frame)


def _plain(label):
    return label.item() if isinstance(label, np.generic) else label


def multinomial_results(model, state, *, alpha, cov_type, names, inverse, check_optimum,
                        label) -> MNLogitResults:
    """:class:`MNLogitResults` from a multinomial :class:`InferenceState`."""
    k = state.n_classes
    W = np.asarray(on_host(model.coef_), dtype=np.float64)
    intercept = on_host(model.intercept_)
    p = W.shape[1] + int(state.fit_intercept)
    theta = np.concatenate([
        np.r_[W[c], [float(intercept[c])] if state.fit_intercept else []]
        for c in range(k)
    ])
    D = np.kron(np.c_[-np.ones((k - 1, 1)), np.eye(k - 1)], np.eye(p))  # β = D θ
    beta = D @ theta
    n_params = beta.size
    if cov_type not in ("nonrobust", "HC0", "HC1", "stata"):
        raise ValueError(
            f"cov_type={cov_type!r} is not offered for multinomial tables: use "
            "'nonrobust', 'HC0', 'HC1' or 'stata'."
        )
    if state.penalty is None:
        rest = slice(p, None)
        bread = inverse(state.information[rest, rest])
        check_optimum(state.score[rest], bread)
        meat = state.meat[rest, rest]
        sandwich = bread @ meat @ bread
    else:
        # the intercepts are not penalised: a common shift of them stays a null direction
        # of the information; the contrasts do not see it (D u = 0), so deflating it
        # (+ μ u uᵀ) gives D H⁺ Dᵀ, the covariance of the contrasts
        info = np.array(state.information)
        if state.fit_intercept:
            u = np.zeros(k * p)
            u[p - 1 :: p] = 1.0 / math.sqrt(k)
            info += np.mean(np.diag(info)) * np.outer(u, u)
        bread_sym = inverse(info)
        check_optimum(state.score, bread_sym)
        bread = D @ bread_sym @ D.T
        sandwich = D @ bread_sym @ state.meat @ bread_sym @ D.T
    nobs = state.nobs
    if cov_type == "nonrobust":
        cov = bread
    else:
        cov = sandwich
        if cov_type == "HC1":
            if nobs <= n_params:
                raise ValueError(f"cov_type='HC1' needs N = {nobs:g} > k = {n_params}.")
            cov = cov * nobs / (nobs - n_params)
        elif cov_type == "stata":
            cov = cov * nobs / (nobs - 1.0)
    # class-major with the intercept last → statsmodels' order, const first
    order = np.r_[p - 1, 0 : p - 1] if state.fit_intercept else np.arange(p)
    idx = np.concatenate([c * p + order for c in range(k - 1)])
    sep, diverging = state.separation, None
    if sep is not None and not sep.exists:  # per column of X (then the intercept)
        diverging = np.asarray(sep.directions)[order] != 0
    return MNLogitResults(
        names=names, classes=model.classes_, params=beta[idx], cov=cov[np.ix_(idx, idx)],
        llf=state.llf, llnull=state.llnull, nobs=nobs, cov_type=cov_type, alpha=alpha,
        penalty=state.penalty, C=state.C, cov_label=label, separation=sep,
        diverging=diverging,
    )

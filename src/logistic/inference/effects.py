r"""Marginal effects, predictions with intervals and residuals of a binary fit.

All in the display order of :class:`~logistic.inference.summary.LogitResults`
(``const`` first), with :math:`V` its covariance and :math:`\tilde x = (1, x)`.

**Average marginal effects** (statsmodels' ``get_margeff(at="overall")``):
:math:`\mathrm{AME}_j = \beta_j\,\overline{v}`, :math:`v_i = p_i(1-p_i)`, the mean
over the fitted data (weighted). Delta method: :math:`J_{jl} = \overline{v}\,\delta_{jl} +
\beta_j\,\overline{v(1-2p)\tilde x_l}`, :math:`\mathrm{Var} = J V J^\top`. Both means are
kept by the fit, so no data are needed. **At the mean** (``at="mean"``): the same with
:math:`\bar p = \sigma(\bar{\tilde x}\cdot\beta)` in place of the averages.

**Predictions** (statsmodels' GLM ``get_prediction(...).summary_frame()``): linear
predictor :math:`\eta = \tilde x\cdot\beta`, :math:`\mathrm{se}_\eta =
\sqrt{\tilde x V\tilde x^\top}`, interval :math:`\eta \pm z\,\mathrm{se}_\eta`; the
probability :math:`\sigma(\eta)`, its delta-method se :math:`\sigma'(\eta)\mathrm{se}_\eta`
and the interval mapped through :math:`\sigma` (always inside (0, 1)).

**Residuals**: Pearson :math:`(y-p)/\sqrt{p(1-p)}`, deviance
:math:`\operatorname{sign}(y-p)\sqrt{-2[y\log p + (1-y)\log(1-p)]}`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, log_expit

__all__ = ["marginal_effects", "PredictionResults", "pearson_residuals",
           "deviance_residuals", "latex_table"]


def _table(value, se, names, alpha, label):
    z = value / se
    q = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame({
        label: value, "std err": se, "z": z, "P>|z|": 2 * stats.norm.sf(np.abs(z)),
        f"[{alpha / 2:g}": value - q * se, f"{1 - alpha / 2:g}]": value + q * se,
    }, index=names)


def marginal_effects(beta, cov, mean_v, mean_vx, mean_x, names, *, at: str, alpha: float,
                     has_const: bool) -> pd.DataFrame:
    """dy/dx of the probability for every non-constant regressor (see the module)."""
    beta = np.asarray(beta, dtype=np.float64)
    if at == "overall":
        v, vx = float(mean_v), np.asarray(mean_vx, dtype=np.float64)
    elif at == "mean":
        p = float(expit(np.asarray(mean_x) @ beta))
        v = p * (1 - p)
        vx = v * (1 - 2 * p) * np.asarray(mean_x, dtype=np.float64)
    else:
        raise ValueError(f"at must be 'overall' or 'mean', got {at!r}.")
    J = v * np.eye(beta.size) + np.outer(beta, vx)
    keep = slice(1, None) if has_const else slice(None)
    J, effect = J[keep], (beta * v)[keep]
    se = np.sqrt(np.einsum("ij,jk,ik->i", J, cov, J))
    return _table(effect, se, list(names)[keep], alpha, "dy/dx")


class PredictionResults:
    """Predictions for new rows with standard errors and intervals (one row per sample)."""

    def __init__(self, eta, se_eta):
        self.linpred = np.asarray(eta, dtype=np.float64)
        self.se_linpred = np.asarray(se_eta, dtype=np.float64)
        self.predicted = expit(self.linpred)
        self.se = self.predicted * (1 - self.predicted) * self.se_linpred

    def summary_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha!r}.")
        q = stats.norm.ppf(1 - alpha / 2)
        lo, hi = self.linpred - q * self.se_linpred, self.linpred + q * self.se_linpred
        return pd.DataFrame({
            "mean": self.predicted, "mean_se": self.se,
            "mean_ci_lower": expit(lo), "mean_ci_upper": expit(hi),
            "linpred": self.linpred, "linpred_se": self.se_linpred,
            "linpred_ci_lower": lo, "linpred_ci_upper": hi,
        })


def pearson_residuals(y01, eta) -> np.ndarray:
    p = expit(eta)
    return (y01 - p) / np.sqrt(p * (1 - p))


def deviance_residuals(y01, eta) -> np.ndarray:
    ll = y01 * log_expit(eta) + (1 - y01) * log_expit(-eta)
    return np.sign(y01 - expit(eta)) * np.sqrt(np.maximum(-2.0 * ll, 0.0))


def latex_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a LaTeX ``tabular`` (numbers to 4 significant digits)."""
    def esc(text) -> str:
        text = str(text)
        for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"),
                     ("_", r"\_"), ("#", r"\#"), ("$", r"\$"), ("|", r"$|$")):
            text = text.replace(a, b)
        return text

    cols = [esc(c) for c in frame.columns]
    lines = [r"\begin{tabular}{l" + "r" * len(cols) + "}", r"\toprule",
             " & ".join(["", *cols]) + r" \\", r"\midrule"]
    for name, row in frame.iterrows():
        cells = [esc(name), *(f"{float(v):.4g}" for v in row.to_numpy())]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)

"""Fit statistics shared by the binary and the multinomial results (statsmodels' names)."""

from __future__ import annotations

import math

from scipy import stats

__all__ = ["FitStatistics"]


class FitStatistics:
    """Likelihood-ratio test against the intercept-only model, McFadden's pseudo-R²,
    AIC and BIC, from ``llf``, ``llnull``, ``nobs``, ``df_model`` and the number of
    estimated parameters ``params.size``."""

    @property
    def llr(self) -> float:
        """Likelihood-ratio statistic against the intercept-only model, 2(llf − llnull)."""
        return 2.0 * (self.llf - self.llnull)

    @property
    def llr_pvalue(self) -> float:
        """:math:`P(\\chi^2_{df\\_model} > llr)`."""
        return float(stats.chi2.sf(self.llr, self.df_model))

    @property
    def prsquared(self) -> float:
        """McFadden's pseudo R², 1 − llf/llnull."""
        return 1.0 - self.llf / self.llnull

    @property
    def aic(self) -> float:
        """:math:`-2\\ell + 2k`, k the number of estimated parameters."""
        return -2.0 * self.llf + 2.0 * self.params.size

    @property
    def bic(self) -> float:
        """:math:`-2\\ell + k\\log N`."""
        return -2.0 * self.llf + math.log(self.nobs) * self.params.size

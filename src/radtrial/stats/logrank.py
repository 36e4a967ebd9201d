"""The k-sample log-rank test (and the Fleming–Harrington G-rho family), optionally stratified.

Mantel N. Evaluation of survival data and two new rank order statistics arising in its
consideration. Cancer Chemother Rep 1966;50:163–170 (PMID 5910392); Peto R, Peto J.
Asymptotically efficient rank invariant test procedures. J R Stat Soc A 1972;135:185–207
(doi:10.2307/2344317); weights S(t−)^rho from Harrington DP, Fleming TR. A class of rank test
procedures for censored survival data. Biometrika 1982;69:553–566 (doi:10.1093/biomet/69.3.553).

Computed as R ``survival`` 3.5 ``survdiff`` (C routine ``survdiff2``): hypergeometric variance,
strata summed, chi-square on the groups with non-zero expected count, first group dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._input import BoolArray, FloatArray, IntArray

__all__ = ["LogRankTest"]


def _stratum(
    time: FloatArray, event: BoolArray, group: IntArray, k: int, rho: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Observed, expected and variance matrix for one stratum, vectorised over distinct times."""
    order = np.argsort(time, kind="stable")
    t, e, g = time[order], event[order], group[order]
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    index = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, t.size]))
    m = starts.size
    exits = np.bincount(index * k + g, minlength=m * k).reshape(m, k).astype(np.float64)
    deaths_by_group = np.bincount(
        index * k + g, weights=e.astype(np.float64), minlength=m * k
    ).reshape(m, k)
    risk = np.cumsum(exits[::-1], axis=0)[::-1]
    n = risk.sum(axis=1)
    d = deaths_by_group.sum(axis=1)
    if rho != 0:
        # survdiff's Kaplan–Meier of the pooled stratum, left-continuous: S(t-).
        km = np.cumprod(np.r_[1.0, (n - d) / n])[:-1]
        wt = km**rho
    else:
        wt = np.ones(m)
    observed = (wt[:, None] * deaths_by_group).sum(axis=0)
    share = risk / n[:, None]
    expected = (wt[:, None] * d[:, None] * share).sum(axis=0)
    usable = (d > 0) & (n > 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(usable, wt**2 * d * (n - d) / (n * (n - 1.0)), 0.0)
    # V_jk = Σ w² d (n−d)/(n(n−1)) · n_j (δ_jk − n_k/n)
    weighted = spread[:, None] * risk
    variance = np.diag(weighted.sum(axis=0)) - np.einsum("tj,tk->jk", weighted, share)
    return observed, expected, variance


class LogRankTest:
    """Compare survival between k groups: the log-rank test as R's ``survdiff``.

    Option ``rho``: 0 (default) is the log-rank test; 1 weights each time by the pooled
    Kaplan–Meier S(t−), the Peto–Peto modification of the Gehan–Wilcoxon test.

    After :meth:`fit`: ``groups_`` (sorted labels), ``n_``, ``observed_``, ``expected_``,
    ``variance_`` (k × k, summed over strata), ``chi_square_``, ``df_``, ``p_value_``
    (NaN when the variance matrix is singular, e.g. every death empties its risk set).
    """

    def __init__(self, rho: float = 0.0) -> None:
        if not np.isfinite(rho) or rho < 0:
            raise InvalidInput("must be a finite, non-negative number", location="rho")
        self.rho = float(rho)

    def fit(
        self,
        durations: ArrayLike,
        events: ArrayLike,
        groups: ArrayLike,
        strata: ArrayLike | None = None,
    ) -> LogRankTest:
        """Test equality of the groups' survival, within strata if ``strata`` is given."""
        time = _input.durations(durations)
        event = _input.events(events, time.shape)
        group, labels = _input.labels(groups, time.size, "groups")
        k = len(labels)
        if k < 2:
            raise InvalidInput("needs at least two groups", location="groups")
        if strata is None:
            stratum = np.zeros(time.size, dtype=np.intp)
            n_strata = 1
        else:
            stratum, stratum_labels = _input.labels(strata, time.size, "strata")
            n_strata = len(stratum_labels)
        observed = np.zeros(k)
        expected = np.zeros(k)
        variance = np.zeros((k, k))
        for s in range(n_strata):
            rows = stratum == s
            o, e, v = _stratum(time[rows], event[rows], group[rows], k, self.rho)
            observed += o
            expected += e
            variance += v
        keep = expected > 0
        if keep.sum() < 2:
            chi_square = 0.0
        else:
            diff = (observed - expected)[keep][1:]
            sub = variance[np.ix_(keep, keep)][1:, 1:]
            if np.linalg.matrix_rank(sub) < sub.shape[0]:
                # No information to compare the groups (R's survdiff stops with an error).
                chi_square = float("nan")
            else:
                chi_square = float(diff @ np.linalg.solve(sub, diff))
        df = int(keep.sum()) - 1
        self.groups_: tuple[Any, ...] = labels
        self.n_: FloatArray = np.bincount(group, minlength=k).astype(np.float64)
        self.observed_: FloatArray = observed
        self.expected_: FloatArray = expected
        self.variance_: FloatArray = variance
        self.chi_square_: float = chi_square
        self.df_: int = df
        self.p_value_: float = float(chi2.sf(chi_square, df)) if df > 0 else float("nan")
        return self

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per group: N, observed, expected, (O−E)²/E and (O−E)²/V, as R prints."""
        if not hasattr(self, "observed_"):
            raise InvalidInput("call fit() first", location="LogRankTest")
        diff2 = (self.observed_ - self.expected_) ** 2
        diag = np.diag(self.variance_)
        with np.errstate(divide="ignore", invalid="ignore"):
            by_e = diff2 / self.expected_
            by_v = diff2 / diag
        return [
            {
                "group": label,
                "n": float(self.n_[i]),
                "observed": float(self.observed_[i]),
                "expected": float(self.expected_[i]),
                "(O-E)^2/E": float(by_e[i]),
                "(O-E)^2/V": float(by_v[i]),
            }
            for i, label in enumerate(self.groups_)
        ]

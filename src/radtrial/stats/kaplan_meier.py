"""Kaplan–Meier survival curves with R-identical pointwise bands, quantiles and risk tables.

Estimator: Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
J Am Stat Assoc 1958;53:457–481 (doi:10.1080/01621459.1958.10501452).
Variance: Greenwood M. The natural duration of cancer. Reports on Public Health and Medical
Subjects 33, HMSO 1926; written on the log scale as in Kalbfleisch & Prentice (2002) §4.3
(doi:10.1002/9781118032985). The reverse Kaplan–Meier estimate of follow-up is from
Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
Control Clin Trials 1996;17:343–346 (doi:10.1016/0197-2456(96)00075-X).

Every number matches R ``survival`` 3.5 ``survfit(Surv(time, status) ~ 1)`` (see
docs/decisions/0010-survival-conventions.md); tests/validation checks this to 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._confint import CONF_TYPES, R_TOLERANCE, ConfType, band, find_quantile
from radtrial.stats._input import BoolArray, FloatArray

__all__ = [
    "KaplanMeier",
    "LandmarkEstimate",
    "SurvivalQuantile",
    "landmark_survival",
    "median_follow_up",
]


@dataclass(frozen=True, slots=True)
class SurvivalQuantile:
    """A survival-time quantile and its confidence limits (NaN where not reached).

    ``probability`` is the fraction that has had the event (0.5 for the median), as in R's
    ``quantile.survfit``; ``method`` says how the limits were obtained.
    """

    probability: float
    time: float
    lower: float
    upper: float
    conf_level: float
    method: str


@dataclass(frozen=True, slots=True)
class LandmarkEstimate:
    """Kaplan–Meier S(t0) and Greenwood's variance of log S(t0), one entry per simulated trial."""

    landmark: float
    survival: FloatArray
    greenwood: FloatArray


def _tabulate(
    time: FloatArray, event: BoolArray, weight: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct times, (weighted) events and exits at each, in increasing time order."""
    low, high = float(time.min()), float(time.max())
    if high - low <= 4 * time.size + 1024 and np.all(time == np.floor(time)):
        # Whole-number times (days, weeks) with a modest range: count with bincount, O(n).
        offset = (time - low).astype(np.intp)
        size = int(high - low) + 1
        w = np.ones(time.size) if weight is None else weight
        exits_all = np.bincount(offset, weights=None if weight is None else w, minlength=size)
        events_all = np.bincount(
            offset[event], weights=None if weight is None else w[event], minlength=size
        )
        present = np.flatnonzero(np.bincount(offset, minlength=size))
        return (
            (present + low).astype(np.float64),
            events_all[present].astype(np.float64),
            exits_all[present].astype(np.float64),
        )
    if weight is None:
        # Two plain sorts (all times, event times) beat an argsort and its gathers; sorted
        # needles make searchsorted cache-friendly.
        sorted_time = np.sort(time)
        starts = np.flatnonzero(np.r_[True, sorted_time[1:] != sorted_time[:-1]])
        unique_times = sorted_time[starts]
        event_times = np.sort(time[event])
        d = np.bincount(np.searchsorted(unique_times, event_times), minlength=unique_times.size)
        exits = np.diff(np.r_[starts, time.size])
        return unique_times, d.astype(np.float64), exits.astype(np.float64)
    order = np.argsort(time)
    sorted_time = time[order]
    starts = np.flatnonzero(np.r_[True, sorted_time[1:] != sorted_time[:-1]])
    w_sorted = weight[order]
    d_w = np.add.reduceat(np.where(event[order], w_sorted, 0.0), starts)
    return sorted_time[starts], d_w, np.add.reduceat(w_sorted, starts)


class KaplanMeier:
    """The Kaplan–Meier estimate of a survival function, fitted like R's ``survfit``.

    Options: ``conf_type`` is the pointwise band (``"log"``, R's default; ``"log-log"``;
    ``"plain"``, clipped to [0, 1]), ``conf_level`` its coverage, and ``reverse=True`` swaps
    events and censorings (the reverse Kaplan–Meier estimate of the follow-up distribution).

    After :meth:`fit`: ``timeline_`` (every distinct time, censored ones included, as R),
    ``n_at_risk_``, ``n_events_``, ``n_censored_`` (weighted when weights are given),
    ``survival_``, ``std_err_`` (standard error of log S: the square root of Greenwood's sum
    Σ d/(n(n−d)); infinite once S reaches 0), ``ci_lower_``, ``ci_upper_`` (NaN where R gives
    NA), ``median_`` and ``n_``.
    """

    def __init__(
        self,
        conf_type: ConfType = "log",
        conf_level: float = 0.95,
        *,
        reverse: bool = False,
    ) -> None:
        self.conf_type = cast(ConfType, _input.choice(conf_type, CONF_TYPES, "conf_type"))
        self.conf_level = _input.probability(conf_level, "conf_level")
        self.reverse = reverse

    def fit(
        self,
        durations: ArrayLike,
        events: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> KaplanMeier:
        """Estimate S(t) from follow-up times, 0/1 event indicators and optional case weights.

        Weighted fits use Greenwood's formula on the weighted counts, which is R's answer with
        ``robust = FALSE`` (R switches to an infinitesimal-jackknife variance by default when a
        weight is not a whole number).
        """
        time = _input.durations(durations)
        event = _input.events(events, time.shape)
        weight = _input.weights(weights, time.size)
        if self.reverse:
            event = ~event
        unique_times, d, exits = _tabulate(time, event, weight)
        total = float(exits.sum())
        # Summing from the end keeps the counts exact for unit weights and avoids n - d
        # cancellation: "still at risk after t" is the tail sum beyond t plus censorings at t.
        tail = np.cumsum(exits[::-1])[::-1]
        at_risk = tail
        beyond = np.r_[tail[1:], 0.0]
        survivors = beyond + (exits - d)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(d > 0, survivors / at_risk, 1.0)
            term = np.where(d > 0, d / (at_risk * survivors), 0.0)
        term = np.where((d > 0) & (survivors <= 0), np.inf, term)
        self.timeline_: FloatArray = unique_times
        self.n_at_risk_: FloatArray = at_risk
        self.n_events_: FloatArray = d
        self.n_censored_: FloatArray = exits - d
        self.n_: float = total
        self.survival_: FloatArray = np.cumprod(factor, dtype=np.float64)
        self.std_err_: FloatArray = np.sqrt(np.cumsum(term))
        self.ci_lower_, self.ci_upper_ = band(
            self.survival_, self.std_err_, self.conf_type, self.conf_level
        )
        self._cum_events = np.cumsum(d)
        self._cum_censored = np.cumsum(exits - d)
        self.median_: SurvivalQuantile = self.quantile(0.5)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "survival_"):
            raise InvalidInput("call fit() first", location="KaplanMeier")

    def survival_at(self, times: ArrayLike) -> dict[str, FloatArray]:
        """S(t), its log-scale standard error and band at arbitrary times (right-continuous).

        Before the first time S = 1 with zero error and limits (1, 1); after the last time the
        last value is carried forward, as R's ``summary(fit, times, extend = TRUE)``.
        """
        self._check_fitted()
        t = _input.durations(np.atleast_1d(np.asarray(times, dtype=np.float64)), "times")
        idx = np.searchsorted(self.timeline_, t, side="right") - 1
        before = idx < 0
        safe = np.where(before, 0, idx)
        survival = np.where(before, 1.0, self.survival_[safe])
        std_err = np.where(before, 0.0, self.std_err_[safe])
        lower, upper = band(survival, std_err, self.conf_type, self.conf_level)
        # R's summary() puts (0, S = 1) in front of the curve with limits 1 and 1.
        lower = np.where(before, 1.0, lower)
        upper = np.where(before, 1.0, upper)
        return {
            "time": t,
            "survival": survival,
            "std_err": std_err,
            "ci_lower": lower,
            "ci_upper": upper,
        }

    def quantile(self, p: float) -> SurvivalQuantile:
        """The time by which a fraction ``p`` has had the event, with R's confidence limits.

        R's rule (survival 3.5 ``quantile.survfit``): the first time 1 − S reaches ``p``, or the
        midpoint of a flat stretch where S equals 1 − ``p`` exactly; the limits are where the
        lower and upper pointwise bands cross the same level (Brookmeyer R, Crowley J,
        Biometrics 1982;38:29–41, doi:10.2307/2530286, with the band of ``conf_type``).
        """
        self._check_fitted()
        prob = _input.probability(p, "p", open_interval=False)
        x = np.r_[0.0, self.timeline_]
        probs = np.array([prob])

        def cross(curve: FloatArray) -> float:
            return float(find_quantile(x, np.r_[0.0, 1.0 - curve], probs, R_TOLERANCE)[0])

        return SurvivalQuantile(
            probability=prob,
            time=cross(self.survival_),
            lower=cross(self.ci_lower_),
            upper=cross(self.ci_upper_),
            conf_level=self.conf_level,
            method=f"R survfit rule; limits where the {self.conf_type} band crosses",
        )

    def number_at_risk(self, times: ArrayLike) -> list[dict[str, float]]:
        """A risk table: at each time, the number at risk and cumulative events and censorings."""
        self._check_fitted()
        t = _input.durations(np.atleast_1d(np.asarray(times, dtype=np.float64)), "times")
        first_at_or_after = np.searchsorted(self.timeline_, t, side="left")
        inside = first_at_or_after < self.timeline_.size
        at_risk = np.where(
            inside, self.n_at_risk_[np.minimum(first_at_or_after, self.timeline_.size - 1)], 0.0
        )
        upto = np.searchsorted(self.timeline_, t, side="right") - 1
        some = upto >= 0
        safe = np.maximum(upto, 0)
        events = np.where(some, self._cum_events[safe], 0.0)
        censored = np.where(some, self._cum_censored[safe], 0.0)
        return [
            {
                "time": float(t[i]),
                "n_at_risk": float(at_risk[i]),
                "cumulative_events": float(events[i]),
                "cumulative_censored": float(censored[i]),
            }
            for i in range(t.size)
        ]

    @property
    def summary(self) -> list[dict[str, float]]:
        """One row per distinct time, with the columns of R's ``summary(fit, censored = TRUE)``."""
        self._check_fitted()
        return [
            {
                "time": float(self.timeline_[i]),
                "n_at_risk": float(self.n_at_risk_[i]),
                "n_events": float(self.n_events_[i]),
                "n_censored": float(self.n_censored_[i]),
                "survival": float(self.survival_[i]),
                "std_err_log_survival": float(self.std_err_[i]),
                "ci_lower": float(self.ci_lower_[i]),
                "ci_upper": float(self.ci_upper_[i]),
            }
            for i in range(self.timeline_.size)
        ]

    def __repr__(self) -> str:
        state: dict[str, Any] = {"conf_type": self.conf_type, "conf_level": self.conf_level}
        if self.reverse:
            state["reverse"] = True
        if hasattr(self, "n_"):
            state["n"] = self.n_
        return f"KaplanMeier({', '.join(f'{k}={v!r}' for k, v in state.items())})"


def median_follow_up(
    durations: ArrayLike,
    events: ArrayLike,
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
) -> SurvivalQuantile:
    """Median potential follow-up by the reverse Kaplan–Meier method.

    Censorings are treated as events and events as censorings (Schemper & Smith 1996,
    doi:10.1016/0197-2456(96)00075-X); the median and its limits follow R's
    ``survfit(Surv(time, 1 - status) ~ 1)``.
    """
    fitted = KaplanMeier(conf_type, conf_level, reverse=True).fit(durations, events)
    median = fitted.median_
    return SurvivalQuantile(
        probability=median.probability,
        time=median.time,
        lower=median.lower,
        upper=median.upper,
        conf_level=median.conf_level,
        method=f"reverse Kaplan–Meier (Schemper & Smith 1996); {median.method}",
    )


def landmark_survival(
    durations: ArrayLike,
    events: ArrayLike,
    landmark: float,
) -> LandmarkEstimate:
    """Kaplan–Meier S(t0) and Greenwood's Σ d/(n(n−d)) up to t0 for many trials at once.

    ``durations`` and ``events`` are 2-D, one row per simulated trial (all rows the same n).
    Events at exactly t0 count (S is right-continuous). Within each row, tied times are sorted
    events first; then the k-th event at a time with n at risk contributes the factor
    (n−k)/(n−k+1) and the Greenwood term 1/((n−k+1)(n−k)), which telescope to the tied-time
    formulas (1 − d/n and d/(n(n−d))), so the result equals :class:`KaplanMeier` row by row.
    """
    time = _input.durations(durations, ndim=2)
    event: BoolArray = _input.events(events, time.shape)
    t0 = float(landmark)
    if not np.isfinite(t0) or t0 < 0:
        raise InvalidInput("must be a finite, non-negative time", location="landmark")
    n = time.shape[1]
    order = np.lexsort((~event, time), axis=1)
    sorted_time = np.take_along_axis(time, order, axis=1)
    sorted_event = np.take_along_axis(event, order, axis=1)
    at_risk = (n - np.arange(n, dtype=np.float64))[np.newaxis, :]
    counts = sorted_event & (sorted_time <= t0)
    factor = np.where(counts, (at_risk - 1.0) / at_risk, 1.0)
    with np.errstate(divide="ignore"):
        term = np.where(counts, 1.0 / (at_risk * np.maximum(at_risk - 1.0, 0.0)), 0.0)
    return LandmarkEstimate(
        landmark=t0,
        survival=np.prod(factor, axis=1),
        greenwood=np.sum(term, axis=1),
    )

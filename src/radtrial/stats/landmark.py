"""One-sample tests of survival against a historical null, for single-arm trials.

Landmark test of H0: S(t0) = S0 from the Kaplan–Meier estimate and Greenwood's variance, on one
of three scales (Klein JP, Logan B, Harhoff M, Andersen PK. Analyzing survival curves at a fixed
point in time. Stat Med 2007;26:4505–4519, doi:10.1002/sim.2864, §2; the transforms as in
Borgan Ø, Liestøl K, Scand J Stat 1990;17:35–41, https://www.jstor.org/stable/4616153):

- ``plain``: z = (Ŝ − S0) / (Ŝ σ̂)
- ``log``: z = (log Ŝ − log S0) / σ̂
- ``log-log`` (complementary log-log): z = (log(−log S0) − log(−log Ŝ)) · |log Ŝ| / σ̂

with σ̂² = Σ d/(n(n−d)) over event times up to t0 (Greenwood, on log S).

One-sample log-rank test against a reference cumulative hazard Λ0 (Breslow NE, Int Stat Rev
1975;43:45–58, doi:10.2307/1402659; Woolson RF, Biometrics 1981;37:687–696,
doi:10.2307/2530150; Finkelstein DM, Muzikansky A, Schoenfeld DA, J Natl Cancer Inst
2003;95:1434–1439, doi:10.1093/jnci/djg052; sample size: Wu J, Pharm Stat 2015;14:26–33,
doi:10.1002/pst.1654): O = number of events, E = Σ_i [Λ0(t_i) − Λ0(entry_i)],
z = (E − O)/√E, chi-square (O − E)²/E, as R ``survdiff(Surv(t, d) ~ offset(E_i))``.

Sign convention for both: z > 0 means survival better than the null; the default alternative
``"greater"`` (a one-sided test that survival is better) has p = 1 − Φ(z).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal, cast

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._confint import band
from radtrial.stats._input import FloatArray
from radtrial.stats.kaplan_meier import KaplanMeier

__all__ = [
    "LandmarkTest",
    "OneSampleLogRank",
    "exponential_cumulative_hazard",
    "landmark_z",
    "normal_p_value",
]

Transform = Literal["log", "log-log", "plain"]
Alternative = Literal["greater", "less", "two-sided"]
TRANSFORMS: Final = ("log", "log-log", "plain")
ALTERNATIVES: Final = ("greater", "less", "two-sided")
CumulativeHazard = Callable[[FloatArray], FloatArray]


def landmark_z(
    survival: ArrayLike,
    greenwood: ArrayLike,
    null_survival: float,
    transform: Transform = "log-log",
) -> FloatArray:
    """Standardised difference of Ŝ(t0) from S0 on the chosen scale, elementwise (vectorised).

    ``greenwood`` is Σ d/(n(n−d)) (the variance of log Ŝ). With no event before t0 (Ŝ = 1,
    zero variance) z = +∞; with Ŝ = 0 z = −∞.
    """
    s = np.asarray(survival, dtype=np.float64)
    gw = np.asarray(greenwood, dtype=np.float64)
    s0 = _input.probability(null_survival, "null_survival")
    sigma = np.sqrt(gw)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if transform == "plain":
            z = (s - s0) / (s * sigma)
        elif transform == "log":
            z = (np.log(s) - np.log(s0)) / sigma
        elif transform == "log-log":
            log_s = np.log(s)
            z = (np.log(-np.log(s0)) - np.log(-log_s)) * (-log_s) / sigma
        else:
            raise InvalidInput(f"must be one of {', '.join(TRANSFORMS)}", location="transform")
    z = np.where(s >= 1.0, np.inf, z)
    z = np.where(s <= 0.0, -np.inf, z)
    return np.asarray(z, dtype=np.float64)


def normal_p_value(z: ArrayLike, alternative: Alternative = "greater") -> FloatArray:
    """p-value of a standard-normal statistic: upper tail, lower tail or two-sided."""
    zz = np.asarray(z, dtype=np.float64)
    if alternative == "greater":
        return np.asarray(ndtr(-zz), dtype=np.float64)
    if alternative == "less":
        return np.asarray(ndtr(zz), dtype=np.float64)
    if alternative == "two-sided":
        return np.asarray(2.0 * ndtr(-np.abs(zz)), dtype=np.float64)
    raise InvalidInput(f"must be one of {', '.join(ALTERNATIVES)}", location="alternative")


def exponential_cumulative_hazard(landmark: float, null_survival: float) -> CumulativeHazard:
    """Λ0(t) = λ t with λ = −log(S0)/t0: the exponential curve through S0 at the landmark."""
    t0 = float(landmark)
    if not np.isfinite(t0) or t0 <= 0:
        raise InvalidInput("must be a positive, finite time", location="landmark")
    rate = -np.log(_input.probability(null_survival, "null_survival")) / t0

    def cumulative_hazard(t: FloatArray) -> FloatArray:
        return np.asarray(rate * np.asarray(t, dtype=np.float64), dtype=np.float64)

    return cumulative_hazard


class LandmarkTest:
    """Test S(t0) = S0 from a Kaplan–Meier fit (Klein et al. 2007, doi:10.1002/sim.2864).

    Options: ``landmark`` (t0), ``null_survival`` (S0), ``transform`` (``"log-log"`` default,
    ``"log"``, ``"plain"``), ``alternative`` (``"greater"`` default) and ``conf_level`` for the
    interval on S(t0) (the same transform's band).

    After :meth:`fit`: ``survival_``, ``std_err_`` (SE of log Ŝ), ``ci_lower_``, ``ci_upper_``,
    ``statistic_`` (z), ``p_value_``.
    """

    def __init__(
        self,
        landmark: float,
        null_survival: float,
        transform: Transform = "log-log",
        alternative: Alternative = "greater",
        conf_level: float = 0.95,
    ) -> None:
        t0 = float(landmark)
        if not np.isfinite(t0) or t0 < 0:
            raise InvalidInput("must be a finite, non-negative time", location="landmark")
        self.landmark = t0
        self.null_survival = _input.probability(null_survival, "null_survival")
        self.transform = cast(Transform, _input.choice(transform, TRANSFORMS, "transform"))
        self.alternative = cast(
            Alternative, _input.choice(alternative, ALTERNATIVES, "alternative")
        )
        self.conf_level = _input.probability(conf_level, "conf_level")

    def fit(self, durations: ArrayLike, events: ArrayLike) -> LandmarkTest:
        """Estimate S(t0) and test it against the null."""
        km = KaplanMeier(self.transform, self.conf_level).fit(durations, events)
        at = km.survival_at([self.landmark])
        s = at["survival"]
        se = at["std_err"]
        lower, upper = band(s, se, self.transform, self.conf_level)
        z = landmark_z(s, se**2, self.null_survival, self.transform)
        self.survival_: float = float(s[0])
        self.std_err_: float = float(se[0])
        self.ci_lower_: float = float(lower[0])
        self.ci_upper_: float = float(upper[0])
        self.statistic_: float = float(z[0])
        self.p_value_: float = float(normal_p_value(z, self.alternative)[0])
        return self


class OneSampleLogRank:
    """One-sample log-rank test against a reference survival curve (Finkelstein et al. 2003).

    The reference is a cumulative-hazard callable Λ0(t) (vectorised over a float array), or,
    when ``cumulative_hazard`` is omitted, the exponential curve through ``null_survival`` at
    ``landmark``. Option ``alternative`` as for :class:`LandmarkTest`.

    After :meth:`fit`: ``observed_`` (O), ``expected_`` (E), ``statistic_`` (z = (E − O)/√E),
    ``chi_square_`` ((O − E)²/E, R's ``survdiff`` one-sample chisq) and ``p_value_``.
    """

    def __init__(
        self,
        cumulative_hazard: CumulativeHazard | None = None,
        *,
        landmark: float | None = None,
        null_survival: float | None = None,
        alternative: Alternative = "greater",
    ) -> None:
        if cumulative_hazard is None:
            if landmark is None or null_survival is None:
                raise InvalidInput(
                    "give a cumulative hazard, or landmark and null_survival for an "
                    "exponential null",
                    location="cumulative_hazard",
                )
            cumulative_hazard = exponential_cumulative_hazard(landmark, null_survival)
        self.cumulative_hazard = cumulative_hazard
        self.alternative = cast(
            Alternative, _input.choice(alternative, ALTERNATIVES, "alternative")
        )

    def fit(
        self, durations: ArrayLike, events: ArrayLike, entry: ArrayLike | None = None
    ) -> OneSampleLogRank:
        """Compare observed events with those expected under the reference (delayed entry ok)."""
        time = _input.durations(durations)
        event = _input.events(events, time.shape)
        expected_each = np.asarray(self.cumulative_hazard(time), dtype=np.float64)
        if entry is not None:
            start = _input.durations(entry, "entry")
            if start.shape != time.shape:
                raise InvalidInput("must have one entry time per duration", location="entry")
            if np.any(start > time):
                raise InvalidInput("must not be after the exit time", location="entry")
            expected_each = expected_each - np.asarray(
                self.cumulative_hazard(start), dtype=np.float64
            )
        if expected_each.shape != time.shape or not np.all(np.isfinite(expected_each)):
            raise InvalidInput(
                "must return one finite value per time", location="cumulative_hazard"
            )
        if np.any(expected_each < 0):
            raise InvalidInput("must be non-decreasing from 0", location="cumulative_hazard")
        observed = float(event.sum())
        expected = float(expected_each.sum())
        if expected <= 0:
            raise InvalidInput("expected no events: follow-up is empty", location="durations")
        z = (expected - observed) / np.sqrt(expected)
        self.observed_: float = observed
        self.expected_: float = expected
        self.statistic_: float = float(z)
        self.chi_square_: float = float(z * z)
        self.p_value_: float = float(normal_p_value(np.array([z]), self.alternative)[0])
        return self

"""Monte-Carlo operating characteristics of the PROSARC-2 single-arm survival design.

Each simulated trial enrols ``n`` patients uniformly over the accrual period and is analysed
``follow_up_months`` after the last possible entry; event times follow a (piecewise) exponential
model scaled so that S(landmark) equals S0 (type I error) or S1 (power). Optional competing
death and dropout censor the endpoint. Whole chunks of trials are simulated as 2-D arrays (one
row per trial) and analysed with :func:`radtrial.stats.kaplan_meier.landmark_survival` or the
vectorised one-sample log-rank statistic: no fitter is called per trial.

Monte-Carlo standard error of a rejection rate p̂ from B trials: √(p̂(1 − p̂)/B) (Morris TP,
White IR, Crowther MJ. Using simulation studies to evaluate statistical methods. Stat Med
2019;38:2074–2102, doi:10.1002/sim.8086, Table 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import numpy as np
from scipy.special import ndtri

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._input import FloatArray
from radtrial.stats.kaplan_meier import landmark_survival
from radtrial.stats.landmark import Transform, landmark_z

__all__ = ["PiecewiseHazard", "Prosarc2Simulation", "simulate_prosarc2"]

SurvivalTestName = Literal[
    "landmark-loglog", "landmark-log", "landmark-plain", "one-sample-logrank"
]
TESTS: Final = ("landmark-loglog", "landmark-log", "landmark-plain", "one-sample-logrank")
_TRANSFORM: Final[dict[str, Transform]] = {
    "landmark-loglog": "log-log",
    "landmark-log": "log",
    "landmark-plain": "plain",
}


@dataclass(frozen=True, slots=True)
class PiecewiseHazard:
    """The shape of a piecewise-constant hazard, scaled later to hit S(landmark).

    ``relative_rates[0]`` applies on [0, cuts_months[0]), ..., the last one after the last cut;
    a last rate of 0 gives a cured fraction. The exponential model is ``PiecewiseHazard()``.
    """

    cuts_months: tuple[float, ...] = ()
    relative_rates: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        cuts = np.asarray(self.cuts_months, dtype=np.float64)
        rates = np.asarray(self.relative_rates, dtype=np.float64)
        if len(self.relative_rates) != len(self.cuts_months) + 1:
            raise InvalidInput(
                "needs exactly one more rate than cut points", location="relative_rates"
            )
        if cuts.size and (np.any(cuts <= 0) or np.any(np.diff(cuts) <= 0)):
            raise InvalidInput("must be positive and increasing", location="cuts_months")
        if not np.all(np.isfinite(rates)) or np.any(rates < 0):
            raise InvalidInput("must be finite and non-negative", location="relative_rates")

    def _knots(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        x = np.r_[0.0, np.asarray(self.cuts_months, dtype=np.float64)]
        rates = np.asarray(self.relative_rates, dtype=np.float64)
        cum = np.r_[0.0, np.cumsum(rates[:-1] * np.diff(x))]
        return x, rates, cum

    def relative_cumulative_hazard(self, t: FloatArray) -> FloatArray:
        """R(t) = ∫0^t r(u) du for the unscaled shape."""
        x, rates, cum = self._knots()
        idx = np.searchsorted(x, t, side="right") - 1
        return np.asarray(cum[idx] + rates[idx] * (t - x[idx]), dtype=np.float64)

    def scale_for(self, survival: float, landmark: float) -> float:
        """θ such that exp(−θ R(landmark)) = ``survival``."""
        base = float(self.relative_cumulative_hazard(np.array([landmark]))[0])
        if base <= 0:
            raise InvalidInput("gives zero hazard before the landmark", location="hazard")
        return float(-np.log(survival) / base)

    def sample(self, scale: float, unit_exponentials: FloatArray) -> FloatArray:
        """Event times by inversion: R(T) = E/θ (infinite when the hazard ends at 0)."""
        x, rates, cum = self._knots()
        target = unit_exponentials / scale
        idx = np.searchsorted(cum, target, side="right") - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            t = x[idx] + (target - cum[idx]) / rates[idx]
        return np.where(rates[idx] > 0, t, np.inf)


@dataclass(frozen=True, slots=True)
class Prosarc2Simulation:
    """Rejection rates under H1 (power) and H0 (type I error), with Monte-Carlo SEs."""

    test: str
    n: int
    n_trials: int
    alpha: float
    s0: float
    s1: float
    landmark_months: float
    power: float
    power_mc_se: float
    type_i_error: float
    type_i_error_mc_se: float
    seed_entropy: int | None

    @property
    def summary(self) -> list[dict[str, Any]]:
        """Two rows: the rejection rate under S1 (power) and under S0 (type I error)."""
        return [
            {
                "scenario": "H1: S(t0) = S1",
                "true_survival": self.s1,
                "rejection_rate": self.power,
                "mc_se": self.power_mc_se,
            },
            {
                "scenario": "H0: S(t0) = S0",
                "true_survival": self.s0,
                "rejection_rate": self.type_i_error,
                "mc_se": self.type_i_error_mc_se,
            },
        ]


def _rejections(
    rng: np.random.Generator,
    *,
    trials: int,
    n: int,
    truth: float,
    s0: float,
    shape: PiecewiseHazard,
    landmark: float,
    accrual: float,
    follow_up: float,
    death_hazard: float,
    dropout_rate: float,
    test: SurvivalTestName,
    critical: float,
) -> int:
    """Simulate ``trials`` trials with true S(t0) = ``truth``; count one-sided rejections."""
    size = (trials, n)
    event_time = shape.sample(shape.scale_for(truth, landmark), rng.standard_exponential(size))
    entry = rng.uniform(0.0, accrual, size)
    censor = accrual + follow_up - entry
    if death_hazard > 0:
        censor = np.minimum(censor, rng.standard_exponential(size) / death_hazard)
    if dropout_rate > 0:
        censor = np.minimum(censor, rng.standard_exponential(size) / dropout_rate)
    event = event_time <= censor
    observed = np.where(event, event_time, censor)
    if test == "one-sample-logrank":
        theta0 = shape.scale_for(s0, landmark)
        expected = theta0 * shape.relative_cumulative_hazard(observed).sum(axis=1)
        z = (expected - event.sum(axis=1)) / np.sqrt(expected)
    else:
        estimate = landmark_survival(observed, event, landmark)
        z = landmark_z(estimate.survival, estimate.greenwood, s0, _TRANSFORM[test])
    return int(np.count_nonzero(z > critical))


def simulate_prosarc2(
    *,
    rng: np.random.Generator,
    n: int = 40,
    s0: float = 0.55,
    s1: float = 0.75,
    alpha: float = 0.05,
    landmark_months: float = 24.0,
    accrual_months: float = 36.0,
    follow_up_months: float = 24.0,
    hazard: Literal["exponential"] | PiecewiseHazard = "exponential",
    death_hazard: float = 0.0,
    dropout: float = 0.0,
    n_trials: int = 100_000,
    test: SurvivalTestName = "landmark-loglog",
    chunk_size: int = 10_000,
    progress: Callable[[int], None] | None = None,
) -> Prosarc2Simulation:
    """Power and type I error of a one-sided test of S(t0) = S0 against S(t0) = S1 > S0.

    Defaults are PROSARC-2's protocol values (40 patients, S0 = 0.55, S1 = 0.75, one-sided
    α = 0.05, 24-month landmark, 36 months' accrual, 24 months' further follow-up); pass the
    protocol's own values in, the core reads no protocol.

    ``death_hazard`` is a constant monthly hazard of death without the event, treated as
    censoring (the competing-risk view; leave 0 when death is part of the endpoint, as in the
    PROSARC-2 primary LPFS). ``dropout`` is the probability of loss to follow-up by the
    landmark (exponential). ``test`` is a landmark test on the log-log (default), log or plain
    scale, or the one-sample log-rank test against the null curve of the same hazard shape.
    A trial rejects when z > Φ⁻¹(1 − α). ``progress``, if given, is called after each chunk with
    the number of trials that chunk simulated (both scenarios count once).
    """
    if n < 2:
        raise InvalidInput("must be at least 2", location="n")
    if n_trials < 1:
        raise InvalidInput("must be at least 1", location="n_trials")
    if chunk_size < 1:
        raise InvalidInput("must be at least 1", location="chunk_size")
    null = _input.probability(s0, "s0")
    alt = _input.probability(s1, "s1")
    level = _input.probability(alpha, "alpha")
    for name, value in (("landmark_months", landmark_months), ("accrual_months", accrual_months)):
        if not np.isfinite(value) or value <= 0:
            raise InvalidInput("must be positive and finite", location=name)
    if not np.isfinite(follow_up_months) or follow_up_months < 0:
        raise InvalidInput("must be non-negative and finite", location="follow_up_months")
    if not np.isfinite(death_hazard) or death_hazard < 0:
        raise InvalidInput("must be non-negative and finite", location="death_hazard")
    loss = _input.probability(dropout, "dropout", open_interval=False)
    if loss >= 1:
        raise InvalidInput("must be below 1", location="dropout")
    chosen = cast(SurvivalTestName, _input.choice(test, TESTS, "test"))
    if hazard == "exponential":
        shape = PiecewiseHazard()
    elif isinstance(hazard, PiecewiseHazard):
        shape = hazard
    else:
        raise InvalidInput("must be 'exponential' or a PiecewiseHazard", location="hazard")
    dropout_rate = -np.log1p(-loss) / landmark_months
    critical = float(ndtri(1.0 - level))
    common: dict[str, Any] = {
        "n": int(n),
        "s0": null,
        "shape": shape,
        "landmark": float(landmark_months),
        "accrual": float(accrual_months),
        "follow_up": float(follow_up_months),
        "death_hazard": float(death_hazard),
        "dropout_rate": float(dropout_rate),
        "test": chosen,
        "critical": critical,
    }
    under_h1 = under_h0 = 0
    done = 0
    while done < n_trials:
        trials = min(chunk_size, n_trials - done)
        under_h1 += _rejections(rng, trials=trials, truth=alt, **common)
        under_h0 += _rejections(rng, trials=trials, truth=null, **common)
        done += trials
        if progress is not None:
            progress(trials)
    power = under_h1 / n_trials
    size = under_h0 / n_trials
    seed_seq = getattr(rng.bit_generator, "seed_seq", None)
    entropy = getattr(seed_seq, "entropy", None)
    return Prosarc2Simulation(
        test=chosen,
        n=int(n),
        n_trials=int(n_trials),
        alpha=level,
        s0=null,
        s1=alt,
        landmark_months=float(landmark_months),
        power=power,
        power_mc_se=float(np.sqrt(power * (1 - power) / n_trials)),
        type_i_error=size,
        type_i_error_mc_se=float(np.sqrt(size * (1 - size) / n_trials)),
        seed_entropy=entropy if isinstance(entropy, int) else None,
    )

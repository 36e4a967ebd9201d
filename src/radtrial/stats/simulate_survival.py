"""Monte-Carlo operating characteristics of the PROSARC-2 single-arm survival design.

Each simulated trial enrols ``n`` patients uniformly over the accrual period and is analysed
``follow_up_months`` after the last possible entry. Local progression and death without local
progression are two cause-specific hazards (Putter H, Fiocco M, Geskus RB. Tutorial in
biostatistics: competing risks and multi-state models. Stat Med 2007;26:2389–2430,
doi:10.1002/sim.2712): a (piecewise) exponential local-progression hazard θ·r(t) and a
constant death hazard λ_D; dropout censors. The endpoint is chosen with ``endpoint``:

- ``"lpfs"`` (the default; PROSARC-2's primary endpoint as
  :mod:`radtrial.trial.time_to_event` defines it): local progression **or death**, whichever
  comes first, is the event; θ is set so that LPFS at the landmark, exp(−θR(t0) − λ_D t0), is
  S0 (type I error) or S1 (power). The analysis is Kaplan–Meier
  (:func:`radtrial.stats.kaplan_meier.landmark_survival`) or the one-sample log-rank test
  against the null LPFS curve, Λ0(t) = θ0·R(t) + λ_D·t.
- ``"local-progression"``: local progression is the event and death is a **competing risk**;
  S0 and S1 are the freedom from local progression 1 − F_LP(t0), F_LP the cumulative
  incidence, and θ solves 1 − F_LP(t0) = S0 or S1 given λ_D. The landmark tests use the
  Aalen–Johansen F̂_LP(t0) with its jackknife variance
  (:func:`radtrial.stats.competing_risks.landmark_cumulative_incidence`, = R ``survfit``); the
  one-sample log-rank test compares observed local progressions with the null cause-specific
  cumulative hazard θ0·R(t), deaths censoring.

With λ_D = 0 the two endpoints are the same random variable (only the landmark variance differs:
Greenwood's against the jackknife). Treating death as censoring of a *net* local-progression
curve (what this simulation once did) is not offered: it describes a world without death, and
1 − Kaplan–Meier with deaths censored overstates the cumulative incidence (Putter et al. 2007).

Whole chunks of trials are simulated as 2-D arrays (one row per trial) and analysed at once; no
fitter is called per trial. Monte-Carlo standard error of a rejection rate p̂ from B trials:
√(p̂(1 − p̂)/B) (Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate
statistical methods. Stat Med 2019;38:2074–2102, doi:10.1002/sim.8086, Table 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal, cast

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtri

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._input import BoolArray, FloatArray, IntArray
from radtrial.stats.competing_risks import landmark_cumulative_incidence
from radtrial.stats.kaplan_meier import landmark_survival
from radtrial.stats.landmark import Transform, landmark_z

__all__ = ["PiecewiseHazard", "Prosarc2Simulation", "simulate_prosarc2"]

SurvivalTestName = Literal[
    "landmark-loglog", "landmark-log", "landmark-plain", "one-sample-logrank"
]
TESTS: Final = ("landmark-loglog", "landmark-log", "landmark-plain", "one-sample-logrank")
Endpoint = Literal["lpfs", "local-progression"]
ENDPOINTS: Final = ("lpfs", "local-progression")
_TRANSFORM: Final[dict[str, Transform]] = {
    "landmark-loglog": "log-log",
    "landmark-log": "log",
    "landmark-plain": "plain",
}

#: Event codes of a simulated patient.
CENSORED, LOCAL_PROGRESSION, DEATH = 0, 1, 2


@dataclass(frozen=True, slots=True)
class PiecewiseHazard:
    """The shape r(t) of a piecewise-constant hazard, scaled later (θ·r) to hit the landmark.

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
        if cuts.size and (
            not np.all(np.isfinite(cuts)) or np.any(cuts <= 0) or np.any(np.diff(cuts) <= 0)
        ):
            raise InvalidInput("must be positive, finite and increasing", location="cuts_months")
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

    def scale_for(self, survival: float, landmark: float, death_hazard: float = 0.0) -> float:
        """θ with exp(−θR(t0) − λ_D·t0) = ``survival``: the LPFS (or, λ_D = 0, net) target."""
        base = float(self.relative_cumulative_hazard(np.array([landmark]))[0])
        if base <= 0:
            raise InvalidInput("gives zero hazard before the landmark", location="hazard")
        room = -np.log(survival) - death_hazard * landmark
        if room <= 0:
            raise InvalidInput(
                f"death alone leaves S({landmark:g}) at {np.exp(-death_hazard * landmark):.4f}, "
                f"not above {survival:g}: lower the death hazard",
                location="death_hazard",
            )
        return float(room / base)

    def cumulative_incidence(self, scale: float, death_hazard: float, t: float) -> float:
        """F_LP(t) = ∫0^t θr(u)·exp(−θR(u) − λ_D u) du with a competing death hazard λ_D.

        On a piece where r is constant the cause-specific hazards are constant, so the integral
        is θr/(θr + λ_D) times the fall of the all-cause survival over the piece (closed form).
        """
        x, rates, cum = self._knots()
        ends = np.r_[x[1:], np.inf]
        inside = x < t
        start, stop = x[inside], np.minimum(ends[inside], t)
        a = scale * rates[inside]
        total = a + death_hazard

        def all_cause(u: FloatArray, c: FloatArray) -> FloatArray:
            return np.asarray(np.exp(-scale * c - death_hazard * u), dtype=np.float64)

        fall = all_cause(start, cum[inside]) - all_cause(
            stop, cum[inside] + rates[inside] * (stop - start)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, a / total, 0.0)
        return float(np.sum(share * fall))

    def competing_scale_for(self, survival: float, landmark: float, death_hazard: float) -> float:
        """θ with 1 − F_LP(t0) = ``survival`` when death competes at rate λ_D (a root in θ)."""
        net = self.scale_for(survival, landmark)
        if death_hazard <= 0:
            return net
        target = 1.0 - survival

        def gap(theta: float) -> float:
            return self.cumulative_incidence(theta, death_hazard, landmark) - target

        # Death removes patients who would have progressed, so θ must exceed the net value.
        high = 2.0 * net
        for _ in range(200):
            if gap(high) >= 0:
                break
            high *= 2.0
        else:
            raise InvalidInput(
                f"no local-progression hazard brings the incidence at {landmark:g} months to "
                f"{target:g} before death does: lower the death hazard",
                location="death_hazard",
            )
        return float(brentq(gap, net, high, xtol=1e-14 * high, rtol=4 * np.finfo(float).eps))

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
    endpoint: str = "lpfs"
    death_hazard: float = 0.0
    accrual_months: float = 36.0
    follow_up_months: float = 24.0
    dropout: float = 0.0
    hazard_cuts_months: tuple[float, ...] = ()
    hazard_relative_rates: tuple[float, ...] = (1.0,)

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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping, with the two scenarios as ``summary``."""
        out = asdict(self)
        out["summary"] = self.summary
        return out


@dataclass(frozen=True, slots=True)
class _Design:
    """Everything a chunk of trials needs, validated once."""

    n: int
    s0: float
    shape: PiecewiseHazard
    landmark: float
    accrual: float
    follow_up: float
    death_hazard: float
    dropout_rate: float
    endpoint: Endpoint
    test: SurvivalTestName
    critical: float

    def scale(self, survival: float) -> float:
        """θ of the local-progression hazard for a true S(t0) of ``survival``."""
        if self.endpoint == "lpfs":
            return self.shape.scale_for(survival, self.landmark, self.death_hazard)
        return self.shape.competing_scale_for(survival, self.landmark, self.death_hazard)


def _draw(
    rng: np.random.Generator, design: _Design, trials: int, scale: float
) -> tuple[FloatArray, IntArray]:
    """Follow-up time and event code (0 censored, 1 local progression, 2 death) per patient."""
    size = (trials, design.n)
    progression = design.shape.sample(scale, rng.standard_exponential(size))
    entry = rng.uniform(0.0, design.accrual, size)
    censor = design.accrual + design.follow_up - entry
    if design.death_hazard > 0:
        death = rng.standard_exponential(size) / design.death_hazard
    else:
        death = np.full(size, np.inf)
    if design.dropout_rate > 0:
        censor = np.minimum(censor, rng.standard_exponential(size) / design.dropout_rate)
    first = np.minimum(progression, death)
    observed = np.minimum(first, censor)
    code = np.where(
        first <= censor,
        np.where(progression <= death, LOCAL_PROGRESSION, DEATH),
        CENSORED,
    ).astype(np.intp)
    return observed, code


def _z(design: _Design, observed: FloatArray, code: IntArray) -> FloatArray:
    """The test statistic of every row (trial); z > 0 favours survival better than S0."""
    event: BoolArray = code > 0 if design.endpoint == "lpfs" else code == LOCAL_PROGRESSION
    if design.test == "one-sample-logrank":
        theta0 = design.scale(design.s0)
        null = theta0 * design.shape.relative_cumulative_hazard(observed)
        if design.endpoint == "lpfs":
            null = null + design.death_hazard * observed
        expected = null.sum(axis=1)
        return np.asarray((expected - event.sum(axis=1)) / np.sqrt(expected), dtype=np.float64)
    transform = _TRANSFORM[design.test]
    if design.endpoint == "lpfs":
        km = landmark_survival(observed, event, design.landmark)
        return landmark_z(km.survival, km.greenwood, design.s0, transform)
    # 1 − F̂_LP(t0) on the landmark test's scale; var log(1 − F̂) = var F̂ / (1 − F̂)² (delta).
    aj = landmark_cumulative_incidence(observed, code, design.landmark, LOCAL_PROGRESSION)
    free = 1.0 - aj.incidence
    with np.errstate(divide="ignore", invalid="ignore"):
        log_variance = aj.variance / (free * free)
    return landmark_z(free, log_variance, design.s0, transform)


def _rejections(rng: np.random.Generator, design: _Design, trials: int, truth: float) -> int:
    """Simulate ``trials`` trials with true S(t0) = ``truth``; count one-sided rejections."""
    observed, code = _draw(rng, design, trials, design.scale(truth))
    return int(np.count_nonzero(_z(design, observed, code) > design.critical))


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
    endpoint: Endpoint = "lpfs",
    chunk_size: int = 10_000,
    progress: Callable[[int], None] | None = None,
) -> Prosarc2Simulation:
    """Power and type I error of a one-sided test of S(t0) = S0 against S(t0) = S1 > S0.

    Defaults are PROSARC-2's protocol values (40 patients, S0 = 0.55, S1 = 0.75, one-sided
    α = 0.05, 24-month landmark, 36 months' accrual, 24 months' further follow-up); pass the
    protocol's own values in, the core reads no protocol.

    The model (see the module docstring): a local-progression hazard θ·r(t) of the given
    ``hazard`` shape, a constant monthly ``death_hazard`` λ_D of death without local
    progression, and ``dropout``, the probability of loss to follow-up by the landmark
    (exponential), which censors. ``endpoint`` says what S0 and S1 are and what is analysed:

    - ``"lpfs"`` (default, the protocol's LPFS): death is an event. S(t0) is LPFS at the
      landmark, θ is set so that exp(−θR(t0) − λ_D t0) = S0 or S1, and the analysis is
      Kaplan–Meier with Greenwood's variance (landmark tests) or the one-sample log-rank test
      against Λ0(t) = θ0R(t) + λ_D t. The death hazard must leave exp(−λ_D t0) above S1.
    - ``"local-progression"``: death is a competing risk. S(t0) is 1 − F_LP(t0), F_LP the
      cumulative incidence of local progression; θ solves 1 − F_LP(t0) = S0 or S1 given λ_D.
      Landmark tests use the Aalen–Johansen F̂_LP(t0) and its jackknife variance (as R
      ``survfit``), on the chosen scale of 1 − F̂; the one-sample log-rank test compares local
      progressions with the null cause-specific hazard θ0R(t), deaths censoring.

    ``test`` is a landmark test on the log-log (default), log or plain scale, or the one-sample
    log-rank test. A trial rejects when z > Φ⁻¹(1 − α). ``progress``, if given, is called after
    each chunk with the number of trials that chunk simulated (both scenarios count once).
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
    kind = cast(Endpoint, _input.choice(endpoint, ENDPOINTS, "endpoint"))
    if hazard == "exponential":
        shape = PiecewiseHazard()
    elif isinstance(hazard, PiecewiseHazard):
        shape = hazard
    else:
        raise InvalidInput("must be 'exponential' or a PiecewiseHazard", location="hazard")
    design = _Design(
        n=int(n),
        s0=null,
        shape=shape,
        landmark=float(landmark_months),
        accrual=float(accrual_months),
        follow_up=float(follow_up_months),
        death_hazard=float(death_hazard),
        dropout_rate=float(-np.log1p(-loss) / landmark_months),
        endpoint=kind,
        test=chosen,
        critical=float(ndtri(1.0 - level)),
    )
    for survival in (alt, null):  # refuse an impossible scenario before simulating anything
        design.scale(survival)
    under_h1 = under_h0 = 0
    done = 0
    while done < n_trials:
        trials = min(chunk_size, n_trials - done)
        under_h1 += _rejections(rng, design, trials, alt)
        under_h0 += _rejections(rng, design, trials, null)
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
        endpoint=kind,
        death_hazard=float(death_hazard),
        accrual_months=float(accrual_months),
        follow_up_months=float(follow_up_months),
        dropout=loss,
        hazard_cuts_months=tuple(float(c) for c in shape.cuts_months),
        hazard_relative_rates=tuple(float(r) for r in shape.relative_rates),
    )

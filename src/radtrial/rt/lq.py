"""Linear-quadratic dose accounting: BED, EQD2, the overall-time correction, schedule tables.

Formulas (doses in Gy, or Gy(RBE) for particle therapy; α/β in Gy):

* BED = Σᵢ dᵢ·(1 + dᵢ/(α/β)), the sum form, valid for unequal fractions given ≥ 6 h apart so
  that repair is complete (Fowler, Br J Radiol 1989;62:679, doi:10.1259/0007-1285-62-740-679;
  Dale, Br J Radiol 1985;58:515, doi:10.1259/0007-1285-58-690-515). For n equal fractions of d it
  is the closed form n·d·(1 + d/(α/β)).
* EQD2 = BED / (1 + 2/(α/β)), the dose in 2 Gy fractions with the same effect; EQDX likewise
  for a reference dose per fraction X (Bentzen et al., Radiother Oncol 2012;105:266,
  doi:10.1016/j.radonc.2012.10.005, whose notation this module follows).
* Overall-time correction: BED_T = BED − k·(T − T_k) for T > T_k, where k = ln2/(α·T_pot) is the
  BED recovered by repopulation per day (Fowler 1989), or k = D_prolif·(1 + 2/(α/β)) when the
  proliferation dose D_prolif is given in EQD2 per day (Bentzen et al. 2012). Gap compensation
  with these quantities follows Dale et al., Clin Oncol 2002;14:382, doi:10.1053/clon.2002.0111.

Numerics: BED and EQD2 are computed as Σ dᵢ(dᵢ + α/β) divided once, by α/β or by 2 + α/β, with
:func:`math.fsum`, so results that are exact in decimal arithmetic come out exact where binary
floating point can hold them (5 Gy × 5 at α/β 10 gives EQD2 31.25, not 31.250000000000004).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from radtrial.errors import InvalidInput
from radtrial.protocol.course import Repopulation

__all__ = [
    "ComparisonRow",
    "Schedule",
    "TimeFactor",
    "bed",
    "compare_schedules",
    "dose_per_fraction_for_bed",
    "eqd2",
    "eqdx",
]


@dataclass(frozen=True)
class TimeFactor:
    """The BED a tissue recovers by repopulation per day after the kick-off time T_k."""

    kickoff_days: float
    bed_loss_gy_per_day: float

    def __post_init__(self) -> None:
        _check_non_negative(self.kickoff_days, "kickoff_days")
        _check_non_negative(self.bed_loss_gy_per_day, "bed_loss_gy_per_day")

    @classmethod
    def from_doubling_time(
        cls, kickoff_days: float, potential_doubling_days: float, alpha_per_gy: float
    ) -> TimeFactor:
        """k = ln2/(α·T_pot) (Fowler 1989)."""
        _check_positive(potential_doubling_days, "potential_doubling_days")
        _check_positive(alpha_per_gy, "alpha_per_gy")
        return cls(kickoff_days, math.log(2) / (alpha_per_gy * potential_doubling_days))

    @classmethod
    def from_dose_prolif(
        cls, kickoff_days: float, dose_prolif_gy_per_day: float, alpha_beta_gy: float
    ) -> TimeFactor:
        """k = D_prolif·(1 + 2/(α/β)), D_prolif in EQD2 per day (Bentzen et al. 2012)."""
        _check_non_negative(dose_prolif_gy_per_day, "dose_prolif_gy_per_day")
        _check_positive(alpha_beta_gy, "alpha_beta_gy")
        return cls(kickoff_days, dose_prolif_gy_per_day * (alpha_beta_gy + 2.0) / alpha_beta_gy)

    @classmethod
    def from_protocol(cls, repopulation: Repopulation, alpha_beta_gy: float) -> TimeFactor:
        """The time factor a protocol's ``repopulation`` table gives, for a tissue's α/β."""
        if repopulation.dose_prolif_gy_per_day is not None:
            return cls.from_dose_prolif(
                repopulation.kickoff_days, repopulation.dose_prolif_gy_per_day, alpha_beta_gy
            )
        doubling, alpha = repopulation.potential_doubling_days, repopulation.alpha_per_gy
        if doubling is None or alpha is None:  # the protocol model refuses this; be explicit
            raise InvalidInput(
                "give potential_doubling_days with alpha_per_gy, or dose_prolif_gy_per_day",
                location="repopulation",
            )
        return cls.from_doubling_time(repopulation.kickoff_days, doubling, alpha)

    def bed_loss_gy(self, overall_time_days: float) -> float:
        """k·(T − T_k) for T > T_k, else 0."""
        _check_non_negative(overall_time_days, "overall_time_days")
        return self.bed_loss_gy_per_day * max(0.0, overall_time_days - self.kickoff_days)


def bed(
    doses_gy: Iterable[float],
    alpha_beta_gy: float,
    *,
    overall_time_days: float | None = None,
    time_factor: TimeFactor | None = None,
) -> float:
    """Biologically effective dose of the fractions ``doses_gy``, in Gy.

    With ``time_factor`` (which needs ``overall_time_days``) the repopulation loss is subtracted.
    """
    squares, ab = _lq_sum(doses_gy, alpha_beta_gy)
    return squares / ab - _time_loss(overall_time_days, time_factor)


def eqd2(
    doses_gy: Iterable[float],
    alpha_beta_gy: float,
    *,
    overall_time_days: float | None = None,
    time_factor: TimeFactor | None = None,
) -> float:
    """Equieffective dose in 2 Gy fractions of the fractions ``doses_gy``, in Gy."""
    return eqdx(
        doses_gy,
        alpha_beta_gy,
        2.0,
        overall_time_days=overall_time_days,
        time_factor=time_factor,
    )


def eqdx(
    doses_gy: Iterable[float],
    alpha_beta_gy: float,
    reference_dose_per_fraction_gy: float,
    *,
    overall_time_days: float | None = None,
    time_factor: TimeFactor | None = None,
) -> float:
    """Equieffective dose in fractions of ``reference_dose_per_fraction_gy`` (EQDX), in Gy."""
    _check_non_negative(reference_dose_per_fraction_gy, "reference_dose_per_fraction_gy")
    squares, ab = _lq_sum(doses_gy, alpha_beta_gy)
    loss = _time_loss(overall_time_days, time_factor)
    return (squares - loss * ab) / (ab + reference_dose_per_fraction_gy)


def dose_per_fraction_for_bed(bed_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """The dose per fraction d with fractions·d·(1 + d/(α/β)) = ``bed_gy`` (the positive root)."""
    _check_non_negative(bed_gy, "bed_gy")
    _check_positive(alpha_beta_gy, "alpha_beta_gy")
    if fractions < 1:
        raise InvalidInput(f"need at least one fraction, not {fractions}", location="fractions")
    # d² + (α/β)·d − (α/β)·BED/n = 0; the stable form of the positive root.
    c = alpha_beta_gy * bed_gy / fractions
    return 2.0 * c / (alpha_beta_gy + math.sqrt(alpha_beta_gy * alpha_beta_gy + 4.0 * c))


# -- schedules --------------------------------------------------------------------------------

_TOTAL_OVER_FRACTIONS = re.compile(
    r"^\s*(?P<total>\d+(?:\.\d+)?)\s*(?:gy)?\s*/\s*(?P<n>\d+)\s*(?:fx|fractions?)?\s*$", re.I
)
_DOSE_TIMES_FRACTIONS = re.compile(
    r"^\s*(?P<dose>\d+(?:\.\d+)?)\s*(?:gy)?\s*[x×*]\s*(?P<n>\d+)\s*(?:fx|fractions?)?\s*$", re.I
)


@dataclass(frozen=True)
class Schedule:
    """A fractionation schedule: the dose of each fraction, with a label."""

    label: str
    doses_gy: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.doses_gy:
            raise InvalidInput(f"schedule {self.label!r} has no fractions", location="schedule")
        for dose in self.doses_gy:
            _check_non_negative(dose, "schedule")

    @classmethod
    def uniform(cls, dose_per_fraction_gy: float, fractions: int, label: str = "") -> Schedule:
        """``fractions`` equal fractions of ``dose_per_fraction_gy``."""
        if fractions < 1:
            raise InvalidInput(f"need at least one fraction, not {fractions}", location="schedule")
        name = label or f"{dose_per_fraction_gy:g} Gy × {fractions}"
        return cls(name, (float(dose_per_fraction_gy),) * fractions)

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """Read ``TOTAL/FRACTIONS`` (``56/16``) or ``DOSExFRACTIONS`` (``8x1``, ``5 Gy × 5``)."""
        match = _TOTAL_OVER_FRACTIONS.match(text)
        if match is not None:
            total, fractions = float(match["total"]), int(match["n"])
            if fractions < 1:
                raise InvalidInput(f"schedule {text!r}: no fractions", location="schedule")
            return cls(f"{total:g} Gy / {fractions} fx", (total / fractions,) * fractions)
        match = _DOSE_TIMES_FRACTIONS.match(text)
        if match is not None:
            dose, fractions = float(match["dose"]), int(match["n"])
            if fractions < 1:
                raise InvalidInput(f"schedule {text!r}: no fractions", location="schedule")
            return cls(f"{dose:g} Gy × {fractions}", (dose,) * fractions)
        raise InvalidInput(
            f"cannot read schedule {text!r}: write TOTAL/FRACTIONS (56/16) or DOSExFRACTIONS (8x1)",
            location="schedule",
        )

    @property
    def fractions(self) -> int:
        """Number of fractions."""
        return len(self.doses_gy)

    @property
    def total_dose_gy(self) -> float:
        """Physical (or RBE-weighted) total dose."""
        return math.fsum(self.doses_gy)

    @property
    def dose_per_fraction_gy(self) -> float | None:
        """The dose per fraction when all fractions are equal, else ``None``."""
        first = self.doses_gy[0]
        return first if all(dose == first for dose in self.doses_gy) else None


@dataclass(frozen=True)
class ComparisonRow:
    """BED and EQD2 of one schedule at one α/β."""

    schedule: str
    fractions: int
    dose_per_fraction_gy: float | None
    total_dose_gy: float
    alpha_beta_gy: float
    bed_gy: float
    eqd2_gy: float


def compare_schedules(
    schedules: Sequence[Schedule | str], alpha_betas_gy: Sequence[float]
) -> tuple[ComparisonRow, ...]:
    """BED and EQD2 of each schedule at each α/β, schedule by schedule in the order given."""
    if not schedules:
        raise InvalidInput("give at least one schedule", location="schedule")
    if not alpha_betas_gy:
        raise InvalidInput("give at least one α/β", location="alpha_beta_gy")
    parsed = [s if isinstance(s, Schedule) else Schedule.parse(s) for s in schedules]
    return tuple(
        ComparisonRow(
            schedule=schedule.label,
            fractions=schedule.fractions,
            dose_per_fraction_gy=schedule.dose_per_fraction_gy,
            total_dose_gy=schedule.total_dose_gy,
            alpha_beta_gy=float(ab),
            bed_gy=bed(schedule.doses_gy, ab),
            eqd2_gy=eqd2(schedule.doses_gy, ab),
        )
        for schedule in parsed
        for ab in alpha_betas_gy
    )


# -- checks ---------------------------------------------------------------------------------


def _lq_sum(doses_gy: Iterable[float], alpha_beta_gy: float) -> tuple[float, float]:
    """Σ dᵢ(dᵢ + α/β) and α/β, both checked."""
    _check_positive(alpha_beta_gy, "alpha_beta_gy")
    ab = float(alpha_beta_gy)
    terms = []
    for dose in doses_gy:
        d = float(dose)
        _check_non_negative(d, "doses_gy")
        terms.append(d * (d + ab))
    return math.fsum(terms), ab


def _time_loss(overall_time_days: float | None, time_factor: TimeFactor | None) -> float:
    if time_factor is None:
        return 0.0
    if overall_time_days is None:
        raise InvalidInput(
            "an overall-time correction needs the overall treatment time",
            location="overall_time_days",
        )
    return time_factor.bed_loss_gy(overall_time_days)


def _check_positive(value: float, name: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise InvalidInput(f"{name} must be a positive number, not {value!r}", location=name)


def _check_non_negative(value: float, name: str) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise InvalidInput(f"{name} must be a number ≥ 0, not {value!r}", location=name)

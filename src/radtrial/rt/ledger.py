"""The delivery ledger of one participant's course: planned, delivered, missed, cancelled.

Value objects only: the store keeps the rows and the audit trail, and rebuilds a :class:`Ledger`
to answer questions about the course (cumulative dose per dose level, fractions remaining,
overall treatment time, BED and EQD2 to date).

Doses are recorded per dose level in the prescription's quantity: Gy for photons, RBE-weighted
Gy(RBE) for particles, with the physical dose and the RBE model beside it (ICRU Report 78;
physical = RBE-weighted / RBE for a constant RBE).

**Overall treatment time (OTT)** is the number of calendar days from the first to the last
delivered fraction, both days counted, weekends and holidays included: five fractions on five
consecutive weekdays take 5 days. This is the inclusive count trial reports use for "treatment
duration including weekends and bank holidays" (e.g. FAST-Forward, Brunt et al., Radiother Oncol
2016;120:114, doi:10.1016/j.radonc.2016.02.027, Table 1), and the count the protocols'
``max_overall_time_days`` is read against. Days are calendar days where the fraction was given,
so a UTC instant is first converted to the site's time zone.

**Projected total dose.** While the course runs, the dose a level will have received at the end
is the delivered dose plus the planned dose of every fraction still to give
(:meth:`Ledger.projected_dose_gy`). A fraction still to give carries its own planned dose per
level (:class:`UpcomingFraction`): after a gap compensation by a higher dose per fraction the
plan, not the prescription, says what the remaining fractions will give. Only a fraction still
to give that the ledger has no planned dose for is counted at the prescription's dose per
fraction (or the optional fraction's).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from radtrial.errors import InvalidInput
from radtrial.protocol.course import Radiobiology
from radtrial.protocol.prescription import Arm, Prescription, RbeModel
from radtrial.rt import lq
from radtrial.rt.calendar import CoursePlan

__all__ = [
    "CancelledFraction",
    "DeliveredFraction",
    "Ledger",
    "LevelDose",
    "LevelSummary",
    "MissedFraction",
    "OptionalFractionDecision",
    "PlannedDose",
    "TissueDose",
    "UpcomingFraction",
    "rbe_model_name",
    "site_instant",
    "time_factor_for",
]

#: Recorded physical and RBE-weighted doses may each be rounded to 1 mGy.
_RBE_CONSISTENCY_GY = 0.0015


def rbe_model_name(rbe: RbeModel) -> str:
    """A stable name of an RBE model, e.g. ``constant RBE 1.1``."""
    return f"{rbe.model} RBE {rbe.value:g}"


def site_instant(value: datetime, zone: tzinfo, location: str = "delivered_at") -> datetime:
    """``value`` as a UTC instant; a naive ``value`` is a wall-clock time in ``zone``.

    A wall-clock time that does not exist in ``zone`` (skipped when the clocks go forward,
    e.g. 2026-03-29 02:30 in Europe/Oslo) or that happens twice (when they go back, e.g.
    2026-10-25 02:30) is refused with :class:`InvalidInput` at ``location``: the instant it
    means cannot be known, so the UTC offset must be given. Found by a round trip through UTC
    (PEP 495: ``fold`` 0 and 1 give different offsets exactly at a gap or a fold).
    """
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    first = value.replace(tzinfo=zone, fold=0)
    second = value.replace(tzinfo=zone, fold=1)
    wall = value.replace(tzinfo=None)
    shown = wall.isoformat(timespec="minutes")
    name = getattr(zone, "key", None) or str(zone)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise InvalidInput(
            f"{shown} does not exist in {name} (the clocks go forward then); give the UTC "
            "offset of the time meant",
            location=location,
        )
    if first.utcoffset() != second.utcoffset():
        offsets = " or ".join(_offset_text(v) for v in (first, second))
        raise InvalidInput(
            f"{shown} happens twice in {name} (the clocks go back then); give the UTC offset, "
            f"{offsets}",
            location=location,
        )
    return first.astimezone(UTC)


def _offset_text(value: datetime) -> str:
    return value.isoformat(timespec="minutes")


def _require_utc(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise InvalidInput(f"{name} must be a UTC datetime, not {value.isoformat()}", location=name)


def _require_text(value: str, name: str) -> None:
    if not value.strip():
        raise InvalidInput(f"{name} must not be empty", location=name)


@dataclass(frozen=True)
class LevelDose:
    """The dose one fraction gave to one dose level.

    ``dose_gy`` is the prescription's quantity (Gy, or Gy(RBE) for particles); for particles
    ``physical_dose_gy`` is the absorbed dose and ``rbe_model`` names the model relating them.
    """

    dose_level: str
    dose_gy: float
    physical_dose_gy: float
    rbe_model: str | None = None

    def __post_init__(self) -> None:
        for name in ("dose_gy", "physical_dose_gy"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput(f"{name} must be a dose ≥ 0, not {value!r}", location=name)
        if self.rbe_model is None and self.physical_dose_gy != self.dose_gy:
            raise InvalidInput(
                "without an RBE model the physical dose is the dose", location="physical_dose_gy"
            )

    @classmethod
    def photon(cls, dose_level: str, dose_gy: float) -> LevelDose:
        """A photon (or electron) dose: physical and prescribed dose are the same."""
        return cls(dose_level, dose_gy, dose_gy)

    @classmethod
    def rbe_weighted(cls, dose_level: str, rbe_weighted_dose_gy: float, rbe: RbeModel) -> LevelDose:
        """A particle dose from its RBE-weighted value: physical = RBE-weighted / RBE."""
        return cls(
            dose_level, rbe_weighted_dose_gy, rbe_weighted_dose_gy / rbe.value, rbe_model_name(rbe)
        )


@dataclass(frozen=True)
class DeliveredFraction:
    """A fraction given: its number, when (UTC), where, on which machine, and its doses."""

    number: int
    delivered_at: datetime
    site: str
    machine: str
    doses: tuple[LevelDose, ...]
    optional_fraction: str | None = None

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InvalidInput(f"fraction numbers start at 1, not {self.number}", location="number")
        _require_utc(self.delivered_at, "delivered_at")
        _require_text(self.site, "site")
        _require_text(self.machine, "machine")
        levels = [dose.dose_level for dose in self.doses]
        if not levels or len(set(levels)) != len(levels):
            raise InvalidInput(
                f"fraction {self.number}: give one dose per dose level, not {levels}",
                location="doses",
            )

    def dose(self, dose_level: str) -> LevelDose:
        """This fraction's dose to ``dose_level``."""
        for dose in self.doses:
            if dose.dose_level == dose_level:
                return dose
        raise KeyError(f"fraction {self.number} has no dose for {dose_level!r}")


@dataclass(frozen=True)
class PlannedDose:
    """The dose a fraction still to give is planned to give one dose level.

    ``dose_gy`` is in the prescription's quantity (Gy, or Gy(RBE) for particles).
    """

    dose_level: str
    dose_gy: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.dose_gy) and self.dose_gy >= 0):
            raise InvalidInput(
                f"planned dose must be a dose ≥ 0, not {self.dose_gy!r}", location="dose_gy"
            )


@dataclass(frozen=True)
class UpcomingFraction:
    """A planned fraction still to give, with its planned dose per dose level.

    A level without a planned dose is taken at the prescription's dose per fraction (or the
    optional fraction's, for ``optional_fraction``).
    """

    number: int
    doses: tuple[PlannedDose, ...]
    optional_fraction: str | None = None

    def __post_init__(self) -> None:
        if self.number < 1:
            raise InvalidInput(f"fraction numbers start at 1, not {self.number}", location="number")
        levels = [dose.dose_level for dose in self.doses]
        if len(set(levels)) != len(levels):
            raise InvalidInput(
                f"fraction {self.number}: give one planned dose per dose level, not {levels}",
                location="doses",
            )

    @classmethod
    def of(
        cls, number: int, doses: Mapping[str, float], optional_fraction: str | None = None
    ) -> UpcomingFraction:
        """Fraction ``number`` planned to give ``doses`` (dose level → dose per fraction)."""
        return cls(
            number,
            tuple(PlannedDose(level, dose) for level, dose in doses.items()),
            optional_fraction,
        )

    def dose_gy(self, dose_level: str) -> float | None:
        """The planned dose to ``dose_level``, or ``None`` if none is planned."""
        for dose in self.doses:
            if dose.dose_level == dose_level:
                return dose.dose_gy
        return None


@dataclass(frozen=True)
class MissedFraction:
    """A planned fraction not given on its day; it is rescheduled, so the count is kept."""

    number: int
    planned_day: date
    reason: str
    recorded_at: datetime

    def __post_init__(self) -> None:
        _require_text(self.reason, "reason")
        _require_utc(self.recorded_at, "recorded_at")


@dataclass(frozen=True)
class CancelledFraction:
    """A planned fraction that will not be given at all."""

    number: int
    reason: str
    recorded_at: datetime

    def __post_init__(self) -> None:
        _require_text(self.reason, "reason")
        _require_utc(self.recorded_at, "recorded_at")


@dataclass(frozen=True)
class OptionalFractionDecision:
    """The recorded decision to give a protocol's optional fraction (PALLSOFT's second 8 Gy)."""

    optional_fraction: str
    decided_at: datetime
    decided_by: str
    reason: str

    def __post_init__(self) -> None:
        _require_utc(self.decided_at, "decided_at")
        _require_text(self.decided_by, "decided_by")
        _require_text(self.reason, "reason")


@dataclass(frozen=True)
class TissueDose:
    """BED and EQD2 of a dose level for one tissue's α/β."""

    tissue: str
    alpha_beta_gy: float
    bed_gy: float
    eqd2_gy: float


@dataclass(frozen=True)
class LevelSummary:
    """One dose level's delivered dose to date."""

    dose_level: str
    unit: str
    fractions_delivered: int
    dose_gy: float
    physical_dose_gy: float
    prescribed_dose_gy: float
    tissues: tuple[TissueDose, ...]


@dataclass(frozen=True)
class Ledger:
    """One participant's course: the arm, the plan and what happened to each fraction.

    ``upcoming`` are the planned fractions still to give, with their planned doses (none given:
    every fraction still to give is taken at the prescription's dose per fraction).
    """

    arm: Arm
    plan: CoursePlan
    timezone: tzinfo
    delivered: tuple[DeliveredFraction, ...] = ()
    missed: tuple[MissedFraction, ...] = ()
    cancelled: tuple[CancelledFraction, ...] = ()
    decisions: tuple[OptionalFractionDecision, ...] = ()
    upcoming: tuple[UpcomingFraction, ...] = ()
    _order: tuple[DeliveredFraction, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numbers = [f.number for f in self.delivered]
        if len(set(numbers)) != len(numbers):
            raise InvalidInput(f"fraction numbers delivered twice: {numbers}", location="delivered")
        prescription = self.prescription
        levels = {level.id for level in prescription.dose_levels}
        optional = {extra.id for extra in prescription.optional_fractions}
        expected_model = rbe_model_name(prescription.rbe) if prescription.rbe else None
        for index, fraction in enumerate(self.delivered):
            where = f"delivered[{index}]"
            if {dose.dose_level for dose in fraction.doses} != levels:
                raise InvalidInput(
                    f"fraction {fraction.number} must give a dose to each level {sorted(levels)}",
                    location=f"{where}.doses",
                )
            extra = fraction.optional_fraction
            if extra is not None and extra not in optional:
                raise InvalidInput(
                    f"{extra!r} is not an optional fraction of the arm",
                    location=f"{where}.optional_fraction",
                )
            for dose in fraction.doses:
                self._check_rbe(dose, prescription, expected_model, f"{where}.doses")
        for index, decision in enumerate(self.decisions):
            if decision.optional_fraction not in optional:
                raise InvalidInput(
                    f"{decision.optional_fraction!r} is not an optional fraction of the arm",
                    location=f"decisions[{index}].optional_fraction",
                )
        self._check_upcoming(levels, optional)
        order = tuple(sorted(self.delivered, key=lambda f: (f.delivered_at, f.number)))
        object.__setattr__(self, "_order", order)

    def _check_upcoming(self, levels: set[str], optional: set[str]) -> None:
        done = {f.number for f in self.delivered} | {f.number for f in self.cancelled}
        seen: set[int] = set()
        for index, fraction in enumerate(self.upcoming):
            where = f"upcoming[{index}]"
            if fraction.number in seen or fraction.number in done:
                raise InvalidInput(
                    f"fraction {fraction.number} is planned twice, or already delivered or "
                    "cancelled",
                    location=f"{where}.number",
                )
            seen.add(fraction.number)
            unknown = sorted({dose.dose_level for dose in fraction.doses} - levels)
            if unknown:
                raise InvalidInput(
                    f"fraction {fraction.number}: no dose level {unknown[0]!r}; levels: "
                    f"{sorted(levels)}",
                    location=f"{where}.doses",
                )
            extra = fraction.optional_fraction
            if extra is not None and extra not in optional:
                raise InvalidInput(
                    f"{extra!r} is not an optional fraction of the arm",
                    location=f"{where}.optional_fraction",
                )

    @staticmethod
    def _check_rbe(
        dose: LevelDose, prescription: Prescription, expected: str | None, where: str
    ) -> None:
        if dose.rbe_model != expected:
            raise InvalidInput(
                f"dose to {dose.dose_level!r} names RBE model {dose.rbe_model!r}; the "
                f"prescription's is {expected!r}",
                location=f"{where}.rbe_model",
            )
        if prescription.rbe is not None:
            physical = dose.dose_gy / prescription.rbe.value
            if abs(physical - dose.physical_dose_gy) > _RBE_CONSISTENCY_GY:
                raise InvalidInput(
                    f"physical dose {dose.physical_dose_gy:g} Gy is not the RBE-weighted "
                    f"{dose.dose_gy:g} Gy(RBE) / {prescription.rbe.value:g} = {physical:.4f} Gy",
                    location=f"{where}.physical_dose_gy",
                )

    # -- the course --------------------------------------------------------------------------

    @property
    def prescription(self) -> Prescription:
        """The arm's prescription."""
        return self.arm.prescription

    @property
    def delivered_in_order(self) -> tuple[DeliveredFraction, ...]:
        """Delivered fractions by time of delivery."""
        return self._order

    def local_day(self, fraction: DeliveredFraction) -> date:
        """The calendar day, at the site, on which ``fraction`` was given."""
        return fraction.delivered_at.astimezone(self.timezone).date()

    def decided_optional_fractions(self, optional_fraction: str) -> int:
        """How many of an optional fraction were decided (at most the protocol's count)."""
        extra = next(o for o in self.prescription.optional_fractions if o.id == optional_fraction)
        given = sum(1 for d in self.decisions if d.optional_fraction == optional_fraction)
        return min(given, extra.count)

    @property
    def prescribed_fractions(self) -> int:
        """The prescription's fractions plus the optional fractions decided so far."""
        extra = sum(
            self.decided_optional_fractions(o.id) for o in self.prescription.optional_fractions
        )
        return self.prescription.fractions + extra

    @property
    def fractions_remaining(self) -> int:
        """Fractions still to give: prescribed (with decided optional) − delivered − cancelled."""
        return max(0, self.prescribed_fractions - len(self.delivered) - len(self.cancelled))

    @property
    def complete(self) -> bool:
        """No fraction remains to be given."""
        return self.fractions_remaining == 0

    @property
    def first_day(self) -> date | None:
        """The day of the first delivered fraction."""
        return self.local_day(self._order[0]) if self._order else None

    @property
    def last_day(self) -> date | None:
        """The day of the last delivered fraction."""
        return self.local_day(self._order[-1]) if self._order else None

    @property
    def overall_time_days(self) -> int:
        """Overall treatment time to date: first to last delivered day, both counted (0: none)."""
        if self.first_day is None or self.last_day is None:
            return 0
        return (self.last_day - self.first_day).days + 1

    def projected_overall_time_days(self) -> int:
        """The overall time if the remaining fractions are given on the plan's last days."""
        remaining = self.fractions_remaining
        days = sorted(self.plan.days)
        last = self.last_day
        if remaining and days:
            last = max(days[-1], last) if last is not None else days[-1]
        first = self.first_day or (days[0] if days else None)
        if first is None or last is None:
            return 0
        return (last - first).days + 1

    # -- doses -------------------------------------------------------------------------------

    def fraction_doses_gy(self, dose_level: str) -> tuple[float, ...]:
        """Delivered dose per fraction to ``dose_level``, in delivery order."""
        self.prescription.dose_level(dose_level)  # KeyError names the levels
        return tuple(f.dose(dose_level).dose_gy for f in self._order)

    def cumulative_dose_gy(self, dose_level: str) -> float:
        """Delivered dose to ``dose_level`` so far (Gy, or Gy(RBE) for particles)."""
        return math.fsum(self.fraction_doses_gy(dose_level))

    def cumulative_physical_dose_gy(self, dose_level: str) -> float:
        """Delivered absorbed (physical) dose to ``dose_level`` so far, in Gy."""
        return math.fsum(f.dose(dose_level).physical_dose_gy for f in self._order)

    def remaining_doses_gy(self, dose_level: str) -> tuple[float, ...]:
        """Planned dose to ``dose_level`` of each fraction still to give.

        The fractions still to give are the prescription's remaining fractions, then the
        decided optional fractions not yet given (:attr:`fractions_remaining` of them). Each
        takes the planned dose of an upcoming fraction (by number; an optional one by its id),
        else the prescription's dose per fraction (an optional fraction to another level: 0).
        """
        level = self.prescription.dose_level(dose_level)  # KeyError names the levels
        prescription = self.prescription
        delivered = len(self.delivered)
        ordered = sorted(self.upcoming, key=lambda f: f.number)
        base_plans = [f for f in ordered if f.optional_fraction is None]
        base_left = max(0, prescription.fractions - delivered - len(self.cancelled))
        doses = [
            _planned_or(
                base_plans[i] if i < len(base_plans) else None,
                dose_level,
                level.dose_per_fraction_gy,
            )
            for i in range(base_left)
        ]
        optional_given = max(0, delivered - prescription.fractions)
        for extra in prescription.optional_fractions:
            left = max(0, self.decided_optional_fractions(extra.id) - optional_given)
            optional_given = max(0, optional_given - extra.count)
            plans = [f for f in ordered if f.optional_fraction == extra.id]
            default = extra.dose_per_fraction_gy if extra.dose_level == dose_level else 0.0
            doses += [
                _planned_or(plans[i] if i < len(plans) else None, dose_level, default)
                for i in range(left)
            ]
        return tuple(doses)

    def projected_dose_gy(self, dose_level: str) -> float:
        """The dose ``dose_level`` will have had at the end of the course as planned: the
        delivered dose plus the planned doses of the fractions still to give."""
        return math.fsum(
            [*self.fraction_doses_gy(dose_level), *self.remaining_doses_gy(dose_level)]
        )

    def prescribed_dose_gy(self, dose_level: str) -> float:
        """The level's total dose, plus the optional fractions decided so far."""
        level = self.prescription.dose_level(dose_level)
        extra = math.fsum(
            self.decided_optional_fractions(o.id) * o.dose_per_fraction_gy
            for o in self.prescription.optional_fractions
            if o.dose_level == dose_level
        )
        return level.total_dose_gy + extra

    def bed_gy(
        self, dose_level: str, alpha_beta_gy: float, time_factor: lq.TimeFactor | None = None
    ) -> float:
        """BED delivered to ``dose_level`` so far (sum form; time-corrected with the OTT)."""
        return lq.bed(
            self.fraction_doses_gy(dose_level),
            alpha_beta_gy,
            overall_time_days=self.overall_time_days,
            time_factor=time_factor,
        )

    def eqd2_gy(
        self, dose_level: str, alpha_beta_gy: float, time_factor: lq.TimeFactor | None = None
    ) -> float:
        """EQD2 delivered to ``dose_level`` so far."""
        return lq.eqd2(
            self.fraction_doses_gy(dose_level),
            alpha_beta_gy,
            overall_time_days=self.overall_time_days,
            time_factor=time_factor,
        )

    def dose_summary(self, radiobiology: Radiobiology) -> tuple[LevelSummary, ...]:
        """Per dose level: dose to date and BED/EQD2 for every tissue of the protocol.

        The overall-time correction, when the protocol sets one, applies to its own tissue only.
        """
        rows = []
        for level in self.prescription.dose_levels:
            tissues = []
            for tissue in radiobiology.tissues:
                factor = time_factor_for(radiobiology, tissue.id)
                tissues.append(
                    TissueDose(
                        tissue.id,
                        tissue.alpha_beta_gy,
                        self.bed_gy(level.id, tissue.alpha_beta_gy, factor),
                        self.eqd2_gy(level.id, tissue.alpha_beta_gy, factor),
                    )
                )
            rows.append(
                LevelSummary(
                    dose_level=level.id,
                    unit=self.prescription.dose_unit,
                    fractions_delivered=len(self._order),
                    dose_gy=self.cumulative_dose_gy(level.id),
                    physical_dose_gy=self.cumulative_physical_dose_gy(level.id),
                    prescribed_dose_gy=self.prescribed_dose_gy(level.id),
                    tissues=tuple(tissues),
                )
            )
        return tuple(rows)


def _planned_or(fraction: UpcomingFraction | None, dose_level: str, default: float) -> float:
    planned = fraction.dose_gy(dose_level) if fraction is not None else None
    return default if planned is None else planned


def time_factor_for(radiobiology: Radiobiology, tissue_id: str) -> lq.TimeFactor | None:
    """The protocol's overall-time correction for ``tissue_id``, if it sets one for it."""
    repopulation = radiobiology.repopulation
    if repopulation is None or repopulation.tissue != tissue_id:
        return None
    return lq.TimeFactor.from_protocol(repopulation, radiobiology.alpha_beta_gy(tissue_id))

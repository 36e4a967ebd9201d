"""The radiotherapy course as protocol data: radiobiology, calendar, rescheduling, deviations.

Two levels, because the two kinds of rule live at different levels of a protocol:

* :class:`Course` (``[course]``, one per protocol): the trial's radiobiology (α/β per tissue, the
  optional overall-time correction) and its treatment calendar (public holidays, closure days).
* :class:`CoursePolicy` (``[arms.prescription.course]``, one per arm): how missed fractions are
  rescheduled, whether two fractions a day are allowed for gap compensation, and the deviation
  rules with their minor/major thresholds.

Neither trial's public record gives any of these values; the bundled files mark each one as an
assumption with its reason (see :mod:`radtrial.protocol.section`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveFloat, model_validator

from radtrial.protocol.section import Section

Severity = Literal["minor", "major"]

#: How a missed fraction is given later, keeping the number of fractions.
#:
#: * ``free_day_in_week_else_append``: on a free treatment day later in the same calendar week
#:   (the fifth weekday of a 4-fractions-a-week schedule), which keeps the weekly dose and the
#:   overall time; when the week has none, after the last planned fraction.
#: * ``append``: after the last planned fraction, on the next open treatment day.
ReschedulingPolicy = Literal["free_day_in_week_else_append", "append"]

_IDENT = r"^[a-z][a-z0-9_]*$"
_MONTH_DAY = r"^\d{2}-\d{2}$"


class Tissue(Section):
    """A tissue with its α/β ratio, the parameter of the linear-quadratic model."""

    id: str = Field(pattern=_IDENT)
    label: str = Field(min_length=1)
    alpha_beta_gy: PositiveFloat = Field(description="α/β in Gy")


class Repopulation(Section):
    """The overall-time correction of the LQ model for one tissue (usually the tumour).

    BED_T = BED − k·(T − T_k) for T > T_k, with k = ln2/(α·T_pot) in BED units (Fowler 1989,
    doi:10.1259/0007-1285-62-740-679) or, given D_prolif in EQD2 units (Gy/day),
    k = D_prolif·(1 + 2/(α/β)) (Bentzen et al. 2012, doi:10.1016/j.radonc.2012.10.005).
    Give either ``potential_doubling_days`` with ``alpha_per_gy``, or ``dose_prolif_gy_per_day``.
    """

    tissue: str = Field(pattern=_IDENT, description="Tissue id the correction applies to")
    kickoff_days: NonNegativeFloat = Field(description="T_k: repopulation starts after this")
    potential_doubling_days: PositiveFloat | None = Field(default=None, description="T_pot")
    alpha_per_gy: PositiveFloat | None = Field(default=None, description="α, in 1/Gy")
    dose_prolif_gy_per_day: PositiveFloat | None = Field(
        default=None, description="D_prolif: EQD2 lost to repopulation per day after T_k"
    )

    @model_validator(mode="after")
    def _one_form(self) -> Repopulation:
        doubling = self.potential_doubling_days is not None
        alpha = self.alpha_per_gy is not None
        prolif = self.dose_prolif_gy_per_day is not None
        if doubling != alpha:
            missing = "alpha_per_gy" if doubling else "potential_doubling_days"
            raise ValueError(
                f"{missing}: the T_pot form needs both potential_doubling_days and alpha_per_gy"
            )
        if doubling == prolif:
            raise ValueError(
                "dose_prolif_gy_per_day: give either potential_doubling_days with alpha_per_gy, "
                "or dose_prolif_gy_per_day, not both and not neither"
            )
        return self


class Radiobiology(Section):
    """α/β per tissue, which tissue is the tumour and which the late-reacting normal tissue."""

    tissues: tuple[Tissue, ...] = Field(min_length=1)
    tumour_tissue: str = Field(pattern=_IDENT, description="Tissue id of the target")
    late_tissue: str = Field(pattern=_IDENT, description="Tissue id bounding late effects")
    repopulation: Repopulation | None = None

    @model_validator(mode="after")
    def _tissues_known(self) -> Radiobiology:
        ids = [t.id for t in self.tissues]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"tissues: duplicate id {duplicates}")
        problems = [
            f"{name}: {value!r} is not one of the tissues {ids}"
            for name, value in (
                ("tumour_tissue", self.tumour_tissue),
                ("late_tissue", self.late_tissue),
                ("repopulation.tissue", self.repopulation.tissue if self.repopulation else None),
            )
            if value is not None and value not in ids
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def tissue(self, tissue_id: str) -> Tissue:
        """The tissue with this id; ``KeyError`` names the known ids."""
        for tissue in self.tissues:
            if tissue.id == tissue_id:
                return tissue
        raise KeyError(f"no tissue {tissue_id!r}; tissues are {[t.id for t in self.tissues]}")

    def alpha_beta_gy(self, tissue_id: str) -> float:
        """α/β of a tissue, in Gy."""
        return self.tissue(tissue_id).alpha_beta_gy


class CourseCalendar(Section):
    """Which days no fraction is given, besides weekends and the site's own closures."""

    public_holidays: Literal["NO"] = Field(
        default="NO", description="Country whose statutory public holidays close the clinic"
    )
    closure_days: tuple[str, ...] = Field(
        default=(),
        description="Days closed every year though not statutory holidays, as 'MM-DD'",
    )

    @model_validator(mode="after")
    def _month_days_valid(self) -> CourseCalendar:
        problems: list[str] = []
        for index, text in enumerate(self.closure_days):
            try:
                month, day = (int(part) for part in text.split("-"))
                date(2000, month, day)  # a leap year, so 02-29 is a valid month-day
            except ValueError:
                problems.append(f"closure_days[{index}]: {text!r} is not a month-day 'MM-DD'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def annual_closures(self) -> tuple[tuple[int, int], ...]:
        """The closure days as (month, day) pairs."""
        pairs = (text.split("-") for text in self.closure_days)
        return tuple((int(month), int(day)) for month, day in pairs)


class Course(Section):
    """The trial-wide radiotherapy course rules: radiobiology and the treatment calendar."""

    radiobiology: Radiobiology
    calendar: CourseCalendar = Field(default_factory=CourseCalendar)


class DosePerFractionLimit(Section):
    """An absolute upper limit on the dose per fraction of one dose level."""

    dose_level: str = Field(pattern=_IDENT)
    max_dose_per_fraction_gy: PositiveFloat
    severity: Severity = "major"


class DeviationRules(Section):
    """When the delivered course deviates from the prescription, and how seriously.

    Relative thresholds are strict: a total dose off by more than ``total_dose_minor_percent``
    is a minor deviation, by more than ``total_dose_major_percent`` a major one. For a dose level
    of kind ``maximum`` ("up to 80 Gy") only an excess counts.
    """

    total_dose_minor_percent: PositiveFloat = Field(le=100)
    total_dose_major_percent: PositiveFloat = Field(le=100)
    dose_per_fraction_minor_percent: PositiveFloat = Field(le=100)
    dose_per_fraction_major_percent: PositiveFloat = Field(le=100)
    dose_per_fraction_limits: tuple[DosePerFractionLimit, ...] = ()
    max_fractions_per_week: NonNegativeInt | None = Field(
        default=None,
        description="Most fractions in one calendar week (None: the prescription's per week)",
    )
    weekly_excess_minor_fractions: NonNegativeInt = Field(
        default=0, description="Extra fractions in a week up to this count are minor, more major"
    )
    overall_time_minor_days: NonNegativeInt = Field(
        default=0, description="Overall time exceeded by up to this many days is minor"
    )
    missed_fraction: Severity | None = Field(
        default=None, description="Severity of a missed fraction in itself (None: not one)"
    )
    wrong_arm_schedule: Severity = "major"
    optional_fraction_without_decision: Severity = "major"
    optional_fraction_outside_window: Severity = "minor"
    short_interfraction_interval: Severity = "major"

    @model_validator(mode="after")
    def _major_beyond_minor(self) -> DeviationRules:
        problems = [
            f"{kind}_major_percent: {major:g} must exceed {kind}_minor_percent {minor:g}"
            for kind, minor, major in (
                ("total_dose", self.total_dose_minor_percent, self.total_dose_major_percent),
                (
                    "dose_per_fraction",
                    self.dose_per_fraction_minor_percent,
                    self.dose_per_fraction_major_percent,
                ),
            )
            if major <= minor
        ]
        levels = [limit.dose_level for limit in self.dose_per_fraction_limits]
        duplicates = sorted({level for level in levels if levels.count(level) > 1})
        if duplicates:
            problems.append(f"dose_per_fraction_limits: more than one limit for {duplicates}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def limit_for(self, dose_level: str) -> DosePerFractionLimit | None:
        """The absolute dose-per-fraction limit of a dose level, if the protocol sets one."""
        for limit in self.dose_per_fraction_limits:
            if limit.dose_level == dose_level:
                return limit
        return None


class CoursePolicy(Section):
    """One arm's rules for running its course: rescheduling, gap compensation, deviations."""

    rescheduling: ReschedulingPolicy
    twice_daily_allowed: bool = Field(
        default=False, description="Gap compensation may give two fractions on one day"
    )
    min_interfraction_interval_hours: PositiveFloat = Field(
        description="Shortest time between two fractions on one day (a clinical value: the "
        "trial file states it, there is no default)"
    )
    max_late_bed_increase_percent: NonNegativeFloat = Field(
        default=0.0,
        description="Gap compensation may raise the late-tissue BED by at most this much",
    )
    deviations: DeviationRules

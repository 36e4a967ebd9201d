"""Arms and their radiotherapy prescriptions as structured data.

A prescription has one or more dose levels delivered in the same fractions (a simultaneous
integrated boost is a second dose level), an optional conditional extra fraction (PALLSOFT arm A),
the weekly rhythm, and for particle therapy the RBE model that turns physical dose into
RBE-weighted dose (ICRU Report 78, §3; constant RBE 1.1 for protons, AAPM TG-256,
doi:10.1002/mp.13390). Doses of particle prescriptions are RBE-weighted, in Gy(RBE).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, model_validator

from radtrial.protocol.course import CoursePolicy
from radtrial.protocol.section import Section

Modality = Literal["photon", "proton", "electron", "carbon_ion"]
ArmKind = Literal["experimental", "active_comparator", "placebo_comparator", "no_intervention"]

IDENT_PATTERN = r"^[a-z][a-z0-9_]*$"
ARM_CODE_PATTERN = r"^[A-Z][A-Z0-9]{0,3}$"

#: Tolerance when checking total dose = fractions × dose per fraction (the file's own arithmetic).
_DOSE_ARITHMETIC_TOLERANCE_GY = 1e-6


class RbeModel(Section):
    """How RBE-weighted dose is derived from physical dose."""

    model: Literal["constant"] = "constant"
    value: PositiveFloat = Field(description="RBE factor; RBE-weighted dose = value × physical")


class DoseLevel(Section):
    """One prescribed dose to one target, fraction by fraction."""

    id: str = Field(pattern=IDENT_PATTERN)
    label: str = Field(min_length=1)
    target: str = Field(min_length=1, description="Target structure (TG-263 style name)")
    total_dose_gy: PositiveFloat
    dose_per_fraction_gy: PositiveFloat
    fractions: PositiveInt
    kind: Literal["prescribed", "maximum"] = Field(
        default="prescribed",
        description="'maximum': the level is an upper limit ('up to 80 Gy'), not a fixed dose",
    )

    @model_validator(mode="after")
    def _total_is_fractions_times_dose(self) -> DoseLevel:
        expected = self.fractions * self.dose_per_fraction_gy
        if not math.isclose(self.total_dose_gy, expected, abs_tol=_DOSE_ARITHMETIC_TOLERANCE_GY):
            raise ValueError(
                f"total_dose_gy {self.total_dose_gy:g} is not fractions × dose_per_fraction_gy "
                f"({self.fractions} × {self.dose_per_fraction_gy:g} = {expected:g})"
            )
        return self


class OptionalFraction(Section):
    """Extra fractions given only when a protocol criterion is met and the decision recorded."""

    id: str = Field(pattern=IDENT_PATTERN)
    dose_level: str = Field(description="Dose level id the extra fractions add to")
    count: PositiveInt
    dose_per_fraction_gy: PositiveFloat
    criterion: str = Field(min_length=1, description="When the extra fraction is offered")
    earliest_day_after_first_fraction: int = Field(ge=0)
    latest_day_after_first_fraction: int = Field(ge=0)

    @model_validator(mode="after")
    def _window_ordered(self) -> OptionalFraction:
        if self.latest_day_after_first_fraction < self.earliest_day_after_first_fraction:
            raise ValueError(
                "latest_day_after_first_fraction is before earliest_day_after_first_fraction"
            )
        return self


class Prescription(Section):
    """The radiotherapy an arm prescribes."""

    modality: Modality
    rbe: RbeModel | None = None
    fractions_per_week: PositiveInt = Field(le=7)
    treatment_days: tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...] = Field(
        default=("mon", "tue", "wed", "thu", "fri"), min_length=1
    )
    max_overall_time_days: PositiveInt | None = Field(
        default=None, description="Longest allowed first-to-last fraction span, in days"
    )
    dose_levels: tuple[DoseLevel, ...] = Field(min_length=1)
    optional_fractions: tuple[OptionalFraction, ...] = ()
    course: CoursePolicy | None = Field(
        default=None, description="Rescheduling, gap-compensation and deviation rules"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Prescription:
        particle = self.modality in ("proton", "carbon_ion")
        if particle and self.rbe is None:
            raise ValueError(f"rbe: a {self.modality} prescription must name its RBE model")
        if not particle and self.rbe is not None:
            raise ValueError(f"rbe: a {self.modality} prescription has no RBE model")
        if self.fractions_per_week > len(self.treatment_days):
            raise ValueError(
                f"fractions_per_week {self.fractions_per_week} exceeds the "
                f"{len(self.treatment_days)} treatment_days"
            )
        ids = [level.id for level in self.dose_levels]
        if len(set(ids)) != len(ids):
            raise ValueError(f"dose_levels: duplicate id in {ids}")
        counts = {level.fractions for level in self.dose_levels}
        if len(counts) != 1:
            raise ValueError(
                "dose_levels: levels of one prescription are delivered in the same fractions "
                f"(simultaneous integrated boost) but have fraction counts {sorted(counts)}"
            )
        for extra in self.optional_fractions:
            if extra.dose_level not in ids:
                raise ValueError(
                    f"optional_fractions.{extra.id}.dose_level: {extra.dose_level!r} is not one "
                    f"of the dose levels {ids}"
                )
        if self.course is not None:
            self._course_consistent(self.course)
        return self

    def _course_consistent(self, course: CoursePolicy) -> None:
        rules = course.deviations
        levels = {level.id: level for level in self.dose_levels}
        problems: list[str] = []
        for index, limit in enumerate(rules.dose_per_fraction_limits):
            where = f"course.deviations.dose_per_fraction_limits[{index}]"
            level = levels.get(limit.dose_level)
            if level is None:
                problems.append(
                    f"{where}.dose_level: {limit.dose_level!r} is not one of the dose levels "
                    f"{list(levels)}"
                )
            elif limit.max_dose_per_fraction_gy < level.dose_per_fraction_gy:
                problems.append(
                    f"{where}.max_dose_per_fraction_gy: {limit.max_dose_per_fraction_gy:g} is "
                    f"below the prescribed {level.dose_per_fraction_gy:g} per fraction"
                )
        weekly = rules.max_fractions_per_week
        if weekly is not None and weekly < self.fractions_per_week:
            problems.append(
                f"course.deviations.max_fractions_per_week: {weekly} is below the prescribed "
                f"fractions_per_week {self.fractions_per_week}"
            )
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def max_fractions_per_week(self) -> int:
        """Most fractions allowed in one calendar week (the deviation rule, else the rhythm)."""
        if self.course is not None and self.course.deviations.max_fractions_per_week is not None:
            return self.course.deviations.max_fractions_per_week
        return self.fractions_per_week

    def dose_level(self, level_id: str) -> DoseLevel:
        """The dose level with this id; ``KeyError`` names the known ids."""
        for level in self.dose_levels:
            if level.id == level_id:
                return level
        raise KeyError(f"no dose level {level_id!r}; levels are {[d.id for d in self.dose_levels]}")

    @property
    def fractions(self) -> int:
        """Planned fractions, not counting optional ones."""
        return self.dose_levels[0].fractions

    @property
    def dose_unit(self) -> str:
        """``Gy(RBE)`` for particle prescriptions, ``Gy`` otherwise."""
        return "Gy(RBE)" if self.rbe is not None else "Gy"


class Arm(Section):
    """A trial arm (a single-arm trial has one)."""

    code: str = Field(pattern=ARM_CODE_PATTERN)
    label: str = Field(min_length=1)
    kind: ArmKind
    description: str | None = None
    interventions: tuple[str, ...] = Field(min_length=1)
    prescription: Prescription

"""Gap compensation: after missed fractions, options that restore the tumour BED.

For a course with missed fractions the calculator proposes the three classic remedies (Hendry et
al., Clin Oncol 1996;8:297, doi:10.1016/S0936-6555(05)80715-0; Dale et al., Clin Oncol
2002;14:382, doi:10.1053/clon.2002.0111; RCR, *Timely delivery of radical radiotherapy*, 2019):

``added_fractions``
    the missed fractions at the prescribed dose per fraction, placed by the protocol's
    rescheduling policy (the free weekday of the same week, else after the last fraction); the
    overall time may grow.
``higher_dose_per_fraction``
    the remaining planned fractions only, at a higher dose per fraction chosen so that the
    tumour BED of the first prescribed dose level equals the plan's; the plan is scaled as a
    whole, so every dose level of a simultaneous boost rises by the same factor.
``twice_daily``
    the missed fractions as second fractions on the next treatment days, at least
    ``min_interfraction_interval_hours`` apart, keeping the overall time (LQ with complete repair
    between the two fractions of a day).

Each option shows BED and EQD2 of every dose level for the tumour (its α/β, with the protocol's
overall-time correction if it sets one) and for late-reacting tissue (α/β of the protocol's
``late_tissue``, no time correction) beside the planned values, and lists the protocol limits it
breaks: the per-fraction limit of a level, the dose-per-fraction tolerance, the overall-time
limit, the weekly maximum, the bound on the late-tissue BED, and whether two fractions a day are
allowed at all. Choosing is the clinician's: nothing here changes the plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from radtrial.errors import InvalidInput
from radtrial.protocol.course import CoursePolicy, Radiobiology
from radtrial.protocol.prescription import DoseLevel, Prescription
from radtrial.rt import lq
from radtrial.rt.calendar import CoursePlan, TreatmentCalendar, calendar_week, reschedule
from radtrial.rt.ledger import Ledger, time_factor_for

__all__ = [
    "CompensationOption",
    "GapAnalysis",
    "LevelEffect",
    "TissueEffect",
    "propose_compensation",
]

CompensationKind = Literal["added_fractions", "higher_dose_per_fraction", "twice_daily"]


@dataclass(frozen=True)
class TissueEffect:
    """BED and EQD2 of a dose level for one tissue, with the planned values beside them."""

    tissue: str
    alpha_beta_gy: float
    bed_gy: float
    eqd2_gy: float
    planned_bed_gy: float
    planned_eqd2_gy: float

    @property
    def bed_change_percent(self) -> float:
        """Change of BED against the plan, in %."""
        if self.planned_bed_gy == 0:
            return 0.0
        return 100.0 * (self.bed_gy - self.planned_bed_gy) / self.planned_bed_gy


@dataclass(frozen=True)
class LevelEffect:
    """What an option gives one dose level."""

    dose_level: str
    dose_per_fraction_gy: float
    total_dose_gy: float
    tumour: TissueEffect
    late: TissueEffect


@dataclass(frozen=True)
class CompensationOption:
    """One way to make up the missed fractions."""

    kind: CompensationKind
    description: str
    fraction_days: tuple[date, ...]
    overall_time_days: int
    levels: tuple[LevelEffect, ...]
    breaks: tuple[str, ...]

    @property
    def within_protocol(self) -> bool:
        """The option breaks no protocol limit."""
        return not self.breaks


@dataclass(frozen=True)
class GapAnalysis:
    """The missed fractions of a course and the options to compensate them."""

    missed_days: tuple[date, ...]
    remaining_days: tuple[date, ...]
    planned_overall_time_days: int
    options: tuple[CompensationOption, ...]
    notes: tuple[str, ...] = ()

    @property
    def missed_fractions(self) -> int:
        """Fractions missed and not yet given."""
        return len(self.missed_days)


def propose_compensation(
    ledger: Ledger,
    radiobiology: Radiobiology,
    calendar: TreatmentCalendar,
    *,
    today: date,
    plan: CoursePlan | None = None,
    missed_days: Sequence[date] | None = None,
) -> GapAnalysis:
    """Options to compensate the fractions of ``plan`` (default: the ledger's) missed by ``today``.

    A planned fraction still to give whose day is before ``today`` counts as missed, so pass the
    plan as it was before the missed fractions were rescheduled.

    ``missed_days`` names the missed fractions instead, for a course that went on after them (a
    fraction delivered after a miss leaves the missed day among the delivered ones, where the
    plan's order cannot tell it). ``plan`` must then still hold each missed day once; the
    remaining fractions are the plan's last days to give other than these.
    """
    prescription = ledger.prescription
    policy = prescription.course
    if policy is None:
        raise InvalidInput(
            f"arm {ledger.arm.code} has no [arms.prescription.course] rules",
            location=f"arms[{ledger.arm.code}].prescription.course",
        )
    plan = plan if plan is not None else ledger.plan
    days = sorted(plan.days)
    left = max(0, prescription.fractions - len(ledger.delivered) - len(ledger.cancelled))
    if missed_days is None:
        to_give = days[len(days) - left :] if left else []
        missed = tuple(day for day in to_give if day < today)
        remaining = tuple(day for day in to_give if day >= today)
    else:
        missed = tuple(sorted(missed_days))
        pool = list(days)
        for day in missed:
            if day not in pool:
                raise InvalidInput(
                    f"no fraction is planned on {day.isoformat()}", location="missed_days"
                )
            pool.remove(day)
        count = max(0, left - len(missed))
        remaining = tuple(pool[len(pool) - count :]) if count else ()
    planned_time = plan.overall_time_days
    if not missed:
        return GapAnalysis(missed, remaining, planned_time, ())
    context = _Context(ledger, radiobiology, policy, plan, planned_time, today)
    options = [_added_fractions(context, calendar, missed, remaining)]
    notes: list[str] = []
    if remaining:
        options.append(_higher_dose(context, remaining))
    else:
        notes.append("no planned fraction remains to carry a higher dose per fraction")
    options.append(_twice_daily(context, remaining, len(missed)))
    return GapAnalysis(missed, remaining, planned_time, tuple(options), tuple(notes))


@dataclass(frozen=True)
class _Context:
    ledger: Ledger
    radiobiology: Radiobiology
    policy: CoursePolicy
    plan: CoursePlan
    planned_time_days: int
    today: date

    @property
    def prescription(self) -> Prescription:
        return self.ledger.prescription

    @property
    def first_day(self) -> date:
        first = self.ledger.first_day or self.plan.first_day
        assert first is not None  # a plan with missed fractions has days
        return first

    def overall_time(self, new_days: Sequence[date]) -> int:
        last = max([*new_days, *([self.ledger.last_day] if self.ledger.last_day else [])])
        return (last - self.first_day).days + 1

    def effect(self, level: DoseLevel, new_doses: Sequence[float], days: int) -> LevelEffect:
        """BED/EQD2 of the delivered fractions plus ``new_doses``, over ``days``."""
        doses = [*self.ledger.fraction_doses_gy(level.id), *new_doses]
        planned = [level.dose_per_fraction_gy] * level.fractions
        tumour, late = self.radiobiology.tumour_tissue, self.radiobiology.late_tissue
        new_dose = new_doses[0] if new_doses else level.dose_per_fraction_gy
        return LevelEffect(
            dose_level=level.id,
            dose_per_fraction_gy=new_dose,
            total_dose_gy=sum(doses),
            tumour=self._tissue(tumour, doses, planned, days),
            late=self._tissue(late, doses, planned, days),
        )

    def _tissue(
        self, tissue: str, doses: Sequence[float], planned: Sequence[float], days: int
    ) -> TissueEffect:
        ab = self.radiobiology.alpha_beta_gy(tissue)
        factor = time_factor_for(self.radiobiology, tissue)
        planned_days = self.planned_time_days
        return TissueEffect(
            tissue=tissue,
            alpha_beta_gy=ab,
            bed_gy=lq.bed(doses, ab, overall_time_days=days, time_factor=factor),
            eqd2_gy=lq.eqd2(doses, ab, overall_time_days=days, time_factor=factor),
            planned_bed_gy=lq.bed(planned, ab, overall_time_days=planned_days, time_factor=factor),
            planned_eqd2_gy=lq.eqd2(
                planned, ab, overall_time_days=planned_days, time_factor=factor
            ),
        )

    # -- limits ------------------------------------------------------------------------------

    def time_breaks(self, days: int) -> list[str]:
        limit = self.prescription.max_overall_time_days
        if limit is None or days <= limit:
            return []
        minor = self.policy.deviations.overall_time_minor_days
        severity = "minor" if days - limit <= minor else "major"
        return [f"overall time {days} days exceeds the {limit} allowed (a {severity} deviation)"]

    def week_breaks(self, new_days: Sequence[date]) -> list[str]:
        delivered = [self.ledger.local_day(f) for f in self.ledger.delivered_in_order]
        weeks = Counter(calendar_week(day) for day in [*delivered, *new_days])
        allowed = self.prescription.max_fractions_per_week
        return [
            f"{count} fractions in week {week} of {year} exceed the weekly maximum of {allowed}"
            for (year, week), count in sorted(weeks.items())
            if count > allowed
        ]

    def late_breaks(self, levels: Sequence[LevelEffect]) -> list[str]:
        bound = self.policy.max_late_bed_increase_percent
        return [
            f"late-tissue BED of {effect.dose_level} rises {effect.late.bed_change_percent:.1f} % "
            f"above the plan (at most {bound:g} % allowed)"
            for effect in levels
            if effect.late.bed_change_percent > bound + 1e-9
        ]


def _added_fractions(
    context: _Context,
    calendar: TreatmentCalendar,
    missed: Sequence[date],
    remaining: Sequence[date],
) -> CompensationOption:
    prescription = context.prescription
    plan = context.plan
    for day in missed:
        plan = reschedule(plan, day, prescription, calendar, today=context.today)
    count = len(missed) + len(remaining)
    new_days = tuple(sorted(day for day in plan.days if day >= context.today)[-count:])
    days = context.overall_time(new_days)
    levels = tuple(
        context.effect(level, [level.dose_per_fraction_gy] * len(new_days), days)
        for level in prescription.dose_levels
    )
    breaks = context.time_breaks(days) + context.week_breaks(new_days)
    breaks += context.late_breaks(levels)
    policy = prescription.course.rescheduling if prescription.course else "append"
    return CompensationOption(
        "added_fractions",
        f"give the {len(missed)} missed fraction(s) at the prescribed dose per fraction, "
        f"rescheduled by the protocol's policy ({policy})",
        new_days,
        days,
        levels,
        tuple(breaks),
    )


def _higher_dose(context: _Context, remaining: Sequence[date]) -> CompensationOption:
    prescription = context.prescription
    rules = context.policy.deviations
    levels = prescription.dose_levels
    reference = next((lvl for lvl in levels if lvl.kind == "prescribed"), levels[0])
    radiobiology = context.radiobiology
    ab = radiobiology.alpha_beta_gy(radiobiology.tumour_tissue)
    factor = time_factor_for(radiobiology, radiobiology.tumour_tissue)
    days = context.overall_time(remaining)
    planned = [reference.dose_per_fraction_gy] * reference.fractions
    target = lq.bed(
        planned, ab, overall_time_days=context.planned_time_days, time_factor=factor
    ) + (factor.bed_loss_gy(days) if factor else 0.0)
    need = target - lq.bed(context.ledger.fraction_doses_gy(reference.id), ab)
    dose = lq.dose_per_fraction_for_bed(max(need, 0.0), len(remaining), ab)
    scale = dose / reference.dose_per_fraction_gy
    effects = tuple(
        context.effect(level, [scale * level.dose_per_fraction_gy] * len(remaining), days)
        for level in levels
    )
    breaks: list[str] = []
    unit = prescription.dose_unit
    for level in levels:
        new = scale * level.dose_per_fraction_gy
        limit = rules.limit_for(level.id)
        if limit is not None and new > limit.max_dose_per_fraction_gy + 1e-9:
            breaks.append(
                f"{level.id}: {new:.2f} {unit} per fraction exceeds the limit of "
                f"{limit.max_dose_per_fraction_gy:g} {unit} (a {limit.severity} deviation)"
            )
        change = 100.0 * (scale - 1.0)
        if change > rules.dose_per_fraction_major_percent:
            severity = "major"
        elif change > rules.dose_per_fraction_minor_percent:
            severity = "minor"
        else:
            continue
        breaks.append(
            f"{level.id}: {new:.2f} {unit} per fraction is {change:+.1f} % off the prescribed "
            f"{level.dose_per_fraction_gy:g} {unit} (a {severity} deviation)"
        )
    breaks += context.time_breaks(days) + context.late_breaks(effects)
    return CompensationOption(
        "higher_dose_per_fraction",
        f"give the {len(remaining)} remaining fraction(s) at {scale:.3f} × the prescribed dose "
        f"({dose:.2f} {unit} to {reference.id}), restoring its tumour BED",
        tuple(remaining),
        days,
        effects,
        tuple(breaks),
    )


def _twice_daily(context: _Context, remaining: Sequence[date], missed: int) -> CompensationOption:
    prescription = context.prescription
    doubled = list(remaining[:missed])
    new_days = tuple(sorted([*remaining, *doubled]))
    days = context.overall_time(new_days) if new_days else context.planned_time_days
    count = len(remaining) + missed
    levels = tuple(
        context.effect(level, [level.dose_per_fraction_gy] * count, days)
        for level in prescription.dose_levels
    )
    breaks: list[str] = []
    if not context.policy.twice_daily_allowed:
        breaks.append("the protocol does not allow two fractions a day")
    if len(remaining) < missed:
        breaks.append(
            f"only {len(remaining)} treatment day(s) remain for {missed} extra fraction(s)"
        )
    breaks += context.week_breaks(new_days) + context.late_breaks(levels)
    hours = context.policy.min_interfraction_interval_hours
    return CompensationOption(
        "twice_daily",
        f"give the {missed} missed fraction(s) as a second fraction on the next treatment "
        f"day(s), at least {hours:g} h apart, keeping the overall time",
        new_days,
        days,
        levels,
        tuple(breaks),
    )

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
``higher_dose_within_limits``
    the same, but each dose level raised only as far as the protocol allows: its absolute
    dose-per-fraction limit (PROSARC-2's boost: 5 Gy(RBE)), the minor dose-per-fraction
    tolerance (a higher dose the deviation rules would not score), and the bound on the
    late-tissue BED (``max_late_bed_increase_percent``: the late BED of delivered plus
    remaining fractions solved from the same LQ sum). What tumour BED that leaves short of the
    plan is shown per level (:attr:`TissueEffect.shortfall_bed_gy`). Listed only when it
    differs from the unlimited option. Levels are raised separately, so a simultaneous boost
    is re-planned, not rescaled.
``twice_daily``
    the missed fractions as second fractions on the next treatment days, at least
    ``min_interfraction_interval_hours`` apart, keeping the overall time (LQ with complete repair
    between the two fractions of a day).

Each option shows BED and EQD2 of every dose level for the tumour (its α/β, with the protocol's
overall-time correction if it sets one) and for late-reacting tissue (α/β of the protocol's
``late_tissue``, no time correction) beside the planned values, and lists the protocol limits it
breaks: the per-fraction limit of a level, the dose-per-fraction tolerance, a dose per fraction
that the deviation rules would score as another arm's schedule (PALLSOFT arm B made up by one
8.23 Gy fraction is within 5 % of arm A's 8 Gy), the total dose when a higher dose per fraction
does not make up the missed fractions' dose, the overall-time limit, the weekly maximum, the
bound on the late-tissue BED, and whether two fractions a day are allowed at all. Choosing is
the clinician's: nothing here changes the plan.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from radtrial.errors import InvalidInput
from radtrial.protocol.course import CoursePolicy, Radiobiology
from radtrial.protocol.prescription import Arm, DoseLevel, Prescription
from radtrial.rt import lq
from radtrial.rt.calendar import CoursePlan, TreatmentCalendar, calendar_week, reschedule
from radtrial.rt.deviations import other_arm_schedule
from radtrial.rt.ledger import Ledger, time_factor_for

__all__ = [
    "CompensationOption",
    "GapAnalysis",
    "LevelEffect",
    "TissueEffect",
    "propose_compensation",
]

CompensationKind = Literal[
    "added_fractions", "higher_dose_per_fraction", "higher_dose_within_limits", "twice_daily"
]

#: Doses per fraction closer than this are the same dose (the capped option is not listed).
_SAME_DOSE_GY = 0.0005


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

    @property
    def shortfall_bed_gy(self) -> float:
        """BED still missing against the plan (0 when the plan's BED is reached)."""
        return max(0.0, self.planned_bed_gy - self.bed_gy)

    @property
    def shortfall_eqd2_gy(self) -> float:
        """EQD2 still missing against the plan (0 when the plan's EQD2 is reached)."""
        return max(0.0, self.planned_eqd2_gy - self.eqd2_gy)


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
    other_arms: Sequence[Arm],
    plan: CoursePlan | None = None,
    missed_days: Sequence[date] | None = None,
) -> GapAnalysis:
    """Options to compensate the fractions of ``plan`` (default: the ledger's) missed by ``today``.

    ``other_arms`` are the trial's other arms (none in a single-arm trial): a higher dose per
    fraction that matches one of their schedules is flagged as the wrong arm's schedule.

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
    others = tuple(arm for arm in other_arms if arm.code != ledger.arm.code)
    context = _Context(ledger, radiobiology, policy, plan, planned_time, today, others)
    options = [_added_fractions(context, calendar, missed, remaining)]
    notes: list[str] = []
    if remaining:
        higher = _higher_dose(context, remaining)
        options.append(higher)
        capped = _higher_dose_within_limits(context, remaining)
        if any(
            abs(a.dose_per_fraction_gy - b.dose_per_fraction_gy) > _SAME_DOSE_GY
            for a, b in zip(higher.levels, capped.levels, strict=True)
        ):
            options.append(capped)
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
    other_arms: tuple[Arm, ...] = ()

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

    def dose_breaks(self, doses: Mapping[str, float]) -> list[str]:
        """The limits a new dose per fraction per level breaks: a level's absolute limit, the
        dose-per-fraction tolerance, and a first-level dose that matches another arm's."""
        rules = self.policy.deviations
        unit = self.prescription.dose_unit
        breaks: list[str] = []
        for level in self.prescription.dose_levels:
            new = doses[level.id]
            limit = rules.limit_for(level.id)
            if limit is not None and new > limit.max_dose_per_fraction_gy + 1e-9:
                breaks.append(
                    f"{level.id}: {new:.2f} {unit} per fraction exceeds the limit of "
                    f"{limit.max_dose_per_fraction_gy:g} {unit} (a {limit.severity} deviation)"
                )
            prescribed = level.dose_per_fraction_gy
            change = round(100.0 * (new - prescribed) / prescribed, 9)
            if change > rules.dose_per_fraction_major_percent:
                severity = "major"
            elif change > rules.dose_per_fraction_minor_percent:
                severity = "minor"
            else:
                continue
            breaks.append(
                f"{level.id}: {new:.2f} {unit} per fraction is {change:+.1f} % off the "
                f"prescribed {prescribed:g} {unit} (a {severity} deviation)"
            )
        first = self.prescription.dose_levels[0]
        tolerance = rules.dose_per_fraction_minor_percent
        match = other_arm_schedule(
            doses[first.id], first.dose_per_fraction_gy, self.other_arms, tolerance
        )
        if match is not None:
            other, expected = match
            breaks.append(
                f"{first.id}: {doses[first.id]:.2f} {unit} per fraction is within {tolerance:g} "
                f"% of arm {other.code}'s {expected:g} {unit} ({other.label}), so it would be "
                f"scored as the wrong arm's schedule (a {rules.wrong_arm_schedule} deviation)"
            )
        return breaks

    def total_breaks(self, doses: Mapping[str, float], fractions: int) -> list[str]:
        """The total-dose rule broken when ``fractions`` remaining fractions give ``doses``
        (per level) and the missed fractions are not made up (graded as the rules grade it; a
        level of kind ``maximum`` only by excess)."""
        rules = self.policy.deviations
        unit = self.prescription.dose_unit
        breaks: list[str] = []
        for level in self.prescription.dose_levels:
            delivered = self.ledger.fraction_doses_gy(level.id)
            total = math.fsum([*delivered, *([doses[level.id]] * fractions)])
            prescribed = self.ledger.prescribed_dose_gy(level.id)
            off = 100.0 * (total - prescribed) / prescribed
            if level.kind == "maximum":
                off = max(off, 0.0)
            size = round(abs(off), 9)
            if size > rules.total_dose_major_percent:
                severity = "major"
            elif size > rules.total_dose_minor_percent:
                severity = "minor"
            else:
                continue
            breaks.append(
                f"{level.id}: total dose {total:.2f} {unit} is {off:+.1f} % off the prescribed "
                f"{prescribed:g} {unit} (a {severity} deviation)"
            )
        return breaks

    def restoring_dose(self, level: DoseLevel, fractions: int, days: int) -> float:
        """The dose per fraction on ``fractions`` fractions that brings the level's tumour BED
        (delivered plus these, time-corrected over ``days`` if the protocol says so) back to
        the plan's."""
        radiobiology = self.radiobiology
        ab = radiobiology.alpha_beta_gy(radiobiology.tumour_tissue)
        factor = time_factor_for(radiobiology, radiobiology.tumour_tissue)
        planned = [level.dose_per_fraction_gy] * level.fractions
        target = lq.bed(
            planned, ab, overall_time_days=self.planned_time_days, time_factor=factor
        ) + (factor.bed_loss_gy(days) if factor else 0.0)
        need = target - lq.bed(self.ledger.fraction_doses_gy(level.id), ab)
        return lq.dose_per_fraction_for_bed(max(need, 0.0), fractions, ab)

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
    levels = prescription.dose_levels
    reference = next((lvl for lvl in levels if lvl.kind == "prescribed"), levels[0])
    days = context.overall_time(remaining)
    dose = context.restoring_dose(reference, len(remaining), days)
    scale = dose / reference.dose_per_fraction_gy
    doses = {level.id: scale * level.dose_per_fraction_gy for level in levels}
    effects = tuple(
        context.effect(level, [doses[level.id]] * len(remaining), days) for level in levels
    )
    breaks = context.dose_breaks(doses) + context.total_breaks(doses, len(remaining))
    breaks += context.time_breaks(days) + context.late_breaks(effects)
    unit = prescription.dose_unit
    return CompensationOption(
        "higher_dose_per_fraction",
        f"give the {len(remaining)} remaining fraction(s) at {scale:.3f} × the prescribed dose "
        f"({dose:.2f} {unit} to {reference.id}), restoring its tumour BED",
        tuple(remaining),
        days,
        effects,
        tuple(breaks),
    )


def _higher_dose_within_limits(context: _Context, remaining: Sequence[date]) -> CompensationOption:
    prescription = context.prescription
    rules = context.policy.deviations
    radiobiology = context.radiobiology
    late = radiobiology.late_tissue
    late_ab = radiobiology.alpha_beta_gy(late)
    late_factor = time_factor_for(radiobiology, late)
    bound = context.policy.max_late_bed_increase_percent
    unit = prescription.dose_unit
    count = len(remaining)
    days = context.overall_time(remaining)
    doses: dict[str, float] = {}
    held: list[str] = []
    for level in prescription.dose_levels:
        prescribed = level.dose_per_fraction_gy
        restore = context.restoring_dose(level, count, days)
        tolerance = rules.dose_per_fraction_minor_percent
        caps = [(prescribed * (1.0 + tolerance / 100.0), f"the {tolerance:g} % tolerance")]
        limit = rules.limit_for(level.id)
        if limit is not None:
            caps.append(
                (
                    limit.max_dose_per_fraction_gy,
                    f"the {limit.max_dose_per_fraction_gy:g} {unit} limit",
                )
            )
        # Late BED of delivered + remaining at dose d, with the late tissue's own time
        # correction (none unless the protocol sets one), may reach the plan's + the bound.
        planned_late = lq.bed(
            [prescribed] * level.fractions,
            late_ab,
            overall_time_days=context.planned_time_days,
            time_factor=late_factor,
        )
        budget = planned_late * (1.0 + bound / 100.0) - lq.bed(
            context.ledger.fraction_doses_gy(level.id), late_ab
        )
        if late_factor is not None:
            budget += late_factor.bed_loss_gy(days)
        caps.append(
            (
                lq.dose_per_fraction_for_bed(max(budget, 0.0), count, late_ab),
                f"the late-tissue BED bound (+{bound:g} %)",
            )
        )
        cap, why = min(caps, key=lambda item: item[0])
        dose = max(prescribed, min(restore, cap))
        doses[level.id] = dose
        if restore > cap:
            held.append(f"{level.id} {dose:.3f} {unit} (held at {why})")
        else:
            held.append(f"{level.id} {dose:.3f} {unit} (restores its tumour BED)")
    effects = tuple(
        context.effect(level, [doses[level.id]] * count, days) for level in prescription.dose_levels
    )
    short = [
        f"{effect.dose_level} {effect.tumour.shortfall_bed_gy:.2f} Gy BED "
        f"({effect.tumour.shortfall_eqd2_gy:.2f} Gy EQD2)"
        for effect in effects
        if effect.tumour.shortfall_bed_gy > 0.005
    ]
    shortfall = (
        "; tumour BED short of the plan by " + ", ".join(short)
        if short
        else "; the tumour BED of every level is restored"
    )
    breaks = context.dose_breaks(doses) + context.total_breaks(doses, count)
    breaks += context.time_breaks(days) + context.late_breaks(effects)
    return CompensationOption(
        "higher_dose_within_limits",
        f"give the {count} remaining fraction(s) at the highest dose per fraction within the "
        f"protocol's limits: {', '.join(held)}{shortfall}",
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

"""Protocol deviations of a radiotherapy course, from the ledger and the protocol's rules.

Pure: :func:`evaluate` reads a :class:`~radtrial.rt.ledger.Ledger` and the protocol and returns
the deviations found, each with a stable ``code``, a ``severity`` (minor or major, as the
protocol's ``[arms.prescription.course.deviations]`` rules say), the rule's values beside the
observed ones, and a message for the site. Storing, auditing and notifying are the services'.

Codes:

======================================  ==========================================================
``fraction_missed``                     a planned fraction was missed (severity per the rules)
``dose_per_fraction``                   a fraction's dose off the prescribed dose per fraction
``dose_per_fraction_limit``             a fraction above a level's absolute limit (5 Gy(RBE)
                                        on the PROSARC-2 boost)
``wrong_arm_schedule``                  a fraction matching another arm's dose, not this arm's
``total_dose``                          the total dose off the prescription (delivered once the
                                        course is complete, else projected: delivered plus the
                                        planned doses of the fractions still to give)
``weekly_fractions``                    more fractions in a calendar week than allowed
``overall_time``                        the overall time beyond the protocol's limit (delivered
                                        or projected)
``optional_fraction_without_decision``  an optional fraction given with no decision recorded
                                        before it
``optional_fraction_outside_window``    an optional fraction outside its protocol window
``short_interfraction_interval``        two fractions on one day closer than the minimum
======================================  ==========================================================

Relative thresholds are strict ("more than 5 %"); a dose level of kind ``maximum`` ("up to
80 Gy") deviates only by excess.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from radtrial.errors import InvalidInput
from radtrial.protocol.course import DeviationRules, Severity
from radtrial.protocol.model import Protocol
from radtrial.protocol.prescription import Arm, DoseLevel, OptionalFraction
from radtrial.rt.calendar import calendar_week
from radtrial.rt.ledger import DeliveredFraction, Ledger

__all__ = ["Deviation", "evaluate", "other_arm_schedule"]

DeviationCode = Literal[
    "fraction_missed",
    "dose_per_fraction",
    "dose_per_fraction_limit",
    "wrong_arm_schedule",
    "total_dose",
    "weekly_fractions",
    "overall_time",
    "optional_fraction_without_decision",
    "optional_fraction_outside_window",
    "short_interfraction_interval",
]

#: Doses equal to a threshold within this (floating-point noise) do not cross it.
_EPSILON_GY = 1e-9

Value = float | int | str | bool | None


@dataclass(frozen=True)
class Deviation:
    """One departure from the protocol."""

    code: DeviationCode
    severity: Severity
    message: str
    values: Mapping[str, Value] = field(default_factory=dict)
    fraction: int | None = None
    dose_level: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-compatible form."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "values": dict(self.values),
            "fraction": self.fraction,
            "dose_level": self.dose_level,
        }


def evaluate(ledger: Ledger, protocol: Protocol) -> tuple[Deviation, ...]:
    """Every deviation of the course in ``ledger`` from ``protocol``, in a stable order."""
    prescription = ledger.prescription
    if prescription.course is None:
        raise InvalidInput(
            f"arm {ledger.arm.code} of {protocol.slug} has no [arms.prescription.course] rules",
            location=f"arms[{ledger.arm.code}].prescription.course",
        )
    try:
        protocol.arm(ledger.arm.code)
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0]), location="arm") from exc
    rules = prescription.course.deviations
    found: list[Deviation] = []
    found += _missed(ledger, rules)
    found += _fractions(ledger, protocol, rules)
    found += _total_dose(ledger, rules)
    found += _weekly(ledger, rules)
    found += _overall_time(ledger, rules)
    found += _optional(ledger, rules)
    found += _intervals(ledger, rules, prescription.course.min_interfraction_interval_hours)
    return tuple(found)


# -- rules ----------------------------------------------------------------------------------


def _missed(ledger: Ledger, rules: DeviationRules) -> list[Deviation]:
    severity = rules.missed_fraction
    if severity is None:
        return []
    return [
        Deviation(
            "fraction_missed",
            severity,
            f"fraction {m.number} planned on {m.planned_day.isoformat()} was missed: {m.reason}",
            {"planned_day": m.planned_day.isoformat(), "reason": m.reason},
            fraction=m.number,
        )
        for m in sorted(ledger.missed, key=lambda m: (m.planned_day, m.number))
    ]


def _fractions(ledger: Ledger, protocol: Protocol, rules: DeviationRules) -> list[Deviation]:
    prescription = ledger.prescription
    unit = prescription.dose_unit
    found: list[Deviation] = []
    others = [arm for arm in protocol.arms if arm.code != ledger.arm.code]
    for fraction in ledger.delivered_in_order:
        wrong = _wrong_arm(fraction, ledger, others, rules)
        if wrong is not None:
            found.append(wrong)
        for level in prescription.dose_levels:
            dose = fraction.dose(level.id).dose_gy
            planned = _planned_dose_per_fraction(ledger, fraction, level)
            if wrong is None:
                off = _relative_deviation(dose, planned, level)
                severity = _grade(
                    off,
                    rules.dose_per_fraction_minor_percent,
                    rules.dose_per_fraction_major_percent,
                )
                if severity is not None:
                    found.append(
                        Deviation(
                            "dose_per_fraction",
                            severity,
                            f"fraction {fraction.number}: {dose:g} {unit} to {level.id} is "
                            f"{off:+.1f} % off the prescribed {planned:g} {unit}",
                            {
                                "delivered_gy": dose,
                                "prescribed_gy": planned,
                                "off_percent": off,
                                "minor_percent": rules.dose_per_fraction_minor_percent,
                                "major_percent": rules.dose_per_fraction_major_percent,
                            },
                            fraction=fraction.number,
                            dose_level=level.id,
                        )
                    )
            limit = rules.limit_for(level.id)
            if limit is not None and dose > limit.max_dose_per_fraction_gy + _EPSILON_GY:
                found.append(
                    Deviation(
                        "dose_per_fraction_limit",
                        limit.severity,
                        f"fraction {fraction.number}: {dose:g} {unit} to {level.id} exceeds the "
                        f"limit of {limit.max_dose_per_fraction_gy:g} {unit} per fraction",
                        {"delivered_gy": dose, "limit_gy": limit.max_dose_per_fraction_gy},
                        fraction=fraction.number,
                        dose_level=level.id,
                    )
                )
    return found


def other_arm_schedule(
    dose_gy: float, own_gy: float, others: Sequence[Arm], tolerance_percent: float
) -> tuple[Arm, float] | None:
    """The other arm (and its dose per fraction) whose schedule a first-level dose per
    fraction of ``dose_gy`` matches, when it is off this arm's ``own_gy``.

    A dose matches a dose per fraction when it is within ``tolerance_percent`` of it (the
    protocol's minor dose-per-fraction threshold); the other arm's first dose level and its
    optional fractions are compared. The rule :func:`evaluate` scores as
    ``wrong_arm_schedule``, shared with gap compensation so that no option proposes a dose the
    rules would score as another arm's."""
    if abs(_percent(dose_gy, own_gy)) <= tolerance_percent:
        return None
    for other in others:
        candidates = [lvl.dose_per_fraction_gy for lvl in other.prescription.dose_levels[:1]]
        candidates += [o.dose_per_fraction_gy for o in other.prescription.optional_fractions]
        for expected in candidates:
            if abs(_percent(dose_gy, expected)) <= tolerance_percent:
                return other, expected
    return None


def _wrong_arm(
    fraction: DeliveredFraction, ledger: Ledger, others: list[Arm], rules: DeviationRules
) -> Deviation | None:
    """A fraction whose first-level dose is off this arm's but matches another arm's."""
    level = ledger.prescription.dose_levels[0]
    dose = fraction.dose(level.id).dose_gy
    own = _planned_dose_per_fraction(ledger, fraction, level)
    match = other_arm_schedule(dose, own, others, rules.dose_per_fraction_minor_percent)
    if match is None:
        return None
    other, _expected = match
    return Deviation(
        "wrong_arm_schedule",
        rules.wrong_arm_schedule,
        f"fraction {fraction.number}: {dose:g} {ledger.prescription.dose_unit} per "
        f"fraction is arm {other.code}'s schedule ({other.label}), not arm "
        f"{ledger.arm.code}'s {own:g}",
        {"delivered_gy": dose, "prescribed_gy": own, "other_arm": other.code},
        fraction=fraction.number,
        dose_level=level.id,
    )


def _total_dose(ledger: Ledger, rules: DeviationRules) -> list[Deviation]:
    prescription = ledger.prescription
    unit = prescription.dose_unit
    found: list[Deviation] = []
    complete = ledger.complete
    for level in prescription.dose_levels:
        delivered = ledger.cumulative_dose_gy(level.id)
        total = delivered if complete else ledger.projected_dose_gy(level.id)
        prescribed = ledger.prescribed_dose_gy(level.id)
        off = _relative_deviation(total, prescribed, level)
        severity = _grade(off, rules.total_dose_minor_percent, rules.total_dose_major_percent)
        if severity is None:
            continue
        what = "total dose" if complete else "projected total dose"
        found.append(
            Deviation(
                "total_dose",
                severity,
                f"{what} to {level.id} is {total:g} {unit}, {off:+.1f} % off the prescribed "
                f"{prescribed:g} {unit}",
                {
                    "total_gy": total,
                    "delivered_gy": delivered,
                    "prescribed_gy": prescribed,
                    "off_percent": off,
                    "projected": not complete,
                    "minor_percent": rules.total_dose_minor_percent,
                    "major_percent": rules.total_dose_major_percent,
                },
                dose_level=level.id,
            )
        )
    return found


def _weekly(ledger: Ledger, rules: DeviationRules) -> list[Deviation]:
    allowed = ledger.prescription.max_fractions_per_week
    weeks = Counter(calendar_week(ledger.local_day(f)) for f in ledger.delivered_in_order)
    found: list[Deviation] = []
    for (year, week), count in sorted(weeks.items()):
        excess = count - allowed
        if excess <= 0:
            continue
        severity: Severity = "minor" if excess <= rules.weekly_excess_minor_fractions else "major"
        found.append(
            Deviation(
                "weekly_fractions",
                severity,
                f"{count} fractions in week {week} of {year}; at most {allowed} are allowed",
                {
                    "year": year,
                    "week": week,
                    "fractions": count,
                    "allowed": allowed,
                    "minor_excess": rules.weekly_excess_minor_fractions,
                },
            )
        )
    return found


def _overall_time(ledger: Ledger, rules: DeviationRules) -> list[Deviation]:
    limit = ledger.prescription.max_overall_time_days
    if limit is None or not ledger.delivered:
        return []
    complete = ledger.complete
    days = ledger.overall_time_days if complete else ledger.projected_overall_time_days()
    excess = days - limit
    if excess <= 0:
        return []
    severity: Severity = "minor" if excess <= rules.overall_time_minor_days else "major"
    what = "overall time" if complete else "projected overall time"
    return [
        Deviation(
            "overall_time",
            severity,
            f"{what} is {days} days, {excess} more than the {limit} allowed",
            {
                "overall_time_days": days,
                "limit_days": limit,
                "excess_days": excess,
                "minor_days": rules.overall_time_minor_days,
                "projected": not complete,
            },
        )
    ]


def _optional(ledger: Ledger, rules: DeviationRules) -> list[Deviation]:
    prescription = ledger.prescription
    slots = [o for o in prescription.optional_fractions for _ in range(o.count)]
    base = prescription.fractions
    order = ledger.delivered_in_order
    if not slots or len(order) <= base:
        return []
    first_day = ledger.local_day(order[0])
    used: Counter[str] = Counter()
    found: list[Deviation] = []
    for index, fraction in enumerate(order[base:]):
        extra = _optional_of(fraction, slots, index)
        if extra is None:
            continue  # beyond every optional fraction: the total-dose rule reports it
        used[extra.id] += 1
        decided = sorted(
            d.decided_at
            for d in ledger.decisions
            if d.optional_fraction == extra.id and d.decided_at <= fraction.delivered_at
        )
        if len(decided) < used[extra.id]:
            found.append(
                Deviation(
                    "optional_fraction_without_decision",
                    rules.optional_fraction_without_decision,
                    f"fraction {fraction.number} is the optional {extra.id!r} "
                    f"({extra.dose_per_fraction_gy:g} {prescription.dose_unit}) but no decision "
                    "to give it was recorded before it",
                    {"optional_fraction": extra.id, "criterion": extra.criterion},
                    fraction=fraction.number,
                    dose_level=extra.dose_level,
                )
            )
        day = (ledger.local_day(fraction) - first_day).days
        earliest = extra.earliest_day_after_first_fraction
        latest = extra.latest_day_after_first_fraction
        if not earliest <= day <= latest:
            found.append(
                Deviation(
                    "optional_fraction_outside_window",
                    rules.optional_fraction_outside_window,
                    f"fraction {fraction.number} (optional {extra.id!r}) was given on day {day} "
                    f"after the first fraction; the protocol's window is days {earliest}-{latest}",
                    {"day": day, "earliest_day": earliest, "latest_day": latest},
                    fraction=fraction.number,
                    dose_level=extra.dose_level,
                )
            )
    return found


def _intervals(ledger: Ledger, rules: DeviationRules, minimum_hours: float) -> list[Deviation]:
    found: list[Deviation] = []
    order = ledger.delivered_in_order
    for before, after in pairwise(order):
        if ledger.local_day(before) != ledger.local_day(after):
            continue
        hours = (after.delivered_at - before.delivered_at).total_seconds() / 3600
        if hours < minimum_hours:
            found.append(
                Deviation(
                    "short_interfraction_interval",
                    rules.short_interfraction_interval,
                    f"fractions {before.number} and {after.number} were {hours:.1f} h apart on "
                    f"one day; at least {minimum_hours:g} h are required",
                    {"interval_hours": hours, "minimum_hours": minimum_hours},
                    fraction=after.number,
                )
            )
    return found


# -- helpers ---------------------------------------------------------------------------------


def _optional_of(
    fraction: DeliveredFraction, slots: list[OptionalFraction], index: int
) -> OptionalFraction | None:
    if fraction.optional_fraction is not None:
        return next(o for o in slots if o.id == fraction.optional_fraction)
    return slots[index] if index < len(slots) else None


def _planned_dose_per_fraction(
    ledger: Ledger, fraction: DeliveredFraction, level: DoseLevel
) -> float:
    """The prescribed dose per fraction of ``level`` for this fraction (optional ones too)."""
    prescription = ledger.prescription
    position = ledger.delivered_in_order.index(fraction)
    if position >= prescription.fractions:
        slots = [o for o in prescription.optional_fractions for _ in range(o.count)]
        extra = _optional_of(fraction, slots, position - prescription.fractions)
        if extra is not None and extra.dose_level == level.id:
            return extra.dose_per_fraction_gy
    return level.dose_per_fraction_gy


def _percent(value: float, reference: float) -> float:
    return 100.0 * (value - reference) / reference


def _relative_deviation(value: float, reference: float, level: DoseLevel) -> float:
    """Signed % off ``reference``; for an upper-limit level only an excess counts."""
    off = _percent(value, reference)
    if math.isclose(value, reference, abs_tol=_EPSILON_GY):
        return 0.0
    return max(off, 0.0) if level.kind == "maximum" else off


def _grade(off_percent: float, minor: float, major: float) -> Severity | None:
    size = round(abs(off_percent), 9)  # 5.25 against 5.0 is 5 %, not 5.000000000000001 %
    if size > major:
        return "major"
    if size > minor:
        return "minor"
    return None

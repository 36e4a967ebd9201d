"""Decisions on a protocol's optional fractions, and the prescription they leave a participant.

An arm's prescription may offer extra fractions given only after a recorded decision against a
protocol criterion (PALLSOFT arm A: a second 8 Gy fraction when the symptomatic effect of the
first is unsatisfactory, :class:`~radtrial.protocol.prescription.OptionalFraction`). The
investigator records whether the criterion is met and whether the fraction is given; it may be
given only when the criterion is met, and the participant may still decline it. A decision to
give adds ``count`` fractions of ``dose_per_fraction_gy`` to the dose level the optional
fraction names. Pure: the caller passes the arm and the decisions.

**When.** The decision evaluates the effect of the first fraction, so it is made after the first
fraction was delivered, inside the protocol's window of days after it
(``earliest_day_after_first_fraction``..``latest_day_after_first_fraction``, PALLSOFT's assumed
days 21-42: the 4-week evaluation ± 1 week). The same window bounds when the fraction is given
(the deviation rules flag it outside). A decision *not* to give the fraction may still be
recorded after the window has closed (it documents the evaluation and changes nothing); a
decision to give it may not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from radtrial.errors import InvalidInput
from radtrial.protocol.prescription import Arm, OptionalFraction

__all__ = ["PlannedDoseLevel", "check_decision", "check_decision_timing", "planned_prescription"]


@dataclass(frozen=True, slots=True)
class PlannedDoseLevel:
    """What a participant is to receive at one dose level, optional fractions included."""

    dose_level: str
    fractions: int
    dose_per_fraction_gy: float
    total_dose_gy: float
    optional_fractions_added: int


def check_decision(
    arm: Arm, optional_fraction: str | None, *, criterion_met: bool, give: bool
) -> OptionalFraction:
    """The optional fraction a decision is about, once the decision is checked.

    ``optional_fraction`` may be None when the arm offers exactly one. Raises
    :class:`InvalidInput` if the arm offers none (located at ``arm``), the id is not one of the
    arm's (``optional_fraction``), or the fraction is to be given although the criterion is not
    met (``give``).
    """
    offered = arm.prescription.optional_fractions
    if not offered:
        raise InvalidInput(
            f"arm {arm.code} ({arm.label}) offers no optional fraction to decide on",
            location="arm",
        )
    if optional_fraction is None:
        if len(offered) > 1:
            raise InvalidInput(
                f"arm {arm.code} offers several optional fractions; name one of "
                f"{', '.join(o.id for o in offered)}",
                location="optional_fraction",
            )
        chosen = offered[0]
    else:
        matches = [o for o in offered if o.id == optional_fraction]
        if not matches:
            raise InvalidInput(
                f"{optional_fraction!r} is not an optional fraction of arm {arm.code}; it offers "
                f"{', '.join(o.id for o in offered)}",
                location="optional_fraction",
            )
        chosen = matches[0]
    if give and not criterion_met:
        raise InvalidInput(
            f"{chosen.id} may be given only when its criterion is met: {chosen.criterion}",
            location="give",
        )
    return chosen


def planned_prescription(arm: Arm, given: Mapping[str, bool]) -> tuple[PlannedDoseLevel, ...]:
    """Each dose level of ``arm`` with the optional fractions decided to be given added.

    ``given`` maps an optional-fraction id to the decision (True: give); ids without a decision
    add nothing.
    """
    extra: dict[str, list[OptionalFraction]] = {}
    for optional in arm.prescription.optional_fractions:
        if given.get(optional.id, False):
            extra.setdefault(optional.dose_level, []).append(optional)
    planned = []
    for level in arm.prescription.dose_levels:
        added = extra.get(level.id, [])
        count = sum(o.count for o in added)
        total = level.total_dose_gy + sum(o.count * o.dose_per_fraction_gy for o in added)
        planned.append(
            PlannedDoseLevel(
                dose_level=level.id,
                fractions=level.fractions + count,
                dose_per_fraction_gy=level.dose_per_fraction_gy,
                total_dose_gy=total,
                optional_fractions_added=count,
            )
        )
    return tuple(planned)


def check_decision_timing(
    optional: OptionalFraction, first_fraction_day: date | None, today: date, *, give: bool
) -> int:
    """The day (after the first fraction) on which a decision on ``optional`` made ``today``
    falls, once its timing is checked.

    Raises :class:`InvalidInput` (located at ``decided_at``) before the first fraction is
    delivered (``first_fraction_day`` None), before the protocol's window opens, and, for a
    decision to give the fraction, after the window has closed. Days are calendar days at the
    treating site.
    """
    earliest = optional.earliest_day_after_first_fraction
    latest = optional.latest_day_after_first_fraction
    if first_fraction_day is None:
        raise InvalidInput(
            f"the decision on {optional.id} evaluates the first fraction, and none has been "
            f"delivered yet; it is made on days {earliest}-{latest} after the first fraction",
            location="decided_at",
        )
    day = (today - first_fraction_day).days
    opens = first_fraction_day + timedelta(days=earliest)
    closes = first_fraction_day + timedelta(days=latest)
    window = (
        f"the protocol's window is days {earliest}-{latest} after the first fraction of "
        f"{first_fraction_day.isoformat()} ({opens.isoformat()} to {closes.isoformat()})"
    )
    if day < earliest:
        raise InvalidInput(
            f"too early to decide on {optional.id}: {today.isoformat()} is day {day}; {window}",
            location="decided_at",
        )
    if day > latest and give:
        raise InvalidInput(
            f"too late to give {optional.id}: {today.isoformat()} is day {day}; {window} (a "
            "decision not to give it may still be recorded)",
            location="decided_at",
        )
    return day

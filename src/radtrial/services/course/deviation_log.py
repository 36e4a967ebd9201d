"""Storing the deviations a course has: evaluated after every write, each stored once.

:func:`radtrial.rt.deviations.evaluate` finds every deviation of the course from its protocol
version. Each is identified by a key (the rule, the fraction and dose level it concerns, the
week of a weekly excess, the day of a missed fraction, and whether a total dose or overall time
is projected or final). After a write:

* a deviation found whose key has no open stored deviation is stored, with the protocol
  version (id and hash) and the time it was found;
* an open stored deviation found again with the same severity is left as it is (so repeated
  writes never duplicate it); found with another severity, it is resolved and the new one
  stored;
* an open stored deviation no longer found (a projected overall time brought back within the
  limit by gap compensation) is resolved: kept, with the time it stopped applying.

Acknowledging is separate: a deviation stays shown to the site until an investigator
acknowledges it, and an acknowledged deviation that still applies stays open.
"""

from __future__ import annotations

from radtrial.rt.deviations import Deviation, evaluate
from radtrial.services.course.state import CourseState
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.records import DeviationRecord
from radtrial.store.repositories.course import NewDeviation

__all__ = ["deviation_key", "record_deviations"]


def deviation_key(deviation: Deviation) -> str:
    """The identity of a deviation across evaluations of one course."""
    values = deviation.values
    parts = [
        deviation.code,
        "-" if deviation.fraction is None else str(deviation.fraction),
        deviation.dose_level or "-",
    ]
    if deviation.code == "weekly_fractions":
        parts.append(f"{values['year']}-W{values['week']:02}")
    elif deviation.code in ("total_dose", "overall_time"):
        parts.append("projected" if values.get("projected") else "final")
    elif deviation.code == "fraction_missed":
        parts.append(str(values["planned_day"]))
    return "|".join(parts)


def record_deviations(uow: ResearchUnitOfWork, state: CourseState) -> list[DeviationRecord]:
    """Evaluate the course in ``state`` and bring its stored deviations up to date; returns
    the deviations stored now (new, or found again with another severity).

    Resolving a deviation is an update: the unit of work needs a reason (every write that
    evaluates has one).
    """
    found: dict[str, Deviation] = {}
    for deviation in evaluate(state.ledger, state.protocol):
        found.setdefault(deviation_key(deviation), deviation)
    course_id = state.course.id
    open_ = {d.key: d for d in uow.course.deviations(course_id) if d.resolved_at is None}
    stored: list[DeviationRecord] = []
    for key, deviation in found.items():
        existing = open_.pop(key, None)
        if existing is not None and existing.severity == deviation.severity:
            continue
        if existing is not None:
            uow.course.resolve_deviation(course_id, existing.id)
        stored.append(
            uow.course.add_deviation(
                course_id,
                NewDeviation(
                    key=key,
                    code=deviation.code,
                    severity=deviation.severity,
                    message=deviation.message,
                    detail=dict(deviation.values),
                    fraction=deviation.fraction,
                    dose_level=deviation.dose_level,
                ),
                protocol_version_id=state.version.id,
                protocol_hash=state.version.content_hash,
            )
        )
    for gone in open_.values():
        uow.course.resolve_deviation(course_id, gone.id)
    return stored

"""What every use case that writes a participant's course shares.

Every write runs in one audited unit of work with the participant's row locked, so two requests
about one participant run one after the other; the stored deviations are brought up to date in
the same unit of work (:mod:`radtrial.services.course.deviation_log`). Who may write: an
investigator, research nurse or physicist whose grant covers the participant's trial at the
participant's or the treating site (:data:`radtrial.services.policy.Action.PARTICIPANT_WRITE`);
acknowledging a deviation is the investigator's. Changes to stored rows (a fraction's status, a
planned date) carry a reason in the audit trail: the user's where the change is a decision (a
missed or cancelled fraction, a gap compensation, a re-plan), else one naming the event
("fraction 3 delivered"). Times come from the database clock; days are days at the site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from radtrial.errors import Conflict, ReasonRequired
from radtrial.services.access import acting_user
from radtrial.services.course.state import CourseState, load_state, require_course_role
from radtrial.services.policy import Action
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.records import DeviationRecord, ParticipantRecord

__all__ = [
    "WRITE",
    "Move",
    "open_course",
    "open_deviations",
    "redate",
    "reload",
    "required_text",
    "withdrawn_on",
]

WRITE = Action.PARTICIPANT_WRITE


@dataclass(frozen=True)
class Move:
    """A planned fraction moved from one day to another."""

    number: int
    from_day: date
    to_day: date


def required_text(value: str | None, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ReasonRequired(f"give {what}", location=field)
    return text


def open_course(
    uow: ResearchUnitOfWork, actor: str, study_id: str, what: str
) -> tuple[ParticipantRecord, CourseState]:
    user = acting_user(uow, actor)
    participant = uow.participants.get(study_id, lock=True)
    course = uow.course.get(participant)
    require_course_role(
        user,
        participant,
        action=WRITE,
        what=what,
        treating_site=course.site_code if course else None,
    )
    return participant, load_state(uow, participant, course)


def reload(uow: ResearchUnitOfWork, state: CourseState) -> CourseState:
    return load_state(uow, state.participant, state.course)


def redate(uow: ResearchUnitOfWork, state: CourseState, days: Sequence[date]) -> list[Move]:
    """Give the planned fractions, in number order, the days ``days`` in date order."""
    planned = state.planned
    if len(planned) != len(days):
        raise Conflict(
            f"the plan has {len(planned)} fraction(s) to give, not {len(days)}", location="plan"
        )
    moves = []
    for fraction, day in zip(planned, sorted(days), strict=True):
        if fraction.planned_date != day:
            uow.course.set_planned_date(fraction.id, day)
            moves.append(Move(fraction.number, fraction.planned_date, day))
    return moves


def withdrawn_on(uow: ResearchUnitOfWork, participant: ParticipantRecord) -> date | None:
    """The day the participant stopped trial treatment, if they did (every withdrawal kind
    includes withdrawal from treatment)."""
    days = [w.withdrawn_on for w in uow.enrolment.withdrawals(participant)]
    return min(days) if days else None


def open_deviations(uow: ResearchUnitOfWork, state: CourseState) -> tuple[DeviationRecord, ...]:
    return tuple(d for d in uow.course.deviations(state.course.id) if d.resolved_at is None)

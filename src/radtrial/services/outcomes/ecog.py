"""ECOG performance status over time (Oken et al., Am J Clin Oncol 1982;5:649–655).

A status 0–5 per assessment day, validated by :func:`radtrial.clinical.ecog.parse_ecog`; the
participant's course with the new status must still be valid (:func:`ecog_course`: one status
a day, none after 5 = dead).
"""

from __future__ import annotations

from datetime import date

from radtrial.clinical.ecog import EcogAssessment, ecog_course, parse_ecog
from radtrial.errors import Conflict
from radtrial.services.outcomes._context import (
    open_entry,
    open_read,
    require_assessment,
    require_collectable,
    require_visit,
)
from radtrial.services.outcomes.visits import infer_visit
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import EcogRecord
from radtrial.trial.consent import Collectable

__all__ = ["ecog_history", "record_ecog"]


def record_ecog(
    db: Database,
    *,
    actor: str,
    study_id: str,
    status: object,
    assessed_on: date | None = None,
    visit_id: str | None = None,
) -> EcogRecord:
    """Record the participant's ECOG performance status on ``assessed_on`` (default today).

    Refused with nothing written (located :class:`InvalidInput`): a status outside 0–5; a visit
    that does not schedule the performance status; a day before registration, in the future,
    after death, after withdrawal from follow-up, or after an ECOG of 5. A second status on the
    same day is a :class:`Conflict`.
    """
    grade = parse_ecog(status, field="status")

    def work(uow: ResearchUnitOfWork) -> EcogRecord:
        entry = open_entry(uow, actor, study_id, "record performance status")
        day = entry.check_day(assessed_on or entry.today, "assessed_on")
        require_collectable(
            entry.facts,
            Collectable.VISIT_ASSESSMENTS,
            day,
            "assessed_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        visit = (
            infer_visit(uow, entry, "performance_status", day)
            if visit_id is None
            else require_visit(entry.protocol, visit_id)
        )
        if visit is not None:
            require_assessment(entry.protocol, "performance_status", visit=visit)
        stored = uow.outcomes.ecog(entry.participant)
        if any(e.assessed_on == day for e in stored):
            raise Conflict(
                f"{study_id} already has a performance status on {day.isoformat()}",
                location="assessed_on",
            )
        ecog_course(
            [EcogAssessment(e.assessed_on, parse_ecog(e.status)) for e in stored]
            + [EcogAssessment(day, grade)]
        )
        return uow.outcomes.add_ecog(
            entry.participant,
            entry.version,
            visit_id=None if visit is None else visit.id,
            assessed_on=day,
            status=int(grade),
        )

    return db.run(work, actor=actor)


def ecog_history(db: Database, *, actor: str, study_id: str) -> list[EcogRecord]:
    """The participant's performance statuses by date."""

    def work(uow: ResearchUnitOfWork) -> list[EcogRecord]:
        participant, _, _ = open_read(uow, actor, study_id)
        return uow.outcomes.ecog(participant)

    return db.run(work, actor=actor, read_only=True)

"""Clinical events: local and distant progression, death, going off study; and vital status.

Each kind is recorded once per participant, as its first occurrence (UNIQUE(participant,
kind)). **Local progression** of the irradiated tumour is kept apart from **distant**
progression; both carry the date of the assessment that showed them and how it was shown
(``recist`` when recorded from a tumour assessment by :mod:`.tumour`, else ``imaging``,
``clinical`` or ``pathology``). **Death** has its date and cause; nothing is recorded after
it, and it cannot be dated before anything already recorded. **Off study** has its reason.
A **vital-status check** records a day the participant was known alive (last contact for
overall survival).
"""

from __future__ import annotations

from datetime import date

from radtrial.errors import Conflict, InvalidInput
from radtrial.services.outcomes._context import (
    Entry,
    open_entry,
    open_read,
    optional_text,
    require_assessment,
    require_collectable,
    require_visit,
)
from radtrial.services.outcomes.visits import infer_visit
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import ClinicalEventRecord, VitalStatusRecord
from radtrial.trial.consent import Collectable

__all__ = [
    "DEATH_CAUSES",
    "OFF_STUDY_REASONS",
    "PROGRESSION_METHODS",
    "VITAL_STATUS_SOURCES",
    "events_of",
    "record_alive",
    "record_death",
    "record_off_study",
    "record_progression",
]

#: How a progression was shown when it is recorded by hand (``recist`` is set by tumour entry).
PROGRESSION_METHODS = ("imaging", "clinical", "pathology")
#: Causes of death (the usual oncology case-report-form categories).
DEATH_CAUSES = ("disease_under_study", "treatment_toxicity", "other", "unknown")
#: Why a participant went off study.
OFF_STUDY_REASONS = (
    "completed_follow_up",
    "withdrawal",
    "lost_to_follow_up",
    "death",
    "investigator_decision",
    "other",
)
#: How a participant was known to be alive.
VITAL_STATUS_SOURCES = ("visit", "telephone", "health_records", "population_registry")


def _choice(value: str, allowed: tuple[str, ...], field: str, what: str) -> str:
    code = value.strip().casefold().replace(" ", "_").replace("-", "_")
    if code not in allowed:
        raise InvalidInput(
            f"{what} must be one of {', '.join(allowed)}, not {value!r}",
            location=field,
            detail={"reason": "not_allowed", "allowed": list(allowed)},
        )
    return code


def _once(uow: ResearchUnitOfWork, entry: Entry, kind: str) -> None:
    for event in uow.outcomes.events(entry.participant):
        if event.kind == kind:
            raise Conflict(
                f"{entry.participant.study_id} already has {kind.replace('_', ' ')} on "
                f"{event.event_on.isoformat()} (only the first is recorded)",
                location="kind",
            )


def record_progression(
    db: Database,
    *,
    actor: str,
    study_id: str,
    kind: str,
    event_on: date,
    method: str,
    note: str | None = None,
) -> ClinicalEventRecord:
    """Record the first local or distant progression, shown on ``event_on`` by ``method``."""
    which = _choice(kind, ("local_progression", "distant_progression"), "kind", "The event")
    how = _choice(method, PROGRESSION_METHODS, "method", "The method")

    def work(uow: ResearchUnitOfWork) -> ClinicalEventRecord:
        entry = open_entry(uow, actor, study_id, "record clinical events")
        _once(uow, entry, which)
        entry.check_day(event_on, "event_on")
        require_collectable(
            entry.facts,
            Collectable.VISIT_ASSESSMENTS,
            event_on,
            "event_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        return uow.outcomes.add_event(
            entry.participant,
            entry.version,
            kind=which,
            event_on=event_on,
            method=how,
            note=optional_text(note),
        )

    return db.run(work, actor=actor)


def record_death(
    db: Database,
    *,
    actor: str,
    study_id: str,
    died_on: date,
    cause: str,
    note: str | None = None,
) -> ClinicalEventRecord:
    """Record the participant's death and its cause (``other`` needs a note).

    Refused: a date before registration, in the future, or before anything already recorded
    of the participant (a record after death would contradict it).
    """
    code = _choice(cause, DEATH_CAUSES, "cause", "The cause of death")
    text = optional_text(note)
    if code == "other" and text is None:
        raise InvalidInput(
            "name the cause in the note", location="note", detail={"reason": "note_required"}
        )

    def work(uow: ResearchUnitOfWork) -> ClinicalEventRecord:
        entry = open_entry(uow, actor, study_id, "record a death")
        _once(uow, entry, "death")
        entry.check_day(died_on, "died_on")
        require_collectable(
            entry.facts,
            Collectable.SURVIVAL_STATUS,
            died_on,
            "died_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        last = uow.outcomes.last_contact(entry.participant)
        if last is not None and died_on < last:
            raise InvalidInput(
                f"{study_id} has records up to {last.isoformat()}, after {died_on.isoformat()}",
                location="died_on",
                detail={"reason": "records_after_death"},
            )
        return uow.outcomes.add_event(
            entry.participant,
            entry.version,
            kind="death",
            event_on=died_on,
            death_cause=code,
            note=text,
        )

    return db.run(work, actor=actor)


def record_off_study(
    db: Database,
    *,
    actor: str,
    study_id: str,
    off_on: date,
    reason: str,
    note: str | None = None,
) -> ClinicalEventRecord:
    """Record that the participant went off study on ``off_on`` (``other`` needs a note)."""
    code = _choice(reason, OFF_STUDY_REASONS, "off_study_reason", "The off-study reason")
    text = optional_text(note)
    if code == "other" and text is None:
        raise InvalidInput(
            "give the reason in the note", location="note", detail={"reason": "note_required"}
        )

    def work(uow: ResearchUnitOfWork) -> ClinicalEventRecord:
        entry = open_entry(uow, actor, study_id, "record clinical events")
        _once(uow, entry, "off_study")
        entry.check_day(off_on, "off_on")
        return uow.outcomes.add_event(
            entry.participant,
            entry.version,
            kind="off_study",
            event_on=off_on,
            off_study_reason=code,
            note=text,
        )

    return db.run(work, actor=actor)


def record_alive(
    db: Database,
    *,
    actor: str,
    study_id: str,
    known_alive_on: date,
    source: str,
    visit_id: str | None = None,
) -> VitalStatusRecord:
    """Record that the participant was known alive on ``known_alive_on`` (and how)."""
    how = _choice(source, VITAL_STATUS_SOURCES, "source", "The source")

    def work(uow: ResearchUnitOfWork) -> VitalStatusRecord:
        entry = open_entry(uow, actor, study_id, "record vital status")
        entry.check_day(known_alive_on, "known_alive_on")
        require_collectable(
            entry.facts,
            Collectable.SURVIVAL_STATUS,
            known_alive_on,
            "known_alive_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        visit = (
            infer_visit(uow, entry, "survival", known_alive_on)
            if visit_id is None
            else require_visit(entry.protocol, visit_id)
        )
        if visit is not None:
            require_assessment(entry.protocol, "survival", visit=visit)
        return uow.outcomes.add_vital_status(
            entry.participant,
            entry.version,
            visit_id=None if visit is None else visit.id,
            known_alive_on=known_alive_on,
            source=how,
        )

    return db.run(work, actor=actor)


def events_of(db: Database, *, actor: str, study_id: str) -> list[ClinicalEventRecord]:
    """The participant's clinical events by date."""

    def work(uow: ResearchUnitOfWork) -> list[ClinicalEventRecord]:
        participant, _, _ = open_read(uow, actor, study_id)
        return uow.outcomes.events(participant)

    return db.run(work, actor=actor, read_only=True)

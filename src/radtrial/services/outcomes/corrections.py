"""Corrections of recorded adverse events, with a reason, that void the record's signatures.

A correction names the version it is based on (the SHA-256 of the record's canonical content,
:func:`radtrial.services.signatures.content_sha256`, which the API sends as the ETag), so a
stale edit is refused (:class:`PreconditionFailed`) and no update is lost. The corrected event is
validated like a new one (:class:`radtrial.clinical.ctcae.AdverseEvent`, the outcome against the
grade and dates) and written in one audited unit of work with the reason; any valid signature of
the record is voided in the same unit of work (RELIABILITY.md row 12: an edit after signing
voids the signature, and the void is audited).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from radtrial.clinical.ctcae import AdverseEvent, Seriousness, parse_ctcae_version
from radtrial.errors import InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from radtrial.services.outcomes._context import open_entry
from radtrial.services.outcomes.adverse_events import _outcome
from radtrial.services.signatures import content_sha256, record_content, void_signatures
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import AdverseEventRecord
from radtrial.store.repositories.signatures import SignatureRepository

__all__ = ["adverse_event_version", "correct_adverse_event"]

_UNSET: Any = object()


def adverse_event_version(db: Database, *, actor: str, study_id: str, event_id: int) -> str:
    """The current version (content hash) of the participant's adverse event ``event_id``."""

    def work(uow: ResearchUnitOfWork) -> str:
        from radtrial.services.outcomes._context import open_read

        participant, _, _ = open_read(uow, actor, study_id)
        return content_sha256(record_content(uow, participant, "adverse_events", event_id))

    return db.run(work, actor=actor, read_only=True)


def correct_adverse_event(
    db: Database,
    *,
    actor: str,
    study_id: str,
    event_id: int,
    reason: str,
    expected_version: str | None,
    grade: int | None = None,
    attribution: str | None = None,
    resolved_on: date | None = _UNSET,
    outcome: str | None = None,
) -> AdverseEventRecord:
    """Correct the grade, attribution, resolution date or outcome of an adverse event.

    Refused with nothing written: no reason (:class:`InvalidInput`, ``reason``); no expected
    version (:class:`PreconditionRequired`) or a stale one (:class:`PreconditionFailed`); a
    corrected event the core refuses (located :class:`InvalidInput`).
    """
    why = reason.strip()
    if not why or len(why) > 2000:
        raise InvalidInput("give the reason for the correction", location="reason")
    if expected_version is None:
        raise PreconditionRequired(
            "name the version the correction is based on (If-Match)", location="If-Match"
        )

    def work(uow: ResearchUnitOfWork) -> AdverseEventRecord:
        entry = open_entry(uow, actor, study_id, "correct adverse events")
        current = next(
            (e for e in uow.outcomes.adverse_events(entry.participant) if e.id == event_id), None
        )
        if current is None:
            raise NotFound(f"{study_id} has no adverse event {event_id}", location="event_id")
        version = content_sha256(record_content(uow, entry.participant, "adverse_events", event_id))
        if expected_version != version:
            raise PreconditionFailed(
                "the adverse event has changed since it was read; reload it and correct again",
                location="If-Match",
                detail={"current": version},
            )
        resolved = current.resolved_on if resolved_on is _UNSET else resolved_on
        event = AdverseEvent(
            ctcae_version=parse_ctcae_version(current.ctcae_version),
            term=current.term,
            grade=grade if grade is not None else current.grade,
            onset_on=current.onset_on,
            attribution=attribution or current.attribution,  # type: ignore[arg-type]
            resolved_on=resolved,
            seriousness=Seriousness.of(*current.seriousness_criteria),
            expected=current.expected,
            specify=current.specify,
        )
        if resolved is not None and resolved > entry.today:
            raise InvalidInput(
                f"{resolved.isoformat()} is in the future",
                location="resolved_on",
                detail={"reason": "in_future"},
            )
        result = _outcome(outcome if outcome is not None else current.outcome, event)
        values: dict[str, Any] = {
            "grade": int(event.grade),
            "attribution": event.attribution.value,
            "related": event.related,
            "resolved_on": event.resolved_on,
            "outcome": result,
        }
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if not changed:
            raise InvalidInput("the correction changes nothing", location="body")
        SignatureRepository(uow).update_adverse_event(event_id, changed)
        void_signatures(uow, "adverse_events", event_id, f"record edited: {why}")
        return replace(current, **changed)

    return db.run(work, actor=actor, reason=why)

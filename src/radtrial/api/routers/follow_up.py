"""Following a participant up: death and off-study events, target-symptom ratings entered by
staff, and a site's visits due.

Writes are checked by the site-isolation policy, reads through
:mod:`radtrial.services.outcome_views` (refusals are logged, 403); the outcome services validate
the entry (422 naming the field in ``location``) and write it in one audited unit of work.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import SLUG_PATTERN, Body
from radtrial.api.schemas_outcomes import Note, SiteCode, StudyId, Text, VisitId
from radtrial.errors import InvalidInput
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import ClinicalEventRecord, SymptomRatingRecord
from radtrial.services.outcomes import events, pro, visits

__all__ = ["router"]

router = APIRouter(tags=["outcomes"])

# -- bodies -----------------------------------------------------------------------------------


class NewEvent(Body):
    kind: Literal["death", "off_study"]
    event_on: date
    cause: Literal["disease_under_study", "treatment_toxicity", "other", "unknown"] | None = Field(
        default=None, description="Cause of death (death only)"
    )
    reason: (
        Literal[
            "completed_follow_up",
            "withdrawal",
            "lost_to_follow_up",
            "death",
            "investigator_decision",
            "other",
        ]
        | None
    ) = Field(default=None, description="Off-study reason (off_study only)")
    note: Note | None = None


class NewSymptomRating(Body):
    visit: VisitId
    answered_at: datetime | None = Field(default=None, description="Default: now")
    nrs: int | None = Field(default=None, ge=0, le=10)
    global_impression: Text | None = None
    analgesic_increased: bool | None = None
    symptom: Text | None = None


# -- answers ----------------------------------------------------------------------------------


class WindowOut(BaseModel):
    opens_on: date
    target_on: date
    closes_on: date


class DueVisitOut(BaseModel):
    trial: str
    study_id: str
    visit: str
    label: str
    window: WindowOut
    status: str = Field(description="due or overdue (or upcoming with look_ahead_days)")
    assessments: list[str]
    samples: list[str]
    anchor_planned: bool


# -- events -----------------------------------------------------------------------------------


@router.post("/participants/{study_id}/events", status_code=201, summary="Record death/off study")
def add_event(
    study_id: StudyId,
    body: NewEvent,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ClinicalEventRecord:
    """Death (with its cause) or going off study (with the reason); each once. Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    if body.kind == "death":
        if body.cause is None:
            raise InvalidInput("give the cause of death", location="body.cause")
        return events.record_death(
            db,
            actor=principal.username,
            study_id=study_id,
            died_on=body.event_on,
            cause=body.cause,
            note=body.note,
        )
    if body.reason is None:
        raise InvalidInput("give the off-study reason", location="body.reason")
    return events.record_off_study(
        db,
        actor=principal.username,
        study_id=study_id,
        off_on=body.event_on,
        reason=body.reason,
        note=body.note,
    )


@router.get("/participants/{study_id}/events", summary="List clinical events")
def list_events(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[ClinicalEventRecord]:
    """Progression, death and off-study events by day (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="events", client_address=address
    )
    return events.events_of(db, actor=principal.username, study_id=study_id)


# -- PRO entered by staff ---------------------------------------------------------------------


@router.post(
    "/participants/{study_id}/symptom-ratings",
    status_code=201,
    summary="Enter a target-symptom rating",
)
def add_symptom_rating(
    study_id: StudyId,
    body: NewSymptomRating,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> SymptomRatingRecord:
    """The target symptom's NRS and/or global impression at a visit, entered by staff from
    the participant's answer (e.g. by telephone). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return pro.record_symptom(
        db,
        actor=principal.username,
        study_id=study_id,
        visit_id=body.visit,
        answered_at=body.answered_at,
        nrs=body.nrs,
        global_impression=body.global_impression,
        analgesic_increased=body.analgesic_increased,
        symptom=body.symptom,
    )


# -- site visits ------------------------------------------------------------------------------


@router.get("/sites/{code}/visits-due", summary="Visits due or overdue at a site")
def site_visits_due(
    code: SiteCode,
    principal: ApiPrincipal,
    db: DatabaseDep,
    trial: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
    look_ahead_days: Annotated[int, Query(ge=0, le=366)] = 0,
) -> list[DueVisitOut]:
    """The site's due and overdue visits, most urgent first; 403 for a site the user may not
    see participants at."""
    found = visits.site_visits_due(
        db,
        actor=principal.username,
        site_code=code,
        trial_slug=trial,
        look_ahead_days=look_ahead_days,
    )
    return [
        DueVisitOut(
            trial=d.trial_slug,
            study_id=d.due.study_id,
            visit=d.due.visit_id,
            label=d.due.label,
            window=WindowOut(
                opens_on=d.due.window.opens_on,
                target_on=d.due.window.target_on,
                closes_on=d.due.window.closes_on,
            ),
            status=str(d.due.status),
            assessments=list(d.due.assessments),
            samples=list(d.due.samples),
            anchor_planned=d.due.anchor_planned,
        )
        for d in found
    ]

"""A participant's CTCAE adverse events (with SAE report deadlines) and a site's open adverse
events.

Recording is checked by the site-isolation policy
(:func:`radtrial.services.participants.authorise_participant_write`), reading through
:mod:`radtrial.services.outcome_views` (refusals are logged, 403); the outcome service validates
the entry (422 naming the field in ``location``) and writes it in one audited unit of work.
Signing and correcting an adverse event are in :mod:`radtrial.api.routers.signatures`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import SLUG_PATTERN, Body
from radtrial.api.schemas_outcomes import SiteCode, StudyId, Text, VisitId
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import AdverseEventRecord
from radtrial.services.outcomes import adverse_events

__all__ = ["router"]

router = APIRouter(tags=["outcomes"])


class NewAdverseEvent(Body):
    term: Text = Field(description="CTCAE term, e.g. Diarrhea")
    grade: int = Field(ge=1, le=5, description="CTCAE grade 1-5")
    onset_on: date
    attribution: Literal["unrelated", "unlikely", "possible", "probable", "definite"]
    resolved_on: date | None = None
    seriousness: list[
        Literal[
            "death",
            "life_threatening",
            "hospitalisation",
            "disability",
            "congenital_anomaly",
            "important_medical_event",
        ]
    ] = Field(default_factory=list, max_length=6, description="ICH E2A seriousness criteria")
    expected: bool | None = None
    specify: Text | None = Field(default=None, description="For an 'Other, specify' term")
    ctcae_version: Annotated[str, Field(pattern=r"^v?[0-9]{1,2}(\.[0-9]{1,2})?$")] | None = Field(
        default=None, description="Default: the protocol's"
    )
    visit: VisitId | None = None
    outcome: (
        Literal[
            "recovered",
            "recovering",
            "not_recovered",
            "recovered_with_sequelae",
            "fatal",
            "unknown",
        ]
        | None
    ) = None
    investigator_aware_at: datetime | None = Field(
        default=None, description="When the investigator learnt of it (default: now)"
    )


class SiteAdverseEventOut(BaseModel):
    trial: str
    event: AdverseEventRecord
    report_due_at: datetime | None
    overdue: bool


@router.post(
    "/participants/{study_id}/adverse-events",
    status_code=201,
    summary="Record an adverse event",
)
def add_adverse_event(
    study_id: StudyId,
    body: NewAdverseEvent,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> AdverseEventRecord:
    """A CTCAE-graded adverse event; a serious one is flagged for expedited reporting with its
    due time (``report_due_at``, counted from ``investigator_aware_at``). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return adverse_events.record_adverse_event(
        db,
        actor=principal.username,
        study_id=study_id,
        term=body.term,
        grade=body.grade,
        onset_on=body.onset_on,
        attribution=body.attribution,
        resolved_on=body.resolved_on,
        seriousness=body.seriousness,
        expected=body.expected,
        specify=body.specify,
        ctcae_version=body.ctcae_version,
        visit_id=body.visit,
        outcome=body.outcome,
        investigator_aware_at=body.investigator_aware_at,
    )


@router.get("/participants/{study_id}/adverse-events", summary="List adverse events")
def list_adverse_events(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[AdverseEventRecord]:
    """The participant's adverse events by onset (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="adverse_events", client_address=address
    )
    return adverse_events.adverse_events_of(db, actor=principal.username, study_id=study_id)


@router.get("/sites/{code}/adverse-events", summary="Open adverse events and SAE deadlines")
def site_adverse_events(
    code: SiteCode,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    trial: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
) -> list[SiteAdverseEventOut]:
    """The site's open adverse events (not recovered), serious ones first by their report
    deadline; ``overdue`` when the deadline has passed. 403 for a site the user may not see."""
    found = outcome_views.site_open_adverse_events(
        db, user=principal.user, site_code=code, trial_slug=trial, client_address=address
    )
    return [
        SiteAdverseEventOut(
            trial=a.trial_slug, event=a.event, report_due_at=a.report_due_at, overdue=a.overdue
        )
        for a in found
    ]

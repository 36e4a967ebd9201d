"""A participant's ECOG performance status: record one a day, list them.

Recording is checked by the site-isolation policy, reading through
:mod:`radtrial.services.outcome_views` (refusals are logged, 403); the service validates the
entry (422) and writes it in one audited unit of work.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import Body
from radtrial.api.schemas_outcomes import StudyId, VisitId
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import EcogRecord
from radtrial.services.outcomes import ecog

__all__ = ["router"]

router = APIRouter(tags=["outcomes"])


class NewEcog(Body):
    status: int = Field(ge=0, le=5)
    assessed_on: date | None = Field(default=None, description="Default: today")
    visit: VisitId | None = None


@router.post("/participants/{study_id}/ecog", status_code=201, summary="Record ECOG status")
def add_ecog(
    study_id: StudyId,
    body: NewEcog,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> EcogRecord:
    """The ECOG performance status (0-5) on a day (default today); one per day. Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return ecog.record_ecog(
        db,
        actor=principal.username,
        study_id=study_id,
        status=body.status,
        assessed_on=body.assessed_on,
        visit_id=body.visit,
    )


@router.get("/participants/{study_id}/ecog", summary="List ECOG statuses")
def list_ecog(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[EcogRecord]:
    """The participant's ECOG statuses by day (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="ecog", client_address=address
    )
    return ecog.ecog_history(db, actor=principal.username, study_id=study_id)

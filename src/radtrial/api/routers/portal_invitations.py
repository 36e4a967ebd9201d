"""``/participants/{study_id}/portal-invitations``: a personal one-time link and code that
open the patient portal for one participant (an investigator or research nurse at the
participant's site).

The link and code are in this answer only: the database keeps their SHA-256, and the answer is
not kept for ``Idempotency-Key`` replay (a secret would otherwise be stored). A retry issues a
new invitation, which revokes the earlier unused one, so only the newest works.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas_enrolment import STUDY_ID_PATTERN
from radtrial.services import participants, portal
from radtrial.services.portal import PortalPolicy

router = APIRouter(tags=["portal"])

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PALL-OUS-0001")]


class PortalInvitationOut(BaseModel):
    """A portal invitation just issued: give the participant the link or the code."""

    invitation_id: int
    study_id: str
    link_path: str = Field(description="Path of the personal link, /portal/i/<token>")
    code: str = Field(description="The short code to type at /portal instead")
    expires_at: datetime


@router.post(
    "/participants/{study_id}/portal-invitations",
    status_code=201,
    summary="Issue a patient-portal link and code",
)
def issue_portal_invitation(
    study_id: StudyId,
    request: Request,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> PortalInvitationOut:
    """Issue a one-time link and code for the participant (shown once; audited)."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    issued = portal.issue_invitation(
        db,
        PortalPolicy.from_settings(request.app.state.settings),
        actor=principal.username,
        study_id=study_id,
        client_address=address,
    )
    response.headers["Cache-Control"] = "no-store"
    return PortalInvitationOut(
        invitation_id=issued.invitation_id,
        study_id=issued.study_id,
        link_path=f"/portal/i/{issued.token}",
        code=issued.code,
        expires_at=issued.expires_at,
    )

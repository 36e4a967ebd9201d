"""The staff side of the patient portal: a research nurse or investigator at the participant's
site gives the participant a personal one-time link and a short code.

The link and code are shown on the answer page once (the database keeps only their SHA-256) and
the page is never cached; issuing again revokes the earlier unused invitation.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.errors import RadtrialError
from radtrial.services import participants, portal
from radtrial.services.portal import PortalPolicy
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.participant import participant_page_with_error
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.post("/participants/{study_id}/portal-invitation")
def issue_invitation_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    """Issue the invitation and show its link and code once."""
    check_form_token(principal, form.get("csrf_token", ""))
    try:
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
    except RadtrialError as error:
        return participant_page_with_error(request, db, principal, study_id, address, error)
    link = str(request.base_url).rstrip("/") + f"/portal/i/{quote(issued.token)}"
    response = render(
        request,
        "portal_invitation.html",
        principal=principal,
        study_id=issued.study_id,
        link=link,
        code=issued.code,
        expires_at=issued.expires_at,
    )
    response.headers["Cache-Control"] = "no-store"
    return response

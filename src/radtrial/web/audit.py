"""The audit page: a record's history of changes, for a user who may read the audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.services import audit
from radtrial.web.deps import WebPrincipal
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/audit/{entity}/{entity_id}")
def audit_page(
    request: Request,
    entity: str,
    entity_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    history = audit.record_history(
        db, user=principal.user, entity=entity, entity_id=entity_id, client_address=address
    )
    return render(request, "audit.html", principal=principal, history=history)

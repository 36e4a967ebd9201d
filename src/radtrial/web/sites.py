"""The sites pages: the sites the user may see, and a site's overview."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.services import sites
from radtrial.web.deps import WebPrincipal
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/sites")
def site_list(request: Request, principal: WebPrincipal, db: DatabaseDep) -> Response:
    overviews = sites.list_sites(db, user=principal.user)
    return render(request, "sites.html", principal=principal, overviews=overviews)


@router.get("/sites/{code}")
def site_page(
    request: Request, code: str, principal: WebPrincipal, db: DatabaseDep, address: ClientAddress
) -> Response:
    overview = sites.site_overview(db, user=principal.user, code=code, client_address=address)
    return render(request, "site.html", principal=principal, overview=overview)

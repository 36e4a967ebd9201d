"""``/sites``: the sites a user works at, with their trials and participants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import SITE_PATTERN, SiteOut, SiteTrialOut
from radtrial.services import sites
from radtrial.services.sites import SiteOverview

router = APIRouter(prefix="/sites", tags=["sites"])

SiteCode = Annotated[str, Path(pattern=SITE_PATTERN, description="Site code, e.g. OUS")]


def site_out(overview: SiteOverview) -> SiteOut:
    """A site as the API shows it."""
    site = overview.site
    return SiteOut(
        code=site.code,
        name=site.name,
        city=site.city,
        country=site.country,
        trials=[
            SiteTrialOut(
                trial=t.trial_slug,
                status=t.status,
                roles=list(t.roles),
                participants=t.participants,
            )
            for t in overview.trials
        ],
    )


@router.get("", summary="List sites")
def list_sites(principal: ApiPrincipal, db: DatabaseDep) -> list[SiteOut]:
    """The sites where the user may see at least one trial."""
    return [site_out(o) for o in sites.list_sites(db, user=principal.user)]


@router.get("/{code}", summary="Show a site")
def show_site(
    code: SiteCode, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> SiteOut:
    """The site with the trials the user may see there; 403 for another site."""
    return site_out(sites.site_overview(db, user=principal.user, code=code, client_address=address))

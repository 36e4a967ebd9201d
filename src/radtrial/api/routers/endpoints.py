"""A trial's time-to-event endpoint data and its analysis.

The endpoint data cover the participants at the sites the user may read. The analysis
(``/trials/{slug}/analysis``) shows results by arm, so it is answered only to the unblinded
statistician and the sponsor administrator; a data manager or monitor is refused (403, logged)
although they may review the data itself.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import SLUG_PATTERN
from radtrial.errors import NotFound
from radtrial.services import outcome_views
from radtrial.services.outcomes import endpoints

__all__ = ["router"]

router = APIRouter(tags=["outcomes"])

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="Trial slug, e.g. pallsoft")]


class EndpointRowOut(BaseModel):
    study_id: str
    site: str
    arm: str | None
    endpoint: str
    origin_on: date
    end_on: date
    event: bool
    event_kind: str | None
    censored_at: str | None
    days: int


class EndpointsOut(BaseModel):
    trial: str
    origin: str
    censor_progression_at: str
    endpoints: list[str]
    rows: list[EndpointRowOut]
    not_evaluable: list[dict[str, str]]


@router.get("/trials/{slug}/endpoints", summary="Time-to-event endpoint data")
def trial_endpoints(
    slug: Slug,
    principal: ApiPrincipal,
    db: DatabaseDep,
    censor_progression_at: Annotated[
        Literal["last_tumour_assessment", "last_contact"], Query()
    ] = "last_tumour_assessment",
) -> EndpointsOut:
    """OS (and PFS/LPFS where the protocol assesses tumour response) per participant at the
    sites the user may read; 403 without a participant-reading role in the trial."""
    try:
        report = endpoints.endpoint_report(
            db,
            actor=principal.username,
            target=slug,
            censor_progression_at=censor_progression_at,
        )
    except NotFound:
        raise NotFound(f"no trial {slug!r}", location="slug") from None
    if report.trial_slug != slug or report.target != slug:
        raise NotFound(f"no trial {slug!r}", location="slug")
    return EndpointsOut(
        trial=report.trial_slug,
        origin=report.origin,
        censor_progression_at=report.censor_progression_at,
        endpoints=[str(e.value) for e in report.endpoints],
        rows=[
            EndpointRowOut(
                study_id=r.study_id,
                site=r.site_code,
                arm=r.arm_code,
                endpoint=str(r.time.endpoint.value),
                origin_on=r.time.origin_on,
                end_on=r.time.end_on,
                event=r.time.event,
                event_kind=r.time.event_kind,
                censored_at=r.time.censored_at,
                days=r.time.days,
            )
            for r in report.rows
        ],
        not_evaluable=[{"study_id": s, "reason": why} for s, why in report.not_evaluable],
    )


@router.get("/trials/{slug}/analysis", summary="The trial's analysis")
def trial_analysis(
    slug: Slug,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    population: Annotated[
        str | None,
        Query(pattern=r"^[a-z][a-z0-9_]{0,31}$", description="e.g. itt, pp (default: primary)"),
    ] = None,
) -> dict[str, Any]:
    """The primary and secondary endpoint tables in a population (default: the protocol's
    primary). Only the unblinded statistician and the sponsor administrator may see results by
    arm (:data:`radtrial.services.outcome_views.ANALYSIS_RESULT_ROLES`); others 403, logged."""
    analysis = outcome_views.trial_analysis(
        db, user=principal.user, trial_slug=slug, population=population, client_address=address
    )
    return analysis.to_dict()

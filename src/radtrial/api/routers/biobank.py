"""A site's biobank: ``/sites/{code}/samples`` (its samples, by state) and
``/sites/{code}/shipments`` (the shipments carrying them, in transit or received).

Both answer only the samples of participants the user may read at the site
(:mod:`radtrial.services.outcomes.biobank_views`): 403 (logged) for a site, or a site in a
trial, where the user may read no participant; 404 for an unknown site or trial. Collecting,
storing, shipping and receiving are in :mod:`radtrial.api.routers.outcomes`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import SITE_PATTERN, SLUG_PATTERN
from radtrial.services.outcomes import biobank_views
from radtrial.services.outcomes.biobank_views import SampleState, ShipmentState

__all__ = ["router"]

router = APIRouter(tags=["biobank"])

SiteCode = Annotated[str, Path(pattern=SITE_PATTERN, description="Site code, e.g. OUS")]
TrialQuery = Annotated[
    str | None, Query(pattern=SLUG_PATTERN, description="Only this trial (default: every trial)")
]


class SiteSampleOut(BaseModel):
    label: str
    study_id: str
    trial: str
    sample_type: str
    material: str
    visit: str
    parent_label: str | None = Field(description="The sample it is an aliquot of")
    collected_at: datetime
    volume_ml: float | None
    state: SampleState
    position: str | None = Field(description="freezer/rack/box/position while stored")
    shipment: str | None = Field(description="The shipment it last travelled in")
    destruction_required: bool


class SiteShipmentOut(BaseModel):
    code: str
    from_location: str
    to_location: str
    shipped_at: datetime
    shipped_by: str
    courier: str | None
    condition: str | None
    samples: int = Field(description="How many of the samples the user may read it carries")
    labels: list[str] = Field(description="Those samples' labels")
    state: ShipmentState
    received_at: datetime | None
    received_by: str | None
    receipt_condition: str | None
    missing: list[str] = Field(description="Those of its samples that did not arrive")


@router.get("/sites/{code}/samples", summary="List a site's samples")
def site_samples(
    code: SiteCode,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    state: Annotated[SampleState | None, Query(description="Only samples in this state")] = None,
    trial: TrialQuery = None,
) -> list[SiteSampleOut]:
    """The samples of the site's participants the user may read, with state, storage position
    and last shipment, by participant and collection time (``state=stored``: those ready to
    ship). The read is logged; 403 for a site where the user may read no participant."""
    found = biobank_views.site_samples(
        db,
        actor=principal.username,
        site_code=code,
        state=state,
        trial_slug=trial,
        client_address=address,
    )
    return [
        SiteSampleOut(
            label=s.label,
            study_id=s.study_id,
            trial=s.trial_slug,
            sample_type=s.sample_type,
            material=s.material,
            visit=s.visit_id,
            parent_label=s.parent_label,
            collected_at=s.collected_at,
            volume_ml=s.volume_ml,
            state=s.state,
            position=s.position,
            shipment=s.shipment,
            destruction_required=s.destruction_required,
        )
        for s in found
    ]


@router.get("/sites/{code}/shipments", summary="List a site's shipments")
def site_shipments(
    code: SiteCode,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    state: Annotated[
        ShipmentState | None, Query(description="Only shipments in transit, or received")
    ] = None,
    trial: TrialQuery = None,
) -> list[SiteShipmentOut]:
    """The shipments carrying samples of the site's participants the user may read, newest
    first, with the number and labels of those samples and whether each is received or still
    in transit. The read is logged; 403 for a site where the user may read no participant."""
    found = biobank_views.site_shipments(
        db,
        actor=principal.username,
        site_code=code,
        state=state,
        trial_slug=trial,
        client_address=address,
    )
    return [
        SiteShipmentOut(
            code=s.code,
            from_location=s.from_location,
            to_location=s.to_location,
            shipped_at=s.shipped_at,
            shipped_by=s.shipped_by,
            courier=s.courier,
            condition=s.condition,
            samples=s.samples,
            labels=list(s.labels),
            state=s.state,
            received_at=s.received_at,
            received_by=s.received_by,
            receipt_condition=s.receipt_condition,
            missing=list(s.missing),
        )
        for s in found
    ]

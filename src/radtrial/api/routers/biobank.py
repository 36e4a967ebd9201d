"""A participant's biobank samples (collect, store, ship, receive) and a site's biobank:
``/sites/{code}/samples`` (its samples, by state) and ``/sites/{code}/shipments`` (the shipments
carrying them, in transit or received).

Collecting is checked by the site-isolation policy, storing and shipping by
:func:`radtrial.services.outcome_views.authorise_sample_write` for every sample (refusals are
logged, 403); receiving is checked by the service against the receiver's role at the samples'
sites. Each write is validated (422 naming the field) and audited. The site listings answer only
the samples of participants the user may read at the site
(:mod:`radtrial.services.outcomes.biobank_views`): 403 (logged) for a site, or a site in a
trial, where the user may read no participant; 404 for an unknown site or trial.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import NONBLANK_PATTERN, SLUG_PATTERN, Body
from radtrial.api.schemas_outcomes import Note, SiteCode, StudyId, Text, VisitId
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import SampleRecord, ShipmentRecord
from radtrial.services.outcomes import biobank, biobank_views, shipments
from radtrial.services.outcomes.biobank_views import SampleState, ShipmentState

__all__ = ["router"]

#: Tags are per route: the participant's samples and shipments are documented under
#: "outcomes", the site listings under "biobank".
router = APIRouter()

LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Label = Annotated[str, Path(pattern=LABEL_PATTERN, description="Sample label")]
TrialQuery = Annotated[
    str | None, Query(pattern=SLUG_PATTERN, description="Only this trial (default: every trial)")
]


# -- bodies -----------------------------------------------------------------------------------


class NewSample(Body):
    label: Annotated[str, Field(pattern=LABEL_PATTERN)]
    sample_type: Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)]
    visit: VisitId
    collected_at: datetime | None = Field(default=None, description="Default: now")
    processing: Text | None = None
    processed_at: datetime | None = None
    volume_ml: Annotated[float, Field(gt=0, le=10_000)] | None = None
    aliquots: int = Field(default=0, ge=0, le=99)
    aliquot_volume_ml: Annotated[float, Field(gt=0, le=10_000)] | None = None


Part = Annotated[str, Field(min_length=1, max_length=16, pattern=NONBLANK_PATTERN)]


class StoragePosition(Body):
    freezer: Part
    rack: Part
    box: Part
    position: Part
    stored_at: datetime | None = None
    reason: Note | None = Field(default=None, description="Why it moved (a re-storage)")


class NewShipment(Body):
    labels: list[Annotated[str, Field(pattern=LABEL_PATTERN)]] = Field(min_length=1, max_length=500)
    code: Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)]
    to_location: Text
    from_location: Text | None = None
    shipped_at: datetime | None = None
    courier: Text | None = None
    condition: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)] | None
    ) = None


class Receipt(Body):
    received_at: datetime | None = None
    condition: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)] | None
    ) = None
    missing: list[Annotated[str, Field(pattern=LABEL_PATTERN)]] = Field(
        default_factory=list, max_length=500
    )
    note: Note | None = None


# -- answers ----------------------------------------------------------------------------------


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


# -- a participant's samples, shipments -------------------------------------------------------


@router.post(
    "/participants/{study_id}/samples",
    status_code=201,
    summary="Collect a sample",
    tags=["outcomes"],
)
def collect_sample(
    study_id: StudyId,
    body: NewSample,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> list[SampleRecord]:
    """A sample of a protocol type at a visit (and its aliquots, answered after it). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return list(
        biobank.collect_sample(
            db,
            actor=principal.username,
            study_id=study_id,
            label=body.label,
            sample_type=body.sample_type,
            visit_id=body.visit,
            collected_at=body.collected_at,
            processing=body.processing,
            processed_at=body.processed_at,
            volume_ml=body.volume_ml,
            aliquots=body.aliquots,
            aliquot_volume_ml=body.aliquot_volume_ml,
        )
    )


@router.get("/participants/{study_id}/samples", summary="List samples", tags=["outcomes"])
def list_samples(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[SampleRecord]:
    """The participant's samples with status and storage position (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="samples", client_address=address
    )
    return biobank.participant_samples(db, actor=principal.username, study_id=study_id)


@router.post("/samples/{label}/storage", summary="Store a sample", tags=["outcomes"])
def store_sample(
    label: Label,
    body: StoragePosition,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> SampleRecord:
    """Put the sample at a freezer/rack/box/position (one sample per position). Audited."""
    outcome_views.authorise_sample_write(
        db, user=principal.user, label=label, client_address=address
    )
    return biobank.store_sample(
        db,
        actor=principal.username,
        label=label,
        freezer=body.freezer,
        rack=body.rack,
        box=body.box,
        position=body.position,
        stored_at=body.stored_at,
        reason=body.reason,
    )


@router.post("/shipments", status_code=201, summary="Ship samples", tags=["outcomes"])
def ship_samples(
    body: NewShipment, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> ShipmentRecord:
    """Ship samples under a shipment code; every sample must be one the user may write."""
    for label in body.labels:
        outcome_views.authorise_sample_write(
            db, user=principal.user, label=label, client_address=address
        )
    return shipments.ship_samples(
        db,
        actor=principal.username,
        labels=body.labels,
        code=body.code,
        to_location=body.to_location,
        from_location=body.from_location,
        shipped_at=body.shipped_at,
        courier=body.courier,
        condition=body.condition,
    )


@router.post("/shipments/{code}/receipt", summary="Receive a shipment", tags=["outcomes"])
def receive_shipment(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")],
    body: Receipt,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ShipmentRecord:
    """Record the shipment's arrival, its condition and any missing samples (the service
    checks the receiver's role at the samples' sites). Audited."""
    return shipments.receive_shipment(
        db,
        actor=principal.username,
        code=code,
        received_at=body.received_at,
        condition=body.condition,
        missing=body.missing,
        note=body.note,
        client_address=address,
    )


# -- a site's biobank -------------------------------------------------------------------------


@router.get("/sites/{code}/samples", summary="List a site's samples", tags=["biobank"])
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


@router.get("/sites/{code}/shipments", summary="List a site's shipments", tags=["biobank"])
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

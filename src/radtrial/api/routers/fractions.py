"""``/participants/{study_id}/course/fractions`` and ``.../compensation``: the fractions of a
participant's radiotherapy course as they are given, missed or cancelled, and the
gap-compensation option accepted for missed ones.

Delivery checks the doses against the prescription and answers the deviations found; a miss
reschedules the plan by the protocol's policy and answers the gap-compensation options. The
course services check who may act and audit every write (see :mod:`radtrial.api.routers.course`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.routers.course import (
    PREFIX,
    DeviationOut,
    FractionOut,
    GapsOut,
    MissedOut,
    OptionOut,
    Reason,
    ReasonIn,
    StudyId,
    deviation_out,
    fraction_out,
    gaps_out,
    missed_out,
    option_out,
)
from radtrial.api.schemas import NONBLANK_PATTERN, Body
from radtrial.services.course import (
    accept_compensation,
    cancel_fractions,
    deliver_fraction,
    miss_fraction,
)
from radtrial.services.course_access import course_write

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, tags=["course"])

FractionNumber = Annotated[int, Path(ge=1, le=1000, description="Fraction number, from 1")]
DosePerFraction = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
#: Dose level -> dose; the service refuses a level the prescription does not have.
DoseMap = Annotated[dict[str, DosePerFraction], Field(max_length=20)]

# -- bodies -----------------------------------------------------------------------------------


class NewDelivery(Body):
    doses: DoseMap = Field(
        description="Dose per dose level, in the prescription's quantity (Gy, or Gy(RBE))"
    )
    physical_doses: DoseMap | None = Field(
        default=None, description="Protons: the physical dose per level (default: dose / RBE)"
    )
    delivered_at: datetime | None = Field(
        default=None,
        description="When it was given; with a UTC offset, or without one as the site's local "
        "time (a local time that does not exist or happens twice at a DST change is refused); "
        "default now",
    )
    machine: Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)] | None = (
        Field(default=None, description="Treatment machine; default the previous fraction's")
    )


class CompensationIn(Body):
    option: int = Field(ge=1, le=20, description="The option's number (1-based) in the course")
    reason: Reason
    accept_breaks: bool = Field(
        default=False, description="Accept an option that breaks a protocol limit"
    )


# -- answers ----------------------------------------------------------------------------------


class MoveOut(BaseModel):
    number: int
    from_day: date
    to_day: date


class DeliveryOut(BaseModel):
    fraction: FractionOut
    new_deviations: list[DeviationOut]
    open_deviations: list[DeviationOut]


class MissOut(BaseModel):
    missed: MissedOut
    moves: list[MoveOut]
    new_deviations: list[DeviationOut]
    gaps: GapsOut | None


class CancelOut(BaseModel):
    cancelled: list[int]
    new_deviations: list[DeviationOut]


class CompensationOut(BaseModel):
    option: OptionOut
    moves: list[MoveOut]
    cancelled: list[int]
    planned_doses: dict[str, float]
    new_deviations: list[DeviationOut]


# -- routes -----------------------------------------------------------------------------------


@router.post(
    "/fractions/{number}/delivery", status_code=201, summary="Record a fraction as delivered"
)
def deliver(
    study_id: StudyId,
    number: FractionNumber,
    body: NewDelivery,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> DeliveryOut:
    """The doses given per dose level (checked against the prescription), when and on which
    machine; answers the deviations found. Audited."""
    result = course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: deliver_fraction(
            db,
            actor=principal.username,
            study_id=study_id,
            fraction=number,
            doses=body.doses,
            physical_doses=body.physical_doses,
            delivered_at=body.delivered_at,
            machine=body.machine,
        ),
    )
    return DeliveryOut(
        fraction=fraction_out(result.fraction),
        new_deviations=[deviation_out(d) for d in result.new_deviations],
        open_deviations=[deviation_out(d) for d in result.open_deviations],
    )


@router.post("/fractions/{number}/miss", status_code=201, summary="Record a missed fraction")
def miss(
    study_id: StudyId,
    number: FractionNumber,
    body: ReasonIn,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> MissOut:
    """The fraction was not given on its planned day (reason required); the plan is
    rescheduled by the protocol's policy and the gap-compensation options answered."""
    result = course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: miss_fraction(
            db, actor=principal.username, study_id=study_id, fraction=number, reason=body.reason
        ),
    )
    return MissOut(
        missed=missed_out(result.missed),
        moves=[
            MoveOut(number=m.number, from_day=m.from_day, to_day=m.to_day) for m in result.moves
        ],
        new_deviations=[deviation_out(d) for d in result.new_deviations],
        gaps=gaps_out(result.gaps),
    )


@router.post("/fractions/{number}/cancel", summary="Cancel a planned fraction")
def cancel(
    study_id: StudyId,
    number: FractionNumber,
    body: ReasonIn,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> CancelOut:
    """The planned fraction will not be given (reason required). Audited."""
    result = course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: cancel_fractions(
            db, actor=principal.username, study_id=study_id, reason=body.reason, fractions=[number]
        ),
    )
    return CancelOut(
        cancelled=list(result.cancelled),
        new_deviations=[deviation_out(d) for d in result.new_deviations],
    )


@router.post("/compensation", summary="Accept a gap-compensation option")
def compensate(
    study_id: StudyId,
    body: CompensationIn,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> CompensationOut:
    """Accept option ``option`` of the course's gap analysis for the missed fractions and
    change the plan to it; an option breaking a protocol limit needs ``accept_breaks``."""
    result = course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: accept_compensation(
            db,
            actor=principal.username,
            study_id=study_id,
            option=body.option,
            reason=body.reason,
            accept_breaks=body.accept_breaks,
        ),
    )
    return CompensationOut(
        option=option_out(body.option, result.option),
        moves=[
            MoveOut(number=m.number, from_day=m.from_day, to_day=m.to_day) for m in result.moves
        ],
        cancelled=list(result.cancelled),
        planned_doses=dict(result.planned_doses),
        new_deviations=[deviation_out(d) for d in result.new_deviations],
    )

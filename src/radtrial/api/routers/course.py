"""``/participants/{study_id}/course``: a participant's radiotherapy course.

The ledger (planned, delivered, missed and cancelled fractions with their dates and doses per
dose level, physical and RBE-weighted for protons), the dose to date with BED and EQD2 per α/β,
the fractions remaining, the overall time, the deviations and, while a missed fraction awaits a
decision, the gap-compensation options. Writes: plan the course, record a fraction delivered,
missed or cancelled, accept a compensation option, acknowledge a deviation.

The course services check who may act (the participant's or the treating site, by the
site-isolation policy) and audit every write; reads and refusals go to the access log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import NONBLANK_PATTERN, SITE_PATTERN, Body
from radtrial.api.schemas_enrolment import STUDY_ID_PATTERN
from radtrial.rt.gaps import CompensationOption, GapAnalysis
from radtrial.services.course import (
    CourseView,
    accept_compensation,
    acknowledge_deviation,
    cancel_fractions,
    deliver_fraction,
    miss_fraction,
    plan_participant_course,
)
from radtrial.services.course_access import (
    DeviationRecord,
    FractionRecord,
    MissedFractionRecord,
    course_write,
    read_course,
)

__all__ = ["course_out", "router"]

router = APIRouter(prefix="/participants/{study_id}/course", tags=["course"])

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PRS2-OUS-0001")]
FractionNumber = Annotated[int, Path(ge=1, le=1000, description="Fraction number, from 1")]
DeviationId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Deviation id")]
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)]
DosePerFraction = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
#: Dose level -> dose; the service refuses a level the prescription does not have.
DoseMap = Annotated[dict[str, DosePerFraction], Field(max_length=20)]

# -- bodies -----------------------------------------------------------------------------------


class NewCourse(Body):
    start_date: date = Field(description="The first treatment day")
    site: Annotated[str, Field(pattern=SITE_PATTERN)] | None = Field(
        default=None, description="Treating site; default the participant's"
    )
    reason: Reason | None = Field(
        default=None, description="Required when a course already planned is planned again"
    )


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


class ReasonIn(Body):
    reason: Reason


class CompensationIn(Body):
    option: int = Field(ge=1, le=20, description="The option's number (1-based) in the course")
    reason: Reason
    accept_breaks: bool = Field(
        default=False, description="Accept an option that breaks a protocol limit"
    )


# -- answers ----------------------------------------------------------------------------------


class DoseOut(BaseModel):
    dose_level: str
    planned_dose_gy: float
    dose_gy: float | None
    physical_dose_gy: float | None
    rbe_model: str | None


class FractionOut(BaseModel):
    number: int
    status: str = Field(description="planned, delivered or cancelled")
    planned_date: date
    delivered_at: datetime | None
    site: str | None
    machine: str | None
    optional_fraction: str | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str
    doses: list[DoseOut]


class MissedOut(BaseModel):
    number: int
    planned_date: date
    reason: str
    rescheduled_to: date | None
    recorded_at: datetime
    recorded_by: str
    compensation: str | None
    compensated_at: datetime | None
    compensated_by: str | None


class TissueOut(BaseModel):
    tissue: str
    alpha_beta_gy: float
    bed_gy: float
    eqd2_gy: float


class LevelOut(BaseModel):
    dose_level: str
    unit: str
    fractions_delivered: int
    dose_gy: float = Field(description="Cumulative dose to date (RBE-weighted for protons)")
    physical_dose_gy: float
    prescribed_dose_gy: float
    tissues: list[TissueOut] = Field(description="BED and EQD2 to date per α/β")


class ProjectedOut(BaseModel):
    dose_level: str
    tissue: str
    alpha_beta_gy: float
    total_dose_gy: float
    bed_gy: float
    eqd2_gy: float


class DeviationOut(BaseModel):
    id: int
    code: str
    severity: str = Field(description="minor or major")
    status: str = Field(description="open, acknowledged or resolved")
    message: str
    fraction: int | None
    dose_level: str | None
    protocol_hash: str
    detected_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class OptionLevelOut(BaseModel):
    dose_level: str
    dose_per_fraction_gy: float
    total_dose_gy: float
    tumour_bed_gy: float
    tumour_eqd2_gy: float
    late_bed_gy: float
    late_eqd2_gy: float


class OptionOut(BaseModel):
    option: int
    kind: str
    description: str
    fraction_days: list[date]
    overall_time_days: int
    within_protocol: bool
    breaks: list[str]
    levels: list[OptionLevelOut]


class GapsOut(BaseModel):
    missed_days: list[date]
    remaining_days: list[date]
    planned_overall_time_days: int
    options: list[OptionOut]
    notes: list[str]


class CourseOut(BaseModel):
    study_id: str
    trial: str
    arm: str
    protocol_version: str
    protocol_hash: str
    site: str
    timezone: str
    start_date: date
    modality: str
    dose_unit: str
    rbe_model: str | None
    as_of: date
    prescribed_fractions: int
    delivered_fractions: int
    missed_fractions: int
    cancelled_fractions: int
    fractions_remaining: int
    overall_time_days: int
    projected_overall_time_days: int
    max_overall_time_days: int | None
    fractions: list[FractionOut]
    missed: list[MissedOut]
    levels: list[LevelOut]
    projected: list[ProjectedOut]
    deviations: list[DeviationOut]
    gaps: GapsOut | None = Field(description="Gap-compensation options while a miss is open")


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


# -- conversions ------------------------------------------------------------------------------


def fraction_out(f: FractionRecord) -> FractionOut:
    return FractionOut(
        number=f.number,
        status=f.status,
        planned_date=f.planned_date,
        delivered_at=f.delivered_at,
        site=f.site_code,
        machine=f.machine,
        optional_fraction=f.optional_fraction,
        reason=f.reason,
        recorded_at=f.recorded_at,
        recorded_by=f.recorded_by,
        doses=[
            DoseOut(
                dose_level=d.dose_level,
                planned_dose_gy=d.planned_dose_gy,
                dose_gy=d.dose_gy,
                physical_dose_gy=d.physical_dose_gy,
                rbe_model=d.rbe_model,
            )
            for d in f.doses
        ],
    )


def missed_out(m: MissedFractionRecord) -> MissedOut:
    return MissedOut(
        number=m.number,
        planned_date=m.planned_date,
        reason=m.reason,
        rescheduled_to=m.rescheduled_to,
        recorded_at=m.recorded_at,
        recorded_by=m.recorded_by,
        compensation=m.compensation,
        compensated_at=m.compensated_at,
        compensated_by=m.compensated_by,
    )


def deviation_out(d: DeviationRecord) -> DeviationOut:
    return DeviationOut(
        id=d.id,
        code=d.code,
        severity=d.severity,
        status=d.status,
        message=d.message,
        fraction=d.fraction,
        dose_level=d.dose_level,
        protocol_hash=d.protocol_hash,
        detected_at=d.detected_at,
        acknowledged_by=d.acknowledged_by,
        acknowledged_at=d.acknowledged_at,
        resolved_at=d.resolved_at,
    )


def option_out(number: int, o: CompensationOption) -> OptionOut:
    return OptionOut(
        option=number,
        kind=o.kind,
        description=o.description,
        fraction_days=list(o.fraction_days),
        overall_time_days=o.overall_time_days,
        within_protocol=o.within_protocol,
        breaks=list(o.breaks),
        levels=[
            OptionLevelOut(
                dose_level=level.dose_level,
                dose_per_fraction_gy=level.dose_per_fraction_gy,
                total_dose_gy=level.total_dose_gy,
                tumour_bed_gy=level.tumour.bed_gy,
                tumour_eqd2_gy=level.tumour.eqd2_gy,
                late_bed_gy=level.late.bed_gy,
                late_eqd2_gy=level.late.eqd2_gy,
            )
            for level in o.levels
        ],
    )


def gaps_out(gaps: GapAnalysis | None) -> GapsOut | None:
    if gaps is None:
        return None
    return GapsOut(
        missed_days=list(gaps.missed_days),
        remaining_days=list(gaps.remaining_days),
        planned_overall_time_days=gaps.planned_overall_time_days,
        notes=list(gaps.notes),
        options=[option_out(n, o) for n, o in enumerate(gaps.options, start=1)],
    )


def course_out(view: CourseView) -> CourseOut:
    """A course view as the API shows it."""
    return CourseOut(
        study_id=view.study_id,
        trial=view.trial_slug,
        arm=view.arm_code,
        protocol_version=view.protocol_version,
        protocol_hash=view.protocol_hash,
        site=view.site_code,
        timezone=view.timezone,
        start_date=view.start_date,
        modality=view.modality,
        dose_unit=view.dose_unit,
        rbe_model=view.rbe_model,
        as_of=view.as_of,
        prescribed_fractions=view.prescribed_fractions,
        delivered_fractions=view.delivered_fractions,
        missed_fractions=len(view.missed),
        cancelled_fractions=view.cancelled_fractions,
        fractions_remaining=view.fractions_remaining,
        overall_time_days=view.overall_time_days,
        projected_overall_time_days=view.projected_overall_time_days,
        max_overall_time_days=view.max_overall_time_days,
        fractions=[fraction_out(f) for f in view.fractions],
        missed=[missed_out(m) for m in view.missed],
        levels=[
            LevelOut(
                dose_level=s.dose_level,
                unit=s.unit,
                fractions_delivered=s.fractions_delivered,
                dose_gy=s.dose_gy,
                physical_dose_gy=s.physical_dose_gy,
                prescribed_dose_gy=s.prescribed_dose_gy,
                tissues=[
                    TissueOut(
                        tissue=t.tissue,
                        alpha_beta_gy=t.alpha_beta_gy,
                        bed_gy=t.bed_gy,
                        eqd2_gy=t.eqd2_gy,
                    )
                    for t in s.tissues
                ],
            )
            for s in view.levels
        ],
        projected=[
            ProjectedOut(
                dose_level=p.dose_level,
                tissue=p.tissue,
                alpha_beta_gy=p.alpha_beta_gy,
                total_dose_gy=p.total_dose_gy,
                bed_gy=p.bed_gy,
                eqd2_gy=p.eqd2_gy,
            )
            for p in view.projected
        ],
        deviations=[deviation_out(d) for d in view.deviations],
        gaps=gaps_out(view.gaps),
    )


# -- routes -----------------------------------------------------------------------------------


@router.get("", summary="Show a participant's RT course")
def show(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> CourseOut:
    """The ledger, dose to date with BED/EQD2 per α/β, deviations and gap-compensation
    options; 404 before the course is planned, 403 for another site's participant (logged)."""
    return course_out(
        read_course(db, user=principal.user, study_id=study_id, client_address=address)
    )


@router.post("", status_code=201, summary="Plan a participant's RT course")
def plan(
    study_id: StudyId,
    body: NewCourse,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> CourseOut:
    """Plan the arm's fractions from ``start_date`` on the treating site's open days; planning
    again (before anything is recorded) needs a reason. Audited."""
    course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: plan_participant_course(
            db,
            actor=principal.username,
            study_id=study_id,
            start=body.start_date,
            site_code=body.site,
            reason=body.reason,
        ),
    )
    response.headers["Location"] = f"/api/v1/participants/{study_id}/course"
    return course_out(
        read_course(db, user=principal.user, study_id=study_id, client_address=address)
    )


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


@router.post("/deviations/{deviation_id}/acknowledgement", summary="Acknowledge a course deviation")
def acknowledge(
    study_id: StudyId,
    deviation_id: DeviationId,
    body: ReasonIn,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> DeviationOut:
    """The investigator has seen the deviation (a note required); it stays open while it
    applies. Audited."""
    record = course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: acknowledge_deviation(
            db,
            actor=principal.username,
            study_id=study_id,
            deviation_id=deviation_id,
            reason=body.reason,
        ),
    )
    return deviation_out(record)

"""``/participants/{study_id}/course``: a participant's radiotherapy course.

The ledger (planned, delivered, missed and cancelled fractions with their dates and doses per
dose level, physical and RBE-weighted for protons), the dose to date with BED and EQD2 per α/β,
the fractions remaining, the overall time, the deviations and, while a missed fraction awaits a
decision, the gap-compensation options. Writes here: plan the course. Recording a fraction
delivered, missed or cancelled and accepting a compensation option are in
:mod:`radtrial.api.routers.fractions`, acknowledging a deviation in
:mod:`radtrial.api.routers.deviations`; both use the path parameters, bodies, answers and
conversions of this module.

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
from radtrial.services.course import CourseView, plan_participant_course
from radtrial.services.course_access import (
    DeviationRecord,
    FractionRecord,
    MissedFractionRecord,
    course_write,
    read_course,
)

__all__ = ["PREFIX", "course_out", "router"]

#: The path of a participant's course; the fraction and deviation routers live under it too.
PREFIX = "/participants/{study_id}/course"

router = APIRouter(prefix=PREFIX, tags=["course"])

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PRS2-OUS-0001")]
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)]

# -- bodies -----------------------------------------------------------------------------------


class NewCourse(Body):
    start_date: date = Field(description="The first treatment day")
    site: Annotated[str, Field(pattern=SITE_PATTERN)] | None = Field(
        default=None, description="Treating site; default the participant's"
    )
    reason: Reason | None = Field(
        default=None, description="Required when a course already planned is planned again"
    )


class ReasonIn(Body):
    reason: Reason


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

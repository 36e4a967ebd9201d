"""A participant's RECIST series: the baseline, follow-ups with their evaluated responses, and
the best overall response.

A follow-up answers the progression events it recorded: local progression is not posted
elsewhere, it follows from here. Recording is checked by the site-isolation policy, reading
through :mod:`radtrial.services.outcome_views` (refusals are logged, 403); the service validates
against the protocol's RECIST rules (422 naming the field) and writes in one audited unit of
work. Showing and correcting one baseline or follow-up are in
:mod:`radtrial.api.routers.recist_corrections`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import NONBLANK_PATTERN, Body
from radtrial.api.schemas_outcomes import StudyId, Text, VisitId
from radtrial.clinical.recist.lesions import Modality, NonTargetLesion, TargetLesion
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import (
    ClinicalEventRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.services.outcomes import tumour

__all__ = ["LesionSize", "NonTargetLesionIn", "TargetLesionIn", "router"]

router = APIRouter(tags=["outcomes"])

Millimetres = Annotated[float, Field(ge=0, le=10_000)]

# -- bodies -----------------------------------------------------------------------------------


class TargetLesionIn(Body):
    lesion_id: Annotated[str, Field(min_length=1, max_length=32, pattern=NONBLANK_PATTERN)]
    organ: Text
    baseline_mm: Millimetres
    nodal: bool = False
    modality: Literal["ct", "mri", "chest_xray", "calliper"] = "ct"
    slice_thickness_mm: Annotated[float, Field(gt=0, le=50)] | None = None
    irradiated_index: bool = False
    previously_irradiated: bool = False
    progressed_after_irradiation: bool = False


class NonTargetLesionIn(Body):
    lesion_id: Annotated[str, Field(min_length=1, max_length=32, pattern=NONBLANK_PATTERN)]
    organ: Text
    nodal: bool = False
    irradiated_index: bool = False


class NewBaseline(Body):
    assessed_on: date
    target_lesions: list[TargetLesionIn] = Field(max_length=20)
    non_target_lesions: list[NonTargetLesionIn] = Field(default_factory=list, max_length=50)
    visit: VisitId | None = None


class LesionSize(Body):
    lesion_id: Annotated[str, Field(min_length=1, max_length=32, pattern=NONBLANK_PATTERN)]
    size_mm: Millimetres | None = Field(description="null: not evaluable")


class NewFollowUp(Body):
    assessed_on: date
    sizes: list[LesionSize] = Field(max_length=20, description="Each target lesion's size")
    non_target: Literal["cr", "non_cr_non_pd", "pd", "not_evaluated"] | None = None
    new_lesions: bool = False
    visit: VisitId | None = None


# -- answers ----------------------------------------------------------------------------------


class FollowUpOut(BaseModel):
    follow_up: TumourFollowUpRecord
    events: list[ClinicalEventRecord]


class BestResponseOut(BaseModel):
    response: str
    assessed_on: date | None
    confirmed_on: date | None
    explanation: str


class TumourSeriesOut(BaseModel):
    study_id: str
    baseline: TumourBaselineRecord | None
    follow_ups: list[TumourFollowUpRecord]
    best: BestResponseOut | None
    treatment_start: date | None


# -- routes -----------------------------------------------------------------------------------


@router.post(
    "/participants/{study_id}/recist/baseline",
    status_code=201,
    summary="Record the RECIST baseline",
)
def add_baseline(
    study_id: StudyId,
    body: NewBaseline,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> TumourBaselineRecord:
    """Target lesions (up to 5, 2 per organ, measurable) and non-target lesions, validated
    against the protocol's RECIST rules. Once per participant. Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return tumour.record_baseline(
        db,
        actor=principal.username,
        study_id=study_id,
        assessed_on=body.assessed_on,
        targets=[
            TargetLesion(
                lesion_id=t.lesion_id,
                organ=t.organ,
                baseline_mm=t.baseline_mm,
                nodal=t.nodal,
                modality=Modality(t.modality),
                slice_thickness_mm=t.slice_thickness_mm,
                irradiated_index=t.irradiated_index,
                previously_irradiated=t.previously_irradiated,
                progressed_after_irradiation=t.progressed_after_irradiation,
            )
            for t in body.target_lesions
        ],
        non_targets=[
            NonTargetLesion(
                lesion_id=n.lesion_id,
                organ=n.organ,
                nodal=n.nodal,
                irradiated_index=n.irradiated_index,
            )
            for n in body.non_target_lesions
        ],
        visit_id=body.visit,
    )


@router.post(
    "/participants/{study_id}/recist/follow-ups",
    status_code=201,
    summary="Record a RECIST follow-up",
)
def add_follow_up(
    study_id: StudyId,
    body: NewFollowUp,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> FollowUpOut:
    """Target sizes, the non-target status and new lesions; answers the evaluated response and
    any progression events it recorded (local progression comes from here). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    done = tumour.record_follow_up(
        db,
        actor=principal.username,
        study_id=study_id,
        assessed_on=body.assessed_on,
        sizes={s.lesion_id: s.size_mm for s in body.sizes},
        non_target=body.non_target,
        new_lesions=body.new_lesions,
        visit_id=body.visit,
    )
    return FollowUpOut(follow_up=done.follow_up, events=list(done.events))


@router.get("/participants/{study_id}/recist", summary="Show the RECIST series")
def show_recist(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> TumourSeriesOut:
    """The baseline, every follow-up with its response, and the best overall response."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="tumour", client_address=address
    )
    series = tumour.tumour_series(db, actor=principal.username, study_id=study_id)
    best = series.best
    return TumourSeriesOut(
        study_id=series.study_id,
        baseline=series.baseline,
        follow_ups=list(series.follow_ups),
        best=None
        if best is None
        else BestResponseOut(
            response=str(best.response.value),
            assessed_on=best.assessed_on,
            confirmed_on=best.confirmed_on,
            explanation=best.explanation,
        ),
        treatment_start=series.treatment_start,
    )

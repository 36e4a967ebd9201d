"""Show and correct one RECIST baseline or follow-up (decision 0062).

Each is shown with its version as ETag and corrected by ``PATCH`` with a reason and
``If-Match`` (412 stale, 428 missing), re-evaluating the series: later nadirs and responses,
the RECIST progression events, and the signatures voided (audited). Showing is checked through
:mod:`radtrial.services.outcome_views` (refusals logged, 403), correcting by the site-isolation
policy.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.etag import IfMatch, expected_version, set_etag
from radtrial.api.routers.recist import LesionSize, NonTargetLesionIn, TargetLesionIn
from radtrial.api.schemas import NONBLANK_PATTERN, Body
from radtrial.api.schemas_outcomes import StudyId
from radtrial.clinical.recist.lesions import Modality, NonTargetLesion, TargetLesion
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import (
    ClinicalEventRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.services.outcomes import recist_corrections

__all__ = ["router"]

router = APIRouter(tags=["outcomes"])

RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]

# -- bodies -----------------------------------------------------------------------------------


class BaselineCorrection(Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)] = Field(
        description="Why the record is corrected (audited; voids its signatures)"
    )
    assessed_on: date | None = Field(default=None, description="The corrected date")
    target_lesions: list[TargetLesionIn] | None = Field(
        default=None, max_length=20, description="Every target lesion as corrected (replaces)"
    )
    non_target_lesions: list[NonTargetLesionIn] | None = Field(
        default=None, max_length=50, description="Every non-target lesion as corrected (replaces)"
    )


class FollowUpCorrection(Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)] = Field(
        description="Why the record is corrected (audited; voids its signatures)"
    )
    assessed_on: date | None = Field(default=None, description="The corrected date")
    sizes: list[LesionSize] | None = Field(
        default=None, max_length=20, description="Corrected sizes of the lesions listed only"
    )
    non_target: Literal["cr", "non_cr_non_pd", "pd", "not_evaluated"] | None = None
    new_lesions: bool | None = None


# -- answers ----------------------------------------------------------------------------------

RecistRecord = Literal["recist-baselines", "recist-follow-ups"]


class VoidedSignaturesOut(BaseModel):
    record: RecistRecord
    record_id: int
    count: int
    reason: str


class EventChangeOut(BaseModel):
    kind: str
    change: Literal["recorded", "moved", "removed"]
    from_on: date | None
    to_on: date | None


class RecistCorrectionOut(BaseModel):
    record: RecistRecord = Field(description="The corrected record; the ETag is its new version")
    record_id: int
    baseline: TumourBaselineRecord
    follow_ups: list[TumourFollowUpRecord] = Field(description="Every follow-up, re-evaluated")
    re_evaluated_follow_ups: list[int] = Field(
        description="Other follow-ups whose stored evaluation the correction changed"
    )
    progression_events: list[ClinicalEventRecord]
    event_changes: list[EventChangeOut]
    voided_signatures: list[VoidedSignaturesOut]


# -- routes -----------------------------------------------------------------------------------

_RECORDS: dict[str, RecistRecord] = {
    recist_corrections.BASELINES: "recist-baselines",
    recist_corrections.FOLLOW_UPS: "recist-follow-ups",
}


def _correction_out(done: recist_corrections.RecistCorrection) -> RecistCorrectionOut:
    return RecistCorrectionOut(
        record=_RECORDS[done.entity],
        record_id=done.entity_id,
        baseline=done.baseline,
        follow_ups=list(done.follow_ups),
        re_evaluated_follow_ups=list(done.re_evaluated),
        progression_events=list(done.events),
        event_changes=[
            EventChangeOut(kind=c.kind, change=c.change, from_on=c.from_on, to_on=c.to_on)
            for c in done.event_changes
        ],
        voided_signatures=[
            VoidedSignaturesOut(
                record=_RECORDS[v.entity],
                record_id=v.entity_id,
                count=v.count,
                reason=v.reason,
            )
            for v in done.voided
        ],
    )


@router.get(
    "/participants/{study_id}/recist-baselines/{baseline_id}", summary="Show the RECIST baseline"
)
def show_recist_baseline(
    study_id: StudyId,
    baseline_id: RecordId,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> TumourBaselineRecord:
    """The baseline with its lesions; the ETag is the version a correction names in If-Match."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="tumour", client_address=address
    )
    found = recist_corrections.recist_baseline(
        db, actor=principal.username, study_id=study_id, baseline_id=baseline_id
    )
    set_etag(response, found.version)
    return found.record


@router.patch(
    "/participants/{study_id}/recist-baselines/{baseline_id}",
    summary="Correct the RECIST baseline",
)
def correct_recist_baseline(
    study_id: StudyId,
    baseline_id: RecordId,
    body: BaselineCorrection,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> RecistCorrectionOut:
    """Correct the date or the lesions (a list given replaces the stored one) with a reason;
    ``If-Match`` must name the current version (412 stale, 428 missing). Every follow-up is
    re-evaluated and the RECIST progression events follow; a change of which lesions are targets
    once follow-ups are recorded is 409. Signatures of the baseline, and of follow-ups whose
    evaluation changes, are voided (audited). The ETag is the baseline's new version."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    done = recist_corrections.correct_recist_baseline(
        db,
        actor=principal.username,
        study_id=study_id,
        baseline_id=baseline_id,
        reason=body.reason,
        expected_version=expected_version(if_match),
        assessed_on=body.assessed_on,
        targets=None
        if body.target_lesions is None
        else [
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
        non_targets=None
        if body.non_target_lesions is None
        else [
            NonTargetLesion(
                lesion_id=n.lesion_id,
                organ=n.organ,
                nodal=n.nodal,
                irradiated_index=n.irradiated_index,
            )
            for n in body.non_target_lesions
        ],
    )
    set_etag(response, done.version)
    return _correction_out(done)


@router.get(
    "/participants/{study_id}/recist-follow-ups/{follow_up_id}",
    summary="Show a RECIST follow-up",
)
def show_recist_follow_up(
    study_id: StudyId,
    follow_up_id: RecordId,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> TumourFollowUpRecord:
    """The follow-up with its evaluation; the ETag is the version a correction names."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="tumour", client_address=address
    )
    found = recist_corrections.recist_follow_up(
        db, actor=principal.username, study_id=study_id, follow_up_id=follow_up_id
    )
    set_etag(response, found.version)
    return found.record


@router.patch(
    "/participants/{study_id}/recist-follow-ups/{follow_up_id}",
    summary="Correct a RECIST follow-up",
)
def correct_recist_follow_up(
    study_id: StudyId,
    follow_up_id: RecordId,
    body: FollowUpCorrection,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> RecistCorrectionOut:
    """Correct the date, target sizes (those listed), non-target status or new lesions with a
    reason; ``If-Match`` must name the current version (412 stale, 428 missing). The series is
    re-evaluated (later nadirs and responses, the RECIST progression events); signatures of
    every follow-up whose content changes are voided (audited). The ETag is the follow-up's new
    version."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    done = recist_corrections.correct_recist_follow_up(
        db,
        actor=principal.username,
        study_id=study_id,
        follow_up_id=follow_up_id,
        reason=body.reason,
        expected_version=expected_version(if_match),
        assessed_on=body.assessed_on,
        sizes=None if body.sizes is None else {s.lesion_id: s.size_mm for s in body.sizes},
        non_target=body.non_target,
        new_lesions=body.new_lesions,
    )
    set_etag(response, done.version)
    return _correction_out(done)

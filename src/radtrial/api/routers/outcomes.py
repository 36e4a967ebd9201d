"""Outcomes of a registered participant: CTCAE adverse events (with SAE report deadlines),
ECOG, RECIST baselines and follow-ups with their responses, death and off-study events, PRO
entry by staff, biobank samples (collect, store, ship, receive), a site's visits due and open
adverse events, and a trial's endpoint data and analysis.

Every route is checked by the site-isolation policy first (:mod:`radtrial.services.policy`,
through :mod:`radtrial.services.outcome_views`; refusals are logged, 403) and then by the
outcome service, which validates the entry (422 naming the field in ``location``) and writes it
in one audited unit of work. Local progression is not posted here: it follows from a RECIST
follow-up. A RECIST baseline or follow-up is shown with its version as ETag and corrected by
``PATCH`` with a reason and ``If-Match`` (decision 0062), re-evaluating the series. The analysis
(``/trials/{slug}/analysis``) shows results by arm, so it is answered only to the unblinded
statistician and the sponsor administrator; a data manager or monitor is refused (403) although
they may review the data itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.etag import IfMatch, expected_version, set_etag
from radtrial.api.schemas import NONBLANK_PATTERN, SITE_PATTERN, SLUG_PATTERN, Body
from radtrial.api.schemas_enrolment import STUDY_ID_PATTERN
from radtrial.clinical.recist.lesions import Modality, NonTargetLesion, TargetLesion
from radtrial.errors import InvalidInput, NotFound
from radtrial.services import outcome_views, participants
from radtrial.services.outcome_views import (
    AdverseEventRecord,
    ClinicalEventRecord,
    EcogRecord,
    SampleRecord,
    ShipmentRecord,
    SymptomRatingRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.services.outcomes import (
    adverse_events,
    biobank,
    ecog,
    endpoints,
    events,
    pro,
    recist_corrections,
    tumour,
    visits,
)

router = APIRouter(tags=["outcomes"])

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PALL-OUS-0001")]
Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="Trial slug, e.g. pallsoft")]
SiteCode = Annotated[str, Path(pattern=SITE_PATTERN, description="Site code, e.g. OUS")]
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Label = Annotated[str, Path(pattern=LABEL_PATTERN, description="Sample label")]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NONBLANK_PATTERN)]
Note = Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)]
VisitId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Millimetres = Annotated[float, Field(ge=0, le=10_000)]

# -- bodies -----------------------------------------------------------------------------------


class NewAdverseEvent(Body):
    term: Text = Field(description="CTCAE term, e.g. Diarrhea")
    grade: int = Field(ge=1, le=5, description="CTCAE grade 1-5")
    onset_on: date
    attribution: Literal["unrelated", "unlikely", "possible", "probable", "definite"]
    resolved_on: date | None = None
    seriousness: list[
        Literal[
            "death",
            "life_threatening",
            "hospitalisation",
            "disability",
            "congenital_anomaly",
            "important_medical_event",
        ]
    ] = Field(default_factory=list, max_length=6, description="ICH E2A seriousness criteria")
    expected: bool | None = None
    specify: Text | None = Field(default=None, description="For an 'Other, specify' term")
    ctcae_version: Annotated[str, Field(pattern=r"^v?[0-9]{1,2}(\.[0-9]{1,2})?$")] | None = Field(
        default=None, description="Default: the protocol's"
    )
    visit: VisitId | None = None
    outcome: (
        Literal[
            "recovered",
            "recovering",
            "not_recovered",
            "recovered_with_sequelae",
            "fatal",
            "unknown",
        ]
        | None
    ) = None
    investigator_aware_at: datetime | None = Field(
        default=None, description="When the investigator learnt of it (default: now)"
    )


class NewEcog(Body):
    status: int = Field(ge=0, le=5)
    assessed_on: date | None = Field(default=None, description="Default: today")
    visit: VisitId | None = None


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


class NewEvent(Body):
    kind: Literal["death", "off_study"]
    event_on: date
    cause: Literal["disease_under_study", "treatment_toxicity", "other", "unknown"] | None = Field(
        default=None, description="Cause of death (death only)"
    )
    reason: (
        Literal[
            "completed_follow_up",
            "withdrawal",
            "lost_to_follow_up",
            "death",
            "investigator_decision",
            "other",
        ]
        | None
    ) = Field(default=None, description="Off-study reason (off_study only)")
    note: Note | None = None


class NewSymptomRating(Body):
    visit: VisitId
    answered_at: datetime | None = Field(default=None, description="Default: now")
    nrs: int | None = Field(default=None, ge=0, le=10)
    global_impression: Text | None = None
    analgesic_increased: bool | None = None
    symptom: Text | None = None


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


class FollowUpOut(BaseModel):
    follow_up: TumourFollowUpRecord
    events: list[ClinicalEventRecord]


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


class SiteAdverseEventOut(BaseModel):
    trial: str
    event: AdverseEventRecord
    report_due_at: datetime | None
    overdue: bool


class WindowOut(BaseModel):
    opens_on: date
    target_on: date
    closes_on: date


class DueVisitOut(BaseModel):
    trial: str
    study_id: str
    visit: str
    label: str
    window: WindowOut
    status: str = Field(description="due or overdue (or upcoming with look_ahead_days)")
    assessments: list[str]
    samples: list[str]
    anchor_planned: bool


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


# -- adverse events ---------------------------------------------------------------------------


@router.post(
    "/participants/{study_id}/adverse-events",
    status_code=201,
    summary="Record an adverse event",
)
def add_adverse_event(
    study_id: StudyId,
    body: NewAdverseEvent,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> AdverseEventRecord:
    """A CTCAE-graded adverse event; a serious one is flagged for expedited reporting with its
    due time (``report_due_at``, counted from ``investigator_aware_at``). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return adverse_events.record_adverse_event(
        db,
        actor=principal.username,
        study_id=study_id,
        term=body.term,
        grade=body.grade,
        onset_on=body.onset_on,
        attribution=body.attribution,
        resolved_on=body.resolved_on,
        seriousness=body.seriousness,
        expected=body.expected,
        specify=body.specify,
        ctcae_version=body.ctcae_version,
        visit_id=body.visit,
        outcome=body.outcome,
        investigator_aware_at=body.investigator_aware_at,
    )


@router.get("/participants/{study_id}/adverse-events", summary="List adverse events")
def list_adverse_events(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[AdverseEventRecord]:
    """The participant's adverse events by onset (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="adverse_events", client_address=address
    )
    return adverse_events.adverse_events_of(db, actor=principal.username, study_id=study_id)


@router.get("/sites/{code}/adverse-events", summary="Open adverse events and SAE deadlines")
def site_adverse_events(
    code: SiteCode,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    trial: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
) -> list[SiteAdverseEventOut]:
    """The site's open adverse events (not recovered), serious ones first by their report
    deadline; ``overdue`` when the deadline has passed. 403 for a site the user may not see."""
    found = outcome_views.site_open_adverse_events(
        db, user=principal.user, site_code=code, trial_slug=trial, client_address=address
    )
    return [
        SiteAdverseEventOut(
            trial=a.trial_slug, event=a.event, report_due_at=a.report_due_at, overdue=a.overdue
        )
        for a in found
    ]


# -- ECOG -------------------------------------------------------------------------------------


@router.post("/participants/{study_id}/ecog", status_code=201, summary="Record ECOG status")
def add_ecog(
    study_id: StudyId,
    body: NewEcog,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> EcogRecord:
    """The ECOG performance status (0-5) on a day (default today); one per day. Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return ecog.record_ecog(
        db,
        actor=principal.username,
        study_id=study_id,
        status=body.status,
        assessed_on=body.assessed_on,
        visit_id=body.visit,
    )


@router.get("/participants/{study_id}/ecog", summary="List ECOG statuses")
def list_ecog(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[EcogRecord]:
    """The participant's ECOG statuses by day (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="ecog", client_address=address
    )
    return ecog.ecog_history(db, actor=principal.username, study_id=study_id)


# -- RECIST -----------------------------------------------------------------------------------


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


# -- events -----------------------------------------------------------------------------------


@router.post("/participants/{study_id}/events", status_code=201, summary="Record death/off study")
def add_event(
    study_id: StudyId,
    body: NewEvent,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> ClinicalEventRecord:
    """Death (with its cause) or going off study (with the reason); each once. Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    if body.kind == "death":
        if body.cause is None:
            raise InvalidInput("give the cause of death", location="body.cause")
        return events.record_death(
            db,
            actor=principal.username,
            study_id=study_id,
            died_on=body.event_on,
            cause=body.cause,
            note=body.note,
        )
    if body.reason is None:
        raise InvalidInput("give the off-study reason", location="body.reason")
    return events.record_off_study(
        db,
        actor=principal.username,
        study_id=study_id,
        off_on=body.event_on,
        reason=body.reason,
        note=body.note,
    )


@router.get("/participants/{study_id}/events", summary="List clinical events")
def list_events(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[ClinicalEventRecord]:
    """Progression, death and off-study events by day (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="events", client_address=address
    )
    return events.events_of(db, actor=principal.username, study_id=study_id)


# -- PRO entered by staff ---------------------------------------------------------------------


@router.post(
    "/participants/{study_id}/symptom-ratings",
    status_code=201,
    summary="Enter a target-symptom rating",
)
def add_symptom_rating(
    study_id: StudyId,
    body: NewSymptomRating,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> SymptomRatingRecord:
    """The target symptom's NRS and/or global impression at a visit, entered by staff from
    the participant's answer (e.g. by telephone). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return pro.record_symptom(
        db,
        actor=principal.username,
        study_id=study_id,
        visit_id=body.visit,
        answered_at=body.answered_at,
        nrs=body.nrs,
        global_impression=body.global_impression,
        analgesic_increased=body.analgesic_increased,
        symptom=body.symptom,
    )


# -- biobank ----------------------------------------------------------------------------------


@router.post("/participants/{study_id}/samples", status_code=201, summary="Collect a sample")
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


@router.get("/participants/{study_id}/samples", summary="List samples")
def list_samples(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[SampleRecord]:
    """The participant's samples with status and storage position (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="samples", client_address=address
    )
    return biobank.participant_samples(db, actor=principal.username, study_id=study_id)


@router.post("/samples/{label}/storage", summary="Store a sample")
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


@router.post("/shipments", status_code=201, summary="Ship samples")
def ship_samples(
    body: NewShipment, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> ShipmentRecord:
    """Ship samples under a shipment code; every sample must be one the user may write."""
    for label in body.labels:
        outcome_views.authorise_sample_write(
            db, user=principal.user, label=label, client_address=address
        )
    return biobank.ship_samples(
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


@router.post("/shipments/{code}/receipt", summary="Receive a shipment")
def receive_shipment(
    code: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")],
    body: Receipt,
    principal: ApiPrincipal,
    db: DatabaseDep,
) -> ShipmentRecord:
    """Record the shipment's arrival, its condition and any missing samples (the service
    checks the receiver's role at the samples' sites). Audited."""
    return biobank.receive_shipment(
        db,
        actor=principal.username,
        code=code,
        received_at=body.received_at,
        condition=body.condition,
        missing=body.missing,
        note=body.note,
    )


# -- site visits, endpoints, analysis ---------------------------------------------------------


@router.get("/sites/{code}/visits-due", summary="Visits due or overdue at a site")
def site_visits_due(
    code: SiteCode,
    principal: ApiPrincipal,
    db: DatabaseDep,
    trial: Annotated[str | None, Query(pattern=SLUG_PATTERN)] = None,
    look_ahead_days: Annotated[int, Query(ge=0, le=366)] = 0,
) -> list[DueVisitOut]:
    """The site's due and overdue visits, most urgent first; 403 for a site the user may not
    see participants at."""
    found = visits.site_visits_due(
        db,
        actor=principal.username,
        site_code=code,
        trial_slug=trial,
        look_ahead_days=look_ahead_days,
    )
    return [
        DueVisitOut(
            trial=d.trial_slug,
            study_id=d.due.study_id,
            visit=d.due.visit_id,
            label=d.due.label,
            window=WindowOut(
                opens_on=d.due.window.opens_on,
                target_on=d.due.window.target_on,
                closes_on=d.due.window.closes_on,
            ),
            status=str(d.due.status),
            assessments=list(d.due.assessments),
            samples=list(d.due.samples),
            anchor_planned=d.due.anchor_planned,
        )
        for d in found
    ]


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

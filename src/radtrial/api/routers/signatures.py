"""Electronic signatures of form records, and corrections of adverse events that void them
(issue 8 §4; RELIABILITY.md row 12).

``POST /participants/{study_id}/{record}/{record_id}/signatures`` signs an adverse event or a
RECIST assessment: only an investigator at the participant's site, only after re-entering their
password in the body (a wrong one is 401, and guesses count against the sign-in limits: 429 with
Retry-After beyond them). ``GET`` lists the record's signatures with signer, name, UTC time,
meaning and their verification (``valid``, ``voided``, ``invalid`` when the record's content no
longer matches the signed hash). ``GET /participants/{study_id}/adverse-events/{event_id}``
answers the event with its version as ETag; ``PATCH`` corrects it with a reason and
``If-Match`` (412 stale, 428 missing), voiding any signature (audited).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep, PolicyDep
from radtrial.api.etag import IfMatch, expected_version, set_etag
from radtrial.api.schemas import NONBLANK_PATTERN, Body
from radtrial.api.schemas_enrolment import STUDY_ID_PATTERN
from radtrial.services import outcome_views, participants, signatures
from radtrial.services.outcome_views import AdverseEventRecord, SignatureView
from radtrial.services.outcomes import corrections

router = APIRouter(tags=["signatures"])

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PALL-OUS-0001")]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RecordKind = Literal["adverse-events", "recist-baselines", "recist-follow-ups"]
_ENTITIES = {
    "adverse-events": "adverse_events",
    "recist-baselines": "tumour_baselines",
    "recist-follow-ups": "tumour_follow_ups",
}


class NewSignature(Body):
    password: Annotated[str, Field(min_length=1, max_length=1024)] = Field(
        description="The signer's own password, re-entered"
    )
    meaning: Annotated[str, Field(min_length=1, max_length=200, pattern=NONBLANK_PATTERN)] = (
        signatures.DEFAULT_MEANING
    )


class SignatureOut(BaseModel):
    id: int
    record: str
    record_id: int
    signer: str
    signer_name: str
    meaning: str
    signed_at: datetime
    content_sha256: str
    status: Literal["valid", "voided", "invalid"]
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None


class AdverseEventCorrection(Body):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)]
    grade: int | None = Field(default=None, ge=1, le=5)
    attribution: Literal["unrelated", "unlikely", "possible", "probable", "definite"] | None = None
    resolved_on: date | None = None
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


def signature_out(view: SignatureView, kind: str) -> SignatureOut:
    s = view.signature
    return SignatureOut(
        id=s.id,
        record=kind,
        record_id=s.entity_id,
        signer=s.signer,
        signer_name=s.signer_name,
        meaning=s.meaning,
        signed_at=s.signed_at,
        content_sha256=s.content_sha256,
        status=view.status,
        voided_at=s.voided_at,
        voided_by=s.voided_by,
        void_reason=s.void_reason,
    )


@router.post(
    "/participants/{study_id}/{record}/{record_id}/signatures",
    status_code=201,
    summary="Sign a record",
)
def sign(
    study_id: StudyId,
    record: RecordKind,
    record_id: RecordId,
    body: NewSignature,
    principal: ApiPrincipal,
    db: DatabaseDep,
    policy: PolicyDep,
    address: ClientAddress,
) -> SignatureOut:
    """An investigator at the participant's site signs the record by re-entering the password
    (401 when wrong; 429 beyond the sign-in limits). Audited."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    view = signatures.sign_record(
        db,
        policy,
        actor=principal.username,
        study_id=study_id,
        entity=_ENTITIES[record],
        entity_id=record_id,
        password=body.password,
        meaning=body.meaning,
        client_address=address,
    )
    return signature_out(view, record)


@router.get("/participants/{study_id}/{record}/{record_id}/signatures", summary="List signatures")
def list_signatures(
    study_id: StudyId,
    record: RecordKind,
    record_id: RecordId,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> list[SignatureOut]:
    """The record's signatures with their verification (the read is logged)."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="signatures", client_address=address
    )
    views = signatures.signatures_of(
        db,
        actor=principal.username,
        study_id=study_id,
        entity=_ENTITIES[record],
        entity_id=record_id,
    )
    return [signature_out(v, record) for v in views]


@router.get("/participants/{study_id}/adverse-events/{event_id}", summary="Show an adverse event")
def show_adverse_event(
    study_id: StudyId,
    event_id: RecordId,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> AdverseEventRecord:
    """The adverse event; the ETag is the version a correction names in If-Match."""
    outcome_views.authorise_outcome_read(
        db, user=principal.user, study_id=study_id, entity="adverse_events", client_address=address
    )
    version = corrections.adverse_event_version(
        db, actor=principal.username, study_id=study_id, event_id=event_id
    )
    event = outcome_views.adverse_event(
        db, user=principal.user, study_id=study_id, event_id=event_id
    )
    set_etag(response, version)
    return event


@router.patch("/participants/{study_id}/adverse-events/{event_id}", summary="Correct an AE")
def correct_adverse_event(
    study_id: StudyId,
    event_id: RecordId,
    body: AdverseEventCorrection,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> AdverseEventRecord:
    """Correct the grade, attribution, resolution date or outcome with a reason (audited);
    ``If-Match`` must name the current version (412 stale, 428 missing). Any signature of the
    event is voided, and the void is in the audit trail."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    fields = body.model_fields_set
    corrected = corrections.correct_adverse_event(
        db,
        actor=principal.username,
        study_id=study_id,
        event_id=event_id,
        reason=body.reason,
        expected_version=expected_version(if_match),
        grade=body.grade,
        attribution=body.attribution,
        outcome=body.outcome,
        **({"resolved_on": body.resolved_on} if "resolved_on" in fields else {}),
    )
    set_etag(
        response,
        corrections.adverse_event_version(
            db, actor=principal.username, study_id=study_id, event_id=event_id
        ),
    )
    return corrected

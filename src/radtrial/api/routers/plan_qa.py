"""``/participants/{study_id}/plan-qa``: check a participant's RT plan (RT Plan, RT Structure
Set and RT Dose DICOM files, uploaded as multipart) against the protocol's dose constraints, and
read the stored evaluations back: the verdict per constraint and the HTML report.

The plan-QA service checks who may act (a physicist or an investigator at the participant's or
treating site) and stores the evaluation, its rows and the report in one audited unit of work;
reads and refusals go to the access log. Each file may be at most :data:`MAX_FILE_BYTES`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as Upload

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas_enrolment import STUDY_ID_PATTERN
from radtrial.errors import InvalidInput, NotFound
from radtrial.services.auth import Principal
from radtrial.services.course_access import PlanQaEvaluationRecord, course_write, logged_read
from radtrial.services.plan_qa import (
    PlanFiles,
    check_participant_plan,
    plan_qa_evaluation,
    plan_qa_evaluations,
    plan_qa_report,
)
from radtrial.services.policy import Database

__all__ = [
    "MAX_FILE_BYTES",
    "PLAN_FILES",
    "evaluation_of",
    "evaluation_out",
    "router",
    "saved_plan_files",
]

router = APIRouter(prefix="/participants/{study_id}/plan-qa", tags=["plan QA"])

#: The largest file accepted (an RT Dose of a fine grid is tens of megabytes).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The form fields of the three files.
PLAN_FILES = ("rtplan", "rtstruct", "rtdose")
ENTITY = "plan_qa_evaluations"

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PRS2-OUS-0001")]
EvaluationId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Evaluation id")]


class ConstraintOut(BaseModel):
    constraint: str
    structure: str
    local_name: str | None
    metric: str
    comparison: str
    limit: float | None
    minor_limit: float | None
    unit: str
    value: float | None
    verdict: str = Field(description="pass, minor, major or not evaluable")
    required: bool
    note: str


class EvaluationOut(BaseModel):
    id: int
    study_id: str
    trial: str
    protocol_hash: str
    mode: str
    verdict: str = Field(description="The plan's verdict: pass, minor, major or incomplete")
    dose_unit: str
    plan_label: str
    radiation_types: list[str]
    fractions_planned: int | None
    rtplan_sha256: str
    rtstruct_sha256: str
    rtdose_sha256: list[str]
    unmapped_names: list[str]
    notes: list[str]
    evaluated_at: datetime
    evaluated_by: str
    constraints: list[ConstraintOut]


def evaluation_out(e: PlanQaEvaluationRecord) -> EvaluationOut:
    """A stored evaluation as the API shows it."""
    return EvaluationOut(
        id=e.id,
        study_id=e.study_id,
        trial=e.trial_slug,
        protocol_hash=e.protocol_hash,
        mode=e.mode,
        verdict=e.verdict,
        dose_unit=e.dose_unit,
        plan_label=e.plan_label,
        radiation_types=list(e.radiation_types),
        fractions_planned=e.fractions_planned,
        rtplan_sha256=e.rtplan_sha256,
        rtstruct_sha256=e.rtstruct_sha256,
        rtdose_sha256=list(e.rtdose_sha256),
        unmapped_names=list(e.unmapped_names),
        notes=list(e.notes),
        evaluated_at=e.evaluated_at,
        evaluated_by=e.evaluated_by,
        constraints=[
            ConstraintOut(
                constraint=r.constraint_id,
                structure=r.structure,
                local_name=r.local_name,
                metric=r.metric,
                comparison=r.comparison,
                limit=r.limit,
                minor_limit=r.minor_limit,
                unit=r.unit,
                value=r.value,
                verdict=r.grade,
                required=r.required,
                note=r.note,
            )
            for r in e.results
        ],
    )


@contextmanager
def saved_plan_files(uploads: Mapping[str, Upload | None]) -> Iterator[PlanFiles]:
    """The uploaded files in a private temporary folder (removed afterwards), each checked to be
    present and at most :data:`MAX_FILE_BYTES` (:class:`InvalidInput` names the field; the
    DICOM reader refuses what is not DICOM). The names on disk are fixed, never the client's."""
    with tempfile.TemporaryDirectory(prefix="radtrial-plan-qa-") as folder:
        paths: dict[str, FilePath] = {}
        for field in PLAN_FILES:
            upload = uploads.get(field)
            if upload is None:
                raise InvalidInput(f"upload the {field} file", location=field)
            path = FilePath(folder) / f"{field}.dcm"
            size = 0
            with path.open("wb") as out:
                while block := upload.file.read(1 << 20):
                    size += len(block)
                    if size > MAX_FILE_BYTES:
                        limit = MAX_FILE_BYTES // (1024 * 1024)
                        raise InvalidInput(
                            f"the {field} file is larger than {limit} MiB",
                            location=field,
                        )
                    out.write(block)
            paths[field] = path
        yield PlanFiles.of(paths["rtplan"], paths["rtstruct"], paths["rtdose"])


def check_uploaded_plan(
    db: Database,
    principal: Principal,
    study_id: str,
    uploads: Mapping[str, Upload | None],
    *,
    mode: Literal["tps", "accurate"],
    address: str,
) -> PlanQaEvaluationRecord:
    """Check and store the uploaded plan (the service audits it; a refusal is logged)."""
    with saved_plan_files(uploads) as files:
        stored = course_write(
            db,
            user=principal.user,
            study_id=study_id,
            client_address=address,
            entity=ENTITY,
            write=lambda: check_participant_plan(
                db, actor=principal.username, study_id=study_id, files=files, mode=mode
            ),
        )
    return stored.evaluation


def evaluation_of(
    db: Database, principal: Principal, study_id: str, evaluation_id: int, address: str
) -> PlanQaEvaluationRecord:
    """One of the participant's evaluations (404 when it is another participant's)."""
    record = logged_read(
        db,
        user=principal.user,
        study_id=study_id,
        entity=ENTITY,
        client_address=address,
        read=lambda: plan_qa_evaluation(db, actor=principal.username, evaluation_id=evaluation_id),
        scope=lambda e: (e.trial_slug, None),
    )
    if record.study_id != study_id:
        raise NotFound(f"{study_id} has no plan-QA evaluation {evaluation_id}", location="id")
    return record


@router.post("", status_code=201, summary="Check a participant's RT plan")
def check(
    study_id: StudyId,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    rtplan: Annotated[UploadFile, File(description="RT Plan (DICOM)")],
    rtstruct: Annotated[UploadFile, File(description="RT Structure Set (DICOM)")],
    rtdose: Annotated[UploadFile, File(description="RT Dose (DICOM), the whole plan's")],
    mode: Annotated[Literal["tps", "accurate"], Form(description="DVH mode")] = "accurate",
) -> EvaluationOut:
    """Grade every dose constraint of the protocol on the uploaded plan and store the
    evaluation with its HTML report (audited); each file at most 64 MiB."""
    record = check_uploaded_plan(
        db,
        principal,
        study_id,
        {"rtplan": rtplan, "rtstruct": rtstruct, "rtdose": rtdose},
        mode=mode,
        address=address,
    )
    response.headers["Location"] = f"/api/v1/participants/{study_id}/plan-qa/{record.id}"
    return evaluation_out(record)


@router.get("", summary="List a participant's plan-QA evaluations")
def evaluations(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> list[EvaluationOut]:
    """The participant's evaluations, oldest first (403 for another site's participant)."""
    records = logged_read(
        db,
        user=principal.user,
        study_id=study_id,
        entity=ENTITY,
        client_address=address,
        read=lambda: plan_qa_evaluations(db, actor=principal.username, study_id=study_id),
        scope=lambda rs: (rs[0].trial_slug if rs else None, None),
    )
    return [evaluation_out(r) for r in records]


@router.get("/{evaluation_id}", summary="Show one plan-QA evaluation")
def evaluation(
    study_id: StudyId,
    evaluation_id: EvaluationId,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> EvaluationOut:
    """The verdict per constraint of one evaluation."""
    return evaluation_out(evaluation_of(db, principal, study_id, evaluation_id, address))


@router.get(
    "/{evaluation_id}/report",
    summary="Download one evaluation's HTML report",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The stored HTML report"}},
)
def report(
    study_id: StudyId,
    evaluation_id: EvaluationId,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    """The HTML report stored with the evaluation (constraint table and DVH plot), as a
    download: it is never rendered inside the app's pages."""
    evaluation_of(db, principal, study_id, evaluation_id, address)
    html = plan_qa_report(db, actor=principal.username, evaluation_id=evaluation_id)
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="plan-qa-{study_id}-{evaluation_id}.html"'
            )
        },
    )

"""The plan-QA pages: upload a participant's RT Plan, RT Structure Set and RT Dose (a multipart
form, no JavaScript), the list of stored evaluations, and one evaluation's constraint table
(pass/minor/major) with its DVH plot.

The table is rendered here from the stored rows (autoescaped). The DVH plot is the SVG in the
stored report, served alone as ``image/svg+xml`` and shown with ``<img>``: an image runs no
script and the stored HTML is never put into a page.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.api.routers.plan_qa import (
    ENTITY,
    MAX_FILE_BYTES,
    PLAN_FILES,
    check_uploaded_plan,
    evaluation_of,
)
from radtrial.errors import InvalidInput, NotFound, RadtrialError
from radtrial.services.auth import Principal
from radtrial.services.course_access import logged_read
from radtrial.services.plan_qa import plan_qa_evaluations, plan_qa_report
from radtrial.web.deps import WebPrincipal, check_form_token
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def _list_page(
    request: Request,
    db: DatabaseDep,
    principal: Principal,
    study_id: str,
    address: str,
    *,
    error: RadtrialError | None = None,
) -> Response:
    records = logged_read(
        db,
        user=principal.user,
        study_id=study_id,
        entity=ENTITY,
        client_address=address,
        read=lambda: plan_qa_evaluations(db, actor=principal.username, study_id=study_id),
        scope=lambda rs: (rs[0].trial_slug if rs else None, None),
    )
    return render(
        request,
        "plan_qa.html",
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        study_id=study_id,
        evaluations=list(reversed(records)),
        error=error,
        error_field=error.location if error is not None else None,
        max_mib=MAX_FILE_BYTES // (1024 * 1024),
    )


@router.get("/participants/{study_id}/plan-qa")
def plan_qa_page(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    return _list_page(request, db, principal, study_id, address)


@router.post("/participants/{study_id}/plan-qa")
async def plan_qa_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    form = await request.form(max_files=3, max_fields=10)
    try:
        token = form.get("csrf_token")
        check_form_token(principal, token if isinstance(token, str) else "")
        uploads: dict[str, UploadFile | None] = {}
        for field in PLAN_FILES:
            value = form.get(field)
            uploads[field] = value if isinstance(value, UploadFile) and value.filename else None
        mode: Literal["tps", "accurate"] = "tps" if form.get("mode") == "tps" else "accurate"
        try:
            record = await run_in_threadpool(
                check_uploaded_plan, db, principal, study_id, uploads, mode=mode, address=address
            )
        except RadtrialError as error:
            return await run_in_threadpool(
                _list_page, request, db, principal, study_id, address, error=error
            )
    finally:
        await form.close()
    return RedirectResponse(f"/participants/{quote(study_id)}/plan-qa/{record.id}", status_code=303)


@router.get("/participants/{study_id}/plan-qa/{evaluation_id}")
def plan_qa_result(
    request: Request,
    study_id: str,
    evaluation_id: int,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    record = evaluation_of(db, principal, study_id, evaluation_id, address)
    return render(
        request,
        "plan_qa_result.html",
        principal=principal,
        study_id=study_id,
        evaluation=record,
    )


@router.get("/participants/{study_id}/plan-qa/{evaluation_id}/dvh.svg")
def plan_qa_dvh(
    study_id: str,
    evaluation_id: int,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    """The DVH plot of the stored report, alone, as an SVG image."""
    evaluation_of(db, principal, study_id, evaluation_id, address)
    found = _SVG.search(plan_qa_report(db, actor=principal.username, evaluation_id=evaluation_id))
    if found is None:
        raise NotFound(f"evaluation {evaluation_id} has no DVH plot", location="evaluation_id")
    svg = found.group(0)
    if re.search(r"<script|\son\w+\s*=|javascript:|<foreignObject", svg, re.IGNORECASE):
        raise InvalidInput("the stored DVH plot holds active content", location="evaluation_id")
    return Response(svg, media_type="image/svg+xml")

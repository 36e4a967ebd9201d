"""A signable record's page: an adverse event, a RECIST baseline or a RECIST follow-up at
``/participants/{study_id}/{adverse-events|recist-baselines|recist-follow-ups}/{id}``, with its
signatures and a sign form (password re-entry).

The page shows the whole content a signature covers, laid out by
:mod:`radtrial.web.record_view` (a baseline's lesions, a follow-up's measurements and computed
response, every field of an adverse event), with the SHA-256 of that content. The sign form
posts to ``…/sign#signatures``, so the page answering a wrong password, and the page the
browser is sent to once signed, open at the signatures; the meaning typed is kept after an
error. Reading and signing ask the same services and site-isolation policy as the API.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep, PolicyDep
from radtrial.api.errors import status_of
from radtrial.errors import InvalidInput, NotAuthenticated, RadtrialError, TooManyAttempts
from radtrial.services import outcome_views, participants, signatures
from radtrial.web.i18n import translate
from radtrial.web.outcomes import StudyIdPath, error_field
from radtrial.web.pages import FormData, WebPrincipal, check_form_token, language_of, render
from radtrial.web.record_view import present_record

__all__ = ["KINDS", "router"]

router = APIRouter(include_in_schema=False)

#: The record pages by path segment, with the entity each shows.
KINDS = {
    "adverse-events": "adverse_events",
    "recist-baselines": "tumour_baselines",
    "recist-follow-ups": "tumour_follow_ups",
}

RecordIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _record_page(
    request: Request,
    db: DatabaseDep,
    principal: WebPrincipal,
    study_id: str,
    kind: str,
    record_id: int,
    *,
    error: RadtrialError | None = None,
    signed: bool = False,
    meaning: str = signatures.DEFAULT_MEANING,
) -> Response:
    record = signatures.signed_record(
        db, actor=principal.username, study_id=study_id, entity=KINDS[kind], entity_id=record_id
    )
    content = {"entity": record.entity, "record": record.fields}
    t = partial(translate, language_of(request))
    return render(
        request,
        "outcomes_record.html",
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        study_id=study_id,
        kind=kind,
        record=record,
        view=present_record(t, content),
        content_hash=signatures.content_sha256(content),
        error=error,
        error_field=error_field(error.location) if error is not None else None,
        signed=signed,
        meaning=meaning,
    )


def _show(kind: str) -> Any:
    def show(
        request: Request,
        study_id: StudyIdPath,
        record_id: RecordIdPath,
        principal: WebPrincipal,
        db: DatabaseDep,
        address: ClientAddress,
        signed: bool = False,
    ) -> Response:
        outcome_views.authorise_outcome_read(
            db, user=principal.user, study_id=study_id, entity=KINDS[kind], client_address=address
        )
        return _record_page(request, db, principal, study_id, kind, record_id, signed=signed)

    return show


def _sign(kind: str) -> Any:
    def sign(
        request: Request,
        study_id: StudyIdPath,
        record_id: RecordIdPath,
        principal: WebPrincipal,
        db: DatabaseDep,
        policy: PolicyDep,
        address: ClientAddress,
        form: FormData,
    ) -> Response:
        check_form_token(principal, form.get("csrf_token", ""))
        participants.authorise_participant_write(
            db, user=principal.user, study_id=study_id, client_address=address
        )
        meaning = form.get("meaning", "")
        try:
            signatures.sign_record(
                db,
                policy,
                actor=principal.username,
                study_id=study_id,
                entity=KINDS[kind],
                entity_id=record_id,
                password=form.get("password", ""),
                meaning=meaning,
                client_address=address,
            )
        except (InvalidInput, NotAuthenticated, TooManyAttempts) as error:
            return _record_page(
                request, db, principal, study_id, kind, record_id, error=error, meaning=meaning
            )
        return RedirectResponse(
            f"/participants/{study_id}/{kind}/{record_id}?signed=true", status_code=303
        )

    return sign


for _kind in KINDS:
    router.add_api_route(
        f"/participants/{{study_id}}/{_kind}/{{record_id}}", _show(_kind), methods=["GET"]
    )
    router.add_api_route(
        f"/participants/{{study_id}}/{_kind}/{{record_id}}/sign", _sign(_kind), methods=["POST"]
    )

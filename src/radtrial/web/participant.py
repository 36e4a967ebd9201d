"""The participant page with withdrawal, and randomisation behind an explicit confirmation whose
result is shown once.

Every page works without JavaScript. The services decide who may do what (and audit every
write); a refusal or invalid input is shown on the page, next to the field its ``location``
names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.errors import InvalidInput, RadtrialError
from radtrial.services import participants
from radtrial.services.consent import record_withdrawal
from radtrial.services.policy import Action, decide
from radtrial.services.randomisation import randomise
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.forms import form_date, form_text
from radtrial.web.rendering import render

__all__ = ["participant_page_with_error", "router"]

router = APIRouter(include_in_schema=False)

_WITHDRAWALS = ("treatment", "follow_up", "data_and_samples")


def _participant_page(
    request: Request,
    db: DatabaseDep,
    principal: Any,
    study_id: str,
    address: str,
    *,
    template: str = "participant.html",
    error: RadtrialError | None = None,
    values: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    view = participants.participant_view(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    p = view.participant
    return render(
        request,
        template,
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        view=view,
        participant=p,
        may_write=decide(principal.user, Action.PARTICIPANT_WRITE, p.trial_slug, p.site_code),
        error=error,
        error_field=error.location if error is not None else None,
        values=values or {},
        withdrawal_kinds=[k for k in _WITHDRAWALS if k in view.withdrawal_kinds],
        **extra,
    )


def participant_page_with_error(
    request: Request,
    db: DatabaseDep,
    principal: Any,
    study_id: str,
    address: str,
    error: RadtrialError,
) -> Response:
    """The participant page showing ``error`` (for other page modules' forms on it)."""
    return _participant_page(request, db, principal, study_id, address, error=error)


@router.get("/participants/{study_id}")
def participant_page(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    registered: int = 0,
) -> Response:
    return _participant_page(request, db, principal, study_id, address, registered=bool(registered))


@router.get("/participants/{study_id}/randomise")
def randomise_confirm_page(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    return _participant_page(
        request, db, principal, study_id, address, template="randomise_confirm.html"
    )


@router.post("/participants/{study_id}/randomise")
def randomise_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    try:
        participants.authorise_participant_write(
            db, user=principal.user, study_id=study_id, client_address=address
        )
        if form.get("confirm") != "yes":
            raise InvalidInput(
                "tick the box to confirm that you want to randomise now", location="confirm"
            )
        done = randomise(db, actor=principal.username, study_id=study_id)
    except RadtrialError as error:
        return _participant_page(
            request,
            db,
            principal,
            study_id,
            address,
            template="randomise_confirm.html",
            error=error,
        )
    return _participant_page(
        request,
        db,
        principal,
        study_id,
        address,
        template="randomised.html",
        allocation=done.allocation,
    )


@router.post("/participants/{study_id}/withdraw")
def withdraw_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    values = {k: form.get(k, "") for k in ("kind", "withdrawn_on", "note")}
    try:
        participants.authorise_participant_write(
            db, user=principal.user, study_id=study_id, client_address=address
        )
        kind = values["kind"]
        if kind not in _WITHDRAWALS:
            raise InvalidInput("choose what the participant withdraws from", location="kind")
        note = form_text(values["note"], "note", "give the reason")
        on = form_date(
            values["withdrawn_on"], "withdrawn_on", missing="give the date of the withdrawal"
        )
        record_withdrawal(
            db,
            actor=principal.username,
            study_id=study_id,
            kind=kind,  # type: ignore[arg-type]
            withdrawn_on=on,
            note=note,
        )
    except RadtrialError as error:
        return _participant_page(
            request, db, principal, study_id, address, error=error, values=values
        )
    return RedirectResponse(f"/participants/{quote(study_id)}", status_code=303)

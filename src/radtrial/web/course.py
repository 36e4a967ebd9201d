"""The course page: a participant's treatment calendar and fraction log, the forms to record a
fraction delivered (doses prefilled from the plan) or missed (reason required), BED/EQD2 to date,
the deviations (minor/major) with acknowledgement, and the gap-compensation options.

The course services decide who may do what and audit every write; a refusal or invalid input
is shown on the page next to the field its ``location`` names.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.errors import InvalidInput, NotFound, RadtrialError
from radtrial.services import participants
from radtrial.services.access import INVESTIGATOR_ROLES
from radtrial.services.auth import Principal
from radtrial.services.course import (
    CourseView,
    accept_compensation,
    acknowledge_deviation,
    deliver_fraction,
    miss_fraction,
    plan_participant_course,
)
from radtrial.services.course_access import course_write, read_course
from radtrial.services.policy import Action, covers, decide
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.forms import form_date, form_text
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

DOSE_PREFIX = "dose_"


def _field_of(location: str | None) -> str | None:
    """The form field an error's location names (``doses.target`` -> ``dose_target``)."""
    if not location:
        return None
    if location.startswith("doses."):
        return DOSE_PREFIX + location.removeprefix("doses.")
    if location in ("start", "start_date"):
        return "start_date"
    return location


def _page(
    request: Request,
    db: DatabaseDep,
    principal: Principal,
    study_id: str,
    address: str,
    *,
    form: str | None = None,
    error: RadtrialError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    view: CourseView | None
    try:
        view = read_course(db, user=principal.user, study_id=study_id, client_address=address)
        trial, site = view.trial_slug, view.site_code
    except NotFound:
        # Unknown participant: 404 from here; a known one without a course: the plan form.
        participant = participants.participant_view(
            db, user=principal.user, study_id=study_id, client_address=address
        ).participant
        view = None
        trial, site = participant.trial_slug, participant.site_code
    may_write = decide(principal.user, Action.PARTICIPANT_WRITE, trial, site)
    may_acknowledge = may_write and any(
        g.role in INVESTIGATOR_ROLES and covers(g, trial, site) for g in principal.user.grants
    )
    log: list[tuple[date, int, str, object]] = []
    if view is not None:
        log = sorted(
            [(m.planned_date, m.number, "missed", m) for m in view.missed]
            + [(f.planned_date, f.number, f.status, f) for f in view.fractions],
            key=lambda row: (row[0], row[1]),
        )
    planned = [f for f in view.fractions if f.status == "planned"] if view else []
    chosen = (values or {}).get("fraction") or (str(planned[0].number) if planned else "")
    target = next((f for f in planned if str(f.number) == chosen), planned[0] if planned else None)
    prefill = {d.dose_level: f"{d.planned_dose_gy:g}" for d in target.doses} if target else {}
    today = view.as_of if view else None
    return render(
        request,
        "course.html",
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        study_id=study_id,
        view=view,
        may_write=may_write,
        may_acknowledge=may_acknowledge,
        log=log,
        planned=planned,
        missable=[f for f in planned if today is not None and f.planned_date <= today],
        chosen=chosen,
        prefill=prefill,
        form=form,
        error=error,
        error_field=_field_of(error.location) if error is not None else None,
        values=values or {},
        open_deviations=[d for d in view.deviations if d.resolved_at is None] if view else [],
    )


def _back(study_id: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/participants/{quote(study_id)}/course{anchor}", status_code=303)


@router.get("/participants/{study_id}/course")
def course_page(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    return _page(request, db, principal, study_id, address)


def _number(text: str, field: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"choose {what}", location=field) from None


@router.post("/participants/{study_id}/course/plan")
def plan_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    values = {k: form.get(k, "") for k in ("start_date", "reason")}
    try:
        start = form_date(values["start_date"], "start_date")
        course_write(
            db,
            user=principal.user,
            study_id=study_id,
            client_address=address,
            write=lambda: plan_participant_course(
                db,
                actor=principal.username,
                study_id=study_id,
                start=start,
                reason=values["reason"] or None,
            ),
        )
    except RadtrialError as error:
        return _page(
            request, db, principal, study_id, address, form="plan", error=error, values=values
        )
    return _back(study_id)


@router.post("/participants/{study_id}/course/delivery")
def deliver_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    try:
        number = _number(values.get("fraction", ""), "fraction", "the fraction")
        doses: dict[str, float] = {}
        for key, text in values.items():
            if key.startswith(DOSE_PREFIX):
                try:
                    doses[key.removeprefix(DOSE_PREFIX)] = float(text.strip().replace(",", "."))
                except ValueError:
                    raise InvalidInput(
                        f"{text!r} is not a dose in Gy", location=f"doses.{key[len(DOSE_PREFIX) :]}"
                    ) from None
        at_text = values.get("delivered_at", "").strip()
        delivered_at = None
        if at_text:
            try:
                local = datetime.fromisoformat(at_text)
            except ValueError:
                raise InvalidInput(
                    f"{at_text!r} is not a date and time", location="delivered_at"
                ) from None
            # A time without an offset is the site's local time: the service resolves it in
            # the course's time zone and refuses a time that does not exist or happens twice.
            delivered_at = local
        course_write(
            db,
            user=principal.user,
            study_id=study_id,
            client_address=address,
            write=lambda: deliver_fraction(
                db,
                actor=principal.username,
                study_id=study_id,
                fraction=number,
                doses=doses,
                delivered_at=delivered_at,
                machine=values.get("machine") or None,
            ),
        )
    except RadtrialError as error:
        return _page(
            request, db, principal, study_id, address, form="deliver", error=error, values=values
        )
    return _back(study_id, "#fractions")


@router.post("/participants/{study_id}/course/miss")
def miss_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    values = {k: form.get(k, "") for k in ("fraction", "reason")}
    try:
        number = _number(values["fraction"], "fraction", "the fraction")
        reason = form_text(values["reason"], "reason", "give the reason the fraction was missed")
        course_write(
            db,
            user=principal.user,
            study_id=study_id,
            client_address=address,
            write=lambda: miss_fraction(
                db,
                actor=principal.username,
                study_id=study_id,
                fraction=number,
                reason=reason,
            ),
        )
    except RadtrialError as error:
        return _page(
            request, db, principal, study_id, address, form="miss", error=error, values=values
        )
    return _back(study_id, "#gaps")


@router.post("/participants/{study_id}/course/compensation")
def compensation_submit(
    request: Request,
    study_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    values = {k: form.get(k, "") for k in ("option", "reason", "accept_breaks")}
    try:
        option = _number(values["option"], "option", "an option")
        reason = form_text(values["reason"], "reason", "give the reason for the option chosen")
        course_write(
            db,
            user=principal.user,
            study_id=study_id,
            client_address=address,
            write=lambda: accept_compensation(
                db,
                actor=principal.username,
                study_id=study_id,
                option=option,
                reason=reason,
                accept_breaks=values["accept_breaks"] == "yes",
            ),
        )
    except RadtrialError as error:
        return _page(
            request,
            db,
            principal,
            study_id,
            address,
            form="compensation",
            error=error,
            values=values,
        )
    return _back(study_id)


@router.post("/participants/{study_id}/course/deviations/{deviation_id}/acknowledge")
def acknowledge_submit(
    request: Request,
    study_id: str,
    deviation_id: int,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    values = {"reason": form.get("reason", ""), "deviation": str(deviation_id)}
    try:
        reason = form_text(values["reason"], "reason", "give a note on the acknowledgement")
        course_write(
            db,
            user=principal.user,
            study_id=study_id,
            client_address=address,
            write=lambda: acknowledge_deviation(
                db,
                actor=principal.username,
                study_id=study_id,
                deviation_id=deviation_id,
                reason=reason,
            ),
        )
    except RadtrialError as error:
        return _page(
            request,
            db,
            principal,
            study_id,
            address,
            form=f"ack-{deviation_id}",
            error=error,
            values=values,
        )
    return _back(study_id, "#deviations")

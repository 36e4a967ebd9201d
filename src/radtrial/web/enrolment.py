"""The enrolment pages: a site's dashboard in one trial and the screening wizard (criteria, then
consent, then registration). The participant page, withdrawal and randomisation are in
:mod:`radtrial.web.participant`.

Every page works without JavaScript: the wizard posts and redisplays each criterion's result.
The services decide who may do what (and audit every write); a refusal or invalid input is
shown on the page, next to the field its ``location`` names.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.errors import InvalidInput, NotFound, RadtrialError
from radtrial.services import participants, sites
from radtrial.services.consent import record_consent
from radtrial.services.participants import ScreeningView
from radtrial.services.policy import Action, authorise, decide
from radtrial.services.registration import register
from radtrial.services.screening import (
    ScreeningResult,
    close_screening,
    local_today,
    screen,
    screening_log,
)
from radtrial.trial.eligibility import EligibilityResult, confirmable_criteria
from radtrial.trial.screening import ClosureReason
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.forms import form_date
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

FIELD_PREFIX = "f_"
CONFIRM_PREFIX = "confirm_"
OPTIONAL_PREFIX = "optional_"


def _field_of(location: str | None) -> str | None:
    """The form field an error's location names (``data.age_years`` -> ``f_age_years``)."""
    if not location:
        return None
    if location.startswith("data."):
        return FIELD_PREFIX + location.removeprefix("data.")
    return location


# -- the site dashboard ---------------------------------------------------------------------


@router.get("/sites/{code}/trials/{slug}")
def site_trial_page(
    request: Request,
    code: str,
    slug: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    overview = sites.site_overview(db, user=principal.user, code=code, client_address=address)
    link = next((t for t in overview.trials if t.trial_slug == slug), None)
    if link is None:
        authorise(
            db,
            principal.user,
            Action.SITE_READ,
            slug,
            code,
            entity="sites",
            client_address=address,
        )
        raise NotFound(f"site {code} takes no part in {slug}", location="slug")
    form = participants.enrolment_form(db, user=principal.user, trial_slug=slug)
    may_read = decide(principal.user, Action.PARTICIPANT_READ, slug, code)
    views = (
        participants.list_participants(
            db, user=principal.user, trial_slug=slug, site_code=code, client_address=address
        )
        if may_read
        else []
    )
    log = (
        screening_log(db, actor=principal.username, trial_slug=slug, site_code=code)
        if may_read
        else None
    )
    months = participants.enrolment_by_month(views)
    peak = max((m.count for m in months), default=0)
    return render(
        request,
        "enrolment_site.html",
        principal=principal,
        overview=overview,
        link=link,
        slug=slug,
        protocol=form.protocol,
        views=views,
        log=log,
        log_rows=list(zip(log.rows, log.outcomes, strict=True)) if log is not None else [],
        months=months,
        peak=peak,
        may_read=may_read,
        may_screen=decide(principal.user, Action.PARTICIPANT_WRITE, slug, code),
    )


# -- the screening wizard -------------------------------------------------------------------


def _wizard(
    request: Request,
    db: DatabaseDep,
    principal: Any,
    slug: str,
    *,
    site: str | None,
    view: ScreeningView | None = None,
    result: EligibilityResult | None = None,
    values: dict[str, Any] | None = None,
    error: RadtrialError | None = None,
) -> Response:
    form = participants.enrolment_form(db, user=principal.user, trial_slug=slug)
    protocol = form.protocol
    if view is not None and result is None:
        result = view.result
    if values is None:
        values = dict(view.evaluation.data) if view and view.evaluation else {}
    confirmed = set(view.evaluation.confirmations) if view and view.evaluation else set()
    criteria = {c.id: c for c in protocol.eligibility.criteria()}
    return render(
        request,
        "screen.html",
        principal=principal,
        status_code=status_of(error) if error is not None else 200,
        slug=slug,
        site=view.screening.site_code if view is not None else site,
        protocol=protocol,
        version=form.version,
        view=view,
        result=result,
        criteria=criteria,
        values=values,
        confirmed=confirmed,
        confirmable=sorted(confirmable_criteria(protocol.eligibility)),
        error=error,
        error_field=_field_of(error.location) if error is not None else None,
        field_prefix=FIELD_PREFIX,
        confirm_prefix=CONFIRM_PREFIX,
        optional_prefix=OPTIONAL_PREFIX,
        today=local_today(db).isoformat(),
    )


def _view(
    db: DatabaseDep, principal: Any, slug: str, screening_id: str, address: str
) -> ScreeningView:
    return participants.screening_view(
        db, user=principal.user, trial_slug=slug, screening_id=screening_id, client_address=address
    )


@router.get("/trials/{slug}/screen")
def screen_page(
    request: Request,
    slug: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    site: str | None = None,
    screening: str | None = None,
) -> Response:
    view = _view(db, principal, slug, screening, address) if screening else None
    if view is None and site:
        participants.authorise_write(
            db, user=principal.user, trial_slug=slug, site_code=site, client_address=address
        )
    return _wizard(request, db, principal, slug, site=site, view=view)


@router.post("/trials/{slug}/screen")
def screen_submit(
    request: Request,
    slug: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    screening_id = form.get("screening", "").strip() or None
    site = form.get("site", "").strip().upper() or None
    data = {
        key.removeprefix(FIELD_PREFIX): value
        for key, value in form.items()
        if key.startswith(FIELD_PREFIX)
    }
    confirm = [
        key.removeprefix(CONFIRM_PREFIX)
        for key, value in form.items()
        if key.startswith(CONFIRM_PREFIX) and value
    ]
    view = _view(db, principal, slug, screening_id, address) if screening_id else None
    already = set(view.evaluation.confirmations) if view and view.evaluation else set()
    confirm = [c for c in confirm if c not in already]
    try:
        if screening_id is not None:
            participants.authorise_screening_write(
                db,
                user=principal.user,
                trial_slug=slug,
                screening_id=screening_id,
                client_address=address,
            )
        elif site is not None:
            participants.authorise_write(
                db, user=principal.user, trial_slug=slug, site_code=site, client_address=address
            )
        done: ScreeningResult = screen(
            db,
            actor=principal.username,
            trial_slug=slug,
            data=data,
            site_code=None if screening_id else site,
            screening_id=screening_id,
            confirm=confirm,
        )
    except RadtrialError as error:
        return _wizard(request, db, principal, slug, site=site, view=view, values=data, error=error)
    target = f"/trials/{quote(slug)}/screen?screening={quote(done.screening.screening_id)}"
    return RedirectResponse(target, status_code=303)


@router.post("/trials/{slug}/screenings/{screening_id}/consent")
def consent_submit(
    request: Request,
    slug: str,
    screening_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    view = _view(db, principal, slug, screening_id, address)
    try:
        participants.authorise_screening_write(
            db,
            user=principal.user,
            trial_slug=slug,
            screening_id=screening_id,
            client_address=address,
        )
        on = form_date(
            form.get("consented_on", ""),
            "consented_on",
            missing="give the date the consent was signed",
        )
        answers: dict[str, bool] = {}
        for key, value in form.items():
            if key.startswith(OPTIONAL_PREFIX) and value in {"yes", "no"}:
                answers[key.removeprefix(OPTIONAL_PREFIX)] = value == "yes"
        record_consent(
            db,
            actor=principal.username,
            trial_slug=slug,
            screening_id=screening_id,
            document_version=form.get("document_version", ""),
            consented_on=on,
            optional=answers,
        )
    except RadtrialError as error:
        return _wizard(request, db, principal, slug, site=None, view=view, error=error)
    target = f"/trials/{quote(slug)}/screen?screening={quote(screening_id)}"
    return RedirectResponse(target, status_code=303)


@router.post("/trials/{slug}/screenings/{screening_id}/register")
def register_submit(
    request: Request,
    slug: str,
    screening_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    view = _view(db, principal, slug, screening_id, address)
    try:
        participants.authorise_screening_write(
            db,
            user=principal.user,
            trial_slug=slug,
            screening_id=screening_id,
            client_address=address,
        )
        record = register(db, actor=principal.username, trial_slug=slug, screening_id=screening_id)
    except RadtrialError as error:
        return _wizard(request, db, principal, slug, site=None, view=view, error=error)
    return RedirectResponse(
        f"/participants/{quote(record.participant.study_id)}?registered=1", status_code=303
    )


@router.post("/trials/{slug}/screenings/{screening_id}/not-included")
def not_included_submit(
    request: Request,
    slug: str,
    screening_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    view = _view(db, principal, slug, screening_id, address)
    try:
        participants.authorise_screening_write(
            db,
            user=principal.user,
            trial_slug=slug,
            screening_id=screening_id,
            client_address=address,
        )
        reason = form.get("reason", "")
        if reason not in {"declined", "other"}:
            raise InvalidInput("choose declined or other", location="reason")
        close_screening(
            db,
            actor=principal.username,
            trial_slug=slug,
            screening_id=screening_id,
            reason=ClosureReason(reason),
            note=form.get("note"),
        )
    except RadtrialError as error:
        return _wizard(request, db, principal, slug, site=None, view=view, error=error)
    target = f"/trials/{quote(slug)}/screen?screening={quote(screening_id)}"
    return RedirectResponse(target, status_code=303)

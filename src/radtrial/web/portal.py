"""The patient portal's pages under ``/portal``: enter a code or open a personal link, then the
participant's due questionnaires, each answerable in steps (drafts) and submitted once.

The participant comes from the portal session cookie only (:data:`PORTAL_COOKIE`, separate
from staff sessions); ids in paths name visits, questionnaires and drafts, never participants,
and a visit, questionnaire or draft that is not the session participant's is 404. The link's
``GET`` shows a button and only its ``POST`` redeems, so link previewers cannot use it up, and
the session cookie (SameSite=Strict) is set on a same-site request. Pages have no staff
navigation, work without JavaScript, and are in Norwegian bokmål and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep, SettingsDep
from radtrial.api.errors import status_of
from radtrial.errors import (
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RadtrialError,
    TooManyAttempts,
)
from radtrial.services import portal
from radtrial.services.portal import PortalPolicy, PortalPrincipal, QuestionnaireForm
from radtrial.web import csrf
from radtrial.web.deps import FormData
from radtrial.web.i18n import LANGUAGES, translate
from radtrial.web.rendering import language_of, templates

__all__ = ["PORTAL_COOKIE", "router"]

PORTAL_COOKIE = "__Host-radtrial-portal"

router = APIRouter(prefix="/portal", include_in_schema=False)


def _policy(request: Request) -> PortalPolicy:
    return PortalPolicy.from_settings(request.app.state.settings)


def _render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    principal: PortalPrincipal | None = None,
    **context: Any,
) -> Response:
    language = language_of(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "languages": LANGUAGES,
            "t": lambda key, **values: translate(language, key, **values),
            "here": context.pop("here", str(request.url.path)),
            "portal_csrf": principal.csrf_token if principal is not None else "",
            **context,
        },
        status_code=status_code,
    )


def _set_cookie(response: Response, token: str, policy: PortalPolicy) -> None:
    response.set_cookie(
        PORTAL_COOKIE,
        token,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
        max_age=int(policy.absolute.total_seconds()),
    )


def _clear_cookie(response: Response) -> None:
    response.delete_cookie(PORTAL_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


def _ended(request: Request) -> Response:
    response = RedirectResponse("/portal?ended=1", status_code=303)
    if request.cookies.get(PORTAL_COOKIE):
        _clear_cookie(response)
    return response


def _error(request: Request, error: RadtrialError, principal: PortalPrincipal | None) -> Response:
    language = language_of(request)
    if isinstance(error, NotAuthenticated):
        return _ended(request)
    status = status_of(error)
    key = "portal.error.forbidden" if status == 403 else "portal.error.not_found"
    return _render(
        request,
        "portal_error.html",
        status_code=status,
        principal=principal,
        message=translate(language, key),
        here="/portal/questionnaires",
    )


def _principal(request: Request, db: DatabaseDep) -> PortalPrincipal:
    return portal.authenticate_portal(db, _policy(request), request.cookies.get(PORTAL_COOKIE, ""))


def _check_form(principal: PortalPrincipal, form: Mapping[str, str]) -> None:
    if not csrf.tokens_match(principal.csrf_token, form.get("csrf_token", "")):
        raise PermissionDenied("the form has expired; reload the page", location="csrf_token")


# -- entering: code or link ---------------------------------------------------------------------


def _entry_page(
    request: Request,
    secret: str,
    template: str,
    *,
    status_code: int = 200,
    retry_after: int | None = None,
    **context: Any,
) -> Response:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_nonce()
    response = _render(
        request,
        template,
        status_code=status_code,
        form_token=csrf.login_token(secret, nonce),
        **context,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE, nonce, path="/", secure=True, httponly=True, samesite="strict"
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _entry_token_ok(request: Request, secret: str, sent: str) -> bool:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE, "")
    return bool(nonce) and csrf.tokens_match(csrf.login_token(secret, nonce), sent)


@router.get("")
def code_page(request: Request, settings: SettingsDep, db: DatabaseDep) -> Response:
    if request.cookies.get(PORTAL_COOKIE):
        try:
            _principal(request, db)
            return RedirectResponse("/portal/questionnaires", status_code=303)
        except NotAuthenticated:
            pass
    ended = request.query_params.get("ended") == "1"
    return _entry_page(
        request,
        settings.secret_key.get_secret_value(),
        "portal_code.html",
        error=None,
        code="",
        notice=translate(language_of(request), "portal.ended") if ended else None,
    )


def _opened(request: Request, issued: portal.IssuedPortalSession) -> Response:
    response = RedirectResponse("/portal/questionnaires", status_code=303)
    _set_cookie(response, issued.token, _policy(request))
    response.delete_cookie(
        csrf.LOGIN_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response


@router.post("")
def code_submit(
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    secret = settings.secret_key.get_secret_value()
    language = language_of(request)
    code = form.get("code", "")[:40]
    page: dict[str, Any] = {"code": code, "notice": None}
    if not _entry_token_ok(request, secret, form.get("csrf_token", "")):
        return _entry_page(
            request,
            secret,
            "portal_code.html",
            status_code=403,
            error=translate(language, "error.form_expired"),
            **page,
        )
    if not portal.normalise_code(code):
        return _entry_page(
            request,
            secret,
            "portal_code.html",
            status_code=422,
            error=translate(language, "portal.code.empty"),
            **page,
        )
    try:
        issued = portal.redeem(db, _policy(request), client_address=address, code=code)
    except TooManyAttempts as refusal:
        return _entry_page(
            request,
            secret,
            "portal_code.html",
            status_code=429,
            retry_after=int(refusal.detail.get("retry_after_s", 60)),
            error=translate(language, "portal.code.throttled"),
            **page,
        )
    except (NotAuthenticated, InvalidInput):
        return _entry_page(
            request,
            secret,
            "portal_code.html",
            status_code=401,
            error=translate(language, "portal.code.failed"),
            **page,
        )
    return _opened(request, issued)


@router.get("/i/{token}")
def link_page(request: Request, token: str, settings: SettingsDep) -> Response:
    return _entry_page(
        request,
        settings.secret_key.get_secret_value(),
        "portal_link.html",
        action=f"/portal/i/{token}",
        error=None,
    )


@router.post("/i/{token}")
def link_submit(
    request: Request,
    token: str,
    settings: SettingsDep,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    secret = settings.secret_key.get_secret_value()
    language = language_of(request)
    if not _entry_token_ok(request, secret, form.get("csrf_token", "")):
        return _entry_page(
            request,
            secret,
            "portal_link.html",
            status_code=403,
            action=f"/portal/i/{token}",
            error=translate(language, "error.form_expired"),
        )
    try:
        issued = portal.redeem(db, _policy(request), client_address=address, token=token)
    except TooManyAttempts as refusal:
        return _entry_page(
            request,
            secret,
            "portal_link.html",
            status_code=429,
            retry_after=int(refusal.detail.get("retry_after_s", 60)),
            action="",
            error=translate(language, "portal.code.throttled"),
        )
    except (NotAuthenticated, InvalidInput):
        return _entry_page(
            request,
            secret,
            "portal_link.html",
            status_code=401,
            action="",
            error=translate(language, "portal.link.failed"),
        )
    return _opened(request, issued)


@router.post("/sign-out")
def sign_out(request: Request, db: DatabaseDep, form: FormData) -> Response:
    try:
        principal = _principal(request, db)
        _check_form(principal, form)
    except RadtrialError as error:
        return _error(request, error, None)
    portal.sign_out_portal(db, request.cookies.get(PORTAL_COOKIE, ""))
    response = RedirectResponse("/portal", status_code=303)
    _clear_cookie(response)
    return response


# -- questionnaires ---------------------------------------------------------------------------


@router.get("/questionnaires")
def questionnaire_list(request: Request, db: DatabaseDep) -> Response:
    principal = None
    try:
        principal = _principal(request, db)
        due = portal.due_questionnaires(db, principal)
    except RadtrialError as error:
        return _error(request, error, principal)
    return _render(
        request,
        "portal_list.html",
        principal=principal,
        due=due,
        submitted=request.query_params.get("submitted") == "1",
    )


@router.get("/drafts/{draft_id}")
def resume_draft(request: Request, draft_id: str, db: DatabaseDep) -> Response:
    principal = None
    try:
        principal = _principal(request, db)
        if not draft_id.isdigit() or len(draft_id) > 12:
            raise NotFound("no such draft", location="draft_id")
        draft = portal.find_draft(db, principal, int(draft_id))
    except RadtrialError as error:
        return _error(request, error, principal)
    return RedirectResponse(
        f"/portal/questionnaires/{draft.visit_id}/{draft.instrument}", status_code=303
    )


def _labels(form: QuestionnaireForm, language: str) -> dict[str, str]:
    def t(key: str, **values: object) -> str:
        return translate(language, key, **values)

    labels = {
        "symptom": t("portal.symptom.legend"),
        "analgesic_increased": t("portal.analgesic.legend"),
        "global_impression": t("portal.impression.legend"),
        "nrs": (
            t("portal.nrs.legend_symptom", symptom=t(f"portal.symptom.{form.symptom}").lower())
            if form.symptom
            else t("portal.nrs.legend")
        ),
    }
    labels.update({f"item_{item.number}": f"{item.number}. {item.text}" for item in form.items})
    return labels


def _form_page(
    request: Request,
    principal: PortalPrincipal,
    form: QuestionnaireForm,
    *,
    status_code: int = 200,
    answers: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    saved: bool = False,
) -> Response:
    language = language_of(request)
    heading = (
        translate(language, "portal.instrument.target_symptom")
        if form.instrument == portal.TARGET_SYMPTOM
        else form.name
    )
    return _render(
        request,
        "portal_form.html",
        status_code=status_code,
        principal=principal,
        form=form,
        heading=heading,
        answers=dict(form.answers if answers is None else answers),
        errors=dict(errors or {}),
        labels=_labels(form, language),
        saved=saved,
    )


@router.get("/questionnaires/{visit_id}/{instrument}")
def questionnaire_page(
    request: Request, visit_id: str, instrument: str, db: DatabaseDep
) -> Response:
    principal = None
    try:
        principal = _principal(request, db)
        form = portal.questionnaire_form(
            db,
            principal,
            visit_id=visit_id,
            instrument=instrument,
            language=language_of(request),
        )
    except RadtrialError as error:
        return _error(request, error, principal)
    return _form_page(request, principal, form, saved=request.query_params.get("saved") == "1")


def _field_errors(error: InvalidInput, form: QuestionnaireForm, language: str) -> dict[str, str]:
    names = set(form.fields())
    fields = error.detail.get("fields") if isinstance(error.detail, dict) else None
    errors: dict[str, str] = {}
    if isinstance(fields, list):
        for name in fields:
            if name in names:
                errors[str(name)] = translate(language, "portal.form.required")
    location = error.location or ""
    if location in names and location not in errors:
        reason = error.detail.get("reason") if isinstance(error.detail, dict) else None
        key = "portal.form.required" if reason == "required" else "portal.form.invalid"
        errors[location] = translate(language, key)
    if not errors:
        first = next(iter(form.fields()), "nrs")
        errors[first] = str(error)
    return errors


@router.post("/questionnaires/{visit_id}/{instrument}")
def questionnaire_submit(
    request: Request, visit_id: str, instrument: str, db: DatabaseDep, form_data: FormData
) -> Response:
    principal = None
    language = language_of(request)
    try:
        principal = _principal(request, db)
        _check_form(principal, form_data)
        answers = {k: v for k, v in form_data.items() if k not in {"csrf_token", "action"}}
        where = {"visit_id": visit_id, "instrument": instrument}
        if form_data.get("action") == "save":
            portal.save_draft(db, principal, answers=answers, **where)
            return RedirectResponse(
                f"/portal/questionnaires/{visit_id}/{instrument}?saved=1", status_code=303
            )
        try:
            portal.submit(db, principal, answers=answers, **where)
        except InvalidInput as invalid:
            portal.save_draft(db, principal, answers=answers, **where)
            form = portal.questionnaire_form(db, principal, language=language, **where)
            return _form_page(
                request,
                principal,
                form,
                status_code=422,
                errors=_field_errors(invalid, form, language),
            )
    except RadtrialError as error:
        return _error(request, error, principal)
    return RedirectResponse("/portal/questionnaires?submitted=1", status_code=303)

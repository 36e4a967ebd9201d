"""The staff pages: sign-in, trials, sites, audit trails and (for administrators) users."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from radtrial.api.deps import (
    ClientAddress,
    DatabaseDep,
    PolicyDep,
    SessionToken,
    SettingsDep,
)
from radtrial.api.errors import status_of
from radtrial.api.security import clear_session_cookie, set_session_cookie
from radtrial.errors import (
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
    RadtrialError,
    TooManyAttempts,
)
from radtrial.services import audit, auth, sites, trials, users
from radtrial.services.auth import Principal
from radtrial.services.policy import Action, UserRecord, authorise, decide, may_somewhere
from radtrial.services.users import GrantRequest, Role
from radtrial.web import csrf
from radtrial.web.i18n import LANGUAGES, negotiate, translate

__all__ = ["LANGUAGE_COOKIE", "render_error", "router"]

LANGUAGE_COOKIE = "__Host-radtrial-lang"

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
router = APIRouter(include_in_schema=False)


# -- rendering ------------------------------------------------------------------------------


def language_of(request: Request) -> str:
    """The page language: the user's choice (cookie), else the browser's."""
    return negotiate(request.headers.get("accept-language"), request.cookies.get(LANGUAGE_COOKIE))


def _shown(value: Any) -> str:
    """A stored value as text for people (JSON for anything but text)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render(
    request: Request,
    template: str,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render ``template`` in the request's language, with the signed-in user's menu."""
    language = language_of(request)
    user = principal.user if principal is not None else None
    return templates.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "languages": LANGUAGES,
            "t": lambda key, **values: translate(language, key, **values),
            "shown": _shown,
            "principal": principal,
            "csrf_token": principal.csrf_token if principal is not None else "",
            "here": _local_path(str(request.url.path) + _query(request)),
            "can_manage_users": user is not None and may_somewhere(user, Action.USER_MANAGE),
            "can_read_audit": user is not None and may_somewhere(user, Action.AUDIT_READ),
            **context,
        },
        status_code=status_code,
    )


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""


def _local_path(target: str | None, default: str = "/trials") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def render_error(request: Request, status: int, error: RadtrialError) -> Response:
    """The page for an error: sign in again for 401, else an error page."""
    if status == 401:
        target = _local_path(str(request.url.path) + _query(request))
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        error=error,
    )


def web_principal(
    request: Request, db: DatabaseDep, policy: PolicyDep, token: SessionToken
) -> Principal:
    """The signed-in user, or :class:`NotAuthenticated` (which redirects to sign in)."""
    principal = auth.authenticate(db, policy, token)
    request.state.principal = principal
    return principal


WebPrincipal = Annotated[Principal, Depends(web_principal)]


async def form_data(request: Request) -> dict[str, str]:
    """A posted form's text fields (no files); each value at most 2,000 characters."""
    form = await request.form(max_files=0, max_fields=50)
    return {key: value[:2000] for key, value in form.items() if isinstance(value, str)}


FormData = Annotated[dict[str, str], Depends(form_data)]


def check_form_token(principal: Principal, sent: str) -> None:
    """Refuse a signed-in form whose CSRF token is not the session's."""
    if not csrf.tokens_match(principal.csrf_token, sent):
        raise PermissionDenied("the form has expired; reload the page", location="csrf_token")


# -- language and sign-in ---------------------------------------------------------------------


@router.get("/")
def home() -> Response:
    return RedirectResponse("/trials", status_code=303)


@router.get("/language/{code}")
def choose_language(code: str, next: str | None = None) -> Response:
    """Remember the chosen language and go back."""
    response = RedirectResponse(_local_path(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            path="/",
            secure=True,
            httponly=True,
            samesite="strict",
            max_age=365 * 24 * 3600,
        )
    return response


def _signin_page(
    request: Request,
    template: str,
    secret_key: str,
    *,
    next_path: str,
    status_code: int = 200,
    error: str | None = None,
    retry_after: int | None = None,
    username: str = "",
) -> Response:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE) or csrf.new_nonce()
    response = render(
        request,
        template,
        status_code=status_code,
        form_token=csrf.login_token(secret_key, nonce),
        next_path=next_path,
        error=error,
        username=username,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE, nonce, path="/", secure=True, httponly=True, samesite="strict"
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _check_signin_token(request: Request, secret_key: str, sent: str) -> bool:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE, "")
    return bool(nonce) and csrf.tokens_match(csrf.login_token(secret_key, nonce), sent)


@router.get("/login")
def login_page(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    return _signin_page(
        request, "login.html", settings.secret_key.get_secret_value(), next_path=_local_path(next)
    )


@router.post("/login")
def login_submit(
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    policy: PolicyDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    username, password = form.get("username", "")[:200], form.get("password", "")
    csrf_token = form.get("csrf_token", "")
    secret = settings.secret_key.get_secret_value()
    next_path = _local_path(form.get("next"))
    language = language_of(request)
    if not _check_signin_token(request, secret, csrf_token):
        return _signin_page(
            request,
            "login.html",
            secret,
            next_path=next_path,
            status_code=403,
            error=translate(language, "error.form_expired"),
            username=username,
        )
    try:
        issued = auth.sign_in_password(
            db, policy, username=username, password=password, client_address=address
        )
    except TooManyAttempts as refusal:
        return _signin_page(
            request,
            "login.html",
            secret,
            next_path=next_path,
            status_code=429,
            error=translate(language, "login.throttled"),
            retry_after=int(refusal.detail.get("retry_after_s", 60)),
            username=username,
        )
    except (NotAuthenticated, InvalidInput) as failure:
        key = (
            "login.no_second_factor"
            if failure.detail.get("reason") == "no_second_factor"
            else "login.failed"
        )
        return _signin_page(
            request,
            "login.html",
            secret,
            next_path=next_path,
            status_code=401,
            error=translate(language, key),
            username=username,
        )
    response = RedirectResponse(f"/login/totp?next={quote(next_path)}", status_code=303)
    set_session_cookie(response, issued.token)
    return response


@router.get("/login/totp")
def totp_page(
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    policy: PolicyDep,
    token: SessionToken,
    next: str | None = None,
) -> Response:
    try:
        username = auth.pending_second_factor(db, policy, token)
    except NotAuthenticated:
        return RedirectResponse(f"/login?next={quote(_local_path(next))}", status_code=303)
    return _signin_page(
        request,
        "totp.html",
        settings.secret_key.get_secret_value(),
        next_path=_local_path(next),
        username=username,
    )


@router.post("/login/totp")
def totp_submit(
    request: Request,
    settings: SettingsDep,
    db: DatabaseDep,
    policy: PolicyDep,
    address: ClientAddress,
    token: SessionToken,
    form: FormData,
) -> Response:
    code, csrf_token = form.get("code", "")[:20], form.get("csrf_token", "")
    secret = settings.secret_key.get_secret_value()
    next_path = _local_path(form.get("next"))
    language = language_of(request)
    if not _check_signin_token(request, secret, csrf_token):
        return _signin_page(
            request,
            "totp.html",
            secret,
            next_path=next_path,
            status_code=403,
            error=translate(language, "error.form_expired"),
        )
    try:
        issued = auth.sign_in_second_factor(
            db, policy, token=token, code=code, client_address=address
        )
    except TooManyAttempts as refusal:
        return _signin_page(
            request,
            "totp.html",
            secret,
            next_path=next_path,
            status_code=429,
            error=translate(language, "login.throttled"),
            retry_after=int(refusal.detail.get("retry_after_s", 60)),
        )
    except NotAuthenticated:
        try:
            auth.pending_second_factor(db, policy, token)
        except NotAuthenticated:
            return RedirectResponse(f"/login?next={quote(next_path)}", status_code=303)
        return _signin_page(
            request,
            "totp.html",
            secret,
            next_path=next_path,
            status_code=401,
            error=translate(language, "totp.failed"),
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, issued.token)
    response.delete_cookie(
        csrf.LOGIN_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response


@router.post("/logout")
def logout(
    db: DatabaseDep,
    token: SessionToken,
    address: ClientAddress,
    principal: WebPrincipal,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    auth.sign_out(db, token, client_address=address)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


# -- trials ---------------------------------------------------------------------------------


@router.get("/trials")
def trial_list(request: Request, principal: WebPrincipal, db: DatabaseDep) -> Response:
    summaries = [
        s
        for s in trials.list_trials(db, actor=principal.username)
        if decide(principal.user, Action.TRIAL_READ, s.trial.slug, None)
    ]
    return render(request, "trials.html", principal=principal, summaries=summaries)


@router.get("/trials/{slug}")
def trial_page(
    request: Request,
    slug: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    version: str | None = None,
) -> Response:
    authorise(
        db, principal.user, Action.TRIAL_READ, slug, None, entity="trials", client_address=address
    )
    view = trials.show_trial(db, slug, actor=principal.username, version_label=version)
    return render(
        request,
        "trial.html",
        principal=principal,
        view=view,
        protocol=view.protocol,
        assumptions=view.protocol.assumption_marks(),
        may_audit=decide(principal.user, Action.AUDIT_READ, slug, None),
    )


# -- sites ----------------------------------------------------------------------------------


@router.get("/sites")
def site_list(request: Request, principal: WebPrincipal, db: DatabaseDep) -> Response:
    overviews = sites.list_sites(db, user=principal.user)
    return render(request, "sites.html", principal=principal, overviews=overviews)


@router.get("/sites/{code}")
def site_page(
    request: Request, code: str, principal: WebPrincipal, db: DatabaseDep, address: ClientAddress
) -> Response:
    overview = sites.site_overview(db, user=principal.user, code=code, client_address=address)
    return render(request, "site.html", principal=principal, overview=overview)


# -- audit ----------------------------------------------------------------------------------


@router.get("/audit/{entity}/{entity_id}")
def audit_page(
    request: Request,
    entity: str,
    entity_id: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> Response:
    history = audit.record_history(
        db, user=principal.user, entity=entity, entity_id=entity_id, client_address=address
    )
    return render(request, "audit.html", principal=principal, history=history)


# -- users ----------------------------------------------------------------------------------


def _manages(admin: UserRecord, user: UserRecord) -> bool:
    return all(
        decide(admin, Action.USER_MANAGE, grant.trial_slug, grant.site_code)
        for grant in user.grants
    )


def _require_admin(db: DatabaseDep, principal: Principal, address: str) -> None:
    if not may_somewhere(principal.user, Action.USER_MANAGE):
        authorise(db, principal.user, Action.USER_MANAGE, None, None, client_address=address)


def _managed_user(db: DatabaseDep, principal: Principal, username: str, address: str) -> UserRecord:
    _require_admin(db, principal, address)
    user = users.get_user(db, actor=principal.username, username=username)
    for grant in user.grants:
        authorise(
            db,
            principal.user,
            Action.USER_MANAGE,
            grant.trial_slug,
            grant.site_code,
            entity="users",
            entity_id=str(user.id),
            client_address=address,
        )
    return user


@router.get("/users")
def user_list(
    request: Request, principal: WebPrincipal, db: DatabaseDep, address: ClientAddress
) -> Response:
    _require_admin(db, principal, address)
    shown = [
        user
        for user in users.list_users(db, actor=principal.username)
        if _manages(principal.user, user)
    ]
    return render(request, "users.html", principal=principal, users=shown)


def _trial_choices(db: DatabaseDep, principal: Principal) -> list[str]:
    return [
        s.trial.slug
        for s in trials.list_trials(db, actor=principal.username)
        if decide(principal.user, Action.TRIAL_READ, s.trial.slug, None)
    ]


def _user_form(
    request: Request,
    db: DatabaseDep,
    principal: Principal,
    *,
    status_code: int = 200,
    error: RadtrialError | None = None,
    values: dict[str, Any] | None = None,
    user: UserRecord | None = None,
) -> Response:
    return render(
        request,
        "user_form.html",
        principal=principal,
        status_code=status_code,
        error=error,
        values=values or {},
        user=user,
        version=users.user_version(user) if user is not None else "",
        roles=[role.value for role in Role],
        trial_choices=_trial_choices(db, principal),
    )


@router.get("/users/new")
def new_user_page(
    request: Request, principal: WebPrincipal, db: DatabaseDep, address: ClientAddress
) -> Response:
    _require_admin(db, principal, address)
    return _user_form(request, db, principal)


@router.post("/users/new")
def new_user_submit(
    request: Request,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    username, full_name, email = (
        form.get("username", ""),
        form.get("full_name", ""),
        form.get("email", ""),
    )
    role, trial, site = form.get("role", ""), form.get("trial", ""), form.get("site", "")
    password = form.get("password", "")
    _require_admin(db, principal, address)
    values = {
        "username": username,
        "full_name": full_name,
        "email": email,
        "role": role,
        "trial": trial,
        "site": site,
    }
    try:
        grant = users.parse_role(role, trial_slug=trial or None)
        grant = GrantRequest(grant.role, grant.trial_slug, site.strip().upper() or None)
        authorise(
            db,
            principal.user,
            Action.USER_MANAGE,
            grant.trial_slug,
            grant.site_code,
            client_address=address,
        )
        created = users.add_user(
            db,
            actor=principal.username,
            username=username.strip(),
            full_name=full_name,
            email=email.strip(),
            grants=[grant],
            password=password or None,
        )
    except RadtrialError as error:
        return _user_form(
            request, db, principal, status_code=status_of(error), error=error, values=values
        )
    return RedirectResponse(f"/users/{quote(created.username)}/edit?created=1", status_code=303)


@router.get("/users/{username}/edit")
def edit_user_page(
    request: Request,
    username: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    created: int = 0,
) -> Response:
    user = _managed_user(db, principal, username, address)
    return _user_form(
        request,
        db,
        principal,
        user=user,
        values={
            "full_name": user.full_name,
            "email": user.email,
            "active": user.active,
            "created": bool(created),
        },
    )


@router.post("/users/{username}/edit")
def edit_user_submit(
    request: Request,
    username: str,
    principal: WebPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    form: FormData,
) -> Response:
    check_form_token(principal, form.get("csrf_token", ""))
    version, full_name, email = (
        form.get("version", ""),
        form.get("full_name", ""),
        form.get("email", ""),
    )
    active, reason = form.get("active", ""), form.get("reason", "")
    current = _managed_user(db, principal, username, address)
    wants_active = active == "on"
    values = {"full_name": full_name, "email": email, "active": wants_active, "reason": reason}
    try:
        if not wants_active and current.username == principal.username:
            raise PermissionDenied("you cannot disable your own account", location="active")
        updated = users.update_user(
            db,
            actor=principal.username,
            username=username,
            expected_version=version or None,
            reason=reason,
            full_name=full_name,
            email=email.strip(),
            active=wants_active,
        )
    except RadtrialError as error:
        latest = users.get_user(db, actor=principal.username, username=username)
        if error.code == "precondition_failed":
            values = {
                "full_name": latest.full_name,
                "email": latest.email,
                "active": latest.active,
                "reason": reason,
            }
        return _user_form(
            request,
            db,
            principal,
            status_code=status_of(error),
            error=error,
            values=values,
            user=latest,
        )
    return _user_form(
        request,
        db,
        principal,
        user=updated,
        values={
            "full_name": updated.full_name,
            "email": updated.email,
            "active": updated.active,
            "saved": True,
        },
    )

"""The way in: the home page, the language choice, signing in (password, then the TOTP second
factor; the forms carry a signed double-submit CSRF token, :mod:`radtrial.web.csrf`) and
signing out."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep, PolicyDep, SessionToken, SettingsDep
from radtrial.api.security import clear_session_cookie, set_session_cookie
from radtrial.errors import InvalidInput, NotAuthenticated, TooManyAttempts
from radtrial.services import auth
from radtrial.web import csrf
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.i18n import LANGUAGES, translate
from radtrial.web.rendering import LANGUAGE_COOKIE, _local_path, language_of, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


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

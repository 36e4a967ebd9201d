"""Rendering a staff page: the Jinja2 templates, the page language (the user's choice, else the
browser's), the signed-in user's menu, and the page for an error (:func:`render_error`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from radtrial.errors import RadtrialError
from radtrial.services.auth import Principal
from radtrial.services.policy import Action, may_somewhere
from radtrial.web.i18n import LANGUAGES, negotiate, translate

__all__ = ["LANGUAGE_COOKIE", "language_of", "render", "render_error", "templates"]

LANGUAGE_COOKIE = "__Host-radtrial-lang"

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


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

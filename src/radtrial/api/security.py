"""Security headers on every response, the session cookie, and the last-resort error answer.

Every response carries a strict Content-Security-Policy (no inline script or style, no framing),
HSTS for a year including subdomains, ``nosniff``, a same-origin Referrer-Policy and the
cross-origin isolation headers (OWASP ASVS 3.4.1-3.4.6; RELIABILITY.md row 19). Everything but
the static assets is ``Cache-Control: no-store``, so no page or answer that may carry trial data
is kept by a browser or proxy (row 15).

The session cookie is ``__Host-`` prefixed, ``Secure``, ``HttpOnly`` and ``SameSite=Strict``,
path ``/``, with no domain (RFC 6265bis §4.1.3.2; row 13).
"""

from __future__ import annotations

import json
import logging

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CSRF_HEADER",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "SecurityHeadersMiddleware",
    "clear_session_cookie",
    "set_session_cookie",
]

logger = logging.getLogger("radtrial.api")

SESSION_COOKIE = "__Host-radtrial-session"
CSRF_HEADER = "X-CSRF-Token"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

_STATIC_PREFIX = "/static/"


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` and the cache policy to every HTTP response, and answers
    an exception that escaped everything else with a plain 500 (never a trace)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(_STATIC_PREFIX)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if static:
                    headers["Cache-Control"] = "public, max-age=3600"
                else:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = json.dumps(
                {
                    "error": {
                        "code": "internal_error",
                        "message": "an unexpected error occurred; it has been logged",
                        "location": None,
                        "detail": {},
                    }
                }
            ).encode()
            response = Response(body, status_code=500, media_type="application/json")
            await response(scope, receive, send_with_headers)


def set_session_cookie(response: Response, token: str) -> None:
    """Put the session token in the ``__Host-`` cookie (a browser-session cookie)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")

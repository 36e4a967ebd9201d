"""The one place where errors become HTTP answers, for the API and the web pages alike.

Every :class:`~radtrial.errors.RadtrialError` maps to a stable status by its class; request
validation failures become ``invalid_input`` naming the field; unknown paths and methods keep
their 404/405. The API answers ``{"error": {"code", "message", "location", "detail"}}``; pages
get the same facts rendered as HTML (or a redirect to sign in), through the renderer the web app
registers. Unexpected exceptions are logged with their traceback on the server and answered
with ``internal_error`` and no trace (OWASP ASVS 16.5.1; RELIABILITY.md row 14).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from radtrial.errors import (
    AllocationListExhausted,
    AlreadyRandomised,
    AlreadyRegistered,
    AuditIntegrityError,
    Conflict,
    EnrolmentRefused,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    RadtrialError,
    StorageBusy,
    TooManyAttempts,
)

__all__ = [
    "API_PREFIX",
    "ERROR_STATUSES",
    "HtmlErrorRenderer",
    "error_body",
    "error_response",
    "install",
    "status_of",
]

logger = logging.getLogger("radtrial.api")

API_PREFIX = "/api/"

#: Most specific class first: the first match decides the status.
ERROR_STATUSES: tuple[tuple[type[RadtrialError], int], ...] = (
    (NotAuthenticated, 401),
    (TooManyAttempts, 429),
    (PermissionDenied, 403),
    (NotFound, 404),
    (PreconditionFailed, 412),
    (Conflict, 409),
    # Enrolment refusals that conflict with what is stored (a second registration or
    # allocation, a used-up list) are 409; the other trial-rule refusals 422.
    (AlreadyRegistered, 409),
    (AlreadyRandomised, 409),
    (AllocationListExhausted, 409),
    (PreconditionRequired, 428),
    (InvalidInput, 422),
    (EnrolmentRefused, 422),
    (StorageBusy, 503),
    (AuditIntegrityError, 500),
)

#: Renders an error page: (request, status, code, message, location, detail) -> response.
HtmlErrorRenderer = Callable[[Request, int, RadtrialError], Response]


def status_of(error: RadtrialError) -> int:
    """The HTTP status of ``error`` (500 for a storage failure or an unmapped class)."""
    for cls, status in ERROR_STATUSES:
        if isinstance(error, cls):
            return status
    return 500


def error_body(
    code: str, message: str, location: str | None = None, detail: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON error shape."""
    return {
        "error": {"code": code, "message": message, "location": location, "detail": detail or {}}
    }


def _headers(error: RadtrialError) -> dict[str, str]:
    if isinstance(error, TooManyAttempts):
        return {"Retry-After": str(error.detail.get("retry_after_s", 60))}
    if isinstance(error, StorageBusy):
        return {"Retry-After": "1"}
    return {}


def error_response(error: RadtrialError) -> JSONResponse:
    """The API's answer to ``error``."""
    return JSONResponse(
        error_body(error.code, error.message, error.location, error.detail),
        status_code=status_of(error),
        headers=_headers(error),
    )


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIX) and request.url.path != "/openapi.json"


def _answer(request: Request, error: RadtrialError) -> Response:
    renderer: HtmlErrorRenderer | None = getattr(request.app.state, "render_error", None)
    if renderer is not None and _wants_html(request):
        response = renderer(request, status_of(error), error)
        response.headers.update(_headers(error))
        return response
    return error_response(error)


def _validation_location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _radtrial_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RadtrialError)
    if status_of(exc) >= 500:
        logger.error("request %s %s failed: %s", request.method, request.url.path, exc.code)
    return _answer(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"location": _validation_location(tuple(e.get("loc", ()))), "message": str(e.get("msg"))}
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"location": None, "message": "invalid request"}
    error = InvalidInput(
        str(first["message"]), location=first["location"], detail={"problems": problems}
    )
    return _answer(request, error)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # A body the framework could not parse is invalid input like any other.
        return _answer(request, InvalidInput(str(exc.detail), location="body"))
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = "no such page" if exc.status_code == 404 else str(exc.detail)
    renderer: HtmlErrorRenderer | None = getattr(request.app.state, "render_error", None)
    if renderer is not None and _wants_html(request) and exc.status_code in (403, 404):
        error: RadtrialError = (
            NotFound(message) if exc.status_code == 404 else PermissionDenied(message)
        )
        response = renderer(request, exc.status_code, error)
    else:
        response = JSONResponse(error_body(code, message), status_code=exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected error in %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("internal_error", "an unexpected error occurred; it has been logged"),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RadtrialError, _radtrial_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

"""The application: the REST API under ``/api/v1`` and the staff web pages, one process.

:func:`create_app` takes the settings and the databases, so tests and ``radtrial serve`` pass
their own (the database's clock is the clock of sessions and throttling). The OpenAPI document
is published at ``/api/v1/openapi.json``; it documents every error answer, the session cookie
and CSRF header, and ``Idempotency-Key`` on every write.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from radtrial import __version__
from radtrial.api import errors
from radtrial.api.idempotency import IDEMPOTENCY_HEADER, IdempotencyMiddleware
from radtrial.api.routers import (
    adverse_events,
    allocation_lists,
    audit,
    auth,
    biobank,
    course,
    deviations,
    ecog,
    endpoints,
    follow_up,
    fractions,
    participants,
    plan_qa,
    portal_invitations,
    recist,
    recist_corrections,
    screenings,
    signatures,
    sites,
    trials,
    users,
)
from radtrial.api.schemas import ErrorBody
from radtrial.api.security import CSRF_HEADER, SESSION_COOKIE, SecurityHeadersMiddleware
from radtrial.config import Settings
from radtrial.services.auth import AuthPolicy
from radtrial.services.policy import Database
from radtrial.web import install as install_web

__all__ = ["API_V1", "create_app"]

API_V1 = "/api/v1"

#: Error statuses every operation may answer, with the shared error body.
_ERROR_STATUSES = {
    "401": "Not signed in, or the session has ended",
    "403": "The user's roles do not allow this here (or the CSRF token is missing)",
    "404": "No such trial, site, user or record",
    "409": "Conflicts with what is stored, or the same Idempotency-Key is in flight",
    "412": "If-Match names a version that is no longer current",
    "422": "Invalid input; `location` names the field",
    "428": "If-Match is required",
    "429": "Too many failed sign-ins; see Retry-After",
    "503": "The database is busy; nothing was written, retry",
}
_PUBLIC = {f"{API_V1}/auth/login", f"{API_V1}/auth/totp", f"{API_V1}/auth/logout"}


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title="radtrial API",
        version=__version__,
        summary="Radiotherapy clinical trials end to end",
        description=(
            "Sign in with `POST /auth/login` then `POST /auth/totp`; the session travels in the "
            f"`{SESSION_COOKIE}` cookie. Every write also needs the session's CSRF token (from "
            f"`GET /auth/me`) in `{CSRF_HEADER}`, and accepts `{IDEMPOTENCY_HEADER}`. Errors "
            'are `{"error": {"code", "message", "location", "detail"}}`.'
        ),
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components["schemas"].update(error_schema.pop("$defs", {}))
    components["schemas"]["ErrorBody"] = error_schema
    components["securitySchemes"] = {
        "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
        "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
    }
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in _ERROR_STATUSES.items():
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": error_ref}},
                }
            if path not in _PUBLIC:
                write = method.upper() not in {"GET", "HEAD", "OPTIONS"}
                operation["security"] = [{"session": [], "csrf": []} if write else {"session": []}]
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "If-Match":
                    # Optional to the framework so that its absence is 428, not 422.
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "minLength": 1}
            if method.upper() in {"POST", "PUT", "PATCH", "DELETE"} and path not in _PUBLIC:
                operation.setdefault("parameters", []).append(
                    {
                        "name": IDEMPOTENCY_HEADER,
                        "in": "header",
                        "required": False,
                        "description": "Makes a retry safe: the first answer is replayed",
                        "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
                    }
                )
    app.openapi_schema = schema
    return schema


def api_router() -> APIRouter:
    """Every API resource's router, under ``/api/v1``."""
    router = APIRouter(prefix=API_V1)
    for module in (
        auth,
        trials,
        sites,
        users,
        audit,
        screenings,
        participants,
        allocation_lists,
        portal_invitations,
        course,
        fractions,
        deviations,
        plan_qa,
        adverse_events,
        ecog,
        recist,
        recist_corrections,
        follow_up,
        biobank,
        endpoints,
        signatures,
    ):
        router.include_router(module.router)
    return router


def create_app(settings: Settings, database: Database) -> FastAPI:
    """The app serving ``database`` as ``settings`` say."""
    app = FastAPI(
        title="radtrial",
        version=__version__,
        openapi_url=f"{API_V1}/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.auth_policy = AuthPolicy.from_settings(settings)
    errors.install(app)
    app.include_router(api_router())
    install_web(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # Added last = outermost: security headers wrap everything, idempotency replays included.
    app.add_middleware(
        IdempotencyMiddleware,
        prefix=API_V1,
        exempt=(f"{API_V1}/auth/",),
        exempt_suffixes=("/portal-invitations",),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    return app

"""Dependencies of the routers, as ``Annotated`` aliases: the databases, the settings, the
client's address and the signed-in user (with the CSRF check for writes)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from radtrial.api.security import CSRF_HEADER, SESSION_COOKIE
from radtrial.config import Settings
from radtrial.errors import PermissionDenied
from radtrial.services import auth
from radtrial.services.auth import AuthPolicy, Principal
from radtrial.services.policy import Database

__all__ = [
    "SAFE_METHODS",
    "ApiPrincipal",
    "ClientAddress",
    "DatabaseDep",
    "PolicyDep",
    "SessionToken",
    "SettingsDep",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    """The databases the app was created with."""
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_policy(request: Request) -> AuthPolicy:
    """Session lifetimes and sign-in limits."""
    policy: AuthPolicy = request.app.state.auth_policy
    return policy


def client_address(request: Request) -> str:
    """The client's address as the server sees it (throttling, access log)."""
    return request.client.host if request.client else "unknown"


def session_token(request: Request) -> str:
    """The session token from the cookie ('' when there is none)."""
    return request.cookies.get(SESSION_COOKIE, "")


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PolicyDep = Annotated[AuthPolicy, Depends(get_policy)]
ClientAddress = Annotated[str, Depends(client_address)]
SessionToken = Annotated[str, Depends(session_token)]


def api_principal(
    request: Request, db: DatabaseDep, policy: PolicyDep, token: SessionToken
) -> Principal:
    """The signed-in user; a write must also carry the session's CSRF token in
    ``X-CSRF-Token`` (the API's cookie is protected like a form)."""
    principal = auth.authenticate(db, policy, token)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
            raise PermissionDenied(
                "missing or wrong CSRF token: send the session's token (GET /api/v1/auth/me) "
                f"in {CSRF_HEADER}",
                location=CSRF_HEADER,
            )
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]

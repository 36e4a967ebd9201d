"""The staff pages' dependencies: the signed-in user (:data:`WebPrincipal`), a posted form's
text fields (:data:`FormData`) and the check of a signed-in form's CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from radtrial.api.deps import DatabaseDep, PolicyDep, SessionToken
from radtrial.errors import PermissionDenied
from radtrial.services import auth
from radtrial.services.auth import Principal
from radtrial.web import csrf

__all__ = ["FormData", "WebPrincipal", "check_form_token", "form_data", "web_principal"]


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

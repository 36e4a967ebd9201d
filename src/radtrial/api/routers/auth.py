"""``/auth``: sign in with password then TOTP code, sign out, and who is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Response

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep, PolicyDep, SessionToken
from radtrial.api.routers.convert import grant_out
from radtrial.api.schemas import LoginRequest, Me, SignInStage, TotpRequest
from radtrial.api.security import clear_session_cookie, set_session_cookie
from radtrial.services import auth
from radtrial.services.auth import Principal

router = APIRouter(prefix="/auth", tags=["auth"])


def _me(principal: Principal) -> Me:
    user = principal.user
    return Me(
        username=user.username,
        full_name=user.full_name,
        grants=[grant_out(grant) for grant in user.grants],
        csrf_token=principal.csrf_token,
        signed_in_at=principal.signed_in_at,
        idle_expires_at=principal.idle_expires_at,
        expires_at=principal.expires_at,
    )


@router.post("/login", summary="Sign in, step 1: the password")
def login(
    body: LoginRequest,
    response: Response,
    db: DatabaseDep,
    policy: PolicyDep,
    address: ClientAddress,
) -> SignInStage:
    """Check the password. The session it opens can only present a TOTP code (``/auth/totp``),
    within five minutes."""
    issued = auth.sign_in_password(
        db, policy, username=body.username, password=body.password, client_address=address
    )
    set_session_cookie(response, issued.token)
    return SignInStage(stage="second_factor", username=issued.username)


@router.post("/totp", summary="Sign in, step 2: the TOTP code")
def totp(
    body: TotpRequest,
    response: Response,
    db: DatabaseDep,
    policy: PolicyDep,
    address: ClientAddress,
    token: SessionToken,
) -> Me:
    """Check the code; on success a new session replaces the password-stage one."""
    issued = auth.sign_in_second_factor(
        db, policy, token=token, code=body.code, client_address=address
    )
    set_session_cookie(response, issued.token)
    return _me(auth.authenticate(db, policy, issued.token))


@router.post("/logout", status_code=204, summary="Sign out")
def logout(db: DatabaseDep, token: SessionToken, address: ClientAddress) -> Response:
    """End the session (if any) and drop the cookie."""
    auth.sign_out(db, token, client_address=address)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.get("/me", summary="The signed-in user")
def me(principal: ApiPrincipal) -> Me:
    """The user, their roles, the session's deadlines and its CSRF token."""
    return _me(principal)

"""``/users``: accounts and their roles, for sponsor administrators.

A sponsor administrator manages the users whose every grant lies within their own
administrative grants (a trial's administrator manages that trial's staff; one at a site, that
site's), and may grant only roles within them, so no one can hand out more than they hold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.etag import IfMatch, expected_version, set_etag
from radtrial.api.routers.convert import user_out
from radtrial.api.schemas import USERNAME_PATTERN, NewUser, UserOut, UserPatch
from radtrial.errors import PermissionDenied
from radtrial.services import users
from radtrial.services.auth import Principal
from radtrial.services.policy import (
    Action,
    Database,
    UserRecord,
    authorise,
    decide,
    may_somewhere,
)
from radtrial.services.users import GrantRequest, Role

router = APIRouter(prefix="/users", tags=["users"])

Username = Annotated[str, Path(pattern=USERNAME_PATTERN, description="Login name")]


def manages(admin: UserRecord, user: UserRecord) -> bool:
    """Whether ``admin`` may manage ``user`` (every grant of the user within the admin's)."""
    return all(
        decide(admin, Action.USER_MANAGE, grant.trial_slug, grant.site_code)
        for grant in user.grants
    )


def _require_admin(db: Database, principal: Principal, address: str) -> None:
    if not may_somewhere(principal.user, Action.USER_MANAGE):
        authorise(db, principal.user, Action.USER_MANAGE, None, None, client_address=address)


def _managed(db: Database, principal: Principal, username: str, address: str) -> UserRecord:
    _require_admin(db, principal, address)
    user = users.get_user(db, actor=principal.username, username=username)
    if not manages(principal.user, user):
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


@router.get("", summary="List users")
def list_users(principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress) -> list[UserOut]:
    """The users the administrator manages, by username."""
    _require_admin(db, principal, address)
    return [
        user_out(user)
        for user in users.list_users(db, actor=principal.username)
        if manages(principal.user, user)
    ]


@router.post("", status_code=201, summary="Add a user")
def add_user(
    body: NewUser,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> UserOut:
    """Create an active user with roles within the administrator's own; audited."""
    _require_admin(db, principal, address)
    for grant in body.grants:
        authorise(
            db, principal.user, Action.USER_MANAGE, grant.trial, grant.site, client_address=address
        )
    user = users.add_user(
        db,
        actor=principal.username,
        username=body.username,
        full_name=body.full_name,
        email=body.email,
        grants=[GrantRequest(Role(g.role), g.trial, g.site) for g in body.grants],
        password=body.password,
    )
    response.headers["Location"] = f"/api/v1/users/{user.username}"
    set_etag(response, users.user_version(user))
    return user_out(user)


@router.get("/{username}", summary="Show a user")
def show_user(
    username: Username,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> UserOut:
    """The user with roles; the ETag is the version an edit must name in If-Match."""
    user = _managed(db, principal, username, address)
    set_etag(response, users.user_version(user))
    return user_out(user)


@router.patch("/{username}", summary="Edit a user")
def edit_user(
    username: Username,
    body: UserPatch,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    if_match: IfMatch = None,
) -> UserOut:
    """Change the full name, e-mail or active flag, with a reason (audited). ``If-Match``
    must name the current version: 412 if the user changed meanwhile, 428 without it.
    Disabling an account ends its sessions."""
    current = _managed(db, principal, username, address)
    if body.active is False and current.username == principal.username:
        raise PermissionDenied("you cannot disable your own account", location="active")
    user = users.update_user(
        db,
        actor=principal.username,
        username=username,
        expected_version=expected_version(if_match, users.user_version(current)),
        reason=body.reason,
        full_name=body.full_name,
        email=body.email,
        active=body.active,
    )
    set_etag(response, users.user_version(user))
    return user_out(user)

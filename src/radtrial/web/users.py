"""The users pages, for administrators: the users they manage, adding a user with a role, and
editing (or disabling) one, each checked against the grants the administrator may manage."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radtrial.api.deps import ClientAddress, DatabaseDep
from radtrial.api.errors import status_of
from radtrial.errors import PermissionDenied, RadtrialError
from radtrial.services import trials, users
from radtrial.services.auth import Principal
from radtrial.services.policy import Action, UserRecord, authorise, decide, may_somewhere
from radtrial.services.users import GrantRequest, Role
from radtrial.web.deps import FormData, WebPrincipal, check_form_token
from radtrial.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


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

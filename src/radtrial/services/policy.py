"""Who may do what, where: the one site-isolation policy, and the access log.

:func:`decide` is the single policy function every router, page and guarded service asks. A
user holds roles per trial (or every trial) and per site (or every site) (ICH E6(R3) 4.3.8;
Normen fact sheet 14, access by service need; OWASP ASVS 8.2.1-8.2.3 and 8.4.1, where a site is
the tenant). An object has a scope: the trial and the site it belongs to, where None means it
belongs to no single trial or site. A grant *covers* a scope when its trial is every trial or
the object's trial and its site is every site or the object's site; so an object of every site
(None) is covered only by a grant at every site, and a global object only by a grant in every
trial. An action is allowed when one of the user's grants of a role the action admits covers
the object's scope, with two wider actions and one narrower:

* :attr:`Action.TRIAL_READ` (the protocol, a registry record, public by nature) needs a grant
  in the trial at any site;
* :attr:`Action.AUDIT_VERIFY` (the chains' health, which shows no record) needs the role
  anywhere;
* :attr:`Action.IDENTITY_READ` needs a grant at the participant's own site: a grant at every
  site does not count (the site that treats a participant is the one that may know who they
  are; see :mod:`radtrial.services.identity`).

An inactive account is refused everything. Refusals are written to the access log by
:func:`authorise` (RELIABILITY.md rows 9 and 16).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from radtrial.errors import PermissionDenied
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    AccessLogRecord,
    GrantRecord,
    ProtocolVersionRecord,
    Role,
    UserRecord,
)
from radtrial.store.repositories.access import AccessRepository

__all__ = [
    "ACTION_ROLES",
    "Action",
    "Database",
    "GrantRecord",
    "ProtocolVersionRecord",
    "Role",
    "UserRecord",
    "access_log",
    "allowed",
    "authorise",
    "covers",
    "decide",
    "log_access",
    "may_somewhere",
    "require",
]


class Action(StrEnum):
    """What a user asks to do to an object."""

    TRIAL_READ = "trial.read"
    SITE_READ = "site.read"
    PARTICIPANT_READ = "participant.read"
    PARTICIPANT_WRITE = "participant.write"
    IDENTITY_READ = "identity.read"
    AUDIT_READ = "audit.read"
    AUDIT_VERIFY = "audit.verify"
    USER_MANAGE = "user.manage"


_EVERY_ROLE = frozenset(Role)

#: The roles that may take each action (where their grant covers the object's scope).
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.TRIAL_READ: _EVERY_ROLE,
    Action.SITE_READ: _EVERY_ROLE,
    Action.PARTICIPANT_READ: frozenset(
        {
            Role.INVESTIGATOR,
            Role.RESEARCH_NURSE,
            Role.PHYSICIST,
            Role.DATA_MANAGER,
            Role.MONITOR,
            Role.UNBLINDED_STATISTICIAN,
        }
    ),
    Action.PARTICIPANT_WRITE: frozenset({Role.INVESTIGATOR, Role.RESEARCH_NURSE, Role.PHYSICIST}),
    Action.IDENTITY_READ: frozenset({Role.INVESTIGATOR, Role.RESEARCH_NURSE}),
    Action.AUDIT_READ: frozenset({Role.DATA_MANAGER, Role.MONITOR, Role.SPONSOR_ADMIN}),
    Action.AUDIT_VERIFY: frozenset({Role.DATA_MANAGER, Role.MONITOR, Role.SPONSOR_ADMIN}),
    Action.USER_MANAGE: frozenset({Role.SPONSOR_ADMIN}),
}


def covers(grant: GrantRecord, trial: str | None, site: str | None) -> bool:
    """Whether ``grant`` covers an object of ``trial`` at ``site`` (None: every one)."""
    return grant.trial_slug in (None, trial) and grant.site_code in (None, site)


def decide(user: UserRecord, action: Action, trial: str | None, site: str | None) -> bool:
    """Whether ``user`` may take ``action`` on an object of ``trial`` at ``site``.

    See the module docstring for the rule; None for trial or site means the object belongs to
    every trial or every site.
    """
    if not user.active:
        return False
    roles = ACTION_ROLES[action]
    for grant in user.grants:
        if grant.role not in roles:
            continue
        if action is Action.AUDIT_VERIFY:
            return True
        if action is Action.TRIAL_READ:
            if grant.trial_slug in (None, trial):
                return True
            continue
        if action is Action.IDENTITY_READ:
            if grant.trial_slug in (None, trial) and site is not None and grant.site_code == site:
                return True
            continue
        if covers(grant, trial, site):
            return True
    return False


def may_somewhere(user: UserRecord, action: Action) -> bool:
    """Whether ``user`` holds a role for ``action`` anywhere (for pages and lists that are then
    filtered object by object with :func:`decide`)."""
    return user.active and any(grant.role in ACTION_ROLES[action] for grant in user.grants)


def require(user: UserRecord, action: Action, trial: str | None, site: str | None) -> None:
    """Raise :class:`PermissionDenied` unless :func:`decide` allows (no log; see
    :func:`authorise`)."""
    if not decide(user, action, trial, site):
        raise PermissionDenied(
            _refusal(user, action, trial, site),
            location="actor",
            detail={"action": action.value, "trial": trial, "site": site},
        )


def _refusal(user: UserRecord, action: Action, trial: str | None, site: str | None) -> str:
    if not user.active:
        return f"{user.username!r} is not an active user"
    where = f"{trial or 'every trial'} at {site or 'every site'}"
    return f"{user.username!r} has no role that allows {action.value} in {where}"


def authorise(
    db: Database,
    user: UserRecord,
    action: Action,
    trial: str | None,
    site: str | None,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    client_address: str | None = None,
) -> None:
    """:func:`require`, writing a refusal to the access log before raising it."""
    if decide(user, action, trial, site):
        return
    log_access(
        db,
        actor=user.username,
        action=action.value,
        outcome="denied",
        entity=entity,
        entity_id=entity_id,
        trial_slug=trial,
        site_code=site,
        client_address=client_address,
    )
    require(user, action, trial, site)


def allowed(
    user: UserRecord, action: Action, scopes: Iterable[tuple[str | None, str | None]]
) -> list[tuple[str | None, str | None]]:
    """The scopes among ``scopes`` where ``user`` may take ``action`` (for filtering lists)."""
    return [scope for scope in scopes if decide(user, action, *scope)]


def log_access(
    db: Database,
    *,
    actor: str,
    action: str,
    outcome: str,
    entity: str | None = None,
    entity_id: str | None = None,
    trial_slug: str | None = None,
    site_code: str | None = None,
    client_address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row to the access log (who, what, which record, when, outcome)."""

    def work(uow: ResearchUnitOfWork) -> None:
        AccessRepository(uow).append(
            action=action,
            outcome=outcome,
            entity=entity,
            entity_id=entity_id,
            trial_slug=trial_slug,
            site_code=site_code,
            client_address=client_address,
            detail=detail,
        )

    db.run(work, actor=actor)


def access_log(
    db: Database, *, actor: str | None = None, action: str | None = None, limit: int = 1000
) -> list[AccessLogRecord]:
    """The access log, newest first, optionally of one actor or action."""
    return db.run(
        lambda uow: AccessRepository(uow).entries(actor=actor, action=action, limit=limit),
        actor="radtrial",
        read_only=True,
    )

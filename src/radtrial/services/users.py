"""User accounts and role grants (ICH E6(R3) 4.3.8 user management; Part 11 §11.10(d), (g)).

Every account gets at least one role when it is created, in one trial or all, at one site or
all; account creation and each grant are recorded in the audit trail with the acting user
(E6(R3) 4.2.2 asks that account creation and role changes be logged). A password, if any, is
stored only as an argon2id hash (RFC 9106; OWASP ASVS 4.0.3 2.4.1).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from radtrial.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import GrantRecord, Role, UserRecord

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "GrantRequest",
    "Role",
    "add_user",
    "get_user",
    "grant_summary",
    "hash_password",
    "list_users",
    "parse_role",
    "update_user",
    "user_version",
    "verify_password",
]

#: OWASP ASVS 4.0.3 2.1.1: passwords of at least 12 characters.
MIN_PASSWORD_LENGTH = 12

_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# RFC 9106 §4 second recommended option (argon2id, t=3, m=64 MiB, p=4).
_HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


@dataclass(frozen=True, slots=True)
class GrantRequest:
    """A role to grant, in one trial (None: every trial) at one site (None: every site)."""

    role: Role
    trial_slug: str | None = None
    site_code: str | None = None


def parse_role(spec: str, *, trial_slug: str | None = None) -> GrantRequest:
    """Read ``ROLE`` or ``ROLE@SITE`` (for example ``investigator@OUS``).

    Raises :class:`InvalidInput` located at ``role`` naming the valid roles.
    """
    name, _, site = spec.partition("@")
    try:
        role = Role(name.strip())
    except ValueError:
        valid = ", ".join(role.value for role in Role)
        raise InvalidInput(
            f"unknown role {name.strip()!r}; valid roles: {valid}", location="role"
        ) from None
    if "@" in spec and not site.strip():
        raise InvalidInput(f"{spec!r}: a site code must follow '@'", location="role")
    return GrantRequest(role=role, trial_slug=trial_slug, site_code=site.strip() or None)


def hash_password(password: str) -> str:
    """The argon2id hash (PHC string) of ``password``; refuses passwords that are too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"must be at least {MIN_PASSWORD_LENGTH} characters", location="password"
        )
    return _HASHER.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("not the password of anyone at all")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches the argon2id ``password_hash``.

    With no hash (unknown user, no password) a dummy hash is checked instead and False returned,
    so the answer takes as long whether or not the account exists.
    """
    try:
        return (
            _HASHER.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def add_user(
    db: Database,
    *,
    actor: str,
    username: str,
    full_name: str,
    email: str,
    grants: Sequence[GrantRequest],
    password: str | None = None,
) -> UserRecord:
    """Create an active user with ``grants``; returns the user as stored.

    ``username`` is 2-64 characters, lowercase, starting with a letter. Raises
    :class:`InvalidInput` for a malformed username, name, e-mail or password or when no grant
    is given, :class:`NotFound` for an unknown trial or site and :class:`Conflict` when the
    username is taken. The account and its grants are written in one transaction.
    """
    if not _USERNAME.fullmatch(username):
        raise InvalidInput(
            "2-64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter",
            location="username",
        )
    if not full_name.strip():
        raise InvalidInput("a full name is required", location="full_name")
    if not _EMAIL.fullmatch(email):
        raise InvalidInput("not an e-mail address", location="email")
    if not grants:
        raise InvalidInput("give at least one role", location="role")
    password_hash = None if password is None else hash_password(password)

    def work(uow: ResearchUnitOfWork) -> UserRecord:
        uow.users.add(
            username=username,
            full_name=full_name.strip(),
            email=email,
            password_hash=password_hash,
        )
        for grant in grants:
            uow.users.grant(
                username=username,
                role=grant.role,
                trial_slug=grant.trial_slug,
                site_code=grant.site_code,
            )
        return uow.users.get(username)

    return db.run(work, actor=actor)


def list_users(db: Database, *, actor: str) -> list[UserRecord]:
    """Every user, by username, with their grants."""
    return db.run(lambda uow: uow.users.all(), actor=actor, read_only=True)


def grant_summary(grant: GrantRecord) -> str:
    """``role@site in trial`` in words, for people: ``investigator@OUS in pallsoft``."""
    where = f"@{grant.site_code}" if grant.site_code else "@all-sites"
    return f"{grant.role.value}{where} in {grant.trial_slug or 'all trials'}"


def get_user(db: Database, *, actor: str, username: str) -> UserRecord:
    """The user ``username`` with grants; raises :class:`NotFound`."""
    return db.run(lambda uow: uow.users.get(username), actor=actor, read_only=True)


def user_version(user: UserRecord) -> str:
    """A fingerprint of everything an edit of ``user`` can see (for optimistic concurrency:
    an HTTP ETag): it changes whenever the name, e-mail, status or grants change."""
    content = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "active": user.active,
        "grants": sorted(
            [g.role.value, g.trial_slug or "", g.site_code or ""] for g in user.grants
        ),
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def update_user(
    db: Database,
    *,
    actor: str,
    username: str,
    expected_version: str | None,
    reason: str | None,
    full_name: str | None = None,
    email: str | None = None,
    active: bool | None = None,
) -> UserRecord:
    """Change a user's full name, e-mail or status, if the user is still as the editor saw it.

    ``expected_version`` is the :func:`user_version` the edit is based on: None raises
    :class:`PreconditionRequired`, another version :class:`PreconditionFailed` (nothing is
    written, so no update is lost). The check and the write happen in one transaction with the
    user's row locked. Raises :class:`InvalidInput` for an empty name or malformed e-mail,
    :class:`ReasonRequired` without a reason and :class:`NotFound`. Disabling an account ends
    its sessions on their next request.
    """
    if expected_version is None:
        raise PreconditionRequired(
            "say which version of the user the edit is based on (If-Match)", location="If-Match"
        )
    if full_name is not None and not full_name.strip():
        raise InvalidInput("a full name is required", location="full_name")
    if email is not None and not _EMAIL.fullmatch(email):
        raise InvalidInput("not an e-mail address", location="email")

    def work(uow: ResearchUnitOfWork) -> UserRecord:
        current = uow.users.get(username, lock=True)
        if user_version(current) != expected_version:
            raise PreconditionFailed(
                f"user {username!r} has changed since it was read; reload it and edit again",
                location="If-Match",
                detail={"current_version": user_version(current)},
            )
        return uow.users.update(
            username,
            full_name=None if full_name is None else full_name.strip(),
            email=email,
            active=active,
        )

    return db.run(work, actor=actor, reason=reason)

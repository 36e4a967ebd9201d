"""Service records to API bodies."""

from __future__ import annotations

from radtrial.api.schemas import GrantOut, UserOut, VersionOut
from radtrial.services.policy import GrantRecord, ProtocolVersionRecord, UserRecord
from radtrial.services.users import user_version


def grant_out(grant: GrantRecord) -> GrantOut:
    """A grant as the API shows it."""
    return GrantOut(role=grant.role.value, trial=grant.trial_slug, site=grant.site_code)


def version_out(version: ProtocolVersionRecord) -> VersionOut:
    """A protocol version as the API shows it."""
    return VersionOut(
        label=version.version_label,
        content_hash=version.content_hash,
        loaded_at=version.loaded_at,
        loaded_by=version.loaded_by,
    )


def user_out(user: UserRecord) -> UserOut:
    """A user as the API shows it (never the password hash)."""
    return UserOut(
        username=user.username,
        full_name=user.full_name,
        email=user.email,
        active=user.active,
        has_password=user.has_password,
        created_at=user.created_at,
        grants=[grant_out(grant) for grant in user.grants],
        version=user_version(user),
    )

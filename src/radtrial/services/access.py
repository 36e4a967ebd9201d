"""Role checks for the enrolment and randomisation services, at a participant's site.

A user holds roles per trial (or every trial) and per site (or every site); see
:mod:`radtrial.services.policy` for the site-isolation policy the web platform asks, whose grant
coverage rule (:func:`radtrial.services.policy.covers`) these checks share.
"""

from __future__ import annotations

from radtrial.errors import NotFound, PermissionDenied
from radtrial.services.policy import covers
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.records import Role, UserRecord

__all__ = [
    "ENROLMENT_ROLES",
    "GENERATE_ROLES",
    "INVESTIGATOR_ROLES",
    "acting_user",
    "has_role",
    "require_site_role",
    "require_trial_role",
    "visible_sites",
]

#: Who screens, records consent, registers and randomises at a site.
ENROLMENT_ROLES = frozenset({Role.INVESTIGATOR, Role.RESEARCH_NURSE})

#: Who confirms eligibility criteria and decides on optional fractions.
INVESTIGATOR_ROLES = frozenset({Role.INVESTIGATOR})

#: Who generates a trial's allocation list (its seed stays with the unblinded function).
GENERATE_ROLES = frozenset({Role.UNBLINDED_STATISTICIAN})


def acting_user(uow: ResearchUnitOfWork, actor: str) -> UserRecord:
    """The active user ``actor``; :class:`PermissionDenied` if unknown or inactive."""
    try:
        user = uow.users.get(actor)
    except NotFound:
        raise PermissionDenied(f"{actor!r} is not a radtrial user", location="actor") from None
    if not user.active:
        raise PermissionDenied(f"{actor!r} is not an active user", location="actor")
    return user


def has_role(user: UserRecord, roles: frozenset[Role], trial_slug: str, site_code: str) -> bool:
    """Whether ``user`` holds one of ``roles`` in ``trial_slug`` at ``site_code``."""
    return user.active and any(
        grant.role in roles and covers(grant, trial_slug, site_code) for grant in user.grants
    )


def require_site_role(
    user: UserRecord, roles: frozenset[Role], trial_slug: str, site_code: str, what: str
) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may ``what`` at ``site_code``."""
    if not has_role(user, roles, trial_slug, site_code):
        wanted = ", ".join(sorted(role.value for role in roles))
        raise PermissionDenied(
            f"{user.username!r} may not {what} at {site_code} in {trial_slug} "
            f"(needs one of: {wanted})",
            location="actor",
        )


def require_trial_role(
    user: UserRecord, roles: frozenset[Role], trial_slug: str, what: str
) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` holds one of ``roles`` in the trial (at
    any site)."""
    if not (
        user.active
        and any(
            grant.role in roles and grant.trial_slug in (None, trial_slug) for grant in user.grants
        )
    ):
        wanted = ", ".join(sorted(role.value for role in roles))
        raise PermissionDenied(
            f"{user.username!r} may not {what} in {trial_slug} (needs one of: {wanted})",
            location="actor",
        )


def visible_sites(user: UserRecord, trial_slug: str) -> frozenset[str] | None:
    """The sites whose records ``user`` may see in the trial: None for every site (a grant at
    every site), else the codes of the user's site grants in the trial (maybe none)."""
    if not user.active:
        return frozenset()
    grants = [grant for grant in user.grants if grant.trial_slug in (None, trial_slug)]
    if any(grant.site_code is None for grant in grants):
        return None
    return frozenset(grant.site_code for grant in grants if grant.site_code is not None)

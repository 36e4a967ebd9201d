"""The re-identification key: who a study id is, for the people caring for that participant.

Identities live in the identity store, a database apart from research data (GDPR art. 4(5),
25, 32, 89). Only an active user holding the ``investigator`` or ``research_nurse`` role at the
participant's own site (for the participant's trial, or for every trial) may record or read one
(Normen fact sheet 14, access by service need; OWASP ASVS 8.2.2). A grant "at every site" does
not count: seeing who a participant is belongs to the site that treats them. Everyone else, for
example a monitor or the unblinded statistician, is refused with :class:`PermissionDenied`.

National identity numbers are validated (:mod:`radtrial.clinical.national_id`) before storage.
"""

from __future__ import annotations

from radtrial.clinical.national_id import parse_national_id
from radtrial.errors import InvalidInput, NotFound, PermissionDenied
from radtrial.store.database import Database, IdentityUnitOfWork, ResearchUnitOfWork
from radtrial.store.records import IdentityRecord, ParticipantRecord, Role, UserRecord

__all__ = ["IDENTITY_ROLES", "may_see_identity", "read_identity", "record_identity"]

#: The roles that may record and read identities, at the participant's site.
IDENTITY_ROLES = frozenset({Role.INVESTIGATOR, Role.RESEARCH_NURSE})


def may_see_identity(user: UserRecord, participant: ParticipantRecord) -> bool:
    """Whether ``user`` may see who ``participant`` is (see the module docstring)."""
    return user.active and any(
        grant.role in IDENTITY_ROLES
        and grant.site_code == participant.site_code
        and grant.trial_slug in (None, participant.trial_slug)
        for grant in user.grants
    )


def _authorise(db: Database, actor: str, study_id: str) -> None:
    def check(uow: ResearchUnitOfWork) -> None:
        try:
            user = uow.users.get(actor)
        except NotFound:
            raise PermissionDenied(f"{actor!r} is not a radtrial user", location="actor") from None
        if not any(grant.role in IDENTITY_ROLES for grant in user.grants):
            raise PermissionDenied(
                f"{actor!r} has no role that may see identities", location="actor"
            )
        if not may_see_identity(user, uow.participants.get(study_id)):
            raise PermissionDenied(
                f"{actor!r} may not see identities of participants at this participant's site",
                location="actor",
            )

    db.run(check, actor=actor, read_only=True)


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidInput("is required", location=field)
    return value.strip()


def _optional(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return value.strip()


def record_identity(
    db: Database,
    *,
    actor: str,
    study_id: str,
    national_id: str,
    given_name: str,
    family_name: str,
    phone: str | None = None,
    email: str | None = None,
    address: str | None = None,
) -> IdentityRecord:
    """Store who the participant ``study_id`` is, in the identity store.

    Raises :class:`PermissionDenied` (see the module docstring), :class:`NotFound` for an
    unknown study id, :class:`InvalidInput` for an invalid national id or a missing name and
    :class:`Conflict` if the participant already has an identity. Error messages never repeat
    the identity values.
    """
    _authorise(db, actor, study_id)
    number = parse_national_id(national_id)
    given = _required(given_name, "given_name")
    family = _required(family_name, "family_name")

    def work(uow: IdentityUnitOfWork) -> IdentityRecord:
        return uow.identities.add(
            study_id=study_id,
            national_id=number.value,
            national_id_kind=number.kind.value,
            given_name=given,
            family_name=family,
            phone=_optional(phone),
            email=_optional(email),
            address=_optional(address),
        )

    return db.run_identity(work, actor=actor)


def read_identity(db: Database, *, actor: str, study_id: str) -> IdentityRecord:
    """Who the participant ``study_id`` is, for an authorised ``actor``.

    Raises :class:`PermissionDenied` (see the module docstring) and :class:`NotFound` for an
    unknown study id or one with no identity recorded.
    """
    _authorise(db, actor, study_id)
    return db.run_identity(lambda uow: uow.identities.get(study_id), actor=actor, read_only=True)

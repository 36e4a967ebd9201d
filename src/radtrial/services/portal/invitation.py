"""Portal invitations: a participant's personal one-time link and code, issued, listed,
revoked and redeemed for a portal session.

An investigator or research nurse at the participant's site issues an invitation: a link token
(256 bits) and a short code (10 characters, about 50 bits), shown once. Only their SHA-256 is
stored. An invitation expires (:attr:`PortalPolicy.invitation`, a setting), is redeemed once
(link or code, whichever comes first) and can be revoked, which also ends the sessions it
opened. Issuing, redeeming and revoking are audited (the invitation is a record) and go to the
access log.

**Throttling.** Every redemption attempt is reserved as a failure before the token is looked up
(as staff sign-in does, :mod:`radtrial.services.auth`), counted per client address and over all
addresses in a sliding hour; beyond either limit nothing is evaluated and the answer is
:class:`TooManyAttempts` until the oldest failure ages out.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from radtrial.errors import InvalidInput, NotAuthenticated, NotFound, TooManyAttempts
from radtrial.services.access import ENROLMENT_ROLES, acting_user, require_site_role
from radtrial.services.portal._common import _code_digest, _log, _session_digest, _token_digest
from radtrial.services.portal.policy import PortalPolicy
from radtrial.services.portal.sessions import IssuedPortalSession
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.repositories.portal import InvitationRecord, PortalRepository

__all__ = [
    "IssuedInvitation",
    "invitations",
    "issue_invitation",
    "normalise_code",
    "redeem",
    "revoke_invitation",
]

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 10
_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """An invitation just issued: the link token and code are shown once and stored nowhere."""

    invitation_id: int
    study_id: str
    token: str
    code: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"IssuedInvitation(id={self.invitation_id}, study_id={self.study_id!r})"


def normalise_code(code: str) -> str:
    """A typed code without spaces or dashes, upper case."""
    return re.sub(r"[\s\-]", "", code).upper()


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def issue_invitation(
    db: Database, policy: PortalPolicy, *, actor: str, study_id: str, client_address: str = ""
) -> IssuedInvitation:
    """Issue a one-time portal link and code for ``study_id`` (an investigator or research
    nurse at the participant's site); earlier invitations not yet redeemed are revoked, so only
    the newest works. Raises :class:`NotFound`, :class:`PermissionDenied`."""
    token, code = secrets.token_urlsafe(32), _new_code()

    def work(uow: ResearchUnitOfWork) -> InvitationRecord:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "invite participants to the patient portal",
        )
        repo = PortalRepository(uow)
        for earlier in repo.invitations(participant.id):
            if earlier.redeemed_at is None and earlier.revoked_at is None:
                repo.mark_revoked(earlier.id)
        record = repo.add_invitation(
            participant.id,
            token_sha256=_token_digest(token),
            code_sha256=_code_digest(normalise_code(code)),
            expires_at=uow.now() + policy.invitation,
        )
        _log(uow, "portal.invite", "passed", client_address, participant, invitation=record.id)
        return record

    record = db.run(work, actor=actor, reason="a new portal invitation replaces unused ones")
    return IssuedInvitation(record.id, study_id, token, code, record.expires_at)


def invitations(db: Database, *, actor: str, study_id: str) -> list[InvitationRecord]:
    """The participant's invitations (staff at the participant's site)."""

    def work(uow: ResearchUnitOfWork) -> list[InvitationRecord]:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "see portal invitations",
        )
        return PortalRepository(uow).invitations(participant.id)

    return db.run(work, actor=actor, read_only=True)


def revoke_invitation(
    db: Database,
    *,
    actor: str,
    study_id: str,
    invitation_id: int,
    client_address: str = "",
    reason: str = "portal invitation revoked by site staff",
) -> InvitationRecord:
    """Revoke an invitation of ``study_id`` and end the portal sessions it opened. An
    invitation of another participant is :class:`NotFound`."""

    def work(uow: ResearchUnitOfWork) -> InvitationRecord:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "revoke portal invitations",
        )
        repo = PortalRepository(uow)
        try:
            invitation = repo.invitation(invitation_id)
        except NotFound:
            invitation = None
        if invitation is None or invitation.participant_id != participant.id:
            raise NotFound(
                f"{study_id} has no portal invitation {invitation_id}", location="invitation_id"
            )
        if invitation.revoked_at is None:
            repo.mark_revoked(invitation.id)
        repo.end_invitation_sessions(invitation.id, "revoked")
        _log(uow, "portal.revoke", "passed", client_address, participant, invitation=invitation.id)
        return repo.invitation(invitation.id)

    return db.run(work, actor=actor, reason=reason)


def _retry_after(oldest: datetime | None, now: datetime) -> int:
    if oldest is None:
        return 1
    return max(1, int((oldest + _WINDOW - now).total_seconds()) + 1)


def _reserve_attempt(db: Database, policy: PortalPolicy, address: str) -> int:
    def work(uow: ResearchUnitOfWork) -> int | TooManyAttempts:
        repo = PortalRepository(uow)
        now = uow.now()
        since = now - _WINDOW
        for limit, where in (
            (policy.failures_per_address, address),
            (policy.failures_overall, None),
        ):
            count, oldest = repo.failures_since(since, client_address=where)
            if count >= limit:
                _log(uow, "portal.redeem", "throttled", address)
                return TooManyAttempts(
                    "too many wrong codes in the last hour; try again later",
                    location="code",
                    detail={"retry_after_s": _retry_after(oldest, now)},
                )
        return repo.add_attempt(address)

    result = db.run(work, actor="portal")
    if isinstance(result, TooManyAttempts):
        raise result
    return result


def redeem(
    db: Database,
    policy: PortalPolicy,
    *,
    client_address: str,
    token: str | None = None,
    code: str | None = None,
) -> IssuedPortalSession:
    """Exchange a link token or a code for a portal session, once.

    Raises :class:`TooManyAttempts` beyond the limits (nothing looked up) and
    :class:`NotAuthenticated` for an unknown, used, revoked or expired invitation (the message
    does not say which).
    """
    if token:
        digest = _token_digest(token.strip()[:200])
    elif code:
        digest = _code_digest(normalise_code(code[:40]))
    else:
        raise InvalidInput("enter the code you were given", location="code")
    attempt = _reserve_attempt(db, policy, client_address)
    found = db.run(lambda uow: _find_invitation(uow, digest), actor="portal", read_only=True)
    actor = "portal" if found is None else f"portal:{found[1]}"
    session_token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)

    def work(uow: ResearchUnitOfWork) -> str | None:
        repo = PortalRepository(uow)
        invitation = repo.invitation_by_hash(digest, lock=True)
        participant = (
            None
            if invitation is None
            else uow.participants.get(repo.study_id(invitation.participant_id))
        )
        why = None
        if invitation is None or participant is None:
            why = "unknown"
        elif invitation.revoked_at is not None:
            why = "revoked"
        elif invitation.redeemed_at is not None:
            why = "already_used"
        elif uow.now() > invitation.expires_at:
            why = "expired"
        if why is not None or invitation is None:
            _log(uow, "portal.redeem", "failed", client_address, participant, why=why)
            return None
        repo.mark_redeemed(invitation.id)
        repo.mark_attempt_succeeded(attempt)
        repo.create_session(
            invitation_id=invitation.id,
            participant_id=invitation.participant_id,
            token_sha256=_session_digest(session_token),
            csrf_token=csrf,
            client_address=client_address,
        )
        _log(uow, "portal.redeem", "passed", client_address, participant, invitation=invitation.id)
        return "ok"

    if db.run(work, actor=actor, reason="invitation redeemed by the participant") is None:
        raise NotAuthenticated(
            "this link or code is not valid (it may have expired or been used already); ask "
            "the study nurse for a new one",
            location="code",
        )
    return IssuedPortalSession(session_token, csrf)


def _find_invitation(uow: ResearchUnitOfWork, digest: str) -> tuple[int, str] | None:
    repo = PortalRepository(uow)
    invitation = repo.invitation_by_hash(digest)
    if invitation is None:
        return None
    return invitation.id, repo.study_id(invitation.participant_id)

"""Portal sessions: the participant's own session, opened by redeeming an invitation.

They are separate from staff sessions: their own table and cookie, a short idle timeout and a
two-hour absolute limit. The participant is taken from the session only; nothing the client
sends names a participant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from radtrial.errors import NotAuthenticated
from radtrial.services.portal._common import _log, _session_digest
from radtrial.services.portal.policy import PortalPolicy
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.repositories.portal import InvitationRecord, PortalRepository

__all__ = ["IssuedPortalSession", "PortalPrincipal", "authenticate_portal", "sign_out_portal"]

_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedPortalSession:
    """A portal session just opened: the token goes in the portal cookie only."""

    token: str
    csrf_token: str

    def __repr__(self) -> str:
        return "IssuedPortalSession()"


@dataclass(frozen=True, slots=True)
class PortalPrincipal:
    """The participant of a portal request, from the portal session alone."""

    session_id: int
    participant_id: int
    study_id: str
    csrf_token: str

    @property
    def actor(self) -> str:
        """Who the audit trail names for the participant's own answers."""
        return f"portal:{self.study_id}:session-{self.session_id}"

    def __repr__(self) -> str:
        return f"PortalPrincipal(session_id={self.session_id})"


def authenticate_portal(db: Database, policy: PortalPolicy, token: str) -> PortalPrincipal:
    """The participant of the open portal session ``token``, which is marked as used.

    :class:`NotAuthenticated` for no, an unknown, ended, idle or too old session, or one whose
    invitation has been revoked (such a session is ended).
    """
    if not token:
        raise NotAuthenticated("no portal session", location="portal_session")

    def read(uow: ResearchUnitOfWork) -> tuple[Any, InvitationRecord, str] | None:
        repo = PortalRepository(uow)
        session = repo.session(_session_digest(token))
        if session is None or session.ended_at is not None:
            return None
        return (
            session,
            repo.invitation(session.invitation_id),
            repo.study_id(session.participant_id),
        )

    found = db.run(read, actor="portal", read_only=True)
    if found is None:
        raise NotAuthenticated("no portal session", location="portal_session")
    session, invitation, study_id = found
    now = db.clock()
    ending = None
    if invitation.revoked_at is not None:
        ending = "revoked"
    elif now - session.last_seen_at > policy.idle:
        ending = "idle_timeout"
    elif now - session.created_at > policy.absolute:
        ending = "absolute_timeout"
    actor = f"portal:{study_id}:session-{session.id}"
    if ending is not None:

        def end(uow: ResearchUnitOfWork) -> None:
            PortalRepository(uow).end_session(session.id, ending)
            _log(uow, "portal.session.end", ending, "")

        db.run(end, actor=actor)
        raise NotAuthenticated(
            "the portal session has ended", location="portal_session", detail={"reason": ending}
        )
    if now - session.last_seen_at >= _TOUCH_EVERY:
        db.run(lambda uow: PortalRepository(uow).touch_session(session.id), actor=actor)
    return PortalPrincipal(session.id, session.participant_id, study_id, session.csrf_token)


def sign_out_portal(db: Database, token: str) -> None:
    """End the portal session ``token``; unknown or ended tokens are ignored."""
    if not token:
        return

    def work(uow: ResearchUnitOfWork) -> None:
        repo = PortalRepository(uow)
        session = repo.session(_session_digest(token))
        if session is not None and session.ended_at is None:
            repo.end_session(session.id, "signed_out")
            _log(uow, "portal.sign_out", "passed", "")

    db.run(work, actor="portal")

"""The patient portal's state: invitations, portal sessions, draft answers and licensed texts.

Invitations, drafts and licensed texts go through the ORM session and are audited like any
record (token and code hashes redacted). Portal sessions are operational security state written
with Core statements on the unit of work's connection, like staff sessions
(:mod:`radtrial.store.repositories.auth`). Portal code guesses are counted in the staff sign-in
attempts table under a reserved name (:data:`PORTAL_CODE_ATTEMPT`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from radtrial.errors import NotFound
from radtrial.store.tables import (
    InstrumentTextRow,
    LoginAttemptRow,
    ParticipantRow,
    PortalDraftRow,
    PortalInvitationRow,
    PortalSessionRow,
    SiteRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = [
    "PORTAL_CODE_ATTEMPT",
    "DraftRecord",
    "InstrumentTextRecord",
    "InvitationRecord",
    "PortalRepository",
    "PortalSessionRecord",
]

#: The ``username`` under which portal code and link attempts are counted (no user has it:
#: usernames have no colon).
PORTAL_CODE_ATTEMPT = "portal:code"


@dataclass(frozen=True, slots=True)
class InvitationRecord:
    """A portal invitation (without its hashes)."""

    id: int
    participant_id: int
    issued_by: str
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class PortalSessionRecord:
    """A portal session: whose (participant id) and its times."""

    id: int
    invitation_id: int
    participant_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None

    def __repr__(self) -> str:
        return f"PortalSessionRecord(id={self.id}, participant_id={self.participant_id})"


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """A participant's saved partial answers to one questionnaire at one visit."""

    id: int
    participant_id: int
    visit_id: str
    instrument: str
    answers: dict[str, str]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InstrumentTextRecord:
    """A site's licensed texts of one questionnaire in one language."""

    site_code: str
    instrument: str
    language: str
    texts: dict[str, Any]
    licence: str | None
    loaded_by: str
    loaded_at: datetime


def _invitation(row: PortalInvitationRow) -> InvitationRecord:
    return InvitationRecord(
        id=row.id,
        participant_id=row.participant_id,
        issued_by=row.issued_by,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        redeemed_at=row.redeemed_at,
        revoked_at=row.revoked_at,
    )


def _draft(row: PortalDraftRow) -> DraftRecord:
    return DraftRecord(
        id=row.id,
        participant_id=row.participant_id,
        visit_id=row.visit_id,
        instrument=row.instrument,
        answers={str(k): str(v) for k, v in (row.answers or {}).items()},
        updated_at=row.updated_at,
    )


class PortalRepository:
    """Invitations, portal sessions, drafts and licensed questionnaire texts."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _connection(self) -> Connection:
        return self._uow.session.connection()

    def _is_postgresql(self) -> bool:
        return self._connection.dialect.name == "postgresql"

    # -- invitations (audited) -----------------------------------------------------------------

    def add_invitation(
        self, participant_id: int, *, token_sha256: str, code_sha256: str, expires_at: datetime
    ) -> InvitationRecord:
        """A new invitation issued now by the unit of work's actor."""
        row = PortalInvitationRow(
            participant_id=participant_id,
            token_sha256=token_sha256,
            code_sha256=code_sha256,
            issued_by=self._uow.actor,
            issued_at=self._uow.now(),
            expires_at=expires_at,
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _invitation(row)

    def invitation_by_hash(self, digest: str, *, lock: bool = False) -> InvitationRecord | None:
        """The invitation whose link token or code has this SHA-256 (``lock``: row-locked on
        PostgreSQL until the unit of work ends)."""
        query = select(PortalInvitationRow).where(
            (PortalInvitationRow.token_sha256 == digest)
            | (PortalInvitationRow.code_sha256 == digest)
        )
        if lock and self._is_postgresql():
            query = query.with_for_update()
        row = self._uow.session.scalars(query).first()
        return None if row is None else _invitation(row)

    def invitation(self, invitation_id: int) -> InvitationRecord:
        """The invitation ``invitation_id``; raises :class:`NotFound`."""
        row = self._uow.session.get(PortalInvitationRow, invitation_id)
        if row is None:
            raise NotFound(f"no portal invitation {invitation_id}", location="invitation_id")
        return _invitation(row)

    def invitations(self, participant_id: int) -> list[InvitationRecord]:
        """The participant's invitations, oldest first."""
        rows = self._uow.session.scalars(
            select(PortalInvitationRow)
            .where(PortalInvitationRow.participant_id == participant_id)
            .order_by(PortalInvitationRow.id)
        )
        return [_invitation(row) for row in rows]

    def mark_redeemed(self, invitation_id: int) -> None:
        """Record that the invitation was redeemed now."""
        row = self._uow.session.get(PortalInvitationRow, invitation_id)
        assert row is not None
        row.redeemed_at = self._uow.now()
        self._uow.session.flush()

    def mark_revoked(self, invitation_id: int) -> None:
        """Record that the invitation was revoked now by the unit of work's actor."""
        row = self._uow.session.get(PortalInvitationRow, invitation_id)
        assert row is not None
        row.revoked_at = self._uow.now()
        row.revoked_by = self._uow.actor
        self._uow.session.flush()

    # -- portal sessions (operational state) ---------------------------------------------------

    def create_session(
        self,
        *,
        invitation_id: int,
        participant_id: int,
        token_sha256: str,
        csrf_token: str,
        client_address: str | None,
    ) -> int:
        """A new portal session, created and last seen now; returns its id."""
        now = self._uow.now()
        result = self._connection.execute(
            insert(PortalSessionRow)
            .values(
                token_sha256=token_sha256,
                invitation_id=invitation_id,
                participant_id=participant_id,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                client_address=client_address,
            )
            .returning(PortalSessionRow.id)
        )
        return int(result.scalar_one())

    def session(self, token_sha256: str) -> PortalSessionRecord | None:
        """The portal session whose token has this SHA-256, ended or not."""
        row = self._connection.execute(
            select(PortalSessionRow).where(PortalSessionRow.token_sha256 == token_sha256)
        ).first()
        if row is None:
            return None
        return PortalSessionRecord(
            id=row.id,
            invitation_id=row.invitation_id,
            participant_id=row.participant_id,
            csrf_token=row.csrf_token,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            ended_at=row.ended_at,
        )

    def touch_session(self, session_id: int) -> None:
        """Mark the session as used now."""
        self._connection.execute(
            update(PortalSessionRow)
            .where(PortalSessionRow.id == session_id, PortalSessionRow.ended_at.is_(None))
            .values(last_seen_at=self._uow.now())
        )

    def end_session(self, session_id: int, reason: str) -> None:
        """End the session now (no-op if it has ended)."""
        self._connection.execute(
            update(PortalSessionRow)
            .where(PortalSessionRow.id == session_id, PortalSessionRow.ended_at.is_(None))
            .values(ended_at=self._uow.now(), end_reason=reason)
        )

    def end_invitation_sessions(self, invitation_id: int, reason: str) -> int:
        """End every open session opened with the invitation; how many were open."""
        result = self._connection.execute(
            update(PortalSessionRow)
            .where(
                PortalSessionRow.invitation_id == invitation_id,
                PortalSessionRow.ended_at.is_(None),
            )
            .values(ended_at=self._uow.now(), end_reason=reason)
        )
        return int(result.rowcount)

    def study_id(self, participant_id: int) -> str:
        """The study id of the participant with this row id."""
        found = self._uow.session.scalars(
            select(ParticipantRow.study_id).where(ParticipantRow.id == participant_id)
        ).first()
        if found is None:
            raise NotFound("no such participant", location="participant")
        return found

    # -- code attempts (throttling) ------------------------------------------------------------

    def add_attempt(self, client_address: str) -> int:
        """Reserve a portal code attempt from ``client_address`` as a failure; its id."""
        result = self._connection.execute(
            insert(LoginAttemptRow)
            .values(
                at=self._uow.now(),
                username=PORTAL_CODE_ATTEMPT,
                client_address=client_address,
                succeeded=False,
            )
            .returning(LoginAttemptRow.id)
        )
        return int(result.scalar_one())

    def mark_attempt_succeeded(self, attempt_id: int) -> None:
        """Turn a reserved attempt into a successful one."""
        self._connection.execute(
            update(LoginAttemptRow).where(LoginAttemptRow.id == attempt_id).values(succeeded=True)
        )

    def failures_since(
        self, since: datetime, *, client_address: str | None = None
    ) -> tuple[int, datetime | None]:
        """Failed portal attempts since ``since`` (from ``client_address``, or from anywhere)
        and the oldest one's time."""
        query = select(func.count(), func.min(LoginAttemptRow.at)).where(
            LoginAttemptRow.username == PORTAL_CODE_ATTEMPT,
            LoginAttemptRow.succeeded.is_(False),
            LoginAttemptRow.at > since,
        )
        if client_address is not None:
            query = query.where(LoginAttemptRow.client_address == client_address)
        count, oldest = self._connection.execute(query).one()
        return int(count), oldest

    # -- drafts (audited) ----------------------------------------------------------------------

    def draft(self, participant_id: int, visit_id: str, instrument: str) -> DraftRecord | None:
        """The participant's draft of ``instrument`` at ``visit_id``, if any."""
        row = self._draft_row(participant_id, visit_id, instrument)
        return None if row is None else _draft(row)

    def _draft_row(
        self, participant_id: int, visit_id: str, instrument: str
    ) -> PortalDraftRow | None:
        return self._uow.session.scalars(
            select(PortalDraftRow).where(
                PortalDraftRow.participant_id == participant_id,
                PortalDraftRow.visit_id == visit_id,
                PortalDraftRow.instrument == instrument,
            )
        ).first()

    def draft_by_id(self, participant_id: int, draft_id: int) -> DraftRecord | None:
        """The draft ``draft_id`` if it is the participant's, else None."""
        row = self._uow.session.scalars(
            select(PortalDraftRow).where(
                PortalDraftRow.id == draft_id, PortalDraftRow.participant_id == participant_id
            )
        ).first()
        return None if row is None else _draft(row)

    def drafts(self, participant_id: int) -> list[DraftRecord]:
        """The participant's drafts."""
        rows = self._uow.session.scalars(
            select(PortalDraftRow)
            .where(PortalDraftRow.participant_id == participant_id)
            .order_by(PortalDraftRow.id)
        )
        return [_draft(row) for row in rows]

    def save_draft(
        self, participant_id: int, visit_id: str, instrument: str, answers: dict[str, str]
    ) -> DraftRecord:
        """Store (or replace) the participant's partial answers."""
        now = self._uow.now()
        row = self._draft_row(participant_id, visit_id, instrument)
        if row is None:
            row = PortalDraftRow(
                participant_id=participant_id,
                visit_id=visit_id,
                instrument=instrument,
                answers=answers,
                created_at=now,
                updated_at=now,
            )
            self._uow.session.add(row)
        elif row.answers != answers:
            row.answers = answers
            row.updated_at = now
        self._uow.session.flush()
        return _draft(row)

    def delete_draft(self, participant_id: int, visit_id: str, instrument: str) -> None:
        """Forget the draft (after submission); no-op without one."""
        row = self._draft_row(participant_id, visit_id, instrument)
        if row is not None:
            self._uow.session.delete(row)
            self._uow.session.flush()

    # -- licensed texts (audited) --------------------------------------------------------------

    def save_texts(
        self,
        site_code: str,
        instrument: str,
        language: str,
        texts: dict[str, Any],
        licence: str | None,
    ) -> InstrumentTextRecord:
        """Store (or replace) a site's texts of ``instrument`` in ``language``."""
        session = self._uow.session
        site_id = session.scalars(select(SiteRow.id).where(SiteRow.code == site_code)).first()
        if site_id is None:
            raise NotFound(f"no site {site_code!r}", location="site_code")
        row = session.scalars(
            select(InstrumentTextRow).where(
                InstrumentTextRow.site_id == site_id,
                InstrumentTextRow.instrument == instrument,
                InstrumentTextRow.language == language,
            )
        ).first()
        now = self._uow.now()
        if row is None:
            row = InstrumentTextRow(
                site_id=site_id,
                instrument=instrument,
                language=language,
                texts=texts,
                licence=licence,
                loaded_by=self._uow.actor,
                loaded_at=now,
            )
            session.add(row)
        else:
            row.texts = texts
            row.licence = licence
            row.loaded_by = self._uow.actor
            row.loaded_at = now
        session.flush()
        return InstrumentTextRecord(
            site_code, instrument, language, texts, licence, row.loaded_by, row.loaded_at
        )

    def texts(self, site_code: str, instrument: str) -> list[InstrumentTextRecord]:
        """The site's texts of ``instrument``, one per loaded language."""
        rows = self._uow.session.execute(
            select(InstrumentTextRow)
            .join(SiteRow, SiteRow.id == InstrumentTextRow.site_id)
            .where(SiteRow.code == site_code, InstrumentTextRow.instrument == instrument)
            .order_by(InstrumentTextRow.language)
        ).scalars()
        return [
            InstrumentTextRecord(
                site_code,
                row.instrument,
                row.language,
                dict(row.texts),
                row.licence,
                row.loaded_by,
                row.loaded_at,
            )
            for row in rows
        ]

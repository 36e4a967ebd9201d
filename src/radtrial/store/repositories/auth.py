"""Sign-in state: credentials, TOTP secrets and steps, web sessions, attempts, idempotency keys.

Enrolling a TOTP secret goes through the ORM session and is audited like any record (the secret
itself redacted). Sessions, attempts, accepted TOTP steps and idempotency keys are operational
security state, written with Core statements on the unit of work's connection, so they are part
of the transaction but not of the audit trail (see :mod:`radtrial.store.tables`). The password
hash leaves the store only through :meth:`AuthRepository.credentials`, for the sign-in service to
verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from radtrial.errors import NotFound
from radtrial.store.records import AuthSessionRecord, IdempotencyRecord
from radtrial.store.tables import (
    AuthSessionRow,
    IdempotencyKeyRow,
    LoginAttemptRow,
    TotpStepRow,
    UserRow,
    UserTotpRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["AuthRepository", "Credentials"]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the sign-in service checks: the argon2id hash and the TOTP secret, if any."""

    user_id: int
    username: str
    active: bool
    password_hash: str | None
    totp_secret: str | None

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, active={self.active})"


def _session(row: Any) -> AuthSessionRecord:
    return AuthSessionRecord(
        id=row.id,
        user_id=row.user_id,
        username=row.username,
        stage=row.stage,
        csrf_token=row.csrf_token,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
    )


class AuthRepository:
    """Credentials, second factors, sessions, sign-in attempts and idempotency keys."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _connection(self) -> Connection:
        return self._uow.session.connection()

    def _is_postgresql(self) -> bool:
        return self._connection.dialect.name == "postgresql"

    # -- credentials and second factor -------------------------------------------------------

    def credentials(self, username: str) -> Credentials | None:
        """The user's password hash and TOTP secret, None for an unknown username."""
        row = self._connection.execute(
            select(
                UserRow.id,
                UserRow.username,
                UserRow.active,
                UserRow.password_hash,
                UserTotpRow.secret,
            )
            .outerjoin(UserTotpRow, UserTotpRow.user_id == UserRow.id)
            .where(UserRow.username == username)
        ).first()
        if row is None:
            return None
        return Credentials(
            user_id=row.id,
            username=row.username,
            active=row.active,
            password_hash=row.password_hash,
            totp_secret=row.secret,
        )

    def set_totp_secret(self, username: str, secret: str) -> None:
        """Enrol (or replace) the user's TOTP secret; replacing one needs the unit of work's
        reason. Raises :class:`NotFound` for an unknown user."""
        session = self._uow.session
        user_id = session.scalars(select(UserRow.id).where(UserRow.username == username)).first()
        if user_id is None:
            raise NotFound(f"no user {username!r}", location="username")
        row = session.scalars(select(UserTotpRow).where(UserTotpRow.user_id == user_id)).first()
        if row is None:
            row = UserTotpRow(
                user_id=user_id,
                secret=secret,
                enrolled_at=self._uow.now(),
                enrolled_by=self._uow.actor,
            )
            session.add(row)
        else:
            row.secret = secret
            row.enrolled_at = self._uow.now()
            row.enrolled_by = self._uow.actor
        session.flush()

    def claim_totp_step(self, user_id: int, step: int) -> bool:
        """Record ``step`` as the user's last accepted TOTP step; False if it is not later than
        the last one (a replayed or older code). The row is locked on PostgreSQL."""
        query = select(TotpStepRow.last_step).where(TotpStepRow.user_id == user_id)
        if self._is_postgresql():
            query = query.with_for_update()
        last = self._connection.execute(query).scalar()
        if last is None:
            self._connection.execute(insert(TotpStepRow).values(user_id=user_id, last_step=step))
            return True
        if step <= last:
            return False
        self._connection.execute(
            update(TotpStepRow).where(TotpStepRow.user_id == user_id).values(last_step=step)
        )
        return True

    # -- sessions ------------------------------------------------------------------------------

    def create_session(
        self,
        *,
        user_id: int,
        token_sha256: str,
        stage: str,
        csrf_token: str,
        client_address: str | None,
    ) -> AuthSessionRecord:
        """A new session, created and last seen now."""
        now = self._uow.now()
        self._connection.execute(
            insert(AuthSessionRow).values(
                token_sha256=token_sha256,
                user_id=user_id,
                stage=stage,
                csrf_token=csrf_token,
                created_at=now,
                last_seen_at=now,
                client_address=client_address,
            )
        )
        session = self.session(token_sha256)
        assert session is not None
        return session

    def session(self, token_sha256: str) -> AuthSessionRecord | None:
        """The session whose token has this SHA-256, ended or not; None if there is none."""
        row = self._connection.execute(
            select(
                AuthSessionRow.id,
                AuthSessionRow.user_id,
                UserRow.username,
                AuthSessionRow.stage,
                AuthSessionRow.csrf_token,
                AuthSessionRow.created_at,
                AuthSessionRow.last_seen_at,
                AuthSessionRow.ended_at,
                AuthSessionRow.end_reason,
            )
            .join(UserRow, UserRow.id == AuthSessionRow.user_id)
            .where(AuthSessionRow.token_sha256 == token_sha256)
        ).first()
        return None if row is None else _session(row)

    def touch_session(self, session_id: int) -> None:
        """Mark the session as used now (its idle timeout starts again)."""
        self._connection.execute(
            update(AuthSessionRow)
            .where(AuthSessionRow.id == session_id, AuthSessionRow.ended_at.is_(None))
            .values(last_seen_at=self._uow.now())
        )

    def end_session(self, session_id: int, reason: str) -> None:
        """End the session now (no-op if it has already ended)."""
        self._connection.execute(
            update(AuthSessionRow)
            .where(AuthSessionRow.id == session_id, AuthSessionRow.ended_at.is_(None))
            .values(ended_at=self._uow.now(), end_reason=reason)
        )

    def end_user_sessions(self, user_id: int, reason: str) -> int:
        """End every open session of the user; returns how many were open."""
        result = self._connection.execute(
            update(AuthSessionRow)
            .where(AuthSessionRow.user_id == user_id, AuthSessionRow.ended_at.is_(None))
            .values(ended_at=self._uow.now(), end_reason=reason)
        )
        return int(result.rowcount)

    # -- sign-in attempts ----------------------------------------------------------------------

    def add_attempt(self, *, username: str, client_address: str, succeeded: bool) -> int:
        """Record a sign-in attempt now; returns its id."""
        result = self._connection.execute(
            insert(LoginAttemptRow)
            .values(
                at=self._uow.now(),
                username=username,
                client_address=client_address,
                succeeded=succeeded,
            )
            .returning(LoginAttemptRow.id)
        )
        return int(result.scalar_one())

    def mark_attempt_succeeded(self, attempt_id: int) -> None:
        """Turn a reserved (failed) attempt into a successful one."""
        self._connection.execute(
            update(LoginAttemptRow).where(LoginAttemptRow.id == attempt_id).values(succeeded=True)
        )

    def failures_since(
        self, since: datetime, *, username: str | None = None, client_address: str | None = None
    ) -> tuple[int, datetime | None]:
        """How many failed attempts for ``username`` (or from ``client_address``) there were
        since ``since``, and when the oldest of them was."""
        query = select(func.count(), func.min(LoginAttemptRow.at)).where(
            LoginAttemptRow.succeeded.is_(False), LoginAttemptRow.at > since
        )
        if username is not None:
            query = query.where(LoginAttemptRow.username == username)
        if client_address is not None:
            query = query.where(LoginAttemptRow.client_address == client_address)
        count, oldest = self._connection.execute(query).one()
        return int(count), oldest

    def prune_attempts(self, before: datetime) -> None:
        """Forget attempts older than ``before`` (they no longer count for throttling)."""
        self._connection.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < before))

    # -- idempotency keys ----------------------------------------------------------------------

    def idempotency_key(self, username: str, key: str) -> IdempotencyRecord | None:
        """The stored key of ``username``, locked on PostgreSQL; None if there is none."""
        query = select(IdempotencyKeyRow).where(
            IdempotencyKeyRow.username == username, IdempotencyKeyRow.key == key
        )
        if self._is_postgresql():
            query = query.with_for_update()
        row = self._connection.execute(query).first()
        if row is None:
            return None
        return IdempotencyRecord(
            username=row.username,
            key=row.key,
            request_sha256=row.request_sha256,
            state=row.state,
            status_code=row.status_code,
            response_headers=tuple(
                (str(name), str(value)) for name, value in row.response_headers or []
            ),
            response_body=row.response_body,
            created_at=row.created_at,
        )

    def begin_idempotency_key(
        self, username: str, key: str, request_sha256: str, *, abandoned_before: datetime
    ) -> None:
        """Store the key as in flight, for this request fingerprint, now, replacing only an
        in-flight row of the same user and key created before ``abandoned_before``.

        The delete is conditional because, on PostgreSQL at READ COMMITTED, a row another
        request committed after this transaction's read is visible to the delete: deleting it
        unconditionally would let a racing duplicate run the request a second time. With the
        condition, the insert below meets the other row's key and fails (a 409 upstream).
        """
        self._connection.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.username == username,
                IdempotencyKeyRow.key == key,
                IdempotencyKeyRow.state == "in_flight",
                IdempotencyKeyRow.created_at < abandoned_before,
            )
        )
        self._connection.execute(
            insert(IdempotencyKeyRow).values(
                username=username,
                key=key,
                request_sha256=request_sha256,
                state="in_flight",
                created_at=self._uow.now(),
            )
        )

    def complete_idempotency_key(
        self,
        username: str,
        key: str,
        *,
        status_code: int,
        headers: list[tuple[str, str]],
        body: str,
    ) -> None:
        """Store the answer given to the key's request."""
        self._connection.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.username == username, IdempotencyKeyRow.key == key)
            .values(
                state="done",
                status_code=status_code,
                response_headers=[list(pair) for pair in headers],
                response_body=body,
                completed_at=self._uow.now(),
            )
        )

    def release_idempotency_key(self, username: str, key: str) -> None:
        """Forget an in-flight key whose request failed, so that it can be retried."""
        self._connection.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.username == username,
                IdempotencyKeyRow.key == key,
                IdempotencyKeyRow.state == "in_flight",
            )
        )

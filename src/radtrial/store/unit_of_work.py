"""The unit of work: one database transaction, its audit rows, and error translation.

A :class:`UnitOfWork` opens an ORM session, and on a clean exit commits everything the block did
together with the audit rows describing it; on any exception it rolls back, so nothing is ever
half-written (ICH E6(R3) 4.2.2; RELIABILITY.md row 3).

Audit capture happens in the session's flush hooks, for every mapped class alike:

* ``before_flush`` records the old and new value of every changed column of updated rows and the
  last values of deleted rows, and raises :class:`ReasonRequired` if there is no reason for an
  update or delete (21 CFR Part 11 §11.10(e); EU Annex 11 §9) before any SQL is sent;
* ``after_flush`` (primary keys now known) adds the initial values of inserted rows and appends
  all of them to the hash chain (:mod:`radtrial.store.audit`).

Bulk ORM ``insert``/``update``/``delete`` statements would skip those hooks, so the session
refuses them. SQLAlchemy errors are translated here, at the edge: integrity violations become
:class:`Conflict`, lock and serialisation failures :class:`StorageBusy`, other database failures
:class:`StorageError`. Messages name constraints, never the values involved (they may be
personal data).
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event, inspect
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction, sessionmaker

from radtrial.errors import (
    Conflict,
    InvalidInput,
    RadtrialError,
    ReasonRequired,
    StorageBusy,
    StorageError,
)
from radtrial.store.audit import REDACTED, Change, append, lock_chain, serialise_value
from radtrial.store.engine import READ_ONLY
from radtrial.store.types import require_utc

__all__ = [
    "AuditedSession",
    "Clock",
    "StorageBusy",
    "UnitOfWork",
    "translate_error",
    "utc_now",
]

Clock = Callable[[], datetime]

_CONTEXT = "radtrial.unit_of_work"

#: PostgreSQL SQLSTATEs after which the whole transaction can safely be run again.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_RETRYABLE_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def utc_now() -> datetime:
    """The current time, aware, in UTC: the default clock."""
    return datetime.now(UTC)


class AuditedSession(Session):
    """An ORM session whose flushes write the audit trail (see the module docstring)."""


@dataclass(slots=True)
class _Context:
    actor: str
    reason: str | None
    clock: Clock
    read_only: bool
    tx_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pending: list[Change] = field(default_factory=list)


def _context(session: Session) -> _Context:
    context: _Context = session.info[_CONTEXT]
    return context


def _entity(instance: object) -> tuple[Mapper[Any], str, str]:
    state = inspect(instance)
    mapper = state.mapper
    key = mapper.primary_key_from_instance(instance)
    return mapper, mapper.local_table.name, "/".join(str(part) for part in key)


def _audited_columns(mapper: Mapper[Any]) -> list[tuple[str, str, bool]]:
    """``(attribute, column name, redact)`` of every non-key column, in table order."""
    keys = {column.name for column in mapper.primary_key}
    out = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.name not in keys:
            out.append((prop.key, column.name, bool(column.info.get("audit_redact"))))
    return out


def _text(value: Any, redact: bool) -> str:
    return serialise_value(REDACTED if redact and value is not None else value)


def _insert_changes(instance: object) -> list[Change]:
    mapper, entity, entity_id = _entity(instance)
    return [
        Change("insert", entity, entity_id, name, None, _text(getattr(instance, key), redact))
        for key, name, redact in _audited_columns(mapper)
    ]


def _update_changes(instance: object) -> list[Change]:
    mapper, entity, entity_id = _entity(instance)
    attrs = inspect(instance).attrs
    changes = []
    for key, name, redact in _audited_columns(mapper):
        history = attrs[key].history
        if not history.added:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0]
        if old == new:
            continue
        changes.append(
            Change("update", entity, entity_id, name, _text(old, redact), _text(new, redact))
        )
    return changes


def _delete_changes(instance: object) -> list[Change]:
    mapper, entity, entity_id = _entity(instance)
    return [
        Change("delete", entity, entity_id, name, _text(getattr(instance, key), redact), None)
        for key, name, redact in _audited_columns(mapper)
    ]


def _require_reason(context: _Context, change: Change) -> None:
    if context.reason is None:
        raise ReasonRequired(
            f"{change.action} of {change.entity} {change.entity_id} needs a reason for the change",
            location=f"{change.entity}.{change.field}",
            detail={
                "entity": change.entity,
                "entity_id": change.entity_id,
                "field": change.field,
                "action": change.action,
            },
        )


@event.listens_for(AuditedSession, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    context = _context(session)
    if not (session.new or session.dirty or session.deleted):
        return
    if context.read_only:
        raise StorageError("a read-only unit of work cannot write", location="unit_of_work")
    with session.no_autoflush:
        for instance in session.dirty:
            for change in _update_changes(instance):
                _require_reason(context, change)
                context.pending.append(change)
        for instance in session.deleted:
            changes = _delete_changes(instance)
            if changes:
                _require_reason(context, changes[0])
            context.pending.extend(changes)
    lock_chain(session.connection())


@event.listens_for(AuditedSession, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    context = _context(session)
    changes = [change for instance in session.new for change in _insert_changes(instance)]
    changes.extend(context.pending)
    context.pending.clear()
    append(
        session.connection(),
        changes,
        actor=context.actor,
        reason=context.reason,
        tx_id=context.tx_id,
        at=require_utc(context.clock(), field="clock"),
    )


@event.listens_for(AuditedSession, "do_orm_execute")
def _refuse_bulk_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise StorageError(
            "bulk ORM writes bypass the audit trail; change records through the session",
            location="unit_of_work",
        )


def _violated(error: DBAPIError) -> str:
    """Which rule the database enforced, without the values involved."""
    diag = getattr(error.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return f"constraint {diag.constraint_name}"
    if isinstance(error.orig, sqlite3.Error):
        # SQLite names the constraint's columns ("UNIQUE constraint failed: users.username"),
        # never the values, so its message is safe to pass on.
        return str(error.orig)
    return type(error.orig).__name__


def _missing_table(error: DBAPIError) -> str | None:
    """The table a statement needed that does not exist (a database never upgraded)."""
    if getattr(error.orig, "sqlstate", None) == "42P01":  # PostgreSQL undefined_table
        diag = getattr(error.orig, "diag", None)
        text = str(getattr(diag, "message_primary", "") or "")
        match = re.search(r'relation "([^"]+)" does not exist', text)
        return match.group(1) if match else "?"
    if isinstance(error.orig, sqlite3.OperationalError):
        match = re.match(r"no such table: (\S+)", str(error.orig))
        return match.group(1) if match else None
    return None


def _unreachable(error: DBAPIError) -> str | None:
    """The driver's first line when the server could not be reached (it names the host and
    port, never the password)."""
    if getattr(error.orig, "sqlstate", None) is not None:
        return None
    first_line = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
    if first_line.startswith(("connection failed", "connection to server")):
        return first_line
    return None


def _retryable(error: DBAPIError) -> bool:
    if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _RETRYABLE_SQLITE_CODES


def translate_error(error: SQLAlchemyError) -> RadtrialError:
    """The radtrial error for a SQLAlchemy error; the message never repeats stored values."""
    if isinstance(error, StatementError) and isinstance(error.orig, RadtrialError):
        return error.orig  # raised by one of our column types while binding a value
    if isinstance(error, IntegrityError):
        violated = _violated(error)
        return Conflict(
            f"the change contradicts what is stored ({violated})", detail={"violated": violated}
        )
    if isinstance(error, DBAPIError):
        kind = type(error.orig).__name__ if error.orig is not None else type(error).__name__
        if _retryable(error):
            return StorageBusy(f"the database is busy ({kind}); nothing was committed")
        missing = _missing_table(error)
        if missing is not None:
            return StorageError(
                f"the database has no table {missing!r}: its schema is missing or out of date; "
                "run `radtrial db upgrade`",
                detail={"missing_table": missing},
            )
        unreachable = _unreachable(error)
        if unreachable is not None:
            return StorageError(f"cannot connect to the database: {unreachable}")
        return StorageError(f"the database failed ({kind}); nothing was committed")
    return StorageError(f"storage failure ({type(error).__name__}); nothing was committed")


class UnitOfWork:
    """One transaction on one database, acting as ``actor`` for the reason ``reason``.

    Use as a context manager: the transaction commits when the block ends normally and rolls
    back when it raises. ``clock`` (returning an aware datetime) stamps audit rows and the
    records' own timestamps, so tests can fix time. A ``read_only`` unit of work takes no write
    lock and refuses to flush changes.
    """

    def __init__(
        self,
        session_factory: sessionmaker[AuditedSession],
        *,
        actor: str,
        reason: str | None = None,
        clock: Clock = utc_now,
        read_only: bool = False,
    ) -> None:
        if not actor or not actor.strip():
            raise InvalidInput("an acting user is required", location="actor")
        self.actor = actor.strip()
        self.reason = reason.strip() if reason and reason.strip() else None
        self.read_only = read_only
        self._clock = clock
        self._session_factory = session_factory
        self._session: AuditedSession | None = None

    @property
    def session(self) -> AuditedSession:
        """The open ORM session (only inside the ``with`` block)."""
        if self._session is None:
            raise StorageError("the unit of work is not open", location="unit_of_work")
        return self._session

    def now(self) -> datetime:
        """The unit of work's clock, checked to be aware and converted to UTC."""
        return require_utc(self._clock(), field="clock")

    def __enter__(self) -> Self:
        session = self._session_factory()
        session.info[_CONTEXT] = _Context(
            actor=self.actor, reason=self.reason, clock=self._clock, read_only=self.read_only
        )
        self._session = session
        try:
            # Begin now, so waiting for the write lock happens here and not mid-way.
            options: dict[str, Any] = {READ_ONLY: True} if self.read_only else {}
            if self.read_only and session.get_bind().dialect.name == "postgresql":
                options["postgresql_readonly"] = True
            session.connection(execution_options=options)
        except SQLAlchemyError as error:
            self._close()
            raise translate_error(error) from error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc is None:
                try:
                    session.commit()
                except SQLAlchemyError as error:
                    session.rollback()
                    raise translate_error(error) from error
                except BaseException:
                    session.rollback()
                    raise
                return
            session.rollback()
            if isinstance(exc, SQLAlchemyError):
                raise translate_error(exc) from exc
        finally:
            self._close()

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

"""Writing the chain: the table, the canonical row, the hash, the lock and the append.

See :mod:`radtrial.store.audit` for what the chain promises.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)

from radtrial.store.engine import snapshot
from radtrial.store.types import format_utc

__all__ = [
    "AUDIT_LOCK_KEY",
    "GENESIS_HASH",
    "HASHED_COLUMNS",
    "REDACTED",
    "AuditEntry",
    "Change",
    "append",
    "audit_log",
    "audit_log_table",
    "history",
    "lock_chain",
    "row_hash",
    "serialise_value",
]

#: ``prev_hash`` of the first row.
GENESIS_HASH = "0" * 64

#: Key of the PostgreSQL advisory lock that serialises appends: the bytes of "radtrial".
AUDIT_LOCK_KEY = int.from_bytes(b"radtrial", "big")

#: Text written instead of a value whose column is marked ``info={"audit_redact": True}``.
REDACTED = "[redacted]"

Action = Literal["insert", "update", "delete"]


def audit_log_table(metadata: MetaData) -> Table:
    """Define the ``audit_log`` table in ``metadata`` (the same shape in both databases)."""
    return Table(
        "audit_log",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("at_utc", String(27), nullable=False),
        Column("actor", String(128), nullable=False),
        Column("action", String(16), nullable=False),
        Column("entity", String(64), nullable=False),
        Column("entity_id", String(64), nullable=False),
        Column("field", String(64), nullable=False),
        Column("old_value", Text, nullable=True),
        Column("new_value", Text, nullable=True),
        Column("reason", Text, nullable=True),
        Column("tx_id", String(32), nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("row_hash", String(64), nullable=False),
        Index("ix_audit_log_entity", "entity", "entity_id"),
    )


#: Statements are built against this copy; the SQL is the same whichever metadata defines it.
audit_log = audit_log_table(MetaData())

#: The hashed columns, in hashing order (everything but the two hashes).
HASHED_COLUMNS = (
    "seq",
    "at_utc",
    "actor",
    "action",
    "entity",
    "entity_id",
    "field",
    "old_value",
    "new_value",
    "reason",
    "tx_id",
)


@dataclass(frozen=True, slots=True)
class Change:
    """One changed field of one record, before it is numbered and chained.

    ``old_value`` and ``new_value`` are JSON text (see :func:`serialise_value`); SQL NULL means
    "no value": no old value for an insert, no new value for a delete.
    """

    action: Action
    entity: str
    entity_id: str
    field: str
    old_value: str | None
    new_value: str | None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot record a {type(value).__name__} in the audit trail")


def serialise_value(value: Any) -> str:
    """Canonical JSON text of a column value: sorted keys, no spaces, UTC timestamps."""
    return json.dumps(
        value, default=_json_default, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def row_hash(prev_hash: str, row: Sequence[Any]) -> str:
    """SHA-256 (hex) of ``prev_hash`` followed by the canonical JSON of the hashed columns.

    ``row`` holds the values of ``seq, at_utc, actor, action, entity, entity_id, field,
    old_value, new_value, reason, tx_id`` exactly as stored.
    """
    canonical = json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def lock_chain(connection: Connection) -> None:
    """Serialise appends for the rest of this transaction.

    PostgreSQL: ``pg_advisory_xact_lock`` (released at commit or rollback). SQLite: nothing to
    do, a write transaction began with ``BEGIN IMMEDIATE`` and so holds the write lock.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def append(
    connection: Connection,
    changes: Iterable[Change],
    *,
    actor: str,
    reason: str | None,
    tx_id: str,
    at: datetime,
) -> int:
    """Number, chain and insert ``changes``; returns how many rows were written.

    The caller must hold the chain lock (:func:`lock_chain`) in the same transaction.
    """
    at_utc = format_utc(at)
    head = connection.execute(
        select(audit_log.c.seq, audit_log.c.row_hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (head.seq, head.row_hash) if head is not None else (0, GENESIS_HASH)
    rows: list[dict[str, Any]] = []
    for change in changes:
        seq += 1
        values = (
            seq,
            at_utc,
            actor,
            change.action,
            change.entity,
            change.entity_id,
            change.field,
            change.old_value,
            change.new_value,
            reason,
            tx_id,
        )
        digest = row_hash(prev, values)
        rows.append(dict(zip(HASHED_COLUMNS, values, strict=True), prev_hash=prev, row_hash=digest))
        prev = digest
    if rows:
        connection.execute(insert(audit_log), rows)
    return len(rows)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit row as read back; values are decoded from JSON."""

    seq: int
    at_utc: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    field: str
    old_value: Any
    new_value: Any
    reason: str | None
    tx_id: str


def _decode(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def history(
    bind: Engine | Connection, *, entity: str | None = None, entity_id: str | None = None
) -> list[AuditEntry]:
    """The audit rows, oldest first, optionally of one entity (table) or one record."""
    query = select(audit_log).order_by(audit_log.c.seq)
    if entity is not None:
        query = query.where(audit_log.c.entity == entity)
    if entity_id is not None:
        query = query.where(audit_log.c.entity_id == entity_id)

    def read(connection: Connection) -> list[AuditEntry]:
        return [
            AuditEntry(
                seq=row.seq,
                at_utc=datetime.fromisoformat(row.at_utc),
                actor=row.actor,
                action=row.action,
                entity=row.entity,
                entity_id=row.entity_id,
                field=row.field,
                old_value=_decode(row.old_value),
                new_value=_decode(row.new_value),
                reason=row.reason,
                tx_id=row.tx_id,
            )
            for row in connection.execute(query)
        ]

    if isinstance(bind, Connection):
        return read(bind)
    with snapshot(bind) as connection:
        return read(connection)

"""The access log, and the audit history of one record with the trial and site it belongs to.

The access log is append-only (database triggers refuse UPDATE and DELETE) and written with Core
statements, outside the audit trail it sits beside. A record's scope (its trial and site) is
read from the record's own audit rows, following ``participant_id``, ``screening_id`` and
``list_id`` to the record they point at, so the scope of a deleted record is known too and a
table added later needs no code here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from radtrial.store.audit import AuditEntry, history
from radtrial.store.records import AccessLogRecord
from radtrial.store.tables import AccessLogRow, SiteRow, TrialRow
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["AccessRepository", "RecordScope"]

#: A record's trial slug and site code; None where it belongs to every trial or site.
RecordScope = tuple[str | None, str | None]

#: Columns that point at the record whose scope a record shares, and that record's table.
_PARENTS = (
    ("participant_id", "participants"),
    ("screening_id", "screenings"),
    ("list_id", "allocation_lists"),
)

#: How deep references are followed (participant → nothing further; evaluation → screening).
_MAX_DEPTH = 4


def _fields(entries: list[AuditEntry]) -> dict[str, Any]:
    """The record's last known value of every field, from its audit rows."""
    values: dict[str, Any] = {}
    for entry in entries:
        values[entry.field] = entry.old_value if entry.action == "delete" else entry.new_value
    return values


class AccessRepository:
    """Access-log rows, and records' audit histories with their scope."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @property
    def _connection(self) -> Connection:
        return self._uow.session.connection()

    # -- access log -------------------------------------------------------------------------

    def append(
        self,
        *,
        action: str,
        outcome: str,
        entity: str | None = None,
        entity_id: str | None = None,
        trial_slug: str | None = None,
        site_code: str | None = None,
        client_address: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Add one row, by the unit of work's actor, now."""
        self._connection.execute(
            insert(AccessLogRow).values(
                at=self._uow.now(),
                actor=self._uow.actor,
                action=action,
                outcome=outcome,
                entity=entity,
                entity_id=entity_id,
                trial_slug=trial_slug,
                site_code=site_code,
                client_address=client_address,
                detail=detail,
            )
        )

    def entries(
        self, *, actor: str | None = None, action: str | None = None, limit: int = 1000
    ) -> list[AccessLogRecord]:
        """The newest rows first, optionally of one actor or action."""
        query = select(AccessLogRow).order_by(AccessLogRow.id.desc()).limit(limit)
        if actor is not None:
            query = query.where(AccessLogRow.actor == actor)
        if action is not None:
            query = query.where(AccessLogRow.action == action)
        return [
            AccessLogRecord(
                id=row.id,
                at=row.at,
                actor=row.actor,
                action=row.action,
                outcome=row.outcome,
                entity=row.entity,
                entity_id=row.entity_id,
                trial_slug=row.trial_slug,
                site_code=row.site_code,
                client_address=row.client_address,
                detail=row.detail,
            )
            for row in self._connection.execute(query)
        ]

    # -- audit history and scope ----------------------------------------------------------------

    def history(self, entity: str, entity_id: str) -> list[AuditEntry]:
        """The audit rows of one record, oldest first (empty for an unknown record)."""
        return history(self._connection, entity=entity, entity_id=entity_id)

    def scope(
        self, entity: str, entity_id: str, entries: list[AuditEntry] | None = None
    ) -> RecordScope:
        """The trial and site the record belongs to (see the module docstring)."""
        return self._scope(entity, entity_id, entries, _MAX_DEPTH)

    def _scope(
        self, entity: str, entity_id: str, entries: list[AuditEntry] | None, depth: int
    ) -> RecordScope:
        if entity == "trials":
            return self._trial_slug(entity_id), None
        if entity == "sites":
            return None, self._site_code(entity_id)
        fields = _fields(entries if entries is not None else self.history(entity, entity_id))
        if depth > 0:
            for column, parent in _PARENTS:
                if fields.get(column) is not None:
                    return self._scope(parent, str(fields[column]), None, depth - 1)
        trial = self._trial_slug(fields["trial_id"]) if fields.get("trial_id") is not None else None
        site = self._site_code(fields["site_id"]) if fields.get("site_id") is not None else None
        return trial, site

    def _trial_slug(self, trial_id: object) -> str | None:
        try:
            key = int(str(trial_id))
        except ValueError:
            return None
        return self._connection.execute(select(TrialRow.slug).where(TrialRow.id == key)).scalar()

    def _site_code(self, site_id: object) -> str | None:
        try:
            key = int(str(site_id))
        except ValueError:
            return None
        return self._connection.execute(select(SiteRow.code).where(SiteRow.id == key)).scalar()

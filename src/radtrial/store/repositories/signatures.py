"""Electronic signatures of form records, and the corrections that void them.

Signatures and corrected adverse events go through the ORM session, so every insert and update
(a void included) is in the audit trail with its actor and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from radtrial.errors import NotFound
from radtrial.store.tables import AdverseEventRow, RecordSignatureRow
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["SignatureRecord", "SignatureRepository"]


@dataclass(frozen=True, slots=True)
class SignatureRecord:
    """A signature of one record (``entity`` and ``entity_id``)."""

    id: int
    participant_id: int
    entity: str
    entity_id: int
    signer: str
    signer_name: str
    meaning: str
    content_sha256: str
    signed_at: datetime
    voided_at: datetime | None
    voided_by: str | None
    void_reason: str | None


def _record(row: RecordSignatureRow) -> SignatureRecord:
    return SignatureRecord(
        id=row.id,
        participant_id=row.participant_id,
        entity=row.entity,
        entity_id=row.entity_id,
        signer=row.signer,
        signer_name=row.signer_name,
        meaning=row.meaning,
        content_sha256=row.content_sha256,
        signed_at=row.signed_at,
        voided_at=row.voided_at,
        voided_by=row.voided_by,
        void_reason=row.void_reason,
    )


class SignatureRepository:
    """Signatures by record, and adverse-event corrections."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def add(
        self,
        *,
        participant_id: int,
        entity: str,
        entity_id: int,
        signer_name: str,
        meaning: str,
        content_sha256: str,
    ) -> SignatureRecord:
        """A signature by the unit of work's actor, now."""
        row = RecordSignatureRow(
            participant_id=participant_id,
            entity=entity,
            entity_id=entity_id,
            signer=self._uow.actor,
            signer_name=signer_name,
            meaning=meaning,
            content_sha256=content_sha256,
            signed_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _record(row)

    def of_record(self, entity: str, entity_id: int) -> list[SignatureRecord]:
        """The record's signatures, oldest first."""
        rows = self._uow.session.scalars(
            select(RecordSignatureRow)
            .where(RecordSignatureRow.entity == entity, RecordSignatureRow.entity_id == entity_id)
            .order_by(RecordSignatureRow.id)
        )
        return [_record(row) for row in rows]

    def void(self, entity: str, entity_id: int, reason: str) -> list[SignatureRecord]:
        """Void the record's signatures that are still valid; answers those voided."""
        rows = self._uow.session.scalars(
            select(RecordSignatureRow).where(
                RecordSignatureRow.entity == entity,
                RecordSignatureRow.entity_id == entity_id,
                RecordSignatureRow.voided_at.is_(None),
            )
        ).all()
        for row in rows:
            row.voided_at = self._uow.now()
            row.voided_by = self._uow.actor
            row.void_reason = reason
        self._uow.session.flush()
        return [_record(row) for row in rows]

    def update_adverse_event(self, event_id: int, values: dict[str, Any]) -> None:
        """Change columns of the adverse event ``event_id`` (audited with the unit's reason)."""
        row = self._uow.session.get(AdverseEventRow, event_id, with_for_update=True)
        if row is None:
            raise NotFound(f"no adverse event {event_id}", location="adverse_event")
        for name, value in values.items():
            setattr(row, name, value)
        self._uow.session.flush()

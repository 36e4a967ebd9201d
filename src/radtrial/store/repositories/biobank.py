"""Biobank samples and aliquots, storage positions, shipments and receipts, the chain of custody
and destructions.

A sample's storage position lives on its row while it is stored; UNIQUE(freezer, rack, box,
position) therefore refuses a second sample in an occupied position even if the service's own
check were bypassed. Custody steps are appended, never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from radtrial.errors import NotFound
from radtrial.store.outcome_records import (
    CustodyEventRecord,
    DestructionRecord,
    SampleRecord,
    ShipmentRecord,
)
from radtrial.store.records import ParticipantRecord, ProtocolVersionRecord
from radtrial.store.tables import (
    ParticipantRow,
    SampleCustodyEventRow,
    SampleDestructionRow,
    SampleReceiptRow,
    SampleRow,
    SampleShipmentItemRow,
    SampleShipmentRow,
    SiteRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["BiobankRepository"]

_PARENT = aliased(SampleRow)


#: A sample with its participant's study id and site code, and its parent's label.
_SAMPLES = (
    select(SampleRow, ParticipantRow.study_id, SiteRow.code, _PARENT.label)
    .join(ParticipantRow, ParticipantRow.id == SampleRow.participant_id)
    .join(SiteRow, SiteRow.id == ParticipantRow.site_id)
    .outerjoin(_PARENT, _PARENT.id == SampleRow.parent_id)
)


def _sample(row: SampleRow, study_id: str, site_code: str, parent: str | None) -> SampleRecord:
    return SampleRecord(
        id=row.id,
        study_id=study_id,
        site_code=site_code,
        label=row.label,
        sample_type=row.sample_type,
        material=row.material,
        visit_id=row.visit_id,
        collected_at=row.collected_at,
        processing=row.processing,
        processed_at=row.processed_at,
        parent_label=parent,
        volume_ml=row.volume_ml,
        status=row.status,
        freezer=row.freezer,
        rack=row.rack,
        box=row.box,
        position=row.position,
        destruction_required=row.destruction_required,
        destruction_flagged_at=row.destruction_flagged_at,
        destruction_basis=row.destruction_basis,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


class BiobankRepository:
    """Samples by label, shipments by code."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # -- samples ----------------------------------------------------------------------------

    def sample(self, label: str, *, lock: bool = False) -> SampleRecord:
        """The sample ``label``; raises :class:`NotFound`.

        ``lock`` takes the sample's row lock until the unit of work ends (PostgreSQL), so two
        requests moving one sample run one after the other.
        """
        query = _SAMPLES.where(SampleRow.label == label)
        if lock:
            query = query.with_for_update(of=SampleRow)
        found = self._uow.session.execute(query).first()
        if found is None:
            raise NotFound(f"no sample {label!r}", location="label")
        row, study_id, site_code, parent = found
        return _sample(row, study_id, site_code, parent)

    def label_taken(self, label: str) -> bool:
        """Whether a sample already has ``label``."""
        found = self._uow.session.scalars(select(SampleRow.id).where(SampleRow.label == label))
        return found.first() is not None

    def samples(self, participant: ParticipantRecord) -> list[SampleRecord]:
        """The participant's samples and aliquots, by collection time and label."""
        rows = self._uow.session.execute(
            _SAMPLES.where(SampleRow.participant_id == participant.id).order_by(
                SampleRow.collected_at, SampleRow.label
            )
        )
        return [_sample(row, study_id, code, parent) for row, study_id, code, parent in rows]

    def add_sample(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        label: str,
        sample_type: str,
        material: str,
        visit_id: str,
        collected_at: datetime,
        processing: str | None,
        processed_at: datetime | None,
        parent: SampleRecord | None,
        volume_ml: float | None,
    ) -> SampleRecord:
        """Store a collected sample (or an aliquot of ``parent``); a taken label is a
        Conflict."""
        row = SampleRow(
            participant_id=participant.id,
            protocol_version_id=version.id,
            protocol_hash=version.content_hash,
            label=label,
            sample_type=sample_type,
            material=material,
            visit_id=visit_id,
            collected_at=collected_at,
            processing=processing,
            processed_at=processed_at,
            parent_id=None if parent is None else parent.id,
            volume_ml=volume_ml,
            status="collected",
            destruction_required=False,
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _sample(
            row,
            participant.study_id,
            participant.site_code,
            None if parent is None else parent.label,
        )

    def occupant(self, freezer: str, rack: str, box: str, position: str) -> str | None:
        """The label of the sample stored at this position, None if it is free."""
        found = self._uow.session.scalars(
            select(SampleRow.label).where(
                SampleRow.freezer == freezer,
                SampleRow.rack == rack,
                SampleRow.box == box,
                SampleRow.position == position,
            )
        )
        return found.first()

    def update_sample(self, sample: SampleRecord, **changes: Any) -> SampleRecord:
        """Change the sample's state columns (status, position, destruction flag). An update:
        the unit of work needs a reason."""
        row = self._uow.session.get(SampleRow, sample.id)
        assert row is not None
        for name, value in changes.items():
            setattr(row, name, value)
        self._uow.session.flush()
        return _sample(row, sample.study_id, sample.site_code, sample.parent_label)

    # -- chain of custody -------------------------------------------------------------------

    def add_custody(
        self,
        sample: SampleRecord,
        *,
        action: str,
        at: datetime,
        location: str | None,
        shipment: ShipmentRecord | None = None,
    ) -> None:
        """Append a custody step of ``sample``."""
        self._uow.session.add(
            SampleCustodyEventRow(
                sample_id=sample.id,
                action=action,
                at=at,
                location=location,
                shipment_id=None if shipment is None else shipment.id,
                by=self._uow.actor,
                recorded_at=self._uow.now(),
            )
        )
        self._uow.session.flush()

    def custody(self, sample: SampleRecord) -> list[CustodyEventRecord]:
        """The sample's chain of custody, in order."""
        rows = self._uow.session.execute(
            select(SampleCustodyEventRow, SampleShipmentRow.code)
            .outerjoin(SampleShipmentRow, SampleShipmentRow.id == SampleCustodyEventRow.shipment_id)
            .where(SampleCustodyEventRow.sample_id == sample.id)
            .order_by(SampleCustodyEventRow.at, SampleCustodyEventRow.id)
        )
        return [
            CustodyEventRecord(
                label=sample.label,
                action=row.action,
                at=row.at,
                location=row.location,
                shipment_code=code,
                by=row.by,
                recorded_at=row.recorded_at,
            )
            for row, code in rows
        ]

    # -- shipments --------------------------------------------------------------------------

    def shipment_exists(self, code: str) -> bool:
        """Whether a shipment ``code`` is recorded."""
        found = self._uow.session.scalars(
            select(SampleShipmentRow.id).where(SampleShipmentRow.code == code)
        )
        return found.first() is not None

    def add_shipment(
        self,
        *,
        code: str,
        from_location: str,
        to_location: str,
        shipped_at: datetime,
        courier: str | None,
        condition: str | None,
        samples: Sequence[SampleRecord],
    ) -> ShipmentRecord:
        """Store a shipment of ``samples``."""
        session = self._uow.session
        row = SampleShipmentRow(
            code=code,
            from_location=from_location,
            to_location=to_location,
            shipped_at=shipped_at,
            courier=courier,
            condition=condition,
            shipped_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        session.add(row)
        session.flush()
        for sample in samples:
            session.add(SampleShipmentItemRow(shipment_id=row.id, sample_id=sample.id))
        session.flush()
        return self.shipment(code)

    def shipment(self, code: str, *, lock: bool = False) -> ShipmentRecord:
        """The shipment ``code`` with its samples and receipt; raises :class:`NotFound`."""
        session = self._uow.session
        query = select(SampleShipmentRow).where(SampleShipmentRow.code == code)
        if lock:
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None:
            raise NotFound(f"no shipment {code!r}", location="shipment")
        labels = tuple(
            session.scalars(
                select(SampleRow.label)
                .join(SampleShipmentItemRow, SampleShipmentItemRow.sample_id == SampleRow.id)
                .where(SampleShipmentItemRow.shipment_id == row.id)
                .order_by(SampleRow.label)
            )
        )
        receipt = session.scalars(
            select(SampleReceiptRow).where(SampleReceiptRow.shipment_id == row.id)
        ).first()
        return ShipmentRecord(
            id=row.id,
            code=row.code,
            from_location=row.from_location,
            to_location=row.to_location,
            shipped_at=row.shipped_at,
            courier=row.courier,
            condition=row.condition,
            shipped_by=row.shipped_by,
            labels=labels,
            received_at=None if receipt is None else receipt.received_at,
            received_by=None if receipt is None else receipt.received_by,
            receipt_condition=None if receipt is None else receipt.condition,
            missing=() if receipt is None else tuple(receipt.missing),
            receipt_note=None if receipt is None else receipt.note,
        )

    def add_receipt(
        self,
        shipment: ShipmentRecord,
        *,
        received_at: datetime,
        condition: str | None,
        missing: Sequence[str],
        note: str | None,
    ) -> ShipmentRecord:
        """Record the receipt of ``shipment`` (once: a second is a Conflict)."""
        self._uow.session.add(
            SampleReceiptRow(
                shipment_id=shipment.id,
                received_at=received_at,
                received_by=self._uow.actor,
                condition=condition,
                missing=list(missing),
                note=note,
                recorded_at=self._uow.now(),
            )
        )
        self._uow.session.flush()
        return self.shipment(shipment.code)

    # -- destruction ------------------------------------------------------------------------

    def add_destruction(
        self,
        sample: SampleRecord,
        *,
        destroyed_at: datetime,
        method: str,
        reason: str,
        witness: str | None,
        note: str | None,
    ) -> DestructionRecord:
        """Record the destruction of ``sample`` (once: a second is a Conflict)."""
        row = SampleDestructionRow(
            sample_id=sample.id,
            destroyed_at=destroyed_at,
            method=method,
            reason=reason,
            witness=witness,
            note=note,
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _destruction(row, sample.label)

    def destruction(self, sample: SampleRecord) -> DestructionRecord | None:
        """The sample's destruction, None if it was not destroyed."""
        row = self._uow.session.scalars(
            select(SampleDestructionRow).where(SampleDestructionRow.sample_id == sample.id)
        ).first()
        return None if row is None else _destruction(row, sample.label)


def _destruction(row: SampleDestructionRow, label: str) -> DestructionRecord:
    return DestructionRecord(
        label=label,
        destroyed_at=row.destroyed_at,
        method=row.method,
        reason=row.reason,
        witness=row.witness,
        note=row.note,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )

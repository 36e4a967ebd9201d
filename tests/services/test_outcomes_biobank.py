"""The PROSARC-2 biobank: samples tied to visits, aliquots, unique storage positions, shipment
and receipt as a chain of custody, and destruction after consent to samples is withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services import consent
from radtrial.services.outcomes import biobank
from radtrial.store.database import Database
from radtrial.store.outcome_records import SampleRecord
from tests.outcomes_support import (
    START,
    CalendarClock,
    at,
    audit_count,
    audit_rows,
    enrol_pallsoft,
    enrol_prosarc,
    set_up,
)


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    return enrol_prosarc(database, clock)


def _collect(
    db: Database, study_id: str, label: str = "PRS2-0001-PL-BL", **values: object
) -> list[SampleRecord]:
    fields: dict[str, object] = {
        "sample_type": "plasma",
        "visit_id": "baseline",
        "collected_at": at(START, hour=8),
    }
    fields.update(values)
    return biobank.collect_sample(
        db,
        actor="nurse_ous",
        study_id=study_id,
        label=label,
        **fields,  # type: ignore[arg-type]
    )


def _store(db: Database, label: str, position: str, box: str = "B1") -> SampleRecord:
    return biobank.store_sample(
        db, actor="nurse_ous", label=label, freezer="OUS-F1", rack="R1", box=box, position=position
    )


def test_samples_with_positions_and_custody_from_collection_to_receipt(
    database: Database, patient: str
) -> None:
    collected = _collect(
        database,
        patient,
        processing="centrifuged 2000 g, 10 min, 4 °C",
        processed_at=at(START, hour=9),
        volume_ml=4.0,
        aliquots=3,
        aliquot_volume_ml=1.0,
    )
    labels = [s.label for s in collected]
    assert labels == [
        "PRS2-0001-PL-BL",
        "PRS2-0001-PL-BL-01",
        "PRS2-0001-PL-BL-02",
        "PRS2-0001-PL-BL-03",
    ]
    assert {s.parent_label for s in collected[1:]} == {"PRS2-0001-PL-BL"}
    assert {(s.sample_type, s.material, s.visit_id, s.status) for s in collected} == {
        ("plasma", "plasma", "baseline", "collected")
    }
    stored = _store(database, labels[1], "A1")
    assert stored.storage_position == "OUS-F1/R1/B1/A1"
    _store(database, labels[2], "A2")
    _store(database, labels[3], "A3")

    # Two samples never share a position: the occupant is named and nothing is written.
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _store(database, labels[0], "A2")
    assert caught.value.location == "position"
    assert caught.value.detail == {"reason": "position_occupied", "occupant": labels[2]}
    assert "occupied by sample PRS2-0001-PL-BL-02" in str(caught.value)
    assert audit_count(database) == before

    shipment = biobank.ship_samples(
        database,
        actor="nurse_ous",
        labels=labels[1:3],
        code="SHIP-2026-001",
        to_location="Central biobank, Radiumhospitalet",
        courier="dry ice courier",
        condition="dry ice",
    )
    assert shipment.labels == tuple(labels[1:3])
    assert shipment.from_location == "OUS"
    # The shipped samples' positions are free again.
    _store(database, labels[0], "A1")
    received = biobank.receive_shipment(
        database, actor="inv_ous", code="SHIP-2026-001", condition="frozen", missing=[labels[2]]
    )
    assert received.missing == (labels[2],)
    assert received.received_by == "inv_ous"
    with pytest.raises(Conflict):
        biobank.receive_shipment(database, actor="inv_ous", code="SHIP-2026-001")

    history = biobank.sample_history(database, actor="monitor", label=labels[1])
    assert [(c.action, c.location, c.shipment_code) for c in history.custody] == [
        ("aliquoted", "OUS", None),
        ("stored", "OUS-F1/R1/B1/A1", None),
        ("shipped", "Central biobank, Radiumhospitalet", "SHIP-2026-001"),
        ("received", "Central biobank, Radiumhospitalet", "SHIP-2026-001"),
    ]
    assert history.sample.status == "received"
    missing = biobank.sample_history(database, actor="monitor", label=labels[2]).sample
    assert missing.status == "missing"

    # Every step is audited; moves are updates whose reason is the step.
    rows = audit_rows(database, "samples")
    assert ("nurse_ous", "insert", "label", labels[0]) in rows
    assert ("nurse_ous", "update", "position", "A1") in rows
    custody = audit_rows(database, "sample_custody_events")
    assert {action for _, action, *_ in custody} == {"insert"}
    from radtrial.store.audit import history as audit_history

    reasons = {e.reason for e in audit_history(database.engine("research"), entity="samples")}
    assert "shipped in shipment SHIP-2026-001" in reasons
    assert f"sample {labels[1]} stored at OUS-F1/R1/B1/A1" in reasons


@pytest.mark.parametrize(
    ("values", "location", "reason"),
    [
        ({"sample_type": "urine"}, "sample_type", "unknown_sample_type"),
        ({"visit_id": "month_6"}, "visit", "not_scheduled"),
        ({"collected_at": at(START - timedelta(days=2))}, "collected_at", "before_registration"),
        ({"aliquots": 100}, "aliquots", "out_of_range"),
        ({"volume_ml": 0.0}, "volume_ml", "bad"),
    ],
)
def test_invalid_collections_are_refused_and_nothing_is_written(
    database: Database, patient: str, values: dict[str, object], location: str, reason: str
) -> None:
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _collect(database, patient, **values)
    assert (caught.value.location, caught.value.detail["reason"]) == (location, reason)
    assert audit_count(database) == before


def test_labels_are_unique(database: Database, patient: str) -> None:
    _collect(database, patient, aliquots=1)
    with pytest.raises(Conflict):
        _collect(database, patient, label="PRS2-0001-PL-BL-01")
    with pytest.raises(InvalidInput) as caught:
        _collect(database, patient, label="bad label!")
    assert caught.value.location == "label"


def test_no_sample_without_the_biobank_consent_or_in_a_trial_without_a_biobank(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    declined = enrol_prosarc(database, clock, biobank=False)
    with pytest.raises(InvalidInput) as caught:
        _collect(database, declined, label="X-1")
    assert caught.value.detail["reason"] == "not_collectable"
    assert "no optional consent 'biobank'" in str(caught.value)
    pallsoft = enrol_pallsoft(database, clock)
    with pytest.raises(InvalidInput) as caught:
        _collect(database, pallsoft, label="X-2")
    assert caught.value.detail["reason"] == "no_biobank"


def test_withdrawal_of_consent_to_samples_flags_them_and_their_destruction_is_recorded(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    labels = [s.label for s in _collect(database, patient, aliquots=2)]
    _store(database, labels[1], "C1")
    clock.set_day(START + timedelta(days=40))
    consent.record_withdrawal(
        database,
        actor="inv_ous",
        study_id=patient,
        kind="data_and_samples",
        withdrawn_on=START + timedelta(days=40),
    )
    # Collecting after the withdrawal is refused.
    with pytest.raises(InvalidInput) as caught:
        _collect(database, patient, label="LATE-1", visit_id="month_3", collected_at=None)
    assert caught.value.detail["reason"] == "not_collectable"
    # Destruction for withdrawn consent needs the flag first; moving a sample is refused.
    with pytest.raises(InvalidInput) as caught:
        biobank.destroy_sample(
            database,
            actor="inv_ous",
            label=labels[1],
            method="incineration",
            destruction_reason="consent_withdrawn",
        )
    assert caught.value.detail["reason"] == "not_flagged"
    with pytest.raises(InvalidInput) as caught:
        _store(database, labels[2], "C2")
    assert caught.value.detail["reason"] == "not_collectable"

    flagged = biobank.flag_for_destruction(database, actor="inv_ous", study_id=patient)
    assert sorted(s.label for s in flagged) == labels
    assert all(s.destruction_required for s in flagged)
    assert "withdrew consent to data and samples" in (flagged[0].destruction_basis or "")
    assert biobank.flag_for_destruction(database, actor="inv_ous", study_id=patient) == []

    destroyed = biobank.destroy_sample(
        database,
        actor="inv_ous",
        label=labels[1],
        method="incineration",
        destruction_reason="consent_withdrawn",
        witness="nurse_ous",
    )
    assert (destroyed.reason, destroyed.witness) == ("consent_withdrawn", "nurse_ous")
    history = biobank.sample_history(database, actor="inv_ous", label=labels[1])
    assert history.sample.status == "destroyed"
    assert history.sample.storage_position is None
    assert [c.action for c in history.custody][-2:] == ["flagged", "destroyed"]
    assert history.destruction == destroyed
    with pytest.raises(InvalidInput):
        biobank.destroy_sample(
            database, actor="inv_ous", label=labels[1], method="x", destruction_reason="expired"
        )
    assert ("inv_ous", "insert", "reason", "consent_withdrawn") in audit_rows(
        database, "sample_destructions"
    )
    assert ("inv_ous", "update", "destruction_required", True) in audit_rows(database, "samples")


def test_only_the_participants_site_handles_its_samples(database: Database, patient: str) -> None:
    (sample,) = _collect(database, patient)
    for actor in ("inv_hus", "monitor"):
        with pytest.raises(PermissionDenied):
            biobank.store_sample(
                database, actor=actor, label=sample.label, freezer="F", rack="R", box="B",
                position="1",
            )  # fmt: skip
    with pytest.raises(PermissionDenied):
        biobank.sample_history(database, actor="inv_hus", label=sample.label)

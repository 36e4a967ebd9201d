"""The PROSARC-2 biobank: samples tied to visits, aliquots, unique storage positions, shipment
and receipt as a chain of custody, and destruction after consent to samples is withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services import consent
from radtrial.services.outcomes import biobank, shipments
from radtrial.store.database import Database
from radtrial.store.outcome_records import DestructionRecord, SampleRecord, ShipmentRecord
from radtrial.store.records import Role
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

    shipment = shipments.ship_samples(
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
    received = shipments.receive_shipment(
        database, actor="inv_ous", code="SHIP-2026-001", condition="frozen", missing=[labels[2]]
    )
    assert received.missing == (labels[2],)
    assert received.received_by == "inv_ous"
    with pytest.raises(Conflict):
        shipments.receive_shipment(database, actor="inv_ous", code="SHIP-2026-001")

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


# -- decision 0063: what is shipped, when, by whom, and the site's lists ------------------------


def _enrol_prosarc_at(db: Database, clock: CalendarClock, site: str, actor: str) -> str:
    """A PROSARC-2 patient with the biobank consent at ``site`` (made to recruit first),
    enrolled by ``actor``."""
    from radtrial.services import registration, screening
    from tests.outcomes_support import _prosarc_data

    with db.unit_of_work("setup", reason=f"{site} recruits for PROSARC-2") as uow:
        uow.sites.upsert_trial_site(
            trial_slug="prosarc2", site_code=site, status="recruiting", roles=["recruiting"]
        )
    screened = screening.screen(
        db,
        actor=actor,
        trial_slug="prosarc2",
        data=_prosarc_data(clock.today),
        site_code=site,
        confirm=["I7", "E1", "E4"],
    )
    handle = screened.screening.screening_id
    consent.record_consent(
        db,
        actor=actor,
        trial_slug="prosarc2",
        screening_id=handle,
        document_version="1.0",
        consented_on=clock.today,
        optional={"biobank": True},
    )
    return registration.register(
        db, actor=actor, trial_slug="prosarc2", screening_id=handle
    ).participant.study_id


def _statuses(db: Database, study_id: str) -> dict[str, str]:
    return {
        s.label: s.status
        for s in biobank.participant_samples(db, actor="monitor", study_id=study_id)
    }


def test_a_sample_never_stored_is_not_shipped_and_every_such_sample_is_named(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    labels = [s.label for s in _collect(database, patient, aliquots=2)]
    _store(database, labels[1], "A1")
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        shipments.ship_samples(
            database, actor="nurse_ous", labels=labels, code="SHIP-1", to_location="Central lab"
        )
    assert caught.value.location == "labels"
    assert caught.value.detail == {"reason": "not_stored", "labels": [labels[0], labels[2]]}
    assert "never stored" in str(caught.value)
    assert audit_count(database) == before
    assert set(_statuses(database, patient).values()) == {"collected", "stored"}

    # Stored, it ships; received at the destination, it may be forwarded from there.
    _store(database, labels[2], "A2")
    shipped = shipments.ship_samples(
        database, actor="nurse_ous", labels=labels[1:], code="SHIP-1", to_location="Central lab"
    )
    assert shipped.labels == tuple(labels[1:])
    clock.set_day(START + timedelta(days=1))
    shipments.receive_shipment(database, actor="inv_ous", code="SHIP-1")
    forwarded = shipments.ship_samples(
        database, actor="inv_ous", labels=[labels[1]], code="SHIP-2", to_location="Analysis lab"
    )
    assert forwarded.from_location == "OUS"
    history = biobank.sample_history(database, actor="monitor", label=labels[1])
    assert [c.action for c in history.custody] == [
        "aliquoted",
        "stored",
        "shipped",
        "received",
        "shipped",
    ]


@pytest.mark.parametrize(
    ("shipped_at", "reason"),
    [
        (at(START, hour=12), "in_future"),  # the clock is at 09:00
        (at(START, hour=7), "before_storage"),  # before the collection (08:00), and its storage
        (at(START, hour=8) + timedelta(minutes=30), "before_storage"),
    ],
)
def test_a_shipment_is_not_in_the_future_nor_before_its_samples_custody(
    database: Database, patient: str, shipped_at: object, reason: str
) -> None:
    labels = [s.label for s in _collect(database, patient, aliquots=1)]
    _store(database, labels[1], "A1")
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        shipments.ship_samples(
            database,
            actor="nurse_ous",
            labels=[labels[1]],
            code="SHIP-1",
            to_location="Central lab",
            shipped_at=shipped_at,  # type: ignore[arg-type]
        )
    assert (caught.value.location, caught.value.detail["reason"]) == ("shipped_at", reason)
    if reason != "in_future":
        assert caught.value.detail["label"] == labels[1]
        assert caught.value.detail["step"] == "stored"
    assert audit_count(database) == before
    assert _statuses(database, patient)[labels[1]] == "stored"


def test_storage_receipt_and_forwarding_times_follow_the_chain_of_custody(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    labels = [s.label for s in _collect(database, patient, aliquots=1)]

    def store(stored_at: object) -> SampleRecord:
        return biobank.store_sample(
            database,
            actor="nurse_ous",
            label=labels[1],
            freezer="OUS-F1",
            rack="R1",
            box="B1",
            position="A1",
            stored_at=stored_at,  # type: ignore[arg-type]
        )

    for stored_at, reason in (
        (at(START, hour=7), "before_collection"),
        (at(START, 12), "in_future"),
    ):
        with pytest.raises(InvalidInput) as caught:
            store(stored_at)
        assert (caught.value.location, caught.value.detail["reason"]) == ("stored_at", reason)
    store(at(START, hour=8) + timedelta(minutes=30))
    shipments.ship_samples(
        database, actor="nurse_ous", labels=[labels[1]], code="SHIP-1", to_location="Central lab"
    )
    before = audit_count(database)
    for received_at, reason in (
        (at(START, hour=8) + timedelta(minutes=45), "before_shipping"),
        (at(START + timedelta(days=5)), "in_future"),
    ):
        with pytest.raises(InvalidInput) as caught:
            shipments.receive_shipment(
                database, actor="inv_ous", code="SHIP-1", received_at=received_at
            )
        assert (caught.value.location, caught.value.detail["reason"]) == ("received_at", reason)
    assert audit_count(database) == before
    clock.set_day(START + timedelta(days=1))
    shipments.receive_shipment(database, actor="inv_ous", code="SHIP-1")  # day 2, 09:00
    with pytest.raises(InvalidInput) as caught:
        shipments.ship_samples(
            database,
            actor="inv_ous",
            labels=[labels[1]],
            code="SHIP-2",
            to_location="Analysis lab",
            shipped_at=at(START + timedelta(days=1), hour=8),
        )
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "shipped_at",
        "before_receipt",
    )


@pytest.mark.parametrize(
    ("step", "field", "length"),
    [
        ("ship", "condition", 64),
        ("ship", "courier", 200),
        ("ship", "to_location", 200),
        ("ship", "from_location", 200),
        ("receive", "condition", 64),
        ("destroy", "witness", 128),
    ],
)
def test_text_longer_than_its_column_is_refused_at_its_field_on_both_engines(
    database: Database, patient: str, step: str, field: str, length: int
) -> None:
    """Located before the database is asked: PostgreSQL would fail, SQLite would keep it."""
    labels = [s.label for s in _collect(database, patient, aliquots=2)]
    _store(database, labels[1], "A1")
    _store(database, labels[2], "A2")

    def act(text: str, label: str, code: str) -> object:
        if step == "ship":
            values = {"to_location": "Central lab", field: text}
            return shipments.ship_samples(
                database,
                actor="nurse_ous",
                labels=[label],
                code=code,
                **values,  # type: ignore[arg-type]
            )
        if step == "receive":
            shipments.ship_samples(
                database, actor="nurse_ous", labels=[label], code=code, to_location="Central lab"
            )
            return shipments.receive_shipment(database, actor="inv_ous", code=code, condition=text)
        return biobank.destroy_sample(
            database,
            actor="inv_ous",
            label=label,
            method="incineration",
            destruction_reason="expired",
            witness=text,
        )

    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        act("x" * (length + 1), labels[1], "SHIP-LONG")
    assert caught.value.location == field
    assert caught.value.detail == {"reason": "too_long", "max_length": length}
    if step != "receive":  # a receipt's shipment is written first, by another unit of work
        assert audit_count(database) == before
    # The longest text the column holds is kept whole, on either engine.
    kept = act(" " + "y" * length + " ", labels[2], "SHIP-FULL")
    if isinstance(kept, DestructionRecord):
        assert kept.witness == "y" * length
    else:
        assert isinstance(kept, ShipmentRecord)
        stored = kept.receipt_condition if step == "receive" else getattr(kept, field)
        assert stored == "y" * length


def test_a_receipt_is_authorised_before_anything_about_the_shipment_is_answered(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    from radtrial.errors import NotFound
    from radtrial.services.policy import access_log

    labels = [s.label for s in _collect(database, patient, aliquots=2)]
    _store(database, labels[1], "A1")
    _store(database, labels[2], "A2")
    for label, code in ((labels[1], "SHIP-OPEN"), (labels[2], "SHIP-DONE")):
        shipments.ship_samples(
            database, actor="nurse_ous", labels=[label], code=code, to_location="Central lab"
        )
    shipments.receive_shipment(database, actor="inv_ous", code="SHIP-DONE")
    # Times and contents that would each be refused, were the user allowed to ask.
    probes = (
        {},
        {"received_at": at(START - timedelta(days=1))},
        {"received_at": at(START + timedelta(days=9))},
        {"missing": ["NOT-IN-IT"]},
    )
    for actor in ("inv_hus", "monitor"):
        answers = set()
        for code in ("SHIP-OPEN", "SHIP-DONE"):
            for probe in probes:
                with pytest.raises(PermissionDenied) as caught:
                    shipments.receive_shipment(
                        database,
                        actor=actor,
                        code=code,
                        client_address="192.0.2.7",
                        **probe,  # type: ignore[arg-type]
                    )
                answers.add((type(caught.value), str(caught.value), caught.value.location))
        assert len(answers) == 1, answers  # the same refusal, received or not
        assert "received" not in next(iter(answers))[1]
    denied = [
        r
        for r in access_log(database, actor="inv_hus")
        if r.outcome == "denied" and r.entity == "sample_shipments"
    ]
    assert len(denied) == 2 * len(probes)
    assert {(r.entity_id, r.site_code, r.client_address) for r in denied} == {
        ("SHIP-OPEN", "OUS", "192.0.2.7"),
        ("SHIP-DONE", "OUS", "192.0.2.7"),
    }
    with pytest.raises(NotFound):
        shipments.receive_shipment(database, actor="inv_hus", code="NO-SUCH")
    assert biobank.sample_history(database, actor="monitor", label=labels[1]).sample.status == (
        "shipped"
    )


def test_a_sites_samples_and_shipments_are_listed_to_those_who_may_read_them(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    from radtrial.services.outcomes import biobank_views

    labels = [s.label for s in _collect(database, patient, aliquots=3)]
    for n, position in ((1, "A1"), (2, "A2"), (3, "A3")):
        _store(database, labels[n], position)
    shipments.ship_samples(
        database, actor="nurse_ous", labels=[labels[1]], code="SHIP-OUT", to_location="Central"
    )
    shipments.ship_samples(
        database, actor="nurse_ous", labels=[labels[2]], code="SHIP-IN", to_location="Central"
    )
    shipments.receive_shipment(database, actor="inv_ous", code="SHIP-IN", missing=[labels[2]])
    hus_patient = _enrol_prosarc_at(database, clock, "HUS", "inv_hus")
    (hus_sample,) = biobank.collect_sample(
        database,
        actor="inv_hus",
        study_id=hus_patient,
        label="HUS-PL-BL",
        sample_type="plasma",
        visit_id="baseline",
        collected_at=at(START, hour=8),
    )
    biobank.store_sample(
        database, actor="inv_hus", label=hus_sample.label, freezer="HUS-F1", rack="R1", box="B1",
        position="A1",
    )  # fmt: skip
    # An investigator at every site ships samples of both sites together.
    with database.unit_of_work("setup") as uow:
        uow.users.add(
            username="inv_all", full_name="Inv All", email="inv_all@example.org",
            password_hash=None,
        )  # fmt: skip
        uow.users.grant(username="inv_all", role=Role.INVESTIGATOR, site_code=None)
    shipments.ship_samples(
        database,
        actor="inv_all",
        labels=[labels[3], hus_sample.label],
        code="SHIP-BOTH",
        to_location="Central",
    )

    samples = biobank_views.site_samples(database, actor="nurse_ous", site_code="OUS")
    assert {(s.label, s.state, s.shipment) for s in samples} == {
        (labels[0], "collected", None),
        (labels[1], "in_transit", "SHIP-OUT"),
        (labels[2], "missing", "SHIP-IN"),
        (labels[3], "in_transit", "SHIP-BOTH"),
    }
    assert {(s.study_id, s.sample_type, s.visit_id, s.trial_slug) for s in samples} == {
        (patient, "plasma", "baseline", "prosarc2")
    }
    collected = biobank_views.site_samples(
        database, actor="nurse_ous", site_code="OUS", state="collected"
    )
    assert [s.label for s in collected] == [labels[0]]
    assert (
        biobank_views.site_samples(database, actor="nurse_ous", site_code="OUS", state="stored")
        == []
    )
    hus_in_transit = biobank_views.site_samples(
        database, actor="inv_hus", site_code="HUS", state="in_transit"
    )
    assert [(s.label, s.position) for s in hus_in_transit] == [(hus_sample.label, None)]

    listed = biobank_views.site_shipments(database, actor="nurse_ous", site_code="OUS")
    assert {(s.code, s.state, s.labels, s.samples, s.missing) for s in listed} == {
        ("SHIP-OUT", "in_transit", (labels[1],), 1, ()),
        ("SHIP-IN", "received", (labels[2],), 1, (labels[2],)),
        # Only the OUS sample of the shipment carrying both sites' samples is shown.
        ("SHIP-BOTH", "in_transit", (labels[3],), 1, ()),
    }
    in_transit = biobank_views.site_shipments(
        database, actor="nurse_ous", site_code="OUS", state="in_transit"
    )
    assert {s.code for s in in_transit} == {"SHIP-OUT", "SHIP-BOTH"}
    assert {s.shipped_by for s in in_transit} == {"nurse_ous", "inv_all"}
    # A monitor at every site sees both samples of that shipment.
    both = biobank_views.site_shipments(database, actor="monitor", site_code="OUS")
    assert {s.code: s.labels for s in both}["SHIP-BOTH"] == tuple(
        sorted([labels[3], hus_sample.label])
    )
    hus = biobank_views.site_shipments(database, actor="inv_hus", site_code="HUS")
    assert [(s.code, s.labels) for s in hus] == [("SHIP-BOTH", (hus_sample.label,))]

    # Another site's user is refused at OUS (logged), and sees no OUS sample at their own site.
    from radtrial.services.policy import access_log

    for listing in (biobank_views.site_samples, biobank_views.site_shipments):
        with pytest.raises(PermissionDenied):
            listing(database, actor="inv_hus", site_code="OUS")
        with pytest.raises(PermissionDenied):
            listing(database, actor="inv_hus", site_code="OUS", trial_slug="prosarc2")
    assert {
        s.label for s in biobank_views.site_samples(database, actor="inv_hus", site_code="HUS")
    } == {hus_sample.label}
    denied = [r for r in access_log(database, actor="inv_hus") if r.outcome == "denied"]
    assert {(r.entity, r.site_code) for r in denied} >= {
        ("samples", "OUS"),
        ("sample_shipments", "OUS"),
    }
    with pytest.raises(InvalidInput) as caught:
        biobank_views.site_samples(database, actor="nurse_ous", site_code="OUS", state="shipped")
    assert caught.value.location == "state"

"""Physician-assessed toxicity per visit and category (PALLSOFT's bowel and bladder secondary
endpoint): "assessed, no adverse event" is grade 0 and told apart from "not assessed" (missing);
validated at entry with located errors, nothing written on error, audited on both engines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import radtrial.protocol
from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services import trials
from radtrial.services.outcomes import adverse_events
from radtrial.store.audit import history
from radtrial.store.database import Database
from tests.outcomes_support import (
    START,
    CalendarClock,
    audit_count,
    audit_rows,
    enrol_pallsoft,
    record_adverse_event,
    set_up,
)

WEEK_4 = START + timedelta(days=28)
WEEK_8 = START + timedelta(days=56)


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    study_id = enrol_pallsoft(database, clock)
    clock.set_day(START + timedelta(days=70))
    return study_id


def _ae(db: Database, study_id: str, **values: object) -> adverse_events.AdverseEventRecord:
    values = {"term": "Diarrhea", "onset_on": START + timedelta(days=20), **values}
    return record_adverse_event(db, study_id, **values)  # type: ignore[arg-type]


def _assess(
    db: Database, study_id: str, **values: object
) -> list[adverse_events.ToxicityAssessmentRecord]:
    fields: dict[str, object] = {
        "visit_id": "week_4",
        "assessed_on": WEEK_4,
        "findings": {"bowel": "none", "bladder": "none"},
    }
    fields.update(values)
    return adverse_events.record_toxicity_assessment(
        db,
        actor="inv_ous",
        study_id=study_id,
        **fields,  # type: ignore[arg-type]
    )


def _grades(db: Database, target: str) -> dict[str, dict[str, int | None]]:
    table = adverse_events.toxicity_by_visit(db, actor="inv_ous", target=target)
    assert len(table.participants) == 1
    return {
        v.visit_id: {c: None if g is None else g.grade for c, g in v.grades.items()}
        for v in table.participants[0].visits
    }


def test_assessed_with_no_adverse_event_is_grade_0_and_not_assessed_is_missing(
    database: Database, patient: str
) -> None:
    records = _assess(database, patient, visit_id="baseline", assessed_on=START)
    assert [(r.category, r.no_adverse_event, r.adverse_event_ids) for r in records] == [
        ("bowel", True, ()),
        ("bladder", True, ()),
    ]
    first = records[0]
    assert (first.visit_id, first.assessed_on, first.assessed_by) == ("baseline", START, "inv_ous")
    assert first.ctcae_version == "5.0"
    assert len(first.protocol_hash) == 64
    table = adverse_events.toxicity_by_visit(database, actor="inv_ous", target=patient)
    assert [c.id for c in table.categories] == ["bowel", "bladder"]
    assert table.visit_ids == ("baseline", "end_of_rt", "week_4", "week_8", "week_12", "week_24")
    assert table.participants[0].visits[0].assessed_on == START
    grades = _grades(database, patient)
    assert grades["baseline"] == {"bowel": 0, "bladder": 0}
    for visit in ("end_of_rt", "week_4", "week_8", "week_12", "week_24"):
        assert grades[visit] == {"bowel": None, "bladder": None}
    stored = adverse_events.toxicity_assessments_of(database, actor="monitor", study_id=patient)
    assert stored == records


def test_every_assessment_is_audited(database: Database, patient: str) -> None:
    before = audit_count(database)
    _assess(database, patient, assessed_by="  Dr Hansen ")
    rows = audit_rows(database, "toxicity_assessments")
    assert ("inv_ous", "insert", "category", "bowel") in rows
    assert ("inv_ous", "insert", "category", "bladder") in rows
    assert ("inv_ous", "insert", "no_adverse_event", True) in rows
    assert ("inv_ous", "insert", "assessed_by", "Dr Hansen") in rows
    assert ("inv_ous", "insert", "visit_id", "week_4") in rows
    assert ("inv_ous", "insert", "ctcae_version", "5.0") in rows
    assert audit_count(database) > before


def test_linked_and_visit_events_give_the_maximum_grade_per_category(
    database: Database, patient: str
) -> None:
    diarrhoea = _ae(database, patient, grade=2)
    proctitis = _ae(database, patient, term="Proctitis", grade=3, onset_on=WEEK_4)
    records = _assess(
        database, patient, findings={"bowel": [proctitis.id, diarrhoea.id], "bladder": "none"}
    )
    assert records[0].adverse_event_ids == tuple(sorted((diarrhoea.id, proctitis.id)))
    assert not records[0].no_adverse_event
    assert (
        audit_rows(database, "toxicity_assessments").count(
            ("inv_ous", "insert", "adverse_event_ids", sorted((diarrhoea.id, proctitis.id)))
        )
        == 1
    )
    # A bladder event recorded at week 8 counts there only once bladder is assessed there.
    cystitis = _ae(
        database,
        patient,
        term="Cystitis noninfective",
        grade=1,
        onset_on=WEEK_8 - timedelta(days=6),
        visit_id="week_8",
        attribution="unlikely",
    )
    # Diarrhoea and proctitis have no resolution date: "none" at week 8 needs the physician's note.
    _assess(
        database,
        patient,
        visit_id="week_8",
        assessed_on=WEEK_8,
        findings={"bowel": "none"},
        open_event_note="both resolved by week 6, dates to follow",
    )
    grades = _grades(database, patient)
    assert grades["week_4"] == {"bowel": 3, "bladder": 0}
    assert grades["week_8"] == {"bowel": 0, "bladder": None}
    _assess(
        database,
        patient,
        visit_id="week_8",
        assessed_on=WEEK_8 + timedelta(days=1),
        findings={"bladder": [cystitis.id]},
    )
    assert _grades(database, patient)["week_8"] == {"bowel": 0, "bladder": 1}
    related = adverse_events.toxicity_by_visit(
        database, actor="inv_ous", target=patient, related_only=True
    )
    week_8 = related.participants[0].visits[3]
    assert week_8.visit_id == "week_8"
    assert week_8.assessed_on == WEEK_8
    bladder = week_8.grades["bladder"]
    assert bladder is not None
    assert (bladder.grade, bladder.events) == (0, 0)


def test_the_trial_table_lists_every_participant_the_actor_sees(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    other = enrol_pallsoft(database, clock, symptom="bleeding", nrs=5)
    _assess(database, patient)
    table = adverse_events.toxicity_by_visit(database, actor="monitor", target="pallsoft")
    rows = {p.study_id: p for p in table.participants}
    assert set(rows) == {patient, other}
    assert rows[patient].visits[2].grades["bowel"] is not None
    assert all(g is None for v in rows[other].visits for g in v.grades.values())


@pytest.mark.parametrize(
    ("values", "location", "reason"),
    [
        ({"visit_id": "week_99"}, "visit", "unknown_visit"),
        ({"findings": {"rectum": "none"}}, "categories[rectum]", "unknown_category"),
        ({"findings": {}}, "categories", "required"),
        ({"findings": {"bowel": "fine"}}, "categories[bowel]", "not_allowed"),
        ({"findings": {"bowel": []}}, "categories[bowel]", "required"),
        ({"findings": {"bowel": [999_999]}}, "categories[bowel]", "unknown_adverse_event"),
        ({"assessed_on": START - timedelta(days=1)}, "assessed_on", "before_registration"),
        ({"assessed_on": START + timedelta(days=71)}, "assessed_on", "in_future"),
        ({"ctcae_version": "6.0"}, "ctcae_version", "not_protocol_version"),
        ({"assessed_by": "x" * 129}, "assessed_by", "too_long"),
    ],
)
def test_invalid_assessments_are_refused_located_and_nothing_is_written(
    database: Database, patient: str, values: dict[str, object], location: str, reason: str
) -> None:
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient, **values)
    assert (caught.value.location, caught.value.detail["reason"]) == (location, reason)
    assert audit_count(database) == before


def test_linked_events_must_be_of_the_category_and_before_the_assessment(
    database: Database, patient: str
) -> None:
    fatigue = _ae(database, patient, term="Fatigue", grade=1)
    late = _ae(database, patient, grade=1, onset_on=WEEK_4 + timedelta(days=1))
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient, findings={"bowel": [fatigue.id]})
    assert caught.value.detail["reason"] == "not_in_category"
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient, findings={"bowel": "none", "bladder": [late.id]})
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "categories[bladder]",
        "not_in_category",
    )
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient, findings={"bowel": [late.id]})
    assert caught.value.detail["reason"] == "after_assessment"
    assert audit_count(database) == before


def test_none_is_refused_when_an_event_of_the_category_is_recorded_at_the_visit(
    database: Database, patient: str
) -> None:
    event = _ae(database, patient, visit_id="week_4")
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient)
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "categories[bowel]",
        "contradicts_adverse_event",
    )
    assert caught.value.detail["ids"] == [event.id]
    assert audit_count(database) == before
    _assess(database, patient, findings={"bladder": "none"})


def test_a_category_is_assessed_once_per_visit(database: Database, patient: str) -> None:
    _assess(database, patient, findings={"bowel": "none"})
    before = audit_count(database)
    with pytest.raises(Conflict) as caught:
        _assess(database, patient)
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "categories[bowel]",
        "already_assessed",
    )
    assert audit_count(database) == before
    assert [r.category for r in _assess(database, patient, findings={"bladder": "none"})] == [
        "bladder"
    ]


def test_only_site_staff_record_assessments(database: Database, patient: str) -> None:
    before = audit_count(database)
    for actor in ("monitor", "inv_hus"):
        with pytest.raises(PermissionDenied):
            adverse_events.record_toxicity_assessment(
                database,
                actor=actor,
                study_id=patient,
                visit_id="week_4",
                assessed_on=WEEK_4,
                findings={"bowel": "none"},
            )
    assert audit_count(database) == before
    nurse = adverse_events.record_toxicity_assessment(
        database,
        actor="nurse_ous",
        study_id=patient,
        visit_id="week_4",
        assessed_on=WEEK_4,
        findings={"bowel": "none"},
        assessed_by="Dr Hansen",
    )
    assert (nurse[0].assessed_by, nurse[0].recorded_by) == ("Dr Hansen", "nurse_ous")


def test_a_visit_that_does_not_schedule_the_toxicity_assessment_is_refused(
    database: Database, patient: str, tmp_path: Path
) -> None:
    bundled = Path(radtrial.protocol.__file__).parent / "trials" / "pallsoft.toml"
    scheduled = (
        'assessments = ["target_symptom_nrs", "qlq_c15_pal", "ecog", "ctcae", "survival_status"]'
    )
    text = bundled.read_text(encoding="utf-8")
    assert text.count(scheduled) == 1
    amended = tmp_path / "pallsoft.toml"
    text = text.replace(scheduled, scheduled.replace('"ctcae", ', ""))
    amended.write_text(
        text.replace('label = "0.1-registry"', 'label = "0.2-no-ctcae-week-24"', 1),
        encoding="utf-8",
    )
    trials.load_protocol(database, str(amended), actor="dm", reason="week 24 without CTCAE")
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient, visit_id="week_24", assessed_on=START + timedelta(days=70))
    assert (caught.value.location, caught.value.detail["reason"]) == ("visit", "not_scheduled")
    assert audit_count(database) == before
    table = adverse_events.toxicity_by_visit(database, actor="inv_ous", target=patient)
    assert "week_24" not in table.visit_ids


def test_none_beside_an_unresolved_grade_2_event_needs_a_note_that_is_audited(
    database: Database, patient: str
) -> None:
    diarrhoea = _ae(database, patient, grade=2)
    _ae(
        database, patient, term="Cystitis noninfective", grade=1, onset_on=START + timedelta(days=3)
    )
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _assess(database, patient)
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "categories[bowel]",
        "open_adverse_event",
    )
    assert caught.value.detail["ids"] == [diarrhoea.id]
    assert f"bowel={diarrhoea.id}" in str(caught.value)
    assert audit_count(database) == before
    # A grade-1 bladder event does not stand in the way of "none".
    _assess(database, patient, findings={"bladder": "none"})
    # A note where nothing is open is refused.
    with pytest.raises(InvalidInput) as caught:
        _assess(
            database,
            patient,
            visit_id="week_8",
            assessed_on=WEEK_8,
            findings={"bladder": "none"},
            open_event_note="x",
        )
    assert caught.value.detail["reason"] == "note_not_needed"
    records = _assess(database, patient, findings={"bowel": "none"}, open_event_note="resolved")
    assert records[0].no_adverse_event
    reasons = {
        e.reason
        for e in history(database.engine("research"), entity="toxicity_assessments")
        if e.entity_id == str(records[0].id)
    }
    assert reasons == {"'none' despite an unresolved adverse event of grade 2 or more: resolved"}


def test_none_after_the_event_resolved_needs_no_note(database: Database, patient: str) -> None:
    _ae(
        database,
        patient,
        grade=2,
        resolved_on=START + timedelta(days=25),
        outcome="recovered",
    )
    (record,) = _assess(database, patient, findings={"bowel": "none"})
    assert record.no_adverse_event

"""Adverse events (CTCAE version on every row, SAE flags, maximum grade per category) and ECOG
performance status, validated at entry and audited, on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.errors import Conflict, InvalidInput
from radtrial.services.outcomes import adverse_events, ecog
from radtrial.store.database import Database
from tests.outcomes_support import (
    START,
    CalendarClock,
    at,
    audit_count,
    audit_rows,
    enrol_pallsoft,
    enrol_prosarc,
    record_adverse_event,
    set_up,
)


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    study_id = enrol_pallsoft(database, clock)
    clock.set_day(START + timedelta(days=30))
    return study_id


def _ae(db: Database, study_id: str, **values: object) -> adverse_events.AdverseEventRecord:
    values = {"term": "Diarrhoea", "onset_on": START + timedelta(days=5), **values}
    return record_adverse_event(db, study_id, **values)  # type: ignore[arg-type]


def test_an_adverse_event_is_stored_with_its_ctcae_version_soc_and_attribution(
    database: Database, patient: str
) -> None:
    event = _ae(database, patient, visit_id="week_4")
    assert (event.ctcae_version, event.term, event.grade) == ("5.0", "Diarrhea", 2)
    assert event.soc == "gastrointestinal_disorders"
    assert (event.attribution, event.related, event.serious) == ("probable", True, False)
    assert (event.outcome, event.expedited_report, event.report_due_at) == (
        "not_recovered",
        False,
        None,
    )
    rows = audit_rows(database, "adverse_events")
    assert ("inv_ous", "insert", "ctcae_version", "5.0") in rows
    assert ("inv_ous", "insert", "grade", 2) in rows


def test_a_serious_event_is_flagged_for_expedited_report_with_its_due_time(
    database: Database, patient: str
) -> None:
    aware = at(START + timedelta(days=29), hour=14)
    event = _ae(
        database,
        patient,
        term="Proctitis",
        grade=3,
        seriousness=["hospitalisation"],
        expected=False,
        investigator_aware_at=aware,
    )
    assert event.serious
    assert event.expedited_report
    assert event.seriousness_criteria == ("hospitalisation",)
    assert event.report_due_at == aware + timedelta(hours=24)
    assert event.susar
    assert event.susar_report_due_at == aware + timedelta(days=15)


@pytest.mark.parametrize(
    ("values", "location", "reason"),
    [
        ({"grade": 6}, "grade", "out_of_range"),
        ({"term": "Nausea", "grade": 4}, "grade", "grade_not_defined_for_term"),
        ({"ctcae_version": "6.0"}, "ctcae_version", "not_protocol_version"),
        ({"ctcae_version": "4.03"}, "ctcae_version", "unknown_version"),
        ({"term": "Sore bottom"}, "term", "unknown_term"),
        ({"attribution": "maybe"}, "attribution", "not_allowed"),
        ({"grade": 5, "outcome": "fatal"}, "seriousness", "fatal_not_serious"),
        ({"onset_on": START - timedelta(days=3)}, "onset_on", "before_registration"),
        ({"onset_on": START + timedelta(days=31)}, "onset_on", "in_future"),
        ({"resolved_on": START + timedelta(days=2)}, "resolved_on", "resolved_before_onset"),
        ({"outcome": "recovered"}, "resolved_on", "resolution_date_required"),
        ({"visit_id": "week_99"}, "visit", "unknown_visit"),
    ],
)
def test_invalid_adverse_events_are_refused_located_and_nothing_is_written(
    database: Database, patient: str, values: dict[str, object], location: str, reason: str
) -> None:
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _ae(database, patient, **values)
    assert (caught.value.location, caught.value.detail["reason"]) == (location, reason)
    assert audit_count(database) == before


def test_a_grade_the_term_lacks_is_named_with_the_grades_it_has(
    database: Database, patient: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _ae(database, patient, term="Nausea", grade=4)
    assert "Nausea has no grade 4 in CTCAE v5.0 (its grades are 1–3)" in str(caught.value)


def test_each_trial_grades_with_its_own_protocol_version(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    sarcoma = enrol_prosarc(database, clock)
    event = adverse_events.record_adverse_event(
        database,
        actor="inv_ous",
        study_id=sarcoma,
        term="Dermatitis radiation",
        grade=2,
        onset_on=clock.today,
        attribution="definite",
    )
    assert event.ctcae_version == "6.0"


def test_maximum_grade_per_participant_and_protocol_category(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    other = enrol_pallsoft(database, clock, symptom="bleeding", nrs=5)
    _ae(database, patient, term="Diarrhea", grade=2)
    _ae(database, patient, term="Proctitis", grade=3, onset_on=START + timedelta(days=9))
    _ae(database, patient, term="Cystitis noninfective", grade=1, attribution="unlikely")
    _ae(database, patient, term="Fatigue", grade=2)
    summary = adverse_events.toxicity_summary(database, actor="monitor", target="pallsoft")
    assert [c.id for c in summary.categories] == ["bowel", "bladder"]
    rows = {row.study_id: row for row in summary.participants}
    assert set(rows) == {patient, other}
    assert rows[patient].overall.grade == 3
    assert rows[patient].by_category["bowel"].grade == 3
    assert rows[patient].by_category["bowel"].events == 2
    assert rows[patient].by_category["bladder"].grade == 1
    assert rows[other].overall.grade == 0
    related = adverse_events.toxicity_summary(
        database, actor="inv_ous", target=patient, related_only=True
    )
    assert related.participants[0].by_category["bladder"].grade == 0
    assert related.participants[0].overall.versions == ("5.0",)


def test_ecog_is_recorded_over_time_and_validated(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    ecog.record_ecog(
        database,
        actor="nurse_ous",
        study_id=patient,
        status=1,
        assessed_on=START,
        visit_id="baseline",
    )
    ecog.record_ecog(
        database, actor="nurse_ous", study_id=patient, status=2, assessed_on=clock.today
    )
    history = ecog.ecog_history(database, actor="monitor", study_id=patient)
    assert [(e.assessed_on, e.status) for e in history] == [(START, 1), (clock.today, 2)]
    assert ("nurse_ous", "insert", "status", 2) in audit_rows(database, "ecog_assessments")
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        ecog.record_ecog(
            database, actor="nurse_ous", study_id=patient, status=6, assessed_on=clock.today
        )
    assert caught.value.location == "status"
    with pytest.raises(InvalidInput) as caught:
        ecog.record_ecog(
            database,
            actor="nurse_ous",
            study_id=patient,
            status=1,
            assessed_on=START + timedelta(days=3),
            visit_id="end_of_rt",
        )
    assert caught.value.detail["reason"] == "not_scheduled"
    with pytest.raises(Conflict):
        ecog.record_ecog(
            database, actor="nurse_ous", study_id=patient, status=3, assessed_on=clock.today
        )
    assert audit_count(database) == before


def test_no_performance_status_follows_ecog_5(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    ecog.record_ecog(
        database,
        actor="nurse_ous",
        study_id=patient,
        status=5,
        assessed_on=START + timedelta(days=20),
    )
    with pytest.raises(InvalidInput) as caught:
        ecog.record_ecog(
            database, actor="nurse_ous", study_id=patient, status=4, assessed_on=clock.today
        )
    assert caught.value.detail["reason"] == "after_death"

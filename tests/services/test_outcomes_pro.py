"""Patient-reported outcomes: the PALLSOFT target symptom from baseline to the primary timepoint
with responder status, questionnaires with stored scores, and every refusal writing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services import consent
from radtrial.services.outcomes import pro, visits
from radtrial.store.database import Database
from radtrial.store.outcome_records import SymptomRatingRecord
from tests.outcomes_support import (
    START,
    CalendarClock,
    at,
    audit_count,
    audit_rows,
    enrol_pallsoft,
    set_up,
)


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    return enrol_pallsoft(database, clock)


def _rate(db: Database, study_id: str, visit: str, **values: object) -> SymptomRatingRecord:
    return pro.record_symptom(db, actor="nurse_ous", study_id=study_id, visit_id=visit, **values)


def test_a_pallsoft_target_symptom_from_baseline_to_week_8_is_a_responder(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _rate(database, patient, "baseline", symptom="pain", nrs=7)
    clock.set_day(START + timedelta(days=35))
    _rate(
        database,
        patient,
        "week_4",
        nrs=5,
        global_impression="improved",
        analgesic_increased=False,
        answered_at=at(START + timedelta(days=34)),
    )
    clock.set_day(START + timedelta(days=63))
    _rate(
        database,
        patient,
        "week_8",
        nrs=3,
        global_impression="improved",
        analgesic_increased=False,
        answered_at=at(START + timedelta(days=62)),
    )

    course = pro.symptom_course(database, actor="monitor", study_id=patient)
    assert [(r.visit_id, r.symptom, r.nrs) for r in course.ratings] == [
        ("baseline", "pain", 7),
        ("week_4", "pain", 5),
        ("week_8", "pain", 3),
    ]
    assert course.ratings[2].global_impression == "improved"
    responder = course.responder
    assert responder is not None
    assert (responder.status, responder.visit, responder.reduction_points) == (
        "responder",
        "week_8",
        4,
    )
    assert "NRS 7 → 3" in responder.explanation
    # Every value is in the audit trail with who entered it and the protocol version hash.
    rows = audit_rows(database, "symptom_ratings")
    assert {actor for actor, *_ in rows} == {"nurse_ous"}
    assert {action for _, action, *_ in rows} == {"insert"}
    assert ("nurse_ous", "insert", "nrs", 7) in rows
    hashes = {value for _, _, field, value in rows if field == "protocol_hash"}
    assert len(hashes) == 1
    assert len(next(iter(hashes))) == 64
    assert baseline.protocol_hash in hashes


def test_an_analgesic_increase_makes_a_pain_reduction_a_non_responder(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    _rate(database, patient, "baseline", symptom="pain", nrs=8)
    clock.set_day(START + timedelta(days=60))
    _rate(database, patient, "week_8", nrs=4, analgesic_increased=True)
    responder = pro.symptom_course(database, actor="inv_ous", study_id=patient).responder
    assert responder is not None
    assert (responder.status, responder.reason) == ("non_responder", "analgesic_increase")


def test_responder_status_is_pending_until_the_visit_is_over_then_itt_non_responder(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    _rate(database, patient, "baseline", symptom="bleeding", nrs=6)
    responder = pro.symptom_course(database, actor="inv_ous", study_id=patient).responder
    assert responder is not None
    assert responder.status == "pending"
    visits.record_missed_visit(
        database, actor="inv_ous", study_id=patient, visit_id="week_8", note="too ill to travel"
    )
    responder = pro.symptom_course(database, actor="inv_ous", study_id=patient).responder
    assert responder is not None
    assert (responder.status, responder.reason) == ("non_responder", "assessment_missing")


@pytest.mark.parametrize(
    ("values", "location", "reason"),
    [
        ({"symptom": "pain", "nrs": 11}, "nrs", "out_of_range"),
        ({"symptom": "pain", "nrs": -1}, "nrs", "out_of_range"),
        ({"symptom": "pain", "nrs": 4.5}, "nrs", "not_a_whole_number"),
        ({"symptom": "headache", "nrs": 5}, "symptom", "not_allowed"),
        ({"nrs": 5}, "symptom", "symptom_required"),
        ({"symptom": "pain", "nrs": 5, "global_impression": "improved"}, "global_impression",
         "not_scheduled"),
        ({"symptom": "pain"}, "nrs", "nothing_given"),
        ({"symptom": "pain", "nrs": 5, "answered_at": at(START - timedelta(days=1))},
         "answered_at", "before_registration"),
        ({"symptom": "pain", "nrs": 5, "answered_at": at(START + timedelta(days=2))},
         "answered_at", "in_future"),
    ],
)  # fmt: skip
def test_invalid_baseline_ratings_are_refused_with_a_located_error_and_nothing_written(
    database: Database, patient: str, values: dict[str, object], location: str, reason: str
) -> None:
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "baseline", **values)
    assert caught.value.location == location
    assert caught.value.detail["reason"] == reason
    assert audit_count(database) == before


def test_an_nrs_of_11_says_what_is_allowed(database: Database, patient: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "baseline", symptom="pain", nrs=11)
    assert str(caught.value) == "nrs: An NRS rating must be from 0 to 10, not 11"


def test_follow_up_ratings_need_the_baseline_the_same_symptom_and_for_pain_the_analgesics(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    clock.set_day(START + timedelta(days=30))
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "week_4", nrs=5, analgesic_increased=False)
    assert caught.value.detail["reason"] == "baseline_missing"
    _rate(database, patient, "baseline", symptom="pain", nrs=7, answered_at=at(START))
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "week_4", nrs=5)
    assert caught.value.location == "analgesic_increased"
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "week_4", symptom="bleeding", nrs=5, analgesic_increased=False)
    assert caught.value.detail["reason"] == "symptom_changed"
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "week_5", nrs=5, analgesic_increased=False)
    assert caught.value.detail["reason"] == "unknown_visit"
    _rate(database, patient, "week_4", nrs=5, analgesic_increased=False)
    with pytest.raises(Conflict):
        _rate(database, patient, "week_4", nrs=4, analgesic_increased=False)


@pytest.mark.parametrize("actor", ["monitor", "inv_hus", "stat", "nobody"])
def test_only_an_investigator_or_research_nurse_at_the_site_records_outcomes(
    database: Database, patient: str, actor: str
) -> None:
    with pytest.raises(PermissionDenied):
        pro.record_symptom(
            database, actor=actor, study_id=patient, visit_id="baseline", symptom="pain", nrs=5
        )


def test_no_rating_is_taken_after_withdrawal_from_follow_up(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    _rate(database, patient, "baseline", symptom="pain", nrs=7)
    clock.set_day(START + timedelta(days=20))
    consent.record_withdrawal(
        database,
        actor="inv_ous",
        study_id=patient,
        kind="follow_up",
        withdrawn_on=START + timedelta(days=20),
    )
    clock.set_day(START + timedelta(days=30))
    with pytest.raises(InvalidInput) as caught:
        _rate(database, patient, "week_4", nrs=5, analgesic_increased=False)
    assert caught.value.detail["reason"] == "not_collectable"
    # A rating made before the withdrawal may still be entered.
    _rate(
        database,
        patient,
        "end_of_rt",
        nrs=6,
        analgesic_increased=False,
        answered_at=at(START + timedelta(days=10)),
    )


QLQ_C15_PAL = dict.fromkeys(range(1, 15), 2) | {15: 5}


def test_a_questionnaire_is_stored_by_item_number_with_its_scores_and_scoring_version(
    database: Database, patient: str
) -> None:
    record = pro.record_questionnaire(
        database,
        actor="nurse_ous",
        study_id=patient,
        assessment_id="qlq_c15_pal",
        visit_id="baseline",
        responses=QLQ_C15_PAL,
    )
    assert record.state == "complete"
    assert record.responses[15] == 5
    assert record.scores["PF"]["score"] == pytest.approx(46.67, abs=0.01)  # sum 6 → 7 × 100/15
    assert record.scores["PF"]["method"] == "c15_pal_table"
    assert record.scores["QL"]["score"] == pytest.approx(66.67, abs=0.01)
    assert record.scoring_version == pro.SCORING_VERSIONS["qlq_c15_pal"]
    rows = audit_rows(database, "questionnaire_submissions")
    assert ("nurse_ous", "insert", "scoring_version", record.scoring_version) in rows
    stored = pro.symptom_course(database, actor="inv_ous", study_id=patient).questionnaires
    assert stored == (record,)


def test_a_partly_answered_questionnaire_is_partial_and_scales_follow_the_half_items_rule(
    database: Database, patient: str
) -> None:
    record = pro.record_questionnaire(
        database,
        actor="nurse_ous",
        study_id=patient,
        assessment_id="qlq_c15_pal",
        visit_id="baseline",
        responses={5: 3, 12: None, 15: 4},
    )
    assert record.state == "partial"
    assert record.responses[12] is None
    assert record.scores["PA"]["score"] == pytest.approx(66.67, abs=0.01)  # one of two items
    assert record.scores["PF"]["score"] is None


@pytest.mark.parametrize(
    ("responses", "location", "visit"),
    [
        ({15: 8}, "items[15]", "baseline"),
        ({16: 1}, "items[16]", "baseline"),
        ({1: None}, "items", "baseline"),
        ({1: 2}, "visit", "end_of_rt"),
    ],
)
def test_invalid_questionnaires_are_refused(
    database: Database, patient: str, responses: dict[int, object], location: str, visit: str
) -> None:
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        pro.record_questionnaire(
            database,
            actor="nurse_ous",
            study_id=patient,
            assessment_id="qlq_c15_pal",
            visit_id=visit,
            responses=responses,
        )
    assert caught.value.location == location
    assert audit_count(database) == before

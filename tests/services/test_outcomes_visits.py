"""Visits due per site, anchored on randomisation and on the RT course's delivered fractions;
missed visits; PALLSOFT's overall survival from randomisation."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services.outcomes import endpoints, pro, visits
from radtrial.store.database import Database
from radtrial.trial.visits import VisitStatus
from tests.outcomes_support import (
    START,
    CalendarClock,
    audit_rows,
    enrol_pallsoft,
    enrol_prosarc,
    set_up,
    treat,
)


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    return enrol_pallsoft(database, clock)


def _due(db: Database, actor: str = "nurse_ous", **options: object) -> list[tuple[str, str]]:
    rows = visits.site_visits_due(db, actor=actor, site_code="OUS", **options)  # type: ignore[arg-type]
    return [(row.due.visit_id, row.due.status.value) for row in rows]


def test_visits_come_due_from_randomisation_and_the_delivered_course(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    # Baseline is anchored on randomisation (today) and due until today.
    assert _due(database) == [("baseline", "due")]
    pro.record_symptom(
        database, actor="nurse_ous", study_id=patient, visit_id="baseline", symptom="pain", nrs=7
    )
    assert _due(database) == []
    first, _last = treat(database, clock, patient, START + timedelta(days=7))
    assert first == START + timedelta(days=7)
    # Week 4 is anchored on the first fraction: due from day 21 to day 35.
    clock.set_day(first + timedelta(days=24))
    assert _due(database) == [("end_of_rt", "overdue"), ("week_4", "due")]
    visits.record_missed_visit(
        database, actor="inv_ous", study_id=patient, visit_id="end_of_rt", note="not contacted"
    )
    assert _due(database) == [("week_4", "due")]
    assert _due(database, look_ahead_days=30, trial_slug="pallsoft") == [
        ("week_4", "due"),
        ("week_8", "not_yet_due"),
    ]
    schedule = visits.participant_visits(database, actor="monitor", study_id=patient)
    states = {s.visit.visit_id: s.status for s in schedule}
    assert states["baseline"] is VisitStatus.DONE_IN_WINDOW
    assert states["end_of_rt"] is VisitStatus.MISSED
    assert states["week_12"] is VisitStatus.NOT_YET_DUE
    week_4 = next(s for s in schedule if s.visit.visit_id == "week_4")
    assert week_4.visit.window is not None
    assert week_4.visit.window.target_on == first + timedelta(days=28)
    assert ("inv_ous", "insert", "visit_id", "end_of_rt") in audit_rows(database, "missed_visits")


def test_missed_visits_need_a_reason_and_cannot_be_done_visits(
    database: Database, patient: str
) -> None:
    pro.record_symptom(
        database, actor="nurse_ous", study_id=patient, visit_id="baseline", symptom="pain", nrs=7
    )
    with pytest.raises(Conflict):
        visits.record_missed_visit(
            database, actor="inv_ous", study_id=patient, visit_id="baseline", note="x"
        )
    with pytest.raises(InvalidInput) as caught:
        visits.record_missed_visit(
            database, actor="inv_ous", study_id=patient, visit_id="week_4", note=" "
        )
    assert caught.value.location == "note"


def test_visits_due_are_listed_only_for_a_site_the_user_works_at(
    database: Database, patient: str
) -> None:
    assert _due(database, actor="monitor") == [("baseline", "due")]
    with pytest.raises(PermissionDenied):
        _due(database, actor="inv_hus")
    with pytest.raises(PermissionDenied):
        _due(database, actor="inv_hus", trial_slug="pallsoft")


def test_pallsoft_overall_survival_runs_from_randomisation(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    pro.record_symptom(
        database, actor="nurse_ous", study_id=patient, visit_id="baseline", symptom="pain", nrs=7
    )
    treat(database, clock, patient, START + timedelta(days=7))
    report = endpoints.endpoint_report(database, actor="stat", target="pallsoft")
    assert report.origin == "randomisation"
    assert [e.value for e in report.endpoints] == ["os"]
    (row,) = report.rows
    assert row.arm_code in {"A", "B"}
    assert (row.time.event, row.time.censored_at) == (False, "origin")
    assert report.responders[0].status == "pending"
    durations, observed = report.survival_data("os", arm=row.arm_code)
    assert list(durations) == [0.0]
    assert list(observed) == [0]


def _state(db: Database, study_id: str, visit_id: str) -> tuple[VisitStatus, object, bool]:
    schedule = visits.participant_visits(db, actor="monitor", study_id=study_id)
    state = next(s for s in schedule if s.visit.visit_id == visit_id)
    return state.status, state.visit.window, state.visit.anchor_planned


def test_a_planned_course_makes_the_baseline_before_rt_due_and_delivery_re_anchors(
    database: Database, clock: CalendarClock
) -> None:
    from radtrial.services.course import deliver_fraction, plan_participant_course

    set_up(database)
    study_id = enrol_prosarc(database, clock)
    # No course yet: PROSARC-2's baseline (day -14 from the first fraction) awaits its anchor.
    assert _state(database, study_id, "baseline")[0] is VisitStatus.AWAITING_ANCHOR
    assert _due(database) == []
    start = START + timedelta(days=10)
    plan = plan_participant_course(database, actor="inv_ous", study_id=study_id, start=start)
    planned_first = plan.fractions[0].planned_date
    planned_last = plan.fractions[-1].planned_date
    # The planned first fraction anchors the baseline: due now, before RT starts.
    status, window, planned = _state(database, study_id, "baseline")
    assert (status, planned) == (VisitStatus.DUE, True)
    assert window is not None
    assert window.target_on == planned_first - timedelta(days=14)  # type: ignore[attr-defined]
    assert window.closes_on == planned_first  # type: ignore[attr-defined]
    rows = visits.site_visits_due(database, actor="nurse_ous", site_code="OUS")
    assert [(r.due.visit_id, r.due.status.value, r.due.anchor_planned) for r in rows] == [
        ("baseline", "due", True)
    ]
    # The end of RT is anchored on the planned last fraction.
    status, window, planned = _state(database, study_id, "end_of_rt")
    assert (status, planned) == (VisitStatus.NOT_YET_DUE, True)
    assert window.target_on == planned_last  # type: ignore[union-attr]
    # The first fraction is given two days later than planned: the schedule re-anchors on it.
    delivered_on = planned_first + timedelta(days=2)
    clock.set_day(delivered_on, time(12, 0))
    first = plan.fractions[0]
    deliver_fraction(
        database,
        actor="inv_ous",
        study_id=study_id,
        fraction=first.number,
        doses={d.dose_level: d.planned_dose_gy for d in first.doses},
        machine="PROTON-1",
    )
    status, window, planned = _state(database, study_id, "baseline")
    assert planned is False
    assert window.closes_on == delivered_on  # type: ignore[union-attr]
    month_3 = _state(database, study_id, "month_3")
    assert month_3[2] is False
    assert month_3[1].target_on == delivered_on + timedelta(days=91)  # type: ignore[union-attr]
    # The last fraction is still planned until the course is complete.
    assert _state(database, study_id, "end_of_rt")[2] is True


def test_an_ecog_entered_without_a_visit_completes_the_visit_whose_window_holds_it(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    from radtrial.services.outcomes import ecog

    pro.record_symptom(
        database, actor="nurse_ous", study_id=patient, visit_id="baseline", symptom="pain", nrs=7
    )
    first, _ = treat(database, clock, patient, START + timedelta(days=7))
    clock.set_day(first + timedelta(days=24))
    assert ("week_4", "due") in _due(database)
    record = ecog.record_ecog(database, actor="nurse_ous", study_id=patient, status=1)
    assert record.visit_id == "week_4"
    assert ("week_4", "due") not in _due(database)
    # A day in no window that schedules ECOG stays unscheduled (no visit).
    clock.set_day(first + timedelta(days=45))
    unscheduled = ecog.record_ecog(database, actor="nurse_ous", study_id=patient, status=1)
    assert unscheduled.visit_id is None


def test_missed_visits_are_listed_per_site_with_their_reason(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    assert visits.site_missed_visits(database, actor="nurse_ous", site_code="OUS") == []
    visits.record_missed_visit(
        database, actor="inv_ous", study_id=patient, visit_id="baseline", note="too ill"
    )
    assert _due(database) == []
    (row,) = visits.site_missed_visits(database, actor="nurse_ous", site_code="OUS")
    assert (row.trial_slug, row.study_id, row.visit_id, row.note, row.recorded_by) == (
        "pallsoft",
        patient,
        "baseline",
        "too ill",
        "inv_ous",
    )
    assert row.window is not None
    assert row.window.closes_on == START
    assert visits.site_missed_visits(
        database, actor="monitor", site_code="OUS", trial_slug="pallsoft"
    ) == [row]
    with pytest.raises(PermissionDenied):
        visits.site_missed_visits(database, actor="inv_hus", site_code="OUS")
    with pytest.raises(PermissionDenied):
        visits.site_missed_visits(database, actor="inv_hus", site_code="OUS", trial_slug="pallsoft")

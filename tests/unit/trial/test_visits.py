"""Visit schedules: windows from the protocol's visits and anchor dates, status, and the
visits a site has due."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.schedule import Visit
from radtrial.trial.visits import (
    ParticipantVisits,
    VisitStatus,
    Window,
    check_assessment_date,
    overlapping_windows,
    participant_schedule,
    schedule_visits,
    visit_on,
    visit_status,
    visit_window,
    visits_containing,
    visits_due,
)

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"
RANDOMISED = date(2026, 3, 2)
FIRST_FRACTION = date(2026, 3, 5)


@pytest.fixture(scope="module")
def pallsoft() -> Protocol:
    return parse_protocol((TRIALS / "pallsoft.toml").read_text(encoding="utf-8"), "pallsoft")


@pytest.fixture(scope="module")
def prosarc2() -> Protocol:
    return parse_protocol((TRIALS / "prosarc2.toml").read_text(encoding="utf-8"), "prosarc2")


def patient(study_id: str = "PALL-OUS-0001", site: str = "OUS", **kw: object) -> ParticipantVisits:
    anchors = {"randomisation": RANDOMISED, "first_fraction": FIRST_FRACTION}
    return ParticipantVisits(study_id, site, anchors, **kw)  # type: ignore[arg-type]


def states(protocol: Protocol, today: date, **kw: object) -> dict[str, VisitStatus]:
    return {
        s.visit.visit_id: s.status
        for s in participant_schedule(protocol.visits, patient(**kw), today=today)
    }


def test_a_window_runs_from_days_before_to_days_after_the_target_day(pallsoft: Protocol) -> None:
    week_8 = next(v for v in pallsoft.visits if v.id == "week_8")
    assert visit_window(week_8, FIRST_FRACTION) == Window(
        date(2026, 4, 23), date(2026, 4, 30), date(2026, 5, 7)
    )


def test_a_visit_whose_anchor_has_not_happened_awaits_it(pallsoft: Protocol) -> None:
    schedule = {v.visit_id: v for v in schedule_visits(pallsoft.visits, patient().anchors)}
    assert schedule["end_of_rt"].window is None
    assert states(pallsoft, date(2026, 3, 6))["end_of_rt"] is VisitStatus.AWAITING_ANCHOR


def test_the_schedule_re_anchors_when_the_course_moves(pallsoft: Protocol) -> None:
    before = schedule_visits(pallsoft.visits, {"first_fraction": FIRST_FRACTION})
    later = schedule_visits(pallsoft.visits, {"first_fraction": FIRST_FRACTION + timedelta(7)})
    for old, new in zip(before, later, strict=True):
        if old.window is not None and new.window is not None:
            assert new.window.target_on - old.window.target_on == timedelta(days=7)


def test_statuses_move_from_not_yet_due_to_due_to_overdue(pallsoft: Protocol) -> None:
    # week_4: first fraction + 28 days ± 7 = 26 March to 9 April 2026.
    assert states(pallsoft, date(2026, 3, 25))["week_4"] is VisitStatus.NOT_YET_DUE
    assert states(pallsoft, date(2026, 3, 26))["week_4"] is VisitStatus.DUE
    assert states(pallsoft, date(2026, 4, 9))["week_4"] is VisitStatus.DUE
    assert states(pallsoft, date(2026, 4, 10))["week_4"] is VisitStatus.OVERDUE


def test_a_done_visit_is_in_or_out_of_its_window(pallsoft: Protocol) -> None:
    today = date(2026, 6, 1)
    assert states(pallsoft, today, done={"week_4": date(2026, 4, 9)})["week_4"] is (
        VisitStatus.DONE_IN_WINDOW
    )
    assert states(pallsoft, today, done={"week_4": date(2026, 4, 10)})["week_4"] is (
        VisitStatus.DONE_OUT_OF_WINDOW
    )


def test_a_missed_visit_and_visits_after_follow_up_ended(pallsoft: Protocol) -> None:
    result = states(
        pallsoft, date(2026, 6, 1), missed={"week_8"}, follow_up_ended_on=date(2026, 5, 10)
    )
    assert result["week_8"] is VisitStatus.MISSED
    assert result["week_4"] is VisitStatus.OVERDUE  # its window closed before follow-up ended
    assert result["week_12"] is VisitStatus.NOT_REQUIRED
    assert result["week_24"] is VisitStatus.NOT_REQUIRED
    in_window = states(pallsoft, date(2026, 6, 1), follow_up_ended_on=date(2026, 5, 1))
    assert in_window["week_8"] is VisitStatus.NOT_REQUIRED  # ended inside the week-8 window


def test_a_visit_cannot_be_done_and_missed_or_done_in_the_future(pallsoft: Protocol) -> None:
    (scheduled,) = [
        v for v in schedule_visits(pallsoft.visits, patient().anchors) if v.visit_id == "week_4"
    ]
    with pytest.raises(InvalidInput) as caught:
        visit_status(scheduled, today=date(2026, 4, 1), done_on=date(2026, 4, 1), missed=True)
    assert caught.value.location == "missed"
    with pytest.raises(InvalidInput) as caught:
        visit_status(scheduled, today=date(2026, 4, 1), done_on=date(2026, 4, 2))
    assert caught.value.location == "done_on"


def test_a_visit_id_the_protocol_does_not_have_is_refused(pallsoft: Protocol) -> None:
    with pytest.raises(InvalidInput) as caught:
        states(pallsoft, date(2026, 4, 1), done={"week_9": date(2026, 4, 1)})
    assert (caught.value.location, caught.value.detail["visits"]) == ("done", ["week_9"])


def test_visits_due_for_a_site_are_its_due_and_overdue_visits_most_urgent_first(
    pallsoft: Protocol,
) -> None:
    participants = [
        patient("PALL-OUS-0001"),
        patient("PALL-OUS-0002", done={"baseline": RANDOMISED, "week_4": date(2026, 4, 1)}),
        patient("PALL-HUS-0001", site="HUS"),
    ]
    due = visits_due(pallsoft.visits, participants, site="OUS", today=date(2026, 4, 2))
    assert [(d.study_id, d.visit_id, d.status) for d in due] == [
        ("PALL-OUS-0001", "baseline", VisitStatus.OVERDUE),
        ("PALL-OUS-0001", "week_4", VisitStatus.DUE),
    ]
    assert due[1].assessments[0] == "target_symptom_nrs"


def test_looking_ahead_adds_visits_whose_window_opens_soon(pallsoft: Protocol) -> None:
    due = visits_due(
        pallsoft.visits,
        [patient(done={"baseline": RANDOMISED, "week_4": date(2026, 4, 1)})],
        site="OUS",
        today=date(2026, 4, 2),
        look_ahead_days=21,
    )
    assert [(d.visit_id, d.status) for d in due] == [("week_8", VisitStatus.NOT_YET_DUE)]
    with pytest.raises(InvalidInput):
        visits_due(pallsoft.visits, [], site="OUS", today=date(2026, 4, 2), look_ahead_days=-1)


@pytest.mark.parametrize("name", ["pallsoft", "prosarc2"])
def test_no_two_visits_on_one_anchor_overlap_in_the_bundled_protocols(
    name: str, pallsoft: Protocol, prosarc2: Protocol
) -> None:
    protocol = {"pallsoft": pallsoft, "prosarc2": prosarc2}[name]
    assert overlapping_windows(protocol.visits) == ()


def test_overlapping_windows_on_one_anchor_are_found() -> None:
    visits = [
        Visit(id="a", label="A", anchor="first_fraction", day=28, window_before_days=7,
              window_after_days=7),
        Visit(id="b", label="B", anchor="first_fraction", day=42, window_before_days=7,
              window_after_days=0),
        Visit(id="c", label="C", anchor="last_fraction", day=30, window_before_days=0,
              window_after_days=0),
    ]  # fmt: skip
    assert overlapping_windows(visits) == (("a", "b"),)


def test_a_second_8_gy_fraction_puts_end_of_rt_inside_the_week_4_window(
    pallsoft: Protocol,
) -> None:
    anchors = {
        "randomisation": RANDOMISED,
        "first_fraction": FIRST_FRACTION,
        "last_fraction": FIRST_FRACTION + timedelta(days=28),
    }
    schedule = schedule_visits(pallsoft.visits, anchors)
    day = FIRST_FRACTION + timedelta(days=29)
    assert {v.visit_id for v in visits_containing(schedule, day)} == {"end_of_rt", "week_4"}


def test_an_assessment_before_registration_or_in_the_future_is_refused() -> None:
    registered, today = date(2026, 3, 1), date(2026, 4, 1)
    assert check_assessment_date(registered, registered_on=registered, today=today) == registered
    with pytest.raises(InvalidInput) as caught:
        check_assessment_date(date(2026, 2, 28), registered_on=registered, today=today)
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "assessed_on",
        "before_registration",
    )
    with pytest.raises(InvalidInput) as caught:
        check_assessment_date(date(2026, 4, 2), registered_on=registered, today=today)
    assert caught.value.detail["reason"] == "in_future"


def test_prosarc2_baseline_window_is_the_4_weeks_before_the_first_fraction(
    prosarc2: Protocol,
) -> None:
    baseline = next(v for v in prosarc2.visits if v.id == "baseline")
    window = visit_window(baseline, date(2026, 3, 2))
    assert (window.opens_on, window.closes_on) == (date(2026, 2, 2), date(2026, 3, 2))


def test_a_planned_anchor_gives_windows_marked_planned(prosarc2: Protocol) -> None:
    planned_first = date(2026, 3, 16)
    participant = ParticipantVisits(
        "PRO-OUS-0001",
        "OUS",
        {"registration": RANDOMISED, "first_fraction": planned_first},
        planned_anchors={"first_fraction"},
    )
    schedule = {
        s.visit.visit_id: s
        for s in participant_schedule(prosarc2.visits, participant, today=RANDOMISED)
    }
    baseline = schedule["baseline"]
    assert baseline.status is VisitStatus.DUE
    assert baseline.visit.anchor_planned is True
    assert baseline.visit.window == Window(
        planned_first - timedelta(days=28), planned_first - timedelta(days=14), planned_first
    )
    assert schedule["end_of_rt"].status is VisitStatus.AWAITING_ANCHOR
    assert schedule["end_of_rt"].visit.anchor_planned is False
    (due,) = visits_due(prosarc2.visits, [participant], site="OUS", today=RANDOMISED)
    assert (due.visit_id, due.anchor_planned) == ("baseline", True)
    # The same participant once the first fraction is given: an actual anchor.
    actual = ParticipantVisits(
        "PRO-OUS-0001", "OUS", {"registration": RANDOMISED, "first_fraction": planned_first}
    )
    (again,) = visits_due(prosarc2.visits, [actual], site="OUS", today=RANDOMISED)
    assert again.anchor_planned is False


def test_a_planned_anchor_needs_a_date() -> None:
    with pytest.raises(InvalidInput) as caught:
        ParticipantVisits(
            "P", "OUS", {"registration": RANDOMISED}, planned_anchors={"last_fraction"}
        )
    assert caught.value.detail["reason"] == "planned_anchor_without_date"


def test_an_assessment_is_attached_to_the_one_visit_whose_window_holds_its_day(
    pallsoft: Protocol,
) -> None:
    # Arm A's second fraction on day 27 puts the end-of-RT window (27-30) inside week 4 (21-35).
    anchors = {
        "randomisation": RANDOMISED,
        "first_fraction": FIRST_FRACTION,
        "last_fraction": FIRST_FRACTION + timedelta(days=27),
    }
    schedule = schedule_visits(pallsoft.visits, anchors)
    week_4_only = FIRST_FRACTION + timedelta(days=22)
    found = visit_on(schedule, week_4_only)
    assert found is not None
    assert found.visit_id == "week_4"
    assert visit_on(schedule, FIRST_FRACTION + timedelta(days=45)) is None
    with pytest.raises(InvalidInput) as caught:
        visit_on(schedule, FIRST_FRACTION + timedelta(days=28), field="visit")
    assert caught.value.location == "visit"
    assert caught.value.detail["reason"] == "visit_ambiguous"
    assert caught.value.detail["candidates"] == ["end_of_rt", "week_4"]
    assert "end_of_rt (2026-04-01 – 2026-04-04)" in str(caught.value)

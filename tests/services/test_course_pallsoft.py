"""PALLSOFT courses on SQLite and PostgreSQL: arm B's 5 × 5 Gy with a missed fraction, arm A's
8 Gy with a second 8 Gy given with and without a recorded decision, and a wrong-arm schedule.

Participants are randomised through the enrolment services; the decision on the second 8 Gy is
recorded through the enrolment's optional-fraction service.
"""

from __future__ import annotations

from datetime import date

import pytest

from radtrial.errors import InvalidInput
from radtrial.services.course import (
    DeliveryResult,
    accept_compensation,
    deliver_fraction,
    miss_fraction,
    plan_participant_course,
    show_course,
)
from radtrial.services.optional_fractions import Decided, decide_optional_fraction
from radtrial.store.database import Database
from tests.course_support import SiteClock, audit_rows, pallsoft_participant, prepare
from tests.enrolment import refused

START = date(2025, 1, 13)  # a Monday


@pytest.fixture
def clock() -> SiteClock:
    return SiteClock()


@pytest.fixture
def db(database: Database) -> Database:
    return prepare(database)


def give(
    db: Database, clock: SiteClock, study_id: str, number: int, day: date, dose: float
) -> DeliveryResult:
    clock.at(day, 10)
    return deliver_fraction(
        db,
        actor="nurse_ous",
        study_id=study_id,
        fraction=number,
        doses={"ptv": dose},
        machine="LA3",
    )


def test_arm_b_five_fractions_with_one_missed_end_on_the_next_monday_within_protocol(
    db: Database, clock: SiteClock
) -> None:
    study_id = pallsoft_participant(db, "B")
    plan = plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=START)
    assert [f.planned_date for f in plan.fractions] == [date(2025, 1, d) for d in range(13, 18)]
    give(db, clock, study_id, 1, date(2025, 1, 13), 5.0)
    give(db, clock, study_id, 2, date(2025, 1, 14), 5.0)
    clock.at(date(2025, 1, 15), 12)
    missed = miss_fraction(
        db, actor="nurse_ous", study_id=study_id, fraction=3, reason="admitted with ileus"
    )
    assert missed.missed.rescheduled_to == date(2025, 1, 20)
    assert [(m.number, m.to_day) for m in missed.moves] == [
        (3, date(2025, 1, 16)),
        (4, date(2025, 1, 17)),
        (5, date(2025, 1, 20)),
    ]
    assert missed.gaps is not None
    added = missed.gaps.options[0]
    assert (added.kind, added.overall_time_days, added.within_protocol) == (
        "added_fractions",
        8,
        True,
    )
    accept_compensation(
        db, actor="inv_ous", study_id=study_id, option=1, reason="next Monday is fine"
    )
    for number, day in ((3, 16), (4, 17), (5, 20)):
        give(db, clock, study_id, number, date(2025, 1, day), 5.0)
    view = show_course(db, actor="monitor", study_id=study_id)
    assert (view.delivered_fractions, view.fractions_remaining, view.overall_time_days) == (5, 0, 8)
    (ptv,) = view.levels
    tissues = {t.alpha_beta_gy: t for t in ptv.tissues}
    assert ptv.dose_gy == 25.0
    assert tissues[3.0].eqd2_gy == pytest.approx(40.0)  # RT.md worked value, 5 Gy × 5
    assert tissues[10.0].eqd2_gy == pytest.approx(31.25)
    assert [(d.code, d.severity) for d in view.open_deviations] == [("fraction_missed", "minor")]


def test_arm_a_second_8_gy_without_a_recorded_decision_is_a_major_deviation(
    db: Database, clock: SiteClock
) -> None:
    study_id = pallsoft_participant(db, "A")
    plan = plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=START)
    assert [f.planned_date for f in plan.fractions] == [START]
    assert give(db, clock, study_id, 1, START, 8.0).new_deviations == ()
    second = give(db, clock, study_id, 2, date(2025, 2, 10), 8.0)
    assert second.fraction.optional_fraction == "second_8gy"
    found = {(d.code, d.severity) for d in second.new_deviations}
    assert ("optional_fraction_without_decision", "major") in found
    assert ("total_dose", "major") in found  # 16 Gy against the 8 Gy prescribed
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert (view.prescribed_fractions, view.delivered_fractions) == (1, 2)


@pytest.mark.parametrize(
    ("second_day", "deviations"),
    [
        (date(2025, 2, 10), set()),  # day 28: inside the window of days 21-42
        (date(2025, 2, 27), {("optional_fraction_outside_window", "minor")}),  # day 45
    ],
)
def test_arm_a_second_8_gy_after_a_recorded_decision_is_per_protocol_inside_its_window(
    db: Database, clock: SiteClock, second_day: date, deviations: set[tuple[str, str]]
) -> None:
    study_id = pallsoft_participant(db, "A")
    plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=START)
    give(db, clock, study_id, 1, START, 8.0)
    clock.at(date(2025, 2, 3), 14)  # day 21: the window opens
    decide_optional_fraction(
        db,
        actor="inv_ous",
        study_id=study_id,
        criterion_met=True,
        give=True,
        note="bleeding persists after the first fraction",
    )
    second = give(db, clock, study_id, 2, second_day, 8.0)
    assert {(d.code, d.severity) for d in second.new_deviations} == deviations
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert (view.prescribed_fractions, view.fractions_remaining) == (2, 0)
    (ptv,) = view.levels
    tissues = {t.alpha_beta_gy: t for t in ptv.tissues}
    assert (ptv.dose_gy, ptv.prescribed_dose_gy) == (16.0, 16.0)
    assert tissues[10.0].eqd2_gy == pytest.approx(24.0)  # RT.md worked value, 8 Gy × 2
    assert tissues[10.0].bed_gy == pytest.approx(28.8)


def test_an_arm_b_participant_given_8_gy_has_the_wrong_arm_schedule(
    db: Database, clock: SiteClock
) -> None:
    study_id = pallsoft_participant(db, "B")
    plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=START)
    first = give(db, clock, study_id, 1, START, 8.0)
    (wrong,) = (d for d in first.new_deviations if d.code == "wrong_arm_schedule")
    assert (wrong.severity, wrong.detail["other_arm"]) == ("major", "A")


def decide(db: Database, study_id: str, *, give: bool = True) -> Decided:
    return decide_optional_fraction(
        db,
        actor="inv_ous",
        study_id=study_id,
        criterion_met=True,
        give=give,
        note="bleeding persists",
    )


def test_the_second_8_gy_is_decided_only_after_the_first_fraction_and_inside_its_window(
    db: Database, clock: SiteClock
) -> None:
    study_id = pallsoft_participant(db, "A")
    before = refused(db, InvalidInput, lambda: decide(db, study_id))  # no course yet
    assert before.location == "decided_at"
    assert "none has been delivered yet" in before.message
    plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=START)
    clock.at(date(2025, 2, 10), 14)
    refused(db, InvalidInput, lambda: decide(db, study_id))  # planned, never given
    give(db, clock, study_id, 1, START, 8.0)
    clock.at(date(2025, 2, 2), 14)  # day 20
    early = refused(db, InvalidInput, lambda: decide(db, study_id, give=False))
    assert early.message.startswith("too early to decide on second_8gy: 2025-02-02 is day 20;")
    assert "(2025-02-03 to 2025-02-24)" in early.message
    clock.at(date(2025, 2, 25), 14)  # day 43
    late = refused(db, InvalidInput, lambda: decide(db, study_id))
    assert late.location == "decided_at"
    assert late.message.startswith("too late to give second_8gy: 2025-02-25 is day 43;")
    # Not giving it may still be recorded, and plans nothing.
    withheld = decide(db, study_id, give=False)
    assert (withheld.decision.give, withheld.planned, withheld.day_after_first_fraction) == (
        False,
        (),
        43,
    )
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert [f.number for f in view.fractions] == [1]


def test_a_decision_to_give_plans_the_second_8_gy_in_its_window_and_the_ledger_shows_it(
    db: Database, clock: SiteClock
) -> None:
    study_id = pallsoft_participant(db, "A")
    plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=START)
    give(db, clock, study_id, 1, START, 8.0)
    clock.at(date(2025, 2, 8), 11)  # Saturday, day 26
    decided = decide(db, study_id)
    (planned,) = decided.planned
    # The first open treatment day from the decision: Monday 10 February (day 28).
    assert (planned.number, planned.planned_date, planned.status) == (
        2,
        date(2025, 2, 10),
        "planned",
    )
    assert planned.optional_fraction == "second_8gy"
    assert {(d.dose_level, d.planned_dose_gy) for d in planned.doses} == {("ptv", 8.0)}
    assert decided.window == (date(2025, 2, 3), date(2025, 2, 24))
    assert decided.planned_within_window
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert [(f.number, f.status, f.planned_date) for f in view.fractions] == [
        (1, "delivered", START),
        (2, "planned", date(2025, 2, 10)),
    ]
    assert (view.prescribed_fractions, view.delivered_fractions, view.fractions_remaining) == (
        2,
        1,
        1,
    )
    assert view.projected_overall_time_days == 29  # 13 January to 10 February, both counted
    (ptv_carcinoma,) = (
        p for p in view.projected if (p.dose_level, p.tissue) == ("ptv", "carcinoma")
    )
    assert ptv_carcinoma.total_dose_gy == 16.0
    assert view.open_deviations == ()
    second = give(db, clock, study_id, 2, date(2025, 2, 10), 8.0)
    assert second.fraction.optional_fraction == "second_8gy"
    assert second.new_deviations == ()
    inserted = [
        r
        for r in audit_rows(db, "rt_fractions")
        if r.action == "insert" and r.field == "number" and r.new_value == 2
    ]
    assert [r.reason for r in inserted] == ["decision on optional fraction: give (criterion met)"]

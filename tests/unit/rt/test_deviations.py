"""Deviations of delivered courses from PROSARC-2 and PALLSOFT, graded by the protocol's rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.prescription import Arm
from radtrial.rt.calendar import CoursePlan, TreatmentCalendar, plan_course, reschedule
from radtrial.rt.deviations import Deviation, evaluate
from radtrial.rt.ledger import (
    CancelledFraction,
    DeliveredFraction,
    Ledger,
    MissedFraction,
    OptionalFractionDecision,
)

from .conftest import OSLO, at, make_fraction

PROSARC2_START = date(2027, 5, 31)  # a Monday; 4 weeks with no public holiday
PALLSOFT_START = date(2027, 6, 7)


def codes(found: tuple[Deviation, ...]) -> list[tuple[str, str]]:
    return [(d.code, d.severity) for d in found]


def course(protocol: Protocol, arm_code: str, start: date) -> tuple[Arm, CoursePlan]:
    arm = protocol.arm(arm_code)
    calendar = TreatmentCalendar.for_prescription(arm.prescription, protocol.course)
    return arm, plan_course(arm.prescription, start, calendar)


def as_planned(arm: Arm, plan: CoursePlan) -> list[DeliveredFraction]:
    fraction = make_fraction(arm)
    return [fraction(f.number, f.day) for f in plan.fractions]


# -- PROSARC-2 ---------------------------------------------------------------------------------


def test_a_prosarc2_course_given_as_planned_has_no_deviation(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    ledger = Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan)))
    assert evaluate(ledger, prosarc2) == ()


def test_a_prosarc2_course_under_way_has_no_deviation(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    ledger = Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan)[:6]))
    assert evaluate(ledger, prosarc2) == ()


def test_a_missed_proton_fraction_is_flagged_the_same_day(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    missed_day = plan.days[5]
    missed = MissedFraction(6, missed_day, "gantry fault", at(missed_day, 11))
    plan = reschedule(plan, missed_day, arm.prescription, _calendar(prosarc2), today=missed_day)
    ledger = Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan)[:5]), missed=(missed,))
    (deviation,) = evaluate(ledger, prosarc2)
    assert (deviation.code, deviation.severity, deviation.fraction) == (
        "fraction_missed",
        "minor",
        6,
    )
    assert "gantry fault" in deviation.message


def test_a_missed_fraction_without_a_free_day_projects_a_minor_overall_time_deviation(
    prosarc2: Protocol,
) -> None:
    arm, plan = course(prosarc2, "A", date(2027, 5, 10))  # 17 May takes week 20's free day
    missed_day = date(2027, 5, 18)
    plan = reschedule(plan, missed_day, arm.prescription, _calendar(prosarc2), today=missed_day)
    missed = MissedFraction(5, missed_day, "patient ill", at(missed_day, 12))
    ledger = Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan)[:4]), missed=(missed,))
    found = {d.code: d for d in evaluate(ledger, prosarc2)}
    assert found["overall_time"].severity == "minor"
    assert found["overall_time"].values["overall_time_days"] == 29
    assert found["overall_time"].values["projected"] is True


def test_a_boost_fraction_of_5_2_gy_rbe_is_a_major_deviation(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fractions = as_planned(arm, plan)
    fractions[3] = make_fraction(arm)(4, plan.days[3], boost=5.2)
    ledger = Ledger(arm, plan, OSLO, tuple(fractions))
    found = evaluate(ledger, prosarc2)
    assert ("dose_per_fraction_limit", "major") in codes(found)
    limit = next(d for d in found if d.code == "dose_per_fraction_limit")
    assert (limit.fraction, limit.dose_level) == (4, "boost")
    assert limit.values == {"delivered_gy": 5.2, "limit_gy": 5.0}
    # 5.2 is within the 5 % dose-per-fraction tolerance: only the absolute limit speaks.
    assert ("dose_per_fraction", "minor") not in codes(found)


def test_a_boost_below_its_maximum_is_no_deviation(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fraction = make_fraction(arm)
    fractions = [fraction(f.number, f.day, boost=4.6) for f in plan.fractions]
    assert evaluate(Ledger(arm, plan, OSLO, tuple(fractions)), prosarc2) == ()


def test_a_target_fraction_far_off_its_dose_is_graded_by_the_percent_rules(
    prosarc2: Protocol,
) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fractions = as_planned(arm, plan)
    fraction = make_fraction(arm)
    fractions[0] = fraction(1, plan.days[0], target=3.7)  # +5.7 %
    fractions[1] = fraction(2, plan.days[1], target=3.9)  # +11.4 %
    found = evaluate(Ledger(arm, plan, OSLO, tuple(fractions)), prosarc2)
    per_fraction = [(d.fraction, d.severity) for d in found if d.code == "dose_per_fraction"]
    assert per_fraction == [(1, "minor"), (2, "major")]


def test_five_prosarc2_fractions_in_one_week_are_a_deviation(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fraction = make_fraction(arm)
    week = [PROSARC2_START + timedelta(days=i) for i in range(5)]  # Monday to Friday
    ledger = Ledger(arm, plan, OSLO, tuple(fraction(n, d) for n, d in enumerate(week, start=1)))
    (deviation,) = evaluate(ledger, prosarc2)
    assert (deviation.code, deviation.severity) == ("weekly_fractions", "minor")
    assert deviation.values["fractions"] == 5
    assert deviation.values["allowed"] == 4


def test_six_prosarc2_fractions_in_one_week_are_major(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fraction = make_fraction(arm)
    days = [PROSARC2_START + timedelta(days=i) for i in range(5)]
    given = [fraction(n, d) for n, d in enumerate(days, start=1)]
    given.append(fraction(6, days[-1], hour=16))
    found = codes(evaluate(Ledger(arm, plan, OSLO, tuple(given)), prosarc2))
    assert ("weekly_fractions", "major") in found


@pytest.mark.parametrize(("delay_days", "severity"), [(4, "minor"), (8, "major")])
def test_an_overall_time_beyond_28_days_is_graded_by_the_excess(
    prosarc2: Protocol, delay_days: int, severity: str
) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fractions = as_planned(arm, plan)
    last = plan.days[-1] + timedelta(days=delay_days)  # 25 days planned: 29 or 33 days
    fractions[-1] = make_fraction(arm)(16, last)
    ledger = Ledger(arm, plan, OSLO, tuple(fractions))
    (deviation,) = evaluate(ledger, prosarc2)
    assert (deviation.code, deviation.severity) == ("overall_time", severity)
    assert deviation.values["limit_days"] == 28
    assert deviation.values["projected"] is False


@pytest.mark.parametrize(("cancelled", "severity"), [(1, "minor"), (2, "major")])
def test_cancelled_fractions_project_a_total_dose_deviation(
    prosarc2: Protocol, cancelled: int, severity: str
) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    recorded = at(plan.days[7], 15)
    stops = tuple(CancelledFraction(16 - i, "toxicity", recorded) for i in range(cancelled))
    ledger = Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan)[:8]), cancelled=stops)
    found = [d for d in evaluate(ledger, prosarc2) if d.code == "total_dose"]
    assert {d.dose_level for d in found} == {"target"}  # the boost is an upper limit only
    (deviation,) = found
    assert deviation.severity == severity
    assert deviation.values["projected"] is True
    assert deviation.values["total_gy"] == 56.0 - 3.5 * cancelled


def test_two_fractions_less_than_six_hours_apart_are_major(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    fraction = make_fraction(arm)
    given = (fraction(1, PROSARC2_START, hour=8), fraction(2, PROSARC2_START, hour=11))
    found = evaluate(Ledger(arm, plan, OSLO, given), prosarc2)
    assert codes(found) == [("short_interfraction_interval", "major")]
    assert found[0].values["interval_hours"] == 3.0


# -- PALLSOFT ----------------------------------------------------------------------------------


def test_a_pallsoft_arm_b_course_given_as_planned_has_no_deviation(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "B", PALLSOFT_START)
    assert evaluate(Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan))), pallsoft) == ()


def test_an_arm_b_patient_given_8_gy_has_the_wrong_arm_schedule(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "B", PALLSOFT_START)
    given = (make_fraction(arm)(1, PALLSOFT_START, ptv=8.0),)
    found = evaluate(Ledger(arm, plan, OSLO, given), pallsoft)
    wrong = next(d for d in found if d.code == "wrong_arm_schedule")
    assert wrong.severity == "major"
    assert wrong.values["other_arm"] == "A"
    assert "dose_per_fraction" not in [d.code for d in found]  # said once, as the wrong arm
    total = next(d for d in found if d.code == "total_dose")
    assert (total.severity, total.values["total_gy"]) == ("major", 28.0)


def test_an_arm_a_patient_given_5_gy_has_the_wrong_arm_schedule(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "A", PALLSOFT_START)
    given = (make_fraction(arm)(1, PALLSOFT_START, ptv=5.0),)
    found = codes(evaluate(Ledger(arm, plan, OSLO, given), pallsoft))
    assert ("wrong_arm_schedule", "major") in found
    assert ("total_dose", "major") in found


def test_a_second_8_gy_without_a_recorded_decision_is_major(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "A", PALLSOFT_START)
    fraction = make_fraction(arm)
    given = (fraction(1, PALLSOFT_START), fraction(2, PALLSOFT_START + timedelta(days=28)))
    found = evaluate(Ledger(arm, plan, OSLO, given), pallsoft)
    assert ("optional_fraction_without_decision", "major") in codes(found)
    total = next(d for d in found if d.code == "total_dose")
    assert (total.severity, total.values["prescribed_gy"], total.values["total_gy"]) == (
        "major",
        8.0,
        16.0,
    )


def test_a_second_8_gy_with_a_decision_in_its_window_is_per_protocol(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "A", PALLSOFT_START)
    fraction = make_fraction(arm)
    second = PALLSOFT_START + timedelta(days=28)
    decision = OptionalFractionDecision(
        "second_8gy", at(second - timedelta(days=3)), "dr.skipar", "target symptom NRS unchanged"
    )
    given = (fraction(1, PALLSOFT_START), fraction(2, second))
    ledger = Ledger(arm, plan, OSLO, given, decisions=(decision,))
    assert evaluate(ledger, pallsoft) == ()


def test_a_decision_recorded_after_the_second_fraction_does_not_count(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "A", PALLSOFT_START)
    fraction = make_fraction(arm)
    second = PALLSOFT_START + timedelta(days=28)
    late = OptionalFractionDecision("second_8gy", at(second, 15), "dr.skipar", "back-dated")
    ledger = Ledger(
        arm, plan, OSLO, (fraction(1, PALLSOFT_START), fraction(2, second)), decisions=(late,)
    )
    assert codes(evaluate(ledger, pallsoft)) == [("optional_fraction_without_decision", "major")]


def test_a_decided_second_8_gy_outside_its_window_is_minor(pallsoft: Protocol) -> None:
    arm, plan = course(pallsoft, "A", PALLSOFT_START)
    fraction = make_fraction(arm)
    second = PALLSOFT_START + timedelta(days=10)
    decision = OptionalFractionDecision("second_8gy", at(second - timedelta(days=1)), "dr", "pain")
    ledger = Ledger(
        arm, plan, OSLO, (fraction(1, PALLSOFT_START), fraction(2, second)), decisions=(decision,)
    )
    (deviation,) = evaluate(ledger, pallsoft)
    assert (deviation.code, deviation.severity) == ("optional_fraction_outside_window", "minor")
    assert deviation.values == {"day": 10, "earliest_day": 21, "latest_day": 42}


def test_a_missed_arm_b_fraction_given_the_next_monday_is_only_the_miss(
    pallsoft: Protocol,
) -> None:
    arm, plan = course(pallsoft, "B", PALLSOFT_START)
    missed_day = date(2027, 6, 9)
    plan = reschedule(
        plan, missed_day, arm.prescription, _calendar(pallsoft, "B"), today=missed_day
    )
    missed = MissedFraction(3, missed_day, "transport failed", at(missed_day, 10))
    ledger = Ledger(arm, plan, OSLO, tuple(as_planned(arm, plan)), missed=(missed,))
    assert ledger.overall_time_days == 8
    assert codes(evaluate(ledger, pallsoft)) == [("fraction_missed", "minor")]


@pytest.mark.parametrize(("last_offset", "severity"), [(11, "minor"), (15, "major")])
def test_an_arm_b_overall_time_beyond_10_days_is_graded(
    pallsoft: Protocol, last_offset: int, severity: str
) -> None:
    arm, plan = course(pallsoft, "B", PALLSOFT_START)
    fractions = as_planned(arm, plan)
    fractions[-1] = make_fraction(arm)(5, PALLSOFT_START + timedelta(days=last_offset))
    found = evaluate(Ledger(arm, plan, OSLO, tuple(fractions)), pallsoft)
    assert codes(found) == [("overall_time", severity)]


def test_an_arm_without_course_rules_cannot_be_evaluated(pallsoft_text: str) -> None:
    from radtrial.protocol import parse_protocol

    start = pallsoft_text.index("[arms.prescription.course]\nrescheduling")
    end = pallsoft_text.index("[[arms]]", start)
    protocol = parse_protocol(pallsoft_text[:start] + pallsoft_text[end:])
    arm, plan = course(protocol, "A", PALLSOFT_START)
    with pytest.raises(InvalidInput) as caught:
        evaluate(Ledger(arm, plan, OSLO), protocol)
    assert caught.value.location == "arms[A].prescription.course"


def test_deviations_serialise_to_plain_data(prosarc2: Protocol) -> None:
    arm, plan = course(prosarc2, "A", PROSARC2_START)
    given = (make_fraction(arm)(1, PROSARC2_START, boost=5.2),)
    (deviation,) = evaluate(Ledger(arm, plan, OSLO, given), prosarc2)
    assert deviation.to_dict() == {
        "code": "dose_per_fraction_limit",
        "severity": "major",
        "message": "fraction 1: 5.2 Gy(RBE) to boost exceeds the limit of 5 Gy(RBE) per fraction",
        "values": {"delivered_gy": 5.2, "limit_gy": 5.0},
        "fraction": 1,
        "dose_level": "boost",
    }


def _calendar(protocol: Protocol, arm: str = "A") -> TreatmentCalendar:
    return TreatmentCalendar.for_prescription(protocol.arm(arm).prescription, protocol.course)

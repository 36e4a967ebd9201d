"""The treatment calendar honours weekends, Norwegian holidays, closures and the weekly rhythm."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.prescription import Prescription
from radtrial.rt.calendar import (
    CoursePlan,
    TreatmentCalendar,
    calendar_week,
    norwegian_public_holidays,
    optional_fraction_day,
    plan_course,
    reschedule,
)


def dates_of(plan: CoursePlan) -> list[str]:
    return [day.isoformat() for day in plan.days]


def calendar_of(protocol: Protocol, arm: str = "A", closed: tuple[date, ...] = ()) -> Any:
    prescription = protocol.arm(arm).prescription
    return prescription, TreatmentCalendar.for_prescription(prescription, protocol.course, closed)


# -- holidays ----------------------------------------------------------------------------------


def test_easter_2027_closes_maundy_thursday_good_friday_and_easter_monday() -> None:
    holidays = norwegian_public_holidays(2027)
    assert holidays[date(2027, 3, 25)] == "Maundy Thursday"
    assert holidays[date(2027, 3, 26)] == "Good Friday"
    assert holidays[date(2027, 3, 28)] == "Easter Sunday"
    assert holidays[date(2027, 3, 29)] == "Easter Monday"
    assert holidays[date(2027, 5, 6)] == "Ascension Day"


def test_whit_monday_and_constitution_day_2027_are_one_closed_day_with_both_names() -> None:
    holidays = norwegian_public_holidays(2027)
    name = holidays[date(2027, 5, 17)]
    assert "Constitution Day" in name
    assert "Pentecost Monday" in name
    # 12 statutory dates by law, but 17 May is counted once: 11 days.
    assert len(holidays) == 11
    assert len(norwegian_public_holidays(2026)) == 12


def test_christmas_eve_and_new_years_eve_are_closure_days_not_statutory_holidays(
    pallsoft: Protocol,
) -> None:
    holidays = norwegian_public_holidays(2026)
    assert date(2026, 12, 24) not in holidays
    assert date(2026, 12, 31) not in holidays
    assert holidays[date(2026, 12, 25)] == "Christmas Day"
    assert holidays[date(2026, 12, 26)] == "Second Day of Christmas"
    _, calendar = calendar_of(pallsoft, "B")
    assert calendar.closed_reason(date(2026, 12, 24)) == "annual closure day"
    assert calendar.closed_reason(date(2026, 12, 25)) == "public holiday: Christmas Day"
    bare = TreatmentCalendar()
    assert bare.is_open(date(2026, 12, 24))


def test_weekends_are_never_treatment_days() -> None:
    calendar = TreatmentCalendar()
    assert calendar.closed_reason(date(2027, 5, 15)) == "Saturday (weekend)"
    assert calendar.closed_reason(date(2027, 5, 16)) == "Sunday (weekend)"


def test_a_year_without_holiday_data_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        norwegian_public_holidays(1800)
    assert caught.value.location == "year"


# -- planning ----------------------------------------------------------------------------------


def test_prosarc2_gives_four_fractions_a_week_over_four_weeks(prosarc2: Protocol) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2027, 5, 31), calendar)
    assert len(plan.fractions) == 16
    assert set(plan.per_week().values()) == {4}
    assert all(day.weekday() < 4 for day in plan.days)  # Monday to Thursday, Friday free
    assert plan.overall_time_days == 25


def test_prosarc2_uses_the_free_friday_when_17_may_2027_closes_the_monday(
    prosarc2: Protocol,
) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2027, 5, 10), calendar)
    week = [day for day in plan.days if calendar_week(day) == (2027, 20)]
    assert [d.isoformat() for d in week] == ["2027-05-18", "2027-05-19", "2027-05-20", "2027-05-21"]
    assert plan.overall_time_days == 25  # the 4-week overall time is kept
    (closed,) = plan.closed_days
    assert closed.day == date(2027, 5, 17)
    assert "Constitution Day" in closed.reason


def test_prosarc2_over_easter_2027_loses_two_days_and_runs_into_a_fifth_week(
    prosarc2: Protocol,
) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2027, 3, 22), calendar)
    assert dates_of(plan)[:3] == ["2027-03-22", "2027-03-23", "2027-03-24"]
    assert date(2027, 3, 29) not in plan.days
    assert plan.per_week()[(2027, 12)] == 3
    assert plan.last_day == date(2027, 4, 19)
    assert plan.overall_time_days == 29
    assert [c.day.isoformat() for c in plan.closed_days] == [
        "2027-03-25",
        "2027-03-26",
        "2027-03-29",
    ]


def test_prosarc2_over_christmas_counts_the_new_years_week_once(prosarc2: Protocol) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2026, 12, 14), calendar)
    weeks = plan.per_week()
    assert weeks[(2026, 52)] == 3  # 24 Dec closure, 25 Dec holiday
    assert weeks[(2026, 53)] == 3  # 31 Dec closure, 1 Jan holiday, one ISO week over the new year
    assert date(2026, 12, 24) not in plan.days
    assert date(2027, 1, 1) not in plan.days
    assert len(plan.fractions) == 16


def test_pallsoft_arm_b_is_five_consecutive_weekdays(pallsoft: Protocol) -> None:
    prescription, calendar = calendar_of(pallsoft, "B")
    plan = plan_course(prescription, date(2027, 6, 7), calendar)
    assert dates_of(plan) == [f"2027-06-{d:02d}" for d in range(7, 12)]
    assert plan.overall_time_days == 5


def test_pallsoft_arm_b_skips_christmas_and_the_closure_days(pallsoft: Protocol) -> None:
    prescription, calendar = calendar_of(pallsoft, "B")
    plan = plan_course(prescription, date(2026, 12, 21), calendar)
    assert dates_of(plan) == ["2026-12-21", "2026-12-22", "2026-12-23", "2026-12-28", "2026-12-29"]


def test_a_site_closure_day_moves_the_fraction(pallsoft: Protocol) -> None:
    prescription, calendar = calendar_of(pallsoft, "B", (date(2027, 6, 9),))
    plan = plan_course(prescription, date(2027, 6, 7), calendar)
    assert dates_of(plan) == ["2027-06-07", "2027-06-08", "2027-06-10", "2027-06-11", "2027-06-14"]
    assert plan.closed_days[0].reason == "site closed"


def test_a_start_on_a_holiday_begins_on_the_next_open_day(pallsoft: Protocol) -> None:
    prescription, calendar = calendar_of(pallsoft, "A")
    plan = plan_course(prescription, date(2027, 5, 17), calendar)
    assert dates_of(plan) == ["2027-05-18"]
    assert plan.closed_days[0].day == date(2027, 5, 17)


def test_a_calendar_that_never_opens_is_reported() -> None:
    closed_every_monday = TreatmentCalendar(
        treatment_days=frozenset({0}),
        site_closed=frozenset(date(2027, 1, 4) + timedelta(weeks=w) for w in range(200)),
    )
    prescription = _prescription(fractions=2, per_week=1)
    with pytest.raises(InvalidInput) as caught:
        plan_course(prescription, date(2027, 1, 1), closed_every_monday)
    assert caught.value.location == "calendar"


# -- rescheduling ------------------------------------------------------------------------------


def test_prosarc2_moves_a_missed_fraction_to_the_free_friday_of_the_same_week(
    prosarc2: Protocol,
) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2027, 5, 31), calendar)
    missed = date(2027, 6, 8)  # Tuesday of week 2
    after = reschedule(plan, missed, prescription, calendar, today=missed)
    assert missed not in after.days
    assert date(2027, 6, 11) in after.days  # that week's Friday
    assert len(after.fractions) == 16
    assert after.overall_time_days == plan.overall_time_days
    assert [f.number for f in after.fractions] == list(range(1, 17))


def test_prosarc2_appends_when_the_week_has_no_free_day(prosarc2: Protocol) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2027, 5, 10), calendar)
    missed = date(2027, 5, 18)  # 17 May already took the week's free day
    after = reschedule(plan, missed, prescription, calendar, today=missed)
    assert len(after.fractions) == 16
    assert after.last_day == date(2027, 6, 7)  # week 22 is full (4), so the next Monday
    assert after.overall_time_days == 29


def test_a_free_day_already_past_is_not_used(prosarc2: Protocol) -> None:
    prescription, calendar = calendar_of(prosarc2)
    plan = plan_course(prescription, date(2027, 5, 31), calendar)
    after = reschedule(plan, date(2027, 6, 8), prescription, calendar, today=date(2027, 6, 12))
    assert date(2027, 6, 11) not in after.days
    # Appended after the last planned fraction (Thu 24 June); that week is full, so Monday.
    assert after.last_day == date(2027, 6, 28)


def test_pallsoft_arm_b_gives_a_missed_fraction_on_the_next_treatment_day_after_the_course(
    pallsoft: Protocol,
) -> None:
    prescription, calendar = calendar_of(pallsoft, "B")
    plan = plan_course(prescription, date(2027, 6, 7), calendar)
    after = reschedule(plan, date(2027, 6, 9), prescription, calendar, today=date(2027, 6, 9))
    assert dates_of(after) == ["2027-06-07", "2027-06-08", "2027-06-10", "2027-06-11", "2027-06-14"]


def test_rescheduling_a_day_without_a_fraction_is_refused(pallsoft: Protocol) -> None:
    prescription, calendar = calendar_of(pallsoft, "B")
    plan = plan_course(prescription, date(2027, 6, 7), calendar)
    with pytest.raises(InvalidInput) as caught:
        reschedule(plan, date(2027, 6, 12), prescription, calendar, today=date(2027, 6, 12))
    assert caught.value.location == "missed_day"


# -- properties --------------------------------------------------------------------------------


def _prescription(
    fractions: int, per_week: int, policy: str = "append", days: int = 5
) -> Prescription:
    return Prescription.model_validate(
        {
            "modality": "photon",
            "fractions_per_week": per_week,
            "treatment_days": ["mon", "tue", "wed", "thu", "fri"][:days],
            "dose_levels": [
                {
                    "id": "ptv",
                    "label": "PTV",
                    "target": "PTV",
                    "total_dose_gy": 2.0 * fractions,
                    "dose_per_fraction_gy": 2.0,
                    "fractions": fractions,
                }
            ],
            "course": {
                "rescheduling": policy,
                "min_interfraction_interval_hours": 6.0,
                "deviations": {
                    "total_dose_minor_percent": 5,
                    "total_dose_major_percent": 10,
                    "dose_per_fraction_minor_percent": 5,
                    "dose_per_fraction_major_percent": 10,
                },
            },
        }
    )


@st.composite
def courses(draw: st.DrawFn) -> tuple[Prescription, TreatmentCalendar, date]:
    per_week = draw(st.integers(min_value=1, max_value=5))
    fractions = draw(st.integers(min_value=1, max_value=35))
    policy = draw(st.sampled_from(["append", "free_day_in_week_else_append"]))
    start = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31)))
    closed = draw(
        st.lists(st.integers(min_value=0, max_value=120), max_size=8).map(
            lambda offsets: frozenset(start + timedelta(days=o) for o in offsets)
        )
    )
    annual = draw(st.sampled_from([frozenset(), frozenset({(12, 24), (12, 31)})]))
    calendar = TreatmentCalendar(annual_closures=annual, site_closed=closed)
    return _prescription(fractions, per_week, policy), calendar, start


def _assert_valid(
    plan: CoursePlan, prescription: Prescription, calendar: TreatmentCalendar
) -> None:
    holidays = {
        day for year in {d.year for d in plan.days} for day in norwegian_public_holidays(year)
    }
    for day in plan.days:
        assert day.weekday() < 5, f"{day} is a weekend day"
        assert day not in holidays, f"{day} is a Norwegian public holiday"
        assert calendar.is_open(day)
    weekly = Counter(calendar_week(day) for day in plan.days)
    assert max(weekly.values()) <= prescription.fractions_per_week
    assert len(set(plan.days)) == len(plan.days)
    assert [f.number for f in plan.fractions] == list(range(1, len(plan.fractions) + 1))


@settings(deadline=None, max_examples=150)
@given(course=courses())
def test_a_plan_is_never_on_a_weekend_or_holiday_nor_above_the_weekly_maximum(
    course: tuple[Prescription, TreatmentCalendar, date],
) -> None:
    prescription, calendar, start = course
    plan = plan_course(prescription, start, calendar)
    assert len(plan.fractions) == prescription.fractions
    assert plan.first_day is not None
    assert plan.first_day >= start
    _assert_valid(plan, prescription, calendar)


@settings(deadline=None, max_examples=150)
@given(course=courses(), data=st.data())
def test_rescheduling_keeps_the_fraction_count_and_the_calendar_rules(
    course: tuple[Prescription, TreatmentCalendar, date], data: st.DataObject
) -> None:
    prescription, calendar, start = course
    plan = plan_course(prescription, start, calendar)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        missed = data.draw(st.sampled_from(plan.days))
        today = missed + timedelta(days=data.draw(st.integers(min_value=0, max_value=6)))
        old = Counter(plan.days)
        plan = reschedule(plan, missed, prescription, calendar, today=today)
        assert len(plan.fractions) == prescription.fractions
        assert missed not in plan.days
        (added,) = (Counter(plan.days) - old).elements()  # one new day, the rest unchanged
        assert added > missed
        assert added >= today
        _assert_valid(plan, prescription, calendar)


# -- the optional fraction (PALLSOFT arm A's second 8 Gy) ---------------------------------------


def test_the_second_8_gy_is_planned_on_the_first_open_day_of_its_window(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("A")
    second = arm.prescription.optional_fractions[0]
    _, calendar = calendar_of(pallsoft)
    first = date(2025, 1, 13)  # Monday; the window is days 21-42: 3 to 24 February
    decided = {
        date(2025, 2, 3): date(2025, 2, 3),  # day 21, a Monday: the same day
        date(2025, 1, 31): date(2025, 2, 3),  # early decision: not before the window opens
        date(2025, 2, 8): date(2025, 2, 10),  # Saturday: the next Monday
    }
    for today, planned in decided.items():
        assert (
            optional_fraction_day(
                second, first, arm.prescription, calendar, today=today, planned_days=[first]
            )
            == planned
        )


def test_a_window_that_ends_on_easter_plans_the_fraction_after_it(pallsoft: Protocol) -> None:
    """First fraction Thursday 6 March 2025: day 42 is Maundy Thursday (17 April), a public
    holiday, followed by Good Friday and Easter Monday; decided on day 42 the fraction can only
    be planned after the window, on Tuesday 22 April."""
    arm = pallsoft.arm("A")
    second = arm.prescription.optional_fractions[0]
    first = date(2025, 3, 6)
    _, calendar = calendar_of(pallsoft)
    day = optional_fraction_day(second, first, arm.prescription, calendar, today=date(2025, 4, 17))
    assert day == date(2025, 4, 22)
    assert (day - first).days > second.latest_day_after_first_fraction

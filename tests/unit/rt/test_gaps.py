"""Gap compensation restores the tumour BED and shows what each option costs."""

from __future__ import annotations

from datetime import date

import pytest

from radtrial.protocol import Protocol, parse_protocol
from radtrial.rt import lq
from radtrial.rt.calendar import TreatmentCalendar, plan_course
from radtrial.rt.gaps import CompensationOption, GapAnalysis, propose_compensation
from radtrial.rt.ledger import Ledger

from .conftest import OSLO, make_fraction


def analyse(
    protocol: Protocol, arm_code: str, start: date, delivered: int, today: date
) -> GapAnalysis:
    arm = protocol.arm(arm_code)
    calendar = TreatmentCalendar.for_prescription(arm.prescription, protocol.course)
    plan = plan_course(arm.prescription, start, calendar)
    fraction = make_fraction(arm)
    given = tuple(fraction(f.number, f.day) for f in plan.fractions[:delivered])
    assert protocol.course is not None
    ledger = Ledger(arm, plan, OSLO, given)
    return propose_compensation(
        ledger, protocol.course.radiobiology, calendar, today=today, other_arms=protocol.arms
    )


def option(analysis: GapAnalysis, kind: str) -> CompensationOption:
    return next(o for o in analysis.options if o.kind == kind)


def test_a_course_without_missed_fractions_needs_no_compensation(prosarc2: Protocol) -> None:
    analysis = analyse(prosarc2, "A", date(2027, 5, 31), 5, today=date(2027, 6, 8))
    assert analysis.missed_fractions == 0
    assert analysis.options == ()


def test_prosarc2_makes_up_a_missed_fraction_on_the_free_friday_within_protocol(
    prosarc2: Protocol,
) -> None:
    # Week 2 from 31 May 2027: Tuesday 8 June missed, seen on Wednesday 9 June.
    analysis = analyse(prosarc2, "A", date(2027, 5, 31), 5, today=date(2027, 6, 9))
    assert analysis.missed_days == (date(2027, 6, 8),)
    added = option(analysis, "added_fractions")
    assert date(2027, 6, 11) in added.fraction_days
    assert added.overall_time_days == analysis.planned_overall_time_days == 25
    assert added.within_protocol
    for level in added.levels:
        assert level.tumour.bed_gy == pytest.approx(level.tumour.planned_bed_gy)
        assert level.late.bed_gy == pytest.approx(level.late.planned_bed_gy)


def test_prosarc2_in_the_week_of_17_may_2027_shows_what_each_option_breaks(
    prosarc2: Protocol,
) -> None:
    analysis = analyse(prosarc2, "A", date(2027, 5, 10), 5, today=date(2027, 5, 20))
    assert analysis.missed_days == (date(2027, 5, 19),)
    added = option(analysis, "added_fractions")
    assert added.overall_time_days == 29
    assert added.breaks == ("overall time 29 days exceeds the 28 allowed (a minor deviation)",)

    higher = option(analysis, "higher_dose_per_fraction")
    target, boost = higher.levels
    assert target.tumour.tissue == "sarcoma"
    assert target.tumour.bed_gy == pytest.approx(105.0)  # BED₄ of 56 Gy(RBE)/16 restored
    assert target.tumour.eqd2_gy == pytest.approx(70.0)
    assert len(higher.fraction_days) == 10
    assert target.dose_per_fraction_gy == pytest.approx(
        lq.dose_per_fraction_for_bed(105.0 - 5 * 3.5 * (1 + 3.5 / 4), 10, 4)
    )
    assert boost.dose_per_fraction_gy / 5.0 == pytest.approx(target.dose_per_fraction_gy / 3.5)
    assert any("boost" in b and "exceeds the limit of 5 Gy(RBE)" in b for b in higher.breaks)
    assert any("late-tissue BED of target rises" in b for b in higher.breaks)
    assert target.late.bed_gy > target.late.planned_bed_gy

    twice = option(analysis, "twice_daily")
    assert twice.breaks == ("the protocol does not allow two fractions a day",)
    assert twice.fraction_days.count(date(2027, 5, 20)) == 2
    assert twice.overall_time_days == 25


def test_pallsoft_arm_b_compensation_options(pallsoft: Protocol) -> None:
    # Monday 7 June 2027 start; Wednesday missed, seen on Thursday.
    analysis = analyse(pallsoft, "B", date(2027, 6, 7), 2, today=date(2027, 6, 10))
    added = option(analysis, "added_fractions")
    assert added.fraction_days == (date(2027, 6, 10), date(2027, 6, 11), date(2027, 6, 14))
    assert added.overall_time_days == 8
    assert added.within_protocol
    (level,) = added.levels
    assert (level.tumour.eqd2_gy, level.late.eqd2_gy) == (31.25, 40.0)

    higher = option(analysis, "higher_dose_per_fraction")
    (level,) = higher.levels
    assert level.tumour.bed_gy == pytest.approx(37.5)
    assert level.dose_per_fraction_gy == pytest.approx(
        lq.dose_per_fraction_for_bed(37.5 - 15.0, 2, 10)
    )
    assert any("a major deviation" in b for b in higher.breaks)
    assert level.late.eqd2_gy > 40.0


def test_no_remaining_fraction_leaves_only_added_and_twice_daily_options(
    pallsoft: Protocol,
) -> None:
    analysis = analyse(pallsoft, "B", date(2027, 6, 7), 4, today=date(2027, 6, 14))
    assert analysis.missed_days == (date(2027, 6, 11),)
    assert [o.kind for o in analysis.options] == ["added_fractions", "twice_daily"]
    assert analysis.notes
    twice = option(analysis, "twice_daily")
    assert "only 0 treatment day(s) remain for 1 extra fraction(s)" in twice.breaks


def test_an_overall_time_correction_shows_the_cost_of_prolongation(prosarc2_text: str) -> None:
    repopulation = (
        "\n[course.radiobiology.repopulation]\n"
        'tissue = "sarcoma"\nkickoff_days = 21\ndose_prolif_gy_per_day = 0.5\n'
    )
    protocol = parse_protocol(prosarc2_text + repopulation)
    analysis = analyse(protocol, "A", date(2027, 5, 10), 5, today=date(2027, 5, 20))
    added = option(analysis, "added_fractions")
    target = added.levels[0]
    # 4 days longer than planned (29 against 25), each costing 0.5 Gy EQD2 past day 21.
    assert target.tumour.eqd2_gy == pytest.approx(target.tumour.planned_eqd2_gy - 0.5 * 4)
    assert target.late.eqd2_gy == pytest.approx(target.late.planned_eqd2_gy)  # no time factor
    higher = option(analysis, "higher_dose_per_fraction")
    assert higher.levels[0].tumour.eqd2_gy == pytest.approx(target.tumour.planned_eqd2_gy)

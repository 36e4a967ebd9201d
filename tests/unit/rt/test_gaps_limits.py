"""Gap compensation within the protocol's limits, and a higher dose that looks like another arm.

Expected numbers are computed here from the LQ sum form (Fowler 1989; DOMAIN.md 9):
BED = Σ d·(1 + d/(α/β)), EQD2 = BED / (1 + 2/(α/β)), and the dose per fraction that gives a
BED on n fractions is the positive root of n·d² /(α/β) + n·d − BED = 0. α/β are the bundled
files' assumptions: sarcoma 4, carcinoma 10, late-reacting tissue 3.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from radtrial.protocol import Protocol, parse_protocol
from radtrial.rt.calendar import TreatmentCalendar, plan_course
from radtrial.rt.gaps import CompensationOption, GapAnalysis, propose_compensation
from radtrial.rt.ledger import Ledger

from .conftest import OSLO, make_fraction


def bed(doses: list[float], ab: float) -> float:
    return sum(d * (1 + d / ab) for d in doses)


def eqd2(doses: list[float], ab: float) -> float:
    return bed(doses, ab) / (1 + 2 / ab)


def dose_for_bed(target_bed: float, n: int, ab: float) -> float:
    """d with n·d·(1 + d/ab) = target_bed: the positive root of d² + ab·d − ab·BED/n = 0."""
    return (-ab + math.sqrt(ab * ab + 4 * ab * target_bed / n)) / 2


def analyse(
    protocol: Protocol, arm_code: str, start: date, delivered: int, today: date
) -> GapAnalysis:
    arm = protocol.arm(arm_code)
    assert protocol.course is not None
    calendar = TreatmentCalendar.for_prescription(arm.prescription, protocol.course)
    plan = plan_course(arm.prescription, start, calendar)
    fraction = make_fraction(arm)
    given = tuple(fraction(f.number, f.day) for f in plan.fractions[:delivered])
    return propose_compensation(
        Ledger(arm, plan, OSLO, given),
        protocol.course.radiobiology,
        calendar,
        today=today,
        other_arms=protocol.arms,
    )


def option(analysis: GapAnalysis, kind: str) -> CompensationOption:
    return next(o for o in analysis.options if o.kind == kind)


def test_prosarc2_within_limits_holds_the_boost_at_5_gy_and_shows_the_shortfall(
    prosarc2: Protocol,
) -> None:
    # From Monday 31 May 2027: fractions 1-5 given, Tuesday 8 June missed, seen on 9 June.
    analysis = analyse(prosarc2, "A", date(2027, 5, 31), 5, today=date(2027, 6, 9))
    assert [o.kind for o in analysis.options] == [
        "added_fractions",
        "higher_dose_per_fraction",
        "higher_dose_within_limits",
        "twice_daily",
    ]
    higher = option(analysis, "higher_dose_per_fraction")
    # The unlimited option restores the target's BED₄ (105 Gy) on the 10 remaining fractions
    # and scales the boost with it, above its 5 Gy(RBE) cap.
    restore = dose_for_bed(bed([3.5] * 16, 4) - bed([3.5] * 5, 4), 10, 4)
    assert higher.levels[0].dose_per_fraction_gy == pytest.approx(restore)
    assert any("boost" in b and "exceeds the limit of 5 Gy(RBE)" in b for b in higher.breaks)

    capped = option(analysis, "higher_dose_within_limits")
    assert capped.within_protocol, capped.breaks
    assert capped.fraction_days == higher.fraction_days
    target, boost = capped.levels
    # Target: the 5 % tolerance (3.675) binds before the late bound (late BED₃ of the plan)
    # and before full restoration.
    late_cap = dose_for_bed(bed([3.5] * 16, 3) - bed([3.5] * 5, 3), 10, 3)
    assert 3.5 * 1.05 < late_cap < restore
    assert target.dose_per_fraction_gy == pytest.approx(3.5 * 1.05)
    given = [3.5] * 5 + [3.5 * 1.05] * 10
    assert target.tumour.bed_gy == pytest.approx(bed(given, 4))
    assert target.tumour.shortfall_bed_gy == pytest.approx(105.0 - bed(given, 4))
    assert target.tumour.shortfall_eqd2_gy == pytest.approx(70.0 - eqd2(given, 4))
    assert target.late.bed_gy == pytest.approx(bed(given, 3))
    assert target.late.bed_gy < target.late.planned_bed_gy
    # Boost: held at its 5 Gy(RBE) limit, so one fraction's BED₄ (5·(1 + 5/4)) stays short.
    assert boost.dose_per_fraction_gy == pytest.approx(5.0)
    assert boost.tumour.shortfall_bed_gy == pytest.approx(5 * (1 + 5 / 4))
    assert boost.tumour.shortfall_eqd2_gy == pytest.approx(5 * (1 + 5 / 4) / 1.5)
    assert "boost 5.000 Gy(RBE) (held at the 5 Gy(RBE) limit)" in capped.description
    assert "target 3.675 Gy(RBE) (held at the 5 % tolerance)" in capped.description
    assert "tumour BED short of the plan by target 1.67 Gy BED" in capped.description


def test_the_late_tissue_bound_binds_when_the_tolerance_is_wide(prosarc2_text: str) -> None:
    """With a 20 % tolerance the target is held where its late BED₃ equals the plan's (the
    0 % bound), below the dose that would restore its tumour BED₄."""
    text = prosarc2_text.replace(
        "dose_per_fraction_minor_percent = 5.0\ndose_per_fraction_major_percent = 10.0",
        "dose_per_fraction_minor_percent = 20.0\ndose_per_fraction_major_percent = 30.0",
    )
    assert text != prosarc2_text
    analysis = analyse(parse_protocol(text), "A", date(2027, 5, 31), 5, today=date(2027, 6, 9))
    capped = option(analysis, "higher_dose_within_limits")
    target = capped.levels[0]
    late_cap = dose_for_bed(bed([3.5] * 16, 3) - bed([3.5] * 5, 3), 10, 3)
    assert target.dose_per_fraction_gy == pytest.approx(late_cap)
    assert target.late.bed_gy == pytest.approx(bed([3.5] * 16, 3))  # 121.33 Gy, not above
    given = [3.5] * 5 + [late_cap] * 10
    assert target.tumour.shortfall_bed_gy == pytest.approx(105.0 - bed(given, 4))
    assert target.tumour.shortfall_bed_gy > 0
    assert "held at the late-tissue BED bound (+0 %)" in capped.description
    assert not any("late-tissue BED" in b for b in capped.breaks)


def test_a_pallsoft_arm_b_higher_dose_within_5_percent_of_8_gy_is_the_wrong_arms_schedule(
    pallsoft: Protocol,
) -> None:
    # From Monday 7 June 2027: three fractions of 5 Gy given, Thursday missed, seen on Friday;
    # one fraction remains to carry the missed one's BED₁₀.
    analysis = analyse(pallsoft, "B", date(2027, 6, 7), 3, today=date(2027, 6, 11))
    higher = option(analysis, "higher_dose_per_fraction")
    (level,) = higher.levels
    dose = dose_for_bed(bed([5.0] * 5, 10) - bed([5.0] * 3, 10), 1, 10)
    assert dose == pytest.approx(8.2288, abs=1e-4)
    assert abs(dose - 8.0) / 8.0 < 0.05  # within the 5 % tolerance of arm A's 8 Gy
    assert level.dose_per_fraction_gy == pytest.approx(dose)
    assert level.tumour.bed_gy == pytest.approx(37.5)  # BED₁₀ of 5 Gy × 5 restored
    wrong = [b for b in higher.breaks if "wrong arm's schedule" in b]
    assert wrong == [
        "ptv: 8.23 Gy per fraction is within 5 % of arm A's 8 Gy (1-2 fractions of 8 Gy "
        "(Gray)), so it would be scored as the wrong arm's schedule (a major deviation)"
    ]

    capped = option(analysis, "higher_dose_within_limits")
    (limited,) = capped.levels
    assert limited.dose_per_fraction_gy == pytest.approx(5.25)
    given = [5.0, 5.0, 5.0, 5.25]
    assert limited.tumour.shortfall_bed_gy == pytest.approx(37.5 - bed(given, 10))
    assert limited.tumour.shortfall_eqd2_gy == pytest.approx(31.25 - eqd2(given, 10))
    assert not any("wrong arm" in b for b in capped.breaks)
    # 20.25 Gy of 25 Gy: the missed fraction cannot be made up within the limits, and the
    # option says so rather than claiming to be within protocol.
    assert capped.breaks == (
        "ptv: total dose 20.25 Gy is -19.0 % off the prescribed 25 Gy (a major deviation)",
    )


def test_a_single_arm_trial_has_no_other_arm_to_confuse(
    prosarc2: Protocol,
) -> None:
    analysis = analyse(prosarc2, "A", date(2027, 5, 31), 5, today=date(2027, 6, 9))
    for candidate in analysis.options:
        assert not any("wrong arm" in b for b in candidate.breaks)


def test_the_within_limits_option_is_not_listed_when_it_is_the_same_dose(
    pallsoft_text: str,
) -> None:
    """With wide limits the unlimited option is already within them: no duplicate."""
    text = pallsoft_text.replace(
        "dose_per_fraction_minor_percent = 5.0\ndose_per_fraction_major_percent = 10.0\n"
        "weekly_excess_minor_fractions = 1",
        "dose_per_fraction_minor_percent = 50.0\ndose_per_fraction_major_percent = 60.0\n"
        "weekly_excess_minor_fractions = 1",
    ).replace(
        'rescheduling = "append"\ntwice_daily_allowed = false\nmin_interfraction_interval_hours'
        ' = 6.0\nmax_late_bed_increase_percent = 0.0\nassumptions = { rescheduling = "Not '
        "public. 5 Gy x 5",
        'rescheduling = "append"\ntwice_daily_allowed = false\nmin_interfraction_interval_hours'
        ' = 6.0\nmax_late_bed_increase_percent = 50.0\nassumptions = { rescheduling = "Not '
        "public. 5 Gy x 5",
    )
    assert text.count("= 50.0") == 2
    analysis = analyse(parse_protocol(text), "B", date(2027, 6, 7), 2, today=date(2027, 6, 10))
    assert [o.kind for o in analysis.options] == [
        "added_fractions",
        "higher_dose_per_fraction",
        "twice_daily",
    ]

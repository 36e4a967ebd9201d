"""Linear-quadratic dose accounting reproduces the worked values and its own identities."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.protocol.course import Repopulation
from radtrial.rt.lq import (
    Schedule,
    TimeFactor,
    bed,
    compare_schedules,
    dose_per_fraction_for_bed,
    eqd2,
    eqdx,
)

alpha_betas = st.floats(min_value=0.5, max_value=20.0, allow_nan=False)
doses = st.floats(min_value=0.0, max_value=25.0, allow_nan=False)


def shown(value: float, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals``, as the worked tables print it."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# DOMAIN.md §9, worked values: schedule, α/β, BED as shown, EQD2 as shown. RT.md's EQD2 table is
# the same 15 EQD2 cells.
WORKED = [
    ("56/16", 3, "121.3", "72.8"),
    ("56/16", 4, "105.0", "70.0"),
    ("56/16", 10, "75.6", "63.0"),
    ("80/16", 3, "213.3", "128.0"),
    ("80/16", 4, "180.0", "120.0"),
    ("80/16", 10, "120.0", "100.0"),
    ("8x1", 3, "29.3", "17.6"),
    ("8x1", 4, "24.0", "16.0"),
    ("8x1", 10, "14.4", "12.0"),
    ("8x2", 3, "58.7", "35.2"),
    ("8x2", 4, "48.0", "32.0"),
    ("8x2", 10, "28.8", "24.0"),
    ("5x5", 3, "66.7", "40.0"),
    ("5x5", 4, "56.3", "37.5"),
    ("5x5", 10, "37.5", "31.25"),
]


@pytest.mark.parametrize(("schedule", "alpha_beta", "bed_shown", "eqd2_shown"), WORKED)
def test_the_worked_table_comes_out_to_the_shown_decimals(
    schedule: str, alpha_beta: int, bed_shown: str, eqd2_shown: str
) -> None:
    fractions = Schedule.parse(schedule).doses_gy
    bed_decimals = len(bed_shown.partition(".")[2])
    eqd2_decimals = len(eqd2_shown.partition(".")[2])
    assert shown(bed(fractions, alpha_beta), bed_decimals) == Decimal(bed_shown)
    assert shown(eqd2(fractions, alpha_beta), eqd2_decimals) == Decimal(eqd2_shown)


@pytest.mark.parametrize(("schedule", "alpha_beta", "bed_shown", "eqd2_shown"), WORKED)
def test_every_eqd2_of_the_worked_table_is_exact(
    schedule: str, alpha_beta: int, bed_shown: str, eqd2_shown: str
) -> None:
    # EQD2 = D(d + α/β)/(2 + α/β) is a terminating decimal for all 15 cells.
    assert eqd2(Schedule.parse(schedule).doses_gy, alpha_beta) == float(eqd2_shown)


@pytest.mark.parametrize(
    ("schedule", "alpha_beta", "exact"),
    [
        ("56/16", 4, 105.0),
        ("56/16", 10, 75.6),
        ("80/16", 4, 180.0),
        ("80/16", 10, 120.0),
        ("8x1", 4, 24.0),
        ("8x1", 10, 14.4),
        ("8x2", 4, 48.0),
        ("8x2", 10, 28.8),
        ("5x5", 4, 56.25),
        ("5x5", 10, 37.5),
    ],
)
def test_bed_is_exact_where_the_arithmetic_terminates(
    schedule: str, alpha_beta: int, exact: float
) -> None:
    assert bed(Schedule.parse(schedule).doses_gy, alpha_beta) == exact


def test_the_issue_examples_are_exact() -> None:
    assert eqd2([3.5] * 16, 4) == 70.0
    assert eqd2([5.0] * 5, 3) == 40.0
    assert bed([5.0] * 16, 10) == 120.0


@given(fractions=st.integers(min_value=1, max_value=60), alpha_beta=alpha_betas)
def test_the_eqd2_of_2_gy_fractions_is_the_physical_dose_for_any_alpha_beta(
    fractions: int, alpha_beta: float
) -> None:
    assert eqd2([2.0] * fractions, alpha_beta) == pytest.approx(2.0 * fractions, rel=1e-12)


@given(dose=doses, fractions=st.integers(min_value=1, max_value=40), alpha_beta=alpha_betas)
def test_accumulating_equal_fractions_gives_the_closed_form(
    dose: float, fractions: int, alpha_beta: float
) -> None:
    closed_bed = fractions * dose * (1 + dose / alpha_beta)
    closed_eqd2 = fractions * dose * (dose + alpha_beta) / (2 + alpha_beta)
    assert bed([dose] * fractions, alpha_beta) == pytest.approx(closed_bed, rel=1e-12, abs=1e-12)
    assert eqd2([dose] * fractions, alpha_beta) == pytest.approx(closed_eqd2, rel=1e-12, abs=1e-12)


@given(given_doses=st.lists(doses, min_size=1, max_size=30), alpha_beta=alpha_betas)
def test_fraction_by_fraction_accumulation_equals_the_whole_course(
    given_doses: list[float], alpha_beta: float
) -> None:
    running = 0.0
    for dose in given_doses:
        running += bed([dose], alpha_beta)
    assert running == pytest.approx(bed(given_doses, alpha_beta), rel=1e-9, abs=1e-9)
    assert eqd2(given_doses, alpha_beta) == pytest.approx(
        bed(given_doses, alpha_beta) / (1 + 2 / alpha_beta), rel=1e-9, abs=1e-9
    )


@given(
    bed_gy=st.floats(min_value=0.0, max_value=300.0, allow_nan=False),
    fractions=st.integers(min_value=1, max_value=40),
    alpha_beta=alpha_betas,
)
def test_the_dose_per_fraction_for_a_bed_gives_that_bed_back(
    bed_gy: float, fractions: int, alpha_beta: float
) -> None:
    dose = dose_per_fraction_for_bed(bed_gy, fractions, alpha_beta)
    assert dose >= 0
    assert bed([dose] * fractions, alpha_beta) == pytest.approx(bed_gy, rel=1e-9, abs=1e-9)


def test_unequal_fractions_use_the_sum_form() -> None:
    # 8 Gy then 4 Gy at α/β 4: 8·3 + 4·2 = 32, not 12·(1 + 6/4) = 30.
    assert bed([8.0, 4.0], 4) == 32.0


def test_eqdx_at_2_gy_is_eqd2_and_at_the_fraction_dose_is_the_physical_dose() -> None:
    assert eqdx([3.5] * 16, 4, 2.0) == eqd2([3.5] * 16, 4)
    assert eqdx([3.5] * 16, 4, 3.5) == pytest.approx(56.0)


def test_no_time_correction_before_the_kickoff_time() -> None:
    factor = TimeFactor(kickoff_days=28, bed_loss_gy_per_day=0.9)
    assert bed([2.0] * 20, 10, overall_time_days=26, time_factor=factor) == bed([2.0] * 20, 10)


def test_the_t_pot_correction_subtracts_ln2_over_alpha_t_pot_per_day() -> None:
    factor = TimeFactor.from_doubling_time(
        kickoff_days=21, potential_doubling_days=3, alpha_per_gy=0.3
    )
    loss = math.log(2) / (0.3 * 3) * (46 - 21)
    plain = bed([2.0] * 35, 10)
    assert bed([2.0] * 35, 10, overall_time_days=46, time_factor=factor) == pytest.approx(
        plain - loss
    )


def test_the_d_prolif_correction_takes_d_prolif_off_the_eqd2_per_day() -> None:
    factor = TimeFactor.from_dose_prolif(
        kickoff_days=28, dose_prolif_gy_per_day=0.7, alpha_beta_gy=10
    )
    plain = eqd2([2.0] * 35, 10)
    corrected = eqd2([2.0] * 35, 10, overall_time_days=45, time_factor=factor)
    assert corrected == pytest.approx(plain - 0.7 * (45 - 28))


def test_a_protocol_repopulation_table_gives_its_time_factor() -> None:
    table = Repopulation(tissue="tumour", kickoff_days=28, dose_prolif_gy_per_day=0.7)
    assert TimeFactor.from_protocol(table, 10).bed_loss_gy_per_day == pytest.approx(0.84)
    table = Repopulation(
        tissue="tumour", kickoff_days=21, potential_doubling_days=3, alpha_per_gy=0.3
    )
    assert TimeFactor.from_protocol(table, 10).bed_loss_gy_per_day == pytest.approx(
        math.log(2) / 0.9
    )


def test_a_time_correction_without_the_overall_time_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        bed([2.0], 10, time_factor=TimeFactor(28, 0.9))
    assert caught.value.location == "overall_time_days"


@pytest.mark.parametrize(
    ("call", "location"),
    [
        (lambda: bed([2.0, -1.0], 3), "doses_gy"),
        (lambda: bed([2.0, math.nan], 3), "doses_gy"),
        (lambda: bed([2.0], 0), "alpha_beta_gy"),
        (lambda: eqd2([2.0], -3), "alpha_beta_gy"),
        (lambda: dose_per_fraction_for_bed(10, 0, 3), "fractions"),
    ],
)
def test_bad_numbers_are_refused_naming_the_argument(
    call: Callable[[], object], location: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.location == location


def test_no_fractions_give_no_dose() -> None:
    assert bed([], 3) == 0.0
    assert eqd2([], 3) == 0.0


@pytest.mark.parametrize(
    ("text", "fractions", "dose"),
    [
        ("56/16", 16, 3.5),
        ("80 / 16", 16, 5.0),
        ("56Gy/16fx", 16, 3.5),
        ("8x1", 1, 8.0),
        ("8X2", 2, 8.0),
        ("5 Gy × 5", 5, 5.0),
        ("3.5*16", 16, 3.5),
    ],
)
def test_schedules_are_read_in_both_notations(text: str, fractions: int, dose: float) -> None:
    schedule = Schedule.parse(text)
    assert schedule.fractions == fractions
    assert schedule.dose_per_fraction_gy == dose


@pytest.mark.parametrize("text", ["56-16", "x5", "56/0", "0x0", "5x", "", "abc"])
def test_an_unreadable_schedule_names_the_text(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Schedule.parse(text)
    assert caught.value.location == "schedule"
    assert repr(text) in caught.value.message


def test_the_comparison_table_has_a_row_per_schedule_and_alpha_beta() -> None:
    rows = compare_schedules(["56/16", "80/16", "8x1", "5x5"], [3, 4, 10])
    assert len(rows) == 12
    assert [row.schedule for row in rows[:3]] == ["56 Gy / 16 fx"] * 3
    assert [row.alpha_beta_gy for row in rows[:3]] == [3.0, 4.0, 10.0]
    by_key = {(row.schedule, row.alpha_beta_gy): row for row in rows}
    assert by_key["56 Gy / 16 fx", 4.0].eqd2_gy == 70.0
    assert by_key["5 Gy × 5", 3.0].eqd2_gy == 40.0
    assert by_key["80 Gy / 16 fx", 10.0].bed_gy == 120.0
    assert by_key["8 Gy × 1", 10.0].total_dose_gy == 8.0


def test_an_unequal_schedule_has_no_single_dose_per_fraction() -> None:
    schedule = Schedule("8 + 4", (8.0, 4.0))
    assert schedule.dose_per_fraction_gy is None
    assert schedule.total_dose_gy == 12.0
    (row,) = compare_schedules([schedule], [4])
    assert row.bed_gy == 32.0

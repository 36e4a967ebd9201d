"""RECIST 1.1 time-point response: the target rules with the nadir, and the overall-response
tables (Eisenhauer 2009, Tables 1 and 2)."""

from __future__ import annotations

import itertools

import pytest

from radtrial.clinical.recist import NonTargetStatus, Response, overall_response

from .recist_helpers import lesion, series

CR, PR, SD, PD, NE = Response.CR, Response.PR, Response.SD, Response.PD, Response.NE
NT_CR = NonTargetStatus.CR
NT_NON = NonTargetStatus.NON_CR_NON_PD
NT_PD = NonTargetStatus.PD
NT_NE = NonTargetStatus.NOT_EVALUATED


def targets_of(sizes: list[list[float | None]], baseline: float = 50.0) -> list[Response | None]:
    return [p.target for p in series([lesion("L1", baseline)], sizes).time_points]


def test_a_sod_rise_of_20_percent_but_under_5_mm_is_sd() -> None:
    (point,) = series([lesion("L1", 20.0)], [[24.0]]).time_points
    assert point.change_from_nadir_mm == pytest.approx(4.0)
    assert point.target is SD


def test_a_rise_of_5_mm_but_under_20_percent_is_sd() -> None:
    assert targets_of([[59.0]]) == [SD]


def test_a_rise_of_20_percent_and_5_mm_over_the_nadir_is_pd() -> None:
    assert targets_of([[30.0]], baseline=25.0) == [PD]


def test_the_20_percent_rule_is_exact_on_the_decimals_entered() -> None:
    # 31.2 − 26.0 = 5.2 = 20 % of 26.0 exactly; in binary floating point it falls just short.
    assert 31.2 - 26.0 < 0.2 * 26.0
    assert targets_of([[31.2]], baseline=26.0) == [PD]
    assert targets_of([[31.1]], baseline=26.0) == [SD]


def test_progression_is_measured_from_the_nadir_not_the_baseline() -> None:
    result = series([lesion("L1", 100.0)], [[60.0], [73.0]])
    first, second = result.time_points
    assert first.target is PR
    assert second.nadir_mm == 60.0
    assert second.change_from_baseline_percent == pytest.approx(-27.0)
    assert second.target is PD


def test_a_30_percent_fall_from_baseline_is_pr() -> None:
    assert targets_of([[35.0]]) == [PR]
    assert targets_of([[35.5]]) == [SD]


def test_cr_needs_every_non_nodal_target_gone_and_every_node_under_10_mm() -> None:
    targets = [lesion("L1", 15.0), lesion("N1", 20.0, "pelvic nodes", nodal=True)]
    result = series(targets, [[0.0, 9.0], [0.0, 10.0]])
    cr, not_cr = result.time_points
    assert cr.target is CR
    assert cr.sum_mm == 9.0  # the SoD need not be 0 at CR
    assert not_cr.target is PD  # the node is pathological again after CR


def test_a_target_that_reappears_after_cr_is_pd_whatever_the_sum() -> None:
    result = series([lesion("L1", 40.0), lesion("L2", 30.0, "lung")], [[0.0, 0.0], [3.0, 0.0]])
    assert [p.target for p in result.time_points] == [CR, PD]


def test_a_target_not_evaluated_makes_the_time_point_ne() -> None:
    result = series([lesion("L1", 40.0), lesion("L2", 30.0, "lung")], [[20.0, None]])
    (point,) = result.time_points
    assert point.target is NE
    assert point.sum_mm is None


def test_measured_targets_that_already_make_pd_give_pd_despite_a_missing_one() -> None:
    result = series([lesion("L1", 40.0), lesion("L2", 30.0, "lung")], [[90.0, None]])
    assert result.time_points[0].target is PD


def test_a_not_evaluable_time_point_does_not_set_the_nadir() -> None:
    result = series([lesion("L1", 40.0), lesion("L2", 30.0, "lung")], [[10.0, None], [40.0, 30.0]])
    assert [p.nadir_mm for p in result.time_points] == [70.0, 70.0]
    assert result.nadir_mm == 70.0


# RECIST 1.1 Table 1, rows written out: (target, non-target, new lesions) -> overall.
# A non-target status of None means no non-target lesions at baseline.
TABLE_1 = {
    (CR, NT_CR): CR, (CR, None): CR, (CR, NT_NON): PR, (CR, NT_NE): PR, (CR, NT_PD): PD,
    (PR, NT_CR): PR, (PR, None): PR, (PR, NT_NON): PR, (PR, NT_NE): PR, (PR, NT_PD): PD,
    (SD, NT_CR): SD, (SD, None): SD, (SD, NT_NON): SD, (SD, NT_NE): SD, (SD, NT_PD): PD,
    (NE, NT_CR): NE, (NE, None): NE, (NE, NT_NON): NE, (NE, NT_NE): NE, (NE, NT_PD): PD,
    (PD, NT_CR): PD, (PD, None): PD, (PD, NT_NON): PD, (PD, NT_NE): PD, (PD, NT_PD): PD,
}  # fmt: skip
# Table 2: non-target disease only.
TABLE_2 = {NT_CR: CR, NT_NON: Response.NON_CR_NON_PD, NT_NE: NE, NT_PD: PD}


@pytest.mark.parametrize(("target", "non_target"), list(TABLE_1))
def test_table_1_without_new_lesions(target: Response, non_target: NonTargetStatus | None) -> None:
    assert overall_response(target, non_target, False) is TABLE_1[(target, non_target)]


@pytest.mark.parametrize(
    ("target", "non_target"),
    list(itertools.product([CR, PR, SD, PD, NE, None], [NT_CR, NT_NON, NT_PD, NT_NE, None])),
)
def test_any_new_lesion_is_pd(target: Response | None, non_target: NonTargetStatus | None) -> None:
    assert overall_response(target, non_target, True) is PD


@pytest.mark.parametrize("non_target", list(TABLE_2))
def test_table_2_for_non_target_disease_only(non_target: NonTargetStatus) -> None:
    assert overall_response(None, non_target, False) is TABLE_2[non_target]


def test_the_series_applies_the_table_to_each_time_point() -> None:
    result = series(
        [lesion("L1", 50.0)],
        [[0.0], [0.0], [0.0]],
        non_targets=1,
        statuses=[NT_CR, NT_NON, NT_PD],
    )
    assert [p.overall for p in result.time_points] == [CR, PR, PD]
    assert result.first_progression_on == result.time_points[2].assessed_on


def test_new_lesions_make_overall_pd_while_the_targets_respond() -> None:
    result = series([lesion("L1", 50.0)], [[20.0]], new=[True])
    (point,) = result.time_points
    assert (point.target, point.overall) == (PR, PD)

"""PROSARC-2: local progression of the irradiated index lesion against its own nadir, kept
apart from distant progression."""

from __future__ import annotations

from radtrial.clinical.recist import NonTargetStatus, Response, best_overall_response
from radtrial.protocol import Protocol

from .recist_helpers import PROSARC2_RULES, START, lesion, series, week

INDEX = lesion("T1", 80.0, organ="thigh", irradiated_index=True, modality="mri")


def test_the_index_lesion_progresses_locally_while_the_patient_is_sd() -> None:
    # Index lesion 80 → 60 → 55 → 66 mm: +11 mm and +20 % over its own nadir of 55 mm. The
    # lung target holds at 10 mm, so the whole SoD (65 → 76 mm, +16.9 %) is still SD.
    result = series(
        [INDEX, lesion("L1", 12.0, "lung")],
        [[60.0, 10.0], [55.0, 10.0], [66.0, 10.0]],
        rules=PROSARC2_RULES,
    )
    last = result.time_points[-1]
    assert (last.index_mm, last.index_nadir_mm) == (66.0, 55.0)
    assert last.local_progression is True
    assert last.distant_progression is False
    assert last.overall is Response.SD
    assert result.first_local_progression_on == week(24)
    assert result.first_progression_on is None


def test_index_growth_under_the_threshold_is_not_local_progression() -> None:
    result = series([INDEX], [[95.0]], rules=PROSARC2_RULES)
    assert result.time_points[0].local_progression is False  # +18.75 %


def test_a_new_lesion_is_distant_progression_not_local() -> None:
    result = series([INDEX], [[70.0], [72.0]], new=[False, True], rules=PROSARC2_RULES)
    assert [p.local_progression for p in result.time_points] == [False, False]
    assert [p.distant_progression for p in result.time_points] == [False, True]
    assert result.first_distant_progression_on == week(16)
    assert result.first_local_progression_on is None
    assert result.first_progression_on == week(16)


def test_growth_of_the_other_targets_is_distant_progression() -> None:
    result = series([INDEX, lesion("L1", 12.0, "lung")], [[80.0, 18.0]], rules=PROSARC2_RULES)
    (point,) = result.time_points
    assert (point.local_progression, point.distant_progression) == (False, True)


def test_unequivocal_non_target_progression_is_distant() -> None:
    result = series(
        [INDEX], [[80.0]], non_targets=1, statuses=[NonTargetStatus.PD], rules=PROSARC2_RULES
    )
    assert result.time_points[0].distant_progression is True


def test_an_index_lesion_that_disappeared_and_reappears_has_progressed_locally() -> None:
    result = series([INDEX], [[0.0], [4.0]], rules=PROSARC2_RULES)
    assert [p.local_progression for p in result.time_points] == [False, True]


def test_an_index_lesion_not_evaluated_leaves_local_progression_unknown_that_day() -> None:
    result = series([INDEX], [[None]], rules=PROSARC2_RULES)
    (point,) = result.time_points
    assert point.local_progression is None
    assert point.index_mm is None
    assert point.overall is Response.NE


def test_without_an_index_target_local_and_distant_are_not_assessed() -> None:
    result = series([lesion("L1", 30.0)], [[40.0]])
    (point,) = result.time_points
    assert (point.local_progression, point.distant_progression) == (None, None)


def test_a_prosarc2_series_ending_in_local_progression(prosarc2: Protocol) -> None:
    rules = prosarc2.assessment("recist").recist
    assert rules is not None
    result = series([INDEX], [[70.0], [62.0], [64.0], [75.0]], weeks=[13, 26, 39, 52], rules=rules)
    assert [p.local_progression for p in result.time_points] == [False, False, False, True]
    assert result.first_local_progression_on == week(52)
    assert result.first_progression_on == week(52)  # a single target: the SoD is the lesion
    answer = best_overall_response(result, treatment_start=START)
    assert answer.response is Response.SD

"""Best overall response, with and without confirmation, and the minimum duration of SD
(Eisenhauer 2009 §4.4.3, Table 3)."""

from __future__ import annotations

from radtrial.clinical.recist import NonTargetStatus, Response, best_overall_response
from radtrial.protocol.schedule import RecistRules

from .recist_helpers import START, lesion, series, week

CONFIRM = RecistRules(confirmation_required=True, min_stable_disease_days=42)
PLAIN = RecistRules(min_stable_disease_days=42)


def best(
    sizes: list[float | None], weeks: list[int], rules: RecistRules = PLAIN, **kw: object
) -> Response:
    result = series([lesion("L1", 50.0)], [[s] for s in sizes], weeks=weeks, rules=rules, **kw)  # type: ignore[arg-type]
    return best_overall_response(result, treatment_start=START).response


def test_without_confirmation_a_pr_counts_when_seen_even_if_pd_follows() -> None:
    assert best([30.0, 50.0], [8, 16]) is Response.PR


def test_the_best_response_says_which_time_point_gave_it() -> None:
    result = series([lesion("L1", 50.0)], [[40.0], [30.0], [0.0]], rules=PLAIN)
    answer = best_overall_response(result, treatment_start=START)
    assert (answer.response, answer.assessed_on, answer.confirmed_on) == (
        Response.CR,
        week(24),
        None,
    )
    assert "no confirmation required" in answer.explanation


def test_with_confirmation_a_pr_needs_a_later_pr_or_cr_at_least_4_weeks_on() -> None:
    result = series([lesion("L1", 50.0)], [[30.0], [28.0]], weeks=[8, 12], rules=CONFIRM)
    answer = best_overall_response(result, treatment_start=START)
    assert (answer.response, answer.assessed_on, answer.confirmed_on) == (
        Response.PR,
        week(8),
        week(12),
    )


def test_a_confirming_scan_under_4_weeks_later_does_not_confirm() -> None:
    assert best([30.0, 28.0], [8, 11], CONFIRM) is Response.SD


def test_an_unconfirmed_pr_followed_by_sd_is_sd() -> None:
    assert best([30.0, 40.0], [8, 16], CONFIRM) is Response.SD


def test_an_unconfirmed_pr_followed_by_pd_is_sd_if_long_enough_else_pd() -> None:
    assert best([30.0, 50.0], [8, 16], CONFIRM) is Response.SD
    assert best([30.0, 50.0], [4, 8], CONFIRM) is Response.PD


def test_cr_then_cr_is_a_confirmed_cr() -> None:
    assert best([0.0, 0.0], [8, 16], CONFIRM) is Response.CR


def test_pr_then_cr_is_a_confirmed_pr() -> None:
    assert best([30.0, 0.0], [8, 16], CONFIRM) is Response.PR


def test_a_not_evaluable_scan_between_neither_breaks_nor_confirms() -> None:
    result = series(
        [lesion("L1", 50.0), lesion("L2", 20.0, "lung")],
        [[20.0, 10.0], [None, None], [20.0, 9.0]],
        weeks=[8, 10, 14],
        rules=CONFIRM,
    )
    answer = best_overall_response(result, treatment_start=START)
    assert (answer.response, answer.confirmed_on) == (Response.PR, week(14))


def test_sd_before_the_minimum_duration_does_not_count() -> None:
    assert best([45.0, 60.0], [4, 8]) is Response.PD
    assert best([45.0, None], [4, 8]) is Response.NE
    assert best([45.0, 45.0], [4, 6]) is Response.SD


def test_time_points_after_progression_are_ignored() -> None:
    assert best([60.0, 10.0], [4, 8]) is Response.PD


def test_no_follow_up_is_ne() -> None:
    result = series([lesion("L1", 50.0)], [], rules=PLAIN)
    assert best_overall_response(result, treatment_start=START).response is Response.NE


def test_non_target_disease_only_is_at_best_non_cr_non_pd_until_cr() -> None:
    result = series(
        [], [[], []], non_targets=2,
        statuses=[NonTargetStatus.NON_CR_NON_PD, NonTargetStatus.NON_CR_NON_PD], rules=PLAIN,
    )  # fmt: skip
    assert best_overall_response(result, treatment_start=START).response is (Response.NON_CR_NON_PD)


def test_the_rules_default_to_those_of_the_baseline() -> None:
    result = series([lesion("L1", 50.0)], [[30.0], [28.0]], weeks=[8, 11], rules=CONFIRM)
    assert best_overall_response(result, treatment_start=START).response is Response.SD
    plain = best_overall_response(result, treatment_start=START, rules=RecistRules())
    assert plain.response is Response.PR

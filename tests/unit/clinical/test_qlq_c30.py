"""EORTC QLQ-C30 v3.0 scoring: worked examples, every scale, and the half-items rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radtrial.clinical.instruments import ScaleKind, score_qlq_c30
from radtrial.errors import InvalidInput


def scores(responses: dict[int, int | None]) -> dict[str, float | None]:
    return {code: s.score for code, s in score_qlq_c30(responses).items()}


def test_pf_answers_2_1_1_1_1_give_93_33() -> None:
    pf = score_qlq_c30({1: 2, 2: 1, 3: 1, 4: 1, 5: 1})["PF"]
    assert pf.raw_score == pytest.approx(1.2)
    assert pf.score == pytest.approx(93.33, abs=0.005)


def test_pa_answers_3_2_give_50() -> None:
    assert scores({9: 3, 19: 2})["PA"] == pytest.approx(50.0)


def test_ql_answers_5_4_give_58_33() -> None:
    assert scores({29: 5, 30: 4})["QL"] == pytest.approx(58.33, abs=0.005)


def test_the_fifteen_scales_are_in_the_manuals_order_with_their_kinds() -> None:
    result = score_qlq_c30({})
    assert list(result) == [
        "PF", "RF", "EF", "CF", "SF", "FA", "NV", "PA",
        "DY", "SL", "AP", "CO", "DI", "FI", "QL",
    ]  # fmt: skip
    assert {c for c, s in result.items() if s.kind is ScaleKind.FUNCTIONAL} == {
        "PF", "RF", "EF", "CF", "SF",
    }  # fmt: skip
    assert result["QL"].kind is ScaleKind.GLOBAL
    assert all(s.score is None for s in result.values())


def test_best_answers_give_100_for_function_and_0_for_symptoms() -> None:
    best = dict.fromkeys(range(1, 29), 1) | {29: 7, 30: 7}
    result = score_qlq_c30(best)
    for code, scale in result.items():
        expected = 0.0 if scale.kind is ScaleKind.SYMPTOM else 100.0
        assert scale.score == pytest.approx(expected), code


def test_worst_answers_give_0_for_function_and_100_for_symptoms() -> None:
    worst = dict.fromkeys(range(1, 29), 4) | {29: 1, 30: 1}
    result = score_qlq_c30(worst)
    for code, scale in result.items():
        expected = 100.0 if scale.kind is ScaleKind.SYMPTOM else 0.0
        assert scale.score == pytest.approx(expected), code


def test_a_scale_with_half_its_items_answered_uses_their_mean() -> None:
    pf = score_qlq_c30({1: 2, 2: 2, 3: 1, 4: None})["PF"]
    assert (pf.answered, pf.items) == (3, 5)
    assert pf.raw_score == pytest.approx(5 / 3)
    rf = score_qlq_c30({6: 3})["RF"]
    assert rf.score == pytest.approx(100 / 3)


def test_a_scale_with_fewer_than_half_its_items_answered_is_missing() -> None:
    result = score_qlq_c30({1: 2, 2: 2, 21: 1})
    assert result["PF"].score is None
    assert result["PF"].answered == 2
    assert result["EF"].score is None


def test_a_single_item_scale_is_missing_when_its_item_is() -> None:
    result = score_qlq_c30({8: None, 11: 2})
    assert result["DY"].score is None
    assert result["SL"].score == pytest.approx(100 / 3)


@pytest.mark.parametrize(("item", "answer"), [(1, 5), (1, 0), (28, 7), (29, 8), (30, 0)])
def test_an_answer_outside_the_items_range_is_refused_at_the_item(item: int, answer: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        score_qlq_c30({item: answer})
    assert caught.value.location == f"items[{item}]"
    highest = 7 if item >= 29 else 4
    assert f"from 1 to {highest}" in caught.value.message


@pytest.mark.parametrize("item", [0, 31, -1])
def test_an_item_the_questionnaire_does_not_have_is_refused(item: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        score_qlq_c30({item: 1})
    assert caught.value.location == f"items[{item}]"
    assert caught.value.detail["reason"] == "unknown_item"


def test_a_boolean_answer_is_refused() -> None:
    with pytest.raises(InvalidInput):
        score_qlq_c30({1: True})


answers = st.fixed_dictionaries(
    {n: st.one_of(st.none(), st.integers(1, 7 if n >= 29 else 4)) for n in range(1, 31)}
)


@given(answers)
def test_every_score_is_between_0_and_100_or_missing(responses: dict[int, int | None]) -> None:
    for scale in score_qlq_c30(responses).values():
        assert scale.score is None or 0.0 <= scale.score <= 100.0
        assert (scale.score is None) == (2 * scale.answered < scale.items)

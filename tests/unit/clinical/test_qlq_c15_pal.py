"""EORTC QLQ-C15-PAL scoring: the special PF, EF, FA and NV tables and standard scoring of the
rest (DOMAIN.md §6.2, checked against the Stata qlqc15 implementation of the EORTC addendum)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import pytest

from radtrial.clinical.instruments import score_qlq_c15_pal
from radtrial.clinical.instruments.qlq_c15_pal import (
    C15_PAL_EF_BY_SUM,
    C15_PAL_FA_BY_ITEMS,
    C15_PAL_NV_BY_ITEM,
    C15_PAL_PF_BY_SUM,
)
from radtrial.errors import InvalidInput

# DOMAIN.md §6.2, typed in independently of the module.
PF = {3: 93.33, 4: 73.33, 5: 60.00, 6: 46.67, 7: 33.33, 8: 26.67, 9: 20.00, 10: 13.33,
      11: 6.67, 12: 0.0}  # fmt: skip
EF = {2: 100.0, 3: 83.33, 4: 66.67, 5: 50.00, 6: 41.67, 7: 16.67, 8: 0.0}
FA = [  # rows: item 7 (weak) 1-4; columns: item 11 (tired) 1-4
    [0.0, 22.22, 33.33, 55.56],
    [22.22, 33.33, 55.56, 66.67],
    [33.33, 44.44, 66.67, 88.89],
    [44.44, 66.67, 88.89, 100.0],
]
NV = {1: 0.0, 2: 16.67, 3: 50.0, 4: 100.0}


def score(responses: dict[int, int | None], scale: str) -> float | None:
    return score_qlq_c15_pal(responses)[scale].score


@pytest.mark.parametrize("items", list(itertools.product(range(1, 5), repeat=3)))
def test_pf_follows_the_table_for_every_answer_pattern(items: tuple[int, int, int]) -> None:
    got = score(dict(zip((1, 2, 3), items, strict=True)), "PF")
    assert got == pytest.approx(PF[sum(items)], abs=0.005)


@pytest.mark.parametrize("items", list(itertools.product(range(1, 5), repeat=2)))
def test_ef_follows_the_table_for_every_answer_pattern(items: tuple[int, int]) -> None:
    assert score({13: items[0], 14: items[1]}, "EF") == pytest.approx(EF[sum(items)], abs=0.005)


@pytest.mark.parametrize("items", list(itertools.product(range(1, 5), repeat=2)))
def test_fa_follows_the_two_way_table_not_the_sum(items: tuple[int, int]) -> None:
    weak, tired = items
    assert score({7: weak, 11: tired}, "FA") == pytest.approx(FA[weak - 1][tired - 1], abs=0.005)


def test_fa_weighs_tiredness_above_weakness() -> None:
    assert score({7: 3, 11: 2}, "FA") == pytest.approx(44.44, abs=0.005)
    assert score({7: 2, 11: 3}, "FA") == pytest.approx(55.56, abs=0.005)


@pytest.mark.parametrize(("answer", "expected"), NV.items())
def test_nv_follows_the_table(answer: int, expected: float) -> None:
    assert score({9: answer}, "NV") == pytest.approx(expected, abs=0.005)


def test_the_special_scores_are_points_of_the_qlq_c30_scales_they_stand_for() -> None:
    for table, step in (
        (C15_PAL_PF_BY_SUM, 15),
        (C15_PAL_EF_BY_SUM, 12),
        (C15_PAL_FA_BY_ITEMS, 9),
        (C15_PAL_NV_BY_ITEM, 6),
    ):
        for value in table.values():
            assert (value * step / 100).denominator == 1
            assert Fraction(0) <= value <= Fraction(100)


def test_more_trouble_never_scores_better_function_or_fewer_symptoms() -> None:
    pf = [C15_PAL_PF_BY_SUM[s] for s in range(3, 13)]
    ef = [C15_PAL_EF_BY_SUM[s] for s in range(2, 9)]
    assert pf == sorted(pf, reverse=True)
    assert ef == sorted(ef, reverse=True)
    nv = [C15_PAL_NV_BY_ITEM[a] for a in range(1, 5)]
    assert nv == sorted(nv)
    for weak, tired in itertools.product(range(1, 5), repeat=2):
        here = C15_PAL_FA_BY_ITEMS[(weak, tired)]
        if weak < 4:
            assert C15_PAL_FA_BY_ITEMS[(weak + 1, tired)] >= here
        if tired < 4:
            assert C15_PAL_FA_BY_ITEMS[(weak, tired + 1)] >= here


def test_the_other_scales_use_standard_qlq_c30_scoring() -> None:
    result = score_qlq_c15_pal({5: 3, 12: 2, 4: 2, 6: 3, 8: 4, 10: 1, 15: 5})
    assert result["PA"].score == pytest.approx(50.0)
    assert result["PA"].method == "standard"
    assert result["DY"].score == pytest.approx(33.33, abs=0.005)
    assert result["SL"].score == pytest.approx(66.67, abs=0.005)
    assert result["AP"].score == pytest.approx(100.0)
    assert result["CO"].score == pytest.approx(0.0)
    assert result["QL"].score == pytest.approx(66.67, abs=0.005)


def test_a_table_scored_scale_needs_all_its_items() -> None:
    result = score_qlq_c15_pal({1: 1, 2: 1, 3: None, 13: 2, 7: 1})
    assert result["PF"].score is None
    assert result["PF"].answered == 2
    assert result["EF"].score is None
    assert result["FA"].score is None
    assert result["PF"].method == "c15_pal_table"


def test_pain_keeps_the_half_items_rule() -> None:
    assert score({5: 4}, "PA") == pytest.approx(100.0)


@pytest.mark.parametrize(("item", "answer"), [(14, 5), (15, 8), (16, 1)])
def test_out_of_range_answers_and_unknown_items_are_refused(item: int, answer: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        score_qlq_c15_pal({item: answer})
    assert caught.value.location == f"items[{item}]"


def test_radtrial_ships_no_eortc_item_texts() -> None:
    # Item texts are the EORTC's copyright: a few fragments of the questionnaires' wording.
    fragments = ("do you have any trouble", "during the past week", "have you had pain",
                 "did you feel", "have you been tired", "how would you rate")  # fmt: skip
    clinical = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "clinical"
    for path in clinical.rglob("*.py"):
        text = path.read_text(encoding="utf-8").casefold()
        for fragment in fragments:
            assert fragment not in text, f"{path.name} contains {fragment!r}"

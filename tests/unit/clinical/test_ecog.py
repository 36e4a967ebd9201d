"""ECOG performance status: six grades with Oken's descriptions, validated at entry."""

from __future__ import annotations

from datetime import date

import pytest

from radtrial.clinical.ecog import ECOG_DESCRIPTIONS, Ecog, EcogAssessment, ecog_course, parse_ecog
from radtrial.errors import InvalidInput


def test_ecog_has_grades_0_to_5_each_with_a_description() -> None:
    assert [int(g) for g in Ecog] == [0, 1, 2, 3, 4, 5]
    assert set(ECOG_DESCRIPTIONS) == set(Ecog)
    assert Ecog.DEAD.description == "Dead"
    assert "50 %" in Ecog.AMBULATORY.description
    assert "confined to bed or chair" in Ecog.DISABLED.description


@pytest.mark.parametrize("value", [0, 3, 5, 2.0])
def test_a_grade_from_0_to_5_is_accepted(value: float) -> None:
    assert parse_ecog(value) == int(value)


@pytest.mark.parametrize("value", [-1, 6, 2.5, True, "2", None])
def test_anything_but_a_whole_number_from_0_to_5_is_refused_at_ecog(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_ecog(value)
    assert caught.value.location == "ecog"
    assert "0 to 5" in caught.value.message


def test_the_course_is_in_date_order() -> None:
    course = ecog_course(
        [EcogAssessment(date(2026, 3, 1), Ecog(2)), EcogAssessment(date(2026, 1, 1), Ecog(1))]
    )
    assert [a.status for a in course] == [Ecog.RESTRICTED, Ecog.AMBULATORY]


def test_two_statuses_on_one_day_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        ecog_course(
            [EcogAssessment(date(2026, 1, 1), Ecog(1)), EcogAssessment(date(2026, 1, 1), Ecog(2))]
        )
    assert caught.value.detail["reason"] == "duplicate_date"


def test_nothing_follows_ecog_5() -> None:
    with pytest.raises(InvalidInput) as caught:
        ecog_course(
            [EcogAssessment(date(2026, 1, 1), Ecog(5)), EcogAssessment(date(2026, 2, 1), Ecog(4))]
        )
    assert caught.value.detail["reason"] == "after_death"


def test_an_assessment_refuses_a_grade_of_6() -> None:
    with pytest.raises(InvalidInput) as caught:
        EcogAssessment(date(2026, 1, 1), 6)  # type: ignore[arg-type]
    assert caught.value.location == "status"

"""Norwegian identity numbers: check digits, D- and H-numbers, dates and centuries."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from radtrial.clinical.national_id import NationalIdKind, parse_national_id
from radtrial.errors import InvalidInput

# The weights as printed in DOMAIN.md §7, kept here independently of the module under test.
W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return (11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11) % 11


def complete(first_nine: str) -> str | None:
    """``first_nine`` with both check digits appended, or None if either would be 10."""
    k1 = _check(first_nine, W1)
    if k1 == 10:
        return None
    k2 = _check(first_nine + str(k1), W2)
    if k2 == 10:
        return None
    return f"{first_nine}{k1}{k2}"


def first_valid(candidates: list[str]) -> str:
    """The first of ``candidates`` (nine digits each) that has valid check digits, completed."""
    return next(number for c in candidates if (number := complete(c)) is not None)


def reason(number: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_national_id(number)
    return str(caught.value.detail["reason"])


def test_the_published_test_vector_is_valid_and_born_on_new_years_eve_1899() -> None:
    number = parse_national_id("31129956715")
    assert number.kind is NationalIdKind.FODSELSNUMMER
    assert number.birth_date == date(1899, 12, 31)
    assert number.value == "31129956715"


def test_the_test_vector_check_digits_come_from_the_documented_sums() -> None:
    assert sum(int(d) * w for d, w in zip("311299567", W1, strict=True)) == 241
    assert sum(int(d) * w for d, w in zip("3112995671", W2, strict=True)) == 215
    assert complete("311299567") == "31129956715"


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_national_id(" 31129956715\n").value == "31129956715"


def test_a_d_number_has_forty_added_to_the_day() -> None:
    number = parse_national_id(first_valid(["410190123"]))  # 1 January 1990, individual 123
    assert number.kind is NationalIdKind.D_NUMBER
    assert number.birth_date == date(1990, 1, 1)


def test_an_h_number_has_forty_added_to_the_month() -> None:
    number = parse_national_id(first_valid(["154585456"]))  # 15 May 1985, individual 456
    assert number.kind is NationalIdKind.H_NUMBER
    assert number.birth_date == date(1985, 5, 15)


@pytest.mark.parametrize(
    ("individual", "year_2d", "year"),
    [
        ("000", "99", 1999),
        ("499", "00", 1900),
        ("500", "55", 1855),
        ("749", "99", 1899),
        ("900", "40", 1940),
        ("999", "99", 1999),
        ("500", "00", 2000),
        ("750", "39", 2039),
        ("999", "39", 2039),
    ],
)
def test_the_century_follows_from_the_individual_number(
    individual: str, year_2d: str, year: int
) -> None:
    number = first_valid([f"{day:02d}06{year_2d}{individual}" for day in range(1, 29)])
    assert parse_national_id(number).birth_date == date(year, 6, int(number[:2]))


@pytest.mark.parametrize(
    ("individual", "year_2d"), [("500", "40"), ("749", "54"), ("750", "40"), ("899", "99")]
)
def test_individual_numbers_never_issued_for_the_year_are_refused(
    individual: str, year_2d: str
) -> None:
    number = first_valid([f"{day:02d}06{year_2d}{individual}" for day in range(1, 29)])
    assert reason(number) == "bad_century"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("3112995671", "wrong_length"),
        ("311299567150", "wrong_length"),
        ("", "wrong_length"),
        ("3112995671X", "not_digits"),
        ("31129956-15", "not_digits"),
        ("\u0663\u0661\u0661\u0662\u0669\u0669\u0665\u0666\u0667\u0661\u0665", "not_digits"),
        ("31129956705", "check_digit_1"),
        ("31129956716", "check_digit_2"),
    ],
)
def test_malformed_numbers_are_refused_with_the_reason(number: str, expected: str) -> None:
    assert reason(number) == expected


def test_a_number_whose_first_check_digit_would_be_ten_is_refused() -> None:
    first_nine = next(f"010190{i:03d}" for i in range(1000) if _check(f"010190{i:03d}", W1) == 10)
    for last_two in ("00", "01", "10", "99"):
        assert reason(first_nine + last_two) == "check_digit_1"


def test_an_impossible_date_with_valid_check_digits_is_refused_as_a_bad_date() -> None:
    thirtieth_of_february = first_valid([f"300290{i:03d}" for i in range(500)])
    assert reason(thirtieth_of_february) == "bad_date"


def test_a_number_shifted_both_as_d_and_h_number_is_refused() -> None:
    assert reason(first_valid([f"414190{i:03d}" for i in range(500)])) == "bad_date"


def test_the_error_names_the_field_and_never_repeats_the_number() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_national_id("31129956716", field="participant.national_id")
    assert caught.value.location == "participant.national_id"
    assert "31129956716" not in str(caught.value)
    assert "31129956716" not in repr(caught.value.to_dict())


def test_the_repr_of_a_number_hides_its_digits() -> None:
    assert "31129956715" not in repr(parse_national_id("31129956715"))


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[str, date, NationalIdKind]:
    """A valid number with the birth date and kind it must parse to."""
    born = draw(st.dates(min_value=date(1855, 1, 1), max_value=date(2039, 12, 31)))
    year_2d = born.year % 100
    if born.year < 1900:
        individual = draw(st.integers(500, 749))
    elif born.year < 2000:
        ranges = [st.integers(0, 499)] + ([st.integers(900, 999)] if year_2d >= 40 else [])
        individual = draw(st.one_of(ranges))
    else:
        individual = draw(st.integers(500, 999))
    kind = draw(st.sampled_from(NationalIdKind))
    day = born.day + (40 if kind is NationalIdKind.D_NUMBER else 0)
    month = born.month + (40 if kind is NationalIdKind.H_NUMBER else 0)
    number = complete(f"{day:02d}{month:02d}{year_2d:02d}{individual:03d}")
    assume(number is not None)
    assert number is not None
    return number, born, kind


@given(valid_numbers())
def test_every_valid_number_parses_to_its_birth_date_and_kind(
    case: tuple[str, date, NationalIdKind],
) -> None:
    number, born, kind = case
    parsed = parse_national_id(number)
    assert (parsed.birth_date, parsed.kind) == (born, kind)


@given(valid_numbers(), st.integers(0, 10), st.integers(1, 9))
def test_changing_any_one_digit_is_always_caught_by_a_check_digit(
    case: tuple[str, date, NationalIdKind], position: int, delta: int
) -> None:
    # Always true for these weights: a change of d (1..9) at a position of weight w (1..10)
    # changes the weighted sum by w*d, never a multiple of the prime 11. Digits 1-10 all weigh
    # in the first check (digit 10 with weight 1 against K1), digit 11 in the second.
    number = case[0]
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert reason(changed) in {"check_digit_1", "check_digit_2"}


@given(valid_numbers(), st.integers(0, 9))
def test_swapping_two_different_adjacent_digits_is_always_caught_by_a_check_digit(
    case: tuple[str, date, NationalIdKind], position: int
) -> None:
    # Adjacent weights of the first check (3,7,6,1,8,9,4,5,2 and 1 for K1) always differ, so a
    # swap changes the sum by (w_i - w_j)(d_j - d_i), again never a multiple of 11.
    number = case[0]
    assume(number[position] != number[position + 1])
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    assert reason(swapped) in {"check_digit_1", "check_digit_2"}

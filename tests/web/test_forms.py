"""Reading typed values from posted forms: a value that cannot be read names its field."""

from __future__ import annotations

from datetime import date

import pytest

from radtrial.errors import InvalidInput
from radtrial.web.forms import form_date, form_number, form_text


def test_a_date_is_read_as_typed_or_refused_at_its_field() -> None:
    assert form_date(" 2026-03-02 ", "consented_on") == date(2026, 3, 2)
    assert form_date("  ", "resolved_on", required=False) is None
    with pytest.raises(InvalidInput) as blank:
        form_date("", "consented_on", missing="give the date the consent was signed")
    assert (blank.value.location, str(blank.value)) == (
        "consented_on",
        "consented_on: give the date the consent was signed",
    )
    with pytest.raises(InvalidInput) as default:
        form_date("", "start_date")
    assert "YYYY-MM-DD" in str(default.value)
    with pytest.raises(InvalidInput) as wrong:
        form_date("02.03.2026", "start_date")
    assert wrong.value.location == "start_date"
    assert "'02.03.2026' is not a date" in str(wrong.value)


def test_text_is_trimmed_and_a_blank_is_refused_at_its_field() -> None:
    assert form_text("  missed: machine fault ", "reason", "give the reason") == (
        "missed: machine fault"
    )
    with pytest.raises(InvalidInput) as blank:
        form_text(" \t", "note", "give the reason")
    assert (blank.value.location, str(blank.value)) == ("note", "note: give the reason")


def test_a_number_takes_a_decimal_comma_and_refuses_what_is_not_finite() -> None:
    assert form_number(" 12,5 ", "target_lesions[T1].baseline_mm") == 12.5
    assert form_number("30", "volume_ml") == 30.0
    assert form_number("", "volume_ml", required=False) is None
    for typed in ("", "twelve", "nan", "inf", "-Infinity"):
        with pytest.raises(InvalidInput) as refused:
            form_number(typed, "target_lesions[T1].baseline_mm")
        assert refused.value.location == "target_lesions[T1].baseline_mm"

"""Reading typed values from posted forms, the same way on every page: a value that cannot be
read is :class:`InvalidInput` located at its field, so the page shows the error beside it."""

from __future__ import annotations

import math
from datetime import date
from typing import Literal, overload

from radtrial.errors import InvalidInput

__all__ = ["form_date", "form_number", "form_text"]


@overload
def form_date(
    text: str, field: str, *, required: Literal[True] = True, missing: str = ...
) -> date: ...
@overload
def form_date(text: str, field: str, *, required: Literal[False]) -> date | None: ...
def form_date(
    text: str, field: str, *, required: bool = True, missing: str = "give a date (YYYY-MM-DD)"
) -> date | None:
    """``text`` as an ISO date (YYYY-MM-DD); blank is None when not ``required``, else refused
    with the ``missing`` message."""
    value = text.strip()
    if not value:
        if required:
            raise InvalidInput(missing, location=field)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", location=field) from None


def form_text(text: str, field: str, missing: str) -> str:
    """``text`` without surrounding blanks; blank is refused at ``field`` with ``missing``."""
    value = text.strip()
    if not value:
        raise InvalidInput(missing, location=field)
    return value


@overload
def form_number(value: str, field: str, *, required: Literal[True] = True) -> float: ...
@overload
def form_number(value: str, field: str, *, required: Literal[False]) -> float | None: ...
def form_number(value: str, field: str, *, required: bool = True) -> float | None:
    """``value`` as a finite number, a decimal comma read as a point (as typed in Norway);
    blank is None when not ``required``."""
    text = value.strip().replace(",", ".")
    if not text:
        if required:
            raise InvalidInput("give a number", location=field)
        return None
    try:
        number = float(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a number", location=field) from None
    if not math.isfinite(number):
        raise InvalidInput(f"{text!r} is not a number", location=field)
    return number

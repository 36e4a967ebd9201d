"""Reading typed values from posted forms, the same way on every page: a value that cannot be
read is :class:`InvalidInput` located at its field, so the page shows the error beside it."""

from __future__ import annotations

from datetime import date
from typing import Literal, overload

from radtrial.errors import InvalidInput

__all__ = ["form_date"]


@overload
def form_date(text: str, field: str, *, required: Literal[True] = True) -> date: ...
@overload
def form_date(text: str, field: str, *, required: Literal[False]) -> date | None: ...
def form_date(text: str, field: str, *, required: bool = True) -> date | None:
    """``text`` as an ISO date (YYYY-MM-DD); blank is None when not ``required``."""
    value = text.strip()
    if not value:
        if required:
            raise InvalidInput("give a date (YYYY-MM-DD)", location=field)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", location=field) from None

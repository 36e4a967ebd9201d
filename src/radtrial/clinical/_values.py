"""Shared entry checks of the clinical scales: whole numbers in a range, UTC instants, text.

Every check raises :class:`InvalidInput` located at the field it was given, with
``detail["reason"]`` a stable code and a message that states what is allowed.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from numbers import Integral, Real
from typing import TypeVar

from radtrial.errors import InvalidInput


def invalid(message: str, field: str, reason: str, **detail: object) -> InvalidInput:
    """An :class:`InvalidInput` at ``field`` with ``detail["reason"] = reason``."""
    return InvalidInput(message, location=field, detail={"reason": reason, **detail})


E = TypeVar("E", bound=StrEnum)


def member(kind: type[E], value: object, field: str, what: str) -> E:
    """``value`` as a member of the string enum ``kind``; ``what`` names it in the message."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    allowed = [m.value for m in kind]
    raise invalid(
        f"{what} must be one of {', '.join(allowed)}, not {value!r}",
        field,
        "not_allowed",
        allowed=allowed,
    )


def whole_number(value: object, field: str, low: int, high: int, what: str) -> int:
    """``value`` as an int in ``[low, high]``; ``what`` names the scale in the message.

    Booleans and non-integral numbers are refused (a form that sends ``True`` or ``2.5`` for an
    NRS has a bug); an integral float such as ``3.0`` is accepted as 3.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise invalid(
            f"{what} must be a whole number from {low} to {high}, not {value!r}",
            field,
            "not_a_number",
        )
    if isinstance(value, Integral):
        number = int(value)
    elif math.isfinite(float(value)) and float(value).is_integer():
        number = int(float(value))
    else:
        raise invalid(
            f"{what} must be a whole number from {low} to {high}, not {value!r}",
            field,
            "not_a_whole_number",
        )
    if not low <= number <= high:
        raise invalid(
            f"{what} must be from {low} to {high}, not {number}",
            field,
            "out_of_range",
            allowed=[low, high],
        )
    return number


def length_mm(value: object, field: str) -> float:
    """A finite length ≥ 0 in millimetres."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise invalid(f"must be a length in mm, not {value!r}", field, "not_a_length")
    if float(value) < 0:
        raise invalid(f"a length cannot be negative ({value} mm)", field, "negative_length")
    return float(value)


def require_utc(value: datetime, field: str) -> None:
    """Refuse a naive datetime or one not in UTC."""
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise invalid(f"must be a UTC datetime, not {value.isoformat()}", field, "not_utc")


def require_text(value: str, field: str) -> None:
    """Refuse empty or blank text."""
    if not value.strip():
        raise invalid("must not be empty", field, "empty")

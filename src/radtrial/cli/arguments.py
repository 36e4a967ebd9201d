"""What the commands read from the command line: dates, times and numbers, and the study-id
argument and ``--visit`` option the clinical-outcome commands share.

Dates are YYYY-MM-DD, times ISO 8601 with their zone; a bad one is an :class:`InvalidInput`
located at its option.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from radtrial.errors import InvalidInput

__all__ = ["STUDY_ID", "VISIT_OPTION", "parse_day", "parse_instant", "require_day"]

STUDY_ID = Annotated[str, typer.Argument(help="Study id, e.g. PALL-OUS-0001.")]
VISIT_OPTION = typer.Option(None, "--visit", help="Protocol visit id, e.g. week_8.")


def parse_day(value: str | None, field: str) -> date | None:
    """``value`` as an ISO date (YYYY-MM-DD); :class:`InvalidInput` located at ``field``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a date (YYYY-MM-DD)", location=field, detail={"reason": "not_a_date"}
        ) from None


def require_day(value: str, field: str) -> date:
    """``value`` as an ISO date; it must be given."""
    day = parse_day(value, field)
    if day is None:
        raise InvalidInput("a date is required", location=field)
    return day


def parse_instant(value: str | None, field: str) -> datetime | None:
    """``value`` as an ISO 8601 time with its zone (``…Z`` or ``…+01:00``)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a time (e.g. 2026-03-02T09:30:00+01:00)",
            location=field,
            detail={"reason": "not_a_time"},
        ) from None


def _number(value: str | None, field: str) -> object | None:
    """A number typed on the command line, passed on as int or float for the core to check."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value

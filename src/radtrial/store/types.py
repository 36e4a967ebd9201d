"""Column types: timestamps that are UTC on the way in and on the way out, on both engines.

ICH E6(R3) 4.2.2(d) asks for unambiguous dates and times; RELIABILITY.md row 17 asks that no
stored timestamp is in local time. A naive ``datetime`` carries no zone, so it is refused rather
than guessed at.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from radtrial.errors import InvalidInput

__all__ = ["UTCDateTime", "format_utc", "require_utc"]


def require_utc(value: datetime, *, field: str = "datetime") -> datetime:
    """``value`` converted to UTC; raises :class:`InvalidInput` if it is naive."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            "naive datetime refused: pass a timezone-aware datetime (UTC)", location=field
        )
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """The canonical text of an aware timestamp: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    return require_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that accepts only aware datetimes and always returns UTC.

    PostgreSQL stores ``timestamp with time zone``. SQLite has no timestamp type, so the UTC
    wall-clock time is stored as text and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = require_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

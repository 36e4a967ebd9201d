"""The treatment calendar: planned fraction dates, closed days, rescheduling of missed fractions.

A fraction is given only on an open treatment day: one of the prescription's ``treatment_days``
(Monday to Friday unless the protocol says otherwise), not a Norwegian statutory public holiday
(``holidays.Norway``: the fixed days 1 Jan, 1 and 17 May, 25 and 26 Dec and the Easter-based
days, Lov om helligdager og helligdagsfred), not an annual closure day of the protocol (24 and
31 Dec are days off by agreement, not statutory) and not a day the site is closed. Weekends are
never treatment days in either trial's files.

Fractions fill the earliest open treatment days, at most ``fractions_per_week`` in one calendar
week (ISO 8601: Monday to Sunday). With PROSARC-2's 4 fractions a week on 5 weekdays, the free
fifth weekday absorbs a public holiday and keeps 14 Gy(RBE) a week (DOMAIN.md 8).

Pure: holiday dates and names come from the ``holidays`` package's own data, with the language
set explicitly (English) so that names never depend on the environment's locale; "today" is
passed in.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal

from holidays.countries.norway import Norway

from radtrial.errors import InvalidInput
from radtrial.protocol.course import Course, ReschedulingPolicy
from radtrial.protocol.prescription import OptionalFraction, Prescription

__all__ = [
    "ClosedDay",
    "CoursePlan",
    "PlannedFraction",
    "TreatmentCalendar",
    "calendar_week",
    "norwegian_public_holidays",
    "optional_fraction_day",
    "plan_course",
    "reschedule",
]

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: A course that cannot be placed within this many days has a calendar that is (nearly) shut.
_HORIZON_DAYS = 3 * 366


@functools.lru_cache(maxsize=64)
def _norwegian_holidays(year: int) -> tuple[tuple[date, str], ...]:
    calendar = Norway(years=year, language="en_US", include_sundays=False)
    # One entry per date: the package already joins coinciding holidays ("Constitution Day;
    # Whit Monday" on 17 May 2027), and a dict cannot hold a date twice.
    return tuple(sorted((day, str(name)) for day, name in calendar.items()))


def norwegian_public_holidays(year: int) -> Mapping[date, str]:
    """Norway's statutory public holidays of ``year`` (Sundays not listed), date → name."""
    if not 1901 <= year <= 2199:
        raise InvalidInput(f"no holiday data for the year {year}", location="year")
    return MappingProxyType(dict(_norwegian_holidays(year)))


def calendar_week(day: date) -> tuple[int, int]:
    """The ISO 8601 (year, week) of ``day``: weeks run Monday to Sunday."""
    iso = day.isocalendar()
    return iso.year, iso.week


@dataclass(frozen=True)
class ClosedDay:
    """A treatment day on which no fraction is given, and why."""

    day: date
    reason: str


@dataclass(frozen=True)
class TreatmentCalendar:
    """A site's open and closed days for one prescription's weekly rhythm."""

    treatment_days: frozenset[int] = frozenset(range(5))
    annual_closures: frozenset[tuple[int, int]] = frozenset()
    site_closed: frozenset[date] = frozenset()
    public_holidays: Literal["NO"] = "NO"

    def __post_init__(self) -> None:
        if not self.treatment_days or not self.treatment_days <= set(range(7)):
            raise InvalidInput(
                f"treatment days must be weekday numbers 0-6, not {sorted(self.treatment_days)}",
                location="treatment_days",
            )

    @classmethod
    def for_prescription(
        cls,
        prescription: Prescription,
        course: Course | None = None,
        site_closed: Iterable[date] = (),
    ) -> TreatmentCalendar:
        """The calendar of a prescription's treatment days, the protocol's closures and a site's."""
        calendar = course.calendar if course is not None else None
        return cls(
            treatment_days=frozenset(WEEKDAY_NAMES.index(d) for d in prescription.treatment_days),
            annual_closures=frozenset(calendar.annual_closures()) if calendar else frozenset(),
            site_closed=frozenset(site_closed),
            public_holidays=calendar.public_holidays if calendar else "NO",
        )

    def closed_reason(self, day: date) -> str | None:
        """Why no fraction is given on ``day``, or ``None`` if it is an open treatment day."""
        if day.weekday() not in self.treatment_days:
            return _WEEKDAY_LABELS[day.weekday()] + (
                " (weekend)" if day.weekday() >= 5 else " (not a treatment day)"
            )
        holiday = norwegian_public_holidays(day.year).get(day)
        if holiday is not None:
            return f"public holiday: {holiday}"
        if (day.month, day.day) in self.annual_closures:
            return "annual closure day"
        if day in self.site_closed:
            return "site closed"
        return None

    def is_open(self, day: date) -> bool:
        """Whether a fraction may be given on ``day``."""
        return self.closed_reason(day) is None


@dataclass(frozen=True)
class PlannedFraction:
    """Fraction ``number`` (1-based, in delivery order) planned on ``day``."""

    number: int
    day: date


@dataclass(frozen=True)
class CoursePlan:
    """The planned fraction dates of a course, and the treatment days skipped in its span."""

    fractions: tuple[PlannedFraction, ...]
    closed_days: tuple[ClosedDay, ...] = field(default=())

    @property
    def days(self) -> tuple[date, ...]:
        """Planned dates in order (one per fraction; a date twice for two fractions a day)."""
        return tuple(f.day for f in self.fractions)

    @property
    def first_day(self) -> date | None:
        """The first planned date."""
        return self.fractions[0].day if self.fractions else None

    @property
    def last_day(self) -> date | None:
        """The last planned date."""
        return self.fractions[-1].day if self.fractions else None

    @property
    def overall_time_days(self) -> int:
        """Planned overall time: days from the first to the last fraction, both counted."""
        if not self.fractions:
            return 0
        return (self.fractions[-1].day - self.fractions[0].day).days + 1

    def per_week(self) -> Counter[tuple[int, int]]:
        """Planned fractions per calendar week."""
        return Counter(calendar_week(day) for day in self.days)


def plan_course(
    prescription: Prescription,
    start: date,
    calendar: TreatmentCalendar,
    *,
    fractions: int | None = None,
) -> CoursePlan:
    """Plan ``fractions`` (default: the prescription's) from ``start`` on open treatment days."""
    count = prescription.fractions if fractions is None else fractions
    if count < 1:
        raise InvalidInput(f"need at least one fraction, not {count}", location="fractions")
    per_week = prescription.fractions_per_week
    days = _fill([], count, after=start - timedelta(days=1), calendar=calendar, per_week=per_week)
    return _plan(days, calendar, since=start)


def optional_fraction_day(
    optional: OptionalFraction,
    first_day: date,
    prescription: Prescription,
    calendar: TreatmentCalendar,
    *,
    today: date,
    planned_days: Iterable[date] = (),
) -> date:
    """The day to plan an optional fraction decided on ``today``: the first open treatment day
    from the later of ``today`` and the start of its window (``first_day`` +
    ``earliest_day_after_first_fraction``), not already planned and within the weekly maximum.

    The day may lie beyond the window (``latest_day_after_first_fraction``) when no open day is
    left in it; the caller tells the user, and the deviation rules flag the fraction if it is
    given there.
    """
    start = max(today, first_day + timedelta(days=optional.earliest_day_after_first_fraction))
    days = list(planned_days)
    (day,) = _fill(
        days,
        1,
        after=start - timedelta(days=1),
        calendar=calendar,
        per_week=prescription.fractions_per_week,
    )
    return day


def reschedule(
    plan: CoursePlan,
    missed_day: date,
    prescription: Prescription,
    calendar: TreatmentCalendar,
    *,
    today: date,
) -> CoursePlan:
    """The plan after the fraction planned on ``missed_day`` was missed, keeping the count.

    The replacement day follows the protocol's rescheduling policy (``append`` when the
    prescription sets none): never before ``today``, never after-hours on a closed day, never
    beyond ``fractions_per_week`` in a calendar week. Fractions are renumbered by date.
    """
    days = list(plan.days)
    if missed_day not in days:
        raise InvalidInput(
            f"no fraction is planned on {missed_day.isoformat()}", location="missed_day"
        )
    days.remove(missed_day)
    policy: ReschedulingPolicy = (
        prescription.course.rescheduling if prescription.course is not None else "append"
    )
    per_week = prescription.fractions_per_week
    earliest = max(missed_day + timedelta(days=1), today)
    replacement = None
    if policy == "free_day_in_week_else_append":
        replacement = _free_day_in_week(days, missed_day, earliest, calendar, per_week)
    if replacement is None:
        after = max(max(days, default=missed_day), earliest - timedelta(days=1))
        (replacement,) = _fill(days, 1, after=after, calendar=calendar, per_week=per_week)
    days.append(replacement)
    return _plan(days, calendar, since=plan.first_day)


def _free_day_in_week(
    days: list[date], missed_day: date, earliest: date, calendar: TreatmentCalendar, per_week: int
) -> date | None:
    week = calendar_week(missed_day)
    in_week = sum(1 for day in days if calendar_week(day) == week)
    if in_week >= per_week:
        return None
    monday = missed_day - timedelta(days=missed_day.weekday())
    for offset in range(7):
        day = monday + timedelta(days=offset)
        if day >= earliest and day not in days and calendar.is_open(day):
            return day
    return None


def _fill(
    days: list[date], count: int, *, after: date, calendar: TreatmentCalendar, per_week: int
) -> list[date]:
    """``count`` new days after ``after``: open, not already used, within the weekly maximum."""
    weekly = Counter(calendar_week(day) for day in days)
    taken = set(days)
    found: list[date] = []
    day = after
    limit = after + timedelta(days=_HORIZON_DAYS)
    while len(found) < count:
        day += timedelta(days=1)
        if day > limit:
            raise InvalidInput(
                f"no open treatment day between {after.isoformat()} and {limit.isoformat()}",
                location="calendar",
            )
        week = calendar_week(day)
        if day in taken or weekly[week] >= per_week or not calendar.is_open(day):
            continue
        found.append(day)
        weekly[week] += 1
    return found


def _plan(days: Iterable[date], calendar: TreatmentCalendar, since: date | None) -> CoursePlan:
    """The plan of ``days``, with the closed treatment days from ``since`` to the last one."""
    ordered = sorted(days)
    fractions = tuple(PlannedFraction(n, day) for n, day in enumerate(ordered, start=1))
    closed: list[ClosedDay] = []
    if ordered:
        day = min(ordered[0], since) if since is not None else ordered[0]
        while day <= ordered[-1]:
            reason = calendar.closed_reason(day)
            if reason is not None and day.weekday() in calendar.treatment_days:
                closed.append(ClosedDay(day, reason))
            day += timedelta(days=1)
    return CoursePlan(fractions, tuple(closed))

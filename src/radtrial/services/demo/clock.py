"""The demo's simulated clock and the timeline that replays participants' histories in order.

The services stamp every record and audit row with the database's clock and check dates
against it (a screening cannot be dated tomorrow, a fraction cannot be missed before its day).
So the demo builds its history the way it would have happened: a :class:`DemoClock` is set to
each moment of each participant's story, in time order across all participants, and moves one
second per reading in between. Nothing is written at or after the real time the build started,
so the finished database is consistent with the real clock the server then runs on.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["OSLO", "DemoClock", "Journey", "Timeline"]

#: The sites' time zone: every demo event happens in Norwegian working hours.
OSLO = ZoneInfo("Europe/Oslo")

#: A participant's story: a generator that yields the moment of its next step and takes that
#: step when resumed (the clock then shows that moment).
Journey = Iterator[datetime]


class DemoClock:
    """A UTC clock that can be moved forward to a moment and moves one second per reading.

    It never goes backwards: setting it to a moment before the last reading keeps the later one,
    so audit rows stay in time order.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def set(self, moment: datetime) -> None:
        """Move the clock to ``moment`` (aware), unless it already shows a later time."""
        with self._lock:
            self._now = max(self._now, moment.astimezone(UTC))

    def __call__(self) -> datetime:
        with self._lock:
            now = self._now
            self._now += timedelta(seconds=1)
            return now


class Timeline:
    """The demo's days, counted back from the real ``end`` (the build's start), and the queue of
    participant journeys replayed in time order on a :class:`DemoClock`."""

    def __init__(self, clock: DemoClock, end: datetime) -> None:
        self.clock = clock
        self.end = end.astimezone(UTC)
        self.today: date = self.end.astimezone(OSLO).date()
        self._queue: list[tuple[datetime, int, Journey]] = []
        self._order = itertools.count()

    def day(self, days_ago: int) -> date:
        """The date ``days_ago`` days before today (in Oslo)."""
        return self.today - timedelta(days=days_ago)

    def moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        """``hour:minute`` in Oslo on ``day``, as an aware UTC instant."""
        return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)

    def weekdays_before(self, count: int) -> date:
        """The weekday ``count`` weekdays (Monday to Friday) before today."""
        day = self.today
        while count > 0:
            day -= timedelta(days=1)
            if day.weekday() < 5:
                count -= 1
        return day

    def add(self, journey: Journey) -> None:
        """Queue ``journey`` at the moment of its first step (if that has come)."""
        self._push(journey)

    def _push(self, journey: Journey) -> None:
        moment = next(journey, None)
        if moment is not None and moment < self.end:
            heapq.heappush(self._queue, (moment, next(self._order), journey))

    def run(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay every queued step in time order; steps at or after ``end`` are left out (the
        participant has not got there yet). Returns how many steps were taken."""
        steps = 0
        while self._queue:
            moment, _, journey = heapq.heappop(self._queue)
            self.clock.set(moment)
            self._push(journey)
            steps += 1
            if progress is not None:
                progress(steps)
        return steps

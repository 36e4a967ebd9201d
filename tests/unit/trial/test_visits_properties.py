"""Hypothesis properties of visit windows and statuses."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.schedule import Anchor, Visit
from radtrial.trial.visits import (
    VisitStatus,
    Window,
    schedule_visits,
    visit_status,
    visit_window,
    visits_containing,
)

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"
PROTOCOLS = [
    parse_protocol((TRIALS / f"{name}.toml").read_text(encoding="utf-8"), name)
    for name in ("pallsoft", "prosarc2")
]
ANCHORS: tuple[Anchor, ...] = ("registration", "randomisation", "first_fraction", "last_fraction")

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def visits(draw: st.DrawFn, index: int = 0) -> Visit:
    return Visit(
        id=f"v{index}",
        label=f"Visit {index}",
        anchor=draw(st.sampled_from(ANCHORS)),
        day=draw(st.integers(-60, 2000)),
        window_before_days=draw(st.integers(0, 90)),
        window_after_days=draw(st.integers(0, 90)),
    )


@st.composite
def schedules(draw: st.DrawFn) -> list[Visit]:
    return [draw(visits(i)) for i in range(draw(st.integers(1, 8)))]


@given(visits(), days)
def test_the_window_always_contains_the_target_day(visit: Visit, anchor_on: date) -> None:
    window = visit_window(visit, anchor_on)
    assert window.contains(window.target_on)
    assert window.target_on == anchor_on + timedelta(days=visit.day)
    assert (window.closes_on - window.opens_on).days == (
        visit.window_before_days + visit.window_after_days
    )


@given(schedules(), st.dictionaries(st.sampled_from(ANCHORS), days), days)
def test_a_date_is_in_exactly_the_windows_that_contain_its_offset_from_the_anchor(
    protocol_visits: list[Visit], anchors: dict[Anchor, date], day: date
) -> None:
    schedule = schedule_visits(protocol_visits, anchors)
    found = {v.visit_id for v in visits_containing(schedule, day)}
    expected = {
        v.id
        for v in protocol_visits
        if v.anchor in anchors
        and v.day - v.window_before_days
        <= (day - anchors[v.anchor]).days
        <= v.day + v.window_after_days
    }
    assert found == expected


@given(st.sampled_from(PROTOCOLS), days, st.integers(-400, 2500))
def test_in_the_bundled_protocols_a_date_is_in_at_most_one_window_per_anchor(
    protocol: Protocol, anchor_on: date, offset: int
) -> None:
    day = anchor_on + timedelta(days=offset)
    for anchor in ANCHORS:
        schedule = schedule_visits(protocol.visits, {anchor: anchor_on})
        assert len(visits_containing(schedule, day)) <= 1


ORDER = [VisitStatus.NOT_YET_DUE, VisitStatus.DUE, VisitStatus.OVERDUE]


@given(visits(), days, days, days)
def test_without_a_visit_the_status_only_moves_forward_in_time(
    visit: Visit, anchor_on: date, first: date, second: date
) -> None:
    (scheduled,) = schedule_visits([visit], {visit.anchor: anchor_on})
    early, late = sorted((first, second))
    before = visit_status(scheduled, today=early)
    after = visit_status(scheduled, today=late)
    assert ORDER.index(before) <= ORDER.index(after)
    assert scheduled.window is not None
    assert window_matches(scheduled.window, late, after)


def window_matches(window: Window, today: date, status: VisitStatus) -> bool:
    if status is VisitStatus.DUE:
        return window.contains(today)
    if status is VisitStatus.NOT_YET_DUE:
        return today < window.opens_on
    return today > window.closes_on


@given(visits(), days, days)
def test_a_visit_done_in_its_window_is_done_in_window(
    visit: Visit, anchor_on: date, done: date
) -> None:
    (scheduled,) = schedule_visits([visit], {visit.anchor: anchor_on})
    assert scheduled.window is not None
    status = visit_status(scheduled, today=max(done, anchor_on), done_on=done)
    expected = (
        VisitStatus.DONE_IN_WINDOW
        if scheduled.window.contains(done)
        else (VisitStatus.DONE_OUT_OF_WINDOW)
    )
    assert status is expected

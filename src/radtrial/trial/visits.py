"""Visit schedules: due dates and windows from the protocol's visits, and visit status.

Each protocol :class:`~radtrial.protocol.schedule.Visit` is anchored on a trial event
(registration, randomisation, first or last fraction) with a target day and days allowed
before and after: the clinicedc ``rbase``/``rlower``/``rupper`` convention. A participant's
schedule is computed from the dates of those events, so it is re-anchored simply by computing
it again when the course's dates change; a visit whose anchor has not happened yet (the end of
RT before the last fraction) is *awaiting its anchor*. An anchor date may be *planned* rather
than actual (the planned first fraction of a course not yet started, so that a baseline before
RT can come due); the scheduled visit says so (``anchor_planned``), and computing the schedule
again once the event has happened re-anchors it on the actual date.

Status on ``today`` (passed in; nothing here reads the clock):

* not yet due: the window has not opened;
* due: the window is open and the visit is not done;
* overdue: the window has closed and the visit is neither done nor recorded as missed;
* done in window / done out of window: by the date the visit was done;
* missed: recorded as not done (with its reason, by the service that records it);
* not required: follow-up ended (death, withdrawal) before the window closed, so the visit
  can no longer be done; a window that closed before that without the visit stays overdue.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import combinations
from types import MappingProxyType

from radtrial.errors import InvalidInput
from radtrial.protocol.schedule import Anchor, Visit

__all__ = [
    "DueVisit",
    "ParticipantVisits",
    "ScheduledVisit",
    "VisitState",
    "VisitStatus",
    "Window",
    "check_assessment_date",
    "overlapping_windows",
    "participant_schedule",
    "schedule_visits",
    "visit_on",
    "visit_status",
    "visit_window",
    "visits_containing",
    "visits_due",
]


@dataclass(frozen=True, slots=True)
class Window:
    """The days a visit may take place on, both ends included, and its target day."""

    opens_on: date
    target_on: date
    closes_on: date

    def __post_init__(self) -> None:
        if not self.opens_on <= self.target_on <= self.closes_on:
            raise ValueError(f"window {self} does not contain its target day")

    def contains(self, day: date) -> bool:
        """Whether ``day`` is in the window."""
        return self.opens_on <= day <= self.closes_on


def visit_window(visit: Visit, anchor_on: date) -> Window:
    """The window of ``visit`` when its anchor event happened on ``anchor_on``."""
    target = anchor_on + timedelta(days=visit.day)
    return Window(
        target - timedelta(days=visit.window_before_days),
        target,
        target + timedelta(days=visit.window_after_days),
    )


@dataclass(frozen=True, slots=True)
class ScheduledVisit:
    """A protocol visit placed in a participant's calendar; ``window`` is None until the
    anchor event has a date. ``anchor_planned`` is true when the window comes from the anchor's
    planned date (the event has not happened yet) rather than its actual one."""

    visit_id: str
    label: str
    anchor: Anchor
    window: Window | None
    assessments: tuple[str, ...]
    samples: tuple[str, ...]
    anchor_planned: bool = False


def schedule_visits(
    visits: Sequence[Visit],
    anchors: Mapping[Anchor, date],
    planned: Collection[Anchor] = frozenset(),
) -> tuple[ScheduledVisit, ...]:
    """Every visit of the protocol with its window from the participant's anchor dates;
    ``planned`` names the anchors whose date is planned, not yet actual."""
    return tuple(
        ScheduledVisit(
            visit.id,
            visit.label,
            visit.anchor,
            visit_window(visit, anchors[visit.anchor]) if visit.anchor in anchors else None,
            visit.assessments,
            visit.samples,
            visit.anchor in anchors and visit.anchor in planned,
        )
        for visit in visits
    )


class VisitStatus(StrEnum):
    """Where a scheduled visit stands on a given day."""

    AWAITING_ANCHOR = "awaiting_anchor"
    NOT_YET_DUE = "not_yet_due"
    DUE = "due"
    OVERDUE = "overdue"
    DONE_IN_WINDOW = "done_in_window"
    DONE_OUT_OF_WINDOW = "done_out_of_window"
    MISSED = "missed"
    NOT_REQUIRED = "not_required"


def visit_status(
    scheduled: ScheduledVisit,
    *,
    today: date,
    done_on: date | None = None,
    missed: bool = False,
    follow_up_ended_on: date | None = None,
) -> VisitStatus:
    """The visit's status on ``today`` (see the module docstring for the meanings).

    A visit both done and recorded as missed is refused, as is one done after ``today``.
    """
    if done_on is not None and missed:
        raise InvalidInput(
            f"visit {scheduled.visit_id!r} cannot be both done and missed",
            location="missed",
            detail={"reason": "done_and_missed"},
        )
    if done_on is not None and done_on > today:
        raise InvalidInput(
            f"visit {scheduled.visit_id!r} is recorded as done on {done_on.isoformat()}, after "
            f"today ({today.isoformat()})",
            location="done_on",
            detail={"reason": "done_in_future"},
        )
    window = scheduled.window
    if done_on is not None:
        if window is None:
            return VisitStatus.DONE_OUT_OF_WINDOW
        return (
            VisitStatus.DONE_IN_WINDOW
            if window.contains(done_on)
            else (VisitStatus.DONE_OUT_OF_WINDOW)
        )
    if missed:
        return VisitStatus.MISSED
    if window is None:
        return VisitStatus.AWAITING_ANCHOR
    if follow_up_ended_on is not None and follow_up_ended_on <= window.closes_on:
        return VisitStatus.NOT_REQUIRED
    if today < window.opens_on:
        return VisitStatus.NOT_YET_DUE
    if today <= window.closes_on:
        return VisitStatus.DUE
    return VisitStatus.OVERDUE


@dataclass(frozen=True, slots=True)
class VisitState:
    """A scheduled visit and its status."""

    visit: ScheduledVisit
    status: VisitStatus
    done_on: date | None = None


@dataclass(frozen=True)
class ParticipantVisits:
    """What the visit rules need to know of one participant.

    ``anchors`` are the dates of the anchor events that have happened, or are planned;
    ``planned_anchors`` names those whose date is only planned (each must be in ``anchors``);
    ``done`` maps visit id to the date it was done; ``missed`` lists visits recorded as not done;
    ``follow_up_ended_on`` is the date of death or withdrawal from follow-up, if any.
    """

    study_id: str
    site: str
    anchors: Mapping[Anchor, date]
    done: Mapping[str, date] = field(default_factory=dict)
    missed: Collection[str] = frozenset()
    follow_up_ended_on: date | None = None
    planned_anchors: Collection[Anchor] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchors", MappingProxyType(dict(self.anchors)))
        object.__setattr__(self, "done", MappingProxyType(dict(self.done)))
        object.__setattr__(self, "missed", frozenset(self.missed))
        object.__setattr__(self, "planned_anchors", frozenset(self.planned_anchors))
        stray = sorted(set(self.planned_anchors) - set(self.anchors))
        if stray:
            raise InvalidInput(
                f"{self.study_id}: planned anchor {stray[0]!r} has no date",
                location="planned_anchors",
                detail={"reason": "planned_anchor_without_date", "anchors": stray},
            )


def participant_schedule(
    visits: Sequence[Visit], participant: ParticipantVisits, *, today: date
) -> tuple[VisitState, ...]:
    """Every protocol visit of ``participant`` with its status on ``today``.

    Done or missed visit ids that the protocol does not have are refused (``done`` /
    ``missed``), so a schedule from an outdated protocol version does not silently drop them.
    """
    known = {v.id for v in visits}
    for name, ids in (("done", participant.done.keys()), ("missed", participant.missed)):
        unknown = sorted(set(ids) - known)
        if unknown:
            raise InvalidInput(
                f"{participant.study_id}: no visit {unknown[0]!r} in the protocol",
                location=name,
                detail={"reason": "unknown_visit", "visits": unknown},
            )
    return tuple(
        VisitState(
            scheduled,
            visit_status(
                scheduled,
                today=today,
                done_on=participant.done.get(scheduled.visit_id),
                missed=scheduled.visit_id in participant.missed,
                follow_up_ended_on=participant.follow_up_ended_on,
            ),
            participant.done.get(scheduled.visit_id),
        )
        for scheduled in schedule_visits(visits, participant.anchors, participant.planned_anchors)
    )


@dataclass(frozen=True, slots=True)
class DueVisit:
    """A visit a site has to act on: whose, which, its window and status (and whether the
    window is from a planned anchor date, see :class:`ScheduledVisit`)."""

    study_id: str
    site: str
    visit_id: str
    label: str
    window: Window
    status: VisitStatus
    assessments: tuple[str, ...]
    samples: tuple[str, ...]
    anchor_planned: bool = False


def visits_due(
    visits: Sequence[Visit],
    participants: Iterable[ParticipantVisits],
    *,
    site: str,
    today: date,
    look_ahead_days: int = 0,
) -> tuple[DueVisit, ...]:
    """The due and overdue visits of ``site``'s participants on ``today``.

    With ``look_ahead_days`` > 0, visits whose window opens within that many days are included
    as not yet due. Sorted by window closing date (most urgent first), then study id.
    """
    if look_ahead_days < 0:
        raise InvalidInput(
            f"look_ahead_days must be ≥ 0, not {look_ahead_days}",
            location="look_ahead_days",
            detail={"reason": "negative"},
        )
    horizon = today + timedelta(days=look_ahead_days)
    out: list[DueVisit] = []
    for participant in participants:
        if participant.site != site:
            continue
        for state in participant_schedule(visits, participant, today=today):
            window = state.visit.window
            if window is None:
                continue
            wanted = state.status in {VisitStatus.DUE, VisitStatus.OVERDUE} or (
                state.status is VisitStatus.NOT_YET_DUE and window.opens_on <= horizon
            )
            if wanted:
                out.append(
                    DueVisit(
                        participant.study_id,
                        participant.site,
                        state.visit.visit_id,
                        state.visit.label,
                        window,
                        state.status,
                        state.visit.assessments,
                        state.visit.samples,
                        state.visit.anchor_planned,
                    )
                )
    return tuple(sorted(out, key=lambda d: (d.window.closes_on, d.study_id, d.visit_id)))


def visits_containing(schedule: Iterable[ScheduledVisit], day: date) -> tuple[ScheduledVisit, ...]:
    """The scheduled visits whose window contains ``day`` (to attach an assessment to a visit)."""
    return tuple(v for v in schedule if v.window is not None and v.window.contains(day))


def visit_on(
    schedule: Iterable[ScheduledVisit], day: date, *, field: str = "visit"
) -> ScheduledVisit | None:
    """The one visit of ``schedule`` whose window contains ``day`` (to attach an assessment
    entered without a visit), None when no window contains it.

    Several (windows on different anchors can overlap) are refused with an
    :class:`InvalidInput` that names them with their windows: only the user can say which visit
    the assessment belongs to.
    """
    candidates = visits_containing(schedule, day)
    if len(candidates) > 1:
        listed = "; ".join(
            f"{c.visit_id} ({c.window.opens_on.isoformat()} – {c.window.closes_on.isoformat()})"
            for c in candidates
            if c.window is not None
        )
        raise InvalidInput(
            f"{day.isoformat()} is in the window of more than one visit: {listed}; say which "
            "visit it belongs to",
            location=field,
            detail={"reason": "visit_ambiguous", "candidates": [c.visit_id for c in candidates]},
        )
    return candidates[0] if candidates else None


def overlapping_windows(visits: Sequence[Visit]) -> tuple[tuple[str, str], ...]:
    """Pairs of visits on the same anchor whose windows overlap for every anchor date.

    Visits on different anchors can overlap or not depending on the participant's dates (the
    end-of-RT visit of a second 8 Gy fraction falls in the week-4 window), so only same-anchor
    pairs are a property of the protocol.
    """
    pairs = []
    for a, b in combinations(visits, 2):
        if a.anchor != b.anchor:
            continue
        a_lo, a_hi = a.day - a.window_before_days, a.day + a.window_after_days
        b_lo, b_hi = b.day - b.window_before_days, b.day + b.window_after_days
        if a_lo <= b_hi and b_lo <= a_hi:
            pairs.append((a.id, b.id))
    return tuple(pairs)


def check_assessment_date(
    assessed_on: date, *, registered_on: date, today: date, field: str = "assessed_on"
) -> date:
    """Refuse an assessment dated before registration or in the future.

    Baseline assessments before registration belong to screening and are recorded there.
    """
    if assessed_on < registered_on:
        raise InvalidInput(
            f"the assessment date {assessed_on.isoformat()} is before registration "
            f"({registered_on.isoformat()})",
            location=field,
            detail={"reason": "before_registration"},
        )
    if assessed_on > today:
        raise InvalidInput(
            f"the assessment date {assessed_on.isoformat()} is in the future "
            f"(today is {today.isoformat()})",
            location=field,
            detail={"reason": "in_future"},
        )
    return assessed_on

"""Time-to-event data from a participant's recorded events: OS, PFS and LPFS.

Pure: the caller passes the dates (origin, events, last contact, last tumour assessment) read
from the store. Each endpoint gives one row per participant, with the time from the origin to
the first qualifying event, or to the censoring date when there is none:

* **OS** (overall survival): event = death from any cause; censored at **last contact** (the
  latest day the participant was known alive: any assessment, report or vital-status check).
* **LPFS** (local progression-free survival, PROSARC-2's primary endpoint): event = local
  progression of the irradiated tumour or death, whichever comes first.
* **PFS** (progression-free survival): event = local progression, distant progression, overall
  RECIST progression or death, whichever comes first.

Progression is only seen at a tumour assessment, so by default LPFS and PFS are censored at the
**last tumour assessment** (PROSARC-2's endpoint definition; FDA guidance "Clinical Trial
Endpoints for the Approval of Cancer Drugs and Biologics", 2018, Table A); censoring them at
last contact instead is an option. A participant with no assessment after the origin is
censored at the origin (time 0). Death is an LPFS/PFS event as the protocol file defines them;
the competing-risk view is an analysis choice, not made here.

The origin is the protocol's: randomisation in a randomised trial (PALLSOFT), registration in a
single-arm one (PROSARC-2). Times are whole days; :attr:`TimeToEvent.months` divides by
365.25/12. :func:`survival_data` returns the arrays :meth:`radtrial.stats.KaplanMeier.fit`
takes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from radtrial.errors import InvalidInput

__all__ = [
    "DAYS_PER_MONTH",
    "Censoring",
    "Endpoint",
    "FollowUpFacts",
    "TimeToEvent",
    "survival_data",
    "time_to_event",
]

#: Days in an average month (365.25 / 12).
DAYS_PER_MONTH = 365.25 / 12


class Endpoint(StrEnum):
    """A time-to-event endpoint."""

    OS = "os"
    PFS = "pfs"
    LPFS = "lpfs"


class Censoring(StrEnum):
    """Where a participant without a progression event is censored."""

    LAST_CONTACT = "last_contact"
    LAST_TUMOUR_ASSESSMENT = "last_tumour_assessment"


@dataclass(frozen=True, slots=True)
class FollowUpFacts:
    """A participant's dates: the origin, the first of each event, and the last follow-up.

    ``progression_on`` is the first overall RECIST progression (PD), which PFS counts even
    when it is neither local nor distant by the trial's definitions.
    """

    study_id: str
    origin_on: date
    last_contact_on: date | None = None
    death_on: date | None = None
    local_progression_on: date | None = None
    distant_progression_on: date | None = None
    progression_on: date | None = None
    last_tumour_assessment_on: date | None = None

    def __post_init__(self) -> None:
        for name in (
            "death_on",
            "local_progression_on",
            "distant_progression_on",
            "progression_on",
        ):
            value = getattr(self, name)
            if value is not None and value < self.origin_on:
                raise InvalidInput(
                    f"{self.study_id}: {name.removesuffix('_on').replace('_', ' ')} on "
                    f"{value.isoformat()} is before the origin ({self.origin_on.isoformat()})",
                    location=name,
                    detail={"reason": "before_origin"},
                )


@dataclass(frozen=True, slots=True)
class TimeToEvent:
    """One participant's time to event (or to censoring) for one endpoint.

    ``event_kind`` names the event that ended follow-up (None when censored); ``censored_at``
    says which date censored it (``last_contact``, ``last_tumour_assessment`` or ``origin``).
    """

    study_id: str
    endpoint: Endpoint
    origin_on: date
    end_on: date
    event: bool
    event_kind: str | None
    censored_at: str | None
    days: int

    @property
    def months(self) -> float:
        """The time in months (days / (365.25/12))."""
        return self.days / DAYS_PER_MONTH


_EVENTS: dict[Endpoint, tuple[str, ...]] = {
    Endpoint.OS: ("death",),
    Endpoint.LPFS: ("local_progression", "death"),
    Endpoint.PFS: ("local_progression", "distant_progression", "progression", "death"),
}


def time_to_event(
    facts: FollowUpFacts,
    endpoint: Endpoint | str,
    *,
    censor_progression_at: Censoring | str = Censoring.LAST_TUMOUR_ASSESSMENT,
) -> TimeToEvent:
    """The participant's row for ``endpoint`` (see the module docstring for the rules)."""
    try:
        which = Endpoint(endpoint)
        censoring = Censoring(censor_progression_at)
    except ValueError as exc:
        raise InvalidInput(str(exc), location="endpoint", detail={"reason": "unknown"}) from exc
    candidates = [
        (on, kind) for kind in _EVENTS[which] if (on := getattr(facts, f"{kind}_on")) is not None
    ]
    if candidates:
        end_on, kind = min(candidates, key=lambda pair: pair[0])
        return TimeToEvent(
            facts.study_id,
            which,
            facts.origin_on,
            end_on,
            True,
            kind,
            None,
            (end_on - facts.origin_on).days,
        )
    if which is Endpoint.OS or censoring is Censoring.LAST_CONTACT:
        last, basis = facts.last_contact_on, Censoring.LAST_CONTACT.value
    else:
        last, basis = facts.last_tumour_assessment_on, Censoring.LAST_TUMOUR_ASSESSMENT.value
    if last is None or last <= facts.origin_on:
        last, basis = facts.origin_on, "origin"
    return TimeToEvent(
        facts.study_id,
        which,
        facts.origin_on,
        last,
        False,
        None,
        basis,
        (last - facts.origin_on).days,
    )


def survival_data(
    rows: Iterable[TimeToEvent], *, unit: str = "days"
) -> tuple[NDArray[np.float64], NDArray[np.int_]]:
    """``(durations, events)`` of rows of one endpoint, for ``KaplanMeier().fit``.

    ``unit`` is ``days`` or ``months``; events are coded 1 (event) and 0 (censored). Rows of
    several endpoints together are refused.
    """
    listed = list(rows)
    endpoints = {row.endpoint for row in listed}
    if len(endpoints) > 1:
        raise InvalidInput(
            f"rows of one endpoint only, not {sorted(e.value for e in endpoints)}",
            location="endpoint",
            detail={"reason": "mixed_endpoints"},
        )
    if unit not in {"days", "months"}:
        raise InvalidInput(
            f"unit must be days or months, not {unit!r}",
            location="unit",
            detail={"reason": "unknown"},
        )
    scale = 1.0 if unit == "days" else 1 / DAYS_PER_MONTH
    durations = np.array([row.days * scale for row in listed], dtype=np.float64)
    events = np.array([1 if row.event else 0 for row in listed], dtype=np.int_)
    return durations, events

"""The screening log's outcomes and the CONSORT counts drawn from it.

Every screened person stays in the log. Their outcome is derived from what is recorded, never
typed in: a registration makes them *registered*; a closing record makes them *declined* or
*not included for another reason*; otherwise the latest eligibility evaluation decides
(*eligible* but not yet registered, *ineligible*, *incomplete*, *awaiting confirmation*).
Deriving it keeps the log consistent with the records it summarises and needs no updates.

The CONSORT 2010 flow diagram (Schulz et al., BMJ 2010;340:c332, doi:10.1136/bmj.c332) starts
from "assessed for eligibility" and splits the excluded into "not meeting inclusion criteria",
"declined to participate" and "other reasons"; :func:`consort_counts` gives those numbers, the
number still pending, how many were registered, and for a randomised trial how many were
allocated to each arm. A person failing several criteria counts once in the total and once
under each criterion they failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from radtrial.trial.eligibility import ScreeningStatus

__all__ = [
    "ClosureReason",
    "ConsortCounts",
    "ScreeningEntry",
    "ScreeningOutcome",
    "consort_counts",
    "screening_outcome",
]


class ClosureReason(StrEnum):
    """Why a screened person was not included although not (or not only) for eligibility."""

    DECLINED = "declined"
    OTHER = "other"


class ScreeningOutcome(StrEnum):
    """Where a screened person stands."""

    REGISTERED = "registered"
    DECLINED = "declined"
    NOT_INCLUDED_OTHER = "not_included_other"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    INCOMPLETE = "incomplete"
    AWAITING_CONFIRMATION = "awaiting_confirmation"


#: Outcomes that end screening without inclusion.
EXCLUDED = frozenset(
    {ScreeningOutcome.INELIGIBLE, ScreeningOutcome.DECLINED, ScreeningOutcome.NOT_INCLUDED_OTHER}
)
#: Outcomes still open: the person may yet be registered or excluded.
PENDING = frozenset(
    {
        ScreeningOutcome.ELIGIBLE,
        ScreeningOutcome.INCOMPLETE,
        ScreeningOutcome.AWAITING_CONFIRMATION,
    }
)


def screening_outcome(
    status: ScreeningStatus, closure: ClosureReason | None, registered: bool
) -> ScreeningOutcome:
    """The outcome of one screening: registration first, then closure, then eligibility."""
    if registered:
        return ScreeningOutcome.REGISTERED
    if closure is ClosureReason.DECLINED:
        return ScreeningOutcome.DECLINED
    if closure is ClosureReason.OTHER:
        return ScreeningOutcome.NOT_INCLUDED_OTHER
    return ScreeningOutcome(status.value)


@dataclass(frozen=True, slots=True)
class ScreeningEntry:
    """What the counts need of one screened person: the outcome, the criteria not met (when
    ineligible) and the allocated arm (when randomised)."""

    site_code: str
    outcome: ScreeningOutcome
    criteria_not_met: tuple[str, ...] = ()
    arm_code: str | None = None


@dataclass(frozen=True, slots=True)
class ConsortCounts:
    """The enrolment part of a CONSORT flow diagram."""

    assessed: int
    excluded: int
    not_meeting_criteria: int
    declined: int
    other_reasons: int
    pending: int
    registered: int
    by_criterion: Mapping[str, int] = field(default_factory=dict)
    allocated: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "assessed_for_eligibility": self.assessed,
            "excluded": {
                "total": self.excluded,
                "not_meeting_inclusion_criteria": self.not_meeting_criteria,
                "declined_to_participate": self.declined,
                "other_reasons": self.other_reasons,
                "by_criterion": dict(self.by_criterion),
            },
            "pending": self.pending,
            "registered": self.registered,
            "allocated": dict(self.allocated),
        }


def _criterion_order(criterion_id: str) -> tuple[int, int, str]:
    """Inclusion before exclusion, then by number: I2 before I10."""
    digits = "".join(ch for ch in criterion_id[1:] if ch.isdigit())
    return (0 if criterion_id.startswith("I") else 1), int(digits or 0), criterion_id


def consort_counts(entries: Iterable[ScreeningEntry]) -> ConsortCounts:
    """The CONSORT enrolment counts of ``entries``."""
    outcomes: Counter[ScreeningOutcome] = Counter()
    criteria: Counter[str] = Counter()
    arms: Counter[str] = Counter()
    for entry in entries:
        outcomes[entry.outcome] += 1
        if entry.outcome is ScreeningOutcome.INELIGIBLE:
            criteria.update(set(entry.criteria_not_met))
        if entry.outcome is ScreeningOutcome.REGISTERED and entry.arm_code is not None:
            arms[entry.arm_code] += 1
    return ConsortCounts(
        assessed=sum(outcomes.values()),
        excluded=sum(outcomes[o] for o in EXCLUDED),
        not_meeting_criteria=outcomes[ScreeningOutcome.INELIGIBLE],
        declined=outcomes[ScreeningOutcome.DECLINED],
        other_reasons=outcomes[ScreeningOutcome.NOT_INCLUDED_OTHER],
        pending=sum(outcomes[o] for o in PENDING),
        registered=outcomes[ScreeningOutcome.REGISTERED],
        by_criterion={c: criteria[c] for c in sorted(criteria, key=_criterion_order)},
        allocated=dict(sorted(arms.items())),
    )

"""ECOG performance status, 0–5 (Oken et al., Am J Clin Oncol 1982;5:649–655).

The grades and their descriptions are those of the Eastern Cooperative Oncology Group as
published by Oken et al. (summarised in DOMAIN.md §4). A participant's status is recorded per
assessment date; :func:`ecog_course` orders a participant's assessments and refuses two on one
day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from itertools import pairwise
from types import MappingProxyType

from radtrial.clinical._values import invalid, whole_number

__all__ = [
    "ECOG_DESCRIPTIONS",
    "Ecog",
    "EcogAssessment",
    "ecog_course",
    "parse_ecog",
]


class Ecog(IntEnum):
    """An ECOG performance status grade."""

    FULLY_ACTIVE = 0
    RESTRICTED = 1
    AMBULATORY = 2
    LIMITED_SELF_CARE = 3
    DISABLED = 4
    DEAD = 5

    @property
    def description(self) -> str:
        """The grade's definition (Oken 1982)."""
        return ECOG_DESCRIPTIONS[self]


#: The definition of each grade (Oken et al. 1982).
ECOG_DESCRIPTIONS: Mapping[Ecog, str] = MappingProxyType(
    {
        Ecog.FULLY_ACTIVE: (
            "Fully active, able to carry on all pre-disease performance without restriction"
        ),
        Ecog.RESTRICTED: (
            "Restricted in physically strenuous activity but ambulatory and able to carry out "
            "work of a light or sedentary nature, e.g. light house work, office work"
        ),
        Ecog.AMBULATORY: (
            "Ambulatory and capable of all self-care but unable to carry out any work "
            "activities; up and about more than 50 % of waking hours"
        ),
        Ecog.LIMITED_SELF_CARE: (
            "Capable of only limited self-care; confined to bed or chair more than 50 % of "
            "waking hours"
        ),
        Ecog.DISABLED: (
            "Completely disabled; cannot carry on any self-care; totally confined to bed or chair"
        ),
        Ecog.DEAD: "Dead",
    }
)


def parse_ecog(value: object, *, field: str = "ecog") -> Ecog:
    """An ECOG grade from a number 0–5; anything else is :class:`InvalidInput` at ``field``."""
    return Ecog(whole_number(value, field, 0, 5, "ECOG performance status"))


@dataclass(frozen=True, slots=True)
class EcogAssessment:
    """The performance status a clinician recorded on a date."""

    assessed_on: date
    status: Ecog

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", parse_ecog(self.status, field="status"))


def ecog_course(assessments: Iterable[EcogAssessment]) -> tuple[EcogAssessment, ...]:
    """A participant's assessments in date order; two on the same day are refused.

    A grade of 5 (dead) ends the course: a later assessment is refused as well.
    """
    ordered = sorted(assessments, key=lambda a: a.assessed_on)
    for earlier, later in pairwise(ordered):
        if earlier.assessed_on == later.assessed_on:
            raise invalid(
                f"two performance statuses on {later.assessed_on.isoformat()}",
                "assessed_on",
                "duplicate_date",
            )
        if earlier.status is Ecog.DEAD:
            raise invalid(
                f"an assessment on {later.assessed_on.isoformat()} follows ECOG 5 (dead) "
                f"on {earlier.assessed_on.isoformat()}",
                "assessed_on",
                "after_death",
            )
    return tuple(ordered)

"""Seriousness of an adverse event: the criteria that make it a serious adverse event (SAE).

The criteria are those of Regulation (EU) No 536/2014 (the Clinical Trials Regulation, CTR),
art. 2(2)(33): an event that results in death, is life-threatening, requires inpatient
hospitalisation or prolongs an existing one, results in persistent or significant disability or
incapacity, or is a congenital anomaly or birth defect. ICH E2A (1994, §II.B) adds the
"important medical event" judged serious by the investigator; it is kept as a sixth criterion.

"Life-threatening" here is the regulatory sense (at risk of death at the time of the event),
not CTCAE grade 4 ("life-threatening consequences"): the two are recorded separately.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from radtrial.clinical._values import member

__all__ = ["Seriousness", "SeriousnessCriterion"]


class SeriousnessCriterion(StrEnum):
    """One reason an adverse event is serious (CTR art. 2(2)(33); ICH E2A §II.B)."""

    DEATH = "death"
    LIFE_THREATENING = "life_threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital_anomaly"
    IMPORTANT_MEDICAL_EVENT = "important_medical_event"


@dataclass(frozen=True, slots=True)
class Seriousness:
    """The seriousness criteria an event meets; none means the event is not serious."""

    criteria: frozenset[SeriousnessCriterion] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", _criteria(self.criteria))

    @classmethod
    def of(cls, *criteria: str) -> Seriousness:
        """Seriousness from criterion names, e.g. ``Seriousness.of("hospitalisation")``."""
        return cls(_criteria(criteria))

    @property
    def serious(self) -> bool:
        """Whether the event is an SAE."""
        return bool(self.criteria)

    @property
    def death(self) -> bool:
        """Whether the event resulted in death."""
        return SeriousnessCriterion.DEATH in self.criteria

    @property
    def fatal_or_life_threatening(self) -> bool:
        """Whether the shorter SUSAR deadline applies (CTR art. 42(2)(a))."""
        return bool(
            self.criteria & {SeriousnessCriterion.DEATH, SeriousnessCriterion.LIFE_THREATENING}
        )


def _criteria(values: Iterable[object]) -> frozenset[SeriousnessCriterion]:
    return frozenset(
        member(SeriousnessCriterion, value, "seriousness", "A seriousness criterion")
        for value in values
    )

"""The target-symptom module: a 0–10 numeric rating scale and the patient's global impression.

At baseline the patient picks one target symptom from the protocol's categories (PALLSOFT:
pain, bleeding, bowel, lower urinary tract or vaginal dysfunction) and rates its intensity on an
11-point NRS, 0 = none, 10 = worst imaginable, at every timepoint. From the first follow-up the
patient also gives a global impression of the symptom: complete resolution, improved, unchanged
or worse, the categories of the Norwegian predecessor study (Cameron et al., Radiother Oncol
2015;115:314–320; DOMAIN.md §1.6).
"""

from __future__ import annotations

from enum import StrEnum

from radtrial.clinical._values import invalid, member, whole_number
from radtrial.protocol.schedule import Assessment

__all__ = [
    "NRS_MAX",
    "NRS_MIN",
    "GlobalImpression",
    "nrs_bounds",
    "parse_global_impression",
    "parse_nrs",
]

NRS_MIN = 0
NRS_MAX = 10


def parse_nrs(value: object, *, field: str = "nrs", low: int = NRS_MIN, high: int = NRS_MAX) -> int:
    """An NRS rating: a whole number from ``low`` to ``high`` (0–10 unless the protocol says).

    "An NRS of 11" is :class:`InvalidInput` located at ``nrs`` saying the range allowed.
    """
    return whole_number(value, field, low, high, "An NRS rating")


def nrs_bounds(assessment: Assessment) -> tuple[int, int]:
    """The protocol's range of an ``nrs`` assessment (``scale_min``/``scale_max``, else 0–10)."""
    if assessment.kind != "nrs":
        raise invalid(
            f"assessment {assessment.id!r} is a {assessment.kind}, not an NRS",
            "assessment",
            "not_an_nrs",
        )
    low = NRS_MIN if assessment.scale_min is None else assessment.scale_min
    high = NRS_MAX if assessment.scale_max is None else assessment.scale_max
    return low, high


class GlobalImpression(StrEnum):
    """The patient's impression of the target symptom since baseline."""

    COMPLETE_RESOLUTION = "complete_resolution"
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"

    @property
    def improvement(self) -> bool:
        """Complete resolution or improvement: the predecessor study's response (Cameron 2015)."""
        return self in {GlobalImpression.COMPLETE_RESOLUTION, GlobalImpression.IMPROVED}


def parse_global_impression(value: object, *, field: str = "global_impression") -> GlobalImpression:
    """One of ``complete_resolution``, ``improved``, ``unchanged`` or ``worse``."""
    return member(GlobalImpression, value, field, "The global impression")

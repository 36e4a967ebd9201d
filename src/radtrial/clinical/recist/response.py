"""RECIST 1.1 response categories, the follow-up assessment, and the overall-response tables
(Eisenhauer et al. 2009, doi:10.1016/j.ejca.2008.10.026, §4.3–4.4, Tables 1 and 2).

Overall response at a time point, for patients with target disease (Table 1):

======================  ===========================  ===========  =======
Target lesions          Non-target lesions           New lesions  Overall
======================  ===========================  ===========  =======
CR                      CR (or none at baseline)     No           CR
CR                      Non-CR/non-PD                No           PR
CR                      Not evaluated                No           PR
PR                      Non-PD or not all evaluated  No           PR
SD                      Non-PD or not all evaluated  No           SD
Not all evaluated       Non-PD                       No           NE
PD                      Any                          Any          PD
Any                     PD                           Any          PD
Any                     Any                          Yes          PD
======================  ===========================  ===========  =======

and for patients with non-target disease only (Table 2): CR → CR, non-CR/non-PD →
non-CR/non-PD, not evaluated → NE, unequivocal PD or new lesions → PD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from radtrial.clinical._values import length_mm, member

__all__ = [
    "TOO_SMALL_TO_MEASURE_MM",
    "FollowUp",
    "NonTargetStatus",
    "Response",
    "overall_response",
]

#: The size recorded for a target that is present but too small to measure (§4.3.2 note).
TOO_SMALL_TO_MEASURE_MM = 5.0


class Response(StrEnum):
    """A RECIST response category, of target lesions or overall."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "non-CR/non-PD"
    PD = "PD"
    NE = "NE"


class NonTargetStatus(StrEnum):
    """The qualitative assessment of all non-target lesions together (§4.3.3)."""

    CR = "cr"
    NON_CR_NON_PD = "non_cr_non_pd"
    PD = "pd"
    NOT_EVALUATED = "not_evaluated"


@dataclass(frozen=True)
class FollowUp:
    """One follow-up tumour assessment.

    ``diameters_mm`` gives every baseline target's size on ``assessed_on`` by lesion id (the
    longest diameter, or the short axis of a node): 0 for a lesion that has disappeared,
    :data:`TOO_SMALL_TO_MEASURE_MM` for one too small to measure, None for one not evaluated.
    ``non_target`` is required when the baseline had non-target lesions and must be None
    otherwise; ``new_lesions`` is True when an unequivocal new lesion was found.
    """

    assessed_on: date
    diameters_mm: Mapping[str, float | None]
    non_target: NonTargetStatus | None = None
    new_lesions: bool = False

    def __post_init__(self) -> None:
        sizes = {
            lesion_id: None if size is None else length_mm(size, f"diameters_mm[{lesion_id}]")
            for lesion_id, size in self.diameters_mm.items()
        }
        object.__setattr__(self, "diameters_mm", MappingProxyType(sizes))
        if self.non_target is not None:
            object.__setattr__(
                self,
                "non_target",
                member(NonTargetStatus, self.non_target, "non_target", "The non-target status"),
            )


def overall_response(
    target: Response | None, non_target: NonTargetStatus | None, new_lesions: bool
) -> Response:
    """The overall response at a time point from Tables 1 and 2.

    ``target`` is None when the baseline had no target lesions (Table 2); ``non_target`` is
    None when it had no non-target lesions, which counts as non-target CR.
    """
    if new_lesions or target is Response.PD or non_target is NonTargetStatus.PD:
        return Response.PD
    if target is None:
        return {
            NonTargetStatus.CR: Response.CR,
            NonTargetStatus.NON_CR_NON_PD: Response.NON_CR_NON_PD,
            NonTargetStatus.NOT_EVALUATED: Response.NE,
            None: Response.NE,
        }[non_target]
    if target is Response.NE:
        return Response.NE
    if target is Response.CR:
        return Response.CR if non_target in {None, NonTargetStatus.CR} else Response.PR
    return target

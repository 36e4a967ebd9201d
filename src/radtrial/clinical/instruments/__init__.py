"""Patient-reported instruments: the target-symptom NRS and global impression, responder status,
and EORTC QLQ-C30 and QLQ-C15-PAL scoring. Items are referenced by number only: EORTC item
texts are copyrighted and never shipped.
"""

from radtrial.clinical.instruments.eortc import Scale, ScaleKind, ScaleScore
from radtrial.clinical.instruments.nrs import (
    NRS_MAX,
    NRS_MIN,
    GlobalImpression,
    nrs_bounds,
    parse_global_impression,
    parse_nrs,
)
from radtrial.clinical.instruments.qlq_c15_pal import QLQ_C15_PAL_SCALES, score_qlq_c15_pal
from radtrial.clinical.instruments.qlq_c30 import QLQ_C30_SCALES, score_qlq_c30
from radtrial.clinical.instruments.responder import (
    ResponderReason,
    ResponderResult,
    ResponderStatus,
    classify_responder,
)

__all__ = [
    "NRS_MAX",
    "NRS_MIN",
    "QLQ_C15_PAL_SCALES",
    "QLQ_C30_SCALES",
    "GlobalImpression",
    "ResponderReason",
    "ResponderResult",
    "ResponderStatus",
    "Scale",
    "ScaleKind",
    "ScaleScore",
    "classify_responder",
    "nrs_bounds",
    "parse_global_impression",
    "parse_nrs",
    "score_qlq_c15_pal",
    "score_qlq_c30",
]

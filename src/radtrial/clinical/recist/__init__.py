"""RECIST 1.1 tumour response (Eisenhauer et al., Eur J Cancer 2009;45:228–247,
doi:10.1016/j.ejca.2008.10.026), with the protocol's rules as data.

* :mod:`.lesions`: measurability, target and non-target lesions, the validated baseline;
* :mod:`.response`: response categories, the follow-up assessment, the overall-response tables;
* :mod:`.series`: sum of diameters, nadir, time-point responses, local and distant progression;
* :mod:`.best`: best overall response with optional confirmation and minimum SD duration.
"""

from radtrial.clinical.recist.best import BestResponse, best_overall_response
from radtrial.clinical.recist.lesions import (
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    NODE_PATHOLOGICAL_MM,
    NODE_TARGET_MM,
    Baseline,
    Modality,
    NonTargetLesion,
    TargetLesion,
    minimum_measurable_mm,
)
from radtrial.clinical.recist.response import (
    TOO_SMALL_TO_MEASURE_MM,
    FollowUp,
    NonTargetStatus,
    Response,
    overall_response,
)
from radtrial.clinical.recist.series import RecistSeries, TimePoint, evaluate_series

__all__ = [
    "MAX_TARGETS",
    "MAX_TARGETS_PER_ORGAN",
    "NODE_PATHOLOGICAL_MM",
    "NODE_TARGET_MM",
    "TOO_SMALL_TO_MEASURE_MM",
    "Baseline",
    "BestResponse",
    "FollowUp",
    "Modality",
    "NonTargetLesion",
    "NonTargetStatus",
    "RecistSeries",
    "Response",
    "TargetLesion",
    "TimePoint",
    "best_overall_response",
    "evaluate_series",
    "minimum_measurable_mm",
    "overall_response",
]

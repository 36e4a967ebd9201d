"""Trial designs: sample size and exact operating characteristics.

- :mod:`~radtrial.stats.designs.two_proportions`: the FM non-inferiority sample size (= gsDesign
  ``nBinomial``, rpact ``getSampleSizeRates``) and exact power / type I error by enumeration;
- :mod:`~radtrial.stats.designs.single_arm`: exact single-stage and Simon two-stage designs;
- :mod:`~radtrial.stats.designs.landmark`: a landmark survival rate against a historical rate.

Every design object carries the assumptions it was computed from, so an output can show them.
"""

from __future__ import annotations

from radtrial.stats.designs.landmark import (
    TRANSFORMS,
    LandmarkDesign,
    Transform,
    landmark_survival_design,
)
from radtrial.stats.designs.single_arm import (
    SimonDesign,
    SimonDesigns,
    SingleStageDesign,
    simon_two_stage,
    single_stage_binomial,
)
from radtrial.stats.designs.two_proportions import (
    NonInferiorityDesign,
    exact_rejection_probability,
    exact_sample_size,
    exact_type_one_error,
    nbinomial_total,
    noninferiority_sample_size,
)

__all__ = [
    "TRANSFORMS",
    "LandmarkDesign",
    "NonInferiorityDesign",
    "SimonDesign",
    "SimonDesigns",
    "SingleStageDesign",
    "Transform",
    "exact_rejection_probability",
    "exact_sample_size",
    "exact_type_one_error",
    "landmark_survival_design",
    "nbinomial_total",
    "noninferiority_sample_size",
    "simon_two_stage",
    "single_stage_binomial",
]

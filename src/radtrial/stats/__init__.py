"""Pure analysis: survival, competing risks, proportions, non-inferiority, designs and simulation.

The core imports only the standard library, numpy and scipy. Every risk difference is
p_exp − p_ctl (experimental minus control).
"""

from __future__ import annotations

from radtrial.stats.competing_risks import (
    CumulativeIncidence,
    GrayTest,
    LandmarkIncidence,
    landmark_cumulative_incidence,
)
from radtrial.stats.cox import (
    CoxPH,
)
from radtrial.stats.designs import (
    LandmarkDesign,
    NonInferiorityDesign,
    SimonDesign,
    SimonDesigns,
    SingleStageDesign,
    exact_rejection_probability,
    exact_sample_size,
    exact_type_one_error,
    landmark_survival_design,
    nbinomial_total,
    noninferiority_sample_size,
    simon_two_stage,
    single_stage_binomial,
)
from radtrial.stats.kaplan_meier import (
    KaplanMeier,
    LandmarkEstimate,
    SurvivalQuantile,
    landmark_survival,
    median_follow_up,
)
from radtrial.stats.landmark import (
    LandmarkTest,
    OneSampleLogRank,
    exponential_cumulative_hazard,
    landmark_z,
    normal_p_value,
)
from radtrial.stats.logrank import (
    LogRankTest,
)
from radtrial.stats.noninferiority import (
    FarringtonManningTest,
    NonInferiorityResult,
    farrington_manning,
    farrington_manning_z,
)
from radtrial.stats.proportions import (
    DIRECTION,
    ProportionEstimate,
    RiskDifference,
    clopper_pearson_interval,
    proportion,
    restricted_mle,
    risk_difference,
    risk_difference_interval,
    wilson_interval,
)
from radtrial.stats.simulate import PallsoftSimulation, simulate_pallsoft
from radtrial.stats.simulate_survival import (
    PiecewiseHazard,
    Prosarc2Simulation,
    simulate_prosarc2,
)

__all__ = [
    "DIRECTION",
    "CoxPH",
    "CumulativeIncidence",
    "FarringtonManningTest",
    "GrayTest",
    "KaplanMeier",
    "LandmarkDesign",
    "LandmarkEstimate",
    "LandmarkIncidence",
    "LandmarkTest",
    "LogRankTest",
    "NonInferiorityDesign",
    "NonInferiorityResult",
    "OneSampleLogRank",
    "PallsoftSimulation",
    "PiecewiseHazard",
    "ProportionEstimate",
    "Prosarc2Simulation",
    "RiskDifference",
    "SimonDesign",
    "SimonDesigns",
    "SingleStageDesign",
    "SurvivalQuantile",
    "clopper_pearson_interval",
    "exact_rejection_probability",
    "exact_sample_size",
    "exact_type_one_error",
    "exponential_cumulative_hazard",
    "farrington_manning",
    "farrington_manning_z",
    "landmark_cumulative_incidence",
    "landmark_survival",
    "landmark_survival_design",
    "landmark_z",
    "median_follow_up",
    "nbinomial_total",
    "noninferiority_sample_size",
    "normal_p_value",
    "proportion",
    "restricted_mle",
    "risk_difference",
    "risk_difference_interval",
    "simon_two_stage",
    "simulate_pallsoft",
    "simulate_prosarc2",
    "single_stage_binomial",
    "wilson_interval",
]

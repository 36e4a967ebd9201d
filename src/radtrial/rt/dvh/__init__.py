"""Dose-volume histograms: DICOM RT geometry as values, two rasterisation modes, TG-263 metrics.

* :mod:`~radtrial.rt.dvh.model`: structures, planes, the dose grid (value objects);
* :mod:`~radtrial.rt.dvh.plan`: an RT plan's prescription, fraction groups and beams;
* :mod:`~radtrial.rt.dvh.raster`: even-odd scan-line rasterisation (matplotlib's tie rule);
* :mod:`~radtrial.rt.dvh.tps`: ``tps`` mode, the right prism of dicompyler-core and TPSs;
* :mod:`~radtrial.rt.dvh.accurate`: ``accurate`` mode, sub-voxel sampling with shape-based
  interpolation and converging end caps;
* :mod:`~radtrial.rt.dvh.histogram`: the DVH as an exact weighted-sample distribution;
* :mod:`~radtrial.rt.dvh.metrics`: TG-263 metrics, ICRU 83 HI, Paddick CI;
* :mod:`~radtrial.rt.dvh.engine`: checks and the one entry point;
* :mod:`~radtrial.rt.dvh.summation`: the whole-course dose from PLAN, FRACTION, BEAM and
  per-session RT Doses;
* :mod:`~radtrial.rt.dvh.report`: the QA report page (HTML with an SVG DVH plot).

Conventions and the numba decision: docs/decisions/0030-dvh-engine.md.
"""

from radtrial.rt.dvh.accurate import AccurateOptions, Sampling
from radtrial.rt.dvh.engine import (
    MODES,
    Mode,
    SkippedStructure,
    StructureDvh,
    compute_available_dvhs,
    compute_dvh,
    compute_dvhs,
    prescription_isodose_volume_cc,
)
from radtrial.rt.dvh.histogram import Dvh
from radtrial.rt.dvh.metrics import STANDARD_METRICS, MetricContext, evaluate, metric_unit
from radtrial.rt.dvh.model import DoseGrid, Plane, Structure, StructureSet, TpsDvh
from radtrial.rt.dvh.plan import Beam, DoseReference, FractionGroup, Plan
from radtrial.rt.dvh.summation import CourseDose, course_dose

__all__ = [
    "MODES",
    "STANDARD_METRICS",
    "AccurateOptions",
    "Beam",
    "CourseDose",
    "DoseGrid",
    "DoseReference",
    "Dvh",
    "FractionGroup",
    "MetricContext",
    "Mode",
    "Plan",
    "Plane",
    "Sampling",
    "SkippedStructure",
    "Structure",
    "StructureDvh",
    "StructureSet",
    "TpsDvh",
    "compute_available_dvhs",
    "compute_dvh",
    "compute_dvhs",
    "course_dose",
    "evaluate",
    "metric_unit",
    "prescription_isodose_volume_cc",
]

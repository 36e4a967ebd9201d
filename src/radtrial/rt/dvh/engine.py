"""One entry point for DVHs: check the inputs belong together, then compute per mode."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from radtrial.errors import DicomError
from radtrial.rt.dvh.accurate import AccurateOptions, Sampling, accurate_dvh
from radtrial.rt.dvh.coverage import check_covers, check_frame_of_reference
from radtrial.rt.dvh.histogram import Dvh
from radtrial.rt.dvh.model import DoseGrid, Structure, StructureSet
from radtrial.rt.dvh.tps import tps_dvh

Mode = Literal["tps", "accurate"]
MODES: tuple[Mode, ...] = ("tps", "accurate")


@dataclass(frozen=True)
class StructureDvh:
    """A structure's DVH with the mode (and, for ``accurate``, the sampling) that made it."""

    structure: Structure
    dvh: Dvh
    mode: Mode
    sampling: Sampling | None = None


def compute_dvh(
    structure: Structure,
    dose: DoseGrid,
    mode: Mode = "tps",
    options: AccurateOptions | None = None,
) -> StructureDvh:
    """The DVH of one structure; the dose grid must cover it."""
    check_covers(structure, dose)
    if mode == "tps":
        return StructureDvh(structure, tps_dvh(structure, dose), mode)
    dvh, sampling = accurate_dvh(structure, dose, options)
    return StructureDvh(structure, dvh, mode, sampling)


def compute_dvhs(
    structure_set: StructureSet,
    dose: DoseGrid,
    mode: Mode = "tps",
    roi_numbers: Iterable[int] | None = None,
    options: AccurateOptions | None = None,
) -> list[StructureDvh]:
    """DVHs of every non-empty ROI (or of the ROIs named by number), in ROI order."""
    check_frame_of_reference(structure_set.frame_of_reference_uid, dose, structure_set.source)
    wanted = None if roi_numbers is None else set(roi_numbers)
    chosen = (
        [structure_set.structure(n) for n in sorted(wanted)]
        if wanted is not None
        else list(structure_set.structures)
    )
    return [compute_dvh(s, dose, mode, options) for s in chosen if not s.is_empty]


@dataclass(frozen=True)
class SkippedStructure:
    """A structure whose DVH was not computed, and why (e.g. outside the dose grid)."""

    roi_number: int
    name: str
    reason: str
    detail: Mapping[str, object]


def compute_available_dvhs(
    structure_set: StructureSet,
    dose: DoseGrid,
    mode: Mode = "tps",
    roi_numbers: Iterable[int] | None = None,
    options: AccurateOptions | None = None,
) -> tuple[list[StructureDvh], list[SkippedStructure]]:
    """Like :func:`compute_dvhs`, but a structure the dose grid does not cover is listed as
    skipped (with the coverage error's message) instead of stopping the whole computation.

    For reporting DVHs only: grading a constrained structure still needs :func:`compute_dvh`,
    for which an uncovered structure is an error.
    """
    check_frame_of_reference(structure_set.frame_of_reference_uid, dose, structure_set.source)
    wanted = None if roi_numbers is None else set(roi_numbers)
    chosen = (
        [structure_set.structure(n) for n in sorted(wanted)]
        if wanted is not None
        else list(structure_set.structures)
    )
    results: list[StructureDvh] = []
    skipped: list[SkippedStructure] = []
    for structure in chosen:
        if structure.is_empty:
            continue
        try:
            check_covers(structure, dose)
        except DicomError as exc:
            skipped.append(
                SkippedStructure(
                    structure.roi_number,
                    structure.name,
                    f"not covered by the dose grid: {exc.message}",
                    dict(exc.detail),
                )
            )
            continue
        results.append(compute_dvh(structure, dose, mode, options))
    return results, skipped


def prescription_isodose_volume_cc(
    dose: DoseGrid, prescription_gy: float, body: Dvh | None = None
) -> float:
    """Volume (cc) receiving at least the prescription: in the body if given, else the grid."""
    if body is not None:
        return float(body.volume_at_dose(prescription_gy)[0])
    dx, dy, dz = dose.spacing_mm
    voxel_cc = dx * dy * (dz or 1.0) / 1000.0
    return float(np.count_nonzero(dose.dose_gy >= prescription_gy) * voxel_cc)

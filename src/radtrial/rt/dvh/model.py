"""Value objects of DICOM RT geometry and dose, free of any DICOM library.

The adapter :mod:`radtrial.dicom` maps RT Structure Set and RT Dose files onto these; tests build
them directly. Coordinates are patient coordinates in mm (DICOM PS3.3 C.7.6.2.1.1). The dose
grid is normalised to axes that increase with the array index: ``dose_gy[frame, row, column]``
at ``(x[column], y[row], z[frame])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from radtrial.errors import DicomError

FloatArray = NDArray[np.float64]

SummationType = Literal[
    "PLAN", "MULTI_PLAN", "FRACTION", "BEAM", "BRACHY", "FRACTION_SESSION", "BEAM_SESSION",
    "BRACHY_SESSION", "CONTROL_POINT", "RECORD", "OTHER",
]  # fmt: skip


@dataclass(frozen=True, eq=False)
class Plane:
    """The closed planar contours of one structure on one axial plane.

    ``contours`` are (n, 2) arrays of (x, y) vertices; the polygon closes implicitly. Several
    contours on a plane combine by the even-odd rule (XOR): a contour inside another is a hole.
    """

    z_mm: float
    contours: tuple[FloatArray, ...]

    def area_mm2(self) -> float:
        """Area by the even-odd rule: each contour's shoelace area, holes subtracted.

        A contour's sign is the parity of the number of other contours containing its first
        vertex (nesting depth), which is the even-odd rule for non-crossing contours.
        """
        total = 0.0
        for index, contour in enumerate(self.contours):
            area = abs(_shoelace(contour))
            depth = sum(
                1
                for other_index, other in enumerate(self.contours)
                if other_index != index and _point_in_polygon(contour[0], other)
            )
            total += -area if depth % 2 else area
        return total


@dataclass(frozen=True, eq=False)
class Structure:
    """One ROI of an RT Structure Set: its number, name and planes sorted by z."""

    roi_number: int
    name: str
    planes: tuple[Plane, ...]
    source: str | None = None
    kind: str = ""  # RTROIInterpretedType: EXTERNAL, PTV, CTV, GTV, ORGAN, ... ("" if unknown)

    @property
    def is_empty(self) -> bool:
        """True when the ROI has no closed planar contour (such as an unused ROI)."""
        return not self.planes

    def bounds_mm(self) -> tuple[float, float, float, float, float, float]:
        """(x_min, x_max, y_min, y_max, z_min, z_max) of all contour vertices."""
        if self.is_empty:
            raise DicomError(f"structure {self.name!r} has no contours", location=self.source)
        points = np.vstack([c for p in self.planes for c in p.contours])
        return (
            float(points[:, 0].min()),
            float(points[:, 0].max()),
            float(points[:, 1].min()),
            float(points[:, 1].max()),
            self.planes[0].z_mm,
            self.planes[-1].z_mm,
        )


@dataclass(frozen=True, eq=False)
class StructureSet:
    """An RT Structure Set: its frame of reference and ROIs by number."""

    frame_of_reference_uid: str
    structures: tuple[Structure, ...]
    source: str | None = None

    def structure(self, roi_number: int) -> Structure:
        """The ROI with this number; :class:`DicomError` names the numbers that exist."""
        for structure in self.structures:
            if structure.roi_number == roi_number:
                return structure
        known = sorted(s.roi_number for s in self.structures)
        raise DicomError(
            f"no ROI number {roi_number} in the structure set (ROIs: {known})",
            location=self.source,
            detail={"attribute": "StructureSetROISequence", "roi_number": roi_number},
        )

    def by_name(self, name: str) -> Structure:
        """The ROI with this exact name."""
        for structure in self.structures:
            if structure.name == name:
                return structure
        known = [s.name for s in self.structures]
        raise DicomError(
            f"no ROI named {name!r} in the structure set (ROIs: {known})",
            location=self.source,
            detail={"attribute": "ROIName", "name": name},
        )


@dataclass(frozen=True, eq=False)
class TpsDvh:
    """A DVH the planning system stored in the RT Dose (DVH Sequence), as a cumulative curve.

    ``volume_cc[i]`` is the volume receiving at least ``dose_gy[i]``; the first point is at the
    first bin's lower edge (0 Gy).
    """

    roi_number: int
    dose_gy: FloatArray
    volume_cc: FloatArray
    dose_type: str

    @property
    def volume(self) -> float:
        """The structure volume the planning system reports (cc)."""
        return float(self.volume_cc[0])


@dataclass(frozen=True, eq=False)
class DoseGrid:
    """A 3-D dose grid in Gy on increasing axes: ``dose_gy[frame, row, column]``.

    ``x_mm``, ``y_mm`` and ``z_mm`` are the voxel-centre coordinates of columns, rows and frames.
    Each voxel is the cell of half a spacing around its centre, so the grid covers
    ``[x[0] - dx/2, x[-1] + dx/2]`` and likewise in y and z.
    """

    x_mm: FloatArray
    y_mm: FloatArray
    z_mm: FloatArray
    dose_gy: FloatArray
    frame_of_reference_uid: str
    summation_type: str = "PLAN"
    dose_type: str = "PHYSICAL"
    source: str | None = None
    tps_dvhs: tuple[TpsDvh, ...] = field(default=())
    #: The RT Plan's fraction group and beams the dose was calculated for (Referenced RT Plan
    #: Sequence), when the file names them: needed to scale a per-session dose and to check
    #: that beam doses add up to the whole plan (:mod:`radtrial.rt.dvh.summation`).
    referenced_fraction_group: int | None = None
    referenced_beams: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        shape = (self.z_mm.size, self.y_mm.size, self.x_mm.size)
        if self.dose_gy.shape != shape:
            raise DicomError(
                f"dose array has shape {self.dose_gy.shape}, the axes give {shape}",
                location=self.source,
                detail={"attribute": "PixelData"},
            )
        for name, axis in (("x", self.x_mm), ("y", self.y_mm), ("z", self.z_mm)):
            if axis.size > 1 and not np.all(np.diff(axis) > 0):
                raise DicomError(
                    f"dose grid {name} positions are not strictly increasing",
                    location=self.source,
                    detail={
                        "attribute": "GridFrameOffsetVector" if name == "z" else "PixelSpacing"
                    },
                )

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """(dx, dy, dz) in mm; dz of a single-frame grid is 0."""
        dx = float(np.mean(np.diff(self.x_mm))) if self.x_mm.size > 1 else 0.0
        dy = float(np.mean(np.diff(self.y_mm))) if self.y_mm.size > 1 else 0.0
        dz = float(np.min(np.diff(self.z_mm))) if self.z_mm.size > 1 else 0.0
        return dx, dy, dz

    @property
    def max_gy(self) -> float:
        """The highest dose in the grid."""
        return float(self.dose_gy.max()) if self.dose_gy.size else 0.0

    def tps_dvh(self, roi_number: int) -> TpsDvh | None:
        """The planning system's DVH for this ROI, if the RT Dose carries one."""
        for dvh in self.tps_dvhs:
            if dvh.roi_number == roi_number:
                return dvh
        return None


def _shoelace(points: FloatArray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _point_in_polygon(point: FloatArray, polygon: FloatArray) -> bool:
    x, y = float(point[0]), float(point[1])
    x0, y0 = polygon[:, 0], polygon[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (x < x_at)) % 2)

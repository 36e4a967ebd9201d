"""Checks that a structure and a dose grid belong together before any DVH is computed."""

from __future__ import annotations

from radtrial.errors import DicomError
from radtrial.rt.dvh.model import DoseGrid, Structure

#: Slack (mm) for contour vertices that touch the edge of the dose grid's outer voxel cells.
TOLERANCE_MM = 1e-3


def check_frame_of_reference(structure_set_uid: str, dose: DoseGrid, source: str | None) -> None:
    """Structures and dose must share one frame of reference (DICOM PS3.3 C.7.4.1)."""
    if (
        structure_set_uid
        and dose.frame_of_reference_uid
        and (structure_set_uid != dose.frame_of_reference_uid)
    ):
        raise DicomError(
            "the RT Dose and the RT Structure Set are in different frames of reference "
            f"({dose.frame_of_reference_uid} vs {structure_set_uid})",
            location=dose.source or source,
            detail={
                "attribute": "FrameOfReferenceUID",
                "rtdose": dose.frame_of_reference_uid,
                "rtstruct": structure_set_uid,
            },
        )


def check_covers(structure: Structure, dose: DoseGrid) -> None:
    """Every contour vertex must lie inside the dose grid's voxel cells.

    The grid covers half a voxel beyond its outer voxel centres on each axis; a plane outside
    that slab, or a vertex outside it in-plane, would get no dose, so it is an error rather than
    a silently smaller DVH.
    """
    x_min, x_max, y_min, y_max, z_min, z_max = structure.bounds_mm()
    dx, dy, dz = dose.spacing_mm
    limits = {
        "x": (dose.x_mm[0] - dx / 2, dose.x_mm[-1] + dx / 2, x_min, x_max),
        "y": (dose.y_mm[0] - dy / 2, dose.y_mm[-1] + dy / 2, y_min, y_max),
        "z": (dose.z_mm[0] - dz / 2, dose.z_mm[-1] + dz / 2, z_min, z_max),
    }
    for axis, (low, high, s_low, s_high) in limits.items():
        outside = max(float(low - s_low), float(s_high - high), 0.0)
        if outside > TOLERANCE_MM:
            raise DicomError(
                f"the dose grid does not cover structure {structure.name!r} "
                f"(ROI {structure.roi_number}): its contours reach {outside:.1f} mm beyond the "
                f"grid along {axis} (grid {low:.1f}..{high:.1f} mm, structure "
                f"{s_low:.1f}..{s_high:.1f} mm)",
                location=dose.source,
                detail={
                    "attribute": "GridFrameOffsetVector"
                    if axis == "z"
                    else "ImagePositionPatient/PixelSpacing",
                    "roi_number": structure.roi_number,
                    "structure": structure.name,
                    "axis": axis,
                    "outside_mm": round(outside, 3),
                },
            )

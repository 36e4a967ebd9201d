"""``tps`` mode: the right-prism convention of planning systems and dicompyler-core 0.5.6.

Conventions (each one is dicompyler-core's, so ``tps`` reproduces its volumes and doses):

* each contour plane is a slab of the structure's smallest plane spacing, centred on the plane
  (a right prism with implicit half-slice end caps);
* in-plane, a dose voxel belongs to the structure when its centre is inside the plane's
  contours (even-odd rule, matplotlib's tie rule: :mod:`radtrial.rt.dvh.raster`);
* the dose of a plane is the nearest dose frame within 0.5 mm, otherwise the linear
  interpolation of the two frames around it;
* every voxel counts with the same weight ``dx * dy * thickness``, both for the volume and for
  the dose tally (one occupancy field).

Two deliberate differences: a structure with a single plane gets the dose grid's frame spacing
as its thickness (dicompyler-core gives it zero volume), and a plane outside the dose grid is an
error (:func:`radtrial.rt.dvh.coverage.check_covers`) rather than a volume without dose.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from radtrial.rt.dvh.histogram import Dvh, FloatArray
from radtrial.rt.dvh.model import DoseGrid, Structure
from radtrial.rt.dvh.raster import expand_runs, inside_runs

#: dicompyler-core's GetDoseGrid threshold: a frame this close (mm) is used without interpolation.
FRAME_MATCH_MM = 0.5


def plane_thickness(structure: Structure, dose: DoseGrid) -> float:
    """The smallest spacing between the structure's planes (the prism height)."""
    z = np.array([p.z_mm for p in structure.planes])
    if z.size > 1:
        return float(np.min(np.diff(z)))
    return dose.spacing_mm[2] or 1.0


def tps_dvh(structure: Structure, dose: DoseGrid) -> Dvh:
    """The structure's DVH by the right-prism, voxel-centre convention."""
    if structure.is_empty:
        return Dvh.from_samples(np.zeros(0), np.zeros(0))
    dx, dy, _ = dose.spacing_mm
    weight_cc = dx * dy * plane_thickness(structure, dose) / 1000.0
    x_min, x_max, y_min, y_max, _, _ = structure.bounds_mm()
    columns = slice(
        int(np.searchsorted(dose.x_mm, x_min, side="left")),
        int(np.searchsorted(dose.x_mm, x_max, side="right")),
    )
    rows = slice(
        int(np.searchsorted(dose.y_mm, y_min, side="left")),
        int(np.searchsorted(dose.y_mm, y_max, side="right")),
    )
    xs, ys = dose.x_mm[columns], dose.y_mm[rows]
    line, start, length = inside_runs([plane.contours for plane in structure.planes], xs, ys)
    plane_of_run, row = np.divmod(line, ys.size)
    lower, upper, weight = _frames(dose, np.array([p.z_mm for p in structure.planes]))
    frame_size = dose.y_mm.size * dose.x_mm.size
    # Offset of each run's first voxel in its frame; the runs are expanded straight into
    # indices of the flattened grid (the order of the samples does not matter to a DVH).
    first = (row + rows.start) * dose.x_mm.size + (start + columns.start)
    flat = dose.dose_gy.reshape(-1)
    blended = weight[plane_of_run] > 0
    if not np.any(blended):
        dose_gy = flat[expand_runs(lower[plane_of_run] * frame_size + first, length)]
    else:
        exact = ~blended
        parts = [flat[expand_runs(lower[plane_of_run[exact]] * frame_size + first[exact],
                                  length[exact])]]  # fmt: skip
        plane_b, first_b, length_b = plane_of_run[blended], first[blended], length[blended]
        offset = expand_runs(first_b, length_b)
        plane_index = np.repeat(plane_b, length_b)
        w = weight[plane_index]
        low_dose = flat[lower[plane_index] * frame_size + offset]
        upper_dose = flat[upper[plane_index] * frame_size + offset]
        parts.append(w * upper_dose + (1.0 - w) * low_dose)
        dose_gy = np.concatenate(parts)
    # Every sample is a point mass of one positive weight: no zero-weight samples to drop.
    return Dvh(dose_gy, np.full(dose_gy.size, weight_cc), np.zeros(dose_gy.size))


def _frames(
    dose: DoseGrid, z_mm: FloatArray
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
    """Per plane: (lower frame, upper frame, weight of the upper frame).

    The nearest frame when within 0.5 mm (weight 0), else linear between the frames around the
    plane; beyond the grid's first or last frame, that frame (dicompyler-core's GetDoseGrid).
    """
    planes = dose.z_mm
    lower = np.zeros(z_mm.size, dtype=np.int64)
    upper = np.zeros(z_mm.size, dtype=np.int64)
    weight = np.zeros(z_mm.size)
    for index, z in enumerate(z_mm):
        distance = np.abs(planes - z)
        nearest = int(np.argmin(distance))
        if distance[nearest] < FRAME_MATCH_MM or planes.size == 1:
            lower[index] = upper[index] = nearest
        elif z <= planes[0] or z >= planes[-1]:
            lower[index] = upper[index] = 0 if z <= planes[0] else planes.size - 1
        else:
            up = int(np.searchsorted(planes, z))
            lower[index], upper[index] = up - 1, up
            weight[index] = (z - planes[up - 1]) / (planes[up] - planes[up - 1])
    return lower, upper, weight

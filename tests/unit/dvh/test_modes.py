"""Both modes on simple shapes built as value objects: boxes, holes, gaps and single planes."""

from __future__ import annotations

import numpy as np
import pytest

from radtrial.errors import DicomError
from radtrial.rt.dvh import DoseGrid, Plane, Structure, compute_dvh
from radtrial.rt.dvh.engine import prescription_isodose_volume_cc

AXIS = np.arange(-20.0, 20.1, 2.0)


def grid(dose: float | None = None) -> DoseGrid:
    x = np.meshgrid(AXIS, AXIS, AXIS, indexing="ij")[2]
    values = np.full(x.shape, dose) if dose is not None else 30.0 + x
    return DoseGrid(AXIS.copy(), AXIS.copy(), AXIS.copy(), values, "1.2.3")


def square(half: float) -> np.ndarray:
    return np.array([[-half, -half], [half, -half], [half, half], [-half, half]])


def box(zs: list[float], half: float = 5.0, hole: float | None = None) -> Structure:
    contours = (square(half),) if hole is None else (square(half), square(hole))
    return Structure(1, "Box", tuple(Plane(z, contours) for z in zs))


def test_tps_counts_voxel_centres_in_slabs_of_the_plane_spacing() -> None:
    # 10 x 10 mm square: voxel centres at -4, -2, 0, 2, 4 -> 25 per plane; 5 planes of 3 mm.
    dvh = compute_dvh(box([-6, -3, 0, 3, 6]), grid(50.0), "tps").dvh
    assert dvh.volume_cc == pytest.approx(5 * 25 * 2 * 2 * 3 / 1000)
    assert dvh.mean_gy == pytest.approx(50.0)


def test_accurate_gives_the_prism_with_half_slice_flat_ends_for_a_box() -> None:
    dvh = compute_dvh(box([-6, -3, 0, 3, 6]), grid(50.0), "accurate").dvh
    assert dvh.volume_cc == pytest.approx(10 * 10 * 15 / 1000, rel=0.01)


def test_a_hole_is_left_out_in_both_modes() -> None:
    for mode in ("tps", "accurate"):
        full = compute_dvh(box([-3, 0, 3]), grid(50.0), mode).dvh.volume_cc
        holed = compute_dvh(box([-3, 0, 3], hole=3.0), grid(50.0), mode).dvh.volume_cc
        assert holed == pytest.approx(full * (1 - 36 / 100), rel=0.01), mode


def test_planes_with_a_gap_are_two_parts_each_with_its_own_caps() -> None:
    dvh = compute_dvh(box([-9, -6, 6, 9]), grid(50.0), "accurate").dvh
    # Two parts of two planes 3 mm apart, each 6 mm long with its caps.
    assert dvh.volume_cc == pytest.approx(2 * 10 * 10 * 6 / 1000, rel=0.01)


def test_a_single_plane_structure_is_a_slab_of_the_dose_frame_spacing() -> None:
    for mode in ("tps", "accurate"):
        dvh = compute_dvh(box([0.0]), grid(50.0), mode).dvh
        assert dvh.volume_cc == pytest.approx(10 * 10 * 2 / 1000, rel=0.01), mode


def test_accurate_dose_follows_a_lateral_gradient_inside_the_cells() -> None:
    dvh = compute_dvh(box([-6, -3, 0, 3, 6]), grid(), "accurate").dvh  # 30 Gy + x
    assert dvh.min_gy == pytest.approx(25.0, abs=0.01)
    assert dvh.max_gy == pytest.approx(35.0, abs=0.01)
    assert dvh.dose_at_percent(50.0)[0] == pytest.approx(30.0, abs=0.01)


def test_a_structure_beyond_the_grid_in_z_is_refused() -> None:
    with pytest.raises(DicomError) as error:
        compute_dvh(box([20.0, 23.0]), grid(50.0), "tps")
    assert error.value.detail["axis"] == "z"


def test_the_prescription_isodose_volume_uses_the_body_or_the_grid() -> None:
    dose = grid()  # 30 + x: x >= 26 mm receives >= 56 Gy -> none of the grid (x <= 20)
    assert prescription_isodose_volume_cc(dose, 56.0) == 0.0
    assert prescription_isodose_volume_cc(dose, 50.0) == pytest.approx(AXIS.size**2 * 8 / 1000)
    body = compute_dvh(box([-6, -3, 0, 3, 6]), dose, "tps").dvh
    assert prescription_isodose_volume_cc(dose, 30.0, body) == pytest.approx(
        body.volume_at_dose(30.0)[0]
    )

"""Analytical phantoms (Nelms et al. 2015, doi:10.1118/1.4923175), written as DICOM RT files by
the test: ``accurate`` mode is within 1 % of the closed-form volume and D98/D95/D50/D2 for every
structure of 3 cc or more; ``tps`` mode reproduces the right-prism, voxel-centre answer."""

from __future__ import annotations

from pathlib import Path

import matplotlib.path
import numpy as np
import pytest

from radtrial.dicom import read_dose, read_structure_set
from radtrial.rt.dvh import compute_dvh
from tests.dicom.phantoms import PHANTOMS, Phantom

PERCENTS = (98.0, 95.0, 50.0, 2.0)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("phantoms")


def load(phantom: Phantom, folder: Path):  # type: ignore[no-untyped-def]
    rs, rd = phantom.write(folder)
    return read_structure_set(rs).structures[0], read_dose(rd)


@pytest.mark.parametrize("phantom", PHANTOMS, ids=lambda p: p.label)
def test_accurate_mode_is_within_one_percent_of_the_closed_form(
    phantom: Phantom, folder: Path
) -> None:
    assert phantom.volume_cc >= 3.0
    structure, dose = load(phantom, folder)
    dvh = compute_dvh(structure, dose, "accurate").dvh
    assert dvh.volume_cc == pytest.approx(phantom.volume_cc, rel=0.01)
    expected = [phantom.dose_at_percent(p) for p in PERCENTS]
    got = dvh.dose_at_percent(np.array(PERCENTS))
    for percent, value, truth in zip(PERCENTS, got, expected, strict=True):
        assert value == pytest.approx(truth, rel=0.01), f"D{percent:g}%"


@pytest.mark.parametrize("phantom", PHANTOMS, ids=lambda p: p.label)
def test_tps_mode_reproduces_the_right_prism_at_voxel_centres(
    phantom: Phantom, folder: Path
) -> None:
    structure, dose = load(phantom, folder)
    dvh = compute_dvh(structure, dose, "tps").dvh
    # The right prism, computed independently: matplotlib's point-in-polygon at the dose
    # voxel centres of each plane, each voxel a slab of the contour spacing.
    x, y = np.meshgrid(dose.x_mm, dose.y_mm)
    centres = np.column_stack([x.ravel(), y.ravel()])
    voxel_cc = 2.5 * 2.5 * phantom.spacing_mm / 1000
    doses = []
    for contour in phantom.contours():
        inside = matplotlib.path.Path(contour[:, :2]).contains_points(centres)
        z = contour[0, 2]
        doses.append(
            phantom.dose_at(centres[inside, 0], centres[inside, 1], np.full(inside.sum(), z))
        )
    expected = np.sort(np.concatenate(doses))[::-1]
    assert dvh.volume_cc == pytest.approx(expected.size * voxel_cc, rel=1e-12)
    for percent in PERCENTS:
        # The minimum dose of the hottest percent: the first voxel (hottest first) at which
        # the cumulative volume reaches it.
        index = int(np.ceil(percent / 100 * expected.size - 1e-9)) - 1
        assert dvh.dose_at_percent(percent)[0] == pytest.approx(expected[index], abs=1e-4)


def test_the_right_prism_differs_from_the_true_shape_where_accurate_mode_does_not(
    folder: Path,
) -> None:
    phantom = Phantom("cylinder", 3.0, "SI")
    structure, dose = load(phantom, folder)
    tps = compute_dvh(structure, dose, "tps").dvh.volume_cc
    accurate = compute_dvh(structure, dose, "accurate").dvh.volume_cc
    assert abs(tps / phantom.volume_cc - 1) > 0.03  # voxel centres on a 2.5 mm grid
    assert abs(accurate / phantom.volume_cc - 1) < 0.005

"""A small PROSARC-2-like plan for the QA tests: DICOM files written by :mod:`tests.dicom.writer`.

Structures (spheres contoured every 3 mm): ``CTV_56`` (r = 12 mm, at the origin), ``GTV_Core``
(r = 5 mm, at the origin), ``Medulla`` (r = 3 mm, at x = 30 mm; OUS's name for the spinal
cord), ``Couch`` (r = 3 mm, at x = -30 mm; no rule maps it), and ``Far`` (r = 3 mm, at
z = 60 mm, outside the dose grid) when asked for. Physical dose on a 2.5 mm grid from -40 to
40 mm: 52 Gy inside r < 16 mm, 10 Gy outside, plus 18 Gy inside r < 4 mm; a proton plan with
RBE 1.1 then gives the CTV 57.2 Gy(RBE) and the core 77 Gy(RBE), all PROSARC-2 limits met.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.dicom import writer

AXIS = np.arange(-40.0, 40.1, 2.5)
ORIGIN = (-40.0, -40.0, -40.0)
SPACING = (2.5, 2.5, 2.5)


def sphere(radius: float, centre: tuple[float, float, float], spacing: float) -> list[np.ndarray]:
    """Closed planar contours of a sphere on planes ``spacing`` apart, offset by half."""
    cx, cy, cz = centre
    angles = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    contours = []
    for z in np.arange(-radius + spacing / 2, radius, spacing):
        r = np.sqrt(radius**2 - z**2)
        contours.append(
            np.column_stack(
                [cx + r * np.cos(angles), cy + r * np.sin(angles), np.full(angles.size, cz + z)]
            )
        )
    return contours


def physical_dose() -> np.ndarray:
    """The plan's physical dose ``[z, y, x]`` in Gy."""
    z, y, x = np.meshgrid(AXIS, AXIS, AXIS, indexing="ij")
    r = np.sqrt(x * x + y * y + z * z)
    dose: np.ndarray = np.where(r < 16, 52.0, 10.0) + np.where(r < 4, 18.0, 0.0)
    return dose


def rois(*, far: bool = False) -> list[tuple[int, str, list[np.ndarray]]]:
    out = [
        (1, "CTV_56", sphere(12.0, (0, 0, 0), 3.0)),
        (2, "GTV_Core", sphere(5.0, (0, 0, 0), 3.0)),
        (3, "Medulla", sphere(3.0, (30, 0, 0), 3.0)),
        (4, "Couch", sphere(3.0, (-30, 0, 0), 3.0)),
    ]
    if far:
        out.append((5, "Far", sphere(3.0, (0, 0, 60), 3.0)))
    return out


def write_structure_set(path: Path, *, far: bool = False, **options: object) -> Path:
    return writer.write(path, writer.structure_set(rois(far=far), **options))  # type: ignore[arg-type]


def write_dose(path: Path, dose_gy: np.ndarray | None = None, **options: object) -> Path:
    values = physical_dose() if dose_gy is None else dose_gy
    return writer.write(
        path,
        writer.dose(values, origin_mm=ORIGIN, spacing_mm=SPACING, **options),  # type: ignore[arg-type]
    )


def write_plan(path: Path, **options: object) -> Path:
    return writer.write(path, writer.plan(**options))  # type: ignore[arg-type]


def plan_files(folder: Path) -> dict[str, Path]:
    """The standard files: ``rs``, ``rd``, ``rp`` (proton, 16 fractions), ``rp7`` (7
    fractions), ``rp_photon`` (photon, 16 fractions), ``rs_far`` (with ``Far``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "rs": write_structure_set(folder / "RS.dcm"),
        "rs_far": write_structure_set(folder / "RS_far.dcm", far=True),
        "rd": write_dose(folder / "RD.dcm"),
        "rp": write_plan(folder / "RP.dcm", radiation_type="PROTON", fractions=16),
        "rp7": write_plan(folder / "RP7.dcm", radiation_type="PROTON", fractions=7),
        "rp_photon": write_plan(folder / "RP_photon.dcm", radiation_type="PHOTON", fractions=16),
    }

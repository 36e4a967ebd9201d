"""Analytical DVH phantoms in the style of Nelms et al. 2015 (doi:10.1118/1.4923175).

A sphere, a cylinder and a cone, each 24 mm across and (cylinder, cone) 24 mm long along the
patient's SI axis, in a linear dose gradient of 1 Gy/mm with 16 Gy at the shape's centre, along
SI (z) or AP (y). Contours are drawn every 1 mm or 3 mm on planes at (k + ½) spacing from the
centre, so the flat ends of the cylinder and cone fall midway between two planes (where the
contouring of a CT would put them on average).

Closed forms: the volume, and the cumulative volume below a dose, from the cross-section area
integrated along the gradient (``scipy.integrate.quad`` of the exact circle-segment areas).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import integrate, optimize

from tests.dicom import writer

RADIUS_MM = 12.0
HALF_LENGTH_MM = 12.0
CENTRE_DOSE_GY = 16.0
GRADIENT_GY_PER_MM = 1.0
DOSE_SPACING_MM = 2.5
DOSE_HALF_WIDTH_MM = 15.0
VERTICES = 256

SHAPES = ("sphere", "cylinder", "cone")


def radius(shape: str, z: float | np.ndarray) -> np.ndarray:
    """Cross-section radius at height z (mm) from the centre; 0 outside the shape."""
    z = np.asarray(z, dtype=float)
    inside = np.abs(z) <= HALF_LENGTH_MM
    if shape == "sphere":
        return np.sqrt(np.clip(RADIUS_MM**2 - z**2, 0, None))
    if shape == "cylinder":
        return np.where(inside, RADIUS_MM, 0.0)
    if shape == "cone":  # base (radius 12) at z = -12, apex at z = +12
        return np.where(inside, (HALF_LENGTH_MM - z) / 2, 0.0)
    raise ValueError(shape)


def _segment(rho: float, eta: float) -> float:
    """Area of the part of a disc of radius rho with y <= eta."""
    if rho <= 0 or eta <= -rho:
        return 0.0
    if eta >= rho:
        return float(np.pi * rho * rho)
    return float(rho * rho * np.arccos(-eta / rho) + eta * np.sqrt(rho * rho - eta * eta))


@dataclass(frozen=True)
class Phantom:
    """One shape, contour spacing and gradient direction, with its closed-form DVH."""

    shape: str
    spacing_mm: float
    gradient: str  # "SI" or "AP"

    @property
    def label(self) -> str:
        return f"{self.shape}-{self.spacing_mm:g}mm-{self.gradient}"

    # -- geometry -------------------------------------------------------------------------

    def plane_z(self) -> np.ndarray:
        half = HALF_LENGTH_MM
        k = np.arange(-int(np.ceil(half / self.spacing_mm)) - 1, int(half / self.spacing_mm) + 2)
        z = (k + 0.5) * self.spacing_mm
        keep = (np.abs(z) < half) & (radius(self.shape, z) > 0)
        return z[keep]

    def contours(self) -> list[np.ndarray]:
        angles = 2 * np.pi * np.arange(VERTICES) / VERTICES
        # Area-preserving polygon: its area equals the circle's.
        scale = np.sqrt(2 * np.pi / (VERTICES * np.sin(2 * np.pi / VERTICES)))
        out = []
        for z in self.plane_z():
            r = float(radius(self.shape, z)) * scale
            out.append(
                np.column_stack([r * np.cos(angles), r * np.sin(angles), np.full(VERTICES, z)])
            )
        return out

    # -- dose -----------------------------------------------------------------------------

    def dose_at(self, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        along = z if self.gradient == "SI" else y
        return CENTRE_DOSE_GY + GRADIENT_GY_PER_MM * along + 0 * x

    def dose_grid(self) -> tuple[np.ndarray, np.ndarray]:
        axis = np.arange(-DOSE_HALF_WIDTH_MM, DOSE_HALF_WIDTH_MM + 1e-9, DOSE_SPACING_MM)
        z, y, x = np.meshgrid(axis, axis, axis, indexing="ij")
        return axis, self.dose_at(x, y, z)

    # -- closed forms ---------------------------------------------------------------------

    @cached_property
    def volume_cc(self) -> float:
        r, h = RADIUS_MM, 2 * HALF_LENGTH_MM
        if self.shape == "sphere":
            return 4 / 3 * np.pi * r**3 / 1000
        if self.shape == "cylinder":
            return np.pi * r * r * h / 1000
        return np.pi * r * r * h / 3 / 1000

    def volume_below(self, position: float) -> float:
        """Volume (mm³) of the part with coordinate (along the gradient) <= position."""
        half = HALF_LENGTH_MM
        if self.gradient == "SI":
            top = min(max(position, -half), half)
            value, _ = integrate.quad(
                lambda z: np.pi * float(radius(self.shape, z)) ** 2, -half, top, limit=200
            )
            return float(value)
        value, _ = integrate.quad(
            lambda z: _segment(float(radius(self.shape, z)), position), -half, half, limit=200
        )
        return float(value)

    def dose_at_percent(self, percent: float) -> float:
        """Closed-form D{percent}%: the dose exceeded by ``percent`` % of the volume."""
        total = self.volume_cc * 1000
        target = (1 - percent / 100) * total
        position = optimize.brentq(
            lambda p: self.volume_below(p) - target, -RADIUS_MM - 1, RADIUS_MM + 1, xtol=1e-10
        )
        return CENTRE_DOSE_GY + GRADIENT_GY_PER_MM * position

    # -- files ----------------------------------------------------------------------------

    def write(self, folder: Path) -> tuple[Path, Path]:
        """(RS path, RD path) of this phantom's RT Structure Set and RT Dose."""
        folder.mkdir(parents=True, exist_ok=True)
        rs = writer.write(
            folder / f"RS.{self.label}.dcm",
            writer.structure_set([(1, self.shape.capitalize(), self.contours())]),
        )
        axis, dose = self.dose_grid()
        rd = writer.write(
            folder / f"RD.{self.label}.dcm",
            writer.dose(
                dose,
                origin_mm=(axis[0], axis[0], axis[0]),
                spacing_mm=(DOSE_SPACING_MM, DOSE_SPACING_MM, DOSE_SPACING_MM),
            ),
        )
        return rs, rd


PHANTOMS = [
    Phantom(shape, spacing, gradient)
    for shape in SHAPES
    for spacing in (1.0, 3.0)
    for gradient in ("SI", "AP")
]

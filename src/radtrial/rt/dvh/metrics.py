"""DVH metrics in AAPM TG-263 notation (Mayo et al., 2018, doi:10.1016/j.ijrobp.2017.12.013).

Supported names (``x`` a number):

* ``Dmean``, ``Dmin``, ``Dmax`` (Gy);
* ``Dx%`` and ``Dxcc``: the minimum dose to the hottest x % or x cc (Gy), e.g. ``D95%``,
  ``D0.03cc``, ``D2cc``; an optional unit suffix ``[Gy]`` is accepted;
* ``VxGy``: the volume receiving at least x Gy, in cc (``V20Gy``, ``V20Gy[cc]``) or in % of the
  structure (``V20Gy[%]``);
* ``HI``: the ICRU Report 83 homogeneity index (D2% - D98%) / D50% (ICRU 83, 2010, §3.7.1);
* ``CI``: the Paddick conformity index TV_PIV² / (TV × PIV) (Paddick, J Neurosurg 2000;93
  Suppl 3:219, doi:10.3171/jns.2000.93.supplement_3.0219); needs the prescription dose and the
  prescription isodose volume.

Every value comes from the exact sample distribution (:class:`Dvh`), not from bins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from radtrial.errors import InvalidInput
from radtrial.rt.dvh.histogram import Dvh

_DOSE_AT = re.compile(r"^D(?P<x>\d+(?:\.\d+)?)(?P<unit>%|cc)(?:\[Gy\])?$")
_VOLUME_AT = re.compile(r"^V(?P<x>\d+(?:\.\d+)?)Gy(?:\[(?P<unit>%|cc)\])?$")

#: The metrics every DVH report carries.
STANDARD_METRICS = ("Dmean", "Dmin", "Dmax", "D98%", "D95%", "D50%", "D2%", "D0.03cc")


@dataclass(frozen=True)
class MetricContext:
    """What indices need beyond the structure's own DVH."""

    prescription_gy: float | None = None
    prescription_isodose_volume_cc: float | None = None


def metric_unit(name: str) -> str:
    """The unit of a metric's value: Gy, cc, % or 1 (indices)."""
    if name in ("HI", "CI"):
        return "1"
    if name in ("Dmean", "Dmin", "Dmax") or _DOSE_AT.match(name):
        return "Gy"
    volume = _VOLUME_AT.match(name)
    if volume:
        return "%" if volume.group("unit") == "%" else "cc"
    raise InvalidInput(
        f"unknown DVH metric {name!r}: use TG-263 names such as D95%, D0.03cc, V20Gy[%], Dmean",
        location=name,
    )


def evaluate(dvh: Dvh, name: str, context: MetricContext | None = None) -> float:
    """The value of the TG-263 metric ``name`` on ``dvh`` (units: :func:`metric_unit`)."""
    context = context or MetricContext()
    metric_unit(name)  # validates the name
    if name == "Dmean":
        return dvh.mean_gy
    if name == "Dmin":
        return dvh.min_gy
    if name == "Dmax":
        return dvh.max_gy
    if name == "HI":
        return homogeneity_index(dvh)
    if name == "CI":
        if context.prescription_gy is None or context.prescription_isodose_volume_cc is None:
            raise InvalidInput(
                "CI needs the prescription dose and the prescription isodose volume",
                location=name,
            )
        return paddick_conformity_index(
            dvh, context.prescription_gy, context.prescription_isodose_volume_cc
        )
    dose_at = _DOSE_AT.match(name)
    if dose_at:
        x = float(dose_at.group("x"))
        if dose_at.group("unit") == "%":
            return float(dvh.dose_at_percent(x)[0])
        return float(dvh.dose_at_volume(x)[0])
    volume_at = _VOLUME_AT.match(name)
    assert volume_at is not None
    cc = float(dvh.volume_at_dose(float(volume_at.group("x")))[0])
    if volume_at.group("unit") == "%":
        return 100.0 * cc / dvh.volume_cc if dvh.volume_cc > 0 else 0.0
    return cc


def standard(dvh: Dvh) -> dict[str, float]:
    """The :data:`STANDARD_METRICS` of a DVH."""
    return {name: evaluate(dvh, name) for name in STANDARD_METRICS}


def homogeneity_index(dvh: Dvh) -> float:
    """ICRU 83 homogeneity index (D2% - D98%) / D50%; 0 is perfectly homogeneous."""
    d2, d50, d98 = dvh.dose_at_percent(np.array([2.0, 50.0, 98.0]))
    return float((d2 - d98) / d50) if d50 > 0 else float("nan")


def paddick_conformity_index(target: Dvh, prescription_gy: float, piv_cc: float) -> float:
    """Paddick CI = TV_PIV² / (TV × PIV); 1 is perfect conformity.

    TV is the target volume, TV_PIV the part of it inside the prescription isodose and PIV the
    volume of the prescription isodose (in the body or the dose grid).
    """
    tv = target.volume_cc
    tv_piv = float(target.volume_at_dose(prescription_gy)[0])
    if tv <= 0 or piv_cc <= 0:
        return 0.0
    return tv_piv * tv_piv / (tv * piv_cc)

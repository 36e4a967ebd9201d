"""RT Dose (DICOM PS3.3 A.18, C.8.8.3) -> :class:`DoseGrid`.

* the pixel data times DoseGridScaling is the dose in Gy (DoseUnits GY; RELATIVE is refused);
* GridFrameOffsetVector may be relative (first value 0: offsets from ImagePositionPatient along
  the slice normal) or absolute (first value equal to the z of ImagePositionPatient);
* SliceThickness is not used (it may legally be empty);
* axial orientations (head/feet first, supine/prone/decubitus) are normalised to increasing
  x, y and z; an oblique grid is refused;
* DoseSummationType (PLAN, BEAM, FRACTION, ...) and DoseType are recorded;
* cumulative DVHs in the DVH Sequence, in Gy and cc, are kept as the planning system's reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from radtrial.dicom.files import (
    floats,
    number,
    quiet_pydicom,
    raw_value,
    read_dataset,
    required,
    whole_number,
)
from radtrial.errors import DicomError
from radtrial.rt.dvh.model import DoseGrid, TpsDvh

_FRAME_TOLERANCE_MM = 1e-3
_DVH_DATA = 0x30040058


def read_dose(path: str | Path) -> DoseGrid:
    """Read an RT Dose file into a dose grid in Gy."""
    where = str(path)
    dataset = read_dataset(path, "RTDOSE")
    with quiet_pydicom():
        return _dose(dataset, where)


def _dose(dataset: Dataset, where: str) -> DoseGrid:
    units = str(required(dataset, "DoseUnits", where)).upper()
    if units != "GY":
        raise DicomError(
            f"DoseUnits is {units}; only absolute dose (GY) can be checked against limits",
            location=where,
            detail={"attribute": "DoseUnits", "found": units},
        )
    rows = whole_number(required(dataset, "Rows", where), "Rows", where)
    columns = whole_number(required(dataset, "Columns", where), "Columns", where)
    frames = whole_number(dataset.get("NumberOfFrames", 1) or 1, "NumberOfFrames", where)
    spacing = floats(required(dataset, "PixelSpacing", where), "PixelSpacing", where)
    position = floats(
        required(dataset, "ImagePositionPatient", where), "ImagePositionPatient", where
    )
    orientation = floats(
        required(dataset, "ImageOrientationPatient", where), "ImageOrientationPatient", where
    )
    scaling = number(required(dataset, "DoseGridScaling", where), "DoseGridScaling", where)
    if spacing.size != 2 or position.size != 3 or orientation.size != 6:
        raise DicomError(
            "PixelSpacing, ImagePositionPatient or ImageOrientationPatient has the wrong number "
            "of values",
            location=where,
            detail={"attribute": "ImageOrientationPatient"},
        )
    try:
        pixels = _pixels(dataset, frames * rows * columns, scaling)
    except Exception as exc:
        raise DicomError(
            f"cannot decode the dose pixel data: {exc}",
            location=where,
            detail={"attribute": "PixelData"},
        ) from exc
    pixels = pixels.reshape(frames, rows, columns)
    offsets, absolute = _frame_offsets(dataset, frames, position, where)
    row_cosine, column_cosine = orientation[:3], orientation[3:]
    normal = np.cross(row_cosine, column_cosine)
    if not _axis_aligned(row_cosine) or not _axis_aligned(column_cosine) or abs(normal[2]) < 0.99:
        raise DicomError(
            f"the dose grid is not axial (ImageOrientationPatient {orientation.tolist()})",
            location=where,
            detail={"attribute": "ImageOrientationPatient"},
        )
    # Patient coordinate of each column (along the row cosine) and row (along the column cosine).
    along_columns = position[None, :] + np.arange(columns)[:, None] * spacing[1] * row_cosine
    along_rows = position[None, :] + np.arange(rows)[:, None] * spacing[0] * column_cosine
    z = offsets.copy() if absolute else position[2] + normal[2] * offsets
    if abs(row_cosine[0]) > 0.99:  # columns run along x
        x, y = along_columns[:, 0], along_rows[:, 1]
    else:  # decubitus: columns run along y
        pixels = pixels.transpose(0, 2, 1)
        x, y = along_rows[:, 0], along_columns[:, 1]
    pixels, x, y, z = _increasing(pixels, x, y, z, where)
    group, beams = _plan_reference(dataset, where)
    return DoseGrid(
        x_mm=x,
        y_mm=y,
        z_mm=z,
        dose_gy=np.ascontiguousarray(pixels),
        frame_of_reference_uid=str(dataset.get("FrameOfReferenceUID", "") or ""),
        summation_type=str(dataset.get("DoseSummationType", "") or "PLAN"),
        dose_type=str(dataset.get("DoseType", "") or "PHYSICAL"),
        source=where,
        tps_dvhs=_tps_dvhs(dataset, where),
        referenced_fraction_group=group,
        referenced_beams=beams,
    )


def _plan_reference(dataset: Dataset, where: str) -> tuple[int | None, tuple[int, ...]]:
    """(fraction group, beam numbers) the dose refers to in the RT Plan, where the file says.

    DICOM PS3.3 C.8.8.3: Referenced RT Plan Sequence > Referenced Fraction Group Sequence >
    Referenced Beam Sequence (required for FRACTION, BEAM and the session summation types).
    """
    group: int | None = None
    beams: list[int] = []
    for plan in dataset.get("ReferencedRTPlanSequence", []) or []:
        for fraction_group in plan.get("ReferencedFractionGroupSequence", []) or []:
            number = fraction_group.get("ReferencedFractionGroupNumber")
            if number not in (None, ""):
                group = whole_number(number, "ReferencedFractionGroupNumber", where)
            for beam in fraction_group.get("ReferencedBeamSequence", []) or []:
                value = beam.get("ReferencedBeamNumber")
                if value not in (None, ""):
                    beams.append(whole_number(value, "ReferencedBeamNumber", where))
    return group, tuple(dict.fromkeys(beams))


_LITTLE_ENDIAN_UNCOMPRESSED = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}


def _pixels(dataset: Dataset, count: int, scaling: float) -> np.ndarray:
    """Stored values x DoseGridScaling in float64: straight from the bytes when uncompressed."""
    meta = getattr(dataset, "file_meta", None)
    syntax = str(getattr(meta, "TransferSyntaxUID", "") or "")
    bits = int(dataset.get("BitsAllocated", 0) or 0)
    signed = int(dataset.get("PixelRepresentation", 0) or 0) == 1
    if syntax in _LITTLE_ENDIAN_UNCOMPRESSED and bits in (16, 32) and "PixelData" in dataset:
        kind = f"<{'i' if signed else 'u'}{bits // 8}"
        raw = np.frombuffer(dataset.PixelData, dtype=kind)
        if raw.size >= count:
            scaled: np.ndarray = np.multiply(raw[:count], scaling, dtype=np.float64)
            return scaled
    return np.asarray(dataset.pixel_array, dtype=np.float64).ravel() * scaling


def _axis_aligned(cosine: np.ndarray) -> bool:
    return bool(np.isclose(np.abs(cosine), 1.0, atol=1e-3).sum() == 1)


def _frame_offsets(
    dataset: Dataset, frames: int, position: np.ndarray, where: str
) -> tuple[np.ndarray, bool]:
    """(offsets or absolute z, True when absolute)."""
    raw = dataset.get("GridFrameOffsetVector")
    if raw is None or (isinstance(raw, str) and not raw):
        if frames > 1:
            raise DicomError(
                f"a multi-frame dose grid ({frames} frames) needs GridFrameOffsetVector",
                location=where,
                detail={"attribute": "GridFrameOffsetVector"},
            )
        return np.zeros(1), False
    offsets = floats(raw, "GridFrameOffsetVector", where)
    if offsets.size != frames:
        raise DicomError(
            f"GridFrameOffsetVector has {offsets.size} values for {frames} frames",
            location=where,
            detail={"attribute": "GridFrameOffsetVector"},
        )
    if abs(offsets[0]) <= _FRAME_TOLERANCE_MM:
        return offsets, False
    if abs(offsets[0] - position[2]) <= _FRAME_TOLERANCE_MM:
        return offsets, True
    raise DicomError(
        f"GridFrameOffsetVector starts at {offsets[0]:g}: neither 0 (relative offsets) nor the "
        f"ImagePositionPatient z {position[2]:g} (absolute positions)",
        location=where,
        detail={"attribute": "GridFrameOffsetVector"},
    )


def _increasing(
    pixels: np.ndarray, x: np.ndarray, y: np.ndarray, z: np.ndarray, where: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    for axis, coords in ((2, x), (1, y), (0, z)):
        if coords.size > 1 and coords[1] < coords[0]:
            pixels = np.flip(pixels, axis=axis)
    x, y, z = (np.sort(c) for c in (x, y, z))
    for name, coords in (("GridFrameOffsetVector", z),):
        if coords.size > 1 and not np.all(np.diff(coords) > 0):
            raise DicomError(
                "dose frames are not in monotonic z order",
                location=where,
                detail={"attribute": name},
            )
    return pixels, x, y, z


def _tps_dvhs(dataset: Dataset, where: str) -> tuple[TpsDvh, ...]:
    out = []
    for item in dataset.get("DVHSequence", []):
        referenced = item.get("DVHReferencedROISequence")
        if not referenced or str(item.get("DVHType", "")).upper() != "CUMULATIVE":
            continue
        if str(item.get("DoseUnits", "")).upper() != "GY":
            continue
        if str(item.get("DVHVolumeUnits", "")).upper() != "CM3":
            continue
        data = floats(raw_value(item, _DVH_DATA), "DVHData", where)
        if data.size < 2:
            continue
        scaling = number(item.get("DVHDoseScaling", 1.0) or 1.0, "DVHDoseScaling", where)
        widths, volumes = data[0::2] * scaling, data[1::2]
        edges = np.concatenate([[0.0], np.cumsum(widths)])
        out.append(
            TpsDvh(
                roi_number=whole_number(
                    referenced[0].get("ReferencedROINumber"), "ReferencedROINumber", where
                ),
                dose_gy=edges[:-1],
                volume_cc=volumes,
                dose_type=str(item.get("DoseType", "") or "PHYSICAL"),
            )
        )
    return tuple(out)

"""RT Structure Set (DICOM PS3.3 A.19, C.8.8.5-C.8.8.6) -> :class:`StructureSet`.

Conventions, recorded because DVHs depend on them:

* only CLOSED_PLANAR contours are read; POINT and OPEN_PLANAR/OPEN_NONPLANAR ones are ignored
  (they mark points and lines, not volumes);
* contours are grouped into planes by their z rounded to 0.01 mm, as dicompyler-core does;
  several contours on a plane are kept and combined later by the even-odd rule (holes);
* a contour must be axial (all its points at one z, within 0.01 mm).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from radtrial.dicom.files import quiet_pydicom, raw_value, read_dataset, required, whole_number
from radtrial.dicom.raw import roi_contours
from radtrial.errors import DicomError
from radtrial.rt.dvh.model import Plane, Structure, StructureSet

_CONTOUR_DATA = 0x30060050
_ROI_CONTOUR_SEQUENCE = 0x30060039
_IMPLICIT_VR = "1.2.840.10008.1.2"
_LITTLE_ENDIAN = {_IMPLICIT_VR, "1.2.840.10008.1.2.1"}
_PLANE_DECIMALS = 2
_AXIAL_TOLERANCE_MM = 0.01


def read_structure_set(path: str | Path) -> StructureSet:
    """Read an RT Structure Set file into value objects."""
    where = str(path)
    dataset = read_dataset(path, "RTSTRUCT")
    with quiet_pydicom():
        return _structure_set(dataset, where)


def _structure_set(dataset: Dataset, where: str) -> StructureSet:
    rois = required(dataset, "StructureSetROISequence", where)
    names: dict[int, str] = {}
    frames: dict[int, str] = {}
    for item in rois:
        context = "StructureSetROISequence"
        number = whole_number(required(item, "ROINumber", where, context), "ROINumber", where)
        names[number] = str(item.get("ROIName", "") or f"ROI {number}").strip()
        frames[number] = str(item.get("ReferencedFrameOfReferenceUID", "") or "")
    frame_uid = _frame_of_reference(dataset, frames)
    owners: list[tuple[int, int]] = []  # (ROI number, contour index) per closed contour
    raws: list[bytes] = []
    for number, contours in _roi_contours(dataset, where):
        if number not in names:
            raise DicomError(
                f"ROIContourSequence refers to ROI {number}, which StructureSetROISequence "
                f"does not define (ROIs: {sorted(names)})",
                location=where,
                detail={"attribute": "ReferencedROINumber", "roi_number": number},
            )
        for index, (kind, raw) in enumerate(contours):
            if kind != b"CLOSED_PLANAR":
                continue
            if raw is None:
                raise DicomError(
                    f"contour {index + 1} of ROI {names[number]!r} has no ContourData",
                    location=where,
                    detail={"attribute": "ContourData", "structure": names[number]},
                )
            owners.append((number, index))
            raws.append(raw.strip(b" \x00"))
    planes_by_roi = _planes(owners, raws, names, where)
    kinds = {
        whole_number(item.ReferencedROINumber, "ReferencedROINumber", where): str(
            item.get("RTROIInterpretedType", "") or ""
        )
        for item in dataset.get("RTROIObservationsSequence", [])
        if "ReferencedROINumber" in item
    }
    structures = tuple(
        Structure(
            roi_number=number,
            name=names[number],
            planes=tuple(
                Plane(z_mm=z, contours=tuple(contours))
                for z, contours in sorted(planes_by_roi.get(number, {}).items())
            ),
            source=where,
            kind=kinds.get(number, ""),
        )
        for number in names
    )
    return StructureSet(frame_of_reference_uid=frame_uid, structures=structures, source=where)


def _roi_contours(
    dataset: Dataset, where: str
) -> list[tuple[int, list[tuple[bytes, bytes | None]]]]:
    """(ROI number, [(geometric type, raw ContourData)]) per ROI Contour Sequence item."""
    element = dataset.get_item(_ROI_CONTOUR_SEQUENCE)
    meta = getattr(dataset, "file_meta", None)
    syntax = str(getattr(meta, "TransferSyntaxUID", "") or "")
    if element is not None and isinstance(element.value, bytes) and syntax in _LITTLE_ENDIAN:
        walked = roi_contours(element.value, implicit_vr=syntax == _IMPLICIT_VR)
        if walked is not None:
            return [(n, [(k, d) for k, d in contours]) for n, contours in walked]
    out: list[tuple[int, list[tuple[bytes, bytes | None]]]] = []
    for item in dataset.get("ROIContourSequence", []):
        number = whole_number(
            required(item, "ReferencedROINumber", where, "ROIContourSequence"),
            "ReferencedROINumber",
            where,
            "ROIContourSequence",
        )
        contours: list[tuple[bytes, bytes | None]] = []
        for contour in item.get("ContourSequence", []):
            kind = str(contour.get("ContourGeometricType", "") or "").encode("ascii")
            raw = raw_value(contour, _CONTOUR_DATA)
            contours.append((kind, None if raw is None else _as_bytes(raw)))
        out.append((number, contours))
    return out


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes | bytearray):
        return bytes(raw).strip(b" \x00")
    if isinstance(raw, str):
        return raw.encode("ascii")
    if isinstance(raw, int | float):
        return repr(float(raw)).encode("ascii")
    return b"\\".join(repr(float(v)).encode("ascii") for v in raw)  # type: ignore[attr-defined]


def _frame_of_reference(dataset: Dataset, frames: dict[int, str]) -> str:
    for item in dataset.get("ReferencedFrameOfReferenceSequence", []):
        uid = str(item.get("FrameOfReferenceUID", "") or "")
        if uid:
            return uid
    return next((uid for uid in frames.values() if uid), "")


def _planes(
    owners: list[tuple[int, int]], raws: list[bytes], names: dict[int, str], where: str
) -> dict[int, dict[float, list[np.ndarray]]]:
    """Parse every contour's numbers at once and group the contours by plane.

    The raw strings are joined and converted in one call of numpy's C parser
    (``np.fromstring`` with the ``\\`` separator), with no Python object per number; the z
    of every contour is checked to be constant in one vectorised pass. Anything the fast
    parser does not accept is parsed again value by value (:func:`_planes_from_texts`), which
    names the problem.
    """
    planes: dict[int, dict[float, list[np.ndarray]]] = {}
    if not raws:
        return planes
    counts = [raw.count(b"\\") + 1 if raw else 0 for raw in raws]
    firsts = _triplet_starts(owners, counts, names, where)
    values = _parse_joined(b"\\".join(raws), sum(counts))
    if values is None:
        return _planes_from_texts(owners, raws, counts, firsts, names, where)
    points = values.reshape(-1, 3)
    xy = np.ascontiguousarray(points[:, :2])
    z = points[:, 2]
    starts = np.asarray(firsts, dtype=np.int64) // 3
    spread = np.maximum.reduceat(z, starts) - np.minimum.reduceat(z, starts)
    bad = np.nonzero(~(spread <= _AXIAL_TOLERANCE_MM))[0]
    if bad.size:
        number, index = owners[int(bad[0])]
        raise DicomError(
            f"contour {index + 1} of ROI {names[number]!r} is not axial (z varies by "
            f"{spread[bad[0]]:.2f} mm)",
            location=where,
            detail={"attribute": "ContourData", "structure": names[number]},
        )
    ends = [*starts[1:].tolist(), z.size]
    for (number, _), lo, hi in zip(owners, starts.tolist(), ends, strict=True):
        plane = round(float(z[lo]), _PLANE_DECIMALS)
        planes.setdefault(number, defaultdict(list))[plane].append(xy[lo:hi])
    return planes


def _parse_joined(joined: bytes, expected: int) -> np.ndarray | None:
    """All numbers of the joined DS strings, or None when any is not a plain number.

    numpy's parser reads a value of blanks between two separators as -1 without complaint, so
    empty and blank values are looked for first (they go to the value-by-value parse, which
    refuses them); every other malformed value makes it raise or stop short of ``expected``.
    """
    compact = joined.translate(None, b" \t\r\n\x0b\x0c")
    if not compact or b"\\\\" in compact or compact[:1] == b"\\" or compact[-1:] == b"\\":
        return None
    try:
        values = np.fromstring(joined.decode("ascii"), dtype=np.float64, sep="\\")
    except (ValueError, UnicodeDecodeError):
        return None
    if values.size != expected or not np.all(np.isfinite(values)):
        return None
    return values


def _triplet_starts(
    owners: list[tuple[int, int]], counts: list[int], names: dict[int, str], where: str
) -> list[int]:
    """Index of each contour's first number; a count that is not triplets is an error."""
    start = 0
    firsts: list[int] = []
    for (number, index), count in zip(owners, counts, strict=True):
        if count == 0 or count % 3:
            name = names[number]
            raise DicomError(
                f"contour {index + 1} of ROI {name!r}: ContourData holds {count} numbers, "
                "not a list of (x, y, z) triplets",
                location=where,
                detail={"attribute": "ContourData", "structure": name},
            )
        firsts.append(start)
        start += count
    return firsts


def _planes_from_texts(
    owners: list[tuple[int, int]],
    raws: list[bytes],
    counts: list[int],
    firsts: list[int],
    names: dict[int, str],
    where: str,
) -> dict[int, dict[float, list[np.ndarray]]]:
    """The value-by-value parse, for ContourData the fast parser refused: it names what is
    wrong (an empty value, a value that is not a number, a contour that is not axial)."""
    planes: dict[int, dict[float, list[np.ndarray]]] = {}
    tokens = b"\\".join(raws).split(b"\\")
    if sum(counts) != len(tokens):
        raise DicomError(
            "ContourData holds an empty value", location=where, detail={"attribute": "ContourData"}
        )
    xy = np.column_stack([floats_of(tokens[0::3], where), floats_of(tokens[1::3], where)])
    z_values = floats_of(tokens[2::3], where)
    if not np.all(np.isfinite(xy)) or not np.all(np.isfinite(z_values)):
        raise DicomError(
            "ContourData holds a value that is not a finite number",
            location=where,
            detail={"attribute": "ContourData"},
        )
    for (number, index), count, first in zip(owners, counts, firsts, strict=True):
        name = names[number]
        lo, hi = first // 3, (first + count) // 3
        z = z_values[lo:hi]
        if z.max() - z.min() > _AXIAL_TOLERANCE_MM:
            raise DicomError(
                f"contour {index + 1} of ROI {name!r} is not axial (z varies by "
                f"{z.max() - z.min():.2f} mm)",
                location=where,
                detail={"attribute": "ContourData", "structure": name},
            )
        planes.setdefault(number, defaultdict(list))[round(float(z[0]), _PLANE_DECIMALS)].append(
            xy[lo:hi]
        )
    return planes


def floats_of(texts: list[bytes], where: str) -> np.ndarray:
    """Numbers from their DS texts; a text that is not a number names ContourData."""
    try:
        return np.array(texts, dtype=np.float64)
    except ValueError as exc:
        raise DicomError(
            f"ContourData holds a value that is not a number: {exc}",
            location=where,
            detail={"attribute": "ContourData"},
        ) from exc

"""Reading DICOM files with pydicom, with every failure translated into :class:`DicomError`.

pydicom is imported here and in the other modules of :mod:`radtrial.dicom` only (the adapter);
the core sees the value objects of :mod:`radtrial.rt.dvh.model` and :mod:`radtrial.rt.dvh.plan`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from radtrial.errors import DicomError

#: Modalities each reader accepts (RT Ion Plans use the RTPLAN modality too).
MODALITIES = {"RTSTRUCT": "RT Structure Set", "RTDOSE": "RT Dose", "RTPLAN": "RT Plan"}


@contextmanager
def quiet_pydicom() -> Iterator[list[str]]:
    """Collect pydicom's warnings about non-conformant values instead of raising them.

    Vendor files often carry values that break a VR's formatting rule (a DS with 17 characters,
    a UI with a trailing space) but read correctly; the test suite turns warnings into errors,
    so they are caught here and kept as notes. Structural problems still raise.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        notes: list[str] = []
        yield notes
    notes.extend(str(w.message) for w in caught)


def read_dataset(path: str | Path, modality: str) -> Dataset:
    """The dataset in ``path``; it must be DICOM and of ``modality`` (RTSTRUCT, RTDOSE, RTPLAN)."""
    file = Path(path)
    where = str(path)
    if not file.is_file():
        raise DicomError("no such file", location=where)
    with quiet_pydicom():
        try:
            dataset: Dataset = pydicom.dcmread(file)
        except InvalidDicomError:
            dataset = _read_without_preamble(file, where)
        except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError) as exc:
            raise DicomError(f"cannot read the file as DICOM: {exc}", location=where) from exc
        found = str(dataset.get("Modality", "") or "")
    if found != modality:
        expected = MODALITIES[modality]
        what = f"a {found} object" if found else "no Modality"
        raise DicomError(
            f"expected an {expected} (Modality {modality}), found {what}",
            location=where,
            detail={"attribute": "Modality", "expected": modality, "found": found},
        )
    return dataset


def _read_without_preamble(file: Path, where: str) -> Dataset:
    """Files written without the 128-byte preamble and DICM prefix (legal before DICOM 3)."""
    try:
        dataset = pydicom.dcmread(file, force=True)
        dataset.get("Modality")  # forces parsing of the first elements
        if "SOPClassUID" not in dataset and "Modality" not in dataset:
            raise InvalidDicomError("no SOP Class UID or Modality")
    except Exception as exc:
        raise DicomError(
            "not a DICOM file (no DICM prefix and no readable DICOM elements)",
            location=where,
            detail={"attribute": "preamble"},
        ) from exc
    return dataset


def required(dataset: Dataset, keyword: str, where: str, context: str = "") -> Any:
    """The value of ``keyword``; a missing or empty one is a :class:`DicomError` naming it."""
    value = dataset.get(keyword)
    if value is None or (isinstance(value, str | bytes) and not value):
        inside = f" in {context}" if context else ""
        raise DicomError(
            f"missing attribute {keyword}{inside}",
            location=where,
            detail={"attribute": keyword},
        )
    return value


def floats(raw: Any, keyword: str, where: str) -> np.ndarray:
    """A multi-valued DS/FD attribute as a float array, parsed from raw bytes when possible.

    ContourData of a large structure set holds hundreds of thousands of numbers; splitting the
    raw ``\\``-separated string once is far faster than pydicom's per-value DSfloat objects.
    """
    try:
        if isinstance(raw, bytes | bytearray):
            text = bytes(raw).strip(b" \x00")
            if not text:
                return np.zeros(0)
            return np.array(text.split(b"\\"), dtype=np.float64)
        if isinstance(raw, str):
            return np.array(raw.split("\\"), dtype=np.float64)
        if isinstance(raw, int | float):
            return np.array([raw], dtype=np.float64)
        return np.asarray([float(v) for v in raw], dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise DicomError(
            f"{keyword} holds a value that is not a number: {exc}",
            location=where,
            detail={"attribute": keyword},
        ) from exc


def number(value: Any, keyword: str, where: str, context: str = "") -> float:
    """One DS/FD/IS value as a float; a corrupted value is a :class:`DicomError` naming it.

    pydicom keeps a DS it cannot parse as text (its warnings are collected), so the conversion
    happens here, where the file and attribute are known.
    """
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _not_a_number(value, keyword, where, context, "a number") from exc
    if result != result or result in (float("inf"), float("-inf")):
        raise _not_a_number(value, keyword, where, context, "a finite number")
    return result


def whole_number(value: Any, keyword: str, where: str, context: str = "") -> int:
    """One IS/US value as an int; anything else is a :class:`DicomError` naming it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)  # a plain int: pydicom's IS repr()s as a quoted string
    try:
        as_float = float(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _not_a_number(value, keyword, where, context, "a whole number") from exc
    if as_float != as_float or not as_float.is_integer():
        raise _not_a_number(value, keyword, where, context, "a whole number")
    return int(as_float)


def _not_a_number(value: Any, keyword: str, where: str, context: str, what: str) -> DicomError:
    inside = f" in {context}" if context else ""
    shown = str(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return DicomError(
        f"{keyword}{inside} is {shown!r}, not {what}",
        location=where,
        detail={"attribute": keyword, "found": shown},
    )


def raw_value(item: Dataset, tag: int) -> Any:
    """An element's value without pydicom's conversion (bytes for DS/IS when still raw)."""
    element = item.get_item(tag)
    if element is None:
        return None
    return element.value

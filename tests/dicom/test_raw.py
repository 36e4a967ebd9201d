"""The lean walk of the ROI Contour Sequence agrees with pydicom's parse, handles undefined
lengths, and gives up (None) rather than guessing on anything it does not expect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from radtrial.dicom import read_structure_set
from radtrial.dicom.raw import roi_contours
from tests.dicom import writer

ROIS = [
    (1, "A", [np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0], [0.0, 2.0, 1.0]])]),
    (2, "B", [np.array([[5.0, 5.0, -1.5], [6.0, 5.0, -1.5], [5.0, 6.0, -1.5]])] * 2),
]


def raw_sequence(path: Path) -> tuple[bytes, bool]:
    ds = pydicom.dcmread(path)
    implicit = ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    return ds.get_item(0x30060039).value, implicit


@pytest.mark.parametrize("undefined", [False, True])
def test_the_walk_finds_every_roi_and_contour(tmp_path: Path, undefined: bool) -> None:
    ds = writer.structure_set(ROIS)
    if undefined:
        ds.ROIContourSequence.is_undefined_length = True
        for item in ds.ROIContourSequence:
            item.is_undefined_length_sequence_item = True
            item.ContourSequence.is_undefined_length = True
    path = writer.write(tmp_path / "RS.dcm", ds)
    raw, implicit = raw_sequence(path)
    walked = roi_contours(raw, implicit)
    assert walked is not None
    assert [n for n, _ in walked] == [1, 2]
    assert [len(c) for _, c in walked] == [1, 2]
    kind, data = walked[1][1][0]
    assert kind == b"CLOSED_PLANAR"
    assert data.strip().split(b"\\")[:3] == [b"5", b"5", b"-1.5"]
    planes = read_structure_set(path).structure(2).planes
    assert [p.z_mm for p in planes] == [-1.5]
    assert len(planes[0].contours) == 2


def test_the_walk_gives_up_on_bytes_it_does_not_understand() -> None:
    assert roi_contours(b"\x01\x02\x03\x04\x05\x06\x07\x08garbage", implicit_vr=True) is None
    assert roi_contours(b"\xfe\xff\x00\xe0\x10\x00\x00\x00short", implicit_vr=True) is None

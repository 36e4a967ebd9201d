"""A lean walk of an RT Structure Set's ROI Contour Sequence in its raw bytes.

pydicom builds a Dataset per sequence item, which for a structure set of a few hundred contours
costs more than all the DVH work. Only four attributes matter here (ReferencedROINumber,
ContourSequence, ContourGeometricType, ContourData), so this walks the encoded items directly
(DICOM PS3.5 §7.1 data elements, §7.5 nesting of data sets): little endian, implicit or
explicit VR, defined or undefined lengths. Anything it does not expect makes it return None and
the caller uses pydicom's parse instead.
"""

from __future__ import annotations

import struct

ITEM = 0xFFFEE000
ITEM_END = 0xFFFEE00D
SEQUENCE_END = 0xFFFEE0DD
UNDEFINED = 0xFFFFFFFF
REFERENCED_ROI_NUMBER = 0x30060084
CONTOUR_SEQUENCE = 0x30060040
CONTOUR_GEOMETRIC_TYPE = 0x30060042
CONTOUR_DATA = 0x30060050
_LONG_VRS = {
    b"OB",
    b"OD",
    b"OF",
    b"OL",
    b"OV",
    b"OW",
    b"SQ",
    b"SV",
    b"UC",
    b"UN",
    b"UR",
    b"UT",
    b"UV",
}

#: (ROI number, [(ContourGeometricType, raw ContourData)]) per ROI Contour Sequence item.
RoiContours = list[tuple[int, list[tuple[bytes, bytes]]]]


class _Unexpected(Exception):
    pass


def roi_contours(raw: bytes, implicit_vr: bool) -> RoiContours | None:
    """The ROI contours of the raw value of (3006,0039), or None to fall back on pydicom."""
    try:
        walker = _Walker(raw, implicit_vr)
        out: RoiContours = []
        for start, end in walker.items(0, len(raw)):
            number: int | None = None
            contours: list[tuple[bytes, bytes]] = []
            for tag, value_start, value_end in walker.elements(start, end):
                if tag == REFERENCED_ROI_NUMBER:
                    number = int(raw[value_start:value_end].strip(b" \x00"))
                elif tag == CONTOUR_SEQUENCE:
                    contours = walker.contours(value_start, value_end)
            if number is None:
                return None
            out.append((number, contours))
        return out
    except (_Unexpected, struct.error, ValueError, IndexError):
        return None


class _Walker:
    def __init__(self, raw: bytes, implicit_vr: bool) -> None:
        self.raw = raw
        self.implicit = implicit_vr

    def _tag(self, offset: int) -> int:
        group, element = struct.unpack_from("<HH", self.raw, offset)
        return int(group << 16 | element)

    def items(self, start: int, end: int) -> list[tuple[int, int]]:
        """(value start, value end) of each item of a sequence value in [start, end)."""
        out = []
        offset = start
        while offset < end:
            tag = self._tag(offset)
            (length,) = struct.unpack_from("<I", self.raw, offset + 4)
            offset += 8
            if tag == SEQUENCE_END:
                break
            if tag != ITEM:
                raise _Unexpected
            if length == UNDEFINED:
                item_end = self._skip_to(offset, ITEM_END)
                out.append((offset, item_end))
                offset = item_end + 8
            else:
                out.append((offset, offset + length))
                offset += length
        return out

    def elements(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(tag, value start, value end) of each element of a data set in [start, end)."""
        out = []
        offset = start
        while offset < end:
            tag = self._tag(offset)
            if tag == ITEM_END:
                break
            if self.implicit:
                (length,) = struct.unpack_from("<I", self.raw, offset + 4)
                offset += 8
            else:
                vr = self.raw[offset + 4 : offset + 6]
                if vr in _LONG_VRS:
                    (length,) = struct.unpack_from("<I", self.raw, offset + 8)
                    offset += 12
                else:
                    (length,) = struct.unpack_from("<H", self.raw, offset + 6)
                    offset += 8
            if length == UNDEFINED:
                value_end = self._skip_to(offset, SEQUENCE_END)
                out.append((tag, offset, value_end))
                offset = value_end + 8
            else:
                if offset + length > end:
                    raise _Unexpected
                out.append((tag, offset, offset + length))
                offset += length
        return out

    def _skip_to(self, offset: int, delimiter: int) -> int:
        """Offset of the delimiter closing the undefined-length value that starts at offset."""
        while True:
            tag = self._tag(offset)
            if tag == delimiter:
                return offset
            if tag == ITEM:
                (length,) = struct.unpack_from("<I", self.raw, offset + 4)
                offset += 8
                if length == UNDEFINED:
                    offset = self._skip_to(offset, ITEM_END) + 8
                else:
                    offset += length
                continue
            element = self.elements_one(offset)
            offset = element

    def elements_one(self, offset: int) -> int:
        """Offset just past the element starting at offset (nested values skipped)."""
        if self.implicit:
            (length,) = struct.unpack_from("<I", self.raw, offset + 4)
            offset += 8
        else:
            vr = self.raw[offset + 4 : offset + 6]
            if vr in _LONG_VRS:
                (length,) = struct.unpack_from("<I", self.raw, offset + 8)
                offset += 12
            else:
                (length,) = struct.unpack_from("<H", self.raw, offset + 6)
                offset += 8
        if length == UNDEFINED:
            return self._skip_to(offset, SEQUENCE_END) + 8
        return offset + int(length)

    def contours(self, start: int, end: int) -> list[tuple[bytes, bytes]]:
        out = []
        for item_start, item_end in self.items(start, end):
            kind = b""
            data = b""
            for tag, value_start, value_end in self.elements(item_start, item_end):
                if tag == CONTOUR_GEOMETRIC_TYPE:
                    kind = self.raw[value_start:value_end].strip(b" \x00")
                elif tag == CONTOUR_DATA:
                    data = self.raw[value_start:value_end]
            out.append((kind, data))
        return out

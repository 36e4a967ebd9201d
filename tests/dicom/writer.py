"""Write small, valid DICOM RT Structure Sets, RT Doses and RT Plans for the tests (pydicom 3).

Only what the readers need, with the standard's SOP classes and a proper file meta header, so
the files exercise the same code path as a planning system's export.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

RT_STRUCTURE_SET = "1.2.840.10008.5.1.4.1.1.481.3"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_PLAN = "1.2.840.10008.5.1.4.1.1.481.5"
RT_ION_PLAN = "1.2.840.10008.5.1.4.1.1.481.8"

FRAME_OF_REFERENCE = "1.2.826.0.1.3680043.8.498.1"


def ds_values(values: Sequence[float] | np.ndarray) -> list[str]:
    """Numbers as DS strings of at most 16 characters."""
    out = []
    for value in np.asarray(values, dtype=float).ravel():
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        out.append(text if text not in ("", "-0") else "0")
    return out


def _base(sop_class: str, modality: str) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.PatientName = "Phantom^Analytical"
    ds.PatientID = "PHANTOM"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.2"
    ds.SeriesInstanceUID = generate_uid()
    return ds


def write(path: Path, ds: Dataset) -> Path:
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


def structure_set(
    rois: Sequence[tuple[int, str, Sequence[np.ndarray]]],
    *,
    frame_of_reference: str = FRAME_OF_REFERENCE,
    points: Sequence[tuple[int, np.ndarray]] = (),
) -> Dataset:
    """An RT Structure Set; each ROI is (number, name, [contour (n, 3) arrays in mm]).

    ``points`` adds POINT contours (ROI number, (1, 3) array), which readers must ignore.
    """
    ds = _base(RT_STRUCTURE_SET, "RTSTRUCT")
    ds.StructureSetLabel = "PHANTOM"
    frame = Dataset()
    frame.FrameOfReferenceUID = frame_of_reference
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([frame])
    roi_items, contour_items = [], []
    for number, name, contours in rois:
        roi = Dataset()
        roi.ROINumber = number
        roi.ReferencedFrameOfReferenceUID = frame_of_reference
        roi.ROIName = name
        roi.ROIGenerationAlgorithm = "MANUAL"
        roi_items.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ROIDisplayColor = [255, 0, 0]
        sequence = []
        for contour in contours:
            c = Dataset()
            c.ContourGeometricType = "CLOSED_PLANAR"
            c.NumberOfContourPoints = len(contour)
            c.ContourData = ds_values(contour)
            sequence.append(c)
        for point_roi, point in points:
            if point_roi == number:
                c = Dataset()
                c.ContourGeometricType = "POINT"
                c.NumberOfContourPoints = 1
                c.ContourData = ds_values(point)
                sequence.append(c)
        if sequence:
            item.ContourSequence = DicomSequence(sequence)
        contour_items.append(item)
    ds.StructureSetROISequence = DicomSequence(roi_items)
    ds.ROIContourSequence = DicomSequence(contour_items)
    return ds


def dose(
    dose_gy: np.ndarray,
    *,
    origin_mm: Sequence[float],
    spacing_mm: Sequence[float],
    frame_offsets_mm: Sequence[float] | None = None,
    absolute_offsets: bool = False,
    scaling: float = 1e-5,
    summation: str = "PLAN",
    frame_of_reference: str = FRAME_OF_REFERENCE,
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    fraction_group: int | None = None,
    beams: Sequence[int] = (),
) -> Dataset:
    """An RT Dose of ``dose_gy[frame, row, column]`` with an empty SliceThickness.

    ``fraction_group`` and ``beams`` fill the Referenced RT Plan Sequence (the fraction group
    and beams a FRACTION, BEAM or per-session dose was calculated for).
    """
    frames, rows, columns = dose_gy.shape
    ds = _base(RT_DOSE, "RTDOSE")
    ds.FrameOfReferenceUID = frame_of_reference
    ds.ImagePositionPatient = ds_values(origin_mm)
    ds.ImageOrientationPatient = [str(v) for v in orientation]
    ds.PixelSpacing = ds_values([spacing_mm[1], spacing_mm[0]])  # row spacing, column spacing
    ds.SliceThickness = None
    offsets = np.arange(frames) * spacing_mm[2] if frame_offsets_mm is None else frame_offsets_mm
    offsets = np.asarray(offsets, dtype=float)
    if absolute_offsets:
        offsets = offsets + float(origin_mm[2])
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = 0x3004000C
    ds.GridFrameOffsetVector = ds_values(offsets)
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = summation
    ds.DoseGridScaling = str(scaling)
    counts = np.rint(np.clip(dose_gy, 0, None) / scaling).astype(np.uint32)
    ds.PixelData = counts.tobytes()
    if fraction_group is not None or beams:
        plan_reference = Dataset()
        plan_reference.ReferencedSOPClassUID = RT_ION_PLAN
        plan_reference.ReferencedSOPInstanceUID = generate_uid()
        group = Dataset()
        group.ReferencedFractionGroupNumber = fraction_group if fraction_group is not None else 1
        if beams:
            referenced = []
            for number in beams:
                item = Dataset()
                item.ReferencedBeamNumber = number
                referenced.append(item)
            group.ReferencedBeamSequence = DicomSequence(referenced)
        plan_reference.ReferencedFractionGroupSequence = DicomSequence([group])
        ds.ReferencedRTPlanSequence = DicomSequence([plan_reference])
    return ds


def plan(
    *,
    radiation_type: str = "PROTON",
    fractions: int = 16,
    prescription_gy: float = 56.0,
    beams: int = 2,
    frame_of_reference: str = FRAME_OF_REFERENCE,
) -> Dataset:
    """An RT Plan (photons) or RT Ion Plan (protons) with one fraction group."""
    ion = radiation_type == "PROTON"
    ds = _base(RT_ION_PLAN if ion else RT_PLAN, "RTPLAN")
    ds.FrameOfReferenceUID = frame_of_reference
    ds.RTPlanLabel = "PHANTOM"
    ds.RTPlanGeometry = "PATIENT"
    reference = Dataset()
    reference.DoseReferenceNumber = 1
    reference.DoseReferenceStructureType = "VOLUME"
    reference.DoseReferenceDescription = "CTV"
    reference.DoseReferenceType = "TARGET"
    reference.TargetPrescriptionDose = str(prescription_gy)
    ds.DoseReferenceSequence = DicomSequence([reference])
    group = Dataset()
    group.FractionGroupNumber = 1
    group.NumberOfFractionsPlanned = fractions
    group.NumberOfBeams = beams
    referenced = []
    beam_items = []
    for number in range(1, beams + 1):
        r = Dataset()
        r.ReferencedBeamNumber = number
        r.BeamDose = ds_values([prescription_gy / fractions / beams])[0]
        referenced.append(r)
        b = Dataset()
        b.BeamNumber = number
        b.BeamName = f"F{number}"
        b.RadiationType = radiation_type
        b.TreatmentDeliveryType = "TREATMENT"
        beam_items.append(b)
    group.ReferencedBeamSequence = DicomSequence(referenced)
    ds.FractionGroupSequence = DicomSequence([group])
    if ion:
        ds.IonBeamSequence = DicomSequence(beam_items)
    else:
        ds.BeamSequence = DicomSequence(beam_items)
    return ds

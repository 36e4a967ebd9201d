"""RT Plan and RT Ion Plan (DICOM PS3.3 A.20, A.49) -> :class:`Plan`."""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset

from radtrial.dicom.files import quiet_pydicom, read_dataset, required
from radtrial.rt.dvh.plan import Beam, DoseReference, FractionGroup, Plan


def read_plan(path: str | Path) -> Plan:
    """Read an RT (Ion) Plan's prescription, fraction groups and beams."""
    where = str(path)
    dataset = read_dataset(path, "RTPLAN")
    with quiet_pydicom():
        return _plan(dataset, where)


def _optional_float(item: Dataset, keyword: str) -> float | None:
    value = item.get(keyword)
    if value is None or value == "":
        return None
    return float(value)


def _plan(dataset: Dataset, where: str) -> Plan:
    beam_items = list(dataset.get("IonBeamSequence", []) or dataset.get("BeamSequence", []))
    beams = tuple(
        Beam(
            number=int(required(b, "BeamNumber", where, "BeamSequence")),
            name=str(b.get("BeamName", "") or ""),
            radiation_type=str(required(b, "RadiationType", where, "BeamSequence")).upper(),
            delivery_type=str(b.get("TreatmentDeliveryType", "") or "TREATMENT"),
        )
        for b in beam_items
    )
    groups = tuple(
        FractionGroup(
            number=int(required(g, "FractionGroupNumber", where, "FractionGroupSequence")),
            fractions_planned=int(
                required(g, "NumberOfFractionsPlanned", where, "FractionGroupSequence")
            ),
            beam_dose_gy=tuple(
                (int(r.ReferencedBeamNumber), _optional_float(r, "BeamDose"))
                for r in g.get("ReferencedBeamSequence", [])
            ),
        )
        for g in required(dataset, "FractionGroupSequence", where)
    )
    references = tuple(
        DoseReference(
            number=int(r.get("DoseReferenceNumber", index + 1) or index + 1),
            description=str(r.get("DoseReferenceDescription", "") or ""),
            structure_type=str(r.get("DoseReferenceStructureType", "") or ""),
            dose_reference_type=str(r.get("DoseReferenceType", "") or ""),
            target_prescription_dose_gy=_optional_float(r, "TargetPrescriptionDose"),
        )
        for index, r in enumerate(dataset.get("DoseReferenceSequence", []))
    )
    structure_sets = dataset.get("ReferencedStructureSetSequence", [])
    return Plan(
        label=str(dataset.get("RTPlanLabel", "") or ""),
        frame_of_reference_uid=str(dataset.get("FrameOfReferenceUID", "") or ""),
        beams=beams,
        fraction_groups=groups,
        dose_references=references,
        referenced_structure_set_uid=(
            str(structure_sets[0].ReferencedSOPInstanceUID) if structure_sets else None
        ),
        source=where,
    )

"""RT Plan and RT Ion Plan (DICOM PS3.3 A.20, A.49) -> :class:`Plan`."""

from __future__ import annotations

from pathlib import Path

from pydicom.dataset import Dataset

from radtrial.dicom.files import number, quiet_pydicom, read_dataset, required, whole_number
from radtrial.rt.dvh.plan import Beam, DoseReference, FractionGroup, Plan


def read_plan(path: str | Path) -> Plan:
    """Read an RT (Ion) Plan's prescription, fraction groups and beams."""
    where = str(path)
    dataset = read_dataset(path, "RTPLAN")
    with quiet_pydicom():
        return _plan(dataset, where)


def _optional_float(item: Dataset, keyword: str, where: str, context: str) -> float | None:
    value = item.get(keyword)
    if value is None or value == "":
        return None
    return number(value, keyword, where, context)


def _plan(dataset: Dataset, where: str) -> Plan:
    beam_items = list(dataset.get("IonBeamSequence", []) or dataset.get("BeamSequence", []))
    beam_sequence = "IonBeamSequence" if "IonBeamSequence" in dataset else "BeamSequence"
    beams = tuple(
        Beam(
            number=whole_number(
                required(b, "BeamNumber", where, beam_sequence), "BeamNumber", where, beam_sequence
            ),
            name=str(b.get("BeamName", "") or ""),
            radiation_type=str(required(b, "RadiationType", where, beam_sequence)).upper(),
            delivery_type=str(b.get("TreatmentDeliveryType", "") or "TREATMENT"),
        )
        for b in beam_items
    )
    groups = tuple(
        _fraction_group(g, where) for g in required(dataset, "FractionGroupSequence", where)
    )
    references = tuple(
        DoseReference(
            number=whole_number(
                r.get("DoseReferenceNumber", index + 1) or index + 1,
                "DoseReferenceNumber",
                where,
                "DoseReferenceSequence",
            ),
            description=str(r.get("DoseReferenceDescription", "") or ""),
            structure_type=str(r.get("DoseReferenceStructureType", "") or ""),
            dose_reference_type=str(r.get("DoseReferenceType", "") or ""),
            target_prescription_dose_gy=_optional_float(
                r, "TargetPrescriptionDose", where, "DoseReferenceSequence"
            ),
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
            str(structure_sets[0].get("ReferencedSOPInstanceUID", "") or "") or None
            if structure_sets
            else None
        ),
        source=where,
    )


def _fraction_group(group: Dataset, where: str) -> FractionGroup:
    context = "FractionGroupSequence"
    beams = []
    for r in group.get("ReferencedBeamSequence", []) or []:
        inner = "ReferencedBeamSequence"
        beams.append(
            (
                whole_number(
                    required(r, "ReferencedBeamNumber", where, inner),
                    "ReferencedBeamNumber",
                    where,
                    inner,
                ),
                _optional_float(r, "BeamDose", where, inner),
            )
        )
    return FractionGroup(
        number=whole_number(
            required(group, "FractionGroupNumber", where, context),
            "FractionGroupNumber",
            where,
            context,
        ),
        fractions_planned=whole_number(
            required(group, "NumberOfFractionsPlanned", where, context),
            "NumberOfFractionsPlanned",
            where,
            context,
        ),
        beam_dose_gy=tuple(beams),
    )

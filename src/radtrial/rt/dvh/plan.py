"""Value objects of an RT (Ion) Plan: prescription, fraction groups and beams.

Only what plan QA needs: the prescription to check the dose against, how many fractions, and
which beams of which radiation type deliver it (DICOM PS3.3 C.8.8.10-C.8.8.14, C.8.8.25).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Beam:
    """One treatment beam (BeamSequence or IonBeamSequence item)."""

    number: int
    name: str
    radiation_type: str
    delivery_type: str = "TREATMENT"


@dataclass(frozen=True)
class FractionGroup:
    """A fraction group: planned fractions and the dose each referenced beam gives per fraction."""

    number: int
    fractions_planned: int
    beam_dose_gy: tuple[tuple[int, float | None], ...] = ()

    @property
    def dose_per_fraction_gy(self) -> float | None:
        """Sum of the referenced beams' doses at the beam dose point, if every beam gives one."""
        doses = [dose for _, dose in self.beam_dose_gy]
        if not doses or any(d is None for d in doses):
            return None
        return float(sum(d for d in doses if d is not None))


@dataclass(frozen=True)
class DoseReference:
    """A prescription item (DoseReferenceSequence): a target (or point) and its dose."""

    number: int
    description: str
    structure_type: str
    dose_reference_type: str
    target_prescription_dose_gy: float | None = None


@dataclass(frozen=True)
class Plan:
    """An RT Plan or RT Ion Plan reduced to its prescription, fractionation and beams."""

    label: str
    frame_of_reference_uid: str
    beams: tuple[Beam, ...]
    fraction_groups: tuple[FractionGroup, ...]
    dose_references: tuple[DoseReference, ...] = ()
    referenced_structure_set_uid: str | None = None
    source: str | None = None

    @property
    def radiation_types(self) -> tuple[str, ...]:
        """Distinct radiation types of the treatment beams (PHOTON, PROTON, ...)."""
        kinds = [b.radiation_type for b in self.beams if b.delivery_type == "TREATMENT"]
        return tuple(dict.fromkeys(kinds or [b.radiation_type for b in self.beams]))

    @property
    def is_proton(self) -> bool:
        """True when every treatment beam is a proton beam."""
        return self.radiation_types == ("PROTON",)

    @property
    def fractions_planned(self) -> int:
        """Planned fractions over all fraction groups."""
        return sum(g.fractions_planned for g in self.fraction_groups)

    @property
    def prescription_dose_gy(self) -> float | None:
        """The largest target prescription dose of the target dose references, if any."""
        doses = [
            r.target_prescription_dose_gy
            for r in self.dose_references
            if r.target_prescription_dose_gy is not None and r.dose_reference_type == "TARGET"
        ]
        return max(doses) if doses else None

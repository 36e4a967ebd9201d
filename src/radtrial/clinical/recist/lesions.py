"""RECIST 1.1 lesions and the baseline assessment (Eisenhauer et al., Eur J Cancer
2009;45:228–247, doi:10.1016/j.ejca.2008.10.026, §3; DOMAIN.md §3).

Measurability at baseline (§3.1–3.2):

* a non-nodal lesion is measurable with a longest diameter ≥ 10 mm on CT or MRI (or twice the
  slice thickness when slices are thicker than 5 mm), ≥ 10 mm by calliper, ≥ 20 mm on chest
  X-ray;
* a lymph node is measured by its **short axis**: ≥ 15 mm is measurable and may be a target,
  10 to < 15 mm is pathological but non-measurable (a non-target), < 10 mm is normal;
* a lesion in a previously irradiated area is non-measurable unless it has progressed since
  (§3.1.2), "study protocols should detail the conditions under which such lesions would be
  considered measurable". PROSARC-2 does: its **irradiated index lesion** is measurable
  (``RecistRules.irradiated_index_lesion_measurable``, from the protocol file).

Target lesions: at most 5 in all and at most 2 per organ; all other disease is recorded as
non-target lesions. The sum of diameters (SoD) adds the longest diameters of non-nodal targets
and the short axes of nodal targets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from radtrial.clinical._values import invalid, length_mm, member, require_text
from radtrial.protocol.schedule import RecistRules

__all__ = [
    "MAX_TARGETS",
    "MAX_TARGETS_PER_ORGAN",
    "NODE_PATHOLOGICAL_MM",
    "NODE_TARGET_MM",
    "Baseline",
    "Modality",
    "NonTargetLesion",
    "TargetLesion",
    "minimum_measurable_mm",
]

MAX_TARGETS = 5
MAX_TARGETS_PER_ORGAN = 2
#: A node's short axis from which it is measurable and may be a target (§3.1.1).
NODE_TARGET_MM = 15.0
#: A node's short axis from which it is pathological; below it the node is normal (§3.1.1).
NODE_PATHOLOGICAL_MM = 10.0
_NON_NODAL_MM = 10.0
_CHEST_XRAY_MM = 20.0
_THIN_SLICE_MM = 5.0


class Modality(StrEnum):
    """How a lesion is measured; the same method is used at every assessment (§3.2)."""

    CT = "ct"
    MRI = "mri"
    CHEST_XRAY = "chest_xray"
    CALLIPER = "calliper"


#: How a message names each modality.
_MODALITY_NAMES = {
    Modality.CT: "CT",
    Modality.MRI: "MRI",
    Modality.CHEST_XRAY: "chest X-ray",
    Modality.CALLIPER: "calliper-measured",
}


def minimum_measurable_mm(
    *, nodal: bool, modality: Modality, slice_thickness_mm: float | None = None
) -> float:
    """The smallest baseline size at which a lesion is measurable (§3.1.1, §3.2)."""
    if nodal:
        return NODE_TARGET_MM
    if modality is Modality.CHEST_XRAY:
        return _CHEST_XRAY_MM
    if modality in {Modality.CT, Modality.MRI} and slice_thickness_mm is not None:
        return max(_NON_NODAL_MM, 2 * slice_thickness_mm)
    return _NON_NODAL_MM


@dataclass(frozen=True, slots=True)
class TargetLesion:
    """A measurable lesion followed by its size: longest diameter, or short axis for a node.

    ``irradiated_index`` marks the trial's irradiated index lesion (PROSARC-2's tumour);
    ``previously_irradiated`` a lesion in a field irradiated before the trial, which RECIST only
    allows as a target if ``progressed_after_irradiation``.
    """

    lesion_id: str
    organ: str
    baseline_mm: float
    nodal: bool = False
    modality: Modality = Modality.CT
    slice_thickness_mm: float | None = None
    irradiated_index: bool = False
    previously_irradiated: bool = False
    progressed_after_irradiation: bool = False

    def __post_init__(self) -> None:
        require_text(self.lesion_id, "lesion_id")
        where = f"target_lesions[{self.lesion_id}]"
        require_text(self.organ, f"{where}.organ")
        object.__setattr__(self, "baseline_mm", length_mm(self.baseline_mm, f"{where}.baseline_mm"))
        object.__setattr__(
            self, "modality", member(Modality, self.modality, f"{where}.modality", "The modality")
        )
        if self.nodal and self.modality not in {Modality.CT, Modality.MRI}:
            raise invalid(
                "a lymph node is measured on CT or MRI (RECIST 1.1 §3.1.1)",
                f"{where}.modality",
                "node_not_ct_or_mri",
            )
        if self.slice_thickness_mm is not None:
            thickness = length_mm(self.slice_thickness_mm, f"{where}.slice_thickness_mm")
            if thickness == 0:
                raise invalid(
                    "a slice thickness must be above 0 mm",
                    f"{where}.slice_thickness_mm",
                    "zero_slice",
                )

    @property
    def minimum_mm(self) -> float:
        """The size this lesion needed at baseline to be measurable."""
        return minimum_measurable_mm(
            nodal=self.nodal, modality=self.modality, slice_thickness_mm=self.slice_thickness_mm
        )


@dataclass(frozen=True, slots=True)
class NonTargetLesion:
    """A lesion followed qualitatively: present, absent or unequivocally progressing."""

    lesion_id: str
    organ: str
    nodal: bool = False
    irradiated_index: bool = False

    def __post_init__(self) -> None:
        require_text(self.lesion_id, "lesion_id")
        require_text(self.organ, f"non_target_lesions[{self.lesion_id}].organ")


@dataclass(frozen=True)
class Baseline:
    """The baseline tumour assessment, validated against the protocol's RECIST rules.

    Raises :class:`InvalidInput` for: no lesion at all; a repeated lesion id; a sixth target
    lesion (``target_lesions``); a third target in one organ (``target_lesions[<id>].organ``);
    a target below the measurable size, or an irradiated target RECIST and the protocol do not
    allow (``target_lesions[<id>].baseline_mm`` / ``.irradiated_index`` /
    ``.previously_irradiated``); more than one irradiated index lesion.
    """

    assessed_on: date
    targets: tuple[TargetLesion, ...]
    non_targets: tuple[NonTargetLesion, ...] = ()
    rules: RecistRules = field(default_factory=RecistRules)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))
        object.__setattr__(self, "non_targets", tuple(self.non_targets))
        if not self.targets and not self.non_targets:
            raise invalid(
                "a baseline needs at least one lesion to follow", "target_lesions", "no_disease"
            )
        lesions: tuple[TargetLesion | NonTargetLesion, ...] = (*self.targets, *self.non_targets)
        ids = [lesion.lesion_id for lesion in lesions]
        for lesion_id, count in Counter(ids).items():
            if count > 1:
                raise invalid(
                    f"lesion id {lesion_id!r} is used {count} times", "lesion_id", "duplicate_id"
                )
        if len(self.targets) > MAX_TARGETS:
            extra = self.targets[MAX_TARGETS].lesion_id
            raise invalid(
                f"at most {MAX_TARGETS} target lesions (RECIST 1.1 §3.3); {extra!r} would be "
                f"number {MAX_TARGETS + 1}: record it as a non-target lesion",
                "target_lesions",
                "too_many_targets",
                allowed=MAX_TARGETS,
            )
        per_organ: Counter[str] = Counter()
        for lesion in self.targets:
            organ = lesion.organ.strip().casefold()
            per_organ[organ] += 1
            if per_organ[organ] > MAX_TARGETS_PER_ORGAN:
                raise invalid(
                    f"at most {MAX_TARGETS_PER_ORGAN} target lesions per organ (RECIST 1.1 §3.3); "
                    f"{lesion.lesion_id!r} is the third in {lesion.organ!r}",
                    f"target_lesions[{lesion.lesion_id}].organ",
                    "too_many_in_organ",
                    allowed=MAX_TARGETS_PER_ORGAN,
                )
            self._check_measurable(lesion)
        index = [lesion.lesion_id for lesion in lesions if lesion.irradiated_index]
        if len(index) > 1:
            raise invalid(
                f"only one irradiated index lesion, not {index}",
                "irradiated_index",
                "two_index_lesions",
            )

    def _check_measurable(self, lesion: TargetLesion) -> None:
        where = f"target_lesions[{lesion.lesion_id}]"
        size = lesion.baseline_mm
        if lesion.nodal and size < NODE_TARGET_MM:
            kind = (
                "pathological but non-measurable: record it as a non-target lesion"
                if size >= NODE_PATHOLOGICAL_MM
                else "normal (short axis < 10 mm): it is not a lesion"
            )
            raise invalid(
                f"a node with a short axis of {size:g} mm is {kind}; target nodes need a short "
                f"axis ≥ {NODE_TARGET_MM:g} mm (RECIST 1.1 §3.1.1)",
                f"{where}.baseline_mm",
                "not_measurable",
                minimum_mm=NODE_TARGET_MM,
            )
        if size < lesion.minimum_mm:
            raise invalid(
                f"a {_MODALITY_NAMES[lesion.modality]} lesion of {size:g} mm is non-measurable; "
                f"targets need ≥ {lesion.minimum_mm:g} mm (RECIST 1.1 §3.1.1): record it as a "
                "non-target lesion",
                f"{where}.baseline_mm",
                "not_measurable",
                minimum_mm=lesion.minimum_mm,
            )
        if lesion.irradiated_index and not self.rules.irradiated_index_lesion_measurable:
            raise invalid(
                "an irradiated lesion is non-measurable under RECIST 1.1 (§3.1.2) and the "
                "protocol makes no exception for the irradiated index lesion: record it as a "
                "non-target lesion",
                f"{where}.irradiated_index",
                "irradiated_not_measurable",
            )
        if lesion.previously_irradiated and not lesion.progressed_after_irradiation:
            raise invalid(
                "a lesion in a previously irradiated area is non-measurable unless it has "
                "progressed since (RECIST 1.1 §3.1.2)",
                f"{where}.previously_irradiated",
                "irradiated_not_measurable",
            )

    @property
    def sum_mm(self) -> float:
        """The baseline sum of diameters."""
        return sum(lesion.baseline_mm for lesion in self.targets)

    @property
    def index_lesion(self) -> TargetLesion | None:
        """The irradiated index lesion when it is a target, else None."""
        return next((t for t in self.targets if t.irradiated_index), None)

    def target(self, lesion_id: str) -> TargetLesion:
        """The target lesion with this id."""
        for lesion in self.targets:
            if lesion.lesion_id == lesion_id:
                return lesion
        raise KeyError(lesion_id)

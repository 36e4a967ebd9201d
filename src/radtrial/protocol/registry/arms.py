"""Arms for a draft: the record's arm groups with a prescription read from their text.

A registry arm group has a label, a type, a description and intervention names; the
prescription (modality, dose levels, weekly rhythm) is read from the arm's own text (label,
description, its interventions' descriptions) and, for a single-arm trial, from the summary.
What cannot be read is a marked placeholder.
"""

from __future__ import annotations

import re
from typing import Any

from radtrial.protocol.registry.fractionation import Fractionation, parse_fractionation
from radtrial.protocol.registry.marks import derived, placeholder
from radtrial.protocol.registry.record import ArmGroup, Intervention, RegistryRecord

_ARM_KINDS = {
    "EXPERIMENTAL": "experimental",
    "ACTIVE_COMPARATOR": "active_comparator",
    "PLACEBO_COMPARATOR": "placebo_comparator",
    "NO_INTERVENTION": "no_intervention",
}
_MODALITIES: tuple[tuple[str, str], ...] = (
    (r"\bprotons?\b", "proton"),
    (r"\bcarbon[- ]ions?\b", "carbon_ion"),
    (r"\bphotons?\b", "photon"),
    (r"\belectrons?\b", "electron"),
)
_RBE = {"proton": 1.1, "carbon_ion": 3.0}
_RBE_HINT = {
    "proton": "A constant RBE of 1.1 is the clinical convention for protons (ICRU Report 78; "
    "AAPM TG-256, doi:10.1002/mp.13390).",
    "carbon_ion": "Carbon-ion RBE varies with LET and tissue; 3.0 only stands in for the "
    "protocol's RBE model.",
}
_EXTRA_FRACTION_WINDOW_DAYS = (7, 42)


def arm_code(index: int) -> str:
    """A, B, ... Z, then A26, A27, ... (``^[A-Z][A-Z0-9]{0,3}$``)."""
    return chr(ord("A") + index) if index < 26 else f"A{index}"


def _arm_text(group: ArmGroup, interventions: dict[str, Intervention]) -> str:
    parts = [group.label, group.description or ""]
    for name in group.interventions:
        parts.append(name)
        known = interventions.get(name)
        if known is not None and known.description:
            parts.append(known.description)
    return " ".join(p for p in parts if p)


def _trial_text(record: RegistryRecord) -> str:
    parts = (record.title, record.brief_summary, record.detailed_description)
    return " ".join(p for p in parts if p)


def _modality(arm_text: str, trial_text: str) -> tuple[str, str]:
    """The beam and the reason for its mark."""
    for text, where in ((arm_text, "the arm's text"), (trial_text, "the record's title/summary")):
        for pattern, modality in _MODALITIES:
            if re.search(pattern, text, re.IGNORECASE):
                return modality, derived(f"the importer read {modality!r} in {where}")
    return "photon", placeholder("The record does not name the beam; photon is assumed.")


def _dose_levels(fractionation: Fractionation) -> list[dict[str, Any]]:
    schedule = fractionation.schedule
    if schedule is None:
        return [
            {
                "id": "ptv",
                "label": "Prescribed dose (not in the registry record)",
                "target": "PTV",
                "total_dose_gy": 1.0,
                "dose_per_fraction_gy": 1.0,
                "fractions": 1,
                "assumption": placeholder(
                    "The record gives no readable dose and fractionation; 1 Gy x 1 only fills "
                    "the required fields."
                ),
            }
        ]
    target_mark = placeholder("The target volume is not in the record.")
    levels = [
        {
            "id": "ptv",
            "label": f"Prescribed dose ({schedule.phrase})",
            "target": "PTV",
            "total_dose_gy": schedule.total_dose_gy,
            "dose_per_fraction_gy": schedule.dose_per_fraction_gy,
            "fractions": schedule.fractions,
            "assumptions": {"target": target_mark},
        }
    ]
    maximum = fractionation.maximum
    if maximum is not None and maximum.fractions == schedule.fractions:
        levels.append(
            {
                "id": "maximum",
                "label": f"Maximum dose ({maximum.phrase})",
                "target": "PTV_Boost",
                "kind": "maximum",
                "total_dose_gy": maximum.total_dose_gy,
                "dose_per_fraction_gy": maximum.dose_per_fraction_gy,
                "fractions": schedule.fractions,
                "assumptions": {"target": target_mark},
            }
        )
    return levels


def _prescription(fractionation: Fractionation, arm_text: str, trial_text: str) -> dict[str, Any]:
    modality, modality_reason = _modality(arm_text, trial_text)
    levels = _dose_levels(fractionation)
    marks: dict[str, str] = {"modality": modality_reason}
    fractions = int(levels[0]["fractions"])
    per_week = fractionation.fractions_per_week
    if per_week is None:
        per_week = min(fractions, 5)
        marks["fractions_per_week"] = placeholder(
            "The record gives no weekly rhythm; at most 5 fractions a week is assumed."
        )
    prescription: dict[str, Any] = {"modality": modality}
    if modality in _RBE:
        prescription["rbe"] = {
            "model": "constant",
            "value": _RBE[modality],
            "assumption": placeholder(_RBE_HINT[modality]),
        }
    prescription["fractions_per_week"] = per_week
    prescription["dose_levels"] = levels
    schedule = fractionation.schedule
    if schedule is not None and schedule.optional_fractions:
        earliest, latest = _EXTRA_FRACTION_WINDOW_DAYS
        prescription["optional_fractions"] = [
            {
                "id": "extra_fraction",
                "dose_level": "ptv",
                "count": schedule.optional_fractions,
                "dose_per_fraction_gy": schedule.dose_per_fraction_gy,
                "criterion": f"The record allows '{schedule.phrase}'; when the extra fraction "
                "is given is not in the record.",
                "earliest_day_after_first_fraction": earliest,
                "latest_day_after_first_fraction": latest,
                "assumption": placeholder(
                    "The criterion for the extra fraction and its decision window are not in "
                    "the record."
                ),
            }
        ]
    prescription["assumptions"] = marks
    return prescription


def _fractionation(arm_text: str, trial_text: str, single_arm: bool) -> Fractionation:
    own = parse_fractionation(arm_text)
    if not single_arm:
        return own
    trial = parse_fractionation(trial_text)
    return Fractionation(
        schedule=own.schedule or trial.schedule,
        maximum=own.maximum or trial.maximum,
        fractions_per_week=own.fractions_per_week or trial.fractions_per_week,
        rhythm_phrase=own.rhythm_phrase or trial.rhythm_phrase,
    )


def draft_arms(record: RegistryRecord) -> list[dict[str, Any]]:
    """Arm tables for the draft, one per registry arm group (a placeholder arm if none)."""
    interventions = {i.name: i for i in record.interventions}
    groups = list(record.arm_groups)
    if not groups:
        known = tuple(i.name for i in record.interventions)
        groups = [ArmGroup(label=known[0] if known else "Study treatment", interventions=known)]
    trial_text = _trial_text(record)
    arms = []
    for index, group in enumerate(groups):
        arm_text = _arm_text(group, interventions)
        marks: dict[str, str] = {}
        kind = _ARM_KINDS.get(group.kind or "")
        if kind is None:
            kind = "placebo_comparator" if group.kind == "SHAM_COMPARATOR" else "experimental"
            marks["kind"] = (
                derived(f"the record's arm type {group.kind} has no counterpart in the model")
                if group.kind
                else placeholder()
            )
        descriptions = [
            d for name in group.interventions if (d := interventions.get(name, _NONE).description)
        ]
        names = list(group.interventions)
        if not names:
            names = [group.label]
            marks["interventions"] = placeholder("The record names no intervention for the arm.")
        arm: dict[str, Any] = {"code": arm_code(index), "label": group.label, "kind": kind}
        description = group.description or " ".join(descriptions)
        if description:
            arm["description"] = description
        arm["interventions"] = names
        if not record.arm_groups:
            arm["assumption"] = placeholder("The record lists no arm groups.")
        if marks:
            arm["assumptions"] = marks
        fractionation = _fractionation(arm_text, trial_text, single_arm=len(groups) == 1)
        arm["prescription"] = _prescription(fractionation, arm_text, trial_text)
        arms.append(arm)
    return arms


_NONE = Intervention(name="")

"""Simulated patients: plausible screening data for PALLSOFT and PROSARC-2, eligible or failing
one named criterion, drawn from a seeded :class:`random.Random`."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

__all__ = [
    "PALLSOFT_CONFIRM",
    "PALLSOFT_INELIGIBLE",
    "PROSARC2_CONFIRM",
    "PROSARC2_INELIGIBLE",
    "pallsoft_data",
    "prosarc2_data",
]

#: The criteria a PALLSOFT investigator confirms by clinical judgement.
PALLSOFT_CONFIRM = ("I1", "I3", "I5", "I9", "E4")
#: The criteria a PROSARC-2 investigator confirms by clinical judgement.
PROSARC2_CONFIRM = ("I7", "E1", "E4")

#: Why a simulated PALLSOFT patient is not eligible: the screening data that fail a criterion.
PALLSOFT_INELIGIBLE: dict[str, dict[str, Any]] = {
    "ecog": {"ecog": 4},
    "survival": {"expected_survival_weeks": 8},
    "mild_symptom": {"target_symptom_nrs": 2},
    "sarcoma": {"sarcoma_component": True},
    "bone_metastasis": {"bone_metastasis_without_soft_tissue": True},
}

#: Why a simulated PROSARC-2 patient is not eligible.
PROSARC2_INELIGIBLE: dict[str, dict[str, Any]] = {
    "histology": {"histology": "not_soft_tissue_sarcoma"},
    "pacemaker": {"pacemaker_or_icd": True},
    "prior_rt": {"prior_rt_to_tumour_site": True},
}

_SYMPTOMS = ("pain", "bleeding", "bowel_dysfunction", "lower_urinary_tract_dysfunction")
_ORIGINS = ("gastrointestinal", "urological", "gynaecological")
_PRESENTATIONS = ("primary", "residual", "recurrent", "metastatic")
_HISTOLOGIES = (
    "undifferentiated_pleomorphic_sarcoma",
    "myxofibrosarcoma",
    "leiomyosarcoma",
    "liposarcoma",
    "synovial_sarcoma",
)


def pallsoft_data(
    rng: random.Random, screened_on: date, first_fraction: date, ineligible: str | None
) -> dict[str, Any]:
    """A PALLSOFT patient with a pelvic tumour and one target symptom (NRS 4-9)."""
    data: dict[str, Any] = {
        "age_years": rng.randint(52, 89),
        "histologically_verified": True,
        "primary_origin": rng.choice(_ORIGINS),
        "pelvic_tumour_presentation": rng.choice(_PRESENTATIONS),
        "target_symptom_category": rng.choice(_SYMPTOMS),
        "target_symptom_nrs": rng.randint(4, 9),
        "language": "norwegian" if rng.random() < 0.9 else "english",
        "ecog": rng.choice((0, 1, 1, 2, 2, 3)),
        "expected_survival_weeks": rng.randint(16, 60),
        "last_systemic_therapy_date": (screened_on - timedelta(days=rng.randint(21, 150))),
        "planned_first_fraction_date": first_fraction,
        "can_pause_systemic_therapy": True,
        "woman_of_childbearing_potential": False,
        "pregnant": False,
        "neuroendocrine_histology": False,
        "sarcoma_component": False,
        "bone_metastasis_without_soft_tissue": False,
        "investigational_drug_ongoing": False,
        "other_trial_planned_within_4_weeks": False,
    }
    if ineligible is not None:
        data.update(PALLSOFT_INELIGIBLE[ineligible])
    return _json(data)


def prosarc2_data(
    rng: random.Random, screened_on: date, first_fraction: date, ineligible: str | None
) -> dict[str, Any]:
    """A PROSARC-2 patient with an inoperable, localised soft-tissue sarcoma."""
    data: dict[str, Any] = {
        "age_years": rng.randint(28, 84),
        "histology": rng.choice(_HISTOLOGIES),
        "measurable_recist": True,
        "ecog": rng.choice((0, 1, 1, 2)),
        "metastatic": False,
        "informed_consent_signed": True,
        "inoperable_by_mdt": True,
        "prior_rt_to_tumour_site": False,
        "pacemaker_or_icd": False,
        "last_systemic_therapy_date": screened_on - timedelta(days=rng.randint(60, 200)),
        "planned_first_fraction_date": first_fraction,
    }
    if ineligible is not None:
        data.update(PROSARC2_INELIGIBLE[ineligible])
    return _json(data)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}

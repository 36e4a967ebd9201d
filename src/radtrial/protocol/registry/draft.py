"""A :class:`RegistryRecord` -> protocol data (``dict``) in the shape of ``trials/pallsoft.toml``.

Everything the record gives is copied from it, mapped to the protocol model's vocabularies.
Everything the model needs and the record does not give (consent document, registration format,
randomisation, analysis, prescription details) is filled with a value marked ``assumption`` or
``assumptions``: :data:`~radtrial.protocol.registry.marks.PLACEHOLDER` where nothing in the
record supports the value, a "derived" reason where the importer read or worked it out from the
record's text. The result always validates as a :class:`~radtrial.protocol.model.Protocol`
for a well-formed interventional record; the draft is for a trial team to complete.

Pure: the import time is passed in; it only fills dates the record lacks.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from radtrial.protocol.registry.arms import draft_arms
from radtrial.protocol.registry.criteria import (
    SCREENING_FIELDS,
    CriterionDraft,
    draft_criteria,
    fields_for,
    minimum_age_rule,
)
from radtrial.protocol.registry.endpoints import draft_endpoints, time_frame_in
from radtrial.protocol.registry.marks import placeholder
from radtrial.protocol.registry.record import RegistryRecord, problem, record_error
from radtrial.protocol.registry.sites import draft_sites
from radtrial.protocol.registry.trial import draft_trial

#: Version label of every imported draft.
DRAFT_LABEL = "0.0-import"
_MAX_CRITERIA = 99


def _criterion(criterion: CriterionDraft, identifier: str) -> dict[str, Any]:
    return {"id": identifier, "text": criterion.text, "rule": criterion.rule}


def _eligibility(record: RegistryRecord) -> dict[str, Any]:
    criteria = draft_criteria(record.eligibility_text or "")
    inclusion = [c for c in criteria if c.group == "inclusion"]
    exclusion = [c for c in criteria if c.group == "exclusion"]
    if not any(c.recognised == "age" for c in criteria) and record.minimum_age:
        rule = minimum_age_rule(record.minimum_age)
        if rule is not None:
            text = f"Minimum age {record.minimum_age} (the registry's minimum-age field)"
            inclusion.append(CriterionDraft("inclusion", text, rule, "age"))
    for group, items in (("inclusion", inclusion), ("exclusion", exclusion)):
        if len(items) > _MAX_CRITERIA:
            raise record_error(
                record.source,
                [
                    problem(
                        "Eligibility Criteria",
                        f"{len(items)} {group} criteria; criterion ids run to 99 per group",
                    )
                ],
            )
    fields = fields_for([*inclusion, *exclusion])
    if not fields:
        fields = [
            {
                "name": "age_years",
                **SCREENING_FIELDS["age_years"],
                "assumption": placeholder(
                    "No criterion of the record could be read as a rule, and the screening form "
                    "needs at least one field."
                ),
            }
        ]
    out: dict[str, Any] = {
        "fields": fields,
        "inclusion": [_criterion(c, f"I{i}") for i, c in enumerate(inclusion, start=1)],
        "exclusion": [_criterion(c, f"E{i}") for i, c in enumerate(exclusion, start=1)],
    }
    if not inclusion:
        out["inclusion"] = [
            {
                "id": "I1",
                "text": "Not in the registry record.",
                "rule": {"kind": "confirm", "prompt": "The protocol's inclusion criteria are met."},
                "assumption": placeholder("The record has no inclusion criteria."),
            }
        ]
    return out


def _randomisation(arms: list[dict[str, Any]], enrolment: int) -> dict[str, Any]:
    weight = len(arms)
    return {
        "method": "permuted_blocks",
        "ratio": {arm["code"]: 1 for arm in arms},
        "block_sizes": [weight, 2 * weight, 3 * weight],
        "stratify_by": ["site"],
        "slots_per_stratum": enrolment,
        "assumption": placeholder(
            "Equal allocation in permuted blocks stratified by site stands in for the "
            "protocol's randomisation."
        ),
    }


def _landmark_months(time_frame: str) -> float:
    frame = time_frame_in(time_frame) or time_frame
    match = re.match(r"\s*(\d+)\s+(day|week|month|year)", frame, re.IGNORECASE)
    if match is None:
        return 12.0
    count, unit = int(match.group(1)), match.group(2).lower()
    return round(count * {"day": 12 / 365.25, "week": 12 / 52, "month": 1, "year": 12}[unit], 2)


def _analysis(trial: dict[str, Any], arms: int, endpoints: list[dict[str, Any]]) -> dict[str, Any]:
    randomised = trial["design"]["allocation"] == "randomised"
    population = (
        {
            "id": "itt",
            "label": "Intention to treat",
            "definition": "All randomised participants, analysed in the arm allocated.",
        }
        if randomised
        else {
            "id": "fas",
            "label": "Full analysis set",
            "definition": "All registered participants who started the study treatment.",
        }
    )
    population["assumption"] = placeholder()
    primary_endpoint = next(e for e in endpoints if e["level"] == "primary")
    primary: dict[str, Any] = {"endpoint": primary_endpoint["id"], "population": population["id"]}
    if trial["design"]["hypothesis"] == "non_inferiority" and arms > 1:
        primary |= {"method": "farrington_manning", "alpha": 0.025, "sided": 1, "power": 0.8}
        primary |= {"margin": 0.1, "p_control": 0.5, "p_experimental": 0.5}
    elif arms == 1:
        primary |= {"method": "landmark_survival", "alpha": 0.05, "sided": 1, "power": 0.8}
        primary |= {"s0": 0.5, "s1": 0.65}
        primary["landmark_months"] = _landmark_months(primary_endpoint["time_frame"])
    else:
        primary |= {"method": "logrank", "alpha": 0.05, "sided": 2, "power": 0.8}
    primary["assumption"] = placeholder(
        "The statistical design (method, error rates, assumed effects) is not in the record."
    )
    return {
        "ctcae_version": "5.0",
        "planned_sample_size": trial["target_enrolment"],
        "assumptions": {"ctcae_version": placeholder()},
        "populations": [population],
        "primary": primary,
    }


def draft_protocol(record: RegistryRecord, imported_at: datetime) -> dict[str, Any]:
    """The protocol data of a draft for ``record``; ``imported_at`` fills dates it lacks."""
    arms = draft_arms(record)
    trial = draft_trial(record, imported_at, len(arms))
    acronym = trial["acronym"]
    prefix = re.sub(r"[^A-Za-z0-9]", "", acronym).upper()[:4] or "TRIAL"
    data: dict[str, Any] = {
        "schema_version": 1,
        "protocol": {
            "label": DRAFT_LABEL,
            "date": trial["record_updated"],
            "description": (
                f"Draft imported from the ClinicalTrials.gov record {record.registry_id} "
                f"(updated {trial['record_updated'].isoformat()}). Values the record does not "
                "give are placeholders marked as assumptions; replace them from the protocol."
            ),
        },
        "trial": trial,
        "sites": draft_sites(record, trial["status"]),
        "arms": arms,
        "eligibility": _eligibility(record),
        "consent": {
            "document": f"{acronym} participant information and informed consent",
            "document_version": "1.0",
            "assumption": placeholder(),
            "withdrawal_stops": {
                "treatment": ["treatment"],
                "follow_up": [
                    "visit_assessments",
                    "patient_reported_outcomes",
                    "adverse_events",
                    "new_samples",
                ],
                "data_and_samples": ["survival_status", "stored_samples_use"],
                "assumption": placeholder(
                    "Follow-up continues after withdrawal from treatment and vital status from "
                    "records after withdrawal from follow-up (SPIRIT 2013 item 18b; CONSORT "
                    "2010); the consent document decides."
                ),
            },
        },
        "registration": {
            "study_id_format": f"{prefix}-{{site}}-{{seq:04d}}",
            "assumption": placeholder("The study id format is built from the acronym."),
        },
    }
    if trial["design"]["allocation"] == "randomised" and len(arms) > 1:
        data["randomisation"] = _randomisation(arms, trial["target_enrolment"])
    endpoints = draft_endpoints(record)
    data["endpoints"] = endpoints
    data["analysis"] = _analysis(trial, len(arms), endpoints)
    return data

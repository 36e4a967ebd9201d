"""What the store hands back about clinical outcomes and the biobank: frozen value objects.

Like :mod:`radtrial.store.records`, never ORM rows. Every outcome record names the participant
by study id and carries the protocol version (id and content hash) it was collected under and
who recorded it when.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from radtrial.store.records import ParticipantRecord

__all__ = [
    "AdverseEventRecord",
    "ClinicalEventRecord",
    "CustodyEventRecord",
    "DestructionRecord",
    "EcogRecord",
    "LesionRecord",
    "MissedVisitRecord",
    "ParticipantFacts",
    "QuestionnaireRecord",
    "SampleRecord",
    "ShipmentRecord",
    "SymptomRatingRecord",
    "ToxicityAssessmentRecord",
    "TumourBaselineRecord",
    "TumourFollowUpRecord",
    "VitalStatusRecord",
]


@dataclass(frozen=True, slots=True)
class ParticipantFacts:
    """What outcome entry needs to know of a participant: the dates of the trial events that
    anchor visits and time-to-event data, withdrawals, optional consents and the end of
    follow-up. A date is None when the event has not happened (or is not recorded)."""

    participant: ParticipantRecord
    registered_on: date
    screened_on: date | None
    randomised_on: date | None
    first_fraction_on: date | None
    last_fraction_on: date | None
    withdrawals: tuple[tuple[str, date], ...]
    optional_consents: Mapping[str, bool]
    death_on: date | None
    off_study_on: date | None


@dataclass(frozen=True, slots=True)
class SymptomRatingRecord:
    """The target symptom's NRS and global impression at one visit."""

    id: int
    study_id: str
    visit_id: str
    symptom: str
    answered_at: datetime
    nrs: int | None
    nrs_assessment_id: str | None
    global_impression: str | None
    impression_assessment_id: str | None
    analgesic_increased: bool | None
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class QuestionnaireRecord:
    """A questionnaire submission: responses by item number, stored scores by scale code."""

    id: int
    study_id: str
    assessment_id: str
    instrument: str
    instrument_version: str | None
    visit_id: str | None
    answered_at: datetime
    responses: Mapping[int, int | None]
    scores: Mapping[str, Mapping[str, Any]]
    scoring_version: str
    state: str
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AdverseEventRecord:
    """An adverse event as stored (CTCAE version, term, grade, SOC, dates, attribution,
    seriousness, expedited reporting, outcome)."""

    id: int
    study_id: str
    visit_id: str | None
    ctcae_version: str
    term: str
    specify: str | None
    soc: str
    grade: int
    onset_on: date
    resolved_on: date | None
    attribution: str
    related: bool
    serious: bool
    seriousness_criteria: tuple[str, ...]
    expected: bool | None
    expedited_report: bool
    investigator_aware_at: datetime | None
    report_due_at: datetime | None
    susar: bool
    susar_report_due_at: datetime | None
    outcome: str
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class EcogRecord:
    """An ECOG performance status on a date."""

    id: int
    study_id: str
    visit_id: str | None
    assessed_on: date
    status: int
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class LesionRecord:
    """A baseline lesion (``role`` target or non_target)."""

    lesion_id: str
    role: str
    organ: str
    nodal: bool
    modality: str | None
    slice_thickness_mm: float | None
    baseline_mm: float | None
    irradiated_index: bool
    previously_irradiated: bool
    progressed_after_irradiation: bool


@dataclass(frozen=True, slots=True)
class TumourBaselineRecord:
    """A RECIST baseline with its lesions and the rules it was validated with."""

    id: int
    study_id: str
    visit_id: str | None
    assessed_on: date
    recist_version: str
    rules: Mapping[str, Any]
    sum_mm: float
    lesions: tuple[LesionRecord, ...]
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class TumourFollowUpRecord:
    """A follow-up tumour assessment with the evaluation stored when it was recorded."""

    id: int
    study_id: str
    visit_id: str | None
    assessed_on: date
    measurements: Mapping[str, float | None]
    non_target: str | None
    new_lesions: bool
    sum_mm: float | None
    nadir_mm: float
    change_from_baseline_percent: float | None
    change_from_nadir_mm: float | None
    target_response: str | None
    overall_response: str
    local_progression: bool | None
    distant_progression: bool | None
    index_mm: float | None
    index_nadir_mm: float | None
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ClinicalEventRecord:
    """A participant's first event of a kind (local_progression, distant_progression, death,
    off_study); ``tumour_assessed_on`` is the date of the RECIST assessment that showed a
    progression, when it came from one."""

    id: int
    study_id: str
    kind: str
    event_on: date
    method: str | None
    tumour_follow_up_id: int | None
    death_cause: str | None
    off_study_reason: str | None
    note: str | None
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class VitalStatusRecord:
    """A date the participant was known to be alive, and the source."""

    id: int
    study_id: str
    visit_id: str | None
    known_alive_on: date
    source: str
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class MissedVisitRecord:
    """A visit recorded as not done."""

    study_id: str
    visit_id: str
    note: str
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class SampleRecord:
    """A biobank sample or aliquot (``parent_label``) with its state and storage position."""

    id: int
    study_id: str
    site_code: str
    label: str
    sample_type: str
    material: str
    visit_id: str
    collected_at: datetime
    processing: str | None
    processed_at: datetime | None
    parent_label: str | None
    volume_ml: float | None
    status: str
    freezer: str | None
    rack: str | None
    box: str | None
    position: str | None
    destruction_required: bool
    destruction_flagged_at: datetime | None
    destruction_basis: str | None
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime

    @property
    def storage_position(self) -> str | None:
        """``freezer/rack/box/position`` while stored, else None."""
        if self.freezer is None:
            return None
        return f"{self.freezer}/{self.rack}/{self.box}/{self.position}"


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    """A shipment, its samples and (once received) its receipt."""

    id: int
    code: str
    from_location: str
    to_location: str
    shipped_at: datetime
    courier: str | None
    condition: str | None
    shipped_by: str
    labels: tuple[str, ...]
    received_at: datetime | None
    received_by: str | None
    receipt_condition: str | None
    missing: tuple[str, ...]
    receipt_note: str | None


@dataclass(frozen=True, slots=True)
class CustodyEventRecord:
    """One step of a sample's chain of custody."""

    label: str
    action: str
    at: datetime
    location: str | None
    shipment_code: str | None
    by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DestructionRecord:
    """The destruction of a sample."""

    label: str
    destroyed_at: datetime
    method: str
    reason: str
    witness: str | None
    note: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ToxicityAssessmentRecord:
    """A physician's assessment of one protocol toxicity category (bowel, bladder) at a visit:
    ``no_adverse_event`` (assessed, none found) or the ids of the adverse events found."""

    id: int
    study_id: str
    visit_id: str
    assessed_on: date
    assessed_by: str
    ctcae_version: str
    category: str
    no_adverse_event: bool
    adverse_event_ids: tuple[int, ...]
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime

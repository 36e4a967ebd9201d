"""What the store hands back: frozen value objects, never ORM rows.

Services and adapters work with these, so no caller depends on a session being open or on
SQLAlchemy's loading rules. Personal data fields are left out of ``repr`` so that a record
printed in a traceback or a log line does not disclose them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "AccessLogRecord",
    "AllocationListRecord",
    "AllocationRecord",
    "AuthSessionRecord",
    "ClosureRecord",
    "ConsentRecord",
    "CourseRecord",
    "DecisionRecord",
    "DeviationRecord",
    "EvaluationRecord",
    "FractionDoseRecord",
    "FractionRecord",
    "GrantRecord",
    "IdempotencyRecord",
    "IdentityRecord",
    "MissedFractionRecord",
    "ParticipantRecord",
    "PlanQaEvaluationRecord",
    "PlanQaResultRecord",
    "PrescriptionRecord",
    "ProtocolVersionContent",
    "ProtocolVersionRecord",
    "RegistrationRecord",
    "Role",
    "ScreeningLogRow",
    "ScreeningRecord",
    "SiteClosureRecord",
    "SiteRecord",
    "StratumRecord",
    "TrialRecord",
    "TrialSiteRecord",
    "TrialSummary",
    "UserRecord",
    "WithdrawalRecord",
    "screening_handle",
]


class Role(StrEnum):
    """A user's role in a trial, at one site or at all sites (ICH E6(R3) 4.3.8).

    ``unblinded_statistician`` is kept apart from the blinded roles so that allocation can be
    revealed to one named function only.
    """

    INVESTIGATOR = "investigator"
    RESEARCH_NURSE = "research_nurse"
    PHYSICIST = "physicist"
    DATA_MANAGER = "data_manager"
    MONITOR = "monitor"
    UNBLINDED_STATISTICIAN = "unblinded_statistician"
    SPONSOR_ADMIN = "sponsor_admin"


@dataclass(frozen=True, slots=True)
class TrialRecord:
    """A trial as registered: ``slug`` is radtrial's short name, ``registry_id`` e.g. an NCT id."""

    id: int
    slug: str
    registry_id: str | None
    acronym: str
    title: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ProtocolVersionRecord:
    """One loaded protocol version, identified by the SHA-256 of its canonical content."""

    id: int
    trial_slug: str
    version_label: str
    content_hash: str
    loaded_at: datetime
    loaded_by: str


@dataclass(frozen=True, slots=True)
class ProtocolVersionContent:
    """A protocol version with its canonical JSON and the source text it was loaded from."""

    version: ProtocolVersionRecord
    canonical_json: str
    source_text: str


@dataclass(frozen=True, slots=True)
class TrialSummary:
    """A trial and its latest protocol version (None before the first is loaded)."""

    trial: TrialRecord
    latest_version: ProtocolVersionRecord | None


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A hospital or institution taking part in trials; ``code`` is its short name."""

    id: int
    code: str
    name: str
    city: str
    country: str


@dataclass(frozen=True, slots=True)
class TrialSiteRecord:
    """A site's participation in one trial: its status and its roles in that trial."""

    trial_slug: str
    site: SiteRecord
    status: str
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GrantRecord:
    """One role grant; None for trial or site means every trial or every site."""

    role: Role
    trial_slug: str | None
    site_code: str | None


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user account with its grants. The password hash never leaves the store."""

    id: int
    username: str
    full_name: str
    email: str
    active: bool
    has_password: bool
    created_at: datetime
    grants: tuple[GrantRecord, ...]


@dataclass(frozen=True, slots=True)
class ParticipantRecord:
    """A registered participant, known to research data only by the pseudonymous study id."""

    id: int
    study_id: str
    trial_slug: str
    site_code: str
    protocol_version_id: int
    created_at: datetime
    arm_code: str | None = None


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """The re-identification key for one study id (identity store only; GDPR art. 4(5))."""

    study_id: str
    national_id_kind: str
    national_id: str = field(repr=False)
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    phone: str | None = field(repr=False)
    email: str | None = field(repr=False)
    address: str | None = field(repr=False)
    created_at: datetime = field(repr=False)


# -- enrolment ------------------------------------------------------------------------------


def screening_handle(site_code: str, number: int) -> str:
    """The screening id people use: ``<site>-S<number>``, e.g. ``OUS-S0007``."""
    return f"{site_code}-S{number:04d}"


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    """A screened person: ``screening_id`` (e.g. ``OUS-S0007``) is unique within the trial."""

    id: int
    screening_id: str
    trial_slug: str
    site_code: str
    number: int
    screened_on: date
    screened_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class EvaluationRecord:
    """One eligibility evaluation, with the protocol version (id and hash) it used.

    ``data`` holds the screening data as JSON (dates as ISO text); ``confirmations`` maps a
    criterion id to who confirmed it and when; ``results`` is the per-criterion JSON of
    :class:`radtrial.trial.eligibility.EligibilityResult`.
    """

    id: int
    screening_id: str
    protocol_version_id: int
    protocol_hash: str
    data: dict[str, Any]
    confirmations: dict[str, Any]
    results: list[dict[str, Any]]
    status: str
    eligible: bool
    evaluated_at: datetime
    evaluated_by: str


@dataclass(frozen=True, slots=True)
class ClosureRecord:
    """A screening closed without inclusion: ``reason`` is ``declined`` or ``other``."""

    screening_id: str
    reason: str
    note: str | None
    closed_on: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """Informed consent as recorded; ``optional`` maps optional-consent codes to yes/no."""

    id: int
    screening_id: str
    protocol_version_id: int
    document: str
    document_version: str
    consented_on: date
    obtained_by: str
    optional: dict[str, bool]
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class RegistrationRecord:
    """A registration: the participant's study id and arm, and what it relied on."""

    participant: ParticipantRecord
    screening_id: str
    site_sequence: int
    evaluation_id: int
    consent_id: int
    registered_on: date
    registered_by: str


@dataclass(frozen=True, slots=True)
class WithdrawalRecord:
    """One withdrawal of a participant (kind: treatment, follow_up, data_and_samples)."""

    study_id: str
    kind: str
    withdrawn_on: date
    note: str | None
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ScreeningLogRow:
    """One line of the screening log: the screening and what became of it."""

    screening: ScreeningRecord
    status: str
    criteria_not_met: tuple[str, ...]
    closure: ClosureRecord | None
    consented: bool
    study_id: str | None
    arm_code: str | None


# -- randomisation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllocationListRecord:
    """A trial's allocation list without its seed (which only the randomisation service
    reads, through :meth:`RandomisationRepository.seed`)."""

    id: int
    trial_slug: str
    protocol_version_id: int
    method: str
    algorithm: str
    design: dict[str, Any]
    seed_sha256: str
    list_sha256: str
    created_at: datetime
    created_by: str
    trial_id: int = field(default=0, repr=False)


@dataclass(frozen=True, slots=True)
class StratumRecord:
    """A stratum of a list: its slots and how many are used (always the prefix 1…used)."""

    id: int
    list_id: int
    key: str
    size: int
    used: int


@dataclass(frozen=True, slots=True)
class AllocationRecord:
    """A used slot: who got it, the stratum, slot and arm, the levels and how it was chosen."""

    study_id: str
    trial_slug: str
    stratum: str
    sequence: int
    arm_code: str
    levels: dict[str, str]
    detail: dict[str, Any]
    list_seed_sha256: str
    allocated_at: datetime
    allocated_by: str


@dataclass(frozen=True, slots=True)
class PrescriptionRecord:
    """What a participant is to receive at one dose level (optional fractions included)."""

    study_id: str
    arm_code: str
    dose_level: str
    fractions: int
    dose_per_fraction_gy: float
    total_dose_gy: float
    optional_fractions_added: int
    protocol_version_id: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision on an optional fraction, against the protocol's criterion."""

    study_id: str
    optional_fraction: str
    criterion: str
    criterion_met: bool
    give: bool
    note: str | None
    decided_at: datetime
    decided_by: str
    protocol_version_id: int


# -- web platform: sessions, idempotency, access log -------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthSessionRecord:
    """A web session (the token is never stored, only its SHA-256). ``stage`` is
    ``second_factor`` between password and TOTP, then ``active``."""

    id: int
    user_id: int
    username: str
    stage: str
    csrf_token: str = field(repr=False)
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    end_reason: str | None


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A stored ``Idempotency-Key``: ``state`` is ``in_flight`` until the answer is stored."""

    username: str
    key: str
    request_sha256: str
    state: str
    status_code: int | None
    response_headers: tuple[tuple[str, str], ...]
    response_body: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AccessLogRecord:
    """One access-log row: who did what to which record, when, and whether it was allowed."""

    id: int
    at: datetime
    actor: str
    action: str
    outcome: str
    entity: str | None
    entity_id: str | None
    trial_slug: str | None
    site_code: str | None
    client_address: str | None
    detail: dict[str, Any] | None


# -- radiotherapy course ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CourseRecord:
    """A participant's planned radiotherapy course (one per participant)."""

    id: int
    study_id: str
    trial_slug: str
    arm_code: str
    protocol_version_id: int
    protocol_hash: str
    prescription: dict[str, Any]
    site_code: str
    timezone: str
    start_date: date
    planned_at: datetime
    planned_by: str


@dataclass(frozen=True, slots=True)
class FractionDoseRecord:
    """One fraction's dose to one dose level: planned, and delivered once given."""

    dose_level: str
    planned_dose_gy: float
    dose_gy: float | None
    physical_dose_gy: float | None
    rbe_model: str | None


@dataclass(frozen=True, slots=True)
class FractionRecord:
    """A fraction of a course: planned date, status and, once given, when, where and how much."""

    id: int
    number: int
    status: str
    planned_date: date
    delivered_at: datetime | None
    site_code: str | None
    machine: str | None
    optional_fraction: str | None
    reason: str | None
    recorded_at: datetime
    recorded_by: str
    doses: tuple[FractionDoseRecord, ...]


@dataclass(frozen=True, slots=True)
class MissedFractionRecord:
    """A fraction missed on its planned day, where it went and how the gap was compensated."""

    id: int
    number: int
    planned_date: date
    reason: str
    rescheduled_to: date | None
    recorded_at: datetime
    recorded_by: str
    compensation: str | None
    compensated_at: datetime | None
    compensated_by: str | None


@dataclass(frozen=True, slots=True)
class DeviationRecord:
    """A stored protocol deviation of a course (``detail`` holds the rule's and the observed
    values)."""

    id: int
    key: str
    code: str
    severity: str
    message: str
    detail: dict[str, Any]
    fraction: int | None
    dose_level: str | None
    protocol_version_id: int
    protocol_hash: str
    detected_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None

    @property
    def status(self) -> str:
        """``open``, ``acknowledged`` (still found, seen by the site) or ``resolved``."""
        if self.resolved_at is not None:
            return "resolved"
        return "acknowledged" if self.acknowledged_at is not None else "open"


@dataclass(frozen=True, slots=True)
class SiteClosureRecord:
    """A day a site gives no radiotherapy, and why."""

    site_code: str
    day: date
    reason: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class PlanQaResultRecord:
    """One constraint row of a plan-QA evaluation (value and limits in the table's unit)."""

    constraint_id: str
    structure: str
    local_name: str | None
    metric: str
    comparison: str
    limit: float | None
    minor_limit: float | None
    unit: str
    value: float | None
    grade: str
    required: bool
    note: str


@dataclass(frozen=True, slots=True)
class PlanQaEvaluationRecord:
    """A participant's RT plan checked against the protocol's dose constraints (issue 5)."""

    id: int
    study_id: str
    trial_slug: str
    protocol_version_id: int
    protocol_hash: str
    mode: str
    verdict: str
    dose_unit: str
    dose_factor: float
    plan_label: str
    radiation_types: tuple[str, ...]
    fractions_planned: int | None
    rtplan_sha256: str
    rtstruct_sha256: str
    rtdose_sha256: tuple[str, ...]
    structure_site: str | None
    unmapped_names: tuple[str, ...]
    notes: tuple[str, ...]
    evaluated_at: datetime
    evaluated_by: str
    results: tuple[PlanQaResultRecord, ...] = ()

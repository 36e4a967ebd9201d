"""Request and response bodies of the enrolment routes: participants, screening, consent,
registration, randomisation, withdrawals and optional-fraction decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from radtrial.api.schemas import NONBLANK_PATTERN, SITE_PATTERN, USERNAME_PATTERN, Body

STUDY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
SCREENING_ID_PATTERN = r"^[A-Z][A-Z0-9]{1,7}-S[0-9]{1,9}$"
CRITERION_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$"

Note = Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)]
ScreeningValue = Annotated[str, Field(max_length=200)] | int | float | bool | None
ScreeningData = Annotated[
    dict[str, ScreeningValue],
    Field(max_length=100, description="Screening field name -> value (null: explicitly none)"),
]
Confirmations = Annotated[
    list[Annotated[str, Field(pattern=CRITERION_PATTERN)]],
    Field(max_length=50, description="Criteria the acting investigator confirms"),
]

# -- screening ------------------------------------------------------------------------------


class NewScreening(Body):
    site: Annotated[str, Field(pattern=SITE_PATTERN, description="Site code, e.g. OUS")]
    data: ScreeningData = Field(default_factory=dict)
    confirm: Confirmations = Field(default_factory=list)
    screened_on: date | None = Field(default=None, description="Default: today")


class ScreeningUpdate(Body):
    """More data or confirmations for a screening: a new evaluation over the merged data."""

    data: ScreeningData = Field(default_factory=dict)
    confirm: Confirmations = Field(default_factory=list)


class CriterionOut(BaseModel):
    criterion: str
    group: Literal["inclusion", "exclusion"] | str
    outcome: Literal["met", "not_met", "missing_data", "needs_confirmation"] | str
    reasons: list[str]
    applies: bool
    confirmed: bool


class ScreeningOut(BaseModel):
    screening_id: str
    trial: str
    site: str
    new_screening: bool
    status: str = Field(description="The screening status, e.g. eligible, not_eligible, incomplete")
    eligible: bool
    protocol_version: str
    protocol_hash: str
    evaluated_at: datetime
    evaluated_by: str
    data: dict[str, Any]
    confirmations: dict[str, Any]
    criteria: list[CriterionOut]


class NotIncluded(Body):
    reason: Literal["declined", "other"]
    note: Note | None = Field(default=None, description="Why (required for other)")
    closed_on: date | None = Field(default=None, description="Default: today")


class ClosureOut(BaseModel):
    screening_id: str
    reason: str
    note: str | None
    closed_on: date
    recorded_by: str
    recorded_at: datetime


class ScreeningLogRowOut(BaseModel):
    screening_id: str
    site: str
    screened_on: str
    screened_by: str
    outcome: str
    criteria_not_met: list[str]
    closure: dict[str, Any] | None
    consented: bool
    study_id: str | None
    arm: str | None


class ScreeningLogOut(BaseModel):
    trial: str
    sites: list[str] | None = Field(description="The sites shown; null: every site")
    consort: dict[str, Any] = Field(description="CONSORT counts over the sites shown")
    consort_by_site: dict[str, dict[str, Any]]
    screenings: list[ScreeningLogRowOut]


# -- consent and registration ---------------------------------------------------------------


class NewConsent(Body):
    document_version: Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)]
    consented_on: date
    obtained_by: Annotated[str | None, Field(pattern=USERNAME_PATTERN)] = None
    optional: Annotated[
        dict[str, bool],
        Field(max_length=20, description="Optional consent code -> yes/no, e.g. biobank"),
    ] = Field(default_factory=dict)


class ConsentOut(BaseModel):
    screening_id: str
    document: str
    document_version: str
    consented_on: date
    obtained_by: str
    optional: dict[str, bool]
    recorded_by: str
    recorded_at: datetime


class NewRegistration(Body):
    registered_on: date | None = Field(default=None, description="Default: today")


class RegistrationOut(BaseModel):
    study_id: str
    screening_id: str
    trial: str
    site: str
    registered_on: date
    registered_by: str
    arm: str | None = Field(description="Set here in a single-arm trial; else by randomisation")


# -- participants ---------------------------------------------------------------------------


class ParticipantOut(BaseModel):
    study_id: str
    trial: str
    site: str
    stage: Literal["registered", "randomised", "withdrawn"]
    arm: str | None
    protocol_version: str
    screening_id: str | None
    registered_on: date | None
    randomised: bool


class WithdrawalOut(BaseModel):
    kind: str
    withdrawn_on: date
    note: str | None
    recorded_by: str
    recorded_at: datetime


class DecisionSummaryOut(BaseModel):
    optional_fraction: str
    criterion_met: bool
    give: bool


class ParticipantDetailOut(ParticipantOut):
    consent: ConsentOut | None
    withdrawals: list[WithdrawalOut]
    optional_fraction_decisions: list[DecisionSummaryOut]


class AllocationOut(BaseModel):
    """The participant's arm; never a slot, stratum or anything about later allocations."""

    study_id: str
    arm: str
    allocated_at: datetime
    allocated_by: str


class NewWithdrawal(Body):
    kind: Literal["treatment", "follow_up", "data_and_samples"]
    reason: Note
    withdrawn_on: date | None = Field(default=None, description="Default: today")


class CollectionDecisionOut(BaseModel):
    allowed: bool
    reason: str


class CollectionOut(BaseModel):
    study_id: str
    withdrawals: list[dict[str, Any]]
    effective: list[str]
    optional_consents: dict[str, bool]
    may_collect: dict[str, CollectionDecisionOut]


class OptionalFractionDecisionIn(Body):
    criterion_met: bool
    give: bool
    optional_fraction: Annotated[str | None, Field(pattern=CRITERION_PATTERN)] = None
    note: Note | None = None


class DecisionOut(BaseModel):
    study_id: str
    optional_fraction: str
    criterion: str
    criterion_met: bool
    give: bool
    note: str | None
    decided_at: datetime
    decided_by: str
    planned_fractions: int = Field(description="Planned fractions after the decision")


# -- allocation list ------------------------------------------------------------------------


class StratumOut(BaseModel):
    stratum: str
    slots: int
    used: int


class AllocationListOut(BaseModel):
    trial: str
    method: str
    algorithm: str
    seed_sha256: str
    generated_at: datetime
    generated_by: str
    strata: list[StratumOut]


class VerificationOut(AllocationListOut):
    ok: bool
    report: dict[str, Any] = Field(description="What was checked (no unused slot is shown)")


class ExportOut(BaseModel):
    trial: str
    seed_sha256: str
    list_sha256: str
    rows: list[dict[str, Any]] = Field(description="Every slot, used or not (unblinded)")

"""The registry facts of a trial: identity, design, organisations, people and sites.

Field names and vocabularies follow the ClinicalTrials.gov data model (PRS data element
definitions; API v2 ``protocolSection``), lower-cased, so a record can be imported and compared.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, PositiveInt, ValidationInfo, field_validator

from radtrial.protocol.section import Section

Phase = Literal[
    "NA", "EARLY_PHASE1", "PHASE1", "PHASE1_PHASE2", "PHASE2", "PHASE2_PHASE3", "PHASE3", "PHASE4"
]
Allocation = Literal["randomised", "non_randomised", "na"]
InterventionModel = Literal["single_group", "parallel", "crossover", "factorial", "sequential"]
Masking = Literal["none", "single", "double", "triple", "quadruple"]
PrimaryPurpose = Literal[
    "treatment",
    "prevention",
    "diagnostic",
    "supportive_care",
    "screening",
    "health_services",
    "basic_science",
    "device_feasibility",
    "other",
]
Hypothesis = Literal["superiority", "non_inferiority", "equivalence", "estimation"]
RecruitmentStatus = Literal[
    "not_yet_recruiting",
    "recruiting",
    "enrolling_by_invitation",
    "active_not_recruiting",
    "suspended",
    "terminated",
    "completed",
    "withdrawn",
    "unknown",
]
OrganisationClass = Literal[
    "NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"
]
SiteRole = Literal["treating", "recruiting", "referring"]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SITE_CODE_PATTERN = r"^[A-Z][A-Z0-9]{1,7}$"


class Design(Section):
    """How the trial is built (registry "Study Design")."""

    allocation: Allocation
    intervention_model: InterventionModel
    masking: Masking
    primary_purpose: PrimaryPurpose
    hypothesis: Hypothesis
    multicentre: bool


class Organisation(Section):
    """A sponsor or collaborator, with the registry's agency class."""

    name: str = Field(min_length=1)
    agency_class: OrganisationClass = "OTHER"


class Person(Section):
    """An investigator or contact named in the record."""

    name: str = Field(min_length=1)
    degrees: str | None = None
    role: str = Field(min_length=1, description="Registry role, e.g. study_chair, contact")
    affiliation: str | None = None
    phone: str | None = None
    email: str | None = None


class ResponsibleParty(Section):
    """Who is responsible for the registry information."""

    kind: Literal["sponsor", "principal_investigator", "sponsor_investigator"]
    name: str | None = None
    title: str | None = None
    affiliation: str | None = None


class Reference(Section):
    """A publication about the trial."""

    citation: str = Field(min_length=1)
    doi: str | None = None
    pmid: str | None = None
    kind: Literal["background", "result", "derived"] = "background"


class OtherId(Section):
    """Another identifier of the trial (ethics committee, sponsor's own number)."""

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)


class TrialRecord(Section):
    """The trial's identity as registered."""

    registry: Literal["ClinicalTrials.gov"] = "ClinicalTrials.gov"
    registry_id: str = Field(pattern=r"^NCT\d{8}$")
    slug: str = Field(pattern=SLUG_PATTERN, description="Short lower-case handle for commands")
    acronym: str = Field(min_length=1)
    title: str = Field(min_length=1)
    brief_title: str | None = None
    summary: str | None = None
    phase: Phase
    phase_note: str | None = None
    design: Design
    status: RecruitmentStatus
    start_date: date
    primary_completion_date: date | None = None
    completion_date: date
    record_updated: date
    target_enrolment: PositiveInt
    countries: tuple[str, ...] = Field(min_length=1)
    conditions: tuple[str, ...] = Field(min_length=1)
    sponsor: Organisation
    collaborators: tuple[Organisation, ...] = ()
    responsible_party: ResponsibleParty
    investigators: tuple[Person, ...] = ()
    central_contacts: tuple[Person, ...] = ()
    references: tuple[Reference, ...] = ()
    other_ids: tuple[OtherId, ...] = ()

    @field_validator("completion_date")
    @classmethod
    def _completion_after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise ValueError(f"completion_date {value} is before start_date {start}")
        return value


class Site(Section):
    """A participating hospital and its part in this trial."""

    code: str = Field(pattern=SITE_CODE_PATTERN, description="Short code used in study ids")
    name: str = Field(min_length=1)
    city: str = Field(min_length=1)
    country: str = Field(min_length=1)
    status: RecruitmentStatus
    roles: tuple[SiteRole, ...] = Field(min_length=1)
    contacts: tuple[Person, ...] = ()

"""The neutral registry record: what a trial registry says about a trial, source-format free.

Both readers (the plain-text mirror page and the ClinicalTrials.gov API v2 JSON) produce a
:class:`RegistryRecord`. Coded values keep the registry's own vocabulary (upper-case
ClinicalTrials.gov enums such as ``RECRUITING`` or ``ACTIVE_COMPARATOR``), checked against the
lists below when read, so the draft builder maps them without guessing. Free text is plain text
(Markdown escapes such as ``\\>`` removed) except :attr:`RegistryRecord.eligibility_text`, which
stays Markdown because its bullets carry structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from radtrial.errors import ProtocolError

#: ClinicalTrials.gov overall and site recruitment statuses (API v2 ``Status``).
STATUSES = frozenset(
    {
        "NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
        "SUSPENDED", "TERMINATED", "COMPLETED", "WITHDRAWN", "UNKNOWN", "AVAILABLE",
        "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD",
    }
)  # fmt: skip
PHASES = frozenset({"NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4"})
ALLOCATIONS = frozenset({"RANDOMIZED", "NON_RANDOMIZED", "NA"})
INTERVENTION_MODELS = frozenset(
    {"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"}
)
MASKINGS = frozenset({"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"})
PRIMARY_PURPOSES = frozenset(
    {
        "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING",
        "HEALTH_SERVICES_RESEARCH", "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    }
)  # fmt: skip
ARM_TYPES = frozenset(
    {
        "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
        "NO_INTERVENTION", "OTHER",
    }
)  # fmt: skip
INTERVENTION_TYPES = frozenset(
    {
        "DRUG", "DEVICE", "BIOLOGICAL", "PROCEDURE", "RADIATION", "BEHAVIORAL", "GENETIC",
        "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT", "DIAGNOSTIC_TEST", "OTHER",
    }
)  # fmt: skip
AGENCY_CLASSES = frozenset(
    {"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"}
)
RESPONSIBLE_PARTY_TYPES = frozenset({"SPONSOR", "PRINCIPAL_INVESTIGATOR", "SPONSOR_INVESTIGATOR"})
REFERENCE_TYPES = frozenset({"BACKGROUND", "RESULT", "DERIVED"})

NCT_ID = re.compile(r"^NCT\d{8}$")


@dataclass(frozen=True)
class RecordDate:
    """A registry date; ``day_given`` is false for month-precision dates ("2024-12")."""

    value: date
    day_given: bool = True


@dataclass(frozen=True)
class Organisation:
    """A sponsor or collaborator with its agency class (``None``: not given)."""

    name: str
    agency_class: str | None = None


@dataclass(frozen=True)
class Person:
    """A named investigator or contact; ``role`` is lower-case ("study_chair", "primary")."""

    name: str
    role: str
    degrees: str | None = None
    affiliation: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ResponsibleParty:
    """Who is responsible for the registry information (``kind``: a RESPONSIBLE_PARTY_TYPE)."""

    kind: str
    name: str | None = None
    title: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Location:
    """A study site as registered; contacts in record order."""

    facility: str
    city: str | None
    country: str | None
    state: str | None = None
    status: str | None = None
    contacts: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Intervention:
    """A registered intervention (``kind``: an INTERVENTION_TYPE)."""

    name: str
    kind: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ArmGroup:
    """A registered arm; ``interventions`` are intervention names."""

    label: str
    kind: str | None = None
    description: str | None = None
    interventions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """A registered outcome measure (``level``: primary, secondary or other)."""

    level: str
    measure: str
    description: str | None = None
    time_frame: str | None = None


@dataclass(frozen=True)
class Reference:
    """A publication listed in the record."""

    citation: str
    doi: str | None = None
    pmid: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class OtherId:
    """Another identifier of the trial and who issued it."""

    id: str
    source: str


@dataclass(frozen=True)
class RegistryRecord:
    """Everything a registry record says that a protocol draft can use."""

    source: str
    registry_id: str
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    status: str | None = None
    phases: tuple[str, ...] = ()
    last_updated: RecordDate | None = None
    start_date: RecordDate | None = None
    primary_completion_date: RecordDate | None = None
    completion_date: RecordDate | None = None
    enrolment: int | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    conditions: tuple[str, ...] = ()
    conditions_split_by_importer: bool = False
    allocation: str | None = None
    intervention_model: str | None = None
    intervention_model_description: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    arm_groups: tuple[ArmGroup, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    eligibility_text: str | None = None
    minimum_age: str | None = None
    maximum_age: str | None = None
    lead_sponsor: Organisation | None = None
    collaborators: tuple[Organisation, ...] = ()
    responsible_party: ResponsibleParty | None = None
    officials: tuple[Person, ...] = ()
    central_contacts: tuple[Person, ...] = ()
    locations: tuple[Location, ...] = ()
    countries: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    other_ids: tuple[OtherId, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str | None:
        """The official title, else the brief title."""
        return self.official_title or self.brief_title


# -- helpers shared by both readers ---------------------------------------------------------

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=])")
_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december",
        ),
        start=1,
    )
}  # fmt: skip
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
_WORDY_DATE = re.compile(r"^([A-Za-z]+)\s+(?:(\d{1,2}),\s*)?(\d{4})$")
_DEGREES_SPACING = re.compile(r"\s*,\s*")


def unescape(text: str) -> str:
    """Plain text of a Markdown-escaped registry string (``\\>`` -> ``>``)."""
    return _MARKDOWN_ESCAPE.sub(r"\1", text)


def parse_record_date(text: str) -> RecordDate | None:
    """A registry date ("2024-12-10", "2024-12", "December 10, 2024"); ``None`` if not one."""
    text = text.strip()
    iso = _ISO_DATE.match(text)
    try:
        if iso:
            day = iso.group(3)
            return RecordDate(
                date(int(iso.group(1)), int(iso.group(2)), int(day or 1)), day is not None
            )
        wordy = _WORDY_DATE.match(text)
        if wordy and wordy.group(1).lower() in _MONTHS:
            day = wordy.group(2)
            month = _MONTHS[wordy.group(1).lower()]
            return RecordDate(date(int(wordy.group(3)), month, int(day or 1)), day is not None)
    except ValueError:
        return None
    return None


def split_name(text: str) -> tuple[str, str | None]:
    """ "Harald Ragnum, MD,PhD" -> ("Harald Ragnum", "MD, PhD")."""
    name, _, degrees = text.partition(",")
    degrees = _DEGREES_SPACING.sub(", ", degrees.strip())
    return name.strip(), degrees or None


def split_other_id(text: str) -> tuple[str, str | None]:
    """ "606316 (REK)" -> ("606316", "REK")."""
    match = re.match(r"^(.*?)\s*\(([^()]+)\)\s*$", text)
    if match and match.group(1):
        return match.group(1), match.group(2)
    return text.strip(), None


def strip_doi(citation: str) -> tuple[str, str | None]:
    """Split a trailing "doi: 10.x/y." off a citation."""
    match = re.search(r"\s*\bdoi:\s*(10\.\S+?)\.?\s*$", citation, re.IGNORECASE)
    if match is None:
        return citation.strip(), None
    return citation[: match.start()].strip(), match.group(1)


def problem(path: str, message: str, line: int | None = None) -> dict[str, Any]:
    """One located problem, in the shape :class:`ProtocolError` details use."""
    return {"path": path, "message": message, "line": line}


def record_error(source: str, problems: list[dict[str, Any]]) -> ProtocolError:
    """A :class:`ProtocolError` for a registry record with these problems."""
    if len(problems) == 1:
        only = problems[0]
        where = f" (line {only['line']})" if only.get("line") else ""
        path = f"{only['path']}: " if only.get("path") else ""
        summary = f"registry record: {path}{only['message']}{where}"
    else:
        summary = f"{len(problems)} problems in registry record"
    return ProtocolError(summary, location=source, detail={"problems": problems})

"""The ``[trial]`` table of a draft: identity, dates, design, organisations and people.

Copied from the record and mapped to the protocol model's vocabularies; what the record lacks
(an acronym, a hypothesis, a date) is filled and marked.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from typing import Any

from radtrial.protocol.registry.marks import derived, placeholder
from radtrial.protocol.registry.record import Person, RecordDate, RegistryRecord

_ALLOCATION = {"RANDOMIZED": "randomised", "NON_RANDOMIZED": "non_randomised", "NA": "na"}
_PURPOSE = {"ECT": "other", "HEALTH_SERVICES_RESEARCH": "health_services"}
_PARTY = {
    "SPONSOR": "sponsor",
    "PRINCIPAL_INVESTIGATOR": "principal_investigator",
    "SPONSOR_INVESTIGATOR": "sponsor_investigator",
}
_MODEL_STATUSES = frozenset(
    {
        "not_yet_recruiting", "recruiting", "enrolling_by_invitation", "active_not_recruiting",
        "suspended", "terminated", "completed", "withdrawn", "unknown",
    }
)  # fmt: skip
_PHASE_PAIRS = {
    frozenset({"PHASE1", "PHASE2"}): "PHASE1_PHASE2",
    frozenset({"PHASE2", "PHASE3"}): "PHASE2_PHASE3",
}
#: All-capital words that are not trial acronyms.
_NOT_ACRONYMS = frozenset(
    {
        "RECIST", "WOCBP", "CTCAE", "EORTC", "HRQOL", "PROMS", "ECOG", "PHASE", "NONE",
        "TREATMENT", "RANDOMIZED", "PARALLEL", "RADIATION", "GRAY", "NORWAY", "COVID",
    }
)  # fmt: skip
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\b")
NOT_GIVEN = "Not in the registry record"


def given(value: str | None) -> str:
    """``value``, or a "not in the record" text where a required string is missing."""
    return value if value else NOT_GIVEN


def _acronym(record: RegistryRecord) -> tuple[str, str | None]:
    """The trial's acronym and, unless the record has an acronym field, the reason it is marked."""
    if record.acronym:
        return record.acronym, None
    title = record.title or ""
    if bracketed := re.search(r"\(([A-Z][A-Za-z0-9-]{2,15})\)\s*\.?$", title):
        return bracketed.group(1), derived("the acronym was read from the title")
    text = " ".join(t for t in (title, record.brief_summary, record.detailed_description) if t)
    counts = Counter(
        word
        for word in _ACRONYM.findall(text)
        if sum(c.isalpha() for c in word) >= 5 and word not in _NOT_ACRONYMS
    )
    if counts:
        best = max(counts, key=lambda w: (counts[w], -text.index(w)))
        return best, derived("the acronym is the trial name the summary uses most")
    return record.registry_id or "TRIAL", placeholder("The record names no acronym.")


def _slug(acronym: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", acronym.lower()).strip("-")
    return slug or "trial"


def _date(value: RecordDate | None, fallback: date, marks: dict[str, str], name: str) -> date:
    if value is None:
        marks[name] = placeholder()
        return fallback
    if not value.day_given:
        marks[name] = derived("the record gives the month only; the first day is set")
    return value.value


def status_of(value: str | None, marks: dict[str, str], name: str) -> str:
    """The model's recruitment status for a registry status; marks ``name`` if it had to guess."""
    lowered = (value or "").lower()
    if lowered in _MODEL_STATUSES:
        return lowered
    marks[name] = (
        derived(f"the record's status {value} has no counterpart in the model")
        if value
        else placeholder()
    )
    return "unknown"


def _phase(record: RegistryRecord, marks: dict[str, str]) -> str:
    phases = set(record.phases)
    if len(phases) == 1:
        return next(iter(phases))
    pair = _PHASE_PAIRS.get(frozenset(phases))
    if pair:
        return pair
    marks["phase"] = placeholder(f"The record's phases are {sorted(phases) or 'not given'}.")
    return "NA"


def _phase_note(record: RegistryRecord, phase: str) -> str | None:
    if phase != "NA" or not record.brief_summary:
        return None
    pattern = r"\bphase\s+(?:I{1,3}V?|IV|[1-4])(?:/(?:I{1,3}|[1-4]))?\b"
    match = re.search(pattern, record.brief_summary, re.IGNORECASE)
    if match is None:
        return None
    return f"The registry's phase field is NA; the brief summary says '{match.group(0)}'."


def _hypothesis(record: RegistryRecord, arms: int) -> tuple[str, str]:
    parts = (
        record.intervention_model_description,
        record.title,
        record.brief_summary,
        record.detailed_description,
    )
    text = " ".join(t for t in parts if t)
    for pattern, value in (
        (r"non[- ]?inferior", "non_inferiority"),
        (r"\bequivalen", "equivalence"),
        (r"\bsuperior", "superiority"),
    ):
        if re.search(pattern, text, re.IGNORECASE):
            return value, derived(f"the importer read {value.replace('_', '-')!r} in its text")
    if arms == 1:
        return "estimation", placeholder("A single-arm trial estimates; no comparison is named.")
    return "superiority", placeholder("The record names no hypothesis.")


def person_table(person: Person, role: str | None = None) -> dict[str, Any]:
    """A person as protocol data, leaving out what the record does not give."""
    out: dict[str, Any] = {"name": person.name}
    if person.degrees:
        out["degrees"] = person.degrees
    out["role"] = role or person.role or "contact"
    for key in ("affiliation", "phone", "email"):
        value = getattr(person, key)
        if value:
            out[key] = value
    return out


def draft_trial(record: RegistryRecord, imported_at: datetime, arms: int) -> dict[str, Any]:
    """The ``[trial]`` table; ``arms`` (how many the draft has) guides the design's defaults."""
    marks: dict[str, str] = {}
    acronym, acronym_mark = _acronym(record)
    if acronym_mark:
        marks["acronym"] = acronym_mark
    trial: dict[str, Any] = {
        "registry_id": record.registry_id,
        "slug": _slug(acronym),
        "acronym": acronym,
        "title": record.title or acronym,
    }
    if not record.title:
        marks["title"] = placeholder()
    if record.official_title and record.brief_title and record.brief_title != record.title:
        trial["brief_title"] = record.brief_title
    if record.brief_summary:
        trial["summary"] = record.brief_summary
    trial["phase"] = _phase(record, marks)
    if note := _phase_note(record, trial["phase"]):
        trial["phase_note"] = note
    trial["status"] = status_of(record.status, marks, "status")
    today = imported_at.date()
    trial["start_date"] = _date(record.start_date, today, marks, "start_date")
    if record.primary_completion_date is not None:
        trial["primary_completion_date"] = _date(
            record.primary_completion_date, today, marks, "primary_completion_date"
        )
    completion = record.completion_date or record.primary_completion_date
    trial["completion_date"] = _date(completion, trial["start_date"], marks, "completion_date")
    if record.completion_date is None and completion is not None:
        marks["completion_date"] = derived("the record gives only the primary completion date")
    trial["record_updated"] = _date(record.last_updated, today, marks, "record_updated")
    trial["target_enrolment"] = record.enrolment or 1
    if not record.enrolment:
        marks["target_enrolment"] = placeholder()
    countries = list(record.countries) or list(
        dict.fromkeys(loc.country for loc in record.locations if loc.country)
    )
    if not countries:
        countries, marks["countries"] = [NOT_GIVEN], placeholder()
    trial["countries"] = countries
    trial["conditions"] = list(record.conditions) or [trial["title"]]
    if not record.conditions:
        marks["conditions"] = placeholder("The trial's title stands in for its conditions.")
    elif record.conditions_split_by_importer:
        marks["conditions"] = derived(
            "the record runs its conditions together on one line; the importer split them "
            "after each disease name"
        )
    trial["design"] = _design(record, arms)
    trial["sponsor"] = _organisation(record)
    trial["collaborators"] = [
        {"name": c.name, "agency_class": c.agency_class or "UNKNOWN"} for c in record.collaborators
    ]
    trial["responsible_party"] = _responsible_party(record)
    trial["investigators"] = [person_table(p) for p in record.officials]
    trial["central_contacts"] = [person_table(p) for p in record.central_contacts]
    trial["references"] = [_reference(r.citation, r.doi, r.pmid, r.kind) for r in record.references]
    trial["other_ids"] = [{"id": o.id, "source": o.source} for o in record.other_ids]
    for key in ("collaborators", "investigators", "central_contacts", "references", "other_ids"):
        if not trial[key]:
            del trial[key]
    if marks:
        trial["assumptions"] = marks
    return trial


def _design(record: RegistryRecord, arms: int) -> dict[str, Any]:
    marks: dict[str, str] = {}
    allocation = _ALLOCATION.get(record.allocation or "")
    if allocation is None:
        allocation = "randomised" if arms > 1 else "na"
        marks["allocation"] = placeholder()
    model = (record.intervention_model or "").lower()
    if not model:
        model = "parallel" if arms > 1 else "single_group"
        marks["intervention_model"] = placeholder()
    elif model == "single_group" and arms > 1:
        model = "parallel"
        marks["intervention_model"] = derived(
            f"the record says SINGLE_GROUP but lists {arms} arm groups; drafted as parallel"
        )
    masking = (record.masking or "").lower()
    if not masking:
        masking, marks["masking"] = "none", placeholder()
    purpose = _PURPOSE.get(record.primary_purpose or "", (record.primary_purpose or "").lower())
    if not purpose:
        purpose, marks["primary_purpose"] = "treatment", placeholder()
    hypothesis, marks["hypothesis"] = _hypothesis(record, arms)
    multicentre = len(record.locations) > 1
    if not record.locations:
        marks["multicentre"] = placeholder("The record lists no locations.")
    design: dict[str, Any] = {
        "allocation": allocation,
        "intervention_model": model,
        "masking": masking,
        "primary_purpose": purpose,
        "hypothesis": hypothesis,
        "multicentre": multicentre,
        "assumptions": marks,
    }
    return design


def _organisation(record: RegistryRecord) -> dict[str, Any]:
    lead = record.lead_sponsor
    if lead is None:
        return {"name": NOT_GIVEN, "agency_class": "UNKNOWN", "assumption": placeholder()}
    return {"name": lead.name, "agency_class": lead.agency_class or "UNKNOWN"}


def _responsible_party(record: RegistryRecord) -> dict[str, Any]:
    party = record.responsible_party
    if party is None:
        return {"kind": "sponsor", "assumption": placeholder()}
    out: dict[str, Any] = {"kind": _PARTY[party.kind]}
    for key in ("name", "title", "affiliation"):
        value = getattr(party, key)
        if value:
            out[key] = value
    return out


def _reference(
    citation: str, doi: str | None, pmid: str | None, kind: str | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"citation": citation}
    if doi:
        out["doi"] = doi
    if pmid:
        out["pmid"] = pmid
    if kind:
        out["kind"] = kind.lower()
    else:
        out["kind"] = "background"
        out["assumptions"] = {"kind": placeholder()}
    return out

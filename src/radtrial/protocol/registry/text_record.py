"""Read the plain-text form of a ClinicalTrials.gov mirror page into a :class:`RegistryRecord`.

The page is a title, ``Key: value`` lines ("NCT ID: NCT06398314") and a run of headings
("Recruitment Status", "Study Groups", "Locations", ...), each followed by its values, one a line.
Most headings are followed by a boilerplate sentence ("Review the sponsor-provided synopsis...")
that is dropped. :mod:`.text_page` cuts the page into sections, :mod:`.text_lists` reads the
list sections (arms, sponsors, people, sites); this module reads the single values and puts the
record together.
"""

from __future__ import annotations

import re

from radtrial.protocol.registry import text_lists
from radtrial.protocol.registry.record import (
    ALLOCATIONS,
    INTERVENTION_MODELS,
    MASKINGS,
    NCT_ID,
    PHASES,
    PRIMARY_PURPOSES,
    STATUSES,
    RegistryRecord,
    parse_record_date,
    problem,
    record_error,
    unescape,
)
from radtrial.protocol.registry.text_page import KEY_VALUE, Line, Page

_ENROLMENT = re.compile(r"^(\d[\d,]*)\b")
_CONDITION_HEAD = re.compile(
    r"(?i)^(?:cancers?|neoplasms?|neoplasias?|leuka?emias?|metastas[ie]s|diseases?|disorders?|"
    r"syndromes?|infections?|tumou?rs?|[a-z]*omas?)$"
)


def parse_text_record(text: str, source: str) -> RegistryRecord:
    """Read a mirror page's text; raise :class:`ProtocolError` with every located problem."""
    parser = Page(text, source)
    nct = parser.preamble_value("NCT ID")
    if nct is None:
        if len(parser.sections) < 2:
            raise record_error(
                source,
                [
                    problem(
                        "",
                        "not a registry record: no 'NCT ID:' line and none of the "
                        "ClinicalTrials.gov page's headings (Recruitment Status, Study Groups, "
                        "Eligibility Criteria, ...)",
                    )
                ],
            )
        parser.fail("NCT ID", "the record has no 'NCT ID: NCT########' line", None)
    elif not NCT_ID.match(nct.text):
        parser.fail("NCT ID", f"{nct.text!r} is not an NCT number (NCT + 8 digits)", nct.number)
    record = _record(parser, nct.text if nct else "")
    if parser.problems:
        raise record_error(source, parser.problems)
    return record


def _record(parser: Page, registry_id: str) -> RegistryRecord:
    updated = parser.preamble_value("Last Updated") or parser.preamble_value("Last Update Posted")
    last_updated = None
    if updated is not None:
        last_updated = parse_record_date(updated.text)
        if last_updated is None:
            parser.fail("Last Updated", f"{updated.text!r} is not a date", updated.number)
    classification = parser.single("Study Classification")
    if classification is not None and classification.text.upper() != "INTERVENTIONAL":
        parser.notes.append(
            f"The study type is {classification.text}; the protocol model is for interventional "
            "trials."
        )
    conditions, split = _conditions(parser.lines("Conditions"))
    interventions = text_lists.interventions(parser)
    model_lines = parser.lines("Intervention Model")
    locations = text_lists.locations(parser)
    return RegistryRecord(
        source=parser.source,
        registry_id=registry_id,
        brief_title=_title(parser),
        status=parser.coded("Recruitment Status", STATUSES, "a recruitment status"),
        phases=_phases(parser),
        last_updated=last_updated,
        start_date=parser.date("Study Start Date"),
        primary_completion_date=parser.date("Primary Completion Date"),
        completion_date=parser.date("Study Completion Date"),
        enrolment=_enrolment(parser),
        brief_summary=parser.paragraphs("Brief Summary"),
        detailed_description=parser.paragraphs("Detailed Description"),
        conditions=conditions,
        conditions_split_by_importer=split,
        allocation=parser.coded("Allocation Method", ALLOCATIONS, "an allocation"),
        intervention_model=parser.coded(
            "Intervention Model", INTERVENTION_MODELS, "an intervention model"
        ),
        intervention_model_description=" ".join(unescape(ln.text) for ln in model_lines[1:])
        or None,
        primary_purpose=parser.coded("Primary Study Purpose", PRIMARY_PURPOSES, "a purpose"),
        masking=parser.coded("Blinding Strategy", MASKINGS, "a masking"),
        arm_groups=text_lists.arm_groups(parser, interventions),
        interventions=interventions,
        eligibility_text=text_lists.eligibility_text(parser),
        minimum_age=_text(parser.single("Minimum Eligible Age")),
        maximum_age=_text(parser.single("Maximum Eligible Age")),
        **text_lists.sponsors(parser),
        responsible_party=text_lists.responsible_party(parser),
        officials=tuple(text_lists.people(parser, "Principal Investigators")),
        central_contacts=tuple(text_lists.people(parser, "Central Contacts")),
        locations=locations,
        countries=tuple(unescape(line.text) for line in parser.lines("Countries")),
        references=text_lists.references(parser),
        other_ids=text_lists.other_ids(parser),
        notes=tuple(parser.notes),
    )


def _text(line: Line | None) -> str | None:
    return unescape(line.text) if line is not None else None


def _title(parser: Page) -> str | None:
    for line in parser.preamble:
        if not KEY_VALUE.match(line.text):
            return unescape(line.text)
    return None


def _phases(parser: Page) -> tuple[str, ...]:
    line = parser.single("Clinical Phase")
    if line is None:
        return ()
    phases = [p.upper() for p in re.split(r"[\s,/|]+", line.text.replace("N/A", "NA")) if p]
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        parser.fail("Clinical Phase", f"{line.text!r} is not a trial phase", line.number)
        return ()
    return tuple(phases)


def _enrolment(parser: Page) -> int | None:
    line = parser.single("Total Enrollment")
    if line is None:
        return None
    match = _ENROLMENT.match(line.text)
    if match is None:
        parser.fail("Total Enrollment", f"{line.text!r} is not a number", line.number)
        return None
    return int(match.group(1).replace(",", ""))


def _conditions(lines: list[Line]) -> tuple[tuple[str, ...], bool]:
    """The conditions; one line holding several runs together is split at disease names."""
    if len(lines) != 1:
        return tuple(unescape(line.text) for line in lines), False
    parts = split_conditions(unescape(lines[0].text))
    return tuple(parts), len(parts) > 1


def split_conditions(line: str) -> list[str]:
    """Split "Gastrointestinal Cancer Urologic Cancer" after each disease noun or "(ABBR)".

    A disease noun followed by a lowercase qualifier ("Sarcoma of the Trunk and Extremities")
    keeps the qualifier: after a lowercase connector, one capitalised word belongs to it, and a
    second capitalised word in a row starts the next condition ("... Extremities | Synovial
    Sarcomas").
    """
    tokens = line.split()
    out: list[str] = []
    current: list[str] = []
    in_qualifier = False
    for position, token in enumerate(tokens):
        current.append(token)
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        if following is None:
            break
        if token[:1].islower():
            in_qualifier = True
            continue
        ends = token.endswith(")") or _CONDITION_HEAD.match(token.strip(",;")) is not None
        if in_qualifier and not ends and following[:1].isupper():
            ends = True
        if ends and following[:1].isupper():
            out.append(" ".join(current))
            current = []
            in_qualifier = False
    if current:
        out.append(" ".join(current))
    return out

"""The list sections of a mirror page: arms, interventions, sponsors, people, sites, references.

Lists are grouped by their marker lines: "Group Type X" closes an arm's label, "Intervention
Type X" an intervention, "Sponsor Role X" a sponsor, "Role: X" a person, an address line
("City, , Country") a site. Facility contacts are listed apart from the sites, in site order;
a "backup" contact belongs to the site of the primary contact before it.
"""

from __future__ import annotations

import re
from typing import Any

from radtrial.protocol.registry.record import (
    AGENCY_CLASSES,
    ARM_TYPES,
    INTERVENTION_TYPES,
    REFERENCE_TYPES,
    RESPONSIBLE_PARTY_TYPES,
    STATUSES,
    ArmGroup,
    Intervention,
    Location,
    Organisation,
    OtherId,
    Person,
    Reference,
    ResponsibleParty,
    split_name,
    split_other_id,
    strip_doi,
    unescape,
)
from radtrial.protocol.registry.text_page import Line, Page

_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,}(?:\s*(?:ext\.?|x)\s*\d+)?$")


def interventions(parser: Page) -> tuple[Intervention, ...]:
    out: list[Intervention] = []
    block: list[Line] = []
    for line in parser.lines("Interventions"):
        if line.text.startswith("Intervention Type"):
            kind = line.text.removeprefix("Intervention Type").strip().upper()
            if kind not in INTERVENTION_TYPES:
                parser.fail("Interventions", f"{kind!r} is not an intervention type", line.number)
            if not block:
                parser.fail("Interventions", "an 'Intervention Type' line has no name", line.number)
            else:
                description = " ".join(unescape(b.text) for b in block[1:]) or None
                out.append(Intervention(unescape(block[0].text), kind, description))
            block = []
        else:
            block.append(line)
    if block:
        out.append(Intervention(unescape(block[0].text), None, None))
    return tuple(out)


def arm_groups(parser: Page, interventions: tuple[Intervention, ...]) -> tuple[ArmGroup, ...]:
    lines = parser.lines("Study Groups")
    marks = [i for i, line in enumerate(lines) if line.text.startswith("Group Type")]
    names = {i.name for i in interventions}
    descriptions = {i.description for i in interventions if i.description}
    groups: list[ArmGroup] = []
    for k, index in enumerate(marks):
        line = lines[index]
        if index == 0 or (k and marks[k - 1] >= index - 1):
            parser.fail("Study Groups", "a 'Group Type' line has no group name", line.number)
            continue
        kind = line.text.removeprefix("Group Type").strip().upper()
        if kind not in ARM_TYPES:
            parser.fail("Study Groups", f"{kind!r} is not an arm group type", line.number)
        end = marks[k + 1] - 1 if k + 1 < len(marks) else len(lines)
        body = lines[index + 1 : end]
        arm_interventions: list[str] = []
        description: list[str] = []
        for position, item in enumerate(body):
            text = unescape(item.text)
            next_is_type = position + 1 < len(body) and body[position + 1].text.startswith(
                "Intervention Type"
            )
            if item.text.startswith("Intervention Type") or text in descriptions:
                continue
            if text in names or (not names and next_is_type):
                arm_interventions.append(text)
            elif not names and arm_interventions:
                continue  # an intervention's description, when no Interventions list names them
            else:
                description.append(text)
        groups.append(
            ArmGroup(
                label=unescape(lines[index - 1].text),
                kind=kind,
                description=" ".join(description) or None,
                interventions=tuple(arm_interventions),
            )
        )
    return tuple(groups)


_CRITERIA_HEADINGS = ("Inclusion Criteria", "Exclusion Criteria")


def eligibility_text(parser: Page) -> str | None:
    """The eligibility section as Markdown, as the registry's API gives it."""
    parts: list[str] = [line.raw for line in parser.sections.get("Eligibility Criteria", [])]
    for heading in _CRITERIA_HEADINGS:
        if heading in parser.sections:
            parts += ["", f"{heading}:", ""]
            parts += [line.raw for line in parser.sections[heading]]
    text = "\n".join(parts).strip()
    return text or None


def sponsors(parser: Page) -> dict[str, Any]:
    lead: Organisation | None = None
    collaborators: list[Organisation] = []
    block: list[Line] = []
    for line in parser.lines("Sponsors"):
        if not line.text.startswith("Sponsor Role"):
            block.append(line)
            continue
        role = line.text.removeprefix("Sponsor Role").strip().lower()
        if not block:
            parser.fail("Sponsors", "a 'Sponsor Role' line has no sponsor name", line.number)
            continue
        agency: str | None = None
        if len(block) > 1:
            agency = block[1].text.upper()
            if agency not in AGENCY_CLASSES:
                parser.fail(
                    "Sponsors", f"{block[1].text!r} is not an agency class", block[1].number
                )
                agency = None
        organisation = Organisation(unescape(block[0].text), agency)
        if role == "lead":
            lead = organisation
        elif role == "collaborator":
            collaborators.append(organisation)
        else:
            parser.fail("Sponsors", f"{role!r} is not a sponsor role", line.number)
        block = []
    if block:
        parser.fail("Sponsors", "a sponsor has no 'Sponsor Role' line", block[0].number)
    return {"lead_sponsor": lead, "collaborators": tuple(collaborators)}


def responsible_party(parser: Page) -> ResponsibleParty | None:
    lines = parser.lines("Responsible Party")
    for position, line in enumerate(lines):
        if line.text.startswith("Responsibility Role"):
            kind = line.text.removeprefix("Responsibility Role").strip().upper()
            if kind not in RESPONSIBLE_PARTY_TYPES:
                parser.fail("Responsible Party", f"{kind!r} is not a party type", line.number)
                return None
            before = [unescape(b.text) for b in lines[:position]]
            return ResponsibleParty(
                kind=kind,
                name=before[0] if before else None,
                title=", ".join(before[1:]) or None,
            )
    return None


def people(parser: Page, heading: str) -> list[Person]:
    lines = parser.lines(heading)
    roles = [i for i, line in enumerate(lines) if line.text.startswith("Role:")]
    people: list[Person] = []
    for k, index in enumerate(roles):
        if index == 0 or (k and roles[k - 1] >= index - 1):
            parser.fail(heading, "a 'Role:' line has no name before it", lines[index].number)
            continue
        name, degrees = split_name(unescape(lines[index - 1].text))
        end = roles[k + 1] - 1 if k + 1 < len(roles) else len(lines)
        phone = email = None
        affiliation: list[str] = []
        for detail in lines[index + 1 : end]:
            if "@" in detail.text and " " not in detail.text:
                email = detail.text
            elif _PHONE.match(detail.text):
                phone = detail.text
            else:
                affiliation.append(unescape(detail.text))
        people.append(
            Person(
                name=name,
                role=lines[index].text.removeprefix("Role:").strip().lower(),
                degrees=degrees,
                affiliation=", ".join(affiliation) or None,
                phone=phone,
                email=email,
            )
        )
    return people


def locations(parser: Page) -> tuple[Location, ...]:
    countries = {line.text for line in parser.lines("Countries")}
    sites: list[dict[str, Any]] = []
    facility: list[Line] = []
    for line in parser.lines("Locations"):
        parts = [p.strip() for p in line.text.split(",")]
        is_address = len(parts) >= 2 and (parts[-1] in countries if countries else len(parts) == 3)
        if line.text.startswith("Site Status"):
            status = line.text.removeprefix("Site Status").strip().upper()
            if not sites or facility:
                parser.fail("Locations", "a 'Site Status' line has no site", line.number)
            elif status not in STATUSES:
                parser.fail("Locations", f"{status!r} is not a recruitment status", line.number)
            else:
                sites[-1]["status"] = status
        elif is_address and facility:
            sites.append(
                {
                    "facility": unescape(" ".join(f.text for f in facility)),
                    "city": parts[0] or None,
                    "state": ", ".join(p for p in parts[1:-1] if p) or None,
                    "country": parts[-1] or None,
                }
            )
            facility = []
        else:
            facility.append(line)
    if facility:
        parser.fail(
            "Locations",
            f"site {facility[0].text!r} has no 'City, State, Country' line",
            facility[0].number,
        )
    contacts = _facility_contacts(parser, len(sites))
    return tuple(
        Location(**site, contacts=contacts[i] if contacts else ()) for i, site in enumerate(sites)
    )


def _facility_contacts(parser: Page, site_count: int) -> list[tuple[Person, ...]] | None:
    groups: list[list[Person]] = []
    for person in people(parser, "Facility Contacts"):
        if person.role == "backup" and groups:
            groups[-1].append(person)
        else:
            groups.append([person])
    if not groups:
        return None
    if len(groups) != site_count:
        parser.notes.append(
            f"The record lists {len(groups)} facility contacts (with their backups) for "
            f"{site_count} locations, so they cannot be matched to sites by order; the sites "
            "were drafted without contacts."
        )
        return None
    return [tuple(group) for group in groups]


def references(parser: Page) -> tuple[Reference, ...]:
    found: list[dict[str, Any]] = []
    for line in parser.lines("References"):
        if line.text.startswith("Reference Type") and found:
            kind = line.text.removeprefix("Reference Type").strip().upper()
            if kind not in REFERENCE_TYPES:
                parser.fail("References", f"{kind!r} is not a reference type", line.number)
            found[-1]["kind"] = kind
            found[-1]["closed"] = True
        elif (match := re.match(r"^PMID:\s*(\d+)", line.text)) and found:
            found[-1]["pmid"] = match.group(1)
            found[-1]["closed"] = True
        elif found and not found[-1]["closed"]:
            found[-1]["citation"] += " " + unescape(line.text)
        else:
            found.append({"citation": unescape(line.text), "closed": False})
    references = []
    for item in found:
        citation, doi = strip_doi(item["citation"])
        references.append(Reference(citation, doi, item.get("pmid"), item.get("kind")))
    return tuple(references)


def other_ids(parser: Page) -> tuple[OtherId, ...]:
    found: list[dict[str, str | None]] = []
    for line in parser.lines("Other Identifiers"):
        key, _, value = line.text.partition(":")
        if key in ("Identifier Type", "Identifier Source") and found:
            value = value.strip()
            found[-1][key] = value if value not in ("", "-") else None
        else:
            identifier, label = split_other_id(unescape(line.text))
            found.append({"id": identifier, "label": label})
    return tuple(
        OtherId(
            id=str(item["id"]),
            source=item["label"]
            or item.get("Identifier Type")
            or item.get("Identifier Source")
            or "unknown",
        )
        for item in found
    )

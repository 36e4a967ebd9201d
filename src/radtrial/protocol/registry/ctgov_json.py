"""Read a ClinicalTrials.gov API v2 study (JSON) into a :class:`RegistryRecord`.

The v2 study object has a ``protocolSection`` of modules (``identificationModule``,
``statusModule``, ``sponsorCollaboratorsModule``, ``descriptionModule``, ``conditionsModule``,
``designModule``, ``armsInterventionsModule``, ``outcomesModule``, ``eligibilityModule``,
``contactsLocationsModule``, ``referencesModule``); see the API's data structure reference,
https://clinicaltrials.gov/data-api/about-api/study-data-structure. A ``/studies`` search
response holding exactly one study is accepted too. Every type or vocabulary fault is reported
with its JSON path, all at once.
"""

from __future__ import annotations

import json
from typing import Any

from radtrial.protocol.registry.json_reader import JsonReader, kind_of
from radtrial.protocol.registry.record import (
    AGENCY_CLASSES,
    ALLOCATIONS,
    ARM_TYPES,
    INTERVENTION_MODELS,
    INTERVENTION_TYPES,
    MASKINGS,
    NCT_ID,
    PHASES,
    PRIMARY_PURPOSES,
    REFERENCE_TYPES,
    RESPONSIBLE_PARTY_TYPES,
    STATUSES,
    ArmGroup,
    Intervention,
    Location,
    Organisation,
    OtherId,
    Outcome,
    Person,
    Reference,
    RegistryRecord,
    ResponsibleParty,
    problem,
    record_error,
    split_name,
    split_other_id,
    strip_doi,
)

_INTERVENTION_PREFIXES = {t.replace("_", " ").lower() for t in INTERVENTION_TYPES}


def parse_ctgov_json(text: str, source: str) -> RegistryRecord:
    """Read an API v2 study; raise :class:`ProtocolError` naming each fault's JSON path."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise record_error(
            source,
            [
                problem(
                    "",
                    f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                    exc.lineno,
                )
            ],
        ) from None
    study = _study(data, source)
    reader = JsonReader()
    protocol = reader.obj(study, "protocolSection", "")
    record = _record(reader, protocol, source)
    if reader.problems:
        raise record_error(source, reader.problems)
    return record


def _study(data: Any, source: str) -> dict[str, Any]:
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        studies = data["studies"]
        if len(studies) != 1:
            raise record_error(
                source,
                [problem("studies", f"the response holds {len(studies)} studies; import one")],
            )
        data = studies[0]
    if not isinstance(data, dict):
        raise record_error(source, [problem("", f"expected a study object, found {kind_of(data)}")])
    if not isinstance(data.get("protocolSection"), dict):
        raise record_error(
            source,
            [
                problem(
                    "protocolSection",
                    "not a ClinicalTrials.gov API v2 study: no protocolSection object",
                )
            ],
        )
    return data


def _record(reader: JsonReader, protocol: dict[str, Any], source: str) -> RegistryRecord:
    p = "protocolSection"
    ident = reader.obj(protocol, "identificationModule", p)
    status = reader.obj(protocol, "statusModule", p)
    sponsors = reader.obj(protocol, "sponsorCollaboratorsModule", p)
    description = reader.obj(protocol, "descriptionModule", p)
    design = reader.obj(protocol, "designModule", p)
    design_info = reader.obj(design, "designInfo", f"{p}.designModule")
    masking = reader.obj(design_info, "maskingInfo", f"{p}.designModule.designInfo")
    eligibility = reader.obj(protocol, "eligibilityModule", p)
    contacts = reader.obj(protocol, "contactsLocationsModule", p)
    where = f"{p}.identificationModule"
    nct = reader.text(ident, "nctId", where)
    if nct is None:
        reader.fail(f"{where}.nctId", "the study has no NCT number")
    elif not NCT_ID.match(nct):
        reader.fail(f"{where}.nctId", f"{nct!r} is not an NCT number (NCT + 8 digits)")
    interventions = _interventions(reader, protocol)
    locations = _locations(reader, contacts)
    phases = reader.texts(design, "phases", f"{p}.designModule")
    if any(phase.upper() not in PHASES for phase in phases):
        reader.fail(f"{p}.designModule.phases", f"{list(phases)} are not all trial phases")
        phases = ()
    return RegistryRecord(
        source=source,
        registry_id=nct or "",
        brief_title=reader.text(ident, "briefTitle", where),
        official_title=reader.text(ident, "officialTitle", where),
        acronym=reader.text(ident, "acronym", where),
        status=reader.coded(status, "overallStatus", f"{p}.statusModule", STATUSES),
        phases=tuple(phase.upper() for phase in phases),
        last_updated=reader.date(status, "lastUpdatePostDateStruct", f"{p}.statusModule"),
        start_date=reader.date(status, "startDateStruct", f"{p}.statusModule"),
        primary_completion_date=reader.date(
            status, "primaryCompletionDateStruct", f"{p}.statusModule"
        ),
        completion_date=reader.date(status, "completionDateStruct", f"{p}.statusModule"),
        enrolment=_enrolment(reader, design),
        brief_summary=reader.text(description, "briefSummary", f"{p}.descriptionModule"),
        detailed_description=reader.text(
            description, "detailedDescription", f"{p}.descriptionModule"
        ),
        conditions=reader.texts(
            reader.obj(protocol, "conditionsModule", p), "conditions", f"{p}.conditionsModule"
        ),
        allocation=reader.coded(
            design_info, "allocation", f"{p}.designModule.designInfo", ALLOCATIONS
        ),
        intervention_model=reader.coded(
            design_info, "interventionModel", f"{p}.designModule.designInfo", INTERVENTION_MODELS
        ),
        intervention_model_description=reader.text(
            design_info, "interventionModelDescription", f"{p}.designModule.designInfo"
        ),
        primary_purpose=reader.coded(
            design_info, "primaryPurpose", f"{p}.designModule.designInfo", PRIMARY_PURPOSES
        ),
        masking=reader.coded(
            masking, "masking", f"{p}.designModule.designInfo.maskingInfo", MASKINGS
        ),
        arm_groups=_arm_groups(reader, protocol),
        interventions=interventions,
        outcomes=_outcomes(reader, protocol),
        eligibility_text=_raw_text(
            reader, eligibility, "eligibilityCriteria", f"{p}.eligibilityModule"
        ),
        minimum_age=reader.text(eligibility, "minimumAge", f"{p}.eligibilityModule"),
        maximum_age=reader.text(eligibility, "maximumAge", f"{p}.eligibilityModule"),
        lead_sponsor=_organisation(
            reader,
            reader.obj(sponsors, "leadSponsor", f"{p}.sponsorCollaboratorsModule"),
            f"{p}.sponsorCollaboratorsModule.leadSponsor",
        ),
        collaborators=tuple(
            org
            for path, item in reader.objs(
                sponsors, "collaborators", f"{p}.sponsorCollaboratorsModule"
            )
            if (org := _organisation(reader, item, path)) is not None
        ),
        responsible_party=_responsible_party(reader, sponsors),
        officials=tuple(_people(reader, contacts, "overallOfficials")),
        central_contacts=tuple(_people(reader, contacts, "centralContacts")),
        locations=locations,
        countries=tuple(dict.fromkeys(loc.country for loc in locations if loc.country)),
        references=_references(reader, protocol),
        other_ids=_other_ids(reader, ident),
    )


def _raw_text(reader: JsonReader, parent: dict[str, Any], key: str, path: str) -> str | None:
    """Markdown text kept with its escapes (the criteria splitter reads its bullets)."""
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        reader.fail(f"{path}.{key}", f"expected a string, found {kind_of(value)}")
        return None
    return value.strip() or None


def _enrolment(reader: JsonReader, design: dict[str, Any]) -> int | None:
    info = reader.obj(design, "enrollmentInfo", "protocolSection.designModule")
    count = info.get("count")
    if count is None:
        return None
    if not isinstance(count, int) or isinstance(count, bool):
        reader.fail(
            "protocolSection.designModule.enrollmentInfo.count",
            f"expected a whole number, found {kind_of(count)}",
        )
        return None
    return count


def _organisation(reader: JsonReader, item: dict[str, Any], path: str) -> Organisation | None:
    name = reader.text(item, "name", path)
    if name is None:
        return None
    return Organisation(name, reader.coded(item, "class", path, AGENCY_CLASSES))


def _responsible_party(reader: JsonReader, sponsors: dict[str, Any]) -> ResponsibleParty | None:
    path = "protocolSection.sponsorCollaboratorsModule.responsibleParty"
    party = reader.obj(sponsors, "responsibleParty", "protocolSection.sponsorCollaboratorsModule")
    kind = reader.coded(party, "type", path, RESPONSIBLE_PARTY_TYPES)
    if kind is None:
        return None
    return ResponsibleParty(
        kind=kind,
        name=reader.text(party, "investigatorFullName", path),
        title=reader.text(party, "investigatorTitle", path),
        affiliation=reader.text(party, "investigatorAffiliation", path),
    )


def _person(reader: JsonReader, item: dict[str, Any], path: str) -> Person | None:
    full = reader.text(item, "name", path)
    if full is None:
        reader.fail(f"{path}.name", "a contact or official has no name")
        return None
    name, degrees = split_name(full)
    return Person(
        name=name,
        role=(reader.text(item, "role", path) or "contact").lower(),
        degrees=degrees,
        affiliation=reader.text(item, "affiliation", path),
        phone=reader.text(item, "phone", path),
        email=reader.text(item, "email", path),
    )


def _people(reader: JsonReader, contacts: dict[str, Any], key: str) -> list[Person]:
    path = "protocolSection.contactsLocationsModule"
    return [
        person
        for where, item in reader.objs(contacts, key, path)
        if (person := _person(reader, item, where)) is not None
    ]


def _locations(reader: JsonReader, contacts: dict[str, Any]) -> tuple[Location, ...]:
    out = []
    for where, item in reader.objs(
        contacts, "locations", "protocolSection.contactsLocationsModule"
    ):
        facility = reader.text(item, "facility", where)
        if facility is None:
            reader.fail(f"{where}.facility", "a location has no facility name")
            continue
        people = [
            person
            for at, contact in reader.objs(item, "contacts", where)
            if (person := _person(reader, contact, at)) is not None
        ]
        out.append(
            Location(
                facility=facility,
                city=reader.text(item, "city", where),
                state=reader.text(item, "state", where),
                country=reader.text(item, "country", where),
                status=reader.coded(item, "status", where, STATUSES),
                contacts=tuple(people),
            )
        )
    return tuple(out)


def _intervention_name(text: str) -> str:
    """ "Radiation: Palliative radiotherapy" -> "Palliative radiotherapy"."""
    prefix, colon, rest = text.partition(": ")
    return rest if colon and prefix.lower() in _INTERVENTION_PREFIXES else text


def _interventions(reader: JsonReader, protocol: dict[str, Any]) -> tuple[Intervention, ...]:
    module = reader.obj(protocol, "armsInterventionsModule", "protocolSection")
    path = "protocolSection.armsInterventionsModule"
    out = []
    for where, item in reader.objs(module, "interventions", path):
        name = reader.text(item, "name", where)
        if name is None:
            reader.fail(f"{where}.name", "an intervention has no name")
            continue
        kind = reader.coded(item, "type", where, INTERVENTION_TYPES)
        out.append(Intervention(name, kind, reader.text(item, "description", where)))
    return tuple(out)


def _arm_groups(reader: JsonReader, protocol: dict[str, Any]) -> tuple[ArmGroup, ...]:
    module = reader.obj(protocol, "armsInterventionsModule", "protocolSection")
    path = "protocolSection.armsInterventionsModule"
    out = []
    for where, item in reader.objs(module, "armGroups", path):
        label = reader.text(item, "label", where)
        if label is None:
            reader.fail(f"{where}.label", "an arm group has no label")
            continue
        out.append(
            ArmGroup(
                label=label,
                kind=reader.coded(item, "type", where, ARM_TYPES),
                description=reader.text(item, "description", where),
                interventions=tuple(
                    _intervention_name(n) for n in reader.texts(item, "interventionNames", where)
                ),
            )
        )
    return tuple(out)


def _outcomes(reader: JsonReader, protocol: dict[str, Any]) -> tuple[Outcome, ...]:
    module = reader.obj(protocol, "outcomesModule", "protocolSection")
    out = []
    for level in ("primary", "secondary", "other"):
        for where, item in reader.objs(
            module, f"{level}Outcomes", "protocolSection.outcomesModule"
        ):
            measure = reader.text(item, "measure", where)
            if measure is None:
                reader.fail(f"{where}.measure", "an outcome has no measure")
                continue
            out.append(
                Outcome(
                    level=level,
                    measure=measure,
                    description=reader.text(item, "description", where),
                    time_frame=reader.text(item, "timeFrame", where),
                )
            )
    return tuple(out)


def _references(reader: JsonReader, protocol: dict[str, Any]) -> tuple[Reference, ...]:
    module = reader.obj(protocol, "referencesModule", "protocolSection")
    out = []
    for where, item in reader.objs(module, "references", "protocolSection.referencesModule"):
        citation = reader.text(item, "citation", where)
        if citation is None:
            continue
        citation, doi = strip_doi(citation)
        out.append(
            Reference(
                citation=citation,
                doi=doi,
                pmid=reader.text(item, "pmid", where),
                kind=reader.coded(item, "type", where, REFERENCE_TYPES),
            )
        )
    return tuple(out)


def _other_ids(reader: JsonReader, ident: dict[str, Any]) -> tuple[OtherId, ...]:
    path = "protocolSection.identificationModule"
    out = []
    org_id = reader.text(reader.obj(ident, "orgStudyIdInfo", path), "id", f"{path}.orgStudyIdInfo")
    if org_id is not None:
        identifier, label = split_other_id(org_id)
        out.append(OtherId(identifier, label or "org_study_id"))
    for where, item in reader.objs(ident, "secondaryIdInfos", path):
        secondary = reader.text(item, "id", where)
        if secondary is None:
            continue
        source = reader.text(item, "domain", where) or reader.text(item, "type", where)
        out.append(OtherId(secondary, source or "secondary_id"))
    return tuple(out)

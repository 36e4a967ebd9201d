"""The ``[[sites]]`` of a draft: the record's locations with codes, status and contacts."""

from __future__ import annotations

from typing import Any

from radtrial.protocol.registry.marks import derived, placeholder
from radtrial.protocol.registry.record import RegistryRecord
from radtrial.protocol.registry.site_code import site_codes
from radtrial.protocol.registry.trial import NOT_GIVEN, given, person_table, status_of


def draft_sites(record: RegistryRecord, overall_status: str) -> list[dict[str, Any]]:
    """One site per location (a marked placeholder site if the record lists none)."""
    if not record.locations:
        return [
            {
                "code": "SITE1",
                "name": NOT_GIVEN,
                "city": NOT_GIVEN,
                "country": NOT_GIVEN,
                "status": overall_status,
                "roles": ["recruiting", "treating"],
                "assumption": placeholder("The record lists no locations."),
            }
        ]
    roles_mark = placeholder(
        "The record does not say which sites treat; every site is drafted as recruiting and "
        "treating."
    )
    codes = site_codes([loc.facility for loc in record.locations])
    sites = []
    for location, code in zip(record.locations, codes, strict=True):
        marks: dict[str, str] = {}
        if not code.known:
            marks["code"] = derived("the code is the initials of the facility name")
        if location.status is None:
            status = overall_status
            marks["status"] = derived("the site has no status; the trial's status is used")
        else:
            status = status_of(location.status, marks, "status")
        if not location.city:
            marks["city"] = placeholder()
        if not location.country:
            marks["country"] = placeholder()
        marks["roles"] = roles_mark
        site: dict[str, Any] = {
            "code": code.code,
            "name": location.facility,
            "city": given(location.city),
            "country": given(location.country),
            "status": status,
            "roles": ["recruiting", "treating"],
        }
        if location.contacts:
            site["contacts"] = [person_table(p) for p in location.contacts]
        site["assumptions"] = marks
        sites.append(site)
    return sites

"""Staff at a PALLSOFT site without the world's hand-made participants, so that registrations
through the service number their study ids from 1 without meeting them."""

from __future__ import annotations

from typing import Any

from radtrial.services import auth, users
from radtrial.services.users import GrantRequest, Role
from tests.api.support import PASSWORD, World
from tests.enrolment import PALLSOFT_PATIENT

#: The site the enrolment tests register at.
SITE = "VVHF"
INVESTIGATOR = "inv.vvhf"
NURSE = "nurse.vvhf"

#: An eligible PALLSOFT patient, with dates that suit the worlds' clock (March 2026).
PATIENT: dict[str, Any] = {
    **PALLSOFT_PATIENT,
    "last_systemic_therapy_date": "2026-02-20",
    "planned_first_fraction_date": "2026-03-09",
}


def add_site_staff(world: World) -> None:
    """An investigator and a research nurse at :data:`SITE` in PALLSOFT, with TOTP."""
    for username, role in ((INVESTIGATOR, Role.INVESTIGATOR), (NURSE, Role.RESEARCH_NURSE)):
        users.add_user(
            world.db,
            actor="setup",
            username=username,
            full_name=f"{role.value.replace('_', ' ').title()} Vestre Viken",
            email=f"{username}@example.org",
            grants=[GrantRequest(role, "pallsoft", SITE)],
            password=PASSWORD,
        )
        auth.enrol_totp(world.db, actor="setup", username=username)

"""The demo's accounts: a user for every role who can sign in (password and TOTP printed), and
the investigators of the other hospitals, whose work the demo history shows but who do not sign
in."""

from __future__ import annotations

from dataclasses import dataclass

from radtrial.services.auth import TotpEnrolment, enrol_totp
from radtrial.services.users import GrantRequest, Role, add_user
from radtrial.store.database import Database

__all__ = [
    "DEMO_ACTOR",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "SITE_STAFF",
    "DemoUser",
    "add_accounts",
    "site_actor",
]

DEMO_ACTOR = "radtrial-demo"
DEMO_PASSWORD = "radtrial-demo-2025"  # noqa: S105 - printed for the demo, never a real secret


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo account: its login, name, roles and (after :func:`add_accounts`) second factor."""

    username: str
    full_name: str
    grants: tuple[GrantRequest, ...]
    totp: TotpEnrolment | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Ada Admin (sponsor)", (GrantRequest(Role.SPONSOR_ADMIN),)),
    DemoUser("monitor", "Mona Monitor", (GrantRequest(Role.MONITOR),)),
    DemoUser("datamanager", "Dag Datamanager", (GrantRequest(Role.DATA_MANAGER),)),
    DemoUser("statistician", "Stine Statistiker", (GrantRequest(Role.UNBLINDED_STATISTICIAN),)),
    DemoUser(
        "inv.ous", "Ingrid Investigator (OUS)", (GrantRequest(Role.INVESTIGATOR, None, "OUS"),)
    ),
    DemoUser("nurse.ous", "Nils Nurse (OUS)", (GrantRequest(Role.RESEARCH_NURSE, None, "OUS"),)),
    DemoUser("physicist.ous", "Per Physicist (OUS)", (GrantRequest(Role.PHYSICIST, None, "OUS"),)),
    DemoUser(
        "inv.hus", "Hanne Investigator (HUS)", (GrantRequest(Role.INVESTIGATOR, None, "HUS"),)
    ),
    DemoUser("nurse.hus", "Hilde Nurse (HUS)", (GrantRequest(Role.RESEARCH_NURSE, None, "HUS"),)),
    DemoUser(
        "monitor.hus", "Harald Site Monitor (HUS)", (GrantRequest(Role.MONITOR, None, "HUS"),)
    ),
)

#: Investigators at the other PALLSOFT hospitals (no password: they do not sign in to the demo).
SITE_STAFF: tuple[DemoUser, ...] = (
    DemoUser(
        "inv.sus",
        "Siri Investigator (SUS)",
        (GrantRequest(Role.INVESTIGATOR, "pallsoft", "SUS"),),
    ),
    DemoUser(
        "inv.sto",
        "Olav Investigator (St. Olavs)",
        (GrantRequest(Role.INVESTIGATOR, "pallsoft", "STO"),),
    ),
    DemoUser(
        "inv.unn",
        "Tove Investigator (UNN)",
        (GrantRequest(Role.INVESTIGATOR, "pallsoft", "UNN"),),
    ),
)


def site_actor(site_code: str, *, nurse: bool = False) -> str:
    """The username that works at ``site_code`` in the demo history: the site's research nurse
    where the demo has one and ``nurse`` is asked for, else its investigator."""
    if nurse and site_code in {"OUS", "HUS"}:
        return f"nurse.{site_code.lower()}"
    return f"inv.{site_code.lower()}"


def add_accounts(db: Database) -> list[DemoUser]:
    """Add the :data:`DEMO_USERS` (password :data:`DEMO_PASSWORD`, each with a new TOTP secret)
    and the :data:`SITE_STAFF`; returns the demo users with their second factors."""
    created = []
    for user in DEMO_USERS:
        _add(db, user, DEMO_PASSWORD)
        totp = enrol_totp(db, actor=DEMO_ACTOR, username=user.username)
        created.append(DemoUser(user.username, user.full_name, user.grants, totp))
    for user in SITE_STAFF:
        _add(db, user, None)
    return created


def _add(db: Database, user: DemoUser, password: str | None) -> None:
    add_user(
        db,
        actor=DEMO_ACTOR,
        username=user.username,
        full_name=user.full_name,
        email=f"{user.username}@demo.radtrial.invalid",
        grants=list(user.grants),
        password=password,
    )

"""The demo: a fresh database with both bundled trials and a user for every role.

Everything goes through the real services (:func:`radtrial.services.trials.load_protocol`,
:func:`radtrial.services.users.add_user`, :func:`radtrial.services.auth.enrol_totp`), so the demo
shows what a trial team would see. Demo passwords are printed and are not secret: a demo
database is for trying radtrial out, never for real data.
"""

from __future__ import annotations

from dataclasses import dataclass

from radtrial.services import trials
from radtrial.services.auth import TotpEnrolment, enrol_totp
from radtrial.services.users import GrantRequest, Role, add_user
from radtrial.store.database import Database

__all__ = ["DEMO_ACTOR", "DEMO_PASSWORD", "DEMO_USERS", "DemoUser", "build_demo"]

DEMO_ACTOR = "radtrial-demo"
DEMO_PASSWORD = "radtrial-demo-2025"  # noqa: S105 - printed for the demo, never a real secret


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo account: its login, name, roles and (after :func:`build_demo`) second factor."""

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


def build_demo(db: Database) -> list[DemoUser]:
    """Upgrade ``db``, load PALLSOFT and PROSARC-2 with their sites, and add the demo users
    (password :data:`DEMO_PASSWORD`, each with a new TOTP secret); returns the users."""
    db.upgrade()
    for slug in ("pallsoft", "prosarc2"):
        trials.load_protocol(db, slug, actor=DEMO_ACTOR)
    created = []
    for user in DEMO_USERS:
        add_user(
            db,
            actor=DEMO_ACTOR,
            username=user.username,
            full_name=user.full_name,
            email=f"{user.username}@demo.radtrial.invalid",
            grants=list(user.grants),
            password=DEMO_PASSWORD,
        )
        totp = enrol_totp(db, actor=DEMO_ACTOR, username=user.username)
        created.append(DemoUser(user.username, user.full_name, user.grants, totp))
    return created

"""Helpers for the radiotherapy-course tests: a clock that can be set to a time at the site, and
participants enrolled through the enrolment services (screened, consented, registered and, for
PALLSOFT, randomised to the arm a test needs).

Staff (from :mod:`tests.enrolment`): ``inv_ous`` and ``nurse_ous`` at OUS, ``inv_hus`` at HUS,
``monitor``; this module adds ``phys_ous``, a physicist at OUS in both trials.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from radtrial.services.randomisation import generate_list, randomise
from radtrial.services.users import GrantRequest, Role, add_user
from radtrial.store.audit import history
from radtrial.store.audit.chain import AuditEntry
from radtrial.store.database import Database
from tests.enrolment import enrol, setup_trials

OSLO = ZoneInfo("Europe/Oslo")

#: PROSARC-2 doses per fraction, Gy(RBE).
PROSARC2_DOSES = {"target": 3.5, "boost": 5.0}


class SiteClock:
    """A clock that starts on Monday 6 January 2025, 09:00 in Oslo, moves one second per
    reading, and can be set to a time at the site (Oslo)."""

    def __init__(self) -> None:
        self._now = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            now = self._now
            self._now += timedelta(seconds=1)
            return now

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        """Set the clock to ``hour:minute`` on ``day`` in Oslo; returns that instant (UTC)."""
        instant = datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)
        with self._lock:
            self._now = instant
        return instant


def site_time(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware instant at ``hour:minute`` on ``day`` in Oslo."""
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


def prepare(db: Database) -> Database:
    """Both trials loaded, the staff added (with a physicist) and PALLSOFT's allocation list."""
    setup_trials(db)
    add_user(
        db,
        actor="admin",
        username="phys_ous",
        full_name="Phys Ous",
        email="phys_ous@example.org",
        grants=[
            GrantRequest(Role.PHYSICIST, "pallsoft", "OUS"),
            GrantRequest(Role.PHYSICIST, "prosarc2", "OUS"),
        ],
    )
    generate_list(db, actor="stat", trial_slug="pallsoft", seed=20250106)
    return db


def prosarc2_participant(db: Database) -> str:
    """A registered PROSARC-2 participant at OUS (single arm A); returns the study id."""
    return enrol(db, trial="prosarc2").participant.study_id


def pallsoft_participant(db: Database, arm: str | None) -> str:
    """A PALLSOFT participant at OUS randomised to ``arm`` (None: registered, not randomised).

    Participants are enrolled and randomised until one lands in ``arm``; the others stay in
    the trial, as they would.
    """
    for _ in range(8):
        study_id = enrol(db, trial="pallsoft").participant.study_id
        if arm is None:
            return study_id
        if randomise(db, actor="inv_ous", study_id=study_id).allocation.arm_code == arm:
            return study_id
    raise AssertionError(f"no allocation to arm {arm} in 8 randomisations")


def audit_rows(db: Database, entity: str | None = None) -> list[AuditEntry]:
    """The research database's audit trail (of one table)."""
    return history(db.engine("research"), entity=entity)

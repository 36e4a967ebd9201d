"""Helpers for the database tests: a fixed clock, a realistic workload, DBA-style tampering."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, select, text

from radtrial.store.database import Database
from radtrial.store.records import Role
from radtrial.store.tables import RoleGrantRow

#: The two trials' registry records (copies of ``shared/seeds``, so the suite needs nothing
#: outside the repository).
SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"


class TickingClock:
    """A clock that starts at a fixed UTC instant and moves one second per reading."""

    def __init__(self, start: datetime = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)) -> None:
        self._start = start
        self._ticks = itertools.count()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=next(self._ticks))


@contextmanager
def append_only_disabled(connection: Connection) -> Iterator[None]:
    """Drop the audit log's append-only triggers, as a DBA could, and put them back after.

    The definitions are read from the catalogue first, so what is restored is exactly what the
    migration created. Runs inside the caller's transaction.
    """
    if connection.dialect.name == "sqlite":
        triggers = connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'audit_log'"
            )
        ).all()
    else:
        triggers = connection.execute(
            text(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal"
            )
        ).all()
    assert triggers, "the migration should have created append-only triggers"
    for name, _definition in triggers:
        suffix = "" if connection.dialect.name == "sqlite" else " ON audit_log"
        connection.execute(text(f"DROP TRIGGER {name}{suffix}"))
    try:
        yield
    finally:
        for _name, definition in triggers:
            connection.execute(text(definition))


#: Study ids registered by :func:`populate`, with their trial and site.
PARTICIPANTS = {
    "PALL-OUS-0001": ("pallsoft", "OUS"),
    "PALL-OUS-0002": ("pallsoft", "OUS"),
    "PALL-HUS-0001": ("pallsoft", "HUS"),
}


def populate(db: Database) -> None:
    """A small realistic workload: inserts, updates with reasons and a deletion, several units.

    Users: ``inv_ous`` (investigator at OUS), ``nurse_ous`` (research nurse at OUS),
    ``inv_hus`` (investigator at HUS), ``inv_all`` (investigator at every site), ``monitor``
    and ``stat`` (unblinded statistician), all in PALLSOFT.
    """
    with db.unit_of_work("setup") as uow:
        uow.trials.upsert(
            slug="pallsoft",
            registry_id="NCT06398314",
            acronym="PALLSOFT",
            title="Palliative radiotherapy: single versus two fractions",
        )
        uow.trials.upsert(
            slug="prosarc2", registry_id="NCT07173972", acronym="PROSARC-2", title="Proton RT"
        )
        version, _ = uow.trials.add_protocol_version(
            slug="pallsoft",
            version_label="1.0",
            content_hash="1" * 64,
            canonical_json='{"version": "1.0"}',
            source_text="[trial]\nslug = 'pallsoft'\n",
        )
        for code, name, city in [
            ("OUS", "Oslo universitetssykehus", "Oslo"),
            ("HUS", "Haukeland universitetssjukehus", "Bergen"),
            ("STHF", "Sykehuset Telemark", "Skien"),
        ]:
            uow.sites.upsert(code=code, name=name, city=city, country="NO")
            uow.sites.upsert_trial_site(
                trial_slug="pallsoft", site_code=code, status="active", roles=["recruiting"]
            )
        grants = {
            "inv_ous": (Role.INVESTIGATOR, "OUS"),
            "nurse_ous": (Role.RESEARCH_NURSE, "OUS"),
            "inv_hus": (Role.INVESTIGATOR, "HUS"),
            "inv_all": (Role.INVESTIGATOR, None),
            "monitor": (Role.MONITOR, None),
            "stat": (Role.UNBLINDED_STATISTICIAN, None),
        }
        for username, (role, site) in grants.items():
            uow.users.add(
                username=username,
                full_name=username.replace("_", " ").title(),
                email=f"{username}@example.org",
                password_hash=None,
            )
            uow.users.grant(username=username, role=role, trial_slug="pallsoft", site_code=site)
        uow.users.grant(username="monitor", role=Role.MONITOR, trial_slug="prosarc2")
        for study_id, (trial, site) in PARTICIPANTS.items():
            uow.participants.add(
                study_id=study_id,
                trial_slug=trial,
                site_code=site,
                protocol_version_id=version.id,
            )
    with db.unit_of_work("setup", reason="title as in the registry") as uow:
        uow.trials.upsert(
            slug="prosarc2",
            registry_id="NCT07173972",
            acronym="PROSARC-2",
            title="Dose-escalated hypofractionated proton RT for soft-tissue sarcoma",
        )
    with db.unit_of_work("setup", reason="site stopped recruiting") as uow:
        uow.sites.upsert_trial_site(
            trial_slug="pallsoft", site_code="STHF", status="closed", roles=[]
        )
    with db.unit_of_work("setup", reason="grant entered in error") as uow:
        grant = uow.session.scalars(
            select(RoleGrantRow)
            .where(RoleGrantRow.trial_id.is_not(None))
            .order_by(RoleGrantRow.id.desc())
        ).first()
        uow.session.delete(grant)

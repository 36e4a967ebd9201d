"""A small trial world for the API, page and browser tests, and signing in to it.

Both bundled protocols are loaded through the real service; users for every role at two or
three sites (and at every site) get a password and a TOTP second factor; three participants at
three sites give the site-isolation tests objects to reach for. Password hashing is made cheap
for these tests only (argon2id t=1, 8 KiB), since a hash's cost travels inside it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from argon2 import PasswordHasher, Type
from fastapi.testclient import TestClient
from sqlalchemy import select

from radtrial.api.app import create_app
from radtrial.config import Settings
from radtrial.services import auth, trials, users
from radtrial.services.users import GrantRequest, Role
from radtrial.store.database import Database
from radtrial.store.tables import ParticipantRow, RoleGrantRow, TrialSiteRow, UserRow

PASSWORD = "correct horse battery staple"
BASE_URL = "https://testserver"

#: username -> grants (role, trial or None, site or None)
USERS: dict[str, tuple[tuple[Role, str | None, str | None], ...]] = {
    "admin": ((Role.SPONSOR_ADMIN, None, None),),
    "admin.ous": ((Role.SPONSOR_ADMIN, "pallsoft", "OUS"),),
    "monitor": ((Role.MONITOR, None, None),),
    "monitor.hus": ((Role.MONITOR, None, "HUS"),),
    "dm.ous": ((Role.DATA_MANAGER, "pallsoft", "OUS"),),
    "inv.ous": ((Role.INVESTIGATOR, None, "OUS"),),
    "nurse.ous": ((Role.RESEARCH_NURSE, "pallsoft", "OUS"),),
    "phys.ous": ((Role.PHYSICIST, None, "OUS"),),
    "inv.hus": ((Role.INVESTIGATOR, "pallsoft", "HUS"),),
    "stat": ((Role.UNBLINDED_STATISTICIAN, None, None),),
    "inv.sto": ((Role.INVESTIGATOR, "prosarc2", "STO"),),
}

#: study id -> (trial, site)
PARTICIPANTS = {
    "PALL-OUS-0001": ("pallsoft", "OUS"),
    "PALL-HUS-0001": ("pallsoft", "HUS"),
    "PROS-STO-0001": ("prosarc2", "STO"),
}


class MovableClock:
    """A UTC clock that stands still (1 µs per reading) until a test moves it."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self._now += timedelta(microseconds=1)
            return self._now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += timedelta(**delta)


@contextmanager
def cheap_passwords() -> Iterator[None]:
    """argon2id with t=1, m=8 KiB while the block runs (tests only)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", cheap)
        users._dummy_hash.cache_clear()
        try:
            yield
        finally:
            users._dummy_hash.cache_clear()


@dataclass
class World:
    """The databases, the clock, and the ids the tests reach for."""

    db: Database
    clock: MovableClock
    participant_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    grant_ids: dict[str, int] = field(default_factory=dict)
    trial_site_ids: dict[tuple[str, str], int] = field(default_factory=dict)


def build_world(db: Database, clock: MovableClock) -> World:
    """Migrate ``db`` and fill it (see the module docstring)."""
    db.upgrade()
    for slug in ("pallsoft", "prosarc2"):
        trials.load_protocol(db, slug, actor="setup")
    for username, grants in USERS.items():
        users.add_user(
            db,
            actor="setup",
            username=username,
            full_name=f"{username.replace('.', ' ').title()} Person",
            email=f"{username}@example.org",
            grants=[GrantRequest(role, trial, site) for role, trial, site in grants],
            password=PASSWORD,
        )
        auth.enrol_totp(db, actor="setup", username=username)
    world = World(db, clock)
    with db.unit_of_work("setup") as uow:
        for study_id, (trial, site) in PARTICIPANTS.items():
            version = uow.trials.latest_version(trial)
            assert version is not None
            uow.participants.add(
                study_id=study_id, trial_slug=trial, site_code=site, protocol_version_id=version.id
            )
    with db.unit_of_work("setup", read_only=True) as uow:
        session = uow.session
        for study_id in PARTICIPANTS:
            world.participant_ids[study_id] = session.scalars(
                select(ParticipantRow.id).where(ParticipantRow.study_id == study_id)
            ).one()
        for username in USERS:
            world.user_ids[username] = session.scalars(
                select(UserRow.id).where(UserRow.username == username)
            ).one()
            world.grant_ids[username] = session.scalars(
                select(RoleGrantRow.id).where(RoleGrantRow.user_id == world.user_ids[username])
            ).first()
        for summary in uow.trials.list_with_latest_version():
            for link in uow.sites.trial_sites(summary.trial.slug):
                world.trial_site_ids[(summary.trial.slug, link.site.code)] = session.scalars(
                    select(TrialSiteRow.id).where(
                        TrialSiteRow.trial_id == summary.trial.id,
                        TrialSiteRow.site_id == link.site.id,
                    )
                ).one()
    return world


def client_for(db: Database, settings: Settings | None = None) -> TestClient:
    """A test client over HTTPS (the session cookie is Secure), not raising server errors so
    that a 500 is seen as the answer it is."""
    app = create_app(settings or Settings(), db)
    return TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)


def totp_code(world: World, username: str) -> str:
    """The user's code in a fresh TOTP step (the clock moves 30 s, so no code is reused)."""
    world.clock.advance(seconds=30)
    return auth.current_totp_code(world.db, username=username)


def sign_in(client: TestClient, world: World, username: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the API as ``username``; returns the CSRF token, which is
    also set as the client's default ``X-CSRF-Token`` header."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    response = client.post("/api/v1/auth/totp", json={"code": totp_code(world, username)})
    assert response.status_code == 200, response.text
    token = str(response.json()["csrf_token"])
    client.headers["X-CSRF-Token"] = token
    return token


def error_of(response: httpx2.Response) -> dict[str, object]:
    """The error object of an error answer, checking its shape on the way."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "location", "detail"}, error
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert "Traceback" not in response.text
    return dict(error)

"""Fixtures of the API tests: a world per test (both engines) or per module (read-only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from radtrial.store.database import Database
from tests.api.support import MovableClock, World, build_world, cheap_passwords, client_for

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def world(database_urls: tuple[str, str]) -> Iterator[World]:
    """A fresh world for one test, on SQLite and on PostgreSQL."""
    clock = MovableClock()
    with cheap_passwords():
        db = Database(*database_urls, clock=clock)
        try:
            yield build_world(db, clock)
        finally:
            db.close()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(world.db) as test_client:
        yield test_client


def _schema_url(base: str, schema: str) -> str:
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=ENGINES)
def shared_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world for a whole module of read-only tests, on SQLite and on PostgreSQL."""
    clock = MovableClock()
    cleanup = None
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("world")
        urls = (f"sqlite:///{folder / 'research.db'}", f"sqlite:///{folder / 'identity.db'}")
    else:
        scratch = request.getfixturevalue("postgres_scratch")
        number = next(scratch.schemas)
        schemas = (f"m{number}_research", f"m{number}_identity")
        engine = create_engine(scratch.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for schema in schemas:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
        urls = (_schema_url(scratch.url, schemas[0]), _schema_url(scratch.url, schemas[1]))

        def cleanup() -> None:
            with engine.connect() as connection:
                for schema in schemas:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()

    with cheap_passwords():
        db = Database(*urls, clock=clock)
        try:
            yield build_world(db, clock)
        finally:
            db.close()
            if cleanup is not None:
                cleanup()

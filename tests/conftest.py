"""Fixtures shared by the suites: both databases on SQLite and on PostgreSQL, a clock, data.

PostgreSQL tests run against ``RADTRIAL_TEST_POSTGRES_URL`` (default: the local server with
trust authentication). One scratch database is created per test session and dropped at the
end; each test gets two fresh schemas in it (research and identity). Without a reachable
server the PostgreSQL tests are skipped, unless ``RADTRIAL_REQUIRE_POSTGRES=1`` (CI), which
makes them fail. The terminal summary states how many PostgreSQL tests ran.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from radtrial.store.database import Database
from tests.support import TickingClock, populate

POSTGRES_URL_ENV = "RADTRIAL_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "RADTRIAL_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_postgres_outcomes: Counter[str] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.when == "call":
        _postgres_outcomes[report.outcome] += 1
    elif report.outcome == "skipped":
        _postgres_outcomes["skipped"] += 1
    elif report.outcome == "failed":
        _postgres_outcomes["error"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _postgres_outcomes:
        return
    counts = ", ".join(
        f"{_postgres_outcomes[outcome]} {outcome}"
        for outcome in ("passed", "failed", "error", "skipped")
        if _postgres_outcomes[outcome]
    )
    required = os.environ.get(REQUIRE_POSTGRES_ENV) == "1"
    terminalreporter.write_sep("-", "PostgreSQL")
    terminalreporter.write_line(
        f"PostgreSQL tests: {counts} ({REQUIRE_POSTGRES_ENV}={'1' if required else 'unset'})"
    )


@dataclass(frozen=True)
class PostgresScratch:
    """The session's scratch PostgreSQL database and a counter for per-test schema names."""

    url: str
    schemas: Iterator[int]


@pytest.fixture(scope="session")
def postgres_scratch() -> Iterator[PostgresScratch]:
    server_url = make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"radtrial_test_{os.getpid()}_{secrets.token_hex(4)}"
    unreachable = None
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        unreachable = (
            f"PostgreSQL is not reachable at {server_url.render_as_string(hide_password=True)} "
            f"({type(exc.orig).__name__}); set {POSTGRES_URL_ENV} to a server URL"
        )
    if unreachable is not None:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{unreachable}; {REQUIRE_POSTGRES_ENV}=1 requires it", pytrace=False)
        pytest.skip(unreachable)
    try:
        yield PostgresScratch(
            url=server_url.set(database=name).render_as_string(hide_password=False),
            schemas=itertools.count(1),
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _schema_url(base: str, schema: str) -> str:
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=ENGINES)
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(research URL, identity URL) of two empty databases, on SQLite and on PostgreSQL.

    Override with ``@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)``.
    """
    if request.param == "sqlite":
        yield (f"sqlite:///{tmp_path / 'research.db'}", f"sqlite:///{tmp_path / 'identity.db'}")
        return
    scratch: PostgresScratch = request.getfixturevalue("postgres_scratch")
    number = next(scratch.schemas)
    schemas = (f"t{number}_research", f"t{number}_identity")
    engine = create_engine(scratch.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for schema in schemas:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield (_schema_url(scratch.url, schemas[0]), _schema_url(scratch.url, schemas[1]))
    finally:
        with engine.connect() as connection:
            for schema in schemas:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def database(database_urls: tuple[str, str], clock: TickingClock) -> Iterator[Database]:
    """Both databases migrated to head, on the engine of the ``database_urls`` parameter."""
    db = Database(*database_urls, clock=clock)
    db.upgrade()
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def populated(database: Database) -> Database:
    """``database`` after :func:`populate`."""
    populate(database)
    return database


@pytest.fixture(autouse=True)
def _wide_cli_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the CLI's Rich consoles to a wide fixed width, so output does not depend on the
    terminal running the tests and phrases are not wrapped; restored after each test."""
    from radtrial.cli import output

    for console in (output.console, output.err_console):
        monkeypatch.setattr(console, "_width", 400)

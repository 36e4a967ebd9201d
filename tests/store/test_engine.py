"""Engines: SQLite durability settings, write locking, URLs, UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from radtrial.errors import InvalidInput, StorageBusy
from radtrial.store.database import Database
from radtrial.store.engine import READ_ONLY, create_engine_for, redacted_url
from radtrial.store.tables import TrialRow

SQLITE_ONLY = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)


def test_sqlite_runs_in_wal_mode_with_full_sync_foreign_keys_and_a_busy_timeout(
    tmp_path: Path,
) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'a.db'}", sqlite_busy_timeout_ms=1234)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    engine.dispose()


def test_the_parent_directory_of_a_sqlite_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "radtrial.db"
    engine = create_engine_for(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert path.parent.is_dir()


def test_a_sqlite_write_transaction_begins_immediate_and_a_read_only_one_deferred(
    tmp_path: Path,
) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'a.db'}")
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_c: object, _cur: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with engine.begin() as connection:
        connection.exec_driver_sql("SELECT 1")
    with engine.connect() as connection, connection.execution_options(**{READ_ONLY: True}).begin():
        connection.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert "BEGIN IMMEDIATE" in statements
    assert "BEGIN DEFERRED" in statements


@SQLITE_ONLY
def test_a_second_sqlite_writer_waits_for_the_lock_and_then_reports_busy_not_locked(
    database_urls: tuple[str, str],
) -> None:
    db = Database(*database_urls, sqlite_busy_timeout_ms=100, attempts=1)
    db.upgrade()
    with db.unit_of_work("first"):
        with pytest.raises(StorageBusy), db.unit_of_work("second"):
            pass  # pragma: no cover - BEGIN IMMEDIATE already fails
        # Readers are not blocked by the writer (WAL, deferred transaction).
        with db.unit_of_work("reader", read_only=True) as reader:
            assert reader.trials.list_with_latest_version() == []
    db.close()


def test_a_url_with_a_password_is_printed_without_it() -> None:
    shown = redacted_url("postgresql+psycopg://app:s3cret@db.example.org/radtrial")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://app:***@db.example.org/radtrial"


def test_a_bare_postgresql_url_means_psycopg_3() -> None:
    assert redacted_url("postgresql://u@h/d").startswith("postgresql+psycopg://")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u@h/d", "unsupported database"),
        ("postgresql+psycopg2://u@h/d", "psycopg 3"),
    ],
)
def test_unsupported_database_urls_are_refused_with_the_setting_named(
    url: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_engine_for(url)
    assert caught.value.location == "database_url"
    assert fragment in caught.value.message


def test_the_identity_store_cannot_be_the_research_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    with pytest.raises(InvalidInput) as caught:
        Database(url, url)
    assert caught.value.location == "identity_database_url"


def test_timestamps_in_another_zone_are_stored_and_returned_as_the_same_instant_in_utc(
    database: Database,
) -> None:
    oslo_summer = timezone(timedelta(hours=2))
    local = datetime(2025, 6, 1, 10, 30, 15, 123456, tzinfo=oslo_summer)
    with database.unit_of_work("alice") as uow:
        uow.session.add(
            TrialRow(slug="t", registry_id=None, acronym="T", title="T", created_at=local)
        )
    with database.unit_of_work("alice", read_only=True) as uow:
        stored = uow.session.scalars(select(TrialRow.created_at)).one()
    assert stored == local
    assert stored.tzinfo == UTC
    assert stored.hour == 8


@SQLITE_ONLY
def test_sqlite_stores_utc_wall_clock_time(database: Database) -> None:
    local = datetime(2025, 6, 1, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    with database.unit_of_work("alice") as uow:
        uow.session.add(
            TrialRow(slug="t", registry_id=None, acronym="T", title="T", created_at=local)
        )
    with database.engine("research").connect() as connection:
        raw = connection.execute(text("SELECT created_at FROM trials")).scalar()
    assert raw == "2025-06-01 08:30:00.000000"


def test_a_naive_timestamp_is_refused_and_nothing_is_written(database: Database) -> None:
    with pytest.raises(InvalidInput) as caught, database.unit_of_work("alice") as uow:
        uow.session.add(
            TrialRow(
                slug="t",
                registry_id=None,
                acronym="T",
                title="T",
                created_at=datetime(2025, 6, 1, 10, 30),
            )
        )
    assert "naive" in caught.value.message
    with database.unit_of_work("alice", read_only=True) as uow:
        assert uow.trials.list_with_latest_version() == []


def test_a_clock_returning_naive_time_is_refused(database_urls: tuple[str, str]) -> None:
    db = Database(*database_urls, clock=lambda: datetime(2025, 1, 1))
    db.upgrade()
    with pytest.raises(InvalidInput) as caught, db.unit_of_work("alice") as uow:
        uow.sites.upsert(code="OUS", name="Oslo", city="Oslo", country="NO")
    assert caught.value.location == "clock"
    db.close()

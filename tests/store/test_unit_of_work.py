"""The unit of work: audit rows for every change, reasons, all-or-nothing, error translation."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from radtrial.errors import Conflict, ReasonRequired, StorageBusy, StorageError
from radtrial.store.audit import REDACTED, AuditEntry, history, verify
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.identity_tables import IdentityBase
from radtrial.store.tables import ResearchBase, SiteRow, UserRow
from tests.support import TickingClock

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def _entries(db: Database, entity: str | None = None) -> list[AuditEntry]:
    return history(db.engine("research"), entity=entity)


def _audit_count(db: Database) -> int:
    with db.engine("research").connect() as connection:
        return connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one()


def _add_site(db: Database, code: str = "OUS", actor: str = "alice") -> int:
    with db.unit_of_work(actor) as uow:
        return uow.sites.upsert(
            code=code, name="Oslo universitetssykehus", city="Oslo", country="NO"
        ).id


def test_an_insert_writes_one_initial_entry_per_column_with_who_when_and_no_old_value(
    database: Database,
) -> None:
    site_id = _add_site(database)
    entries = _entries(database, "sites")
    assert {e.field: e.new_value for e in entries} == {
        "code": "OUS",
        "name": "Oslo universitetssykehus",
        "city": "Oslo",
        "country": "NO",
    }
    for entry in entries:
        assert entry.action == "insert"
        assert entry.entity_id == str(site_id)
        assert entry.old_value is None
        assert entry.actor == "alice"
        assert entry.reason is None
        assert entry.at_utc.tzinfo == UTC
        assert entry.at_utc >= START


def test_an_update_records_old_and_new_value_of_each_changed_field_and_the_reason(
    database: Database,
) -> None:
    _add_site(database)
    before = _audit_count(database)
    with database.unit_of_work("bob", reason="official name") as uow:
        uow.sites.upsert(code="OUS", name="Oslo University Hospital", city="Oslo", country="NO")
    changes = _entries(database)[before:]
    assert [(c.action, c.field, c.old_value, c.new_value) for c in changes] == [
        ("update", "name", "Oslo universitetssykehus", "Oslo University Hospital")
    ]
    assert (changes[0].actor, changes[0].reason) == ("bob", "official name")


def test_an_update_that_changes_nothing_writes_nothing_and_needs_no_reason(
    database: Database,
) -> None:
    _add_site(database)
    before = _audit_count(database)
    with database.unit_of_work("bob") as uow:
        uow.sites.upsert(code="OUS", name="Oslo universitetssykehus", city="Oslo", country="NO")
    assert _audit_count(database) == before


def test_a_delete_records_the_last_values_and_the_reason(database: Database) -> None:
    site_id = _add_site(database)
    before = _audit_count(database)
    with database.unit_of_work("carol", reason="duplicate site") as uow:
        uow.session.delete(uow.session.get(SiteRow, site_id))
    changes = _entries(database)[before:]
    assert {c.field: c.old_value for c in changes}["code"] == "OUS"
    assert all(c.action == "delete" and c.new_value is None for c in changes)
    assert all(c.reason == "duplicate site" and c.actor == "carol" for c in changes)


def test_an_update_without_a_reason_is_refused_at_the_field_and_nothing_is_written(
    database: Database,
) -> None:
    site_id = _add_site(database)
    before = _audit_count(database)
    with pytest.raises(ReasonRequired) as caught, database.unit_of_work("bob") as uow:
        uow.sites.upsert(code="OUS", name="Renamed", city="Oslo", country="NO")
    assert caught.value.location == "sites.name"
    assert caught.value.detail == {
        "entity": "sites",
        "entity_id": str(site_id),
        "field": "name",
        "action": "update",
    }
    assert _audit_count(database) == before
    with database.unit_of_work("bob", read_only=True) as uow:
        assert uow.sites.get("OUS").name == "Oslo universitetssykehus"


def test_a_delete_without_a_reason_is_refused_and_nothing_is_written(database: Database) -> None:
    site_id = _add_site(database)
    before = _audit_count(database)
    with pytest.raises(ReasonRequired), database.unit_of_work("bob") as uow:
        uow.session.delete(uow.session.get(SiteRow, site_id))
    assert _audit_count(database) == before
    with database.unit_of_work("bob", read_only=True) as uow:
        assert uow.sites.get("OUS").id == site_id


def test_a_blank_reason_counts_as_no_reason(database: Database) -> None:
    _add_site(database)
    with pytest.raises(ReasonRequired), database.unit_of_work("bob", reason="   ") as uow:
        uow.sites.upsert(code="OUS", name="Renamed", city="Oslo", country="NO")


def test_an_error_part_way_leaves_no_rows_and_no_audit_rows(database: Database) -> None:
    class Boom(Exception):
        pass

    def write_then_fail() -> None:
        with database.unit_of_work("alice") as uow:
            uow.sites.upsert(code="OUS", name="Oslo", city="Oslo", country="NO")
            uow.trials.upsert(slug="pallsoft", registry_id=None, acronym="P", title="P")
            raise Boom

    with pytest.raises(Boom):
        write_then_fail()
    assert _audit_count(database) == 0
    with database.unit_of_work("alice", read_only=True) as uow:
        assert uow.sites.all() == []
        assert uow.trials.list_with_latest_version() == []


def test_one_unit_of_work_shares_one_transaction_id_and_the_next_gets_another(
    database: Database,
) -> None:
    with database.unit_of_work("alice") as uow:
        uow.sites.upsert(code="OUS", name="Oslo", city="Oslo", country="NO")
        uow.sites.upsert(code="HUS", name="Haukeland", city="Bergen", country="NO")
    _add_site(database, code="STO")
    tx_ids = [entry.tx_id for entry in _entries(database)]
    assert len(set(tx_ids[:8])) == 1
    assert tx_ids[8] != tx_ids[0]


def test_a_password_hash_is_never_written_to_the_audit_trail(database: Database) -> None:
    secret = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    with database.unit_of_work("admin") as uow:
        uow.users.add(
            username="bob", full_name="Bob", email="bob@example.org", password_hash=secret
        )
    with database.unit_of_work("admin", reason="password reset") as uow:
        row = uow.session.scalars(select(UserRow)).one()
        row.password_hash = secret + "x"
    recorded = [e for e in _entries(database) if e.field == "password_hash"]
    assert [(e.old_value, e.new_value) for e in recorded] == [
        (None, REDACTED),
        (REDACTED, REDACTED),
    ]
    with database.engine("research").connect() as connection:
        values = connection.execute(text("SELECT old_value, new_value FROM audit_log")).all()
    assert not any(secret in (value or "") for row in values for value in row)


def test_a_unique_violation_becomes_a_conflict_naming_the_constraint_not_the_value(
    database: Database,
) -> None:
    _add_site(database, code="SECRET-CODE")
    with pytest.raises(Conflict) as caught, database.unit_of_work("alice") as uow:
        uow.session.add(SiteRow(code="SECRET-CODE", name="x", city="x", country="NO"))
    assert "SECRET-CODE" not in str(caught.value)
    assert "code" in str(caught.value)


def test_bulk_orm_writes_are_refused_because_they_would_bypass_the_audit_trail(
    database: Database,
) -> None:
    _add_site(database)
    with pytest.raises(StorageError) as caught, database.unit_of_work("alice", "x") as uow:
        uow.session.execute(update(SiteRow).values(name="Renamed"))
    assert "bypass the audit trail" in caught.value.message


def test_a_read_only_unit_of_work_refuses_to_write(database: Database) -> None:
    with (
        pytest.raises(StorageError) as caught,
        database.unit_of_work("alice", read_only=True) as uow,
    ):
        uow.sites.upsert(code="OUS", name="Oslo", city="Oslo", country="NO")
    assert "read-only" in caught.value.message


def test_the_session_is_only_available_inside_the_block(database: Database) -> None:
    uow = database.unit_of_work("alice")
    with pytest.raises(StorageError):
        _ = uow.session


@pytest.mark.parametrize("base", [ResearchBase, IdentityBase])
def test_every_record_table_is_mapped_and_every_column_keeps_its_old_value_for_the_audit(
    base: type[ResearchBase] | type[IdentityBase],
) -> None:
    mapped = {mapper.local_table.name for mapper in base.registry.mappers}
    assert mapped == set(base.metadata.tables) - {"audit_log"}
    for mapper in base.registry.mappers:
        assert [c.name for c in mapper.primary_key] == ["id"]
        for prop in mapper.column_attrs:
            assert prop.active_history, f"{mapper.local_table.name}.{prop.key}"


def test_appends_from_concurrent_writers_never_fork_the_chain(database: Database) -> None:
    threads, per_thread = 4, 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=60)
            for i in range(per_thread):
                database.run(
                    lambda uow, code=f"S{number}-{i}": uow.sites.upsert(
                        code=code, name=code, city="Oslo", country="NO"
                    ),
                    actor=f"writer{number}",
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    report = verify(database.engine("research"))
    assert report.ok, report.problem
    assert report.rows_checked == threads * per_thread * 4  # four columns per site
    with database.engine("research").connect() as connection:
        seqs = connection.execute(text("SELECT min(seq), max(seq), count(*) FROM audit_log")).one()
    assert tuple(seqs) == (1, report.rows_checked, report.rows_checked)


@pytest.mark.postgres
@pytest.mark.parametrize("database_urls", ["postgresql"], indirect=True)
@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_a_serialization_failure_or_deadlock_is_retried_and_committed_once(
    database: Database, sqlstate: str
) -> None:
    attempts: list[int] = []

    def work(uow: ResearchUnitOfWork) -> str:
        attempts.append(1)
        uow.sites.upsert(code="OUS", name="Oslo", city="Oslo", country="NO")
        if len(attempts) == 1:
            uow.session.execute(
                text(f"DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlstate}'; END $$")
            )
        return "done"

    assert database.run(work, actor="alice") == "done"
    assert len(attempts) == 2
    with database.unit_of_work("alice", read_only=True) as uow:
        assert [site.code for site in uow.sites.all()] == ["OUS"]
    assert verify(database.engine("research")).ok


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_a_busy_sqlite_database_is_retried_until_the_lock_is_released(
    database_urls: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(
        *database_urls, sqlite_busy_timeout_ms=50, retry_delay_s=0.05, clock=TickingClock()
    )
    db.upgrade()
    blocker = sqlite3.connect(
        tmp_path / "research.db", isolation_level=None, check_same_thread=False
    )
    blocker.execute("BEGIN IMMEDIATE")
    opened: list[str] = []
    unit_of_work = db.unit_of_work

    def counting(*args: Any, **kwargs: Any) -> ResearchUnitOfWork:
        opened.append("unit of work")
        return unit_of_work(*args, **kwargs)

    monkeypatch.setattr(db, "unit_of_work", counting)
    releaser = threading.Timer(0.12, blocker.rollback)
    releaser.start()
    try:
        site = db.run(
            lambda uow: uow.sites.upsert(code="OUS", name="Oslo", city="Oslo", country="NO"),
            actor="alice",
        )
    finally:
        releaser.join()
        blocker.close()
    assert site.code == "OUS"
    assert len(opened) >= 2, "the first attempt should have found the database busy"
    db.close()


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_a_database_that_stays_busy_surfaces_as_storage_busy_not_a_driver_error(
    database_urls: tuple[str, str], tmp_path: Path
) -> None:
    db = Database(*database_urls, sqlite_busy_timeout_ms=20, attempts=3, retry_delay_s=0.01)
    db.upgrade()
    blocker = sqlite3.connect(tmp_path / "research.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageBusy) as caught:
            db.run(lambda uow: uow.sites.all(), actor="alice")
    finally:
        blocker.rollback()
        blocker.close()
    assert caught.value.code == "storage_busy"
    db.close()

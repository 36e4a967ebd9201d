"""Engines for the two supported databases: embedded SQLite and PostgreSQL (psycopg 3).

SQLite is configured for durability and for one writer at a time:

* ``journal_mode=WAL`` so readers never block the writer;
* ``synchronous=FULL`` because in WAL mode ``NORMAL`` may lose the last commits on power loss
  (https://www.sqlite.org/pragma.html#pragma_synchronous; RELIABILITY.md row 3);
* ``foreign_keys=ON`` because SQLite does not enforce foreign keys otherwise;
* ``busy_timeout`` so a writer waits for the lock instead of failing at once;
* write transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then
  writes fails with SQLITE_BUSY without waiting when another writer got there first. pysqlite's
  own transaction handling is switched off and SQLAlchemy emits the BEGIN (SQLAlchemy 2 SQLite
  dialect documentation, "Enabling Non-Legacy SQLite Transactional Modes").

A connection marked with the :data:`READ_ONLY` execution option begins a deferred transaction,
so reports and verification never take the write lock.

Writers in one process queue on a per-file gate (a lock) before ``BEGIN IMMEDIATE`` and leave
it when they commit or roll back. SQLite's busy handler waits by sleeping in steps of up to
100 ms, so threads that wait for one another through it leave the database idle most of the
time (measured: 16 threads randomising got 16 transactions/s where one thread alone got 57);
the gate hands the lock over as soon as it is free. Other processes still meet the busy
timeout, and a writer that cannot pass the gate within the timeout goes on to ``BEGIN
IMMEDIATE`` (and SQLITE_BUSY) as before.

PostgreSQL runs at READ COMMITTED; the audit chain relies on it (see :mod:`radtrial.store.audit`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from radtrial.errors import InvalidInput

__all__ = [
    "DEFAULT_SQLITE_BUSY_TIMEOUT_MS",
    "READ_ONLY",
    "create_engine_for",
    "redacted_url",
    "snapshot",
]

#: How long a SQLite writer waits for the write lock before SQLITE_BUSY.
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 15_000

#: Execution option marking a connection whose transaction only reads.
READ_ONLY = "radtrial_read_only"


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {exc}", location="database_url") from exc
    # psycopg 3 is the only PostgreSQL driver installed; a bare postgresql:// URL means it.
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def redacted_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to print and log."""
    return _parse(url).render_as_string(hide_password=True)


def create_engine_for(
    url: str, *, sqlite_busy_timeout_ms: int = DEFAULT_SQLITE_BUSY_TIMEOUT_MS
) -> Engine:
    """An engine for ``url``: ``sqlite:///path`` or ``postgresql+psycopg://...``.

    The parent directory of a SQLite file is created. Raises :class:`InvalidInput` for a URL
    that is malformed or names another database.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, sqlite_busy_timeout_ms)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise InvalidInput(
                f"PostgreSQL is used through psycopg 3 (postgresql+psycopg://), not "
                f"{parsed.get_driver_name()}",
                location="database_url",
            )
        return create_engine(parsed, pool_pre_ping=True, isolation_level="READ COMMITTED")
    raise InvalidInput(
        f"unsupported database {backend!r}: use sqlite or postgresql", location="database_url"
    )


def _sqlite_engine(url: URL, busy_timeout_ms: int) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # None = pysqlite emits no BEGIN of its own; ``_begin`` below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    gate = _write_gate(url)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        if read_only:
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        if gate is not None and gate.acquire(timeout=busy_timeout_ms / 1000):
            connection.info[_GATE] = gate
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _leave_gate(connection)
            raise

    @event.listens_for(engine, "commit")
    def _commit(connection: Connection) -> None:
        _leave_gate(connection)

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Connection) -> None:
        _leave_gate(connection)

    @event.listens_for(engine, "reset")
    def _reset(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        held = record.info.pop(_GATE, None)
        if held is not None:
            held.release()

    return engine


#: Key in a connection's ``info`` while it holds its database file's writer gate.
_GATE = "radtrial_write_gate"
_gates: dict[str, threading.Lock] = {}
_gates_guard = threading.Lock()


def _write_gate(url: URL) -> threading.Lock | None:
    """The process-wide writer gate of a SQLite file (None for an in-memory database)."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = os.path.realpath(Path(database).expanduser())
    with _gates_guard:
        return _gates.setdefault(key, threading.Lock())


def _leave_gate(connection: Connection) -> None:
    held = connection.info.pop(_GATE, None)
    if held is not None:
        held.release()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection whose reads all see one consistent snapshot.

    SQLite in WAL mode gives a deferred transaction a snapshot at its first read; PostgreSQL
    needs REPEATABLE READ for the same. The transaction is rolled back at the end.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        else:
            connection = connection.execution_options(**{READ_ONLY: True})
        with connection.begin() as transaction:
            yield connection
            transaction.rollback()

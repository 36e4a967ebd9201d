"""Audit-chain verification speed: radtrial's verifier against the hand-rolled floor.

There is no library a user would otherwise pick to verify a hash-chained audit log, so the peer
is the floor a user could write: read the rows with the standard library's ``sqlite3`` and
recompute each SHA-256 link over the same canonical row form, without radtrial's problem
classification. The ratio shows what radtrial's checks (gaps, inserted rows, checkpoint
comparison, keyset batching in one snapshot) cost on top of the bare hashing.
RELIABILITY.md row 2 targets 100k rows in under 10 s.

Run: ``.venv/bin/python benchmarks/audit/bench_verify.py [ROWS]``
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from radtrial.store.audit import Change, append, verify
from radtrial.store.audit.chain import row_hash
from radtrial.store.engine import create_engine_for
from radtrial.store.migrations import upgrade_engine

HASHED_COLUMNS = (
    "seq, at_utc, actor, action, entity, entity_id, field, old_value, new_value, reason, tx_id"
)


def machine() -> str:
    import numpy

    return (
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numpy {numpy.__version__}"
    )


def floor_verify(path: Path) -> int:
    """Recompute every link with sqlite3 + hashlib (using radtrial's canonical row form)."""
    connection = sqlite3.connect(path)
    prev = "0" * 64
    count = 0
    for row in connection.execute(
        f"SELECT {HASHED_COLUMNS}, prev_hash, row_hash FROM audit_log ORDER BY seq"  # noqa: S608
    ):
        *content, stored_prev, stored_hash = row
        if stored_prev != prev or row_hash(prev, content) != stored_hash:
            raise SystemExit(f"floor verifier disagrees at seq {content[0]}")
        prev = stored_hash
        count += 1
    connection.close()
    return count


def main(rows: int) -> None:
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "audit.db"
        engine = create_engine_for(f"sqlite:///{path}")
        upgrade_engine(engine, "research")
        changes = [
            Change("insert", "observations", str(i // 10), f"field_{i % 10}", None, json.dumps(i))
            for i in range(rows)
        ]
        at = datetime(2026, 1, 1, tzinfo=UTC)
        with engine.begin() as connection:
            append(connection, changes, actor="bench", reason=None, tx_id="0" * 32, at=at)
        started = time.perf_counter()
        report = verify(engine)
        ours = time.perf_counter() - started
        engine.dispose()
        assert report.ok
        assert report.rows_checked == rows
        started = time.perf_counter()
        floor_rows = floor_verify(path)
        floor = time.perf_counter() - started
        assert floor_rows == rows
    print(f"rows: {rows:,}")
    print(f"radtrial audit verify:           {ours:6.2f} s  ({rows / ours:,.0f} rows/s)")
    print(f"sqlite3 + hashlib floor:         {floor:6.2f} s  ({rows / floor:,.0f} rows/s)")
    print(f"ratio (radtrial / floor):        {ours / floor:6.2f}x")
    met = rows / ours * 10 >= 100_000
    print(f"target (RELIABILITY.md row 2):   100,000 rows < 10 s -> {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)

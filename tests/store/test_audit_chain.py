"""The audit hash chain: every kind of tampering is found at the exact row, on both engines.

Tampering is done the way a database administrator could: drop the append-only triggers,
change the table, put the triggers back. Each tamper runs in a transaction that is rolled back
after verification, so one populated database serves every Hypothesis example.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from radtrial.errors import InvalidInput
from radtrial.store.audit import (
    GENESIS_HASH,
    AuditReport,
    Change,
    Checkpoint,
    append,
    history,
    row_hash,
    verify,
)
from radtrial.store.database import Database
from radtrial.store.engine import create_engine_for
from radtrial.store.migrations import Chain, upgrade_engine
from tests.support import append_only_disabled

COLUMNS = (
    "seq",
    "at_utc",
    "actor",
    "action",
    "entity",
    "entity_id",
    "field",
    "old_value",
    "new_value",
    "reason",
    "tx_id",
    "prev_hash",
    "row_hash",
)
HASHED = COLUMNS[:-2]
AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

# Printable characters, ASCII and beyond (Latin-1, Latin Extended), never NUL.
CHARACTERS = st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=("Cs",))
DB_PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextmanager
def tampered(db: Database, chain: Chain = "research") -> Iterator[Connection]:
    """A connection in a transaction with the triggers dropped; rolled back afterwards."""
    with db.engine(chain).connect() as connection:
        transaction = connection.begin()
        try:
            with append_only_disabled(connection):
                yield connection
        finally:
            transaction.rollback()


def head(db: Database, chain: Chain = "research") -> AuditReport:
    report = verify(db.engine(chain))
    assert report.ok, report.problem
    return report


def stored(connection: Connection, seq: int) -> dict[str, object]:
    row = connection.execute(text("SELECT * FROM audit_log WHERE seq = :seq"), {"seq": seq})
    return dict(row.mappings().one())


def set_value(connection: Connection, seq: int, column: str, value: object) -> None:
    connection.execute(
        text(f"UPDATE audit_log SET {column} = :value WHERE seq = :seq"),
        {"value": value, "seq": seq},
    )


def problem_of(report: AuditReport) -> tuple[str, int] | None:
    return None if report.problem is None else (report.problem.kind, report.problem.seq)


def test_the_first_row_links_to_the_genesis_hash_and_hashes_its_canonical_content(
    populated: Database,
) -> None:
    with populated.engine("research").connect() as connection:
        first = stored(connection, 1)
    assert first["prev_hash"] == GENESIS_HASH == "0" * 64
    canonical = json.dumps([first[c] for c in HASHED], ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()
    assert first["row_hash"] == expected
    assert first["at_utc"] == "2025-01-06T08:00:01.000000Z"


def test_an_untouched_chain_verifies_with_and_without_its_checkpoint(populated: Database) -> None:
    report = head(populated)
    assert report.rows_checked == report.head_seq > 100
    again = verify(populated.engine("research"), report.checkpoint(AT), batch_rows=7)
    assert again.ok
    assert again.head_hash == report.head_hash


def test_an_empty_chain_verifies(database: Database) -> None:
    report = head(database)
    assert (report.rows_checked, report.head_hash) == (0, GENESIS_HASH)


@DB_PROPERTY
@given(data=st.data())
def test_any_single_change_of_a_stored_audit_value_is_found_at_exactly_that_row(
    populated: Database, data: st.DataObject
) -> None:
    n = head(populated).head_seq
    seq = data.draw(st.integers(1, n), label="seq")
    column = data.draw(st.sampled_from(COLUMNS), label="column")
    with tampered(populated) as connection:
        original = stored(connection, seq)[column]
        if column == "seq":
            # Renumbering a row to an unused number takes it out of its place in the chain.
            set_value(connection, seq, column, seq + n)
            expected = ("deleted", seq)
        else:
            if original is None:
                new = data.draw(st.text(CHARACTERS, min_size=1, max_size=3), label="new")
            else:
                assert isinstance(original, str)
                at = data.draw(st.integers(0, len(original) - 1), label="position")
                char = data.draw(CHARACTERS.filter(lambda c: c != original[at]), label="char")
                new = original[:at] + char + original[at + 1 :]
            set_value(connection, seq, column, new)
            expected = ("modified", seq)
        report = verify(connection, batch_rows=13)
    assert problem_of(report) == expected
    assert report.rows_checked == seq - 1


@DB_PROPERTY
@given(data=st.data())
def test_any_deleted_row_is_found_at_its_position(populated: Database, data: st.DataObject) -> None:
    before = head(populated)
    checkpoint = before.checkpoint(AT)
    seq = data.draw(st.integers(1, before.head_seq), label="seq")
    with tampered(populated) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": seq})
        report = verify(connection, checkpoint, batch_rows=13)
    # Removing the last row leaves a valid shorter chain: only the checkpoint shows it.
    expected = ("deleted", seq) if seq < before.head_seq else ("truncated", seq)
    assert problem_of(report) == expected


@DB_PROPERTY
@given(data=st.data())
def test_a_cut_tail_is_found_against_the_checkpoint_at_the_first_missing_row(
    populated: Database, data: st.DataObject
) -> None:
    before = head(populated)
    checkpoint = before.checkpoint(AT)
    kept = data.draw(st.integers(0, before.head_seq - 1), label="kept")
    with tampered(populated) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq > :kept"), {"kept": kept})
        without_checkpoint = verify(connection)
        report = verify(connection, checkpoint, batch_rows=13)
    assert without_checkpoint.ok, "a cut tail is a valid shorter chain; hence checkpoints"
    assert problem_of(report) == ("truncated", kept + 1)
    assert report.problem is not None
    assert f"recorded {before.head_seq} rows" in report.problem.message


def _rehash_from(connection: Connection, seq: int, head_seq: int) -> None:
    prev = stored(connection, seq - 1)["row_hash"] if seq > 1 else GENESIS_HASH
    for number in range(seq, head_seq + 1):
        row = stored(connection, number)
        digest = row_hash(str(prev), [row[c] for c in HASHED])
        connection.execute(
            text("UPDATE audit_log SET prev_hash = :prev, row_hash = :digest WHERE seq = :seq"),
            {"prev": prev, "digest": digest, "seq": number},
        )
        prev = digest


def test_a_change_hidden_by_recomputing_every_later_hash_is_found_against_the_checkpoint(
    populated: Database,
) -> None:
    before = head(populated)
    with tampered(populated) as connection:
        set_value(connection, 10, "actor", "mallory")
        _rehash_from(connection, 10, before.head_seq)
        assert verify(connection).ok
        report = verify(connection, before.checkpoint(AT))
    assert problem_of(report) == ("rewritten", before.head_seq)


def test_a_row_with_its_own_hash_recomputed_breaks_the_link_of_the_next_row(
    populated: Database,
) -> None:
    with tampered(populated) as connection:
        set_value(connection, 10, "new_value", '"forged"')
        row = stored(connection, 10)
        set_value(
            connection, 10, "row_hash", row_hash(str(row["prev_hash"]), [row[c] for c in HASHED])
        )
        report = verify(connection)
    assert problem_of(report) == ("deleted", 11)
    assert report.problem is not None
    assert "row 11 does not link to row 10" in report.problem.message


def test_a_forged_row_slipped_into_the_chain_is_found_as_inserted(populated: Database) -> None:
    n = head(populated).head_seq
    k = 20
    with tampered(populated) as connection:
        # Make room at k: renumber k..n upwards (last first), re-hashing each moved row over
        # its new number but leaving its link as it was.
        for number in range(n, k - 1, -1):
            set_value(connection, number, "seq", number + 1)
            row = stored(connection, number + 1)
            set_value(
                connection,
                number + 1,
                "row_hash",
                row_hash(str(row["prev_hash"]), [row[c] for c in HASHED]),
            )
        forged = {**stored(connection, k - 1), "seq": k, "actor": "mallory"}
        forged["prev_hash"] = stored(connection, k - 1)["row_hash"]
        forged["row_hash"] = row_hash(str(forged["prev_hash"]), [forged[c] for c in HASHED])
        columns = ", ".join(COLUMNS)
        values = ", ".join(f":{c}" for c in COLUMNS)
        connection.execute(text(f"INSERT INTO audit_log ({columns}) VALUES ({values})"), forged)
        report = verify(connection)
    assert problem_of(report) == ("inserted", k)


def test_a_row_numbered_below_one_is_found_as_inserted(populated: Database) -> None:
    with tampered(populated) as connection:
        row = {**stored(connection, 1), "seq": 0}
        columns = ", ".join(COLUMNS)
        values = ", ".join(f":{c}" for c in COLUMNS)
        connection.execute(text(f"INSERT INTO audit_log ({columns}) VALUES ({values})"), row)
        report = verify(connection)
    assert problem_of(report) == ("inserted", 0)


def test_the_identity_store_chain_detects_tampering_too(populated: Database) -> None:
    with populated.identity_unit_of_work("inv_ous") as uow:
        uow.identities.add(
            study_id="PALL-OUS-0001",
            national_id="31129956715",
            national_id_kind="fodselsnummer",
            given_name="Kari",
            family_name="Nordmann",
            phone=None,
            email=None,
            address=None,
        )
    assert head(populated, "identity").head_seq == 9
    with tampered(populated, "identity") as connection:
        set_value(connection, 4, "new_value", '"Ola"')
        report = verify(connection)
    assert problem_of(report) == ("modified", 4)


def test_history_reads_back_the_decoded_entries_of_one_record(populated: Database) -> None:
    entries = history(populated.engine("research"), entity="trials", entity_id="2")
    update = entries[-1]
    assert (update.action, update.field, update.reason) == (
        "update",
        "title",
        "title as in the registry",
    )
    assert update.old_value == "Proton RT"
    assert update.at_utc.tzinfo == UTC


def test_a_checkpoint_survives_its_json_form(populated: Database) -> None:
    checkpoint = head(populated).checkpoint(AT)
    assert Checkpoint.from_json(json.loads(json.dumps(checkpoint.to_json())), location="f") == (
        checkpoint
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"head_seq": 3, "count": 3, "head_hash": "ab", "taken_at_utc": "2025-01-01T00:00:00Z"},
        {"head_seq": 3, "count": 2, "head_hash": "a" * 64, "taken_at_utc": "2025-01-01T00:00Z"},
        {"head_seq": 3, "count": 3, "head_hash": "a" * 64, "taken_at_utc": "2025-01-01T00:00"},
        {"head_seq": "x", "count": 3, "head_hash": "a" * 64, "taken_at_utc": "2025-01-01"},
    ],
)
def test_a_malformed_checkpoint_is_refused_at_its_location(data: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        Checkpoint.from_json(data, location="cp.json:research")
    assert caught.value.location == "cp.json:research"


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_a_chain_longer_than_several_batches_verifies_and_names_a_late_tamper(
    database_urls: tuple[str, str],
) -> None:
    # Verification streams in keyset batches of 5,000 rows; 12,000 rows cross two boundaries.
    # Its speed is measured in benchmarks/audit, not here.
    engine = create_engine_for(database_urls[0])
    upgrade_engine(engine, "research")
    changes = [
        Change("insert", "observations", str(i // 10), f"field_{i % 10}", None, json.dumps(i))
        for i in range(12_000)
    ]
    with engine.begin() as connection:
        append(connection, changes, actor="load", reason=None, tx_id="0" * 32, at=AT)
    report = verify(engine)
    assert report.ok
    assert report.rows_checked == 12_000
    with engine.begin() as connection, append_only_disabled(connection):
        connection.execute(text("UPDATE audit_log SET new_value = '-1' WHERE seq = 11001"))
    tampered = verify(engine)
    engine.dispose()
    assert not tampered.ok
    assert tampered.problem is not None
    assert (tampered.problem.kind, tampered.problem.seq) == ("modified", 11001)

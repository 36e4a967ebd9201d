"""Verifying both chains and writing checkpoints kept outside the databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from radtrial.errors import AuditIntegrityError, Conflict, InvalidInput
from radtrial.services.audit import (
    CHECKPOINT_FORMAT,
    read_checkpoint,
    verify_audit,
    write_checkpoint,
)
from radtrial.services.identity import record_identity
from radtrial.store.database import Database
from tests.support import append_only_disabled


def _with_identity(db: Database) -> Database:
    record_identity(
        db,
        actor="inv_ous",
        study_id="PALL-OUS-0001",
        national_id="31129956715",
        given_name="Kari",
        family_name="Nordmann",
    )
    return db


def test_both_chains_verify_and_name_their_database(populated: Database) -> None:
    results = verify_audit(_with_identity(populated))
    assert [(r.chain, r.ok) for r in results] == [("research", True), ("identity", True)]
    assert results[1].report.rows_checked == 9
    assert results[0].database == populated.describe()["research"]


def test_a_checkpoint_file_holds_both_heads_and_reads_back(
    populated: Database, tmp_path: Path
) -> None:
    _with_identity(populated)
    path = tmp_path / "anchors" / "2025-01-06.json"
    content = write_checkpoint(populated, path)
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == content
    assert on_disk["format"] == CHECKPOINT_FORMAT
    checkpoints = read_checkpoint(path)
    results = verify_audit(populated, path)
    assert all(r.ok for r in results)
    assert checkpoints["identity"].head_seq == 9
    assert [r.checkpoint for r in results] == [checkpoints["research"], checkpoints["identity"]]
    assert not list(path.parent.glob(".*")), "no temporary file is left behind"


def test_an_existing_checkpoint_is_never_overwritten(populated: Database, tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(Conflict):
        write_checkpoint(populated, path)
    assert path.read_text(encoding="utf-8") == "keep me"


def test_a_cut_identity_chain_is_found_against_the_checkpoint(
    populated: Database, tmp_path: Path
) -> None:
    _with_identity(populated)
    path = tmp_path / "checkpoint.json"
    write_checkpoint(populated, path)
    with populated.engine("identity").begin() as connection, append_only_disabled(connection):
        connection.execute(text("DELETE FROM audit_log WHERE seq > 5"))
    research, identity = verify_audit(populated, path)
    assert research.ok
    assert identity.report.problem is not None
    assert (identity.report.problem.kind, identity.report.problem.seq) == ("truncated", 6)
    assert identity.to_json()["problem"]["seq"] == 6


def test_a_chain_that_does_not_verify_is_not_anchored(populated: Database, tmp_path: Path) -> None:
    with populated.engine("research").begin() as connection, append_only_disabled(connection):
        connection.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    path = tmp_path / "checkpoint.json"
    with pytest.raises(AuditIntegrityError) as caught:
        write_checkpoint(populated, path)
    assert caught.value.location == "research:audit_log.seq=3"
    assert not path.exists()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": "something-else"}),
        json.dumps({"format": CHECKPOINT_FORMAT, "chains": {"research": {}}}),
    ],
)
def test_a_file_that_is_not_a_checkpoint_is_refused_naming_the_file(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "checkpoint.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        read_checkpoint(path)
    assert str(path) in str(caught.value.location)


def test_a_missing_checkpoint_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        read_checkpoint(tmp_path / "missing.json")

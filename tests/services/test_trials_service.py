"""Loading protocol versions into the database: idempotent, amendments need a reason, audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from radtrial.errors import Conflict, ReasonRequired
from radtrial.services import protocols, trials
from radtrial.store.audit import history
from radtrial.store.database import Database


def amended_copy(tmp_path: Path, old: str, new: str, label: str = "1.1") -> Path:
    text = protocols.read_source("pallsoft").text
    assert old in text
    text = text.replace(old, new, 1).replace('label = "0.1-registry"', f'label = "{label}"')
    path = tmp_path / "pallsoft-amended.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loading_a_bundled_protocol_stores_its_trial_version_and_sites(database: Database) -> None:
    result = trials.load_protocol(database, "pallsoft", actor="dm")
    assert result.created
    assert result.previous is None
    assert result.version.content_hash == protocols.validate("pallsoft").content_hash()
    assert result.version.loaded_by == "dm"
    view = trials.show_trial(database, "pallsoft", actor="dm")
    assert view.protocol.content_hash() == result.version.content_hash
    assert len(view.sites) == 11
    assert {s.status for s in view.sites} == {"recruiting"}


def test_loading_the_same_content_again_changes_nothing(database: Database) -> None:
    trials.load_protocol(database, "pallsoft", actor="dm")
    rows_before = len(history(database.engine("research")))
    again = trials.load_protocol(database, "pallsoft", actor="dm")
    assert not again.created
    assert len(history(database.engine("research"))) == rows_before


def test_every_stored_value_is_in_the_audit_trail_as_an_initial_entry(database: Database) -> None:
    trials.load_protocol(database, "prosarc2", actor="dm")
    entries = history(database.engine("research"))
    assert entries
    assert {e.action for e in entries} == {"insert"}
    assert {e.actor for e in entries} == {"dm"}
    assert all(e.at_utc.tzinfo is not None for e in entries)
    entities = {e.entity for e in entries}
    assert {"trials", "protocol_versions", "sites", "trial_sites"} <= entities


def test_an_amendment_without_a_reason_is_refused_and_writes_nothing(
    database: Database, tmp_path: Path
) -> None:
    trials.load_protocol(database, "pallsoft", actor="dm")
    rows_before = len(history(database.engine("research")))
    amended = amended_copy(tmp_path, "block_sizes = [2, 4, 6]", "block_sizes = [4, 6]")
    with pytest.raises(ReasonRequired) as refused:
        trials.load_protocol(database, str(amended), actor="dm")
    assert refused.value.location == "reason"
    assert len(history(database.engine("research"))) == rows_before
    assert len(trials.show_trial(database, "pallsoft", actor="dm").versions) == 1


def test_an_amendment_with_a_reason_is_a_new_version_with_its_changes(
    database: Database, tmp_path: Path
) -> None:
    first = trials.load_protocol(database, "pallsoft", actor="dm")
    amended = amended_copy(tmp_path, 'status = "recruiting"\nroles', 'status = "suspended"\nroles')
    result = trials.load_protocol(
        database, str(amended), actor="dm", reason="Amendment 1: Ålesund suspended"
    )
    assert result.created
    assert result.previous == first.version
    paths = {c.path for c in result.changes}
    assert paths == {"protocol.label", "sites[HMR].status"}
    view = trials.show_trial(database, "pallsoft", actor="dm")
    assert view.version.version_label == "1.1"
    assert [v.version_label for v in view.versions] == ["0.1-registry", "1.1"]
    assert {s.site.code: s.status for s in view.sites}["HMR"] == "suspended"
    older = trials.show_trial(database, "pallsoft", actor="dm", version_label="0.1-registry")
    assert older.protocol.site("HMR").status == "recruiting"
    updates = [e for e in history(database.engine("research")) if e.action == "update"]
    assert updates
    assert {e.reason for e in updates} == {"Amendment 1: Ålesund suspended"}
    status_change = next(e for e in updates if e.field == "status")
    assert (status_change.old_value, status_change.new_value) == ("recruiting", "suspended")


def test_new_content_under_a_used_version_label_is_a_conflict(
    database: Database, tmp_path: Path
) -> None:
    trials.load_protocol(database, "pallsoft", actor="dm")
    same_label = amended_copy(
        tmp_path, "block_sizes = [2, 4, 6]", "block_sizes = [4, 6]", label="0.1-registry"
    )
    with pytest.raises(Conflict):
        trials.load_protocol(database, str(same_label), actor="dm", reason="try")

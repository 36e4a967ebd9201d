"""The import use case: read a record file, validate the draft, write it atomically."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from radtrial.errors import Conflict, InvalidInput, NotFound, ProtocolError
from radtrial.protocol import parse_protocol
from radtrial.services import registry_import
from radtrial.services.registry_import import import_registry_record
from tests.support import SEEDS

NOW = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov" / "NCT06398314.json"


def test_importing_the_pallsoft_record_writes_a_draft_that_loads(tmp_path: Path) -> None:
    output = tmp_path / "pallsoft.toml"
    result = import_registry_record(SEEDS / "pallsoft_NCT06398314.txt", output, NOW)
    protocol = parse_protocol(output.read_text(encoding="utf-8"), str(output))
    assert protocol.trial.registry_id == result.registry_id == "NCT06398314"
    assert (result.inclusion, result.exclusion, result.criteria) == (13, 7, 20)
    assert (result.sites, result.arms, result.rules_recognised) == (11, 2, 4)
    assert result.assumption_marks == len(protocol.assumption_marks())
    assert result.slug == "pallsoft"
    assert result.output == output


def test_importing_the_prosarc_record_counts_its_recognised_rules(tmp_path: Path) -> None:
    result = import_registry_record(
        SEEDS / "prosarc-2_NCT07173972.txt", tmp_path / "prosarc.toml", NOW
    )
    assert (result.inclusion, result.exclusion, result.sites, result.arms) == (7, 5, 2, 1)
    assert result.rules_recognised == 6


def test_a_ctgov_json_study_imports_like_the_text_record(tmp_path: Path) -> None:
    result = import_registry_record(FIXTURE, tmp_path / "draft.toml", NOW)
    assert (result.inclusion, result.exclusion, result.sites, result.rules_recognised) == (
        13,
        7,
        11,
        4,
    )


def test_the_result_has_a_json_ready_form(tmp_path: Path) -> None:
    result = import_registry_record(FIXTURE, tmp_path / "draft.toml", NOW)
    data = result.as_dict()
    assert data["output"] == str(tmp_path / "draft.toml")
    assert data["notes"] == []
    assert data["criteria"] == 20


def test_an_existing_output_is_not_overwritten(tmp_path: Path) -> None:
    output = tmp_path / "draft.toml"
    output.write_text("keep me", encoding="utf-8")
    with pytest.raises(Conflict) as caught:
        import_registry_record(FIXTURE, output, NOW)
    assert caught.value.location == str(output)
    assert output.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.toml"]


def test_an_existing_output_is_replaced_when_overwrite_is_given(tmp_path: Path) -> None:
    output = tmp_path / "draft.toml"
    output.write_text("old", encoding="utf-8")
    import_registry_record(FIXTURE, output, NOW, overwrite=True)
    assert output.read_text(encoding="utf-8").startswith("# DRAFT protocol imported")


def test_a_failed_write_leaves_no_partial_or_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_link(source: str, target: Path) -> None:
        raise OSError("disk full")

    def broken_replace(source: str, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(registry_import.os, "link", broken_link)
    monkeypatch.setattr(registry_import.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        import_registry_record(FIXTURE, tmp_path / "draft.toml", NOW)
    assert list(tmp_path.iterdir()) == []


def test_the_draft_file_is_readable_by_others(tmp_path: Path) -> None:
    output = tmp_path / "draft.toml"
    import_registry_record(FIXTURE, output, NOW)
    assert os.stat(output).st_mode & 0o777 == 0o644


def test_a_bad_record_raises_protocol_error_and_writes_nothing(tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    record.write_text("Dear colleague,\nhere is our protocol.\n", encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        import_registry_record(record, tmp_path / "draft.toml", NOW)
    assert caught.value.location == str(record)
    assert not (tmp_path / "draft.toml").exists()


def test_a_binary_file_is_not_a_registry_record(tmp_path: Path) -> None:
    record = tmp_path / "record.pdf"
    record.write_bytes(b"%PDF-1.7\xff\xfe\x00")
    with pytest.raises(ProtocolError, match="not UTF-8"):
        import_registry_record(record, tmp_path / "draft.toml", NOW)


def test_a_missing_record_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        import_registry_record(tmp_path / "absent.txt", tmp_path / "draft.toml", NOW)


def test_a_missing_output_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_registry_record(FIXTURE, tmp_path / "no" / "draft.toml", NOW)
    assert caught.value.location == str(tmp_path / "no")


def test_a_draft_that_would_not_validate_is_reported_and_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def invalid_draft(record: object, imported_at: datetime) -> str:
        return "schema_version = 1\n"

    monkeypatch.setattr(registry_import, "draft_toml", invalid_draft)
    with pytest.raises(ProtocolError, match="does not validate") as caught:
        import_registry_record(FIXTURE, tmp_path / "draft.toml", NOW)
    assert caught.value.location == str(FIXTURE)
    assert caught.value.detail["problems"]
    assert list(tmp_path.iterdir()) == []

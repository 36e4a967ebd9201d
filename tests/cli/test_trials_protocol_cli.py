"""The trials and protocol commands, end to end through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from radtrial.cli.app import app
from radtrial.cli.output import EXIT_ERROR
from radtrial.config import get_settings
from tests.support import SEEDS

runner = CliRunner()


@pytest.fixture
def cli_env(
    database_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    research, identity = database_urls
    monkeypatch.setenv("RADTRIAL_DATABASE_URL", research)
    monkeypatch.setenv("RADTRIAL_IDENTITY_DATABASE_URL", identity)
    monkeypatch.setenv("RADTRIAL_ACTOR", "nurse.test")
    get_settings.cache_clear()
    yield database_urls
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_trials_show_pallsoft_shows_arms_eligibility_endpoints_and_sites(
    cli_env: tuple[str, str],
) -> None:
    assert run("db", "upgrade").exit_code == 0
    loaded = run("protocol", "load", "pallsoft")
    assert loaded.exit_code == 0, loaded.output
    shown = run("trials", "show", "pallsoft")
    assert shown.exit_code == 0, shown.output
    out = shown.output
    for expected in (
        "NCT06398314",
        "Arms",
        "25 Gy = 5 × 5 Gy to PTV",
        "Eligibility",
        "ECOG performance status 0-3",
        "target_symptom_nrs 4–10",
        "Endpoints",
        "Patient-reported relief of the target symptom",
        "Sites",
        "Tromsø",
        "labelled assumptions",
    ):
        assert expected in out, expected


def test_trials_show_json_carries_the_protocol_and_its_version(cli_env: tuple[str, str]) -> None:
    run("db", "upgrade")
    run("protocol", "load", "prosarc2")
    shown = run("trials", "show", "prosarc2", "--json")
    assert shown.exit_code == 0
    data = json.loads(shown.output)
    assert data["protocol"]["trial"]["registry_id"] == "NCT07173972"
    assert data["version"]["loaded_by"] == "nurse.test"
    assert len(data["protocol"]["arms"][0]["prescription"]["dose_levels"]) == 2
    assert {s["site"]["code"] for s in data["sites"]} == {"OUS", "HUS", "STO", "UNN"}
    assert any(a["path"] == "analysis.primary" for a in data["assumptions"])


def test_trials_list_json_names_both_trials(cli_env: tuple[str, str]) -> None:
    run("db", "upgrade")
    run("protocol", "load", "pallsoft")
    run("protocol", "load", "prosarc2")
    listed = json.loads(run("trials", "list", "--json").output)
    assert [t["trial"]["slug"] for t in listed] == ["pallsoft", "prosarc2"]


def test_showing_an_unloaded_trial_is_a_clear_error(cli_env: tuple[str, str]) -> None:
    run("db", "upgrade")
    shown = run("trials", "show", "pallsoft", "--json")
    assert shown.exit_code == EXIT_ERROR
    assert json.loads(shown.output)["error"]["code"] == "not_found"


def test_an_amendment_is_diffed_against_the_stored_version(
    cli_env: tuple[str, str], tmp_path: Path
) -> None:
    run("db", "upgrade")
    run("protocol", "load", "pallsoft")
    text = (
        Path(__file__).resolve().parents[2] / "src/radtrial/protocol/trials/pallsoft.toml"
    ).read_text(encoding="utf-8")
    amended = tmp_path / "amended.toml"
    amended.write_text(
        text.replace("margin = 0.20", "margin = 0.15").replace(
            'label = "0.1-registry"', 'label = "1.0"'
        ),
        encoding="utf-8",
    )
    diff = run("protocol", "diff", "pallsoft@0.1-registry", str(amended), "--json")
    assert diff.exit_code == 0, diff.output
    changes = {c["path"]: (c["old"], c["new"]) for c in json.loads(diff.output)}
    assert changes == {
        "protocol.label": ("0.1-registry", "1.0"),
        "analysis.primary.margin": (0.2, 0.15),
    }
    refused = run("protocol", "load", str(amended))
    assert refused.exit_code == EXIT_ERROR
    assert "amendment" in refused.output
    loaded = run("protocol", "load", str(amended), "--reason", "NI margin per final SAP", "--json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.output)["created"] is True
    assert "1.0" in run("trials", "show", "pallsoft").output


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_validate_reports_a_broken_file_with_key_and_line(
    cli_env: tuple[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    text = (
        Path(__file__).resolve().parents[2] / "src/radtrial/protocol/trials/prosarc2.toml"
    ).read_text(encoding="utf-8")
    broken.write_text(text.replace("dose_per_fraction_gy = 3.5", "dose_per_fraction_gy = 3.6"))
    result = run("protocol", "validate", str(broken), "--json")
    assert result.exit_code == EXIT_ERROR
    error = json.loads(result.output)["error"]
    assert error["code"] == "protocol_error"
    assert error["location"] == str(broken)
    (problem,) = error["detail"]["problems"]
    assert problem["path"] == "arms[0].prescription.dose_levels[0]"
    assert problem["line"] is not None
    human = run("protocol", "validate", str(broken))
    assert f"line {problem['line']}" in human.output


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_validate_accepts_both_bundled_protocols(cli_env: tuple[str, str]) -> None:
    for slug in ("pallsoft", "prosarc2"):
        result = run("protocol", "validate", slug, "--json")
        assert result.exit_code == 0
        assert json.loads(result.output)["valid"] is True


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_a_file_that_is_not_utf8_is_named(cli_env: tuple[str, str], tmp_path: Path) -> None:
    latin = tmp_path / "latin1.toml"
    latin.write_bytes('title = "Tromsø"'.encode("latin-1"))
    result = run("protocol", "validate", str(latin))
    assert result.exit_code == EXIT_ERROR
    assert "not UTF-8" in result.output
    assert str(latin) in result.output.replace("\n", "")


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_assumptions_lists_every_labelled_value(cli_env: tuple[str, str]) -> None:
    result = run("protocol", "assumptions", "pallsoft", "--json")
    marks = json.loads(result.output)
    assert any(m["path"] == "analysis.primary" and "200" in m["reason"] for m in marks)
    assert all(m["reason"] for m in marks)


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
@pytest.mark.parametrize("seed", ["pallsoft_NCT06398314.txt", "prosarc-2_NCT07173972.txt"])
def test_both_seed_records_import_to_drafts_that_validate(
    cli_env: tuple[str, str], tmp_path: Path, seed: str
) -> None:
    draft = tmp_path / "draft.toml"
    result = run("protocol", "import", str(SEEDS / seed), "-o", str(draft), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["output"] == str(draft)
    validated = run("protocol", "validate", str(draft), "--json")
    assert validated.exit_code == 0, validated.output
    assert json.loads(validated.output)["registry_id"] == summary["registry_id"]
    again = run("protocol", "import", str(SEEDS / seed), "-o", str(draft))
    assert again.exit_code == EXIT_ERROR

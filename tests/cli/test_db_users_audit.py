"""``radtrial db``, ``users`` and ``audit`` through Typer, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from radtrial.cli import audit, db, users
from radtrial.cli.output import EXIT_CHECK_FAILED, EXIT_ERROR
from radtrial.config import get_settings
from radtrial.store.audit import history
from radtrial.store.database import Database
from tests.store.test_migrations import heads
from tests.support import TickingClock, append_only_disabled, populate

app = typer.Typer()
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")

runner = CliRunner()


@pytest.fixture
def cli_database(
    database_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """Settings pointing at fresh databases, and a handle on them for setting up and checking."""
    monkeypatch.setenv("RADTRIAL_DATABASE_URL", database_urls[0])
    monkeypatch.setenv("RADTRIAL_IDENTITY_DATABASE_URL", database_urls[1])
    monkeypatch.delenv("RADTRIAL_ACTOR", raising=False)
    get_settings.cache_clear()
    handle = Database(*database_urls, clock=TickingClock())
    try:
        yield handle
    finally:
        handle.close()
        get_settings.cache_clear()


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def upgraded(database: Database) -> Database:
    code, _, stderr = invoke("db", "upgrade")
    assert code == 0, stderr
    return database


def test_db_upgrade_creates_both_databases_and_reports_their_revisions(
    cli_database: Database,
) -> None:
    code, stdout, _ = invoke("db", "upgrade", "--json")
    assert code == 0
    result = json.loads(stdout)
    assert {chain: state["revision"] for chain, state in result.items()} == {
        "research": heads("research"),
        "identity": heads("identity"),
    }
    code, stdout, _ = invoke("db", "upgrade")
    assert code == 0
    assert f"research database at revision {heads('research')}" in stdout


def test_users_add_grants_roles_at_sites_and_users_list_shows_them(cli_database: Database) -> None:
    populate(upgraded(cli_database))
    code, stdout, stderr = invoke(
        "users",
        "add",
        "kskipar",
        "--name",
        "Kjersti Skipar",
        "--email",
        "kjersti@example.org",
        "--role",
        "investigator@OUS",
        "--role",
        "research_nurse@HUS",
        "--trial",
        "pallsoft",
        "--password-stdin",
        "--actor",
        "sysadmin",
        "--json",
        stdin="a long enough passphrase\n",
    )
    assert code == 0, stderr
    added = json.loads(stdout)
    assert added["has_password"] is True
    assert [(g["role"], g["site_code"], g["trial_slug"]) for g in added["grants"]] == [
        ("investigator", "OUS", "pallsoft"),
        ("research_nurse", "HUS", "pallsoft"),
    ]
    code, stdout, _ = invoke("users", "list", "--json")
    assert code == 0
    assert "kskipar" in [user["username"] for user in json.loads(stdout)]
    code, stdout, _ = invoke("users", "list")
    assert code == 0
    assert "kskipar" in stdout


def test_the_acting_user_is_the_option_then_the_setting_then_the_os_user(
    cli_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgraded(cli_database)
    monkeypatch.setattr("getpass.getuser", lambda: "os-user")
    add = ["users", "add", "--name", "N", "--email", "n@example.org", "--role", "monitor"]
    assert invoke(*add[:2], "by_option", *add[2:], "--actor", "opt-user")[0] == 0
    monkeypatch.setenv("RADTRIAL_ACTOR", "setting-user")
    get_settings.cache_clear()
    assert invoke(*add[:2], "by_setting", *add[2:])[0] == 0
    monkeypatch.delenv("RADTRIAL_ACTOR")
    get_settings.cache_clear()
    assert invoke(*add[:2], "by_os", *add[2:])[0] == 0
    actors = {
        e.new_value: e.actor
        for e in history(cli_database.engine("research"), entity="users")
        if e.field == "username"
    }
    assert actors == {"by_option": "opt-user", "by_setting": "setting-user", "by_os": "os-user"}


def test_an_invalid_role_exits_2_with_the_error_as_json(cli_database: Database) -> None:
    upgraded(cli_database)
    code, stdout, _ = invoke(
        "users", "add", "x1", "--name", "X", "--email", "x@example.org", "--role", "chief", "--json"
    )
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["code"] == "invalid_input"
    assert json.loads(stdout)["error"]["location"] == "role"


def test_an_empty_password_on_stdin_is_refused(cli_database: Database) -> None:
    upgraded(cli_database)
    code, _, stderr = invoke(
        "users",
        "add",
        "x1",
        "--name",
        "X",
        "--email",
        "x@example.org",
        "--role",
        "monitor",
        "--password-stdin",
        stdin="\n",
    )
    assert code == EXIT_ERROR
    assert "no password on stdin" in stderr


def test_audit_verify_passes_on_an_untouched_trail(cli_database: Database) -> None:
    populate(upgraded(cli_database))
    code, stdout, _ = invoke("audit", "verify", "--json")
    assert code == 0
    result = json.loads(stdout)
    assert result["ok"] is True
    assert [c["chain"] for c in result["chains"]] == ["research", "identity"]
    code, stdout, _ = invoke("audit", "verify")
    assert code == 0
    assert "research audit trail verified" in stdout


def test_audit_verify_exits_3_naming_the_tampered_row_and_its_database(
    cli_database: Database,
) -> None:
    # Tampered as a DBA could: drop the append-only triggers, edit, restore the triggers.
    populate(upgraded(cli_database))
    engine = cli_database.engine("research")
    with engine.begin() as connection, append_only_disabled(connection):
        connection.execute(text("UPDATE audit_log SET new_value = '\"Oslo\"' WHERE seq = 42"))
    code, stdout, stderr = invoke("audit", "verify")
    assert code == EXIT_CHECK_FAILED
    assert "research audit trail FAILED at row 42 (modified)" in stderr
    assert cli_database.describe()["research"] in stderr
    code, stdout, _ = invoke("audit", "verify", "--json")
    assert code == EXIT_CHECK_FAILED
    research = json.loads(stdout)["chains"][0]
    assert (research["ok"], research["problem"]["kind"], research["problem"]["seq"]) == (
        False,
        "modified",
        42,
    )
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 1"))


def test_audit_checkpoint_anchors_the_heads_and_verify_finds_a_cut_tail_against_it(
    cli_database: Database, tmp_path: Path
) -> None:
    populate(upgraded(cli_database))
    checkpoint = tmp_path / "anchor.json"
    code, stdout, stderr = invoke("audit", "checkpoint", "-o", str(checkpoint), "--json")
    assert code == 0, stderr
    assert json.loads(stdout) == json.loads(checkpoint.read_text(encoding="utf-8"))
    head = json.loads(stdout)["chains"]["research"]["head_seq"]
    with cli_database.engine("research").begin() as connection, append_only_disabled(connection):
        connection.execute(text("DELETE FROM audit_log WHERE seq > :keep"), {"keep": head - 3})
    assert invoke("audit", "verify")[0] == 0, "without the checkpoint a cut tail looks valid"
    code, _, stderr = invoke("audit", "verify", "--checkpoint", str(checkpoint))
    assert code == EXIT_CHECK_FAILED
    assert f"FAILED at row {head - 2} (truncated)" in stderr


def test_audit_checkpoint_refuses_to_overwrite_a_file(
    cli_database: Database, tmp_path: Path
) -> None:
    upgraded(cli_database)
    checkpoint = tmp_path / "anchor.json"
    assert invoke("audit", "checkpoint", "-o", str(checkpoint))[0] == 0
    code, stdout, _ = invoke("audit", "checkpoint", "-o", str(checkpoint), "--json")
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["code"] == "conflict"


def test_a_database_never_upgraded_is_named_with_the_command_that_fixes_it(
    cli_database: Database,
) -> None:
    code, _, stderr = invoke("users", "list")
    assert code == EXIT_ERROR
    assert "storage_error" in stderr
    assert "has no table" in stderr
    assert "radtrial db upgrade" in " ".join(stderr.split())


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_an_unreachable_server_is_named_by_host_and_port(
    cli_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "RADTRIAL_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/radtrial"
    )
    get_settings.cache_clear()
    code, _, stderr = invoke("users", "list")
    assert code == EXIT_ERROR
    flat = " ".join(stderr.split())
    assert "cannot connect to the database" in flat
    assert "port 1" in flat


def test_an_error_quoting_square_brackets_prints_them(capsys: pytest.CaptureFixture[str]) -> None:
    from radtrial.cli.output import translated_errors
    from radtrial.errors import ProtocolError

    with pytest.raises(typer.Exit), translated_errors():
        raise ProtocolError(
            "protocol pallsoft has no [dose_constraints] table",
            detail={"problems": [{"path": "[trial]", "message": "see [bold]this[/bold]"}]},
        )
    stderr = capsys.readouterr().err
    assert "no [dose_constraints] table" in stderr
    assert "[trial]: see [bold]this[/bold]" in stderr

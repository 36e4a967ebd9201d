"""``radtrial qa plan`` and ``qa history`` through Typer, on SQLite and PostgreSQL: a
participant's plan is checked, the verdict printed and stored (with the report), and errors are
clean messages that store nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from radtrial.cli import qa
from radtrial.cli.output import EXIT_CHECK_FAILED, EXIT_ERROR
from radtrial.config import get_settings
from radtrial.store.database import Database
from tests.course_support import audit_rows, prepare, prosarc2_participant
from tests.dicom import plans

app = typer.Typer()
app.add_typer(qa.app, name="qa")
runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return plans.plan_files(tmp_path_factory.mktemp("plan"))


@pytest.fixture
def cli_db(database_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Upgraded databases with both trials and the staff, opened by the CLI."""
    monkeypatch.setenv("RADTRIAL_DATABASE_URL", database_urls[0])
    monkeypatch.setenv("RADTRIAL_IDENTITY_DATABASE_URL", database_urls[1])
    get_settings.cache_clear()
    db = Database(*database_urls)
    db.upgrade()
    try:
        yield prepare(db)
    finally:
        db.close()
        get_settings.cache_clear()


def plan_args(folder: dict[str, Path], study_id: str, plan: str = "rp", *extra: str) -> list[str]:
    return ["qa", "plan", study_id, "--rtplan", str(folder[plan]), "--rtstruct",
            str(folder["rs"]), "--rtdose", str(folder["rd"]), "--mode", "tps", *extra]  # fmt: skip


def test_qa_plan_prints_and_stores_the_verdict_and_the_report(
    cli_db: Database, folder: dict[str, Path], tmp_path: Path
) -> None:
    study_id = prosarc2_participant(cli_db)
    page = tmp_path / "report.html"
    result = runner.invoke(
        app, plan_args(folder, study_id, "rp", "--actor", "phys_ous", "--report", str(page))
    )
    assert result.exit_code == 0, result.output
    assert "overall: pass" in result.output
    assert f"stored as plan QA evaluation 1 of {study_id}" in result.output
    assert "by phys_ous" in result.output
    assert "target CTV: HI" in result.output
    stored_html = [r.new_value for r in audit_rows(cli_db, "plan_qa_reports") if r.field == "html"]
    assert stored_html == [page.read_text(encoding="utf-8")]
    assert [
        r.new_value for r in audit_rows(cli_db, "plan_qa_evaluations") if r.field == "verdict"
    ] == ["pass"]
    history = runner.invoke(app, ["qa", "history", study_id, "--actor", "monitor", "--json"])
    assert history.exit_code == 0, history.output
    [stored] = json.loads(history.output)
    assert stored["verdict"] == "pass"
    assert stored["evaluated_by"] == "phys_ous"
    assert (
        stored["rtplan_sha256"]
        == json.loads(
            runner.invoke(
                app, [*plan_args(folder, study_id), "--actor", "phys_ous", "--json"]
            ).output
        )["files"]["rtplan"]["sha256"]
    )


def test_qa_plan_json_carries_the_check_and_the_stored_evaluation(
    cli_db: Database, folder: dict[str, Path]
) -> None:
    study_id = prosarc2_participant(cli_db)
    result = runner.invoke(
        app, [*plan_args(folder, study_id, "rp7"), "--actor", "inv_ous", "--json", "--reason", "x"]
    )
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    data = json.loads(result.output)
    assert data["overall"] == "major"
    assert {c["id"]: c["verdict"] for c in data["constraints"]}["plan_fractions"] == "major"
    evaluation = data["evaluation"]
    assert evaluation["study_id"] == study_id
    assert evaluation["verdict"] == "major"
    assert evaluation["evaluated_by"] == "inv_ous"
    text = runner.invoke(app, ["qa", "history", study_id, "--actor", "inv_ous"]).output
    assert "plan_fractions" in text
    assert "major" in text


def test_qa_plan_errors_are_clean_and_store_nothing(
    cli_db: Database, folder: dict[str, Path], tmp_path: Path
) -> None:
    study_id = prosarc2_participant(cli_db)
    before = len(audit_rows(cli_db))
    wrong_role = runner.invoke(app, [*plan_args(folder, study_id), "--actor", "nurse_ous"])
    assert wrong_role.exit_code == EXIT_ERROR
    assert "may not check the RT plan" in wrong_role.output
    unknown = runner.invoke(app, [*plan_args(folder, "NOBODY"), "--actor", "phys_ous", "--json"])
    assert unknown.exit_code == EXIT_ERROR
    assert json.loads(unknown.output)["error"]["code"] == "not_found"
    other_frame = plans.write_dose(tmp_path / "RD.dcm", frame_of_reference="1.2.3.4")
    mismatched = runner.invoke(
        app,
        ["qa", "plan", study_id, "--rtplan", str(folder["rp"]), "--rtstruct", str(folder["rs"]),
         "--rtdose", str(other_frame), "--actor", "phys_ous", "--json"],
    )  # fmt: skip
    assert mismatched.exit_code == EXIT_ERROR
    assert json.loads(mismatched.output)["error"]["detail"]["attribute"] == "FrameOfReferenceUID"
    assert "Traceback" not in mismatched.output
    assert len(audit_rows(cli_db)) == before

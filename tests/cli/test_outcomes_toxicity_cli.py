"""``radtrial ae assess`` and ``radtrial ae by-visit`` on SQLite and PostgreSQL: a PALLSOFT
patient's bowel and bladder toxicity per visit, "none" as grade 0 and "not assessed" as null,
located errors as exit 2, audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from radtrial.cli import adverse_events as outcomes
from radtrial.cli import app as radtrial_app
from radtrial.cli.output import EXIT_ERROR
from radtrial.store.database import Database
from tests.outcomes_support import START, CalendarClock, audit_rows, enrol_pallsoft, set_up

runner = CliRunner()


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def cli_db(
    database_urls: tuple[str, str], clock: CalendarClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    db = Database(*database_urls, clock=clock)
    db.upgrade()
    set_up(db)
    monkeypatch.setattr(outcomes, "open_database", lambda: Database(*database_urls, clock=clock))
    try:
        yield db
    finally:
        db.close()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(radtrial_app.app, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok_json(*args: str) -> Any:
    code, stdout, stderr = run(*args, "--json")
    assert code == 0, stderr or stdout
    return json.loads(stdout)


def test_bowel_and_bladder_toxicity_per_visit_from_the_command_line(
    cli_db: Database, clock: CalendarClock
) -> None:
    study_id = enrol_pallsoft(cli_db, clock)
    clock.set_day(START + timedelta(days=60))
    baseline = ok_json(
        "ae", "assess", study_id, "--visit", "baseline", "--on", START.isoformat(),
        "--category", "bowel=none", "--category", "bladder=none", "--actor", "inv_ous",
    )  # fmt: skip
    assert [(r["category"], r["no_adverse_event"]) for r in baseline] == [
        ("bowel", True),
        ("bladder", True),
    ]
    event = ok_json(
        "ae", "record", study_id, "--term", "Proctitis", "--grade", "2",
        "--onset", (START + timedelta(days=20)).isoformat(), "--attribution", "probable",
        "--actor", "inv_ous",
    )  # fmt: skip
    week_4 = ok_json(
        "ae", "assess", study_id, "--visit", "week_4",
        "--on", (START + timedelta(days=28)).isoformat(),
        "--category", f"bowel={event['id']}", "--by", "Dr Hansen", "--actor", "nurse_ous",
    )  # fmt: skip
    assert week_4[0]["adverse_event_ids"] == [event["id"]]
    assert week_4[0]["assessed_by"] == "Dr Hansen"
    rows = audit_rows(cli_db, "toxicity_assessments")
    assert ("nurse_ous", "insert", "category", "bowel") in rows
    assert ("inv_ous", "insert", "category", "bladder") in rows

    table = ok_json("ae", "by-visit", "pallsoft", "--actor", "monitor")
    assert table["categories"] == ["bowel", "bladder"]
    visits = {v["visit_id"]: v for v in table["participants"][0]["visits"]}
    assert visits["baseline"]["grades"] == {"bowel": 0, "bladder": 0}
    assert visits["week_4"]["grades"] == {"bowel": 2, "bladder": None}
    assert visits["week_4"]["assessed_on"] == (START + timedelta(days=28)).isoformat()
    assert visits["week_8"]["grades"] == {"bowel": None, "bladder": None}

    code, stdout, _ = run("ae", "by-visit", study_id, "--actor", "inv_ous")
    assert code == 0
    assert "week_4" in stdout
    week_8 = ("ae", "assess", study_id, "--visit", "week_8", "--on",
              (START + timedelta(days=56)).isoformat(), "--category", "bowel=none",
              "--actor", "inv_ous")  # fmt: skip
    # The proctitis (grade 2) has no resolution date: "none" needs the physician's note.
    code, stdout, _ = run(*week_8, "--json")
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert (error["location"], error["detail"]["reason"]) == (
        "categories[bowel]",
        "open_adverse_event",
    )
    assert f"bowel={event['id']}" in error["message"]
    code, stdout, _ = run(*week_8, "--open-event-note", "proctitis resolved in week 6")
    assert code == 0
    assert "no adverse event" in stdout


@pytest.mark.parametrize(
    ("extra", "location", "reason"),
    [
        (["--visit", "week_99", "--category", "bowel=none"], "visit", "unknown_visit"),
        (["--visit", "week_4", "--category", "rectum=none"], "categories[rectum]",
         "unknown_category"),
        (["--visit", "week_4", "--category", "bowel"], "--category", "not_allowed"),
        (["--visit", "week_4", "--category", "bowel=x1"], "categories[bowel]", "not_an_id"),
        (["--visit", "week_4", "--category", "bowel=none", "--category", "bowel=none"],
         "categories[bowel]", "duplicate"),
    ],
)  # fmt: skip
def test_errors_are_located_and_nothing_is_written(
    cli_db: Database, clock: CalendarClock, extra: list[str], location: str, reason: str
) -> None:
    study_id = enrol_pallsoft(cli_db, clock)
    clock.set_day(START + timedelta(days=30))
    code, stdout, _ = run(
        "ae", "assess", study_id, "--on", (START + timedelta(days=28)).isoformat(), *extra,
        "--actor", "inv_ous", "--json",
    )  # fmt: skip
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert (error["location"], error["detail"]["reason"]) == (location, reason)
    assert audit_rows(cli_db, "toxicity_assessments") == []


def test_an_assessment_before_registration_is_refused(
    cli_db: Database, clock: CalendarClock
) -> None:
    study_id = enrol_pallsoft(cli_db, clock)
    code, stdout, _ = run(
        "ae", "assess", study_id, "--visit", "baseline",
        "--on", (START - timedelta(days=1)).isoformat(), "--category", "bowel=none",
        "--actor", "inv_ous", "--json",
    )  # fmt: skip
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert (error["location"], error["detail"]["reason"]) == ("assessed_on", "before_registration")
    assert audit_rows(cli_db, "toxicity_assessments") == []

"""``radtrial analyse`` from the command line, on SQLite and PostgreSQL: the ``--json`` shape,
the human tables with their conventions, and a refusal for a research nurse (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from radtrial.cli import analyse as analyse_cli
from radtrial.cli import app as radtrial_app
from radtrial.cli.output import EXIT_ERROR
from radtrial.services.outcomes import pro
from radtrial.store.database import Database
from tests.outcomes_support import START, CalendarClock, at, enrol_pallsoft, set_up

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
    monkeypatch.setattr(analyse_cli, "open_database", lambda: Database(*database_urls, clock=clock))
    try:
        yield db
    finally:
        db.close()


def _two_participants(db: Database, clock: CalendarClock) -> list[str]:
    ids = [enrol_pallsoft(db, clock) for _ in range(2)]
    for study_id in ids:
        pro.record_symptom(
            db, actor="nurse_ous", study_id=study_id, visit_id="baseline", symptom="pain", nrs=8
        )
    clock.set_day(START + timedelta(days=63))
    for study_id, nrs in zip(ids, (4, 7), strict=True):
        pro.record_symptom(
            db,
            actor="nurse_ous",
            study_id=study_id,
            visit_id="week_8",
            nrs=nrs,
            analgesic_increased=False,
            answered_at=at(START + timedelta(days=62)),
        )
    return ids


def test_analyse_json_shape(cli_db: Database, clock: CalendarClock) -> None:
    ids = _two_participants(cli_db, clock)
    result = runner.invoke(
        radtrial_app.app,
        ["analyse", "pallsoft", "--population", "itt", "--json", "--actor", "stat"],
    )
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert set(data) == {"trial", "population", "conventions", "tables", "notes"}
    assert data["trial"] == "pallsoft"
    assert data["population"]["id"] == "itt"
    assert data["population"]["participants"] == len(ids)
    tables = data["tables"]
    assert set(tables) == {"primary_responders", "overall_survival", "toxicity_max_grade"}
    arms = tables["primary_responders"]["arms"]
    assert sum(a["n"] for a in arms.values()) == 2
    assert sum(a["responders"] for a in arms.values()) == 1
    assert set(tables["overall_survival"]) == {"by_arm", "logrank"}
    assert any("Farrington-Manning" in c for c in data["conventions"])

    text = runner.invoke(radtrial_app.app, ["analyse", "pallsoft", "--population", "itt",
                                            "--actor", "stat"])  # fmt: skip
    assert text.exit_code == 0, text.stdout
    assert "conventions" in text.stdout
    assert "Intention to treat" in text.stdout


def test_analyse_is_refused_to_a_research_nurse(cli_db: Database, clock: CalendarClock) -> None:
    _two_participants(cli_db, clock)
    result = runner.invoke(
        radtrial_app.app, ["analyse", "pallsoft", "--json", "--actor", "nurse_ous"]
    )
    assert result.exit_code == EXIT_ERROR
    error = json.loads(result.stdout)["error"]
    assert error["location"] == "actor"
    assert error["code"] == "permission_denied"

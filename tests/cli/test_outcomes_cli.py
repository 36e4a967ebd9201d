"""Both trials' outcome flows from the command line, on SQLite and PostgreSQL: PALLSOFT's target
symptom to responder status; PROSARC-2's RECIST series to local progression and LPFS; AEs, ECOG,
samples with positions and custody, visits due; errors as exit 2 with located JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from radtrial.cli import adverse_events, biobank, ecog, endpoints, events, pro, recist, visits
from radtrial.cli import app as radtrial_app
from radtrial.cli.output import EXIT_ERROR
from radtrial.services import consent
from radtrial.store.database import Database
from tests.outcomes_support import (
    START,
    CalendarClock,
    audit_rows,
    enrol_pallsoft,
    enrol_prosarc,
    set_up,
    treat,
)

runner = CliRunner()


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def cli_db(
    database_urls: tuple[str, str], clock: CalendarClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """Migrated databases with both protocols and the users, which the CLI opens with the
    test's clock."""
    db = Database(*database_urls, clock=clock)
    db.upgrade()
    set_up(db)
    for module in (pro, adverse_events, ecog, events, endpoints, recist, biobank, visits):
        monkeypatch.setattr(module, "open_database", lambda: Database(*database_urls, clock=clock))
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


def test_the_commands_are_registered() -> None:
    names = {(group.name or "") for group in radtrial_app.app.registered_groups} | {
        command.name for command in radtrial_app.app.registered_commands
    }
    assert {"pro", "ae", "ecog", "recist", "event", "sample", "visits", "endpoints"} <= names
    assert isinstance(radtrial_app.app, typer.Typer)


def test_a_pallsoft_patients_target_symptom_to_responder_status(
    cli_db: Database, clock: CalendarClock
) -> None:
    study_id = enrol_pallsoft(cli_db, clock)
    code, stdout, _ = run(
        "pro", "record", study_id, "--visit", "baseline", "--nrs", "11", "--symptom", "pain",
        "--actor", "nurse_ous", "--json",
    )  # fmt: skip
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"] == {
        "code": "invalid_input",
        "message": "An NRS rating must be from 0 to 10, not 11",
        "location": "nrs",
        "detail": {"reason": "out_of_range", "allowed": [0, 10]},
    }
    baseline = ok_json(
        "pro", "record", study_id, "--visit", "baseline", "--nrs", "7", "--symptom", "pain",
        "--actor", "nurse_ous",
    )  # fmt: skip
    assert (baseline["nrs"], baseline["symptom"]) == (7, "pain")
    items = ",".join(f"{n}=2" for n in range(1, 15)) + ",15=5"
    submitted = ok_json(
        "pro", "record", study_id, "--questionnaire", "qlq_c15_pal", "--visit", "baseline",
        "--item", items, "--actor", "nurse_ous",
    )  # fmt: skip
    assert submitted["state"] == "complete"
    assert submitted["scores"]["QL"]["score"] == pytest.approx(66.67, abs=0.01)
    clock.set_day(START + timedelta(days=33))
    code, _, stderr = run(
        "pro", "record", study_id, "--visit", "week_4", "--nrs", "5", "--impression", "improved",
        "--actor", "nurse_ous",
    )  # fmt: skip
    assert code == EXIT_ERROR
    assert "record whether analgesics were increased" in stderr
    ok_json(
        "pro", "record", study_id, "--visit", "week_4", "--nrs", "5", "--impression", "improved",
        "--analgesics-not-increased", "--actor", "nurse_ous",
    )  # fmt: skip
    clock.set_day(START + timedelta(days=61))
    ok_json(
        "pro", "record", study_id, "--visit", "week_8", "--nrs", "3", "--impression", "improved",
        "--analgesics-not-increased", "--actor", "nurse_ous",
    )  # fmt: skip
    shown = ok_json("pro", "show", study_id, "--actor", "monitor")
    assert [r["nrs"] for r in shown["ratings"]] == [7, 5, 3]
    assert shown["responder"]["status"] == "responder"
    code, stdout, _ = run("pro", "show", study_id, "--actor", "monitor")
    assert code == 0
    assert "responder status at week_8: responder (NRS 7 → 3" in stdout
    report = ok_json("endpoints", "pallsoft", "--actor", "stat")
    assert report["origin"] == "randomisation"
    assert report["responders"][0]["status"] == "responder"
    assert {actor for actor, *_ in audit_rows(cli_db, "symptom_ratings")} == {"nurse_ous"}


def _prosarc_course(db: Database, clock: CalendarClock) -> str:
    study_id = enrol_prosarc(db, clock)
    ok_json(
        "recist", "assess", study_id, "--on", START.isoformat(), "--visit", "baseline",
        "--target", "T1:thigh:80:mri:index", "--target", "T2:lung:15", "--non-target", "N1:lung",
        "--actor", "inv_ous",
    )  # fmt: skip
    return study_id


def test_a_prosarc2_recist_series_ending_in_local_progression_gives_lpfs_data(
    cli_db: Database, clock: CalendarClock
) -> None:
    study_id = enrol_prosarc(cli_db, clock)
    six = [f"--target=T{n}:{organ}:20" for n, organ in enumerate(
        ["lung", "liver", "bone", "skin", "kidney", "spleen"], 1)]  # fmt: skip
    code, stdout, _ = run(
        "recist",
        "assess",
        study_id,
        "--on",
        START.isoformat(),
        *six,
        "--actor",
        "inv_ous",
        "--json",
    )
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert (error["location"], error["detail"]["reason"]) == ("target_lesions", "too_many_targets")
    baseline = ok_json(
        "recist", "assess", study_id, "--on", START.isoformat(), "--visit", "baseline",
        "--target", "T1:thigh:80:mri:index", "--target", "T2:lung:15", "--non-target", "N1:lung",
        "--actor", "inv_ous",
    )  # fmt: skip
    assert baseline["sum_mm"] == 95.0
    for day, index, lung in ((95, "60", "15"), (185, "55", "14"), (275, "67", "14")):
        clock.set_day(START + timedelta(days=day))
        result = ok_json(
            "recist", "assess", study_id, "--on", (START + timedelta(days=day)).isoformat(),
            "--size", f"T1={index}", "--size", f"T2={lung}", "--non-target-status",
            "non_cr_non_pd", "--actor", "inv_ous",
        )  # fmt: skip
    assert result["follow_up"]["local_progression"] is True
    assert [(e["kind"], e["event_on"]) for e in result["events"]] == [
        ("local_progression", (START + timedelta(days=275)).isoformat())
    ]
    code, stdout, _ = run("recist", "show", study_id, "--actor", "monitor")
    assert code == 0
    assert "best overall response: SD" in stdout
    events = ok_json("event", "list", study_id, "--actor", "monitor")
    assert [e["kind"] for e in events] == ["local_progression"]
    report = ok_json("endpoints", "prosarc2", "--actor", "stat")
    assert report["survival_data"]["lpfs"] == {"durations_days": [275.0], "events": [1]}
    assert report["survival_data"]["os"] == {"durations_days": [275.0], "events": [0]}
    lpfs = next(r for r in report["rows"] if r["endpoint"] == "lpfs")
    assert (lpfs["event_kind"], lpfs["origin_on"]) == ("local_progression", START.isoformat())


def test_adverse_events_ecog_and_events_from_the_command_line(
    cli_db: Database, clock: CalendarClock
) -> None:
    study_id = _prosarc_course(cli_db, clock)
    clock.set_day(START + timedelta(days=40))
    code, stdout, _ = run(
        "ae", "record", study_id, "--term", "Nausea", "--grade", "4", "--onset",
        (START + timedelta(days=20)).isoformat(), "--attribution", "possible",
        "--actor", "inv_ous", "--json",
    )  # fmt: skip
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["detail"]["reason"] == "grade_not_defined_for_term"
    event = ok_json(
        "ae", "record", study_id, "--term", "Dermatitis radiation", "--grade", "3", "--onset",
        (START + timedelta(days=30)).isoformat(), "--attribution", "definite", "--serious",
        "hospitalisation", "--actor", "inv_ous",
    )  # fmt: skip
    assert (event["ctcae_version"], event["expedited_report"]) == ("6.0", True)
    assert event["report_due_at"] is not None
    summary = ok_json("ae", "summary", "prosarc2", "--actor", "monitor")
    assert summary["participants"][0]["overall"]["grade"] == 3
    assert len(ok_json("ae", "list", study_id, "--actor", "monitor")) == 1
    code, _, stderr = run("ecog", "record", study_id, "--status", "6", "--actor", "nurse_ous")
    assert code == EXIT_ERROR
    assert "ECOG performance status must be from 0 to 5, not 6" in stderr
    ecog = ok_json("ecog", "record", study_id, "--status", "1", "--actor", "nurse_ous")
    assert (ecog["status"], ecog["assessed_on"]) == (1, clock.today.isoformat())
    alive = ok_json(
        "event", "record", study_id, "--kind", "alive", "--on", clock.today.isoformat(),
        "--source", "telephone", "--actor", "nurse_ous",
    )  # fmt: skip
    assert alive["source"] == "telephone"
    death = ok_json(
        "event", "record", study_id, "--kind", "death", "--on", clock.today.isoformat(),
        "--cause", "disease_under_study", "--actor", "inv_ous",
    )  # fmt: skip
    assert death["death_cause"] == "disease_under_study"
    code, _, stderr = run("event", "record", study_id, "--kind", "death", "--on", "x")
    assert code == EXIT_ERROR
    assert "is not a date" in stderr


def test_samples_with_positions_custody_and_destruction_after_withdrawal(
    cli_db: Database, clock: CalendarClock
) -> None:
    study_id = _prosarc_course(cli_db, clock)
    collected = ok_json(
        "sample", "collect", study_id, "--label", "P1-PL", "--type", "plasma", "--visit",
        "baseline", "--aliquots", "2", "--processing", "centrifuged", "--actor", "nurse_ous",
    )  # fmt: skip
    assert [s["label"] for s in collected] == ["P1-PL", "P1-PL-01", "P1-PL-02"]
    stored = ok_json(
        "sample", "store", "P1-PL-01", "--freezer", "F1", "--rack", "R1", "--box", "B1",
        "--position", "A1", "--actor", "nurse_ous",
    )  # fmt: skip
    assert stored["storage_position"] == "F1/R1/B1/A1"
    code, stdout, _ = run(
        "sample", "store", "P1-PL-02", "--freezer", "F1", "--rack", "R1", "--box", "B1",
        "--position", "A1", "--actor", "nurse_ous", "--json",
    )  # fmt: skip
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["detail"] == {
        "reason": "position_occupied",
        "occupant": "P1-PL-01",
    }
    shipment = ok_json(
        "sample", "ship", "P1-PL-01", "--shipment", "S-1", "--to", "Central biobank",
        "--actor", "nurse_ous",
    )  # fmt: skip
    assert shipment["labels"] == ["P1-PL-01"]
    received = ok_json("sample", "receive", "S-1", "--actor", "inv_ous")
    assert received["received_by"] == "inv_ous"
    history = ok_json("sample", "show", "P1-PL-01", "--actor", "monitor")
    assert [c["action"] for c in history["custody"]] == [
        "aliquoted",
        "stored",
        "shipped",
        "received",
    ]
    consent.record_withdrawal(
        cli_db, actor="inv_ous", study_id=study_id, kind="data_and_samples", withdrawn_on=START
    )
    flagged = ok_json("sample", "flag", study_id, "--actor", "inv_ous")
    assert {s["label"] for s in flagged} == {"P1-PL", "P1-PL-01", "P1-PL-02"}
    destroyed = ok_json(
        "sample", "destroy", "P1-PL-02", "--method", "incineration", "--destruction-reason",
        "consent_withdrawn", "--actor", "inv_ous",
    )  # fmt: skip
    assert destroyed["reason"] == "consent_withdrawn"
    listed = ok_json("sample", "list", study_id, "--actor", "monitor")
    assert {s["label"]: s["status"] for s in listed}["P1-PL-02"] == "destroyed"
    assert ("inv_ous", "insert", "method", "incineration") in audit_rows(
        cli_db, "sample_destructions"
    )


def test_visits_due_per_site(cli_db: Database, clock: CalendarClock) -> None:
    study_id = enrol_pallsoft(cli_db, clock)
    first, _ = treat(cli_db, clock, study_id, START + timedelta(days=7))
    clock.set_day(first + timedelta(days=25))
    due = ok_json("visits", "due", "--site", "OUS", "--trial", "pallsoft", "--actor", "nurse_ous")
    assert [(d["study_id"], d["visit_id"], d["status"]) for d in due] == [
        (study_id, "baseline", "overdue"),
        (study_id, "end_of_rt", "overdue"),
        (study_id, "week_4", "due"),
    ]
    assert due[2]["window"]["target_on"] == (first + timedelta(days=28)).isoformat()
    ok_json(
        "visits", "missed", study_id, "--visit", "end_of_rt", "--note", "no transport",
        "--actor", "inv_ous",
    )  # fmt: skip
    code, stdout, _ = run("visits", "due", "--site", "OUS", "--actor", "nurse_ous")
    assert code == 0
    assert "Week 4" in stdout
    assert "End of radiotherapy" not in stdout
    schedule = ok_json("visits", "show", study_id, "--actor", "monitor")
    assert {s["visit"]["visit_id"]: s["status"] for s in schedule}["end_of_rt"] == "missed"
    code, stdout, _ = run("visits", "due", "--site", "OUS", "--actor", "inv_hus", "--json")
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["code"] == "permission_denied"


def test_missed_visits_per_site_and_ecog_over_time(cli_db: Database, clock: CalendarClock) -> None:
    study_id = enrol_pallsoft(cli_db, clock)
    assert ok_json("visits", "missed-list", "--site", "OUS", "--actor", "nurse_ous") == []
    ok_json(
        "visits", "missed", study_id, "--visit", "baseline", "--note", "too ill to attend",
        "--actor", "inv_ous",
    )  # fmt: skip
    missed = ok_json(
        "visits", "missed-list", "--site", "OUS", "--trial", "pallsoft", "--actor", "nurse_ous"
    )
    assert [(m["study_id"], m["visit_id"], m["note"]) for m in missed] == [
        (study_id, "baseline", "too ill to attend")
    ]
    code, stdout, _ = run("visits", "missed-list", "--site", "OUS", "--actor", "monitor")
    assert code == 0
    assert "too ill to attend" in stdout
    code, stdout, _ = run("visits", "missed-list", "--site", "OUS", "--actor", "inv_hus", "--json")
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["code"] == "permission_denied"
    first, _ = treat(cli_db, clock, study_id, START + timedelta(days=7))
    clock.set_day(first + timedelta(days=24))
    # Entered without --visit, the ECOG lands on week 4, whose window holds the day.
    recorded = ok_json("ecog", "record", study_id, "--status", "2", "--actor", "nurse_ous")
    assert recorded["visit_id"] == "week_4"
    clock.set_day(first + timedelta(days=56))
    ok_json(
        "ecog", "record", study_id, "--status", "1", "--visit", "week_8", "--actor", "nurse_ous"
    )
    history = ok_json("ecog", "list", study_id, "--actor", "monitor")
    assert [(e["assessed_on"], e["status"], e["visit_id"]) for e in history] == [
        ((first + timedelta(days=24)).isoformat(), 2, "week_4"),
        ((first + timedelta(days=56)).isoformat(), 1, "week_8"),
    ]
    code, stdout, _ = run("ecog", "list", study_id, "--actor", "monitor")
    assert code == 0
    assert "week_8" in stdout
    code, _, _ = run("ecog", "list", study_id, "--actor", "inv_hus")
    assert code == EXIT_ERROR


def test_a_data_manager_loads_licensed_questionnaire_texts_and_bad_files_are_named(
    cli_db: Database, tmp_path: Path
) -> None:
    from radtrial.store.records import Role

    with cli_db.unit_of_work("setup") as uow:
        uow.users.add(username="dm_ous", full_name="Dm", email="dm@example.org", password_hash=None)
        uow.users.grant(username="dm_ous", role=Role.DATA_MANAGER, site_code="OUS")
    texts = {
        "items": {str(n): f"Licensed test item {n}" for n in range(1, 16)},
        "choices": {
            "4": {"1": "Not at all", "4": "Very much"},
            "7": {"1": "Very poor", "7": "Excellent"},
        },
    }
    good = tmp_path / "c15.json"
    good.write_text(json.dumps(texts), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "items": {\n    "1": "x",\n  }\n}\n', encoding="utf-8")
    common = ("--site", "OUS", "--instrument", "qlq_c15_pal", "--language", "nb")

    code, _, stderr = run("pro", "load-texts", str(broken), *common, "--actor", "dm_ous")
    assert code == EXIT_ERROR
    assert "broken.json line 4" in " ".join(stderr.split())
    code, _, stderr = run("pro", "load-texts", str(good), *common, "--actor", "nurse_ous")
    assert code == EXIT_ERROR
    assert "permission_denied" in stderr
    assert audit_rows(cli_db, "instrument_texts") == []

    loaded = ok_json(
        "pro", "load-texts", str(good), *common, "--licence", "L-1", "--actor", "dm_ous"
    )
    assert loaded["items"] == 15
    assert loaded["language"] == "nb"
    assert ("dm_ous", "insert", "licence", "L-1") in audit_rows(cli_db, "instrument_texts")

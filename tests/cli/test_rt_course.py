"""``radtrial rt`` on a participant's course, end to end through Typer, on SQLite and PostgreSQL.

The issue's "done when": a PROSARC-2 participant's 16-fraction course and PALLSOFT courses are
planned, delivered with a missed fraction, compensated and reviewed from the CLI, with BED and
EQD2 to date and the deviations flagged. Participants are enrolled through the enrolment
services; the CLI's databases run on a clock the test sets to the day at the site.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from radtrial.cli import course as course_cli
from radtrial.cli import fractions, rt, site_closures
from radtrial.cli.output import EXIT_ERROR
from radtrial.config import get_settings
from radtrial.services.optional_fractions import decide_optional_fraction
from radtrial.store.database import Database
from tests.course_support import SiteClock, pallsoft_participant, prepare, prosarc2_participant

app = typer.Typer()
app.add_typer(rt.app, name="rt")
runner = CliRunner()

PROSARC2_DAYS = [date(2025, 2, day) for week in (3, 10, 17, 24) for day in range(week, week + 4)]


@pytest.fixture
def clock() -> SiteClock:
    return SiteClock()


@pytest.fixture
def cli_db(
    database_urls: tuple[str, str], clock: SiteClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    """Upgraded databases with both trials and the staff; the CLI opens them on ``clock``."""
    monkeypatch.setenv("RADTRIAL_DATABASE_URL", database_urls[0])
    monkeypatch.setenv("RADTRIAL_IDENTITY_DATABASE_URL", database_urls[1])
    get_settings.cache_clear()
    for module in (course_cli, fractions, site_closures):
        monkeypatch.setattr(module, "open_database", lambda: Database(*database_urls, clock=clock))
    db = Database(*database_urls, clock=clock)
    db.upgrade()
    try:
        yield prepare(db)
    finally:
        db.close()
        get_settings.cache_clear()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rt", *args])
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, stdout, stderr = invoke(*args)
    assert code == 0, stderr or stdout
    return stdout


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json"))


def deliver(clock: SiteClock, study_id: str, number: int, day: date, *doses: str) -> str:
    clock.at(day, 11)
    return ok(
        "deliver",
        study_id,
        "--fraction",
        str(number),
        *(part for dose in doses for part in ("--dose-gy", dose)),
        "--at",
        f"{day.isoformat()}T09:15",
        "--machine",
        "PT-G1",
        "--actor",
        "nurse_ous",
    )


def test_a_prosarc2_course_is_planned_delivered_with_a_miss_compensated_and_reviewed(
    cli_db: Database, clock: SiteClock
) -> None:
    study_id = prosarc2_participant(cli_db)
    out = ok("plan-course", study_id, "--start", "2025-02-03", "--actor", "nurse_ous")
    assert f"planned 16 fractions for {study_id} (arm A) at OUS: 2025-02-03 to 2025-02-27" in out
    assert "overall time 25 days" in out

    for number, day in enumerate(PROSARC2_DAYS[:5], start=1):
        out = deliver(clock, study_id, number, day, "target=3.5", "boost=5.0")
    assert "fraction 5 of" in out
    assert "target 3.5 (physical 3.182 Gy, constant RBE 1.1)" in out

    clock.at(date(2025, 2, 11), 15)
    out = ok(
        "miss", study_id, "--fraction", "6", "--reason", "gantry fault", "--actor", "nurse_ous"
    )
    assert "fraction 6 of" in out
    assert "missed on 2025-02-11 (gantry fault)" in out
    assert "fraction 8 moved 2025-02-13 → 2025-02-14 (Fri)" in out
    assert "minor fraction_missed" in out

    out = ok("course", study_id, "--actor", "inv_ous")
    assert "Gap compensation for 1 missed fraction(s) (2025-02-11)" in out
    assert "1 added_fractions" in out
    assert "within protocol" in out
    assert "boost: 5.33 Gy(RBE) per fraction exceeds the limit of 5 Gy(RBE)" in out
    assert "3 higher_dose_within_limits" in out
    assert "boost 5.000 Gy(RBE) (held at the 5 Gy(RBE) limit)" in out
    assert "tumour BED short of the plan by 11.25 Gy (EQD2 7.50 Gy)" in out  # one 5 Gy(RBE)

    out = ok(
        "compensate",
        study_id,
        "--option",
        "1",
        "--reason",
        "the free Friday keeps the 4-week overall time",
        "--actor",
        "inv_ous",
    )
    assert "accepted option 1 (added_fractions)" in out

    planned = [
        f["planned_date"] for f in as_json("course", study_id, "--actor", "inv_ous")["fractions"]
    ]
    for number in range(6, 16):
        deliver(
            clock,
            study_id,
            number,
            date.fromisoformat(planned[number - 1]),
            "target=3.5",
            "boost=5.0",
        )
    out = deliver(clock, study_id, 16, date(2025, 2, 27), "target=3.5", "boost=5.2")
    assert "major dose_per_fraction_limit" in out
    assert "5.2 Gy(RBE) to boost exceeds the limit of 5 Gy(RBE)" in out

    view = as_json("course", study_id, "--actor", "monitor")
    summary = view["summary"]
    assert (summary["delivered_fractions"], summary["fractions_remaining"]) == (16, 0)
    assert summary["overall_time_days"] == 25
    target = next(level for level in view["dose_to_date"] if level["dose_level"] == "target")
    sarcoma = next(t for t in target["tissues"] if t["tissue"] == "sarcoma")
    assert target["dose_gy"] == 56.0
    assert (sarcoma["alpha_beta_gy"], sarcoma["bed_gy"], sarcoma["eqd2_gy"]) == (4.0, 105.0, 70.0)
    assert target["physical_dose_gy"] == pytest.approx(56.0 / 1.1)
    deviations = {(d["code"], d["severity"], d["status"]) for d in view["deviations"]}
    assert deviations == {
        ("fraction_missed", "minor", "open"),
        ("dose_per_fraction_limit", "major", "open"),
    }
    assert view["gap_compensation"] is None
    assert {d["protocol_hash"] for d in view["deviations"]} == {view["protocol_hash"]}

    major = next(d for d in view["deviations"] if d["severity"] == "major")
    out = ok(
        "acknowledge",
        study_id,
        str(major["id"]),
        "--reason",
        "reported to the sponsor",
        "--actor",
        "inv_ous",
    )
    assert "acknowledged by inv_ous" in out

    out = ok("course", study_id, "--actor", "inv_ous")
    assert "16 of 16 delivered, 0 remaining, 0 cancelled, 1 missed" in out
    assert "overall time 25 days (projected 25, limit 28)" in out
    assert "105.00" in out
    assert "70.00" in out
    assert "acknowledged by inv_ous" in out
    assert (
        "missed fraction 6 on 2025-02-11 → 2025-02-14: gantry fault; compensation: added_fractions"
        in out
    )


def test_pallsoft_arm_b_with_a_miss_and_arm_a_with_a_second_8_gy_from_the_cli(
    cli_db: Database, clock: SiteClock
) -> None:
    arm_b = pallsoft_participant(cli_db, "B")
    # Registered now (6 January), before any course starts.
    undecided = pallsoft_participant(cli_db, "A")
    decided = pallsoft_participant(cli_db, "A")
    ok("plan-course", arm_b, "--start", "2025-01-13", "--actor", "nurse_ous")
    deliver(clock, arm_b, 1, date(2025, 1, 13), "5")
    clock.at(date(2025, 1, 14), 16)
    out = ok("miss", arm_b, "--fraction", "2", "--reason", "no transport", "--actor", "nurse_ous")
    assert "fraction 5 moved 2025-01-17 → 2025-01-20 (Mon)" in out
    ok("compensate", arm_b, "--option", "1", "--reason", "added Monday", "--actor", "inv_ous")
    for number, day in ((2, 15), (3, 16), (4, 17), (5, 20)):
        deliver(clock, arm_b, number, date(2025, 1, day), "ptv=5")
    view = as_json("course", arm_b, "--actor", "inv_ous")
    assert view["summary"]["overall_time_days"] == 8
    (ptv,) = view["dose_to_date"]
    late = next(t for t in ptv["tissues"] if t["alpha_beta_gy"] == 3.0)
    assert (ptv["dose_gy"], late["eqd2_gy"]) == (25.0, 40.0)
    assert [(d["code"], d["severity"]) for d in view["deviations"]] == [
        ("fraction_missed", "minor")
    ]

    for study_id in (undecided, decided):
        ok("plan-course", study_id, "--start", "2025-01-13", "--actor", "nurse_ous")
        deliver(clock, study_id, 1, date(2025, 1, 13), "8")
    clock.at(date(2025, 2, 3), 13)
    decide_optional_fraction(
        cli_db, actor="inv_ous", study_id=decided, criterion_met=True, give=True
    )
    out = deliver(clock, undecided, 2, date(2025, 2, 10), "8")
    assert "major optional_fraction_without_decision" in out
    out = deliver(clock, decided, 2, date(2025, 2, 10), "8")
    assert "deviation" not in out
    view = as_json("course", decided, "--actor", "inv_ous")
    assert view["summary"]["prescribed_fractions"] == 2
    assert view["deviations"] == []
    (ptv,) = view["dose_to_date"]
    carcinoma = next(t for t in ptv["tissues"] if t["tissue"] == "carcinoma")
    assert (ptv["dose_gy"], carcinoma["eqd2_gy"]) == (16.0, 24.0)


def test_site_closures_from_the_cli_and_errors_located_at_the_option(
    cli_db: Database, clock: SiteClock
) -> None:
    study_id = prosarc2_participant(cli_db)
    ok("plan-course", study_id, "--start", "2025-02-03", "--actor", "nurse_ous")
    out = ok(
        "site-closure",
        "add",
        "OUS",
        "2025-02-05",
        "--reason",
        "cyclotron service",
        "--actor",
        "phys_ous",
    )
    assert "site OUS closed on 2025-02-05: cyclotron service" in out
    assert f"{study_id}: fraction 3 moved 2025-02-05 → 2025-02-06 (Thu)" in out
    closures = as_json("site-closure", "list", "OUS", "--actor", "monitor")
    assert [(c["day"], c["reason"]) for c in closures] == [("2025-02-05", "cyclotron service")]

    clock.at(date(2025, 2, 3), 12)
    code, _, stderr = invoke(
        "deliver",
        study_id,
        "--fraction",
        "1",
        "--dose-gy",
        "ctv=3.5",
        "--machine",
        "PT-G1",
        "--actor",
        "nurse_ous",
    )
    assert code == EXIT_ERROR
    assert "doses: no dose level 'ctv' in arm A; levels: target, boost" in stderr
    code, stdout, _ = invoke(
        "miss", study_id, "--fraction", "2", "--reason", "fever", "--actor", "nurse_ous", "--json"
    )
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert (error["code"], error["location"]) == ("invalid_input", "fraction")


def test_plan_course_warns_when_the_planned_overall_time_exceeds_the_limit(
    cli_db: Database,
) -> None:
    """PROSARC-2 from 7 December 2026 runs over Christmas: 30 days against 28."""
    first = prosarc2_participant(cli_db)
    out = ok("plan-course", first, "--start", "2026-12-07", "--actor", "nurse_ous")
    assert "2026-12-07 to 2027-01-05, overall time 30 days" in out
    assert "warning the planned overall time, 30 days, exceeds the protocol's 28 days by 2" in out
    assert "no treatment 2026-12-24: annual closure day" in out
    second = prosarc2_participant(cli_db)
    planned = as_json("plan-course", second, "--start", "2026-12-07", "--actor", "nurse_ous")
    assert (planned["overall_time_days"], planned["max_overall_time_days"]) == (30, 28)
    (warning,) = planned["warnings"]
    assert "a minor deviation" in warning
    fits = as_json(
        "plan-course", prosarc2_participant(cli_db), "--start", "2027-01-04", "--actor",
        "nurse_ous",
    )  # fmt: skip
    assert fits["warnings"] == []
    code, stdout, _ = invoke(
        "plan-course", prosarc2_participant(cli_db), "--start", "2025-01-03", "--actor",
        "nurse_ous", "--json",
    )  # fmt: skip
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert error["location"] == "start"
    assert "before PRS2-OUS-0004 was registered on 2025-01-06" in error["message"]


def test_deliver_at_reads_site_time_and_refuses_a_time_daylight_saving_skips_or_repeats(
    cli_db: Database, clock: SiteClock
) -> None:
    study_id = prosarc2_participant(cli_db)
    ok("plan-course", study_id, "--start", "2026-10-19", "--actor", "nurse_ous")
    clock.at(date(2026, 11, 2), 12)
    give = ("deliver", study_id, "--fraction", "1", "--dose-gy", "target=3.5", "--dose-gy",
            "boost=5.0", "--machine", "PT-G1", "--actor", "nurse_ous")  # fmt: skip
    for at, message in (
        ("2026-03-29T02:30", "2026-03-29T02:30 does not exist in Europe/Oslo"),
        ("2026-10-25T02:30", "2026-10-25T02:30 happens twice in Europe/Oslo"),
    ):
        code, stdout, _ = invoke(*give, "--at", at, "--json")
        assert code == EXIT_ERROR
        error = json.loads(stdout)["error"]
        assert (error["code"], error["location"]) == ("invalid_input", "delivered_at")
        assert message in error["message"]
    code, _, stderr = invoke(*give, "--at", "2026-10-16T09:00")
    assert code == EXIT_ERROR
    assert "before PRS2-OUS-0001's course began" in stderr
    # With the offset the repeated hour is unambiguous: 02:30 CET is 01:30 UTC.
    result = as_json(*give, "--at", "2026-10-25T02:30+01:00")
    assert result["fraction"]["delivered_at"].startswith("2026-10-25T01:30:00")
    out = ok(
        "deliver", study_id, "--fraction", "2", "--dose-gy", "target=3.5", "--dose-gy",
        "boost=5.0", "--at", "2026-10-27T09:15", "--actor", "nurse_ous",
    )  # fmt: skip
    assert "delivered 2026-10-27 09:15 at OUS" in out  # shown in the course's time zone

"""The enrolment commands end to end through ``radtrial`` itself, on SQLite and PostgreSQL.

Both trials are screened, consented and registered and PALLSOFT participants randomised from
the command line, with every step in the audit trail, which then verifies.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from radtrial.cli import course as course_cli
from radtrial.cli import enrolment as enrolment_cli
from radtrial.cli.app import app
from radtrial.cli.output import EXIT_CHECK_FAILED, EXIT_ERROR
from radtrial.config import get_settings
from radtrial.services.course import deliver_fraction, plan_participant_course
from radtrial.store.audit import history
from radtrial.store.database import Database
from tests.course_support import SiteClock, pallsoft_participant, prepare
from tests.enrolment import PALLSOFT_PATIENT, PROSARC2_PATIENT
from tests.support import TickingClock

runner = CliRunner()


@pytest.fixture
def cli_database(
    database_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
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


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def run_at(
    monkeypatch: pytest.MonkeyPatch, urls: tuple[str, str], clock: SiteClock, *args: str
) -> tuple[int, str, str]:
    """``run`` with the enrolment commands' databases on ``clock``."""
    with monkeypatch.context() as patch:
        patch.setattr(enrolment_cli, "open_database", lambda: Database(*urls, clock=clock))
        return run(*args)


def ok(*args: str) -> str:
    code, stdout, stderr = run(*args)
    assert code == 0, f"radtrial {' '.join(args)} failed: {stderr or stdout}"
    return stdout


def _setup() -> None:
    ok("db", "upgrade")
    ok("protocol", "load", "pallsoft", "--actor", "admin")
    ok("protocol", "load", "prosarc2", "--actor", "admin")
    for username, roles, trial in [
        ("kskipar", ["investigator@OUS"], "pallsoft"),
        ("nurse", ["research_nurse@OUS"], "pallsoft"),
        ("stat", ["unblinded_statistician"], "pallsoft"),
        ("ihompland", ["investigator@OUS"], "prosarc2"),
    ]:
        role_args = [arg for role in roles for arg in ("--role", role)]
        ok(
            "users", "add", username, "--name", username.title(), "--email",
            f"{username}@example.org", *role_args, "--trial", trial, "--actor", "admin",
        )  # fmt: skip


def _sets(patient: dict[str, object]) -> list[str]:
    out = []
    for name, value in patient.items():
        shown = (
            "" if value is None else ("yes" if value is True else "no" if value is False else value)
        )
        out += ["--set", f"{name}={shown}"]
    return out


def test_pallsoft_is_screened_consented_registered_and_randomised_from_the_cli(
    cli_database: Database,
    tmp_path: Path,
    database_urls: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _setup()
    data = tmp_path / "patient.json"
    data.write_text(json.dumps(PALLSOFT_PATIENT), encoding="utf-8")
    screened = json.loads(
        ok("screen", "pallsoft", "--site", "OUS", "--data", str(data), "--actor", "nurse", "--json")
    )
    assert (screened["screening_id"], screened["status"]) == ("OUS-S0001", "awaiting_confirmation")
    table = ok(
        "screen", "pallsoft", "--screening", "OUS-S0001", "--confirm", "I1,I3,I5",
        "--confirm", "I9", "--confirm", "E4", "--actor", "kskipar",
    )  # fmt: skip
    assert "OUS-S0001 screened again in pallsoft at OUS: eligible" in table
    assert "met (confirmed)" in table
    ok(
        "consent", "pallsoft", "OUS-S0001", "--document-version", "1.0", "--date",
        "2025-01-06", "--actor", "nurse",
    )  # fmt: skip
    registered = ok("register", "pallsoft", "OUS-S0001", "--date", "2025-01-06", "--actor", "nurse")
    assert "registered PALL-OUS-0001 from OUS-S0001" in registered
    code, _, stderr = run("randomise", "PALL-OUS-0001", "--actor", "nurse")
    assert code == EXIT_ERROR
    assert "randomisation_error" in stderr
    generated = ok("randomisation", "generate", "pallsoft", "--actor", "stat")
    assert "11 strata" in generated
    result = json.loads(ok("randomise", "PALL-OUS-0001", "--actor", "nurse", "--json"))
    arm = result["allocation"]["arm_code"]
    assert result["participant"]["arm_code"] == arm
    code, _, stderr = run("randomise", "PALL-OUS-0001", "--actor", "kskipar")
    assert code == EXIT_ERROR
    assert "already_randomised" in stderr
    verified = json.loads(ok("randomisation", "verify", "pallsoft", "--actor", "nurse", "--json"))
    assert verified["ok"]
    assert verified["used"] == 1
    code, _, stderr = run("randomisation", "export", "pallsoft", "--actor", "kskipar")
    assert code == EXIT_ERROR
    assert "permission_denied" in stderr
    exported = tmp_path / "list.csv"
    ok("randomisation", "export", "pallsoft", "-o", str(exported), "--actor", "stat")
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    first_ous = next(r for r in rows if r["stratum"] == "site=OUS" and r["sequence"] == "1")
    assert (first_ous["arm"], first_ous["study_id"]) == (arm, "PALL-OUS-0001")
    code, _, _ = run("randomisation", "export", "pallsoft", "-o", str(exported), "--actor", "stat")
    assert code == EXIT_ERROR  # never overwritten
    if arm == "A":
        # The decision evaluates the first fraction: give it on Monday 13 January 2025 and
        # decide four weeks later, with the CLI's database on a clock set to that day.
        clock = SiteClock()
        handle = Database(*database_urls, clock=clock)
        try:
            early = run_at(
                monkeypatch, database_urls, clock, "decide-second-fraction", "PALL-OUS-0001",
                "--criterion-met", "--give", "--actor", "kskipar",
            )  # fmt: skip
            assert early[0] == EXIT_ERROR
            assert "none has been delivered yet" in early[2]
            plan_participant_course(
                handle, actor="kskipar", study_id="PALL-OUS-0001", start=date(2025, 1, 13)
            )
            clock.at(date(2025, 1, 13), 10)
            deliver_fraction(
                handle,
                actor="kskipar",
                study_id="PALL-OUS-0001",
                fraction=1,
                doses={"ptv": 8.0},
                machine="LA3",
            )
            clock.at(date(2025, 2, 10), 13)
            code, decided, stderr = run_at(
                monkeypatch, database_urls, clock, "decide-second-fraction", "PALL-OUS-0001",
                "--criterion-met", "--give", "--note", "bleeding persists", "--actor", "kskipar",
            )  # fmt: skip
        finally:
            handle.close()
        assert code == 0, stderr
        assert "16 Gy in 2 × 8 Gy" in decided
        assert "day 28 after the first fraction" in decided
        assert (
            "fraction 2 planned on 2025-02-10 Mon (inside the protocol's window 2025-02-03 to "
            "2025-02-24)" in decided
        )
    else:
        code, _, stderr = run(
            "decide-optional-fraction", "PALL-OUS-0001", "--criterion-met", "--give",
            "--actor", "kskipar",
        )  # fmt: skip
        assert code == EXIT_ERROR
        assert "offers no optional fraction" in stderr
    withdrawn = ok(
        "withdraw", "PALL-OUS-0001", "--kind", "follow-up", "--date", "2025-01-06",
        "--actor", "kskipar",
    )  # fmt: skip
    assert "survival_status" in withdrawn
    status = json.loads(ok("may-collect", "PALL-OUS-0001", "--actor", "nurse", "--json"))
    assert status["may_collect"]["treatment"]["allowed"] is False
    assert status["may_collect"]["survival_status"]["allowed"] is True

    ok(
        "screen",
        "pallsoft",
        "--site",
        "OUS",
        *_sets({**PALLSOFT_PATIENT, "age_years": 17}),
        "--actor",
        "nurse",
    )
    ok("screen", "pallsoft", "--site", "OUS", *_sets(PALLSOFT_PATIENT), "--actor", "nurse")
    ok("not-included", "pallsoft", "OUS-S0003", "--reason", "declined", "--actor", "nurse")
    log = json.loads(ok("screening-log", "pallsoft", "--json", "--actor", "kskipar"))
    assert [s["outcome"] for s in log["screenings"]] == ["registered", "ineligible", "declined"]
    assert log["screenings"][1]["criteria_not_met"] == ["I7"]
    assert log["consort"]["assessed_for_eligibility"] == 3
    assert log["consort"]["excluded"]["by_criterion"] == {"I7": 1}
    assert log["consort"]["allocated"] == {arm: 1}
    text = ok("screening-log", "pallsoft", "--site", "OUS", "--actor", "kskipar")
    assert "Assessed for eligibility 3; excluded 2" in text

    audit = ok("audit", "verify")
    assert "research audit trail verified" in audit
    entities = {row.entity for row in history(cli_database.engine("research"))}
    assert {
        "screenings",
        "eligibility_evaluations",
        "consents",
        "registrations",
        "allocation_lists",
        "allocations",
        "withdrawals",
        "screening_closures",
        "allocation_list_exports",
    } <= entities


def test_prosarc2_is_screened_consented_and_registered_with_its_biobank_consent(
    cli_database: Database,
) -> None:
    _setup()
    screened = ok(
        "screen", "prosarc2", "--site", "OUS", *_sets(PROSARC2_PATIENT), "--confirm", "I7",
        "--confirm", "E1", "--confirm", "E4", "--actor", "ihompland",
    )  # fmt: skip
    assert "OUS-S0001 screened in prosarc2 at OUS: eligible" in screened
    code, _, stderr = run(
        "consent", "prosarc2", "OUS-S0001", "--document-version", "1.0", "--date", "2025-01-06",
        "--actor", "ihompland",
    )  # fmt: skip
    assert code == EXIT_ERROR
    assert "biobank" in stderr
    consent = ok(
        "consent", "prosarc2", "OUS-S0001", "--document-version", "1.0", "--date", "2025-01-06",
        "--optional", "biobank=yes", "--actor", "ihompland",
    )  # fmt: skip
    assert "optional: biobank yes" in consent
    registered = ok("register", "prosarc2", "OUS-S0001", "--actor", "ihompland")
    assert "registered PRS2-OUS-0001 from OUS-S0001 in prosarc2 at OUS, arm A" in registered
    code, _, stderr = run("randomise", "PRS2-OUS-0001", "--actor", "ihompland")
    assert code == EXIT_ERROR
    assert "single-arm trial: randomisation does not apply" in stderr
    assert "PRS2-OUS-0001 is on arm A" in stderr
    assert "allocation list" not in stderr
    code, _, stderr = run(
        "screen", "prosarc2", "--site", "HUS", *_sets(PROSARC2_PATIENT), "--actor", "ihompland"
    )
    assert code == EXIT_ERROR
    assert "permission_denied" in stderr
    assert "research audit trail verified" in ok("audit", "verify")


def test_bad_input_is_refused_with_a_located_message(cli_database: Database) -> None:
    _setup()
    code, _, stderr = run(
        "screen", "pallsoft", "--site", "OUS", "--set", "ecog", "--actor", "nurse"
    )
    assert code == EXIT_ERROR
    assert "--set" in stderr
    code, stdout, _ = run(
        "screen", "pallsoft", "--site", "OUS", "--set", "ecog=two", "--actor", "nurse", "--json"
    )
    assert code == EXIT_ERROR
    assert json.loads(stdout)["error"]["location"] == "data.ecog"
    code, _, stderr = run(
        "withdraw", "PALL-OUS-0001", "--kind", "everything", "--date", "2025-01-06"
    )
    assert code == EXIT_ERROR
    assert "not a withdrawal kind" in stderr


def test_verify_exits_3_when_a_used_slot_disagrees_with_the_list(
    cli_database: Database, tmp_path: Path
) -> None:
    _setup()
    data = tmp_path / "patient.json"
    data.write_text(json.dumps(PALLSOFT_PATIENT), encoding="utf-8")
    ok(
        "screen", "pallsoft", "--site", "OUS", "--data", str(data), "--confirm",
        "I1,I3,I5,I9,E4", "--actor", "kskipar",
    )  # fmt: skip
    ok(
        "consent",
        "pallsoft",
        "OUS-S0001",
        "--document-version",
        "1.0",
        "--date",
        "2025-01-06",
        "--actor",
        "kskipar",
    )
    ok("register", "pallsoft", "OUS-S0001", "--actor", "kskipar")
    ok("randomisation", "generate", "pallsoft", "--actor", "stat")
    ok("randomise", "PALL-OUS-0001", "--actor", "kskipar")
    from sqlalchemy import text

    with cli_database.engine("research").begin() as connection:
        connection.execute(
            text("UPDATE allocations SET arm_code = CASE arm_code WHEN 'A' THEN 'B' ELSE 'A' END")
        )
    code, _, stderr = run("randomisation", "verify", "pallsoft", "--actor", "stat")
    assert code == EXIT_CHECK_FAILED
    assert "arm" in stderr


def test_the_second_8_gy_is_decided_in_its_window_and_shown_in_the_course_ledger(
    database_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PALLSOFT arm A from the CLI: too early on day 19, then on day 28 the decision plans
    fraction 2 on the first open day of the window, and ``rt course`` lists it."""
    clock = SiteClock()
    db = Database(*database_urls, clock=clock)
    try:
        db.upgrade()
        prepare(db)
        study_id = pallsoft_participant(db, "A")
        plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=date(2025, 1, 13))
        clock.at(date(2025, 1, 13), 10)
        deliver_fraction(
            db, actor="nurse_ous", study_id=study_id, fraction=1, doses={"ptv": 8.0}, machine="LA3"
        )
    finally:
        db.close()
    monkeypatch.setattr(course_cli, "open_database", lambda: Database(*database_urls, clock=clock))
    decide = ("decide-second-fraction", study_id, "--criterion-met", "--give", "--actor", "inv_ous")
    clock.at(date(2025, 2, 1), 12)  # Saturday, day 19
    code, stdout, stderr = run_at(monkeypatch, database_urls, clock, *decide, "--json")
    assert code == EXIT_ERROR
    error = json.loads(stdout)["error"]
    assert error["location"] == "decided_at"
    assert error["message"].startswith("too early to decide on second_8gy: 2025-02-01 is day 19")
    clock.at(date(2025, 2, 10), 12)  # Monday, day 28
    code, stdout, stderr = run_at(monkeypatch, database_urls, clock, *decide, "--json")
    assert code == 0, stderr
    decided = json.loads(stdout)
    assert decided["day_after_first_fraction"] == 28
    assert decided["planned_fractions"] == [{"number": 2, "planned_date": "2025-02-10"}]
    assert decided["window"] == {"from": "2025-02-03", "to": "2025-02-24"}
    view = json.loads(ok("rt", "course", study_id, "--actor", "inv_ous", "--json"))
    assert [(f["number"], f["status"], f["planned_date"]) for f in view["fractions"]] == [
        (1, "delivered", "2025-01-13"),
        (2, "planned", "2025-02-10"),
    ]
    summary = view["summary"]
    assert (summary["prescribed_fractions"], summary["fractions_remaining"]) == (2, 1)
    text = ok("rt", "course", study_id, "--actor", "inv_ous")
    assert "1 of 2 delivered, 1 remaining" in text
    assert "2025-02-10 Mon" in text

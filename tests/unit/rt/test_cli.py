"""``radtrial rt compare`` and ``radtrial rt calendar`` print tables or JSON, and name bad input."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from radtrial.cli import rt

app = typer.Typer()
app.add_typer(rt.app, name="rt")
runner = CliRunner()

SCHEDULES = ["--schedule", "56/16", "--schedule", "80/16", "--schedule", "8x1", "--schedule", "5x5"]


def test_compare_prints_bed_and_eqd2_per_schedule_and_alpha_beta() -> None:
    result = runner.invoke(
        app, ["rt", "compare", *SCHEDULES, "--alpha-beta", "3,4,10"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "72.80" in lines["56 Gy / 16 fx"]
    assert "70.00" in lines["56 Gy / 16 fx"]
    assert "120.00" in lines["80 Gy / 16 fx"]
    assert "31.25" in lines["5 Gy × 5"]
    assert "EQD2 α/β=10" in result.output


def test_compare_as_json_gives_one_record_per_schedule_and_alpha_beta() -> None:
    result = runner.invoke(app, ["rt", "compare", *SCHEDULES, "--alpha-beta", "3,4,10", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 12
    by_key = {(r["schedule"], r["alpha_beta_gy"]): r for r in rows}
    assert by_key["56 Gy / 16 fx", 4.0]["eqd2_gy"] == 70.0
    assert by_key["5 Gy × 5", 3.0]["eqd2_gy"] == 40.0
    assert by_key["80 Gy / 16 fx", 10.0]["bed_gy"] == 120.0
    assert by_key["8 Gy × 1", 3.0]["fractions"] == 1


def test_compare_names_the_schedule_it_cannot_read() -> None:
    result = runner.invoke(app, ["rt", "compare", "--schedule", "56/16", "--schedule", "56-16"])
    assert result.exit_code == 2
    assert "--schedule" in result.output
    assert "'56-16'" in result.output


def test_compare_names_a_bad_alpha_beta_in_json() -> None:
    result = runner.invoke(
        app, ["rt", "compare", "--schedule", "5x5", "--alpha-beta", "3,zero", "--json"]
    )
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert (error["code"], error["location"]) == ("invalid_input", "--alpha-beta")
    assert "'zero'" in error["message"]


def test_calendar_lists_the_prosarc2_dates_around_17_may_2027() -> None:
    result = runner.invoke(
        app, ["rt", "calendar", "--trial", "prosarc2", "--start", "2027-05-10", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["trial"], data["arm"], data["overall_time_days"]) == ("prosarc2", "A", 25)
    dates = [f["date"] for f in data["fractions"]]
    assert len(dates) == 16
    assert "2027-05-17" not in dates
    assert "2027-05-21" in dates
    assert data["fractions"][4] == {"number": 5, "date": "2027-05-18", "weekday": "Tuesday"}
    assert data["closed_days"][0]["date"] == "2027-05-17"


def test_calendar_takes_site_closures_and_warns_of_a_long_overall_time() -> None:
    result = runner.invoke(
        app,
        [
            "rt",
            "calendar",
            "--trial",
            "pallsoft",
            "--arm",
            "B",
            "--start",
            "2027-03-24",
            "--site-closed",
            "2027-03-31",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "2027-04-05" in result.output
    assert "2027-03-31: site closed" in result.output
    assert "Maundy Thursday" in result.output
    assert "exceeds the protocol's 10 days" in result.output


def test_calendar_asks_for_an_arm_when_the_trial_has_two() -> None:
    result = runner.invoke(app, ["rt", "calendar", "--trial", "pallsoft", "--start", "2027-06-07"])
    assert result.exit_code == 2
    assert "--arm" in result.output


def test_calendar_names_a_bad_start_date() -> None:
    result = runner.invoke(
        app, ["rt", "calendar", "--trial", "prosarc2", "--start", "10.05.2027", "--json"]
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["location"] == "--start"

"""``radtrial simulate pallsoft``: seeded runs whose seed is printed and recorded."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from radtrial.cli import simulate

app = typer.Typer()
app.add_typer(simulate.app, name="simulate")
runner = CliRunner()

BASE = [
    "simulate",
    "pallsoft",
    "--n-per-arm",
    "100",
    "--p-control",
    "0.6",
    "--p-experimental",
    "0.6",
    "--margin",
    "0.15",
    "--trials",
    "20000",
]


def test_a_seeded_run_records_its_seed_and_repeats_exactly() -> None:
    first = runner.invoke(app, [*BASE, "--seed", "11", "--json"])
    second = runner.invoke(app, [*BASE, "--seed", "11", "--json"])
    assert first.exit_code == 0, first.stdout
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a == b
    assert a["result"]["seed"] == 11
    assert a["assumptions"]["values"]["seed"] == {"value": 11, "source": "command line"}
    assert a["result"]["quantity"] == "power"


def test_an_unseeded_run_draws_a_seed_and_reports_it() -> None:
    result = runner.invoke(app, [*BASE, "--json"])
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert isinstance(data["result"]["seed"], int)
    assert data["assumptions"]["values"]["seed"]["source"] == "drawn from the operating system"


def test_the_human_output_names_the_quantity_and_its_monte_carlo_error() -> None:
    result = runner.invoke(app, [*BASE, "--seed", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout
    assert "20,000 trials, FM test, ITT population, seed 3" in result.stdout
    assert "Monte Carlo SE" in result.stdout


def test_protocol_values_fill_what_is_not_given() -> None:
    result = runner.invoke(
        app,
        [
            "simulate",
            "pallsoft",
            "--protocol",
            "pallsoft",
            "--trials",
            "5000",
            "--seed",
            "1",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["result"]["n_per_arm"] == 100
    assert data["result"]["population"] == "pp"
    assert data["result"]["margin"] == 0.2


def test_a_bad_population_is_a_clean_error() -> None:
    result = runner.invoke(app, [*BASE, "--population", "mitt", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["location"] == "population"

"""``radtrial simulate prosarc2``: protocol defaults, the options reach the core, progress shown."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from radtrial.cli import simulate
from radtrial.stats import PiecewiseHazard, simulate_prosarc2

app = typer.Typer()
app.add_typer(simulate.app, name="simulate")
runner = CliRunner()

PROTOCOL = ["simulate", "prosarc2", "--protocol", "prosarc2"]
EXPLICIT = [
    "simulate",
    "prosarc2",
    "--n",
    "30",
    "--s0",
    "0.5",
    "--s1",
    "0.7",
    "--alpha",
    "0.1",
    "--landmark-months",
    "18",
    "--accrual-months",
    "24",
    "--follow-up-months",
    "12",
    "--hazard-cuts",
    "6,12",
    "--hazard-rates",
    "3,1,0.2",
    "--death-hazard",
    "0.01",
    "--dropout",
    "0.05",
    "--endpoint",
    "local-progression",
    "--test",
    "one-sample-logrank",
    "--trials",
    "3000",
    "--seed",
    "12",
]


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.stdout
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_protocol_values_fill_what_is_not_given_and_say_where_they_came_from() -> None:
    data = _json([*PROTOCOL, "--trials", "2000", "--seed", "5"])
    result, values = data["result"], data["assumptions"]["values"]
    assert (result["n"], result["s0"], result["s1"], result["alpha"]) == (40, 0.55, 0.75, 0.05)
    assert (result["accrual_months"], result["follow_up_months"]) == (36.0, 24.0)
    assert result["landmark_months"] == 24.0
    assert result["dropout"] == 0.1
    assert result["endpoint"] == "lpfs"
    assert result["hazard_cuts_months"] == []
    assert values["n"]["source"].endswith("planned_sample_size")
    assert "(assumption)" in values["s0"]["source"]
    assert "local_progression_free_survival" in values["endpoint"]["source"]
    assert values["seed"] == {"value": 5, "source": "command line"}
    assert data["assumptions"]["protocol_planned_sample_size"] == 40


def test_every_option_reaches_the_simulation() -> None:
    data = _json(EXPLICIT)
    direct = simulate_prosarc2(
        rng=np.random.default_rng(12),
        n=30,
        s0=0.5,
        s1=0.7,
        alpha=0.1,
        landmark_months=18.0,
        accrual_months=24.0,
        follow_up_months=12.0,
        hazard=PiecewiseHazard((6.0, 12.0), (3.0, 1.0, 0.2)),
        death_hazard=0.01,
        dropout=0.05,
        endpoint="local-progression",
        test="one-sample-logrank",
        n_trials=3000,
    )
    assert data["result"] == json.loads(json.dumps(direct.to_dict()))
    assert data["result"]["hazard_relative_rates"] == [3.0, 1.0, 0.2]
    assert data["result"]["seed_entropy"] == 12


def test_a_seeded_run_repeats_exactly_and_an_unseeded_one_reports_its_seed() -> None:
    assert _json(EXPLICIT) == _json(EXPLICIT)
    drawn = _json([*PROTOCOL, "--trials", "500"])
    assert isinstance(drawn["result"]["seed_entropy"], int)
    assert drawn["assumptions"]["values"]["seed"] == {
        "value": drawn["result"]["seed_entropy"],
        "source": "drawn from the operating system",
    }


def test_the_human_run_shows_a_progress_bar_and_prints_the_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A terminal console for the bar (the test runner's stderr is not a terminal, where Rich
    # would draw nothing): the bar must reach the full count, chunk by chunk.
    stream = io.StringIO()
    monkeypatch.setattr(
        simulate, "err_console", Console(file=stream, force_terminal=True, width=120)
    )
    args = [*PROTOCOL, "--trials", "25000", "--seed", "3"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stdout
    drawn = stream.getvalue()
    assert "simulating" in drawn
    assert "25,000/25,000 trials" in drawn
    expected = _json(args)["result"]
    out = result.stdout
    assert "PROSARC-2 simulation: 25,000 trials of 40 patients, landmark-loglog test, seed 3" in out
    assert "H0 S(24 months) <= 0.55 against 0.75, one-sided alpha 0.05" in out
    assert f"{expected['power']:.4f}" in out
    assert f"{expected['type_i_error']:.4f}" in out
    assert f"{expected['power_mc_se']:.4f}" in out
    assert "marks these values as assumptions" in out


def test_json_output_draws_no_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(
        simulate, "err_console", Console(file=stream, force_terminal=True, width=120)
    )
    _json([*PROTOCOL, "--trials", "1000", "--seed", "3"])
    assert stream.getvalue() == ""


@pytest.mark.parametrize(
    ("extra", "location"),
    [
        (["--hazard-cuts", "6,x", "--hazard-rates", "1,1"], "--hazard-cuts"),
        (["--hazard-cuts", "6,12", "--hazard-rates", "1,1"], "relative_rates"),
        (["--hazard-rates", "1,-1"], "relative_rates"),
        (["--endpoint", "os"], "--endpoint"),
        (["--test", "wilcoxon"], "test"),
        (["--death-hazard", "0.05"], "death_hazard"),
    ],
)
def test_bad_options_are_clean_errors_naming_the_option(extra: list[str], location: str) -> None:
    result = runner.invoke(app, [*PROTOCOL, "--trials", "100", "--seed", "1", *extra, "--json"])
    assert result.exit_code == 2, result.stdout
    assert json.loads(result.stdout)["error"]["location"] == location


def test_without_a_protocol_the_design_values_must_be_given() -> None:
    result = runner.invoke(app, ["simulate", "prosarc2", "--trials", "100", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["location"] == "--n"

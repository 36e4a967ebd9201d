"""``radtrial design``: sample sizes printed with the assumptions and where they came from."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from radtrial.cli import design

app = typer.Typer()
app.add_typer(design.app, name="design")
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout


def test_the_pallsoft_design_prints_sizes_exact_power_and_assumptions() -> None:
    code, out = invoke(
        "design",
        "pallsoft",
        "--p-control",
        "0.6",
        "--p-experimental",
        "0.6",
        "--margin",
        "0.15",
        "--alpha",
        "0.025",
        "--power",
        "0.8",
    )
    assert code == 0, out
    assert "166 (165.13)" in out
    assert "332 (330.258)" in out
    assert "exact FM power at 166/166 evaluable: 0.8007" in out
    assert "command line" in out
    assert "p_exp - p_ctl" in out


def test_the_pallsoft_design_as_json_names_every_source() -> None:
    code, out = invoke(
        "design",
        "pallsoft",
        "--p-control",
        "0.6",
        "--p-experimental",
        "0.6",
        "--margin",
        "0.15",
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["design"]["n_control"] == 166
    assert data["design"]["exact_power"] == pytest.approx(0.8007, abs=1e-4)
    assert data["smallest_n_with_exact_power"]["n_control"] == 163
    assert data["assumptions"]["values"]["alpha"] == {"value": 0.025, "source": "default"}
    assert data["assumptions"]["values"]["margin"]["source"] == "command line"


def test_protocol_defaults_are_labelled_as_protocol_assumptions() -> None:
    code, out = invoke("design", "pallsoft", "--protocol", "pallsoft", "--margin", "0.15", "--json")
    assert code == 0, out
    values = json.loads(out)["assumptions"]["values"]
    assert values["margin"] == {"value": 0.15, "source": "command line"}
    assert values["p_control"]["value"] == 0.6
    assert values["p_control"]["source"].endswith("(assumption)")
    assert values["dropout"]["value"] == 0.08
    assert json.loads(out)["assumptions"]["protocol_planned_sample_size"] == 200


def test_the_human_output_shows_the_protocol_plan_and_its_reason() -> None:
    code, out = invoke("design", "pallsoft", "--protocol", "pallsoft")
    assert code == 0, out
    assert "plans 200 patients; the computation above gives 200 to enrol" in out
    assert "marks these values as assumptions" in out


def test_a_missing_rate_without_a_protocol_is_a_clean_error() -> None:
    result = runner.invoke(app, ["design", "pallsoft", "--margin", "0.1", "--json"])
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_input"
    assert error["location"] == "--p-control"


def test_a_protocol_with_another_primary_method_is_refused() -> None:
    result = runner.invoke(app, ["design", "pallsoft", "--protocol", "prosarc2", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["location"] == "--protocol"


def test_the_prosarc2_landmark_design_prints_every_transformation() -> None:
    code, out = invoke(
        "design",
        "prosarc2",
        "--s0",
        ".55",
        "--s1",
        ".75",
        "--alpha",
        ".05",
        "--power",
        ".8",
        "--accrual-months",
        "36",
        "--follow-up-months",
        "24",
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["design"]["n_evaluable"] == 35
    assert data["by_transform"]["loglog"] == 33
    assert data["exact_binomial_if_no_censoring_before_landmark"]["n"] == 37


def test_the_prosarc2_design_takes_the_protocol_values() -> None:
    code, out = invoke("design", "prosarc2", "--protocol", "prosarc2")
    assert code == 0, out
    assert "evaluable: 35 (34.48), to enrol with dropout 0.1: 39" in out
    assert "plans 40 patients" in out


def test_simon_prints_the_optimal_and_minimax_designs() -> None:
    code, out = invoke("design", "simon", "--p0", "0.1", "--p1", "0.3")
    assert code == 0, out
    assert "1/10" in out
    assert "5/29" in out
    assert "1/15" in out
    assert "5/25" in out


def test_simon_as_json() -> None:
    code, out = invoke("design", "simon", "--p0", "0.2", "--p1", "0.4", "--json")
    assert code == 0, out
    data = json.loads(out)["simon"]
    assert (data["minimax"]["r1"], data["minimax"]["n1"]) == (4, 18)
    assert (data["optimal"]["r"], data["optimal"]["n"]) == (12, 43)

"""``radtrial qa dvh`` prints the issue's JSON contract; ``radtrial qa check`` grades a plan
against the protocol's dose constraints; bad files are clean errors, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from radtrial.cli import qa
from radtrial.cli.output import EXIT_CHECK_FAILED, EXIT_ERROR
from tests.dicom import writer

app = typer.Typer()
app.add_typer(qa.app, name="qa")
runner = CliRunner()


def sphere(radius: float, centre: tuple[float, float, float], spacing: float) -> list[np.ndarray]:
    cx, cy, cz = centre
    angles = np.linspace(0, 2 * np.pi, 128, endpoint=False)
    contours = []
    for z in np.arange(-radius + spacing / 2, radius, spacing):
        r = np.sqrt(radius**2 - z**2)
        contours.append(
            np.column_stack(
                [cx + r * np.cos(angles), cy + r * np.sin(angles), np.full(angles.size, cz + z)]
            )
        )
    return contours


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("plan")
    rois = [
        (1, "CTV_56", sphere(12.0, (0, 0, 0), 3.0)),
        (2, "GTV_Core", sphere(5.0, (0, 0, 0), 3.0)),
        (3, "Medulla", sphere(3.0, (30, 0, 0), 3.0)),
        (4, "Couch", sphere(3.0, (-30, 0, 0), 3.0)),
    ]
    axis = np.arange(-40.0, 40.1, 2.5)
    z, y, x = np.meshgrid(axis, axis, axis, indexing="ij")
    r = np.sqrt(x * x + y * y + z * z)
    physical = np.where(r < 16, 52.0, 10.0) + np.where(r < 4, 18.0, 0.0)
    return {
        "rs": writer.write(folder / "RS.dcm", writer.structure_set(rois)),
        "rd": writer.write(
            folder / "RD.dcm",
            writer.dose(physical, origin_mm=(-40, -40, -40), spacing_mm=(2.5, 2.5, 2.5)),
        ),
        "rp": writer.write(folder / "RP.dcm", writer.plan(radiation_type="PROTON", fractions=16)),
        "rp7": writer.write(folder / "RP7.dcm", writer.plan(radiation_type="PROTON", fractions=7)),
    }


def test_qa_dvh_json_has_exactly_the_contracted_shape(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["qa", "dvh", "--rtstruct", str(plan_files["rs"]), "--rtdose", str(plan_files["rd"]),
         "--mode", "accurate", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"mode", "structures"}
    assert data["mode"] == "accurate"
    first = data["structures"][0]
    assert set(first) == {
        "name", "roi_number", "volume_cc", "min_gy", "mean_gy", "max_gy", "metrics", "cumulative",
    }  # fmt: skip
    assert first["name"] == "CTV_56"
    assert first["roi_number"] == 1
    assert first["volume_cc"] == pytest.approx(4 / 3 * np.pi * 12**3 / 1000, rel=0.01)
    assert {"D98%", "D95%", "D50%", "D2%", "D0.03cc", "Dmean"} <= set(first["metrics"])
    curve = first["cumulative"]
    assert len(curve["dose_gy"]) == len(curve["volume_cc"])
    assert curve["volume_cc"][0] == pytest.approx(first["volume_cc"])
    assert curve["dose_gy"][1] == pytest.approx(0.01)


def test_qa_dvh_prints_a_table_and_target_indices(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["qa", "dvh", "--rtstruct", str(plan_files["rs"]), "--rtdose", str(plan_files["rd"]),
         "--roi", "CTV_56", "--target", "CTV_56", "--prescription", "52"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "CTV_56" in result.output
    assert "GTV_Core" not in result.output
    assert "HI" in result.output
    assert "CI" in result.output


def test_qa_check_grades_every_constraint_of_the_protocol(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan_files["rp"]), "--rtstruct", str(plan_files["rs"]),
         "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2", "--site", "OUS", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["dose_factor"] == 1.1  # physical proton dose × RBE 1.1
    verdicts = {c["id"]: c for c in data["constraints"]}
    assert verdicts["ctv_d95"]["verdict"] == "pass"
    assert verdicts["ctv_d95"]["local_name"] == "CTV_56"
    assert verdicts["ctv_d95"]["value"] == pytest.approx(52 * 1.1, abs=0.1)
    assert verdicts["gtv_core_dmax"]["verdict"] == "pass"
    assert verdicts["gtv_core_dmax"]["value"] == pytest.approx(70 * 1.1, abs=0.1)
    assert verdicts["spinalcord_d003cc"]["verdict"] == "pass"
    assert verdicts["kidneys_dmean"]["verdict"] == "not_evaluated"
    assert verdicts["plan_fractions"]["verdict"] == "pass"
    assert data["overall"] == "pass"
    assert data["structures"]["mapped"]["Medulla"] == "SpinalCord"
    assert data["structures"]["unmapped"] == ["Couch"]


def test_qa_check_fails_a_plan_with_the_wrong_number_of_fractions(
    plan_files: dict[str, Path],
) -> None:
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan_files["rp7"]), "--rtstruct", str(plan_files["rs"]),
         "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2", "--mode", "tps"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert "plan_fractions" in result.output
    assert "major" in result.output
    assert "unmapped structure names: Medulla, Couch" in result.output  # no site table


def test_a_file_that_is_not_dicom_is_a_json_error_not_a_traceback(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    bogus = tmp_path / "RS.dcm"
    bogus.write_bytes(b"\x00" * 300)
    result = runner.invoke(
        app, ["qa", "dvh", "--rtstruct", str(bogus), "--rtdose", str(plan_files["rd"]), "--json"]
    )
    assert result.exit_code == EXIT_ERROR
    error = json.loads(result.output)["error"]
    assert error["code"] == "dicom_error"
    assert error["location"] == str(bogus)


def test_swapped_files_name_the_expected_object(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app, ["qa", "dvh", "--rtstruct", str(plan_files["rd"]), "--rtdose", str(plan_files["rs"])]
    )
    assert result.exit_code == EXIT_ERROR
    assert "expected an RT Structure Set" in result.output
    assert "Traceback" not in result.output


def test_qa_check_writes_an_html_report_with_the_table_and_the_dvh_plot(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    page = tmp_path / "qa.html"
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan_files["rp"]), "--rtstruct", str(plan_files["rs"]),
         "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2", "--site", "OUS",
         "--report", str(page), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text
    assert "<polyline" in text
    assert "ctv_d95" in text
    assert "CTV <small>(CTV_56)</small>" in text
    assert "Overall verdict: <b" in text
    assert "unmapped structure names: Couch" in text

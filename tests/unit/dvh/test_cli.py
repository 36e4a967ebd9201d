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
from tests.dicom import plans, writer

app = typer.Typer()
app.add_typer(qa.app, name="qa")
runner = CliRunner()


@pytest.fixture(scope="module")
def plan_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return plans.plan_files(tmp_path_factory.mktemp("plan"))


def test_qa_dvh_json_has_exactly_the_contracted_shape(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["qa", "dvh", "--rtstruct", str(plan_files["rs"]), "--rtdose", str(plan_files["rd"]),
         "--mode", "accurate", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"mode", "structures", "skipped"}
    assert data["mode"] == "accurate"
    assert data["skipped"] == []
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


def test_qa_dvh_lists_a_structure_outside_the_dose_grid_as_skipped(
    plan_files: dict[str, Path],
) -> None:
    result = runner.invoke(
        app,
        ["qa", "dvh", "--rtstruct", str(plan_files["rs_far"]), "--rtdose", str(plan_files["rd"]),
         "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [s["name"] for s in data["structures"]] == ["CTV_56", "GTV_Core", "Medulla", "Couch"]
    [skipped] = data["skipped"]
    assert skipped["name"] == "Far"
    assert skipped["roi_number"] == 5
    assert skipped["reason"].startswith("not covered by the dose grid:")
    assert "along z" in skipped["reason"]


def test_qa_dvh_text_output_names_the_skipped_structure(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["qa", "dvh", "--rtstruct", str(plan_files["rs_far"]), "--rtdose", str(plan_files["rd"])],
    )
    assert result.exit_code == 0, result.output
    assert "skipped Far (ROI 5): not covered by the dose grid" in result.output


def test_qa_check_refuses_a_plan_whose_constrained_structure_is_outside_the_dose_grid(
    tmp_path: Path, plan_files: dict[str, Path]
) -> None:
    # The spinal cord (Medulla at OUS) 60 mm above the grid: its limit cannot be evaluated.
    rois = [r for r in plans.rois() if r[1] != "Medulla"]
    rois.append((3, "Medulla", plans.sphere(3.0, (0, 0, 60), 3.0)))
    rs = plans.writer.write(tmp_path / "RS.dcm", plans.writer.structure_set(rois))
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan_files["rp"]), "--rtstruct", str(rs),
         "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2", "--site", "OUS", "--json"],
    )  # fmt: skip
    assert result.exit_code == EXIT_ERROR, result.output
    error = json.loads(result.output)["error"]
    assert error["code"] == "dicom_error"
    assert error["detail"]["structure"] == "Medulla"


def test_qa_check_on_a_trial_without_a_constraint_table_says_so_in_full(
    plan_files: dict[str, Path],
) -> None:
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan_files["rp"]), "--rtstruct", str(plan_files["rs"]),
         "--rtdose", str(plan_files["rd"]), "--trial", "pallsoft"],
    )  # fmt: skip
    assert result.exit_code == EXIT_ERROR
    assert "has no dose-constraint table (no dose_constraints section)" in result.output
    assert "no  table" not in result.output


def test_a_photon_plan_for_a_proton_trial_is_a_major_finding(plan_files: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan_files["rp_photon"]), "--rtstruct",
         str(plan_files["rs"]), "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2",
         "--site", "OUS", "--mode", "tps"],
    )  # fmt: skip
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert "plan_radiation_type" in result.output
    assert "finding (major): plan_radiation_type: treatment beams: PHOTON; the protocol" in (
        result.output
    )
    assert "overall: major" in result.output
    data = json.loads(
        runner.invoke(
            app,
            ["qa", "check", "--rtplan", str(plan_files["rp_photon"]), "--rtstruct",
             str(plan_files["rs"]), "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2",
             "--site", "OUS", "--mode", "tps", "--json"],
        ).output
    )  # fmt: skip
    row = {c["id"]: c for c in data["constraints"]}["plan_radiation_type"]
    assert row["verdict"] == "major"
    assert row["limit"] is None
    # A photon plan's dose is not RBE-weighted: the CTV now misses its coverage limit too.
    assert data["dose_factor"] == 1.0


def test_qa_check_reports_hi_and_ci_of_the_targets(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    page = tmp_path / "qa.html"
    args = ["qa", "check", "--rtplan", str(plan_files["rp"]), "--rtstruct", str(plan_files["rs"]),
            "--rtdose", str(plan_files["rd"]), "--trial", "prosarc2", "--site", "OUS",
            "--mode", "tps"]  # fmt: skip
    data = json.loads(runner.invoke(app, [*args, "--json", "--report", str(page)]).output)
    indices = data["indices"]
    assert set(indices) == {"CTV", "GTV_Core"}
    # CTV: 52 Gy x 1.1 inside r < 16 mm except the 70 Gy core: D2% is in the core, D98% not.
    assert indices["CTV"]["HI"] == pytest.approx((77.0 - 57.2) / 57.2, abs=1e-6)
    # The 56 Gy(RBE) isodose is the r < 16 mm ball around the 12 mm CTV, counted in dose-grid
    # voxels (no body contour); the CTV lies inside it, so Paddick's CI is TV / PIV.
    piv = np.count_nonzero(plans.physical_dose() * 1.1 >= 56.0) * 2.5**3 / 1000
    assert indices["CTV"]["PIV_cc"] == pytest.approx(piv, rel=1e-9)
    ctv = data_volume = 4 / 3 * np.pi * 12**3 / 1000
    assert indices["CTV"]["CI"] == pytest.approx(ctv / piv, rel=0.02)
    assert data_volume < piv
    assert "CI" not in indices["GTV_Core"]
    # HI does not depend on the dose scale (RBE): it equals qa dvh's on the physical dose.
    dvh = json.loads(
        runner.invoke(
            app,
            ["qa", "dvh", "--rtstruct", str(plan_files["rs"]), "--rtdose", str(plan_files["rd"]),
             "--roi", "GTV_Core", "--target", "GTV_Core", "--json"],
        ).output
    )  # fmt: skip
    assert indices["GTV_Core"]["HI"] == pytest.approx(dvh["structures"][0]["metrics"]["HI"])
    assert indices["GTV_Core"]["HI"] > 0.2  # the 5 mm core holds the 57.2 and 77 Gy(RBE) levels
    text = runner.invoke(app, args).output
    assert "target CTV (CTV_56): HI" not in text  # names are TG-263, local in the report
    assert "target CTV: HI 0.346, CI" in text
    assert "Target indices" in page.read_text(encoding="utf-8")


def _check_json(plan: Path, structures: Path, *doses: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(
        app,
        ["qa", "check", "--rtplan", str(plan), "--rtstruct", str(structures),
         *(part for dose in doses for part in ("--rtdose", str(dose))),
         "--trial", "prosarc2", "--site", "OUS", "--mode", "tps", "--json"],
    )  # fmt: skip
    return result.exit_code, json.loads(result.output)


def _values(data: dict[str, object]) -> dict[str, object]:
    return {c["id"]: c["value"] for c in data["constraints"]}  # type: ignore[attr-defined, index]


def test_a_per_session_dose_is_scaled_to_the_16_fractions_before_grading(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    session = plans.write_dose(
        tmp_path / "RD_session.dcm",
        plans.physical_dose() / 16,
        summation="FRACTION_SESSION",
        fraction_group=1,
        scaling=1e-6,
    )
    code, scaled = _check_json(plan_files["rp"], plan_files["rs"], session)
    assert code == 0, scaled
    _, whole = _check_json(plan_files["rp"], plan_files["rs"], plan_files["rd"])
    for key, value in _values(whole).items():
        if value is not None:
            assert _values(scaled)[key] == pytest.approx(value, abs=1e-3), key
    assert scaled["overall"] == "pass"
    assert any("x 16 fractions planned in fraction group 1" in n for n in scaled["notes"])  # type: ignore[attr-defined]


def test_a_fraction_dose_of_the_only_fraction_group_is_graded_as_the_course_dose(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    fraction = plans.write_dose(
        tmp_path / "RD_fraction.dcm", summation="FRACTION", fraction_group=1
    )
    code, data = _check_json(plan_files["rp"], plan_files["rs"], fraction)
    assert code == 0
    _, whole = _check_json(plan_files["rp"], plan_files["rs"], plan_files["rd"])
    assert _values(data) == _values(whole)


def test_beam_doses_are_added_on_their_common_grid(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    dose = plans.physical_dose()
    beam1 = plans.write_dose(tmp_path / "RD1.dcm", dose * 0.4, summation="BEAM", beams=[1])
    beam2 = plans.write_dose(tmp_path / "RD2.dcm", dose * 0.6, summation="BEAM", beams=[2])
    code, summed = _check_json(plan_files["rp"], plan_files["rs"], beam1, beam2)
    assert code == 0, summed
    _, whole = _check_json(plan_files["rp"], plan_files["rs"], plan_files["rd"])
    for key, value in _values(whole).items():
        if value is not None:
            assert _values(summed)[key] == pytest.approx(value, abs=1e-3), key
    assert [f["sha256"] for f in summed["files"]["rtdose"]] != []  # type: ignore[index]
    assert len(summed["files"]["rtdose"]) == 2  # type: ignore[index]
    # One beam alone is not the plan dose.
    code, error = _check_json(plan_files["rp"], plan_files["rs"], beam1)
    assert code == EXIT_ERROR
    assert "treatment beams [2] have no RT Dose" in error["error"]["message"]  # type: ignore[index]


def test_beam_doses_on_different_grids_are_a_clear_error(
    plan_files: dict[str, Path], tmp_path: Path
) -> None:
    dose = plans.physical_dose()
    beam1 = plans.write_dose(tmp_path / "RD1.dcm", dose * 0.4, summation="BEAM", beams=[1])
    shifted = writer.write(
        tmp_path / "RD2.dcm",
        writer.dose(dose * 0.6, origin_mm=(-41.0, -40.0, -40.0), spacing_mm=plans.SPACING,
                    summation="BEAM", beams=[2]),
    )  # fmt: skip
    code, data = _check_json(plan_files["rp"], plan_files["rs"], beam1, shifted)
    assert code == EXIT_ERROR
    error = data["error"]
    assert error["code"] == "dicom_error"  # type: ignore[index]
    assert error["location"] == str(shifted)  # type: ignore[index]
    assert "the dose grids differ along x" in error["message"]  # type: ignore[index]

"""A broken protocol file gets an error naming the file, the key, the fault and the line."""

from __future__ import annotations

from typing import Any

import pytest

from radtrial.errors import ProtocolError
from radtrial.protocol import parse_protocol


def problems_of(text: str) -> list[dict[str, Any]]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "broken.toml")
    assert caught.value.location == "broken.toml"
    found: list[dict[str, Any]] = caught.value.detail["problems"]
    assert found, "a ProtocolError lists at least one problem"
    return found


def line_of(text: str, snippet: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not in text")


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def test_a_toml_syntax_error_names_its_line(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, 'acronym = "PALLSOFT"', 'acronym = "PALLSOFT')
    (problem,) = problems_of(text)
    assert problem["line"] == line_of(text, 'acronym = "PALLSOFT')


def test_an_unknown_key_is_named_with_its_line(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "target_enrolment = 200", "target_enrolmnet = 200")
    by_path = {p["path"]: p for p in problems_of(text)}
    assert by_path["trial.target_enrolmnet"]["message"] == "unknown key 'target_enrolmnet'"
    assert by_path["trial.target_enrolmnet"]["line"] == line_of(text, "target_enrolmnet")
    assert by_path["trial.target_enrolment"]["message"] == "required key is missing"


def test_a_missing_key_points_at_its_table(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, 'acronym = "PALLSOFT"\n', "")
    (problem,) = problems_of(text)
    assert problem["path"] == "trial.acronym"
    assert problem["message"] == "required key is missing"
    assert problem["line"] == line_of(text, "[trial]")


def test_a_value_of_the_wrong_type_is_located(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "target_enrolment = 200", 'target_enrolment = "many"')
    (problem,) = problems_of(text)
    assert problem["path"] == "trial.target_enrolment"
    assert "integer" in problem["message"]
    assert problem["line"] == line_of(text, "target_enrolment")


def test_a_total_dose_that_is_not_fractions_times_dose_is_refused(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "total_dose_gy = 25.0", "total_dose_gy = 26.0")
    (problem,) = problems_of(text)
    assert problem["path"] == "arms[1].prescription.dose_levels[0]"
    assert (
        "total_dose_gy 26 is not fractions × dose_per_fraction_gy (5 × 5 = 25)"
        in (problem["message"])
    )
    assert problem["line"] == line_of(text, "total_dose_gy = 26.0") - 4


def test_a_rule_on_an_undeclared_field_is_refused(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text, 'field = "ecog", min = 0, max = 3', 'field = "ecgo", min = 0'
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "eligibility.inclusion[9]"
    assert "rule names 'ecgo', which is not a screening field" in problem["message"]
    assert problem["line"] == line_of(text, 'id = "I10"') - 1


def test_an_unknown_rule_kind_is_located_on_the_rule_line(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text, 'kind = "range", field = "ecog"', 'kind = "between", field = "ecog"'
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "eligibility.inclusion[9].rule"
    assert "between" in problem["message"]
    assert problem["line"] == line_of(text, '"between"')


def test_a_randomisation_ratio_must_name_the_arms(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "ratio = { A = 1, B = 1 }", "ratio = { A = 1, C = 1 }")
    (problem,) = problems_of(text)
    assert problem["path"] == "randomisation.ratio"
    assert "['A', 'C'] do not match the trial's arms ['A', 'B']" in problem["message"]
    assert problem["line"] == line_of(text, "ratio = {")


def test_block_sizes_must_be_multiples_of_the_ratio(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "block_sizes = [2, 4, 6]", "block_sizes = [3, 4]")
    (problem,) = problems_of(text)
    assert problem["path"] == "randomisation"
    assert "block_sizes [3] are not multiples of the ratio's total weight 2" in problem["message"]
    assert problem["line"] == line_of(text, "[randomisation]")


def test_a_malformed_registry_id_is_refused(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, 'registry_id = "NCT06398314"', 'registry_id = "NCT639"')
    (problem,) = problems_of(text)
    assert problem["path"] == "trial.registry_id"
    assert "NCT" in problem["message"]
    assert problem["line"] == line_of(text, "registry_id")


def test_duplicate_site_codes_are_refused(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, 'code = "SUS"', 'code = "OUS"')
    (problem,) = problems_of(text)
    assert problem["message"] == "sites: duplicate 'OUS'"
    assert problem["line"] == line_of(text, "[[sites]]")


def test_an_assumption_must_name_a_real_field(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "assumptions = { block_sizes", "assumptions = { block_size")
    (problem,) = problems_of(text)
    assert problem["path"] == "randomisation.assumptions.block_size"
    assert "no field 'block_size' here" in problem["message"]
    assert problem["line"] == line_of(text, "assumptions = { block_size")


def test_a_proton_prescription_must_name_its_rbe_model(prosarc2_text: str) -> None:
    start = prosarc2_text.index("[arms.prescription.rbe]")
    end = prosarc2_text.index("[[arms.prescription.dose_levels]]")
    text = prosarc2_text[:start] + prosarc2_text[end:]
    (problem,) = problems_of(text)
    assert problem["path"] == "arms[0].prescription.rbe"
    assert "a proton prescription must name its RBE model" in problem["message"]
    assert problem["line"] == line_of(text, "[arms.prescription]")


def test_completion_before_start_is_refused(pallsoft_text: str) -> None:
    text = replace_once(
        pallsoft_text, "completion_date = 2030-12-31", "completion_date = 2020-12-31"
    )
    (problem,) = problems_of(text)
    assert problem["path"] == "trial.completion_date"
    assert "before start_date" in problem["message"]
    assert problem["line"] == line_of(text, "completion_date")


def test_a_responder_visit_must_exist(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, 'visit = "week_8"', 'visit = "week_9"')
    (problem,) = problems_of(text)
    assert problem["path"] == "analysis.responder.visit"
    assert "unknown visit 'week_9'" in problem["message"]
    assert problem["line"] == line_of(text, 'visit = "week_9"')


def test_several_problems_are_reported_together(pallsoft_text: str) -> None:
    text = replace_once(pallsoft_text, "target_enrolment = 200", "target_enrolment = -1")
    text = replace_once(text, 'phase = "NA"', 'phase = "PHASE9"')
    paths = {p["path"] for p in problems_of(text)}
    assert paths == {"trial.target_enrolment", "trial.phase"}


def test_an_empty_file_lists_the_required_sections() -> None:
    paths = {p["path"] for p in problems_of("")}
    assert {"schema_version", "trial", "arms", "eligibility", "analysis"} <= paths

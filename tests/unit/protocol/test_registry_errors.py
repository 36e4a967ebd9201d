"""Bad registry records raise ProtocolError naming the source, the place and what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from radtrial.errors import ProtocolError
from radtrial.protocol.registry import read_registry_record

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "ctgov" / "NCT06398314.json"

MINIMAL_TEXT = """A Trial

NCT ID: NCT01234567

Last Updated: 2025-01-02

Recruitment Status

RECRUITING

Total Enrollment

10 participants

Study Start Date

2025-01-01
"""


def error_of(text: str, source: str = "record.txt") -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        read_registry_record(text, source)
    error = caught.value
    assert error.location == source
    assert error.detail["problems"], "every error lists its problems"
    return error


def only_problem(text: str, source: str = "record.txt") -> dict[str, Any]:
    problems = error_of(text, source).detail["problems"]
    assert len(problems) == 1, problems
    return dict(problems[0])


def study(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return data


# -- the text form --------------------------------------------------------------------------


def test_an_empty_file_is_not_a_registry_record() -> None:
    assert "empty" in only_problem("  \n\n")["message"]


def test_prose_without_the_record_headings_is_not_a_registry_record() -> None:
    problem = only_problem("Dear colleague,\nplease find the protocol attached.\n")
    assert problem["message"].startswith("not a registry record")


def test_a_record_without_an_nct_id_line_says_so() -> None:
    problem = only_problem(MINIMAL_TEXT.replace("NCT ID: NCT01234567\n", ""))
    assert problem["path"] == "NCT ID"
    assert "no 'NCT ID" in problem["message"]


def test_a_malformed_nct_id_is_reported_at_its_line() -> None:
    problem = only_problem(MINIMAL_TEXT.replace("NCT01234567", "NCT123"))
    assert (problem["path"], problem["line"]) == ("NCT ID", 3)
    assert "'NCT123'" in problem["message"]


def test_an_impossible_start_date_is_reported_at_its_line() -> None:
    problem = only_problem(MINIMAL_TEXT.replace("2025-01-01", "2025-13-45"))
    assert (problem["path"], problem["line"]) == ("Study Start Date", 17)


def test_an_enrolment_that_is_not_a_number_is_reported_at_its_line() -> None:
    problem = only_problem(MINIMAL_TEXT.replace("10 participants", "many participants"))
    assert (problem["path"], problem["line"]) == ("Total Enrollment", 13)


def test_an_unknown_recruitment_status_is_reported_at_its_line() -> None:
    problem = only_problem(MINIMAL_TEXT.replace("RECRUITING", "OPEN"))
    assert (problem["path"], problem["line"]) == ("Recruitment Status", 9)
    assert "'OPEN'" in problem["message"]


def test_an_unknown_arm_group_type_is_reported_at_its_line() -> None:
    text = MINIMAL_TEXT + "\nStudy Groups\n\nArm one\n\nGroup Type TREATMENT\n"
    problem = only_problem(text)
    assert (problem["path"], problem["line"]) == ("Study Groups", 23)


def test_a_site_without_an_address_line_is_reported_at_its_line() -> None:
    text = MINIMAL_TEXT + "\nCountries\n\nNorway\n\nLocations\n\nSome Hospital\n"
    problem = only_problem(text)
    assert (problem["path"], problem["line"]) == ("Locations", 25)


def test_every_problem_of_a_record_is_reported_at_once() -> None:
    text = MINIMAL_TEXT.replace("RECRUITING", "OPEN").replace("2025-01-01", "soon")
    problems = error_of(text).detail["problems"]
    assert [p["path"] for p in problems] == ["Recruitment Status", "Study Start Date"]
    assert str(error_of(text)).startswith("record.txt: 2 problems")


# -- the JSON form --------------------------------------------------------------------------


def test_invalid_json_is_reported_with_its_line_and_column() -> None:
    problem = only_problem('{\n  "protocolSection": {,\n}', "study.json")
    assert problem["line"] == 2
    assert "not valid JSON" in problem["message"]
    assert "column" in problem["message"]


def test_a_json_list_is_not_a_study() -> None:
    problem = only_problem("[1, 2]", "study.json")
    assert "expected a study object" in problem["message"]


def test_json_without_a_protocol_section_is_not_a_ctgov_study() -> None:
    problem = only_problem('{"hasResults": false}', "study.json")
    assert problem["path"] == "protocolSection"


def test_a_study_without_an_nct_id_names_the_missing_field() -> None:
    data = study()
    del data["protocolSection"]["identificationModule"]["nctId"]
    problem = only_problem(json.dumps(data), "study.json")
    assert problem["path"] == "protocolSection.identificationModule.nctId"


def test_a_wrongly_typed_enrolment_count_names_its_json_path() -> None:
    data = study(protocolSection__designModule__enrollmentInfo={"count": "200"})
    problem = only_problem(json.dumps(data), "study.json")
    assert problem["path"] == "protocolSection.designModule.enrollmentInfo.count"


def test_locations_that_are_not_a_list_name_their_json_path() -> None:
    data = study(protocolSection__contactsLocationsModule__locations={"facility": "X"})
    problem = only_problem(json.dumps(data), "study.json")
    assert problem["path"] == "protocolSection.contactsLocationsModule.locations"


def test_an_unknown_overall_status_names_its_json_path() -> None:
    data = study(protocolSection__statusModule__overallStatus="OPEN")
    problem = only_problem(json.dumps(data), "study.json")
    assert problem["path"] == "protocolSection.statusModule.overallStatus"


def test_a_bad_date_names_the_date_field_of_its_struct() -> None:
    data = study()
    data["protocolSection"]["statusModule"]["completionDateStruct"]["date"] = "2030-02-30"
    problem = only_problem(json.dumps(data), "study.json")
    assert problem["path"] == "protocolSection.statusModule.completionDateStruct.date"


def test_a_search_response_with_several_studies_asks_for_one() -> None:
    problem = only_problem(json.dumps({"studies": [study(), study()]}), "search.json")
    assert "2 studies" in problem["message"]

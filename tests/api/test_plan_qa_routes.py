"""The plan-QA routes on SQLite and PostgreSQL: a physicist uploads the RT Plan, Structure Set
and Dose of a PROSARC-2 participant and gets the verdict per constraint; the evaluations and
the report are read back; bad uploads are 422 naming the field; another site is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from radtrial.services.policy import access_log
from tests.api.support import World, client_for, error_of, sign_in
from tests.course_web_support import prosarc2_participant
from tests.dicom import plans

PHYSICIST = "phys.ous"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return plans.plan_files(tmp_path_factory.mktemp("plan"))


@pytest.fixture
def study_id(world: World) -> str:
    return prosarc2_participant(world)


@pytest.fixture
def physicist(world: World) -> Iterator[TestClient]:
    with client_for(world.db) as client:
        sign_in(client, world, PHYSICIST)
        yield client


def _files(folder: dict[str, Path], **override: bytes) -> dict[str, tuple[str, bytes, str]]:
    names = {"rtplan": "rp", "rtstruct": "rs", "rtdose": "rd"}
    return {
        field: (
            f"{field}.dcm",
            override.get(field, folder[key].read_bytes()),
            "application/dicom",
        )
        for field, key in names.items()
    }


def _url(study_id: str, tail: str = "") -> str:
    return f"/api/v1/participants/{study_id}/plan-qa{tail}"


def test_a_physicist_checks_a_plan_and_reads_it_back(
    world: World, study_id: str, physicist: TestClient, folder: dict[str, Path]
) -> None:
    assert physicist.get(_url(study_id)).json() == []
    response = physicist.post(_url(study_id), files=_files(folder), data={"mode": "tps"})
    assert response.status_code == 201, response.text
    evaluation = response.json()
    assert evaluation["verdict"] == "pass"
    assert evaluation["study_id"] == study_id
    assert evaluation["mode"] == "tps"
    assert evaluation["constraints"]
    assert {c["verdict"] for c in evaluation["constraints"]} <= {
        "pass",
        "minor",
        "major",
        "not_evaluated",
    }
    assert response.headers["Location"] == _url(study_id, f"/{evaluation['id']}")
    listed = physicist.get(_url(study_id)).json()
    assert [e["id"] for e in listed] == [evaluation["id"]]
    one = physicist.get(_url(study_id, f"/{evaluation['id']}"))
    assert one.json() == evaluation
    report = physicist.get(_url(study_id, f"/{evaluation['id']}/report"))
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert report.headers["content-disposition"].startswith("attachment;")
    assert "<svg" in report.text
    reads = access_log(world.db, actor=PHYSICIST, action="participant.read")
    assert any(r.entity == "plan_qa_evaluations" for r in reads)


def test_bad_uploads_are_422_naming_the_file(
    study_id: str, physicist: TestClient, folder: dict[str, Path]
) -> None:
    response = physicist.post(_url(study_id), files=_files(folder, rtdose=b"not dicom"))
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "dicom_error"
    files = _files(folder)
    del files["rtstruct"]
    response = physicist.post(_url(study_id), files=files)
    assert response.status_code == 422
    assert "rtstruct" in str(error_of(response)["location"])
    assert physicist.get(_url(study_id)).json() == []


def test_roles_sites_and_unknown_ids(world: World, study_id: str, folder: dict[str, Path]) -> None:
    with client_for(world.db) as other:
        sign_in(other, world, "inv.sto")
        assert other.get(_url(study_id)).status_code == 403
        assert other.post(_url(study_id), files=_files(folder)).status_code == 403
    with client_for(world.db) as physicist:
        sign_in(physicist, world, PHYSICIST)
        created = physicist.post(_url(study_id), files=_files(folder), data={"mode": "tps"})
        evaluation_id = created.json()["id"]
        assert physicist.get(_url(study_id, "/999999")).status_code == 404
        assert physicist.get(_url("PALL-OUS-0001", f"/{evaluation_id}")).status_code == 404
    with client_for(world.db) as other:
        sign_in(other, world, "inv.sto")
        assert other.get(_url(study_id, f"/{evaluation_id}")).status_code == 403
        assert other.get(_url(study_id, f"/{evaluation_id}/report")).status_code == 403
    denied = [r for r in access_log(world.db, actor="inv.sto") if r.outcome == "denied"]
    assert {r.entity for r in denied} == {"plan_qa_evaluations"}

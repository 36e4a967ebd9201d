"""The plan-QA pages without a browser: the upload form (multipart, CSRF), the result page with
the constraint table rendered from the stored rows and the DVH plot as an SVG image, a missing
file shown next to its field, and another site refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.support import World, cheap_passwords, client_for
from tests.course_web_support import prosarc2_participant
from tests.dicom import plans
from tests.web.test_pages import _token, web_sign_in


@pytest.fixture
def database_urls(tmp_path: Path) -> tuple[str, str]:
    """Engine-agnostic pages: SQLite only (the API suites cover PostgreSQL)."""
    return (f"sqlite:///{tmp_path / 'research.db'}", f"sqlite:///{tmp_path / 'identity.db'}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return plans.plan_files(tmp_path_factory.mktemp("plan"))


@pytest.fixture
def study_id(world: World) -> str:
    return prosarc2_participant(world)


@pytest.fixture
def physicist(world: World, study_id: str) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(world.db) as client:
        web_sign_in(client, world, "phys.ous")
        yield client


def _upload(
    client: TestClient, study_id: str, folder: dict[str, Path], *, skip: str = ""
) -> object:
    page = client.get(f"/participants/{study_id}/plan-qa")
    assert 'enctype="multipart/form-data"' in page.text
    files = {
        field: (f"{field}.dcm", folder[key].read_bytes(), "application/dicom")
        for field, key in (("rtplan", "rp"), ("rtstruct", "rs"), ("rtdose", "rd"))
        if field != skip
    }
    return client.post(
        f"/participants/{study_id}/plan-qa",
        data={"csrf_token": _token(page.text), "mode": "tps"},
        files=files,
        follow_redirects=False,
    )


def test_a_plan_is_uploaded_and_its_verdicts_shown_with_the_dvh(
    study_id: str, physicist: TestClient, folder: dict[str, Path]
) -> None:
    response = _upload(physicist, study_id, folder)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    target = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(rf"/participants/{study_id}/plan-qa/\d+", target)
    page = physicist.get(target)
    assert page.status_code == 200
    assert "Dose constraints" in page.text
    assert 'class="verdict-pass"' in page.text
    assert f'<img src="{target}/dvh.svg"' in page.text
    svg = physicist.get(f"{target}/dvh.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")
    assert svg.text.endswith("</svg>")
    assert "<script" not in svg.text
    listing = physicist.get(f"/participants/{study_id}/plan-qa")
    assert f'href="{target}"' in listing.text


def test_a_missing_file_is_shown_next_to_its_field(
    study_id: str, physicist: TestClient, folder: dict[str, Path]
) -> None:
    response = _upload(physicist, study_id, folder, skip="rtdose")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert 'id="rtdose-error"' in response.text  # type: ignore[attr-defined]
    assert "No plan has been checked yet." in response.text  # type: ignore[attr-defined]


def test_without_the_csrf_token_or_at_another_site_nothing_is_stored(
    world: World, study_id: str, physicist: TestClient, folder: dict[str, Path]
) -> None:
    files = {"rtplan": ("rp.dcm", folder["rp"].read_bytes(), "application/dicom")}
    refused = physicist.post(f"/participants/{study_id}/plan-qa", files=files)
    assert refused.status_code == 403
    with cheap_passwords(), client_for(world.db) as other:
        web_sign_in(other, world, "inv.sto")
        assert other.get(f"/participants/{study_id}/plan-qa").status_code == 403
        assert other.get(f"/participants/{study_id}/plan-qa/1").status_code in {403, 404}
    assert (
        "No plan has been checked yet." in physicist.get(f"/participants/{study_id}/plan-qa").text
    )

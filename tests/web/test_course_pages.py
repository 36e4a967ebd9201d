"""The course page without a browser: plan, the fraction log with doses prefilled from the plan,
a delivered and a missed fraction, BED/EQD2, deviations with acknowledgement, gap compensation,
errors next to their fields, Norwegian, escaping, and another site refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from radtrial.services.course import show_course
from tests.api.support import World, cheap_passwords, client_for
from tests.course_web_support import INVESTIGATOR, NURSE, add_nurse, prosarc2_participant
from tests.web.test_pages import _token, web_sign_in


@pytest.fixture
def database_urls(tmp_path: Path) -> tuple[str, str]:
    """Engine-agnostic pages: SQLite only (the API suites cover PostgreSQL)."""
    return (f"sqlite:///{tmp_path / 'research.db'}", f"sqlite:///{tmp_path / 'identity.db'}")


@pytest.fixture
def staffed(world: World) -> World:
    add_nurse(world)
    return world


def _signed_in(world: World, username: str) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(world.db) as client:
        web_sign_in(client, world, username)
        yield client


@pytest.fixture
def study_id(staffed: World) -> str:
    """A planned course, on its third day (before anyone signs in: sessions idle out)."""
    return prosarc2_participant(staffed)


@pytest.fixture
def nurse(staffed: World, study_id: str) -> Iterator[TestClient]:
    yield from _signed_in(staffed, NURSE)


@pytest.fixture
def investigator(staffed: World, study_id: str) -> Iterator[TestClient]:
    yield from _signed_in(staffed, INVESTIGATOR)


def _post(client: TestClient, study_id: str, action: str, **fields: str) -> object:
    page = client.get(f"/participants/{study_id}/course")
    return client.post(
        f"/participants/{study_id}/course/{action}",
        data={"csrf_token": _token(page.text), **fields},
        follow_redirects=False,
    )


def test_a_course_is_planned(staffed: World, nurse: TestClient) -> None:
    study_id = prosarc2_participant(staffed, planned=False)
    page = nurse.get(f"/participants/{study_id}/course")
    assert page.status_code == 200
    assert "No course is planned yet." in page.text
    bad = _post(nurse, study_id, "plan", start_date="05.03.2026")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert re.search(r'id="plan-start_date-error">[^<]*not a date', bad.text)  # type: ignore[attr-defined]
    early = _post(nurse, study_id, "plan", start_date="2026-03-02")  # before registration
    assert re.search(r'id="plan-start_date-error">[^<]*registered', early.text)  # type: ignore[attr-defined]
    done = _post(nurse, study_id, "plan", start_date="2026-03-05")
    assert done.status_code == 303  # type: ignore[attr-defined]
    page = nurse.get(f"/participants/{study_id}/course")
    assert "Treatment calendar and fraction log" in page.text
    assert "2026-03-05" in page.text


def test_fractions_are_logged(staffed: World, study_id: str, nurse: TestClient) -> None:
    page = nurse.get(f"/participants/{study_id}/course")
    # The dose fields are prefilled with fraction 1's planned doses.
    assert re.search(r'id="deliver-dose_target" name="dose_target"[^>]*value="3.5"', page.text)
    assert re.search(r'id="deliver-dose_boost" name="dose_boost"[^>]*value="5"', page.text)

    delivered = _post(
        nurse,
        study_id,
        "delivery",
        fraction="1",
        dose_target="3.5",
        dose_boost="5",
        delivered_at="2026-03-02T09:15",
        machine="PT-G1",
    )
    assert delivered.status_code == 303, delivered.text  # type: ignore[attr-defined]
    missing_reason = _post(nurse, study_id, "miss", fraction="2", reason=" ")
    assert missing_reason.status_code == 422  # type: ignore[attr-defined]
    assert 'id="miss-reason-error"' in missing_reason.text  # type: ignore[attr-defined]
    missed = _post(nurse, study_id, "miss", fraction="2", reason="machine <down>")
    assert missed.status_code == 303  # type: ignore[attr-defined]

    view = show_course(staffed.db, actor=NURSE, study_id=study_id)
    assert view.delivered_fractions == 1
    assert len(view.missed) == 1
    first = view.fractions[0]
    assert first.delivered_at is not None
    assert first.delivered_at.hour == 8
    page = nurse.get(f"/participants/{study_id}/course").text
    assert "machine &lt;down&gt;" in page
    assert "machine <down>" not in page
    assert "Gap compensation" in page
    assert 'name="option"' in page
    assert 'class="deviation-minor"' in page
    assert "BED (Gy)" in page
    level = next(level for level in view.levels if level.dose_level == "target")
    late = next(t for t in level.tissues if t.tissue == "late")
    assert f"{late.bed_gy:.2f}" in page
    assert f"{late.eqd2_gy:.2f}" in page


def test_a_bad_dose_is_shown_next_to_its_field(study_id: str, nurse: TestClient) -> None:
    response = _post(
        nurse, study_id, "delivery", fraction="1", dose_target="35", dose_boost="5", machine="X"
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert re.search(r'id="deliver-dose_target-error">[^<]*not a plausible dose', text)
    assert 'value="35"' in text  # what was typed is kept
    response = _post(nurse, study_id, "delivery", fraction="1", dose_target="3.5", dose_boost="5")
    assert 'id="deliver-machine-error"' in response.text  # type: ignore[attr-defined]


def test_the_investigator_acknowledges_a_deviation(
    staffed: World, study_id: str, nurse: TestClient, investigator: TestClient
) -> None:
    assert _post(nurse, study_id, "miss", fraction="1", reason="ill").status_code == 303  # type: ignore[attr-defined]
    deviation = show_course(staffed.db, actor=NURSE, study_id=study_id).deviations[0]
    refused = _post(nurse, study_id, f"deviations/{deviation.id}/acknowledge", reason="seen")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    empty = _post(investigator, study_id, f"deviations/{deviation.id}/acknowledge", reason="")
    assert f'id="ack-{deviation.id}-reason-error"' in empty.text  # type: ignore[attr-defined]
    done = _post(investigator, study_id, f"deviations/{deviation.id}/acknowledge", reason="seen")
    assert done.status_code == 303  # type: ignore[attr-defined]
    page = investigator.get(f"/participants/{study_id}/course").text
    assert f"acknowledged ({INVESTIGATOR})" in page


def test_the_page_in_norwegian_and_linked_from_the_participant(
    study_id: str, nurse: TestClient
) -> None:
    page = nurse.get(f"/participants/{study_id}/course", headers={"Accept-Language": "nb"})
    assert "Behandlingskalender og fraksjonslogg" in page.text
    assert '<html lang="nb"' in page.text
    participant = nurse.get(f"/participants/{study_id}", headers={"Accept-Language": "en"})
    if participant.status_code == 200:  # the enrolment page (another slice) links here
        assert f'href="/participants/{html.escape(study_id)}/course"' in participant.text


def test_another_site_and_unknown_participants(staffed: World, study_id: str) -> None:
    for client in _signed_in(staffed, "inv.sto"):
        assert client.get(f"/participants/{study_id}/course").status_code == 403
        assert client.get("/participants/PRS2-OUS-9999/course").status_code == 404
        token = _token(client.get("/trials").text)
        for target in (study_id, "PRS2-OUS-9999"):
            refused = client.post(
                f"/participants/{target}/course/miss",
                data={"csrf_token": token, "fraction": "1", "reason": "x"},
            )
            assert refused.status_code == (403 if target == study_id else 404)
    assert show_course(staffed.db, actor=NURSE, study_id=study_id).missed == ()


def test_a_form_without_the_csrf_token_is_refused(
    staffed: World, study_id: str, nurse: TestClient
) -> None:
    response = nurse.post(
        f"/participants/{study_id}/course/miss", data={"fraction": "1", "reason": "x"}
    )
    assert response.status_code == 403
    assert show_course(staffed.db, actor=NURSE, study_id=study_id).missed == ()

"""The enrolment pages without a browser: the screening wizard (criteria, investigator
confirmations, consent, registration), randomisation behind its confirmation, withdrawal, the
site dashboard, errors next to their fields, and other sites refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from radtrial.services import randomisation
from tests.api.enrolment_support import INVESTIGATOR, NURSE, PATIENT, SITE, add_site_staff
from tests.api.support import World, cheap_passwords, client_for
from tests.enrolment import PALLSOFT_CONFIRM
from tests.web.test_pages import _token, web_sign_in


@pytest.fixture
def database_urls(tmp_path: Path) -> tuple[str, str]:
    """Engine-agnostic pages: SQLite only (the API suites cover PostgreSQL)."""
    return (f"sqlite:///{tmp_path / 'research.db'}", f"sqlite:///{tmp_path / 'identity.db'}")


@pytest.fixture
def staffed(world: World) -> World:
    add_site_staff(world)
    randomisation.generate_list(world.db, actor="stat", trial_slug="pallsoft", seed=7)
    return world


@pytest.fixture
def nurse(staffed: World) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(staffed.db) as client:
        web_sign_in(client, staffed, NURSE)
        yield client


@pytest.fixture
def investigator(staffed: World) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(staffed.db) as client:
        web_sign_in(client, staffed, INVESTIGATOR)
        yield client


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _fields(values: dict[str, object]) -> dict[str, str]:
    """Screening data as the wizard's form fields."""
    return {f"f_{name}": _shown(value) for name, value in values.items()}


def _screen_page(client: TestClient, query: str) -> str:
    page = client.get(f"/trials/pallsoft/screen?{query}")
    assert page.status_code == 200, page.text
    return page.text


def test_the_wizard_screens_confirms_consents_and_registers(
    nurse: TestClient, investigator: TestClient
) -> None:
    page = _screen_page(nurse, f"site={SITE}")
    for field in ("f_age_years", "f_ecog", "f_target_symptom_category", "confirm_I1"):
        assert f'name="{field}"' in page
    posted = nurse.post(
        "/trials/pallsoft/screen",
        data={"csrf_token": _token(page), "site": SITE, **_fields(PATIENT)},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    location = posted.headers["location"]
    screening_id = location.rsplit("=", 1)[1]
    page = nurse.get(location).text
    assert "awaiting investigator confirmation" in page
    assert "needs investigator confirmation" in page
    assert '/consent"' not in page
    # The nurse may not confirm: refused, shown on the page, nothing recorded.
    refused = nurse.post(
        "/trials/pallsoft/screen",
        data={"csrf_token": _token(page), "screening": screening_id, "confirm_I1": "yes"},
    )
    assert refused.status_code == 403
    assert 'role="alert"' in refused.text
    page = _screen_page(investigator, f"screening={screening_id}")
    confirmed = investigator.post(
        "/trials/pallsoft/screen",
        data={
            "csrf_token": _token(page),
            "screening": screening_id,
            **{f"confirm_{c}": "yes" for c in PALLSOFT_CONFIRM},
        },
        follow_redirects=True,
    )
    assert confirmed.status_code == 200
    assert "<strong>Status: eligible</strong>" in confirmed.text
    assert 'action="/trials/pallsoft/screenings/' + screening_id + '/consent"' in confirmed.text
    page = _screen_page(nurse, f"screening={screening_id}")
    wrong = nurse.post(
        f"/trials/pallsoft/screenings/{screening_id}/consent",
        data={"csrf_token": _token(page), "document_version": "0.9", "consented_on": "2026-03-02"},
    )
    assert wrong.status_code == 422
    assert 'id="document_version-error"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    consented = nurse.post(
        f"/trials/pallsoft/screenings/{screening_id}/consent",
        data={"csrf_token": _token(page), "document_version": "1.0", "consented_on": "2026-03-02"},
        follow_redirects=True,
    )
    assert "Consent recorded" in consented.text
    registered = nurse.post(
        f"/trials/pallsoft/screenings/{screening_id}/register",
        data={"csrf_token": _token(page)},
        follow_redirects=False,
    )
    assert registered.status_code == 303
    study_id = f"PALL-{SITE}-0001"
    assert registered.headers["location"] == f"/participants/{study_id}?registered=1"
    participant = nurse.get(registered.headers["location"]).text
    assert "The participant is registered." in participant
    assert f'href="/participants/{study_id}/randomise"' in participant


def _registered(nurse: TestClient, investigator: TestClient) -> str:
    page = _screen_page(investigator, f"site={SITE}")
    location = investigator.post(
        "/trials/pallsoft/screen",
        data={
            "csrf_token": _token(page),
            "site": SITE,
            **_fields(PATIENT),
            **{f"confirm_{c}": "yes" for c in PALLSOFT_CONFIRM},
        },
        follow_redirects=False,
    ).headers["location"]
    screening_id = location.rsplit("=", 1)[1]
    token = _token(page)
    nurse_token = _token(nurse.get(location).text)
    assert (
        investigator.post(
            f"/trials/pallsoft/screenings/{screening_id}/consent",
            data={"csrf_token": token, "document_version": "1.0", "consented_on": "2026-03-02"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    done = nurse.post(
        f"/trials/pallsoft/screenings/{screening_id}/register",
        data={"csrf_token": nurse_token},
        follow_redirects=False,
    )
    return str(done.headers["location"]).split("/")[2].split("?")[0]


def test_randomisation_needs_the_confirmation_and_shows_the_arm_once(
    nurse: TestClient, investigator: TestClient
) -> None:
    study_id = _registered(nurse, investigator)
    confirm = nurse.get(f"/participants/{study_id}/randomise")
    assert confirm.status_code == 200
    assert 'name="confirm"' in confirm.text
    unticked = nurse.post(
        f"/participants/{study_id}/randomise", data={"csrf_token": _token(confirm.text)}
    )
    assert unticked.status_code == 422
    assert 'id="confirm-error"' in unticked.text
    assert "not allocated yet" in nurse.get(f"/participants/{study_id}").text
    done = nurse.post(
        f"/participants/{study_id}/randomise",
        data={"csrf_token": _token(confirm.text), "confirm": "yes"},
    )
    assert done.status_code == 200
    arm = re.search(r"Allocated to arm ([AB])", done.text)
    assert arm is not None
    again = nurse.post(
        f"/participants/{study_id}/randomise",
        data={"csrf_token": _token(confirm.text), "confirm": "yes"},
    )
    assert again.status_code == 409
    assert "already randomised" in again.text
    assert "Allocated to arm" not in again.text
    page = nurse.get(f"/participants/{study_id}").text
    assert "randomised" in page
    assert f"<dd>{arm.group(1)}</dd>" in page
    assert f'href="/participants/{study_id}/randomise"' not in page


def test_a_withdrawal_needs_a_reason_shown_next_to_the_field(
    nurse: TestClient, investigator: TestClient
) -> None:
    study_id = _registered(nurse, investigator)
    page = nurse.get(f"/participants/{study_id}").text
    missing = nurse.post(
        f"/participants/{study_id}/withdraw",
        data={"csrf_token": _token(page), "kind": "follow_up", "withdrawn_on": "2026-03-02"},
    )
    assert missing.status_code == 422
    assert 'id="note-error"' in missing.text
    done = nurse.post(
        f"/participants/{study_id}/withdraw",
        data={
            "csrf_token": _token(page),
            "kind": "follow_up",
            "withdrawn_on": "2026-03-02",
            "note": "<b>moved</b>",
        },
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "from follow-up" in done.text
    assert "&lt;b&gt;moved&lt;/b&gt;" in done.text
    assert "<b>moved</b>" not in done.text


def test_the_site_dashboard_shows_enrolment_the_log_and_participants(
    nurse: TestClient, investigator: TestClient
) -> None:
    study_id = _registered(nurse, investigator)
    page = nurse.get(f"/sites/{SITE}/trials/pallsoft")
    assert page.status_code == 200
    assert "1 registered of the trial&#39;s target of 200" in page.text
    assert "<svg" in page.text
    assert f'href="/participants/{study_id}"' in page.text
    assert "Screening log" in page.text
    assert "Assessed for eligibility" in page.text
    assert f"/sites/{SITE}/trials/pallsoft" in nurse.get(f"/sites/{SITE}").text


def test_another_sites_pages_are_refused(staffed: World) -> None:
    with cheap_passwords(), client_for(staffed.db) as client:
        web_sign_in(client, staffed, "inv.hus")
        for path in (
            "/participants/PALL-OUS-0001",
            "/participants/PALL-OUS-0001/randomise",
            "/trials/pallsoft/screen?site=OUS",
            "/sites/OUS/trials/pallsoft",
        ):
            response = client.get(path)
            assert response.status_code == 403, path
            assert '<dl class="facts">' not in response.text
        token = _token(client.get("/participants/PALL-HUS-0001").text)
        refused = client.post(
            "/participants/PALL-OUS-0001/randomise", data={"csrf_token": token, "confirm": "yes"}
        )
        assert refused.status_code == 403
        forged = client.post(
            "/participants/PALL-HUS-0001/randomise", data={"csrf_token": "x", "confirm": "yes"}
        )
        assert forged.status_code == 403

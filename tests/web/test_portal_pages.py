"""The patient portal's pages without a browser: entering by code or link (redeemed only by the
POST, once), the cookie, the due list, the target-symptom form (labels, errors next to the
field, drafts resumed), submission audited as the portal session, both languages; and the
staff API that issues invitations (site-checked, the secret never replayed)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from radtrial.services import portal
from radtrial.services.outcomes import pro
from radtrial.web.portal import PORTAL_COOKIE
from tests.api.support import World, cheap_passwords, client_for, error_of, sign_in
from tests.outcomes_support import audit_rows
from tests.portal_support import enrol, open_session


def _token(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the form"
    return match.group(1)


@pytest.fixture
def web(world: World) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(world.db) as client:
        yield client


@pytest.fixture
def patient(world: World) -> str:
    return enrol(world.db, "OUS")


def _issue(world: World, study_id: str) -> portal.IssuedInvitation:
    return portal.issue_invitation(
        world.db, portal.PortalPolicy(), actor="nurse.ous", study_id=study_id
    )


def test_the_link_opens_the_portal_once_with_a_strict_separate_cookie(
    web: TestClient, world: World, patient: str
) -> None:
    issued = _issue(world, patient)
    page = web.get(f"/portal/i/{issued.token}")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert 'href="/trials"' not in page.text  # no staff navigation
    again = web.get(f"/portal/i/{issued.token}")  # a GET (a link preview) redeems nothing
    response = web.post(
        f"/portal/i/{issued.token}",
        data={"csrf_token": _token(again.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/questionnaires"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(PORTAL_COOKIE))
    lowered = cookie.lower()
    assert "secure" in lowered
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/" in lowered
    listing = web.get("/portal/questionnaires")
    assert listing.status_code == 200
    assert "/portal/questionnaires/baseline/target_symptom" in listing.text
    assert patient not in listing.text
    other = TestClient(web.app, base_url=str(web.base_url))
    page = other.get(f"/portal/i/{issued.token}")
    used = other.post(f"/portal/i/{issued.token}", data={"csrf_token": _token(page.text)})
    assert used.status_code == 401
    assert "not valid" in used.text


def test_a_wrong_code_is_refused_next_to_the_field_and_the_right_one_opens(
    web: TestClient, world: World, patient: str
) -> None:
    issued = _issue(world, patient)
    page = web.get("/portal", headers={"Accept-Language": "nb"})
    assert '<html lang="nb">' in page.text
    assert '<label for="code">Kode</label>' in page.text
    wrong = web.post(
        "/portal",
        data={"code": "ZZZZZ-ZZZZZ", "csrf_token": _token(page.text)},
        headers={"Accept-Language": "nb"},
    )
    assert wrong.status_code == 401
    assert 'id="code-error" role="alert">Koden er ikke gyldig' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    forged = web.post("/portal", data={"code": issued.code, "csrf_token": "forged"})
    assert forged.status_code == 403
    opened = web.post(
        "/portal",
        data={"code": issued.code.replace("-", " ").lower(), "csrf_token": _token(page.text)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert web.get("/portal", follow_redirects=False).headers["location"] == (
        "/portal/questionnaires"
    )


def test_the_questionnaire_saves_a_draft_shows_errors_and_submits_as_the_portal_session(
    web: TestClient, world: World, patient: str
) -> None:
    web.cookies.set(PORTAL_COOKIE, open_session(world.db, patient))
    form = web.get("/portal/questionnaires/baseline/target_symptom")
    assert form.status_code == 200
    html = form.text
    assert html.count('type="radio" name="nrs"') == 11
    assert all(f'value="{n}"' in html for n in range(11))
    assert "0 = no symptom" in html
    assert "10 = worst imaginable" in html
    assert html.count("<fieldset") == 2
    assert html.count("<legend>") == 2
    token = _token(html)
    saved = web.post(
        "/portal/questionnaires/baseline/target_symptom",
        data={"csrf_token": token, "action": "save", "symptom": "pain"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    resumed = web.get(saved.headers["location"])
    assert re.search(r'name="symptom" value="pain"[^>]*checked', resumed.text)
    assert 'role="status"' in resumed.text
    listing = web.get("/portal/questionnaires")
    draft_link = re.search(r'href="(/portal/drafts/\d+)"', listing.text)
    assert draft_link
    assert web.get(draft_link.group(1), follow_redirects=False).headers["location"] == (
        "/portal/questionnaires/baseline/target_symptom"
    )
    missing = web.post(
        "/portal/questionnaires/baseline/target_symptom",
        data={"csrf_token": token, "action": "submit", "symptom": "pain"},
    )
    assert missing.status_code == 422
    assert '<p class="error" id="nrs-error">Please answer this question.</p>' in missing.text
    assert 'aria-describedby="nrs-ends nrs-error"' in missing.text
    assert 'href="#nrs-first"' in missing.text
    done = web.post(
        "/portal/questionnaires/baseline/target_symptom",
        data={
            "csrf_token": token,
            "action": "submit",
            "symptom": "pain",
            "nrs": "6",
            "study_id": "PALL-HUS-0001",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = web.get(done.headers["location"])
    assert "Thank you. Your answers have been sent." in after.text
    assert "/portal/questionnaires/baseline/target_symptom" not in after.text
    course = pro.symptom_course(world.db, actor="monitor", study_id=patient)
    assert [(r.visit_id, r.nrs) for r in course.ratings] == [("baseline", 6)]
    actor = course.ratings[0].recorded_by
    assert actor.startswith(f"portal:{patient}:session-")
    assert any(row[0] == actor for row in audit_rows(world.db, "symptom_ratings"))
    assert web.get("/portal/questionnaires/baseline/target_symptom").status_code == 404


def test_forms_need_the_portal_csrf_token_and_sign_out_ends_the_session(
    web: TestClient, world: World, patient: str
) -> None:
    web.cookies.set(PORTAL_COOKIE, open_session(world.db, patient))
    refused = web.post(
        "/portal/questionnaires/baseline/target_symptom",
        data={"csrf_token": "nope", "action": "save", "nrs": "3"},
    )
    assert refused.status_code == 403
    page = web.get("/portal/questionnaires")
    out = web.post(
        "/portal/sign-out", data={"csrf_token": _token(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    web.cookies.clear()
    for path in ("/portal/questionnaires", "/portal/questionnaires/baseline/target_symptom"):
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/portal?ended=1"


def test_the_idle_portal_session_ends(web: TestClient, world: World, patient: str) -> None:
    web.cookies.set(PORTAL_COOKIE, open_session(world.db, patient))
    assert web.get("/portal/questionnaires").status_code == 200
    world.clock.advance(minutes=16)
    response = web.get("/portal/questionnaires", follow_redirects=False)
    assert response.headers["location"] == "/portal?ended=1"


def test_staff_issue_invitations_at_their_own_site_only_and_the_secret_is_not_replayed(
    web: TestClient, world: World, patient: str
) -> None:
    sign_in(web, world, "nurse.ous")
    path = f"/api/v1/participants/{patient}/portal-invitations"
    first = web.post(path, headers={"Idempotency-Key": "invite-1"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["study_id"] == patient
    assert body["link_path"].startswith("/portal/i/")
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", body["code"])
    second = web.post(path, headers={"Idempotency-Key": "invite-1"})
    assert second.status_code == 201
    assert second.json()["code"] != body["code"]
    assert "Idempotent-Replayed" not in second.headers
    opened = portal.redeem  # the first, unused invitation was replaced by the second
    with pytest.raises(Exception, match="not valid"):
        opened(world.db, portal.PortalPolicy(), client_address="x", code=body["code"])
    other_site = enrol(world.db, "HUS")
    refused = web.post(f"/api/v1/participants/{other_site}/portal-invitations")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "permission_denied"
    assert web.post("/api/v1/participants/NOPE-0001/portal-invitations").status_code == 404


def test_a_nurse_issues_a_link_from_the_participant_page_and_it_opens_the_portal(
    web: TestClient, world: World, patient: str
) -> None:
    with cheap_passwords(), client_for(world.db) as staff:
        csrf = sign_in(staff, world, "nurse.ous")
        page = staff.get(f"/participants/{patient}")
        assert f'action="/participants/{patient}/portal-invitation"' in page.text
        issued = staff.post(f"/participants/{patient}/portal-invitation", data={"csrf_token": csrf})
        assert issued.status_code == 200
        assert issued.headers["Cache-Control"] == "no-store"
        link = re.search(r'<code id="portal-link">([^<]+)</code>', issued.text)
        code = re.search(r'<code id="portal-code">([^<]+)</code>', issued.text)
        assert link
        assert code
        assert len(code.group(1).replace("-", "")) == 10
        path = link.group(1).removeprefix("https://testserver")
        assert path.startswith("/portal/i/")
        forged = staff.post(f"/participants/{patient}/portal-invitation", data={"csrf_token": "x"})
        assert forged.status_code == 403
    opened = web.get(path)
    response = web.post(path, data={"csrf_token": _token(opened.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/questionnaires"


def test_staff_at_another_site_cannot_issue_a_link_from_the_page(
    world: World, patient: str
) -> None:
    with cheap_passwords(), client_for(world.db) as staff:
        csrf = sign_in(staff, world, "inv.hus")
        refused = staff.post(
            f"/participants/{patient}/portal-invitation", data={"csrf_token": csrf}
        )
        assert refused.status_code == 403
        assert "/portal/i/" not in refused.text

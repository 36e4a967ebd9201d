"""Patient-portal isolation (RELIABILITY.md row 10): 20 participants at two sites, each with a
portal session and a saved draft, reach for every other participant's drafts and questionnaires
through every portal route, with tampered ids and with client-sent study ids. 0 leaks: no
answer carries another participant's study id or draft link, foreign and tampered draft ids are
404, and no participant's draft is changed by anyone else's requests."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from radtrial.services import portal
from radtrial.web.portal import PORTAL_COOKIE
from tests.api.support import World, cheap_passwords, client_for
from tests.portal_support import enrol

PATIENTS = 20
FORM = "/portal/questionnaires/baseline/target_symptom"
TAMPERED = (
    "/portal/drafts/0",
    "/portal/drafts/-1",
    "/portal/drafts/abc",
    "/portal/drafts/99999999",
    "/portal/drafts/1%20OR%201=1",
    "/portal/questionnaires/week_4/target_symptom",
    "/portal/questionnaires/baseline/qlq_c15_pal",
    "/portal/questionnaires/baseline/ecog",
    "/portal/questionnaires/%2E%2E/target_symptom",
)


@pytest.fixture
def web(world: World) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(world.db) as client:
        yield client


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert match
    return match.group(1)


def test_no_participant_reaches_another_participants_portal_data(
    web: TestClient, world: World
) -> None:
    policy = portal.PortalPolicy()
    people = []
    for index in range(PATIENTS):
        site = "OUS" if index % 2 == 0 else "HUS"
        study_id = enrol(world.db, site)
        actor = "inv.ous" if site == "OUS" else "inv.hus"
        issued = portal.issue_invitation(world.db, policy, actor=actor, study_id=study_id)
        token = portal.redeem(world.db, policy, client_address="10.2.0.1", token=issued.token).token
        people.append(
            {"study_id": study_id, "cookie": f"{PORTAL_COOKIE}={token}", "nrs": index % 11}
        )
    for person in people:
        headers = {"Cookie": person["cookie"]}
        page = web.get(FORM, headers=headers)
        person["csrf"] = _csrf(page.text)
        saved = web.post(
            FORM,
            headers=headers,
            data={"csrf_token": person["csrf"], "action": "save", "nrs": str(person["nrs"])},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        listing = web.get("/portal/questionnaires", headers=headers).text
        found = re.search(r'href="/portal/drafts/(\d+)"', listing)
        assert found
        person["draft_id"] = int(found.group(1))
    requests = leaks = 0
    for me in people:
        headers = {"Cookie": me["cookie"]}
        others = [p for p in people if p is not me]
        foreign_ids = {str(p["study_id"]) for p in others}
        foreign_links = {f'/portal/drafts/{p["draft_id"]}"' for p in others}

        def leaked(body: str, ids: set[str] = foreign_ids, links: set[str] = foreign_links) -> bool:
            return any(s in body for s in ids) or any(s in body for s in links)

        for other in others:
            answers = [
                web.get(f"/portal/drafts/{other['draft_id']}", headers=headers),
                web.get(f"{FORM}?study_id={other['study_id']}", headers=headers),
                web.get(
                    f"/portal/questionnaires?study_id={other['study_id']}"
                    f"&participant_id={other['draft_id']}",
                    headers=headers,
                ),
                web.post(
                    FORM,
                    headers=headers,
                    data={
                        "csrf_token": me["csrf"],
                        "action": "save",
                        "nrs": str(me["nrs"]),
                        "study_id": str(other["study_id"]),
                        "draft_id": str(other["draft_id"]),
                    },
                    follow_redirects=False,
                ),
            ]
            requests += len(answers)
            assert answers[0].status_code == 404
            assert answers[1].status_code == 200
            assert answers[2].status_code == 200
            assert answers[3].status_code == 303
            assert f'/portal/drafts/{me["draft_id"]}"' in answers[2].text
            leaks += sum(leaked(a.text) for a in answers)
        for path in TAMPERED:
            answer = web.get(path, headers=headers, follow_redirects=False)
            requests += 1
            assert answer.status_code == 404, path
            leaks += leaked(answer.text)
        own = web.get(FORM, headers=headers).text
        checked = re.findall(r'name="nrs" value="(\d+)"[^>]*checked', own)
        assert checked == [str(me["nrs"])]
    # Nobody's requests changed anyone else's draft.
    for person in people:
        token = str(person["cookie"]).split("=", 1)[1]
        principal = portal.authenticate_portal(world.db, policy, token)
        draft = portal.find_draft(world.db, principal, int(person["draft_id"]))
        assert draft.answers == {"nrs": str(person["nrs"])}
    print(f"portal isolation: {PATIENTS} participants, {requests} requests, {leaks} leaks")
    assert requests == PATIENTS * ((PATIENTS - 1) * 4 + len(TAMPERED))
    assert leaks == 0
    # Without a portal session every portal route sends the visitor to enter a code.
    for path in ("/portal/questionnaires", FORM, f"/portal/drafts/{people[0]['draft_id']}"):
        answer = web.get(path, follow_redirects=False, headers={"Cookie": ""})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/portal?ended=1"

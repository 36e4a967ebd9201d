"""The enrolment routes: screening with each criterion's result, consent, registration,
randomisation (once), withdrawals, optional fractions, participant reads (logged), the screening
log and the allocation list; error shapes, site refusals and idempotent retries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from radtrial.services.course import deliver_fraction, plan_participant_course
from radtrial.services.policy import access_log
from tests.api.enrolment_support import INVESTIGATOR, NURSE, PATIENT, SITE, add_site_staff
from tests.api.support import World, client_for, error_of, sign_in
from tests.enrolment import PALLSOFT_CONFIRM

#: The worlds' clock starts on Monday 2 March 2026.
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _staff(world: World) -> None:
    add_site_staff(world)


def _client(world: World, username: str) -> TestClient:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _screen(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {"site": SITE, "data": PATIENT, "confirm": list(PALLSOFT_CONFIRM), **overrides}
    response = client.post("/api/v1/trials/pallsoft/screenings", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _consent(client: TestClient, screening_id: str) -> None:
    response = client.post(
        f"/api/v1/trials/pallsoft/screenings/{screening_id}/consent",
        json={"document_version": "1.0", "consented_on": "2026-03-02"},
    )
    assert response.status_code == 201, response.text


def _generate(world: World) -> None:
    with _client(world, "stat") as stat:
        assert stat.post("/api/v1/trials/pallsoft/randomisation/list").status_code == 201


def test_a_person_is_screened_consented_registered_and_randomised(world: World) -> None:
    _generate(world)
    with _client(world, INVESTIGATOR) as inv:
        partial = _screen(inv, data={"age_years": 72}, confirm=[])
        assert partial["status"] == "incomplete"
        assert not partial["eligible"]
        outcomes = {c["criterion"]: c for c in partial["criteria"]}
        assert outcomes["I2"]["outcome"] in {"missing_data", "met", "needs_confirmation"}
        assert all(c["reasons"] for c in partial["criteria"])
        sid = partial["screening_id"]
        assert sid.startswith(f"{SITE}-S")
        again = inv.post(
            f"/api/v1/trials/pallsoft/screenings/{sid}/evaluations",
            json={"data": PATIENT, "confirm": list(PALLSOFT_CONFIRM)},
        )
        assert again.status_code == 200, again.text
        assert again.json()["eligible"] is True
        assert all(c["outcome"] == "met" for c in again.json()["criteria"] if c["applies"])
        shown = inv.get(f"/api/v1/trials/pallsoft/screenings/{sid}")
        assert shown.json()["status"] == "eligible"
        _consent(inv, sid)
        registered = inv.post(f"/api/v1/trials/pallsoft/screenings/{sid}/registration")
        assert registered.status_code == 201, registered.text
        study_id = registered.json()["study_id"]
        assert study_id.startswith(f"PALL-{SITE}-")
        assert registered.headers["location"] == f"/api/v1/participants/{study_id}"
        before = inv.get(f"/api/v1/participants/{study_id}").json()
        assert (before["stage"], before["arm"], before["screening_id"]) == ("registered", None, sid)
        assert before["consent"]["document_version"] == "1.0"
        assert inv.get(f"/api/v1/participants/{study_id}/allocation").status_code == 404
        randomised = inv.post(f"/api/v1/participants/{study_id}/randomisation")
        assert randomised.status_code == 201, randomised.text
        arm = randomised.json()["arm"]
        assert arm in {"A", "B"}
        assert set(randomised.json()) == {"study_id", "arm", "allocated_at", "allocated_by"}
        allocation = inv.get(f"/api/v1/participants/{study_id}/allocation").json()
        assert allocation["arm"] == arm
        assert "sequence" not in allocation
        assert "stratum" not in allocation
        after = inv.get(f"/api/v1/participants/{study_id}").json()
        assert (after["stage"], after["arm"], after["randomised"]) == ("randomised", arm, True)
        listed = inv.get("/api/v1/trials/pallsoft/participants", params={"site": SITE}).json()
        assert study_id in {p["study_id"] for p in listed}
        log = inv.get("/api/v1/trials/pallsoft/screening-log", params={"site": SITE}).json()
        assert log["consort"]
        row = next(r for r in log["screenings"] if r["screening_id"] == sid)
        assert (row["study_id"], row["arm"]) == (study_id, arm)


def test_a_second_registration_or_randomisation_is_a_409(world: World) -> None:
    _generate(world)
    with _client(world, NURSE) as nurse, _client(world, INVESTIGATOR) as inv:
        sid = _screen(inv)["screening_id"]
        _consent(nurse, sid)
        path = f"/api/v1/trials/pallsoft/screenings/{sid}/registration"
        study_id = nurse.post(path).json()["study_id"]
        again = nurse.post(path)
        assert again.status_code == 409
        assert error_of(again)["code"] == "already_registered"
        assert error_of(again)["location"] == "screening_id"
        assert nurse.post(f"/api/v1/participants/{study_id}/randomisation").status_code == 201
        twice = nurse.post(f"/api/v1/participants/{study_id}/randomisation")
        assert twice.status_code == 409
        assert error_of(twice)["code"] == "already_randomised"


def test_a_retried_registration_and_randomisation_are_applied_once_and_replayed(
    world: World,
) -> None:
    _generate(world)
    with _client(world, INVESTIGATOR) as inv:
        sid = _screen(inv)["screening_id"]
        _consent(inv, sid)
        path = f"/api/v1/trials/pallsoft/screenings/{sid}/registration"
        first = inv.post(path, headers={"Idempotency-Key": "reg-1"})
        retry = inv.post(path, headers={"Idempotency-Key": "reg-1"})
        assert first.status_code == retry.status_code == 201
        assert retry.content == first.content
        assert retry.headers["Idempotent-Replayed"] == "true"
        study_id = first.json()["study_id"]
        listed = inv.get("/api/v1/trials/pallsoft/participants", params={"site": SITE}).json()
        assert [p["study_id"] for p in listed].count(study_id) == 1
        assert len([p for p in listed if p["screening_id"] == sid]) == 1
        rand = f"/api/v1/participants/{study_id}/randomisation"
        one = inv.post(rand, headers={"Idempotency-Key": "rand-1"})
        two = inv.post(rand, headers={"Idempotency-Key": "rand-1"})
        assert one.status_code == two.status_code == 201
        assert one.content == two.content
        assert two.headers["Idempotent-Replayed"] == "true"
        verified = inv.get("/api/v1/trials/pallsoft/randomisation/verify").json()
        assert verified["ok"] is True
        assert verified["report"]["used"] == 1


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"site": "OUS", "data": {"age_years": "old"}}, "data.age_years"),
        ({"site": "OUS", "data": {"no_such_field": 1}}, "data.no_such_field"),
        ({"site": "OUS", "data": {}, "extra": 1}, "body.extra"),
        ({"data": {}}, "body.site"),
    ],
)
def test_invalid_screenings_are_422_naming_the_field(
    client: TestClient, world: World, body: dict[str, Any], location: str
) -> None:
    sign_in(client, world, "inv.ous")
    response = client.post("/api/v1/trials/pallsoft/screenings", json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["location"] == location
    assert error["code"] == "invalid_input"


def test_enrolment_refusals_say_what_is_missing(client: TestClient, world: World) -> None:
    sign_in(client, world, NURSE)
    confirming = client.post(
        "/api/v1/trials/pallsoft/screenings",
        json={"site": SITE, "data": PATIENT, "confirm": ["I1"]},
    )
    assert confirming.status_code == 403
    assert error_of(confirming)["location"] == "actor"
    sid = _screen(client, confirm=[])["screening_id"]
    unconsented = client.post(f"/api/v1/trials/pallsoft/screenings/{sid}/registration")
    assert unconsented.status_code == 422
    assert error_of(unconsented)["code"] == "not_eligible"
    assert error_of(unconsented)["detail"]["criteria"]
    wrong_version = client.post(
        f"/api/v1/trials/pallsoft/screenings/{sid}/consent",
        json={"document_version": "9.9", "consented_on": "2026-03-02"},
    )
    assert wrong_version.status_code == 422
    assert error_of(wrong_version)["location"] == "document_version"
    other = client.post(
        f"/api/v1/trials/pallsoft/screenings/{sid}/not-included", json={"reason": "other"}
    )
    assert other.status_code == 422
    assert error_of(other)["location"] == "note"
    closed = client.post(
        f"/api/v1/trials/pallsoft/screenings/{sid}/not-included", json={"reason": "declined"}
    )
    assert closed.status_code == 201
    assert closed.json()["reason"] == "declined"
    log = client.get("/api/v1/trials/pallsoft/screening-log").json()
    assert {r["screening_id"]: r["outcome"] for r in log["screenings"]}[sid] == "declined"


def test_another_sites_participants_and_screenings_are_refused(world: World) -> None:
    with _client(world, "inv.ous") as inv, _client(world, "inv.hus") as hus:
        sid = _screen(inv, site="OUS")["screening_id"]
        for response in (
            hus.get("/api/v1/participants/PALL-OUS-0001"),
            hus.get(f"/api/v1/trials/pallsoft/screenings/{sid}"),
            hus.post(
                f"/api/v1/trials/pallsoft/screenings/{sid}/consent",
                json={"document_version": "1.0", "consented_on": "2026-03-02"},
            ),
            hus.post(f"/api/v1/trials/pallsoft/screenings/{sid}/registration"),
            hus.post("/api/v1/participants/PALL-OUS-0001/randomisation"),
            hus.post(
                "/api/v1/participants/PALL-OUS-0001/withdrawals",
                json={"kind": "treatment", "reason": "asked"},
            ),
            hus.get("/api/v1/trials/pallsoft/participants", params={"site": "OUS"}),
            hus.post("/api/v1/trials/pallsoft/screenings", json={"site": "OUS", "data": {}}),
        ):
            assert response.status_code == 403, response.text
            assert error_of(response)["code"] == "permission_denied"
        assert hus.get("/api/v1/participants/PALL-XXX-0001").status_code == 404
        listed = hus.get("/api/v1/trials/pallsoft/participants").json()
        assert {p["site"] for p in listed} == {"HUS"}
        log = hus.get("/api/v1/trials/pallsoft/screening-log").json()
        assert all(r["site"] == "HUS" for r in log["screenings"])
    denied = access_log(world.db, actor="inv.hus", action="participant.write")
    assert len(denied) >= 5
    assert all(row.outcome == "denied" for row in denied)


def test_every_participant_read_is_in_the_access_log(client: TestClient, world: World) -> None:
    sign_in(client, world, "monitor")
    before = len(access_log(world.db, actor="monitor", action="participant.read"))
    for _ in range(3):
        assert client.get("/api/v1/participants/PALL-HUS-0001").status_code == 200
    rows = access_log(world.db, actor="monitor", action="participant.read")
    assert len(rows) == before + 3
    assert (rows[0].outcome, rows[0].entity, rows[0].site_code) == (
        "allowed",
        "participants",
        "HUS",
    )
    assert client.get("/api/v1/trials/pallsoft/participants").status_code == 200
    listed = access_log(world.db, actor="monitor", action="participant.read")[0]
    assert listed.detail is not None
    assert "PALL-HUS-0001" in listed.detail["study_ids"]


def test_withdrawal_and_optional_fraction_decision(world: World) -> None:
    _generate(world)
    with _client(world, INVESTIGATOR) as inv:
        sid = _screen(inv)["screening_id"]
        _consent(inv, sid)
        study_id = inv.post(f"/api/v1/trials/pallsoft/screenings/{sid}/registration").json()[
            "study_id"
        ]
        early = inv.post(
            f"/api/v1/participants/{study_id}/optional-fraction-decision",
            json={"criterion_met": True, "give": True},
        )
        assert early.status_code == 422
        assert error_of(early)["location"] == "study_id"
        arm = inv.post(f"/api/v1/participants/{study_id}/randomisation").json()["arm"]
        too_soon = inv.post(
            f"/api/v1/participants/{study_id}/optional-fraction-decision",
            json={"criterion_met": True, "give": True},
        )
        assert too_soon.status_code == 422
        assert error_of(too_soon)["location"] == ("decided_at" if arm == "A" else "arm")
    if arm == "A":
        # The decision evaluates the first fraction: give it today, decide four weeks later.
        plan_participant_course(world.db, actor=INVESTIGATOR, study_id=study_id, start=TODAY)
        deliver_fraction(
            world.db,
            actor=INVESTIGATOR,
            study_id=study_id,
            fraction=1,
            doses={"ptv": 8.0},
            machine="LA1",
        )
        world.clock.advance(days=28)
    with _client(world, INVESTIGATOR) as inv:
        decision = inv.post(
            f"/api/v1/participants/{study_id}/optional-fraction-decision",
            json={"criterion_met": True, "give": True},
        )
        if arm == "A":
            assert decision.status_code == 201, decision.text
            assert decision.json()["give"] is True
            assert decision.json()["planned_fractions"] == 2
        else:
            assert decision.status_code == 422
        withdrawn = inv.post(
            f"/api/v1/participants/{study_id}/withdrawals",
            json={"kind": "follow_up", "reason": "moved abroad"},
        )
        assert withdrawn.status_code == 201, withdrawn.text
        assert withdrawn.json()["effective"]
        shown = inv.get(f"/api/v1/participants/{study_id}").json()
        assert shown["stage"] == "withdrawn"
        assert shown["withdrawals"][0]["note"] == "moved abroad"
        twice = inv.post(
            f"/api/v1/participants/{study_id}/withdrawals",
            json={"kind": "follow_up", "reason": "again"},
        )
        assert twice.status_code == 409
        blank = inv.post(f"/api/v1/participants/{study_id}/withdrawals", json={"kind": "treatment"})
        assert blank.status_code == 422
        assert error_of(blank)["location"] == "body.reason"


def test_the_allocation_list_is_the_unblinded_statisticians(world: World) -> None:
    with _client(world, "inv.ous") as inv, _client(world, "stat") as stat:
        missing = stat.get("/api/v1/trials/pallsoft/randomisation/verify")
        assert missing.status_code == 404
        refused = inv.post("/api/v1/trials/pallsoft/randomisation/list")
        assert refused.status_code == 403
        made = stat.post("/api/v1/trials/pallsoft/randomisation/list")
        assert made.status_code == 201
        assert made.json()["strata"]
        assert all(s["used"] == 0 for s in made.json()["strata"])
        assert stat.post("/api/v1/trials/pallsoft/randomisation/list").status_code == 409
        assert inv.get("/api/v1/trials/pallsoft/randomisation/verify").json()["ok"] is True
        assert inv.get("/api/v1/trials/pallsoft/randomisation/export").status_code == 403
        exported = stat.get("/api/v1/trials/pallsoft/randomisation/export")
        assert exported.status_code == 200
        assert exported.json()["rows"][0]["arm"] in {"A", "B"}

"""The course routes on SQLite and PostgreSQL: plan, deliver, miss, cancel, compensate and
acknowledge, the ledger with BED/EQD2, errors that name the field, and another site refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from radtrial.services.policy import access_log
from tests.api.support import World, client_for, error_of, sign_in
from tests.course_web_support import (
    DOSES,
    FIRST_DELIVERY,
    INVESTIGATOR,
    NURSE,
    START,
    add_nurse,
    move_on,
    prosarc2_participant,
)


@pytest.fixture
def study_id(world: World) -> str:
    add_nurse(world)
    return prosarc2_participant(world)


def _client(world: World, username: str) -> TestClient:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _url(study_id: str, tail: str = "") -> str:
    return f"/api/v1/participants/{study_id}/course{tail}"


def _deliver(client: TestClient, study_id: str, number: int, **body: Any) -> Any:
    payload = {"doses": DOSES, "machine": "PT-G1", **body}
    return client.post(_url(study_id, f"/fractions/{number}/delivery"), json=payload)


def test_plan_deliver_miss_and_the_ledger(world: World) -> None:
    add_nurse(world)
    study_id = prosarc2_participant(world, planned=False)
    with _client(world, NURSE) as nurse:
        assert nurse.get(_url(study_id)).status_code == 404
        planned = nurse.post(_url(study_id), json={"start_date": START.isoformat()})
        assert planned.status_code == 201, planned.text
        assert planned.headers["Location"] == _url(study_id)
        course = planned.json()
        assert (course["trial"], course["arm"], course["site"]) == ("prosarc2", "A", "OUS")
        assert course["prescribed_fractions"] == 16
        assert course["fractions_remaining"] == 16
        assert course["fractions"][0]["planned_date"] == "2026-03-02"
    move_on(world)  # to Wednesday: fractions 1-3 are due (a new session: the old one idled)
    with _client(world, NURSE) as nurse:
        delivered = _deliver(nurse, study_id, 1, delivered_at=FIRST_DELIVERY.isoformat())
        assert delivered.status_code == 201, delivered.text
        fraction = delivered.json()["fraction"]
        assert fraction["status"] == "delivered"
        assert fraction["machine"] == "PT-G1"
        doses = {d["dose_level"]: d for d in fraction["doses"]}
        assert doses["target"]["dose_gy"] == 3.5
        assert doses["target"]["physical_dose_gy"] == pytest.approx(3.5 / 1.1)
        assert doses["target"]["rbe_model"] == "constant RBE 1.1"

        missed = nurse.post(_url(study_id, "/fractions/2/miss"), json={"reason": "machine down"})
        assert missed.status_code == 201, missed.text
        answer = missed.json()
        assert answer["missed"]["reason"] == "machine down"
        assert answer["moves"]
        assert answer["gaps"]["options"]
        assert {d["code"] for d in answer["new_deviations"]} >= {"fraction_missed"}

        ledger = nurse.get(_url(study_id)).json()
    assert ledger["delivered_fractions"] == 1
    assert ledger["missed_fractions"] == 1
    assert ledger["fractions_remaining"] == 15
    assert ledger["missed"][0]["planned_date"] == "2026-03-03"
    target = next(level for level in ledger["levels"] if level["dose_level"] == "target")
    assert target["dose_gy"] == 3.5
    assert target["physical_dose_gy"] == pytest.approx(3.5 / 1.1)
    late = next(t for t in target["tissues"] if t["tissue"] == "late")
    # BED = n d (1 + d / (α/β)) = 3.5 (1 + 3.5 / 3); EQD2 = BED / (1 + 2 / 3)
    assert late["bed_gy"] == pytest.approx(3.5 * (1 + 3.5 / 3))
    assert late["eqd2_gy"] == pytest.approx(3.5 * (1 + 3.5 / 3) / (1 + 2 / 3))
    kinds = [o["kind"] for o in ledger["gaps"]["options"]]
    assert "added_fractions" in kinds
    assert [o["option"] for o in ledger["gaps"]["options"]] == list(range(1, len(kinds) + 1))
    reads = access_log(world.db, actor=NURSE, action="participant.read")
    assert any(r.entity == "rt_courses" and r.outcome == "allowed" for r in reads)


def test_compensation_cancel_and_acknowledgement(world: World, study_id: str) -> None:
    with _client(world, NURSE) as nurse:
        assert _deliver(nurse, study_id, 1, delivered_at=FIRST_DELIVERY.isoformat()).is_success
        assert nurse.post(_url(study_id, "/fractions/2/miss"), json={"reason": "ill"}).is_success
        # Fraction 2 was rescheduled to today, Wednesday; the rest are still to come.
        given = _deliver(nurse, study_id, 2, delivered_at="2026-03-04T09:00:00+01:00")
        assert given.is_success, given.text
        options = nurse.get(_url(study_id)).json()["gaps"]["options"]
        breaking = next(o for o in options if o["breaks"])  # e.g. twice daily: not allowed
        refused = nurse.post(
            _url(study_id, "/compensation"), json={"option": breaking["option"], "reason": "x"}
        )
        assert refused.status_code == 422  # a broken limit needs accept_breaks
        assert error_of(refused)["location"] == "option"
        added = next(o for o in options if o["kind"] == "added_fractions")
        accepted = nurse.post(
            _url(study_id, "/compensation"),
            json={
                "option": added["option"],
                "reason": "catch up",
                "accept_breaks": not added["within_protocol"],
            },
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["option"]["kind"] == "added_fractions"
        assert nurse.get(_url(study_id)).json()["gaps"] is None

        cancelled = nurse.post(_url(study_id, "/fractions/16/cancel"), json={"reason": "toxicity"})
        assert cancelled.status_code == 200
        assert cancelled.json()["cancelled"] == [16]
        again = nurse.post(_url(study_id, "/fractions/16/cancel"), json={"reason": "toxicity"})
        assert again.status_code == 409
        deviation = nurse.get(_url(study_id)).json()["deviations"][0]
        # Acknowledging is the investigator's.
        denied = nurse.post(
            _url(study_id, f"/deviations/{deviation['id']}/acknowledgement"),
            json={"reason": "seen"},
        )
        assert denied.status_code == 403
    with _client(world, INVESTIGATOR) as investigator:
        seen = investigator.post(
            _url(study_id, f"/deviations/{deviation['id']}/acknowledgement"),
            json={"reason": "seen"},
        )
        assert seen.status_code == 200, seen.text
        assert seen.json()["status"] == "acknowledged"
        assert seen.json()["acknowledged_by"] == INVESTIGATOR


@pytest.mark.parametrize(
    ("tail", "body", "location"),
    [
        ("/fractions/1/delivery", {"doses": {"target": 3.5}, "machine": "PT-G1"}, "doses"),
        (
            "/fractions/1/delivery",
            {"doses": {"target": 35, "boost": 5}, "machine": "PT-G1"},
            "doses.target",
        ),
        ("/fractions/1/delivery", {"doses": DOSES}, "machine"),
        (
            "/fractions/1/delivery",
            {"doses": DOSES, "machine": "X", "delivered_at": "2030-01-01T09:00:00+00:00"},
            "delivered_at",
        ),
        ("/fractions/1/delivery", {"doses": {"target": -1, "boost": 5}}, "body.doses.target"),
        ("/fractions/10/miss", {"reason": "x"}, "fraction"),
        ("/fractions/2/miss", {"reason": " "}, "body.reason"),
        ("/fractions/2/miss", {}, "body.reason"),
        ("/compensation", {"option": 1, "reason": "x"}, "option"),
        ("", {"start_date": "2026-03-09"}, "reason"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    world: World, study_id: str, tail: str, body: dict[str, Any], location: str
) -> None:
    with _client(world, NURSE) as nurse:
        response = nurse.post(_url(study_id, tail), json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert str(error["location"]).startswith(location), error


def test_unknown_participant_or_fraction_is_404(world: World, study_id: str) -> None:
    with _client(world, INVESTIGATOR) as client:
        response = client.post(_url(study_id, "/fractions/99/miss"), json={"reason": "x"})
        assert response.status_code == 404
        assert error_of(response)["location"] == "fraction"
        assert client.get(_url("PRS2-OUS-9999")).status_code == 404
        response = client.post(_url("PRS2-OUS-9999", "/fractions/1/miss"), json={"reason": "x"})
        assert response.status_code == 404


def test_another_sites_participant_is_refused_and_logged(world: World, study_id: str) -> None:
    with _client(world, "inv.sto") as other:
        assert other.get(_url(study_id)).status_code == 403
        for tail, body in [
            ("", {"start_date": "2026-03-09", "reason": "x"}),
            ("/fractions/1/delivery", {"doses": DOSES, "machine": "PT-G1"}),
            ("/fractions/1/miss", {"reason": "x"}),
            ("/fractions/1/cancel", {"reason": "x"}),
            ("/compensation", {"option": 1, "reason": "x"}),
            ("/deviations/1/acknowledgement", {"reason": "x"}),
        ]:
            response = other.post(_url(study_id, tail), json=body)
            assert response.status_code == 403, (tail, response.text)
            assert error_of(response)["code"] == "permission_denied"
    denied = [r for r in access_log(world.db, actor="inv.sto") if r.outcome == "denied"]
    assert len(denied) == 7
    assert {(r.entity, r.entity_id, r.site_code) for r in denied} == {
        ("rt_courses", study_id, "OUS")
    }
    with _client(world, NURSE) as nurse:
        assert nurse.get(_url(study_id)).json()["delivered_fractions"] == 0


def test_writes_need_the_csrf_token(world: World, study_id: str) -> None:
    with _client(world, NURSE) as nurse:
        del nurse.headers["X-CSRF-Token"]
        response = nurse.post(_url(study_id, "/fractions/1/miss"), json={"reason": "x"})
    assert response.status_code == 403

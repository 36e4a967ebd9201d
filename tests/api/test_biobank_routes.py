"""The biobank over the API (decision 0063): only stored samples are shipped, shipping and
receipt times follow the chain of custody, text fits its column on SQLite and PostgreSQL alike,
a receipt tells another site's user nothing about the shipment, and a site's samples and
shipments are listed, by state, to those who may read them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from radtrial.services.policy import access_log
from tests.api.support import World, client_for, error_of, sign_in
from tests.api.test_outcome_routes import _enrol_prosarc_with_biobank

LABEL = "PRS2-OUS-PL-BL"
POSITION = {"freezer": "F1", "rack": "R1", "box": "B1"}


def _client(world: World, username: str) -> TestClient:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _post(client: TestClient, path: str, body: Any, status: int = 201) -> Any:
    response = client.post(f"/api/v1{path}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def _stored(world: World) -> str:
    """A PROSARC-2 participant at OUS with a plasma sample collected at 09:00 UTC and two
    aliquots, the first stored at A1 at about 10:00 UTC (the clock's time)."""
    study_id = _enrol_prosarc_with_biobank(world)
    world.clock.advance(hours=2)
    with _client(world, "inv.ous") as client:
        _post(
            client,
            f"/participants/{study_id}/samples",
            {
                "label": LABEL,
                "sample_type": "plasma",
                "visit": "baseline",
                "collected_at": "2026-03-02T09:00:00Z",
                "aliquots": 2,
            },
        )
        _post(client, f"/samples/{LABEL}-01/storage", {**POSITION, "position": "A1"}, status=200)
    return study_id


def _refused(response: Any, location: str, reason: str | None = None) -> None:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["location"] == location, error
    if reason is not None:
        assert isinstance(error["detail"], dict)
        assert error["detail"]["reason"] == reason, error


def test_only_stored_samples_ship_at_times_that_follow_their_custody(world: World) -> None:
    study_id = _stored(world)
    with _client(world, "inv.ous") as inv:
        ship = {"labels": [f"{LABEL}-01"], "code": "SHIP-1", "to_location": "Central lab"}
        never_stored = inv.post("/api/v1/shipments", json={**ship, "labels": [f"{LABEL}-02"]})
        _refused(never_stored, "labels", "not_stored")
        assert f"{LABEL}-02" in str(error_of(never_stored)["message"])
        future = inv.post("/api/v1/shipments", json={**ship, "shipped_at": "2026-03-02T12:00:00Z"})
        _refused(future, "shipped_at", "in_future")
        # 08:30 is before the collection (09:00) and so before the storage (10:00).
        early = inv.post("/api/v1/shipments", json={**ship, "shipped_at": "2026-03-02T08:30:00Z"})
        _refused(early, "shipped_at", "before_storage")
        assert error_of(early)["detail"]["label"] == f"{LABEL}-01"  # type: ignore[index]
        listed = {
            s["label"]: s["status"]
            for s in inv.get(f"/api/v1/participants/{study_id}/samples").json()
        }
        assert listed == {LABEL: "collected", f"{LABEL}-01": "stored", f"{LABEL}-02": "collected"}
        shipped = _post(inv, "/shipments", ship)
        assert shipped["received_at"] is None
        late = inv.post(
            "/api/v1/shipments/SHIP-1/receipt", json={"received_at": "2026-03-03T12:00:00Z"}
        )
        _refused(late, "received_at", "in_future")
        before = inv.post(
            "/api/v1/shipments/SHIP-1/receipt", json={"received_at": "2026-03-02T09:30:00Z"}
        )
        _refused(before, "received_at", "before_shipping")
        assert _post(inv, "/shipments/SHIP-1/receipt", {}, status=200)["received_by"] == "inv.ous"


def test_a_condition_longer_than_its_column_is_422_at_the_field_on_both_engines(
    world: World,
) -> None:
    """The column holds 64 characters: SQLite would keep more, PostgreSQL would fail."""
    _stored(world)
    with _client(world, "inv.ous") as inv:
        _post(inv, f"/samples/{LABEL}-02/storage", {**POSITION, "position": "A2"}, status=200)
        ship = {"labels": [f"{LABEL}-01"], "code": "SHIP-1", "to_location": "Central lab"}
        too_long = inv.post("/api/v1/shipments", json={**ship, "condition": "x" * 65})
        _refused(too_long, "body.condition")
        shipped = _post(inv, "/shipments", {**ship, "condition": "y" * 64})
        assert shipped["condition"] == "y" * 64
        receipt = inv.post("/api/v1/shipments/SHIP-1/receipt", json={"condition": "x" * 65})
        _refused(receipt, "body.condition")
        received = _post(inv, "/shipments/SHIP-1/receipt", {"condition": "z" * 64}, status=200)
        assert received["receipt_condition"] == "z" * 64
        document = inv.get("/api/v1/openapi.json").json()["components"]["schemas"]
        for body in ("NewShipment", "Receipt"):
            condition = document[body]["properties"]["condition"]["anyOf"][0]
            assert condition["maxLength"] == 64, (body, condition)


def test_a_receipt_tells_another_sites_user_nothing_about_the_shipment(world: World) -> None:
    _stored(world)
    with _client(world, "inv.ous") as inv:
        _post(inv, f"/samples/{LABEL}-02/storage", {**POSITION, "position": "A2"}, status=200)
        for n, code in ((1, "SHIP-OPEN"), (2, "SHIP-DONE")):
            _post(
                inv, "/shipments", {"labels": [f"{LABEL}-0{n}"], "code": code, "to_location": "X"}
            )
        _post(inv, "/shipments/SHIP-DONE/receipt", {}, status=200)
    bodies: list[dict[str, Any]] = [
        {},
        {"received_at": "2026-03-01T09:00:00Z"},  # before shipping
        {"received_at": "2027-01-01T09:00:00Z"},  # in the future
        {"missing": ["NOT-IN-IT"]},
    ]
    for username in ("inv.sto", "inv.hus", "monitor"):
        with _client(world, username) as other:
            answers = set()
            for code in ("SHIP-OPEN", "SHIP-DONE"):
                for body in bodies:
                    response = other.post(f"/api/v1/shipments/{code}/receipt", json=body)
                    assert response.status_code == 403, (username, code, body, response.text)
                    answers.add(response.text)
            assert len(answers) == 1, (username, answers)  # received or not: the same answer
            assert "received" not in answers.pop()
            unknown = other.post("/api/v1/shipments/NO-SUCH/receipt", json={})
            assert unknown.status_code == 404
    denied = [
        r
        for r in access_log(world.db, actor="inv.sto")
        if r.entity == "sample_shipments" and r.outcome == "denied"
    ]
    assert len(denied) == 2 * len(bodies)
    with _client(world, "inv.ous") as inv:
        shipments = inv.get("/api/v1/sites/OUS/shipments").json()
        assert {(s["code"], s["state"]) for s in shipments} == {
            ("SHIP-OPEN", "in_transit"),
            ("SHIP-DONE", "received"),
        }


def test_a_sites_samples_and_shipments_are_listed_by_state_to_those_who_may_read_them(
    world: World,
) -> None:
    study_id = _stored(world)
    with _client(world, "inv.ous") as inv:
        _post(inv, f"/samples/{LABEL}-02/storage", {**POSITION, "position": "A2"}, status=200)
        _post(
            inv,
            "/shipments",
            {"labels": [f"{LABEL}-02"], "code": "SHIP-1", "to_location": "Central lab"},
        )
        samples = inv.get("/api/v1/sites/OUS/samples")
        assert samples.status_code == 200, samples.text
        assert {(s["label"], s["state"], s["position"], s["shipment"]) for s in samples.json()} == {
            (LABEL, "collected", None, None),
            (f"{LABEL}-01", "stored", "F1/R1/B1/A1", None),
            (f"{LABEL}-02", "in_transit", None, "SHIP-1"),
        }
        row = samples.json()[0]
        assert (row["study_id"], row["trial"], row["sample_type"], row["visit"]) == (
            study_id,
            "prosarc2",
            "plasma",
            "baseline",
        )
        stored = inv.get("/api/v1/sites/OUS/samples?state=stored").json()
        assert [s["label"] for s in stored] == [f"{LABEL}-01"]
        in_transit = inv.get("/api/v1/sites/OUS/samples?state=in_transit&trial=prosarc2").json()
        assert [s["label"] for s in in_transit] == [f"{LABEL}-02"]
        assert inv.get("/api/v1/sites/OUS/samples?trial=pallsoft").json() == []
        bad = inv.get("/api/v1/sites/OUS/samples?state=shipped")
        assert bad.status_code == 422
        assert error_of(bad)["location"] == "query.state"
        shipments = inv.get("/api/v1/sites/OUS/shipments").json()
        assert len(shipments) == 1
        shipment = shipments[0]
        assert (shipment["code"], shipment["to_location"], shipment["from_location"]) == (
            "SHIP-1",
            "Central lab",
            "OUS",
        )
        assert (shipment["shipped_by"], shipment["samples"], shipment["labels"]) == (
            "inv.ous",
            1,
            [f"{LABEL}-02"],
        )
        assert (shipment["state"], shipment["received_at"]) == ("in_transit", None)
        assert inv.get("/api/v1/sites/OUS/shipments?state=received").json() == []
        assert inv.get("/api/v1/sites/NOPE/samples").status_code == 404
        assert inv.get("/api/v1/sites/OUS/samples?trial=nope").status_code == 404
    with _client(world, "monitor") as monitor:
        assert len(monitor.get("/api/v1/sites/OUS/samples").json()) == 3
        assert len(monitor.get("/api/v1/sites/OUS/shipments").json()) == 1
    with _client(world, "nurse.ous") as nurse:  # PALLSOFT only: sees no PROSARC-2 sample
        assert nurse.get("/api/v1/sites/OUS/samples").json() == []
        assert nurse.get("/api/v1/sites/OUS/shipments").json() == []
        assert nurse.get("/api/v1/sites/OUS/samples?trial=prosarc2").status_code == 403
    for username, own in (("inv.hus", "HUS"), ("inv.sto", "STO")):
        with _client(world, username) as other:
            for noun in ("samples", "shipments"):
                refused = other.get(f"/api/v1/sites/OUS/{noun}")
                assert refused.status_code == 403, (username, noun, refused.text)
                assert LABEL not in refused.text
                assert "SHIP-1" not in refused.text
                assert other.get(f"/api/v1/sites/{own}/{noun}").json() == []
    reads = access_log(world.db, actor="inv.ous", action="participant.read")
    assert {r.entity for r in reads if r.outcome == "allowed"} >= {"samples", "sample_shipments"}
    refusals = access_log(world.db, actor="inv.hus", action="participant.read")
    assert {(r.entity, r.site_code) for r in refusals if r.outcome == "denied"} == {
        ("samples", "OUS"),
        ("sample_shipments", "OUS"),
    }

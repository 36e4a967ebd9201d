"""The outcome routes: adverse events with SAE deadlines, ECOG, RECIST, death and off study,
staff-entered PROs, samples from collection to receipt, a site's visits due and open AEs, and a
trial's endpoints and analysis; error shapes (422 naming the field) and other sites refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from radtrial.services import consent, registration, screening
from radtrial.services.policy import access_log
from tests.api.support import World, client_for, error_of, sign_in
from tests.outcomes_support import _prosarc_data, audit_rows

OUS = "PALL-OUS-0001"
STO = "PROS-STO-0001"
DIARRHOEA = {"term": "Diarrhea", "grade": 2, "onset_on": "2026-03-02", "attribution": "possible"}


def _client(world: World, username: str) -> TestClient:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _post(client: TestClient, path: str, body: Any, status: int = 201) -> Any:
    response = client.post(f"/api/v1{path}", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_adverse_events_are_recorded_listed_and_serious_ones_have_deadlines(world: World) -> None:
    with _client(world, "nurse.ous") as nurse:
        mild = _post(nurse, f"/participants/{OUS}/adverse-events", DIARRHOEA)
        assert (mild["term"], mild["grade"], mild["ctcae_version"]) == ("Diarrhea", 2, "5.0")
        assert mild["related"] is True
        assert mild["serious"] is False
        assert mild["report_due_at"] is None
        serious = _post(
            nurse,
            f"/participants/{OUS}/adverse-events",
            {
                **DIARRHOEA,
                "grade": 3,
                "seriousness": ["hospitalisation"],
                "investigator_aware_at": "2026-03-02T08:00:00Z",
            },
        )
        assert serious["serious"] is True
        assert serious["expedited_report"] is True
        assert serious["report_due_at"].startswith("2026-03-03T08:00:00")
        listed = nurse.get(f"/api/v1/participants/{OUS}/adverse-events").json()
        assert [e["id"] for e in listed] == sorted([mild["id"], serious["id"]])
        open_at_site = nurse.get("/api/v1/sites/OUS/adverse-events?trial=pallsoft")
        assert open_at_site.status_code == 200, open_at_site.text
        rows = open_at_site.json()
        assert [r["event"]["id"] for r in rows] == [serious["id"], mild["id"]]
        assert rows[0]["report_due_at"].startswith("2026-03-03T08:00:00")
        assert rows[0]["overdue"] is False
    world.clock.advance(days=2)
    with _client(world, "nurse.ous") as nurse:
        later = nurse.get("/api/v1/sites/OUS/adverse-events").json()
        assert later[0]["overdue"] is True
    reads = access_log(world.db, actor="nurse.ous", action="participant.read")
    assert any(r.entity == "adverse_events" and r.outcome == "allowed" for r in reads)


def test_an_invalid_adverse_event_is_422_naming_the_field(world: World) -> None:
    with _client(world, "nurse.ous") as nurse:
        for body, location in (
            ({**DIARRHOEA, "grade": 9}, "body.grade"),
            ({**DIARRHOEA, "term": "Nausea", "grade": 4}, "grade"),
            ({**DIARRHOEA, "onset_on": "2026-02-01"}, "onset_on"),
            ({**DIARRHOEA, "ctcae_version": "4.03"}, "ctcae_version"),
            ({**DIARRHOEA, "outcome": "recovered"}, "resolved_on"),
        ):
            response = nurse.post(f"/api/v1/participants/{OUS}/adverse-events", json=body)
            assert response.status_code == 422, (body, response.text)
            error = error_of(response)
            assert error["code"] == "invalid_input"
            assert error["location"] == location, (body, error)
        assert nurse.get(f"/api/v1/participants/{OUS}/adverse-events").json() == []
        unknown = nurse.get("/api/v1/participants/PALL-OUS-9999/adverse-events")
        assert unknown.status_code == 404


def test_another_sites_outcomes_are_refused_and_logged(world: World) -> None:
    with _client(world, "inv.hus") as other:
        for path, body in (
            (f"/participants/{OUS}/adverse-events", DIARRHOEA),
            (f"/participants/{OUS}/ecog", {"status": 1}),
            (
                f"/participants/{OUS}/events",
                {"kind": "death", "event_on": "2026-03-02", "cause": "other"},
            ),
            (f"/participants/{OUS}/symptom-ratings", {"visit": "baseline", "nrs": 5}),
        ):
            response = other.post(f"/api/v1{path}", json=body)
            assert response.status_code == 403, (path, response.text)
            assert error_of(response)["code"] == "permission_denied"
        for path in (
            f"/participants/{OUS}/adverse-events",
            f"/participants/{OUS}/ecog",
            f"/participants/{OUS}/recist",
            f"/participants/{OUS}/events",
            f"/participants/{OUS}/samples",
            "/sites/OUS/adverse-events",
            "/sites/OUS/adverse-events?trial=pallsoft",
            "/sites/OUS/visits-due?trial=pallsoft",
        ):
            assert other.get(f"/api/v1{path}").status_code == 403, path
    denied = access_log(world.db, actor="inv.hus", action="participant.write")
    assert len([r for r in denied if r.outcome == "denied"]) == 4
    with _client(world, "nurse.ous") as nurse:
        assert nurse.get(f"/api/v1/participants/{OUS}/adverse-events").json() == []


def test_ecog_is_recorded_once_a_day(world: World) -> None:
    with _client(world, "inv.ous") as inv:
        made = _post(inv, f"/participants/{OUS}/ecog", {"status": 1})
        assert (made["status"], made["assessed_on"]) == (1, "2026-03-02")
        again = inv.post(f"/api/v1/participants/{OUS}/ecog", json={"status": 2})
        assert again.status_code == 409
        bad = inv.post(f"/api/v1/participants/{OUS}/ecog", json={"status": 6})
        assert error_of(bad)["location"] == "body.status"
        future = inv.post(
            f"/api/v1/participants/{OUS}/ecog", json={"status": 1, "assessed_on": "2026-04-01"}
        )
        assert (future.status_code, error_of(future)["location"]) == (422, "assessed_on")
        assert [e["status"] for e in inv.get(f"/api/v1/participants/{OUS}/ecog").json()] == [1]


def test_a_recist_series_with_its_responses(world: World) -> None:
    with _client(world, "inv.sto") as inv:
        baseline = _post(
            inv,
            f"/participants/{STO}/recist/baseline",
            {
                "assessed_on": "2026-03-02",
                "target_lesions": [
                    {
                        "lesion_id": "T1",
                        "organ": "thigh",
                        "baseline_mm": 80,
                        "modality": "mri",
                        "irradiated_index": True,
                    },
                    {"lesion_id": "T2", "organ": "lung", "baseline_mm": 15},
                ],
                "non_target_lesions": [{"lesion_id": "N1", "organ": "lung"}],
            },
        )
        assert baseline["sum_mm"] == 95
    world.clock.advance(days=60)
    with _client(world, "inv.sto") as inv:
        follow = _post(
            inv,
            f"/participants/{STO}/recist/follow-ups",
            {
                "assessed_on": "2026-05-01",
                "sizes": [{"lesion_id": "T1", "size_mm": 100}, {"lesion_id": "T2", "size_mm": 15}],
                "non_target": "non_cr_non_pd",
            },
        )
        assert follow["follow_up"]["overall_response"] == "PD"
        assert follow["follow_up"]["local_progression"] is True
        assert {e["kind"] for e in follow["events"]} >= {"local_progression"}
        series = inv.get(f"/api/v1/participants/{STO}/recist").json()
        assert series["baseline"]["id"] == baseline["id"]
        assert [f["overall_response"] for f in series["follow_ups"]] == ["PD"]
        assert series["best"]["response"] == "PD"
        events = inv.get(f"/api/v1/participants/{STO}/events").json()
        assert "local_progression" in {e["kind"] for e in events}
        missing = inv.post(
            f"/api/v1/participants/{STO}/recist/follow-ups",
            json={"assessed_on": "2026-05-01", "sizes": [{"lesion_id": "T1", "size_mm": -1}]},
        )
        assert missing.status_code == 422
        assert str(error_of(missing)["location"]).startswith("body.sizes")


def test_death_and_off_study_events(world: World) -> None:
    with _client(world, "inv.ous") as inv:
        no_cause = inv.post(
            f"/api/v1/participants/{OUS}/events", json={"kind": "death", "event_on": "2026-03-02"}
        )
        assert (no_cause.status_code, error_of(no_cause)["location"]) == (422, "body.cause")
        off = _post(
            inv,
            f"/participants/{OUS}/events",
            {"kind": "off_study", "event_on": "2026-03-02", "reason": "withdrawal"},
        )
        assert (off["kind"], off["off_study_reason"]) == ("off_study", "withdrawal")
        died = _post(
            inv,
            f"/participants/{OUS}/events",
            {"kind": "death", "event_on": "2026-03-02", "cause": "disease_under_study"},
        )
        assert died["death_cause"] == "disease_under_study"
        twice = inv.post(
            f"/api/v1/participants/{OUS}/events",
            json={"kind": "death", "event_on": "2026-03-02", "cause": "other"},
        )
        assert twice.status_code in {409, 422}
        assert [e["kind"] for e in inv.get(f"/api/v1/participants/{OUS}/events").json()] == [
            "off_study",
            "death",
        ]


def test_staff_enter_a_target_symptom_rating(world: World) -> None:
    with _client(world, "nurse.ous") as nurse:
        rating = _post(
            nurse,
            f"/participants/{OUS}/symptom-ratings",
            {"visit": "baseline", "nrs": 7, "symptom": "pain"},
        )
        assert (rating["nrs"], rating["visit_id"], rating["recorded_by"]) == (
            7,
            "baseline",
            "nurse.ous",
        )
        bad = nurse.post(
            f"/api/v1/participants/{OUS}/symptom-ratings", json={"visit": "nope", "nrs": 3}
        )
        assert (bad.status_code, error_of(bad)["location"]) == (422, "visit")


def test_samples_need_the_biobank_consent_and_another_sites_are_refused(world: World) -> None:
    """The world's participants gave no optional biobank consent: collection is refused naming
    the field; the other routes answer 404 for an unknown label and 403 at another site."""
    with _client(world, "inv.sto") as inv:
        refused = inv.post(
            f"/api/v1/participants/{STO}/samples",
            json={
                "label": "PRS2-0001-PL-BL",
                "sample_type": "plasma",
                "visit": "baseline",
                "collected_at": "2026-03-02T08:00:00Z",
            },
        )
        assert refused.status_code == 422, refused.text
        assert error_of(refused)["location"] == "collected_at"
        assert inv.get(f"/api/v1/participants/{STO}/samples").json() == []
        body = {"freezer": "F", "rack": "R", "box": "B", "position": "A2"}
        assert inv.post("/api/v1/samples/NO-SUCH/storage", json=body).status_code == 404
        ship = inv.post(
            "/api/v1/shipments", json={"labels": ["NO-SUCH"], "code": "SHIP-2", "to_location": "X"}
        )
        assert ship.status_code == 404
        assert inv.post("/api/v1/shipments/NOPE/receipt", json={}).status_code == 404
    with _client(world, "inv.ous") as other:
        response = other.post(
            f"/api/v1/participants/{STO}/samples",
            json={"label": "X-1", "sample_type": "plasma", "visit": "baseline"},
        )
        assert response.status_code == 403
        assert other.get(f"/api/v1/participants/{STO}/samples").status_code == 403


def _enrol_prosarc_with_biobank(world: World) -> str:
    """A PROSARC-2 patient at OUS who consented to the biobank, through the services."""
    today = world.clock().date()
    screened = screening.screen(
        world.db,
        actor="inv.ous",
        trial_slug="prosarc2",
        data=_prosarc_data(today),
        site_code="OUS",
        confirm=["I7", "E1", "E4"],
    )
    handle = screened.screening.screening_id
    consent.record_consent(
        world.db,
        actor="inv.ous",
        trial_slug="prosarc2",
        screening_id=handle,
        document_version="1.0",
        consented_on=today,
        optional={"biobank": True},
    )
    registered = registration.register(
        world.db, actor="inv.ous", trial_slug="prosarc2", screening_id=handle
    )
    return registered.participant.study_id


def test_a_sample_goes_from_collection_to_a_position_a_shipment_and_a_receipt(
    world: World,
) -> None:
    study_id = _enrol_prosarc_with_biobank(world)
    world.clock.advance(hours=2)
    label = "PRS2-OUS-PL-BL"
    with _client(world, "inv.ous") as inv:
        collected = _post(
            inv,
            f"/participants/{study_id}/samples",
            {
                "label": label,
                "sample_type": "plasma",
                "visit": "baseline",
                "collected_at": "2026-03-02T09:00:00Z",
                "volume_ml": 4.0,
                "aliquots": 2,
                "aliquot_volume_ml": 1.0,
            },
        )
        assert [s["label"] for s in collected] == [label, f"{label}-01", f"{label}-02"]
        position = {"freezer": "OUS-F1", "rack": "R1", "box": "B1", "position": "A1"}
        stored = _post(inv, f"/samples/{label}-01/storage", position, status=200)
        assert (stored["status"], stored["position"]) == ("stored", "A1")
        taken = inv.post(f"/api/v1/samples/{label}-02/storage", json=position)
        assert taken.status_code == 422, taken.text
        assert error_of(taken)["location"] == "position"
        assert f"{label}-01" in str(error_of(taken)["message"])
        # A sample never stored is not shipped (decision 0063); stored, it is.
        unstored = inv.post(
            "/api/v1/shipments",
            json={"labels": [f"{label}-01", f"{label}-02"], "code": "SHIP-1", "to_location": "B"},
        )
        assert unstored.status_code == 422, unstored.text
        assert error_of(unstored)["location"] == "labels"
        assert error_of(unstored)["detail"] == {"reason": "not_stored", "labels": [f"{label}-02"]}
        _post(inv, f"/samples/{label}-02/storage", {**position, "position": "A2"}, status=200)
        shipped = _post(
            inv,
            "/shipments",
            {"labels": [f"{label}-01", f"{label}-02"], "code": "SHIP-1", "to_location": "Biobank"},
        )
        assert shipped["labels"] == [f"{label}-01", f"{label}-02"]
        assert shipped["received_at"] is None
        again = inv.post(
            "/api/v1/shipments",
            json={"labels": [f"{label}-01"], "code": "SHIP-9", "to_location": "Biobank"},
        )
        assert again.status_code in {409, 422}, again.text
        received = _post(
            inv,
            "/shipments/SHIP-1/receipt",
            {"condition": "frozen", "missing": [f"{label}-02"], "note": "one tube absent"},
            status=200,
        )
        assert received["received_by"] == "inv.ous"
        assert received["missing"] == [f"{label}-02"]
        assert inv.post("/api/v1/shipments/SHIP-1/receipt", json={}).status_code == 409
        listed = {
            s["label"]: s["status"]
            for s in inv.get(f"/api/v1/participants/{study_id}/samples").json()
        }
        assert listed[label] == "collected"
    with _client(world, "inv.hus") as other:
        refused = other.post(f"/api/v1/samples/{label}/storage", json=position)
        assert refused.status_code in {403, 404}
    assert ("inv.ous", "insert", "code", "SHIP-1") in audit_rows(world.db, "sample_shipments")
    assert ("inv.ous", "insert", "condition", "frozen") in audit_rows(world.db, "sample_receipts")


def test_visits_due_endpoints_and_analysis(world: World) -> None:
    with _client(world, "nurse.ous") as nurse:
        due = nurse.get("/api/v1/sites/OUS/visits-due?trial=pallsoft")
        assert due.status_code == 200, due.text
        assert all(v["study_id"] == OUS and v["trial"] == "pallsoft" for v in due.json())
        assert {v["status"] for v in due.json()} <= {"due", "overdue"}
        assert nurse.get("/api/v1/sites/OUS/visits-due?trial=prosarc2").status_code == 403
        assert nurse.get("/api/v1/trials/pallsoft/analysis").status_code == 403
        endpoints = nurse.get("/api/v1/trials/pallsoft/endpoints")
        assert endpoints.status_code == 200, endpoints.text
        assert {r["study_id"] for r in endpoints.json()["rows"]} <= {OUS}
    with _client(world, "stat") as stat:
        analysis = stat.get("/api/v1/trials/pallsoft/analysis?population=itt")
        assert analysis.status_code == 200, analysis.text
        assert analysis.json()["population"]["id"] == "itt"
        unknown = stat.get("/api/v1/trials/pallsoft/analysis?population=zz")
        assert (unknown.status_code, error_of(unknown)["location"]) == (422, "population")
        assert stat.get("/api/v1/trials/nosuch/analysis").status_code == 404
    with _client(world, "monitor") as monitor:
        refused = monitor.get("/api/v1/trials/pallsoft/analysis")
        assert refused.status_code == 403
    denied = access_log(world.db, actor="monitor", action="trial.analyse")
    assert [r.outcome for r in denied] == ["denied"]

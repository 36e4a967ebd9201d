"""Electronic signatures (RELIABILITY.md row 12): an investigator signs an adverse event or a
RECIST assessment by re-entering the password; the signature shows name, UTC time and meaning;
an edit after signing voids it (audited); a signature copied onto another record fails."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from radtrial.store.tables import RecordSignatureRow
from tests.api.support import PASSWORD, World, client_for, error_of, sign_in

OUS = "PALL-OUS-0001"
AE = {"term": "Diarrhea", "grade": 2, "onset_on": "2026-03-02", "attribution": "possible"}


def _client(world: World, username: str) -> TestClient:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _ae(client: TestClient, **values: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/participants/{OUS}/adverse-events", json={**AE, **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _sign(client: TestClient, event_id: int, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(
        f"/api/v1/participants/{OUS}/adverse-events/{event_id}/signatures",
        json={"password": password, **extra},
    )


def test_signing_needs_the_password_and_shows_name_time_and_meaning(world: World) -> None:
    with _client(world, "inv.ous") as inv:
        event = _ae(inv)
        wrong = _sign(inv, event["id"], password="not my password")
        assert wrong.status_code == 401
        assert error_of(wrong)["location"] == "password"
        missing = inv.post(
            f"/api/v1/participants/{OUS}/adverse-events/{event['id']}/signatures", json={}
        )
        assert (missing.status_code, error_of(missing)["location"]) == (422, "body.password")
        listed = inv.get(f"/api/v1/participants/{OUS}/adverse-events/{event['id']}/signatures")
        assert listed.json() == []
        assert inv.get("/api/v1/auth/me").status_code == 200  # the session survives
        signed = _sign(inv, event["id"], meaning="I confirm this record is accurate")
        assert signed.status_code == 201, signed.text
        body = signed.json()
        assert (body["signer"], body["signer_name"]) == ("inv.ous", "Inv Ous Person")
        assert body["meaning"] == "I confirm this record is accurate"
        assert body["signed_at"].endswith("Z") or body["signed_at"].endswith("+00:00")
        assert body["status"] == "valid"
        assert len(body["content_sha256"]) == 64
        shown = inv.get(f"/api/v1/participants/{OUS}/adverse-events/{event['id']}/signatures")
        assert [s["status"] for s in shown.json()] == ["valid"]


def test_only_an_investigator_at_the_site_signs(world: World) -> None:
    with _client(world, "nurse.ous") as nurse:
        event = _ae(nurse)
        refused = _sign(nurse, event["id"])
        assert refused.status_code == 403
    with _client(world, "inv.hus") as other:
        assert _sign(other, event["id"]).status_code == 403
        listed = other.get(f"/api/v1/participants/{OUS}/adverse-events/{event['id']}/signatures")
        assert listed.status_code == 403
    with _client(world, "inv.ous") as inv:
        assert _sign(inv, 999999).status_code == 404


def test_an_edit_after_signing_voids_the_signature_and_the_void_is_audited(world: World) -> None:
    with _client(world, "inv.ous") as inv:
        event = _ae(inv)
        signature = _sign(inv, event["id"]).json()
        shown = inv.get(f"/api/v1/participants/{OUS}/adverse-events/{event['id']}")
        etag = shown.headers["ETag"]
        assert etag == f'"{signature["content_sha256"]}"'
        path = f"/api/v1/participants/{OUS}/adverse-events/{event['id']}"
        no_match = inv.patch(path, json={"reason": "regraded", "grade": 3})
        assert no_match.status_code == 428
        stale = inv.patch(
            path, json={"reason": "regraded", "grade": 3}, headers={"If-Match": '"x"'}
        )
        assert stale.status_code == 412
        no_reason = inv.patch(path, json={"grade": 3}, headers={"If-Match": etag})
        assert (no_reason.status_code, error_of(no_reason)["location"]) == (422, "body.reason")
        bad = inv.patch(
            path, json={"reason": "typo", "outcome": "recovered"}, headers={"If-Match": etag}
        )
        assert (bad.status_code, error_of(bad)["location"]) == (422, "resolved_on")
        corrected = inv.patch(
            path, json={"reason": "regraded after review", "grade": 3}, headers={"If-Match": etag}
        )
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["grade"] == 3
        assert corrected.headers["ETag"] != etag
        again = inv.patch(path, json={"reason": "again", "grade": 1}, headers={"If-Match": etag})
        assert again.status_code == 412
        after = inv.get(f"{path}/signatures").json()
        assert [s["status"] for s in after] == ["voided"]
        assert after[0]["voided_by"] == "inv.ous"
        assert after[0]["void_reason"] == "record edited: regraded after review"
    with _client(world, "monitor") as monitor:
        trail = monitor.get(f"/api/v1/audit/records/record_signatures/{signature['id']}")
        assert trail.status_code == 200, trail.text
        voids = [e for e in trail.json()["entries"] if e["field"] == "voided_at"]
        assert [e["action"] for e in voids] == ["insert", "update"]
        assert voids[-1]["actor"] == "inv.ous"
        assert voids[-1]["reason"] == "regraded after review"
        ae_trail = monitor.get(f"/api/v1/audit/records/adverse_events/{event['id']}").json()
        grades = [e for e in ae_trail["entries"] if e["field"] == "grade"]
        assert [e["new_value"] for e in grades] == [2, 3]


def test_a_signature_copied_onto_another_record_fails_verification(world: World) -> None:
    with _client(world, "inv.ous") as inv:
        first = _ae(inv)
        second = _ae(inv, term="Cystitis noninfective", grade=1)
        signature = _sign(inv, first["id"]).json()
        with world.db.unit_of_work("tamperer", reason="copying a signature") as uow:
            row = uow.session.get(RecordSignatureRow, signature["id"])
            assert row is not None
            row.entity_id = second["id"]
        copied = inv.get(f"/api/v1/participants/{OUS}/adverse-events/{second['id']}/signatures")
        assert [s["status"] for s in copied.json()] == ["invalid"]
        assert (
            inv.get(f"/api/v1/participants/{OUS}/adverse-events/{first['id']}/signatures").json()
            == []
        )


def test_a_recist_assessment_is_signed_like_an_adverse_event(world: World) -> None:
    with _client(world, "inv.sto") as inv:
        baseline = inv.post(
            "/api/v1/participants/PROS-STO-0001/recist/baseline",
            json={
                "assessed_on": "2026-03-02",
                "target_lesions": [{"lesion_id": "T1", "organ": "lung", "baseline_mm": 20}],
            },
        )
        assert baseline.status_code == 201, baseline.text
        path = f"/api/v1/participants/PROS-STO-0001/recist-baselines/{baseline.json()['id']}"
        signed = inv.post(f"{path}/signatures", json={"password": PASSWORD})
        assert signed.status_code == 201, signed.text
        assert signed.json()["record"] == "recist-baselines"
        assert [s["status"] for s in inv.get(f"{path}/signatures").json()] == ["valid"]


def test_password_guesses_at_signing_are_throttled_like_sign_in(world: World) -> None:
    from radtrial.config import Settings

    settings = Settings(login_failures_per_account_hour=3)
    with client_for(world.db, settings) as inv:
        sign_in(inv, world, "inv.ous")
        event = _ae(inv)
        for _ in range(3):
            assert _sign(inv, event["id"], password="guess").status_code == 401
        throttled = _sign(inv, event["id"])
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) > 0
        assert (
            inv.get(f"/api/v1/participants/{OUS}/adverse-events/{event['id']}/signatures").json()
            == []
        )

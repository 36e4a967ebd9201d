"""Corrections of RECIST records over HTTP (decision 0062): the record is read with its version
as ETag and corrected by PATCH with a reason and If-Match (428 missing, 412 stale), retried
safely with Idempotency-Key; the series is re-evaluated, signatures of changed records voided and
the voids audited; errors have the one JSON shape and name the field; other sites are refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.support import PASSWORD, World, client_for, error_of, sign_in
from tests.outcomes_support import audit_rows

STO = "PROS-STO-0001"
BASE = f"/api/v1/participants/{STO}"
INDEX = {
    "lesion_id": "T1",
    "organ": "thigh",
    "baseline_mm": 80,
    "modality": "mri",
    "irradiated_index": True,
}
LUNG = {"lesion_id": "T2", "organ": "lung", "baseline_mm": 34}
SOURCE = "source document: lesion T2 measured 34 mm, not 43 mm"


def _client(world: World, username: str) -> TestClient:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _series(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """A baseline with the 43 mm typo and a follow-up that is PR against it."""
    with _client(world, "inv.sto") as inv:
        baseline = inv.post(
            f"{BASE}/recist/baseline",
            json={
                "assessed_on": "2026-03-02",
                "target_lesions": [INDEX, {**LUNG, "baseline_mm": 43}],
                "non_target_lesions": [{"lesion_id": "N1", "organ": "lung"}],
            },
        )
        assert baseline.status_code == 201, baseline.text
    world.clock.advance(days=60)
    with _client(world, "inv.sto") as inv:
        follow = inv.post(
            f"{BASE}/recist/follow-ups",
            json={
                "assessed_on": "2026-05-01",
                "sizes": [{"lesion_id": "T1", "size_mm": 50}, {"lesion_id": "T2", "size_mm": 30}],
                "non_target": "non_cr_non_pd",
            },
        )
        assert follow.status_code == 201, follow.text
    return baseline.json(), follow.json()["follow_up"]


def test_a_signed_baseline_is_corrected_and_its_follow_up_re_evaluated(world: World) -> None:
    baseline, follow_up = _series(world)
    assert (baseline["sum_mm"], follow_up["overall_response"]) == (123, "PR")
    path = f"{BASE}/recist-baselines/{baseline['id']}"
    follow_path = f"{BASE}/recist-follow-ups/{follow_up['id']}"
    with _client(world, "inv.sto") as inv:
        signed = inv.post(f"{path}/signatures", json={"password": PASSWORD})
        assert signed.status_code == 201, signed.text
        assert inv.post(f"{follow_path}/signatures", json={"password": PASSWORD}).status_code == 201
        shown = inv.get(path)
        assert shown.status_code == 200, shown.text
        assert shown.json()["id"] == baseline["id"]
        etag = shown.headers["ETag"]
        assert etag == f'"{signed.json()["content_sha256"]}"'
        fix = {"reason": SOURCE, "target_lesions": [INDEX, LUNG]}

        missing = inv.patch(path, json=fix)
        assert (missing.status_code, error_of(missing)["location"]) == (428, "If-Match")
        stale = inv.patch(path, json=fix, headers={"If-Match": '"0000"'})
        assert (stale.status_code, error_of(stale)["code"]) == (412, "precondition_failed")
        no_reason = inv.patch(
            path, json={"target_lesions": [INDEX, LUNG]}, headers={"If-Match": etag}
        )
        assert (no_reason.status_code, error_of(no_reason)["location"]) == (422, "body.reason")
        too_small = inv.patch(
            path,
            json={"reason": SOURCE, "target_lesions": [INDEX, {**LUNG, "baseline_mm": 8}]},
            headers={"If-Match": etag},
        )
        assert (too_small.status_code, error_of(too_small)["location"]) == (
            422,
            "target_lesions[T2].baseline_mm",
        )
        nothing = inv.patch(
            path, json={"reason": SOURCE, "assessed_on": "2026-03-02"}, headers={"If-Match": etag}
        )
        assert (nothing.status_code, error_of(nothing)["location"]) == (422, "body")
        other_targets = inv.patch(
            path, json={"reason": SOURCE, "target_lesions": [INDEX]}, headers={"If-Match": etag}
        )
        assert (other_targets.status_code, error_of(other_targets)["location"]) == (
            409,
            "target_lesions",
        )
        assert error_of(other_targets)["detail"]["follow_ups"] == [follow_up["id"]]  # type: ignore[index]
        assert inv.get(path).headers["ETag"] == etag  # nothing was written

        headers = {"If-Match": etag, "Idempotency-Key": "recist-fix-1"}
        corrected = inv.patch(path, json=fix, headers=headers)
        assert corrected.status_code == 200, corrected.text
        body = corrected.json()
        assert (body["record"], body["record_id"]) == ("recist-baselines", baseline["id"])
        assert body["baseline"]["sum_mm"] == 114
        assert [f["overall_response"] for f in body["follow_ups"]] == ["SD"]
        assert body["re_evaluated_follow_ups"] == [follow_up["id"]]
        assert [(v["record"], v["count"]) for v in body["voided_signatures"]] == [
            ("recist-baselines", 1),
            ("recist-follow-ups", 1),
        ]
        new_etag = corrected.headers["ETag"]
        assert new_etag != etag
        assert inv.get(path).headers["ETag"] == new_etag
        replayed = inv.patch(path, json=fix, headers=headers)
        assert replayed.headers["Idempotent-Replayed"] == "true"
        assert (replayed.json(), replayed.headers["ETag"]) == (body, new_etag)
        again = inv.patch(path, json=fix, headers={"If-Match": etag})
        assert again.status_code == 412

        assert inv.get(follow_path).json()["overall_response"] == "SD"
        series = inv.get(f"{BASE}/recist").json()
        assert (series["baseline"]["sum_mm"], series["best"]["response"]) == (114, "SD")
        voided = inv.get(f"{path}/signatures").json()
        assert [s["status"] for s in voided] == ["voided"]
        assert (voided[0]["voided_by"], voided[0]["void_reason"]) == (
            "inv.sto",
            f"record edited: {SOURCE}",
        )
        follow_voided = inv.get(f"{follow_path}/signatures").json()
        assert [s["status"] for s in follow_voided] == ["voided"]
        assert follow_voided[0]["void_reason"].startswith("re-evaluated after a correction")
    with _client(world, "monitor") as monitor:
        trail = monitor.get(f"/api/v1/audit/records/record_signatures/{signed.json()['id']}")
        assert trail.status_code == 200, trail.text
        voids = [e for e in trail.json()["entries"] if e["field"] == "voided_at"]
        assert [(e["action"], e["reason"]) for e in voids] == [
            ("insert", "signed: I confirm this record is accurate"),
            ("update", SOURCE),
        ]
        sums = monitor.get(f"/api/v1/audit/records/tumour_baselines/{baseline['id']}").json()
        changes = [
            (e["action"], e["old_value"], e["new_value"], e["reason"])
            for e in sums["entries"]
            if e["field"] == "sum_mm"
        ]
        assert changes == [("insert", None, 123.0, None), ("update", 123.0, 114.0, SOURCE)]
    assert ("inv.sto", "update", "baseline_mm", 34.0) in audit_rows(world.db, "tumour_lesions")


def test_a_follow_up_is_corrected_with_if_match_and_bad_sizes_are_named(world: World) -> None:
    _, follow_up = _series(world)
    path = f"{BASE}/recist-follow-ups/{follow_up['id']}"
    with _client(world, "inv.sto") as inv:
        shown = inv.get(path)
        assert shown.status_code == 200, shown.text
        etag = shown.headers["ETag"]
        fix = {"reason": "T1 re-measured", "sizes": [{"lesion_id": "T1", "size_mm": 70}]}
        assert inv.patch(path, json=fix).status_code == 428
        assert inv.patch(path, json=fix, headers={"If-Match": '"x"'}).status_code == 412
        negative = inv.patch(
            path,
            json={"reason": "x", "sizes": [{"lesion_id": "T1", "size_mm": -1}]},
            headers={"If-Match": etag},
        )
        assert negative.status_code == 422
        assert str(error_of(negative)["location"]).startswith("body.sizes")
        unknown = inv.patch(
            path,
            json={"reason": "x", "sizes": [{"lesion_id": "T9", "size_mm": 10}]},
            headers={"If-Match": etag},
        )
        assert (unknown.status_code, error_of(unknown)["location"]) == (422, "diameters_mm[T9]")
        future = inv.patch(
            path, json={"reason": "x", "assessed_on": "2027-01-01"}, headers={"If-Match": etag}
        )
        assert (future.status_code, error_of(future)["location"]) == (422, "assessed_on")
        corrected = inv.patch(path, json=fix, headers={"If-Match": etag})
        assert corrected.status_code == 200, corrected.text
        (stored,) = corrected.json()["follow_ups"]
        assert (stored["measurements"], stored["sum_mm"]) == ({"T1": 70.0, "T2": 30.0}, 100.0)
        assert stored["overall_response"] == "SD"
        assert corrected.headers["ETag"] == inv.get(path).headers["ETag"] != etag
    assert ("inv.sto", "update", "diameter_mm", 70.0) in audit_rows(world.db, "tumour_measurements")


def test_another_sites_users_are_refused_and_unknown_records_are_404(world: World) -> None:
    baseline, follow_up = _series(world)
    paths = (
        f"{BASE}/recist-baselines/{baseline['id']}",
        f"{BASE}/recist-follow-ups/{follow_up['id']}",
    )
    with _client(world, "inv.sto") as inv:
        etags = [inv.get(p).headers["ETag"] for p in paths]
        assert inv.get(f"{BASE}/recist-baselines/{baseline['id'] + 1}").status_code == 404
        unknown = inv.patch(
            f"{BASE}/recist-follow-ups/{follow_up['id'] + 1}",
            json={"reason": "x", "new_lesions": True},
            headers={"If-Match": etags[1]},
        )
        assert (unknown.status_code, error_of(unknown)["code"]) == (404, "not_found")
    for username in ("inv.ous", "monitor.hus"):
        with _client(world, username) as other:
            for p, etag in zip(paths, etags, strict=True):
                assert other.get(p).status_code == 403, (username, p)
                refused = other.patch(
                    p, json={"reason": "x", "assessed_on": "2026-03-03"}, headers={"If-Match": etag}
                )
                assert refused.status_code == 403, (username, p)
                assert error_of(refused)["code"] == "permission_denied"
    with _client(world, "monitor") as monitor:
        assert monitor.get(paths[0]).headers["ETag"] == etags[0]
        read_only = monitor.patch(
            paths[0],
            json={"reason": "x", "assessed_on": "2026-03-03"},
            headers={"If-Match": etags[0]},
        )
        assert read_only.status_code == 403

"""Every API route: answers, error shapes, headers, the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from radtrial.api.security import SECURITY_HEADERS
from tests.api.support import World, client_for, error_of, sign_in

SQLITE_ONLY = pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def as_admin(shared_world: World) -> Iterator[TestClient]:
    with client_for(shared_world.db) as client:
        sign_in(client, shared_world, "admin")
        yield client


@pytest.fixture(scope="module")
def as_nurse(shared_world: World) -> Iterator[TestClient]:
    with client_for(shared_world.db) as client:
        sign_in(client, shared_world, "nurse.ous")
        yield client


# -- trials ---------------------------------------------------------------------------------


def test_the_trial_list_shows_the_trials_a_user_has_a_role_in(
    as_admin: TestClient, as_nurse: TestClient
) -> None:
    assert [t["slug"] for t in as_admin.get("/api/v1/trials").json()] == ["pallsoft", "prosarc2"]
    listed = as_nurse.get("/api/v1/trials").json()
    assert [t["slug"] for t in listed] == ["pallsoft"]
    assert listed[0]["registry_id"] == "NCT06398314"
    assert listed[0]["latest_version"]["label"] == "0.1-registry"


def test_a_trial_shows_its_registry_record_versions_sites_and_assumptions(
    as_nurse: TestClient,
) -> None:
    response = as_nurse.get("/api/v1/trials/pallsoft")
    assert response.status_code == 200
    trial = response.json()
    assert trial["acronym"] == "PALLSOFT"
    assert [v["label"] for v in trial["versions"]] == ["0.1-registry"]
    assert {s["code"] for s in trial["sites"]} >= {"OUS", "HUS", "STHF"}
    assert [a["code"] for a in trial["protocol"]["arms"]] == ["A", "B"]
    assert trial["protocol"]["eligibility"]["inclusion"]
    assert trial["assumptions"]
    assert all(a["reason"] for a in trial["assumptions"])
    versions = as_nurse.get("/api/v1/trials/pallsoft/versions").json()
    assert versions == trial["versions"]
    assumptions = as_nurse.get("/api/v1/trials/pallsoft/assumptions").json()
    assert assumptions == trial["assumptions"]
    by_label = as_nurse.get("/api/v1/trials/pallsoft", params={"version": "0.1-registry"})
    assert by_label.json()["version"] == trial["version"]


@pytest.mark.parametrize(
    ("path", "status", "code", "location"),
    [
        # A trial the user has no role in is refused whether it exists or not.
        ("/api/v1/trials/nosuch", 403, "permission_denied", "actor"),
        ("/api/v1/trials/pallsoft?version=9.9", 404, "not_found", "version_label"),
        ("/api/v1/trials/Not_A_Slug", 422, "invalid_input", "path.slug"),
        ("/api/v1/trials/prosarc2", 403, "permission_denied", "actor"),
        ("/api/v1/sites/ZZZ", 404, "not_found", "code"),
        ("/api/v1/sites/HUS", 403, "permission_denied", "code"),
        ("/api/v1/sites/lower", 422, "invalid_input", "path.code"),
        ("/api/v1/users", 403, "permission_denied", "actor"),
        ("/api/v1/audit/verify", 403, "permission_denied", "actor"),
        ("/api/v1/audit/records/trials/999999", 404, "not_found", "entity_id"),
        ("/api/v1/nowhere", 404, "not_found", None),
    ],
)
def test_errors_have_one_shape_with_the_field_at_fault(
    as_nurse: TestClient, path: str, status: int, code: str, location: str | None
) -> None:
    response = as_nurse.get(path)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    assert error["location"] == location


def test_an_unknown_trial_is_404_for_whoever_may_read_every_trial(as_admin: TestClient) -> None:
    response = as_admin.get("/api/v1/trials/nosuch")
    assert response.status_code == 404
    assert error_of(response)["location"] == "trial"


def test_an_unknown_method_is_405_with_allow(as_nurse: TestClient) -> None:
    response = as_nurse.delete("/api/v1/trials")
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_malformed_body_is_422_naming_the_field(as_admin: TestClient) -> None:
    response = as_admin.post(
        "/api/v1/users",
        json={"username": "x", "full_name": "A", "email": "a@b.no", "grants": []},
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert error["location"] in {"body.username", "body.grants"}
    locations = {p["location"] for p in error["detail"]["problems"]}  # type: ignore[index]
    assert locations == {"body.username", "body.grants"}
    not_json = as_admin.post(
        "/api/v1/users", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert error_of(not_json)["code"] == "invalid_input"


def test_without_a_session_every_route_but_sign_in_is_401(shared_world: World) -> None:
    client = client_for(shared_world.db)
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method in operations:
            if path.startswith("/api/v1/auth/") and path != "/api/v1/auth/me":
                continue
            concrete = (
                path.replace("{slug}", "pallsoft")
                .replace("{code}", "OUS")
                .replace("{username}", "admin")
                .replace("{entity}", "trials")
                .replace("{entity_id}", "1")
            )
            response = client.request(method, concrete, json={})
            assert response.status_code == 401, (method, path)
            assert error_of(response)["code"] == "not_authenticated"


# -- sites ----------------------------------------------------------------------------------


def test_sites_show_their_trials_status_and_participants(
    as_nurse: TestClient, as_admin: TestClient
) -> None:
    assert [s["code"] for s in as_nurse.get("/api/v1/sites").json()] == ["OUS"]
    ous = as_nurse.get("/api/v1/sites/OUS").json()
    assert ous["name"]
    assert ous["city"] == "Oslo"
    assert [(t["trial"], t["participants"]) for t in ous["trials"]] == [("pallsoft", 1)]
    admin_view = as_admin.get("/api/v1/sites/OUS").json()
    assert {t["trial"] for t in admin_view["trials"]} == {"pallsoft", "prosarc2"}
    assert len(as_admin.get("/api/v1/sites").json()) >= 11


# -- audit ----------------------------------------------------------------------------------


def test_a_monitor_sees_who_changed_what_when_and_why(
    shared_world: World, as_admin: TestClient
) -> None:
    participant = shared_world.participant_ids["PALL-HUS-0001"]
    with client_for(shared_world.db) as monitor:
        sign_in(monitor, shared_world, "monitor.hus")
        response = monitor.get(f"/api/v1/audit/records/participants/{participant}")
        assert response.status_code == 200, response.text
        history = response.json()
        assert (history["trial"], history["site"]) == ("pallsoft", "HUS")
        fields = {e["field"]: e for e in history["entries"]}
        assert fields["study_id"]["new_value"] == "PALL-HUS-0001"
        assert fields["study_id"]["actor"] == "setup"
        assert fields["study_id"]["action"] == "insert"
        verify = monitor.get("/api/v1/audit/verify").json()
        assert verify["ok"] is True
        assert [c["chain"] for c in verify["chains"]] == [
            "research",
            "identity",
        ]


# -- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trials",
        "/api/v1/nowhere",
        "/api/v1/openapi.json",
        "/login",
        "/trials",
        "/static/app.css",
    ],
)
def test_every_response_carries_the_security_headers(as_nurse: TestClient, path: str) -> None:
    response = as_nurse.get(path, follow_redirects=False)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    max_age = int(response.headers["Strict-Transport-Security"].split("=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in response.headers["Strict-Transport-Security"]
    expected_cache = "public, max-age=3600" if path.startswith("/static/") else "no-store"
    assert response.headers["Cache-Control"] == expected_cache


def test_the_openapi_document_is_published_with_errors_auth_and_idempotency(
    as_nurse: TestClient,
) -> None:
    schema = as_nurse.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["components"]["securitySchemes"]) == {"session", "csrf"}
    post = schema["paths"]["/api/v1/users"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    for status in ("401", "403", "404", "409", "422", "429", "503"):
        assert post["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    assert not any(path.startswith("/trials") for path in schema["paths"])  # pages are not API

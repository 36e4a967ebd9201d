"""Writes: users created and edited by sponsor administrators, applied once under an
Idempotency-Key, and never lost to a stale edit (If-Match)."""

from __future__ import annotations

import contextlib
import threading

from fastapi.testclient import TestClient

from radtrial.services import audit
from radtrial.services.users import get_user
from tests.api.support import World, client_for, error_of, sign_in

NEW_USER = {
    "username": "kari.nurse",
    "full_name": "Kari Nordmann",
    "email": "kari@example.org",
    "grants": [{"role": "research_nurse", "trial": "pallsoft", "site": "OUS"}],
}


def test_an_administrator_adds_a_user_and_the_creation_is_audited(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "admin")
    response = client.post("/api/v1/users", json=NEW_USER)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == "/api/v1/users/kari.nurse"
    user = response.json()
    assert response.headers["ETag"] == f'"{user["version"]}"'
    assert user["grants"] == NEW_USER["grants"]
    assert user["active"] is True
    stored = get_user(world.db, actor="t", username="kari.nurse")
    admin = get_user(world.db, actor="t", username="admin")
    history = audit.record_history(world.db, user=admin, entity="users", entity_id=str(stored.id))
    assert {e.field: e.new_value for e in history.entries}["full_name"] == "Kari Nordmann"
    assert {e.actor for e in history.entries} == {"admin"}


def test_a_site_administrator_grants_only_within_their_own_grant(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "admin.ous")
    elsewhere = dict(
        NEW_USER, grants=[{"role": "investigator", "trial": "pallsoft", "site": "HUS"}]
    )
    response = client.post("/api/v1/users", json=elsewhere)
    assert response.status_code == 403
    assert error_of(response)["detail"]["site"] == "HUS"  # type: ignore[index]
    everywhere = dict(NEW_USER, grants=[{"role": "investigator", "trial": "pallsoft"}])
    assert client.post("/api/v1/users", json=everywhere).status_code == 403
    assert client.post("/api/v1/users", json=NEW_USER).status_code == 201
    listed = [u["username"] for u in client.get("/api/v1/users").json()]
    assert listed == ["admin.ous", "dm.ous", "kari.nurse", "nurse.ous"]
    assert client.get("/api/v1/users/inv.hus").status_code == 403


def test_a_taken_username_is_a_conflict(client: TestClient, world: World) -> None:
    sign_in(client, world, "admin")
    response = client.post("/api/v1/users", json=dict(NEW_USER, username="inv.ous"))
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "message": "user 'inv.ous' already exists",
        "location": "username",
        "detail": {},
    }


class TestIdempotency:
    def test_a_retried_post_is_applied_once_and_replays_the_same_answer(
        self, client: TestClient, world: World
    ) -> None:
        sign_in(client, world, "admin")
        headers = {"Idempotency-Key": "create-kari-1"}
        first = client.post("/api/v1/users", json=NEW_USER, headers=headers)
        assert first.status_code == 201
        for _ in range(3):
            again = client.post("/api/v1/users", json=NEW_USER, headers=headers)
            assert again.status_code == 201
            assert again.content == first.content
            assert again.headers["ETag"] == first.headers["ETag"]
            assert again.headers["Location"] == first.headers["Location"]
            assert again.headers["Idempotent-Replayed"] == "true"
        # Without the key the same request is a new one, and the user exists.
        assert client.post("/api/v1/users", json=NEW_USER).status_code == 409

    def test_the_same_key_with_another_payload_is_422(
        self, client: TestClient, world: World
    ) -> None:
        sign_in(client, world, "admin")
        headers = {"Idempotency-Key": "k-2"}
        assert client.post("/api/v1/users", json=NEW_USER, headers=headers).status_code == 201
        other = dict(NEW_USER, username="other.nurse")
        response = client.post("/api/v1/users", json=other, headers=headers)
        assert response.status_code == 422
        assert error_of(response)["location"] == "Idempotency-Key"

    def test_an_error_answer_is_replayed_too(self, client: TestClient, world: World) -> None:
        sign_in(client, world, "admin")
        headers = {"Idempotency-Key": "k-3"}
        taken = dict(NEW_USER, username="inv.ous")
        first = client.post("/api/v1/users", json=taken, headers=headers)
        second = client.post("/api/v1/users", json=taken, headers=headers)
        assert first.status_code == second.status_code == 409
        assert first.content == second.content

    def test_another_user_cannot_replay_my_key(self, client: TestClient, world: World) -> None:
        sign_in(client, world, "admin")
        headers = {"Idempotency-Key": "shared-key"}
        assert client.post("/api/v1/users", json=NEW_USER, headers=headers).status_code == 201
        with client_for(world.db) as other:
            sign_in(other, world, "admin.ous")
            response = other.post("/api/v1/users", json=NEW_USER, headers=headers)
            assert response.status_code == 409  # a new request for them: the user exists
            assert "Idempotent-Replayed" not in response.headers

    def test_a_duplicate_in_flight_is_409_and_concurrent_retries_apply_once(
        self, client: TestClient, world: World
    ) -> None:
        sign_in(client, world, "admin")
        statuses: list[int] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(4)

        def retry(twin: TestClient) -> None:
            try:
                barrier.wait(timeout=30)
                response = twin.post(
                    "/api/v1/users", json=NEW_USER, headers={"Idempotency-Key": "burst"}
                )
                statuses.append(response.status_code)
            except BaseException as error:  # reported below; a thread must not hang the run
                errors.append(error)
                barrier.abort()

        # The clients start in this thread, so only the requests themselves race.
        with contextlib.ExitStack() as stack:
            twins = [stack.enter_context(client_for(world.db)) for _ in range(4)]
            for twin in twins:
                twin.cookies = client.cookies
                twin.headers["X-CSRF-Token"] = client.headers["X-CSRF-Token"]
            threads = [threading.Thread(target=retry, args=(twin,)) for twin in twins]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert not errors, errors
        assert set(statuses) <= {201, 409}
        assert 201 in statuses
        final = client.post("/api/v1/users", json=NEW_USER, headers={"Idempotency-Key": "burst"})
        assert final.status_code == 201
        assert final.headers["Idempotent-Replayed"] == "true"
        users = [u["username"] for u in client.get("/api/v1/users").json()]
        assert users.count("kari.nurse") == 1

    def test_a_malformed_key_is_422(self, client: TestClient, world: World) -> None:
        sign_in(client, world, "admin")
        response = client.post("/api/v1/users", json=NEW_USER, headers={"Idempotency-Key": "a b"})
        assert response.status_code == 422
        assert error_of(response)["location"] == "Idempotency-Key"


class TestStaleEdits:
    def test_an_edit_names_the_version_it_read_and_a_stale_one_is_412(
        self, client: TestClient, world: World
    ) -> None:
        sign_in(client, world, "admin")
        read = client.get("/api/v1/users/inv.ous")
        etag = read.headers["ETag"]
        first = client.patch(
            "/api/v1/users/inv.ous",
            json={"full_name": "Ingrid A", "reason": "name corrected"},
            headers={"If-Match": etag},
        )
        assert first.status_code == 200
        assert first.headers["ETag"] != etag
        stale = client.patch(
            "/api/v1/users/inv.ous",
            json={"full_name": "Ingrid B", "reason": "name corrected"},
            headers={"If-Match": etag},
        )
        assert stale.status_code == 412
        assert error_of(stale)["code"] == "precondition_failed"
        assert client.get("/api/v1/users/inv.ous").json()["full_name"] == "Ingrid A"

    def test_an_edit_without_if_match_is_428(self, client: TestClient, world: World) -> None:
        sign_in(client, world, "admin")
        response = client.patch("/api/v1/users/inv.ous", json={"full_name": "X", "reason": "r"})
        assert response.status_code == 428
        assert error_of(response)["location"] == "If-Match"

    def test_of_two_edits_of_one_version_exactly_one_wins(
        self, client: TestClient, world: World
    ) -> None:
        sign_in(client, world, "admin")
        outcomes: list[int] = []
        for round_ in range(5):
            etag = client.get("/api/v1/users/inv.ous").headers["ETag"]
            barrier = threading.Barrier(2)
            statuses: list[int] = []

            def edit(
                twin: TestClient,
                name: str,
                etag: str = etag,
                barrier: threading.Barrier = barrier,
                statuses: list[int] = statuses,
            ) -> None:
                barrier.wait(timeout=60)
                statuses.append(
                    twin.patch(
                        "/api/v1/users/inv.ous",
                        json={"full_name": name, "reason": "race"},
                        headers={"If-Match": etag},
                    ).status_code
                )

            # The clients start in this thread, so only the requests themselves race.
            with contextlib.ExitStack() as stack:
                twins = [stack.enter_context(client_for(world.db)) for _ in range(2)]
                for twin in twins:
                    twin.cookies = client.cookies
                    twin.headers["X-CSRF-Token"] = client.headers["X-CSRF-Token"]
                threads = [
                    threading.Thread(target=edit, args=(twin, f"Name {round_}-{i}"))
                    for i, twin in enumerate(twins)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
            assert sorted(statuses) == [200, 412], statuses
            outcomes.extend(statuses)
        admin = get_user(world.db, actor="t", username="admin")
        target = get_user(world.db, actor="t", username="inv.ous")
        history = audit.record_history(
            world.db, user=admin, entity="users", entity_id=str(target.id)
        )
        updates = [e for e in history.entries if e.action == "update" and e.field == "full_name"]
        assert len(updates) == outcomes.count(200) == 5

    def test_a_change_needs_a_reason(self, client: TestClient, world: World) -> None:
        sign_in(client, world, "admin")
        etag = client.get("/api/v1/users/inv.ous").headers["ETag"]
        response = client.patch(
            "/api/v1/users/inv.ous", json={"full_name": "X"}, headers={"If-Match": etag}
        )
        assert response.status_code == 422
        assert error_of(response)["location"] == "body.reason"

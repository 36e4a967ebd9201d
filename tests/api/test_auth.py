"""Signing in: password then TOTP, server-side sessions, timeouts, throttling, cookies."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from radtrial.api.security import SESSION_COOKIE
from radtrial.config import Settings
from radtrial.services import auth, policy
from tests.api.support import PASSWORD, World, client_for, error_of, sign_in, totp_code


def _set_cookies(response) -> list[SimpleCookie]:  # type: ignore[no-untyped-def]
    cookies = []
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        cookies.append(cookie)
    return cookies


def test_staff_sign_in_needs_the_password_then_a_totp_code(
    client: TestClient, world: World
) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"username": "nurse.ous", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json() == {"stage": "second_factor", "username": "nurse.ous"}
    # The password alone opens nothing.
    assert error_of(client.get("/api/v1/trials"))["code"] == "not_authenticated"
    response = client.post("/api/v1/auth/totp", json={"code": totp_code(world, "nurse.ous")})
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["username"] == "nurse.ous"
    assert me["grants"] == [{"role": "research_nurse", "trial": "pallsoft", "site": "OUS"}]
    assert client.get("/api/v1/trials").status_code == 200


def test_every_stage_of_sign_in_issues_a_new_session_id(client: TestClient, world: World) -> None:
    first = client.post("/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD})
    password_stage = first.cookies[SESSION_COOKIE]
    second = client.post("/api/v1/auth/totp", json={"code": totp_code(world, "inv.ous")})
    active = second.cookies[SESSION_COOKIE]
    assert password_stage != active
    # The password-stage token is dead once the code has been accepted.
    stale = client_for(world.db)
    stale.cookies.set(SESSION_COOKIE, password_stage)
    assert stale.get("/api/v1/auth/me").status_code == 401


def test_every_set_cookie_is_host_prefixed_secure_httponly_and_samesite_strict(
    client: TestClient, world: World
) -> None:
    responses = [
        client.post("/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD})
    ]
    responses.append(client.post("/api/v1/auth/totp", json={"code": totp_code(world, "inv.ous")}))
    responses.append(client.post("/api/v1/auth/logout"))
    responses.append(client.get("/login"))
    responses.append(client.get("/language/nb?next=/trials", follow_redirects=False))
    seen = 0
    for response in responses:
        for header in response.headers.get_list("set-cookie"):
            seen += 1
            lowered = header.lower()
            assert header.startswith("__Host-"), header
            for attribute in ("; secure", "; httponly", "samesite=strict", "path=/"):
                assert attribute in lowered, header
            assert "domain=" not in lowered, header
    assert seen >= 5


@pytest.mark.parametrize(
    ("username", "password"),
    [("inv.ous", "wrong password!"), ("nobody", PASSWORD), ("inv.ous", "")],
)
def test_a_failed_sign_in_says_not_which_part_was_wrong(
    client: TestClient, username: str, password: str
) -> None:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    if password == "":
        assert response.status_code == 422
        assert error_of(response)["location"] == "body.password"
        return
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "not_authenticated"
    assert error["message"] == "wrong username or password; sign in again"


def test_an_account_without_a_second_factor_gets_no_session(
    client: TestClient, world: World
) -> None:
    from radtrial.services.users import GrantRequest, Role, add_user

    add_user(
        world.db,
        actor="setup",
        username="new.nurse",
        full_name="New Nurse",
        email="new@example.org",
        grants=[GrantRequest(Role.RESEARCH_NURSE, None, "OUS")],
        password=PASSWORD,
    )
    response = client.post(
        "/api/v1/auth/login", json={"username": "new.nurse", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert error_of(response)["detail"] == {"reason": "no_second_factor"}
    assert SESSION_COOKIE not in response.cookies


def test_a_totp_code_is_accepted_once(client: TestClient, world: World) -> None:
    client.post("/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD})
    code = totp_code(world, "inv.ous")
    assert client.post("/api/v1/auth/totp", json={"code": code}).status_code == 200
    other = client_for(world.db)
    other.post("/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD})
    replay = other.post("/api/v1/auth/totp", json={"code": code})
    assert replay.status_code == 401
    assert error_of(replay)["message"] == "wrong or already used code; sign in again"
    log = policy.access_log(world.db, actor="inv.ous", action="sign_in.second_factor")
    assert next((row.outcome, (row.detail or {}).get("why")) for row in log) == (
        "failed",
        "replayed_code",
    )


def test_a_wrong_totp_code_is_refused_and_counted(client: TestClient, world: World) -> None:
    client.post("/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD})
    good = totp_code(world, "inv.ous")
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    assert client.post("/api/v1/auth/totp", json={"code": wrong}).status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_the_password_stage_expires_after_five_minutes(client: TestClient, world: World) -> None:
    client.post("/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD})
    world.clock.advance(minutes=6)
    code = auth.current_totp_code(world.db, username="inv.ous")
    assert client.post("/api/v1/auth/totp", json={"code": code}).status_code == 401


def test_a_session_ends_after_30_minutes_unused(client: TestClient, world: World) -> None:
    sign_in(client, world, "inv.ous")
    world.clock.advance(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200
    world.clock.advance(minutes=29)
    assert client.get("/api/v1/auth/me").status_code == 200  # used 29 min ago: still alive
    world.clock.advance(minutes=31)
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert error_of(response)["detail"] == {"reason": "idle_timeout"}
    assert client.get("/api/v1/auth/me").status_code == 401  # ended for good


def test_a_session_ends_12_hours_after_sign_in_however_busy(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "inv.ous")
    for _ in range(12 * 3):
        world.clock.advance(minutes=20)
        response = client.get("/api/v1/auth/me")
        if response.status_code != 200:
            break
    assert response.status_code == 401
    assert error_of(response)["detail"] == {"reason": "absolute_timeout"}


def test_sign_out_ends_the_session_and_the_old_cookie_is_refused(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "inv.ous")
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 204
    replay = client_for(world.db)
    replay.cookies.set(SESSION_COOKIE, token)
    assert replay.get("/api/v1/auth/me").status_code == 401


def test_disabling_an_account_ends_its_sessions_on_the_next_request(world: World) -> None:
    nurse, admin = client_for(world.db), client_for(world.db)
    sign_in(nurse, world, "inv.ous")
    sign_in(admin, world, "admin")
    etag = admin.get("/api/v1/users/inv.ous").headers["ETag"]
    response = admin.patch(
        "/api/v1/users/inv.ous",
        json={"active": False, "reason": "left the hospital"},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    response = nurse.get("/api/v1/trials")
    assert response.status_code == 401
    assert error_of(response)["detail"] == {"reason": "account_disabled"}


def test_writes_need_the_session_csrf_token(client: TestClient, world: World) -> None:
    sign_in(client, world, "admin")
    del client.headers["X-CSRF-Token"]
    response = client.patch("/api/v1/users/inv.ous", json={"full_name": "X", "reason": "r"})
    assert response.status_code == 403
    assert error_of(response)["location"] == "X-CSRF-Token"


class TestThrottling:
    def test_at_most_the_limit_of_failures_are_evaluated_then_429_with_retry_after(
        self, world: World
    ) -> None:
        client = client_for(world.db)
        statuses = []
        for _ in range(130):
            response = client.post(
                "/api/v1/auth/login", json={"username": "inv.ous", "password": "not the password"}
            )
            statuses.append(response.status_code)
        assert statuses[:100] == [401] * 100
        assert statuses[100:] == [429] * 30
        assert int(response.headers["Retry-After"]) > 3000
        assert error_of(response)["code"] == "too_many_attempts"
        # Even the right password is not evaluated now ...
        right = client.post(
            "/api/v1/auth/login", json={"username": "inv.ous", "password": PASSWORD}
        )
        assert right.status_code == 429
        # ... but the refusal lifts as the failures age out: no permanent lockout.
        world.clock.advance(hours=1, seconds=1)
        sign_in(client, world, "inv.ous")
        throttled = policy.access_log(world.db, actor="inv.ous", action="sign_in.password")
        assert sum(row.outcome == "throttled" for row in throttled) == 31

    def test_one_address_guessing_at_many_accounts_is_throttled(self, world: World) -> None:
        settings = Settings(login_failures_per_address_hour=20)
        client = client_for(world.db, settings)
        statuses = [
            client.post(
                "/api/v1/auth/login", json={"username": f"user{i}", "password": "guess guess"}
            ).status_code
            for i in range(25)
        ]
        assert statuses == [401] * 20 + [429] * 5

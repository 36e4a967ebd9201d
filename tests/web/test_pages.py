"""The staff pages without a browser: sign-in forms with CSRF, redirects, language, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from radtrial.services import auth
from radtrial.web.i18n import LANGUAGES, catalogue, negotiate
from tests.api.support import PASSWORD, World, cheap_passwords, client_for


@pytest.fixture
def database_urls(tmp_path: Path) -> tuple[str, str]:
    """The pages are engine-agnostic: SQLite only here (the API suites cover PostgreSQL)."""
    return (f"sqlite:///{tmp_path / 'research.db'}", f"sqlite:///{tmp_path / 'identity.db'}")


def _token(html: str, name: str = "csrf_token") -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the form"
    return match.group(1)


def web_sign_in(client: TestClient, world: World, username: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": _token(page.text),
            "next": "/trials",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login/totp")
    page = client.get(response.headers["location"])
    world.clock.advance(seconds=30)
    code = auth.current_totp_code(world.db, username=username)
    response = client.post(
        "/login/totp",
        data={"code": code, "csrf_token": _token(page.text), "next": "/trials"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/trials"


@pytest.fixture
def web(world: World) -> Iterator[TestClient]:
    with cheap_passwords(), client_for(world.db) as client:
        yield client


def test_a_page_without_a_session_sends_you_to_sign_in_and_back(web: TestClient) -> None:
    response = web.get("/trials/pallsoft?version=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/trials/pallsoft%3Fversion%3Dx"


def test_sign_in_forms_refuse_a_missing_or_foreign_csrf_token(
    web: TestClient, world: World
) -> None:
    web.get("/login")
    response = web.post("/login", data={"username": "inv.ous", "password": PASSWORD})
    assert response.status_code == 403
    response = web.post(
        "/login", data={"username": "inv.ous", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert response.status_code == 403
    assert "__Host-radtrial-session" not in response.cookies


def test_signed_in_forms_refuse_a_missing_csrf_token(web: TestClient, world: World) -> None:
    web_sign_in(web, world, "admin")
    page = web.get("/users/inv.ous/edit")
    assert page.status_code == 200
    response = web.post(
        "/users/inv.ous/edit",
        data={
            "version": _token(page.text, "version"),
            "full_name": "X",
            "email": "x@example.org",
            "active": "on",
            "reason": "test",
        },
    )
    assert response.status_code == 403
    assert "the form has expired" in response.text
    logout = web.post("/logout", data={}, follow_redirects=False)
    assert logout.status_code == 403


def test_every_form_carries_a_csrf_token(web: TestClient, world: World) -> None:
    web_sign_in(web, world, "admin")
    for path in (
        "/trials",
        "/trials/pallsoft",
        "/users",
        "/users/new",
        "/users/inv.ous/edit",
        "/sites/OUS",
    ):
        html = web.get(path).text
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, path


def test_a_stale_edit_in_the_form_is_refused_and_shows_the_current_values(
    web: TestClient, world: World
) -> None:
    web_sign_in(web, world, "admin")
    page = web.get("/users/inv.ous/edit").text
    version, csrf = _token(page, "version"), _token(page)
    fields = {
        "csrf_token": csrf,
        "version": version,
        "email": "inv.ous@example.org",
        "active": "on",
        "reason": "typo",
    }
    first = web.post("/users/inv.ous/edit", data={**fields, "full_name": "First Edit"})
    assert first.status_code == 200
    assert "Saved." in first.text
    second = web.post("/users/inv.ous/edit", data={**fields, "full_name": "Second Edit"})
    assert second.status_code == 412
    assert "Someone changed this user" in second.text
    assert 'value="First Edit"' in second.text


def test_the_language_follows_the_browser_unless_chosen(web: TestClient) -> None:
    nb = web.get("/login", headers={"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"})
    assert '<html lang="nb">' in nb.text
    assert "Logg inn" in nb.text
    en = web.get("/login", headers={"Accept-Language": "de-DE,en;q=0.8"})
    assert '<html lang="en">' in en.text
    assert "Sign in" in en.text
    web.get("/language/nb?next=/login")
    chosen = web.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="nb">' in chosen.text


def test_language_redirects_stay_on_this_site(web: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/\\evil"):
        response = web.get(f"/language/en?next={target}", follow_redirects=False)
        assert response.headers["location"] == "/trials"


def test_the_catalogues_have_the_same_keys_and_no_empty_words() -> None:
    keys = {language: set(catalogue(language)) for language in LANGUAGES}
    assert keys["nb"] == keys["en"]
    for language in LANGUAGES:
        assert all(word.strip() for word in catalogue(language).values())


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("nb", "nb"),
        ("nn-NO", "nb"),
        ("no", "nb"),
        ("en-GB", "en"),
        ("fr, nb;q=0.1", "nb"),
        ("en;q=0.2, nb;q=0.9", "nb"),
        ("", "en"),
        ("xx;q=abc", "en"),
    ],
)
def test_accept_language_is_negotiated_by_quality(header: str, language: str) -> None:
    assert negotiate(header) == language


def test_an_error_page_names_the_problem_without_a_trace(web: TestClient, world: World) -> None:
    web_sign_in(web, world, "nurse.ous")
    response = web.get("/sites/HUS")
    assert response.status_code == 403
    assert "Not allowed" in response.text
    assert "Traceback" not in response.text
    assert web.get("/audit/participants/999999").status_code == 404

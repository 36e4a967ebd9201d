"""A person at a browser: signing in with a TOTP code, the PALLSOFT trial page, the language
switch, and a stored-XSS attempt that is rendered as text."""

from __future__ import annotations

from typing import Any

from radtrial.services import auth
from tests.api.support import PASSWORD
from tests.browser.conftest import LiveServer, screenshot


def sign_in(page: Any, live: LiveServer, username: str, then: str = "/trials") -> None:
    page.goto(f"{live.url}{then}")
    assert "/login" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/login/totp**")
    live.world.clock.advance(seconds=30)
    code = auth.current_totp_code(live.world.db, username=username)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{then}")


def test_a_nurse_signs_in_with_totp_and_reads_the_pallsoft_trial_page(
    page: Any, live: LiveServer
) -> None:
    sign_in(page, live, "nurse.ous")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="PALLSOFT").click()
    page.wait_for_url("**/trials/pallsoft")
    assert page.get_by_role("heading", level=1).inner_text().startswith("PALLSOFT:")
    for section in (
        "Summary",
        "Design",
        "Arms and radiotherapy schedules",
        "Eligibility",
        "Endpoints",
        "Sites and status",
        "Protocol version history",
        "Labelled assumptions",
    ):
        assert page.get_by_role("heading", name=section, exact=True).is_visible()
    assert page.get_by_role("heading", name="Arm A:").count() == 1
    assert "NCT06398314" in page.content()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["__Host-radtrial-session"]
    assert session["secure"]
    assert session["httpOnly"]
    assert session["sameSite"] == "Strict"
    screenshot(page, "pallsoft-trial-page")
    page.get_by_role("link", name="Arms and radiotherapy schedules").click()
    screenshot(page, "pallsoft-trial-arms", full_page=False)


def test_a_wrong_code_keeps_the_door_shut(page: Any, live: LiveServer) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("Username").fill("inv.ous")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("6-digit code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("Wrong or already used code")
    page.goto(f"{live.url}/trials")
    assert "/login" in page.url


def test_the_language_switch_turns_the_page_into_bokmal(page: Any, live: LiveServer) -> None:
    sign_in(page, live, "inv.ous")
    page.get_by_role("link", name="Norsk (bokmål)").click()
    page.wait_for_url("**/trials")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.get_by_role("heading", level=1).inner_text() == "Studier"
    page.goto(f"{live.url}/trials/pallsoft")
    assert page.get_by_role("heading", name="Inklusjonskriterier", exact=True).count() >= 1
    screenshot(page, "pallsoft-trial-page-nb")


XSS_NAME = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>Evil'


def test_a_stored_xss_attempt_in_a_name_is_shown_as_text_in_the_audit_view(
    page: Any, live: LiveServer
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live, "admin", then="/users")
    page.get_by_role("link", name="Add a user").click()
    page.get_by_label("Username").fill("evil.user")
    page.get_by_label("Full name").fill(XSS_NAME)
    page.get_by_label("E-mail").fill("evil@example.org")
    page.get_by_label("Role").select_option("research_nurse")
    page.get_by_label("Site code").fill("OUS")
    page.get_by_role("button", name="Add user").click()
    page.wait_for_url("**/users/evil.user/edit?created=1")
    page.get_by_role("link", name="View audit trail").click()
    page.wait_for_url("**/audit/users/*")
    assert page.get_by_role("heading", name="Audit trail", level=1).is_visible()
    cell = page.locator("td.value", has_text="onerror")
    assert cell.count() == 1
    assert cell.inner_text() == XSS_NAME
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    screenshot(page, "audit-view-stored-xss")

"""A patient on a phone (390×844): opens the personal link, answers the target-symptom
questionnaire (NRS, analgesics, global impression), leaves mid-way, comes back to the saved
partial answer and submits. Accessibility facts are checked in the browser: every input has an
accessible label, focus is visible, the questions are fieldsets with legends, the NRS is chosen
and the form submitted with the keyboard alone, touch targets are at least 44 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from radtrial.services import portal
from radtrial.services.outcomes import pro
from tests.browser.conftest import LiveServer, screenshot
from tests.portal_support import enrol, start_treatment

PHONE = {"width": 390, "height": 844}

_UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => !(el.labels && [...el.labels].some(l => l.textContent.trim()))
                && !el.getAttribute('aria-label'))
  .map(el => el.name)"""
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main label.choice, main label.number, main button, main a.button')]
  .map(el => el.getBoundingClientRect())
  .filter(r => r.height < 44 || r.width < 44).length"""
_FOCUS_OUTLINE = """() => {
  const label = document.activeElement.closest('label');
  const style = getComputedStyle(label || document.activeElement);
  return [style.outlineStyle, parseFloat(style.outlineWidth)];
}"""


@pytest.fixture
def phone(browser: Any, live: LiveServer) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        yield context
    finally:
        context.close()


def test_a_patient_answers_the_target_symptom_questionnaire_on_a_phone(
    phone: Any, live: LiveServer
) -> None:
    db = live.world.db
    study_id = enrol(db, "OUS")
    pro.record_symptom(
        db, actor="nurse.ous", study_id=study_id, visit_id="baseline", symptom="pain", nrs=7
    )
    start_treatment(db, study_id)
    live.world.clock.advance(days=28)
    issued = portal.issue_invitation(
        db, portal.PortalPolicy(), actor="nurse.ous", study_id=study_id
    )

    page = phone.new_page()
    page.goto(f"{live.url}/portal/i/{issued.token}")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "portal_01_link")
    page.get_by_role("button", name="Open my questionnaires").click()
    page.wait_for_url("**/portal/questionnaires")
    screenshot(page, "portal_02_list")
    page.get_by_role("link", name="Start").click()
    page.wait_for_url("**/portal/questionnaires/week_4/target_symptom")

    assert page.evaluate(_UNLABELLED) == []
    assert page.evaluate(_SMALL_TARGETS) == 0
    assert page.locator("fieldset").count() == 3
    assert page.locator("fieldset > legend").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Keyboard only: tab into the NRS, move with the arrow keys; the focus is visible.
    page.locator('input[name="nrs"]').first.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert page.locator('input[name="nrs"][value="4"]').is_checked()
    style, width = page.evaluate(_FOCUS_OUTLINE)
    assert style != "none"
    assert width >= 2
    page.get_by_label("No", exact=True).check()
    screenshot(page, "portal_03_partial", full_page=False)
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_url("**saved=1")
    assert "Your answers are saved" in page.get_by_role("status").inner_text()

    # The patient leaves, and comes back later in a new tab.
    page.close()
    page = phone.new_page()
    page.goto(f"{live.url}/portal")
    page.wait_for_url("**/portal/questionnaires")
    page.get_by_role("link", name="Continue where you left off").click()
    page.wait_for_url("**/portal/questionnaires/week_4/target_symptom")
    assert page.locator('input[name="nrs"][value="4"]').is_checked()
    assert page.get_by_label("No", exact=True).is_checked()

    # Submitting without the global impression: the error is announced next to the question.
    page.get_by_role("button", name="Send my answers").click()
    error = page.locator("#global_impression-error")
    assert error.inner_text() == "Please answer this question."
    assert page.get_by_role("alert").count() == 1
    screenshot(page, "portal_04_error")
    page.get_by_label("Better").check()
    page.get_by_role("button", name="Send my answers").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/questionnaires?submitted=1")
    assert "Thank you" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="Start").count() == 0
    screenshot(page, "portal_05_done")

    rating = next(
        r
        for r in pro.symptom_course(db, actor="monitor", study_id=study_id).ratings
        if r.visit_id == "week_4"
    )
    assert (rating.nrs, rating.global_impression, rating.analgesic_increased) == (
        4,
        "improved",
        False,
    )
    assert rating.recorded_by.startswith(f"portal:{study_id}:session-")

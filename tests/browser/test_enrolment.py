"""A research nurse and an investigator at a browser carry a PALLSOFT patient from screening
through the investigator's confirmations, consent and registration to randomisation behind
its confirmation step. Screenshots are kept as artefacts."""

from __future__ import annotations

import re
from typing import Any

from radtrial.services import randomisation
from tests.api.enrolment_support import INVESTIGATOR, NURSE, PATIENT, SITE, add_site_staff
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_staff import sign_in
from tests.enrolment import PALLSOFT_CONFIRM


def _fill(page: Any, data: dict[str, object]) -> None:
    for name, value in data.items():
        field = page.locator(f"#f_{name}")
        if field.evaluate("element => element.tagName") == "SELECT":
            shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            field.select_option(shown)
        else:
            field.fill("" if value is None else str(value))


def test_a_nurse_and_an_investigator_screen_consent_register_and_randomise(
    browser: Any, live: LiveServer
) -> None:
    add_site_staff(live.world)
    randomisation.generate_list(live.world.db, actor="stat", trial_slug="pallsoft")
    nurse_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    investigator_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    try:
        nurse = nurse_context.new_page()
        sign_in(nurse, live, NURSE)
        nurse.goto(f"{live.url}/sites/{SITE}/trials/pallsoft")
        nurse.get_by_role("link", name="Screen a new person").click()
        nurse.wait_for_url(re.compile(r".*/trials/pallsoft/screen\?site=" + SITE))
        _fill(nurse, PATIENT)
        nurse.get_by_role("button", name="Evaluate eligibility").click()
        nurse.wait_for_url(re.compile(r".*screening=" + SITE + r"-S\d+"))
        assert "awaiting investigator confirmation" in nurse.content()
        screening_url = nurse.url
        screenshot(nurse, "enrolment-1-screened-by-nurse")

        investigator = investigator_context.new_page()
        sign_in(investigator, live, INVESTIGATOR)
        investigator.goto(screening_url)
        for criterion in PALLSOFT_CONFIRM:
            investigator.locator(f"#confirm_{criterion}").check()
        investigator.get_by_role("button", name="Evaluate eligibility").click()
        investigator.wait_for_load_state()
        assert investigator.get_by_text("Status: eligible").is_visible()
        screenshot(investigator, "enrolment-2-confirmed-by-investigator")

        nurse.goto(screening_url)
        nurse.get_by_label("Date signed").fill("2026-03-02")
        nurse.get_by_role("button", name="Record consent").click()
        nurse.wait_for_load_state()
        assert "Consent recorded" in nurse.content()
        nurse.get_by_role("button", name="Register participant").click()
        nurse.wait_for_url(re.compile(r".*/participants/PALL-" + SITE + r"-\d{4}\?registered=1"))
        study_id = nurse.get_by_role("heading", level=1).inner_text()
        assert study_id.startswith(f"PALL-{SITE}-")
        screenshot(nurse, "enrolment-3-registered")

        nurse.get_by_role("link", name="Randomise…").click()
        nurse.wait_for_url(f"**/participants/{study_id}/randomise")
        screenshot(nurse, "enrolment-4-confirm-randomisation")
        nurse.get_by_label(re.compile("I confirm that")).check()
        nurse.get_by_role("button", name="Randomise now").click()
        nurse.wait_for_load_state()
        allocated = nurse.get_by_role("status").inner_text()
        assert re.search(r"Allocated to arm [AB]", allocated)
        screenshot(nurse, "enrolment-5-randomised")

        nurse.goto(f"{live.url}/participants/{study_id}")
        assert "Allocated to arm" not in nurse.content()
        assert nurse.get_by_role("link", name="Randomise…").count() == 0
    finally:
        nurse_context.close()
        investigator_context.close()

"""A research nurse at OUS signs in with TOTP and logs fractions of a PROSARC-2 participant's
proton course: two delivered (doses prefilled from the plan) and one missed, with its reason
and the gap-compensation options shown. Screenshots are kept as artefacts."""

from __future__ import annotations

from typing import Any

from radtrial.services.course import show_course
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_staff import sign_in
from tests.course_web_support import NURSE, add_nurse, prosarc2_participant


def test_a_nurse_logs_delivered_and_missed_fractions(browser: Any, live: LiveServer) -> None:
    add_nurse(live.world)
    study_id = prosarc2_participant(live.world)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page = context.new_page()
        course = f"/participants/{study_id}/course"
        sign_in(page, live, NURSE, then=course)
        assert page.get_by_role("heading", name=f"RT course of {study_id}").is_visible()
        assert page.get_by_label("Dose to target (Gy(RBE))").input_value() == "3.5"
        assert page.get_by_label("Dose to boost (Gy(RBE))").input_value() == "5"
        screenshot(page, "course-1-planned")

        page.get_by_label("Fraction", exact=True).first.select_option("1")
        page.get_by_label("Delivered at (local time, Europe/Oslo)").fill("2026-03-02T09:00")
        page.get_by_label("Machine").fill("PT-G1")
        page.get_by_role("button", name="Mark as delivered").click()
        page.wait_for_url(f"**{course}#fractions")
        row = page.locator("tr.status-delivered").first
        assert "PT-G1" in row.inner_text()
        assert "2026-03-02 08:00 UTC" in row.inner_text()

        # A miss without a reason is refused next to the field.
        page.locator("#miss-fraction").select_option("2")
        page.get_by_role("button", name="Mark as missed").click()
        page.wait_for_load_state()
        assert page.locator("#miss-reason-error").is_visible()
        page.locator("#miss-fraction").select_option("2")
        page.locator("#miss-reason").fill("Proton gantry out of service")
        page.get_by_role("button", name="Mark as missed").click()
        page.wait_for_url(f"**{course}#gaps")
        assert "Proton gantry out of service" in page.locator("tr.status-missed").inner_text()
        assert page.get_by_role("heading", name="Gap compensation").is_visible()
        assert page.locator("tr.deviation-minor").count() >= 1

        # Fraction 2, rescheduled to today (Wednesday 4 March), is given this morning.
        page.locator("#deliver-fraction").select_option("2")
        page.get_by_label("Delivered at (local time, Europe/Oslo)").fill("2026-03-04T09:30")
        page.get_by_role("button", name="Mark as delivered").click()  # machine: the previous
        page.wait_for_url(f"**{course}#fractions")
        assert page.locator("tr.status-delivered").count() == 2
        screenshot(page, "course-2-fractions-logged")
    finally:
        context.close()
    view = show_course(live.world.db, actor=NURSE, study_id=study_id)
    assert view.delivered_fractions == 2
    assert len(view.missed) == 1
    assert [f.machine for f in view.fractions if f.status == "delivered"] == ["PT-G1", "PT-G1"]
    target = next(level for level in view.levels if level.dose_level == "target")
    assert target.dose_gy == 7.0

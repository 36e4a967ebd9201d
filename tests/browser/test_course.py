"""A research nurse at OUS signs in with TOTP and logs fractions of a PROSARC-2 participant's
proton course: two delivered (doses prefilled from the plan) and one missed, with its reason
and the gap-compensation options shown. Screenshots are kept as artefacts."""

from __future__ import annotations

from pathlib import Path
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


def test_a_physicist_uploads_a_plan_and_sees_the_verdicts_and_the_dvh(
    browser: Any, live: LiveServer, tmp_path: Path
) -> None:
    from tests.dicom import plans

    study_id = prosarc2_participant(live.world, planned=False)  # no course needed
    files = plans.plan_files(tmp_path / "plan")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, live, "phys.ous", then=f"/participants/{study_id}/plan-qa")
        page.get_by_label("RT Plan (DICOM)").set_input_files(str(files["rp"]))
        page.get_by_label("RT Structure Set (DICOM)").set_input_files(str(files["rs"]))
        page.get_by_label("RT Dose (DICOM)").set_input_files(str(files["rd"]))
        page.get_by_label("DVH computation").select_option("tps")
        page.get_by_role("button", name="Check the plan").click()
        page.wait_for_url(f"**/participants/{study_id}/plan-qa/*")
        assert page.get_by_role("heading", name="Dose constraints").is_visible()
        assert page.locator("tr.verdict-pass").count() >= 1
        plot = page.get_by_alt_text(
            "Cumulative dose-volume histograms of the constrained structures"
        )
        plot.scroll_into_view_if_needed()
        assert plot.evaluate("image => image.complete && image.naturalWidth") > 0
        screenshot(page, "plan-qa-1-result")
    finally:
        context.close()

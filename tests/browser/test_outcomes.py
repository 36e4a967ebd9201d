"""Staff at a browser fill in a participant's outcome forms: a research nurse records a PALLSOFT
adverse event (a grade the CTCAE term does not have and an onset before registration are refused
next to their fields, nothing stored), an investigator signs an adverse event by re-entering
the password (a wrong one refused), an investigator records a PROSARC-2 RECIST baseline and
follow-up and sees the sum of diameters and response computed, then every lesion and
measurement on the records they sign, and corrects a baseline diameter on its page (a
non-measurable one refused in the lesion's row first), and the ECOG form offers 0-5 only and
refuses a status outside them. A refused form's page opens at that form, its banner linking to
the field. Screenshots are kept as artefacts.

Forms are found by the address they post to (each ends in the fragment the answer opens at)
and fields by their labels within that form, so forms added to the outcomes page elsewhere do
not change what these tests reach for.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from radtrial.services import signatures
from radtrial.services.outcomes import adverse_events, ecog, tumour
from tests.api.support import PASSWORD
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_staff import sign_in

PALLSOFT = "PALL-OUS-0001"  # at OUS: nurse.ous (PALLSOFT) and inv.ous may record and sign
PROSARC = "PROS-STO-0001"  # at STO: inv.sto (PROSARC-2)
REGISTERED = date(2026, 3, 2)  # the day the test world registers its participants


def _outcomes(study_id: str) -> str:
    return f"/participants/{study_id}/outcomes"


def _form(page: Any, which: str) -> Any:
    """The outcomes page's form that posts to ``/participants/{id}/outcomes/{which}#…``."""
    return page.locator(f"form[action*='/outcomes/{which}#']")


def _in_view(page: Any, element: Any) -> bool:
    """Whether ``element`` is inside the window without scrolling (the page opened there)."""
    box = element.bounding_box()
    assert box is not None
    return bool(box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"])


def _banner_links_to(page: Any, field: Any) -> str:
    """The error banner's link, asserting it points at ``field``; answers its text."""
    link = page.get_by_role("alert").get_by_role("link")
    assert link.get_attribute("href") == f"#{field.get_attribute('id')}"
    text: str = link.inner_text()
    return text


def _error_under_row(page: Any, field: Any) -> str:
    """The text of the lesion error shown in a full-width row right under ``field``'s row,
    asserting that ``field`` is marked invalid and described by it and that the message is
    not squeezed into a cell (as wide as the table, at most two lines)."""
    row = field.locator("xpath=ancestor::tr[1]")
    error_row = row.locator("xpath=following-sibling::tr[1]")
    assert error_row.get_attribute("class") == "row-error"
    error = error_row.locator(".field-error")
    assert error.is_visible()
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == error.get_attribute("id")
    table = row.locator("xpath=ancestor::table[1]").bounding_box()
    cell = error_row.locator("td").bounding_box()
    above, shown = row.bounding_box(), error.bounding_box()
    assert table is not None
    assert cell is not None
    assert above is not None
    assert shown is not None
    assert cell["width"] > 0.95 * table["width"]  # spans the whole table
    assert above["y"] + above["height"] <= shown["y"] + 1  # under the lesion's row
    line = float(error.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert shown["height"] <= 4.5 * line  # wrapped like a sentence, not a word per line
    assert page.locator(".field-error").count() == 1
    text: str = error.inner_text()
    return text


def _error_next_to(page: Any, field: Any, *, described: bool = True) -> str:
    """The text of the validation error shown next to ``field``, asserting where it is: the
    element right after the field (marked invalid and described by it, unless ``described`` is
    false), drawn below the field, left-aligned with it, and above whatever follows it."""
    error = field.locator("xpath=following-sibling::*[1]")
    assert error.get_attribute("class") == "field-error"
    assert error.is_visible()
    if described:
        assert field.get_attribute("aria-invalid") == "true"
        assert field.get_attribute("aria-describedby") == error.get_attribute("id")
    box, shown = field.bounding_box(), error.bounding_box()
    assert box is not None
    assert shown is not None
    assert box["y"] + box["height"] <= shown["y"] + 1  # below the field, not over it
    assert shown["y"] - (box["y"] + box["height"]) < 40  # and close to it
    assert abs(shown["x"] - box["x"]) < 20
    following = error.locator("xpath=following-sibling::*[1]")
    if following.count() and following.is_visible():
        after = following.bounding_box()
        assert after is not None
        assert shown["y"] + shown["height"] <= after["y"] + 1  # nothing drawn over it
    assert page.locator(".field-error").count() == 1  # no error elsewhere on the page
    text: str = error.inner_text()
    return text


def _move_clock_to(live: LiveServer, moment: datetime) -> None:
    """Move the world's clock forward to ``moment`` (not back, if it is already later)."""
    ahead = moment - live.world.clock()
    if ahead.total_seconds() > 0:
        live.world.clock.advance(seconds=ahead.total_seconds())


def test_a_nurse_records_an_adverse_event_after_errors_shown_next_to_their_fields(
    page: Any, live: LiveServer
) -> None:
    db = live.world.db
    before = adverse_events.adverse_events_of(db, actor="nurse.ous", study_id=PALLSOFT)
    sign_in(page, live, "nurse.ous", then=_outcomes(PALLSOFT))
    assert page.get_by_role("heading", name=f"Outcomes of {PALLSOFT}", level=1).is_visible()
    form = _form(page, "adverse-event")
    form.get_by_label("CTCAE term").fill("Nausea")
    form.get_by_label("Grade", exact=True).select_option("4")  # nausea has no grade 4
    form.get_by_label("Onset", exact=True).fill(REGISTERED.isoformat())
    attribution = form.get_by_label("Attribution to the treatment")
    assert attribution.input_value() == ""  # nothing is assumed: the nurse chooses
    attribution.select_option("possible")
    form.get_by_role("button", name="Record the adverse event").click()
    page.wait_for_load_state()
    assert "The form was not saved" in page.get_by_role("alert").inner_text()
    grade = _form(page, "adverse-event").get_by_label("Grade", exact=True)
    message = _error_next_to(page, grade)
    assert "Nausea has no grade 4" in message
    assert _form(page, "adverse-event").get_by_label("CTCAE term").input_value() == "Nausea"
    screenshot(page, "outcomes-1-ae-grade-refused")

    # Corrected to grade 2, but with an onset before the participant's registration.
    form = _form(page, "adverse-event")
    form.get_by_label("Grade", exact=True).select_option("2")
    form.get_by_label("Onset", exact=True).fill("2026-02-01")
    form.get_by_role("button", name="Record the adverse event").click()
    page.wait_for_load_state()
    onset = _form(page, "adverse-event").get_by_label("Onset", exact=True)
    message = _error_next_to(page, onset)
    assert "the onset date 2026-02-01 is before registration (2026-03-02)" in message
    assert _banner_links_to(page, onset) == "Onset"
    assert _form(page, "adverse-event").get_by_label("Grade", exact=True).input_value() == "2"
    screenshot(page, "outcomes-2-ae-onset-refused")
    assert adverse_events.adverse_events_of(db, actor="nurse.ous", study_id=PALLSOFT) == before

    onset.fill(REGISTERED.isoformat())
    _form(page, "adverse-event").get_by_role("button", name="Record the adverse event").click()
    page.wait_for_url(f"**{_outcomes(PALLSOFT)}?saved=adverse-event#form-adverse-event")
    assert page.get_by_role("status").inner_text() == "Saved."
    assert page.locator(".field-error").count() == 0
    after = adverse_events.adverse_events_of(db, actor="nurse.ous", study_id=PALLSOFT)
    assert len(after) == len(before) + 1
    event = next(e for e in after if e not in before)
    assert (event.term, event.grade, event.onset_on) == ("Nausea", 2, REGISTERED)
    row = page.locator("tr", has=page.locator(f"a[href$='/adverse-events/{event.id}']"))
    assert [cell.strip() for cell in row.locator("th, td").all_inner_texts()[:3]] == [
        "Nausea",
        "2",
        REGISTERED.isoformat(),
    ]
    screenshot(page, "outcomes-3-ae-listed")


def test_an_investigator_signs_an_adverse_event_by_re_entering_the_password(
    page: Any, live: LiveServer
) -> None:
    db = live.world.db
    event = adverse_events.record_adverse_event(
        db,
        actor="nurse.ous",
        study_id=PALLSOFT,
        term="Diarrhea",
        grade=2,
        onset_on=REGISTERED,
        attribution="possible",
    )
    sign_in(page, live, "inv.ous", then=_outcomes(PALLSOFT))
    page.locator(f"a[href$='/adverse-events/{event.id}']").click()
    record = f"/participants/{PALLSOFT}/adverse-events/{event.id}"
    page.wait_for_url(f"**{record}")
    assert page.get_by_role("heading", name=f"Adverse event {event.id}", level=1).is_visible()
    assert page.get_by_text("Not signed.").is_visible()
    meaning = page.get_by_label("Meaning of the signature")
    assert meaning.input_value() == signatures.DEFAULT_MEANING

    password = page.get_by_label("Your password (re-enter to sign)")
    password.fill("not my password")
    page.get_by_role("button", name="Sign", exact=True).click()
    page.wait_for_load_state()
    password = page.get_by_label("Your password (re-enter to sign)")
    assert _error_next_to(page, password)
    assert password.input_value() == ""  # a password is never sent back
    assert page.get_by_label("Meaning of the signature").input_value() == (
        signatures.DEFAULT_MEANING
    )
    assert _in_view(page, password)  # the answer opens at the signatures
    assert page.get_by_text("Not signed.").is_visible()
    assert page.locator("li.signature").count() == 0
    screenshot(page, "outcomes-4-sign-wrong-password")
    shown = signatures.signed_record(
        db, actor="inv.ous", study_id=PALLSOFT, entity="adverse_events", entity_id=event.id
    )
    assert shown.signatures == ()

    password.fill(PASSWORD)
    page.get_by_role("button", name="Sign", exact=True).click()
    page.wait_for_url(f"**{record}?signed=true#signatures")
    assert page.get_by_role("status").inner_text() == "The record is signed."
    signed = signatures.signed_record(
        db, actor="inv.ous", study_id=PALLSOFT, entity="adverse_events", entity_id=event.id
    )
    assert len(signed.signatures) == 1
    stored = signed.signatures[0].signature
    assert (stored.signer, stored.meaning) == ("inv.ous", signatures.DEFAULT_MEANING)
    line = page.locator("li.signature").inner_text()
    at = stored.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert line == (
        f"Inv Ous Person (inv.ous), {at} UTC: “{signatures.DEFAULT_MEANING}” — valid"
    ), line
    assert page.locator("li.signature.signature-valid").count() == 1
    assert page.locator(".field-error").count() == 0
    screenshot(page, "outcomes-5-signed")


def test_a_recist_baseline_and_follow_up_show_the_sum_and_response_computed(
    page: Any, live: LiveServer
) -> None:
    # The follow-up is six weeks after the baseline: the clock moves on before signing in.
    _move_clock_to(live, datetime(2026, 4, 13, 10, 0, tzinfo=UTC))
    sign_in(page, live, "inv.sto", then=_outcomes(PROSARC))
    baseline = _form(page, "recist-baseline")
    assert _form(page, "recist-follow-up").count() == 0  # offered once a baseline exists
    baseline.get_by_label("Assessed on").fill(REGISTERED.isoformat())
    for row, (lesion, organ, mm) in enumerate((("T1", "lung", "30"), ("T2", "liver", "4")), 1):
        baseline.get_by_label(f"Lesion {row}", exact=True).fill(lesion)
        baseline.get_by_label(f"Organ {row}", exact=True).fill(organ)
        baseline.get_by_label(f"Diameter (mm) {row}", exact=True).fill(mm)
    baseline.get_by_label("Lesion N1", exact=True).fill("N1")
    baseline.get_by_label("Organ N1", exact=True).fill("bone")
    baseline.get_by_role("button", name="Record the baseline").click()
    page.wait_for_load_state()
    # A 4 mm lesion is below RECIST's 10 mm: refused in a row under its own, the entry kept.
    diameter = _form(page, "recist-baseline").get_by_label("Diameter (mm) 2", exact=True)
    assert "a CT lesion of 4 mm is non-measurable" in _error_under_row(page, diameter)
    assert _banner_links_to(page, diameter) == "Diameter (mm), lesion T2"
    assert _in_view(page, _form(page, "recist-baseline").get_by_role("alert"))
    assert _form(page, "recist-baseline").get_by_label("Lesion N1", exact=True).input_value() == (
        "N1"
    )
    screenshot(page, "outcomes-6-recist-small-lesion-refused")
    assert tumour.tumour_series(live.world.db, actor="inv.sto", study_id=PROSARC).baseline is None

    diameter.fill("25")
    _form(page, "recist-baseline").get_by_role("button", name="Record the baseline").click()
    page.wait_for_url(f"**{_outcomes(PROSARC)}?saved=recist-baseline#recist")
    # 30 mm + 25 mm = 55 mm; the non-target lesion is not summed.
    assert page.get_by_text("Baseline of 2026-03-02: sum of diameters 55.0 mm").is_visible()
    follow_up = _form(page, "recist-follow-up")
    assert _form(page, "recist-baseline").count() == 0
    follow_up.get_by_label("Assessed on").fill("2026-04-13")
    follow_up.get_by_label("Target lesion T1 (lung), mm").fill("20")
    follow_up.get_by_label("Target lesion T2 (liver), mm").fill("15")
    follow_up.get_by_label("Non-target lesions", exact=True).select_option("non_cr_non_pd")
    screenshot(page, "outcomes-7-recist-baseline-recorded")
    follow_up.get_by_role("button", name="Record the follow-up").click()
    page.wait_for_url(f"**{_outcomes(PROSARC)}?saved=recist-follow-up#recist")
    # 20 + 15 = 35 mm, 36 % below the 55 mm baseline (at least 30 %): a partial response.
    row = page.locator("tr", has=page.get_by_role("link", name="2026-04-13"))
    assert [cell.strip() for cell in row.locator("th, td").all_inner_texts()] == [
        "2026-04-13",
        "35.0",
        "PR (partial response)",
    ]
    screenshot(page, "outcomes-8-recist-follow-up-recorded")
    series = tumour.tumour_series(live.world.db, actor="inv.sto", study_id=PROSARC)
    assert series.baseline is not None
    assert series.baseline.sum_mm == 55.0
    assert [f.sum_mm for f in series.follow_ups] == [35.0]

    row.get_by_role("link", name="2026-04-13").click()
    page.wait_for_url(re.compile(rf".*/participants/{PROSARC}/recist-follow-ups/\d+$"))
    assert page.get_by_role("heading", name=re.compile(r"^RECIST follow-up \d+")).is_visible()
    assert page.get_by_text("Not signed.").is_visible()
    # What the investigator signs: each lesion's size and the response computed from them.
    sizes = page.get_by_role("table", name="Target lesion sizes")
    assert sizes.locator("tbody tr").all_inner_texts() == ["T1\t20.0 mm", "T2\t15.0 mm"]
    fields = page.get_by_role("table", name="Evaluation (computed by RECIST 1.1)")
    shown = dict(
        zip(
            fields.locator("th").all_inner_texts(),
            fields.locator("td").all_inner_texts(),
            strict=True,
        )
    )
    assert shown["Change from baseline"] == "-36.4%"
    assert shown["Overall response"] == "PR (partial response)"
    screenshot(page, "outcomes-9-recist-follow-up-record")

    page.get_by_role("link", name="Back to the outcomes").click()
    page.get_by_role("link", name=re.compile("^Baseline of 2026-03-02")).click()
    page.wait_for_url(re.compile(rf".*/participants/{PROSARC}/recist-baselines/\d+$"))
    lesions = page.get_by_role("table", name="Lesions at baseline").locator("tbody tr")
    assert [lesions.nth(i).locator("th, td").all_inner_texts()[:7] for i in range(3)] == [
        ["T1", "target", "lung", "no", "CT", "–", "30.0 mm (longest diameter)"],
        ["T2", "target", "liver", "no", "CT", "–", "25.0 mm (longest diameter)"],
        ["N1", "non-target", "bone", "no", "–", "–", "–"],
    ]
    screenshot(page, "outcomes-9b-recist-baseline-record")

    # The monitor's query: T2 measured 35 mm, not 25 mm. The investigator corrects it on the
    # page; a non-measurable size is refused in T2's row first, what was typed kept.
    correction = page.locator("form[action$='/correct#correction']")
    assert correction.get_by_label("Diameter (mm) 2", exact=True).input_value() == "25"
    correction.get_by_label("Diameter (mm) 2", exact=True).fill("3")
    correction.get_by_label("Reason for the correction").fill("source: T2 measured 35 mm")
    correction.get_by_role("button", name="Save the correction").click()
    page.wait_for_load_state()
    correction = page.locator("form[action$='/correct#correction']")
    diameter = correction.get_by_label("Diameter (mm) 2", exact=True)
    assert "a CT lesion of 3 mm is non-measurable" in _error_under_row(page, diameter)
    assert _banner_links_to(page, diameter) == "Diameter (mm), lesion T2"
    assert _in_view(page, correction.get_by_role("alert"))
    screenshot(page, "outcomes-9c-recist-correction-refused")
    diameter.fill("35")
    correction.get_by_role("button", name="Save the correction").click()
    page.wait_for_url(re.compile(r".*/recist-baselines/\d+\?corrected=true.*"))
    notice = page.get_by_role("status")
    assert "The correction was saved." in notice.inner_text()
    assert "Follow-ups whose evaluation changed:" in notice.inner_text()
    assert lesions.nth(1).locator("th, td").all_inner_texts()[6] == "35.0 mm (longest diameter)"
    screenshot(page, "outcomes-9d-recist-baseline-corrected")


def test_the_ecog_form_offers_0_to_5_and_refuses_anything_else_next_to_the_field(
    page: Any, live: LiveServer
) -> None:
    db = live.world.db
    before = ecog.ecog_history(db, actor="nurse.ous", study_id=PALLSOFT)
    sign_in(page, live, "nurse.ous", then=_outcomes(PALLSOFT))
    status = _form(page, "ecog").get_by_label("ECOG status (0-5)")
    assert status.evaluate("select => select.tagName") == "SELECT"
    choices = status.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert choices == ["", "0", "1", "2", "3", "4", "5"]

    # No status chosen: the answer opens at the form, its banner linking to the field.
    _form(page, "ecog").get_by_role("button", name="Record ECOG").click()
    page.wait_for_load_state()
    status = _form(page, "ecog").get_by_label("ECOG status (0-5)")
    assert "choose the ECOG status" in _error_next_to(page, status)
    assert _banner_links_to(page, status) == "ECOG status (0-5)"
    assert page.evaluate("window.scrollY") > 0
    assert _in_view(page, status)
    screenshot(page, "outcomes-10-ecog-missing")
    screenshot(page, "outcomes-10b-ecog-missing-window", full_page=False)

    # A tampered form sending 6: the server refuses it next to the field as well.
    status.evaluate("select => select.add(new Option('6', '6'))")
    status.select_option("6")
    _form(page, "ecog").get_by_label("Assessed on").fill(REGISTERED.isoformat())
    _form(page, "ecog").get_by_role("button", name="Record ECOG").click()
    page.wait_for_load_state()
    status = _form(page, "ecog").get_by_label("ECOG status (0-5)")
    assert "must be from 0 to 5, not 6" in _error_next_to(page, status)
    screenshot(page, "outcomes-11-ecog-out-of-range")
    assert ecog.ecog_history(db, actor="nurse.ous", study_id=PALLSOFT) == before

    status.select_option("2")
    _form(page, "ecog").get_by_label("Assessed on").fill(REGISTERED.isoformat())
    _form(page, "ecog").get_by_role("button", name="Record ECOG").click()
    page.wait_for_url(f"**{_outcomes(PALLSOFT)}?saved=ecog#form-ecog")
    assert page.get_by_text(f"{REGISTERED.isoformat()}: ECOG 2", exact=True).is_visible()
    after = ecog.ecog_history(db, actor="nurse.ous", study_id=PALLSOFT)
    assert [(s.status, s.assessed_on) for s in after if s not in before] == [(2, REGISTERED)]
    screenshot(page, "outcomes-12-ecog-recorded")

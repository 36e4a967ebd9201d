"""The staff-entered target-symptom rating on the participant's outcomes page, and the site's
biobank shipments page (ship stored samples, record a receipt): the forms offer what the
protocol says, in English and Norwegian; a valid post is stored through the same services as
the API and audited; an invalid one is shown next to its field and writes nothing; another
site's user and a post without the form token are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from radtrial.services import trials
from radtrial.services.outcomes import biobank, pro, shipments
from tests.api.support import World, client_for, sign_in
from tests.api.test_outcome_routes import _enrol_prosarc_with_biobank
from tests.outcomes_support import audit_count, audit_rows

OUS = "PALL-OUS-0001"
RATING = f"/participants/{OUS}/outcomes/symptom-rating"


def _signed_in(world: World, username: str) -> Any:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _form(client: Any, path: str, *, token: bool = True, **fields: str) -> Any:
    data = {"csrf_token": client.headers["X-CSRF-Token"]} if token else {}
    return client.post(path, data={**data, **fields}, follow_redirects=False)


def _between(text: str, first: str, error_id: str, after: str) -> bool:
    """Whether the error ``error_id`` sits after the field ``first`` and before ``after``."""
    start, error, end = text.index(first), text.index(f'id="{error_id}"'), text.index(after)
    return start < error < end


def _ratings(world: World) -> list[tuple[str, str, int | None, str | None, bool | None]]:
    course = pro.symptom_course(world.db, actor="nurse.ous", study_id=OUS)
    return [
        (r.visit_id, r.symptom, r.nrs, r.global_impression, r.analgesic_increased)
        for r in course.ratings
    ]


# -- the target symptom -------------------------------------------------------------------------


def test_the_symptom_form_offers_the_protocols_visits_and_symptoms_in_both_languages(
    world: World,
) -> None:
    protocol = trials.show_trial(world.db, "pallsoft", actor="setup").protocol
    with _signed_in(world, "nurse.ous") as nurse:
        page = nurse.get(f"/participants/{OUS}/outcomes")
        assert page.status_code == 200, page.text
        html = page.text
        assert f'action="{RATING}#form-symptom-rating"' in html  # opens at the form
        assert "Enter the patient&#39;s answer" in html
        kinds = {a.id: a.kind for a in protocol.assessments}
        nrs_visits = [v for v in protocol.visits if any(kinds[a] == "nrs" for a in v.assessments)]
        assert nrs_visits
        for visit in nrs_visits:
            assert f'<option value="{visit.id}">{visit.label} (NRS' in html
        assert "Week 8 (primary endpoint) (NRS, global impression)</option>" in html
        for category in pro.symptom_categories(protocol) or ():
            assert f'<option value="{category}">' in html
        assert '<option value="other">' not in html  # the service leaves "other" out
        assert '<option value="10">10</option>' in html
        assert '<option value="complete_resolution">complete resolution</option>' in html
        assert 'id="pro-analgesic"' not in html  # asked only once pain is the target symptom
        norsk = nurse.get(f"/participants/{OUS}/outcomes", headers={"Accept-Language": "nb"})
        assert "Registrer pasientens svar" in norsk.text
        assert '<option value="pain">smerte</option>' in norsk.text
        assert '<option value="improved">bedre</option>' in norsk.text
    with _signed_in(world, "inv.sto") as sarcoma:  # PROSARC-2 schedules no target-symptom NRS
        other = sarcoma.get("/participants/PROS-STO-0001/outcomes").text
        assert "outcomes/symptom-rating" not in other


def test_a_rating_typed_by_a_nurse_is_stored_in_site_time_and_audited(world: World) -> None:
    with _signed_in(world, "nurse.ous") as nurse:
        # Oslo is UTC+1 in March: 08:30 local is 07:30 UTC.
        saved = _form(
            nurse, RATING, visit="baseline", symptom="pain", nrs="7", answered_at="2026-03-02T08:30"
        )
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"/participants/{OUS}/outcomes?saved=symptom-rating"
        shown = nurse.get(saved.headers["location"]).text
        assert 'role="status"' in shown
        assert "Target symptom: pain (chosen at Baseline (before randomisation))." in shown
        assert "2026-03-02 07:30 UTC" in shown
        assert 'id="pro-symptom"' not in shown  # chosen once, at baseline
        assert 'id="pro-analgesic"' in shown  # pain: the responder rule needs the answer
        course = pro.symptom_course(world.db, actor="nurse.ous", study_id=OUS)
        (rating,) = course.ratings
        assert rating.answered_at == datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
        assert rating.recorded_by == "nurse.ous"
        assert _ratings(world) == [("baseline", "pain", 7, None, None)]
        assert ("nurse.ous", "insert", "nrs", 7) in audit_rows(world.db, "symptom_ratings")
        no_answer = _form(nurse, RATING, visit="week_4", nrs="4", global_impression="improved")
        assert no_answer.status_code == 422
        assert _between(
            no_answer.text,
            'id="pro-analgesic"',
            "symptom-rating-analgesic_increased-error",
            'id="pro-impression"',
        )
        follow_up = _form(
            nurse,
            RATING,
            visit="week_4",
            nrs="4",
            global_impression="improved",
            analgesic_increased="no",
        )
        assert follow_up.status_code == 303, follow_up.text
        assert _ratings(world)[1] == ("week_4", "pain", 4, "improved", False)


def test_an_invalid_rating_is_shown_next_to_its_field_and_writes_nothing(world: World) -> None:
    before = audit_count(world.db)
    with _signed_in(world, "nurse.ous") as nurse:
        eleven = _form(nurse, RATING, visit="baseline", symptom="pain", nrs="11")
        assert eleven.status_code == 422
        assert _between(
            eleven.text, 'id="pro-nrs"', "symptom-rating-nrs-error", 'id="pro-impression"'
        )
        assert "from 0 to 10, not 11" in eleven.text
        assert 'aria-invalid="true" aria-describedby="symptom-rating-nrs-error"' in eleven.text
        assert '<option value="baseline" selected>' in eleven.text  # the entry is kept
        unknown = _form(nurse, RATING, visit="baseline", symptom="nausea", nrs="5")
        assert unknown.status_code == 422
        assert _between(
            unknown.text, 'id="pro-symptom"', "symptom-rating-symptom-error", 'id="pro-nrs"'
        )
        assert "must be one of pain" in unknown.text
        no_visit = _form(nurse, RATING, symptom="pain", nrs="5")
        assert _between(
            no_visit.text, 'id="pro-visit"', "symptom-rating-visit-error", 'id="pro-answered"'
        )
        future = _form(
            nurse, RATING, visit="baseline", symptom="pain", nrs="5", answered_at="2026-03-03T10:00"
        )
        assert future.status_code == 422
        assert _between(
            future.text, 'id="pro-answered"', "symptom-rating-answered_at-error", 'id="pro-symptom"'
        )
    assert _ratings(world) == []
    assert audit_rows(world.db, "symptom_ratings") == []
    assert audit_count(world.db) == before


def test_another_sites_user_and_a_post_without_the_token_are_refused(world: World) -> None:
    fields = {"visit": "baseline", "symptom": "pain", "nrs": "6"}
    with _signed_in(world, "inv.hus") as other:
        assert _form(other, RATING, **fields).status_code == 403
    with _signed_in(world, "nurse.ous") as nurse:
        assert _form(nurse, RATING, token=False, **fields).status_code == 403
    assert _ratings(world) == []


# -- biobank shipments --------------------------------------------------------------------------

LABEL = "PRS2-OUS-PL-BL"
SHIPMENTS = "/sites/OUS/shipments"


def _stored_aliquots(world: World) -> str:
    """A PROSARC-2 participant at OUS with a plasma sample (09:00 UTC) and two aliquots stored
    at about 11:00 UTC; the clock is then at about 12:00 UTC."""
    study_id = _enrol_prosarc_with_biobank(world)
    world.clock.advance(hours=3)
    biobank.collect_sample(
        world.db,
        actor="inv.ous",
        study_id=study_id,
        label=LABEL,
        sample_type="plasma",
        visit_id="baseline",
        collected_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        aliquots=2,
    )
    for n, position in ((1, "A1"), (2, "A2")):
        biobank.store_sample(
            world.db,
            actor="inv.ous",
            label=f"{LABEL}-0{n}",
            freezer="F1",
            rack="R1",
            box="B1",
            position=position,
        )
    world.clock.advance(hours=1)
    return study_id


def _statuses(world: World, study_id: str) -> dict[str, str]:
    samples = biobank.participant_samples(world.db, actor="inv.ous", study_id=study_id)
    return {s.label: s.status for s in samples}


def _codes(world: World, entity: str = "sample_shipments") -> list[object]:
    return [value for _, action, field, value in audit_rows(world.db, entity) if field == "code"]


def test_the_shipments_page_is_linked_and_renders_in_both_languages(world: World) -> None:
    study_id = _stored_aliquots(world)
    with _signed_in(world, "inv.ous") as inv:
        outcomes = inv.get(f"/participants/{study_id}/outcomes").text
        assert f'href="{SHIPMENTS}"' in outcomes
        assert f'href="{SHIPMENTS}"' in inv.get("/sites/OUS/follow-up").text
        page = inv.get(SHIPMENTS)
        assert page.status_code == 200, page.text
        assert f'action="{SHIPMENTS}"' in page.text
        assert f'action="{SHIPMENTS}/receipt"' in page.text
        assert "Ship samples" in page.text
        assert "Record the receipt of a shipment at its destination" in page.text
        norsk = inv.get(SHIPMENTS, headers={"Accept-Language": "nb"})
        assert "Send prøver" in norsk.text
        assert "Registrer mottak av en sending hos mottakeren" in norsk.text
    with _signed_in(world, "monitor") as monitor:  # may look, has no role that records samples
        read_only = monitor.get(SHIPMENTS)
        assert read_only.status_code == 200
        assert f'action="{SHIPMENTS}"' not in read_only.text


def test_samples_are_shipped_and_received_on_the_sites_page(world: World) -> None:
    study_id = _stored_aliquots(world)
    with _signed_in(world, "inv.ous") as inv:
        shipped = _form(
            inv,
            SHIPMENTS,
            labels=f"{LABEL}-01\n{LABEL}-02",
            shipment="SHIP-1",
            to_location="PROSARC research biobank",
            shipped_at="2026-03-02T12:30",
            courier="Bring",
            condition="dry ice",
        )
        assert shipped.status_code == 303, shipped.text
        assert shipped.headers["location"] == f"{SHIPMENTS}?shipped=SHIP-1"
        shown = inv.get(shipped.headers["location"]).text
        assert "Shipment SHIP-1 is recorded" in shown
        assert 'role="status"' in shown
        assert _statuses(world, study_id)[f"{LABEL}-01"] == "shipped"
        assert _statuses(world, study_id)[f"{LABEL}-02"] == "shipped"
        assert _codes(world) == ["SHIP-1"]
        history = biobank.sample_history(world.db, actor="inv.ous", label=f"{LABEL}-01")
        # 12:30 in Oslo is 11:30 UTC.
        assert [s.at for s in history.custody if s.action == "shipped"] == [
            datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
        ]
        received = _form(
            inv,
            f"{SHIPMENTS}/receipt",
            shipment="SHIP-1",
            condition="frozen",
            missing=f"{LABEL}-02",
            note="one tube absent",
        )
        assert received.status_code == 303, received.text
        assert received.headers["location"] == f"{SHIPMENTS}?received=SHIP-1"
        assert (
            "The receipt of shipment SHIP-1 is recorded."
            in inv.get(SHIPMENTS + "?received=SHIP-1").text
        )
        statuses = _statuses(world, study_id)
        assert (statuses[f"{LABEL}-01"], statuses[f"{LABEL}-02"]) == ("received", "missing")
        assert ("inv.ous", "insert", "condition", "frozen") in audit_rows(
            world.db, "sample_receipts"
        )
        again = _form(inv, f"{SHIPMENTS}/receipt", shipment="SHIP-1")
        assert again.status_code == 409
        assert _between(
            again.text, 'id="receipt-code"', "receipt-shipment-error", 'id="receipt-at"'
        )


def test_an_invalid_shipment_or_receipt_is_shown_next_to_its_field_and_writes_nothing(
    world: World,
) -> None:
    study_id = _stored_aliquots(world)
    shipments.ship_samples(
        world.db, actor="inv.ous", labels=[f"{LABEL}-01"], code="SHIP-1", to_location="Biobank"
    )
    before = audit_count(world.db)
    with _signed_in(world, "inv.ous") as inv:
        in_transit = _form(
            inv, SHIPMENTS, labels=f"{LABEL}-01", shipment="SHIP-2", to_location="Biobank"
        )
        assert in_transit.status_code == 422
        assert _between(in_transit.text, 'id="ship-labels"', "ship-labels-error", 'id="ship-code"')
        assert "is shipped: it cannot be shipped" in in_transit.text
        assert f"{LABEL}-01</textarea>" in in_transit.text  # the entry is kept
        unknown = _form(inv, SHIPMENTS, labels="NO-SUCH", shipment="SHIP-2", to_location="X")
        assert unknown.status_code == 422
        assert _between(unknown.text, 'id="ship-labels"', "ship-labels-error", 'id="ship-code"')
        taken = _form(inv, SHIPMENTS, labels=f"{LABEL}-02", shipment="SHIP-1", to_location="X")
        assert taken.status_code == 409
        assert _between(taken.text, 'id="ship-code"', "ship-shipment-error", 'id="ship-to"')
        nowhere = _form(inv, SHIPMENTS, labels=f"{LABEL}-02", shipment="SHIP-2", to_location=" ")
        assert _between(nowhere.text, 'id="ship-to"', "ship-to_location-error", 'id="ship-from"')
        no_receipt = _form(inv, f"{SHIPMENTS}/receipt", shipment="NOPE")
        assert no_receipt.status_code == 422
        assert _between(
            no_receipt.text, 'id="receipt-code"', "receipt-shipment-error", 'id="receipt-at"'
        )
        assert "no shipment &#39;NOPE&#39;" in no_receipt.text
        not_in_it = _form(inv, f"{SHIPMENTS}/receipt", shipment="SHIP-1", missing=f"{LABEL}-02")
        assert not_in_it.status_code == 422
        assert _between(
            not_in_it.text, 'id="receipt-missing"', "receipt-missing-error", 'id="receipt-note"'
        )
    assert audit_count(world.db) == before
    assert _codes(world) == ["SHIP-1"]
    assert audit_rows(world.db, "sample_receipts") == []
    statuses = _statuses(world, study_id)
    assert (statuses[f"{LABEL}-01"], statuses[f"{LABEL}-02"]) == ("shipped", "stored")


def test_another_sites_user_and_a_post_without_the_token_are_refused_on_shipments(
    world: World,
) -> None:
    study_id = _stored_aliquots(world)
    shipments.ship_samples(
        world.db, actor="inv.ous", labels=[f"{LABEL}-01"], code="SHIP-1", to_location="Biobank"
    )
    ship = {"labels": f"{LABEL}-02", "shipment": "SHIP-2", "to_location": "Biobank"}
    with _signed_in(world, "inv.hus") as other:
        assert other.get(SHIPMENTS).status_code == 403
        assert _form(other, SHIPMENTS, **ship).status_code == 403
        assert _form(other, f"{SHIPMENTS}/receipt", shipment="SHIP-1").status_code == 403
        # On their own site's page, the samples and the shipment are still another site's.
        assert _form(other, "/sites/HUS/shipments", **ship).status_code == 403
        assert _form(other, "/sites/HUS/shipments/receipt", shipment="SHIP-1").status_code == 403
    with _signed_in(world, "inv.ous") as inv:
        assert _form(inv, SHIPMENTS, token=False, **ship).status_code == 403
        receipt = _form(inv, f"{SHIPMENTS}/receipt", token=False, shipment="SHIP-1")
        assert receipt.status_code == 403
    assert _codes(world) == ["SHIP-1"]
    assert audit_rows(world.db, "sample_receipts") == []
    statuses = _statuses(world, study_id)
    assert (statuses[f"{LABEL}-01"], statuses[f"{LABEL}-02"]) == ("shipped", "stored")


# -- the site's lists and shipping by ticking samples (decision 0063) ----------------------------


def _ship_ticked(client: Any, ticked: list[str], **fields: str) -> Any:
    data: dict[str, Any] = {"csrf_token": client.headers["X-CSRF-Token"], "sample": ticked}
    return client.post(SHIPMENTS, data={**data, **fields}, follow_redirects=False)


def _section(text: str, element_id: str) -> str:
    """The page's text from the element ``element_id`` to the next heading."""
    start = text.index(f'id="{element_id}"')
    end = text.find("<h2", start)
    return text[start : end if end != -1 else len(text)]


def test_the_page_lists_stored_samples_to_tick_and_shipments_in_transit(world: World) -> None:
    _stored_aliquots(world)
    shipments.ship_samples(
        world.db, actor="inv.ous", labels=[f"{LABEL}-02"], code="SHIP-0", to_location="Biobank"
    )
    with _signed_in(world, "inv.ous") as inv:
        page = inv.get(SHIPMENTS)
        assert page.status_code == 200, page.text
        stored = _section(page.text, "stored-samples")
        assert f'name="sample" value="{LABEL}-01"' in stored
        assert "F1/R1/B1/A1" in stored
        assert f"{LABEL}-02" not in stored  # in transit
        assert f">{LABEL}<" not in stored  # collected, never stored: not offered
        transit = _section(page.text, "in-transit")
        assert "SHIP-0" in transit
        assert "Biobank" in transit
        assert f"1: {LABEL}-02" in transit
        assert 'name="shipment" value="SHIP-0"' in transit
        assert f'action="{SHIPMENTS}/receipt"' in transit
        assert 'id="ship-labels"' in page.text  # typing or scanning labels is still offered
        norsk = inv.get(SHIPMENTS, headers={"Accept-Language": "nb"}).text
        assert "Lagrede prøver klare til sending" in norsk
        assert "Sendinger underveis" in norsk
    with _signed_in(world, "monitor") as monitor:  # reads the lists, records nothing
        read_only = monitor.get(SHIPMENTS).text
        assert f"{LABEL}-01" in _section(read_only, "stored-samples")
        assert "SHIP-0" in _section(read_only, "in-transit")
        assert 'name="sample"' not in read_only
        assert "/receipt" not in read_only
    with _signed_in(world, "inv.hus") as other:  # their own site lists none of OUS's
        own = other.get("/sites/HUS/shipments")
        assert own.status_code == 200
        assert LABEL not in own.text
        assert "SHIP-0" not in own.text
        assert "No stored samples are ready to ship at this site." in own.text
        assert "No shipment of this site" in own.text


def test_samples_are_shipped_by_ticking_them_and_received_from_their_row(world: World) -> None:
    study_id = _stored_aliquots(world)
    with _signed_in(world, "inv.ous") as inv:
        shipped = _ship_ticked(
            inv,
            [f"{LABEL}-01", f"{LABEL}-02"],
            labels=f"{LABEL}-01",  # also scanned: shipped once
            shipment="SHIP-T",
            to_location="PROSARC research biobank",
        )
        assert shipped.status_code == 303, shipped.text
        statuses = _statuses(world, study_id)
        assert (statuses[f"{LABEL}-01"], statuses[f"{LABEL}-02"]) == ("shipped", "shipped")
        page = inv.get(SHIPMENTS).text
        assert "No stored samples are ready to ship at this site." in page
        assert f"2: {LABEL}-01, {LABEL}-02" in _section(page, "in-transit")
        received = _form(inv, f"{SHIPMENTS}/receipt", shipment="SHIP-T", missing="", condition="")
        assert received.status_code == 303, received.text
        statuses = _statuses(world, study_id)
        assert (statuses[f"{LABEL}-01"], statuses[f"{LABEL}-02"]) == ("received", "received")
        assert "No shipment of this site" in inv.get(SHIPMENTS).text
    assert _codes(world) == ["SHIP-T"]


def test_an_unstored_sample_or_an_overlong_condition_is_refused_and_the_ticks_are_kept(
    world: World,
) -> None:
    study_id = _stored_aliquots(world)
    before = audit_count(world.db)
    with _signed_in(world, "inv.ous") as inv:
        unstored = _ship_ticked(
            inv, [f"{LABEL}-01"], labels=LABEL, shipment="SHIP-U", to_location="Biobank"
        )
        assert unstored.status_code == 422
        assert _between(unstored.text, 'id="ship-labels"', "ship-labels-error", 'id="ship-code"')
        assert f"{LABEL} was collected but never stored" in unstored.text
        assert f'value="{LABEL}-01" checked' in unstored.text
        assert f'value="{LABEL}-02" checked' not in unstored.text
        long = _ship_ticked(
            inv, [f"{LABEL}-01"], shipment="SHIP-U", to_location="Biobank", condition="x" * 65
        )
        assert long.status_code == 422
        assert _between(
            long.text, 'id="ship-condition"', "ship-condition-error", "Record the shipment"
        )
        assert "give at most 64 characters" in long.text
        future = _ship_ticked(
            inv, [f"{LABEL}-01"], shipment="SHIP-U", to_location="B", shipped_at="2026-03-03T12:00"
        )
        assert future.status_code == 422
        assert _between(future.text, 'id="ship-at"', "ship-shipped_at-error", 'id="ship-courier"')
        nothing = _ship_ticked(inv, [], shipment="SHIP-U", to_location="Biobank")
        assert nothing.status_code == 422
        assert _between(nothing.text, 'id="ship-labels"', "ship-labels-error", 'id="ship-code"')
    assert audit_count(world.db) == before
    assert _statuses(world, study_id)[f"{LABEL}-01"] == "stored"


def test_another_sites_user_gets_the_same_refusal_for_a_received_shipment(world: World) -> None:
    _stored_aliquots(world)
    for n, code in ((1, "SHIP-OPEN"), (2, "SHIP-DONE")):
        shipments.ship_samples(
            world.db, actor="inv.ous", labels=[f"{LABEL}-0{n}"], code=code, to_location="X"
        )
    shipments.receive_shipment(world.db, actor="inv.ous", code="SHIP-DONE")
    with _signed_in(world, "inv.hus") as other:
        pages = [
            _form(other, "/sites/HUS/shipments/receipt", shipment=code, missing="NOT-IN-IT")
            for code in ("SHIP-OPEN", "SHIP-DONE")
        ]
    assert [p.status_code for p in pages] == [403, 403]
    assert "received" not in pages[1].text.replace("receive samples", "")
    assert pages[0].text == pages[1].text

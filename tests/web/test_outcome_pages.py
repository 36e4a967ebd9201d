"""The outcome pages: a site's follow-up (visits due, open adverse events with SAE deadlines),
the participant's outcome forms with validation errors next to their fields (a lesion's in a
full-width row under it, the input marked invalid) and a banner in the form linking to the
field by its label, and signing a record on its page (name, UTC time, meaning; voided by an
edit); another site refused."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from radtrial.clinical.recist import TargetLesion
from radtrial.services.outcomes import tumour
from radtrial.services.outcomes.adverse_events import adverse_events_of, record_adverse_event
from tests.api.support import PASSWORD, World, client_for, sign_in


def test_the_follow_up_page_lists_open_adverse_events_with_their_sae_deadline(
    world: World,
) -> None:
    record_adverse_event(
        world.db,
        actor="nurse.ous",
        study_id="PALL-OUS-0001",
        term="Diarrhea",
        grade=3,
        onset_on=date(2026, 3, 2),
        attribution="possible",
        seriousness=["hospitalisation"],
        specify=None,
    )
    with client_for(world.db) as client:
        sign_in(client, world, "nurse.ous")
        page = client.get("/sites/OUS/follow-up?trial=pallsoft")
        assert page.status_code == 200, page.text
        assert "Open adverse events and SAE report deadlines" in page.text
        assert "PALL-OUS-0001" in page.text
        assert "Diarrhea" in page.text
        assert " UTC" in page.text
        norsk = client.get("/sites/OUS/follow-up", headers={"Accept-Language": "nb"})
        assert "Åpne uønskede hendelser" in norsk.text
    with client_for(world.db) as other:
        sign_in(other, world, "inv.hus")
        assert other.get("/sites/OUS/follow-up?trial=pallsoft").status_code == 403
        assert other.get("/sites/OUS/follow-up").status_code == 403


OUS = "PALL-OUS-0001"


def _signed_in(world: World, username: str) -> Any:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


def _form(client: Any, path: str, **fields: str) -> Any:
    return client.post(
        path,
        data={"csrf_token": client.headers["X-CSRF-Token"], **fields},
        follow_redirects=False,
    )


def _between(text: str, first: str, error_id: str, after: str) -> bool:
    """Whether the error ``error_id`` sits after the field ``first`` and before ``after``."""
    start, error, end = text.index(first), text.index(f'id="{error_id}"'), text.index(after)
    return start < error < end


def test_the_outcome_forms_show_a_validation_error_next_to_its_field(world: World) -> None:
    with _signed_in(world, "nurse.ous") as nurse:
        page = nurse.get(f"/participants/{OUS}/outcomes")
        assert page.status_code == 200, page.text
        assert 'name="csrf_token"' in page.text
        wrong = _form(
            nurse,
            f"/participants/{OUS}/outcomes/adverse-event",
            term="Nausea",
            grade="4",
            onset_on="2026-03-02",
            attribution="possible",
        )
        assert wrong.status_code == 422
        assert _between(wrong.text, 'id="ae-grade"', "adverse-event-grade-error", 'id="ae-onset"')
        assert 'aria-invalid="true" aria-describedby="adverse-event-grade-error"' in wrong.text
        assert 'value="Nausea"' in wrong.text  # the entry is kept
        early = _form(
            nurse,
            f"/participants/{OUS}/outcomes/adverse-event",
            term="Diarrhea",
            grade="2",
            onset_on="2026-02-01",
            attribution="possible",
        )
        assert _between(
            early.text, 'id="ae-onset"', "adverse-event-onset_on-error", 'id="ae-resolved"'
        )
        no_status = _form(nurse, f"/participants/{OUS}/outcomes/ecog", status="")
        assert no_status.status_code == 422
        assert _between(no_status.text, 'id="ecog-status"', "ecog-status-error", 'id="ecog-date"')
        saved = _form(
            nurse,
            f"/participants/{OUS}/outcomes/adverse-event",
            term="Diarrhea",
            grade="2",
            onset_on="2026-03-02",
            attribution="possible",
        )
        assert saved.status_code == 303
        shown = nurse.get(saved.headers["location"])
        assert "Diarrhea" in shown.text
        assert 'role="status"' in shown.text
        ecog_saved = _form(nurse, f"/participants/{OUS}/outcomes/ecog", status="1")
        assert ecog_saved.status_code == 303
        assert "ECOG 1" in nurse.get(f"/participants/{OUS}/outcomes").text
        norsk = nurse.get(f"/participants/{OUS}/outcomes", headers={"Accept-Language": "nb"})
        assert "Uønskede hendelser" in norsk.text
    with _signed_in(world, "inv.sto") as sarcoma:
        small = _form(
            sarcoma,
            "/participants/PROS-STO-0001/outcomes/recist-baseline",
            assessed_on="2026-03-02",
            t1_id="T1",
            t1_organ="lung",
            t1_mm="4",
        )
        assert small.status_code == 422
        # In a full-width row under the lesion's row, the diameter marked invalid.
        assert _between(small.text, 'name="t1_index"', "bl-t1-error", 'name="t2_id"')
        assert '<tr class="row-error"><td colspan="5"><p class="field-error" id="bl-t1-error">' in (
            small.text
        )
        assert 'name="t1_mm" type="text" inputmode="decimal" size="6" value="4" ' in small.text
        assert 'aria-invalid="true" aria-describedby="bl-t1-error"' in small.text
        assert "a CT lesion of 4 mm is non-measurable" in small.text
        ok = _form(
            sarcoma,
            "/participants/PROS-STO-0001/outcomes/recist-baseline",
            assessed_on="2026-03-02",
            t1_id="T1",
            t1_organ="lung",
            t1_mm="20",
            n1_id="N1",
            n1_organ="liver",
        )
        assert ok.status_code == 303, ok.text
        page = sarcoma.get("/participants/PROS-STO-0001/outcomes").text
        assert "sum of diameters 20.0 mm" in page
        assert 'name="size_T1"' in page  # the follow-up form offers the target lesions
        no_label = _form(
            sarcoma,
            "/participants/PROS-STO-0001/outcomes/storage",
            label="NO-SUCH",
            freezer="F",
            rack="R",
            box="B",
            position="A1",
        )
        assert no_label.status_code == 422
        assert _between(no_label.text, 'id="st-label"', "storage-label-error", 'id="st-freezer"')
    with _signed_in(world, "inv.hus") as other:
        assert other.get(f"/participants/{OUS}/outcomes").status_code == 403
        refused = _form(other, f"/participants/{OUS}/outcomes/ecog", status="1")
        assert refused.status_code == 403


def test_an_investigator_signs_on_the_record_page_and_an_edit_voids_it(world: World) -> None:
    with _signed_in(world, "inv.ous") as inv:
        event = inv.post(
            f"/api/v1/participants/{OUS}/adverse-events",
            json={
                "term": "Diarrhea",
                "grade": 2,
                "onset_on": "2026-03-02",
                "attribution": "possible",
            },
        ).json()
        path = f"/participants/{OUS}/adverse-events/{event['id']}"
        page = inv.get(path)
        assert page.status_code == 200
        assert "Not signed." in page.text
        wrong = _form(inv, f"{path}/sign", password="guess", meaning="I confirm")
        assert wrong.status_code == 401
        assert _between(wrong.text, 'id="sign-password"', "sign-password-error", "Sign</button>")
        done = _form(
            inv, f"{path}/sign", password=PASSWORD, meaning="I confirm this record is accurate"
        )
        assert done.status_code == 303
        signed = inv.get(done.headers["location"]).text
        assert "Inv Ous Person" in signed
        assert "I confirm this record is accurate" in signed
        assert "2026-03-02 " in signed
        assert " UTC" in signed
        assert "signature-valid" in signed
        etag = inv.get(f"/api/v1{path}").headers["ETag"]
        edited = inv.patch(
            f"/api/v1{path}", json={"reason": "regraded", "grade": 3}, headers={"If-Match": etag}
        )
        assert edited.status_code == 200
        voided = inv.get(path).text
        assert "signature-voided" in voided
        assert "record edited: regraded" in voided
    with _signed_in(world, "inv.hus") as other:
        assert other.get(path).status_code == 403
        assert _form(other, f"{path}/sign", password=PASSWORD).status_code == 403


def test_a_sample_time_typed_on_the_page_is_the_sites_local_time(world: World) -> None:
    from radtrial.services.outcomes import biobank
    from tests.api.test_outcome_routes import _enrol_prosarc_with_biobank

    study_id = _enrol_prosarc_with_biobank(world)
    world.clock.advance(hours=3)
    path = f"/participants/{study_id}/outcomes/sample"
    fields = {"sample_type": "plasma", "visit": "baseline"}
    with _signed_in(world, "inv.ous") as client:
        # Oslo is UTC+1 in March before the clocks go forward: 10:00 local is 09:00 UTC.
        saved = _form(
            client, path, label="PRS2-OUS-PL-BL", collected_at="2026-03-02T10:00", **fields
        )
        assert saved.status_code == 303, saved.text
        gap = _form(client, path, label="PRS2-OUS-PL-X", collected_at="2026-03-29T02:30", **fields)
        assert gap.status_code == 422
        assert '<p class="field-error" id="sample-collected_at-error">' in gap.text
        assert "does not exist in Europe/Oslo" in gap.text
    stored = biobank.participant_samples(world.db, actor="inv.ous", study_id=study_id)
    assert [(s.label, s.collected_at.isoformat()) for s in stored] == [
        ("PRS2-OUS-PL-BL", "2026-03-02T09:00:00+00:00")
    ]


def _banner(html: str, form_id: str) -> str:
    """The error banner, asserting it sits inside the form ``form_id`` (where the answer
    opens: the form's action ends in a fragment) and links to an element of the page."""
    match = re.search(r'<div class="error" role="alert" id="form-error">(.*?)</div>', html, re.S)
    assert match is not None
    start = html.index(f'<form id="{form_id}"')
    assert start < match.start() < html.index("</form>", start)
    target = re.search(r'<a href="#([^"]+)">', match.group(1))
    assert target is not None
    assert f'id="{target.group(1)}"' in html
    return match.group(1)


def test_the_error_banner_links_to_the_field_by_its_label(world: World) -> None:
    with _signed_in(world, "nurse.ous") as nurse:
        page = nurse.get(f"/participants/{OUS}/outcomes").text
        assert f'action="/participants/{OUS}/outcomes/ecog#form-ecog"' in page
        assert 'id="form-ecog"' in page
        no_status = _form(nurse, f"/participants/{OUS}/outcomes/ecog", status="")
        banner = _banner(no_status.text, "form-ecog")
        assert '<a href="#ecog-status">ECOG status (0-5)</a>' in banner
        assert "Field:" not in banner
        early = _form(
            nurse,
            f"/participants/{OUS}/outcomes/adverse-event",
            term="Diarrhea",
            grade="2",
            onset_on="2026-02-01",
            attribution="possible",
        )
        assert '<a href="#ae-onset">Onset</a>' in _banner(early.text, "form-adverse-event")
        # The onset is named as what was typed, at the same location as before.
        assert (
            '<p class="field-error" id="adverse-event-onset_on-error">the onset date 2026-02-01 '
            "is before registration (2026-03-02)</p>"
        ) in early.text
        assert "assessment date" not in early.text
        norsk = nurse.post(
            f"/participants/{OUS}/outcomes/ecog",
            data={"csrf_token": nurse.headers["X-CSRF-Token"], "status": ""},
            headers={"Accept-Language": "nb"},
        )
        assert '<a href="#ecog-status">ECOG-status (0–5)</a>' in _banner(norsk.text, "form-ecog")
    with _signed_in(world, "inv.sto") as sarcoma:
        small = _form(
            sarcoma,
            "/participants/PROS-STO-0001/outcomes/recist-baseline",
            assessed_on="2026-03-02",
            t1_id="T1",
            t1_organ="lung",
            t1_mm="30",
            t2_id="T2",
            t2_organ="liver",
            t2_mm="4",
        )
        banner = _banner(small.text, "form-recist-baseline")
        assert '<a href="#bl-t2-mm">Diameter (mm), lesion T2</a>' in banner
        assert "target_lesions[" not in small.text
        assert 'action="/participants/PROS-STO-0001/outcomes/recist-baseline#recist"' in small.text
        node = _form(
            sarcoma,
            "/participants/PROS-STO-0001/outcomes/recist-baseline",
            assessed_on="2026-03-02",
            t1_id="T1",
            t1_organ="lung",
            t1_mm="30",
            n1_id="N1",
            n1_organ=" ",
        )
        assert '<a href="#bl-n1-organ">Organ, lesion N1</a>' in _banner(
            node.text, "form-recist-baseline"
        )
        assert '<tr class="row-error"><td colspan="2"><p class="field-error" id="bl-n1-error">' in (
            node.text
        )
        assert 'aria-invalid="true" aria-describedby="bl-n1-error"' in node.text


def test_a_follow_up_size_error_marks_that_lesions_input(world: World) -> None:
    tumour.record_baseline(
        world.db,
        actor="inv.sto",
        study_id="PROS-STO-0001",
        assessed_on=date(2026, 3, 2),
        targets=[
            TargetLesion(lesion_id="T1", organ="lung", baseline_mm=30),
            TargetLesion(lesion_id="T2", organ="liver", baseline_mm=25),
        ],
    )
    world.clock.advance(days=42)
    path = "/participants/PROS-STO-0001/outcomes/recist-follow-up"
    with _signed_in(world, "inv.sto") as inv:
        negative = _form(inv, path, assessed_on="2026-04-13", size_T1="-3", size_T2="15")
        assert negative.status_code == 422
        assert _between(negative.text, 'id="fu-size-1"', "fu-size-1-error", 'id="fu-size-2"')
        assert 'aria-invalid="true" aria-describedby="fu-size-1-error"' in negative.text
        assert '<a href="#fu-size-1">Target lesion T1 (lung), mm</a>' in _banner(
            negative.text, "form-recist-follow-up"
        )
        typo = _form(inv, path, assessed_on="2026-04-13", size_T1="20", size_T2="1S")
        assert _between(typo.text, 'id="fu-size-2"', "fu-size-2-error", 'id="fu-non-target"')
        assert 'aria-invalid="true" aria-describedby="fu-size-2-error"' in typo.text
        assert typo.text.count('class="field-error"') == 1


def test_the_attribution_starts_empty_and_is_required(world: World) -> None:
    before = adverse_events_of(world.db, actor="nurse.ous", study_id=OUS)
    with _signed_in(world, "nurse.ous") as nurse:
        page = nurse.get(f"/participants/{OUS}/outcomes").text
        select = re.search(r'<select id="ae-attribution"[^>]*>(.*?)</select>', page, re.S)
        assert select is not None
        assert select.group(0).startswith('<select id="ae-attribution" name="attribution" required')
        assert re.findall(r'<option value="([a-z]*)"', select.group(1)) == [
            "",
            "unrelated",
            "unlikely",
            "possible",
            "probable",
            "definite",
        ]
        assert "selected" not in select.group(1)
        assert '<option value="">choose…</option>' in select.group(1)
        fields = {"term": "Diarrhea", "grade": "2", "onset_on": "2026-03-02"}
        unchosen = _form(nurse, f"/participants/{OUS}/outcomes/adverse-event", **fields)
        assert unchosen.status_code == 422
        assert _between(
            unchosen.text,
            'id="ae-attribution"',
            "adverse-event-attribution-error",
            '<fieldset id="ae-seriousness">',
        )
        assert (
            'required aria-invalid="true" aria-describedby="adverse-event-attribution-error"'
            in (unchosen.text)
        )
        kept = re.search(r'<select id="ae-attribution".*?</select>', unchosen.text, re.S)
        assert kept is not None
        assert "selected" not in kept.group(0)  # still nothing chosen for the nurse
    assert adverse_events_of(world.db, actor="nurse.ous", study_id=OUS) == before

"""Correcting a signed record on its page: the correction form is offered, filled with the stored
values and the version the page shows, to a user who may write the participant (not to a
monitor); a saved correction changes what the page shows, voids the signatures (shown with the
reason), is audited with old and new values and the reason, and comes back with a notice of what
it did; a stale version shows the stored record and keeps what was typed, writing nothing; an
invalid value is refused next to its field (a lesion's in its row), a 409 in the form's banner;
another site's user and a post without the CSRF token are refused. For RECIST baselines and
follow-ups (decision 0062) and adverse events."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from radtrial.store.audit import history
from tests.api.support import PASSWORD, World, client_for, sign_in
from tests.outcomes_support import audit_count

STO = "PROS-STO-0001"  # PROSARC-2 at STO: inv.sto records, signs and corrects
OUS = "PALL-OUS-0001"  # PALLSOFT at OUS: inv.ous
BASELINE = "recist-baseline-correction"
FOLLOW_UP = "recist-follow-up-correction"
ADVERSE_EVENT = "adverse-event-correction"
SAVE = '<button type="submit">Save the correction'
SOURCE = "source document: lesion T2 measured 35 mm, not 25 mm"


def _signed_in(world: World, username: str) -> Any:
    client = client_for(world.db)
    sign_in(client, world, username)
    return client


class _Fields(HTMLParser):
    """What a browser posts for the form ``form_id``: text, date and hidden inputs, ticked
    boxes (``on``), each select's chosen option (else its first) and textareas."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("type") == "checkbox":
            if "checked" in a:
                self.fields[a["name"]] = "on"
        elif tag == "input":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select is not None:
            if self.select not in self.fields or "selected" in a:
                self.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.inside and self.textarea is not None:
            self.fields[self.textarea] += data


def _fields(html: str, form: str) -> dict[str, str]:
    parser = _Fields(f"form-{form}")
    parser.feed(html)
    assert parser.fields, f"no form {form} on the page"
    return parser.fields


def _post(client: Any, path: str, fields: dict[str, str], **changes: str) -> Any:
    return client.post(f"{path}/correct", data={**fields, **changes}, follow_redirects=False)


def _between(text: str, first: str, error_id: str, after: str) -> bool:
    """Whether the error ``error_id`` sits after ``first`` and before ``after``."""
    start, error, end = text.index(first), text.index(f'id="{error_id}"'), text.index(after)
    return start < error < end


def _lesion_row(html: str, lesion: str) -> list[str]:
    """The cells of a lesion's row in the record's lesion table."""
    found = re.search(rf'<tr><th scope="row">{lesion}</th>(.*?)</tr>', html)
    assert found is not None, lesion
    return re.findall(r"<td>(.*?)</td>", found.group(1))


def _recist(world: World, *, follow_up: bool = True) -> tuple[int, int | None]:
    """A PROSARC-2 baseline (72 mm: the irradiated index lesion T1 30 mm on MRI with 3 mm slices,
    T2 25 mm in the liver, the node T3 17 mm; non-target N1 in bone) and, six weeks later, a
    follow-up (47 mm: PR); answers their ids."""
    base = f"/api/v1/participants/{STO}"
    with _signed_in(world, "inv.sto") as inv:
        baseline = inv.post(
            f"{base}/recist/baseline",
            json={
                "assessed_on": "2026-03-02",
                "target_lesions": [
                    {
                        "lesion_id": "T1",
                        "organ": "thigh",
                        "baseline_mm": 30,
                        "modality": "mri",
                        "slice_thickness_mm": 3,
                        "irradiated_index": True,
                    },
                    {"lesion_id": "T2", "organ": "liver", "baseline_mm": 25},
                    {"lesion_id": "T3", "organ": "groin node", "baseline_mm": 17, "nodal": True},
                ],
                "non_target_lesions": [{"lesion_id": "N1", "organ": "bone"}],
            },
        )
        assert baseline.status_code == 201, baseline.text
    if not follow_up:
        return int(baseline.json()["id"]), None
    world.clock.advance(days=42)
    with _signed_in(world, "inv.sto") as inv:
        follow = inv.post(
            f"{base}/recist/follow-ups",
            json={
                "assessed_on": "2026-04-13",
                "sizes": [
                    {"lesion_id": "T1", "size_mm": 20},
                    {"lesion_id": "T2", "size_mm": 15},
                    {"lesion_id": "T3", "size_mm": 12},
                ],
                "non_target": "non_cr_non_pd",
            },
        )
        assert follow.status_code == 201, follow.text
    return int(baseline.json()["id"]), int(follow.json()["follow_up"]["id"])


def _adverse_event(world: World) -> int:
    with _signed_in(world, "inv.ous") as inv:
        event = inv.post(
            f"/api/v1/participants/{OUS}/adverse-events",
            json={
                "term": "Diarrhea",
                "grade": 3,
                "onset_on": "2026-03-02",
                "attribution": "probable",
                "seriousness": ["hospitalisation"],
            },
        )
        assert event.status_code == 201, event.text
    return int(event.json()["id"])


def _content_hash(html: str) -> str:
    found = re.search(r"\(SHA-256\): <code>([0-9a-f]{64})</code>", html)
    assert found is not None
    return found.group(1)


# -- the form ---------------------------------------------------------------------------------


def test_the_form_is_filled_for_an_investigator_and_not_offered_to_a_monitor(
    world: World,
) -> None:
    baseline_id, follow_up_id = _recist(world)
    event_id = _adverse_event(world)
    baseline = f"/participants/{STO}/recist-baselines/{baseline_id}"
    follow_up = f"/participants/{STO}/recist-follow-ups/{follow_up_id}"
    event = f"/participants/{OUS}/adverse-events/{event_id}"
    with _signed_in(world, "inv.sto") as inv:
        page = inv.get(baseline)
        assert page.status_code == 200, page.text
        fields = _fields(page.text, BASELINE)
        assert f'action="{baseline}/correct#correction"' in page.text
        assert fields["version"] == _content_hash(page.text)  # the If-Match of the form
        assert fields["csrf_token"] == inv.headers["X-CSRF-Token"]
        assert {k: v for k, v in fields.items() if k.startswith(("t1_", "t2_", "t3_", "n1_"))} == {
            **{"t1_id": "T1", "t1_organ": "thigh", "t1_modality": "mri", "t1_slice": "3"},
            **{"t1_mm": "30", "t1_index": "on"},
            **{"t2_id": "T2", "t2_organ": "liver", "t2_modality": "ct", "t2_slice": ""},
            "t2_mm": "25",
            **{"t3_id": "T3", "t3_organ": "groin node", "t3_modality": "ct", "t3_slice": ""},
            **{"t3_mm": "17", "t3_nodal": "on"},
            **{"n1_id": "N1", "n1_organ": "bone"},
        }
        assert (fields["assessed_on"], fields["reason"]) == ("2026-03-02", "")
        assert (fields["t4_id"], fields["t5_id"], fields["n3_id"]) == ("", "", "")  # to add
        assert "t6_id" not in fields
        assert '<textarea id="cbl-reason" name="reason" required' in page.text
        fields = _fields(inv.get(follow_up).text, FOLLOW_UP)
        assert {k: v for k, v in fields.items() if k not in ("csrf_token", "version")} == {
            "assessed_on": "2026-04-13",
            "size_T1": "20",
            "size_T2": "15",
            "size_T3": "12",
            "non_target": "non_cr_non_pd",
            "reason": "",
        }  # new lesions: not ticked
        norsk = inv.get(baseline, headers={"Accept-Language": "nb"}).text
        assert "Korriger denne registreringen" in norsk
        assert "Begrunnelse for korreksjonen" in norsk
    with _signed_in(world, "inv.ous") as inv:
        fields = _fields(inv.get(event).text, ADVERSE_EVENT)
        assert {k: v for k, v in fields.items() if k not in ("csrf_token", "version")} == {
            "grade": "3",
            "attribution": "probable",
            "resolved_on": "",
            "outcome": "not_recovered",
            "reason": "",
        }
    with _signed_in(world, "monitor") as monitor:
        for path in (baseline, follow_up, event):
            page = monitor.get(path)
            assert page.status_code == 200, page.text
            assert "/correct" not in page.text
            assert 'id="correction"' not in page.text
            assert 'id="sign-form"' in page.text  # the page is otherwise the same


# -- a saved correction -----------------------------------------------------------------------


def test_a_signed_baseline_is_corrected_its_signature_voided_and_audited(world: World) -> None:
    baseline_id, follow_up_id = _recist(world)
    path = f"/participants/{STO}/recist-baselines/{baseline_id}"
    with _signed_in(world, "inv.sto") as inv:
        signed = inv.post(
            f"{path}/sign",
            data={
                "csrf_token": inv.headers["X-CSRF-Token"],
                "password": PASSWORD,
                "meaning": "I confirm this record is accurate",
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        fields = _fields(inv.get(path).text, BASELINE)
        done = _post(inv, path, fields, t2_mm="35", reason=SOURCE)
        assert done.status_code == 303, done.text
        location = done.headers["location"]
        assert location.startswith(f"{path}?corrected=true")
        assert location.endswith("#corrected")
        page = inv.get(location).text
        norsk = inv.get(location, headers={"Accept-Language": "nb"}).text
    # The notice: what the service did.
    notice = page[page.index('id="corrected"') : page.index("</div>", page.index('id="corrected"'))]
    assert "The correction was saved." in notice
    assert "Follow-ups whose evaluation changed:" in notice
    assert f'href="/participants/{STO}/recist-follow-ups/{follow_up_id}">follow-up' in notice
    assert "The progression events did not change." in notice
    assert "Signatures of this record voided: 1." in notice
    assert 'role="status"' in page[page.index("<main") :]
    assert "Ugyldiggjorte signaturer på denne registreringen: 1." in norsk
    # The page shows the corrected record: T2 35 mm, the sum 82 mm; and the form has it too.
    assert _lesion_row(page, "T2")[:6] == [
        "target",
        "liver",
        "no",
        "CT",
        "–",
        "35.0 mm (longest diameter)",
    ]
    assert '<th scope="row">Sum of diameters</th><td>82.0 mm</td>' in page
    corrected = _fields(page, BASELINE)
    assert corrected["t2_mm"] == "35"
    assert corrected["version"] == _content_hash(page) != fields["version"]
    # The signature is voided, with the reason.
    signatures = page[page.index('<section id="signatures"') :]
    assert "signature-voided" in signatures
    assert f"inv.sto: record edited: {SOURCE})" in signatures
    # The audit trail has the old and new values and the reason.
    research = world.db.engine("research")
    lesions = [
        (e.actor, e.old_value, e.new_value, e.reason)
        for e in history(research, entity="tumour_lesions")
        if e.action == "update" and e.field == "baseline_mm"
    ]
    assert lesions == [("inv.sto", 25.0, 35.0, SOURCE)]
    sums = [
        (e.old_value, e.new_value, e.reason)
        for e in history(research, entity="tumour_baselines", entity_id=str(baseline_id))
        if e.action == "update" and e.field == "sum_mm"
    ]
    assert sums == [(72.0, 82.0, SOURCE)]
    voids = [
        e.reason
        for e in history(research, entity="record_signatures")
        if e.action == "update" and e.field == "void_reason"
    ]
    assert voids == [SOURCE]


def test_a_follow_up_correction_names_the_progression_event_it_records(world: World) -> None:
    _, follow_up_id = _recist(world)
    path = f"/participants/{STO}/recist-follow-ups/{follow_up_id}"
    reason = "T1 re-read: 40 mm, not 20 mm"
    with _signed_in(world, "inv.sto") as inv:
        fields = _fields(inv.get(path).text, FOLLOW_UP)
        done = _post(inv, path, fields, size_T1="40", reason=reason)
        assert done.status_code == 303, done.text
        page = inv.get(done.headers["location"]).text
    notice = page[page.index('id="corrected"') : page.index("</div>", page.index('id="corrected"'))]
    assert "Local progression recorded on 2026-04-13." in notice
    assert "No other follow-up&#39;s evaluation changed." in notice
    assert "No signature had to be voided." in notice
    assert '<tr><th scope="row">T1</th><td>40.0 mm</td></tr>' in page
    assert '<th scope="row">Local progression (irradiated index lesion)</th><td>yes</td>' in page
    updates = [
        (e.old_value, e.new_value, e.reason)
        for e in history(world.db.engine("research"), entity="tumour_measurements")
        if e.action == "update" and e.field == "diameter_mm"
    ]
    assert updates == [(20.0, 40.0, reason)]


# -- refused corrections ----------------------------------------------------------------------


def test_a_stale_version_shows_the_stored_record_keeps_the_typing_and_writes_nothing(
    world: World,
) -> None:
    baseline_id, _ = _recist(world)
    path = f"/participants/{STO}/recist-baselines/{baseline_id}"
    with _signed_in(world, "inv.sto") as first, _signed_in(world, "inv.sto") as second:
        mine = _fields(first.get(path).text, BASELINE)
        theirs = _fields(second.get(path).text, BASELINE)
        other = _post(second, path, theirs, t1_organ="left thigh", reason="organ per MRI report")
        assert other.status_code == 303, other.text
        before = audit_count(world.db)
        stale = _post(first, path, mine, t2_mm="35", reason=SOURCE)
        assert stale.status_code == 412
        assert audit_count(world.db) == before  # nothing written
        html = stale.text
        assert "This record was changed after you opened this page" in html
        assert 'role="alert" id="correction-error"' in html
        # The stored record is shown: the other correction, and T2 still 25 mm.
        assert _lesion_row(html, "T1")[1] == "left thigh"
        assert _lesion_row(html, "T2")[5] == "25.0 mm (longest diameter)"
        # What was typed is kept, and where it differs the stored value is shown.
        typed = _fields(html, BASELINE)
        assert (typed["t2_mm"], typed["t1_organ"], typed["reason"]) == ("35", "thigh", SOURCE)
        assert "Now stored: T1, left thigh, MRI, 30 mm, slice thickness 3 mm" in html
        assert "Now stored: T2, liver, CT, 25 mm" in html
        # The form now names the stored version: saved again, it is based on what is shown.
        assert typed["version"] == _content_hash(html) != mine["version"]
        again = _post(first, path, typed, t1_organ="left thigh")
        assert again.status_code == 303, again.text
        page = first.get(again.headers["location"]).text
    assert (_lesion_row(page, "T1")[1], _lesion_row(page, "T2")[5]) == (
        "left thigh",
        "35.0 mm (longest diameter)",
    )


def test_a_missing_reason_and_invalid_values_are_refused_next_to_their_field(
    world: World,
) -> None:
    baseline_id, follow_up_id = _recist(world)
    path = f"/participants/{STO}/recist-baselines/{baseline_id}"
    follow_path = f"/participants/{STO}/recist-follow-ups/{follow_up_id}"
    with _signed_in(world, "inv.sto") as inv:
        fields = _fields(inv.get(path).text, BASELINE)
        before = audit_count(world.db)
        no_reason = _post(inv, path, fields, t2_mm="35", reason="  ")
        assert no_reason.status_code == 422
        html = no_reason.text
        error = "recist-baseline-correction-reason-error"
        assert _between(html, 'id="cbl-reason"', error, SAVE)
        assert f'rows="3" aria-invalid="true" aria-describedby="{error}">  </textarea>' in html
        assert "give the reason for the correction" in html
        assert '<a href="#cbl-reason">Reason for the correction' in html  # the banner's link
        assert _fields(html, BASELINE)["t2_mm"] == "35"  # kept
        assert _fields(html, BASELINE)["version"] == fields["version"]

        for size, message in (("abc", "&#39;abc&#39; is not a number"), ("4", "is non-measurable")):
            wrong = _post(inv, path, fields, t2_mm=size, reason=SOURCE)
            assert wrong.status_code == 422
            html = wrong.text
            # In a full-width row under the lesion's row, the diameter marked invalid.
            assert _between(html, 'name="t2_remove"', "cbl-t2-error", 'name="t3_id"')
            assert (
                '<tr class="row-error"><td colspan="10"><p class="field-error" id="cbl-t2-error">'
                in html
            )
            assert f'name="t2_mm" type="text" inputmode="decimal" size="5" value="{size}" ' in html
            assert 'aria-invalid="true" aria-describedby="cbl-t2-error"' in html
            assert message in html
            assert '<a href="#cbl-t2-mm">Diameter (mm), lesion T2</a>' in html

        # A row with values but no id is refused in its row rather than dropped.
        no_id = _post(inv, path, fields, t4_organ="lung", t4_mm="20", reason=SOURCE)
        assert no_id.status_code == 422
        assert _between(no_id.text, 'name="t4_remove"', "cbl-t4-error", 'name="t5_id"')
        assert "give the lesion&#39;s id, or tick Remove" in no_id.text

        fields = _fields(inv.get(follow_path).text, FOLLOW_UP)
        bad_size = _post(inv, follow_path, fields, size_T2="-3", reason="re-read")
        assert bad_size.status_code == 422
        assert _between(bad_size.text, 'id="cfu-size-2"', "cfu-size-2-error", 'id="cfu-size-3"')
        assert 'value="-3" aria-invalid="true" aria-describedby="cfu-size-2-error"' in (
            bad_size.text
        )
        early = _post(inv, follow_path, fields, assessed_on="2026-03-01", reason="re-read")
        assert early.status_code == 422
        assert _between(
            early.text,
            'id="cfu-date"',
            "recist-follow-up-correction-assessed_on-error",
            'id="cfu-size-1"',
        )
        assert audit_count(world.db) == before  # nothing written


def test_a_conflict_and_a_correction_that_changes_nothing_are_shown_in_the_banner(
    world: World,
) -> None:
    baseline_id, follow_up_id = _recist(world)
    path = f"/participants/{STO}/recist-baselines/{baseline_id}"
    with _signed_in(world, "inv.sto") as inv:
        fields = _fields(inv.get(path).text, BASELINE)
        before = audit_count(world.db)
        conflict = _post(inv, path, fields, t3_remove="on", reason="T3 is not a target")
        assert conflict.status_code == 409
        html = conflict.text
        banner = html[
            html.index('id="correction-error"') : html.index(
                "</div>", html.index('id="correction-error"')
            )
        ]
        assert "The correction was not saved:" in banner
        assert (
            f"follow-ups {follow_up_id} (2026-04-13) measure the target lesions T1, T2, T3"
            in banner
        )
        assert _fields(html, BASELINE)["t3_remove"] == "on"  # kept
        assert 'aria-invalid="true"' not in html
        nothing = _post(inv, path, fields, reason="checked against the source")
        assert nothing.status_code == 422
        assert "the correction changes nothing" in nothing.text
        assert 'id="recist-baseline-correction-error"' in nothing.text
        assert audit_count(world.db) == before


def test_another_sites_user_a_monitor_and_a_post_without_the_csrf_token_are_refused(
    world: World,
) -> None:
    baseline_id, follow_up_id = _recist(world)
    event_id = _adverse_event(world)
    # Each record page, its form, who may correct it and who works at another site.
    pages = {
        f"/participants/{STO}/recist-baselines/{baseline_id}": (BASELINE, "inv.sto", "inv.ous"),
        f"/participants/{STO}/recist-follow-ups/{follow_up_id}": (FOLLOW_UP, "inv.sto", "inv.ous"),
        f"/participants/{OUS}/adverse-events/{event_id}": (ADVERSE_EVENT, "inv.ous", "inv.hus"),
    }
    forms = {}
    for path, (form, owner, _) in pages.items():
        with _signed_in(world, owner) as inv:
            forms[path] = _fields(inv.get(path).text, form)
    before = audit_count(world.db)
    for path, (_, owner, stranger) in pages.items():
        for username in (stranger, "monitor"):
            with _signed_in(world, username) as other:
                token = other.headers["X-CSRF-Token"]
                refused = _post(other, path, forms[path], csrf_token=token, reason="x", grade="2")
                assert refused.status_code == 403, (username, path, refused.text)
        with _signed_in(world, owner) as inv:
            no_token = {k: v for k, v in forms[path].items() if k != "csrf_token"}
            assert _post(inv, path, no_token, reason=SOURCE, grade="2").status_code == 403
            forged = _post(inv, path, forms[path], csrf_token="forged", reason=SOURCE, grade="2")
            assert forged.status_code == 403
    assert audit_count(world.db) == before


# -- adverse events ---------------------------------------------------------------------------


def test_an_adverse_event_is_corrected_on_its_page(world: World) -> None:
    event_id = _adverse_event(world)
    path = f"/participants/{OUS}/adverse-events/{event_id}"
    reason = "grade 2 per the source notes (no IV fluids)"
    with _signed_in(world, "inv.ous") as inv:
        signed = inv.post(
            f"{path}/sign",
            data={
                "csrf_token": inv.headers["X-CSRF-Token"],
                "password": PASSWORD,
                "meaning": "I confirm this record is accurate",
            },
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        fields = _fields(inv.get(path).text, ADVERSE_EVENT)
        before = audit_count(world.db)
        no_reason = _post(inv, path, fields, grade="2", reason="")
        assert no_reason.status_code == 422
        assert _between(
            no_reason.text, 'id="cae-reason"', "adverse-event-correction-reason-error", SAVE
        )
        fatal = _post(inv, path, fields, outcome="fatal", reason=reason)
        assert fatal.status_code == 422
        assert _between(
            fatal.text,
            'id="cae-outcome"',
            "adverse-event-correction-outcome-error",
            'id="cae-reason"',
        )
        assert _fields(fatal.text, ADVERSE_EVENT)["outcome"] == "fatal"  # kept
        assert audit_count(world.db) == before

        done = _post(inv, path, fields, grade="2", reason=reason)
        assert done.status_code == 303, done.text
        page = inv.get(done.headers["location"]).text
        assert "Signatures of this record voided: 1." in page
        assert "Follow-ups whose evaluation changed" not in page
        assert '<th scope="row">Grade</th><td>2 (moderate)</td>' in page
        assert f"inv.ous: record edited: {reason})" in page
        assert _fields(page, ADVERSE_EVENT)["grade"] == "2"

        stale = _post(inv, path, fields, attribution="possible", reason=reason)
        assert stale.status_code == 412
        assert "This record was changed after you opened this page" in stale.text
        assert "Now stored: 2" in stale.text  # the grade now stored, typed as 3
        assert _fields(stale.text, ADVERSE_EVENT)["attribution"] == "possible"
    grades = [
        (e.actor, e.old_value, e.new_value, e.reason)
        for e in history(world.db.engine("research"), entity="adverse_events")
        if e.action == "update" and e.field == "grade"
    ]
    assert grades == [("inv.ous", 3, 2, reason)]

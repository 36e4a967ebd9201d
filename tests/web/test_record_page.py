"""The signable record pages show the investigator everything a signature covers: a RECIST
baseline's lesions with their sizes, a follow-up's measurements and computed response, every
field of an adverse event, each under a translated label with a readable value; and a meaning
typed before a wrong password is kept."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from markupsafe import escape

from radtrial.services import signatures
from radtrial.services.outcomes import tumour
from radtrial.web.i18n import translate
from radtrial.web.record_view import content_paths, present_record
from tests.api.support import PASSWORD, World, client_for, sign_in

OUS = "PALL-OUS-0001"  # PALLSOFT at OUS: inv.ous signs
STO = "PROS-STO-0001"  # PROSARC-2 at STO: inv.sto records and signs


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


def _recist(world: World) -> tuple[int, int]:
    """A PROSARC-2 baseline (72 mm: the irradiated index lesion, a liver lesion and a node)
    and a follow-up six weeks later (47 mm, 34.7 % less: a partial response), entered on the
    outcomes page; answers their ids."""
    with _signed_in(world, "inv.sto") as inv:
        baseline = _form(
            inv,
            f"/participants/{STO}/outcomes/recist-baseline",
            assessed_on="2026-03-02",
            t1_id="T1",
            t1_organ="thigh",
            t1_mm="30",
            t1_index="on",
            t2_id="T2",
            t2_organ="liver",
            t2_mm="25",
            t3_id="T3",
            t3_organ="mediastinal lymph node",
            t3_mm="17",
            t3_nodal="on",
            n1_id="N1",
            n1_organ="bone",
        )
        assert baseline.status_code == 303, baseline.text
    world.clock.advance(days=42)
    with _signed_in(world, "inv.sto") as inv:
        follow_up = _form(
            inv,
            f"/participants/{STO}/outcomes/recist-follow-up",
            assessed_on="2026-04-13",
            size_T1="20",
            size_T2="15",
            size_T3="12",
            non_target="non_cr_non_pd",
        )
        assert follow_up.status_code == 303, follow_up.text
    series = tumour.tumour_series(world.db, actor="inv.sto", study_id=STO)
    assert series.baseline is not None
    return series.baseline.id, series.follow_ups[0].id


def _adverse_event(client: Any) -> int:
    event = client.post(
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


def _assert_all_shown(
    html: str, world: World, actor: str, study_id: str, entity: str, entity_id: int, language: str
) -> None:
    """Every path of the content a signature of the record covers is on the page, each row
    with its label and value, each lesion or measurement as a table row, and the SHA-256 of
    exactly that content."""
    record = signatures.signed_record(
        world.db, actor=actor, study_id=study_id, entity=entity, entity_id=entity_id
    )
    content = {"entity": record.entity, "record": record.fields}
    view = present_record(partial(translate, language), content)
    assert content_paths(content) <= view.keys
    shown = 0
    for section in view.sections:
        assert f">{escape(section.heading)}</h2>" in html
        for row in section.rows:
            value = f"<code>{escape(row.value)}</code>" if row.code else escape(row.value)
            assert f'<th scope="row">{escape(row.label)}</th><td>{value}</td>' in html, row
            shown += 1
        if section.table is not None:
            for column in section.table.columns:
                assert f'<th scope="col">{escape(column)}</th>' in html
            for first, *cells in section.table.rows:
                tail = "".join(f"<td>{escape(cell)}</td>" for cell in cells)
                assert f'<tr><th scope="row">{escape(first)}</th>{tail}</tr>' in html
                shown += 1
    assert shown >= len(record.fields) - 3  # rules, lesions, measurements are shown in rows
    assert signatures.content_sha256(content) in html


def test_the_baseline_page_lists_every_lesion_with_its_size(world: World) -> None:
    baseline_id, _ = _recist(world)
    with _signed_in(world, "inv.sto") as inv:
        page = inv.get(f"/participants/{STO}/recist-baselines/{baseline_id}")
        assert page.status_code == 200, page.text
        html = page.text
    rows = re.findall(r"<tr><th scope=\"row\">(T\d|N\d)</th>(.*?)</tr>", html)
    assert [(lesion, re.findall(r"<td>(.*?)</td>", cells)[:6]) for lesion, cells in rows] == [
        ("T1", ["target", "thigh", "no", "CT", "–", "30.0 mm (longest diameter)"]),
        ("T2", ["target", "liver", "no", "CT", "–", "25.0 mm (longest diameter)"]),
        ("T3", ["target", "mediastinal lymph node", "yes", "CT", "–", "17.0 mm (short axis)"]),
        ("N1", ["non-target", "bone", "no", "–", "–", "–"]),
    ]
    assert '<th scope="row">Sum of diameters</th><td>72.0 mm</td>' in html
    assert "The irradiated index lesion may be a measurable target" in html
    for internal in ("lesion_id", "baseline_mm", "irradiated_index", "True", "False", "+00:00"):
        assert internal not in html, internal


def test_the_follow_up_page_shows_its_measurements_and_the_rounded_evaluation(
    world: World,
) -> None:
    _, follow_up_id = _recist(world)
    with _signed_in(world, "inv.sto") as inv:
        html = inv.get(f"/participants/{STO}/recist-follow-ups/{follow_up_id}").text
        outcomes = inv.get(f"/participants/{STO}/outcomes").text
    assert re.findall(r"<tr><th scope=\"row\">(T\d)</th><td>(.*?)</td></tr>", html) == [
        ("T1", "20.0 mm"),
        ("T2", "15.0 mm"),
        ("T3", "12.0 mm"),
    ]
    for label, value in (
        ("Non-target lesions", "present, not progressing"),
        ("New lesions", "no"),
        ("Sum of diameters", "47.0 mm"),
        ("Nadir (smallest sum so far)", "72.0 mm"),
        ("Change from baseline", "-34.7%"),
        ("Change from nadir", "-25.0 mm"),
        ("Target lesion response", "PR (partial response)"),
        ("Overall response", "PR (partial response)"),
        ("Local progression (irradiated index lesion)", "no"),
        ("Irradiated index lesion size", "20.0 mm"),
    ):
        assert f'<th scope="row">{label}</th><td>{value}</td>' in html, label
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>", html)
    shown = re.sub(r' value="[^"]*"', "", html)  # what the correction form posts is not shown
    for internal in (
        "change_from_baseline_percent",
        "-34.72",
        "non_cr_non_pd",
        "True",
        "False",
        "+00:00",
        "<td>()</td>",
        "<td>PR</td>",
    ):
        assert internal not in shown, internal
    # The outcomes page names the response too.
    assert "<td>PR (partial response)</td>" in outcomes


@pytest.mark.parametrize("language", ["en", "nb"])
def test_every_signed_field_is_on_the_page(world: World, language: str) -> None:
    baseline_id, follow_up_id = _recist(world)
    headers = {"Accept-Language": language}
    with _signed_in(world, "inv.sto") as inv:
        for kind, entity, record_id in (
            ("recist-baselines", "tumour_baselines", baseline_id),
            ("recist-follow-ups", "tumour_follow_ups", follow_up_id),
        ):
            html = inv.get(f"/participants/{STO}/{kind}/{record_id}", headers=headers).text
            _assert_all_shown(html, world, "inv.sto", STO, entity, record_id, language)
    with _signed_in(world, "inv.ous") as inv:
        event_id = _adverse_event(inv)
        html = inv.get(f"/participants/{OUS}/adverse-events/{event_id}", headers=headers).text
        _assert_all_shown(html, world, "inv.ous", OUS, "adverse_events", event_id, language)
    if language == "nb":
        assert '<th scope="row">Relatert til behandlingen' in html
        assert "<td>sannsynlig</td>" in html
        assert "<td>krever eller forlenger sykehusinnleggelse</td>" in html
    else:
        assert '<th scope="row">System organ class</th><td>Gastrointestinal disorders</td>' in html
        assert '<th scope="row">Grade</th><td>3 (severe)</td>' in html
        assert '<th scope="row">SAE report due</th>' in html
    for internal in ("ctcae_version", "gastrointestinal_disorders", "True", "False", "+00:00"):
        assert internal not in html, internal


def test_a_typed_meaning_survives_a_wrong_password(world: World) -> None:
    meaning = "I reviewed the grading against the source notes"
    with _signed_in(world, "inv.ous") as inv:
        path = f"/participants/{OUS}/adverse-events/{_adverse_event(inv)}"
        page = inv.get(path).text
        assert f'value="{signatures.DEFAULT_MEANING}"' in page  # offered, not forced
        assert f'action="{path}/sign#signatures"' in page  # the answer opens at the form
        assert '<section id="signatures"' in page
        wrong = _form(inv, f"{path}/sign", password="guess", meaning=meaning)
        assert wrong.status_code == 401
        assert f'name="meaning" type="text" required maxlength="200" value="{meaning}"' in (
            wrong.text
        )
        assert signatures.DEFAULT_MEANING not in wrong.text
        assert 'aria-describedby="sign-password-error"' in wrong.text
        empty = _form(inv, f"{path}/sign", password=PASSWORD, meaning=" ")
        assert empty.status_code == 422
        assert 'value=" " aria-invalid="true" aria-describedby="sign-meaning-error"' in empty.text
        done = _form(inv, f"{path}/sign", password=PASSWORD, meaning=meaning)
        assert done.status_code == 303
        signed = inv.get(done.headers["location"]).text
        assert f"“{meaning}”" in signed

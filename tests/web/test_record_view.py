"""The signed record presenter (:mod:`radtrial.web.record_view`): every path of the content a
signature covers is shown, with translated labels in both languages, yes/no, –, rounded
percentages, sizes in mm, named codes and UTC times to the minute; and the outcomes page's
error placement (:func:`radtrial.web.outcome_forms.error_target`)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from typing import Any

import pytest

from radtrial.protocol.schedule import RecistRules
from radtrial.protocol.section import Section
from radtrial.store.outcome_records import (
    AdverseEventRecord,
    LesionRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.web.i18n import LANGUAGES, translate
from radtrial.web.outcome_forms import error_target
from radtrial.web.record_view import (
    RecordView,
    content_paths,
    present_record,
    response_name,
    utc_minute,
)

EN = partial(translate, "en")
NB = partial(translate, "nb")
RECORDED = datetime(2026, 3, 2, 9, 41, 7, 123456, tzinfo=UTC)
NO_3 = ("no", "no", "no")


def _ae(**changes: Any) -> dict[str, Any]:
    record = {
        "id": 7,
        "study_id": "PALL-OUS-0001",
        "visit_id": None,
        "ctcae_version": "5.0",
        "term": "Diarrhea",
        "specify": None,
        "soc": "gastrointestinal_disorders",
        "grade": 3,
        "onset_on": date(2026, 3, 2),
        "resolved_on": None,
        "attribution": "possible",
        "related": True,
        "serious": True,
        "seriousness_criteria": ("hospitalisation",),
        "expected": None,
        "expedited_report": True,
        "investigator_aware_at": RECORDED,
        "report_due_at": RECORDED + timedelta(days=15),
        "susar": False,
        "susar_report_due_at": None,
        "outcome": "not_recovered",
        "protocol_version_id": 1,
        "protocol_hash": "ab" * 32,
        "recorded_by": "nurse.ous",
        "recorded_at": RECORDED,
    }
    return {"entity": "adverse_events", "record": {**record, **changes}}


def _lesion(lesion_id: str, role: str, organ: str, mm: float | None, **changes: Any) -> dict:
    lesion = {
        "lesion_id": lesion_id,
        "role": role,
        "organ": organ,
        "nodal": False,
        "modality": "ct" if role == "target" else None,
        "slice_thickness_mm": None,
        "baseline_mm": mm,
        "irradiated_index": False,
        "previously_irradiated": False,
        "progressed_after_irradiation": False,
    }
    return {**lesion, **changes}


def _baseline() -> dict[str, Any]:
    return {
        "entity": "tumour_baselines",
        "record": {
            "id": 1,
            "study_id": "PROS-STO-0001",
            "visit_id": "baseline",
            "assessed_on": date(2026, 3, 2),
            "recist_version": "1.1",
            "rules": {
                "irradiated_index_lesion_measurable": True,
                "confirmation_required": False,
                "confirmation_min_days": 28,
                "min_stable_disease_days": 56,
            },
            "sum_mm": 72.0,
            "lesions": (
                _lesion("T1", "target", "lung", 30.0, irradiated_index=True),
                _lesion("T2", "target", "liver", 25.0, modality="mri", slice_thickness_mm=3.0),
                _lesion("T3", "target", "lymph node", 17.0, nodal=True),
                _lesion("N1", "non_target", "bone", None),
            ),
            "protocol_version_id": 2,
            "protocol_hash": "cd" * 32,
            "recorded_by": "inv.sto",
            "recorded_at": RECORDED,
        },
    }


def _follow_up(**changes: Any) -> dict[str, Any]:
    record = {
        "id": 4,
        "study_id": "PROS-STO-0001",
        "visit_id": None,
        "assessed_on": date(2026, 4, 13),
        "measurements": {"T1": 20.0, "T2": 15.0, "T3": None},
        "non_target": "non_cr_non_pd",
        "new_lesions": False,
        "sum_mm": 35.0,
        "nadir_mm": 55.0,
        "change_from_baseline_percent": -36.36363636363637,
        "change_from_nadir_mm": -20.0,
        "target_response": "PR",
        "overall_response": "PR",
        "local_progression": False,
        "distant_progression": None,
        "index_mm": 20.0,
        "index_nadir_mm": 30.0,
        "protocol_version_id": 2,
        "protocol_hash": "ef" * 32,
        "recorded_by": "inv.sto",
        "recorded_at": RECORDED,
    }
    return {"entity": "tumour_follow_ups", "record": {**record, **changes}}


def _rows(view: RecordView) -> dict[str, tuple[str, str]]:
    return {row.key: (row.label, row.value) for s in view.sections for row in s.rows}


def _table(view: RecordView, key: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    table = next(s.table for s in view.sections if s.table is not None and s.table.key == key)
    return table.columns, table.rows


def _all_text(view: RecordView) -> str:
    parts = []
    for section in view.sections:
        parts.append(section.heading)
        parts.extend(f"{row.label}\n{row.value}" for row in section.rows)
        if section.table is not None:
            parts.extend(section.table.columns)
            parts.extend(cell for row in section.table.rows for cell in row)
    return "\n".join(parts)


@pytest.mark.parametrize("content", [_ae(), _baseline(), _follow_up()], ids=lambda c: c["entity"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_path_of_the_signed_content_is_shown(content: dict, language: str) -> None:
    view = present_record(partial(translate, language), content)
    assert content_paths(content) <= view.keys
    text = _all_text(view)
    for internal in ("True", "False", "()", "+00:00", "_", ".123456", "record.", "outcomes."):
        assert internal not in text, internal


def test_a_field_the_presenter_does_not_know_is_still_shown() -> None:
    content = _ae(new_flag=True, new_detail={"reason": "x"})
    content["signed_extra"] = "y"
    view = present_record(EN, content)
    assert content_paths(content) <= view.keys
    other = next(s for s in view.sections if s.id == "other")
    assert [row.key for row in other.rows] == ["record.new_flag", "record.new_detail"]
    assert [row.value for row in other.rows] == ["yes", "reason: x"]
    assert "y" in _all_text(view)


def test_an_adverse_event_shows_named_codes_yes_no_and_utc_minutes() -> None:
    rows = _rows(present_record(EN, _ae()))
    assert rows["record.ctcae_version"] == ("CTCAE version", "CTCAE v5.0")
    assert rows["record.soc"] == ("System organ class", "Gastrointestinal disorders")
    assert rows["record.grade"] == ("Grade", "3 (severe)")
    assert rows["record.attribution"][1] == "possible"
    assert rows["record.related"][1] == "yes"
    assert rows["record.susar"][1] == "no"
    assert rows["record.seriousness_criteria"][1] == "requires or prolongs hospitalisation"
    assert rows["record.expected"][1] == "not yet assessed"
    assert rows["record.susar_report_due_at"][1] == "–"
    assert rows["record.outcome"][1] == "not recovered"
    assert rows["record.recorded_at"] == ("Recorded at", "2026-03-02 09:41 UTC")
    assert rows["record.report_due_at"][1] == "2026-03-17 09:41 UTC"
    assert rows["entity"] == ("Record type", "adverse event")
    none = _rows(present_record(EN, _ae(seriousness_criteria=(), serious=False)))
    assert none["record.seriousness_criteria"][1] == "none (not serious)"
    norsk = _rows(present_record(NB, _ae()))
    assert norsk["record.related"] == (
        "Relatert til behandlingen (mulig, sannsynlig eller sikker)",
        "ja",
    )
    assert norsk["record.attribution"][1] == "mulig"
    assert norsk["record.grade"][1] == "3 (alvorlig)"


def test_a_baseline_shows_every_lesion_and_the_rules() -> None:
    view = present_record(EN, _baseline())
    columns, rows = _table(view, "record.lesions")
    assert columns == (
        "Lesion",
        "Type",
        "Organ / site",
        "Lymph node",
        "Method",
        "Slice thickness",
        "Size at baseline",
        "Irradiated index lesion",
        "Previously irradiated",
        "Progressed since irradiation",
    )
    assert rows == (
        ("T1", "target", "lung", "no", "CT", "–", "30.0 mm (longest diameter)", "yes", "no", "no"),
        ("T2", "target", "liver", "no", "MRI", "3.0 mm", "25.0 mm (longest diameter)", *NO_3),
        ("T3", "target", "lymph node", "yes", "CT", "–", "17.0 mm (short axis)", "no", "no", "no"),
        ("N1", "non-target", "bone", "no", "–", "–", "–", "no", "no", "no"),
    )
    shown = _rows(view)
    assert shown["record.sum_mm"] == ("Sum of diameters", "72.0 mm")
    assert shown["record.recist_version"][1] == "RECIST 1.1"
    assert shown["record.rules.confirmation_min_days"][1] == "28 days"
    assert shown["record.rules.irradiated_index_lesion_measurable"][1] == "yes"
    norsk = present_record(NB, _baseline())
    assert _table(norsk, "record.lesions")[1][2][6] == "17.0 mm (kort akse)"
    assert _rows(norsk)["record.rules.min_stable_disease_days"][1] == "56 dager"


def test_a_follow_up_shows_measurements_and_the_rounded_evaluation() -> None:
    view = present_record(EN, _follow_up())
    assert _table(view, "record.measurements") == (
        ("Target lesion", "Size (longest diameter; short axis for a node)"),
        (("T1", "20.0 mm"), ("T2", "15.0 mm"), ("T3", "not evaluated")),
    )
    shown = _rows(view)
    assert shown["record.change_from_baseline_percent"] == ("Change from baseline", "-36.4%")
    assert shown["record.change_from_nadir_mm"][1] == "-20.0 mm"
    assert shown["record.overall_response"] == ("Overall response", "PR (partial response)")
    assert shown["record.non_target"][1] == "present, not progressing"
    assert shown["record.distant_progression"][1].startswith("not assessable")
    assert shown["record.new_lesions"][1] == "no"
    grown = _rows(present_record(EN, _follow_up(change_from_baseline_percent=12.04)))
    assert grown["record.change_from_baseline_percent"][1] == "+12.0%"
    norsk = _rows(present_record(NB, _follow_up()))
    assert norsk["record.change_from_baseline_percent"] == ("Endring fra utgangsverdien", "-36.4%")
    assert norsk["record.overall_response"][1] == "PR (partiell respons)"


@pytest.mark.parametrize(
    ("code", "english", "norwegian"),
    [
        ("CR", "CR (complete response)", "CR (komplett respons)"),
        ("PR", "PR (partial response)", "PR (partiell respons)"),
        ("SD", "SD (stable disease)", "SD (stabil sykdom)"),
        ("PD", "PD (progressive disease)", "PD (progressiv sykdom)"),
        ("NE", "NE (not evaluable)", "NE (ikke evaluerbar)"),
        (
            "non-CR/non-PD",
            "non-CR/non-PD (neither complete response nor progression)",
            "non-CR/non-PD (verken komplett respons eller progresjon)",
        ),
        (None, "–", "–"),
    ],
)
def test_a_response_is_shown_with_its_name(code: str | None, english: str, norwegian: str) -> None:
    assert response_name(EN, code) == english
    assert response_name(NB, code) == norwegian


def test_times_are_shown_in_utc_to_the_minute() -> None:
    oslo = timezone(timedelta(hours=1))
    assert utc_minute(datetime(2026, 3, 2, 10, 30, 59, 999, tzinfo=oslo)) == "2026-03-02 09:30 UTC"
    assert utc_minute(datetime(2026, 3, 2, 10, 30)) == "2026-03-02 10:30 UTC"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_stored_field_has_a_label_in_every_language(language: str) -> None:
    """A field added to a signable record (or a lesion, or the RECIST rules) needs its label
    here before it can be shown by name to the investigator signing it."""
    keys = ["record.field.entity"]
    for kind in (AdverseEventRecord, TumourBaselineRecord, TumourFollowUpRecord):
        keys.extend(f"record.field.{f.name}" for f in fields(kind))
    keys.extend(f"record.lesion.{f.name}" for f in fields(LesionRecord))
    rules = set(RecistRules.model_fields) - set(Section.model_fields)  # not the assumption marks
    keys.extend(f"record.rule.{name}" for name in sorted(rules))
    missing = [key for key in keys if translate(language, key) == key]
    assert missing == []
    english = {key: translate("en", key) for key in keys}
    if language != "en":
        same = [k for k in keys if translate(language, k) == english[k] and "CTCAE" not in k]
        assert len(same) <= 3, same  # translated, not copied (a few words are the same)


# -- where the outcomes page shows a form's error ----------------------------------------------


def test_a_lesion_error_goes_in_its_row_with_the_offending_input_marked() -> None:
    values = {"t1_id": "T1", "t2_id": " T2 ", "t2_mm": "4", "n1_id": "N1"}
    target = error_target(EN, "recist-baseline", "target_lesions[T2].baseline_mm", values)
    assert (target.place, target.row, target.field_id, target.error_id) == (
        "row",
        "t2",
        "bl-t2-mm",
        "bl-t2-error",
    )
    assert target.label == "Diameter (mm), lesion T2"
    organ = error_target(NB, "recist-baseline", "body.non_target_lesions[N1].organ", values)
    assert (organ.place, organ.field_id, organ.label) == ("row", "bl-n1-organ", "Organ, lesjon N1")
    duplicate = error_target(EN, "recist-baseline", "lesion_id", values)
    assert (duplicate.place, duplicate.field_id) == ("table", "bl-targets")


def test_a_follow_up_size_error_marks_that_lesions_input() -> None:
    targets = [("T1", "lung"), ("T2", "liver")]
    for location in ("sizes[T2]", "diameters_mm[T2]"):
        target = error_target(EN, "recist-follow-up", location, {}, follow_up_targets=targets)
        assert (target.place, target.field_id, target.error_id) == (
            "field",
            "fu-size-2",
            "fu-size-2-error",
        )
        assert target.label == "Target lesion T2 (liver), mm"


def test_a_field_error_links_by_label_and_an_unplaced_one_stays_in_the_form() -> None:
    onset = error_target(EN, "adverse-event", "onset_on", {})
    assert (onset.place, onset.field_id, onset.error_id, onset.label) == (
        "field",
        "ae-onset",
        "adverse-event-onset_on-error",
        "Onset",
    )
    serious = error_target(EN, "adverse-event", "seriousness[0]", {})
    assert (serious.field_id, serious.label) == (
        "ae-seriousness",
        translate("en", "outcomes.seriousness"),
    )
    version = error_target(EN, "adverse-event", "ctcae_version", {})
    assert (version.place, version.field_id, version.error_id) == (
        "form",
        "form-adverse-event",
        "adverse-event-error",
    )
    chosen = error_target(EN, "symptom-rating", "symptom", {}, symptom_chosen=True)
    assert chosen.field_id == "pro-chosen"

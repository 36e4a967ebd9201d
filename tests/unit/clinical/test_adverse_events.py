"""Adverse events are validated whole, and summarised by maximum grade per participant and
per category (PALLSOFT's bowel and bladder toxicity)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from radtrial.clinical.ctcae import (
    AdverseEvent,
    Attribution,
    EventCategory,
    Seriousness,
    Soc,
    categories_from_protocol,
    max_grade,
    max_grade_by_category,
    max_grade_by_soc,
    max_grade_per_participant,
)
from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.schedule import Assessment

ONSET = date(2026, 3, 10)


def ae(term: str, grade: int, **kw: Any) -> AdverseEvent:
    kw.setdefault("attribution", Attribution.PROBABLE)
    version = kw.pop("version", "5.0")
    return AdverseEvent(version, term, grade, ONSET, **kw)


def reason(**kw: Any) -> tuple[str | None, str]:
    with pytest.raises(InvalidInput) as caught:
        ae(**kw)
    return caught.value.location, caught.value.detail["reason"]


def test_an_event_stores_the_ctcae_name_version_and_grade() -> None:
    event = ae("diarrhoea", 2)
    assert (event.ctcae_version, event.term, event.grade) == ("5.0", "Diarrhea", 2)
    assert event.soc is Soc.GASTROINTESTINAL
    assert event.related
    assert not event.serious


def test_a_grade_of_6_is_refused_at_grade() -> None:
    assert reason(term="Diarrhea", grade=6) == ("grade", "out_of_range")


def test_a_grade_the_term_does_not_have_is_refused_at_grade() -> None:
    assert reason(term="Urinary frequency", grade=3) == ("grade", "grade_not_defined_for_term")


def test_an_event_without_a_known_ctcae_version_is_refused() -> None:
    assert reason(term="Diarrhea", grade=1, version="4.03") == ("ctcae_version", "unknown_version")


def test_an_unknown_attribution_is_refused() -> None:
    assert reason(term="Diarrhea", grade=1, attribution="maybe") == ("attribution", "not_allowed")


def test_an_event_cannot_resolve_before_its_onset() -> None:
    assert reason(term="Diarrhea", grade=1, resolved_on=date(2026, 3, 9)) == (
        "resolved_on",
        "resolved_before_onset",
    )


def test_a_grade_5_event_must_be_serious_with_the_criterion_death() -> None:
    assert reason(term="Rectal hemorrhage", grade=5) == ("seriousness", "fatal_not_serious")
    fatal = ae("Rectal hemorrhage", 5, seriousness=Seriousness.of("death"))
    assert fatal.serious


def test_other_specify_needs_the_event_named_and_real_terms_refuse_it() -> None:
    other = "Gastrointestinal disorders - Other, specify"
    assert reason(term=other, grade=2) == ("specify", "specify_required")
    assert reason(term=other, grade=2, specify="  ") == ("specify", "empty")
    assert reason(term="Nausea", grade=1, specify="queasy") == ("specify", "specify_not_allowed")
    assert ae(other, 2, specify="Tenesmus").soc is Soc.GASTROINTESTINAL


def test_a_serious_related_unexpected_event_is_a_susar() -> None:
    serious = Seriousness.of("hospitalisation")
    assert ae("Proctitis", 3, seriousness=serious, expected=False).susar
    assert not ae("Proctitis", 3, seriousness=serious, expected=True).susar
    assert not ae("Proctitis", 3, seriousness=serious, expected=None).susar
    unrelated = ae("Proctitis", 3, seriousness=serious, expected=False, attribution="unlikely")
    assert not unrelated.susar


def test_an_unknown_seriousness_criterion_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Seriousness.of("embarrassing")
    assert caught.value.location == "seriousness"


def test_the_maximum_grade_of_no_events_is_0() -> None:
    assert max_grade([]) == max_grade([], related_only=True)
    assert max_grade([]).grade == 0


def test_the_maximum_grade_can_count_only_related_events() -> None:
    events = [ae("Fatigue", 3, attribution="unrelated"), ae("Diarrhea", 2)]
    assert max_grade(events).grade == 3
    assert max_grade(events, related_only=True).grade == 2
    assert max_grade(events, related_only=True).events == 1


def test_a_summary_across_ctcae_versions_says_so() -> None:
    events = [ae("Diarrhea", 2), ae("Diarrhea", 3, version="6.0")]
    assert max_grade(events).versions == ("5.0", "6.0")


def test_pallsoft_bowel_and_bladder_categories_come_from_the_protocol(pallsoft: Protocol) -> None:
    categories = categories_from_protocol(pallsoft.assessment("ctcae"))
    assert [c.id for c in categories] == ["bowel", "bladder"]
    events = [
        ae("Proctitis", 2),
        ae("Rectal haemorrhage", 3),
        ae("Cystitis noninfective", 1),
        ae("Urinary frequency", 2),
        ae("Fatigue", 3),
    ]
    grades = {k: v.grade for k, v in max_grade_by_category(events, categories).items()}
    assert grades == {"bowel": 3, "bladder": 2}


def test_a_category_without_events_has_maximum_grade_0() -> None:
    bladder = EventCategory("bladder", "Bladder", frozenset({Soc.RENAL_AND_URINARY}))
    assert max_grade_by_category([ae("Nausea", 1)], [bladder])["bladder"].grade == 0


def test_a_category_may_list_single_terms() -> None:
    pain = EventCategory("pelvic_pain", "Pelvic pain", terms=frozenset({"Pain", "Rectal pain"}))
    assert pain.contains(ae("pain", 2))
    assert not pain.contains(ae("Abdominal pain", 2))


def test_maximum_grade_per_soc_lists_only_socs_with_events() -> None:
    by_soc = max_grade_by_soc([ae("Nausea", 1), ae("Proctitis", 3), ae("Hematuria", 2)])
    assert {soc: m.grade for soc, m in by_soc.items()} == {
        Soc.GASTROINTESTINAL: 3,
        Soc.RENAL_AND_URINARY: 2,
    }


def test_maximum_grade_per_participant_in_a_category() -> None:
    bowel = EventCategory("bowel", "Bowel", frozenset({Soc.GASTROINTESTINAL}))
    per = max_grade_per_participant(
        {"P1": [ae("Diarrhea", 2), ae("Hematuria", 3)], "P2": [ae("Hematuria", 1)], "P3": []},
        category=bowel,
    )
    assert {k: v.grade for k, v in per.items()} == {"P1": 2, "P2": 0, "P3": 0}


def test_an_unknown_soc_or_term_in_a_protocol_category_is_located() -> None:
    assessment = Assessment.model_validate(
        {
            "id": "ctcae",
            "kind": "toxicity",
            "name": "CTCAE",
            "version": "5.0",
            "respondent": "clinician",
            "categories": [{"id": "bowel", "label": "Bowel", "socs": ["bowels"]}],
        }
    )
    with pytest.raises(InvalidInput) as caught:
        categories_from_protocol(assessment)
    assert caught.value.location == "categories[bowel].socs"
    assessment = assessment.model_copy(
        update={
            "categories": (
                assessment.categories[0].model_copy(update={"socs": (), "terms": ("Bowel ache",)}),
            )
        }
    )
    with pytest.raises(InvalidInput) as caught:
        categories_from_protocol(assessment)
    assert caught.value.location == "categories[bowel].terms"

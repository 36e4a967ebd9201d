"""CTCAE: versions on every record, grades 1–5, and only the grades each term has."""

from __future__ import annotations

import pytest

from radtrial.clinical.ctcae import (
    GRADE_MEANINGS,
    Grade,
    Soc,
    parse_ctcae_version,
    parse_grade,
    term_table,
)
from radtrial.errors import InvalidInput


def test_the_generic_grades_are_1_to_5_with_their_meanings() -> None:
    assert [int(g) for g in Grade] == [1, 2, 3, 4, 5]
    assert GRADE_MEANINGS[Grade.MILD].startswith("Mild")
    assert "instrumental ADL" in Grade.MODERATE.meaning
    assert "self-care ADL" in Grade.SEVERE.meaning
    assert Grade.DEATH.meaning == "Death related to the adverse event"


def test_there_are_26_system_organ_classes_with_their_printed_names() -> None:
    assert len(Soc) == 26
    assert Soc.GASTROINTESTINAL.printed_name == "Gastrointestinal disorders"
    assert Soc.INJURY_POISONING_AND_PROCEDURAL.printed_name == (
        "Injury, poisoning and procedural complications"
    )


@pytest.mark.parametrize("version", ["5.0", "6.0"])
def test_versions_5_and_6_are_known(version: str) -> None:
    assert parse_ctcae_version(version) == version
    assert term_table(version).version == version


@pytest.mark.parametrize("version", ["4.03", "5", 5.0, None, ""])
def test_any_other_version_is_refused_at_ctcae_version(version: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_ctcae_version(version)
    assert caught.value.location == "ctcae_version"
    assert caught.value.detail["allowed"] == ["5.0", "6.0"]


def test_the_v6_table_is_marked_provisional_and_v5_is_not() -> None:
    assert term_table("6.0").provisional
    assert not term_table("5.0").provisional


@pytest.mark.parametrize(
    ("name", "grades", "soc"),
    [
        ("Nausea", {1, 2, 3}, Soc.GASTROINTESTINAL),
        ("Vomiting", {1, 2, 3, 4, 5}, Soc.GASTROINTESTINAL),
        ("Diarrhea", {1, 2, 3, 4, 5}, Soc.GASTROINTESTINAL),
        ("Proctitis", {1, 2, 3, 4, 5}, Soc.GASTROINTESTINAL),
        ("Rectal hemorrhage", {1, 2, 3, 4, 5}, Soc.GASTROINTESTINAL),
        ("Fecal incontinence", {1, 2, 3}, Soc.GASTROINTESTINAL),
        ("Cystitis noninfective", {1, 2, 3, 4, 5}, Soc.RENAL_AND_URINARY),
        ("Urinary frequency", {1, 2}, Soc.RENAL_AND_URINARY),
        ("Urinary urgency", {1, 2}, Soc.RENAL_AND_URINARY),
        ("Urinary incontinence", {1, 2, 3}, Soc.RENAL_AND_URINARY),
        ("Hematuria", {1, 2, 3, 4, 5}, Soc.RENAL_AND_URINARY),
        ("Dermatitis radiation", {1, 2, 3, 4, 5}, Soc.INJURY_POISONING_AND_PROCEDURAL),
        ("Fatigue", {1, 2, 3}, Soc.GENERAL),
        ("Pain", {1, 2, 3}, Soc.GENERAL),
        ("Death NOS", {5}, Soc.GENERAL),
    ],
)
def test_the_trials_terms_have_the_grades_ctcae_v5_gives_them(
    name: str, grades: set[int], soc: Soc
) -> None:
    term = term_table("5.0").term(name)
    assert term.grades == grades
    assert term.soc is soc


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("diarrhoea", "Diarrhea"),
        ("Rectal haemorrhage", "Rectal hemorrhage"),
        ("haematuria", "Hematuria"),
        ("radiation dermatitis", "Dermatitis radiation"),
        ("faecal_incontinence", "Fecal incontinence"),
        ("  CYSTITIS   NONINFECTIVE ", "Cystitis noninfective"),
    ],
)
def test_british_spellings_case_and_spacing_find_the_ctcae_term(alias: str, name: str) -> None:
    assert term_table("5.0").term(alias).name == name


def test_an_unknown_term_is_refused_and_points_to_other_specify() -> None:
    with pytest.raises(InvalidInput) as caught:
        term_table("5.0").term("Headache of the knee")
    assert caught.value.location == "term"
    assert "Other, specify" in caught.value.message


def test_every_soc_has_an_other_specify_term_with_all_grades() -> None:
    table = term_table("5.0")
    for soc in Soc:
        other = table.term(f"{soc.printed_name} - Other, specify")
        assert other.other_specify
        assert other.soc is soc
        assert other.grades == {1, 2, 3, 4, 5}


def test_nausea_grade_4_is_a_grade_the_term_does_not_have() -> None:
    nausea = term_table("5.0").term("nausea")
    with pytest.raises(InvalidInput) as caught:
        parse_grade(4, nausea, "5.0")
    assert caught.value.location == "grade"
    assert caught.value.message == "Nausea has no grade 4 in CTCAE v5.0 (its grades are 1–3)"
    assert caught.value.detail == {"reason": "grade_not_defined_for_term", "allowed": [1, 2, 3]}


@pytest.mark.parametrize("grade", [0, 6, -1, 2.5, True])
def test_a_grade_outside_1_to_5_is_refused_before_the_term_is_asked(grade: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_grade(grade, term_table("5.0").term("Diarrhea"), "5.0")
    assert caught.value.location == "grade"
    assert "1 to 5" in caught.value.message


def test_every_listed_term_is_in_a_soc_and_starts_at_grade_1_or_is_death() -> None:
    for term in term_table("5.0").all_terms():
        assert term.grades <= {1, 2, 3, 4, 5}
        assert min(term.grades) == 1 or term.grades == {5}

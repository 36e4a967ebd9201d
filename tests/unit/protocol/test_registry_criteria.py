"""Eligibility text splitting and rule recognition, dose prose, site codes, condition splitting."""

from __future__ import annotations

import pytest

from radtrial.protocol.registry.criteria import draft_criteria, recognise, split_criteria
from radtrial.protocol.registry.fractionation import parse_fractionation
from radtrial.protocol.registry.site_code import base_code, site_codes
from radtrial.protocol.registry.text_record import split_conditions

# -- splitting ------------------------------------------------------------------------------


def test_bullets_under_the_two_headings_become_inclusion_and_exclusion_criteria() -> None:
    text = "Inclusion Criteria:\n\n* Adult\n* Consent\n\nExclusion Criteria:\n\n* Pregnant"
    assert split_criteria(text) == {"inclusion": ["Adult", "Consent"], "exclusion": ["Pregnant"]}


def test_numbered_items_are_criteria_and_their_numbers_are_dropped() -> None:
    text = "Inclusion Criteria\n1. First\n2) Second\n10. Tenth"
    assert split_criteria(text)["inclusion"] == ["First", "Second", "Tenth"]


def test_a_line_without_a_marker_continues_the_criterion_above() -> None:
    text = "Inclusion Criteria:\n* Adequate organ function\n  within 14 days\n* Consent"
    assert split_criteria(text)["inclusion"] == [
        "Adequate organ function within 14 days",
        "Consent",
    ]


def test_indented_sub_items_stay_part_of_their_parent_criterion() -> None:
    text = (
        "Inclusion Criteria:\n* Adequate function:\n  * ANC ≥ 1.5\n  * Platelets ≥ 100\n* Consent"
    )
    assert split_criteria(text)["inclusion"] == [
        "Adequate function:\n* ANC ≥ 1.5\n* Platelets ≥ 100",
        "Consent",
    ]


def test_lettered_items_under_a_numbered_item_are_its_sub_items() -> None:
    text = "Exclusion Criteria:\n1. Organ failure:\na) renal\nb) hepatic\n2. Pregnancy"
    assert split_criteria(text)["exclusion"] == [
        "Organ failure:\na) renal\nb) hepatic",
        "Pregnancy",
    ]


def test_markdown_escapes_are_removed_from_the_verbatim_text() -> None:
    assert split_criteria("* Expected survival \\> 12 weeks")["inclusion"] == [
        "Expected survival > 12 weeks"
    ]


def test_text_before_any_heading_counts_as_inclusion() -> None:
    assert split_criteria("* Adult\n\nExclusion Criteria:\n* Pregnant") == {
        "inclusion": ["Adult"],
        "exclusion": ["Pregnant"],
    }


def test_a_bullet_that_mentions_exclusion_criteria_is_not_a_heading() -> None:
    text = "Inclusion Criteria:\n* Exclusion criteria of the parent study do not apply"
    assert split_criteria(text)["inclusion"] == [
        "Exclusion criteria of the parent study do not apply"
    ]


def test_paragraphs_without_markers_are_one_criterion_each() -> None:
    text = "Inclusion Criteria:\n\nAdults\n\nSigned consent"
    assert split_criteria(text)["inclusion"] == ["Adults", "Signed consent"]


# -- recognition ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("≥18 years of age", {"min": 18}),
        ("Age ≥ 18 years", {"min": 18}),
        ("Aged 18 years or older", {"min": 18}),
        ("Age > 65 years", {"min": 65, "min_exclusive": True}),
    ],
)
def test_an_inclusion_age_limit_becomes_a_range_on_age(text: str, rule: dict[str, object]) -> None:
    assert recognise(text, "inclusion").rule == {"kind": "range", "field": "age_years", **rule}


def test_an_exclusion_age_limit_states_the_age_that_is_eligible() -> None:
    assert recognise("Age < 18 years", "exclusion").rule == {
        "kind": "range",
        "field": "age_years",
        "min": 18,
    }


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("ECOG performance status 0-3", 0, 3),
        ("Eastern Cooperative Oncology Group (ECOG) performance status of 0, 1 or 2", 0, 2),
        ("WHO performance status 0 to 1", 0, 1),
        ("ECOG performance status ≤ 2", 0, 2),
    ],
)
def test_a_performance_status_range_becomes_a_range_on_ecog(text: str, low: int, high: int) -> None:
    rule = recognise(text, "inclusion").rule
    assert (rule["field"], rule["min"], rule["max"]) == ("ecog", low, high)


def test_an_exclusion_of_poor_performance_keeps_the_better_scores() -> None:
    rule = recognise("ECOG performance status ≥ 3", "exclusion").rule
    assert (rule["min"], rule["max"]) == (0, 2)


def test_the_word_who_in_lowercase_is_not_the_who_performance_scale() -> None:
    assert recognise("Patients who had 2 or 3 prior lines", "inclusion").rule["kind"] == "confirm"


def test_a_symptom_severity_on_an_nrs_becomes_a_range_up_to_the_scale_top() -> None:
    rule = recognise("Pain of severity ≥ 5 on a NRS 0-10", "inclusion").rule
    assert rule == {"kind": "range", "field": "target_symptom_nrs", "min": 5, "max": 10}


def test_expected_survival_in_months_uses_a_months_field() -> None:
    rule = recognise("Life expectancy of at least 3 months", "inclusion").rule
    assert rule == {"kind": "range", "field": "expected_survival_months", "min": 3}


def test_systemic_therapy_within_weeks_counts_the_days() -> None:
    text = "Systemic therapy within 2 weeks before the start of radiotherapy"
    rule = recognise(text, "exclusion").rule
    assert (rule["kind"], rule["min_days"]) == ("days_before", 14)


def test_an_inclusion_that_says_no_prior_radiotherapy_requires_the_flag_false() -> None:
    rule = recognise("No previous radiotherapy to the same area", "inclusion").rule
    assert rule == {"kind": "flag", "field": "prior_rt_to_tumour_site", "required": False}


def test_a_pacemaker_mentioned_among_mri_contraindications_is_left_to_the_investigator() -> None:
    text = "Contraindications to MRI (e.g. pacemaker, metal implants)"
    assert recognise(text, "exclusion").rule["kind"] == "confirm"


def test_a_conditional_criterion_is_confirmed_even_if_it_holds_a_number() -> None:
    text = "For patients with metastatic disease a life expectancy > 24 months"
    assert recognise(text, "inclusion").rule["kind"] == "confirm"


def test_a_histology_criterion_is_confirmed_with_its_text() -> None:
    criterion = recognise("Histologically confirmed adenocarcinoma", "inclusion")
    assert criterion.recognised == "histology"
    assert criterion.rule == {
        "kind": "confirm",
        "prompt": "Histologically confirmed adenocarcinoma",
    }


def test_an_exclusion_confirm_prompt_states_what_must_hold_to_be_eligible() -> None:
    prompt = recognise("Unable to comply", "exclusion").rule["prompt"]
    assert prompt == "This exclusion criterion does not apply to the patient: Unable to comply"


def test_draft_criteria_lists_inclusion_before_exclusion() -> None:
    drafts = draft_criteria("Exclusion Criteria:\n* Pregnant\nInclusion Criteria:\n* Adult")
    assert [(d.group, d.text) for d in drafts] == [
        ("inclusion", "Adult"),
        ("exclusion", "Pregnant"),
    ]


# -- dose prose -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dose", "fractions", "optional"),
    [
        ("56 Gray (Gy) in 16 fractions", 3.5, 16, 0),
        ("5 fractions of 5 Gy (Gray)", 5.0, 5, 0),
        ("1-2 fractions of 8 Gy (Gray)", 8.0, 1, 1),
        ("8 Gy x 1-2", 8.0, 1, 1),
        ("5 x 5 Gy", 5.0, 5, 0),
        ("30 Gy in 10 daily fractions", 3.0, 10, 0),
        ("2,5 Gy × 16", 2.5, 16, 0),
    ],
)
def test_dose_prose_gives_dose_per_fraction_and_counts(
    text: str, dose: float, fractions: int, optional: int
) -> None:
    schedule = parse_fractionation(text).schedule
    assert schedule is not None
    assert (schedule.dose_per_fraction_gy, schedule.fractions, schedule.optional_fractions) == (
        dose,
        fractions,
        optional,
    )


def test_an_up_to_dose_with_its_fraction_dose_is_a_maximum_level() -> None:
    found = parse_fractionation("56 Gy in 16 fractions, up to 80 Gy (5 Gy per fraction)")
    assert found.maximum is not None
    assert (found.maximum.total_dose_gy, found.maximum.fractions) == (80.0, 16)


@pytest.mark.parametrize(
    "text",
    [
        "56 Gy in 16 fractions (4 fractions per week)",
        "56 Gy in 16 fractions (14 Gy per week)",
        "56 Gy in 16 fractions over 4 weeks",
    ],
)
def test_the_weekly_rhythm_is_read_or_worked_out(text: str) -> None:
    assert parse_fractionation(text).fractions_per_week == 4


def test_text_without_a_dose_gives_no_schedule() -> None:
    found = parse_fractionation("Palliative radiotherapy")
    assert (found.schedule, found.maximum, found.fractions_per_week) == (None, None, None)


# -- site codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facility", "code"),
    [
        ("Oslo Universitetssykehus", "OUS"),
        ("Oslo University Hospital", "OUS"),
        ("Haukeland universitetssykehus", "HUS"),
        ("St. Olavs Hospital HF", "STO"),
        ("Universitetssykehuset i Nord-Norge", "UNN"),
        ("Stavanger Universitetssykehus", "SUS"),
        ("Sørlandet sykehus HF", "SSHF"),
        ("Sykehuset Telemark HF", "STHF"),
        ("Sykehuset Innlandet HF", "SIHF"),
        ("Vestre Viken HF", "VVHF"),
        ("Nordlandssykehuset Bodø", "NLSH"),
        ("Helse Møre og Romsdal", "HMR"),
    ],
)
def test_norwegian_hospitals_get_their_usual_abbreviation(facility: str, code: str) -> None:
    assert base_code(facility).code == code
    assert base_code(facility).known


def test_other_facilities_get_the_initials_of_their_name() -> None:
    assert base_code("Massachusetts General Hospital").code == "MGH"
    assert base_code("Hôpital de la Pitié-Salpêtrière").code == "HPS"
    assert not base_code("Massachusetts General Hospital").known


def test_site_codes_are_unique_and_fit_the_pattern() -> None:
    codes = [
        c.code
        for c in site_codes(
            ["Oslo University Hospital, Ullevål", "Oslo University Hospital, Radiumhospitalet", "1"]
        )
    ]
    assert codes == ["OUS", "OUS2", "S1"]


# -- conditions on one line ------------------------------------------------------------------


def test_conditions_run_together_are_split_after_each_disease_name() -> None:
    assert split_conditions("Gastrointestinal Cancer Urologic Cancer Gynecologic Cancer") == [
        "Gastrointestinal Cancer",
        "Urologic Cancer",
        "Gynecologic Cancer",
    ]


def test_an_abbreviation_in_brackets_stays_with_its_condition() -> None:
    assert split_conditions("Leiomyosarcoma (LMS) Pleomorphic Liposarcoma") == [
        "Leiomyosarcoma (LMS)",
        "Pleomorphic Liposarcoma",
    ]


def test_a_condition_continued_in_lower_case_is_not_split() -> None:
    assert split_conditions("Carcinoma of the Rectum") == ["Carcinoma of the Rectum"]

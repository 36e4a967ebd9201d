"""The eligibility engine against both trials' registry criteria, with realistic screenings.

Each case starts from an eligible patient of the trial and changes what a real screening would
find (a 17-year-old, ECOG 3, NRS 3, systemic therapy 10 days before the first fraction, …). The
case names the criteria it must fail and the outcome; every other criterion must stay met, so a
case also shows that a change does not trip an unrelated rule. A last test checks that every
criterion of both protocols is failed by at least one case.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.enrolment import (
    PALLSOFT_CONFIRM,
    PALLSOFT_PATIENT,
    PROSARC2_CONFIRM,
    PROSARC2_PATIENT,
    TRIALS,
)

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol, parse_protocol
from radtrial.trial.eligibility import (
    EligibilityResult,
    Outcome,
    ScreeningStatus,
    confirmable_criteria,
    evaluate,
    parse_screening_data,
    screening_data_to_json,
)

MET, NOT_MET, MISSING, CONFIRM = (
    Outcome.MET,
    Outcome.NOT_MET,
    Outcome.MISSING_DATA,
    Outcome.NEEDS_CONFIRMATION,
)


@pytest.fixture(scope="module")
def protocols() -> dict[str, Protocol]:
    return {
        slug: parse_protocol((TRIALS / f"{slug}.toml").read_text(encoding="utf-8"), slug)
        for slug in ("pallsoft", "prosarc2")
    }


BASE = {"pallsoft": PALLSOFT_PATIENT, "prosarc2": PROSARC2_PATIENT}
CONFIRMED = {"pallsoft": PALLSOFT_CONFIRM, "prosarc2": PROSARC2_CONFIRM}

#: (trial, description, changes to the eligible patient, {criterion: expected outcome}).
#: ``None`` as a value removes the field (not collected); ``"<none>"`` sets it explicitly empty.
CASES: list[tuple[str, str, dict[str, Any], dict[str, Outcome]]] = [
    # -- PALLSOFT (NCT06398314) ------------------------------------------------------------
    ("pallsoft", "a 17-year-old", {"age_years": 17}, {"I7": NOT_MET}),
    ("pallsoft", "exactly 18 years old", {"age_years": 18}, {}),
    ("pallsoft", "NRS 3 for the target symptom", {"target_symptom_nrs": 3}, {"I6": NOT_MET}),
    ("pallsoft", "NRS 4 is enough", {"target_symptom_nrs": 4}, {}),
    ("pallsoft", "ECOG 3 is allowed in PALLSOFT", {"ecog": 3}, {}),
    ("pallsoft", "ECOG 4", {"ecog": 4}, {"I10": NOT_MET}),
    (
        "pallsoft",
        "expected survival of exactly 12 weeks",
        {"expected_survival_weeks": 12},
        {"I11": NOT_MET},
    ),
    (
        "pallsoft",
        "systemic therapy 10 days before the first fraction (7-day pause suffices)",
        {"last_systemic_therapy_date": "2025-01-03", "planned_first_fraction_date": "2025-01-13"},
        {},
    ),
    (
        "pallsoft",
        "systemic therapy 6 days before the first fraction",
        {"last_systemic_therapy_date": "2025-01-07", "planned_first_fraction_date": "2025-01-13"},
        {"I12": NOT_MET},
    ),
    ("pallsoft", "never had systemic therapy", {"last_systemic_therapy_date": "<none>"}, {}),
    (
        "pallsoft",
        "cannot pause systemic therapy around RT",
        {"can_pause_systemic_therapy": False},
        {"I12": NOT_MET},
    ),
    (
        "pallsoft",
        "planned first fraction not yet known",
        {"planned_first_fraction_date": None},
        {"I12": MISSING},
    ),
    ("pallsoft", "primary from the lung", {"primary_origin": "other"}, {"I2": NOT_MET}),
    (
        "pallsoft",
        "no histological verification",
        {"histologically_verified": False},
        {"I2": NOT_MET},
    ),
    ("pallsoft", "pain from a gynaecological primary", {"primary_origin": "gynaecological"}, {}),
    (
        "pallsoft",
        "target symptom outside the 5 categories",
        {"target_symptom_category": "other"},
        {"I4": NOT_MET},
    ),
    ("pallsoft", "speaks neither Norwegian nor English", {"language": "other"}, {"I8": NOT_MET}),
    ("pallsoft", "speaks English", {"language": "english"}, {}),
    (
        "pallsoft",
        "woman of childbearing potential without a pregnancy test",
        {"woman_of_childbearing_potential": True, "contraception_agreed": True},
        {"I13": MISSING},
    ),
    (
        "pallsoft",
        "woman of childbearing potential with a positive pregnancy test",
        {
            "woman_of_childbearing_potential": True,
            "pregnancy_test_negative_72h": False,
            "contraception_agreed": True,
        },
        {"I13": NOT_MET},
    ),
    (
        "pallsoft",
        "woman of childbearing potential, negative test, contraception agreed",
        {
            "woman_of_childbearing_potential": True,
            "pregnancy_test_negative_72h": True,
            "contraception_agreed": True,
        },
        {},
    ),
    (
        "pallsoft",
        "childbearing potential not recorded",
        {"woman_of_childbearing_potential": None},
        {"I13": MISSING},
    ),
    (
        "pallsoft",
        "neuroendocrine carcinoma of the rectum",
        {"neuroendocrine_histology": True},
        {"E1": NOT_MET},
    ),
    ("pallsoft", "carcinosarcoma of the uterus", {"sarcoma_component": True}, {"E2": NOT_MET}),
    (
        "pallsoft",
        "sacral bone metastasis without a soft tissue component",
        {"bone_metastasis_without_soft_tissue": True},
        {"E3": NOT_MET},
    ),
    (
        "pallsoft",
        "on an investigational drug",
        {"investigational_drug_ongoing": True},
        {"E5": NOT_MET},
    ),
    (
        "pallsoft",
        "planned for another interventional trial",
        {"other_trial_planned_within_4_weeks": True},
        {"E6": NOT_MET},
    ),
    ("pallsoft", "pregnant", {"pregnant": True}, {"E7": NOT_MET}),
    ("pallsoft", "residual tumour after surgery", {"pelvic_tumour_presentation": "residual"}, {}),
    (
        "pallsoft",
        "presentation not recorded",
        {"pelvic_tumour_presentation": None},
        {"I3": MISSING},
    ),
    # -- PROSARC-2 (NCT07173972) -----------------------------------------------------------
    ("prosarc2", "a 17-year-old", {"age_years": 17}, {"I1": NOT_MET}),
    ("prosarc2", "ECOG 3", {"ecog": 3}, {"I4": NOT_MET}),
    ("prosarc2", "ECOG 2", {"ecog": 2}, {}),
    (
        "prosarc2",
        "GIST is a soft tissue sarcoma here",
        {"histology": "gastrointestinal_stromal_tumour"},
        {},
    ),
    (
        "prosarc2",
        "an osteosarcoma (not a soft tissue sarcoma)",
        {"histology": "not_soft_tissue_sarcoma"},
        {"I2": NOT_MET},
    ),
    (
        "prosarc2",
        "no measurable disease by RECIST 1.1",
        {"measurable_recist": False},
        {"I3": NOT_MET},
    ),
    (
        "prosarc2",
        "metastatic with 18 months' life expectancy",
        {"metastatic": True, "life_expectancy_years": 1.5},
        {"I5": NOT_MET},
    ),
    (
        "prosarc2",
        "metastatic with exactly 2 years' life expectancy",
        {"metastatic": True, "life_expectancy_years": 2},
        {"I5": NOT_MET},
    ),
    (
        "prosarc2",
        "metastatic with 3 years' life expectancy",
        {"metastatic": True, "life_expectancy_years": 3},
        {},
    ),
    (
        "prosarc2",
        "metastatic, life expectancy not estimated",
        {"metastatic": True},
        {"I5": MISSING},
    ),
    ("prosarc2", "consent not yet signed", {"informed_consent_signed": False}, {"I6": NOT_MET}),
    ("prosarc2", "operable according to the MDT", {"inoperable_by_mdt": False}, {"I8": NOT_MET}),
    (
        "prosarc2",
        "previous RT to the tumour site",
        {"prior_rt_to_tumour_site": True},
        {"E2": NOT_MET},
    ),
    ("prosarc2", "a pacemaker", {"pacemaker_or_icd": True}, {"E3": NOT_MET}),
    (
        "prosarc2",
        "systemic therapy 10 days before the first fraction",
        {"last_systemic_therapy_date": "2025-01-24", "planned_first_fraction_date": "2025-02-03"},
        {"E5": NOT_MET},
    ),
    (
        "prosarc2",
        "systemic therapy exactly 14 days before the first fraction",
        {"last_systemic_therapy_date": "2025-01-20", "planned_first_fraction_date": "2025-02-03"},
        {},
    ),
    (
        "prosarc2",
        "systemic therapy date not recorded at all",
        {"last_systemic_therapy_date": None},
        {"E5": MISSING},
    ),
]


def _patient(trial: str, changes: dict[str, Any]) -> dict[str, Any]:
    patient = dict(BASE[trial])
    for name, value in changes.items():
        if value is None:
            patient.pop(name, None)
        else:
            patient[name] = None if value == "<none>" else value
    return patient


def _evaluate(
    protocol: Protocol, patient: dict[str, Any], confirm: tuple[str, ...]
) -> EligibilityResult:
    return evaluate(
        protocol.eligibility, parse_screening_data(protocol.eligibility, patient), confirm
    )


@pytest.mark.parametrize(
    ("trial", "case", "changes", "expected"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES]
)
def test_a_realistic_screening_fails_exactly_the_criteria_it_should(
    protocols: dict[str, Protocol],
    trial: str,
    case: str,
    changes: dict[str, Any],
    expected: dict[str, Outcome],
) -> None:
    result = _evaluate(protocols[trial], _patient(trial, changes), CONFIRMED[trial])
    outcomes = {r.criterion_id: r.outcome for r in result.results}
    assert {c: o for c, o in outcomes.items() if o is not MET} == expected
    assert result.eligible is (not expected)
    for criterion in result.results:
        assert criterion.reasons, f"{criterion.criterion_id} gives no reason"


@pytest.mark.parametrize("trial", ["pallsoft", "prosarc2"])
def test_every_criterion_of_both_registry_records_is_exercised(
    protocols: dict[str, Protocol], trial: str
) -> None:
    failed = {c for t, _, _, expected in CASES if t == trial for c in expected}
    data_rules = {c.id for c in protocols[trial].eligibility.criteria()} - confirmable_criteria(
        protocols[trial].eligibility
    )
    # Criteria that are only clinical judgement are exercised by the confirmation tests below.
    assert data_rules - failed == set()


@pytest.mark.parametrize("trial", ["pallsoft", "prosarc2"])
def test_without_confirmations_each_judgement_criterion_awaits_the_investigator(
    protocols: dict[str, Protocol], trial: str
) -> None:
    result = _evaluate(protocols[trial], dict(BASE[trial]), ())
    waiting = {r.criterion_id for r in result.with_outcome(CONFIRM)}
    assert (
        waiting == set(CONFIRMED[trial]) == set(confirmable_criteria(protocols[trial].eligibility))
    )
    assert result.status is ScreeningStatus.AWAITING_CONFIRMATION
    assert not result.eligible


def test_a_confirmation_never_satisfies_the_data_part_of_a_criterion(
    protocols: dict[str, Protocol],
) -> None:
    # PALLSOFT I3: the presentation must be one of four, and the investigator confirms that the
    # tumour is not amenable to cure.
    patient = _patient("pallsoft", {"pelvic_tumour_presentation": None})
    result = _evaluate(protocols["pallsoft"], patient, PALLSOFT_CONFIRM)
    i3 = next(r for r in result.results if r.criterion_id == "I3")
    assert i3.outcome is MISSING
    assert not i3.confirmed
    assert any("confirmed by the investigator" in reason for reason in i3.reasons)


def test_not_met_outranks_missing_data_and_confirmation(protocols: dict[str, Protocol]) -> None:
    patient = _patient("prosarc2", {"age_years": 17, "ecog": None})
    result = _evaluate(protocols["prosarc2"], patient, ())
    assert result.status is ScreeningStatus.INELIGIBLE
    assert {r.criterion_id for r in result.with_outcome(MISSING)} == {"I4"}


def test_missing_data_outranks_awaiting_confirmation(protocols: dict[str, Protocol]) -> None:
    result = _evaluate(protocols["prosarc2"], _patient("prosarc2", {"ecog": None}), ())
    assert result.status is ScreeningStatus.INCOMPLETE


def test_a_criterion_whose_guard_is_false_is_met_and_marked_not_applicable(
    protocols: dict[str, Protocol],
) -> None:
    result = _evaluate(protocols["prosarc2"], dict(PROSARC2_PATIENT), PROSARC2_CONFIRM)
    i5 = next(r for r in result.results if r.criterion_id == "I5")
    assert (i5.outcome, i5.applies) == (MET, False)
    assert i5.reasons == ("does not apply: metastatic = no",)


def test_the_reasons_name_the_value_and_what_was_needed(protocols: dict[str, Protocol]) -> None:
    patient = _patient(
        "prosarc2",
        {"age_years": 17, "last_systemic_therapy_date": "2025-01-24"},
    )
    result = _evaluate(protocols["prosarc2"], patient, PROSARC2_CONFIRM)
    reasons = {r.criterion_id: r.reasons for r in result.blocking()}
    assert reasons["I1"] == ("age_years = 17, needs ≥ 18",)
    assert reasons["E5"] == (
        "last_systemic_therapy_date 2025-01-24 is 10 days before planned_first_fraction_date "
        "2025-02-03, needs ≥ 14 days before",
    )


def test_an_event_after_the_reference_date_is_not_met(protocols: dict[str, Protocol]) -> None:
    patient = _patient("prosarc2", {"last_systemic_therapy_date": "2025-02-05"})
    result = _evaluate(protocols["prosarc2"], patient, PROSARC2_CONFIRM)
    e5 = next(r for r in result.results if r.criterion_id == "E5")
    assert e5.outcome is NOT_MET
    assert "2 days after planned_first_fraction_date" in e5.reasons[0]


def test_the_result_survives_a_round_trip_through_json(protocols: dict[str, Protocol]) -> None:
    result = _evaluate(protocols["pallsoft"], _patient("pallsoft", {"ecog": 4}), ("I1",))
    assert EligibilityResult.from_json(result.to_json()) == result


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"age_years": "72"}, {"age_years": 72}),
        ({"age_years": 72.0}, {"age_years": 72}),
        ({"expected_survival_weeks": "26.5"}, {"expected_survival_weeks": 26.5}),
        (
            {"pregnant": "no", "sarcoma_component": "Yes"},
            {"pregnant": False, "sarcoma_component": True},
        ),
        ({"last_systemic_therapy_date": ""}, {"last_systemic_therapy_date": None}),
        ({"language": "english"}, {"language": "english"}),
    ],
)
def test_screening_values_are_read_as_the_fields_types(
    protocols: dict[str, Protocol], raw: dict[str, object], expected: dict[str, object]
) -> None:
    assert parse_screening_data(protocols["pallsoft"].eligibility, raw) == expected


@pytest.mark.parametrize(
    ("raw", "location"),
    [
        ({"age_years": "seventy"}, "data.age_years"),
        ({"age_years": 71.5}, "data.age_years"),
        ({"age_years": True}, "data.age_years"),
        ({"pregnant": "perhaps"}, "data.pregnant"),
        ({"language": "german"}, "data.language"),
        ({"planned_first_fraction_date": "13.01.2025"}, "data.planned_first_fraction_date"),
        ({"expected_survival_weeks": "nan"}, "data.expected_survival_weeks"),
        ({"weight_kg": 70}, "data.weight_kg"),
    ],
)
def test_a_value_of_the_wrong_type_or_an_unknown_field_is_refused_at_the_field(
    protocols: dict[str, Protocol], raw: dict[str, object], location: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_screening_data(protocols["pallsoft"].eligibility, raw)
    assert caught.value.location == location


def test_dates_are_stored_as_iso_text(protocols: dict[str, Protocol]) -> None:
    values = parse_screening_data(
        protocols["pallsoft"].eligibility, {"planned_first_fraction_date": "2025-01-13"}
    )
    assert screening_data_to_json(values) == {"planned_first_fraction_date": "2025-01-13"}


@pytest.mark.parametrize(
    ("confirm", "message"), [(("I99",), "not a criterion"), (("I7",), "needs no")]
)
def test_confirming_an_unknown_or_data_criterion_is_refused(
    protocols: dict[str, Protocol], confirm: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        _evaluate(protocols["pallsoft"], dict(PALLSOFT_PATIENT), confirm)
    assert caught.value.location == "confirm"

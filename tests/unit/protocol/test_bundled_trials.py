"""The bundled protocol files are faithful to the registry records."""

from __future__ import annotations

import pytest

from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.eligibility import (
    AllRule,
    ConfirmRule,
    DaysBeforeRule,
    FlagRule,
    OneOfRule,
    RangeRule,
)


@pytest.fixture(scope="module")
def pallsoft(pallsoft_text: str) -> Protocol:
    return parse_protocol(pallsoft_text, "pallsoft.toml")


@pytest.fixture(scope="module")
def prosarc2(prosarc2_text: str) -> Protocol:
    return parse_protocol(prosarc2_text, "prosarc2.toml")


def test_pallsoft_identity_matches_the_registry_record(pallsoft: Protocol) -> None:
    trial = pallsoft.trial
    assert trial.registry_id == "NCT06398314"
    assert trial.acronym == "PALLSOFT"
    assert trial.phase == "NA"
    assert trial.design.allocation == "randomised"
    assert trial.design.masking == "none"
    assert trial.design.hypothesis == "non_inferiority"
    assert trial.target_enrolment == 200
    assert str(trial.start_date) == "2024-12-10"
    assert str(trial.completion_date) == "2030-12-31"
    assert trial.sponsor.name == "Sykehuset Telemark"
    assert len(trial.collaborators) == 11
    assert trial.responsible_party.kind == "sponsor"
    assert trial.investigators[0].name == "Harald Ragnum"
    assert trial.other_ids[0].id == "606316"
    assert trial.references[0].doi == "10.1186/s12885-025-14424-1"


def test_pallsoft_has_eleven_recruiting_norwegian_hospitals(pallsoft: Protocol) -> None:
    assert len(pallsoft.sites) == 11
    assert {s.status for s in pallsoft.sites} == {"recruiting"}
    assert {s.country for s in pallsoft.sites} == {"Norway"}
    cities = {s.city for s in pallsoft.sites}
    assert cities == {
        "Ålesund",
        "Bergen",
        "Bodø",
        "Drammen",
        "Gjøvik",
        "Kristiansand",
        "Oslo",
        "Skien",
        "Stavanger",
        "Tromsø",
        "Trondheim",
    }
    assert pallsoft.site("STHF").contacts[1].role == "backup"


def test_pallsoft_arm_a_is_8_gy_once_with_an_optional_second_fraction(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("A")
    level = arm.prescription.dose_levels[0]
    assert (level.total_dose_gy, level.dose_per_fraction_gy, level.fractions) == (8.0, 8.0, 1)
    (extra,) = arm.prescription.optional_fractions
    assert (extra.count, extra.dose_per_fraction_gy, extra.dose_level) == (1, 8.0, "ptv")
    assert extra.assumption is not None


def test_pallsoft_arm_b_is_5_gy_times_5_on_weekdays(pallsoft: Protocol) -> None:
    prescription = pallsoft.arm("B").prescription
    level = prescription.dose_levels[0]
    assert (level.total_dose_gy, level.dose_per_fraction_gy, level.fractions) == (25.0, 5.0, 5)
    assert prescription.fractions_per_week == 5
    assert prescription.dose_unit == "Gy"
    assert prescription.optional_fractions == ()


def test_pallsoft_randomises_one_to_one(pallsoft: Protocol) -> None:
    randomisation = pallsoft.randomisation
    assert randomisation is not None
    assert dict(randomisation.ratio) == {"A": 1, "B": 1}
    assert randomisation.method == "permuted_blocks"
    assert "site" in randomisation.stratify_by
    assert set(randomisation.assumptions) >= {"block_sizes", "stratify_by"}


def test_pallsoft_keeps_every_registry_criterion_verbatim(pallsoft: Protocol) -> None:
    assert len(pallsoft.eligibility.inclusion) == 13
    assert len(pallsoft.eligibility.exclusion) == 7
    texts = [c.text for c in pallsoft.eligibility.criteria()]
    assert "Patient reported severity of symptoms ≥4 on a NRS- scale of 0-10" in texts
    assert "Sarcoma or sarcomal components in the histology" in texts


def test_pallsoft_machine_rules_encode_the_numeric_criteria(pallsoft: Protocol) -> None:
    rules = {c.id: c.rule for c in pallsoft.eligibility.criteria()}
    assert rules["I6"] == RangeRule(kind="range", field="target_symptom_nrs", min=4, max=10)
    assert rules["I7"] == RangeRule(kind="range", field="age_years", min=18)
    assert rules["I10"] == RangeRule(kind="range", field="ecog", min=0, max=3)
    survival = rules["I11"]
    assert isinstance(survival, RangeRule)
    assert (survival.min, survival.min_exclusive) == (12, True)
    assert isinstance(rules["I1"], ConfirmRule)
    assert isinstance(rules["I12"], AllRule)
    assert isinstance(rules["E7"], FlagRule)
    assert rules["E7"].required is False


def test_prosarc2_is_single_arm_protons_with_a_simultaneous_boost(prosarc2: Protocol) -> None:
    assert prosarc2.trial.registry_id == "NCT07173972"
    assert prosarc2.trial.design.intervention_model == "single_group"
    assert prosarc2.randomisation is None
    (arm,) = prosarc2.arms
    prescription = arm.prescription
    assert prescription.modality == "proton"
    assert prescription.rbe is not None
    assert prescription.rbe.value == 1.1
    assert prescription.dose_unit == "Gy(RBE)"
    assert prescription.fractions == 16
    assert prescription.fractions_per_week == 4
    target, boost = prescription.dose_levels
    assert (target.total_dose_gy, target.dose_per_fraction_gy) == (56.0, 3.5)
    assert (boost.total_dose_gy, boost.dose_per_fraction_gy, boost.kind) == (80.0, 5.0, "maximum")


def test_prosarc2_sites_are_oslo_and_bergen_treating_with_four_referring(
    prosarc2: Protocol,
) -> None:
    treating = {s.code for s in prosarc2.sites if "treating" in s.roles}
    referring = {s.code for s in prosarc2.sites if "referring" in s.roles}
    assert treating == {"OUS", "HUS"}
    assert referring == {"OUS", "HUS", "STO", "UNN"}
    assert prosarc2.site("HUS").status == "not_yet_recruiting"
    assert prosarc2.site("OUS").status == "recruiting"


def test_prosarc2_criteria_and_rules(prosarc2: Protocol) -> None:
    rules = {c.id: c for c in prosarc2.eligibility.criteria()}
    assert len(prosarc2.eligibility.exclusion) == 5
    assert rules["I4"].rule == RangeRule(kind="range", field="ecog", min=0, max=2)
    systemic = rules["E5"].rule
    assert isinstance(systemic, DaysBeforeRule)
    assert systemic.min_days == 14
    assert rules["E2"].rule == FlagRule(
        kind="flag", field="prior_rt_to_tumour_site", required=False
    )
    assert rules["E3"].rule == FlagRule(kind="flag", field="pacemaker_or_icd", required=False)
    histology = rules["I2"].rule
    assert isinstance(histology, OneOfRule)
    assert "gastrointestinal_stromal_tumour" in histology.values
    assert rules["I5"].when is not None
    assert rules["I5"].when.field == "metastatic"


def test_prosarc2_biobank_collects_tissue_blood_plasma_and_serum(prosarc2: Protocol) -> None:
    assert prosarc2.biobank is not None
    codes = {s.code for s in prosarc2.biobank.sample_types}
    assert codes == {"tumour_tissue", "whole_blood", "plasma", "serum"}
    assert {s.requires_consent for s in prosarc2.biobank.sample_types} == {"biobank"}


@pytest.mark.parametrize("name", ["pallsoft", "prosarc2"])
def test_every_silent_design_value_is_a_labelled_assumption(
    name: str, pallsoft: Protocol, prosarc2: Protocol
) -> None:
    protocol = {"pallsoft": pallsoft, "prosarc2": prosarc2}[name]
    marked = {mark.path for mark in protocol.assumption_marks()}
    assert "analysis.primary" in marked
    assert any(path.startswith("visits[") for path in marked)
    assert all(mark.reason.strip() for mark in protocol.assumption_marks())


def test_pallsoft_design_parameters_reproduce_the_registered_sample_size(
    pallsoft: Protocol,
) -> None:
    # Textbook NI sample size for two proportions (DOMAIN.md 1.7), with the file's assumptions.
    from statistics import NormalDist

    primary = pallsoft.analysis.primary
    assert primary.margin is not None
    assert primary.p_control is not None
    assert primary.p_experimental is not None
    assert primary.dropout is not None
    z = NormalDist().inv_cdf
    p_a, p_b = primary.p_experimental, primary.p_control
    n = (z(1 - primary.alpha) + z(primary.power)) ** 2 * (p_a * (1 - p_a) + p_b * (1 - p_b))
    n /= (p_a - p_b + primary.margin) ** 2
    total = 2 * n / (1 - primary.dropout)
    assert 190 <= total <= 210


def test_the_content_hash_ignores_comments_and_layout(pallsoft_text: str) -> None:
    reformatted = "# a new comment\n" + pallsoft_text.replace(" = ", "  =  ")
    assert (
        parse_protocol(reformatted).content_hash() == parse_protocol(pallsoft_text).content_hash()
    )


def test_the_content_hash_changes_with_any_value(pallsoft_text: str) -> None:
    amended = pallsoft_text.replace("block_sizes = [2, 4, 6]", "block_sizes = [4, 6]")
    assert parse_protocol(amended).content_hash() != parse_protocol(pallsoft_text).content_hash()


def test_a_protocol_is_frozen(pallsoft: Protocol) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        pallsoft.trial.acronym = "X"  # type: ignore[misc]


def test_study_ids_follow_the_trial_format(pallsoft: Protocol, prosarc2: Protocol) -> None:
    assert pallsoft.registration.study_id("OUS", 7) == "PALL-OUS-0007"
    assert prosarc2.registration.study_id("HUS", 12) == "PRS2-HUS-0012"

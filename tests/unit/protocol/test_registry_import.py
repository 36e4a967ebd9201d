"""Registry-record import: the two seed records and a CT.gov API v2 study become valid drafts."""

from __future__ import annotations

import copy
import json
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from radtrial.protocol import Protocol, parse_protocol
from radtrial.protocol.registry import draft_protocol, draft_toml, read_registry_record
from radtrial.protocol.registry.marks import PLACEHOLDER
from radtrial.protocol.registry.record import RegistryRecord
from radtrial.protocol.registry.text_record import split_conditions
from tests.support import SEEDS

IMPORTED_AT = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ctgov"

PALLSOFT_INCLUSION = [
    "Patients unsuitable for curative treatment due to either advanced disease or medical "
    "contradictions (i.e comorbidity, old age, poor general condition)",
    "Histologically verified primary cancer originated from gastrointestinal, urological or "
    "gynecological organs (histological verification can be performed on other lesions than "
    "the symptomatic pelvic tumor)",
    "Primary, residual, recurrent or metastatic pelvic tumor from the above-mentioned cancers "
    "not amenable for curative treatment",
    "Tumor-related symptoms including within the 5 defined categories pain, bleeding, "
    "bowel/lower urinary/vaginal dysfunction",
    "Considered candidate for palliative radiotherapy according to both study arms",
    "Patient reported severity of symptoms ≥4 on a NRS- scale of 0-10",
    "≥18 years of age",
    "Speaks and understands Norwegian or English",
    "Ability to understand and willing to sign a written informed consent",
    "ECOG performance status 0-3",
    "Expected survival > 12 weeks",
    "Able to pause systemic cancer treatment for one week prior to, during, and one week after "
    "the radiotherapy treatment",
    "Women of childbearing potential (WOCBP) should have a negative highly sensitive serum "
    "pregnancy test within 72 hours prior to study intervention. WOCBP must agree to the use of "
    "highly effective birth control methods or abstain from heterosexual sexual activity from "
    "randomization and until completed study intervention",
]
PALLSOFT_EXCLUSION = [
    "Neuroendocrine histology of any kind",
    "Sarcoma or sarcomal components in the histology",
    "Tumors that originate from bony metastases without a soft tissue component",
    "Unable to comply with study questionnaires",
    "Ongoing treatment with an investigational drug at inclusion",
    "Planned inclusion in another interventional clinical trial within 4 weeks after radiotherapy",
    "Patients who are pregnant due to risk of teratogenic and abortifacient effects of "
    "radiotherapy",
]
PALLSOFT_CITIES = {
    "HMR": "Ålesund",
    "HUS": "Bergen",
    "NLSH": "Bodø",
    "VVHF": "Drammen",
    "SIHF": "Gjøvik",
    "SSHF": "Kristiansand",
    "OUS": "Oslo",
    "STHF": "Skien",
    "SUS": "Stavanger",
    "UNN": "Tromsø",
    "STO": "Trondheim",
}


def read(path: Path) -> RegistryRecord:
    return read_registry_record(path.read_text(encoding="utf-8"), str(path))


def imported(path: Path) -> Protocol:
    return parse_protocol(draft_toml(read(path), IMPORTED_AT), path.name)


@pytest.fixture(scope="module")
def pallsoft() -> Protocol:
    return imported(SEEDS / "pallsoft_NCT06398314.txt")


@pytest.fixture(scope="module")
def prosarc() -> Protocol:
    return imported(SEEDS / "prosarc-2_NCT07173972.txt")


@pytest.fixture(scope="module")
def pallsoft_json() -> Protocol:
    return imported(FIXTURES / "NCT06398314.json")


def rule_of(protocol: Protocol, criterion_id: str) -> dict[str, Any]:
    for criterion in protocol.eligibility.criteria():
        if criterion.id == criterion_id:
            return criterion.rule.model_dump(exclude={"assumption", "assumptions"})
    raise KeyError(criterion_id)


# -- both seed records ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pallsoft_NCT06398314.txt", "prosarc-2_NCT07173972.txt"])
def test_each_seed_record_drafts_a_protocol_that_loads_and_validates(name: str) -> None:
    protocol = imported(SEEDS / name)
    assert protocol.trial.registry_id == name.split("_")[1].removesuffix(".txt")
    assert protocol.protocol.label == "0.0-import"


@pytest.mark.parametrize("name", ["pallsoft_NCT06398314.txt", "prosarc-2_NCT07173972.txt"])
def test_a_draft_names_its_record_and_import_time_in_a_header_comment(name: str) -> None:
    record = read(SEEDS / name)
    text = draft_toml(record, IMPORTED_AT)
    head = text.split("\n\n", 1)[0]
    assert head.startswith("# DRAFT protocol imported from the ClinicalTrials.gov record")
    assert record.registry_id in head
    assert "2026-05-01T09:30:00+00:00" in head
    assert name in head


def test_dates_are_written_as_toml_dates_not_strings() -> None:
    text = draft_toml(read(SEEDS / "pallsoft_NCT06398314.txt"), IMPORTED_AT)
    data = tomllib.loads(text)
    assert data["trial"]["start_date"] == date(2024, 12, 10)
    assert data["trial"]["completion_date"] == date(2030, 12, 31)
    assert data["protocol"]["date"] == date(2025, 5, 23)
    assert "start_date = 2024-12-10\n" in text


def test_the_import_time_changes_the_header_but_not_the_protocol_content() -> None:
    record = read(SEEDS / "prosarc-2_NCT07173972.txt")
    later = datetime(2027, 1, 1, tzinfo=UTC)
    first = parse_protocol(draft_toml(record, IMPORTED_AT))
    second = parse_protocol(draft_toml(record, later))
    assert first.content_hash() == second.content_hash()


@pytest.mark.parametrize("name", ["pallsoft_NCT06398314.txt", "prosarc-2_NCT07173972.txt"])
def test_every_value_the_record_lacks_is_marked_as_an_assumption(name: str) -> None:
    protocol = imported(SEEDS / name)
    marked = {mark.path for mark in protocol.assumption_marks()}
    for path in (
        "consent",
        "registration",
        "analysis.primary",
        "analysis.ctcae_version",
        "trial.design.hypothesis",
    ):
        assert path in marked
    assert all(
        site_path in marked for site_path in (f"sites[{s.code}].roles" for s in protocol.sites)
    )
    reasons = [mark.reason for mark in protocol.assumption_marks()]
    assert any(reason.startswith(PLACEHOLDER) for reason in reasons)


# -- PALLSOFT ------------------------------------------------------------------------------


def test_pallsoft_has_thirteen_inclusion_and_seven_exclusion_criteria_verbatim(
    pallsoft: Protocol,
) -> None:
    assert [c.text for c in pallsoft.eligibility.inclusion] == PALLSOFT_INCLUSION
    assert [c.text for c in pallsoft.eligibility.exclusion] == PALLSOFT_EXCLUSION
    assert [c.id for c in pallsoft.eligibility.inclusion] == [f"I{i}" for i in range(1, 14)]
    assert [c.id for c in pallsoft.eligibility.exclusion] == [f"E{i}" for i in range(1, 8)]


def test_pallsoft_has_eleven_recruiting_sites_in_their_cities(pallsoft: Protocol) -> None:
    assert {s.code: s.city for s in pallsoft.sites} == PALLSOFT_CITIES
    assert [s.code for s in pallsoft.sites] == list(PALLSOFT_CITIES)
    assert {s.status for s in pallsoft.sites} == {"recruiting"}
    assert {s.country for s in pallsoft.sites} == {"Norway"}


def test_pallsoft_facility_contacts_follow_the_site_order_with_the_backup_at_telemark(
    pallsoft: Protocol,
) -> None:
    telemark = pallsoft.site("STHF")
    assert [(c.name, c.role) for c in telemark.contacts] == [
        ("Kjersti Skipar", "primary"),
        ("Harald B Ragnum", "backup"),
    ]
    assert [c.name for c in pallsoft.site("STO").contacts] == ["Hanne Tøndel"]
    assert [c.name for c in pallsoft.site("HMR").contacts] == ["Cecilie S Nordstrand"]


def test_pallsoft_sponsor_is_sykehuset_telemark_with_eleven_collaborators(
    pallsoft: Protocol,
) -> None:
    trial = pallsoft.trial
    assert trial.sponsor.name == "Sykehuset Telemark"
    assert trial.sponsor.agency_class == "OTHER_GOV"
    assert len(trial.collaborators) == 11
    assert trial.collaborators[0].name == "Nordlandssykehuset HF"
    assert trial.collaborators[2].agency_class == "OTHER_GOV"
    assert trial.responsible_party.kind == "sponsor"


def test_pallsoft_identity_and_design_come_from_the_record(pallsoft: Protocol) -> None:
    trial = pallsoft.trial
    assert (trial.acronym, trial.slug) == ("PALLSOFT", "pallsoft")
    assert trial.title == "Palliative Radiotherapy in Symptomatic Pelvic Soft Tissue Tumors"
    assert trial.status == "recruiting"
    assert trial.phase == "NA"
    assert trial.phase_note is not None
    assert "phase III" in trial.phase_note
    assert trial.target_enrolment == 200
    assert trial.record_updated == date(2025, 5, 23)
    assert trial.conditions == ("Gastrointestinal Cancer", "Urologic Cancer", "Gynecologic Cancer")
    design = trial.design
    assert (design.allocation, design.intervention_model, design.masking) == (
        "randomised",
        "parallel",
        "none",
    )
    assert design.hypothesis == "non_inferiority"
    assert design.multicentre
    assert pallsoft.randomisation is not None
    assert dict(pallsoft.randomisation.ratio) == {"A": 1, "B": 1}


def test_pallsoft_people_references_and_other_ids_come_from_the_record(pallsoft: Protocol) -> None:
    trial = pallsoft.trial
    chair = trial.investigators[0]
    assert (chair.name, chair.degrees, chair.role, chair.affiliation) == (
        "Harald Ragnum",
        "MD, PhD",
        "study_chair",
        "Telemark Hospital Trust",
    )
    assert [(c.name, c.phone) for c in trial.central_contacts] == [
        ("Kjersti Skipar", "+47 98444114"),
        ("Harald Ragnum", "+47 90792571"),
    ]
    reference = trial.references[0]
    assert reference.doi == "10.1186/s12885-025-14424-1"
    assert reference.pmid == "40597814"
    assert reference.kind == "derived"
    assert reference.citation.endswith("BMC Cancer. 2025 Jul 1;25(1):1051.")
    assert [(o.id, o.source) for o in trial.other_ids] == [("606316", "REK")]


def test_pallsoft_has_an_8_gy_x_1_to_2_arm_and_a_5_x_5_gy_arm(pallsoft: Protocol) -> None:
    single, five = pallsoft.arms
    assert (single.code, single.label, single.kind) == (
        "A",
        "1-2 fractions of 8 Gy (Gray)",
        "active_comparator",
    )
    level = single.prescription.dose_levels[0]
    assert (level.fractions, level.dose_per_fraction_gy, level.total_dose_gy) == (1, 8.0, 8.0)
    extra = single.prescription.optional_fractions[0]
    assert (extra.count, extra.dose_per_fraction_gy, extra.dose_level) == (1, 8.0, "ptv")
    assert extra.assumption is not None
    level = five.prescription.dose_levels[0]
    assert (level.fractions, level.dose_per_fraction_gy, level.total_dose_gy) == (5, 5.0, 25.0)
    assert five.prescription.optional_fractions == ()
    assert five.prescription.fractions_per_week == 5
    assert {a.prescription.modality for a in pallsoft.arms} == {"photon"}
    assert "modality" in single.prescription.assumptions
    assert single.interventions == ("Palliative radiotherapy",)


def test_pallsoft_nrs_age_ecog_and_survival_criteria_become_rules(pallsoft: Protocol) -> None:
    assert rule_of(pallsoft, "I6") == {
        "kind": "range",
        "field": "target_symptom_nrs",
        "min": 4,
        "max": 10,
        "min_exclusive": False,
        "max_exclusive": False,
    }
    assert rule_of(pallsoft, "I7")["field"] == "age_years"
    assert rule_of(pallsoft, "I7")["min"] == 18
    assert (rule_of(pallsoft, "I10")["min"], rule_of(pallsoft, "I10")["max"]) == (0, 3)
    survival = rule_of(pallsoft, "I11")
    assert (survival["field"], survival["min"], survival["min_exclusive"]) == (
        "expected_survival_weeks",
        12,
        True,
    )


def test_pallsoft_criteria_needing_judgement_are_confirmed_by_the_investigator(
    pallsoft: Protocol,
) -> None:
    assert rule_of(pallsoft, "I1") == {"kind": "confirm", "prompt": PALLSOFT_INCLUSION[0]}
    assert rule_of(pallsoft, "I13")["kind"] == "confirm"
    prompt = rule_of(pallsoft, "E4")["prompt"]
    assert prompt.startswith("This exclusion criterion does not apply to the patient:")
    assert prompt.endswith(PALLSOFT_EXCLUSION[3])


def test_pallsoft_declares_exactly_the_screening_fields_its_rules_read(pallsoft: Protocol) -> None:
    assert [f.name for f in pallsoft.eligibility.fields] == [
        "age_years",
        "ecog",
        "target_symptom_nrs",
        "expected_survival_weeks",
    ]


def test_pallsoft_without_a_primary_endpoint_in_the_record_gets_a_marked_placeholder(
    pallsoft: Protocol,
) -> None:
    primary = [e for e in pallsoft.endpoints if e.level == "primary"]
    assert len(primary) == 1
    assert primary[0].assumption is not None
    assert primary[0].assumption.startswith(PLACEHOLDER)
    secondary = [e.title for e in pallsoft.endpoints if e.level == "secondary"]
    assert secondary == [
        "Health-related quality of life",
        "Toxicities",
        "Survival",
        "Prognostic and predictive biomarkers",
    ]
    assert pallsoft.analysis.primary.method == "farrington_manning"
    assert pallsoft.analysis.planned_sample_size == 200


def test_pallsoft_study_ids_use_the_acronym_and_a_site_code(pallsoft: Protocol) -> None:
    assert pallsoft.registration.study_id("STHF", 7) == "PALL-STHF-0007"


# -- PROSARC-2 -----------------------------------------------------------------------------


def test_prosarc_has_seven_inclusion_and_five_exclusion_criteria(prosarc: Protocol) -> None:
    assert len(prosarc.eligibility.inclusion) == 7
    assert len(prosarc.eligibility.exclusion) == 5
    assert prosarc.eligibility.inclusion[0].text == (
        "≥ 18 years of age at the time of informed consent."
    )
    assert prosarc.eligibility.exclusion[0].text.endswith(
        "with or without androgens, may be included."
    )


def test_prosarc_has_bergen_not_yet_recruiting_and_oslo_recruiting(prosarc: Protocol) -> None:
    assert [(s.code, s.city, s.status) for s in prosarc.sites] == [
        ("HUS", "Bergen", "not_yet_recruiting"),
        ("OUS", "Oslo", "recruiting"),
    ]
    assert [c.phone for c in prosarc.site("HUS").contacts] == ["+4755975000"]


def test_prosarc_is_a_single_arm_proton_trial_of_16_fractions(prosarc: Protocol) -> None:
    (arm,) = prosarc.arms
    prescription = arm.prescription
    assert arm.kind == "experimental"
    assert prescription.modality == "proton"
    assert prescription.rbe is not None
    assert prescription.rbe.value == 1.1
    assert prescription.rbe.assumption is not None
    assert prescription.fractions == 16
    assert prescription.fractions_per_week == 4
    assert prosarc.trial.design.intervention_model == "single_group"
    assert prosarc.randomisation is None


def test_prosarc_prescribes_56_gy_in_3_5_gy_with_an_80_gy_maximum_level(prosarc: Protocol) -> None:
    prescribed, maximum = prosarc.arms[0].prescription.dose_levels
    assert (prescribed.kind, prescribed.total_dose_gy, prescribed.dose_per_fraction_gy) == (
        "prescribed",
        56.0,
        3.5,
    )
    assert (maximum.kind, maximum.total_dose_gy, maximum.dose_per_fraction_gy) == (
        "maximum",
        80.0,
        5.0,
    )
    assert maximum.fractions == 16


def test_prosarc_ecog_systemic_therapy_prior_rt_and_pacemaker_become_rules(
    prosarc: Protocol,
) -> None:
    assert (rule_of(prosarc, "I4")["min"], rule_of(prosarc, "I4")["max"]) == (0, 2)
    systemic = rule_of(prosarc, "E5")
    assert systemic["kind"] == "days_before"
    assert (systemic["field"], systemic["reference"], systemic["min_days"]) == (
        "last_systemic_therapy_date",
        "planned_first_fraction_date",
        14,
    )
    assert rule_of(prosarc, "E2") == {
        "kind": "flag",
        "field": "prior_rt_to_tumour_site",
        "required": False,
    }
    assert rule_of(prosarc, "E3") == {
        "kind": "flag",
        "field": "pacemaker_or_icd",
        "required": False,
    }
    assert rule_of(prosarc, "I3") == {
        "kind": "flag",
        "field": "measurable_recist",
        "required": True,
    }
    assert rule_of(prosarc, "I1")["min"] == 18


def test_prosarc_histology_and_conditional_criteria_are_confirmed(prosarc: Protocol) -> None:
    assert rule_of(prosarc, "I2")["kind"] == "confirm"
    assert rule_of(prosarc, "I5")["kind"] == "confirm"  # "For patients with metastatic disease"


def test_prosarc_primary_endpoint_comes_from_the_summary_sentence(prosarc: Protocol) -> None:
    primary = next(e for e in prosarc.endpoints if e.level == "primary")
    assert primary.title == "Local control after 2 years"
    assert primary.time_frame == "2 years"
    assert "time_frame" in primary.assumptions
    assert prosarc.analysis.primary.endpoint == primary.id
    assert prosarc.analysis.primary.landmark_months == 24.0


def test_prosarc_responsible_party_is_the_principal_investigator(prosarc: Protocol) -> None:
    party = prosarc.trial.responsible_party
    assert (party.kind, party.name, party.title) == (
        "principal_investigator",
        "Ivar Hompland",
        "Senior Consultant, MD, PhD",
    )
    assert [p.role for p in prosarc.trial.investigators] == [
        "principal_investigator",
        "study_director",
    ]
    assert prosarc.trial.acronym == "PROSARC-2"
    assert prosarc.trial.slug == "prosarc-2"
    assert prosarc.trial.phase == "PHASE2"


def test_a_run_together_conditions_line_is_split_and_the_split_is_marked(
    prosarc: Protocol,
) -> None:
    assert prosarc.trial.conditions == (
        "Soft Tissue Sarcoma (STS)",
        "Soft Tissue Sarcoma",
        "Adult Soft Tissue Sarcoma of the Trunk and Extremities",
        "Synovial Sarcomas",
        "Undifferentiated Pleomorphic Sarcoma (UPS)",
        "Myxofibrosarcoma",
        "Leiomyosarcoma (LMS)",
        "Pleomorphic Liposarcoma",
        "Pleomorphic Rhabdomyosarcoma",
        "Liposarcoma",
    )
    assert "conditions" in prosarc.trial.assumptions


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Gastrointestinal Cancer Urologic Cancer", ["Gastrointestinal Cancer", "Urologic Cancer"]),
        (
            "Carcinoma of the Head and Neck Squamous Cell Carcinoma",
            ["Carcinoma of the Head and Neck", "Squamous Cell Carcinoma"],
        ),
        ("Metastatic Disease (MD) Pain", ["Metastatic Disease (MD)", "Pain"]),
        ("Soft Tissue Sarcoma", ["Soft Tissue Sarcoma"]),
    ],
)
def test_run_together_conditions_split_at_disease_nouns_and_after_qualifiers(
    line: str, expected: list[str]
) -> None:
    assert split_conditions(line) == expected


# -- ClinicalTrials.gov API v2 JSON --------------------------------------------------------


def test_the_ctgov_v2_json_fixture_drafts_a_protocol_that_validates(
    pallsoft_json: Protocol,
) -> None:
    assert pallsoft_json.trial.registry_id == "NCT06398314"
    assert pallsoft_json.trial.acronym == "PALLSOFT"
    assert "acronym" not in pallsoft_json.trial.assumptions
    assert len(pallsoft_json.sites) == 11
    assert len(pallsoft_json.trial.collaborators) == 11


def test_the_json_and_text_records_of_a_trial_give_the_same_criteria_and_arms(
    pallsoft: Protocol, pallsoft_json: Protocol
) -> None:
    assert pallsoft_json.eligibility == pallsoft.eligibility
    assert pallsoft_json.arms == pallsoft.arms
    assert [s.code for s in pallsoft_json.sites] == [s.code for s in pallsoft.sites]
    assert pallsoft_json.trial.sponsor == pallsoft.trial.sponsor


def test_json_location_contacts_stay_with_their_location(pallsoft_json: Protocol) -> None:
    assert [c.name for c in pallsoft_json.site("STHF").contacts] == [
        "Kjersti Skipar",
        "Harald B Ragnum",
    ]


def test_json_outcome_measures_become_endpoints_with_their_time_frames() -> None:
    study = json.loads((FIXTURES / "NCT06398314.json").read_text(encoding="utf-8"))
    study = copy.deepcopy(study)
    study["protocolSection"]["outcomesModule"] = {
        "primaryOutcomes": [
            {
                "measure": "Symptom response (synthetic test outcome)",
                "description": "Responders on the NRS of the target symptom.",
                "timeFrame": "8 weeks",
            }
        ],
        "secondaryOutcomes": [{"measure": "Overall survival", "timeFrame": "2 years"}],
    }
    record = read_registry_record(json.dumps(study), "synthetic.json")
    protocol = parse_protocol(draft_toml(record, IMPORTED_AT))
    primary, secondary = protocol.endpoints
    assert (primary.level, primary.time_frame, primary.kind) == ("primary", "8 weeks", "binary")
    assert primary.definition == "Responders on the NRS of the target symptom."
    assert (secondary.level, secondary.kind) == ("secondary", "time_to_event")
    assert "definition" in secondary.assumptions


def test_a_month_precision_date_becomes_the_first_of_the_month_and_is_marked() -> None:
    study = json.loads((FIXTURES / "NCT06398314.json").read_text(encoding="utf-8"))
    study["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "2024-12"
    data = draft_protocol(read_registry_record(json.dumps(study), "month.json"), IMPORTED_AT)
    assert data["trial"]["start_date"] == date(2024, 12, 1)
    assert "start_date" in data["trial"]["assumptions"]


def test_a_studies_search_response_holding_one_study_is_accepted() -> None:
    study = json.loads((FIXTURES / "NCT06398314.json").read_text(encoding="utf-8"))
    record = read_registry_record(json.dumps({"studies": [study]}), "search.json")
    assert record.registry_id == "NCT06398314"


def test_a_single_group_record_with_two_arm_groups_is_drafted_as_parallel_and_marked() -> None:
    data = json.loads((FIXTURES / "NCT06398314.json").read_text(encoding="utf-8"))
    data["protocolSection"]["designModule"]["designInfo"]["interventionModel"] = "SINGLE_GROUP"
    record = read_registry_record(json.dumps(data), "single.json")
    protocol = parse_protocol(draft_toml(record, IMPORTED_AT))
    assert protocol.trial.design.intervention_model == "parallel"
    assert "intervention_model" in protocol.trial.design.assumptions


def test_a_text_record_with_windows_line_endings_and_a_bom_reads_the_same() -> None:
    path = SEEDS / "pallsoft_NCT06398314.txt"
    text = path.read_text(encoding="utf-8")
    windows = read_registry_record("\ufeff" + text.replace("\n", "\r\n"), "windows.txt")
    assert windows.eligibility_text == read(path).eligibility_text
    assert windows.locations == read(path).locations


def test_facility_contacts_that_do_not_match_the_sites_are_left_out_with_a_note() -> None:
    text = (SEEDS / "pallsoft_NCT06398314.txt").read_text(encoding="utf-8")
    record = read_registry_record(text.replace("Hanne Tøndel\n\nRole: primary\n\n", ""), "x.txt")
    assert all(location.contacts == () for location in record.locations)
    assert "cannot be matched to sites" in record.notes[0]
    draft = draft_toml(record, IMPORTED_AT)
    assert "# Importer notes:" in draft.split("\n\n", 1)[0]
    parse_protocol(draft)


def test_study_groups_name_their_interventions_without_an_interventions_list() -> None:
    text = (SEEDS / "pallsoft_NCT06398314.txt").read_text(encoding="utf-8")
    start, end = text.index("Interventions\n\nLearn"), text.index("Eligibility Criteria\n")
    record = read_registry_record(text[:start] + text[end:], "x.txt")
    assert [g.interventions for g in record.arm_groups] == [("Palliative radiotherapy",)] * 2

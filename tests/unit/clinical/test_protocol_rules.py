"""The trial rules the clinical scales read from the protocol files: RECIST rules and toxicity
categories, labelled as assumptions and located when wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from radtrial.errors import ProtocolError
from radtrial.protocol import Protocol, parse_protocol

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"


def problems_of(text: str) -> list[dict[str, Any]]:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "broken.toml")
    found: list[dict[str, Any]] = caught.value.detail["problems"]
    return found


def test_every_recist_rule_prosarc2_chose_is_a_labelled_assumption(prosarc2: Protocol) -> None:
    marked = {m.path for m in prosarc2.assumption_marks()}
    for name in ("irradiated_index_lesion_measurable", "confirmation_required",
                 "min_stable_disease_days"):  # fmt: skip
        assert f"assessments[recist].recist.{name}" in marked


def test_pallsoft_defines_bowel_and_bladder_as_labelled_assumptions(pallsoft: Protocol) -> None:
    categories = pallsoft.assessment("ctcae").categories
    assert [(c.id, c.socs) for c in categories] == [
        ("bowel", ("gastrointestinal_disorders",)),
        ("bladder", ("renal_and_urinary_disorders",)),
    ]
    marked = {m.path for m in pallsoft.assumption_marks()}
    assert {"assessments[ctcae].categories[bowel]", "assessments[ctcae].categories[bladder]"} <= (
        marked
    )


def test_pallsoft_has_no_recist_rules_and_prosarc2_no_toxicity_categories(
    pallsoft: Protocol, prosarc2: Protocol
) -> None:
    assert all(a.recist is None for a in pallsoft.assessments)
    assert prosarc2.assessment("ctcae").categories == ()


def test_recist_rules_on_another_kind_of_assessment_are_located() -> None:
    text = (TRIALS / "prosarc2.toml").read_text(encoding="utf-8")
    moved = text.replace(
        'name = "MRI of the irradiated tumour"\n',
        'name = "MRI of the irradiated tumour"\nrecist = { confirmation_required = true }\n',
    )
    (problem,) = problems_of(moved)
    assert problem["path"] == "assessments[1].recist"
    assert "only a tumour_response assessment" in problem["message"]


def test_a_category_naming_nothing_is_refused() -> None:
    text = (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")
    broken = text.replace('socs = ["renal_and_urinary_disorders"]\n', "", 1)
    (problem,) = problems_of(broken)
    assert problem["path"].startswith("assessments[")
    assert "names neither socs nor terms" in problem["message"]


def test_the_protocol_finds_an_assessment_by_id(prosarc2: Protocol) -> None:
    assert prosarc2.assessment("recist").kind == "tumour_response"
    with pytest.raises(KeyError, match="assessments are"):
        prosarc2.assessment("qlq_c15_pal")


def test_the_analgesic_rule_is_a_labelled_assumption_of_the_responder(pallsoft: Protocol) -> None:
    responder = pallsoft.analysis.responder
    assert responder is not None
    assert responder.analgesic_rule_symptoms == ("pain",)
    marks = {m.path: m.reason for m in pallsoft.assumption_marks()}
    assert "Chow" in marks["analysis.responder.analgesic_rule_symptoms"]


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            'analgesic_rule_symptoms = ["pain"]',
            'analgesic_rule_symptoms = ["pain", "pain"]',
            "analysis.responder",
            "given twice",
        ),
        (
            'analgesic_rule_symptoms = ["pain"]',
            'analgesic_rule_symptoms = ["Pain relief"]',
            "analysis.responder",
            "not a symptom category id",
        ),
        ("susar_other_days = 15", "susar_other_days = 5", "safety.reporting", "cannot be due"),
        ("sae_to_sponsor_hours = 24", "sae_to_sponsor_hours = 0", "safety.reporting", ""),
    ],
)
def test_wrong_safety_and_responder_rules_are_located(
    old: str, new: str, path: str, message: str
) -> None:
    text = (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (problem,) = problems_of(text.replace(old, new))
    assert problem["path"].startswith(path)
    assert message in problem["message"]


def test_the_analgesic_rule_must_be_stated() -> None:
    text = (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")
    start = text.index("analgesic_rule_symptoms = [")
    end = text.index("\nassumption = ", start)
    (problem,) = problems_of(text[:start] + text[end + 1 :])
    assert problem["path"] == "analysis.responder.analgesic_rule_symptoms"

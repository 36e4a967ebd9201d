"""The target-symptom NRS and global impression, and responder status by the protocol's rule."""

from __future__ import annotations

from typing import Any

import pytest

from radtrial.clinical.instruments import (
    GlobalImpression,
    ResponderReason,
    ResponderStatus,
    classify_responder,
    nrs_bounds,
    parse_global_impression,
    parse_nrs,
)
from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.analysis import Responder


@pytest.fixture(scope="module")
def rule(pallsoft: Protocol) -> Responder:
    assert pallsoft.analysis.responder is not None
    return pallsoft.analysis.responder


@pytest.mark.parametrize("value", [0, 4, 10])
def test_an_nrs_from_0_to_10_is_accepted(value: int) -> None:
    assert parse_nrs(value) == value


def test_an_nrs_of_11_is_refused_at_nrs_saying_the_allowed_range() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_nrs(11)
    assert caught.value.location == "nrs"
    assert caught.value.message == "An NRS rating must be from 0 to 10, not 11"
    assert caught.value.detail == {"reason": "out_of_range", "allowed": [0, 10]}


@pytest.mark.parametrize("value", [-1, 7.5, "7", None, True])
def test_anything_but_a_whole_number_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_nrs(value)
    assert caught.value.location == "nrs"


def test_the_nrs_range_comes_from_the_protocol(pallsoft: Protocol) -> None:
    assert nrs_bounds(pallsoft.assessment("target_symptom_nrs")) == (0, 10)
    with pytest.raises(InvalidInput):
        nrs_bounds(pallsoft.assessment("ecog"))


def test_the_global_impression_has_four_categories() -> None:
    assert [g.value for g in GlobalImpression] == [
        "complete_resolution",
        "improved",
        "unchanged",
        "worse",
    ]
    assert parse_global_impression("improved").improvement
    assert not parse_global_impression("unchanged").improvement
    with pytest.raises(InvalidInput) as caught:
        parse_global_impression("better")
    assert caught.value.location == "global_impression"


def classify(rule: Responder, **kw: Any) -> tuple[ResponderStatus, ResponderReason]:
    kw.setdefault("symptom", "bleeding")
    kw.setdefault("baseline_nrs", 7)
    result = classify_responder(rule, **kw)
    return result.status, result.reason


def test_pallsoft_responds_at_week_8_with_a_2_point_drop(rule: Responder) -> None:
    assert rule.visit == "week_8"
    result = classify_responder(rule, symptom="bleeding", baseline_nrs=7, visit_nrs=5)
    assert result.status is ResponderStatus.RESPONDER
    assert result.reduction_points == 2
    assert result.explanation == "NRS 7 → 5, a reduction of 2 (2 needed): responder"


def test_a_1_point_drop_is_not_a_response(rule: Responder) -> None:
    assert classify(rule, visit_nrs=6) == (
        ResponderStatus.NON_RESPONDER,
        ResponderReason.REDUCTION_BELOW_THRESHOLD,
    )


def test_a_worse_symptom_is_not_a_response(rule: Responder) -> None:
    assert classify(rule, visit_nrs=9)[0] is ResponderStatus.NON_RESPONDER


def test_pain_relief_with_more_analgesics_is_not_a_response(rule: Responder) -> None:
    assert classify(rule, symptom="pain", visit_nrs=2, analgesic_increased=True) == (
        ResponderStatus.NON_RESPONDER,
        ResponderReason.ANALGESIC_INCREASE,
    )
    assert classify(rule, symptom="Pain", visit_nrs=2, analgesic_increased=False)[0] is (
        ResponderStatus.RESPONDER
    )


def test_pain_needs_the_analgesic_change_recorded(rule: Responder) -> None:
    with pytest.raises(InvalidInput) as caught:
        classify(rule, symptom="pain", visit_nrs=2)
    assert caught.value.location == "analgesic_increased"


def test_analgesics_do_not_matter_for_other_symptoms(rule: Responder) -> None:
    assert classify(rule, visit_nrs=3, analgesic_increased=True)[0] is ResponderStatus.RESPONDER


def test_death_before_the_visit_is_non_response_in_pallsoft(rule: Responder) -> None:
    assert rule.death_before_visit == "non_responder"
    assert classify(rule, visit_nrs=None, died_before_visit=True) == (
        ResponderStatus.NON_RESPONDER,
        ResponderReason.DIED_BEFORE_VISIT,
    )


def test_death_before_the_visit_follows_the_protocol_rule(rule: Responder) -> None:
    excluding = rule.model_copy(update={"death_before_visit": "excluded"})
    assert classify(excluding, visit_nrs=None, died_before_visit=True)[0] is (
        ResponderStatus.EXCLUDED
    )


def test_a_missing_rating_is_non_response_for_itt_and_excluded_on_request(
    rule: Responder,
) -> None:
    assert classify(rule, visit_nrs=None) == (
        ResponderStatus.NON_RESPONDER,
        ResponderReason.ASSESSMENT_MISSING,
    )
    assert classify(rule, visit_nrs=None, missing="excluded")[0] is ResponderStatus.EXCLUDED


def test_a_rating_after_death_is_a_contradiction(rule: Responder) -> None:
    with pytest.raises(InvalidInput) as caught:
        classify(rule, visit_nrs=3, died_before_visit=True)
    assert caught.value.location == "died_before_visit"


@pytest.mark.parametrize(("field", "kw"), [("baseline_nrs", {"baseline_nrs": 11}),
                                            ("visit_nrs", {"visit_nrs": 11})])  # fmt: skip
def test_ratings_outside_the_nrs_are_refused_at_their_name(
    rule: Responder, field: str, kw: dict[str, Any]
) -> None:
    kw.setdefault("visit_nrs", 3)
    with pytest.raises(InvalidInput) as caught:
        classify(rule, **kw)
    assert caught.value.location == field


def test_the_analgesic_rule_covers_the_symptoms_the_protocol_names(rule: Responder) -> None:
    assert rule.analgesic_rule_symptoms == ("pain",)
    bleeding_too = rule.model_copy(update={"analgesic_rule_symptoms": ("pain", "bleeding")})
    assert classify(bleeding_too, visit_nrs=3, analgesic_increased=True) == (
        ResponderStatus.NON_RESPONDER,
        ResponderReason.ANALGESIC_INCREASE,
    )
    none = rule.model_copy(update={"analgesic_rule_symptoms": ()})
    assert classify(none, symptom="pain", visit_nrs=2)[0] is ResponderStatus.RESPONDER
    assert classify(none, symptom="pain", visit_nrs=2, analgesic_increased=True)[0] is (
        ResponderStatus.RESPONDER
    )

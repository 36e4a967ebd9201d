"""RECIST 1.1 baseline: measurability, at most 5 targets and 2 per organ, and the protocol's
exception for the irradiated index lesion."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from radtrial.clinical.recist import (
    Baseline,
    FollowUp,
    Modality,
    NonTargetLesion,
    NonTargetStatus,
    TargetLesion,
    evaluate_series,
    minimum_measurable_mm,
)
from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.schedule import RecistRules

from .recist_helpers import BASELINE_ON, PROSARC2_RULES, lesion


def refused(*targets: TargetLesion, rules: RecistRules | None = None, **kw: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        Baseline(BASELINE_ON, targets, rules=rules or RecistRules(), **kw)
    return caught.value


def test_the_baseline_sum_adds_longest_diameters_and_nodal_short_axes() -> None:
    baseline = Baseline(
        BASELINE_ON, (lesion("L1", 32.0), lesion("N1", 18.0, "pelvic nodes", nodal=True))
    )
    assert baseline.sum_mm == 50.0


def test_a_sixth_target_lesion_is_refused() -> None:
    targets = [lesion(f"L{i}", 20.0, organ=f"organ {i}") for i in range(1, 7)]
    error = refused(*targets)
    assert error.location == "target_lesions"
    assert error.detail["reason"] == "too_many_targets"
    assert "'L6' would be number 6" in error.message


def test_five_targets_in_five_organs_are_allowed() -> None:
    Baseline(BASELINE_ON, tuple(lesion(f"L{i}", 20.0, organ=f"o{i}") for i in range(5)))


def test_a_third_target_in_one_organ_is_refused_at_its_organ() -> None:
    error = refused(lesion("L1", 20.0), lesion("L2", 20.0), lesion("L3", 20.0, organ=" Liver"))
    assert error.location == "target_lesions[L3].organ"
    assert error.detail["reason"] == "too_many_in_organ"


def test_a_non_nodal_lesion_under_10_mm_is_not_measurable() -> None:
    error = refused(lesion("L1", 9.9))
    assert error.location == "target_lesions[L1].baseline_mm"
    assert error.detail == {"reason": "not_measurable", "minimum_mm": 10.0}
    Baseline(BASELINE_ON, (lesion("L1", 10.0),))


def test_a_node_of_10_to_under_15_mm_is_pathological_but_not_a_target() -> None:
    error = refused(lesion("N1", 14.9, nodal=True))
    assert error.detail["reason"] == "not_measurable"
    assert "pathological but non-measurable" in error.message
    assert "normal" in refused(lesion("N1", 9.0, nodal=True)).message
    Baseline(BASELINE_ON, (lesion("N1", 15.0, nodal=True),))


def test_thick_ct_slices_and_chest_x_ray_raise_the_measurable_size() -> None:
    assert minimum_measurable_mm(nodal=False, modality=Modality.CT, slice_thickness_mm=8) == 16
    assert minimum_measurable_mm(nodal=False, modality=Modality.CT, slice_thickness_mm=3) == 10
    assert minimum_measurable_mm(nodal=False, modality=Modality.CHEST_XRAY) == 20
    assert minimum_measurable_mm(nodal=False, modality=Modality.CALLIPER) == 10
    assert refused(lesion("L1", 15.0, slice_thickness_mm=8.0)).detail["minimum_mm"] == 16
    assert refused(lesion("L1", 19.0, modality="chest_xray")).detail["minimum_mm"] == 20


def test_a_node_is_measured_on_ct_or_mri_only() -> None:
    with pytest.raises(InvalidInput) as caught:
        lesion("N1", 20.0, nodal=True, modality="chest_xray")
    assert caught.value.location == "target_lesions[N1].modality"


def test_recist_alone_refuses_the_irradiated_index_lesion_as_a_target() -> None:
    error = refused(lesion("T1", 80.0, organ="thigh", irradiated_index=True))
    assert error.location == "target_lesions[T1].irradiated_index"
    assert error.detail["reason"] == "irradiated_not_measurable"


def test_the_protocol_exception_makes_the_irradiated_index_lesion_measurable() -> None:
    baseline = Baseline(
        BASELINE_ON,
        (lesion("T1", 80.0, organ="thigh", irradiated_index=True, modality="mri"),),
        rules=PROSARC2_RULES,
    )
    assert baseline.index_lesion is not None
    assert baseline.index_lesion.lesion_id == "T1"


def test_prosarc2_carries_the_exception_in_its_protocol_file(prosarc2: Protocol) -> None:
    rules = prosarc2.assessment("recist").recist
    assert rules is not None
    assert rules.irradiated_index_lesion_measurable
    assert not rules.confirmation_required
    assert rules.min_stable_disease_days == 56
    marked = {m.path for m in prosarc2.assumption_marks()}
    assert "assessments[recist].recist.irradiated_index_lesion_measurable" in marked


def test_a_previously_irradiated_lesion_is_a_target_only_after_progression() -> None:
    error = refused(lesion("L1", 30.0, previously_irradiated=True), rules=PROSARC2_RULES)
    assert error.location == "target_lesions[L1].previously_irradiated"
    Baseline(
        BASELINE_ON,
        (lesion("L1", 30.0, previously_irradiated=True, progressed_after_irradiation=True),),
    )


def test_there_is_at_most_one_irradiated_index_lesion() -> None:
    with pytest.raises(InvalidInput) as caught:
        Baseline(
            BASELINE_ON,
            (lesion("T1", 50.0, irradiated_index=True),),
            (NonTargetLesion("T2", "thigh", irradiated_index=True),),
            rules=PROSARC2_RULES,
        )
    assert caught.value.detail["reason"] == "two_index_lesions"


def test_lesion_ids_are_unique_and_a_baseline_has_disease() -> None:
    with pytest.raises(InvalidInput) as caught:
        Baseline(BASELINE_ON, (lesion("L1", 20.0),), (NonTargetLesion("L1", "bone"),))
    assert caught.value.detail["reason"] == "duplicate_id"
    with pytest.raises(InvalidInput) as caught:
        Baseline(BASELINE_ON, ())
    assert caught.value.detail["reason"] == "no_disease"


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        lesion("L1", -3.0)
    assert caught.value.location == "target_lesions[L1].baseline_mm"


def follow_up_error(**kw: Any) -> InvalidInput:
    baseline = Baseline(BASELINE_ON, (lesion("L1", 20.0),), (NonTargetLesion("N1", "bone"),))
    args: dict[str, Any] = {
        "assessed_on": date(2026, 4, 1),
        "diameters_mm": {"L1": 18.0},
        "non_target": NonTargetStatus.NON_CR_NON_PD,
    } | kw
    with pytest.raises(InvalidInput) as caught:
        evaluate_series(baseline, [FollowUp(**args)])
    return caught.value


def test_an_assessment_dated_before_the_baseline_is_refused() -> None:
    error = follow_up_error(assessed_on=date(2026, 1, 30))
    assert error.location == "assessed_on"
    assert error.detail["reason"] == "before_baseline"
    assert follow_up_error(assessed_on=BASELINE_ON).detail["reason"] == "before_baseline"


def test_every_target_needs_a_size_or_none_and_no_unknown_lesion_is_measured() -> None:
    assert follow_up_error(diameters_mm={}).location == "diameters_mm[L1]"
    error = follow_up_error(diameters_mm={"L1": 18.0, "L9": 12.0})
    assert (error.location, error.detail["reason"]) == ("diameters_mm[L9]", "unknown_lesion")


def test_the_non_target_status_is_needed_exactly_when_there_are_non_targets() -> None:
    assert follow_up_error(non_target=None).location == "non_target"
    with pytest.raises(InvalidInput) as caught:
        FollowUp(date(2026, 4, 1), {"L1": 1.0}, non_target="gone")  # type: ignore[arg-type]
    assert caught.value.location == "non_target"


def test_two_assessments_on_one_day_are_refused() -> None:
    baseline = Baseline(BASELINE_ON, (lesion("L1", 20.0),))
    same = [FollowUp(date(2026, 4, 1), {"L1": 18.0}), FollowUp(date(2026, 4, 1), {"L1": 17.0})]
    with pytest.raises(InvalidInput) as caught:
        evaluate_series(baseline, same)
    assert caught.value.detail["reason"] == "duplicate_date"

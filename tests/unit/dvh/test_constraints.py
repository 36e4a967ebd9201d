"""Protocol dose constraints: the table validates, local names map to TG-263, every row is
graded pass/minor/major, and the plan gets the worst row as its verdict."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from radtrial.protocol.constraints import DoseConstraint, DoseConstraints, StructureNames
from radtrial.rt.constraints import dose_factor, evaluate_plan, grade
from radtrial.rt.dvh import Dvh
from radtrial.rt.structures import normalise_names
from radtrial.services import protocols


def row(**overrides: object) -> DoseConstraint:
    values: dict[str, object] = {
        "id": "ctv_d95",
        "structure": "CTV",
        "metric": "D95%",
        "comparison": ">=",
        "limit": 53.2,
        "minor_limit": 50.4,
        "kind": "target_coverage",
    }
    values.update(overrides)
    return DoseConstraint.model_validate(values)


def uniform(low: float, high: float, volume_cc: float = 10.0) -> Dvh:
    n = 200
    width = (high - low) / n
    centres = low + (np.arange(n) + 0.5) * width
    return Dvh.from_samples(centres, np.full(n, volume_cc / n), np.full(n, width / 2))


@pytest.mark.parametrize(
    ("value", "comparison", "verdict"),
    [(54.0, ">=", "pass"), (53.2, ">=", "pass"), (51.0, ">=", "minor"), (50.0, ">=", "major"),
     (79.0, "<=", "pass"), (82.0, "<=", "minor"), (84.5, "<=", "major")],
)  # fmt: skip
def test_a_value_is_graded_against_the_limit_and_the_minor_threshold(
    value: float, comparison: str, verdict: str
) -> None:
    limit, minor = (53.2, 50.4) if comparison == ">=" else (80.0, 84.0)
    assert grade(value, comparison, limit, minor) == verdict


def test_a_minor_threshold_stricter_than_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="looser"):
        row(minor_limit=55.0)


def test_a_metric_outside_tg263_notation_is_refused() -> None:
    with pytest.raises(ValidationError, match="TG-263"):
        row(metric="D95")


def test_the_worst_row_decides_the_plan_verdict() -> None:
    table = DoseConstraints(
        dose_unit="Gy(RBE)",
        prescription_gy=56.0,
        fractions=16,
        target="CTV",
        rows=(
            row(),
            row(id="boost", structure="GTV_Core", metric="Dmax", comparison="<=", limit=80.0,
                minor_limit=84.0, kind="target_maximum"),
            row(id="cord", structure="SpinalCord", metric="D0.03cc", comparison="<=", limit=42.8,
                minor_limit=44.1, kind="organ_at_risk", required=False),
        ),
    )  # fmt: skip
    good = {"CTV": ("CTV_56", uniform(54.0, 58.0)), "GTV_Core": ("GTV", uniform(70.0, 79.0))}
    evaluation = evaluate_plan(table, good)
    assert [r.verdict for r in evaluation.results] == ["pass", "pass", "not_evaluated"]
    assert evaluation.overall == "pass"
    hot = {**good, "GTV_Core": ("GTV", uniform(70.0, 82.0))}
    assert evaluate_plan(table, hot).overall == "minor"
    cold = {**good, "CTV": ("CTV_56", uniform(40.0, 58.0))}
    assert evaluate_plan(table, cold).overall == "major"
    missing = {"GTV_Core": ("GTV", uniform(70.0, 79.0))}
    result = evaluate_plan(table, missing)
    assert result.results[0].note == "structure not in the plan"
    assert result.overall == "incomplete"


def test_local_names_map_by_site_then_common_table_then_pattern_then_tg263() -> None:
    common = StructureNames(
        site="*", names={"Spinal Cord": "SpinalCord"}, patterns={"ctv[ _]?56.*": "CTV"}
    )
    tables = (common, StructureNames(site="OUS", names={"Medulla": "SpinalCord"}))
    resolution = normalise_names(
        ["medulla", "SPINAL  cord", "CTV_56_high", "Heart", "GTV_Core", "Tumor Bed"],
        tables,
        site="OUS",
        known={"GTV_Core"},
    )
    assert [(m.tg263, m.rule) for m in resolution.matches] == [
        ("SpinalCord", "site"), ("SpinalCord", "common"), ("CTV", "common_pattern"),
        ("Heart", "tg263"), ("GTV_Core", "tg263"), (None, "unmapped"),
    ]  # fmt: skip
    assert resolution.unmapped == ("Tumor Bed",)
    assert resolution.by_tg263["SpinalCord"] == "medulla"
    assert resolution.duplicates == {"SpinalCord": ("medulla", "SPINAL  cord")}


def test_another_sites_names_are_not_used() -> None:
    tables = (StructureNames(site="OUS", names={"Medulla": "SpinalCord"}),)
    assert normalise_names(["Medulla"], tables, site="HUS").unmapped == ("Medulla",)


def test_physical_proton_dose_is_rbe_weighted_for_a_gy_rbe_table() -> None:
    assert (
        dose_factor(table_unit="Gy(RBE)", is_proton=True, dose_type="PHYSICAL", rbe=1.1)[0] == 1.1
    )
    assert dose_factor(table_unit="Gy(RBE)", is_proton=True, dose_type="EFFECTIVE", rbe=1.1)[0] == 1
    assert dose_factor(table_unit="Gy(RBE)", is_proton=False, dose_type="PHYSICAL", rbe=1.1)[0] == 1


def test_prosarc2_has_coverage_boost_and_labelled_organ_at_risk_limits() -> None:
    protocol = protocols.validate("prosarc2")
    table = protocol.dose_constraints
    assert table is not None
    by_id = {r.id: r for r in table.rows}
    assert by_id["ctv_d95"].structure == "CTV"
    assert by_id["ctv_d95"].limit == pytest.approx(0.95 * 56)
    assert by_id["gtv_core_dmax"].metric == "Dmax"
    assert by_id["gtv_core_dmax"].limit == 80.0
    marks = {m.path: m.reason for m in protocol.assumption_marks()}
    for r in table.rows:
        if r.kind == "organ_at_risk":
            reason = marks[f"dose_constraints.rows[{r.id}]"]
            assert "EQD2" in reason
            assert "2 Gy fractions" in reason
            assert not r.required
    arm_targets = {level.target for level in protocol.arms[0].prescription.dose_levels}
    assert {"CTV", "GTV_Core"} <= arm_targets
    assert {r.structure for r in table.rows if r.kind != "organ_at_risk"} <= arm_targets

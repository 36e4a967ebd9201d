"""The projected total dose follows the planned doses of the fractions still to give.

After a gap compensation by a higher dose per fraction the remaining fractions are planned above
the prescription's dose per fraction; the projection of a running course must use those planned
doses, or it flags a total-dose deviation the completed course will not have.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.rt.calendar import CoursePlan, PlannedFraction, TreatmentCalendar, plan_course
from radtrial.rt.deviations import Deviation, evaluate
from radtrial.rt.gaps import CompensationOption, propose_compensation
from radtrial.rt.ledger import (
    CancelledFraction,
    Ledger,
    MissedFraction,
    OptionalFractionDecision,
    UpcomingFraction,
)

from .conftest import OSLO, at, make_fraction

PROSARC2_START = date(2027, 5, 31)  # a Monday; 4 weeks with no public holiday


def total_dose(found: tuple[Deviation, ...]) -> list[Deviation]:
    return [d for d in found if d.code == "total_dose"]


def compensated_by_higher_dose(
    prosarc2: Protocol,
) -> tuple[Ledger, CompensationOption, dict[str, float]]:
    """Fractions 1-5 given, fraction 6 (8 June 2027) missed, the higher-dose option accepted:
    fraction 16 cancelled and fractions 6-15 planned at the option's dose per fraction."""
    arm = prosarc2.arm("A")
    assert prosarc2.course is not None
    calendar = TreatmentCalendar.for_prescription(arm.prescription, prosarc2.course)
    plan = plan_course(arm.prescription, PROSARC2_START, calendar)
    fraction = make_fraction(arm)
    given = tuple(fraction(f.number, f.day) for f in plan.fractions[:5])
    before = Ledger(arm, plan, OSLO, given)
    missed_day = plan.days[5]
    analysis = propose_compensation(
        before, prosarc2.course.radiobiology, calendar, today=date(2027, 6, 9), other_arms=()
    )
    assert analysis.missed_days == (missed_day,)
    option = next(o for o in analysis.options if o.kind == "higher_dose_per_fraction")
    doses = {effect.dose_level: effect.dose_per_fraction_gy for effect in option.levels}
    days = [*plan.days[:5], *option.fraction_days]
    ledger = Ledger(
        arm,
        CoursePlan(tuple(PlannedFraction(n, d) for n, d in enumerate(sorted(days), start=1))),
        OSLO,
        given,
        missed=(MissedFraction(6, missed_day, "gantry fault", at(missed_day, 15)),),
        cancelled=(CancelledFraction(16, "gap compensation by higher dose", at(missed_day, 16)),),
        upcoming=tuple(UpcomingFraction.of(n, doses) for n in range(6, 16)),
    )
    return ledger, option, doses


def test_the_projection_after_a_higher_dose_compensation_is_the_planned_total(
    prosarc2: Protocol,
) -> None:
    ledger, option, doses = compensated_by_higher_dose(prosarc2)
    assert doses["target"] == pytest.approx(3.73367, abs=1e-5)  # BED₄ of 16 × 3.5 restored
    for effect in option.levels:
        assert ledger.remaining_doses_gy(effect.dose_level) == pytest.approx(
            (effect.dose_per_fraction_gy,) * 10
        )
        assert ledger.projected_dose_gy(effect.dose_level) == pytest.approx(effect.total_dose_gy)
    assert ledger.projected_dose_gy("target") == pytest.approx(5 * 3.5 + 10 * doses["target"])
    assert total_dose(evaluate(ledger, prosarc2)) == []


def test_without_planned_doses_the_prescription_is_projected_and_the_total_is_flagged(
    prosarc2: Protocol,
) -> None:
    """The behaviour before the fix, kept for ledgers given no planned doses."""
    ledger, _option, _doses = compensated_by_higher_dose(prosarc2)
    bare = replace(ledger, upcoming=())
    assert bare.projected_dose_gy("target") == pytest.approx(15 * 3.5)
    (deviation,) = total_dose(evaluate(bare, prosarc2))
    assert (deviation.severity, deviation.values["projected"]) == ("minor", True)


def test_the_completed_course_at_the_planned_doses_has_no_total_dose_deviation(
    prosarc2: Protocol,
) -> None:
    ledger, option, doses = compensated_by_higher_dose(prosarc2)
    fraction = make_fraction(ledger.arm)
    rest = tuple(fraction(n, day, **doses) for n, day in enumerate(option.fraction_days, start=6))
    done = replace(ledger, delivered=(*ledger.delivered, *rest), upcoming=())
    assert done.complete
    assert done.cumulative_dose_gy("target") == pytest.approx(ledger.projected_dose_gy("target"))
    assert total_dose(evaluate(done, prosarc2)) == []


@pytest.mark.parametrize(("factor", "severity"), [(1.15, "minor"), (1.3, "major")])
def test_planned_doses_above_the_prescription_are_still_flagged(
    prosarc2: Protocol, factor: float, severity: str
) -> None:
    ledger, _option, doses = compensated_by_higher_dose(prosarc2)
    higher = {level: factor * dose for level, dose in doses.items()}
    over = replace(ledger, upcoming=tuple(UpcomingFraction.of(n, higher) for n in range(6, 16)))
    found = {d.dose_level: d for d in total_dose(evaluate(over, prosarc2))}
    projected = 5 * 3.5 + 10 * higher["target"]
    assert projected > 56.0 * 1.05
    assert found["target"].severity == severity
    assert found["target"].values["projected"] is True
    assert found["target"].values["total_gy"] == pytest.approx(projected)
    assert "boost" in found  # an upper-limit level deviates by excess


def test_a_fraction_without_a_planned_dose_falls_back_to_the_prescription(
    prosarc2: Protocol,
) -> None:
    ledger, _option, doses = compensated_by_higher_dose(prosarc2)
    partial = replace(
        ledger,
        upcoming=(
            UpcomingFraction.of(6, doses),
            UpcomingFraction.of(7, {"boost": doses["boost"]}),  # no planned target dose
        ),
    )
    assert partial.remaining_doses_gy("target") == pytest.approx((doses["target"], *(3.5,) * 9))
    assert partial.remaining_doses_gy("boost") == pytest.approx(
        (doses["boost"], doses["boost"], *(5.0,) * 8)
    )


def test_a_planned_optional_fraction_carries_its_own_planned_dose(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("A")
    assert arm.prescription.optional_fractions
    extra = arm.prescription.optional_fractions[0]
    level = extra.dose_level
    plan = CoursePlan((PlannedFraction(1, date(2027, 6, 7)),))
    given = (make_fraction(arm)(1, date(2027, 6, 7)),)
    decision = OptionalFractionDecision(extra.id, at(date(2027, 6, 28)), "inv_ous", "criteria met")
    ledger = Ledger(arm, plan, OSLO, given, decisions=(decision,))
    assert ledger.remaining_doses_gy(level) == (extra.dose_per_fraction_gy,)
    planned = replace(ledger, upcoming=(UpcomingFraction.of(2, {level: 7.5}, extra.id),))
    assert planned.remaining_doses_gy(level) == (7.5,)
    assert planned.projected_dose_gy(level) == pytest.approx(8.0 + 7.5)


def test_upcoming_fractions_are_checked(prosarc2: Protocol) -> None:
    ledger, _option, doses = compensated_by_higher_dose(prosarc2)
    with pytest.raises(InvalidInput) as unknown:
        replace(ledger, upcoming=(UpcomingFraction.of(6, {"ptv": 3.5}),))
    assert unknown.value.location == "upcoming[0].doses"
    with pytest.raises(InvalidInput) as given:
        replace(ledger, upcoming=(UpcomingFraction.of(5, doses),))
    assert given.value.location == "upcoming[0].number"
    with pytest.raises(InvalidInput):
        UpcomingFraction.of(6, {"target": -1.0})

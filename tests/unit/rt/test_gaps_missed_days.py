"""Gap compensation for missed fractions named by day, after later fractions were delivered."""

from __future__ import annotations

from datetime import date

import pytest

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.rt.calendar import TreatmentCalendar, plan_course
from radtrial.rt.gaps import propose_compensation
from radtrial.rt.ledger import Ledger

from .conftest import OSLO, make_fraction


def test_a_missed_day_named_is_compensated_though_later_fractions_were_given(
    prosarc2: Protocol,
) -> None:
    arm = prosarc2.arm("A")
    assert prosarc2.course is not None
    radiobiology = prosarc2.course.radiobiology
    calendar = TreatmentCalendar.for_prescription(arm.prescription, prosarc2.course)
    plan = plan_course(arm.prescription, date(2025, 2, 3), calendar)
    days = list(plan.days)
    missed = days[5]  # Tuesday 11 February
    fraction = make_fraction(arm)
    given = [*days[:5], *days[6:8]]  # the Wednesday and Thursday after the miss were given
    ledger = Ledger(
        arm, plan, OSLO, tuple(fraction(n, day) for n, day in enumerate(given, start=1))
    )
    today = date(2025, 2, 14)

    hidden = propose_compensation(
        ledger, radiobiology, calendar, today=today, other_arms=(), plan=plan
    )
    assert missed not in hidden.missed_days  # the plan's order puts it among the given ones

    found = propose_compensation(
        ledger, radiobiology, calendar, today=today, other_arms=(), plan=plan, missed_days=[missed]
    )
    assert found.missed_days == (missed,)
    assert found.remaining_days == tuple(days[8:])
    added = found.options[0]
    assert added.kind == "added_fractions"
    assert added.fraction_days[0] == date(2025, 2, 14)  # the free Friday of the same week
    assert len(added.fraction_days) == 9
    assert added.within_protocol


def test_a_missed_day_must_be_in_the_plan(prosarc2: Protocol) -> None:
    arm = prosarc2.arm("A")
    assert prosarc2.course is not None
    calendar = TreatmentCalendar.for_prescription(arm.prescription, prosarc2.course)
    plan = plan_course(arm.prescription, date(2025, 2, 3), calendar)
    ledger = Ledger(arm, plan, OSLO)
    with pytest.raises(InvalidInput) as caught:
        propose_compensation(
            ledger,
            prosarc2.course.radiobiology,
            calendar,
            today=date(2025, 2, 8),
            other_arms=(),
            plan=plan,
            missed_days=[date(2025, 2, 7)],
        )
    assert caught.value.location == "missed_days"

"""The delivery ledger adds up doses per level, counts fractions and measures overall time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from radtrial.errors import InvalidInput
from radtrial.protocol import Protocol
from radtrial.rt import lq
from radtrial.rt.calendar import TreatmentCalendar, plan_course
from radtrial.rt.ledger import (
    CancelledFraction,
    DeliveredFraction,
    Ledger,
    LevelDose,
    MissedFraction,
    OptionalFractionDecision,
    rbe_model_name,
    site_instant,
)

from .conftest import OSLO, at, make_fraction


def prosarc2_ledger(
    protocol: Protocol,
    delivered: int,
    missed: tuple[MissedFraction, ...] = (),
    cancelled: tuple[CancelledFraction, ...] = (),
) -> Ledger:
    arm = protocol.arm("A")
    calendar = TreatmentCalendar.for_prescription(arm.prescription, protocol.course)
    plan = plan_course(arm.prescription, date(2027, 5, 31), calendar)
    fraction = make_fraction(arm)
    given = tuple(fraction(f.number, f.day) for f in plan.fractions[:delivered])
    return Ledger(arm, plan, OSLO, given, missed=missed, cancelled=cancelled)


def test_proton_doses_keep_physical_and_rbe_weighted_dose_with_the_model(
    prosarc2: Protocol,
) -> None:
    rbe = prosarc2.arm("A").prescription.rbe
    assert rbe is not None
    dose = LevelDose.rbe_weighted("boost", 5.0, rbe)
    assert dose.dose_gy == 5.0
    assert dose.physical_dose_gy == pytest.approx(5.0 / 1.1)
    assert dose.rbe_model == rbe_model_name(rbe) == "constant RBE 1.1"


def test_cumulative_dose_per_level_and_fractions_remaining(prosarc2: Protocol) -> None:
    ledger = prosarc2_ledger(prosarc2, 4)
    assert ledger.cumulative_dose_gy("target") == 14.0
    assert ledger.cumulative_dose_gy("boost") == 20.0
    assert ledger.cumulative_physical_dose_gy("target") == pytest.approx(14.0 / 1.1)
    assert ledger.fractions_remaining == 12
    assert not ledger.complete


def test_a_complete_prosarc2_course_reaches_the_worked_eqd2(prosarc2: Protocol) -> None:
    ledger = prosarc2_ledger(prosarc2, 16)
    assert ledger.complete
    assert ledger.eqd2_gy("target", 4) == 70.0
    assert ledger.eqd2_gy("boost", 4) == 120.0
    assert ledger.bed_gy("boost", 10) == 120.0
    assert prosarc2.course is not None
    summary = {row.dose_level: row for row in ledger.dose_summary(prosarc2.course.radiobiology)}
    target = {t.tissue: t for t in summary["target"].tissues}
    assert (target["sarcoma"].alpha_beta_gy, target["sarcoma"].eqd2_gy) == (4.0, 70.0)
    assert target["acute"].eqd2_gy == 63.0
    assert summary["boost"].unit == "Gy(RBE)"
    assert summary["boost"].prescribed_dose_gy == 80.0
    assert summary["boost"].physical_dose_gy == pytest.approx(80.0 / 1.1)


def test_bed_to_date_is_the_sum_form_over_the_delivered_fractions(prosarc2: Protocol) -> None:
    arm = prosarc2.arm("A")
    fraction = make_fraction(arm)
    ledger = prosarc2_ledger(prosarc2, 0)
    ledger = Ledger(
        arm,
        ledger.plan,
        OSLO,
        (fraction(1, date(2027, 5, 31)), fraction(2, date(2027, 6, 1), target=3.2, boost=4.6)),
    )
    assert ledger.bed_gy("target", 4) == pytest.approx(lq.bed([3.5, 3.2], 4))
    assert ledger.fraction_doses_gy("boost") == (5.0, 4.6)


def test_overall_time_counts_the_first_and_last_day(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("B")
    calendar = TreatmentCalendar.for_prescription(arm.prescription, pallsoft.course)
    plan = plan_course(arm.prescription, date(2027, 6, 7), calendar)
    fraction = make_fraction(arm)
    empty = Ledger(arm, plan, OSLO)
    assert empty.overall_time_days == 0
    one = Ledger(arm, plan, OSLO, (fraction(1, date(2027, 6, 7)),))
    assert one.overall_time_days == 1
    five = Ledger(arm, plan, OSLO, tuple(fraction(f.number, f.day) for f in plan.fractions))
    assert five.overall_time_days == 5  # Monday to Friday


def test_the_day_of_a_fraction_is_the_site_s_calendar_day(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("B")
    plan = plan_course(arm.prescription, date(2027, 6, 7), TreatmentCalendar())
    late = DeliveredFraction(
        1,
        datetime(2027, 6, 7, 22, 30, tzinfo=UTC),  # 00:30 on 8 June in Oslo (summer time)
        "OUS",
        "LA3",
        (LevelDose.photon("ptv", 5.0),),
    )
    assert Ledger(arm, plan, OSLO, (late,)).first_day == date(2027, 6, 8)


def test_optional_fractions_count_once_decided(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("A")
    plan = plan_course(arm.prescription, date(2027, 6, 7), TreatmentCalendar())
    fraction = make_fraction(arm)
    decision = OptionalFractionDecision(
        "second_8gy", at(date(2027, 7, 2)), "dr.ragnum", "NRS unchanged at week 4"
    )
    ledger = Ledger(arm, plan, OSLO, (fraction(1, date(2027, 6, 7)),))
    assert (ledger.prescribed_fractions, ledger.fractions_remaining) == (1, 0)
    decided = Ledger(arm, plan, OSLO, ledger.delivered, decisions=(decision,))
    assert (decided.prescribed_fractions, decided.fractions_remaining) == (2, 1)
    assert decided.prescribed_dose_gy("ptv") == 16.0


def test_cancelled_fractions_are_no_longer_remaining_but_missed_ones_are(
    prosarc2: Protocol,
) -> None:
    recorded = at(date(2027, 6, 2), 12)
    missed = (MissedFraction(5, date(2027, 6, 7), "machine fault", recorded),)
    cancelled = (CancelledFraction(16, "patient declined the last fraction", recorded),)
    ledger = prosarc2_ledger(prosarc2, 4, missed=missed, cancelled=cancelled)
    assert ledger.fractions_remaining == 11


@pytest.mark.parametrize(
    "moment",
    [datetime(2027, 6, 7, 9, 0), datetime(2027, 6, 7, 9, 0, tzinfo=timezone(timedelta(hours=2)))],
)
def test_a_delivery_time_must_be_utc(moment: datetime) -> None:
    with pytest.raises(InvalidInput) as caught:
        DeliveredFraction(1, moment, "OUS", "LA3", (LevelDose.photon("ptv", 5.0),))
    assert caught.value.location == "delivered_at"


def test_a_physical_dose_that_does_not_match_the_rbe_is_refused(prosarc2: Protocol) -> None:
    arm = prosarc2.arm("A")
    ledger = prosarc2_ledger(prosarc2, 0)
    bad = DeliveredFraction(
        1,
        at(date(2027, 5, 31)),
        "OUS",
        "PT-G1",
        (
            LevelDose("target", 3.5, 3.5, "constant RBE 1.1"),
            LevelDose("boost", 5.0, 5.0 / 1.1, "constant RBE 1.1"),
        ),
    )
    with pytest.raises(InvalidInput) as caught:
        Ledger(arm, ledger.plan, OSLO, (bad,))
    assert caught.value.location == "delivered[0].doses.physical_dose_gy"


def test_a_photon_dose_on_a_proton_arm_is_refused(prosarc2: Protocol) -> None:
    arm = prosarc2.arm("A")
    ledger = prosarc2_ledger(prosarc2, 0)
    bad = DeliveredFraction(
        1,
        at(date(2027, 5, 31)),
        "OUS",
        "PT-G1",
        (LevelDose.photon("target", 3.5), LevelDose.photon("boost", 5.0)),
    )
    with pytest.raises(InvalidInput) as caught:
        Ledger(arm, ledger.plan, OSLO, (bad,))
    assert caught.value.location == "delivered[0].doses.rbe_model"


def test_every_dose_level_must_be_recorded(prosarc2: Protocol) -> None:
    arm = prosarc2.arm("A")
    assert arm.prescription.rbe is not None
    ledger = prosarc2_ledger(prosarc2, 0)
    bad = DeliveredFraction(
        1,
        at(date(2027, 5, 31)),
        "OUS",
        "PT-G1",
        (LevelDose.rbe_weighted("target", 3.5, arm.prescription.rbe),),
    )
    with pytest.raises(InvalidInput) as caught:
        Ledger(arm, ledger.plan, OSLO, (bad,))
    assert caught.value.location == "delivered[0].doses"


def test_a_fraction_number_given_twice_is_refused(prosarc2: Protocol) -> None:
    arm = prosarc2.arm("A")
    fraction = make_fraction(arm)
    ledger = prosarc2_ledger(prosarc2, 0)
    with pytest.raises(InvalidInput) as caught:
        Ledger(
            arm, ledger.plan, OSLO, (fraction(1, date(2027, 5, 31)), fraction(1, date(2027, 6, 1)))
        )
    assert caught.value.location == "delivered"


def test_a_decision_for_an_unknown_optional_fraction_is_refused(pallsoft: Protocol) -> None:
    arm = pallsoft.arm("B")
    plan = plan_course(arm.prescription, date(2027, 6, 7), TreatmentCalendar())
    decision = OptionalFractionDecision("second_8gy", at(date(2027, 7, 2)), "dr", "why")
    with pytest.raises(InvalidInput) as caught:
        Ledger(arm, plan, OSLO, decisions=(decision,))
    assert caught.value.location == "decisions[0].optional_fraction"


@pytest.mark.parametrize(
    ("dose", "physical", "location"),
    [(-1.0, -1.0, "dose_gy"), (2.0, 1.0, "physical_dose_gy")],
)
def test_bad_level_doses_are_refused(dose: float, physical: float, location: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        LevelDose("ptv", dose, physical)
    assert caught.value.location == location


def test_a_missed_fraction_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as caught:
        MissedFraction(1, date(2027, 6, 7), " ", at(date(2027, 6, 7)))
    assert caught.value.location == "reason"


# -- wall-clock times at the site --------------------------------------------------------------


def test_a_site_time_without_an_offset_is_read_in_the_sites_zone() -> None:
    winter = site_instant(datetime(2026, 1, 12, 9, 30), OSLO)
    summer = site_instant(datetime(2026, 7, 13, 9, 30), OSLO)
    assert winter == datetime(2026, 1, 12, 8, 30, tzinfo=UTC)  # CET, UTC+1
    assert summer == datetime(2026, 7, 13, 7, 30, tzinfo=UTC)  # CEST, UTC+2
    given = datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=1)))
    assert site_instant(given, OSLO) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused() -> None:
    # 29 March 2026: Oslo goes from 02:00 CET straight to 03:00 CEST.
    with pytest.raises(InvalidInput) as caught:
        site_instant(datetime(2026, 3, 29, 2, 30), OSLO, "at")
    assert caught.value.location == "at"
    assert "2026-03-29T02:30 does not exist in Europe/Oslo" in caught.value.message
    assert site_instant(datetime(2026, 3, 29, 3, 0), OSLO) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_a_time_the_clocks_repeat_is_refused_without_an_offset() -> None:
    # 25 October 2026: Oslo goes back from 03:00 CEST to 02:00 CET; 02:30 happens twice.
    with pytest.raises(InvalidInput) as caught:
        site_instant(datetime(2026, 10, 25, 2, 30), OSLO)
    assert caught.value.location == "delivered_at"
    assert "happens twice in Europe/Oslo" in caught.value.message
    assert "2026-10-25T02:30+02:00 or 2026-10-25T02:30+01:00" in caught.value.message
    first = datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=2)))
    second = datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=1)))
    assert site_instant(first, OSLO) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert site_instant(second, OSLO) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)

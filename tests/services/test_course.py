"""The radiotherapy course on SQLite and PostgreSQL: planning, the delivery ledger, missed and
cancelled fractions, gap compensation, stored deviations and site closures, with the audit trail.

Participants are enrolled through the enrolment services (screened, consented, registered and,
in PALLSOFT, randomised). Refusals are checked to write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from radtrial.errors import (
    Conflict,
    InvalidInput,
    NotConsented,
    NotFound,
    PermissionDenied,
    RadtrialError,
    ReasonRequired,
)
from radtrial.services.consent import record_withdrawal
from radtrial.services.course import (
    accept_compensation,
    acknowledge_deviation,
    add_site_closure,
    cancel_fractions,
    deliver_fraction,
    miss_fraction,
    plan_participant_course,
    show_course,
    site_closures,
)
from radtrial.store.database import Database
from tests.course_support import (
    PROSARC2_DOSES,
    SiteClock,
    audit_rows,
    prepare,
    prosarc2_participant,
    site_time,
)

PROSARC2_START = date(2025, 2, 3)  # a Monday; no holiday in February 2025
PROSARC2_DAYS = [
    date(2025, 2, day) for week in (3, 10, 17, 24) for day in range(week, week + 4)
]  # Monday to Thursday for four weeks


@pytest.fixture
def clock() -> SiteClock:
    return SiteClock()


@pytest.fixture
def db(database: Database) -> Database:
    return prepare(database)


def refused(db: Database, error: type[RadtrialError], call: Callable[[], Any]) -> RadtrialError:
    """Run ``call``, expect ``error``, and check that nothing was written."""
    before = len(audit_rows(db))
    with pytest.raises(error) as caught:
        call()
    assert len(audit_rows(db)) == before, "a refusal wrote to the database"
    return caught.value


def planned_prosarc2(db: Database) -> str:
    study_id = prosarc2_participant(db)
    plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=PROSARC2_START)
    return study_id


def deliver(
    db: Database,
    clock: SiteClock,
    study_id: str,
    number: int,
    day: date,
    doses: dict[str, float] | None = None,
    actor: str = "nurse_ous",
) -> Any:
    clock.at(day, 9, 30)
    return deliver_fraction(
        db,
        actor=actor,
        study_id=study_id,
        fraction=number,
        doses=doses or PROSARC2_DOSES,
        machine="PT-G1",
    )


def delivered_first_week_and_a_day(db: Database, clock: SiteClock) -> str:
    """A PROSARC-2 course with fractions 1-5 given as planned (3-10 February 2025)."""
    study_id = planned_prosarc2(db)
    for number, day in enumerate(PROSARC2_DAYS[:5], start=1):
        deliver(db, clock, study_id, number, day)
    return study_id


# -- planning --------------------------------------------------------------------------------


def test_a_prosarc2_course_is_planned_four_fractions_a_week_over_four_weeks(
    db: Database,
) -> None:
    study_id = prosarc2_participant(db)
    result = plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=PROSARC2_START)
    assert [f.planned_date for f in result.fractions] == PROSARC2_DAYS
    assert {f.status for f in result.fractions} == {"planned"}
    course = result.course
    assert (course.arm_code, course.site_code, course.timezone) == ("A", "OUS", "Europe/Oslo")
    assert course.prescription["modality"] == "proton"
    rbe = course.prescription["rbe"]
    assert (rbe["model"], rbe["value"]) == ("constant", 1.1)
    assert len(course.protocol_hash) == 64
    first = result.fractions[0]
    assert {(d.dose_level, d.planned_dose_gy, d.dose_gy) for d in first.doses} == {
        ("target", 3.5, None),
        ("boost", 5.0, None),
    }
    inserts = [row for row in audit_rows(db, "rt_courses") if row.field == "protocol_hash"]
    assert [(row.action, row.actor, row.new_value) for row in inserts] == [
        ("insert", "nurse_ous", course.protocol_hash)
    ]


def test_planning_skips_norwegian_holidays_and_the_sites_closure_days(db: Database) -> None:
    from tests.course_support import pallsoft_participant

    study_id = pallsoft_participant(db, "B")
    add_site_closure(
        db, actor="phys_ous", site_code="OUS", day=date(2025, 4, 15), reason="linac service"
    )
    result = plan_participant_course(
        db, actor="inv_ous", study_id=study_id, start=date(2025, 4, 14)
    )
    assert [f.planned_date for f in result.fractions] == [
        date(2025, 4, 14),
        date(2025, 4, 16),
        date(2025, 4, 22),
        date(2025, 4, 23),
        date(2025, 4, 24),
    ]
    closed = {c.day: c.reason for c in result.closed_days}
    assert closed[date(2025, 4, 15)] == "site closed"
    assert closed[date(2025, 4, 17)] == "public holiday: Maundy Thursday"
    assert closed[date(2025, 4, 21)] == "public holiday: Easter Monday"
    listed = site_closures(db, actor="monitor", site_code="OUS")
    assert [(c.day, c.reason, c.recorded_by) for c in listed] == [
        (date(2025, 4, 15), "linac service", "phys_ous")
    ]


@pytest.mark.parametrize(
    ("case", "error", "location"),
    [
        ("unknown participant", NotFound, "study_id"),
        ("not randomised", InvalidInput, "study_id"),
        ("withdrawn from treatment", NotConsented, "study_id"),
        ("monitor", PermissionDenied, "actor"),
        ("investigator at another site", PermissionDenied, "actor"),
        ("referring site treats no one", InvalidInput, "site"),
    ],
)
def test_planning_is_refused_for_a_participant_who_cannot_be_treated_here(
    db: Database, case: str, error: type[RadtrialError], location: str
) -> None:
    from tests.course_support import pallsoft_participant

    actor, site = "inv_ous", None
    if case == "unknown participant":
        study_id = "PRS2-OUS-9999"
    elif case == "not randomised":
        study_id = pallsoft_participant(db, None)
    else:
        study_id = prosarc2_participant(db)
    if case == "withdrawn from treatment":
        record_withdrawal(
            db, actor="inv_ous", study_id=study_id, kind="treatment", withdrawn_on=date(2025, 1, 6)
        )
    actor = {"monitor": "monitor", "investigator at another site": "inv_hus"}.get(case, actor)
    if case == "referring site treats no one":
        site = "STO"
    caught = refused(
        db,
        error,
        lambda: plan_participant_course(
            db, actor=actor, study_id=study_id, start=PROSARC2_START, site_code=site
        ),
    )
    assert caught.location == location


def test_a_course_is_planned_again_only_with_a_reason_and_only_before_it_begins(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    refused(
        db,
        ReasonRequired,
        lambda: plan_participant_course(
            db, actor="nurse_ous", study_id=study_id, start=date(2025, 2, 10)
        ),
    )
    again = plan_participant_course(
        db,
        actor="nurse_ous",
        study_id=study_id,
        start=date(2025, 2, 10),
        reason="planning CT repeated",
    )
    assert again.replanned
    assert again.fractions[0].planned_date == date(2025, 2, 10)
    moved = [r for r in audit_rows(db, "rt_fractions") if r.field == "planned_date"]
    assert moved[-1].action == "update"
    assert moved[-1].reason == "course planned again from 2025-02-10: planning CT repeated"
    deliver(db, clock, study_id, 1, date(2025, 2, 10))
    refused(
        db,
        Conflict,
        lambda: plan_participant_course(
            db, actor="nurse_ous", study_id=study_id, start=date(2025, 2, 17), reason="later"
        ),
    )


def test_a_course_cannot_start_before_the_participant_was_registered(db: Database) -> None:
    study_id = prosarc2_participant(db)  # registered on Monday 6 January 2025
    caught = refused(
        db,
        InvalidInput,
        lambda: plan_participant_course(
            db, actor="nurse_ous", study_id=study_id, start=date(2025, 1, 3)
        ),
    )
    assert caught.location == "start"
    assert "before PRS2-OUS-0001 was registered on 2025-01-06" in caught.message
    same_day = plan_participant_course(
        db, actor="nurse_ous", study_id=study_id, start=date(2025, 1, 6)
    )
    assert same_day.fractions[0].planned_date == date(2025, 1, 6)
    assert same_day.warnings == ()


def test_a_plan_over_christmas_beyond_the_overall_time_carries_the_warning(db: Database) -> None:
    """PROSARC-2 from Monday 7 December 2026: 24 and 31 December are closed, 25 December and
    1 January are holidays, so the 16th fraction falls on 5 January: 30 days against 28."""
    study_id = prosarc2_participant(db)
    result = plan_participant_course(
        db, actor="nurse_ous", study_id=study_id, start=date(2026, 12, 7)
    )
    days = [f.planned_date for f in result.fractions]
    assert (days[0], days[-1]) == (date(2026, 12, 7), date(2027, 1, 5))
    assert (result.overall_time_days, result.max_overall_time_days) == (30, 28)
    (warning,) = result.warnings
    assert warning.startswith(
        "the planned overall time, 30 days, exceeds the protocol's 28 days by 2"
    )
    assert "2026-12-24" in warning
    assert "a minor deviation" in warning  # within the assumed 3 days of tolerance


# -- delivery ------------------------------------------------------------------------------------


def test_a_delivered_proton_fraction_stores_physical_and_rbe_weighted_dose_in_the_audit_trail(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    at = clock.at(date(2025, 2, 3), 9, 40)
    result = deliver_fraction(
        db,
        actor="phys_ous",
        study_id=study_id,
        fraction=1,
        doses={"target": 3.5, "boost": 5.0},
        delivered_at=site_time(date(2025, 2, 3), 9, 12),
        machine="PT-G1",
    )
    fraction = result.fraction
    assert (fraction.status, fraction.site_code, fraction.machine) == ("delivered", "OUS", "PT-G1")
    assert fraction.delivered_at == site_time(date(2025, 2, 3), 9, 12)
    doses = {d.dose_level: d for d in fraction.doses}
    assert doses["target"].dose_gy == 3.5
    assert doses["target"].physical_dose_gy == pytest.approx(3.5 / 1.1)
    assert doses["boost"].physical_dose_gy == pytest.approx(5.0 / 1.1)
    assert {d.rbe_model for d in doses.values()} == {"constant RBE 1.1"}
    assert result.new_deviations == ()

    status = [r for r in audit_rows(db, "rt_fractions") if r.field == "status"]
    change = status[-1]
    assert (change.action, change.actor, change.old_value, change.new_value) == (
        "update",
        "phys_ous",
        "planned",
        "delivered",
    )
    assert change.reason == "fraction 1 delivered"
    assert at <= change.at_utc < at.replace(minute=41)
    physical = [r for r in audit_rows(db, "rt_fraction_doses") if r.field == "physical_dose_gy"]
    assert [r.old_value for r in physical[-2:]] == [None, None]
    assert sorted(r.new_value for r in physical[-2:]) == pytest.approx([3.5 / 1.1, 5.0 / 1.1])


@pytest.mark.parametrize(
    ("change", "error", "location"),
    [
        ({"doses": {"target": 3.5}}, InvalidInput, "doses"),
        ({"doses": {"target": 3.5, "boost": 5.0, "ctv": 1.0}}, InvalidInput, "doses"),
        ({"doses": {"target": 35.0, "boost": 5.0}}, InvalidInput, "doses.target"),
        ({"delivered_at": site_time(date(2025, 2, 4))}, InvalidInput, "delivered_at"),
        ({"physical_doses": {"target": 3.5}}, InvalidInput, "physical_doses.target"),
        ({"fraction": 17}, InvalidInput, "fraction"),
        ({"fraction": 1}, Conflict, "fraction"),
    ],
)
def test_a_delivery_is_checked_against_the_prescription_and_the_plan(
    db: Database,
    clock: SiteClock,
    change: dict[str, Any],
    error: type[RadtrialError],
    location: str,
) -> None:
    study_id = planned_prosarc2(db)
    deliver(db, clock, study_id, 1, date(2025, 2, 3))
    arguments: dict[str, Any] = {
        "actor": "nurse_ous",
        "study_id": study_id,
        "fraction": 2,
        "doses": PROSARC2_DOSES,
        "machine": "PT-G1",
    }
    arguments.update(change)
    clock.at(date(2025, 2, 3), 15)
    caught = refused(db, error, lambda: deliver_fraction(db, **arguments))
    assert caught.location == location


def test_a_delivery_before_the_course_began_is_refused(db: Database, clock: SiteClock) -> None:
    study_id = planned_prosarc2(db)  # first fraction planned on Monday 3 February 2025
    clock.at(date(2025, 2, 3), 15)
    caught = refused(
        db,
        InvalidInput,
        lambda: deliver_fraction(
            db,
            actor="nurse_ous",
            study_id=study_id,
            fraction=1,
            doses=PROSARC2_DOSES,
            delivered_at=site_time(date(2025, 1, 31), 10),
            machine="PT-G1",
        ),
    )
    assert caught.location == "delivered_at"
    assert "its first fraction was planned on 2025-02-03" in caught.message


def test_a_delivery_before_consent_is_refused_even_when_the_plan_allows_it(
    db: Database, clock: SiteClock
) -> None:
    """A course planned before radtrial checked start dates (moved here behind the service's
    back) still cannot record a fraction before the participant consented and registered."""
    study_id = planned_prosarc2(db)

    def backdate(uow: Any) -> None:
        participant = uow.participants.get(study_id)
        course = uow.course.get(participant)
        first = uow.course.fractions(course.id)[0]
        uow.course.set_planned_date(first.id, date(2025, 1, 2))

    db.run(backdate, actor="admin", reason="course imported from the old system")
    clock.at(date(2025, 1, 6), 15)
    caught = refused(
        db,
        InvalidInput,
        lambda: deliver_fraction(
            db,
            actor="nurse_ous",
            study_id=study_id,
            fraction=1,
            doses=PROSARC2_DOSES,
            delivered_at=site_time(date(2025, 1, 3), 10),
            machine="PT-G1",
        ),
    )
    assert caught.location == "delivered_at"
    assert caught.message == "2025-01-03 is before PRS2-OUS-0001 consented (2025-01-06)"


def test_fractions_are_given_in_their_numbered_order(db: Database, clock: SiteClock) -> None:
    study_id = planned_prosarc2(db)
    deliver(db, clock, study_id, 1, date(2025, 2, 3))  # 09:30
    clock.at(date(2025, 2, 5), 15)

    def give(number: int, when: datetime) -> Any:
        return deliver_fraction(
            db,
            actor="nurse_ous",
            study_id=study_id,
            fraction=number,
            doses=PROSARC2_DOSES,
            delivered_at=when,
            machine="PT-G1",
        )

    earlier = refused(db, InvalidInput, lambda: give(2, site_time(date(2025, 2, 3), 9, 0)))
    assert earlier.location == "delivered_at"
    assert (
        "fraction 2 at 2025-02-03 09:00 (Europe/Oslo) would not come after fraction 1, "
        "delivered 2025-02-03 09:30" in earlier.message
    )
    refused(db, InvalidInput, lambda: give(2, site_time(date(2025, 2, 3), 9, 30)))  # same time
    give(3, site_time(date(2025, 2, 5), 9, 0))
    later = refused(db, InvalidInput, lambda: give(2, site_time(date(2025, 2, 5), 10, 0)))
    assert "would not come before fraction 3, delivered 2025-02-05 09:00" in later.message
    give(2, site_time(date(2025, 2, 4), 9, 0))  # between 1 and 3: in order


def test_a_delivery_time_without_an_offset_is_the_sites_wall_clock(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    clock.at(date(2025, 2, 3), 15)
    result = deliver_fraction(
        db,
        actor="nurse_ous",
        study_id=study_id,
        fraction=1,
        doses=PROSARC2_DOSES,
        delivered_at=datetime(2025, 2, 3, 9, 12),  # naive: 09:12 in Oslo, 08:12 UTC
        machine="PT-G1",
    )
    assert result.fraction.delivered_at == datetime(2025, 2, 3, 8, 12, tzinfo=UTC)
    assert result.timezone == "Europe/Oslo"


@pytest.mark.parametrize(
    ("local", "message"),
    [
        (datetime(2026, 3, 29, 2, 30), "2026-03-29T02:30 does not exist in Europe/Oslo"),
        (datetime(2026, 10, 25, 2, 30), "2026-10-25T02:30 happens twice in Europe/Oslo"),
    ],
)
def test_a_site_time_skipped_or_repeated_by_daylight_saving_is_refused(
    db: Database, clock: SiteClock, local: datetime, message: str
) -> None:
    study_id = planned_prosarc2(db)
    clock.at(date(2026, 11, 2), 15)
    caught = refused(
        db,
        InvalidInput,
        lambda: deliver_fraction(
            db,
            actor="nurse_ous",
            study_id=study_id,
            fraction=1,
            doses=PROSARC2_DOSES,
            delivered_at=local,
            machine="PT-G1",
        ),
    )
    assert caught.location == "delivered_at"
    assert message in caught.message


def test_a_boost_fraction_above_5_gy_rbe_is_a_major_deviation_stored_once_the_same_day(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    first = deliver(db, clock, study_id, 1, date(2025, 2, 3), {"target": 3.5, "boost": 5.2})
    (deviation,) = first.new_deviations
    assert (deviation.code, deviation.severity, deviation.fraction, deviation.dose_level) == (
        "dose_per_fraction_limit",
        "major",
        1,
        "boost",
    )
    assert deviation.detail == {"delivered_gy": 5.2, "limit_gy": 5.0}
    assert deviation.detected_at.date() == date(2025, 2, 3)
    view = show_course(db, actor="monitor", study_id=study_id)
    assert deviation.protocol_hash == view.protocol_hash
    second = deliver(db, clock, study_id, 2, date(2025, 2, 4))
    assert second.new_deviations == ()
    assert [d.id for d in second.open_deviations] == [deviation.id]
    inserted = [
        r for r in audit_rows(db, "rt_deviations") if r.field == "code" and r.action == "insert"
    ]
    assert [(r.new_value, r.actor) for r in inserted] == [("dose_per_fraction_limit", "nurse_ous")]


# -- missed fractions and gap compensation -------------------------------------------------------


def test_a_missed_fraction_is_rescheduled_the_same_day_to_the_free_weekday(
    db: Database, clock: SiteClock
) -> None:
    study_id = delivered_first_week_and_a_day(db, clock)
    clock.at(date(2025, 2, 11), 15)
    result = miss_fraction(
        db, actor="nurse_ous", study_id=study_id, fraction=6, reason="gantry fault"
    )
    missed = result.missed
    assert (missed.number, missed.planned_date, missed.rescheduled_to) == (
        6,
        date(2025, 2, 11),
        date(2025, 2, 14),
    )
    assert [(m.number, m.from_day, m.to_day) for m in result.moves] == [
        (6, date(2025, 2, 11), date(2025, 2, 12)),
        (7, date(2025, 2, 12), date(2025, 2, 13)),
        (8, date(2025, 2, 13), date(2025, 2, 14)),
    ]
    assert [(d.code, d.severity) for d in result.new_deviations] == [("fraction_missed", "minor")]
    assert result.gaps is not None
    kinds = [(o.kind, o.within_protocol) for o in result.gaps.options]
    assert kinds == [
        ("added_fractions", True),
        ("higher_dose_per_fraction", False),
        ("higher_dose_within_limits", True),  # target +5 %, boost held at 5 Gy(RBE)
        ("twice_daily", False),
    ]
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert (view.fractions_remaining, view.projected_overall_time_days) == (11, 25)
    moved = [
        r
        for r in audit_rows(db, "rt_fractions")
        if r.field == "planned_date" and r.action == "update"
    ]
    assert {r.reason for r in moved} == {"fraction 6 missed: gantry fault; rescheduled by protocol"}


@pytest.mark.parametrize(
    ("fraction", "reason", "error", "location"),
    [
        (6, "  ", ReasonRequired, "reason"),
        (7, "gantry fault", InvalidInput, "fraction"),
        (5, "gantry fault", Conflict, "fraction"),
    ],
)
def test_a_miss_needs_a_reason_and_a_planned_fraction_whose_day_has_come(
    db: Database,
    clock: SiteClock,
    fraction: int,
    reason: str,
    error: type[RadtrialError],
    location: str,
) -> None:
    study_id = delivered_first_week_and_a_day(db, clock)
    clock.at(date(2025, 2, 11), 15)
    caught = refused(
        db,
        error,
        lambda: miss_fraction(
            db, actor="nurse_ous", study_id=study_id, fraction=fraction, reason=reason
        ),
    )
    assert caught.location == location


def test_accepting_the_added_fraction_closes_the_gap(db: Database, clock: SiteClock) -> None:
    study_id = delivered_first_week_and_a_day(db, clock)
    clock.at(date(2025, 2, 11), 15)
    miss_fraction(db, actor="nurse_ous", study_id=study_id, fraction=6, reason="gantry fault")
    result = accept_compensation(
        db, actor="inv_ous", study_id=study_id, option=1, reason="free Friday keeps 4 weeks"
    )
    assert result.option.kind == "added_fractions"
    assert (result.moves, result.cancelled) == ((), ())
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert view.gaps is None
    assert [(m.compensation, m.compensated_by) for m in view.missed] == [
        ("added_fractions", "inv_ous")
    ]
    reasons = {r.reason for r in audit_rows(db, "rt_missed_fractions") if r.action == "update"}
    assert reasons == {"gap compensation (option 1): free Friday keeps 4 weeks"}


def test_a_higher_dose_per_fraction_breaks_protocol_limits_and_needs_explicit_acceptance(
    db: Database, clock: SiteClock
) -> None:
    study_id = delivered_first_week_and_a_day(db, clock)
    clock.at(date(2025, 2, 11), 15)
    miss_fraction(db, actor="nurse_ous", study_id=study_id, fraction=6, reason="gantry fault")
    caught = refused(
        db,
        InvalidInput,
        lambda: accept_compensation(
            db, actor="inv_ous", study_id=study_id, option=2, reason="patient wish"
        ),
    )
    assert any("exceeds the limit of 5 Gy(RBE)" in text for text in caught.detail["breaks"])
    result = accept_compensation(
        db,
        actor="inv_ous",
        study_id=study_id,
        option=2,
        reason="patient cannot attend on Friday",
        accept_breaks=True,
    )
    assert result.cancelled == (16,)
    # BED₄ of 16 × 3.5 (105 Gy) less 5 × 3.5 given, over 10 fractions: d = 3.7337
    assert result.planned_doses["target"] == pytest.approx(3.73367, abs=1e-5)
    assert result.planned_doses["boost"] == pytest.approx(3.73367 * 5 / 3.5, abs=1e-5)
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert (view.fractions_remaining, view.cancelled_fractions) == (10, 1)
    assert [f.planned_date for f in view.fractions if f.status == "planned"][-1] == date(
        2025, 2, 27
    )
    sarcoma = next(p for p in view.projected if (p.dose_level, p.tissue) == ("target", "sarcoma"))
    assert sarcoma.bed_gy == pytest.approx(105.0, abs=0.01)  # the plan's tumour BED restored
    given = deliver(db, clock, study_id, 6, date(2025, 2, 12), {"target": 3.734, "boost": 5.334})
    assert {(d.code, d.severity, d.dose_level) for d in given.new_deviations} >= {
        ("dose_per_fraction_limit", "major", "boost"),
        ("dose_per_fraction", "minor", "target"),
    }


def test_the_option_within_limits_is_accepted_without_breaks_and_given_without_deviations(
    db: Database, clock: SiteClock
) -> None:
    """Option 3 raises the target by the 5 % tolerance (3.675 Gy(RBE)) and holds the boost at
    its 5 Gy(RBE) cap; the fractions it plans are then given without a dose deviation."""
    study_id = delivered_first_week_and_a_day(db, clock)
    clock.at(date(2025, 2, 11), 15)
    missed = miss_fraction(
        db, actor="nurse_ous", study_id=study_id, fraction=6, reason="gantry fault"
    )
    assert missed.gaps is not None
    capped = missed.gaps.options[2]
    assert (capped.kind, capped.breaks) == ("higher_dose_within_limits", ())
    result = accept_compensation(
        db, actor="inv_ous", study_id=study_id, option=3, reason="stay within the protocol"
    )
    assert result.cancelled == (16,)
    assert result.planned_doses["target"] == pytest.approx(3.5 * 1.05)
    assert result.planned_doses["boost"] == pytest.approx(5.0)
    view = show_course(db, actor="inv_ous", study_id=study_id)
    sarcoma = next(p for p in view.projected if (p.dose_level, p.tissue) == ("target", "sarcoma"))
    # 5 × 3.5 given and 10 × 3.675 planned: BED₄ = Σ d (1 + d/4), short of the plan's 105 Gy.
    expected = 5 * 3.5 * (1 + 3.5 / 4) + 10 * 3.675 * (1 + 3.675 / 4)
    assert sarcoma.bed_gy == pytest.approx(expected)
    assert sarcoma.bed_gy < 105.0
    given = deliver(db, clock, study_id, 6, date(2025, 2, 12), {"target": 3.675, "boost": 5.0})
    assert given.new_deviations == ()


def test_a_deviation_no_longer_found_is_resolved_not_deleted(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    for number, day in enumerate(PROSARC2_DAYS[:4], start=1):
        deliver(db, clock, study_id, number, day)
    clock.at(date(2025, 2, 10), 15)
    miss_fraction(db, actor="nurse_ous", study_id=study_id, fraction=5, reason="fever")
    clock.at(date(2025, 2, 11), 15)
    second = miss_fraction(db, actor="nurse_ous", study_id=study_id, fraction=5, reason="fever")
    assert second.missed.rescheduled_to == date(2025, 3, 3)  # no free day left that week
    overall = next(d for d in second.new_deviations if d.code == "overall_time")
    assert (overall.severity, overall.detail["overall_time_days"]) == ("minor", 29)
    accept_compensation(
        db,
        actor="inv_ous",
        study_id=study_id,
        option=2,
        reason="keep the 4-week overall time",
        accept_breaks=True,
    )
    view = show_course(db, actor="inv_ous", study_id=study_id)
    resolved = next(d for d in view.deviations if d.id == overall.id)
    assert resolved.status == "resolved"
    assert view.projected_overall_time_days == 25
    assert overall.id not in {d.id for d in view.open_deviations}


def test_cancelling_the_remaining_fractions_flags_the_total_dose(
    db: Database, clock: SiteClock
) -> None:
    study_id = delivered_first_week_and_a_day(db, clock)
    clock.at(date(2025, 2, 12), 8)
    result = cancel_fractions(
        db, actor="inv_ous", study_id=study_id, reason="local progression; palliation instead"
    )
    assert result.cancelled == tuple(range(6, 17))
    total = {(d.code, d.dose_level): d for d in result.new_deviations if d.code == "total_dose"}
    assert total[("total_dose", "target")].severity == "major"
    assert total[("total_dose", "target")].detail["projected"] is False
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert (view.fractions_remaining, view.cancelled_fractions) == (0, 11)


def test_only_an_investigator_acknowledges_a_deviation_and_only_once(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    first = deliver(db, clock, study_id, 1, date(2025, 2, 3), {"target": 3.5, "boost": 5.2})
    (deviation,) = first.new_deviations

    def acknowledge(actor: str) -> Any:
        return acknowledge_deviation(
            db, actor=actor, study_id=study_id, deviation_id=deviation.id, reason="plan checked"
        )

    refused(db, PermissionDenied, lambda: acknowledge("nurse_ous"))
    seen = acknowledge("inv_ous")
    assert (seen.status, seen.acknowledged_by) == ("acknowledged", "inv_ous")
    refused(db, Conflict, lambda: acknowledge("inv_ous"))
    change = [r for r in audit_rows(db, "rt_deviations") if r.field == "acknowledged_by"][-1]
    assert (change.old_value, change.new_value, change.reason) == (
        None,
        "inv_ous",
        f"deviation {deviation.id} acknowledged: plan checked",
    )


def test_a_site_closure_moves_the_fractions_planned_on_that_day(
    db: Database, clock: SiteClock
) -> None:
    study_id = planned_prosarc2(db)
    refused(
        db,
        PermissionDenied,
        lambda: add_site_closure(
            db, actor="monitor", site_code="OUS", day=date(2025, 2, 12), reason="strike"
        ),
    )
    result = add_site_closure(
        db, actor="phys_ous", site_code="OUS", day=date(2025, 2, 12), reason="cyclotron service"
    )
    assert [(s, m.number, m.from_day, m.to_day) for s, m in result.moved] == [
        (study_id, 7, date(2025, 2, 12), date(2025, 2, 13)),
        (study_id, 8, date(2025, 2, 13), date(2025, 2, 14)),
    ]
    view = show_course(db, actor="inv_ous", study_id=study_id)
    assert view.missed == ()
    assert view.open_deviations == ()
    refused(
        db,
        Conflict,
        lambda: add_site_closure(
            db, actor="phys_ous", site_code="OUS", day=date(2025, 2, 12), reason="again"
        ),
    )

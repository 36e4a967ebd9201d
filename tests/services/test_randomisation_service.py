"""Generating, serving, verifying and exporting allocation lists on SQLite and PostgreSQL.

Each refusal named by the issue (not eligible, not consented, missing stratification factor,
already randomised, list exhausted, site not activated) is checked to write nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from radtrial.errors import (
    AllocationListExhausted,
    AlreadyRandomised,
    Conflict,
    InvalidInput,
    MissingStratificationFactor,
    NotConsented,
    NotEligible,
    PermissionDenied,
    RandomisationError,
    SiteNotActivated,
)
from radtrial.services.consent import record_withdrawal
from radtrial.services.course import deliver_fraction, plan_participant_course
from radtrial.services.optional_fractions import decide_optional_fraction
from radtrial.services.randomisation import (
    ARM_REASON,
    export_list,
    generate_list,
    randomise,
    verify_list,
)
from radtrial.services.screening import screen
from radtrial.services.trials import load_protocol
from radtrial.store.audit import history
from radtrial.store.database import Database
from radtrial.trial.randomisation import seed_sha256
from tests.course_support import SiteClock
from tests.enrolment import TODAY, enrol, protocol_variant, refused, setup_trials

SEED = 20250106
FIRST_FRACTION = date(2025, 1, 13)  # a Monday, a week after registration


@pytest.fixture
def clock() -> SiteClock:
    """The usual test clock (09:00 in Oslo on 6 January 2025, one second per reading) that a
    test can also set to a day at the site."""
    return SiteClock()


@pytest.fixture
def trials(database: Database) -> Database:
    setup_trials(database)
    return database


@pytest.fixture
def listed(trials: Database) -> Database:
    generate_list(trials, actor="stat", trial_slug="pallsoft", seed=SEED)
    return trials


def _randomise(db: Database, study_id: str, actor: str = "inv_ous") -> Any:
    return randomise(db, actor=actor, study_id=study_id)


# -- generating -------------------------------------------------------------------------------


def test_the_list_is_generated_with_its_seed_hidden_from_the_audit_trail(trials: Database) -> None:
    generated = generate_list(trials, actor="stat", trial_slug="pallsoft", seed=SEED)
    record = generated.allocation_list
    assert record.seed_sha256 == seed_sha256(SEED)
    assert len(generated.strata) == 11
    assert all(stratum.size >= 100 and stratum.used == 0 for stratum in generated.strata)
    rows = {
        r.field: r.new_value for r in history(trials.engine("research"), entity="allocation_lists")
    }
    assert rows["seed"] == "[redacted]"
    assert rows["seed_sha256"] == seed_sha256(SEED)
    assert rows["list_sha256"] == record.list_sha256
    # No audit row anywhere holds the seed.
    assert not any(str(SEED) in str(r.new_value) for r in history(trials.engine("research")))
    strata_fields = {
        r.field for r in history(trials.engine("research"), entity="allocation_strata")
    }
    assert strata_fields == {"list_id", "key", "size"}


def test_a_fresh_seed_is_drawn_when_none_is_given(trials: Database) -> None:
    record = generate_list(trials, actor="stat", trial_slug="pallsoft").allocation_list
    with trials.unit_of_work("check", read_only=True) as uow:
        seed = uow.randomisation.seed(record)
    assert seed.bit_length() > 64
    assert record.seed_sha256 == seed_sha256(seed)


def test_only_the_unblinded_statistician_generates_and_never_twice(trials: Database) -> None:
    for actor in ("inv_ous", "monitor", "sponsor"):
        refused(
            trials,
            PermissionDenied,
            lambda actor=actor: generate_list(trials, actor=actor, trial_slug="pallsoft"),
        )
    generate_list(trials, actor="stat", trial_slug="pallsoft")
    refused(trials, Conflict, lambda: generate_list(trials, actor="stat", trial_slug="pallsoft"))


def test_a_single_arm_trial_has_no_allocation_list(trials: Database) -> None:
    from radtrial.services.users import GrantRequest, Role, add_user

    add_user(
        trials,
        actor="admin",
        username="stat2",
        full_name="Stat Two",
        email="stat2@example.org",
        grants=[GrantRequest(Role.UNBLINDED_STATISTICIAN, "prosarc2")],
    )
    error = refused(
        trials,
        RandomisationError,
        lambda: generate_list(trials, actor="stat2", trial_slug="prosarc2"),
    )
    assert error.message == (
        "PROSARC-2 (prosarc2) is a single-arm trial: randomisation does not apply; every "
        "participant is on arm A (Inoperable soft tissue sarcoma) from registration"
    )
    for call in (verify_list, lambda db, **kw: export_list(db, format="csv", **kw)):
        error = refused(
            trials,
            RandomisationError,
            lambda call=call: call(trials, actor="stat2", trial_slug="prosarc2"),
        )
        assert "single-arm trial: randomisation does not apply" in error.message


def test_randomising_a_single_arm_participant_says_randomisation_does_not_apply(
    trials: Database,
) -> None:
    """Not "no allocation list yet; the unblinded statistician generates it": no list will
    ever exist for PROSARC-2, whose participants are on arm A from registration."""
    registration = enrol(trials, trial="prosarc2")
    study_id = registration.participant.study_id
    assert registration.participant.arm_code == "A"
    error = refused(trials, RandomisationError, lambda: _randomise(trials, study_id))
    assert error.location == "trial"
    assert error.message == (
        f"PROSARC-2 (prosarc2) is a single-arm trial: randomisation does not apply; {study_id} "
        "is on arm A (Inoperable soft tissue sarcoma) from registration"
    )
    assert "allocation list" not in error.message


# -- randomising ------------------------------------------------------------------------------


def test_randomisation_sets_the_arm_and_prescription_and_audits_the_allocation(
    listed: Database,
) -> None:
    study_id = enrol(listed).participant.study_id
    result = _randomise(listed, study_id, actor="nurse_ous")
    allocation = result.allocation
    assert (allocation.stratum, allocation.sequence) == ("site=OUS", 1)
    assert allocation.arm_code in {"A", "B"}
    assert result.participant.arm_code == allocation.arm_code
    expected = {"A": (1, 8.0), "B": (5, 25.0)}[allocation.arm_code]
    assert [(p.fractions, p.total_dose_gy) for p in result.prescription] == [expected]
    rows = history(listed.engine("research"), entity="allocations")
    fields = {r.field: r.new_value for r in rows}
    assert {r.actor for r in rows} == {"nurse_ous"}
    assert fields["sequence"] == 1
    assert fields["stratum_key"] == "site=OUS"
    assert fields["list_seed_sha256"] == seed_sha256(SEED)
    assert fields["allocated_by"] == "nurse_ous"
    assert fields["arm_code"] == allocation.arm_code
    arm_rows = [
        r
        for r in history(listed.engine("research"), entity="participants")
        if r.field == "arm_code" and r.action == "update"
    ]
    assert [(r.old_value, r.new_value, r.reason) for r in arm_rows] == [
        (None, allocation.arm_code, ARM_REASON)
    ]


def test_slots_are_used_in_order_and_match_the_exported_list(listed: Database) -> None:
    arms = [_randomise(listed, enrol(listed).participant.study_id).allocation for _ in range(6)]
    assert [a.sequence for a in arms] == [1, 2, 3, 4, 5, 6]
    exported = export_list(listed, actor="stat", trial_slug="pallsoft", format="json")
    ous = [row for row in exported.rows() if row["stratum"] == "site=OUS"]
    assert [row["arm"] for row in ous[:6]] == [a.arm_code for a in arms]
    assert [row["study_id"] for row in ous[:7]] == [a.study_id for a in arms] + [None]
    assert verify_list(listed, actor="monitor", trial_slug="pallsoft").ok


def test_randomising_twice_is_refused_with_the_first_allocation(listed: Database) -> None:
    study_id = enrol(listed).participant.study_id
    first = _randomise(listed, study_id).allocation
    error = refused(listed, AlreadyRandomised, lambda: _randomise(listed, study_id))
    assert error.detail == {"arm": first.arm_code, "stratum": "site=OUS", "sequence": 1}


def test_a_participant_found_ineligible_after_registration_is_not_randomised(
    listed: Database,
) -> None:
    registration = enrol(listed)
    screen(
        listed,
        actor="inv_ous",
        trial_slug="pallsoft",
        screening_id=registration.screening_id,
        data={"ecog": 4},
    )
    error = refused(
        listed, NotEligible, lambda: _randomise(listed, registration.participant.study_id)
    )
    assert error.detail["criteria"][0]["criterion"] == "I10"


def test_a_withdrawn_participant_is_not_randomised(listed: Database) -> None:
    study_id = enrol(listed).participant.study_id
    record_withdrawal(
        listed, actor="inv_ous", study_id=study_id, kind="treatment", withdrawn_on=TODAY
    )
    refused(listed, NotConsented, lambda: _randomise(listed, study_id))


def test_randomisation_needs_a_list_and_a_role_at_the_participants_site(trials: Database) -> None:
    study_id = enrol(trials).participant.study_id
    refused(trials, RandomisationError, lambda: _randomise(trials, study_id))
    generate_list(trials, actor="stat", trial_slug="pallsoft")
    for actor in ("inv_hus", "monitor", "stat"):
        refused(trials, PermissionDenied, lambda actor=actor: _randomise(trials, study_id, actor))
    assert _randomise(trials, study_id, actor="coordinator").allocation.sequence == 1


def test_a_site_that_stopped_recruiting_cannot_randomise(trials: Database, tmp_path: Path) -> None:
    study_id = enrol(trials).participant.study_id
    generate_list(trials, actor="stat", trial_slug="pallsoft")
    suspended = protocol_variant(
        tmp_path,
        "pallsoft",
        (
            'code = "OUS"\nname = "Oslo Universitetssykehus"\ncity = "Oslo"\ncountry = "Norway"\n'
            'status = "recruiting"',
            'code = "OUS"\nname = "Oslo Universitetssykehus"\ncity = "Oslo"\ncountry = "Norway"\n'
            'status = "suspended"',
        ),
    )
    load_protocol(trials, str(suspended), actor="admin", reason="OUS suspended recruitment")
    error = refused(trials, SiteNotActivated, lambda: _randomise(trials, study_id))
    assert error.detail["status"] == "suspended"


def test_the_list_is_exhausted_when_a_stratum_has_no_slot_left(
    database: Database, tmp_path: Path
) -> None:
    short = protocol_variant(
        tmp_path,
        "pallsoft",
        ("block_sizes = [2, 4, 6]", "block_sizes = [2]"),
        ("slots_per_stratum = 100", "slots_per_stratum = 2"),
    )
    setup_trials(database, pallsoft=short)
    generate_list(database, actor="stat", trial_slug="pallsoft")
    arms = sorted(
        _randomise(database, enrol(database).participant.study_id).allocation.arm_code
        for _ in range(2)
    )
    assert arms == ["A", "B"]
    third = enrol(database).participant.study_id
    error = refused(database, AllocationListExhausted, lambda: _randomise(database, third))
    assert error.detail == {"stratum": "site=OUS", "slots": 2}
    # Other strata still have their slots.
    bergen = enrol(database, site="HUS", actor="inv_hus").participant.study_id
    assert _randomise(database, bergen, actor="inv_hus").allocation.stratum == "site=HUS"


def test_a_missing_stratification_factor_is_refused(database: Database, tmp_path: Path) -> None:
    stratified = protocol_variant(
        tmp_path,
        "pallsoft",
        ('stratify_by = ["site"]', 'stratify_by = ["site", "pregnancy_test_negative_72h"]'),
    )
    setup_trials(database, pallsoft=stratified)
    generated = generate_list(database, actor="stat", trial_slug="pallsoft")
    assert len(generated.strata) == 22
    study_id = enrol(database).participant.study_id  # not of childbearing potential: no test
    error = refused(database, MissingStratificationFactor, lambda: _randomise(database, study_id))
    assert error.location == "data.pregnancy_test_negative_72h"
    tested = enrol(database, data={"pregnancy_test_negative_72h": True}).participant.study_id
    assert _randomise(database, tested).allocation.stratum == (
        "site=OUS;pregnancy_test_negative_72h=yes"
    )


def test_minimisation_allocates_and_verifies_by_replay(database: Database, tmp_path: Path) -> None:
    minimised = protocol_variant(
        tmp_path,
        "pallsoft",
        (
            'method = "permuted_blocks"\nratio = { A = 1, B = 1 }',
            'method = "minimisation"\nratio = { A = 1, B = 1 }\n'
            'minimisation = { factors = ["site", "primary_origin"], p_preferred = 0.8 }',
        ),
    )
    setup_trials(database, pallsoft=minimised)
    generated = generate_list(database, actor="stat", trial_slug="pallsoft", seed=SEED)
    assert [(s.key, s.size) for s in generated.strata] == [("all", 100)]
    origins = ["gastrointestinal", "urological", "gynaecological"] * 3
    allocations = [
        _randomise(
            database, enrol(database, data={"primary_origin": origin}).participant.study_id
        ).allocation
        for origin in origins
    ]
    assert [a.sequence for a in allocations] == list(range(1, 10))
    assert all(a.stratum == "all" for a in allocations)
    assert {"draw", "scores", "preferred"} <= set(allocations[0].detail)
    assert verify_list(database, actor="stat", trial_slug="pallsoft").ok


# -- verifying and exporting ------------------------------------------------------------------


def test_verification_catches_an_allocation_changed_behind_the_application(
    listed: Database,
) -> None:
    for _ in range(3):
        _randomise(listed, enrol(listed).participant.study_id)
    assert verify_list(listed, actor="monitor", trial_slug="pallsoft").ok
    with listed.engine("research").begin() as connection:
        connection.execute(
            text(
                "UPDATE allocations SET arm_code = CASE arm_code WHEN 'A' THEN 'B' ELSE 'A' END "
                "WHERE sequence = 2"
            )
        )
    report = verify_list(listed, actor="monitor", trial_slug="pallsoft").report
    assert [(p.kind, p.stratum, p.sequence) for p in report.problems] == [("arm", "site=OUS", 2)]


def test_the_database_refuses_a_reused_slot_or_a_second_allocation_even_bypassing_the_app(
    listed: Database,
) -> None:
    _randomise(listed, enrol(listed).participant.study_id)
    second = enrol(listed).participant.study_id
    copy = (
        "INSERT INTO allocations (list_id, stratum_id, sequence, trial_id, participant_id, "
        "arm_code, levels, detail, list_seed_sha256, allocated_at, allocated_by, stratum_key) "
        "SELECT list_id, stratum_id, {sequence}, trial_id, {participant}, arm_code, levels, "
        "detail, list_seed_sha256, allocated_at, allocated_by, stratum_key FROM allocations"
    )
    with listed.engine("research").connect() as connection:
        other = connection.execute(
            text("SELECT id FROM participants WHERE study_id = :s"), {"s": second}
        ).scalar()
    for sequence, participant in (("sequence", str(other)), ("2", "participant_id")):
        with pytest.raises(IntegrityError), listed.engine("research").begin() as connection:
            connection.execute(text(copy.format(sequence=sequence, participant=participant)))


def test_only_the_unblinded_statistician_exports_and_each_export_is_recorded(
    listed: Database,
) -> None:
    for actor in ("inv_ous", "monitor", "sponsor"):
        refused(
            listed,
            PermissionDenied,
            lambda actor=actor: export_list(
                listed, actor=actor, trial_slug="pallsoft", format="csv"
            ),
        )
    exported = export_list(listed, actor="stat", trial_slug="pallsoft", format="csv")
    rows = exported.rows()
    assert len(rows) == sum(len(v) for v in exported.content["strata"].values())
    assert {row["arm"] for row in rows} == {"A", "B"}
    exports = history(listed.engine("research"), entity="allocation_list_exports")
    assert {(r.field, r.new_value) for r in exports} >= {("exported_by", "stat"), ("format", "csv")}


def test_verification_shows_no_upcoming_allocation(listed: Database) -> None:
    _randomise(listed, enrol(listed).participant.study_id)
    shown = verify_list(listed, actor="monitor", trial_slug="pallsoft").to_json()
    assert shown["ok"]
    assert set(shown) >= {"seed_sha256", "list_sha256", "strata", "used_per_stratum"}
    assert "A" not in str(shown["strata"])
    assert "seed" not in shown


# -- the optional second fraction -------------------------------------------------------------


def _participants_by_arm(db: Database) -> dict[str, str]:
    found: dict[str, str] = {}
    while len(found) < 2:
        result = _randomise(db, enrol(db).participant.study_id)
        found.setdefault(result.allocation.arm_code, result.allocation.study_id)
    return found


def _first_fraction_given(db: Database, clock: SiteClock, study_id: str) -> None:
    """Plan the arm-A course from Monday 13 January 2025 and give its 8 Gy that day."""
    plan_participant_course(db, actor="nurse_ous", study_id=study_id, start=FIRST_FRACTION)
    clock.at(FIRST_FRACTION, 10)
    deliver_fraction(
        db, actor="nurse_ous", study_id=study_id, fraction=1, doses={"ptv": 8.0}, machine="LA3"
    )


def test_the_second_8_gy_decision_updates_the_arm_a_prescription(
    listed: Database, clock: SiteClock
) -> None:
    arm_a = _participants_by_arm(listed)["A"]
    _first_fraction_given(listed, clock, arm_a)
    clock.at(date(2025, 2, 10), 14)  # day 28 after the first fraction: inside days 21-42
    decided = decide_optional_fraction(
        listed,
        actor="inv_ous",
        study_id=arm_a,
        criterion_met=True,
        give=True,
        note="Bleeding unchanged at 4 weeks",
    )
    decision = decided.decision
    assert (decision.optional_fraction, decision.criterion_met, decision.give) == (
        "second_8gy",
        True,
        True,
    )
    assert decision.criterion.startswith("Unsatisfactory symptomatic effect")
    assert decision.decided_by == "inv_ous"
    assert decided.day_after_first_fraction == 28
    assert decided.window == (date(2025, 2, 3), date(2025, 2, 24))
    assert [(f.number, f.planned_date, f.optional_fraction) for f in decided.planned] == [
        (2, date(2025, 2, 10), "second_8gy")
    ]
    assert decided.planned_within_window
    assert [
        (p.fractions, p.total_dose_gy, p.optional_fractions_added) for p in decided.prescription
    ] == [(2, 16.0, 1)]
    updates = [
        r
        for r in history(listed.engine("research"), entity="participant_prescriptions")
        if r.action == "update"
    ]
    assert {(r.field, r.old_value, r.new_value) for r in updates} >= {
        ("fractions", 1, 2),
        ("total_dose_gy", 8.0, 16.0),
    }
    assert all(r.reason and "decision on optional fraction" in r.reason for r in updates)
    refused(
        listed,
        Conflict,
        lambda: decide_optional_fraction(
            listed, actor="inv_ous", study_id=arm_a, criterion_met=True, give=False
        ),
    )


def test_the_second_fraction_decision_is_refused_where_it_does_not_apply(
    listed: Database, clock: SiteClock
) -> None:
    arms = _participants_by_arm(listed)
    _first_fraction_given(listed, clock, arms["A"])
    clock.at(date(2025, 2, 10), 14)
    refused(
        listed,
        InvalidInput,
        lambda: decide_optional_fraction(
            listed, actor="inv_ous", study_id=arms["B"], criterion_met=True, give=True
        ),
    )
    refused(
        listed,
        InvalidInput,
        lambda: decide_optional_fraction(
            listed, actor="inv_ous", study_id=arms["A"], criterion_met=False, give=True
        ),
    )
    refused(
        listed,
        PermissionDenied,
        lambda: decide_optional_fraction(
            listed, actor="nurse_ous", study_id=arms["A"], criterion_met=True, give=True
        ),
    )
    record_withdrawal(
        listed,
        actor="inv_ous",
        study_id=arms["A"],
        kind="treatment",
        withdrawn_on=date(2025, 2, 7),
    )
    refused(
        listed,
        NotConsented,
        lambda: decide_optional_fraction(
            listed, actor="inv_ous", study_id=arms["A"], criterion_met=True, give=True
        ),
    )
    withheld = decide_optional_fraction(
        listed, actor="inv_ous", study_id=arms["A"], criterion_met=True, give=False
    )
    assert [(p.fractions, p.total_dose_gy) for p in withheld.prescription] == [(1, 8.0)]

"""Screening, consent, registration and withdrawal on SQLite and PostgreSQL, with the audit trail.

Every refusal is checked to write nothing: the audit trail (which records every insert, update
and delete) has the same length before and after.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from radtrial.errors import (
    AlreadyRegistered,
    Conflict,
    InvalidInput,
    NotConsented,
    NotEligible,
    PermissionDenied,
    RadtrialError,
    SiteNotActivated,
)
from radtrial.services.consent import collection_status, record_consent, record_withdrawal
from radtrial.services.registration import register
from radtrial.services.screening import close_screening, local_today, screen, screening_log
from radtrial.services.trials import load_protocol
from radtrial.store.audit import history
from radtrial.store.database import Database
from radtrial.trial.screening import ClosureReason
from tests.enrolment import (
    PALLSOFT_CONFIRM,
    PALLSOFT_PATIENT,
    PROSARC2_PATIENT,
    TODAY,
    enrol,
    protocol_variant,
    refused,
    setup_trials,
)
from tests.support import TickingClock


@pytest.fixture
def trials(database: Database) -> Database:
    setup_trials(database)
    return database


def _screen(db: Database, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "actor": "inv_ous",
        "trial_slug": "pallsoft",
        "site_code": "OUS",
        "data": PALLSOFT_PATIENT,
        "confirm": PALLSOFT_CONFIRM,
    }
    arguments.update(overrides)
    return screen(db, **arguments)


# -- screening --------------------------------------------------------------------------------


def test_a_screening_is_logged_and_its_evaluation_stored_with_the_protocol_hash(
    trials: Database,
) -> None:
    first = _screen(trials)
    second = _screen(trials, data={**PALLSOFT_PATIENT, "age_years": 17})
    other_site = _screen(trials, actor="inv_hus", site_code="HUS")
    assert [first.screening.screening_id, second.screening.screening_id] == [
        "OUS-S0001",
        "OUS-S0002",
    ]
    assert other_site.screening.screening_id == "HUS-S0001"
    assert first.result.eligible
    assert second.result.status.value == "ineligible"
    with trials.unit_of_work("check", read_only=True) as uow:
        latest = uow.trials.latest_version("pallsoft")
    assert latest is not None
    assert first.evaluation.protocol_hash == latest.content_hash
    assert first.evaluation.protocol_version_id == latest.id
    assert first.evaluation.data["last_systemic_therapy_date"] == "2024-12-27"
    assert set(first.evaluation.confirmations) == set(PALLSOFT_CONFIRM)
    assert first.evaluation.confirmations["I1"]["by"] == "inv_ous"
    rows = history(trials.engine("research"), entity="eligibility_evaluations")
    assert {row.actor for row in rows} == {"inv_ous", "inv_hus"}
    assert any(
        row.field == "protocol_hash" and row.new_value == latest.content_hash for row in rows
    )


def test_screening_again_adds_data_to_the_last_evaluation_and_keeps_confirmations(
    trials: Database,
) -> None:
    partial = {k: v for k, v in PALLSOFT_PATIENT.items() if k != "ecog"}
    first = _screen(trials, data=partial, confirm=("I1", "I3"))
    assert first.result.status.value == "incomplete"
    by_nurse = _screen(
        trials,
        actor="nurse_ous",
        site_code=None,
        screening_id="OUS-S0001",
        data={"ecog": "2"},
        confirm=(),
    )
    assert by_nurse.result.status.value == "awaiting_confirmation"
    assert by_nurse.evaluation.data["ecog"] == 2
    done = _screen(
        trials, site_code=None, screening_id="OUS-S0001", data={}, confirm=("I5", "i9", "E4")
    )
    assert done.result.eligible
    assert set(done.evaluation.confirmations) == set(PALLSOFT_CONFIRM)
    assert done.evaluation.confirmations["I1"] == first.evaluation.confirmations["I1"]
    with trials.unit_of_work("check", read_only=True) as uow:
        screening = uow.enrolment.screening("pallsoft", "OUS-S0001")
        assert len(uow.enrolment.evaluations(screening)) == 3


def test_a_research_nurse_may_screen_but_not_confirm_clinical_criteria(trials: Database) -> None:
    error = refused(trials, PermissionDenied, lambda: _screen(trials, actor="nurse_ous"))
    assert "confirm eligibility criteria" in error.message
    assert _screen(trials, actor="nurse_ous", confirm=()).result.status.value == (
        "awaiting_confirmation"
    )


@pytest.mark.parametrize(
    ("actor", "site"),
    [("inv_hus", "OUS"), ("monitor", "OUS"), ("stat", "OUS"), ("nobody", "OUS")],
)
def test_screening_needs_an_investigator_or_nurse_at_that_site(
    trials: Database, actor: str, site: str
) -> None:
    refused(trials, PermissionDenied, lambda: _screen(trials, actor=actor, site_code=site))


def test_an_investigator_for_every_site_may_screen_at_any_site(trials: Database) -> None:
    assert _screen(trials, actor="coordinator", site_code="SUS").screening.screening_id == (
        "SUS-S0001"
    )


def test_a_site_not_yet_recruiting_cannot_screen(trials: Database) -> None:
    error = refused(
        trials,
        SiteNotActivated,
        lambda: screen(
            trials,
            actor="inv_hus",
            trial_slug="prosarc2",
            site_code="HUS",
            data=PROSARC2_PATIENT,
        ),
    )
    assert error.detail["status"] == "not_yet_recruiting"


def test_bad_screening_data_is_refused_at_the_field(trials: Database) -> None:
    error = refused(
        trials, InvalidInput, lambda: _screen(trials, data={**PALLSOFT_PATIENT, "ecog": "two"})
    )
    assert error.location == "data.ecog"
    refused(trials, InvalidInput, lambda: _screen(trials, confirm=("I7",)))
    refused(trials, InvalidInput, lambda: _screen(trials, screened_on=date(2025, 2, 1)))


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_today_is_the_sites_date_not_the_servers(
    database_urls: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 23:30 UTC on 6 January it is already 7 January in Oslo: a screening dated 7 January is
    today's, not one in the future, even on a server whose own zone is UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        late = TickingClock(datetime(2025, 1, 6, 23, 30, tzinfo=UTC))
        with Database(*database_urls, clock=late) as db:
            db.upgrade()
            setup_trials(db)
            assert local_today(db) == date(2025, 1, 7)
            result = _screen(db, screened_on=date(2025, 1, 7))
            assert result.screening.screened_on == date(2025, 1, 7)
            refused(db, InvalidInput, lambda: _screen(db, screened_on=date(2025, 1, 8)))
    finally:
        monkeypatch.undo()
        time.tzset()


# -- consent ----------------------------------------------------------------------------------


def _consent(db: Database, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "actor": "inv_ous",
        "trial_slug": "pallsoft",
        "screening_id": "OUS-S0001",
        "document_version": "1.0",
        "consented_on": TODAY,
    }
    arguments.update(overrides)
    return record_consent(db, **arguments)


def test_consent_records_the_document_version_date_who_and_optional_consents(
    trials: Database,
) -> None:
    screened = screen(
        trials,
        actor="nurse_ous",
        trial_slug="prosarc2",
        site_code="OUS",
        data=PROSARC2_PATIENT,
    )
    consent = _consent(
        trials,
        actor="nurse_ous",
        trial_slug="prosarc2",
        screening_id=screened.screening.screening_id,
        obtained_by="inv_ous",
        optional={"biobank": False},
    )
    assert consent.document == "PROSARC-2 participant information and informed consent"
    assert (consent.document_version, consent.consented_on) == ("1.0", TODAY)
    assert (consent.obtained_by, consent.recorded_by) == ("inv_ous", "nurse_ous")
    assert consent.optional == {"biobank": False}
    fields = {
        row.field: row.new_value for row in history(trials.engine("research"), entity="consents")
    }
    assert fields["obtained_by"] == "inv_ous"
    assert fields["optional"] == {"biobank": False}


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"document_version": "0.9"}, "document_version"),
        ({"consented_on": date(2025, 1, 7)}, "consented_on"),
        ({"optional": {"biobank": True}}, "optional"),
        ({"obtained_by": "monitor"}, "obtained_by"),
    ],
)
def test_consent_to_another_document_a_future_date_or_by_non_staff_is_refused(
    trials: Database, overrides: dict[str, Any], location: str
) -> None:
    _screen(trials)
    error = refused(trials, InvalidInput, lambda: _consent(trials, **overrides))
    assert error.location == location


def test_prosarc2_consent_must_answer_the_biobank_question(trials: Database) -> None:
    screened = screen(
        trials, actor="inv_ous", trial_slug="prosarc2", site_code="OUS", data=PROSARC2_PATIENT
    )
    error = refused(
        trials,
        InvalidInput,
        lambda: _consent(
            trials, trial_slug="prosarc2", screening_id=screened.screening.screening_id
        ),
    )
    assert "biobank" in error.message


# -- registration -----------------------------------------------------------------------------


def test_registration_gives_study_ids_per_site_in_the_protocols_format(trials: Database) -> None:
    first = enrol(trials)
    second = enrol(trials)
    bergen = enrol(trials, site="HUS", actor="inv_hus")
    assert [first.participant.study_id, second.participant.study_id] == [
        "PALL-OUS-0001",
        "PALL-OUS-0002",
    ]
    assert bergen.participant.study_id == "PALL-HUS-0001"
    assert first.participant.arm_code is None  # randomised later
    assert first.screening_id == "OUS-S0001"
    assert first.registered_by == "inv_ous"
    rows = history(trials.engine("research"), entity="registrations")
    assert {row.actor for row in rows} == {"inv_ous", "inv_hus"}


def test_a_single_arm_trial_sets_the_arm_and_prescription_at_registration(
    trials: Database,
) -> None:
    registration = enrol(trials, trial="prosarc2")
    participant = registration.participant
    assert (participant.study_id, participant.arm_code) == ("PRS2-OUS-0001", "A")
    with trials.unit_of_work("check", read_only=True) as uow:
        prescription = uow.randomisation.prescription(participant)
    assert [(p.dose_level, p.fractions, p.total_dose_gy) for p in prescription] == [
        ("target", 16, 56.0),
        ("boost", 16, 80.0),
    ]


def test_registration_refuses_the_ineligible_the_unconsented_and_a_second_time(
    trials: Database,
) -> None:
    _screen(trials, confirm=("I1",))
    error = refused(
        trials,
        NotEligible,
        lambda: register(trials, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001"),
    )
    assert error.detail["status"] == "awaiting_confirmation"
    assert {c["criterion"] for c in error.detail["criteria"]} == {"I3", "I5", "I9", "E4"}
    _screen(trials, site_code=None, screening_id="OUS-S0001", data={}, confirm=PALLSOFT_CONFIRM)
    refused(
        trials,
        NotConsented,
        lambda: register(trials, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001"),
    )
    _consent(trials)
    registration = register(
        trials, actor="nurse_ous", trial_slug="pallsoft", screening_id="OUS-S0001"
    )
    again = refused(
        trials,
        AlreadyRegistered,
        lambda: register(trials, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001"),
    )
    assert again.detail["study_id"] == registration.participant.study_id


def test_an_ineligible_person_cannot_be_registered_and_names_the_criteria(
    trials: Database,
) -> None:
    _screen(trials, data={**PALLSOFT_PATIENT, "age_years": 17, "target_symptom_nrs": 3})
    _consent(trials)
    error = refused(
        trials,
        NotEligible,
        lambda: register(trials, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001"),
    )
    assert "I6 not met; I7 not met" in error.message


def test_after_an_amendment_eligibility_must_be_evaluated_again(
    trials: Database, tmp_path: Path
) -> None:
    _screen(trials)
    _consent(trials)
    amended = protocol_variant(
        tmp_path, "pallsoft", ('text = "≥18 years of age"', 'text = "18 years or older"')
    )
    load_protocol(trials, str(amended), actor="admin", reason="criterion wording")
    error = refused(
        trials,
        NotEligible,
        lambda: register(trials, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001"),
    )
    assert "another protocol version" in error.message
    _screen(trials, site_code=None, screening_id="OUS-S0001", data={}, confirm=())
    assert (
        register(
            trials, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001"
        ).participant.study_id
        == "PALL-OUS-0001"
    )


def test_a_closed_screening_cannot_be_consented_registered_or_screened_again(
    trials: Database,
) -> None:
    _screen(trials)
    closure = close_screening(
        trials,
        actor="nurse_ous",
        trial_slug="pallsoft",
        screening_id="OUS-S0001",
        reason=ClosureReason.DECLINED,
    )
    assert closure.reason == "declined"
    refused(trials, Conflict, lambda: _consent(trials))
    refused(
        trials,
        Conflict,
        lambda: _screen(trials, site_code=None, screening_id="OUS-S0001", data={}),
    )
    refused(
        trials,
        Conflict,
        lambda: close_screening(
            trials,
            actor="inv_ous",
            trial_slug="pallsoft",
            screening_id="OUS-S0001",
            reason=ClosureReason.OTHER,
            note="moved abroad",
        ),
    )


def test_other_reasons_for_non_inclusion_must_be_stated(trials: Database) -> None:
    _screen(trials)
    refused(
        trials,
        InvalidInput,
        lambda: close_screening(
            trials,
            actor="inv_ous",
            trial_slug="pallsoft",
            screening_id="OUS-S0001",
            reason=ClosureReason.OTHER,
        ),
    )


def test_two_racing_registrations_of_one_person_register_it_once(trials: Database) -> None:
    _screen(trials)
    _consent(trials)
    urls = (
        str(trials.engine("research").url.render_as_string(hide_password=False)),
        str(trials.engine("identity").url.render_as_string(hide_password=False)),
    )
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt() -> None:
        with Database(*urls, clock=trials.clock) as db:
            barrier.wait(timeout=60)
            try:
                outcomes.append(
                    register(db, actor="inv_ous", trial_slug="pallsoft", screening_id="OUS-S0001")
                )
            except RadtrialError as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadyRegistered", "RegistrationRecord"]


def test_concurrent_registrations_at_one_site_get_consecutive_unique_study_ids(
    trials: Database,
) -> None:
    for _ in range(8):
        screened = _screen(trials)
        _consent(trials, screening_id=screened.screening.screening_id)
    urls = (
        trials.engine("research").url.render_as_string(hide_password=False),
        trials.engine("identity").url.render_as_string(hide_password=False),
    )
    barrier = threading.Barrier(8)
    ids: list[str] = []
    errors: list[BaseException] = []

    def attempt(number: int) -> None:
        with Database(*urls, clock=trials.clock) as db:
            barrier.wait(timeout=60)
            try:
                ids.append(
                    register(
                        db,
                        actor="inv_ous",
                        trial_slug="pallsoft",
                        screening_id=f"OUS-S{number:04d}",
                    ).participant.study_id
                )
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(ids) == [f"PALL-OUS-{n:04d}" for n in range(1, 9)]


# -- withdrawal -------------------------------------------------------------------------------


def test_withdrawals_accumulate_and_change_what_may_be_collected(trials: Database) -> None:
    participant = enrol(trials, trial="prosarc2", optional={"biobank": True}).participant
    study_id = participant.study_id
    status = collection_status(trials, actor="nurse_ous", study_id=study_id)
    assert all(d.allowed for d in status.decisions.values())
    after_treatment = record_withdrawal(
        trials, actor="nurse_ous", study_id=study_id, kind="treatment", withdrawn_on=TODAY
    )
    allowed = {k for k, d in after_treatment.decisions.items() if d.allowed}
    assert "treatment" not in allowed
    assert {"visit_assessments", "new_samples.plasma", "survival_status"} <= allowed
    after_follow_up = record_withdrawal(
        trials,
        actor="inv_ous",
        study_id=study_id,
        kind="follow_up",
        withdrawn_on=TODAY,
        note="moving abroad",
    )
    allowed = {k for k, d in after_follow_up.decisions.items() if d.allowed}
    assert allowed == {"survival_status"} | {
        k for k in after_follow_up.decisions if k.startswith("stored_samples_use")
    }
    assert after_follow_up.effective == ("treatment", "follow_up")
    refused(
        trials,
        Conflict,
        lambda: record_withdrawal(
            trials, actor="inv_ous", study_id=study_id, kind="follow_up", withdrawn_on=TODAY
        ),
    )
    final = record_withdrawal(
        trials, actor="inv_ous", study_id=study_id, kind="data_and_samples", withdrawn_on=TODAY
    )
    assert not any(d.allowed for d in final.decisions.values())
    rows = history(trials.engine("research"), entity="withdrawals")
    assert [r.new_value for r in rows if r.field == "kind"] == [
        "treatment",
        "follow_up",
        "data_and_samples",
    ]


def test_without_the_biobank_consent_no_sample_may_be_taken(trials: Database) -> None:
    participant = enrol(trials, trial="prosarc2", optional={"biobank": False}).participant
    status = collection_status(trials, actor="inv_ous", study_id=participant.study_id)
    samples = {k: d.allowed for k, d in status.decisions.items() if "samples" in k}
    assert samples
    assert not any(samples.values())


def test_a_withdrawal_before_registration_or_by_another_site_is_refused(
    trials: Database,
) -> None:
    study_id = enrol(trials, trial="prosarc2").participant.study_id
    refused(
        trials,
        InvalidInput,
        lambda: record_withdrawal(
            trials,
            actor="inv_ous",
            study_id=study_id,
            kind="treatment",
            withdrawn_on=date(2025, 1, 1),
        ),
    )
    refused(
        trials,
        PermissionDenied,
        lambda: record_withdrawal(
            trials, actor="inv_hus", study_id=study_id, kind="treatment", withdrawn_on=TODAY
        ),
    )


# -- the screening log ------------------------------------------------------------------------


def test_the_screening_log_keeps_everyone_with_outcome_and_reasons(trials: Database) -> None:
    enrol(trials)
    _screen(trials, data={**PALLSOFT_PATIENT, "age_years": 17, "ecog": 4})
    _screen(trials)
    close_screening(
        trials,
        actor="inv_ous",
        trial_slug="pallsoft",
        screening_id="OUS-S0003",
        reason=ClosureReason.DECLINED,
    )
    _screen(trials, confirm=())
    _screen(trials, actor="inv_hus", site_code="HUS", data={**PALLSOFT_PATIENT, "pregnant": True})
    log = screening_log(trials, actor="monitor", trial_slug="pallsoft")
    outcomes = {
        row.screening.screening_id: (outcome.value, row.criteria_not_met)
        for row, outcome in zip(log.rows, log.outcomes, strict=True)
    }
    assert outcomes == {
        "HUS-S0001": ("ineligible", ("E7",)),
        "OUS-S0001": ("registered", ()),
        "OUS-S0002": ("ineligible", ("I7", "I10")),
        "OUS-S0003": ("declined", ()),
        "OUS-S0004": ("awaiting_confirmation", ()),
    }
    counts = log.counts
    assert (
        counts.assessed,
        counts.excluded,
        counts.declined,
        counts.pending,
        counts.registered,
    ) == (
        5,
        3,
        1,
        1,
        1,
    )
    assert dict(counts.by_criterion) == {"I7": 1, "I10": 1, "E7": 1}
    assert set(log.counts_by_site) == {"HUS", "OUS"}
    assert log.to_json()["consort"]["excluded"]["declined_to_participate"] == 1


def test_site_staff_see_only_their_sites_screening_log(trials: Database) -> None:
    _screen(trials)
    _screen(trials, actor="inv_hus", site_code="HUS")
    mine = screening_log(trials, actor="inv_hus", trial_slug="pallsoft")
    assert [row.screening.screening_id for row in mine.rows] == ["HUS-S0001"]
    assert mine.sites == ("HUS",)
    refused(
        trials,
        PermissionDenied,
        lambda: screening_log(trials, actor="inv_hus", trial_slug="pallsoft", site_code="OUS"),
    )
    assert len(screening_log(trials, actor="coordinator", trial_slug="pallsoft").rows) == 2
    one = screening_log(trials, actor="monitor", trial_slug="pallsoft", site_code="OUS")
    assert [row.screening.site_code for row in one.rows] == ["OUS"]


def test_every_enrolment_step_is_in_the_audit_trail_and_it_verifies(trials: Database) -> None:
    registration = enrol(trials)
    record_withdrawal(
        trials,
        actor="nurse_ous",
        study_id=registration.participant.study_id,
        kind="treatment",
        withdrawn_on=TODAY,
    )
    entities = {row.entity for row in history(trials.engine("research"))}
    assert {
        "screenings",
        "eligibility_evaluations",
        "consents",
        "participants",
        "registrations",
        "withdrawals",
    } <= entities
    assert trials.verify_audit("research").ok
    with trials.engine("research").connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM screenings")).scalar() == 1

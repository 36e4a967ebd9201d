"""The patient portal service: invitations (issue, redeem once, expiry, revocation, throttled
guessing), portal sessions, drafts of partial answers and submission through the PRO service,
audited with the portal session as actor; licensed questionnaire texts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.errors import (
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from radtrial.services import portal
from radtrial.services.outcomes import pro
from radtrial.services.portal import PortalPolicy
from radtrial.store.database import Database
from radtrial.store.repositories.access import AccessRepository
from tests.outcomes_support import START, CalendarClock, audit_rows, enrol_pallsoft, set_up

POLICY = PortalPolicy(failures_per_address=5, failures_overall=8)
C15_TEXTS = {
    "items": {str(n): f"Licensed test item {n}" for n in range(1, 16)},
    "choices": {
        "4": {"1": "Not at all", "4": "Very much"},
        "7": {"1": "Very poor", "7": "Excellent"},
    },
}


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    return enrol_pallsoft(database, clock)


def _open(db: Database, study_id: str) -> portal.PortalPrincipal:
    issued = portal.issue_invitation(db, POLICY, actor="nurse_ous", study_id=study_id)
    session = portal.redeem(db, POLICY, client_address="10.0.0.1", token=issued.token)
    return portal.authenticate_portal(db, POLICY, session.token)


def test_an_invitation_opens_one_session_once_and_stores_only_hashes(
    database: Database, patient: str
) -> None:
    issued = portal.issue_invitation(database, POLICY, actor="nurse_ous", study_id=patient)
    assert issued.token not in repr(issued)
    assert issued.code not in repr(issued)
    session = portal.redeem(database, POLICY, client_address="10.0.0.1", code=issued.code.lower())
    principal = portal.authenticate_portal(database, POLICY, session.token)
    assert principal.study_id == patient
    for kind in ({"token": issued.token}, {"code": issued.code}):
        with pytest.raises(NotAuthenticated):
            portal.redeem(database, POLICY, client_address="10.0.0.1", **kind)
    invitation_audit = audit_rows(database, "portal_invitations")
    assert ("nurse_ous", "insert", "issued_by", "nurse_ous") in invitation_audit
    assert any(
        a.startswith(f"portal:{patient}") and f == "redeemed_at" for a, _, f, _ in invitation_audit
    )
    stored = [v for _, _, f, v in invitation_audit if f in {"token_sha256", "code_sha256"}]
    assert stored
    assert all(issued.token not in str(v) and issued.code not in str(v) for v in stored)
    with database.unit_of_work("check", read_only=True) as uow:
        actions = [(e.action, e.outcome) for e in AccessRepository(uow).entries()]
    assert ("portal.invite", "passed") in actions
    assert ("portal.redeem", "passed") in actions


def test_an_invitation_expires_and_staff_of_another_site_cannot_issue(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    issued = portal.issue_invitation(database, POLICY, actor="inv_ous", study_id=patient)
    assert issued.expires_at.date() == START + timedelta(days=14)
    clock.set_day(START + timedelta(days=15))
    with pytest.raises(NotAuthenticated):
        portal.redeem(database, POLICY, client_address="10.0.0.1", token=issued.token)
    with pytest.raises(PermissionDenied):
        portal.issue_invitation(database, POLICY, actor="inv_hus", study_id=patient)
    with pytest.raises(PermissionDenied):
        portal.issue_invitation(database, POLICY, actor="monitor", study_id=patient)


def test_revoking_ends_the_sessions_and_the_link(database: Database, patient: str) -> None:
    issued = portal.issue_invitation(database, POLICY, actor="nurse_ous", study_id=patient)
    session = portal.redeem(database, POLICY, client_address="10.0.0.1", token=issued.token)
    portal.revoke_invitation(
        database, actor="inv_ous", study_id=patient, invitation_id=issued.invitation_id
    )
    with pytest.raises(NotAuthenticated):
        portal.authenticate_portal(database, POLICY, session.token)
    other = portal.issue_invitation(database, POLICY, actor="nurse_ous", study_id=patient)
    portal.revoke_invitation(
        database, actor="nurse_ous", study_id=patient, invitation_id=other.invitation_id
    )
    with pytest.raises(NotAuthenticated):
        portal.redeem(database, POLICY, client_address="10.0.0.1", token=other.token)
    with pytest.raises(NotFound):
        portal.revoke_invitation(
            database, actor="nurse_ous", study_id=patient, invitation_id=other.invitation_id + 99
        )


def test_the_session_ends_when_idle(database: Database, clock: CalendarClock, patient: str) -> None:
    issued = portal.issue_invitation(database, POLICY, actor="nurse_ous", study_id=patient)
    session = portal.redeem(database, POLICY, client_address="10.0.0.1", token=issued.token)
    portal.authenticate_portal(database, POLICY, session.token)
    clock.set_day(START, at=clock._start.time().replace(hour=9, minute=30))
    with pytest.raises(NotAuthenticated):
        portal.authenticate_portal(database, POLICY, session.token)


def test_code_guessing_is_throttled_per_address_and_overall(
    database: Database, patient: str
) -> None:
    issued = portal.issue_invitation(database, POLICY, actor="nurse_ous", study_id=patient)
    evaluated = throttled = 0
    for _ in range(20):
        try:
            portal.redeem(database, POLICY, client_address="10.0.0.9", code="AAAAA-AAAAA")
        except NotAuthenticated:
            evaluated += 1
        except TooManyAttempts as refusal:
            throttled += int(refusal.detail["retry_after_s"]) > 0
    assert (evaluated, throttled) == (POLICY.failures_per_address, 20 - POLICY.failures_per_address)
    with pytest.raises(TooManyAttempts):  # even the right code, from that address
        portal.redeem(database, POLICY, client_address="10.0.0.9", code=issued.code)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            portal.redeem(database, POLICY, client_address="10.0.0.10", code="BBBBB-BBBBB")
    with pytest.raises(TooManyAttempts):  # the overall limit is reached
        portal.redeem(database, POLICY, client_address="10.0.0.11", code=issued.code)


def test_a_draft_is_kept_resumed_and_the_submission_is_audited_as_the_portal_session(
    database: Database, patient: str
) -> None:
    principal = _open(database, patient)
    due = portal.due_questionnaires(database, principal)
    assert [(d.visit_id, d.instrument, d.draft_id) for d in due] == [
        ("baseline", "target_symptom", None)
    ]
    draft = portal.save_draft(
        database,
        principal,
        visit_id="baseline",
        instrument="target_symptom",
        answers={"symptom": "pain", "study_id": "PALL-HUS-0001", "global_impression": "x"},
    )
    assert draft.answers == {"symptom": "pain"}  # unknown fields are dropped
    form = portal.questionnaire_form(
        database, principal, visit_id="baseline", instrument="target_symptom", language="nb"
    )
    assert form.answers == {"symptom": "pain"}
    assert form.draft_id == draft.id
    assert form.baseline
    assert form.ask_nrs
    assert not form.ask_impression
    assert portal.due_questionnaires(database, principal)[0].draft_id == draft.id
    with pytest.raises(InvalidInput) as missing:
        portal.submit(
            database,
            principal,
            visit_id="baseline",
            instrument="target_symptom",
            answers={"symptom": "pain"},
        )
    assert missing.value.location == "nrs"
    with pytest.raises(InvalidInput) as out_of_range:
        portal.submit(
            database,
            principal,
            visit_id="baseline",
            instrument="target_symptom",
            answers={"symptom": "pain", "nrs": "11"},
        )
    assert out_of_range.value.location == "nrs"
    portal.submit(
        database,
        principal,
        visit_id="baseline",
        instrument="target_symptom",
        answers={"symptom": "pain", "nrs": "7"},
    )
    course = pro.symptom_course(database, actor="monitor", study_id=patient)
    assert [(r.visit_id, r.nrs, r.recorded_by) for r in course.ratings] == [
        ("baseline", 7, principal.actor)
    ]
    assert any(a == principal.actor for a, *_ in audit_rows(database, "symptom_ratings"))
    assert "delete" in {act for a, act, *_ in audit_rows(database, "portal_drafts")}
    assert portal.due_questionnaires(database, principal) == []
    with pytest.raises(NotFound):
        portal.find_draft(database, principal, draft.id)


def test_drafts_and_questionnaires_of_another_participant_are_not_found(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    other = enrol_pallsoft(database, clock)
    mine, theirs = _open(database, patient), _open(database, other)
    draft = portal.save_draft(
        database, theirs, visit_id="baseline", instrument="target_symptom", answers={"nrs": "3"}
    )
    with pytest.raises(NotFound):
        portal.find_draft(database, mine, draft.id)
    assert portal.find_draft(database, theirs, draft.id).answers == {"nrs": "3"}
    form = portal.questionnaire_form(
        database, mine, visit_id="baseline", instrument="target_symptom", language="en"
    )
    assert form.answers == {}
    for visit, instrument in (
        ("week_4", "target_symptom"),
        ("baseline", "qlq_c15_pal"),
        ("x", "y"),
    ):
        with pytest.raises(NotFound):
            portal.questionnaire_form(
                database, mine, visit_id=visit, instrument=instrument, language="en"
            )


def test_questionnaire_items_appear_only_when_the_site_loaded_licensed_texts(
    database: Database, patient: str
) -> None:
    principal = _open(database, patient)
    assert "qlq_c15_pal" not in {
        d.instrument for d in portal.due_questionnaires(database, principal)
    }
    with pytest.raises(PermissionDenied):
        portal.load_instrument_texts(
            database,
            actor="nurse_ous",
            site_code="OUS",
            instrument="qlq_c15_pal",
            language="en",
            document=C15_TEXTS,
        )
    with pytest.raises(InvalidInput) as incomplete:
        portal.load_instrument_texts(
            database,
            actor="setup",
            site_code="OUS",
            instrument="qlq_c15_pal",
            language="en",
            document={"items": {"1": "only one"}, "choices": {}},
        )
    assert incomplete.value.location == "items[2]"
    with database.unit_of_work("setup") as uow:
        uow.users.add(username="dm_ous", full_name="Dm", email="dm@example.org", password_hash=None)
        from radtrial.store.records import Role

        uow.users.grant(username="dm_ous", role=Role.DATA_MANAGER, site_code="OUS")
    portal.load_instrument_texts(
        database,
        actor="dm_ous",
        site_code="OUS",
        instrument="qlq_c15_pal",
        language="en",
        document=C15_TEXTS,
        licence="EORTC licence 123",
    )
    assert ("dm_ous", "insert", "licence", "EORTC licence 123") in audit_rows(
        database, "instrument_texts"
    )
    due = portal.due_questionnaires(database, principal)
    assert [d.instrument for d in due] == ["target_symptom", "qlq_c15_pal"]
    form = portal.questionnaire_form(
        database, principal, visit_id="baseline", instrument="qlq_c15_pal", language="nb"
    )
    assert form.text_language == "en"
    assert len(form.items) == 15
    assert form.items[0].choices[0] == (1, "Not at all")
    assert form.items[0].choices[1] == (2, "2")
    with pytest.raises(InvalidInput) as bad_item:
        portal.submit(
            database,
            principal,
            visit_id="baseline",
            instrument="qlq_c15_pal",
            answers={"item_1": "9"},
        )
    assert bad_item.value.location == "item_1"
    portal.submit(
        database,
        principal,
        visit_id="baseline",
        instrument="qlq_c15_pal",
        answers={f"item_{n}": "2" for n in range(1, 15)} | {"item_15": "5"},
    )
    course = pro.symptom_course(database, actor="monitor", study_id=patient)
    assert [(q.assessment_id, q.state, q.recorded_by) for q in course.questionnaires] == [
        ("qlq_c15_pal", "complete", principal.actor)
    ]

"""Helpers for the patient-portal tests: PALLSOFT participants enrolled through the real
services in the API suites' world (randomised today, so their baseline questionnaire is due),
and portal sessions opened through the portal service."""

from __future__ import annotations

import contextlib

from radtrial.errors import Conflict
from radtrial.services import consent, portal, randomisation, registration, screening
from radtrial.services.portal import PortalPolicy
from radtrial.store.database import Database
from radtrial.store.tables import ParticipantRow
from tests.outcomes_support import _pallsoft_data

#: The investigator who enrols at each site in the world (tests/api/support.py).
ENROLLER = {"OUS": "inv.ous", "HUS": "inv.hus"}


def _make_room(db: Database) -> None:
    """Rename the world's directly inserted PALLSOFT participants (they have no registration,
    so registration would hand out their study ids again)."""
    with db.unit_of_work("setup", reason="make room for registered test participants") as uow:
        session = uow.session
        taken = {
            study_id
            for (study_id,) in session.query(ParticipantRow.study_id).filter(
                ParticipantRow.study_id.like("PALL-%-W001")
            )
        }
        for row in session.query(ParticipantRow).filter(
            ParticipantRow.study_id.in_(["PALL-OUS-0001", "PALL-HUS-0001"])
        ):
            new = row.study_id.replace("-0001", "-W001")
            if new not in taken:
                row.study_id = new


def enrol(db: Database, site: str = "OUS", *, symptom: str = "pain", nrs: int = 7) -> str:
    """Screen, consent, register and randomise a PALLSOFT patient at ``site`` today."""
    _make_room(db)
    actor = ENROLLER[site]
    today = db.clock().date()
    screened = screening.screen(
        db,
        actor=actor,
        trial_slug="pallsoft",
        data=_pallsoft_data(today, symptom, nrs),
        site_code=site,
        confirm=["I1", "I3", "I5", "I9", "E4"],
    )
    handle = screened.screening.screening_id
    consent.record_consent(
        db,
        actor=actor,
        trial_slug="pallsoft",
        screening_id=handle,
        document_version="1.0",
        consented_on=today,
    )
    registered = registration.register(db, actor=actor, trial_slug="pallsoft", screening_id=handle)
    with contextlib.suppress(Conflict):
        randomisation.generate_list(db, actor="stat", trial_slug="pallsoft", seed=20260302)
    randomisation.randomise(db, actor=actor, study_id=registered.participant.study_id)
    return registered.participant.study_id


def open_session(db: Database, study_id: str, site: str = "OUS") -> str:
    """A portal session token for ``study_id`` (issued by the site's investigator)."""
    policy = PortalPolicy()
    issued = portal.issue_invitation(db, policy, actor=ENROLLER[site], study_id=study_id)
    return portal.redeem(db, policy, client_address="10.1.1.1", token=issued.token).token


def start_treatment(db: Database, study_id: str, actor: str = "inv.ous") -> None:
    """Plan the participant's RT course from today and deliver its first fraction today (the
    anchor of the follow-up visits)."""
    from radtrial.services.course import deliver_fraction, plan_participant_course

    today = db.clock().date()
    plan = plan_participant_course(db, actor=actor, study_id=study_id, start=today)
    first = plan.fractions[0]
    deliver_fraction(
        db,
        actor=actor,
        study_id=study_id,
        fraction=first.number,
        doses={d.dose_level: d.planned_dose_gy for d in first.doses},
        machine="LINAC-1",
    )

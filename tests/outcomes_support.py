"""Helpers for the outcome tests: a clock that can be moved to a day, and participants enrolled
through the enrolment services (screen, consent, register, randomise) of both trials."""

from __future__ import annotations

import contextlib
import itertools
import threading
from datetime import UTC, date, datetime, time, timedelta

from radtrial.errors import Conflict
from radtrial.services import consent, randomisation, registration, screening, trials
from radtrial.services.outcomes import adverse_events
from radtrial.store.audit import history
from radtrial.store.database import Database
from radtrial.store.records import Role

#: Users: investigator and research nurse at OUS, investigator at HUS, a monitor, the unblinded
#: statistician (every site) and a sponsor administrator.
USERS: dict[str, tuple[Role, str | None]] = {
    "inv_ous": (Role.INVESTIGATOR, "OUS"),
    "nurse_ous": (Role.RESEARCH_NURSE, "OUS"),
    "inv_hus": (Role.INVESTIGATOR, "HUS"),
    "monitor": (Role.MONITOR, None),
    "stat": (Role.UNBLINDED_STATISTICIAN, None),
}

START = date(2026, 3, 2)


class CalendarClock:
    """A UTC clock at 09:00 of a chosen day that moves one second per reading."""

    def __init__(self, day: date = START) -> None:
        self._lock = threading.Lock()
        self.set_day(day)

    def set_day(self, day: date, at: time = time(9, 0)) -> None:
        """Move the clock to ``day`` at ``at`` (UTC)."""
        with self._lock:
            self._start = datetime.combine(day, at, tzinfo=UTC)
            self._ticks = itertools.count()

    @property
    def today(self) -> date:
        return self._start.date()

    def __call__(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=next(self._ticks))


def at(day: date, hour: int = 10) -> datetime:
    """An aware UTC instant on ``day``."""
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def set_up(db: Database) -> None:
    """Load both bundled protocols and add the :data:`USERS` (roles in every trial)."""
    trials.load_protocol(db, "pallsoft", actor="dm")
    trials.load_protocol(db, "prosarc2", actor="dm")
    with db.unit_of_work("setup") as uow:
        for username, (role, site) in USERS.items():
            uow.users.add(
                username=username,
                full_name=username.replace("_", " ").title(),
                email=f"{username}@example.org",
                password_hash=None,
            )
            uow.users.grant(username=username, role=role, site_code=site)


def _pallsoft_data(today: date, symptom: str, nrs: int) -> dict[str, object]:
    return {
        "age_years": 71,
        "histologically_verified": True,
        "primary_origin": "gastrointestinal",
        "pelvic_tumour_presentation": "recurrent",
        "target_symptom_category": symptom,
        "target_symptom_nrs": nrs,
        "language": "norwegian",
        "ecog": 1,
        "expected_survival_weeks": 26,
        "last_systemic_therapy_date": (today - timedelta(days=30)).isoformat(),
        "planned_first_fraction_date": (today + timedelta(days=7)).isoformat(),
        "can_pause_systemic_therapy": True,
        "woman_of_childbearing_potential": False,
        "pregnant": False,
        "neuroendocrine_histology": False,
        "sarcoma_component": False,
        "bone_metastasis_without_soft_tissue": False,
        "investigational_drug_ongoing": False,
        "other_trial_planned_within_4_weeks": False,
    }


def _prosarc_data(today: date) -> dict[str, object]:
    return {
        "age_years": 63,
        "histology": "leiomyosarcoma",
        "measurable_recist": True,
        "ecog": 1,
        "metastatic": False,
        "life_expectancy_years": 5,
        "informed_consent_signed": True,
        "inoperable_by_mdt": True,
        "prior_rt_to_tumour_site": False,
        "pacemaker_or_icd": False,
        "last_systemic_therapy_date": (today - timedelta(days=60)).isoformat(),
        "planned_first_fraction_date": (today + timedelta(days=14)).isoformat(),
    }


def enrol_pallsoft(
    db: Database, clock: CalendarClock, *, site: str = "OUS", symptom: str = "pain", nrs: int = 7
) -> str:
    """Screen, consent, register and randomise a PALLSOFT patient today; the study id."""
    today = clock.today
    screened = screening.screen(
        db,
        actor="inv_ous" if site == "OUS" else "inv_hus",
        trial_slug="pallsoft",
        data=_pallsoft_data(today, symptom, nrs),
        site_code=site,
        confirm=["I1", "I3", "I5", "I9", "E4"],
    )
    actor = "inv_ous" if site == "OUS" else "inv_hus"
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


def enrol_prosarc(db: Database, clock: CalendarClock, *, biobank: bool = True) -> str:
    """Screen, consent (biobank consent as given), and register a PROSARC-2 patient at OUS."""
    today = clock.today
    screened = screening.screen(
        db,
        actor="inv_ous",
        trial_slug="prosarc2",
        data=_prosarc_data(today),
        site_code="OUS",
        confirm=["I7", "E1", "E4"],
    )
    handle = screened.screening.screening_id
    consent.record_consent(
        db,
        actor="inv_ous",
        trial_slug="prosarc2",
        screening_id=handle,
        document_version="1.0",
        consented_on=today,
        optional={"biobank": biobank},
    )
    registered = registration.register(
        db, actor="inv_ous", trial_slug="prosarc2", screening_id=handle
    )
    return registered.participant.study_id


def audit_rows(db: Database, entity: str) -> list[tuple[str, str, str, object]]:
    """``(actor, action, field, new value)`` of every audit row of ``entity``."""
    return [
        (e.actor, e.action, e.field, e.new_value)
        for e in history(db.engine("research"), entity=entity)
    ]


def audit_count(db: Database) -> int:
    """How many audit rows the research database has."""
    return len(history(db.engine("research")))


def treat(db: Database, clock: CalendarClock, study_id: str, start: date) -> tuple[date, date]:
    """Plan the participant's RT course from ``start`` and deliver every fraction on its planned
    day (the clock follows); the first and last fraction days."""
    from radtrial.services.course import deliver_fraction, plan_participant_course

    clock.set_day(start)
    plan = plan_participant_course(db, actor="inv_ous", study_id=study_id, start=start)
    days = []
    for fraction in plan.fractions:
        clock.set_day(fraction.planned_date, time(12, 0))
        deliver_fraction(
            db,
            actor="inv_ous",
            study_id=study_id,
            fraction=fraction.number,
            doses={d.dose_level: d.planned_dose_gy for d in fraction.doses},
            machine="LINAC-1",
        )
        days.append(fraction.planned_date)
    return days[0], days[-1]


def record_adverse_event(
    db: Database,
    study_id: str,
    *,
    term: str,
    onset_on: date,
    **values: object,
) -> adverse_events.AdverseEventRecord:
    """Record a grade-2 adverse event, probably related, by the OUS investigator; ``values``
    override or add fields of :func:`adverse_events.record_adverse_event`."""
    fields: dict[str, object] = {
        "term": term,
        "grade": 2,
        "onset_on": onset_on,
        "attribution": "probable",
    }
    fields.update(values)
    return adverse_events.record_adverse_event(
        db,
        actor="inv_ous",
        study_id=study_id,
        **fields,  # type: ignore[arg-type]
    )

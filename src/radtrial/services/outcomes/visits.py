"""Visit schedules from the stored data: each participant's visits and their status, the visits
due per site, and visits recorded as missed.

A participant's schedule is computed whenever it is asked for (:mod:`radtrial.trial.visits`)
from the protocol in force and the anchor dates stored: screening, registration, randomisation
and the RT course's first and last fraction, *planned* until delivered (so a baseline before the
first fraction comes due before RT starts) and delivered afterwards. So it re-anchors by itself
when the course's dates change or the course is delivered on other days than planned; each
scheduled visit says whether its anchor date is planned (``anchor_planned``). A visit anchored
on an event that has neither happened nor been planned awaits it. A visit
is done on the earliest day anything was recorded for it (ratings, questionnaires, ECOG, tumour
assessments, samples, vital status); follow-up ends at death, going off study or withdrawal
from follow-up. Visits of data recorded under an earlier protocol version that the version in
force no longer has are left out (they cannot be due).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.protocol import Protocol
from radtrial.protocol.schedule import AssessmentKind, Visit
from radtrial.services.access import acting_user
from radtrial.services.outcomes._context import (
    Entry,
    follow_up_ended_on,
    open_entry,
    open_read,
    require_visit,
    schedule_anchors,
)
from radtrial.services.policy import Action, decide
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import MissedVisitRecord, ParticipantFacts
from radtrial.store.records import ParticipantRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.visits import (
    DueVisit,
    ParticipantVisits,
    VisitState,
    Window,
    participant_schedule,
    schedule_visits,
    visit_on,
    visits_due,
)

__all__ = [
    "SiteDueVisit",
    "SiteMissedVisit",
    "infer_visit",
    "participant_visits",
    "record_missed_visit",
    "schedule_input",
    "site_missed_visits",
    "site_visits_due",
]


def schedule_input(
    uow: ResearchUnitOfWork,
    participant: ParticipantRecord,
    protocol: Protocol,
    facts: ParticipantFacts,
) -> ParticipantVisits:
    """What the pure visit rules need of ``participant`` (see the module docstring)."""
    known = {v.id for v in protocol.visits}
    done = {v: d for v, d in uow.outcomes.visit_dates(participant).items() if v in known}
    missed = {m.visit_id for m in uow.outcomes.missed_visits(participant)} & known
    found = schedule_anchors(uow, participant, facts)
    return ParticipantVisits(
        study_id=participant.study_id,
        site=participant.site_code,
        anchors=found.dates,
        done=done,
        missed=missed - set(done),
        follow_up_ended_on=follow_up_ended_on(facts),
        planned_anchors=found.planned,
    )


def participant_visits(
    db: Database, *, actor: str, study_id: str, today: date | None = None
) -> tuple[VisitState, ...]:
    """Every protocol visit of ``study_id`` with its window and status on ``today``."""

    def work(uow: ResearchUnitOfWork) -> tuple[VisitState, ...]:
        participant, protocol, facts = open_read(uow, actor, study_id)
        day = today or local_date(uow.now())
        return participant_schedule(
            protocol.visits, schedule_input(uow, participant, protocol, facts), today=day
        )

    return db.run(work, actor=actor, read_only=True)


@dataclass(frozen=True, slots=True)
class SiteDueVisit:
    """A visit a site has to act on, in its trial."""

    trial_slug: str
    due: DueVisit


def site_visits_due(
    db: Database,
    *,
    actor: str,
    site_code: str,
    trial_slug: str | None = None,
    today: date | None = None,
    look_ahead_days: int = 0,
) -> list[SiteDueVisit]:
    """The due and overdue visits of ``site_code``'s participants (in ``trial_slug``, or in
    every trial the actor has a role in that sees the site), most urgent first.

    With ``look_ahead_days`` > 0 visits whose window opens within that many days are included.
    Raises :class:`PermissionDenied` when the actor sees the site in no trial asked about.
    """
    if look_ahead_days < 0:
        raise InvalidInput(
            f"look ahead 0 days or more, not {look_ahead_days}",
            location="look_ahead_days",
            detail={"reason": "negative"},
        )

    def work(uow: ResearchUnitOfWork) -> list[SiteDueVisit]:
        day = today or local_date(uow.now())
        out: list[SiteDueVisit] = []
        for slug, protocol, at_site in _site_participants(uow, actor, site_code, trial_slug):
            inputs = [schedule_input(uow, p, protocol, uow.outcomes.facts(p)) for p in at_site]
            out.extend(
                SiteDueVisit(slug, due)
                for due in visits_due(
                    protocol.visits,
                    inputs,
                    site=site_code,
                    today=day,
                    look_ahead_days=look_ahead_days,
                )
            )
        return sorted(out, key=lambda d: (d.due.window.closes_on, d.due.study_id, d.due.visit_id))

    return db.run(work, actor=actor, read_only=True)


def _site_participants(
    uow: ResearchUnitOfWork, actor: str, site_code: str, trial_slug: str | None
) -> list[tuple[str, Protocol, list[ParticipantRecord]]]:
    """Per trial the actor may read at ``site_code`` (``trial_slug``, or every trial with
    participants there): the protocol in force and the site's participants.

    :class:`PermissionDenied` when the actor sees the site in the trial asked about, or in none
    of the site's trials."""
    user = acting_user(uow, actor)
    uow.sites.get(site_code)
    at_site = uow.outcomes.participants(trial_slug, [site_code])
    trials = [trial_slug] if trial_slug is not None else sorted({p.trial_slug for p in at_site})
    out: list[tuple[str, Protocol, list[ParticipantRecord]]] = []
    for slug in trials:
        if not decide(user, Action.PARTICIPANT_READ, slug, site_code):
            if trial_slug is not None:
                raise PermissionDenied(
                    f"{actor!r} has no role that may read participants at {site_code} in {slug}",
                    location="actor",
                    detail={"action": Action.PARTICIPANT_READ.value, "trial": slug},
                )
            continue
        protocol, _ = current_protocol(uow, slug)
        out.append((slug, protocol, [p for p in at_site if p.trial_slug == slug]))
    if trials and not out:
        raise PermissionDenied(
            f"{actor!r} has no role that may read participants at {site_code}",
            location="actor",
        )
    return out


@dataclass(frozen=True, slots=True)
class SiteMissedVisit:
    """A visit recorded as not done at a site: whose, which, its window (None when its anchor
    has no date), why, and who recorded it when."""

    trial_slug: str
    study_id: str
    visit_id: str
    label: str
    window: Window | None
    note: str
    recorded_by: str
    recorded_at: datetime


def site_missed_visits(
    db: Database, *, actor: str, site_code: str, trial_slug: str | None = None
) -> list[SiteMissedVisit]:
    """The visits of ``site_code``'s participants recorded as missed (in ``trial_slug``, or in
    every trial the actor sees the site in), by window and study id.

    A missed visit for which data was later recorded is done, not missed, and is left out, as
    are visits the protocol in force no longer has. Permissions as :func:`site_visits_due`.
    """

    def work(uow: ResearchUnitOfWork) -> list[SiteMissedVisit]:
        out: list[SiteMissedVisit] = []
        for slug, protocol, at_site in _site_participants(uow, actor, site_code, trial_slug):
            labels = {v.id: v.label for v in protocol.visits}
            for participant in at_site:
                records = uow.outcomes.missed_visits(participant)
                if not records:
                    continue
                found = schedule_input(uow, participant, protocol, uow.outcomes.facts(participant))
                windows = {
                    v.visit_id: v.window
                    for v in schedule_visits(protocol.visits, found.anchors, found.planned_anchors)
                }
                out.extend(
                    SiteMissedVisit(
                        slug,
                        participant.study_id,
                        m.visit_id,
                        labels[m.visit_id],
                        windows[m.visit_id],
                        m.note,
                        m.recorded_by,
                        m.recorded_at,
                    )
                    for m in records
                    if m.visit_id in found.missed
                )
        return sorted(
            out,
            key=lambda m: (
                date.max if m.window is None else m.window.closes_on,
                m.study_id,
                m.visit_id,
            ),
        )

    return db.run(work, actor=actor, read_only=True)


def infer_visit(
    uow: ResearchUnitOfWork,
    entry: Entry,
    kind: AssessmentKind,
    day: date,
    *,
    assessment_id: str | None = None,
    field: str = "visit",
) -> Visit | None:
    """The visit an assessment of ``kind`` (``assessment_id`` if given) on ``day`` belongs to,
    when it was entered without one.

    Exactly one scheduled visit of the participant that schedules such an assessment and whose
    window contains ``day``: that visit. None: no such window contains the day, so the
    assessment is unscheduled (give the visit to record it as a visit done out of its window).
    Several (windows on different anchors can overlap): :class:`InvalidInput` naming them, as
    only the user can say which visit it was.
    """
    wanted = {
        a.id
        for a in entry.protocol.assessments
        if a.kind == kind and (assessment_id is None or a.id == assessment_id)
    }
    visits = [v for v in entry.protocol.visits if wanted & set(v.assessments)]
    found = schedule_input(uow, entry.participant, entry.protocol, entry.facts)
    scheduled = visit_on(
        schedule_visits(visits, found.anchors, found.planned_anchors), day, field=field
    )
    return None if scheduled is None else require_visit(entry.protocol, scheduled.visit_id, field)


def record_missed_visit(
    db: Database, *, actor: str, study_id: str, visit_id: str, note: str
) -> MissedVisitRecord:
    """Record that ``visit_id`` of ``study_id`` was not done, and why.

    Refused: an unknown visit, no note, a visit already done or already recorded as missed
    (:class:`Conflict`).
    """
    text = note.strip()
    if not text:
        raise InvalidInput(
            "say why the visit was not done", location="note", detail={"reason": "note_required"}
        )

    def work(uow: ResearchUnitOfWork) -> MissedVisitRecord:
        entry = open_entry(uow, actor, study_id, "record missed visits")
        visit = require_visit(entry.protocol, visit_id)
        done = uow.outcomes.visit_dates(entry.participant)
        if visit.id in done:
            raise Conflict(
                f"{study_id} has data for {visit.id} from {done[visit.id].isoformat()}",
                location="visit",
            )
        if any(m.visit_id == visit.id for m in uow.outcomes.missed_visits(entry.participant)):
            raise Conflict(
                f"{visit.id} of {study_id} is already recorded as missed", location="visit"
            )
        return uow.outcomes.add_missed_visit(
            entry.participant, entry.version, visit_id=visit.id, note=text
        )

    return db.run(work, actor=actor)

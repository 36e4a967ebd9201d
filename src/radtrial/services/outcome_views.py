"""What the web platform needs around the outcome services: the site-isolation check (logged)
before an outcome read or write, a site's open adverse events with their SAE deadlines, and the
trial analysis for the roles that may see results by arm.

The outcome services (:mod:`radtrial.services.outcomes`) check roles themselves; the checks here
come first so that a refusal is written to the access log (RELIABILITY.md rows 9 and 16), and an
allowed read of a participant's data is logged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from radtrial.errors import NotFound, PermissionDenied
from radtrial.services.access import acting_user
from radtrial.services.analysis import TrialAnalysis, analyse
from radtrial.services.outcomes.adverse_events import adverse_events_of
from radtrial.services.policy import ACTION_ROLES, Action, authorise, decide, log_access
from radtrial.services.signatures import SignatureRecord, SignatureView
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import (
    AdverseEventRecord,
    ClinicalEventRecord,
    EcogRecord,
    SampleRecord,
    ShipmentRecord,
    SymptomRatingRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.store.records import ParticipantRecord, Role, UserRecord

__all__ = [
    "ANALYSIS_RESULT_ROLES",
    "OPEN_OUTCOMES",
    "AdverseEventRecord",
    "ClinicalEventRecord",
    "EcogRecord",
    "SampleRecord",
    "ShipmentRecord",
    "SignatureRecord",
    "SignatureView",
    "SiteAdverseEvent",
    "SymptomRatingRecord",
    "TumourBaselineRecord",
    "TumourFollowUpRecord",
    "authorise_outcome_read",
    "authorise_sample_write",
    "site_open_adverse_events",
    "trial_analysis",
]

#: Outcomes of an adverse event that is still open (not resolved).
OPEN_OUTCOMES = frozenset({"recovering", "not_recovered", "unknown"})

#: Who may see a trial's analysis (endpoint tables by arm): the unblinded statistician and the
#: sponsor administrator. Data managers and monitors review data, not comparative results, so
#: they are refused here although the analysis service itself would admit them.
ANALYSIS_RESULT_ROLES = frozenset({Role.UNBLINDED_STATISTICIAN, Role.SPONSOR_ADMIN})


def _participant(db: Database, user: UserRecord, study_id: str) -> ParticipantRecord:
    return db.run(lambda uow: uow.participants.get(study_id), actor=user.username, read_only=True)


def authorise_outcome_read(
    db: Database,
    *,
    user: UserRecord,
    study_id: str,
    entity: str,
    client_address: str | None = None,
) -> ParticipantRecord:
    """The participant, once the policy lets ``user`` read them (a refusal is logged, and so
    is an allowed read of ``entity``); :class:`NotFound` for an unknown study id."""
    participant = _participant(db, user, study_id)
    authorise(
        db,
        user,
        Action.PARTICIPANT_READ,
        participant.trial_slug,
        participant.site_code,
        entity=entity,
        entity_id=str(participant.id),
        client_address=client_address,
    )
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity=entity,
        entity_id=str(participant.id),
        trial_slug=participant.trial_slug,
        site_code=participant.site_code,
        client_address=client_address,
    )
    return participant


def authorise_sample_write(
    db: Database, *, user: UserRecord, label: str, client_address: str | None = None
) -> ParticipantRecord:
    """The participant a sample is of, once ``user`` may write at their site. A sample the
    user may not see is refused like an unknown one would be distinguished: 404 when there is
    no such label, 403 (logged) for another site's."""

    def locate(uow: ResearchUnitOfWork) -> ParticipantRecord:
        sample = uow.biobank.sample(label)
        return uow.participants.get(sample.study_id)

    participant = db.run(locate, actor=user.username, read_only=True)
    authorise(
        db,
        user,
        Action.PARTICIPANT_WRITE,
        participant.trial_slug,
        participant.site_code,
        entity="samples",
        entity_id=label,
        client_address=client_address,
    )
    return participant


@dataclass(frozen=True, slots=True)
class SiteAdverseEvent:
    """An open adverse event at a site, with the deadlines of its expedited reports."""

    trial_slug: str
    event: AdverseEventRecord
    report_due_at: datetime | None
    overdue: bool


def site_open_adverse_events(
    db: Database,
    *,
    user: UserRecord,
    site_code: str,
    trial_slug: str | None = None,
    client_address: str | None = None,
) -> list[SiteAdverseEvent]:
    """The open adverse events of ``site_code``'s participants the user may read (in
    ``trial_slug`` or every trial), serious ones with the earliest report deadline first.

    :class:`PermissionDenied` (logged) when the user may read participants at the site in none
    of the trials asked about; :class:`NotFound` for an unknown site or trial."""

    def gather(uow: ResearchUnitOfWork) -> tuple[list[ParticipantRecord], datetime]:
        acting_user(uow, user.username)
        uow.sites.get(site_code)
        if trial_slug is not None and not uow.outcomes.trial_exists(trial_slug):
            raise NotFound(f"no trial {trial_slug!r}", location="trial")
        return uow.outcomes.participants(trial_slug, [site_code]), uow.now()

    at_site, now = db.run(gather, actor=user.username, read_only=True)
    if trial_slug is not None:
        authorise(
            db,
            user,
            Action.PARTICIPANT_READ,
            trial_slug,
            site_code,
            entity="sites",
            entity_id=site_code,
            client_address=client_address,
        )
    elif not (
        user.active
        and any(
            g.role in ACTION_ROLES[Action.PARTICIPANT_READ] and g.site_code in (None, site_code)
            for g in user.grants
        )
    ):
        log_access(
            db,
            actor=user.username,
            action=Action.PARTICIPANT_READ.value,
            outcome="denied",
            entity="sites",
            entity_id=site_code,
            site_code=site_code,
            client_address=client_address,
        )
        raise PermissionDenied(
            f"{user.username!r} may not read participants at {site_code}", location="actor"
        )
    visible = {
        p.trial_slug
        for p in at_site
        if decide(user, Action.PARTICIPANT_READ, p.trial_slug, site_code)
    }
    out: list[SiteAdverseEvent] = []
    for participant in at_site:
        if participant.trial_slug not in visible:
            continue
        for event in adverse_events_of(db, actor=user.username, study_id=participant.study_id):
            if event.outcome not in OPEN_OUTCOMES:
                continue
            due = min(
                (d for d in (event.report_due_at, event.susar_report_due_at) if d is not None),
                default=None,
            )
            out.append(
                SiteAdverseEvent(participant.trial_slug, event, due, due is not None and due < now)
            )
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity="adverse_events",
        entity_id=site_code,
        trial_slug=trial_slug,
        site_code=site_code,
        client_address=client_address,
    )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(
        out,
        key=lambda a: (
            not a.event.serious,
            a.report_due_at or far,
            a.event.study_id,
            a.event.id,
        ),
    )


def trial_analysis(
    db: Database,
    *,
    user: UserRecord,
    trial_slug: str,
    population: str | None = None,
    client_address: str | None = None,
) -> TrialAnalysis:
    """The trial's endpoint tables in ``population``, for a user holding one of
    :data:`ANALYSIS_RESULT_ROLES` in the trial (others refused, logged)."""
    if not (
        user.active
        and any(
            g.role in ANALYSIS_RESULT_ROLES and g.trial_slug in (None, trial_slug)
            for g in user.grants
        )
    ):
        log_access(
            db,
            actor=user.username,
            action="trial.analyse",
            outcome="denied",
            entity="trials",
            entity_id=trial_slug,
            trial_slug=trial_slug,
            client_address=client_address,
        )
        raise PermissionDenied(
            f"{user.username!r} may not see the analysis of {trial_slug} (needs one of: "
            f"{', '.join(sorted(r.value for r in ANALYSIS_RESULT_ROLES))})",
            location="actor",
            detail={"action": "trial.analyse", "trial": trial_slug},
        )
    return analyse(db, actor=user.username, trial_slug=trial_slug, population=population)


def adverse_event(
    db: Database, *, user: UserRecord, study_id: str, event_id: int
) -> AdverseEventRecord:
    """The participant's adverse event ``event_id`` (:class:`NotFound` otherwise)."""
    for event in adverse_events_of(db, actor=user.username, study_id=study_id):
        if event.id == event_id:
            return event
    raise NotFound(f"{study_id} has no adverse event {event_id}", location="event_id")

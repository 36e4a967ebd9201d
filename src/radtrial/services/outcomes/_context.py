"""What every outcome entry checks first: who acts, on whom, under which protocol, on which day.

An entry is made by an investigator or research nurse at the participant's site (the enrolment
rule, :mod:`radtrial.services.access`), under the protocol version in force (the latest loaded),
and is checked against the participant's recorded facts: not before registration, not in the
future, not after death, and not of a kind a withdrawal recorded on or before that day forbids
(:func:`radtrial.trial.consent.may_collect`). Each check raises a located
:class:`InvalidInput` (or :class:`PermissionDenied`) before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from radtrial.errors import InvalidInput, NotFound, PermissionDenied
from radtrial.protocol import Protocol
from radtrial.protocol.biobank import Withdrawal, WithdrawalStops
from radtrial.protocol.schedule import Anchor, Assessment, AssessmentKind, Visit
from radtrial.services.access import ENROLMENT_ROLES, acting_user, require_site_role
from radtrial.services.policy import ACTION_ROLES, Action, decide, require
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.outcome_records import ParticipantFacts
from radtrial.store.records import ParticipantRecord, ProtocolVersionRecord, UserRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.consent import WITHDRAWAL_ORDER, Collectable, may_collect
from radtrial.trial.visits import check_assessment_date

__all__ = [
    "OUTCOME_ROLES",
    "Entry",
    "ScheduleAnchors",
    "anchors",
    "follow_up_ended_on",
    "open_entry",
    "open_own_entry",
    "open_read",
    "optional_text",
    "readable",
    "require_assessment",
    "require_collectable",
    "require_visit",
    "resolve_target",
    "schedule_anchors",
    "utc_instant",
]

#: Roles that record outcomes for a participant, at the participant's site.
OUTCOME_ROLES = ENROLMENT_ROLES

#: What the date a field gives is called in a refusal (any other field: "assessment date").
_DAY_NAMES = {
    "onset_on": "onset date",
    "event_on": "event date",
    "died_on": "date of death",
    "off_on": "off-study date",
    "known_alive_on": "date last known alive",
    "collected_at": "collection date",
    "answered_at": "answer date",
}


@dataclass(frozen=True)
class Entry:
    """A participant being written about: the record, the protocol in force, the facts, today.

    ``user`` is the staff user entering data, None when the participant enters their own
    answers through the patient portal (:func:`open_own_entry`).
    """

    user: UserRecord | None
    participant: ParticipantRecord
    protocol: Protocol
    version: ProtocolVersionRecord
    facts: ParticipantFacts
    today: date
    now: datetime

    def check_day(self, day: date, field: str) -> date:
        """``day`` refused before registration, in the future or after death; the message names
        the date by what ``field`` is (the onset date, the date of death, …)."""
        name = _DAY_NAMES.get(field, "assessment date")
        try:
            check_assessment_date(
                day, registered_on=self.facts.registered_on, today=self.today, field=field
            )
        except InvalidInput as error:
            if error.detail.get("reason") == "before_registration":
                message = (
                    f"the {name} {day.isoformat()} is before registration "
                    f"({self.facts.registered_on.isoformat()})"
                )
            else:
                message = (
                    f"the {name} {day.isoformat()} is in the future "
                    f"(today is {self.today.isoformat()})"
                )
            raise InvalidInput(message, location=error.location, detail=error.detail) from None
        death = self.facts.death_on
        if death is not None and day > death:
            raise InvalidInput(
                f"the {name} {day.isoformat()} is after the participant's death on "
                f"{death.isoformat()}",
                location=field,
                detail={"reason": "after_death"},
            )
        return day

    def check_instant(self, at: datetime, field: str) -> datetime:
        """An aware instant as UTC, checked like :meth:`check_day` (and not after now)."""
        utc = utc_instant(at, field)
        if utc > self.now:
            raise InvalidInput(
                f"{utc.isoformat()} is in the future",
                location=field,
                detail={"reason": "in_future"},
            )
        self.check_day(local_date(utc), field)
        return utc


def utc_instant(at: datetime, field: str) -> datetime:
    """``at`` converted to UTC; a naive datetime is refused (its zone would be a guess)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(
            "give a time with its zone (e.g. 2026-03-02T09:30:00+01:00 or …Z)",
            location=field,
            detail={"reason": "naive_datetime"},
        )
    return at.astimezone(UTC)


def optional_text(value: str | None) -> str | None:
    """Stripped text, or None for nothing or blanks."""
    if value is None or not value.strip():
        return None
    return value.strip()


def open_entry(
    uow: ResearchUnitOfWork, actor: str, study_id: str, action: str, *, lock: bool = True
) -> Entry:
    """Check that ``actor`` may ``action`` for ``study_id`` and gather what entry needs.

    The participant's row is locked (PostgreSQL) until the unit of work ends, so two entries
    for one participant are checked and written one after the other.
    """
    user = acting_user(uow, actor)
    participant = uow.participants.get(study_id, lock=lock)
    require_site_role(user, OUTCOME_ROLES, participant.trial_slug, participant.site_code, action)
    protocol, version = current_protocol(uow, participant.trial_slug)
    now = uow.now()
    return Entry(
        user=user,
        participant=participant,
        protocol=protocol,
        version=version,
        facts=uow.outcomes.facts(participant),
        today=local_date(now),
        now=now,
    )


def open_own_entry(uow: ResearchUnitOfWork, study_id: str) -> Entry:
    """The entry of a participant answering their own questionnaires.

    Only for the patient portal, whose service has already established from the portal session
    (never from anything the client sends) that ``study_id`` is the participant acting. The
    participant's row is locked as in :func:`open_entry`.
    """
    participant = uow.participants.get(study_id, lock=True)
    protocol, version = current_protocol(uow, participant.trial_slug)
    now = uow.now()
    return Entry(
        user=None,
        participant=participant,
        protocol=protocol,
        version=version,
        facts=uow.outcomes.facts(participant),
        today=local_date(now),
        now=now,
    )


def open_read(
    uow: ResearchUnitOfWork, actor: str, study_id: str
) -> tuple[ParticipantRecord, Protocol, ParticipantFacts]:
    """The participant, the protocol in force and the facts, for a user the site-isolation
    policy lets read the participant (:data:`Action.PARTICIPANT_READ`)."""
    user = acting_user(uow, actor)
    participant = uow.participants.get(study_id)
    require(user, Action.PARTICIPANT_READ, participant.trial_slug, participant.site_code)
    protocol, _ = current_protocol(uow, participant.trial_slug)
    return participant, protocol, uow.outcomes.facts(participant)


def readable(user: UserRecord, trial_slug: str) -> bool:
    """Whether ``user`` may read participants of the trial at some site."""
    roles = ACTION_ROLES[Action.PARTICIPANT_READ]
    return user.active and any(
        g.role in roles and g.trial_slug in (None, trial_slug) for g in user.grants
    )


def resolve_target(
    uow: ResearchUnitOfWork, actor: str, target: str
) -> tuple[list[ParticipantRecord], Protocol, str]:
    """The participants ``target`` names, a trial slug (those at sites the actor sees) or a
    study id, with the protocol in force and the trial slug."""
    if uow.outcomes.trial_exists(target):
        user = acting_user(uow, actor)
        if not readable(user, target):
            raise PermissionDenied(
                f"{actor!r} has no role that may read participants of {target}",
                location="actor",
                detail={"action": Action.PARTICIPANT_READ.value, "trial": target},
            )
        protocol, _ = current_protocol(uow, target)
        participants = [
            p
            for p in uow.outcomes.participants(target)
            if decide(user, Action.PARTICIPANT_READ, target, p.site_code)
        ]
        return participants, protocol, target
    try:
        participant, protocol, _ = open_read(uow, actor, target)
    except NotFound:
        raise NotFound(
            f"{target!r} is neither a trial nor a participant", location="target"
        ) from None
    return [participant], protocol, participant.trial_slug


def require_visit(protocol: Protocol, visit_id: str, field: str = "visit") -> Visit:
    """The protocol's visit ``visit_id``; refused naming the visits there are."""
    for visit in protocol.visits:
        if visit.id == visit_id:
            return visit
    known = ", ".join(v.id for v in protocol.visits) or "none"
    raise InvalidInput(
        f"the protocol has no visit {visit_id!r} (visits: {known})",
        location=field,
        detail={"reason": "unknown_visit"},
    )


def require_assessment(
    protocol: Protocol,
    kind: AssessmentKind,
    *,
    visit: Visit | None = None,
    assessment_id: str | None = None,
    field: str = "visit",
) -> Assessment:
    """The protocol's assessment of ``kind`` (``assessment_id`` if given), scheduled at
    ``visit`` when one is given."""
    candidates = [
        a
        for a in protocol.assessments
        if a.kind == kind and (assessment_id is None or a.id == assessment_id)
    ]
    if not candidates:
        what = assessment_id or kind.replace("_", " ")
        raise InvalidInput(
            f"the protocol of {protocol.slug} has no {what} assessment",
            location="assessment" if assessment_id else field,
            detail={"reason": "no_such_assessment"},
        )
    if visit is None:
        return candidates[0]
    for assessment in candidates:
        if assessment.id in visit.assessments:
            return assessment
    raise InvalidInput(
        f"visit {visit.id!r} does not schedule {candidates[0].id} (it schedules "
        f"{', '.join(visit.assessments) or 'nothing'})",
        location=field,
        detail={"reason": "not_scheduled"},
    )


def require_collectable(
    facts: ParticipantFacts,
    what: Collectable,
    day: date,
    field: str,
    *,
    stops: WithdrawalStops,
    requires_consent: str | None = None,
) -> None:
    """Refuse data of kind ``what`` on ``day`` when a withdrawal recorded on or before that day
    (or a missing optional consent) forbids it; ``stops`` is the protocol's
    ``consent.withdrawal_stops``."""
    withdrawn: list[Withdrawal] = [
        kind
        for kind in WITHDRAWAL_ORDER
        if any(k == kind and on <= day for k, on in facts.withdrawals)
    ]
    decision = may_collect(
        what,
        withdrawn,
        stops=stops,
        optional_consents=facts.optional_consents,
        requires_consent=requires_consent,
    )
    if not decision.allowed:
        raise InvalidInput(
            f"{facts.participant.study_id}: may not be collected on {day.isoformat()} "
            f"({decision.reason})",
            location=field,
            detail={"reason": "not_collectable", "collectable": what.value},
        )


def anchors(facts: ParticipantFacts) -> Mapping[Anchor, date]:
    """The participant's visit anchor dates that have happened."""
    dates: dict[Anchor, date | None] = {
        "screening": facts.screened_on,
        "registration": facts.registered_on,
        "randomisation": facts.randomised_on,
        "first_fraction": facts.first_fraction_on,
        "last_fraction": facts.last_fraction_on,
    }
    return {anchor: day for anchor, day in dates.items() if day is not None}


@dataclass(frozen=True, slots=True)
class ScheduleAnchors:
    """The anchor dates a participant's visit schedule is computed from, and which of them are
    only planned (the RT course's first or last fraction before it is delivered)."""

    dates: Mapping[Anchor, date]
    planned: frozenset[Anchor]


def schedule_anchors(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, facts: ParticipantFacts
) -> ScheduleAnchors:
    """The actual anchor dates (:func:`anchors`), with the first and last fraction taken from
    the planned course until they are delivered.

    Until a fraction is delivered the first fraction is the earliest planned (not cancelled)
    fraction's day, or the course's start date when no fraction is planned yet; until no
    fraction is left planned the last fraction is the latest day still planned. Once delivered,
    the delivered day replaces the planned one: the schedule re-anchors on the actual date.
    """
    dates = dict(anchors(facts))
    planned: set[Anchor] = set()
    if "first_fraction" in dates and "last_fraction" in dates:
        return ScheduleAnchors(dates, frozenset())
    course = uow.course.get(participant)
    if course is None:
        return ScheduleAnchors(dates, frozenset())
    fractions = uow.course.fractions(course.id)
    still_planned = [f.planned_date for f in fractions if f.status == "planned"]
    if "first_fraction" not in dates:
        dates["first_fraction"] = min(still_planned, default=course.start_date)
        planned.add("first_fraction")
    if "last_fraction" not in dates and still_planned:
        delivered = facts.first_fraction_on
        last = max(still_planned)
        dates["last_fraction"] = last if delivered is None else max(last, delivered)
        planned.add("last_fraction")
    return ScheduleAnchors(dates, frozenset(planned))


def follow_up_ended_on(facts: ParticipantFacts) -> date | None:
    """The day follow-up ended: death, going off study, or withdrawal from follow-up (or of
    consent to data and samples), whichever came first."""
    ends = [on for kind, on in facts.withdrawals if kind in {"follow_up", "data_and_samples"}]
    ends.extend(day for day in (facts.death_on, facts.off_study_on) if day is not None)
    return min(ends, default=None)

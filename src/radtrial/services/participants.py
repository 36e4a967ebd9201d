"""Use cases: read participants and screenings as a user may see them, with each read logged.

Participants and screenings belong to a trial and a site. A user sees them where the
site-isolation policy allows :attr:`~radtrial.services.policy.Action.PARTICIPANT_READ`
(:func:`radtrial.services.policy.decide`): lists are filtered participant by participant, and
a single read of another site's participant is refused (:class:`PermissionDenied`, written to
the access log). Every allowed read of participant data is written to the access log too (who,
which participant or list, when; RELIABILITY.md row 16, Normen fact sheet 15).

A participant's *stage* is derived: ``withdrawn`` once any withdrawal is recorded, else
``randomised`` once an allocation exists, else ``registered``. The enrolment summary of a site
counts registrations per calendar month (UTC) against the trial's target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from radtrial.errors import NotFound
from radtrial.protocol import Protocol
from radtrial.services.policy import Action, authorise, decide, log_access
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    AllocationListRecord,
    AllocationRecord,
    ClosureRecord,
    ConsentRecord,
    EvaluationRecord,
    ParticipantRecord,
    ProtocolVersionRecord,
    ScreeningRecord,
    StratumRecord,
    UserRecord,
    WithdrawalRecord,
)
from radtrial.trial.eligibility import EligibilityResult

__all__ = [
    "STAGES",
    "AllocationListRecord",
    "ConsentRecord",
    "EnrolmentForm",
    "MonthCount",
    "ParticipantView",
    "ScreeningView",
    "StratumRecord",
    "authorise_log",
    "authorise_participant_write",
    "authorise_screening_write",
    "authorise_write",
    "enrolment_by_month",
    "enrolment_form",
    "list_participants",
    "participant_view",
    "screening_view",
]

#: The stages a participant passes through, in order.
STAGES = ("registered", "randomised", "withdrawn")


@dataclass(frozen=True, slots=True)
class ParticipantView:
    """A participant as the pages and the API show them."""

    participant: ParticipantRecord
    stage: str
    protocol_version: str
    screening_id: str | None
    registered_on: date | None
    randomised: bool
    allocation: AllocationRecord | None
    consent: ConsentRecord | None
    withdrawals: tuple[WithdrawalRecord, ...]
    withdrawal_kinds: tuple[str, ...]
    optional_fraction_decisions: tuple[dict[str, Any], ...]
    optional_fractions: tuple[str, ...]


def _view(uow: ResearchUnitOfWork, participant: ParticipantRecord, full: bool) -> ParticipantView:
    withdrawals = tuple(uow.enrolment.withdrawals(participant))
    allocation = uow.randomisation.allocation_of(participant)
    stage = "withdrawn" if withdrawals else "randomised" if allocation is not None else "registered"
    version = uow.enrolment.protocol_version(
        participant.trial_slug, participant.protocol_version_id
    )
    label = version.version_label if version is not None else "?"
    registered = uow.enrolment.registration_of_participant(participant)
    consent = None
    kinds: tuple[str, ...] = ()
    decisions: tuple[dict[str, Any], ...] = ()
    optional: tuple[str, ...] = ()
    if full:
        if registered is not None:
            consent = uow.enrolment.latest_consent(registered[1])
        protocol, _ = current_protocol(uow, participant.trial_slug)
        kinds = tuple(protocol.consent.withdrawal_kinds)
        decisions = tuple(
            {
                "optional_fraction": d.optional_fraction,
                "criterion_met": d.criterion_met,
                "give": d.give,
            }
            for d in uow.randomisation.decisions(participant)
        )
        if participant.arm_code is not None:
            arm = protocol.arm(participant.arm_code)
            optional = tuple(o.id for o in arm.prescription.optional_fractions)
    return ParticipantView(
        participant=participant,
        stage=stage,
        protocol_version=label,
        screening_id=registered[1].screening_id if registered is not None else None,
        registered_on=registered[0].registered_on if registered is not None else None,
        randomised=allocation is not None,
        allocation=allocation,
        consent=consent,
        withdrawals=withdrawals,
        withdrawal_kinds=kinds,
        optional_fraction_decisions=decisions,
        optional_fractions=optional,
    )


def list_participants(
    db: Database,
    *,
    user: UserRecord,
    trial_slug: str,
    site_code: str | None = None,
    client_address: str | None = None,
) -> list[ParticipantView]:
    """The trial's participants the user may see (at ``site_code`` only, if given).

    A user with no role in the trial is refused (as the trial itself); asking for a site whose
    participants the user may not see is refused; otherwise the list holds only participants
    of sites the user may see. The read is written to the access log.
    """
    authorise(
        db,
        user,
        Action.TRIAL_READ,
        trial_slug,
        None,
        entity="trials",
        client_address=client_address,
    )
    if site_code is not None:
        authorise(
            db,
            user,
            Action.PARTICIPANT_READ,
            trial_slug,
            site_code,
            entity="participants",
            client_address=client_address,
        )

    def work(uow: ResearchUnitOfWork) -> list[ParticipantView]:
        uow.trials.get(trial_slug)
        sites = None if site_code is None else [site_code]
        return [
            _view(uow, participant, full=False)
            for participant in uow.participants.in_trial(trial_slug, sites)
            if decide(user, Action.PARTICIPANT_READ, participant.trial_slug, participant.site_code)
        ]

    views = db.run(work, actor=user.username, read_only=True)
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity="participants",
        trial_slug=trial_slug,
        site_code=site_code,
        client_address=client_address,
        detail={"study_ids": [v.participant.study_id for v in views]},
    )
    return views


def participant_view(
    db: Database, *, user: UserRecord, study_id: str, client_address: str | None = None
) -> ParticipantView:
    """The participant ``study_id`` with stage, arm, consent and withdrawals.

    Raises :class:`NotFound` for an unknown study id and :class:`PermissionDenied` (logged)
    for a participant of a site the user may not see; an allowed read is logged.
    """

    def locate(uow: ResearchUnitOfWork) -> ParticipantRecord:
        return uow.participants.get(study_id)

    participant = db.run(locate, actor=user.username, read_only=True)
    authorise(
        db,
        user,
        Action.PARTICIPANT_READ,
        participant.trial_slug,
        participant.site_code,
        entity="participants",
        entity_id=str(participant.id),
        client_address=client_address,
    )
    view = db.run(
        lambda uow: _view(uow, uow.participants.get(study_id), full=True),
        actor=user.username,
        read_only=True,
    )
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity="participants",
        entity_id=str(participant.id),
        trial_slug=participant.trial_slug,
        site_code=participant.site_code,
        client_address=client_address,
    )
    return view


@dataclass(frozen=True, slots=True)
class ScreeningView:
    """A screening with its latest evaluation, consent, closure and registration."""

    screening: ScreeningRecord
    evaluation: EvaluationRecord | None
    result: EligibilityResult | None
    consent: ConsentRecord | None
    closure: ClosureRecord | None
    study_id: str | None
    version: ProtocolVersionRecord | None


def screening_view(
    db: Database,
    *,
    user: UserRecord,
    trial_slug: str,
    screening_id: str,
    client_address: str | None = None,
) -> ScreeningView:
    """The screening ``screening_id`` of the trial, for a user who may read its site's
    participants (:class:`PermissionDenied`, logged, otherwise); the read is logged."""

    def locate(uow: ResearchUnitOfWork) -> ScreeningRecord:
        return uow.enrolment.screening(trial_slug, screening_id)

    screening = db.run(locate, actor=user.username, read_only=True)
    authorise(
        db,
        user,
        Action.PARTICIPANT_READ,
        trial_slug,
        screening.site_code,
        entity="screenings",
        entity_id=str(screening.id),
        client_address=client_address,
    )

    def work(uow: ResearchUnitOfWork) -> ScreeningView:
        enrolment = uow.enrolment
        evaluation = enrolment.latest_evaluation(screening)
        registration = enrolment.registration_of_screening(screening)
        return ScreeningView(
            screening=screening,
            evaluation=evaluation,
            result=None if evaluation is None else EligibilityResult.from_json(evaluation.results),
            consent=enrolment.latest_consent(screening),
            closure=enrolment.closure(screening),
            study_id=None if registration is None else registration.participant.study_id,
            version=None
            if evaluation is None
            else enrolment.protocol_version(trial_slug, evaluation.protocol_version_id),
        )

    view = db.run(work, actor=user.username, read_only=True)
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity="screenings",
        entity_id=str(screening.id),
        trial_slug=trial_slug,
        site_code=screening.site_code,
        client_address=client_address,
    )
    return view


@dataclass(frozen=True, slots=True)
class EnrolmentForm:
    """What a screening form needs: the protocol version in force."""

    protocol: Protocol
    version: ProtocolVersionRecord


def enrolment_form(db: Database, *, user: UserRecord, trial_slug: str) -> EnrolmentForm:
    """The protocol in force, for a user who may read the trial (:class:`PermissionDenied`
    otherwise, whether or not the trial exists)."""
    authorise(db, user, Action.TRIAL_READ, trial_slug, None, entity="trials")

    def work(uow: ResearchUnitOfWork) -> EnrolmentForm:
        try:
            protocol, version = current_protocol(uow, trial_slug)
        except NotFound:
            raise NotFound(f"no trial {trial_slug!r}", location="slug") from None
        return EnrolmentForm(protocol, version)

    return db.run(work, actor=user.username, read_only=True)


@dataclass(frozen=True, slots=True)
class MonthCount:
    """Registrations in one calendar month and the running total."""

    month: str
    count: int
    cumulative: int


def enrolment_by_month(views: list[ParticipantView]) -> list[MonthCount]:
    """Registrations per month (``YYYY-MM``, by the participant's creation time in UTC), every
    month from the first to the last, with the running total."""
    counts = Counter(v.participant.created_at.strftime("%Y-%m") for v in views)
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    out: list[MonthCount] = []
    total = 0
    while True:
        key = f"{year:04d}-{month:02d}"
        total += counts.get(key, 0)
        out.append(MonthCount(key, counts.get(key, 0), total))
        if key == last:
            return out
        month += 1
        if month > 12:
            year, month = year + 1, 1


def authorise_write(
    db: Database,
    *,
    user: UserRecord,
    trial_slug: str,
    site_code: str,
    client_address: str | None = None,
) -> None:
    """Refuse (logged) a user who may not write participant data at ``site_code`` in the
    trial; the enrolment services then check the exact role each step needs."""
    authorise(
        db,
        user,
        Action.PARTICIPANT_WRITE,
        trial_slug,
        site_code,
        entity="participants",
        client_address=client_address,
    )


def authorise_screening_write(
    db: Database,
    *,
    user: UserRecord,
    trial_slug: str,
    screening_id: str,
    client_address: str | None = None,
) -> ScreeningRecord:
    """The screening, once the user may write at its site (:class:`NotFound` for an unknown
    one; :class:`PermissionDenied`, logged, for another site's)."""
    screening = db.run(
        lambda uow: uow.enrolment.screening(trial_slug, screening_id),
        actor=user.username,
        read_only=True,
    )
    authorise(
        db,
        user,
        Action.PARTICIPANT_WRITE,
        trial_slug,
        screening.site_code,
        entity="screenings",
        entity_id=str(screening.id),
        client_address=client_address,
    )
    return screening


def authorise_participant_write(
    db: Database, *, user: UserRecord, study_id: str, client_address: str | None = None
) -> ParticipantRecord:
    """The participant, once the user may write at their site (:class:`NotFound` for an
    unknown study id; :class:`PermissionDenied`, logged, for another site's)."""
    participant = db.run(
        lambda uow: uow.participants.get(study_id), actor=user.username, read_only=True
    )
    authorise(
        db,
        user,
        Action.PARTICIPANT_WRITE,
        participant.trial_slug,
        participant.site_code,
        entity="participants",
        entity_id=str(participant.id),
        client_address=client_address,
    )
    return participant


def authorise_log(
    db: Database,
    *,
    user: UserRecord,
    trial_slug: str,
    site_code: str | None,
    client_address: str | None = None,
) -> None:
    """Refuse (logged) a screening-log read of a trial the user has no role in, or of a site
    the user may not see in it; log the read otherwise (the log service then shows only the
    sites the user's grants cover)."""
    authorise(
        db,
        user,
        Action.TRIAL_READ,
        trial_slug,
        None,
        entity="trials",
        client_address=client_address,
    )
    if site_code is not None:
        authorise(
            db,
            user,
            Action.SITE_READ,
            trial_slug,
            site_code,
            entity="screenings",
            client_address=client_address,
        )
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity="screenings",
        trial_slug=trial_slug,
        site_code=site_code,
        client_address=client_address,
    )

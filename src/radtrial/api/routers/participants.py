"""``/participants``: a trial's participants as the user may see them, one participant's stage,
arm, consent and withdrawals, and the writes about a registered participant: randomisation
(explicit, once), withdrawals and the decision on an optional fraction.

Reads are filtered by the site-isolation policy and written to the access log; a participant of
another site is refused (403, logged), an unknown study id is 404. Writes are checked by the
policy at the participant's site (logged) and then by the service, which audits them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.routers.screenings import consent_out
from radtrial.api.schemas import SITE_PATTERN, SLUG_PATTERN
from radtrial.api.schemas_enrolment import (
    STUDY_ID_PATTERN,
    AllocationOut,
    CollectionOut,
    DecisionOut,
    DecisionSummaryOut,
    NewWithdrawal,
    OptionalFractionDecisionIn,
    ParticipantDetailOut,
    ParticipantOut,
    WithdrawalOut,
)
from radtrial.errors import NotFound
from radtrial.protocol.biobank import Withdrawal
from radtrial.services import participants
from radtrial.services.consent import record_withdrawal
from radtrial.services.optional_fractions import decide_optional_fraction
from radtrial.services.participants import ParticipantView
from radtrial.services.randomisation import randomise
from radtrial.services.screening import local_today

router = APIRouter(tags=["participants"])

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="Trial slug, e.g. pallsoft")]
StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PALL-OUS-0001")]


def participant_out(view: ParticipantView) -> ParticipantOut:
    p = view.participant
    return ParticipantOut(
        study_id=p.study_id,
        trial=p.trial_slug,
        site=p.site_code,
        stage=view.stage,
        arm=p.arm_code,
        protocol_version=view.protocol_version,
        screening_id=view.screening_id,
        registered_on=view.registered_on,
        randomised=view.randomised,
    )


@router.get("/trials/{slug}/participants", summary="List participants")
def list_participants(
    slug: Slug,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
    site: Annotated[str | None, Query(pattern=SITE_PATTERN)] = None,
) -> list[ParticipantOut]:
    """The trial's participants at the sites the user may see (or at ``site``), by site and
    study id; 403 for a site the user may not see. The read is logged."""
    views = participants.list_participants(
        db, user=principal.user, trial_slug=slug, site_code=site, client_address=address
    )
    return [participant_out(v) for v in views]


@router.get("/participants/{study_id}", summary="Show a participant")
def show_participant(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> ParticipantDetailOut:
    """Stage, arm, protocol version, consent, withdrawals; 403 for another site's participant.
    The read is logged."""
    view = participants.participant_view(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    return ParticipantDetailOut(
        **participant_out(view).model_dump(),
        consent=None if view.consent is None else consent_out(view.consent),
        withdrawals=[
            WithdrawalOut(
                kind=w.kind,
                withdrawn_on=w.withdrawn_on,
                note=w.note,
                recorded_by=w.recorded_by,
                recorded_at=w.recorded_at,
            )
            for w in view.withdrawals
        ],
        optional_fraction_decisions=[
            DecisionSummaryOut(**d) for d in view.optional_fraction_decisions
        ],
    )


@router.get("/participants/{study_id}/allocation", summary="Show a participant's arm")
def show_allocation(
    study_id: StudyId, principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress
) -> AllocationOut:
    """The arm the participant was allocated, when and by whom (never a slot or anything about
    later allocations); 404 before randomisation."""
    view = participants.participant_view(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    allocation = view.allocation
    if allocation is None:
        raise NotFound(f"{study_id} is not randomised", location="study_id")
    return AllocationOut(
        study_id=study_id,
        arm=allocation.arm_code,
        allocated_at=allocation.allocated_at,
        allocated_by=allocation.allocated_by,
    )


@router.post(
    "/participants/{study_id}/randomisation", status_code=201, summary="Randomise a participant"
)
def randomise_participant(
    study_id: StudyId,
    response: Response,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> AllocationOut:
    """Allocate the participant to an arm from the concealed list: once (409 if already
    randomised). Audited; send an Idempotency-Key so a retry replays the answer."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    done = randomise(db, actor=principal.username, study_id=study_id)
    response.headers["Location"] = f"/api/v1/participants/{study_id}/allocation"
    return AllocationOut(
        study_id=study_id,
        arm=done.allocation.arm_code,
        allocated_at=done.allocation.allocated_at,
        allocated_by=done.allocation.allocated_by,
    )


@router.post("/participants/{study_id}/withdrawals", status_code=201, summary="Record a withdrawal")
def withdraw(
    study_id: StudyId,
    body: NewWithdrawal,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> CollectionOut:
    """The participant withdraws (from treatment, follow-up, or data and samples), with the
    reason; answers what may still be collected."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    kind: Withdrawal = body.kind
    status = record_withdrawal(
        db,
        actor=principal.username,
        study_id=study_id,
        kind=kind,
        withdrawn_on=body.withdrawn_on or local_today(db),
        note=body.reason,
    )
    return CollectionOut.model_validate(status.to_json())


@router.post(
    "/participants/{study_id}/optional-fraction-decision",
    status_code=201,
    summary="Decide on an optional fraction",
)
def optional_fraction_decision(
    study_id: StudyId,
    body: OptionalFractionDecisionIn,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> DecisionOut:
    """The investigator records whether the criterion is met and whether the fraction is
    given (only when met); giving it adds it to the planned prescription. Once per fraction."""
    participants.authorise_participant_write(
        db, user=principal.user, study_id=study_id, client_address=address
    )
    decided = decide_optional_fraction(
        db,
        actor=principal.username,
        study_id=study_id,
        criterion_met=body.criterion_met,
        give=body.give,
        optional_fraction=body.optional_fraction,
        note=body.note,
    )
    d = decided.decision
    return DecisionOut(
        study_id=d.study_id,
        optional_fraction=d.optional_fraction,
        criterion=d.criterion,
        criterion_met=d.criterion_met,
        give=d.give,
        note=d.note,
        decided_at=d.decided_at,
        decided_by=d.decided_by,
        planned_fractions=sum(p.fractions for p in decided.prescription),
    )

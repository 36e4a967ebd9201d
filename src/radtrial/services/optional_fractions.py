"""Use case: decide on an optional fraction (PALLSOFT arm A's second 8 Gy).

The investigator at the participant's site records, against the protocol's criterion, whether
the criterion is met and whether the fraction is given (:func:`check_decision`: it may be given
only when the criterion is met). The decision carries who and when (the unit of work's actor and
clock) and the protocol version; a decision to give updates the participant's planned
prescription (one more fraction, the dose added), with the decision as the reason for the change
in the audit trail. One decision per optional fraction; a participant who has withdrawn from
treatment cannot be given one.
"""

from __future__ import annotations

from dataclasses import dataclass

from radtrial.errors import Conflict, InvalidInput, NotConsented
from radtrial.services.access import INVESTIGATOR_ROLES, acting_user, require_site_role
from radtrial.services.consent import withdrawal_kinds
from radtrial.services.protocol_versions import protocol_version
from radtrial.services.registration import planned_levels
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import DecisionRecord, PrescriptionRecord
from radtrial.trial.consent import effective_withdrawals
from radtrial.trial.optional_fraction import check_decision

__all__ = ["Decided", "decide_optional_fraction"]


@dataclass(frozen=True)
class Decided:
    """The recorded decision and the participant's prescription after it."""

    decision: DecisionRecord
    prescription: tuple[PrescriptionRecord, ...]


def decide_optional_fraction(
    db: Database,
    *,
    actor: str,
    study_id: str,
    criterion_met: bool,
    give: bool,
    optional_fraction: str | None = None,
    note: str | None = None,
) -> Decided:
    """Record the decision on ``optional_fraction`` (default: the arm's only one).

    Raises :class:`PermissionDenied` (not an investigator at the site), :class:`InvalidInput`
    (no arm yet, an arm without optional fractions, giving it although the criterion is not
    met), :class:`NotConsented` (giving it after a withdrawal from treatment) and
    :class:`Conflict` (already decided).
    """
    text = (note or "").strip() or None
    action = "give" if give else "not give"
    named = f" {optional_fraction}" if optional_fraction else ""
    reason = (
        f"decision on optional fraction{named}: {action} "
        f"(criterion {'met' if criterion_met else 'not met'})"
    )

    def work(uow: ResearchUnitOfWork) -> Decided:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id, lock=True)
        require_site_role(
            user,
            INVESTIGATOR_ROLES,
            participant.trial_slug,
            participant.site_code,
            "decide on an optional fraction",
        )
        if participant.arm_code is None:
            raise InvalidInput(f"{study_id} has no arm yet (randomise first)", location="study_id")
        protocol, version = protocol_version(
            uow, participant.trial_slug, participant.protocol_version_id
        )
        arm = protocol.arm(participant.arm_code)
        chosen = check_decision(arm, optional_fraction, criterion_met=criterion_met, give=give)
        withdrawn = effective_withdrawals(withdrawal_kinds(uow, participant))
        if give and "treatment" in withdrawn:
            raise NotConsented(
                f"{study_id} has withdrawn from treatment; no further fraction may be given",
                location="give",
            )
        earlier = uow.randomisation.decisions(participant)
        if any(d.optional_fraction == chosen.id for d in earlier):
            raise Conflict(
                f"{study_id} already has a decision on {chosen.id}", location="optional_fraction"
            )
        decision = uow.randomisation.add_decision(
            participant,
            optional_fraction=chosen.id,
            criterion=chosen.criterion,
            criterion_met=criterion_met,
            give=give,
            note=text,
            protocol_version_id=version.id,
        )
        given = {d.optional_fraction: d.give for d in (*earlier, decision)}
        prescription = uow.randomisation.set_prescription(
            participant,
            arm_code=participant.arm_code,
            protocol_version_id=version.id,
            levels=planned_levels(protocol, participant.arm_code, given),
        )
        return Decided(decision, tuple(prescription))

    return db.run(work, actor=actor, reason=reason)

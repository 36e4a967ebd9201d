"""Use case: decide on an optional fraction (PALLSOFT arm A's second 8 Gy).

The investigator at the participant's site records, against the protocol's criterion, whether
the criterion is met and whether the fraction is given (:func:`check_decision`: it may be given
only when the criterion is met). The decision carries who and when (the unit of work's actor and
clock) and the protocol version; a decision to give updates the participant's planned
prescription (one more fraction, the dose added), with the decision as the reason for the change
in the audit trail. One decision per optional fraction; a participant who has withdrawn from
treatment cannot be given one.

The decision evaluates the first fraction, so it needs the participant's course with the first
fraction delivered, and is made inside the protocol's window of days after it
(:func:`~radtrial.trial.optional_fraction.check_decision_timing`; a decision not to give it may
be recorded late). A decision to give the fraction also plans it in the course, on the first
open treatment day of the site's calendar from the later of today and the window's first day
(:func:`~radtrial.rt.calendar.optional_fraction_day`), so the ledger shows its row and date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from radtrial.errors import Conflict, InvalidInput, NotConsented
from radtrial.protocol.prescription import OptionalFraction
from radtrial.rt.calendar import optional_fraction_day
from radtrial.services.access import INVESTIGATOR_ROLES, acting_user, require_site_role
from radtrial.services.consent import withdrawal_kinds
from radtrial.services.course.deviation_log import record_deviations
from radtrial.services.course.state import CourseState, load_state, today_at_site
from radtrial.services.protocol_versions import protocol_version
from radtrial.services.registration import planned_levels
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import DecisionRecord, FractionRecord, PrescriptionRecord
from radtrial.trial.consent import effective_withdrawals
from radtrial.trial.optional_fraction import check_decision, check_decision_timing

__all__ = ["Decided", "decide_optional_fraction"]


@dataclass(frozen=True)
class Decided:
    """The recorded decision, the participant's prescription after it, and (for a decision
    to give it) the optional fraction as planned in the course, with the protocol's window."""

    decision: DecisionRecord
    prescription: tuple[PrescriptionRecord, ...]
    planned: tuple[FractionRecord, ...] = ()
    window: tuple[date, date] | None = None
    day_after_first_fraction: int | None = None

    @property
    def planned_within_window(self) -> bool:
        """Every fraction planned by the decision lies inside the protocol's window."""
        if self.window is None:
            return True
        return all(self.window[0] <= f.planned_date <= self.window[1] for f in self.planned)


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
    met; at ``decided_at``: no course or no fraction delivered yet, before the protocol's
    window, or giving it after the window), :class:`NotConsented` (giving it after a
    withdrawal from treatment) and :class:`Conflict` (already decided).
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
        course = uow.course.get(participant)
        state = None if course is None else load_state(uow, participant, course)
        first = None if state is None else state.ledger.first_day
        today = today_at_site(uow) if state is None else today_at_site(uow, state.course.timezone)
        day = check_decision_timing(chosen, first, today, give=give)
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
        if not give or state is None or first is None:
            return Decided(decision, tuple(prescription), day_after_first_fraction=day)
        planned = _plan_optional(uow, state, chosen, first, today)
        record_deviations(uow, load_state(uow, participant, state.course))
        window = (
            first + timedelta(days=chosen.earliest_day_after_first_fraction),
            first + timedelta(days=chosen.latest_day_after_first_fraction),
        )
        return Decided(decision, tuple(prescription), planned, window, day)

    return db.run(work, actor=actor, reason=reason)


def _plan_optional(
    uow: ResearchUnitOfWork,
    state: CourseState,
    chosen: OptionalFraction,
    first: date,
    today: date,
) -> tuple[FractionRecord, ...]:
    """Plan the ``count`` fractions of ``chosen`` after the course's last fraction, each on the
    next open treatment day from the later of today and the start of the window."""
    doses = {level.id: 0.0 for level in state.prescription.dose_levels}
    doses[chosen.dose_level] = chosen.dose_per_fraction_gy
    days = [*state.delivered_days(), *(f.planned_date for f in state.planned)]
    numbers = []
    last = state.fractions[-1].number if state.fractions else 0
    for offset in range(1, chosen.count + 1):
        day = optional_fraction_day(
            chosen,
            first,
            state.prescription,
            state.calendar,
            today=max([today, *(d for d in days if d >= today)]),
            planned_days=days,
        )
        uow.course.add_fraction(
            state.course.id,
            number=last + offset,
            planned_date=day,
            planned_doses=doses,
            optional_fraction=chosen.id,
        )
        days.append(day)
        numbers.append(last + offset)
    return tuple(f for f in uow.course.fractions(state.course.id) if f.number in numbers)

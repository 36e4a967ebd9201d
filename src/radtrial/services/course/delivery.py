"""Use cases: record a delivered, a missed or a cancelled fraction.

A delivered fraction is checked against the prescription (a dose to every dose level, in the
prescription's quantity; for protons the physical dose beside the RBE-weighted one, with the RBE
model named) before it is written. A missed fraction is rescheduled the same day by the
protocol's policy, keeping the number of fractions, and the gap-compensation options are
returned; see :mod:`radtrial.services.course.writing` for what every write shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from radtrial.errors import Conflict, InvalidInput, NotConsented
from radtrial.rt.calendar import reschedule
from radtrial.rt.gaps import GapAnalysis
from radtrial.rt.ledger import DeliveredFraction, LevelDose, rbe_model_name, site_instant
from radtrial.services.course.deviation_log import record_deviations
from radtrial.services.course.state import CourseState, remove_days, today_at_site
from radtrial.services.course.writing import (
    Move,
    open_course,
    open_deviations,
    redate,
    reload,
    required_text,
    withdrawn_on,
)
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    DeviationRecord,
    FractionRecord,
    MissedFractionRecord,
    ParticipantRecord,
)
from radtrial.store.repositories.course import DeliveredDose

__all__ = [
    "CancelResult",
    "DeliveryResult",
    "MissResult",
    "cancel_fractions",
    "deliver_fraction",
    "miss_fraction",
]

#: A delivered dose above this multiple of the largest dose per fraction in the protocol is
#: taken for a typing error (35 for 3.5) and refused rather than recorded.
PLAUSIBLE_DOSE_FACTOR = 2.0

#: A physical dose given beside the RBE-weighted one may differ from RBE-weighted / RBE by
#: this much (each rounded to 1 mGy), as the ledger allows.
PHYSICAL_DOSE_TOLERANCE_GY = 0.0015


@dataclass(frozen=True)
class DeliveryResult:
    """The delivered fraction, the deviations found now, and the site's time zone."""

    fraction: FractionRecord
    new_deviations: tuple[DeviationRecord, ...]
    open_deviations: tuple[DeviationRecord, ...]
    timezone: str


@dataclass(frozen=True)
class MissResult:
    """The missed fraction, where the plan moved, and the compensation options."""

    missed: MissedFractionRecord
    moves: tuple[Move, ...]
    new_deviations: tuple[DeviationRecord, ...]
    gaps: GapAnalysis | None


@dataclass(frozen=True)
class CancelResult:
    """The fractions cancelled and the deviations found now."""

    cancelled: tuple[int, ...]
    new_deviations: tuple[DeviationRecord, ...]


def _dose_limit(state: CourseState) -> float:
    doses = [
        value
        for arm in state.protocol.arms
        for value in (
            *(level.dose_per_fraction_gy for level in arm.prescription.dose_levels),
            *(o.dose_per_fraction_gy for o in arm.prescription.optional_fractions),
        )
    ]
    return PLAUSIBLE_DOSE_FACTOR * max(doses)


def _level_doses(
    state: CourseState, doses: Mapping[str, float], physical: Mapping[str, float]
) -> tuple[LevelDose, ...]:
    prescription = state.prescription
    levels = [level.id for level in prescription.dose_levels]
    unknown = sorted(set(doses) - set(levels)) + sorted(set(physical) - set(levels))
    if unknown:
        raise InvalidInput(
            f"no dose level {unknown[0]!r} in arm {state.arm.code}; levels: {', '.join(levels)}",
            location="doses",
        )
    missing = [level for level in levels if level not in doses]
    if missing:
        raise InvalidInput(
            f"give the dose to every dose level; missing: {', '.join(missing)}", location="doses"
        )
    limit = _dose_limit(state)
    unit = prescription.dose_unit
    out = []
    for level in levels:
        dose = doses[level]
        if not (math.isfinite(dose) and 0 <= dose <= limit):
            raise InvalidInput(
                f"{dose:g} {unit} to {level} is not a plausible dose per fraction (0-{limit:g})",
                location=f"doses.{level}",
            )
        if prescription.rbe is None:
            if level in physical and not math.isclose(physical[level], dose, abs_tol=1e-9):
                raise InvalidInput(
                    f"{prescription.modality} dose to {level}: the physical dose is the dose",
                    location=f"physical_doses.{level}",
                )
            out.append(LevelDose.photon(level, dose))
        elif level in physical:
            expected = dose / prescription.rbe.value
            if abs(physical[level] - expected) > PHYSICAL_DOSE_TOLERANCE_GY:
                raise InvalidInput(
                    f"physical dose {physical[level]:g} Gy to {level} is not {dose:g} {unit} / "
                    f"RBE {prescription.rbe.value:g} = {expected:.3f} Gy",
                    location=f"physical_doses.{level}",
                )
            out.append(LevelDose(level, dose, physical[level], rbe_model_name(prescription.rbe)))
        else:
            out.append(LevelDose.rbe_weighted(level, dose, prescription.rbe))
    return tuple(out)


def deliver_fraction(
    db: Database,
    *,
    actor: str,
    study_id: str,
    fraction: int,
    doses: Mapping[str, float],
    physical_doses: Mapping[str, float] | None = None,
    delivered_at: datetime | None = None,
    machine: str | None = None,
    site_code: str | None = None,
) -> DeliveryResult:
    """Record fraction ``fraction`` as delivered with ``doses`` (per dose level, in the
    prescription's quantity: Gy, or Gy(RBE) for protons).

    For protons the physical dose is stored beside the RBE-weighted one, with the RBE model
    named; it is derived from the prescription's RBE unless ``physical_doses`` gives it (then
    it must agree within rounding). ``delivered_at`` defaults to now; an aware time is taken
    as it is, a naive one as the wall-clock time at the treating site (the course's time zone;
    a time skipped or repeated by a daylight-saving change is refused: give the offset).
    ``machine`` defaults to the previous fraction's and ``site_code`` to the treating site. One
    fraction past the plan may be delivered as the arm's optional fraction (with or without a
    recorded decision: the deviation rules judge it).

    Refused (:class:`InvalidInput` at ``delivered_at``): a time in the future, on a day before
    the course's first planned day, before the participant's consent or registration, or out
    of order (not after every earlier-numbered delivered fraction and before every
    later-numbered one: fraction numbers are the delivery order). Also refused: a fraction
    already delivered or cancelled (:class:`Conflict`), after a withdrawal
    (:class:`NotConsented`).
    """

    def work(uow: ResearchUnitOfWork) -> DeliveryResult:
        participant, state = open_course(uow, actor, study_id, "record fractions")
        now = uow.now()
        at = now if delivered_at is None else site_instant(delivered_at, state.timezone)
        if at > now:
            raise InvalidInput(
                f"{at.isoformat()} is in the future (now {now.isoformat()})",
                location="delivered_at",
            )
        day = state.local_day(at)
        _check_course_begun(uow, participant, state, day)
        withdrawn = withdrawn_on(uow, participant)
        if withdrawn is not None and day >= withdrawn:
            raise NotConsented(
                f"{study_id} withdrew from treatment on {withdrawn.isoformat()}; no fraction "
                "may be recorded as given since",
                location="delivered_at",
            )
        _check_order(state, fraction, at)
        target, optional = _target(uow, state, fraction, day)
        given = _level_doses(state, doses, dict(physical_doses or {}))
        previous = sorted(
            (f for f in state.delivered if f.delivered_at), key=lambda f: f.delivered_at or at
        )
        chosen_machine = (machine or "").strip() or (previous[-1].machine if previous else None)
        if not chosen_machine:
            raise InvalidInput(
                "give the treatment machine for the first fraction", location="machine"
            )
        site = site_code or state.course.site_code
        candidate = DeliveredFraction(fraction, at, site, chosen_machine, given, optional)
        state.ledger_with(candidate)  # the ledger's checks (RBE model, physical dose) first
        uow.course.deliver(
            target.id,
            delivered_at=at,
            site_code=site,
            machine=chosen_machine,
            optional_fraction=optional,
            doses=[
                DeliveredDose(d.dose_level, d.dose_gy, d.physical_dose_gy, d.rbe_model)
                for d in given
            ],
        )
        after = reload(uow, state)
        new = record_deviations(uow, after)
        return DeliveryResult(
            after.fraction(fraction),
            tuple(new),
            open_deviations(uow, after),
            state.course.timezone,
        )

    return db.run(work, actor=actor, reason=f"fraction {fraction} delivered")


def _check_course_begun(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, state: CourseState, day: date
) -> None:
    """Refuse a delivery on a day before the course's first planned day, or before the
    participant consented or was registered."""
    planned = [f.planned_date for f in state.fractions] + [m.planned_date for m in state.missed]
    first = min(planned, default=state.course.start_date)
    if day < first:
        raise InvalidInput(
            f"{day.isoformat()} is before {participant.study_id}'s course began: its first "
            f"fraction was planned on {first.isoformat()} (if treatment began earlier, plan the "
            "course again from that day with a reason)",
            location="delivered_at",
        )
    enrolment = uow.enrolment.enrolment_state(participant)
    if enrolment is None:
        return  # registered before screening was recorded in radtrial: no dates to check
    registration, _screening, _evaluation, consent = enrolment
    if consent is not None and day < consent.consented_on:
        raise InvalidInput(
            f"{day.isoformat()} is before {participant.study_id} consented "
            f"({consent.consented_on.isoformat()})",
            location="delivered_at",
        )
    if day < registration.registered_on:
        raise InvalidInput(
            f"{day.isoformat()} is before {participant.study_id} was registered "
            f"({registration.registered_on.isoformat()})",
            location="delivered_at",
        )


def _check_order(state: CourseState, number: int, at: datetime) -> None:
    """Refuse a time that puts fraction ``number`` out of delivery order: fraction numbers
    are the order of delivery, so each is given after every lower-numbered fraction given and
    before every higher-numbered one."""
    zone = state.timezone

    def shown(instant: datetime) -> str:
        return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    for other in state.delivered:
        given = other.delivered_at
        if given is None:
            continue
        if (other.number < number and given >= at) or (other.number > number and given <= at):
            side = "after" if other.number < number else "before"
            raise InvalidInput(
                f"fraction {number} at {shown(at)} ({state.course.timezone}) would not come "
                f"{side} fraction {other.number}, delivered {shown(given)}: fractions are "
                "numbered in the order they are given",
                location="delivered_at",
            )


def _target(
    uow: ResearchUnitOfWork, state: CourseState, number: int, day: date
) -> tuple[FractionRecord, str | None]:
    """The planned fraction ``number``, or a new one for the arm's next optional fraction."""
    last = state.fractions[-1].number if state.fractions else 0
    if number <= last:
        target = state.fraction(number)
        if target.status != "planned":
            raise Conflict(
                f"fraction {number} of {state.participant.study_id} is already {target.status}",
                location="fraction",
            )
        return target, target.optional_fraction
    used = [f.optional_fraction for f in state.fractions if f.optional_fraction]
    slots = [o for o in state.prescription.optional_fractions for _ in range(o.count)]
    free = slots[len(used) :]
    if number != last + 1 or not free:
        offer = " (or the optional fraction as the next number)" if free else ""
        raise InvalidInput(
            f"{state.participant.study_id}'s course has fractions 1-{last}{offer}; "
            f"no fraction {number}",
            location="fraction",
        )
    extra = free[0]
    doses = {level.id: 0.0 for level in state.prescription.dose_levels}
    doses[extra.dose_level] = extra.dose_per_fraction_gy
    uow.course.add_fraction(
        state.course.id,
        number=number,
        planned_date=day,
        planned_doses=doses,
        optional_fraction=extra.id,
    )
    added = next(f for f in uow.course.fractions(state.course.id) if f.number == number)
    return added, extra.id


def miss_fraction(
    db: Database, *, actor: str, study_id: str, fraction: int, reason: str
) -> MissResult:
    """Record that fraction ``fraction`` was not given on its planned day, and why; the plan
    is rescheduled at once by the protocol's policy (keeping the number of fractions), and
    the gap-compensation options are returned.

    Refused: a fraction planned after today (:class:`InvalidInput`; a day the site will be
    closed is a site closure), one already delivered or cancelled (:class:`Conflict`), after
    a withdrawal (:class:`NotConsented`: cancel the remaining fractions instead).
    """
    why = required_text(reason, "reason", "the reason the fraction was missed")

    def work(uow: ResearchUnitOfWork) -> MissResult:
        participant, state = open_course(uow, actor, study_id, "record missed fractions")
        if withdrawn_on(uow, participant) is not None:
            raise NotConsented(
                f"{study_id} has withdrawn from treatment: cancel the remaining fractions",
                location="study_id",
            )
        target = state.fraction(fraction)
        if target.status != "planned":
            raise Conflict(
                f"fraction {fraction} of {study_id} is already {target.status}",
                location="fraction",
            )
        today = today_at_site(uow, state.course.timezone)
        if target.planned_date > today:
            raise InvalidInput(
                f"fraction {fraction} is planned on {target.planned_date.isoformat()}, after "
                f"today ({today.isoformat()}); record a miss on or after its day",
                location="fraction",
            )
        old = [f.planned_date for f in state.planned]
        plan = reschedule(
            state.current_plan(),
            target.planned_date,
            state.prescription,
            state.calendar,
            today=today,
        )
        new = remove_days(list(plan.days), state.delivered_days())
        (replacement,) = remove_days(new, remove_days(old, [target.planned_date]))
        moves = redate(uow, state, new)
        uow.course.add_missed(
            state.course.id,
            number=fraction,
            planned_date=target.planned_date,
            reason=why,
            rescheduled_to=replacement,
        )
        after = reload(uow, state)
        stored = record_deviations(uow, after)
        missed = after.missed[-1]
        return MissResult(missed, tuple(moves), tuple(stored), after.gap_analysis(today))

    return db.run(
        work, actor=actor, reason=f"fraction {fraction} missed: {why}; rescheduled by protocol"
    )


def cancel_fractions(
    db: Database,
    *,
    actor: str,
    study_id: str,
    reason: str,
    fractions: Sequence[int] | None = None,
) -> CancelResult:
    """Record that planned fractions (default: every one still planned) will not be given."""
    why = required_text(reason, "reason", "the reason the fractions are cancelled")

    def work(uow: ResearchUnitOfWork) -> CancelResult:
        _participant, state = open_course(uow, actor, study_id, "cancel fractions")
        targets = (
            list(state.planned)
            if fractions is None
            else [state.fraction(n) for n in dict.fromkeys(fractions)]
        )
        if not targets:
            raise InvalidInput(f"{study_id} has no planned fraction left", location="fraction")
        for target in targets:
            if target.status != "planned":
                raise Conflict(
                    f"fraction {target.number} of {study_id} is already {target.status}",
                    location="fraction",
                )
            uow.course.cancel(target.id, why)
        stored = record_deviations(uow, reload(uow, state))
        return CancelResult(tuple(t.number for t in targets), tuple(stored))

    return db.run(work, actor=actor, reason=f"fractions cancelled: {why}")

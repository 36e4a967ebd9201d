"""Use cases: accept a gap compensation for missed fractions, acknowledge a deviation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from radtrial.errors import InvalidInput
from radtrial.rt.gaps import CompensationOption
from radtrial.services.access import INVESTIGATOR_ROLES, acting_user
from radtrial.services.course.deviation_log import record_deviations
from radtrial.services.course.state import load_state, require_course_role, today_at_site
from radtrial.services.course.writing import (
    WRITE,
    Move,
    open_course,
    redate,
    reload,
    required_text,
)
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import DeviationRecord

__all__ = ["CompensationResult", "accept_compensation", "acknowledge_deviation"]


@dataclass(frozen=True)
class CompensationResult:
    """The gap compensation accepted and what it changed in the plan."""

    option: CompensationOption
    moves: tuple[Move, ...]
    cancelled: tuple[int, ...]
    planned_doses: Mapping[str, float]
    new_deviations: tuple[DeviationRecord, ...]


def accept_compensation(
    db: Database,
    *,
    actor: str,
    study_id: str,
    option: int,
    reason: str,
    accept_breaks: bool = False,
) -> CompensationResult:
    """Accept gap-compensation option ``option`` (1-based, as ``rt course`` lists them) for the
    missed fractions no compensation was accepted for, and change the plan to it.

    ``added_fractions`` and ``twice_daily`` move the planned fractions to the option's days;
    ``higher_dose_per_fraction`` and ``higher_dose_within_limits`` cancel the fractions the
    missed ones were rescheduled to and raise the planned dose of the remaining ones (per dose
    level, as the option gives them). An option that breaks a protocol limit is
    refused unless ``accept_breaks`` (the clinician's explicit decision, kept in the audit
    trail with ``reason``).
    """
    why = required_text(reason, "reason", "the reason for the compensation chosen")

    def work(uow: ResearchUnitOfWork) -> CompensationResult:
        _participant, state = open_course(uow, actor, study_id, "compensate missed fractions")
        analysis = state.gap_analysis(today_at_site(uow, state.course.timezone))
        if analysis is None or not analysis.options:
            raise InvalidInput(
                f"{study_id} has no missed fraction awaiting compensation", location="option"
            )
        if not 1 <= option <= len(analysis.options):
            raise InvalidInput(
                f"choose an option from 1 to {len(analysis.options)}", location="option"
            )
        chosen = analysis.options[option - 1]
        if chosen.breaks and not accept_breaks:
            raise InvalidInput(
                f"option {option} ({chosen.kind}) breaks protocol limits: "
                + "; ".join(chosen.breaks)
                + ". Accept the breaks explicitly (rt compensate --accept-breaks) to go ahead",
                location="option",
                detail={"breaks": list(chosen.breaks)},
            )
        planned = state.planned
        cancelled: list[int] = []
        doses: dict[str, float] = {}
        if chosen.kind in ("higher_dose_per_fraction", "higher_dose_within_limits"):
            keep = len(chosen.fraction_days)
            for fraction in planned[keep:]:
                uow.course.cancel(fraction.id, f"gap compensation by higher dose: {why}")
                cancelled.append(fraction.number)
            state = reload(uow, state)
            doses = {effect.dose_level: effect.dose_per_fraction_gy for effect in chosen.levels}
            for fraction in state.planned:
                uow.course.set_planned_doses(fraction.id, doses)
        moves = redate(uow, state, chosen.fraction_days)
        for missed in state.open_missed:
            uow.course.set_compensation(missed.id, chosen.kind)
        stored = record_deviations(uow, reload(uow, state))
        return CompensationResult(chosen, tuple(moves), tuple(cancelled), doses, tuple(stored))

    return db.run(work, actor=actor, reason=f"gap compensation (option {option}): {why}")


def acknowledge_deviation(
    db: Database, *, actor: str, study_id: str, deviation_id: int, reason: str
) -> DeviationRecord:
    """Record that the investigator has seen deviation ``deviation_id`` of the course."""
    why = required_text(reason, "reason", "a note on the acknowledgement")

    def work(uow: ResearchUnitOfWork) -> DeviationRecord:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id, lock=True)
        course = uow.course.get(participant)
        require_course_role(
            user,
            participant,
            action=WRITE,
            what="acknowledge deviations",
            treating_site=course.site_code if course else None,
            roles=INVESTIGATOR_ROLES,
        )
        state = load_state(uow, participant, course)
        return uow.course.acknowledge_deviation(state.course.id, deviation_id)

    return db.run(work, actor=actor, reason=f"deviation {deviation_id} acknowledged: {why}")

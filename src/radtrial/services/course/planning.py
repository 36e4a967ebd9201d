"""Use case: plan a participant's course (the treatment calendar), or plan it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from radtrial.errors import Conflict, InvalidInput, NotConsented, ReasonRequired
from radtrial.protocol.prescription import Prescription
from radtrial.rt.calendar import ClosedDay, CoursePlan, plan_course
from radtrial.services.access import acting_user
from radtrial.services.consent import withdrawal_kinds
from radtrial.services.course.state import (
    SITE_TIMEZONE,
    course_protocol,
    load_state,
    require_course_role,
    site_calendar,
)
from radtrial.services.course.writing import WRITE, redate
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import CourseRecord, FractionRecord

__all__ = ["PlanResult", "plan_participant_course", "plan_warnings"]


@dataclass(frozen=True)
class PlanResult:
    """The planned course, the treatment days it skips (holidays, closures), and warnings
    about the plan (a planned overall time beyond the protocol's limit)."""

    course: CourseRecord
    fractions: tuple[FractionRecord, ...]
    closed_days: tuple[ClosedDay, ...]
    replanned: bool
    overall_time_days: int = 0
    max_overall_time_days: int | None = None
    warnings: tuple[str, ...] = ()


def plan_warnings(prescription: Prescription, plan: CoursePlan) -> tuple[str, ...]:
    """What is wrong with a plan before anything is given: a planned overall time beyond the
    protocol's ``max_overall_time_days`` (graded as the overall-time rule would grade it)."""
    limit = prescription.max_overall_time_days
    days = plan.overall_time_days
    if limit is None or days <= limit:
        return ()
    excess = days - limit
    minor = prescription.course.deviations.overall_time_minor_days if prescription.course else 0
    severity = "minor" if excess <= minor else "major"
    closed = [c.day.isoformat() for c in plan.closed_days]
    skipped = f" (no treatment on {', '.join(closed)})" if closed else ""
    return (
        f"the planned overall time, {days} days, exceeds the protocol's {limit} days by "
        f"{excess}{skipped}: given as planned it is a {severity} deviation; consider another "
        "start date",
    )


def plan_participant_course(
    db: Database,
    *,
    actor: str,
    study_id: str,
    start: date,
    site_code: str | None = None,
    reason: str | None = None,
) -> PlanResult:
    """Plan the participant's course from ``start``: the arm's fractions on open treatment days
    of the treating site (``site_code``, default the participant's site).

    The result warns when the planned overall time already exceeds the protocol's limit
    (PROSARC-2 from 7 December 2026: 30 days over Christmas, against 28).

    Refused: a participant without an arm (:class:`InvalidInput`), a ``start`` before the
    participant's registration (:class:`InvalidInput` at ``start``), one who has withdrawn
    (:class:`NotConsented`), a treating site that does not treat in the trial. A course already
    planned may be planned again (another start or site) with a ``reason`` while none of its
    fractions has been delivered, missed or cancelled; after that, :class:`Conflict`.
    """
    text = (reason or "").strip() or None

    def work(uow: ResearchUnitOfWork) -> PlanResult:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id, lock=True)
        site = site_code or participant.site_code
        require_course_role(
            user, participant, action=WRITE, what="plan the course", treating_site=site
        )
        if withdrawal_kinds(uow, participant):
            raise NotConsented(
                f"{study_id} has withdrawn from treatment; no course can be planned",
                location="study_id",
            )
        protocol, version, arm = course_protocol(uow, participant)
        registration = uow.enrolment.registration_of_participant(participant)
        if registration is not None and start < registration[0].registered_on:
            registered = registration[0].registered_on
            raise InvalidInput(
                f"the course cannot start on {start.isoformat()}, before {study_id} was "
                f"registered on {registered.isoformat()}",
                location="start",
            )
        treating = {s.site.code: s for s in uow.sites.trial_sites(participant.trial_slug)}
        if site not in treating or "treating" not in treating[site].roles:
            treats = sorted(c for c, s in treating.items() if "treating" in s.roles)
            raise InvalidInput(
                f"site {site} does not give radiotherapy in {participant.trial_slug}; treating "
                f"sites: {', '.join(treats) or 'none'} (give the treating site)",
                location="site",
            )
        prescription = arm.prescription
        plan = plan_course(prescription, start, site_calendar(uow, protocol, prescription, site))
        doses = {level.id: level.dose_per_fraction_gy for level in prescription.dose_levels}
        existing = uow.course.get(participant)
        if existing is None:
            course = uow.course.add(
                participant=participant,
                protocol_version_id=version.id,
                protocol_hash=version.content_hash,
                arm_code=arm.code,
                prescription=prescription.model_dump(mode="json"),
                site_code=site,
                timezone=SITE_TIMEZONE,
                start_date=start,
            )
            for fraction in plan.fractions:
                uow.course.add_fraction(
                    course.id,
                    number=fraction.number,
                    planned_date=fraction.day,
                    planned_doses=doses,
                )
            replanned = False
        else:
            state = load_state(uow, participant, existing)
            if state.missed or len(state.planned) != len(state.fractions):
                raise Conflict(
                    f"{study_id}'s course has begun (fractions delivered, missed or cancelled); "
                    "it cannot be planned again",
                    location="study_id",
                )
            if existing.site_code != site:
                raise Conflict(
                    f"{study_id}'s course is planned at {existing.site_code}; it cannot move to "
                    f"{site} by planning again",
                    location="site",
                )
            if text is None:
                raise ReasonRequired(
                    f"{study_id} already has a planned course; planning it again needs a reason",
                    location="reason",
                )
            uow.course.set_start_date(existing.id, start)
            redate(uow, state, plan.days)
            course = uow.course.get(participant) or existing
            replanned = True
        return PlanResult(
            course,
            tuple(uow.course.fractions(course.id)),
            plan.closed_days,
            replanned,
            plan.overall_time_days,
            prescription.max_overall_time_days,
            plan_warnings(prescription, plan),
        )

    return db.run(
        work,
        actor=actor,
        reason=f"course planned again from {start.isoformat()}: {text}" if text else None,
    )

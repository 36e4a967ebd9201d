"""Use case: plan a participant's course (the treatment calendar), or plan it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from radtrial.errors import Conflict, InvalidInput, NotConsented, ReasonRequired
from radtrial.rt.calendar import ClosedDay, plan_course
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

__all__ = ["PlanResult", "plan_participant_course"]


@dataclass(frozen=True)
class PlanResult:
    """The planned course, and the treatment days it skips (holidays, closures)."""

    course: CourseRecord
    fractions: tuple[FractionRecord, ...]
    closed_days: tuple[ClosedDay, ...]
    replanned: bool


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

    Refused: a participant without an arm (:class:`InvalidInput`), one who has withdrawn
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
            course, tuple(uow.course.fractions(course.id)), plan.closed_days, replanned
        )

    return db.run(
        work,
        actor=actor,
        reason=f"course planned again from {start.isoformat()}: {text}" if text else None,
    )

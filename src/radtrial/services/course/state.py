"""A participant's course as stored, loaded with everything needed to reason about it.

:class:`CourseState` joins the stored rows (course, fractions, missed fractions) with the
participant's protocol version, arm, the treating site's calendar and the optional-fraction
decisions, and rebuilds the pure :class:`~radtrial.rt.ledger.Ledger` from them. The services
load a state, check the request against it, write through the course repository and evaluate
the deviations of the state after the write.

Days are calendar days at the treating site (Europe/Oslo for every Norwegian site, ADR 0020);
instants are UTC.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from radtrial.errors import InvalidInput, NotFound, PermissionDenied
from radtrial.protocol import Protocol
from radtrial.protocol.course import Radiobiology
from radtrial.protocol.prescription import Arm, Prescription
from radtrial.rt.calendar import CoursePlan, PlannedFraction, TreatmentCalendar
from radtrial.rt.gaps import GapAnalysis, propose_compensation
from radtrial.rt.ledger import (
    CancelledFraction,
    DeliveredFraction,
    Ledger,
    LevelDose,
    MissedFraction,
    OptionalFractionDecision,
    UpcomingFraction,
)
from radtrial.services.policy import Action, decide
from radtrial.services.protocol_versions import protocol_version
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.records import (
    CourseRecord,
    DecisionRecord,
    FractionRecord,
    MissedFractionRecord,
    ParticipantRecord,
    ProtocolVersionRecord,
    Role,
    UserRecord,
)
from radtrial.trial.sites import SITE_TIMEZONE

__all__ = [
    "SITE_TIMEZONE",
    "CourseState",
    "course_protocol",
    "load_state",
    "plan_days",
    "require_course_role",
    "site_calendar",
    "today_at_site",
]


def today_at_site(uow: ResearchUnitOfWork, timezone: str = SITE_TIMEZONE) -> date:
    """Today's date at the site, by the unit of work's clock."""
    return uow.now().astimezone(ZoneInfo(timezone)).date()


def require_course_role(
    user: UserRecord,
    participant: ParticipantRecord,
    *,
    action: Action,
    what: str,
    treating_site: str | None = None,
    roles: frozenset[Role] | None = None,
) -> None:
    """Refuse unless ``user`` may take ``action`` on the participant's course.

    A grant covers the course when it covers the participant's trial at the participant's
    site or at the treating site (a referred participant is treated elsewhere), by the one
    site-isolation policy (:func:`radtrial.services.policy.decide`). ``roles`` narrows the
    roles the action admits (acknowledging a deviation is the investigator's).
    """
    sites = dict.fromkeys([participant.site_code, treating_site or participant.site_code])
    for site in sites:
        if not decide(user, action, participant.trial_slug, site):
            continue
        if roles is None or any(
            grant.role in roles
            and grant.trial_slug in (None, participant.trial_slug)
            and grant.site_code in (None, site)
            for grant in user.grants
        ):
            return
    wanted = roles or frozenset()
    needs = f" (needs one of: {', '.join(sorted(r.value for r in wanted))})" if wanted else ""
    raise PermissionDenied(
        f"{user.username!r} may not {what} of {participant.study_id} at "
        f"{' or '.join(sites)} in {participant.trial_slug}{needs}",
        location="actor",
        detail={"action": action.value, "trial": participant.trial_slug, "sites": list(sites)},
    )


def course_protocol(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, version_id: int | None = None
) -> tuple[Protocol, ProtocolVersionRecord, Arm]:
    """The protocol version the course follows (default: the participant's) and the arm."""
    if participant.arm_code is None:
        raise InvalidInput(
            f"{participant.study_id} has no arm yet (randomise first)", location="study_id"
        )
    protocol, version = protocol_version(
        uow, participant.trial_slug, version_id or participant.protocol_version_id
    )
    try:
        arm = protocol.arm(participant.arm_code)
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0]), location="arm") from exc
    if arm.prescription.course is None or protocol.course is None:
        raise InvalidInput(
            f"arm {arm.code} of {protocol.slug} has no course rules ([course] and "
            "[arms.prescription.course]); amend the protocol before planning a course",
            location="arm",
        )
    return protocol, version, arm


def site_calendar(
    uow: ResearchUnitOfWork, protocol: Protocol, prescription: Prescription, site_code: str
) -> TreatmentCalendar:
    """The treatment calendar of ``prescription`` at ``site_code``: its treatment days,
    Norwegian public holidays, the protocol's annual closures and the site's closure days."""
    closed = [closure.day for closure in uow.course.site_closures(site_code)]
    return TreatmentCalendar.for_prescription(prescription, protocol.course, closed)


def plan_days(days: Iterable[date]) -> CoursePlan:
    """A plan of ``days`` (sorted, numbered from 1)."""
    ordered = sorted(days)
    return CoursePlan(tuple(PlannedFraction(n, day) for n, day in enumerate(ordered, start=1)))


def remove_days(days: list[date], taken: Iterable[date]) -> list[date]:
    """``days`` without one occurrence of each of ``taken`` (a multiset difference)."""
    left = Counter(days)
    left.subtract(Counter(taken))
    return sorted(left.elements())


@dataclass(frozen=True)
class CourseState:
    """One participant's course as stored, with its protocol, arm and calendar."""

    participant: ParticipantRecord
    course: CourseRecord
    protocol: Protocol
    version: ProtocolVersionRecord
    arm: Arm
    fractions: tuple[FractionRecord, ...]
    missed: tuple[MissedFractionRecord, ...]
    decisions: tuple[DecisionRecord, ...]
    calendar: TreatmentCalendar

    @property
    def prescription(self) -> Prescription:
        """The arm's prescription."""
        return self.arm.prescription

    @property
    def radiobiology(self) -> Radiobiology:
        """The protocol's α/β values and tissues."""
        assert self.protocol.course is not None  # checked by course_protocol
        return self.protocol.course.radiobiology

    @property
    def timezone(self) -> ZoneInfo:
        """The treating site's time zone."""
        return ZoneInfo(self.course.timezone)

    def local_day(self, instant: datetime) -> date:
        """The calendar day of ``instant`` at the treating site."""
        return instant.astimezone(self.timezone).date()

    def fraction(self, number: int) -> FractionRecord:
        """Fraction ``number``; :class:`NotFound` names the course's numbers."""
        for fraction in self.fractions:
            if fraction.number == number:
                return fraction
        last = self.fractions[-1].number if self.fractions else 0
        raise NotFound(
            f"{self.participant.study_id} has no fraction {number} (fractions 1-{last})",
            location="fraction",
        )

    @property
    def planned(self) -> tuple[FractionRecord, ...]:
        """Fractions still to give, by number."""
        return tuple(f for f in self.fractions if f.status == "planned")

    @property
    def delivered(self) -> tuple[FractionRecord, ...]:
        """Fractions given, by number."""
        return tuple(f for f in self.fractions if f.status == "delivered")

    @property
    def open_missed(self) -> tuple[MissedFractionRecord, ...]:
        """Missed fractions no compensation has been accepted for yet."""
        return tuple(m for m in self.missed if m.compensation is None)

    def delivered_days(self) -> list[date]:
        """The days (at the site) fractions were given on."""
        return [self.local_day(f.delivered_at) for f in self.delivered if f.delivered_at]

    def current_plan(self) -> CoursePlan:
        """Delivered fractions on the days given, the rest on their planned days."""
        return plan_days([*self.delivered_days(), *(f.planned_date for f in self.planned)])

    @cached_property
    def ledger(self) -> Ledger:
        """The pure ledger of the course as stored."""
        return self.ledger_with()

    def ledger_with(self, extra: DeliveredFraction | None = None) -> Ledger:
        """The ledger, with ``extra`` as one more delivered fraction (to check it first).

        The planned fractions still to give go in with their planned doses
        (``rt_fraction_doses.planned``), so the projected total dose follows the plan as
        changed by a gap compensation, not the prescription's dose per fraction.
        """
        delivered = [_delivered(f) for f in self.delivered]
        plan_extra: list[date] = []
        if extra is not None:
            delivered.append(extra)
            plan_extra.append(self.local_day(extra.delivered_at))
        to_give = [f for f in self.planned if extra is None or f.number != extra.number]
        planned = [f.planned_date for f in to_give]
        optional = {o.id for o in self.prescription.optional_fractions}
        return Ledger(
            arm=self.arm,
            plan=plan_days([*self.delivered_days(), *plan_extra, *planned]),
            timezone=self.timezone,
            delivered=tuple(delivered),
            missed=tuple(
                MissedFraction(m.number, m.planned_date, m.reason, m.recorded_at)
                for m in self.missed
            ),
            cancelled=tuple(
                CancelledFraction(f.number, f.reason or "cancelled", f.recorded_at)
                for f in self.fractions
                if f.status == "cancelled"
            ),
            decisions=tuple(
                OptionalFractionDecision(
                    d.optional_fraction, d.decided_at, d.decided_by, d.note or d.criterion
                )
                for d in self.decisions
                if d.give and d.optional_fraction in optional
            ),
            upcoming=tuple(
                UpcomingFraction.of(
                    f.number,
                    {d.dose_level: d.planned_dose_gy for d in f.doses},
                    f.optional_fraction,
                )
                for f in to_give
            ),
        )

    def gap_analysis(self, today: date) -> GapAnalysis | None:
        """Options to compensate the missed fractions no compensation was accepted for.

        The plan analysed is the plan before those fractions were rescheduled: their missed
        days back in, the days they were rescheduled to out. Options start no earlier than
        ``today``, the day after the last delivered or missed fraction.
        """
        missed = self.open_missed
        if not missed:
            return None
        delivered = self.delivered_days()
        planned = [f.planned_date for f in self.planned]
        for miss in missed:
            if miss.rescheduled_to is not None and miss.rescheduled_to in planned:
                planned.remove(miss.rescheduled_to)
            elif planned:
                planned.remove(max(planned))
        missed_days = [m.planned_date for m in missed]
        plan = plan_days([*delivered, *missed_days, *planned])
        one = timedelta(days=1)
        start = max([today, *(d + one for d in delivered), *(d + one for d in missed_days)])
        return propose_compensation(
            self.ledger,
            self.radiobiology,
            self.calendar,
            today=start,
            other_arms=self.protocol.arms,
            plan=plan,
            missed_days=missed_days,
        )


def _delivered(fraction: FractionRecord) -> DeliveredFraction:
    assert fraction.delivered_at is not None
    assert fraction.site_code is not None
    assert fraction.machine is not None
    return DeliveredFraction(
        number=fraction.number,
        delivered_at=fraction.delivered_at,
        site=fraction.site_code,
        machine=fraction.machine,
        doses=tuple(
            LevelDose(d.dose_level, d.dose_gy, d.physical_dose_gy or 0.0, d.rbe_model)
            for d in fraction.doses
            if d.dose_gy is not None
        ),
        optional_fraction=fraction.optional_fraction,
    )


def load_state(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, course: CourseRecord | None = None
) -> CourseState:
    """The participant's course as stored; :class:`NotFound` if none is planned."""
    course = course or uow.course.get(participant)
    if course is None:
        raise NotFound(
            f"{participant.study_id} has no planned course (plan one with rt plan-course)",
            location="study_id",
        )
    protocol, version, arm = course_protocol(uow, participant, course.protocol_version_id)
    if arm.code != course.arm_code:
        raise InvalidInput(
            f"{participant.study_id} is in arm {arm.code} but the course was planned for arm "
            f"{course.arm_code}",
            location="arm",
        )
    return CourseState(
        participant=participant,
        course=course,
        protocol=protocol,
        version=version,
        arm=arm,
        fractions=tuple(uow.course.fractions(course.id)),
        missed=tuple(uow.course.missed(course.id)),
        decisions=tuple(uow.randomisation.decisions(participant)),
        calendar=site_calendar(uow, protocol, arm.prescription, course.site_code),
    )

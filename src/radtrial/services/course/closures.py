"""Use cases: the days a site gives no radiotherapy beyond public holidays.

A closure day (machine service, a local strike) belongs to the site, not to one trial: an
investigator, research nurse or physicist with a grant at the site (in any trial, or at every
site) records it. Courses planned afterwards skip it; fractions already planned on it at the
site are moved at once by each course's rescheduling policy, keeping the number of fractions,
with the closure as the reason in the audit trail. Moving a fraction for a closure is not a
missed fraction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from radtrial.errors import InvalidInput, PermissionDenied
from radtrial.rt.calendar import reschedule
from radtrial.services.access import acting_user
from radtrial.services.course.deviation_log import record_deviations
from radtrial.services.course.state import load_state, remove_days, today_at_site
from radtrial.services.course.writing import Move
from radtrial.services.policy import ACTION_ROLES, Action
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import SiteClosureRecord, UserRecord

__all__ = ["ClosureResult", "add_site_closure", "site_closures"]


@dataclass(frozen=True)
class ClosureResult:
    """The closure recorded and the planned fractions it moved, per participant."""

    closure: SiteClosureRecord
    moved: tuple[tuple[str, Move], ...]


def _require_site_role(user: UserRecord, site_code: str, action: Action, what: str) -> None:
    roles = ACTION_ROLES[action]
    if not (
        user.active
        and any(g.role in roles and g.site_code in (None, site_code) for g in user.grants)
    ):
        raise PermissionDenied(
            f"{user.username!r} may not {what} of site {site_code} (needs one of: "
            f"{', '.join(sorted(role.value for role in roles))} at the site)",
            location="actor",
        )


def add_site_closure(
    db: Database, *, actor: str, site_code: str, day: date, reason: str
) -> ClosureResult:
    """Record that ``site_code`` gives no radiotherapy on ``day`` and move the fractions
    planned there on that day; :class:`Conflict` if the day is already closed."""
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("give the reason the site is closed", location="reason")

    def work(uow: ResearchUnitOfWork) -> ClosureResult:
        user = acting_user(uow, actor)
        _require_site_role(user, site_code, Action.PARTICIPANT_WRITE, "record closure days")
        closure = uow.course.add_site_closure(site_code, day, why)
        moved: list[tuple[str, Move]] = []
        for study_id in uow.course.study_ids_planned_on(site_code, day):
            participant = uow.participants.get(study_id, lock=True)
            state = load_state(uow, participant)
            today = today_at_site(uow, state.course.timezone)
            plan = state.current_plan()
            for _ in range(sum(1 for f in state.planned if f.planned_date == day)):
                plan = reschedule(plan, day, state.prescription, state.calendar, today=today)
            days = remove_days(list(plan.days), state.delivered_days())
            for fraction, new_day in zip(state.planned, days, strict=True):
                if fraction.planned_date != new_day:
                    uow.course.set_planned_date(fraction.id, new_day)
                    moved.append((study_id, Move(fraction.number, fraction.planned_date, new_day)))
            record_deviations(uow, load_state(uow, participant, state.course))
        return ClosureResult(closure, tuple(moved))

    return db.run(work, actor=actor, reason=f"site {site_code} closed on {day.isoformat()}: {why}")


def site_closures(db: Database, *, actor: str, site_code: str) -> list[SiteClosureRecord]:
    """The days ``site_code`` is closed (for anyone who may see the site's records)."""

    def work(uow: ResearchUnitOfWork) -> list[SiteClosureRecord]:
        user = acting_user(uow, actor)
        _require_site_role(user, site_code, Action.SITE_READ, "see the closure days")
        return uow.course.site_closures(site_code)

    return db.run(work, actor=actor, read_only=True)

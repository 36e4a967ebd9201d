"""The course services as the API and the pages call them: with the access log.

The course services (:mod:`radtrial.services.course`) check who may act on a participant's
course (the participant's or the treating site, by the one site-isolation policy) and audit
every write. These wrappers add what a request from a browser or API client needs on top
(RELIABILITY.md row 16): every allowed read of a course and every refusal is written to the
access log, with the participant's trial and site. The course's record types are re-exported
for the API's annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from radtrial.errors import PermissionDenied
from radtrial.services.course import CourseView, show_course
from radtrial.services.policy import Action, Database, log_access
from radtrial.store.records import (
    DeviationRecord,
    FractionRecord,
    MissedFractionRecord,
    PlanQaEvaluationRecord,
    UserRecord,
)

__all__ = [
    "DeviationRecord",
    "FractionRecord",
    "MissedFractionRecord",
    "PlanQaEvaluationRecord",
    "course_write",
    "logged_read",
    "read_course",
]

T = TypeVar("T")


def _log_refusal(
    db: Database,
    user: UserRecord,
    study_id: str,
    error: PermissionDenied,
    action: Action,
    client_address: str | None,
    entity: str = "rt_courses",
) -> None:
    detail = error.detail or {}
    sites = detail.get("sites") or [None]
    log_access(
        db,
        actor=user.username,
        action=str(detail.get("action", action.value)),
        outcome="denied",
        entity=entity,
        entity_id=study_id,
        trial_slug=detail.get("trial"),
        site_code=sites[0],
        client_address=client_address,
        detail={"reason": error.message},
    )


def read_course(
    db: Database, *, user: UserRecord, study_id: str, client_address: str | None = None
) -> CourseView:
    """The participant's course (:func:`show_course`); the read, or its refusal, is logged."""
    try:
        view = show_course(db, actor=user.username, study_id=study_id)
    except PermissionDenied as error:
        _log_refusal(db, user, study_id, error, Action.PARTICIPANT_READ, client_address)
        raise
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity="rt_courses",
        entity_id=study_id,
        trial_slug=view.trial_slug,
        site_code=view.site_code,
        client_address=client_address,
    )
    return view


def course_write(
    db: Database,
    *,
    user: UserRecord,
    study_id: str,
    write: Callable[[], T],
    client_address: str | None = None,
    entity: str = "rt_courses",
) -> T:
    """Run ``write`` (a course service call acting as ``user``); a refusal is logged."""
    try:
        return write()
    except PermissionDenied as error:
        _log_refusal(db, user, study_id, error, Action.PARTICIPANT_WRITE, client_address, entity)
        raise


def logged_read(
    db: Database,
    *,
    user: UserRecord,
    study_id: str,
    entity: str,
    read: Callable[[], T],
    scope: Callable[[T], tuple[str | None, str | None]],
    client_address: str | None = None,
) -> T:
    """Run ``read`` (a read of the participant's records acting as ``user``) and log it, or
    its refusal, as a read of ``entity``; ``scope`` gives the (trial, site) of the answer."""
    try:
        answer = read()
    except PermissionDenied as error:
        _log_refusal(db, user, study_id, error, Action.PARTICIPANT_READ, client_address, entity)
        raise
    trial, site = scope(answer)
    log_access(
        db,
        actor=user.username,
        action=Action.PARTICIPANT_READ.value,
        outcome="allowed",
        entity=entity,
        entity_id=study_id,
        trial_slug=trial,
        site_code=site,
        client_address=client_address,
    )
    return answer

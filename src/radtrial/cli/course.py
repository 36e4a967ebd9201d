"""``radtrial rt`` commands on a participant's course, over :mod:`radtrial.services.course`.

* ``plan-course STUDY_ID --start DATE [--site S]``: the treatment calendar (with a warning when
  its overall time already exceeds the protocol's limit);
* ``course STUDY_ID``: ledger, BED/EQD2 to date, deviations, gap-compensation options;
* ``compensate STUDY_ID --option N --reason TEXT [--accept-breaks]``;
* ``acknowledge STUDY_ID DEVIATION --reason TEXT``.

The fractions (``deliver``, ``miss``, ``cancel``) are in :mod:`radtrial.cli.fractions`, the
site's closure days in :mod:`radtrial.cli.site_closures`, how a course is shown in
:mod:`radtrial.cli.course_view`; :mod:`radtrial.cli.rt` registers them all on the ``rt`` app.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.course_view import (
    _WEEKDAYS,
    _asdict,
    _option_json,
    _print_deviations,
    _print_moves,
    _print_view,
    _view_json,
)
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services.course import (
    accept_compensation,
    acknowledge_deviation,
    plan_participant_course,
    show_course,
)

__all__ = [
    "REASON",
    "STUDY_ID",
    "acknowledge_command",
    "compensate_command",
    "course_command",
    "plan_course_command",
]

STUDY_ID = Annotated[str, typer.Argument(help="The participant's study id.")]
REASON = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")]


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date YYYY-MM-DD", location=option) from exc


@command
def plan_course_command(
    study_id: STUDY_ID,
    start: Annotated[str, typer.Option("--start", help="First possible treatment day.")],
    site: Annotated[
        str | None, typer.Option("--site", help="Treating site (default: the participant's).")
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, when planning a course again.")
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Plan the participant's course: fraction dates on the site's open treatment days.

    The protocol's weekly rhythm, Norwegian public holidays, the protocol's annual closures and
    the site's closure days decide the dates; the start may not precede registration. Warns
    when the planned overall time already exceeds the protocol's limit.
    """
    with open_database() as db:
        result = plan_participant_course(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            start=_date(start, "--start"),
            site_code=site,
            reason=reason,
        )
    if as_json:
        print_json(
            {
                "course": result.course,
                "fractions": result.fractions,
                "closed_days": [{"date": c.day, "reason": c.reason} for c in result.closed_days],
                "replanned": result.replanned,
                "overall_time_days": result.overall_time_days,
                "max_overall_time_days": result.max_overall_time_days,
                "warnings": list(result.warnings),
            }
        )
        return
    days = [f.planned_date for f in result.fractions]
    span = result.overall_time_days
    console.print(
        f"{'re-planned' if result.replanned else 'planned'} {len(days)} fractions for "
        f"{result.course.study_id} (arm {result.course.arm_code}) at {result.course.site_code}: "
        f"{days[0].isoformat()} to {days[-1].isoformat()}, overall time {span} days",
        highlight=False,
    )
    for fraction in result.fractions:
        day = fraction.planned_date
        console.print(f"  {fraction.number:>2}  {day.isoformat()} {_WEEKDAYS[day.weekday()]}")
    for closed in result.closed_days:
        console.print(f"  no treatment {closed.day.isoformat()}: {closed.reason}", highlight=False)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/] {warning}", highlight=False, soft_wrap=True)


@command
def course_command(
    study_id: STUDY_ID,
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Also show deviations no longer found.")
    ] = False,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The participant's course: ledger, dose and BED/EQD2 to date, deviations, gap options."""
    with open_database() as db:
        view = show_course(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json(_view_json(view))
        return
    _print_view(view, resolved)


@command
def compensate_command(
    study_id: STUDY_ID,
    option: Annotated[int, typer.Option("--option", help="Option number, as rt course lists.")],
    reason: REASON,
    accept_breaks: Annotated[
        bool,
        typer.Option("--accept-breaks", help="Accept an option that breaks protocol limits."),
    ] = False,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Accept a gap-compensation option for the missed fractions, changing the plan."""
    with open_database() as db:
        result = accept_compensation(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            option=option,
            reason=reason,
            accept_breaks=accept_breaks,
        )
    if as_json:
        print_json(
            {
                "option": _option_json(option, result.option),
                "moves": result.moves,
                "cancelled": result.cancelled,
                "planned_doses": dict(result.planned_doses),
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
            }
        )
        return
    console.print(
        f"accepted option {option} ({result.option.kind}) for {study_id}: "
        f"{result.option.description}",
        highlight=False,
        soft_wrap=True,
    )
    _print_moves(result.moves)
    if result.cancelled:
        console.print(f"  cancelled fraction(s) {', '.join(map(str, result.cancelled))}")
    if result.planned_doses:
        doses = ", ".join(f"{level} {dose:.3f}" for level, dose in result.planned_doses.items())
        console.print(f"  remaining fractions planned at {doses}", highlight=False)
    _print_deviations(result.new_deviations, "new deviation")


@command
def acknowledge_command(
    study_id: STUDY_ID,
    deviation: Annotated[int, typer.Argument(help="Deviation id, as rt course lists.")],
    reason: REASON,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record that the investigator has seen a deviation."""
    with open_database() as db:
        record = acknowledge_deviation(
            db, actor=resolve_actor(actor), study_id=study_id, deviation_id=deviation, reason=reason
        )
    if as_json:
        print_json({**_asdict(record), "status": record.status})
        return
    console.print(
        f"deviation {record.id} ({record.severity} {record.code}) acknowledged by "
        f"{record.acknowledged_by}",
        highlight=False,
    )

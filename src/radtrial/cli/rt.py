"""``radtrial rt``: radiotherapy courses.

``compare`` and ``calendar`` need no database (they read at most a bundled protocol); the
commands on a participant's course (``plan-course``, ``course``, ``compensate``,
``acknowledge``) live in :mod:`radtrial.cli.course`, those on its fractions (``deliver``,
``miss``, ``cancel``) in :mod:`radtrial.cli.fractions` and ``site-closure`` in
:mod:`radtrial.cli.site_closures`; all are registered here.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from radtrial.cli import course, fractions, site_closures
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.protocol.prescription import Arm
from radtrial.rt import lq
from radtrial.rt.calendar import TreatmentCalendar, plan_course
from radtrial.services import protocols

app = typer.Typer(
    help="Radiotherapy courses: planning, the delivery ledger, deviations, BED/EQD2.",
    no_args_is_help=True,
)
app.command("plan-course")(course.plan_course_command)
app.command("deliver")(fractions.deliver_command)
app.command("miss")(fractions.miss_command)
app.command("cancel")(fractions.cancel_command)
app.command("course")(course.course_command)
app.command("compensate")(course.compensate_command)
app.command("acknowledge")(course.acknowledge_command)
app.add_typer(site_closures.site_closure_app, name="site-closure")

_DEFAULT_ALPHA_BETA = "3,4,10"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@app.command("compare")
@command
def compare_command(
    schedule: Annotated[
        list[str],
        typer.Option(
            "--schedule",
            help="A schedule: TOTAL/FRACTIONS (56/16) or DOSExFRACTIONS (8x1); repeat it",
        ),
    ],
    alpha_beta: Annotated[
        str, typer.Option("--alpha-beta", help="α/β values in Gy, comma-separated")
    ] = _DEFAULT_ALPHA_BETA,
    as_json: bool = JSON_OPTION,
) -> None:
    """BED and EQD2 of each schedule at each α/β (linear-quadratic model, sum form)."""
    schedules = [_schedule(text) for text in schedule]
    alpha_betas = _alpha_betas(alpha_beta)
    rows = lq.compare_schedules(schedules, alpha_betas)
    if as_json:
        print_json([asdict(row) for row in rows])
        return
    table = Table(title="BED / EQD2 (Gy; Gy(RBE) for protons)")
    table.add_column("Schedule")
    table.add_column("d (Gy)", justify="right")
    for ab in alpha_betas:
        table.add_column(f"BED α/β={ab:g}", justify="right")
        table.add_column(f"EQD2 α/β={ab:g}", justify="right")
    per_schedule = len(alpha_betas)
    for start in range(0, len(rows), per_schedule):
        group = rows[start : start + per_schedule]
        first = group[0]
        dose = "-" if first.dose_per_fraction_gy is None else f"{first.dose_per_fraction_gy:g}"
        cells = [f"{value:.2f}" for row in group for value in (row.bed_gy, row.eqd2_gy)]
        table.add_row(first.schedule, dose, *cells)
    console.print(table)


@app.command("calendar")
@command
def calendar_command(
    trial: Annotated[str, typer.Option("--trial", help="A bundled trial slug or protocol file")],
    start: Annotated[str, typer.Option("--start", help="First possible treatment day, YYYY-MM-DD")],
    arm: Annotated[
        str | None, typer.Option("--arm", help="Arm code (needed when the trial has several)")
    ] = None,
    site_closed: Annotated[
        list[str] | None,
        typer.Option("--site-closed", help="A day the site is closed, YYYY-MM-DD; repeat it"),
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Planned fraction dates from a start date: weekly rhythm, Norwegian holidays, closures."""
    protocol = protocols.validate(trial)
    chosen = _arm(protocol.arms, arm)
    first = _date(start, "--start")
    closed = [_date(text, "--site-closed") for text in site_closed or []]
    prescription = chosen.prescription
    calendar = TreatmentCalendar.for_prescription(prescription, protocol.course, closed)
    plan = plan_course(prescription, first, calendar)
    if as_json:
        print_json(
            {
                "trial": protocol.slug,
                "arm": chosen.code,
                "start": first,
                "fractions_per_week": prescription.fractions_per_week,
                "overall_time_days": plan.overall_time_days,
                "max_overall_time_days": prescription.max_overall_time_days,
                "fractions": [
                    {"number": f.number, "date": f.day, "weekday": _WEEKDAYS[f.day.weekday()]}
                    for f in plan.fractions
                ],
                "closed_days": [{"date": c.day, "reason": c.reason} for c in plan.closed_days],
            }
        )
        return
    table = Table(
        "Fraction",
        "Date",
        "Weekday",
        title=f"{protocol.trial.acronym} arm {chosen.code}: {len(plan.fractions)} fractions, "
        f"overall time {plan.overall_time_days} days",
    )
    for fraction in plan.fractions:
        table.add_row(
            str(fraction.number), fraction.day.isoformat(), _WEEKDAYS[fraction.day.weekday()]
        )
    console.print(table)
    for closed_day in plan.closed_days:
        console.print(f"  no treatment {closed_day.day.isoformat()}: {closed_day.reason}")
    limit = prescription.max_overall_time_days
    if limit is not None and plan.overall_time_days > limit:
        console.print(
            f"[yellow]warning[/] the planned overall time, {plan.overall_time_days} days, exceeds "
            f"the protocol's {limit} days"
        )


def _schedule(text: str) -> lq.Schedule:
    try:
        return lq.Schedule.parse(text)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, location="--schedule") from exc


def _alpha_betas(text: str) -> list[float]:
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise InvalidInput(
                f"{part.strip()!r} in {text!r} is not a positive α/β in Gy",
                location="--alpha-beta",
            )
        values.append(value)
    return values


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date YYYY-MM-DD", location=option) from exc


def _arm(arms: tuple[Arm, ...], code: str | None) -> Arm:
    if code is None:
        if len(arms) == 1:
            return arms[0]
        raise InvalidInput(
            f"this trial has arms {[a.code for a in arms]}: choose one with --arm", location="--arm"
        )
    for candidate in arms:
        if candidate.code == code:
            return candidate
    raise InvalidInput(f"no arm {code!r}; arms are {[a.code for a in arms]}", location="--arm")

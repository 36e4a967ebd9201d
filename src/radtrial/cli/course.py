"""``radtrial rt`` commands on a participant's course, over :mod:`radtrial.services.course`.

* ``plan-course STUDY_ID --start DATE [--site S]``: the treatment calendar (with a warning when
  its overall time already exceeds the protocol's limit);
* ``deliver STUDY_ID --fraction N --dose-gy LEVEL=VALUE … [--at TIME] [--machine M]``: ``--at``
  without an offset is the site's wall-clock time in the course's time zone;
* ``miss STUDY_ID --fraction N --reason TEXT`` (rescheduled at once by the protocol's policy);
* ``cancel STUDY_ID (--fraction N … | --remaining) --reason TEXT``;
* ``course STUDY_ID``: ledger, BED/EQD2 to date, deviations, gap-compensation options;
* ``compensate STUDY_ID --option N --reason TEXT [--accept-breaks]``;
* ``acknowledge STUDY_ID DEVIATION --reason TEXT``;
* ``site-closure add SITE DATE --reason TEXT`` and ``site-closure list SITE``.

Registered on the ``rt`` app by :mod:`radtrial.cli.rt`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.rt.gaps import CompensationOption, GapAnalysis
from radtrial.services.course import (
    CourseView,
    Move,
    accept_compensation,
    acknowledge_deviation,
    add_site_closure,
    cancel_fractions,
    deliver_fraction,
    miss_fraction,
    plan_participant_course,
    show_course,
    site_closures,
)
from radtrial.store.records import DeviationRecord, FractionRecord

__all__ = ["register", "site_closure_app"]

site_closure_app = typer.Typer(help="Days a site gives no radiotherapy.", no_args_is_help=True)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SEVERITY_STYLE = {"major": "bold red", "minor": "yellow"}

STUDY_ID = Annotated[str, typer.Argument(help="The participant's study id.")]
FRACTION = Annotated[int, typer.Option("--fraction", help="Fraction number (1 = the first).")]
REASON = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")]


# -- parsing -------------------------------------------------------------------------------------


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{text!r} is not a date YYYY-MM-DD", location=option) from exc


def _instant(text: str) -> datetime:
    """An ISO 8601 time. Without an offset it stays naive: the service reads it as the
    wall-clock time at the treating site, in the course's time zone, and refuses a time that
    a daylight-saving change skips or repeats (then the offset must be given)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{text!r} is not a time YYYY-MM-DDTHH:MM[+HH:MM]", location="--at"
        ) from exc


def _doses(pairs: list[str], option: str) -> dict[str, float]:
    """``LEVEL=VALUE`` pairs; a lone ``VALUE`` is the dose to the arm's only level (``*``)."""
    out: dict[str, float] = {}
    for pair in pairs:
        level, sep, value = pair.partition("=")
        if not sep:
            level, value = "*", pair
        try:
            dose = float(value)
        except ValueError:
            raise InvalidInput(f"{pair!r}: give LEVEL=DOSE in Gy", location=option) from None
        level = level.strip()
        if level in out:
            raise InvalidInput(f"{level!r} given twice", location=option)
        out[level] = dose
    return out


def _single_level(doses: dict[str, float], study_id: str, actor: str) -> dict[str, float]:
    if "*" not in doses:
        return doses
    if len(doses) > 1:
        raise InvalidInput("name the dose level of every dose (LEVEL=DOSE)", location="--dose-gy")
    with open_database() as db:
        view = show_course(db, actor=actor, study_id=study_id)
    levels = sorted({d.dose_level for f in view.fractions for d in f.doses})
    if len(levels) != 1:
        raise InvalidInput(
            f"arm {view.arm_code} has dose levels {', '.join(levels)}: give LEVEL=DOSE for each",
            location="--dose-gy",
        )
    return {levels[0]: doses["*"]}


# -- printing ------------------------------------------------------------------------------------


def _print_deviations(deviations: tuple[DeviationRecord, ...], title: str) -> None:
    for deviation in deviations:
        style = _SEVERITY_STYLE.get(deviation.severity, "")
        console.print(
            f"  [{style}]{title} #{deviation.id} {deviation.severity}[/] "
            f"{deviation.code}: {deviation.message}",
            highlight=False,
            soft_wrap=True,
        )


def _print_moves(moves: tuple[Move, ...] | list[Move], prefix: str = "") -> None:
    for move in moves:
        console.print(
            f"  {prefix}fraction {move.number} moved {move.from_day.isoformat()} → "
            f"{move.to_day.isoformat()} ({_WEEKDAYS[move.to_day.weekday()]})",
            highlight=False,
        )


def _dose_text(fraction: FractionRecord, level: str, unit: str) -> str:
    for dose in fraction.doses:
        if dose.dose_level != level:
            continue
        if dose.dose_gy is None:
            return f"[dim]{dose.planned_dose_gy:.2f}[/]"
        text = f"{dose.dose_gy:.2f}"
        if dose.rbe_model is not None and dose.physical_dose_gy is not None:
            text += f" ({dose.physical_dose_gy:.3f} Gy)"
        return text
    return "-"


def _option_rows(gaps: GapAnalysis) -> list[dict[str, Any]]:
    return [_option_json(number, option) for number, option in enumerate(gaps.options, 1)]


def _option_json(number: int, option: CompensationOption) -> dict[str, Any]:
    return {
        "option": number,
        "kind": option.kind,
        "description": option.description,
        "fraction_days": list(option.fraction_days),
        "overall_time_days": option.overall_time_days,
        "within_protocol": option.within_protocol,
        "breaks": list(option.breaks),
        "levels": [
            {
                "dose_level": effect.dose_level,
                "dose_per_fraction_gy": effect.dose_per_fraction_gy,
                "total_dose_gy": effect.total_dose_gy,
                "tumour": _tissue_json(effect.tumour),
                "late": _tissue_json(effect.late),
            }
            for effect in option.levels
        ],
    }


def _tissue_json(effect: Any) -> dict[str, Any]:
    return {
        "tissue": effect.tissue,
        "alpha_beta_gy": effect.alpha_beta_gy,
        "bed_gy": effect.bed_gy,
        "eqd2_gy": effect.eqd2_gy,
        "planned_bed_gy": effect.planned_bed_gy,
        "planned_eqd2_gy": effect.planned_eqd2_gy,
        "bed_change_percent": effect.bed_change_percent,
        "shortfall_bed_gy": effect.shortfall_bed_gy,
        "shortfall_eqd2_gy": effect.shortfall_eqd2_gy,
    }


def _print_gaps(gaps: GapAnalysis, unit: str) -> None:
    missed = ", ".join(day.isoformat() for day in gaps.missed_days)
    console.print(
        f"\n[bold]Gap compensation[/] for {gaps.missed_fractions} missed fraction(s) ({missed}); "
        f"planned overall time {gaps.planned_overall_time_days} days. Accept one with "
        "rt compensate --option N --reason TEXT",
        highlight=False,
        soft_wrap=True,
    )
    for number, option in enumerate(gaps.options, 1):
        status = "[green]within protocol[/]" if option.within_protocol else "[yellow]breaks[/]"
        days = ", ".join(day.isoformat() for day in option.fraction_days)
        console.print(
            f"  [bold]{number}[/] {option.kind}: {option.description}; {status}; "
            f"overall time {option.overall_time_days} days; days {days}",
            highlight=False,
            soft_wrap=True,
        )
        for effect in option.levels:
            tumour, late = effect.tumour, effect.late
            console.print(
                f"      {effect.dose_level}: {effect.dose_per_fraction_gy:.2f} {unit}/fraction, "
                f"total {effect.total_dose_gy:.2f}; tumour ({tumour.tissue}, α/β "
                f"{tumour.alpha_beta_gy:g}) BED {tumour.bed_gy:.2f} EQD2 {tumour.eqd2_gy:.2f} "
                f"({tumour.bed_change_percent:+.1f} % BED); late (α/β {late.alpha_beta_gy:g}) "
                f"BED {late.bed_gy:.2f} EQD2 {late.eqd2_gy:.2f} "
                f"({late.bed_change_percent:+.1f} % BED)"
                + (
                    f"; tumour BED short of the plan by {tumour.shortfall_bed_gy:.2f} Gy "
                    f"(EQD2 {tumour.shortfall_eqd2_gy:.2f} Gy)"
                    if tumour.shortfall_bed_gy > 0.005
                    else ""
                ),
                highlight=False,
                soft_wrap=True,
            )
        for broken in option.breaks:
            console.print(f"      [yellow]breaks[/] {broken}", highlight=False, soft_wrap=True)
    for note in gaps.notes:
        console.print(f"  note: {note}", highlight=False)


def _view_json(view: CourseView) -> dict[str, Any]:
    return {
        "study_id": view.study_id,
        "trial": view.trial_slug,
        "arm": {"code": view.arm_code, "label": view.arm_label},
        "protocol_version": view.protocol_version,
        "protocol_hash": view.protocol_hash,
        "site": view.site_code,
        "timezone": view.timezone,
        "start_date": view.start_date,
        "modality": view.modality,
        "dose_unit": view.dose_unit,
        "rbe_model": view.rbe_model,
        "as_of": view.as_of,
        "summary": {
            "prescribed_fractions": view.prescribed_fractions,
            "delivered_fractions": view.delivered_fractions,
            "cancelled_fractions": view.cancelled_fractions,
            "fractions_remaining": view.fractions_remaining,
            "overall_time_days": view.overall_time_days,
            "projected_overall_time_days": view.projected_overall_time_days,
            "max_overall_time_days": view.max_overall_time_days,
        },
        "fractions": view.fractions,
        "missed": view.missed,
        "dose_to_date": view.levels,
        "projected": view.projected,
        "deviations": [{**_asdict(d), "status": d.status} for d in view.deviations],
        "gap_compensation": None
        if view.gaps is None
        else {
            "missed_days": list(view.gaps.missed_days),
            "remaining_days": list(view.gaps.remaining_days),
            "planned_overall_time_days": view.gaps.planned_overall_time_days,
            "options": _option_rows(view.gaps),
            "notes": list(view.gaps.notes),
        },
    }


def _asdict(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}


def _print_view(view: CourseView, show_resolved: bool) -> None:
    rbe = f", {view.rbe_model}" if view.rbe_model else ""
    console.print(
        f"[bold]{view.trial_acronym} {view.study_id}[/] arm {view.arm_code} ({view.arm_label}); "
        f"{view.modality}, doses in {view.dose_unit}{rbe}",
        highlight=False,
        soft_wrap=True,
    )
    limit = f", limit {view.max_overall_time_days}" if view.max_overall_time_days else ""
    console.print(
        f"protocol {view.protocol_version} (sha256 {view.protocol_hash[:12]}…); treated at "
        f"{view.site_code}; start {view.start_date.isoformat()}; as of {view.as_of.isoformat()}\n"
        f"fractions: {view.delivered_fractions} of {view.prescribed_fractions} delivered, "
        f"{view.fractions_remaining} remaining, {view.cancelled_fractions} cancelled, "
        f"{len(view.missed)} missed; overall time {view.overall_time_days} days (projected "
        f"{view.projected_overall_time_days}{limit})",
        highlight=False,
        soft_wrap=True,
    )
    level_ids = [summary.dose_level for summary in view.levels]
    table = Table(title="Ledger")
    for name in ("#", "planned", "status", "delivered (site time)", "site", "machine"):
        table.add_column(name)
    for level_id in level_ids:
        table.add_column(f"{level_id} ({view.dose_unit})", justify="right")
    table.add_column("note")
    zone = ZoneInfo(view.timezone)
    for fraction in view.fractions:
        given = (
            fraction.delivered_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if fraction.delivered_at
            else ""
        )
        note = fraction.reason or ""
        if fraction.optional_fraction:
            note = f"optional {fraction.optional_fraction}" + (f"; {note}" if note else "")
        day = fraction.planned_date
        table.add_row(
            str(fraction.number),
            f"{day.isoformat()} {_WEEKDAYS[day.weekday()]}",
            fraction.status,
            given,
            fraction.site_code or "",
            fraction.machine or "",
            *(_dose_text(fraction, level_id, view.dose_unit) for level_id in level_ids),
            note,
        )
    console.print(table)
    for missed in view.missed:
        moved = f" → {missed.rescheduled_to.isoformat()}" if missed.rescheduled_to else ""
        compensation = f"; compensation: {missed.compensation}" if missed.compensation else ""
        console.print(
            f"  missed fraction {missed.number} on {missed.planned_date.isoformat()}{moved}: "
            f"{missed.reason}{compensation}",
            highlight=False,
            soft_wrap=True,
        )
    doses = Table(title=f"Dose to date ({view.dose_unit}; BED/EQD2 in Gy, LQ sum form)")
    for name in ("level", "fractions", "dose", "physical", "prescribed", "tissue", "α/β"):
        doses.add_column(name, justify="left" if name in ("level", "tissue") else "right")
    for name in ("BED", "EQD2", "BED projected", "EQD2 projected"):
        doses.add_column(name, justify="right")
    projected = {(p.dose_level, p.tissue): p for p in view.projected}
    for level in view.levels:
        for index, tissue in enumerate(level.tissues):
            ahead = projected[(level.dose_level, tissue.tissue)]
            first = index == 0
            doses.add_row(
                level.dose_level if first else "",
                str(level.fractions_delivered) if first else "",
                f"{level.dose_gy:.2f}" if first else "",
                f"{level.physical_dose_gy:.3f}" if first else "",
                f"{level.prescribed_dose_gy:g}" if first else "",
                tissue.tissue,
                f"{tissue.alpha_beta_gy:g}",
                f"{tissue.bed_gy:.2f}",
                f"{tissue.eqd2_gy:.2f}",
                f"{ahead.bed_gy:.2f}",
                f"{ahead.eqd2_gy:.2f}",
            )
    console.print(doses)
    shown = view.deviations if show_resolved else view.open_deviations
    if shown:
        table = Table(title="Deviations")
        for name in ("id", "severity", "status", "code", "fraction", "found", "message"):
            table.add_column(name)
        for deviation in shown:
            style = _SEVERITY_STYLE.get(deviation.severity, "")
            status = deviation.status
            if deviation.acknowledged_by:
                status += f" by {deviation.acknowledged_by}"
            table.add_row(
                str(deviation.id),
                f"[{style}]{deviation.severity}[/]",
                status,
                deviation.code,
                "" if deviation.fraction is None else str(deviation.fraction),
                deviation.detected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                deviation.message,
            )
        console.print(table)
    else:
        console.print("no open deviations")
    if view.gaps is not None and view.gaps.options:
        _print_gaps(view.gaps, view.dose_unit)


# -- commands ------------------------------------------------------------------------------------


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
def deliver_command(
    study_id: STUDY_ID,
    fraction: FRACTION,
    dose_gy: Annotated[
        list[str],
        typer.Option(
            "--dose-gy",
            help="LEVEL=DOSE per dose level, in Gy (Gy(RBE) for protons); repeat it. A lone "
            "DOSE is the dose to an arm's only level.",
        ),
    ],
    physical_gy: Annotated[
        list[str] | None,
        typer.Option("--physical-gy", help="LEVEL=DOSE physical dose (protons; default RBE)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When it was given (default now): YYYY-MM-DDTHH:MM at the site, or with a UTC "
            "offset (needed for a time a daylight-saving change skips or repeats).",
        ),
    ] = None,
    machine: Annotated[
        str | None, typer.Option("--machine", help="Treatment machine (default: as before).")
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Site (default: the treating site).")
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a delivered fraction with its dose per dose level."""
    who = resolve_actor(actor)
    doses = _single_level(_doses(dose_gy, "--dose-gy"), study_id, who)
    physical = _doses(physical_gy or [], "--physical-gy")
    with open_database() as db:
        result = deliver_fraction(
            db,
            actor=who,
            study_id=study_id,
            fraction=fraction,
            doses=doses,
            physical_doses=physical,
            delivered_at=_instant(at) if at else None,
            machine=machine,
            site_code=site,
        )
    if as_json:
        print_json(
            {
                "fraction": result.fraction,
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
                "open_deviations": len(result.open_deviations),
            }
        )
        return
    given = result.fraction
    assert given.delivered_at is not None
    local = given.delivered_at.astimezone(ZoneInfo(result.timezone))
    dose_text = ", ".join(
        f"{d.dose_level} {d.dose_gy:g}"
        + (f" (physical {d.physical_dose_gy:.3f} Gy, {d.rbe_model})" if d.rbe_model else "")
        for d in given.doses
        if d.dose_gy is not None
    )
    console.print(
        f"fraction {given.number} of {study_id} delivered {local.strftime('%Y-%m-%d %H:%M')} at "
        f"{given.site_code} on {given.machine}: {dose_text}",
        highlight=False,
        soft_wrap=True,
    )
    _print_deviations(result.new_deviations, "new deviation")


@command
def miss_command(
    study_id: STUDY_ID,
    fraction: FRACTION,
    reason: REASON,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a missed fraction; it is rescheduled at once by the protocol's policy."""
    with open_database() as db:
        result = miss_fraction(
            db, actor=resolve_actor(actor), study_id=study_id, fraction=fraction, reason=reason
        )
    if as_json:
        print_json(
            {
                "missed": result.missed,
                "moves": result.moves,
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
                "gap_compensation": None if result.gaps is None else _option_rows(result.gaps),
            }
        )
        return
    missed = result.missed
    target = missed.rescheduled_to.isoformat() if missed.rescheduled_to else "-"
    console.print(
        f"fraction {missed.number} of {study_id} missed on {missed.planned_date.isoformat()} "
        f"({missed.reason}); rescheduled by the protocol's policy, the course now ends with a "
        f"fraction on {target}",
        highlight=False,
        soft_wrap=True,
    )
    _print_moves(result.moves)
    _print_deviations(result.new_deviations, "new deviation")
    if result.gaps is not None and result.gaps.options:
        console.print("  see the gap-compensation options with rt course " + study_id)


@command
def cancel_command(
    study_id: STUDY_ID,
    reason: REASON,
    fraction: Annotated[
        list[int] | None, typer.Option("--fraction", help="Fraction number; repeat it.")
    ] = None,
    remaining: Annotated[
        bool, typer.Option("--remaining", help="Cancel every fraction still planned.")
    ] = False,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record that planned fractions will not be given."""
    if bool(fraction) == remaining:
        raise InvalidInput("give --fraction N (repeatable) or --remaining", location="--fraction")
    with open_database() as db:
        result = cancel_fractions(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            reason=reason,
            fractions=None if remaining else fraction,
        )
    if as_json:
        print_json(
            {
                "cancelled": result.cancelled,
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
            }
        )
        return
    numbers = ", ".join(str(n) for n in result.cancelled)
    console.print(f"cancelled fraction(s) {numbers} of {study_id}: {reason}", highlight=False)
    _print_deviations(result.new_deviations, "new deviation")


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


@site_closure_app.command("add")
@command
def site_closure_add(
    site: Annotated[str, typer.Argument(help="Site code, e.g. OUS.")],
    day: Annotated[str, typer.Argument(help="The closed day, YYYY-MM-DD.")],
    reason: REASON,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a day the site gives no radiotherapy; fractions planned on it are moved."""
    with open_database() as db:
        result = add_site_closure(
            db, actor=resolve_actor(actor), site_code=site, day=_date(day, "DATE"), reason=reason
        )
    if as_json:
        print_json(
            {
                "closure": result.closure,
                "moved": [{"study_id": s, **_asdict(move)} for s, move in result.moved],
            }
        )
        return
    console.print(
        f"site {site} closed on {result.closure.day.isoformat()}: {result.closure.reason}",
        highlight=False,
    )
    for study, move in result.moved:
        _print_moves([move], prefix=f"{study}: ")


@site_closure_app.command("list")
@command
def site_closure_list(
    site: Annotated[str, typer.Argument(help="Site code, e.g. OUS.")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The days the site is closed."""
    with open_database() as db:
        closures = site_closures(db, actor=resolve_actor(actor), site_code=site)
    if as_json:
        print_json(closures)
        return
    if not closures:
        console.print(f"no closure days recorded for {site}")
    for closure in closures:
        console.print(
            f"  {closure.day.isoformat()} {_WEEKDAYS[closure.day.weekday()]}: {closure.reason} "
            f"(recorded by {closure.recorded_by})",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add the course commands to the ``rt`` app."""
    app.command("plan-course")(plan_course_command)
    app.command("deliver")(deliver_command)
    app.command("miss")(miss_command)
    app.command("cancel")(cancel_command)
    app.command("course")(course_command)
    app.command("compensate")(compensate_command)
    app.command("acknowledge")(acknowledge_command)
    app.add_typer(site_closure_app, name="site-closure")

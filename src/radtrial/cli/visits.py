"""``radtrial visits``: visits due per site, a participant's schedule, missed visits (recorded
per participant with ``missed``, listed per site with ``missed-list``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from radtrial.cli.arguments import parse_day
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.services.outcomes import visits

__all__ = ["app"]

app = typer.Typer(help="Visit schedules: due, overdue and missed visits.")


@app.command("due")
@command
def due(
    site: str = typer.Option(..., "--site", help="Site code, e.g. OUS."),
    trial: str | None = typer.Option(None, "--trial", help="Trial slug (default: every trial)."),
    look_ahead: int = typer.Option(
        0, "--look-ahead", help="Also list visits whose window opens within this many days."
    ),
    on: str | None = typer.Option(None, "--on", help="As of this date (default today)."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The site's due and overdue visits, most urgent first."""
    with open_database() as db:
        rows = visits.site_visits_due(
            db,
            actor=resolve_actor(actor),
            site_code=site,
            trial_slug=trial,
            today=parse_day(on, "--on"),
            look_ahead_days=look_ahead,
        )
    if as_json:
        print_json([{"trial": r.trial_slug, **asdict(r.due)} for r in rows])
        return
    table = Table("trial", "study id", "visit", "window", "status", "assessments", "samples")
    for r in rows:
        d = r.due
        table.add_row(
            r.trial_slug,
            d.study_id,
            d.label,
            f"{d.window.opens_on.isoformat()} – {d.window.closes_on.isoformat()}"
            + (" (planned anchor)" if d.anchor_planned else ""),
            d.status.value.replace("_", " "),
            ", ".join(d.assessments),
            ", ".join(d.samples),
        )
    console.print(table)


@app.command("show")
@command
def show(
    study_id: Annotated[str, typer.Argument(help="Study id.")],
    on: str | None = typer.Option(None, "--on", help="As of this date (default today)."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every protocol visit of a participant with its window and status."""
    with open_database() as db:
        states = visits.participant_visits(
            db, actor=resolve_actor(actor), study_id=study_id, today=parse_day(on, "--on")
        )
    if as_json:
        print_json([asdict(s) for s in states])
        return
    table = Table("visit", "anchor", "window", "status", "done on")
    for s in states:
        window = s.visit.window
        table.add_row(
            s.visit.label,
            f"{s.visit.anchor} (planned)" if s.visit.anchor_planned else s.visit.anchor,
            "—" if window is None else f"{window.opens_on} – {window.closes_on}",
            s.status.value.replace("_", " "),
            "" if s.done_on is None else s.done_on.isoformat(),
        )
    console.print(table)


@app.command("missed")
@command
def missed(
    study_id: Annotated[str, typer.Argument(help="Study id.")],
    visit: str = typer.Option(..., "--visit", help="Protocol visit id."),
    note: str = typer.Option(..., "--note", help="Why the visit was not done."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record that a visit was not done."""
    with open_database() as db:
        record = visits.record_missed_visit(
            db, actor=resolve_actor(actor), study_id=study_id, visit_id=visit, note=note
        )
    if as_json:
        print_json(asdict(record))
        return
    console.print(f"recorded {record.visit_id} of {study_id} as missed", highlight=False)


@app.command("missed-list")
@command
def missed_list(
    site: str = typer.Option(..., "--site", help="Site code, e.g. OUS."),
    trial: str | None = typer.Option(None, "--trial", help="Trial slug (default: every trial)."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The site's visits recorded as missed, with why and who recorded it."""
    with open_database() as db:
        rows = visits.site_missed_visits(
            db, actor=resolve_actor(actor), site_code=site, trial_slug=trial
        )
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    table = Table("trial", "study id", "visit", "window", "why", "recorded")
    for r in rows:
        window = r.window
        table.add_row(
            r.trial_slug,
            r.study_id,
            r.label,
            "—" if window is None else f"{window.opens_on} – {window.closes_on}",
            r.note,
            f"{r.recorded_by}, {r.recorded_at:%Y-%m-%d}",
        )
    console.print(table)

"""``radtrial ecog``: ECOG performance status.

* ``ecog record STUDY --status N --on D [--visit V]``, ``ecog list STUDY``: status over time.

Every command takes ``--json``; dates are YYYY-MM-DD.
"""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from radtrial.cli.arguments import STUDY_ID, VISIT_OPTION, _number, parse_day
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.clinical.ecog import Ecog
from radtrial.services.outcomes import ecog

__all__ = ["ecog_app"]

ecog_app = typer.Typer(help="ECOG performance status.")


@ecog_app.command("record")
@command
def ecog_record(
    study_id: STUDY_ID,
    status: str = typer.Option(..., "--status", help="ECOG 0-5."),
    on: str | None = typer.Option(None, "--on", help="Assessment date; default today."),
    visit: str | None = VISIT_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the participant's ECOG performance status."""
    with open_database() as db:
        record = ecog.record_ecog(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            status=_number(status, "--status"),
            assessed_on=parse_day(on, "--on"),
            visit_id=visit,
        )
    if as_json:
        print_json(asdict(record))
        return
    on_day = record.assessed_on.isoformat()
    where = "" if record.visit_id is None else f" at {record.visit_id}"
    console.print(
        f"recorded ECOG {record.status} for [bold]{study_id}[/] on {on_day}{where}",
        highlight=False,
    )


@ecog_app.command("list")
@command
def ecog_list(
    study_id: STUDY_ID, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The participant's ECOG performance statuses over time, oldest first."""
    with open_database() as db:
        found = ecog.ecog_history(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([asdict(e) for e in found])
        return
    table = Table("date", "ECOG", "meaning", "visit", "recorded by")
    for e in found:
        table.add_row(
            e.assessed_on.isoformat(),
            str(e.status),
            Ecog(e.status).description,
            e.visit_id or "",
            e.recorded_by,
        )
    console.print(table)

"""``radtrial event``: progression, death, off study and vital status.

* ``event record STUDY --kind local_progression|distant_progression|death|off_study|alive``,
  ``event list STUDY``.

Every command takes ``--json``; dates are YYYY-MM-DD.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import typer

from radtrial.cli.arguments import STUDY_ID, VISIT_OPTION, require_day
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services.outcomes import events

__all__ = ["event_app"]

event_app = typer.Typer(help="Progression, death, off study and vital status.")

_KINDS = ("local_progression", "distant_progression", "death", "off_study", "alive")


@event_app.command("record")
@command
def event_record(
    study_id: STUDY_ID,
    kind: str = typer.Option(..., "--kind", help=f"One of: {', '.join(_KINDS)}."),
    on: str = typer.Option(..., "--on", help="Date of the event (of the assessment showing it)."),
    method: str | None = typer.Option(
        None, "--method", help="Progression shown by imaging, clinical or pathology."
    ),
    cause: str | None = typer.Option(
        None,
        "--cause",
        help="Cause of death: disease_under_study, treatment_toxicity, other, unknown.",
    ),
    off_study_reason: str | None = typer.Option(
        None,
        "--off-study-reason",
        help="completed_follow_up, withdrawal, lost_to_follow_up, death, investigator_decision, "
        "other.",
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        help="How known alive: visit, telephone, health_records, population_registry.",
    ),
    visit: str | None = VISIT_OPTION,
    note: str | None = typer.Option(None, "--note", help="Free text."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a progression, death, going off study, or a day the participant was alive."""
    day = require_day(on, "--on")
    user = resolve_actor(actor)

    def need(value: str | None, option: str) -> str:
        if value is None:
            raise InvalidInput(f"--kind {kind} needs {option}", location=option)
        return value

    with open_database() as db:
        record: Any
        if kind in {"local_progression", "distant_progression"}:
            record = events.record_progression(
                db,
                actor=user,
                study_id=study_id,
                kind=kind,
                event_on=day,
                method=need(method, "--method"),
                note=note,
            )
        elif kind == "death":
            record = events.record_death(
                db,
                actor=user,
                study_id=study_id,
                died_on=day,
                cause=need(cause, "--cause"),
                note=note,
            )
        elif kind == "off_study":
            record = events.record_off_study(
                db,
                actor=user,
                study_id=study_id,
                off_on=day,
                reason=need(off_study_reason, "--off-study-reason"),
                note=note,
            )
        elif kind == "alive":
            record = events.record_alive(
                db,
                actor=user,
                study_id=study_id,
                known_alive_on=day,
                source=need(source, "--source"),
                visit_id=visit,
            )
        else:
            raise InvalidInput(
                f"--kind must be one of {', '.join(_KINDS)}, not {kind!r}", location="--kind"
            )
    if as_json:
        print_json(asdict(record))
        return
    console.print(
        f"recorded {kind.replace('_', ' ')} of [bold]{study_id}[/] on {day.isoformat()}",
        highlight=False,
    )


@event_app.command("list")
@command
def event_list(
    study_id: STUDY_ID, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The participant's clinical events."""
    with open_database() as db:
        found = events.events_of(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([asdict(e) for e in found])
        return
    for e in found:
        detail = e.method or e.death_cause or e.off_study_reason or ""
        console.print(
            f"{e.event_on.isoformat()} {e.kind.replace('_', ' ')} ({detail})", highlight=False
        )

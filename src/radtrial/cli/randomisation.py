"""``radtrial randomisation``: generate, verify and export a trial's allocation list."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import (
    EXIT_CHECK_FAILED,
    JSON_OPTION,
    command,
    console,
    err_console,
    print_json,
)
from radtrial.errors import Conflict
from radtrial.services.randomisation import export_list, generate_list, verify_list

app = typer.Typer(help="Allocation lists: generate, verify, export.", no_args_is_help=True)


class ExportFormat(StrEnum):
    """File formats of an exported list."""

    CSV = "csv"
    JSON = "json"


@app.command("generate")
@command
def generate_command(
    trial: Annotated[str, typer.Argument(help="Trial slug, e.g. pallsoft")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate the concealed allocation list from a fresh seed (unblinded statistician only).

    Prints the fingerprints only: no allocation is shown.
    """
    with open_database() as db:
        generated = generate_list(db, actor=resolve_actor(actor), trial_slug=trial)
    record = generated.allocation_list
    if as_json:
        print_json(
            {
                "trial": record.trial_slug,
                "method": record.method,
                "algorithm": record.algorithm,
                "seed_sha256": record.seed_sha256,
                "list_sha256": record.list_sha256,
                "strata": [{"stratum": s.key, "slots": s.size} for s in generated.strata],
                "generated_at": record.created_at,
                "generated_by": record.created_by,
            }
        )
        return
    slots = sum(s.size for s in generated.strata)
    console.print(
        f"allocation list generated for {record.trial_slug}: {record.method.replace('_', ' ')}, "
        f"{len(generated.strata)} strata, {slots} slots; seed sha256 {record.seed_sha256[:16]}…, "
        f"list sha256 {record.list_sha256[:16]}…",
        highlight=False,
        soft_wrap=True,
    )


@app.command("verify")
@command
def verify_command(
    trial: Annotated[str, typer.Argument(help="Trial slug")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Regenerate the list from its seed and check every used slot; exit 3 on a mismatch."""
    with open_database() as db:
        verification = verify_list(db, actor=resolve_actor(actor), trial_slug=trial)
    if as_json:
        print_json(verification.to_json())
    else:
        report = verification.report
        table = Table("Stratum", "Slots", "Used", title=f"Allocation list of {trial}")
        for stratum in verification.strata:
            table.add_row(stratum.key, str(stratum.size), str(stratum.used))
        console.print(table)
        if report.ok:
            console.print(
                f"[green]verified[/]: the list regenerated from the seed matches its fingerprint "
                f"{report.list_sha256[:16]}… and all {report.used} used slots "
                f"({report.strata_used} strata, each a gap-free prefix)",
                highlight=False,
                soft_wrap=True,
            )
        else:
            for problem in report.problems:
                where = f"{problem.stratum} slot {problem.sequence}: " if problem.stratum else ""
                err_console.print(
                    f"[bold red]{problem.kind}[/] {where}{problem.message}", highlight=False
                )
    if not verification.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("export")
@command
def export_command(
    trial: Annotated[str, typer.Argument(help="Trial slug")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="New file to write (default: stdout)")
    ] = None,
    file_format: Annotated[
        ExportFormat, typer.Option("--format", help="csv or json")
    ] = ExportFormat.CSV,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Export the whole list, used and upcoming slots (unblinded statistician only)."""
    if output is not None and output.exists():
        raise Conflict("the output file exists; choose a new name", location=str(output))
    with open_database() as db:
        exported = export_list(
            db, actor=resolve_actor(actor), trial_slug=trial, format=file_format.value
        )
    rows = exported.rows()
    if file_format is ExportFormat.JSON or as_json:
        payload = {
            "trial": trial,
            "seed_sha256": exported.allocation_list.seed_sha256,
            "list_sha256": exported.allocation_list.list_sha256,
            "algorithm": exported.allocation_list.algorithm,
            "design": exported.content["design"],
            "slots": rows,
        }
        if output is None:
            print_json(payload)
            return
        text = json.dumps(payload, default=str, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["stratum"])
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        text = buffer.getvalue()
        if output is None:
            typer.echo(text, nl=False)
            return
    with output.open("x", encoding="utf-8", newline="") as handle:
        handle.write(text)
    err_console.print(f"{len(rows)} slots written to {output}", highlight=False)

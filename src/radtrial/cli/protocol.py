"""``radtrial protocol``: validate, import, diff and load protocol files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.protocol import Protocol, diff_protocols
from radtrial.services import protocols, trials
from radtrial.services.registry_import import import_registry_record

app = typer.Typer(help="Protocol files: validate, import a registry record, diff, load.")


@app.command("validate")
@command
def validate_command(
    ref: Annotated[str, typer.Argument(help="A protocol .toml file or a bundled slug")],
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a protocol file; every problem is listed with its key and line."""
    protocol = protocols.validate(ref)
    marks = protocol.assumption_marks()
    summary = {
        "valid": True,
        "trial": protocol.trial.acronym,
        "registry_id": protocol.trial.registry_id,
        "version": protocol.protocol.label,
        "content_hash": protocol.content_hash(),
        "assumptions": len(marks),
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"[green]valid[/] {protocol.trial.acronym} ({protocol.trial.registry_id}) "
        f"version {protocol.protocol.label}, sha256 {protocol.content_hash()[:16]}…, "
        f"{len(marks)} labelled assumptions"
    )


@app.command("assumptions")
@command
def assumptions_command(
    ref: Annotated[str, typer.Argument(help="A protocol .toml file or a bundled slug")],
    as_json: bool = JSON_OPTION,
) -> None:
    """List every value the protocol marks as an assumption, with the reason."""
    marks = protocols.validate(ref).assumption_marks()
    if as_json:
        print_json([{"path": m.path, "reason": m.reason, "value": m.value} for m in marks])
        return
    table = Table("Path", "Reason", title=f"{len(marks)} assumptions", show_lines=True)
    for mark in marks:
        table.add_row(mark.path, mark.reason)
    console.print(table)


@app.command("diff")
@command
def diff_command(
    old: Annotated[str, typer.Argument(help="Earlier protocol: file, bundled slug or SLUG@LABEL")],
    new: Annotated[str, typer.Argument(help="Amended protocol: file, bundled slug or SLUG@LABEL")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show what an amendment changes. SLUG@LABEL names a version stored in the database."""
    changes = diff_protocols(_resolve(old, actor), _resolve(new, actor))
    if as_json:
        print_json([change.__dict__ for change in changes])
        return
    if not changes:
        console.print("no changes")
        return
    table = Table("", "Path", "Old", "New", title=f"{len(changes)} changes")
    marks = {"added": "[green]+[/]", "removed": "[red]-[/]", "changed": "[yellow]~[/]"}
    for change in changes:
        table.add_row(marks[change.kind], change.path, _short(change.old), _short(change.new))
    console.print(table)


@app.command("load")
@command
def load_command(
    ref: Annotated[str, typer.Argument(help="A protocol .toml file or a bundled slug")],
    reason: Annotated[
        str | None, typer.Option(help="Why: required when this amends a stored version")
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Store a protocol version in the database (a new version of an existing trial is an
    amendment and needs --reason)."""
    with open_database() as db:
        result = trials.load_protocol(db, ref, actor=resolve_actor(actor), reason=reason)
    if as_json:
        print_json(
            {
                "slug": result.slug,
                "created": result.created,
                "version": result.version,
                "previous": result.previous,
                "changes": [change.__dict__ for change in result.changes],
            }
        )
        return
    version = result.version
    if not result.created:
        console.print(
            f"{result.slug}: already stored as version {version.version_label} "
            f"(sha256 {version.content_hash[:12]}…); nothing changed"
        )
        return
    what = "amended" if result.previous else "loaded"
    console.print(
        f"[green]{what}[/] {result.slug} version {version.version_label} "
        f"(sha256 {version.content_hash[:12]}…)"
        + (
            f", {len(result.changes)} changes from {result.previous.version_label}"
            if result.previous
            else ""
        )
    )


@app.command("import")
@command
def import_command(
    record: Annotated[Path, typer.Argument(help="Registry record: plain text or CT.gov v2 JSON")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Draft protocol to write")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file")] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Turn a trial registry record into a draft protocol that validates."""
    result = import_registry_record(record, output, now=datetime.now(UTC), overwrite=overwrite)
    if as_json:
        print_json(result.as_dict())
        return
    console.print(
        f"[green]wrote[/] {output}: draft of {result.registry_id} ({result.slug}) with "
        f"{result.inclusion} inclusion and {result.exclusion} exclusion criteria "
        f"({result.rules_recognised} machine rules recognised), {result.arms} arm(s), "
        f"{result.sites} site(s) and {result.assumption_marks} labelled assumptions to review"
    )
    for note in result.notes:
        console.print(f"  [yellow]note[/] {note}")


def _resolve(ref: str, actor: str | None) -> Protocol:
    if "@" in ref and not ref.endswith(".toml"):
        slug, _, label = ref.partition("@")
        with open_database() as db:
            return trials.stored_protocol(db, slug, label, actor=resolve_actor(actor))
    return protocols.validate(ref)


def _short(value: object, width: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"

"""``radtrial trials``: list the trials in the database and show one as its protocol defines it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.protocol import Protocol
from radtrial.protocol.prescription import Arm
from radtrial.services import trials
from radtrial.services.trials import TrialView

app = typer.Typer(help="Trials and their protocols.")


@app.command("list")
@command
def list_command(actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Every trial with its latest protocol version."""
    with open_database() as db:
        summaries = trials.list_trials(db, actor=resolve_actor(actor))
    if as_json:
        print_json([asdict(s) for s in summaries])
        return
    table = Table("Trial", "Registry id", "Title", "Protocol version", "Loaded (UTC)")
    for summary in summaries:
        version = summary.latest_version
        table.add_row(
            f"{summary.trial.acronym} ({summary.trial.slug})",
            summary.trial.registry_id or "",
            summary.trial.title,
            version.version_label if version else "—",
            version.loaded_at.strftime("%Y-%m-%d %H:%M") if version else "",
        )
    console.print(table)


@app.command("show")
@command
def show_command(
    slug: Annotated[str, typer.Argument(help="Trial slug, e.g. pallsoft")],
    version: Annotated[str | None, typer.Option(help="Protocol version label")] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Identity, arms, eligibility, endpoints and sites of a trial's protocol version."""
    with open_database() as db:
        view = trials.show_trial(db, slug, actor=resolve_actor(actor), version_label=version)
    if as_json:
        print_json(
            {
                "version": asdict(view.version),
                "versions": [asdict(v) for v in view.versions],
                "sites": [asdict(s) for s in view.sites],
                "protocol": view.protocol.content(),
                "assumptions": [asdict(m) for m in view.protocol.assumption_marks()],
            }
        )
        return
    for block in render(view):
        console.print(block)


def render(view: TrialView) -> list[object]:
    """The Rich renderables of ``trials show``."""
    protocol = view.protocol
    return [
        _identity(view),
        _arms(protocol),
        _eligibility(protocol),
        _endpoints(protocol),
        _sites(view),
        Text(
            f"{len(protocol.assumption_marks())} values are labelled assumptions (not in the "
            f"public record): radtrial protocol assumptions {protocol.slug}",
            style="yellow",
        ),
    ]


def _identity(view: TrialView) -> Panel:
    protocol = view.protocol
    trial = protocol.trial
    design = trial.design
    lines = [
        f"[bold]{trial.title}[/]",
        f"Registry: {trial.registry} {trial.registry_id}   Phase: {trial.phase}"
        + (f" ({trial.phase_note})" if trial.phase_note else ""),
        "Design: "
        + ", ".join(
            [
                design.allocation.replace("_", "-"),
                design.intervention_model.replace("_", " "),
                "open label" if design.masking == "none" else f"{design.masking} masking",
                design.hypothesis.replace("_", "-"),
                "multicentre" if design.multicentre else "single centre",
            ]
        ),
        f"Status: {trial.status.replace('_', ' ')}   Start {trial.start_date}   "
        f"Completion {trial.completion_date}   Target enrolment {trial.target_enrolment}",
        f"Sponsor: {trial.sponsor.name}"
        + (f"; {len(trial.collaborators)} collaborators" if trial.collaborators else ""),
        "Investigators: "
        + "; ".join(f"{p.name} ({p.role.replace('_', ' ')})" for p in trial.investigators),
        f"Conditions: {', '.join(trial.conditions)}",
    ]
    if protocol.randomisation is not None:
        r = protocol.randomisation
        ratio = ":".join(str(w) for w in r.ratio.values())
        lines.append(
            f"Randomisation: {r.method.replace('_', ' ')} {ratio}, blocks "
            f"{', '.join(map(str, r.block_sizes))}, stratified by {', '.join(r.stratify_by)}"
        )
    lines.append(
        f"Protocol version {view.version.version_label} (sha256 {view.version.content_hash[:12]}…),"
        f" loaded {view.version.loaded_at:%Y-%m-%d %H:%M} UTC by {view.version.loaded_by};"
        f" {len(view.versions)} version(s) stored"
    )
    return Panel("\n".join(lines), title=f"{trial.acronym}", title_align="left")


def _prescription(arm: Arm) -> str:
    prescription = arm.prescription
    unit = prescription.dose_unit
    parts = []
    for level in prescription.dose_levels:
        up_to = "up to " if level.kind == "maximum" else ""
        parts.append(
            f"{up_to}{level.total_dose_gy:g} {unit} = {level.fractions} × "
            f"{level.dose_per_fraction_gy:g} {unit} to {level.target}"
        )
    for extra in prescription.optional_fractions:
        parts.append(
            f"optional +{extra.count} × {extra.dose_per_fraction_gy:g} {unit} "
            f"(days {extra.earliest_day_after_first_fraction}–"
            f"{extra.latest_day_after_first_fraction}): {extra.criterion}"
        )
    rbe = f", RBE {prescription.rbe.value:g} ({prescription.rbe.model})" if prescription.rbe else ""
    parts.append(
        f"{prescription.modality}{rbe}, {prescription.fractions_per_week} fraction(s)/week"
    )
    return "\n".join(parts)


def _arms(protocol: Protocol) -> Table:
    table = Table("Arm", "Label", "Kind", "Prescription", title="Arms", show_lines=True)
    for arm in protocol.arms:
        table.add_row(arm.code, arm.label, arm.kind.replace("_", " "), _prescription(arm))
    return table


def _eligibility(protocol: Protocol) -> Table:
    table = Table("", "Criterion (verbatim)", "Rule", title="Eligibility", show_lines=True)
    for criterion in protocol.eligibility.criteria():
        table.add_row(criterion.id, criterion.text, criterion.describe())
    return table


def _endpoints(protocol: Protocol) -> Table:
    table = Table("Level", "Endpoint", "Time frame", "Kind", title="Endpoints")
    for endpoint in protocol.endpoints:
        table.add_row(
            endpoint.level, endpoint.title, endpoint.time_frame, endpoint.kind.replace("_", " ")
        )
    return table


def _sites(view: TrialView) -> Table:
    table = Table("Code", "Site", "City", "Status", "Roles", title="Sites")
    for site in view.protocol.sites:
        table.add_row(
            site.code, site.name, site.city, site.status.replace("_", " "), ", ".join(site.roles)
        )
    return table

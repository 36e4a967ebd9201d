"""``radtrial sample``: the biobank's samples, storage positions and chain of custody.

* ``sample collect STUDY --label L --type T --visit V [--aliquots N] [--processing TEXT]``;
* ``sample store LABEL --freezer F --rack R --box B --position P``;
* ``sample ship LABEL… --shipment CODE --to DESTINATION``, ``sample receive CODE
  [--missing LABEL…]``;
* ``sample flag STUDY`` after a withdrawal of consent to samples, ``sample destroy LABEL
  --method M --destruction-reason R``;
* ``sample show LABEL`` (custody), ``sample list STUDY``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.arguments import parse_instant
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.services.outcomes import biobank, shipments
from radtrial.store.outcome_records import SampleRecord, ShipmentRecord

__all__ = ["app"]

app = typer.Typer(help="Biobank samples: collect, store, ship, receive, destroy.")

LABEL = Annotated[str, typer.Argument(help="Sample label.")]
MISSING_OPTION = typer.Option([], "--missing", help="A label that did not arrive; repeat.")
REASON_OPTION = typer.Option(
    None, "--reason", help="Reason recorded in the audit trail (default: the step itself)."
)


def _sample_json(sample: SampleRecord) -> dict[str, Any]:
    return {**asdict(sample), "storage_position": sample.storage_position}


def _shipment_json(shipment: ShipmentRecord) -> dict[str, Any]:
    return asdict(shipment)


def _where(sample: SampleRecord) -> str:
    return sample.storage_position or sample.status


@app.command("collect")
@command
def collect(
    study_id: Annotated[str, typer.Argument(help="Study id.")],
    label: str = typer.Option(..., "--label", help="Unique sample label."),
    sample_type: str = typer.Option(..., "--type", help="Protocol sample type, e.g. plasma."),
    visit: str = typer.Option(..., "--visit", help="Protocol visit (timepoint) id."),
    collected_at: str | None = typer.Option(
        None, "--collected-at", help="Collection time (ISO with zone); default now."
    ),
    processing: str | None = typer.Option(None, "--processing", help="How it was processed."),
    processed_at: str | None = typer.Option(None, "--processed-at", help="Processing time."),
    volume_ml: float | None = typer.Option(None, "--volume-ml", help="Volume collected (ml)."),
    aliquots: int = typer.Option(0, "--aliquots", help="Split into this many aliquots."),
    aliquot_volume_ml: float | None = typer.Option(
        None, "--aliquot-volume-ml", help="Volume of each aliquot (ml)."
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a collected sample (and its aliquots)."""
    with open_database() as db:
        samples = biobank.collect_sample(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            label=label,
            sample_type=sample_type,
            visit_id=visit,
            collected_at=parse_instant(collected_at, "--collected-at"),
            processing=processing,
            processed_at=parse_instant(processed_at, "--processed-at"),
            volume_ml=volume_ml,
            aliquots=aliquots,
            aliquot_volume_ml=aliquot_volume_ml,
        )
    if as_json:
        print_json([_sample_json(s) for s in samples])
        return
    parent, *children = samples
    console.print(
        f"collected {parent.sample_type} [bold]{parent.label}[/] of {study_id} at {parent.visit_id}"
        + (f" with aliquots {', '.join(c.label for c in children)}" if children else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("store")
@command
def store(
    label: LABEL,
    freezer: str = typer.Option(..., "--freezer", help="Freezer id (unique across sites)."),
    rack: str = typer.Option(..., "--rack", help="Rack."),
    box: str = typer.Option(..., "--box", help="Box."),
    position: str = typer.Option(..., "--position", help="Position in the box, e.g. A1."),
    stored_at: str | None = typer.Option(None, "--stored-at", help="When (ISO); default now."),
    reason: str | None = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Put a sample at a storage position (a position holds one sample)."""
    with open_database() as db:
        sample = biobank.store_sample(
            db,
            actor=resolve_actor(actor),
            label=label,
            freezer=freezer,
            rack=rack,
            box=box,
            position=position,
            stored_at=parse_instant(stored_at, "--stored-at"),
            reason=reason,
        )
    if as_json:
        print_json(_sample_json(sample))
        return
    console.print(f"stored [bold]{sample.label}[/] at {_where(sample)}", highlight=False)


@app.command("ship")
@command
def ship(
    labels: Annotated[list[str], typer.Argument(help="Sample labels.")],
    shipment: str = typer.Option(..., "--shipment", help="Shipment code (unique)."),
    to: str = typer.Option(..., "--to", help="Destination."),
    from_location: str | None = typer.Option(
        None, "--from", help="Origin (default the samples' site)."
    ),
    shipped_at: str | None = typer.Option(None, "--shipped-at", help="When (ISO); default now."),
    courier: str | None = typer.Option(None, "--courier", help="Courier / tracking."),
    condition: str | None = typer.Option(None, "--condition", help="e.g. dry ice."),
    reason: str | None = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Ship samples (they leave storage) as one shipment."""
    with open_database() as db:
        record = shipments.ship_samples(
            db,
            actor=resolve_actor(actor),
            labels=labels,
            code=shipment,
            to_location=to,
            from_location=from_location,
            shipped_at=parse_instant(shipped_at, "--shipped-at"),
            courier=courier,
            condition=condition,
            reason=reason,
        )
    if as_json:
        print_json(_shipment_json(record))
        return
    console.print(
        f"shipment [bold]{record.code}[/] {record.from_location} → {record.to_location}: "
        f"{', '.join(record.labels)}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("receive")
@command
def receive(
    shipment: Annotated[str, typer.Argument(help="Shipment code.")],
    received_at: str | None = typer.Option(None, "--received-at", help="When (ISO); default now."),
    condition: str | None = typer.Option(None, "--condition", help="Condition on arrival."),
    missing: list[str] = MISSING_OPTION,
    note: str | None = typer.Option(None, "--note", help="Free text."),
    reason: str | None = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the receipt of a shipment."""
    with open_database() as db:
        record = shipments.receive_shipment(
            db,
            actor=resolve_actor(actor),
            code=shipment,
            received_at=parse_instant(received_at, "--received-at"),
            condition=condition,
            missing=missing,
            note=note,
            reason=reason,
        )
    if as_json:
        print_json(_shipment_json(record))
        return
    lost = f"; missing: {', '.join(record.missing)}" if record.missing else ""
    console.print(
        f"shipment [bold]{record.code}[/] received by {record.received_by}{lost}", highlight=False
    )


@app.command("flag")
@command
def flag(
    study_id: Annotated[str, typer.Argument(help="Study id.")],
    reason: str | None = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Flag for destruction the samples consent no longer lets be used."""
    with open_database() as db:
        flagged = biobank.flag_for_destruction(
            db, actor=resolve_actor(actor), study_id=study_id, reason=reason
        )
    if as_json:
        print_json([_sample_json(s) for s in flagged])
        return
    if not flagged:
        console.print(f"no sample of {study_id} to flag", highlight=False)
    for s in flagged:
        console.print(f"flagged [bold]{s.label}[/] ({s.destruction_basis})", highlight=False)


@app.command("destroy")
@command
def destroy(
    label: LABEL,
    method: str = typer.Option(..., "--method", help="How, e.g. incineration."),
    destruction_reason: str = typer.Option(
        ...,
        "--destruction-reason",
        help="consent_withdrawn, exhausted, quality_failure, expired or other.",
    ),
    destroyed_at: str | None = typer.Option(None, "--destroyed-at", help="When (ISO)."),
    witness: str | None = typer.Option(None, "--witness", help="Who witnessed it."),
    note: str | None = typer.Option(None, "--note", help="Free text."),
    reason: str | None = REASON_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the destruction of a sample (its position is freed)."""
    with open_database() as db:
        record = biobank.destroy_sample(
            db,
            actor=resolve_actor(actor),
            label=label,
            method=method,
            destruction_reason=destruction_reason,
            destroyed_at=parse_instant(destroyed_at, "--destroyed-at"),
            witness=witness,
            note=note,
            reason=reason,
        )
    if as_json:
        print_json(asdict(record))
        return
    console.print(
        f"destroyed [bold]{record.label}[/] ({record.reason}, {record.method})", highlight=False
    )


@app.command("show")
@command
def show(label: LABEL, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION) -> None:
    """A sample and its chain of custody."""
    with open_database() as db:
        history = biobank.sample_history(db, actor=resolve_actor(actor), label=label)
    if as_json:
        print_json(
            {
                "sample": _sample_json(history.sample),
                "custody": [asdict(c) for c in history.custody],
                "destruction": None if history.destruction is None else asdict(history.destruction),
            }
        )
        return
    s = history.sample
    console.print(
        f"[bold]{s.label}[/] {s.sample_type} of {s.study_id} at {s.visit_id}: {_where(s)}"
        + (" (flagged for destruction)" if s.destruction_required else ""),
        highlight=False,
    )
    table = Table("at (UTC)", "step", "where", "shipment", "by")
    for c in history.custody:
        table.add_row(
            c.at.strftime("%Y-%m-%d %H:%M"), c.action, c.location or "", c.shipment_code or "", c.by
        )
    console.print(table)


@app.command("list")
@command
def list_(
    study_id: Annotated[str, typer.Argument(help="Study id.")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The participant's samples and where they are."""
    with open_database() as db:
        samples = biobank.participant_samples(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([_sample_json(s) for s in samples])
        return
    table = Table("label", "type", "visit", "status", "position", "parent")
    for s in samples:
        table.add_row(
            s.label,
            s.sample_type,
            s.visit_id,
            s.status,
            s.storage_position or "",
            s.parent_label or "",
        )
    console.print(table)

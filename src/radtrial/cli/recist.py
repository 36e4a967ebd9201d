"""``radtrial recist``: RECIST 1.1 tumour assessments.

* ``recist assess STUDY --on D --target ID:ORGAN:MM[:opt…] … [--non-target ID:ORGAN[:opt…] …]``
  records the baseline. Target options: ``nodal``, ``ct``/``mri``/``calliper``/``chest_xray``,
  ``slice=MM``, ``index`` (the irradiated index lesion), ``previously_irradiated``,
  ``progressed``; non-target options: ``nodal``, ``index``.
* ``recist assess STUDY --on D --size ID=MM … [--non-target-status S] [--new-lesions]`` records
  a follow-up (``ID=ne``: not evaluated) and prints its response; a first local or distant
  progression is recorded as an event with this date.
* ``recist show STUDY``: the series, nadir, progression dates and best overall response.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.arguments import require_day
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.clinical.recist import Modality, NonTargetLesion, TargetLesion
from radtrial.errors import InvalidInput
from radtrial.services.outcomes import tumour

__all__ = ["app", "parse_non_target", "parse_sizes", "parse_target"]

app = typer.Typer(help="RECIST 1.1 tumour assessments.")

_MODALITIES = {m.value for m in Modality}
TARGET_OPTION = typer.Option([], "--target", help="Baseline target ID:ORGAN:MM[:opt].")
NON_TARGET_OPTION = typer.Option([], "--non-target", help="Baseline non-target ID:ORGAN[:opt].")
SIZE_OPTION = typer.Option([], "--size", help="Follow-up size ID=MM (or ID=ne).")


def _bad(spec: str, option: str, why: str) -> InvalidInput:
    return InvalidInput(f"{spec!r}: {why}", location=option, detail={"reason": "syntax"})


def _mm(text: str, spec: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _bad(spec, option, f"{text!r} is not a size in mm") from None


def parse_target(spec: str) -> TargetLesion:
    """``ID:ORGAN:MM[:option…]`` as a target lesion (validated by the core)."""
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) < 3:
        raise _bad(spec, "--target", "write ID:ORGAN:MM[:options]")
    lesion_id, organ, size, *options = parts
    fields: dict[str, Any] = {}
    for option in options:
        name, _, value = option.partition("=")
        name = name.casefold().replace("-", "_")
        if name in _MODALITIES:
            fields["modality"] = Modality(name)
        elif name == "slice":
            fields["slice_thickness_mm"] = _mm(value, spec, "--target")
        elif name in {"nodal", "previously_irradiated"}:
            fields[name] = True
        elif name == "index":
            fields["irradiated_index"] = True
        elif name == "progressed":
            fields["progressed_after_irradiation"] = True
        else:
            raise _bad(spec, "--target", f"unknown option {option!r}")
    return TargetLesion(lesion_id, organ, _mm(size, spec, "--target"), **fields)


def parse_non_target(spec: str) -> NonTargetLesion:
    """``ID:ORGAN[:nodal][:index]`` as a non-target lesion."""
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) < 2:
        raise _bad(spec, "--non-target", "write ID:ORGAN[:options]")
    lesion_id, organ, *options = parts
    flags = {o.casefold() for o in options}
    unknown = flags - {"nodal", "index"}
    if unknown:
        raise _bad(spec, "--non-target", f"unknown option {sorted(unknown)[0]!r}")
    return NonTargetLesion(
        lesion_id, organ, nodal="nodal" in flags, irradiated_index="index" in flags
    )


def parse_sizes(specs: list[str]) -> dict[str, float | None]:
    """``ID=MM`` (or ``ID=ne`` for not evaluated) for each target."""
    sizes: dict[str, float | None] = {}
    for spec in specs:
        for part in spec.split(","):
            lesion_id, sep, value = part.partition("=")
            if not sep or not lesion_id.strip():
                raise _bad(part, "--size", "write ID=MM or ID=ne")
            text = value.strip().casefold()
            sizes[lesion_id.strip()] = (
                None if text in {"ne", "na", ""} else _mm(text, part, "--size")
            )
    return sizes


@app.command("assess")
@command
def assess(
    study_id: Annotated[str, typer.Argument(help="Study id, e.g. PRS2-OUS-0001.")],
    on: str = typer.Option(..., "--on", help="Assessment (scan) date, YYYY-MM-DD."),
    targets: list[str] = TARGET_OPTION,
    non_targets: list[str] = NON_TARGET_OPTION,
    sizes: list[str] = SIZE_OPTION,
    non_target_status: str | None = typer.Option(
        None,
        "--non-target-status",
        help="Follow-up non-target status: cr, non_cr_non_pd, pd, not_evaluated.",
    ),
    new_lesions: bool = typer.Option(False, "--new-lesions", help="An unequivocal new lesion."),
    visit: str | None = typer.Option(None, "--visit", help="Protocol visit id, e.g. month_3."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the RECIST baseline (--target/--non-target) or a follow-up (--size)."""
    day = require_day(on, "--on")
    user = resolve_actor(actor)
    baseline = bool(targets or non_targets)
    if baseline and (sizes or non_target_status or new_lesions):
        raise InvalidInput(
            "a baseline takes --target/--non-target, a follow-up --size: not both",
            location="--size",
        )
    if not baseline and not sizes and not non_target_status:
        raise InvalidInput(
            "give baseline lesions (--target, --non-target) or follow-up sizes (--size)",
            location="--target",
        )
    if baseline:
        lesions = [parse_target(s) for s in targets]
        others = [parse_non_target(s) for s in non_targets]
        with open_database() as db:
            record = tumour.record_baseline(
                db,
                actor=user,
                study_id=study_id,
                assessed_on=day,
                targets=lesions,
                non_targets=others,
                visit_id=visit,
            )
        if as_json:
            print_json(asdict(record))
            return
        console.print(
            f"RECIST baseline of [bold]{study_id}[/] on {day.isoformat()}: "
            f"{sum(1 for x in record.lesions if x.role == 'target')} target lesion(s), sum of "
            f"diameters {record.sum_mm:g} mm",
            highlight=False,
            soft_wrap=True,
        )
        return
    with open_database() as db:
        result = tumour.record_follow_up(
            db,
            actor=user,
            study_id=study_id,
            assessed_on=day,
            sizes=parse_sizes(sizes),
            non_target=non_target_status,
            new_lesions=new_lesions,
            visit_id=visit,
        )
    f = result.follow_up
    if as_json:
        print_json({"follow_up": asdict(f), "events": [asdict(e) for e in result.events]})
        return
    summed = "not all measured" if f.sum_mm is None else f"{f.sum_mm:g} mm"
    console.print(
        f"{study_id} on {day.isoformat()}: sum {summed} (nadir {f.nadir_mm:g} mm), target "
        f"{f.target_response or '—'}, overall [bold]{f.overall_response}[/]",
        highlight=False,
        soft_wrap=True,
    )
    if f.local_progression is not None:
        console.print(
            f"irradiated index lesion {'NE' if f.index_mm is None else f'{f.index_mm:g}'} mm "
            f"(own nadir {f.index_nadir_mm:g} mm): "
            + ("[bold red]local progression[/]" if f.local_progression else "no local progression"),
            highlight=False,
        )
    for event in result.events:
        console.print(
            f"recorded event: {event.kind.replace('_', ' ')} on {event.event_on.isoformat()}",
            highlight=False,
        )


@app.command("show")
@command
def show(
    study_id: Annotated[str, typer.Argument(help="Study id.")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The RECIST series with its best overall response."""
    with open_database() as db:
        view = tumour.tumour_series(db, actor=resolve_actor(actor), study_id=study_id)
    series = view.series
    if as_json:
        print_json(
            {
                "study_id": view.study_id,
                "baseline": None if view.baseline is None else asdict(view.baseline),
                "follow_ups": [asdict(f) for f in view.follow_ups],
                "nadir_mm": None if series is None else series.nadir_mm,
                "first_progression_on": None if series is None else series.first_progression_on,
                "first_local_progression_on": (
                    None if series is None else series.first_local_progression_on
                ),
                "first_distant_progression_on": (
                    None if series is None else series.first_distant_progression_on
                ),
                "best_overall_response": None if view.best is None else asdict(view.best),
                "treatment_start": view.treatment_start,
                "treatment_start_basis": view.treatment_start_basis,
            }
        )
        return
    if view.baseline is None or series is None:
        console.print(f"{study_id} has no RECIST baseline", highlight=False)
        return
    table = Table(
        "date", "sum (mm)", "nadir", "target", "overall", "index (mm)", "local PD", "distant PD"
    )
    table.add_row(
        view.baseline.assessed_on.isoformat(),
        f"{view.baseline.sum_mm:g}",
        "",
        "baseline",
        "",
        "",
        "",
        "",
    )
    for f in view.follow_ups:
        table.add_row(
            f.assessed_on.isoformat(),
            "—" if f.sum_mm is None else f"{f.sum_mm:g}",
            f"{f.nadir_mm:g}",
            f.target_response or "—",
            f.overall_response,
            "—" if f.index_mm is None else f"{f.index_mm:g}",
            {True: "yes", False: "no", None: "—"}[f.local_progression],
            {True: "yes", False: "no", None: "—"}[f.distant_progression],
        )
    console.print(table)
    if view.best is not None:
        console.print(
            f"best overall response: [bold]{view.best.response.value}[/] ({view.best.explanation})",
            highlight=False,
            soft_wrap=True,
        )

"""``radtrial qa``: plan quality assurance from DICOM RT files (no database).

* ``qa dvh``: DVHs and TG-263 metrics of every structure (``--json`` is a stable contract for
  other tools, see issue 5);
* ``qa check``: a plan against its trial protocol's dose-constraint table, with a verdict per
  constraint and overall. Exit code 3 when the overall verdict is major or incomplete.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from radtrial.cli.output import EXIT_CHECK_FAILED, JSON_OPTION, command, console, print_json
from radtrial.dicom import read_dose, read_plan, read_structure_set
from radtrial.errors import InvalidInput
from radtrial.rt.constraints import PlanCheck, check_plan, plan_report
from radtrial.rt.dvh import (
    STANDARD_METRICS,
    MetricContext,
    StructureDvh,
    compute_dvhs,
    evaluate,
    prescription_isodose_volume_cc,
)
from radtrial.services import protocols

app = typer.Typer(help="Plan quality assurance: DVHs and protocol dose constraints.")


class ModeOption(StrEnum):
    """DVH computation mode."""

    tps = "tps"
    accurate = "accurate"


RTSTRUCT = typer.Option("--rtstruct", help="RT Structure Set file", show_default=False)
RTDOSE = typer.Option("--rtdose", help="RT Dose file", show_default=False)
MODE = typer.Option(
    "--mode",
    help="tps: right prism at voxel centres (dicompyler-core compatible); accurate: sub-voxel "
    "sampling with shape interpolation between planes",
)


@app.command("dvh")
@command
def dvh_command(
    rtstruct: Annotated[Path, RTSTRUCT],
    rtdose: Annotated[Path, RTDOSE],
    mode: Annotated[ModeOption, MODE] = ModeOption.tps,
    roi: Annotated[
        list[str] | None, typer.Option("--roi", help="Only this ROI (name); repeat it")
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", help="A target ROI: adds HI (and CI with --prescription)"),
    ] = None,
    prescription: Annotated[
        float | None, typer.Option("--prescription", help="Prescription dose in Gy, for CI")
    ] = None,
    bin_width: Annotated[
        float, typer.Option("--bin-width", help="Dose step (Gy) of the cumulative curve")
    ] = 0.01,
    as_json: bool = JSON_OPTION,
) -> None:
    """DVH, volume and TG-263 metrics of each structure."""
    if bin_width <= 0:
        raise InvalidInput("must be positive", location="--bin-width")
    structure_set = read_structure_set(rtstruct)
    dose = read_dose(rtdose)
    numbers = None
    if roi:
        numbers = [structure_set.by_name(name).roi_number for name in roi]
    results = compute_dvhs(structure_set, dose, mode.value, numbers)
    targets = set(target or [])
    context = _ci_context(results, dose, prescription) if targets else MetricContext()
    rows = [_structure_json(r, bin_width, r.structure.name in targets, context) for r in results]
    if as_json:
        print_json({"mode": mode.value, "structures": rows})
        return
    table = Table(title=f"DVH ({mode.value} mode, doses in Gy, volumes in cc)")
    for column in ("Structure", "ROI", "Volume", "Dmin", "Dmean", "Dmax", *STANDARD_METRICS[3:]):
        table.add_column(column, justify="left" if column == "Structure" else "right")
    for row in rows:
        metrics = row["metrics"]
        table.add_row(
            escape(row["name"]),
            str(row["roi_number"]),
            f"{row['volume_cc']:.2f}",
            f"{row['min_gy']:.2f}",
            f"{row['mean_gy']:.2f}",
            f"{row['max_gy']:.2f}",
            *(f"{metrics[name]:.2f}" for name in STANDARD_METRICS[3:]),
        )
    console.print(table)
    for row in rows:
        extra = {k: v for k, v in row["metrics"].items() if k in ("HI", "CI")}
        if extra:
            shown = ", ".join(f"{k} {v:.3f}" for k, v in extra.items())
            console.print(f"  {row['name']}: {shown}")


def _ci_context(
    results: list[StructureDvh], dose: Any, prescription: float | None
) -> MetricContext:
    if prescription is None:
        return MetricContext()
    body = next((r.dvh for r in results if r.structure.kind == "EXTERNAL"), None)
    return MetricContext(
        prescription_gy=prescription,
        prescription_isodose_volume_cc=prescription_isodose_volume_cc(dose, prescription, body),
    )


def _structure_json(
    result: StructureDvh, bin_width: float, is_target: bool, context: MetricContext
) -> dict[str, Any]:
    dvh = result.dvh
    metrics = {name: round(evaluate(dvh, name), 6) for name in STANDARD_METRICS}
    if is_target:
        metrics["HI"] = round(evaluate(dvh, "HI"), 6)
        if context.prescription_gy is not None:
            metrics["CI"] = round(evaluate(dvh, "CI", context), 6)
    edges = dvh.dose_edges(bin_width)
    return {
        "name": result.structure.name,
        "roi_number": result.structure.roi_number,
        "volume_cc": round(dvh.volume_cc, 6),
        "min_gy": round(dvh.min_gy, 6),
        "mean_gy": round(dvh.mean_gy, 6),
        "max_gy": round(dvh.max_gy, 6),
        "metrics": metrics,
        "cumulative": {
            "dose_gy": [round(float(d), 6) for d in edges],
            "volume_cc": [round(float(v), 6) for v in dvh.cumulative(edges)],
        },
    }


@app.command("check")
@command
def check_command(
    rtplan: Annotated[Path, typer.Option("--rtplan", help="RT (Ion) Plan file")],
    rtstruct: Annotated[Path, RTSTRUCT],
    rtdose: Annotated[Path, RTDOSE],
    trial: Annotated[str, typer.Option("--trial", help="A bundled trial slug or protocol file")],
    mode: Annotated[ModeOption, MODE] = ModeOption.accurate,
    site: Annotated[
        str | None, typer.Option("--site", help="Site code, for its structure-name table")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the HTML report to this file")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Grade a plan against the protocol's dose constraints: pass, minor or major per row."""
    protocol = protocols.validate(trial)
    table = protocol.dose_constraints
    if table is None:
        raise InvalidInput(
            f"protocol {protocol.slug} has no [dose_constraints] table", location="--trial"
        )
    plan = read_plan(rtplan)
    structure_set = read_structure_set(rtstruct)
    dose = read_dose(rtdose)
    rbe = next(
        (a.prescription.rbe.value for a in protocol.arms if a.prescription.rbe is not None), None
    )
    result = check_plan(table, structure_set, dose, plan, rbe=rbe, mode=mode.value, site=site)
    if report is not None:
        page = plan_report(
            result,
            title=f"{protocol.trial.acronym} plan QA: {plan.label or rtplan.name}",
            generated=datetime.now(UTC).isoformat(timespec="seconds"),
            facts=[
                ("Trial", f"{protocol.trial.acronym} (protocol {protocol.protocol.label})"),
                ("RT Plan", str(rtplan)),
                ("RT Structure Set", str(rtstruct)),
                ("RT Dose", str(rtdose)),
                ("Radiation", ", ".join(plan.radiation_types)),
                ("Fractions planned", str(plan.fractions_planned)),
            ],
        )
        report.write_text(page, encoding="utf-8")
    if as_json:
        print_json(_check_json(protocol.slug, table.dose_unit, result))
    else:
        _print_check(protocol.trial.acronym, table.dose_unit, result)
    if result.overall in ("major", "incomplete"):
        raise typer.Exit(EXIT_CHECK_FAILED)


def _check_json(slug: str, unit: str, result: PlanCheck) -> dict[str, Any]:
    return {
        "trial": slug,
        "mode": result.mode,
        "dose_unit": unit,
        "dose_factor": result.dose_factor,
        "dose_note": result.dose_note,
        "overall": result.overall,
        "constraints": [
            {
                "id": r.id,
                "structure": r.structure,
                "local_name": r.local_name,
                "metric": r.metric,
                "comparison": r.comparison,
                "limit": r.limit,
                "minor_limit": r.minor_limit,
                "unit": r.unit,
                "value": None if r.value is None else round(r.value, 6),
                "verdict": r.verdict,
                "required": r.required,
                "note": r.note,
            }
            for r in result.evaluation.results
        ],
        "structures": {
            "mapped": {m.local: m.tg263 for m in result.names.matches if m.tg263},
            "unmapped": list(result.names.unmapped),
        },
        "notes": list(result.notes),
    }


_COLOURS = {"pass": "green", "minor": "yellow", "major": "red", "not_evaluated": "dim"}


def _print_check(acronym: str, unit: str, result: PlanCheck) -> None:
    table = Table(title=f"{acronym} dose constraints ({result.mode} mode, doses in {unit})")
    for column in ("Constraint", "Structure", "Metric", "Value", "Limit", "Minor up to", "Verdict"):
        table.add_column(column, justify="right" if column in ("Value", "Limit") else "left")
    for r in result.evaluation.results:
        structure = r.structure if r.local_name in (None, r.structure) else (
            f"{r.structure} ({r.local_name})"
        )  # fmt: skip
        value = "-" if r.value is None else f"{r.value:.2f}"
        colour = _COLOURS[r.verdict]
        table.add_row(
            r.id,
            escape(structure),
            escape(r.metric),
            value,
            f"{r.comparison} {r.limit:g}",
            f"{r.minor_limit:g}",
            f"[{colour}]{r.verdict}[/]",
        )
    console.print(table)
    console.print(f"dose: {result.dose_note}")
    for note in result.notes:
        console.print(f"note: {note}")
    if result.names.unmapped:
        console.print(f"unmapped structure names: {', '.join(result.names.unmapped)}")
    colour = {"pass": "green", "minor": "yellow"}.get(result.overall, "red")
    console.print(f"overall: [bold {colour}]{result.overall}[/]")

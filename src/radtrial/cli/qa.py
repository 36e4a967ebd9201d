"""``radtrial qa``: plan quality assurance from DICOM RT files.

* ``qa dvh``: DVHs and TG-263 metrics of every structure (``--json`` is a stable contract for
  other tools, see issue 5); structures the dose grid does not cover are listed as skipped;
* ``qa check``: an ad-hoc check of a plan against a trial protocol's dose-constraint table,
  with a verdict per constraint and overall (no database);
* ``qa plan STUDY_ID``: the same for a participant, against the participant's protocol version,
  stored with the participant and audited (:mod:`radtrial.services.plan_qa`);
* ``qa history STUDY_ID``: the participant's stored evaluations.

``check`` and ``plan`` exit with code 3 when the overall verdict is major or incomplete.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import EXIT_CHECK_FAILED, JSON_OPTION, command, console, print_json
from radtrial.dicom import read_dose, read_structure_set
from radtrial.errors import InvalidInput
from radtrial.rt.dvh import (
    STANDARD_METRICS,
    MetricContext,
    SkippedStructure,
    StructureDvh,
    compute_available_dvhs,
    evaluate,
    prescription_isodose_volume_cc,
)
from radtrial.services import protocols
from radtrial.services.plan_qa import (
    PlanFiles,
    PlanQa,
    check_participant_plan,
    check_plan_files,
    plan_qa_evaluations,
)
from radtrial.store.records import PlanQaEvaluationRecord

app = typer.Typer(help="Plan quality assurance: DVHs and protocol dose constraints.")


class ModeOption(StrEnum):
    """DVH computation mode."""

    tps = "tps"
    accurate = "accurate"


RTSTRUCT = typer.Option("--rtstruct", help="RT Structure Set file", show_default=False)
RTDOSE = typer.Option("--rtdose", help="RT Dose file", show_default=False)
RTDOSES = typer.Option(
    "--rtdose",
    help="RT Dose file; repeat it for beam or fraction-group doses, which are added on their "
    "common grid (per-session doses are multiplied by the fractions planned)",
    show_default=False,
)
RTPLAN = typer.Option("--rtplan", help="RT (Ion) Plan file", show_default=False)
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
    results, skipped = compute_available_dvhs(structure_set, dose, mode.value, numbers)
    targets = set(target or [])
    context = _ci_context(results, dose, prescription) if targets else MetricContext()
    rows = [_structure_json(r, bin_width, r.structure.name in targets, context) for r in results]
    if as_json:
        print_json(
            {"mode": mode.value, "structures": rows, "skipped": [_skipped_json(s) for s in skipped]}
        )
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
            console.print(f"  {escape(row['name'])}: {shown}")
    for item in skipped:
        console.print(
            f"[yellow]skipped[/] {escape(item.name)} (ROI {item.roi_number}): {escape(item.reason)}"
        )


def _skipped_json(item: SkippedStructure) -> dict[str, Any]:
    return {"name": item.name, "roi_number": item.roi_number, "reason": item.reason}


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


def _files(rtplan: Path, rtstruct: Path, rtdose: list[Path]) -> PlanFiles:
    return PlanFiles.of(rtplan, rtstruct, rtdose)


@app.command("check")
@command
def check_command(
    rtplan: Annotated[Path, RTPLAN],
    rtstruct: Annotated[Path, RTSTRUCT],
    rtdose: Annotated[list[Path], RTDOSES],
    trial: Annotated[str, typer.Option("--trial", help="A bundled trial slug or protocol file")],
    mode: Annotated[ModeOption, MODE] = ModeOption.accurate,
    site: Annotated[
        str | None, typer.Option("--site", help="Site code, for its structure-name table")
    ] = None,
    arm: Annotated[
        str | None,
        typer.Option("--arm", help="Arm code whose modality and RBE apply (default: all arms')"),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write the HTML report to this file")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Grade a plan against a protocol's dose constraints, ad hoc (nothing is stored)."""
    protocol = protocols.validate(trial)
    qa = check_plan_files(
        protocol, _files(rtplan, rtstruct, rtdose), mode=mode.value, site=site, arm_code=arm
    )
    if report is not None:
        report.write_text(qa.report(datetime.now(UTC)), encoding="utf-8")
    if as_json:
        print_json(_check_json(qa))
    else:
        _print_check(qa)
    if qa.overall in ("major", "incomplete"):
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("plan")
@command
def plan_command(
    study_id: Annotated[str, typer.Argument(help="The participant's study id.")],
    rtplan: Annotated[Path, RTPLAN],
    rtstruct: Annotated[Path, RTSTRUCT],
    rtdose: Annotated[list[Path], RTDOSES],
    mode: Annotated[ModeOption, MODE] = ModeOption.accurate,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the stored HTML report to this file"),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept in the audit trail).")
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a participant's plan against the protocol's dose constraints and store the
    verdict, every constraint's grade and the report with the participant (audited)."""
    user = resolve_actor(actor)
    with open_database() as db:
        stored = check_participant_plan(
            db,
            actor=user,
            study_id=study_id,
            files=_files(rtplan, rtstruct, rtdose),
            mode=mode.value,
            reason=reason,
        )
    evaluation = stored.evaluation
    if report is not None:
        report.write_text(stored.report_html, encoding="utf-8")
    if as_json:
        print_json({**_check_json(stored.qa), "evaluation": _evaluation_json(evaluation)})
    else:
        _print_check(stored.qa)
        console.print(
            f"stored as plan QA evaluation {evaluation.id} of {escape(study_id)} "
            f"(protocol version {evaluation.protocol_version_id}, "
            f"{evaluation.evaluated_at.isoformat(timespec='seconds')}, by "
            f"{escape(evaluation.evaluated_by)})"
        )
    if evaluation.verdict in ("major", "incomplete"):
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("history")
@command
def history_command(
    study_id: Annotated[str, typer.Argument(help="The participant's study id.")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The participant's stored plan-QA evaluations, oldest first."""
    with open_database() as db:
        evaluations = plan_qa_evaluations(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([_evaluation_json(e) for e in evaluations])
        return
    table = Table(title=f"Plan QA of {escape(study_id)}")
    for column in ("Id", "Evaluated", "By", "Plan", "Mode", "Verdict", "Not passed"):
        table.add_column(column)
    for e in evaluations:
        failing = [r.constraint_id for r in e.results if r.grade in ("minor", "major")]
        table.add_row(
            str(e.id),
            e.evaluated_at.isoformat(timespec="seconds"),
            escape(e.evaluated_by),
            escape(e.plan_label or "-"),
            e.mode,
            f"[{_COLOURS.get(e.verdict, 'red')}]{e.verdict}[/]",
            escape(", ".join(failing) or "-"),
        )
    console.print(table)


def _evaluation_json(e: PlanQaEvaluationRecord) -> dict[str, Any]:
    return {
        "id": e.id,
        "study_id": e.study_id,
        "trial": e.trial_slug,
        "protocol_version_id": e.protocol_version_id,
        "protocol_hash": e.protocol_hash,
        "mode": e.mode,
        "verdict": e.verdict,
        "plan_label": e.plan_label,
        "radiation_types": list(e.radiation_types),
        "fractions_planned": e.fractions_planned,
        "rtplan_sha256": e.rtplan_sha256,
        "rtstruct_sha256": e.rtstruct_sha256,
        "rtdose_sha256": list(e.rtdose_sha256),
        "evaluated_at": e.evaluated_at,
        "evaluated_by": e.evaluated_by,
        "results": [
            {
                "id": r.constraint_id,
                "structure": r.structure,
                "metric": r.metric,
                "limit": r.limit,
                "value": r.value,
                "grade": r.grade,
            }
            for r in e.results
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _check_json(qa: PlanQa) -> dict[str, Any]:
    result = qa.check
    return {
        "trial": qa.protocol.slug,
        "protocol_version": qa.protocol.protocol.label,
        "mode": result.mode,
        "dose_unit": qa.table.dose_unit,
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
                "value": _round(r.value),
                "verdict": r.verdict,
                "required": r.required,
                "note": r.note,
            }
            for r in result.evaluation.results
        ],
        "indices": {
            name: {key: round(value, 6) for key, value in values.items()}
            for name, values in result.indices.items()
        },
        "structures": {
            "mapped": {m.local: m.tg263 for m in result.names.matches if m.tg263},
            "unmapped": list(result.names.unmapped),
        },
        "files": {
            "rtplan": {"path": str(qa.files.rtplan), "sha256": qa.rtplan_sha256},
            "rtstruct": {"path": str(qa.files.rtstruct), "sha256": qa.rtstruct_sha256},
            "rtdose": [
                {"path": str(path), "sha256": digest}
                for path, digest in zip(qa.files.rtdose, qa.rtdose_sha256, strict=True)
            ],
        },
        "notes": list(result.notes),
    }


_COLOURS = {"pass": "green", "minor": "yellow", "major": "red", "not_evaluated": "dim"}


def _limit(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _print_check(qa: PlanQa) -> None:
    result = qa.check
    title = (
        f"{qa.protocol.trial.acronym} dose constraints ({result.mode} mode, doses in "
        f"{qa.table.dose_unit})"
    )
    table = Table(title=escape(title))
    for column in ("Constraint", "Structure", "Metric", "Value", "Limit", "Minor up to", "Verdict"):
        table.add_column(column, justify="right" if column in ("Value", "Limit") else "left")
    for r in result.evaluation.results:
        structure = r.structure if r.local_name in (None, r.structure) else (
            f"{r.structure} ({r.local_name})"
        )  # fmt: skip
        value = "-" if r.value is None else f"{r.value:.2f}"
        colour = _COLOURS[r.verdict]
        table.add_row(
            escape(r.id),
            escape(structure),
            escape(r.metric),
            value,
            escape(f"{r.comparison} {_limit(r.limit)}"),
            _limit(r.minor_limit),
            f"[{colour}]{r.verdict}[/]",
        )
    console.print(table)
    for name, values in result.indices.items():
        shown = ", ".join(
            f"{key} {value:.3f}" if key != "PIV_cc" else f"PIV {value:.1f} cc"
            for key, value in values.items()
        )
        console.print(f"target {escape(name)}: {shown}")
    console.print(f"dose: {escape(result.dose_note)}")
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    for r in result.evaluation.results:
        if r.verdict in ("minor", "major") and r.note and r.id.startswith("plan_"):
            console.print(f"finding ({r.verdict}): {escape(r.id)}: {escape(r.note)}")
    if result.names.unmapped:
        console.print(f"unmapped structure names: {escape(', '.join(result.names.unmapped))}")
    colour = {"pass": "green", "minor": "yellow"}.get(result.overall, "red")
    console.print(f"overall: [bold {colour}]{result.overall}[/]")

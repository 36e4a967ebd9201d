"""Evaluation of a plan's DVHs against the protocol's dose-constraint table (pure).

Each constraint row gives ``metric(structure) comparison limit`` and a looser ``minor_limit``
(:class:`radtrial.protocol.constraints.DoseConstraint`):

* the value satisfies ``limit``: **pass**;
* it misses ``limit`` but satisfies ``minor_limit``: **minor** deviation;
* it misses ``minor_limit``: **major** deviation;
* the structure is absent: **not_evaluated** (an optional organ-at-risk row is then skipped; a
  required row leaves the verdict **incomplete**).

The overall verdict is the worst row (major > incomplete > minor > pass). Doses are compared in
the table's unit; a proton plan's physical dose is RBE-weighted by the protocol's RBE first
(:func:`dose_factor`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from radtrial.errors import DicomError
from radtrial.protocol.constraints import DoseConstraint, DoseConstraints
from radtrial.rt.dvh.accurate import AccurateOptions
from radtrial.rt.dvh.coverage import check_frame_of_reference
from radtrial.rt.dvh.engine import Mode, compute_dvh
from radtrial.rt.dvh.histogram import Dvh
from radtrial.rt.dvh.metrics import MetricContext, evaluate, metric_unit
from radtrial.rt.dvh.model import DoseGrid, StructureSet
from radtrial.rt.dvh.plan import Plan
from radtrial.rt.dvh.report import ReportRow, render_report
from radtrial.rt.structures import NameResolution, normalise_names

Verdict = Literal["pass", "minor", "major", "not_evaluated"]
Overall = Literal["pass", "minor", "major", "incomplete"]

_RANK = {"pass": 0, "minor": 1, "incomplete": 2, "major": 3}


@dataclass(frozen=True)
class ConstraintResult:
    """One row's outcome."""

    id: str
    structure: str
    local_name: str | None
    metric: str
    comparison: str
    limit: float
    minor_limit: float
    unit: str
    value: float | None
    verdict: Verdict
    required: bool
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    """Every row's outcome and the plan's overall verdict."""

    results: tuple[ConstraintResult, ...]

    @property
    def overall(self) -> Overall:
        """The worst outcome: major, then incomplete (a required row not evaluated), minor."""
        worst: Overall = "pass"
        for result in self.results:
            outcome: Overall
            if result.verdict == "not_evaluated":
                if not result.required:
                    continue
                outcome = "incomplete"
            else:
                outcome = result.verdict
            if _RANK[outcome] > _RANK[worst]:
                worst = outcome
        return worst


def grade(value: float, comparison: str, limit: float, minor_limit: float) -> Verdict:
    """pass / minor / major for one value."""

    def meets(threshold: float) -> bool:
        return value <= threshold if comparison == "<=" else value >= threshold

    if meets(limit):
        return "pass"
    if meets(minor_limit):
        return "minor"
    return "major"


def dose_factor(
    *, table_unit: str, is_proton: bool, dose_type: str, rbe: float | None
) -> tuple[float, str]:
    """(factor from the RT Dose's Gy to the table's unit, why).

    A proton RT Dose of DoseType PHYSICAL is multiplied by the protocol's constant RBE when the
    table is in Gy(RBE) (ICRU Report 78); an EFFECTIVE dose is already RBE-weighted.
    """
    if table_unit == "Gy(RBE)" and is_proton and dose_type.upper() == "PHYSICAL":
        factor = rbe if rbe is not None else 1.1
        return factor, f"physical proton dose x RBE {factor:g}"
    return 1.0, "dose used as stored"


def evaluate_plan(
    table: DoseConstraints,
    dvhs: Mapping[str, tuple[str, Dvh]],
    context: MetricContext | None = None,
) -> Evaluation:
    """Grade every row; ``dvhs`` maps TG-263 names to (local name, DVH in the table's unit)."""
    results = [_row(row, dvhs, context) for row in table.rows]
    return Evaluation(tuple(results))


def _row(
    row: DoseConstraint, dvhs: Mapping[str, tuple[str, Dvh]], context: MetricContext | None
) -> ConstraintResult:
    unit = metric_unit(row.metric)
    found = dvhs.get(row.structure)
    if found is None or found[1].is_empty:
        note = "structure not in the plan" if found is None else "structure has no volume"
        return ConstraintResult(
            row.id,
            row.structure,
            None if found is None else found[0],
            row.metric,
            row.comparison,
            row.limit,
            row.minor_limit,
            unit,
            None,
            "not_evaluated",
            row.required,
            note,
        )
    local, dvh = found
    value = evaluate(dvh, row.metric, context)
    return ConstraintResult(
        row.id,
        row.structure,
        local,
        row.metric,
        row.comparison,
        row.limit,
        row.minor_limit,
        unit,
        value,
        grade(value, row.comparison, row.limit, row.minor_limit),
        row.required,
    )


@dataclass(frozen=True)
class PlanCheck:
    """A plan checked against a protocol's table: rows, names and how doses were read."""

    evaluation: Evaluation
    names: NameResolution
    mode: Mode
    dose_factor: float
    dose_note: str
    notes: tuple[str, ...]
    dvhs: Mapping[str, tuple[str, Dvh]] = field(default_factory=dict)

    @property
    def overall(self) -> Overall:
        """The plan's verdict (:attr:`Evaluation.overall`)."""
        return self.evaluation.overall


def check_plan(
    table: DoseConstraints,
    structure_set: StructureSet,
    dose: DoseGrid,
    plan: Plan | None = None,
    *,
    rbe: float | None = None,
    mode: Mode = "tps",
    site: str | None = None,
    options: AccurateOptions | None = None,
) -> PlanCheck:
    """Map the plan's ROI names to TG-263, compute the DVHs the table needs, grade every row."""
    check_frame_of_reference(structure_set.frame_of_reference_uid, dose, structure_set.source)
    notes: list[str] = []
    plan_frame = plan.frame_of_reference_uid if plan is not None else ""
    structure_frame = structure_set.frame_of_reference_uid
    if plan is not None and plan_frame and structure_frame and plan_frame != structure_frame:
        raise DicomError(
            "the RT Plan and the RT Structure Set are in different frames of reference",
            location=plan.source,
            detail={"attribute": "FrameOfReferenceUID"},
        )
    present = [s for s in structure_set.structures if not s.is_empty]
    names = normalise_names(
        [s.name for s in present], table.structure_names, site, {r.structure for r in table.rows}
    )
    is_proton = plan.is_proton if plan is not None else False
    factor, dose_note = dose_factor(
        table_unit=table.dose_unit, is_proton=is_proton, dose_type=dose.dose_type, rbe=rbe
    )
    by_name = {s.name: s for s in present}
    dvhs: dict[str, tuple[str, Dvh]] = {}
    for tg263, local in names.by_tg263.items():
        if any(row.structure == tg263 for row in table.rows):
            result = compute_dvh(by_name[local], dose, mode, options)
            dvhs[tg263] = (local, result.dvh.scaled(factor))
    evaluation = evaluate_plan(table, dvhs)
    rows = list(evaluation.results)
    if plan is not None:
        planned = plan.fractions_planned
        rows.append(
            ConstraintResult(
                "plan_fractions",
                "(plan)",
                plan.label or None,
                "fractions",
                "==",
                float(table.fractions),
                float(table.fractions),
                "1",
                float(planned),
                "pass" if planned == table.fractions else "major",
                True,
                "RT Plan NumberOfFractionsPlanned against the protocol",
            )
        )
        notes.append(f"radiation type: {', '.join(plan.radiation_types) or 'unknown'}")
    if dose.summation_type not in ("PLAN", "MULTI_PLAN"):
        notes.append(
            f"the RT Dose is a {dose.summation_type} dose (DoseSummationType), not the plan dose"
        )
    for tg263, locals_ in names.duplicates.items():
        notes.append(f"several ROIs map to {tg263} ({', '.join(locals_)}); the first is used")
    return PlanCheck(Evaluation(tuple(rows)), names, mode, factor, dose_note, tuple(notes), dvhs)


def plan_report(
    check: PlanCheck,
    *,
    title: str,
    generated: str,
    facts: Sequence[tuple[str, str]] = (),
) -> str:
    """The check as a self-contained HTML page (constraint table and DVH plot)."""
    rows = [
        ReportRow(
            r.id,
            r.structure,
            r.local_name,
            r.metric,
            r.comparison,
            r.limit,
            r.minor_limit,
            r.unit,
            r.value,
            r.verdict,
            r.note,
        )
        for r in check.evaluation.results
    ]
    curves = {
        f"{tg263} ({local})" if local != tg263 else tg263: dvh
        for tg263, (local, dvh) in check.dvhs.items()
    }
    unmapped = (f"unmapped structure names: {', '.join(check.names.unmapped)}",)
    all_facts = [*facts, ("DVH mode", check.mode), ("Dose", check.dose_note)]
    return render_report(
        title=title,
        generated=generated,
        overall=check.overall,
        rows=rows,
        curves=curves,
        facts=all_facts,
        notes=[*check.notes, *(unmapped if check.names.unmapped else ())],
    )

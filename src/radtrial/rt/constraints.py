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
from radtrial.rt.dvh.coverage import check_covers, check_frame_of_reference
from radtrial.rt.dvh.engine import Mode, compute_dvh, prescription_isodose_volume_cc
from radtrial.rt.dvh.histogram import Dvh
from radtrial.rt.dvh.metrics import (
    MetricContext,
    evaluate,
    homogeneity_index,
    metric_unit,
    paddick_conformity_index,
)
from radtrial.rt.dvh.model import DoseGrid, StructureSet
from radtrial.rt.dvh.plan import Plan
from radtrial.rt.dvh.report import ReportRow, render_report
from radtrial.rt.dvh.summation import course_dose
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
    limit: float | None  # None for a plan property without a number (radiation type)
    minor_limit: float | None
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


#: DICOM RadiationType of the treatment beams for each protocol modality.
RADIATION_TYPES = {"photon": "PHOTON", "proton": "PROTON", "electron": "ELECTRON",
                   "carbon_ion": "ION"}  # fmt: skip

#: Constraint kinds whose structure is a target (HI, and CI for the prescription target).
TARGET_KINDS = frozenset({"target_coverage", "target_maximum"})


@dataclass(frozen=True)
class PlanCheck:
    """A plan checked against a protocol's table: rows, names and how doses were read.

    ``indices`` holds, per target structure (TG-263 name), the ICRU 83 homogeneity index and,
    for the prescription target, the Paddick conformity index, in the table's dose unit.
    """

    evaluation: Evaluation
    names: NameResolution
    mode: Mode
    dose_factor: float
    dose_note: str
    notes: tuple[str, ...]
    dvhs: Mapping[str, tuple[str, Dvh]] = field(default_factory=dict)
    indices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    summation_types: tuple[str, ...] = ()

    @property
    def overall(self) -> Overall:
        """The plan's verdict (:attr:`Evaluation.overall`)."""
        return self.evaluation.overall


def check_plan(
    table: DoseConstraints,
    structure_set: StructureSet,
    dose: DoseGrid | Sequence[DoseGrid],
    plan: Plan | None = None,
    *,
    rbe: float | None = None,
    mode: Mode = "tps",
    site: str | None = None,
    options: AccurateOptions | None = None,
    modality: str | None = None,
) -> PlanCheck:
    """Map the plan's ROI names to TG-263, compute the DVHs the table needs, grade every row.

    ``dose`` is one RT Dose or several to add up (beam doses, fraction-group doses); per-session
    doses are scaled to the course (:func:`radtrial.rt.dvh.summation.course_dose`).
    ``modality`` is the protocol's (``proton``, ``photon``...): a plan whose treatment beams are
    of another radiation type is a major deviation.
    """
    doses = [dose] if isinstance(dose, DoseGrid) else list(dose)
    course = course_dose(doses, plan)
    dose = course.dose
    check_frame_of_reference(structure_set.frame_of_reference_uid, dose, structure_set.source)
    notes: list[str] = list(course.notes)
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
    is_proton = plan.is_proton if plan is not None else modality == "proton"
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
        rows.extend(_plan_rows(table, plan, modality))
        notes.append(f"radiation type: {', '.join(plan.radiation_types) or 'unknown'}")
    for tg263, locals_ in names.duplicates.items():
        notes.append(f"several ROIs map to {tg263} ({', '.join(locals_)}); the first is used")
    indices, index_notes = _target_indices(table, structure_set, names, dvhs, dose, factor)
    notes.extend(index_notes)
    return PlanCheck(
        Evaluation(tuple(rows)),
        names,
        mode,
        factor,
        dose_note,
        tuple(notes),
        dvhs,
        indices,
        course.summation_types,
    )


def _plan_rows(table: DoseConstraints, plan: Plan, modality: str | None) -> list[ConstraintResult]:
    """The plan's fractions against the protocol's, and its radiation type against the
    protocol's modality."""
    planned = plan.fractions_planned
    rows = [
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
    ]
    if modality is not None:
        expected = RADIATION_TYPES.get(modality, modality.upper())
        found = plan.radiation_types
        matches = found == (expected,)
        rows.append(
            ConstraintResult(
                "plan_radiation_type",
                "(plan)",
                plan.label or None,
                "RadiationType",
                "==",
                None,
                None,
                "",
                None,
                "pass" if matches else "major",
                True,
                f"treatment beams: {', '.join(found) or 'none'}; the protocol prescribes "
                f"{modality} ({expected})",
            )
        )
    return rows


def _target_indices(
    table: DoseConstraints,
    structure_set: StructureSet,
    names: NameResolution,
    dvhs: Mapping[str, tuple[str, Dvh]],
    dose: DoseGrid,
    factor: float,
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """HI of every target structure; CI (Paddick) of the prescription target.

    The prescription isodose volume (PIV) counts the ``tps`` voxels of the EXTERNAL ROI (the
    body) at or above the prescription, or of the whole dose grid when the plan has no body
    contour or the grid does not cover it.
    """
    targets = [r.structure for r in table.rows if r.kind in TARGET_KINDS and r.structure in dvhs]
    if table.target in dvhs:
        targets.insert(0, table.target)
    indices: dict[str, dict[str, float]] = {}
    notes: list[str] = []
    for name in dict.fromkeys(targets):
        dvh = dvhs[name][1]
        if dvh.is_empty:
            continue
        indices[name] = {"HI": homogeneity_index(dvh)}
    if table.target in indices:
        threshold = table.prescription_gy / factor if factor else table.prescription_gy
        body_dvh = None
        body = next(
            (
                s
                for s in structure_set.structures
                if s.kind.upper() == "EXTERNAL" and not s.is_empty
            ),
            None,
        )
        if body is None and "External" in names.by_tg263:
            body = next(s for s in structure_set.structures if s.name == names.by_tg263["External"])
        if body is not None:
            try:
                check_covers(body, dose)
                body_dvh = compute_dvh(body, dose, "tps").dvh
            except DicomError:
                notes.append(
                    f"CI: the dose grid does not cover the body contour {body.name!r}; the "
                    "prescription isodose volume is counted in the whole grid"
                )
        piv = prescription_isodose_volume_cc(dose, threshold, body_dvh)
        indices[table.target]["CI"] = paddick_conformity_index(
            dvhs[table.target][1], table.prescription_gy, piv
        )
        indices[table.target]["PIV_cc"] = piv
    return indices, notes


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
        indices={
            (f"{name} ({check.dvhs[name][0]})" if check.dvhs[name][0] != name else name): values
            for name, values in check.indices.items()
        },
    )

"""The whole-course dose a protocol's limits apply to, from one or more RT Dose objects.

DICOM PS3.3 C.8.8.3.1 (Dose Summation Type) says what each RT Dose holds:

* ``PLAN``: the entire delivery of all fraction groups of the RT Plan (``MULTI_PLAN``: of
  several plans): already the course dose;
* ``FRACTION``: the entire delivery of *one fraction group*; the course dose when the plan has
  one group, otherwise one FRACTION dose per group must be added;
* ``BEAM``: the entire delivery of one or more beams; the beam doses are added (every treatment
  beam of the plan once);
* ``FRACTION_SESSION`` and ``BEAM_SESSION``: a single session (one fraction) of a fraction
  group or of beams: multiplied by the fractions planned in that group (RT Plan
  NumberOfFractionsPlanned) before anything is graded against whole-course limits.

Doses are added voxel by voxel, so every file must have the same grid (positions within
1 µm), frame of reference and dose type; anything else is a :class:`DicomError` naming the file
and attribute. Every scaling and sum is reported as a note, for the QA report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from radtrial.errors import DicomError, InvalidInput
from radtrial.rt.dvh.model import DoseGrid
from radtrial.rt.dvh.plan import FractionGroup, Plan

#: Positions of two grids closer than this (mm) are the same voxel centres.
GRID_TOLERANCE_MM = 1e-3

#: Summation types that hold the whole course of the plan(s) they were calculated for.
WHOLE = frozenset({"PLAN", "MULTI_PLAN"})
#: Summation types that hold one session (fraction) and are scaled by the fractions planned.
SESSION = frozenset({"FRACTION_SESSION", "BEAM_SESSION"})
#: Partial doses that add up to the plan dose, by what they are a part of.
BY_GROUP = frozenset({"FRACTION", "FRACTION_SESSION"})
BY_BEAM = frozenset({"BEAM", "BEAM_SESSION"})


@dataclass(frozen=True, eq=False)
class CourseDose:
    """The whole-course dose grid and how it was obtained (one note per step)."""

    dose: DoseGrid
    notes: tuple[str, ...]
    summation_types: tuple[str, ...]


def _kind(dose: DoseGrid) -> str:
    return (dose.summation_type or "PLAN").strip().upper()


def _group(dose: DoseGrid, plan: Plan | None, kind: str) -> FractionGroup:
    """The fraction group a per-group or per-session dose belongs to."""
    where = dose.source
    if plan is None:
        raise DicomError(
            f"a {kind} dose is part of a plan: give the RT Plan so that it can be combined "
            "into the whole-course dose",
            location=where,
            detail={"attribute": "DoseSummationType", "found": kind},
        )
    groups = {g.number: g for g in plan.fraction_groups}
    number = dose.referenced_fraction_group
    if number is None:
        if len(groups) == 1:
            return next(iter(groups.values()))
        raise DicomError(
            f"the {kind} dose names no fraction group (ReferencedFractionGroupSequence) and the "
            f"plan has {len(groups)}",
            location=where,
            detail={"attribute": "ReferencedFractionGroupNumber"},
        )
    if number not in groups:
        raise DicomError(
            f"the dose refers to fraction group {number}, which the RT Plan does not have "
            f"(groups: {sorted(groups)})",
            location=where,
            detail={"attribute": "ReferencedFractionGroupNumber", "found": number},
        )
    return groups[number]


def _check_same_grid(first: DoseGrid, other: DoseGrid) -> None:
    where = other.source
    for name, a, b, attribute in (
        ("x", first.x_mm, other.x_mm, "ImagePositionPatient/PixelSpacing"),
        ("y", first.y_mm, other.y_mm, "ImagePositionPatient/PixelSpacing"),
        ("z", first.z_mm, other.z_mm, "GridFrameOffsetVector"),
    ):
        if a.shape != b.shape or not np.allclose(a, b, rtol=0.0, atol=GRID_TOLERANCE_MM):
            raise DicomError(
                f"the dose grids differ along {name} ({a.size} voxels from {a[0]:.2f} mm vs "
                f"{b.size} from {b[0]:.2f} mm in {first.source}): doses can only be added on "
                "one grid; export them on a common grid or export the PLAN dose",
                location=where,
                detail={"attribute": attribute, "axis": name},
            )
    if (
        first.frame_of_reference_uid
        and other.frame_of_reference_uid
        and first.frame_of_reference_uid != other.frame_of_reference_uid
    ):
        raise DicomError(
            "the RT Doses are in different frames of reference",
            location=where,
            detail={"attribute": "FrameOfReferenceUID"},
        )
    if first.dose_type.upper() != other.dose_type.upper():
        raise DicomError(
            f"cannot add a {other.dose_type} dose to a {first.dose_type} dose",
            location=where,
            detail={"attribute": "DoseType"},
        )


def course_dose(doses: Sequence[DoseGrid], plan: Plan | None = None) -> CourseDose:
    """The whole-course dose of ``doses`` (see the module docstring)."""
    if not doses:
        raise InvalidInput("give at least one RT Dose", location="rtdose")
    kinds = [_kind(d) for d in doses]
    notes: list[str] = []
    if len(doses) > 1:
        whole = [d.source for d, k in zip(doses, kinds, strict=True) if k in WHOLE]
        if whole:
            raise DicomError(
                "a PLAN dose already holds every beam and fraction: give it alone, not with "
                "other RT Doses",
                location=whole[0],
                detail={"attribute": "DoseSummationType"},
            )
        families = {"group" if k in BY_GROUP else "beam" if k in BY_BEAM else k for k in kinds}
        if len(families) > 1 or not families <= {"group", "beam"}:
            raise DicomError(
                f"cannot add RT Doses of summation types {', '.join(dict.fromkeys(kinds))}: "
                "add beam doses (BEAM, BEAM_SESSION) or fraction-group doses (FRACTION, "
                "FRACTION_SESSION)",
                location=doses[1].source,
                detail={"attribute": "DoseSummationType", "found": list(dict.fromkeys(kinds))},
            )
        for other in doses[1:]:
            _check_same_grid(doses[0], other)
    factors: list[float] = []
    for dose, kind in zip(doses, kinds, strict=True):
        factor = 1.0
        if kind in SESSION:
            group = _group(dose, plan, kind)
            factor = float(group.fractions_planned)
            notes.append(
                f"{dose.source}: a {kind} dose (one session) x {group.fractions_planned} "
                f"fractions planned in fraction group {group.number} = the course dose"
            )
        elif kind in BY_GROUP | BY_BEAM and plan is None:
            notes.append(
                f"{dose.source}: a {kind} dose holds part of a plan; without the RT Plan it "
                "could not be checked to be the whole course"
            )
        elif kind not in WHOLE | BY_GROUP | BY_BEAM:
            notes.append(
                f"{dose.source}: the RT Dose is a {kind} dose (DoseSummationType), not the "
                "plan dose; it is graded as it is"
            )
        factors.append(factor)
    if plan is not None:
        _check_parts(doses, kinds, plan, notes)
    if len(doses) == 1 and factors[0] == 1.0:
        return CourseDose(doses[0], tuple(notes), tuple(kinds))
    total = np.zeros_like(doses[0].dose_gy)
    for dose, factor in zip(doses, factors, strict=True):
        total += dose.dose_gy * factor if factor != 1.0 else dose.dose_gy
    if len(doses) > 1:
        notes.append(f"the course dose is the sum of {len(doses)} {'/'.join(dict.fromkeys(kinds))} "
                     "doses on one grid")  # fmt: skip
    first = doses[0]
    combined = DoseGrid(
        x_mm=first.x_mm,
        y_mm=first.y_mm,
        z_mm=first.z_mm,
        dose_gy=total,
        frame_of_reference_uid=next(
            (d.frame_of_reference_uid for d in doses if d.frame_of_reference_uid), ""
        ),
        summation_type="PLAN",
        dose_type=first.dose_type,
        source=" + ".join(str(d.source) for d in doses),
    )
    return CourseDose(combined, tuple(notes), tuple(kinds))


def _check_parts(
    doses: Sequence[DoseGrid], kinds: Sequence[str], plan: Plan, notes: list[str]
) -> None:
    """Partial doses must cover the plan: every fraction group, or every treatment beam, once."""
    partial = [(d, k) for d, k in zip(doses, kinds, strict=True) if k in BY_GROUP | BY_BEAM]
    if not partial:
        return
    if partial[0][1] in BY_GROUP:
        covered: dict[int, str | None] = {}
        for dose, kind in partial:
            group = _group(dose, plan, kind)
            if group.number in covered:
                raise DicomError(
                    f"fraction group {group.number} is given twice (also in "
                    f"{covered[group.number]})",
                    location=dose.source,
                    detail={"attribute": "ReferencedFractionGroupNumber"},
                )
            covered[group.number] = dose.source
        missing = sorted({g.number for g in plan.fraction_groups} - set(covered))
        if missing:
            raise DicomError(
                f"the plan has fraction groups {sorted(g.number for g in plan.fraction_groups)}; "
                f"no RT Dose is given for {missing} (a FRACTION dose holds one group)",
                location=partial[-1][0].source,
                detail={"attribute": "ReferencedFractionGroupNumber", "missing": missing},
            )
        return
    beams_by_file: dict[int, str | None] = {}
    unnamed = []
    for dose, _ in partial:
        if not dose.referenced_beams:
            unnamed.append(str(dose.source))
        for beam in dose.referenced_beams:
            if beam in beams_by_file:
                raise DicomError(
                    f"beam {beam} is given twice (also in {beams_by_file[beam]})",
                    location=dose.source,
                    detail={"attribute": "ReferencedBeamNumber", "beam": beam},
                )
            beams_by_file[beam] = dose.source
    if unnamed:
        notes.append(
            f"{', '.join(unnamed)}: the beam dose names no beam (ReferencedBeamSequence); "
            "that every beam of the plan is included could not be checked"
        )
        return
    treatment = {b.number for b in plan.beams if b.delivery_type == "TREATMENT"} or {
        b.number for b in plan.beams
    }
    missing = sorted(treatment - set(beams_by_file))
    if missing:
        raise DicomError(
            f"the beam doses cover beams {sorted(beams_by_file)}; the plan's treatment beams "
            f"{missing} have no RT Dose",
            location=partial[-1][0].source,
            detail={"attribute": "ReferencedBeamNumber", "missing": missing},
        )

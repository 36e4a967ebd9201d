"""A participant's RECIST series: sum of diameters, nadir, time-point responses, and local
versus distant progression (Eisenhauer et al. 2009, doi:10.1016/j.ejca.2008.10.026, §4.3–4.4).

Target-lesion response at a time point (§4.3.1):

* **CR**: every non-nodal target has disappeared and every target node has a short axis
  < 10 mm (so the SoD may be above 0 at CR);
* **PD**: the SoD has risen by **≥ 20 % and ≥ 5 mm** over the **nadir**, the smallest SoD on
  study including baseline; a target reappearing after CR is also PD (§4.3.2 note on lesions
  that disappear and reappear);
* **PR**: the SoD has fallen by ≥ 30 % from **baseline**;
* **SD**: neither.

When some targets were not evaluated the time point is NE, unless the targets that were
measured already make PD (§4.4.2). The nadir is taken over time points where every target was
measured. Sums are computed exactly on the decimal values entered, so 20 % of a nadir of 42.5 mm
is 8.5 mm, not 8.499999…

**Local progression** (PROSARC-2's primary event) is progression of the irradiated index
lesion measured against *its own* nadir, with the same ≥ 20 % and ≥ 5 mm rule (or reappearance
after disappearing); it needs the index lesion to be a target. **Distant progression** is a new
lesion, unequivocal progression of non-target disease, or PD of the other targets' sum against
its own nadir. Either may occur without the other, and an overall PD by the whole SoD may be
neither (both growing by less than their own thresholds); PFS uses the overall PD.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from radtrial.clinical._values import invalid
from radtrial.clinical.recist.lesions import NODE_PATHOLOGICAL_MM, Baseline, TargetLesion
from radtrial.clinical.recist.response import (
    FollowUp,
    NonTargetStatus,
    Response,
    overall_response,
)

__all__ = ["RecistSeries", "TimePoint", "evaluate_series", "progressed"]

_PD_FRACTION = Fraction(1, 5)
_PD_MIN_MM = Fraction(5)
_PR_FRACTION = Fraction(3, 10)


def _exact(value: float) -> Fraction:
    """The decimal number as entered (repr is the shortest round-tripping decimal)."""
    return Fraction(repr(value))


def progressed(size_mm: Fraction, nadir_mm: Fraction) -> bool:
    """≥ 20 % and ≥ 5 mm above the nadir (§4.3.1)."""
    rise = size_mm - nadir_mm
    return rise >= _PD_MIN_MM and rise >= _PD_FRACTION * nadir_mm


@dataclass(frozen=True, slots=True)
class TimePoint:
    """The evaluation of one follow-up assessment.

    ``sum_mm`` is the SoD when every target was measured (else None); ``nadir_mm`` the nadir it
    was compared with (the smallest complete SoD before this time point, baseline included).
    ``local_progression`` and ``distant_progression`` are None when the baseline has no
    irradiated index target (``local_progression`` also when the index lesion was not measured
    that day); ``index_mm``/``index_nadir_mm`` are that lesion's size and its own nadir before
    this time point.
    """

    assessed_on: date
    sum_mm: float | None
    nadir_mm: float
    change_from_baseline_percent: float | None
    change_from_nadir_mm: float | None
    target: Response | None
    non_target: NonTargetStatus | None
    new_lesions: bool
    overall: Response
    local_progression: bool | None
    distant_progression: bool | None
    index_mm: float | None
    index_nadir_mm: float | None


@dataclass(frozen=True, slots=True)
class RecistSeries:
    """A participant's evaluated series, in date order."""

    baseline: Baseline
    time_points: tuple[TimePoint, ...]
    nadir_mm: float
    first_progression_on: date | None
    first_local_progression_on: date | None
    first_distant_progression_on: date | None

    @property
    def baseline_sum_mm(self) -> float:
        """The baseline sum of diameters."""
        return self.baseline.sum_mm


class _Tracker:
    """A sum of some targets and its nadir over complete time points."""

    def __init__(self, lesions: Sequence[TargetLesion]) -> None:
        self.ids = [lesion.lesion_id for lesion in lesions]
        self.nadir = sum((_exact(lesion.baseline_mm) for lesion in lesions), Fraction(0))

    def assess(self, sizes: Mapping[str, Fraction | None]) -> tuple[Fraction | None, bool]:
        """(complete sum or None, whether the measured part is PD); updates the nadir."""
        measured = [sizes[i] for i in self.ids if sizes[i] is not None]
        partial = sum((s for s in measured if s is not None), Fraction(0))
        complete = len(measured) == len(self.ids)
        is_pd = progressed(partial, self.nadir)
        return (partial if complete else None), is_pd

    def update(self, complete_sum: Fraction | None) -> None:
        if complete_sum is not None:
            self.nadir = min(self.nadir, complete_sum)


def _check(baseline: Baseline, follow_up: FollowUp, seen: set[date]) -> None:
    on = follow_up.assessed_on
    if on <= baseline.assessed_on:
        raise invalid(
            f"the assessment on {on.isoformat()} is not after the baseline of "
            f"{baseline.assessed_on.isoformat()}",
            "assessed_on",
            "before_baseline",
        )
    if on in seen:
        raise invalid(
            f"two tumour assessments on {on.isoformat()}", "assessed_on", "duplicate_date"
        )
    seen.add(on)
    expected = {t.lesion_id for t in baseline.targets}
    for lesion_id in follow_up.diameters_mm:
        if lesion_id not in expected:
            raise invalid(
                f"{lesion_id!r} is not a baseline target lesion; new lesions are recorded as "
                "new_lesions",
                f"diameters_mm[{lesion_id}]",
                "unknown_lesion",
            )
    for lesion_id in sorted(expected - set(follow_up.diameters_mm)):
        raise invalid(
            "give the lesion's size, or None if it was not evaluated",
            f"diameters_mm[{lesion_id}]",
            "size_missing",
        )
    if baseline.non_targets and follow_up.non_target is None:
        raise invalid(
            "the baseline has non-target lesions: give their status",
            "non_target",
            "non_target_missing",
        )
    if not baseline.non_targets and follow_up.non_target is not None:
        raise invalid(
            "the baseline has no non-target lesions", "non_target", "non_target_not_allowed"
        )


def _cr(baseline: Baseline, sizes: Mapping[str, Fraction | None]) -> bool:
    for lesion in baseline.targets:
        size = sizes[lesion.lesion_id]
        if size is None:
            return False
        if lesion.nodal and size >= Fraction(int(NODE_PATHOLOGICAL_MM)):
            return False
        if not lesion.nodal and size > 0:
            return False
    return True


def _reappeared(baseline: Baseline, sizes: Mapping[str, Fraction | None]) -> bool:
    for lesion in baseline.targets:
        size = sizes[lesion.lesion_id]
        if size is None:
            continue
        if (lesion.nodal and size >= Fraction(int(NODE_PATHOLOGICAL_MM))) or (
            not lesion.nodal and size > 0
        ):
            return True
    return False


def evaluate_series(baseline: Baseline, follow_ups: Iterable[FollowUp]) -> RecistSeries:
    """Evaluate every follow-up against the baseline, in date order.

    Raises :class:`InvalidInput` for an assessment on or before the baseline date
    (``assessed_on``), two on one day, an unknown or missing target size
    (``diameters_mm[<id>]``), or a non-target status given without non-target lesions or
    missing with them (``non_target``).
    """
    ordered = sorted(follow_ups, key=lambda f: f.assessed_on)
    seen: set[date] = set()
    for follow_up in ordered:
        _check(baseline, follow_up, seen)

    whole = _Tracker(baseline.targets)
    baseline_sum = whole.nadir
    index = baseline.index_lesion
    local = _Tracker([index]) if index is not None else None
    others = (
        _Tracker([t for t in baseline.targets if t is not index]) if index is not None else None
    )
    last_target: Response | None = None
    points: list[TimePoint] = []
    for follow_up in ordered:
        sizes = {k: None if v is None else _exact(v) for k, v in follow_up.diameters_mm.items()}
        nadir = whole.nadir
        complete, measured_pd = whole.assess(sizes)

        target: Response | None = None
        if baseline.targets:
            if last_target is Response.CR and _reappeared(baseline, sizes):
                target = Response.PD
            elif complete is None:
                target = Response.PD if measured_pd else Response.NE
            elif measured_pd:
                target = Response.PD
            elif _cr(baseline, sizes):
                target = Response.CR
            elif baseline_sum - complete >= _PR_FRACTION * baseline_sum:
                target = Response.PR
            else:
                target = Response.SD
            if target is not Response.NE:
                last_target = target

        local_pd: bool | None = None
        distant_pd: bool | None = None
        index_mm: float | None = None
        index_nadir: float | None = None
        if local is not None and others is not None and index is not None:
            index_size = sizes[index.lesion_id]
            index_nadir = float(local.nadir)
            index_mm = None if index_size is None else float(index_size)
            local_pd = (
                None
                if index_size is None
                else progressed(index_size, local.nadir) or (local.nadir == 0 and index_size > 0)
            )
            other_complete, other_pd = others.assess(sizes)
            distant_pd = (
                follow_up.new_lesions
                or follow_up.non_target is NonTargetStatus.PD
                or (bool(others.ids) and other_pd)
            )
            local.update(index_size)
            others.update(other_complete)

        whole.update(complete)
        if not baseline.targets:
            complete = None
        points.append(
            TimePoint(
                assessed_on=follow_up.assessed_on,
                sum_mm=None if complete is None else float(complete),
                nadir_mm=float(nadir),
                change_from_baseline_percent=(
                    None
                    if complete is None or baseline_sum == 0
                    else float((complete - baseline_sum) / baseline_sum * 100)
                ),
                change_from_nadir_mm=None if complete is None else float(complete - nadir),
                target=target,
                non_target=follow_up.non_target,
                new_lesions=follow_up.new_lesions,
                overall=overall_response(target, follow_up.non_target, follow_up.new_lesions),
                local_progression=local_pd,
                distant_progression=distant_pd,
                index_mm=index_mm,
                index_nadir_mm=index_nadir,
            )
        )

    def first(flag: str) -> date | None:
        return next((p.assessed_on for p in points if getattr(p, flag) is True), None)

    return RecistSeries(
        baseline=baseline,
        time_points=tuple(points),
        nadir_mm=float(whole.nadir),
        first_progression_on=next(
            (p.assessed_on for p in points if p.overall is Response.PD), None
        ),
        first_local_progression_on=first("local_progression"),
        first_distant_progression_on=first("distant_progression"),
    )

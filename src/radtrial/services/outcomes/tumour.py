"""RECIST 1.1 tumour assessments: the baseline, follow-ups with their computed response, and the
local and distant progression events they show.

The baseline is validated by :class:`radtrial.clinical.recist.Baseline` under the protocol's
RECIST rules (PROSARC-2: the irradiated index lesion is measurable) and stored with those
rules, so later follow-ups are evaluated under the rules the baseline was made with. A
follow-up is evaluated with the whole series (:func:`evaluate_series`) and its time point is
stored: sum of diameters, nadir, target and overall response, local and distant progression.
The first follow-up showing local progression of the irradiated index lesion records the
``local_progression`` event with that assessment's date (PROSARC-2's primary event), and
likewise for distant progression. Follow-ups are entered in date order: re-assessing an earlier
time point (an equivocal new lesion later confirmed) is not offered yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from radtrial.clinical.recist import (
    Baseline,
    BestResponse,
    FollowUp,
    Modality,
    NonTargetLesion,
    RecistSeries,
    TargetLesion,
    TimePoint,
    best_overall_response,
    evaluate_series,
)
from radtrial.errors import Conflict, InvalidInput
from radtrial.protocol.schedule import RecistRules
from radtrial.services.outcomes._context import (
    open_entry,
    open_read,
    require_assessment,
    require_collectable,
    require_visit,
)
from radtrial.services.outcomes.visits import infer_visit
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import (
    ClinicalEventRecord,
    LesionRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.trial.consent import Collectable

__all__ = [
    "RECIST_VERSION",
    "FollowUpResult",
    "TumourSeries",
    "baseline_of",
    "follow_up_of",
    "record_baseline",
    "record_follow_up",
    "tumour_series",
]

RECIST_VERSION = "1.1"

_RULE_FIELDS = {
    "irradiated_index_lesion_measurable",
    "confirmation_required",
    "confirmation_min_days",
    "min_stable_disease_days",
}


def baseline_of(record: TumourBaselineRecord) -> Baseline:
    """The core baseline of a stored one, under the rules it was recorded with."""
    targets = tuple(
        TargetLesion(
            lesion_id=lesion.lesion_id,
            organ=lesion.organ,
            baseline_mm=lesion.baseline_mm or 0.0,
            nodal=lesion.nodal,
            modality=Modality(lesion.modality or Modality.CT.value),
            slice_thickness_mm=lesion.slice_thickness_mm,
            irradiated_index=lesion.irradiated_index,
            previously_irradiated=lesion.previously_irradiated,
            progressed_after_irradiation=lesion.progressed_after_irradiation,
        )
        for lesion in record.lesions
        if lesion.role == "target"
    )
    non_targets = tuple(
        NonTargetLesion(
            lesion_id=lesion.lesion_id,
            organ=lesion.organ,
            nodal=lesion.nodal,
            irradiated_index=lesion.irradiated_index,
        )
        for lesion in record.lesions
        if lesion.role == "non_target"
    )
    return Baseline(
        record.assessed_on, targets, non_targets, RecistRules.model_validate(dict(record.rules))
    )


def follow_up_of(record: TumourFollowUpRecord) -> FollowUp:
    """The core follow-up of a stored one."""
    return FollowUp(
        assessed_on=record.assessed_on,
        diameters_mm=dict(record.measurements),
        non_target=record.non_target,  # type: ignore[arg-type]  # validated on construction
        new_lesions=record.new_lesions,
    )


def _lesions(baseline: Baseline) -> list[LesionRecord]:
    out = [
        LesionRecord(
            lesion_id=t.lesion_id,
            role="target",
            organ=t.organ.strip(),
            nodal=t.nodal,
            modality=t.modality.value,
            slice_thickness_mm=t.slice_thickness_mm,
            baseline_mm=t.baseline_mm,
            irradiated_index=t.irradiated_index,
            previously_irradiated=t.previously_irradiated,
            progressed_after_irradiation=t.progressed_after_irradiation,
        )
        for t in baseline.targets
    ]
    out.extend(
        LesionRecord(
            lesion_id=n.lesion_id,
            role="non_target",
            organ=n.organ.strip(),
            nodal=n.nodal,
            modality=None,
            slice_thickness_mm=None,
            baseline_mm=None,
            irradiated_index=n.irradiated_index,
            previously_irradiated=False,
            progressed_after_irradiation=False,
        )
        for n in baseline.non_targets
    )
    return out


def record_baseline(
    db: Database,
    *,
    actor: str,
    study_id: str,
    assessed_on: date,
    targets: Sequence[TargetLesion],
    non_targets: Sequence[NonTargetLesion] = (),
    visit_id: str | None = None,
) -> TumourBaselineRecord:
    """Record the participant's RECIST baseline.

    Refused with nothing written (located :class:`InvalidInput`): a trial without a tumour
    response assessment; a sixth target lesion or a third in one organ; a target below the
    measurable size; an irradiated target the protocol makes no exception for; a visit that does
    not schedule the assessment; a day before registration or in the future. A second baseline
    is a :class:`Conflict`.
    """

    def work(uow: ResearchUnitOfWork) -> TumourBaselineRecord:
        entry = open_entry(uow, actor, study_id, "record tumour assessments")
        visit = (
            infer_visit(uow, entry, "tumour_response", assessed_on)
            if visit_id is None
            else require_visit(entry.protocol, visit_id)
        )
        assessment = require_assessment(entry.protocol, "tumour_response", visit=visit)
        rules = assessment.recist or RecistRules()
        baseline = Baseline(assessed_on, tuple(targets), tuple(non_targets), rules)
        entry.check_day(assessed_on, "assessed_on")
        require_collectable(
            entry.facts,
            Collectable.VISIT_ASSESSMENTS,
            assessed_on,
            "assessed_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        if uow.tumours.baseline(entry.participant) is not None:
            raise Conflict(f"{study_id} already has a RECIST baseline", location="baseline")
        return uow.tumours.add_baseline(
            entry.participant,
            entry.version,
            visit_id=None if visit is None else visit.id,
            assessed_on=assessed_on,
            recist_version=RECIST_VERSION,
            rules=rules.model_dump(mode="json", include=_RULE_FIELDS),
            sum_mm=baseline.sum_mm,
            lesions=_lesions(baseline),
        )

    return db.run(work, actor=actor)


@dataclass(frozen=True)
class FollowUpResult:
    """A stored follow-up, its evaluated time point, and the events it recorded."""

    follow_up: TumourFollowUpRecord
    time_point: TimePoint
    events: tuple[ClinicalEventRecord, ...]


def _evaluation(point: TimePoint) -> dict[str, object]:
    return {
        "sum_mm": point.sum_mm,
        "nadir_mm": point.nadir_mm,
        "change_from_baseline_percent": point.change_from_baseline_percent,
        "change_from_nadir_mm": point.change_from_nadir_mm,
        "target_response": None if point.target is None else point.target.value,
        "overall_response": point.overall.value,
        "local_progression": point.local_progression,
        "distant_progression": point.distant_progression,
        "index_mm": point.index_mm,
        "index_nadir_mm": point.index_nadir_mm,
    }


def record_follow_up(
    db: Database,
    *,
    actor: str,
    study_id: str,
    assessed_on: date,
    sizes: Mapping[str, float | None],
    non_target: str | None = None,
    new_lesions: bool = False,
    visit_id: str | None = None,
) -> FollowUpResult:
    """Record a follow-up tumour assessment and store its RECIST evaluation.

    ``sizes`` gives every baseline target's size in mm (0 gone, None not evaluated). Refused
    with nothing written: no baseline; an unknown or missing target; a negative size; a
    non-target status missing (or given without non-target lesions); a date not after the
    latest recorded assessment, before registration, in the future or after death. A first
    local (or distant) progression records the event with this assessment's date.
    """

    def work(uow: ResearchUnitOfWork) -> FollowUpResult:
        entry = open_entry(uow, actor, study_id, "record tumour assessments")
        stored = uow.tumours.baseline(entry.participant)
        if stored is None:
            raise InvalidInput(
                f"{study_id} has no RECIST baseline: record it first",
                location="baseline",
                detail={"reason": "baseline_missing"},
            )
        visit = (
            infer_visit(uow, entry, "tumour_response", assessed_on)
            if visit_id is None
            else require_visit(entry.protocol, visit_id)
        )
        if visit is not None:
            require_assessment(entry.protocol, "tumour_response", visit=visit)
        entry.check_day(assessed_on, "assessed_on")
        require_collectable(
            entry.facts,
            Collectable.VISIT_ASSESSMENTS,
            assessed_on,
            "assessed_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        previous = uow.tumours.follow_ups(entry.participant)
        if previous and assessed_on <= previous[-1].assessed_on:
            raise InvalidInput(
                f"the latest tumour assessment of {study_id} is of "
                f"{previous[-1].assessed_on.isoformat()}: follow-ups are entered in date order",
                location="assessed_on",
                detail={"reason": "not_after_latest"},
            )
        follow_up = FollowUp(
            assessed_on,
            dict(sizes),
            non_target,  # type: ignore[arg-type]  # validated on construction
            new_lesions,
        )
        series = evaluate_series(
            baseline_of(stored), [*(follow_up_of(p) for p in previous), follow_up]
        )
        point = series.time_points[-1]
        record = uow.tumours.add_follow_up(
            entry.participant,
            entry.version,
            stored,
            visit_id=None if visit is None else visit.id,
            assessed_on=assessed_on,
            measurements=dict(follow_up.diameters_mm),
            non_target=None if follow_up.non_target is None else follow_up.non_target.value,
            new_lesions=new_lesions,
            evaluation=_evaluation(point),
        )
        kinds = {e.kind for e in uow.outcomes.events(entry.participant)}
        events = []
        for kind, shown in (
            ("local_progression", point.local_progression),
            ("distant_progression", point.distant_progression),
        ):
            if shown and kind not in kinds:
                events.append(
                    uow.outcomes.add_event(
                        entry.participant,
                        entry.version,
                        kind=kind,
                        event_on=assessed_on,
                        method="recist",
                        tumour_follow_up_id=record.id,
                    )
                )
        return FollowUpResult(record, point, tuple(events))

    return db.run(work, actor=actor)


@dataclass(frozen=True)
class TumourSeries:
    """A participant's RECIST series as stored, re-evaluated, with the best overall response.

    ``treatment_start`` is the day stable disease is counted from: the first fraction when
    one was delivered, else registration (``treatment_start_basis`` says which).
    """

    study_id: str
    baseline: TumourBaselineRecord | None
    follow_ups: tuple[TumourFollowUpRecord, ...]
    series: RecistSeries | None
    best: BestResponse | None
    treatment_start: date | None
    treatment_start_basis: str | None


def tumour_series(db: Database, *, actor: str, study_id: str) -> TumourSeries:
    """The participant's baseline, follow-ups, progression dates and best overall response."""

    def work(uow: ResearchUnitOfWork) -> TumourSeries:
        participant, _, facts = open_read(uow, actor, study_id)
        stored = uow.tumours.baseline(participant)
        follow_ups = tuple(uow.tumours.follow_ups(participant))
        if stored is None:
            return TumourSeries(participant.study_id, None, (), None, None, None, None)
        series = evaluate_series(baseline_of(stored), [follow_up_of(f) for f in follow_ups])
        start, basis = facts.first_fraction_on, "first fraction"
        if start is None:
            start, basis = facts.registered_on, "registration (no fraction delivered yet)"
        best = best_overall_response(series, treatment_start=start)
        return TumourSeries(participant.study_id, stored, follow_ups, series, best, start, basis)

    return db.run(work, actor=actor, read_only=True)

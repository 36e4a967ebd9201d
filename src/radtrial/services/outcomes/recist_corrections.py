"""Corrections of RECIST 1.1 baselines and follow-ups, with a reason, re-evaluating the series
and voiding the signatures of every record whose content changes (decision 0062).

A correction names the version it is based on (the SHA-256 of the record's canonical content,
:func:`radtrial.services.signatures.content_sha256`, sent by the API as the ETag), exactly as an
adverse-event correction does (:mod:`.corrections`): no version is
:class:`PreconditionRequired`, a stale one :class:`PreconditionFailed`, no reason a located
:class:`InvalidInput` (``reason``), a correction that changes nothing likewise (``body``).

The corrected record is validated by the pure core like a new one (:class:`Baseline` under the
RECIST rules stored with the baseline, :class:`FollowUp`), and the whole series is evaluated
again (:func:`evaluate_series`): every follow-up's stored sum, nadir, responses and local and
distant progression are replaced by what the core computes from the corrected inputs, and the
``recist`` progression events follow the first time point that shows them (recorded, moved or
removed; events entered by hand are the investigator's and stay as they are). Nothing derived
is ever left stale. All of it is one audited unit of work with the reason.

**A baseline with follow-ups** is corrected and its follow-ups re-evaluated, provided the
correction keeps the series evaluable: the same target lesions (by id), and non-target lesions
still present or still absent. Changing which lesions are targets would leave the recorded
follow-ups without the sizes RECIST needs, so it is refused (:class:`Conflict`, naming the
follow-ups) rather than guessed.

Signatures (RELIABILITY.md row 12): the corrected record's are voided with
``record edited: <reason>``; a follow-up whose stored evaluation changes because another record
was corrected has its signatures voided with ``re-evaluated after …: <reason>``, since the
signed content is no longer what it shows. Withdrawals apply as at entry: the (corrected)
assessment day must still be one on which visit assessments may be collected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from radtrial.clinical.recist import (
    Baseline,
    FollowUp,
    NonTargetLesion,
    RecistSeries,
    TargetLesion,
    evaluate_series,
)
from radtrial.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from radtrial.services.outcomes._context import (
    Entry,
    open_entry,
    open_read,
    require_collectable,
)
from radtrial.services.outcomes.tumour import _evaluation, _lesions, baseline_of, follow_up_of
from radtrial.services.signatures import content_sha256, record_content, void_signatures
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import (
    ClinicalEventRecord,
    LesionRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.store.records import ParticipantRecord
from radtrial.trial.consent import Collectable

__all__ = [
    "BASELINES",
    "FOLLOW_UPS",
    "EventChange",
    "RecistCorrection",
    "VersionedBaseline",
    "VersionedFollowUp",
    "VoidedSignatures",
    "correct_recist_baseline",
    "correct_recist_follow_up",
    "recist_baseline",
    "recist_baseline_version",
    "recist_follow_up",
    "recist_follow_up_version",
]

#: The signable entities (:data:`radtrial.services.signatures.SIGNABLE`) corrected here.
RecistEntity = Literal["tumour_baselines", "tumour_follow_ups"]
BASELINES: RecistEntity = "tumour_baselines"
FOLLOW_UPS: RecistEntity = "tumour_follow_ups"

_PROGRESSIONS = ("local_progression", "distant_progression")


@dataclass(frozen=True)
class VersionedBaseline:
    """The baseline and its version (the ETag a correction names)."""

    record: TumourBaselineRecord
    version: str


@dataclass(frozen=True)
class VersionedFollowUp:
    """A follow-up and its version (the ETag a correction names)."""

    record: TumourFollowUpRecord
    version: str


@dataclass(frozen=True)
class VoidedSignatures:
    """How many signatures of one record a correction voided, and why."""

    entity: RecistEntity
    entity_id: int
    count: int
    reason: str


@dataclass(frozen=True)
class EventChange:
    """What re-evaluation did to a ``recist`` progression event: ``recorded`` (a time point now
    shows it), ``moved`` (an earlier or later time point is now the first), ``removed`` (no time
    point shows it any more)."""

    kind: str
    change: Literal["recorded", "moved", "removed"]
    from_on: date | None
    to_on: date | None


@dataclass(frozen=True)
class RecistCorrection:
    """A corrected record with the series as stored afterwards.

    ``version`` is the corrected record's new version; ``re_evaluated`` the other follow-ups
    whose stored evaluation changed; ``events`` the participant's progression events after it.
    """

    entity: RecistEntity
    entity_id: int
    version: str
    baseline: TumourBaselineRecord
    follow_ups: tuple[TumourFollowUpRecord, ...]
    re_evaluated: tuple[int, ...]
    events: tuple[ClinicalEventRecord, ...]
    event_changes: tuple[EventChange, ...]
    voided: tuple[VoidedSignatures, ...]


# -- reads ------------------------------------------------------------------------------------


def _baseline(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, baseline_id: int
) -> TumourBaselineRecord:
    stored = uow.tumours.baseline(participant)
    if stored is None or stored.id != baseline_id:
        raise NotFound(
            f"{participant.study_id} has no RECIST baseline {baseline_id}",
            location="baseline_id",
        )
    return stored


def _follow_up(
    follow_ups: Sequence[TumourFollowUpRecord], study_id: str, follow_up_id: int
) -> TumourFollowUpRecord:
    found = next((f for f in follow_ups if f.id == follow_up_id), None)
    if found is None:
        raise NotFound(
            f"{study_id} has no RECIST follow-up {follow_up_id}", location="follow_up_id"
        )
    return found


def recist_baseline(
    db: Database, *, actor: str, study_id: str, baseline_id: int
) -> VersionedBaseline:
    """The participant's baseline ``baseline_id`` and its version, for a user who may read the
    participant (:class:`NotFound` when it is not theirs)."""

    def work(uow: ResearchUnitOfWork) -> VersionedBaseline:
        participant, _, _ = open_read(uow, actor, study_id)
        stored = _baseline(uow, participant, baseline_id)
        version = content_sha256(record_content(uow, participant, BASELINES, baseline_id))
        return VersionedBaseline(stored, version)

    return db.run(work, actor=actor, read_only=True)


def recist_follow_up(
    db: Database, *, actor: str, study_id: str, follow_up_id: int
) -> VersionedFollowUp:
    """The participant's follow-up ``follow_up_id`` and its version."""

    def work(uow: ResearchUnitOfWork) -> VersionedFollowUp:
        participant, _, _ = open_read(uow, actor, study_id)
        found = _follow_up(uow.tumours.follow_ups(participant), study_id, follow_up_id)
        version = content_sha256(record_content(uow, participant, FOLLOW_UPS, follow_up_id))
        return VersionedFollowUp(found, version)

    return db.run(work, actor=actor, read_only=True)


def recist_baseline_version(db: Database, *, actor: str, study_id: str, baseline_id: int) -> str:
    """The current version (content hash) of the participant's baseline ``baseline_id``."""
    return recist_baseline(db, actor=actor, study_id=study_id, baseline_id=baseline_id).version


def recist_follow_up_version(db: Database, *, actor: str, study_id: str, follow_up_id: int) -> str:
    """The current version (content hash) of the participant's follow-up ``follow_up_id``."""
    return recist_follow_up(db, actor=actor, study_id=study_id, follow_up_id=follow_up_id).version


# -- checks shared by both corrections --------------------------------------------------------


def _reason(reason: str) -> str:
    why = reason.strip()
    if not why or len(why) > 2000:
        raise InvalidInput("give the reason for the correction", location="reason")
    return why


def _require_version(expected_version: str | None) -> str:
    if expected_version is None:
        raise PreconditionRequired(
            "name the version the correction is based on (If-Match)", location="If-Match"
        )
    return expected_version


def _check_version(
    uow: ResearchUnitOfWork, entry: Entry, entity: RecistEntity, entity_id: int, expected: str
) -> None:
    version = content_sha256(record_content(uow, entry.participant, entity, entity_id))
    if expected != version:
        what = "RECIST baseline" if entity == BASELINES else "RECIST follow-up"
        raise PreconditionFailed(
            f"the {what} has changed since it was read; reload it and correct again",
            location="If-Match",
            detail={"current": version},
        )


def _check_day(entry: Entry, day: date, recorded_on: date) -> None:
    """The (corrected) assessment day: checked like an entry's when it changes, and against the
    withdrawals always (a withdrawal dated on or before the day forbids the data)."""
    if day != recorded_on:
        entry.check_day(day, "assessed_on")
    require_collectable(
        entry.facts,
        Collectable.VISIT_ASSESSMENTS,
        day,
        "assessed_on",
        stops=entry.protocol.consent.withdrawal_stops,
    )


# -- storage of corrected rows ----------------------------------------------------------------


# -- re-evaluation ----------------------------------------------------------------------------


def _apply_series(
    uow: ResearchUnitOfWork,
    entry: Entry,
    series: RecistSeries,
    ids_by_day: Mapping[date, int],
    *,
    corrected_follow_up: int | None,
    cause: str,
) -> tuple[list[int], list[VoidedSignatures], list[EventChange]]:
    """Store every time point's evaluation, void the signatures of the other follow-ups whose
    evaluation changed, and bring the ``recist`` progression events in line with the series."""
    re_evaluated: list[int] = []
    voided: list[VoidedSignatures] = []
    for point in series.time_points:
        follow_up_id = ids_by_day[point.assessed_on]
        changed = uow.tumours.store_evaluation(follow_up_id, _evaluation(point))
        if changed and follow_up_id != corrected_follow_up:
            re_evaluated.append(follow_up_id)
            why = f"re-evaluated after {cause}"
            count = void_signatures(uow, FOLLOW_UPS, follow_up_id, why)
            if count:
                voided.append(VoidedSignatures(FOLLOW_UPS, follow_up_id, count, why))
    changes: list[EventChange] = []
    firsts = {
        "local_progression": series.first_local_progression_on,
        "distant_progression": series.first_distant_progression_on,
    }
    existing = {e.kind: e for e in uow.outcomes.events(entry.participant)}
    for kind in _PROGRESSIONS:
        first = firsts[kind]
        event = existing.get(kind)
        if event is None:
            if first is not None:
                uow.outcomes.add_event(
                    entry.participant,
                    entry.version,
                    kind=kind,
                    event_on=first,
                    method="recist",
                    tumour_follow_up_id=ids_by_day[first],
                )
                changes.append(EventChange(kind, "recorded", None, first))
        elif event.method != "recist":
            continue  # entered by hand (imaging, clinical, pathology): the investigator's
        elif first is None:
            uow.outcomes.remove_event(event.id)
            changes.append(EventChange(kind, "removed", event.event_on, None))
        elif (event.event_on, event.tumour_follow_up_id) != (first, ids_by_day[first]):
            uow.outcomes.move_event(event.id, event_on=first, follow_up_id=ids_by_day[first])
            changes.append(EventChange(kind, "moved", event.event_on, first))
    return re_evaluated, voided, changes


def _result(
    uow: ResearchUnitOfWork,
    entry: Entry,
    entity: RecistEntity,
    entity_id: int,
    re_evaluated: Sequence[int],
    changes: Sequence[EventChange],
    voided: Sequence[VoidedSignatures],
) -> RecistCorrection:
    baseline = uow.tumours.baseline(entry.participant)
    assert baseline is not None
    return RecistCorrection(
        entity=entity,
        entity_id=entity_id,
        version=content_sha256(record_content(uow, entry.participant, entity, entity_id)),
        baseline=baseline,
        follow_ups=tuple(uow.tumours.follow_ups(entry.participant)),
        re_evaluated=tuple(re_evaluated),
        events=tuple(e for e in uow.outcomes.events(entry.participant) if e.kind in _PROGRESSIONS),
        event_changes=tuple(changes),
        voided=tuple(voided),
    )


def _void_edited(
    uow: ResearchUnitOfWork, entity: RecistEntity, entity_id: int, why: str
) -> list[VoidedSignatures]:
    reason = f"record edited: {why}"
    count = void_signatures(uow, entity, entity_id, reason)
    return [VoidedSignatures(entity, entity_id, count, reason)] if count else []


# -- corrections ------------------------------------------------------------------------------


def _same_lesions(new: Sequence[LesionRecord], stored: Sequence[LesionRecord]) -> bool:
    return {lesion.lesion_id: lesion for lesion in new} == {
        lesion.lesion_id: lesion for lesion in stored
    }


def _keep_evaluable(
    current: Baseline, corrected: Baseline, follow_ups: Sequence[TumourFollowUpRecord]
) -> None:
    """Refuse a baseline correction that would leave the recorded follow-ups unevaluable."""
    if not follow_ups:
        return
    recorded = ", ".join(f"{f.id} ({f.assessed_on.isoformat()})" for f in follow_ups)
    detail = {"reason": "follow_ups_recorded", "follow_ups": [f.id for f in follow_ups]}
    before = sorted(t.lesion_id for t in current.targets)
    after = sorted(t.lesion_id for t in corrected.targets)
    if before != after:
        raise Conflict(
            f"follow-ups {recorded} measure the target lesions {', '.join(before) or 'none'}: "
            "a correction of the baseline may change their sizes, organs, methods and flags, "
            "not which lesions are targets",
            location="target_lesions",
            detail={**detail, "targets": before},
        )
    if bool(current.non_targets) != bool(corrected.non_targets):
        had = "has" if current.non_targets else "has no"
        raise Conflict(
            f"the baseline {had} non-target lesions and follow-ups {recorded} were assessed "
            "accordingly: a correction may change the non-target lesions, not remove all of "
            "them or add the first",
            location="non_target_lesions",
            detail=detail,
        )


def correct_recist_baseline(
    db: Database,
    *,
    actor: str,
    study_id: str,
    baseline_id: int,
    reason: str,
    expected_version: str | None,
    assessed_on: date | None = None,
    targets: Sequence[TargetLesion] | None = None,
    non_targets: Sequence[NonTargetLesion] | None = None,
) -> RecistCorrection:
    """Correct the baseline's date or its lesions (each list, when given, replaces the stored
    one) and re-evaluate every follow-up recorded against it.

    Refused with nothing written: no reason (``reason``); no expected version
    (:class:`PreconditionRequired`) or a stale one (:class:`PreconditionFailed`); a corrected
    baseline the core refuses under the baseline's stored rules (located, e.g.
    ``target_lesions[T2].baseline_mm``); a date the entry checks or a withdrawal refuse, or not
    before every follow-up (``assessed_on``); a correction that changes nothing (``body``);
    with follow-ups recorded, another set of target lesions or the non-target lesions all
    removed or first added (:class:`Conflict`).
    """
    why = _reason(reason)
    expected = _require_version(expected_version)

    def work(uow: ResearchUnitOfWork) -> RecistCorrection:
        entry = open_entry(uow, actor, study_id, "correct tumour assessments")
        stored = _baseline(uow, entry.participant, baseline_id)
        _check_version(uow, entry, BASELINES, baseline_id, expected)
        current = baseline_of(stored)
        corrected = Baseline(
            assessed_on if assessed_on is not None else stored.assessed_on,
            tuple(targets) if targets is not None else current.targets,
            tuple(non_targets) if non_targets is not None else current.non_targets,
            current.rules,
        )
        lesions = _lesions(corrected)
        if corrected.assessed_on == stored.assessed_on and _same_lesions(lesions, stored.lesions):
            raise InvalidInput("the correction changes nothing", location="body")
        _check_day(entry, corrected.assessed_on, stored.assessed_on)
        follow_ups = uow.tumours.follow_ups(entry.participant)
        _keep_evaluable(current, corrected, follow_ups)
        series = evaluate_series(corrected, [follow_up_of(f) for f in follow_ups])
        uow.tumours.correct_baseline(
            baseline_id,
            assessed_on=corrected.assessed_on,
            sum_mm=corrected.sum_mm,
            lesions=lesions,
        )
        voided = _void_edited(uow, BASELINES, baseline_id, why)
        re_evaluated, more, changes = _apply_series(
            uow,
            entry,
            series,
            {f.assessed_on: f.id for f in follow_ups},
            corrected_follow_up=None,
            cause=f"a correction of the RECIST baseline {baseline_id}: {why}",
        )
        return _result(uow, entry, BASELINES, baseline_id, re_evaluated, changes, voided + more)

    return db.run(work, actor=actor, reason=why)


def correct_recist_follow_up(
    db: Database,
    *,
    actor: str,
    study_id: str,
    follow_up_id: int,
    reason: str,
    expected_version: str | None,
    assessed_on: date | None = None,
    sizes: Mapping[str, float | None] | None = None,
    non_target: str | None = None,
    new_lesions: bool | None = None,
) -> RecistCorrection:
    """Correct a follow-up's date, target sizes (``sizes`` replaces the sizes of the lesions it
    names; 0 gone, None not evaluated), non-target status or new-lesion finding, and re-evaluate
    the series: this follow-up and every other whose nadir or order it changes.

    Refused with nothing written, as :func:`correct_recist_baseline`; the core locates an
    unknown or negative size (``diameters_mm[<id>]``), a status it refuses (``non_target``), a
    date on or before the baseline or on another assessment's day (``assessed_on``).
    """
    why = _reason(reason)
    expected = _require_version(expected_version)

    def work(uow: ResearchUnitOfWork) -> RecistCorrection:
        entry = open_entry(uow, actor, study_id, "correct tumour assessments")
        follow_ups = uow.tumours.follow_ups(entry.participant)
        current = _follow_up(follow_ups, study_id, follow_up_id)
        _check_version(uow, entry, FOLLOW_UPS, follow_up_id, expected)
        stored_baseline = uow.tumours.baseline(entry.participant)
        assert stored_baseline is not None  # a follow-up needs one
        status_in: Any = non_target if non_target is not None else current.non_target
        corrected = FollowUp(
            assessed_on if assessed_on is not None else current.assessed_on,
            {**current.measurements, **(sizes or {})},
            status_in,  # validated (NonTargetStatus) on construction
            new_lesions if new_lesions is not None else current.new_lesions,
        )
        status = None if corrected.non_target is None else corrected.non_target.value
        if (
            corrected.assessed_on == current.assessed_on
            and dict(corrected.diameters_mm) == dict(current.measurements)
            and status == current.non_target
            and corrected.new_lesions == current.new_lesions
        ):
            raise InvalidInput("the correction changes nothing", location="body")
        _check_day(entry, corrected.assessed_on, current.assessed_on)
        others = [f for f in follow_ups if f.id != follow_up_id]
        series = evaluate_series(
            baseline_of(stored_baseline), [*(follow_up_of(f) for f in others), corrected]
        )
        uow.tumours.correct_follow_up(
            follow_up_id,
            assessed_on=corrected.assessed_on,
            measurements=dict(corrected.diameters_mm),
            non_target=status,
            new_lesions=corrected.new_lesions,
        )
        voided = _void_edited(uow, FOLLOW_UPS, follow_up_id, why)
        ids_by_day = {f.assessed_on: f.id for f in others}
        ids_by_day[corrected.assessed_on] = follow_up_id
        re_evaluated, more, changes = _apply_series(
            uow,
            entry,
            series,
            ids_by_day,
            corrected_follow_up=follow_up_id,
            cause=f"a correction of the RECIST follow-up {follow_up_id}: {why}",
        )
        return _result(uow, entry, FOLLOW_UPS, follow_up_id, re_evaluated, changes, voided + more)

    return db.run(work, actor=actor, reason=why)

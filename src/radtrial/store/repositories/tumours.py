"""RECIST tumour assessments: baselines with their lesions, follow-ups with their measurements
and the evaluation computed when each was recorded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from radtrial.errors import NotFound
from radtrial.store.outcome_records import (
    LesionRecord,
    TumourBaselineRecord,
    TumourFollowUpRecord,
)
from radtrial.store.records import ParticipantRecord, ProtocolVersionRecord
from radtrial.store.tables import (
    TumourBaselineRow,
    TumourFollowUpRow,
    TumourLesionRow,
    TumourMeasurementRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["TumourRepository"]

#: The evaluation columns of a follow-up, as computed by the RECIST core.
EVALUATION_FIELDS = (
    "sum_mm",
    "nadir_mm",
    "change_from_baseline_percent",
    "change_from_nadir_mm",
    "target_response",
    "overall_response",
    "local_progression",
    "distant_progression",
    "index_mm",
    "index_nadir_mm",
)


class TumourRepository:
    """A participant's RECIST baseline and follow-ups."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def add_baseline(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        visit_id: str | None,
        assessed_on: date,
        recist_version: str,
        rules: Mapping[str, Any],
        sum_mm: float,
        lesions: Sequence[LesionRecord],
    ) -> TumourBaselineRecord:
        """Store the baseline and its lesions (one baseline per participant: else Conflict)."""
        session = self._uow.session
        row = TumourBaselineRow(
            participant_id=participant.id,
            protocol_version_id=version.id,
            protocol_hash=version.content_hash,
            visit_id=visit_id,
            assessed_on=assessed_on,
            recist_version=recist_version,
            rules=dict(rules),
            sum_mm=sum_mm,
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        session.add(row)
        session.flush()
        for lesion in lesions:
            session.add(
                TumourLesionRow(
                    baseline_id=row.id,
                    lesion_id=lesion.lesion_id,
                    role=lesion.role,
                    organ=lesion.organ,
                    nodal=lesion.nodal,
                    modality=lesion.modality,
                    slice_thickness_mm=lesion.slice_thickness_mm,
                    baseline_mm=lesion.baseline_mm,
                    irradiated_index=lesion.irradiated_index,
                    previously_irradiated=lesion.previously_irradiated,
                    progressed_after_irradiation=lesion.progressed_after_irradiation,
                )
            )
        session.flush()
        return _baseline(row, participant.study_id, tuple(lesions))

    def baseline(self, participant: ParticipantRecord) -> TumourBaselineRecord | None:
        """The participant's baseline with its lesions, None if none is recorded."""
        session = self._uow.session
        row = session.scalars(
            select(TumourBaselineRow).where(TumourBaselineRow.participant_id == participant.id)
        ).first()
        if row is None:
            return None
        lesions = tuple(
            LesionRecord(
                lesion_id=lesion.lesion_id,
                role=lesion.role,
                organ=lesion.organ,
                nodal=lesion.nodal,
                modality=lesion.modality,
                slice_thickness_mm=lesion.slice_thickness_mm,
                baseline_mm=lesion.baseline_mm,
                irradiated_index=lesion.irradiated_index,
                previously_irradiated=lesion.previously_irradiated,
                progressed_after_irradiation=lesion.progressed_after_irradiation,
            )
            for lesion in session.scalars(
                select(TumourLesionRow)
                .where(TumourLesionRow.baseline_id == row.id)
                .order_by(TumourLesionRow.id)
            )
        )
        return _baseline(row, participant.study_id, lesions)

    def add_follow_up(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        baseline: TumourBaselineRecord,
        *,
        visit_id: str | None,
        assessed_on: date,
        measurements: Mapping[str, float | None],
        non_target: str | None,
        new_lesions: bool,
        evaluation: Mapping[str, Any],
    ) -> TumourFollowUpRecord:
        """Store a follow-up, its measurements and its evaluation (the
        :data:`EVALUATION_FIELDS`); one per participant and day, else Conflict."""
        session = self._uow.session
        row = TumourFollowUpRow(
            participant_id=participant.id,
            baseline_id=baseline.id,
            protocol_version_id=version.id,
            protocol_hash=version.content_hash,
            visit_id=visit_id,
            assessed_on=assessed_on,
            non_target=non_target,
            new_lesions=new_lesions,
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
            **{name: evaluation[name] for name in EVALUATION_FIELDS},
        )
        session.add(row)
        session.flush()
        for lesion_id, size in measurements.items():
            session.add(
                TumourMeasurementRow(follow_up_id=row.id, lesion_id=lesion_id, diameter_mm=size)
            )
        session.flush()
        return _follow_up(row, participant.study_id, dict(measurements))

    def follow_ups(self, participant: ParticipantRecord) -> list[TumourFollowUpRecord]:
        """The participant's follow-ups by date, with their measurements."""
        session = self._uow.session
        rows = list(
            session.scalars(
                select(TumourFollowUpRow)
                .where(TumourFollowUpRow.participant_id == participant.id)
                .order_by(TumourFollowUpRow.assessed_on)
            )
        )
        sizes: dict[int, dict[str, float | None]] = {row.id: {} for row in rows}
        if rows:
            for m in session.scalars(
                select(TumourMeasurementRow)
                .where(TumourMeasurementRow.follow_up_id.in_(list(sizes)))
                .order_by(TumourMeasurementRow.id)
            ):
                sizes[m.follow_up_id][m.lesion_id] = m.diameter_mm
        return [_follow_up(row, participant.study_id, sizes[row.id]) for row in rows]

    # -- corrections (each changed column audited by the session's flush hooks) -------------

    def correct_baseline(
        self, baseline_id: int, *, assessed_on: date, sum_mm: float, lesions: Sequence[LesionRecord]
    ) -> None:
        """Give the baseline its corrected date, sum and lesion rows (rows not in ``lesions``
        are deleted, new ones added)."""
        session = self._uow.session
        row = session.get(TumourBaselineRow, baseline_id)
        if row is None:
            raise NotFound(f"no RECIST baseline {baseline_id}", location="baseline_id")
        _set(row, {"assessed_on": assessed_on, "sum_mm": sum_mm})
        stored = {
            r.lesion_id: r
            for r in session.scalars(
                select(TumourLesionRow).where(TumourLesionRow.baseline_id == baseline_id)
            )
        }
        for lesion in lesions:
            values = {
                "role": lesion.role,
                "organ": lesion.organ,
                "nodal": lesion.nodal,
                "modality": lesion.modality,
                "slice_thickness_mm": lesion.slice_thickness_mm,
                "baseline_mm": lesion.baseline_mm,
                "irradiated_index": lesion.irradiated_index,
                "previously_irradiated": lesion.previously_irradiated,
                "progressed_after_irradiation": lesion.progressed_after_irradiation,
            }
            existing = stored.pop(lesion.lesion_id, None)
            if existing is None:
                session.add(
                    TumourLesionRow(baseline_id=baseline_id, lesion_id=lesion.lesion_id, **values)
                )
            else:
                _set(existing, values)
        for gone in stored.values():
            session.delete(gone)
        session.flush()

    def correct_follow_up(
        self,
        follow_up_id: int,
        *,
        assessed_on: date,
        measurements: Mapping[str, float | None],
        non_target: str | None,
        new_lesions: bool,
    ) -> None:
        """Give the follow-up its corrected date, findings and measurement rows."""
        session = self._uow.session
        row = self._follow_up_row(follow_up_id)
        _set(
            row, {"assessed_on": assessed_on, "non_target": non_target, "new_lesions": new_lesions}
        )
        stored = {
            m.lesion_id: m
            for m in session.scalars(
                select(TumourMeasurementRow).where(
                    TumourMeasurementRow.follow_up_id == follow_up_id
                )
            )
        }
        for lesion_id, size in measurements.items():
            existing = stored.pop(lesion_id, None)
            if existing is None:
                session.add(
                    TumourMeasurementRow(
                        follow_up_id=follow_up_id, lesion_id=lesion_id, diameter_mm=size
                    )
                )
            else:
                _set(existing, {"diameter_mm": size})
        for gone in stored.values():
            session.delete(gone)
        session.flush()

    def store_evaluation(self, follow_up_id: int, evaluation: Mapping[str, Any]) -> bool:
        """Store the follow-up's evaluation (:data:`EVALUATION_FIELDS`); whether any value
        changed."""
        unknown = set(evaluation) - set(EVALUATION_FIELDS)
        if unknown:
            raise ValueError(f"not evaluation fields: {sorted(unknown)}")
        changed = _set(self._follow_up_row(follow_up_id), evaluation)
        self._uow.session.flush()
        return changed

    def _follow_up_row(self, follow_up_id: int) -> TumourFollowUpRow:
        row = self._uow.session.get(TumourFollowUpRow, follow_up_id)
        if row is None:
            raise NotFound(f"no RECIST follow-up {follow_up_id}", location="follow_up_id")
        return row


def _set(row: object, values: Mapping[str, Any]) -> bool:
    """Set the columns of ``row`` that differ from ``values``; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _baseline(
    row: TumourBaselineRow, study_id: str, lesions: tuple[LesionRecord, ...]
) -> TumourBaselineRecord:
    return TumourBaselineRecord(
        id=row.id,
        study_id=study_id,
        visit_id=row.visit_id,
        assessed_on=row.assessed_on,
        recist_version=row.recist_version,
        rules=dict(row.rules),
        sum_mm=row.sum_mm,
        lesions=lesions,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _follow_up(
    row: TumourFollowUpRow, study_id: str, measurements: dict[str, float | None]
) -> TumourFollowUpRecord:
    return TumourFollowUpRecord(
        id=row.id,
        study_id=study_id,
        visit_id=row.visit_id,
        assessed_on=row.assessed_on,
        measurements=measurements,
        non_target=row.non_target,
        new_lesions=row.new_lesions,
        sum_mm=row.sum_mm,
        nadir_mm=row.nadir_mm,
        change_from_baseline_percent=row.change_from_baseline_percent,
        change_from_nadir_mm=row.change_from_nadir_mm,
        target_response=row.target_response,
        overall_response=row.overall_response,
        local_progression=row.local_progression,
        distant_progression=row.distant_progression,
        index_mm=row.index_mm,
        index_nadir_mm=row.index_nadir_mm,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )

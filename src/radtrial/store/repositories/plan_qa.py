"""Plan-QA evaluations of participants' RT plans: the evaluation, one row per constraint, and
the HTML report (tables of r0008). Rows are only ever added: a plan checked again is a new
evaluation, so the history of checks is the table itself (and the audit trail)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from radtrial.errors import NotFound
from radtrial.store.records import (
    ParticipantRecord,
    PlanQaEvaluationRecord,
    PlanQaResultRecord,
    ProtocolVersionRecord,
)
from radtrial.store.tables import (
    ParticipantRow,
    PlanQaEvaluationRow,
    PlanQaReportRow,
    PlanQaResultRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["NewPlanQaEvaluation", "PlanQaRepository"]


@dataclass(frozen=True)
class NewPlanQaEvaluation:
    """What an evaluation stores besides who, when, the participant and the protocol."""

    mode: str
    verdict: str
    dose_unit: str
    dose_factor: float
    plan_label: str
    radiation_types: tuple[str, ...]
    fractions_planned: int | None
    rtplan_sha256: str
    rtstruct_sha256: str
    rtdose_sha256: tuple[str, ...]
    structure_site: str | None
    unmapped_names: tuple[str, ...]
    notes: tuple[str, ...]
    results: tuple[PlanQaResultRecord, ...]


class PlanQaRepository:
    """A participant's plan-QA evaluations, their constraint rows and reports."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def add(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        evaluation: NewPlanQaEvaluation,
    ) -> PlanQaEvaluationRecord:
        """Store an evaluation with its constraint rows, by the unit of work's actor, now."""
        session = self._uow.session
        row = PlanQaEvaluationRow(
            participant_id=participant.id,
            protocol_version_id=version.id,
            protocol_hash=version.content_hash,
            mode=evaluation.mode,
            verdict=evaluation.verdict,
            dose_unit=evaluation.dose_unit,
            dose_factor=evaluation.dose_factor,
            plan_label=evaluation.plan_label,
            radiation_types=list(evaluation.radiation_types),
            fractions_planned=evaluation.fractions_planned,
            rtplan_sha256=evaluation.rtplan_sha256,
            rtstruct_sha256=evaluation.rtstruct_sha256,
            rtdose_sha256=list(evaluation.rtdose_sha256),
            structure_site=evaluation.structure_site,
            unmapped_names=list(evaluation.unmapped_names),
            notes=list(evaluation.notes),
            evaluated_at=self._uow.now(),
            evaluated_by=self._uow.actor,
        )
        session.add(row)
        session.flush()
        for position, result in enumerate(evaluation.results, start=1):
            session.add(
                PlanQaResultRow(
                    evaluation_id=row.id,
                    position=position,
                    constraint_id=result.constraint_id,
                    structure=result.structure,
                    local_name=result.local_name,
                    metric=result.metric,
                    comparison=result.comparison,
                    limit_value=result.limit,
                    minor_limit=result.minor_limit,
                    unit=result.unit,
                    value=result.value,
                    grade=result.grade,
                    required=result.required,
                    note=result.note,
                )
            )
        session.flush()
        return _record(row, participant, evaluation.results)

    def add_report(self, evaluation_id: int, html: str) -> str:
        """Store an evaluation's HTML report (one per evaluation); returns its SHA-256."""
        digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
        self._uow.session.add(
            PlanQaReportRow(evaluation_id=evaluation_id, html=html, sha256=digest)
        )
        self._uow.session.flush()
        return digest

    def of_participant(self, participant: ParticipantRecord) -> list[PlanQaEvaluationRecord]:
        """The participant's evaluations, oldest first, each with its constraint rows."""
        rows = self._uow.session.scalars(
            select(PlanQaEvaluationRow)
            .where(PlanQaEvaluationRow.participant_id == participant.id)
            .order_by(PlanQaEvaluationRow.evaluated_at, PlanQaEvaluationRow.id)
        ).all()
        results = self._results([row.id for row in rows])
        return [_record(row, participant, results.get(row.id, ())) for row in rows]

    def participant_of(self, evaluation_id: int) -> str:
        """The study id of the participant an evaluation belongs to; :class:`NotFound`."""
        study_id = self._uow.session.scalars(
            select(ParticipantRow.study_id)
            .join(PlanQaEvaluationRow, PlanQaEvaluationRow.participant_id == ParticipantRow.id)
            .where(PlanQaEvaluationRow.id == evaluation_id)
        ).first()
        if study_id is None:
            raise NotFound(f"no plan QA evaluation {evaluation_id}", location="evaluation_id")
        return study_id

    def get(self, participant: ParticipantRecord, evaluation_id: int) -> PlanQaEvaluationRecord:
        """One of the participant's evaluations; :class:`NotFound` for another's or none."""
        row = self._uow.session.get(PlanQaEvaluationRow, evaluation_id)
        if row is None or row.participant_id != participant.id:
            raise NotFound(f"no plan QA evaluation {evaluation_id}", location="evaluation_id")
        return _record(row, participant, self._results([row.id]).get(row.id, ()))

    def report(self, evaluation_id: int) -> str:
        """The evaluation's HTML report; :class:`NotFound`."""
        html = self._uow.session.scalars(
            select(PlanQaReportRow.html).where(PlanQaReportRow.evaluation_id == evaluation_id)
        ).first()
        if html is None:
            raise NotFound(f"no report for plan QA evaluation {evaluation_id}", location="report")
        return html

    def _results(self, ids: Sequence[int]) -> dict[int, tuple[PlanQaResultRecord, ...]]:
        if not ids:
            return {}
        rows = self._uow.session.scalars(
            select(PlanQaResultRow)
            .where(PlanQaResultRow.evaluation_id.in_(ids))
            .order_by(PlanQaResultRow.evaluation_id, PlanQaResultRow.position)
        ).all()
        out: dict[int, list[PlanQaResultRecord]] = {}
        for row in rows:
            out.setdefault(row.evaluation_id, []).append(
                PlanQaResultRecord(
                    constraint_id=row.constraint_id,
                    structure=row.structure,
                    local_name=row.local_name,
                    metric=row.metric,
                    comparison=row.comparison,
                    limit=row.limit_value,
                    minor_limit=row.minor_limit,
                    unit=row.unit,
                    value=row.value,
                    grade=row.grade,
                    required=row.required,
                    note=row.note,
                )
            )
        return {key: tuple(value) for key, value in out.items()}


def _record(
    row: PlanQaEvaluationRow,
    participant: ParticipantRecord,
    results: Sequence[PlanQaResultRecord],
) -> PlanQaEvaluationRecord:
    return PlanQaEvaluationRecord(
        id=row.id,
        study_id=participant.study_id,
        trial_slug=participant.trial_slug,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        mode=row.mode,
        verdict=row.verdict,
        dose_unit=row.dose_unit,
        dose_factor=row.dose_factor,
        plan_label=row.plan_label,
        radiation_types=tuple(row.radiation_types),
        fractions_planned=row.fractions_planned,
        rtplan_sha256=row.rtplan_sha256,
        rtstruct_sha256=row.rtstruct_sha256,
        rtdose_sha256=tuple(row.rtdose_sha256),
        structure_site=row.structure_site,
        unmapped_names=tuple(row.unmapped_names),
        notes=tuple(row.notes),
        evaluated_at=row.evaluated_at,
        evaluated_by=row.evaluated_by,
        results=tuple(results),
    )

"""Radiotherapy courses: the plan, the fractions and their doses, missed fractions, deviations,
and the days sites are closed.

Changes go through the ORM session, so the unit of work audits them; a change to a stored row
needs the unit of work's reason. What a course depends on elsewhere is read through the other
repositories (the participant's protocol version, withdrawals, optional-fraction decisions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from radtrial.errors import Conflict, NotFound
from radtrial.store.records import (
    CourseRecord,
    DeviationRecord,
    FractionDoseRecord,
    FractionRecord,
    MissedFractionRecord,
    ParticipantRecord,
    SiteClosureRecord,
)
from radtrial.store.tables import (
    CourseRow,
    DeviationRow,
    FractionDoseRow,
    FractionRow,
    MissedFractionRow,
    ParticipantRow,
    SiteClosureRow,
    SiteRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["CourseRepository", "DeliveredDose", "NewDeviation"]


@dataclass(frozen=True, slots=True)
class DeliveredDose:
    """The dose a delivered fraction gave one dose level."""

    dose_level: str
    dose_gy: float
    physical_dose_gy: float
    rbe_model: str | None


@dataclass(frozen=True, slots=True)
class NewDeviation:
    """A deviation to store, as found by the protocol's rules."""

    key: str
    code: str
    severity: str
    message: str
    detail: dict[str, Any]
    fraction: int | None
    dose_level: str | None


class CourseRepository:
    """One course per participant, with its fractions, misses and deviations."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # -- the course ----------------------------------------------------------------------------

    def _site(self, code: str) -> SiteRow:
        row = self._uow.session.scalars(select(SiteRow).where(SiteRow.code == code)).first()
        if row is None:
            raise NotFound(f"no site {code!r}", location="site")
        return row

    def _site_code(self, site_id: int | None) -> str | None:
        if site_id is None:
            return None
        row = self._uow.session.get(SiteRow, site_id)
        assert row is not None  # a foreign key
        return row.code

    def _course_record(self, row: CourseRow, participant: ParticipantRecord) -> CourseRecord:
        site_code = self._site_code(row.site_id)
        assert site_code is not None
        return CourseRecord(
            id=row.id,
            study_id=participant.study_id,
            trial_slug=participant.trial_slug,
            arm_code=row.arm_code,
            protocol_version_id=row.protocol_version_id,
            protocol_hash=row.protocol_hash,
            prescription=dict(row.prescription),
            site_code=site_code,
            timezone=row.timezone,
            start_date=row.start_date,
            planned_at=row.planned_at,
            planned_by=row.planned_by,
        )

    def get(self, participant: ParticipantRecord) -> CourseRecord | None:
        """The participant's course, None before it is planned."""
        row = self._uow.session.scalars(
            select(CourseRow).where(CourseRow.participant_id == participant.id)
        ).first()
        return None if row is None else self._course_record(row, participant)

    def add(
        self,
        *,
        participant: ParticipantRecord,
        protocol_version_id: int,
        protocol_hash: str,
        arm_code: str,
        prescription: Mapping[str, Any],
        site_code: str,
        timezone: str,
        start_date: date,
    ) -> CourseRecord:
        """Store the participant's course; :class:`Conflict` if one is already planned."""
        if self.get(participant) is not None:
            raise Conflict(
                f"participant {participant.study_id!r} already has a planned course",
                location="study_id",
            )
        row = CourseRow(
            participant_id=participant.id,
            protocol_version_id=protocol_version_id,
            protocol_hash=protocol_hash,
            arm_code=arm_code,
            prescription=dict(prescription),
            site_id=self._site(site_code).id,
            timezone=timezone,
            start_date=start_date,
            planned_at=self._uow.now(),
            planned_by=self._uow.actor,
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return self._course_record(row, participant)

    def set_start_date(self, course_id: int, start_date: date) -> None:
        """Change the course's start date (an update: needs the unit of work's reason)."""
        row = self._uow.session.get(CourseRow, course_id)
        assert row is not None
        if row.start_date != start_date:
            row.start_date = start_date
            row.planned_at = self._uow.now()
            row.planned_by = self._uow.actor
            self._uow.session.flush()

    # -- fractions -----------------------------------------------------------------------------

    def fractions(self, course_id: int) -> list[FractionRecord]:
        """The course's fractions by number, each with its doses by dose level."""
        session = self._uow.session
        rows = list(
            session.scalars(
                select(FractionRow)
                .where(FractionRow.course_id == course_id)
                .order_by(FractionRow.number)
            )
        )
        doses: dict[int, list[FractionDoseRecord]] = {row.id: [] for row in rows}
        if rows:
            for dose in session.scalars(
                select(FractionDoseRow)
                .where(FractionDoseRow.fraction_id.in_(list(doses)))
                .order_by(FractionDoseRow.fraction_id, FractionDoseRow.id)
            ):
                doses[dose.fraction_id].append(
                    FractionDoseRecord(
                        dose_level=dose.dose_level,
                        planned_dose_gy=dose.planned_dose_gy,
                        dose_gy=dose.dose_gy,
                        physical_dose_gy=dose.physical_dose_gy,
                        rbe_model=dose.rbe_model,
                    )
                )
        codes = {
            site.id: site.code
            for site in session.scalars(
                select(SiteRow).where(
                    SiteRow.id.in_({row.site_id for row in rows if row.site_id is not None})
                )
            )
        }
        return [
            FractionRecord(
                id=row.id,
                number=row.number,
                status=row.status,
                planned_date=row.planned_date,
                delivered_at=row.delivered_at,
                site_code=None if row.site_id is None else codes[row.site_id],
                machine=row.machine,
                optional_fraction=row.optional_fraction,
                reason=row.reason,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                doses=tuple(doses[row.id]),
            )
            for row in rows
        ]

    def add_fraction(
        self,
        course_id: int,
        *,
        number: int,
        planned_date: date,
        planned_doses: Mapping[str, float],
        optional_fraction: str | None = None,
    ) -> None:
        """Plan fraction ``number`` on ``planned_date`` with a planned dose per dose level."""
        session = self._uow.session
        row = FractionRow(
            course_id=course_id,
            number=number,
            status="planned",
            planned_date=planned_date,
            optional_fraction=optional_fraction,
            recorded_at=self._uow.now(),
            recorded_by=self._uow.actor,
        )
        session.add(row)
        session.flush()
        for level, dose in planned_doses.items():
            session.add(FractionDoseRow(fraction_id=row.id, dose_level=level, planned_dose_gy=dose))
        session.flush()

    def _fraction(self, fraction_id: int) -> FractionRow:
        row = self._uow.session.get(FractionRow, fraction_id)
        if row is None:
            raise NotFound(f"no fraction {fraction_id}", location="fraction")
        return row

    def _doses(self, fraction_id: int) -> dict[str, FractionDoseRow]:
        return {
            row.dose_level: row
            for row in self._uow.session.scalars(
                select(FractionDoseRow).where(FractionDoseRow.fraction_id == fraction_id)
            )
        }

    def _touch(self, row: FractionRow) -> None:
        row.recorded_at = self._uow.now()
        row.recorded_by = self._uow.actor

    def set_planned_date(self, fraction_id: int, planned_date: date) -> None:
        """Move a planned fraction to another day (an update: needs a reason)."""
        row = self._fraction(fraction_id)
        if row.planned_date != planned_date:
            row.planned_date = planned_date
            self._touch(row)
            self._uow.session.flush()

    def set_planned_doses(self, fraction_id: int, doses: Mapping[str, float]) -> None:
        """Change a planned fraction's planned dose per dose level (an update: needs a reason)."""
        rows = self._doses(fraction_id)
        for level, dose in doses.items():
            if level not in rows:
                raise NotFound(f"fraction has no dose level {level!r}", location="dose_level")
            if rows[level].planned_dose_gy != dose:
                rows[level].planned_dose_gy = dose
        self._uow.session.flush()

    def deliver(
        self,
        fraction_id: int,
        *,
        delivered_at: datetime,
        site_code: str,
        machine: str,
        optional_fraction: str | None,
        doses: Sequence[DeliveredDose],
    ) -> None:
        """Record a planned fraction as delivered, with its dose to every dose level."""
        row = self._fraction(fraction_id)
        if row.status != "planned":
            raise Conflict(f"fraction {row.number} is {row.status}", location="fraction")
        row.status = "delivered"
        row.delivered_at = delivered_at
        row.site_id = self._site(site_code).id
        row.machine = machine
        if optional_fraction is not None:
            row.optional_fraction = optional_fraction
        self._touch(row)
        existing = self._doses(fraction_id)
        for dose in doses:
            dose_row = existing.get(dose.dose_level)
            if dose_row is None:
                dose_row = FractionDoseRow(
                    fraction_id=fraction_id, dose_level=dose.dose_level, planned_dose_gy=0.0
                )
                self._uow.session.add(dose_row)
            dose_row.dose_gy = dose.dose_gy
            dose_row.physical_dose_gy = dose.physical_dose_gy
            dose_row.rbe_model = dose.rbe_model
        self._uow.session.flush()

    def cancel(self, fraction_id: int, reason: str) -> None:
        """Record that a planned fraction will not be given, and why."""
        row = self._fraction(fraction_id)
        if row.status != "planned":
            raise Conflict(f"fraction {row.number} is {row.status}", location="fraction")
        row.status = "cancelled"
        row.reason = reason
        self._touch(row)
        self._uow.session.flush()

    # -- missed fractions ----------------------------------------------------------------------

    def missed(self, course_id: int) -> list[MissedFractionRecord]:
        """The course's missed fractions, in the order recorded."""
        rows = self._uow.session.scalars(
            select(MissedFractionRow)
            .where(MissedFractionRow.course_id == course_id)
            .order_by(MissedFractionRow.id)
        )
        return [
            MissedFractionRecord(
                id=row.id,
                number=row.number,
                planned_date=row.planned_date,
                reason=row.reason,
                rescheduled_to=row.rescheduled_to,
                recorded_at=row.recorded_at,
                recorded_by=row.recorded_by,
                compensation=row.compensation,
                compensated_at=row.compensated_at,
                compensated_by=row.compensated_by,
            )
            for row in rows
        ]

    def add_missed(
        self,
        course_id: int,
        *,
        number: int,
        planned_date: date,
        reason: str,
        rescheduled_to: date | None,
    ) -> None:
        """Record that fraction ``number`` was not given on ``planned_date``."""
        self._uow.session.add(
            MissedFractionRow(
                course_id=course_id,
                number=number,
                planned_date=planned_date,
                reason=reason,
                rescheduled_to=rescheduled_to,
                recorded_at=self._uow.now(),
                recorded_by=self._uow.actor,
            )
        )
        self._uow.session.flush()

    def set_compensation(self, missed_id: int, kind: str) -> None:
        """Record the gap compensation accepted for a missed fraction (needs a reason)."""
        row = self._uow.session.get(MissedFractionRow, missed_id)
        if row is None:
            raise NotFound(f"no missed fraction {missed_id}", location="missed")
        row.compensation = kind
        row.compensated_at = self._uow.now()
        row.compensated_by = self._uow.actor
        self._uow.session.flush()

    # -- deviations ----------------------------------------------------------------------------

    def deviations(self, course_id: int) -> list[DeviationRecord]:
        """Every deviation stored for the course, in the order found."""
        rows = self._uow.session.scalars(
            select(DeviationRow)
            .where(DeviationRow.course_id == course_id)
            .order_by(DeviationRow.id)
        )
        return [_deviation_record(row) for row in rows]

    def add_deviation(
        self,
        course_id: int,
        deviation: NewDeviation,
        *,
        protocol_version_id: int,
        protocol_hash: str,
    ) -> DeviationRecord:
        """Store a deviation found now under the protocol version ``protocol_version_id``."""
        row = DeviationRow(
            course_id=course_id,
            key=deviation.key,
            code=deviation.code,
            severity=deviation.severity,
            message=deviation.message,
            detail=dict(deviation.detail),
            fraction=deviation.fraction,
            dose_level=deviation.dose_level,
            protocol_version_id=protocol_version_id,
            protocol_hash=protocol_hash,
            detected_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _deviation_record(row)

    def _deviation(self, course_id: int, deviation_id: int) -> DeviationRow:
        row = self._uow.session.get(DeviationRow, deviation_id)
        if row is None or row.course_id != course_id:
            raise NotFound(f"no deviation {deviation_id} in this course", location="deviation")
        return row

    def resolve_deviation(self, course_id: int, deviation_id: int) -> None:
        """Mark a deviation no longer found (an update: needs a reason)."""
        row = self._deviation(course_id, deviation_id)
        row.resolved_at = self._uow.now()
        self._uow.session.flush()

    def acknowledge_deviation(self, course_id: int, deviation_id: int) -> DeviationRecord:
        """Record that the acting user has seen a deviation (an update: needs a reason)."""
        row = self._deviation(course_id, deviation_id)
        if row.acknowledged_at is not None:
            raise Conflict(
                f"deviation {deviation_id} was acknowledged by {row.acknowledged_by}",
                location="deviation",
            )
        row.acknowledged_by = self._uow.actor
        row.acknowledged_at = self._uow.now()
        self._uow.session.flush()
        return _deviation_record(row)

    # -- site closures -------------------------------------------------------------------------

    def site_closures(self, site_code: str) -> list[SiteClosureRecord]:
        """The days site ``site_code`` is closed, by date."""
        site = self._site(site_code)
        rows = self._uow.session.scalars(
            select(SiteClosureRow)
            .where(SiteClosureRow.site_id == site.id)
            .order_by(SiteClosureRow.day)
        )
        return [_closure_record(row, site.code) for row in rows]

    def add_site_closure(self, site_code: str, day: date, reason: str) -> SiteClosureRecord:
        """Record that site ``site_code`` is closed on ``day``; :class:`Conflict` if it is."""
        site = self._site(site_code)
        exists = self._uow.session.scalars(
            select(SiteClosureRow.id).where(
                SiteClosureRow.site_id == site.id, SiteClosureRow.day == day
            )
        ).first()
        if exists is not None:
            raise Conflict(
                f"site {site_code} is already closed on {day.isoformat()}", location="day"
            )
        row = SiteClosureRow(
            site_id=site.id,
            day=day,
            reason=reason,
            recorded_at=self._uow.now(),
            recorded_by=self._uow.actor,
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _closure_record(row, site.code)

    def study_ids_planned_on(self, site_code: str, day: date) -> list[str]:
        """Study ids of participants treated at ``site_code`` with a fraction planned on ``day``."""
        site = self._site(site_code)
        return list(
            self._uow.session.scalars(
                select(ParticipantRow.study_id)
                .join(CourseRow, CourseRow.participant_id == ParticipantRow.id)
                .join(FractionRow, FractionRow.course_id == CourseRow.id)
                .where(
                    CourseRow.site_id == site.id,
                    FractionRow.status == "planned",
                    FractionRow.planned_date == day,
                )
                .distinct()
                .order_by(ParticipantRow.study_id)
            )
        )


def _deviation_record(row: DeviationRow) -> DeviationRecord:
    return DeviationRecord(
        id=row.id,
        key=row.key,
        code=row.code,
        severity=row.severity,
        message=row.message,
        detail=dict(row.detail),
        fraction=row.fraction,
        dose_level=row.dose_level,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        detected_at=row.detected_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
    )


def _closure_record(row: SiteClosureRow, site_code: str) -> SiteClosureRecord:
    return SiteClosureRecord(
        site_code=site_code,
        day=row.day,
        reason=row.reason,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
    )

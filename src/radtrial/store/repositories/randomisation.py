"""Allocation lists, their strata and used slots; participants' prescriptions and decisions.

Claiming a slot: the randomisation service takes the stratum's row lock
(:meth:`RandomisationRepository.stratum`, PostgreSQL ``SELECT … FOR UPDATE``; SQLite write
transactions are exclusive from ``BEGIN IMMEDIATE``), reads how many slots are used, and inserts
the allocation of the next one. A concurrent claim in the same stratum waits for the lock and
then, at READ COMMITTED, sees the committed allocation and takes the slot after it; a claim that
rolls back releases the lock without having used a number. So the used slots of a stratum are
always exactly 1…n. UNIQUE(list, stratum, sequence) and UNIQUE(trial, participant) hold the
invariants even against code that skips the lock.

``FOR UPDATE SKIP LOCKED`` over pre-made slot rows was considered and not used: a claimer that
rolls back after a later slot was taken leaves a gap, breaking the gap-free prefix and the
order of the concealed sequence, and writes are serialised by the audit chain anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from radtrial.errors import NotFound
from radtrial.store.records import (
    AllocationListRecord,
    AllocationRecord,
    DecisionRecord,
    ParticipantRecord,
    PrescriptionRecord,
    StratumRecord,
)
from radtrial.store.tables import (
    AllocationListExportRow,
    AllocationListRow,
    AllocationRow,
    AllocationStratumRow,
    OptionalFractionDecisionRow,
    ParticipantPrescriptionRow,
    ParticipantRow,
    TrialRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["PlannedLevel", "RandomisationRepository"]


def _list(row: AllocationListRow, trial_slug: str) -> AllocationListRecord:
    return AllocationListRecord(
        id=row.id,
        trial_slug=trial_slug,
        protocol_version_id=row.protocol_version_id,
        method=row.method,
        algorithm=row.algorithm,
        design=dict(row.design),
        seed_sha256=row.seed_sha256,
        list_sha256=row.list_sha256,
        created_at=row.created_at,
        created_by=row.created_by,
        trial_id=row.trial_id,
    )


def _allocation(
    row: AllocationRow, study_id: str, trial_slug: str, stratum: str
) -> AllocationRecord:
    return AllocationRecord(
        study_id=study_id,
        trial_slug=trial_slug,
        stratum=stratum,
        sequence=row.sequence,
        arm_code=row.arm_code,
        levels={str(k): str(v) for k, v in row.levels.items()},
        detail=dict(row.detail),
        list_seed_sha256=row.list_seed_sha256,
        allocated_at=row.allocated_at,
        allocated_by=row.allocated_by,
    )


class PlannedLevel:
    """One dose level of a participant's planned prescription, to store."""

    __slots__ = (
        "dose_level",
        "dose_per_fraction_gy",
        "fractions",
        "optional_fractions_added",
        "total_dose_gy",
    )

    def __init__(
        self,
        dose_level: str,
        fractions: int,
        dose_per_fraction_gy: float,
        total_dose_gy: float,
        optional_fractions_added: int,
    ) -> None:
        self.dose_level = dose_level
        self.fractions = fractions
        self.dose_per_fraction_gy = dose_per_fraction_gy
        self.total_dose_gy = total_dose_gy
        self.optional_fractions_added = optional_fractions_added


class RandomisationRepository:
    """Allocation lists by trial, strata, allocations, prescriptions and decisions."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _trial_id(self, trial_slug: str) -> int:
        trial_id = self._uow.session.scalars(
            select(TrialRow.id).where(TrialRow.slug == trial_slug)
        ).first()
        if trial_id is None:
            raise NotFound(f"no trial {trial_slug!r}", location="trial")
        return trial_id

    # -- lists ----------------------------------------------------------------------------

    def add_list(
        self,
        *,
        trial_slug: str,
        protocol_version_id: int,
        method: str,
        algorithm: str,
        design: Mapping[str, Any],
        seed: int,
        seed_sha256: str,
        list_sha256: str,
        strata: Sequence[tuple[str, int]],
    ) -> AllocationListRecord:
        """Store a trial's allocation list and its strata (key, number of slots).

        The trial may have one list (UNIQUE(trial)); a second is a :class:`Conflict`.
        """
        session = self._uow.session
        row = AllocationListRow(
            trial_id=self._trial_id(trial_slug),
            protocol_version_id=protocol_version_id,
            method=method,
            algorithm=algorithm,
            design=dict(design),
            seed=str(seed),
            seed_sha256=seed_sha256,
            list_sha256=list_sha256,
            created_at=self._uow.now(),
            created_by=self._uow.actor,
        )
        session.add(row)
        session.flush()
        session.add_all(
            AllocationStratumRow(list_id=row.id, key=key, size=size) for key, size in strata
        )
        session.flush()
        return _list(row, trial_slug)

    def list_of(self, trial_slug: str) -> AllocationListRecord | None:
        """The trial's allocation list, None before one is generated (or for no such trial)."""
        row = self._uow.session.scalars(
            select(AllocationListRow)
            .join(TrialRow, TrialRow.id == AllocationListRow.trial_id)
            .where(TrialRow.slug == trial_slug)
        ).first()
        return None if row is None else _list(row, trial_slug)

    def list_and_seed(self, trial_slug: str) -> tuple[AllocationListRecord, int] | None:
        """The trial's allocation list and its seed, in one query (None before generation).
        Only the randomisation service asks, to serve and verify slots."""
        row = self._uow.session.scalars(
            select(AllocationListRow)
            .join(TrialRow, TrialRow.id == AllocationListRow.trial_id)
            .where(TrialRow.slug == trial_slug)
        ).first()
        return None if row is None else (_list(row, trial_slug), int(row.seed))

    def seed(self, allocation_list: AllocationListRecord) -> int:
        """The list's seed. Only the randomisation service reads it, to serve and verify."""
        seed = self._uow.session.scalar(
            select(AllocationListRow.seed).where(AllocationListRow.id == allocation_list.id)
        )
        if seed is None:
            raise NotFound(f"no allocation list {allocation_list.id}", location="list")
        return int(seed)

    def record_export(self, allocation_list: AllocationListRecord, *, format: str) -> None:
        """Record that the acting user exported the list."""
        self._uow.session.add(
            AllocationListExportRow(
                list_id=allocation_list.id,
                format=format,
                exported_at=self._uow.now(),
                exported_by=self._uow.actor,
            )
        )
        self._uow.session.flush()

    # -- strata and allocations -----------------------------------------------------------

    def stratum(
        self, allocation_list: AllocationListRecord, key: str, *, lock: bool = False
    ) -> StratumRecord:
        """The stratum ``key`` of the list with its number of used slots.

        ``lock`` takes the stratum's row lock until the unit of work ends, which is what
        serialises claims in one stratum. Raises :class:`NotFound` for an unknown stratum.

        The used count is a second statement on purpose: at READ COMMITTED a statement that
        waited for a row lock rechecks only the locked row, while a subquery in it keeps the
        snapshot taken before the wait and would miss the allocation just committed by the
        lock's previous holder. The count issued after the lock sees it.
        """
        session = self._uow.session
        query = select(AllocationStratumRow).where(
            AllocationStratumRow.list_id == allocation_list.id, AllocationStratumRow.key == key
        )
        if lock:
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None:
            raise NotFound(f"the allocation list has no stratum {key!r}", location="stratum")
        used = session.scalar(
            select(func.count())
            .select_from(AllocationRow)
            .where(AllocationRow.stratum_id == row.id)
        )
        return StratumRecord(
            id=row.id, list_id=row.list_id, key=row.key, size=row.size, used=used or 0
        )

    def strata(self, allocation_list: AllocationListRecord) -> list[StratumRecord]:
        """Every stratum of the list, in key order, with used counts."""
        session = self._uow.session
        # A Result has keys(), so dict() would read it as a mapping: materialise the rows.
        used: dict[int, int] = dict(
            session.execute(
                select(AllocationRow.stratum_id, func.count())
                .where(AllocationRow.list_id == allocation_list.id)
                .group_by(AllocationRow.stratum_id)
            ).all()
        )
        rows = session.scalars(
            select(AllocationStratumRow)
            .where(AllocationStratumRow.list_id == allocation_list.id)
            .order_by(AllocationStratumRow.key)
        )
        return [
            StratumRecord(
                id=r.id, list_id=r.list_id, key=r.key, size=r.size, used=used.get(r.id, 0)
            )
            for r in rows
        ]

    def allocation_of(self, participant: ParticipantRecord) -> AllocationRecord | None:
        """The participant's allocation, None if not randomised."""
        found = self._uow.session.execute(
            select(AllocationRow, AllocationStratumRow.key)
            .join(AllocationStratumRow, AllocationStratumRow.id == AllocationRow.stratum_id)
            .where(AllocationRow.participant_id == participant.id)
        ).first()
        if found is None:
            return None
        row, key = found
        return _allocation(row, participant.study_id, participant.trial_slug, key)

    def allocations(
        self, allocation_list: AllocationListRecord, stratum: StratumRecord | None = None
    ) -> list[AllocationRecord]:
        """The used slots of the list (or of one stratum), by stratum key and sequence."""
        query = (
            select(AllocationRow, AllocationStratumRow.key, ParticipantRow.study_id)
            .join(AllocationStratumRow, AllocationStratumRow.id == AllocationRow.stratum_id)
            .join(ParticipantRow, ParticipantRow.id == AllocationRow.participant_id)
            .where(AllocationRow.list_id == allocation_list.id)
            .order_by(AllocationStratumRow.key, AllocationRow.sequence)
        )
        if stratum is not None:
            query = query.where(AllocationRow.stratum_id == stratum.id)
        return [
            _allocation(row, study_id, allocation_list.trial_slug, key)
            for row, key, study_id in self._uow.session.execute(query)
        ]

    def add_allocation(
        self,
        allocation_list: AllocationListRecord,
        stratum: StratumRecord,
        participant: ParticipantRecord,
        *,
        sequence: int,
        arm_code: str,
        levels: Mapping[str, str],
        detail: Mapping[str, Any],
    ) -> AllocationRecord:
        """Use slot ``sequence`` of ``stratum`` for ``participant`` (call under the stratum's
        lock). The row is written at the next flush or at commit, where the unique constraints
        refuse a used slot or a second allocation (:class:`Conflict`)."""
        row = AllocationRow(
            list_id=allocation_list.id,
            stratum_id=stratum.id,
            stratum_key=stratum.key,
            sequence=sequence,
            trial_id=allocation_list.trial_id,
            participant_id=participant.id,
            arm_code=arm_code,
            levels=dict(levels),
            detail=dict(detail),
            list_seed_sha256=allocation_list.seed_sha256,
            allocated_at=self._uow.now(),
            allocated_by=self._uow.actor,
        )
        self._uow.session.add(row)
        return _allocation(row, participant.study_id, allocation_list.trial_slug, stratum.key)

    # -- prescriptions and optional-fraction decisions ------------------------------------

    def set_prescription(
        self,
        participant: ParticipantRecord,
        *,
        arm_code: str,
        protocol_version_id: int,
        levels: Sequence[PlannedLevel],
    ) -> list[PrescriptionRecord]:
        """Create or update the participant's planned prescription, one row per dose level
        (changing a stored row is an update and needs the unit of work's reason)."""
        session = self._uow.session
        existing = {
            row.dose_level: row
            for row in session.scalars(
                select(ParticipantPrescriptionRow).where(
                    ParticipantPrescriptionRow.participant_id == participant.id
                )
            )
        }
        now = self._uow.now()
        for level in levels:
            row = existing.get(level.dose_level)
            if row is None:
                row = ParticipantPrescriptionRow(
                    participant_id=participant.id, dose_level=level.dose_level
                )
                session.add(row)
            values = (
                arm_code,
                protocol_version_id,
                level.fractions,
                level.dose_per_fraction_gy,
                level.total_dose_gy,
                level.optional_fractions_added,
            )
            if row.id is not None and values == (
                row.arm_code,
                row.protocol_version_id,
                row.fractions,
                row.dose_per_fraction_gy,
                row.total_dose_gy,
                row.optional_fractions_added,
            ):
                continue
            row.arm_code = arm_code
            row.protocol_version_id = protocol_version_id
            row.fractions = level.fractions
            row.dose_per_fraction_gy = level.dose_per_fraction_gy
            row.total_dose_gy = level.total_dose_gy
            row.optional_fractions_added = level.optional_fractions_added
            row.updated_at = now
        session.flush()
        return self.prescription(participant)

    def add_prescription(
        self,
        participant: ParticipantRecord,
        *,
        arm_code: str,
        protocol_version_id: int,
        levels: Sequence[PlannedLevel],
    ) -> list[PrescriptionRecord]:
        """Store the planned prescription of a participant who has none yet (their arm was
        just set); written at the next flush or at commit."""
        now = self._uow.now()
        out = []
        for level in levels:
            self._uow.session.add(
                ParticipantPrescriptionRow(
                    participant_id=participant.id,
                    protocol_version_id=protocol_version_id,
                    arm_code=arm_code,
                    dose_level=level.dose_level,
                    fractions=level.fractions,
                    dose_per_fraction_gy=level.dose_per_fraction_gy,
                    total_dose_gy=level.total_dose_gy,
                    optional_fractions_added=level.optional_fractions_added,
                    updated_at=now,
                )
            )
            out.append(
                PrescriptionRecord(
                    study_id=participant.study_id,
                    arm_code=arm_code,
                    dose_level=level.dose_level,
                    fractions=level.fractions,
                    dose_per_fraction_gy=level.dose_per_fraction_gy,
                    total_dose_gy=level.total_dose_gy,
                    optional_fractions_added=level.optional_fractions_added,
                    protocol_version_id=protocol_version_id,
                    updated_at=now,
                )
            )
        return out

    def prescription(self, participant: ParticipantRecord) -> list[PrescriptionRecord]:
        """The participant's planned prescription, by dose level."""
        rows = self._uow.session.scalars(
            select(ParticipantPrescriptionRow)
            .where(ParticipantPrescriptionRow.participant_id == participant.id)
            .order_by(ParticipantPrescriptionRow.id)
        )
        return [
            PrescriptionRecord(
                study_id=participant.study_id,
                arm_code=row.arm_code,
                dose_level=row.dose_level,
                fractions=row.fractions,
                dose_per_fraction_gy=row.dose_per_fraction_gy,
                total_dose_gy=row.total_dose_gy,
                optional_fractions_added=row.optional_fractions_added,
                protocol_version_id=row.protocol_version_id,
                updated_at=row.updated_at,
            )
            for row in rows
        ]

    def add_decision(
        self,
        participant: ParticipantRecord,
        *,
        optional_fraction: str,
        criterion: str,
        criterion_met: bool,
        give: bool,
        note: str | None,
        protocol_version_id: int,
    ) -> DecisionRecord:
        """Record a decision on an optional fraction (one per participant and fraction)."""
        row = OptionalFractionDecisionRow(
            participant_id=participant.id,
            protocol_version_id=protocol_version_id,
            optional_fraction=optional_fraction,
            criterion=criterion,
            criterion_met=criterion_met,
            give=give,
            note=note,
            decided_at=self._uow.now(),
            decided_by=self._uow.actor,
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return self._decision(row, participant)

    @staticmethod
    def _decision(
        row: OptionalFractionDecisionRow, participant: ParticipantRecord
    ) -> DecisionRecord:
        return DecisionRecord(
            study_id=participant.study_id,
            optional_fraction=row.optional_fraction,
            criterion=row.criterion,
            criterion_met=row.criterion_met,
            give=row.give,
            note=row.note,
            decided_at=row.decided_at,
            decided_by=row.decided_by,
            protocol_version_id=row.protocol_version_id,
        )

    def decisions(self, participant: ParticipantRecord) -> list[DecisionRecord]:
        """The participant's optional-fraction decisions, in the order recorded."""
        rows = self._uow.session.scalars(
            select(OptionalFractionDecisionRow)
            .where(OptionalFractionDecisionRow.participant_id == participant.id)
            .order_by(OptionalFractionDecisionRow.id)
        )
        return [self._decision(row, participant) for row in rows]

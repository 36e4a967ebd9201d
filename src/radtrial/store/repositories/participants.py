"""Registered participants, known to research data only by their study id."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from radtrial.errors import Conflict, NotFound
from radtrial.store.records import ParticipantRecord
from radtrial.store.tables import ParticipantRow, ProtocolVersionRow, SiteRow, TrialRow
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["ParticipantRepository", "participant_record"]


def participant_record(row: ParticipantRow, trial_slug: str, site_code: str) -> ParticipantRecord:
    """The record of a participant row in trial ``trial_slug`` at site ``site_code``."""
    return ParticipantRecord(
        id=row.id,
        study_id=row.study_id,
        trial_slug=trial_slug,
        site_code=site_code,
        protocol_version_id=row.protocol_version_id,
        created_at=row.created_at,
        arm_code=row.arm_code,
    )


class ParticipantRepository:
    """Participants by study id."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        # Rows read under lock stay referenced for the unit of work: the session's identity
        # map holds unchanged rows weakly, and a row collected in between would be read again
        # (autoflushing whatever is pending) by set_arm.
        self._locked: dict[int, ParticipantRow] = {}

    def add(
        self,
        *,
        study_id: str,
        trial_slug: str,
        site_code: str,
        protocol_version_id: int,
        arm_code: str | None = None,
    ) -> ParticipantRecord:
        """Register ``study_id`` in a trial at a site under the protocol version in force.

        The database refuses a site that does not take part in the trial and a version of
        another trial (composite foreign keys). Raises :class:`NotFound` for an unknown trial,
        site or version of that trial and :class:`Conflict` for a study id already in use.
        """
        session = self._uow.session
        trial_id = session.scalars(select(TrialRow.id).where(TrialRow.slug == trial_slug)).first()
        if trial_id is None:
            raise NotFound(f"no trial {trial_slug!r}", location="trial")
        site_id = session.scalars(select(SiteRow.id).where(SiteRow.code == site_code)).first()
        if site_id is None:
            raise NotFound(f"no site {site_code!r}", location="site")
        version = session.get(ProtocolVersionRow, protocol_version_id)
        if version is None or version.trial_id != trial_id:
            raise NotFound(
                f"trial {trial_slug!r} has no protocol version {protocol_version_id}",
                location="protocol_version_id",
            )
        if session.scalars(
            select(ParticipantRow.id).where(ParticipantRow.study_id == study_id)
        ).first():
            raise Conflict(f"study id {study_id!r} is already registered", location="study_id")
        row = ParticipantRow(
            study_id=study_id,
            trial_id=trial_id,
            site_id=site_id,
            protocol_version_id=protocol_version_id,
            created_at=self._uow.now(),
            arm_code=arm_code,
        )
        session.add(row)
        session.flush()
        return participant_record(row, trial_slug, site_code)

    def get(self, study_id: str, *, lock: bool = False) -> ParticipantRecord:
        """The participant ``study_id``; raises :class:`NotFound`.

        ``lock`` takes the participant's row lock until the unit of work ends (PostgreSQL
        ``SELECT … FOR UPDATE``; on SQLite the write transaction already excludes other
        writers), so that two requests about one participant run one after the other.
        """
        query = (
            select(ParticipantRow, TrialRow.slug, SiteRow.code)
            .join(TrialRow, TrialRow.id == ParticipantRow.trial_id)
            .join(SiteRow, SiteRow.id == ParticipantRow.site_id)
            .where(ParticipantRow.study_id == study_id)
        )
        if lock:
            query = query.with_for_update(of=ParticipantRow)
        found = self._uow.session.execute(query).first()
        if found is None:
            raise NotFound(f"no participant {study_id!r}", location="study_id")
        row, trial_slug, site_code = found
        if lock:
            self._locked[row.id] = row
        return participant_record(row, trial_slug, site_code)

    def in_trial(
        self, trial_slug: str, site_codes: Collection[str] | None = None
    ) -> list[ParticipantRecord]:
        """The trial's participants (at ``site_codes`` only, if given), by site and study id."""
        query = (
            select(ParticipantRow, TrialRow.slug, SiteRow.code)
            .join(TrialRow, TrialRow.id == ParticipantRow.trial_id)
            .join(SiteRow, SiteRow.id == ParticipantRow.site_id)
            .where(TrialRow.slug == trial_slug)
            .order_by(SiteRow.code, ParticipantRow.study_id)
        )
        if site_codes is not None:
            query = query.where(SiteRow.code.in_(list(site_codes)))
        return [
            participant_record(row, slug, code)
            for row, slug, code in self._uow.session.execute(query)
        ]

    def set_arm(self, participant: ParticipantRecord, arm_code: str) -> ParticipantRecord:
        """Record the participant's arm (an update: the unit of work needs a reason). After
        ``get(..., lock=True)`` in this unit of work no query is sent; the change is written at
        the next flush."""
        row = self._locked.get(participant.id) or self._uow.session.get(
            ParticipantRow, participant.id
        )
        if row is None:
            raise NotFound(f"no participant {participant.study_id!r}", location="study_id")
        row.arm_code = arm_code
        return participant_record(row, participant.trial_slug, participant.site_code)

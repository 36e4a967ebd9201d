"""Screenings, eligibility evaluations, closures, consents, registrations and withdrawals.

Numbers that must be gap-free and unique per trial and site (screening numbers, the sequence
in study ids) are taken under the trial site's row lock: PostgreSQL ``SELECT … FOR UPDATE`` on
the ``trial_sites`` row, which a concurrent request waits for and then reads past (READ
COMMITTED sees the first request's commit); SQLite write transactions are already exclusive
(``BEGIN IMMEDIATE``). Unique constraints back both up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select

from radtrial.errors import InvalidInput, NotFound
from radtrial.store.records import (
    ClosureRecord,
    ConsentRecord,
    EvaluationRecord,
    ParticipantRecord,
    ProtocolVersionRecord,
    RegistrationRecord,
    ScreeningLogRow,
    ScreeningRecord,
    WithdrawalRecord,
    screening_handle,
)
from radtrial.store.repositories.participants import participant_record
from radtrial.store.tables import (
    ConsentRow,
    EligibilityEvaluationRow,
    ParticipantRow,
    ProtocolVersionRow,
    RegistrationRow,
    ScreeningClosureRow,
    ScreeningRow,
    SiteRow,
    TrialRow,
    TrialSiteRow,
    WithdrawalRow,
)
from radtrial.store.unit_of_work import UnitOfWork

__all__ = ["EnrolmentRepository", "TrialSiteState"]

_HANDLE = re.compile(r"^(?P<site>[A-Z][A-Z0-9]{1,7})-S(?P<number>[0-9]{1,9})$")


class TrialSiteState:
    """A trial site's ids and status, as read under its row lock."""

    __slots__ = ("roles", "site_code", "site_id", "status", "trial_id", "trial_slug")

    def __init__(
        self,
        trial_id: int,
        trial_slug: str,
        site_id: int,
        site_code: str,
        status: str,
        roles: tuple[str, ...],
    ) -> None:
        self.trial_id = trial_id
        self.trial_slug = trial_slug
        self.site_id = site_id
        self.site_code = site_code
        self.status = status
        self.roles = roles


def _screening(row: ScreeningRow, trial_slug: str, site_code: str) -> ScreeningRecord:
    return ScreeningRecord(
        id=row.id,
        screening_id=screening_handle(site_code, row.number),
        trial_slug=trial_slug,
        site_code=site_code,
        number=row.number,
        screened_on=row.screened_on,
        screened_by=row.screened_by,
        created_at=row.created_at,
    )


def _evaluation(row: EligibilityEvaluationRow, handle: str) -> EvaluationRecord:
    return EvaluationRecord(
        id=row.id,
        screening_id=handle,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        data=dict(row.data),
        confirmations=dict(row.confirmations),
        results=list(row.results),
        status=row.status,
        eligible=row.eligible,
        evaluated_at=row.evaluated_at,
        evaluated_by=row.evaluated_by,
    )


def _closure(row: ScreeningClosureRow, handle: str) -> ClosureRecord:
    return ClosureRecord(
        screening_id=handle,
        reason=row.reason,
        note=row.note,
        closed_on=row.closed_on,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _consent(row: ConsentRow, handle: str) -> ConsentRecord:
    return ConsentRecord(
        id=row.id,
        screening_id=handle,
        protocol_version_id=row.protocol_version_id,
        document=row.document,
        document_version=row.document_version,
        consented_on=row.consented_on,
        obtained_by=row.obtained_by,
        optional={str(k): bool(v) for k, v in row.optional.items()},
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _withdrawal(row: WithdrawalRow, study_id: str) -> WithdrawalRecord:
    return WithdrawalRecord(
        study_id=study_id,
        kind=row.kind,
        withdrawn_on=row.withdrawn_on,
        note=row.note,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


class EnrolmentRepository:
    """The enrolment records of trials, by trial slug and screening id or study id."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # -- trial sites ----------------------------------------------------------------------

    def trial_site(self, trial_slug: str, site_code: str, *, lock: bool = False) -> TrialSiteState:
        """The trial site, optionally under its row lock until the unit of work ends.

        Raises :class:`NotFound` for an unknown trial or site, or a site that takes no part in
        the trial.
        """
        session = self._uow.session
        query = (
            select(TrialSiteRow)
            .join(TrialRow, TrialRow.id == TrialSiteRow.trial_id)
            .join(SiteRow, SiteRow.id == TrialSiteRow.site_id)
            .where(TrialRow.slug == trial_slug, SiteRow.code == site_code)
        )
        if lock:
            query = query.with_for_update(of=TrialSiteRow)
        row = session.scalars(query).first()
        if row is None:
            if (
                session.scalars(select(TrialRow.id).where(TrialRow.slug == trial_slug)).first()
                is None
            ):
                raise NotFound(f"no trial {trial_slug!r}", location="trial")
            if session.scalars(select(SiteRow.id).where(SiteRow.code == site_code)).first() is None:
                raise NotFound(f"no site {site_code!r}", location="site")
            raise NotFound(
                f"site {site_code!r} takes no part in trial {trial_slug!r}", location="site"
            )
        return TrialSiteState(
            row.trial_id, trial_slug, row.site_id, site_code, row.status, tuple(row.roles)
        )

    def protocol_version(
        self, trial_slug: str, version_id: int | None = None
    ) -> ProtocolVersionRecord | None:
        """The trial's protocol version ``version_id``, or its latest (by load order), without
        its text: enough to find a parsed copy by content hash. None if there is none."""
        query = (
            select(
                ProtocolVersionRow.id,
                ProtocolVersionRow.version_label,
                ProtocolVersionRow.content_hash,
                ProtocolVersionRow.loaded_at,
                ProtocolVersionRow.loaded_by,
            )
            .join(TrialRow, TrialRow.id == ProtocolVersionRow.trial_id)
            .where(TrialRow.slug == trial_slug)
        )
        if version_id is None:
            query = query.order_by(ProtocolVersionRow.id.desc()).limit(1)
        else:
            query = query.where(ProtocolVersionRow.id == version_id)
        row = self._uow.session.execute(query).first()
        if row is None:
            return None
        return ProtocolVersionRecord(
            id=row.id,
            trial_slug=trial_slug,
            version_label=row.version_label,
            content_hash=row.content_hash,
            loaded_at=row.loaded_at,
            loaded_by=row.loaded_by,
        )

    # -- screenings -----------------------------------------------------------------------

    def add_screening(
        self, *, trial_slug: str, site_code: str, screened_on: date, screened_by: str
    ) -> ScreeningRecord:
        """A new screening, numbered next at its trial site (under the trial site's lock)."""
        site = self.trial_site(trial_slug, site_code, lock=True)
        session = self._uow.session
        last = session.scalar(
            select(func.max(ScreeningRow.number)).where(
                ScreeningRow.trial_id == site.trial_id, ScreeningRow.site_id == site.site_id
            )
        )
        row = ScreeningRow(
            trial_id=site.trial_id,
            site_id=site.site_id,
            number=(last or 0) + 1,
            screened_on=screened_on,
            screened_by=screened_by,
            created_at=self._uow.now(),
        )
        session.add(row)
        session.flush()
        return _screening(row, trial_slug, site_code)

    def screening(self, trial_slug: str, screening_id: str) -> ScreeningRecord:
        """The screening ``screening_id`` (e.g. ``OUS-S0007``) of a trial; :class:`NotFound`."""
        match = _HANDLE.match(screening_id.strip())
        if match is None:
            raise InvalidInput(
                f"{screening_id!r} is not a screening id such as OUS-S0007",
                location="screening_id",
            )
        found = self._uow.session.execute(
            select(ScreeningRow)
            .join(TrialRow, TrialRow.id == ScreeningRow.trial_id)
            .join(SiteRow, SiteRow.id == ScreeningRow.site_id)
            .where(
                TrialRow.slug == trial_slug,
                SiteRow.code == match["site"],
                ScreeningRow.number == int(match["number"]),
            )
        ).scalar()
        if found is None:
            raise NotFound(
                f"trial {trial_slug!r} has no screening {screening_id!r}", location="screening_id"
            )
        return _screening(found, trial_slug, match["site"])

    # -- evaluations ----------------------------------------------------------------------

    def add_evaluation(
        self,
        screening: ScreeningRecord,
        *,
        protocol_version_id: int,
        protocol_hash: str,
        data: Mapping[str, Any],
        confirmations: Mapping[str, Any],
        results: list[dict[str, Any]],
        status: str,
        eligible: bool,
    ) -> EvaluationRecord:
        """Store one evaluation of ``screening`` by the unit of work's actor, now."""
        row = EligibilityEvaluationRow(
            screening_id=screening.id,
            protocol_version_id=protocol_version_id,
            protocol_hash=protocol_hash,
            data=dict(data),
            confirmations=dict(confirmations),
            results=results,
            status=status,
            eligible=eligible,
            evaluated_at=self._uow.now(),
            evaluated_by=self._uow.actor,
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _evaluation(row, screening.screening_id)

    def latest_evaluation(self, screening: ScreeningRecord) -> EvaluationRecord | None:
        """The screening's most recent evaluation (by order of storing), None before any."""
        row = self._uow.session.scalars(
            select(EligibilityEvaluationRow)
            .where(EligibilityEvaluationRow.screening_id == screening.id)
            .order_by(EligibilityEvaluationRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _evaluation(row, screening.screening_id)

    def evaluations(self, screening: ScreeningRecord) -> list[EvaluationRecord]:
        """Every evaluation of the screening, oldest first."""
        rows = self._uow.session.scalars(
            select(EligibilityEvaluationRow)
            .where(EligibilityEvaluationRow.screening_id == screening.id)
            .order_by(EligibilityEvaluationRow.id)
        )
        return [_evaluation(row, screening.screening_id) for row in rows]

    # -- closures -------------------------------------------------------------------------

    def add_closure(
        self, screening: ScreeningRecord, *, reason: str, note: str | None, closed_on: date
    ) -> ClosureRecord:
        """Close the screening without inclusion (unique per screening)."""
        row = ScreeningClosureRow(
            screening_id=screening.id,
            reason=reason,
            note=note,
            closed_on=closed_on,
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _closure(row, screening.screening_id)

    def closure(self, screening: ScreeningRecord) -> ClosureRecord | None:
        """The screening's closure, None if it is not closed."""
        row = self._uow.session.scalars(
            select(ScreeningClosureRow).where(ScreeningClosureRow.screening_id == screening.id)
        ).first()
        return None if row is None else _closure(row, screening.screening_id)

    # -- consents -------------------------------------------------------------------------

    def add_consent(
        self,
        screening: ScreeningRecord,
        *,
        protocol_version_id: int,
        document: str,
        document_version: str,
        consented_on: date,
        obtained_by: str,
        optional: Mapping[str, bool],
    ) -> ConsentRecord:
        """Record informed consent for the screened person."""
        row = ConsentRow(
            screening_id=screening.id,
            protocol_version_id=protocol_version_id,
            document=document,
            document_version=document_version,
            consented_on=consented_on,
            obtained_by=obtained_by,
            optional=dict(optional),
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _consent(row, screening.screening_id)

    def latest_consent(self, screening: ScreeningRecord) -> ConsentRecord | None:
        """The most recently recorded consent of the screened person, None if none."""
        row = self._uow.session.scalars(
            select(ConsentRow)
            .where(ConsentRow.screening_id == screening.id)
            .order_by(ConsentRow.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _consent(row, screening.screening_id)

    # -- registrations --------------------------------------------------------------------

    def next_site_sequence(self, site: TrialSiteState) -> int:
        """The next sequence number of a study id at the trial site (call under its lock)."""
        last = self._uow.session.scalar(
            select(func.max(RegistrationRow.site_sequence)).where(
                RegistrationRow.trial_id == site.trial_id, RegistrationRow.site_id == site.site_id
            )
        )
        return (last or 0) + 1

    def add_registration(
        self,
        screening: ScreeningRecord,
        site: TrialSiteState,
        *,
        study_id: str,
        site_sequence: int,
        protocol_version_id: int,
        evaluation_id: int,
        consent_id: int,
        registered_on: date,
        arm_code: str | None,
    ) -> RegistrationRecord:
        """Create the participant ``study_id`` and its registration from ``screening``."""
        session = self._uow.session
        now = self._uow.now()
        participant = ParticipantRow(
            study_id=study_id,
            trial_id=site.trial_id,
            site_id=site.site_id,
            protocol_version_id=protocol_version_id,
            created_at=now,
            arm_code=arm_code,
        )
        session.add(participant)
        session.flush()
        row = RegistrationRow(
            participant_id=participant.id,
            screening_id=screening.id,
            trial_id=site.trial_id,
            site_id=site.site_id,
            site_sequence=site_sequence,
            evaluation_id=evaluation_id,
            consent_id=consent_id,
            registered_on=registered_on,
            registered_by=self._uow.actor,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return self._registration(
            row, participant_record(participant, site.trial_slug, site.site_code), screening
        )

    def _registration(
        self, row: RegistrationRow, participant: ParticipantRecord, screening: ScreeningRecord
    ) -> RegistrationRecord:
        return RegistrationRecord(
            participant=participant,
            screening_id=screening.screening_id,
            site_sequence=row.site_sequence,
            evaluation_id=row.evaluation_id,
            consent_id=row.consent_id,
            registered_on=row.registered_on,
            registered_by=row.registered_by,
        )

    def registration_of_screening(self, screening: ScreeningRecord) -> RegistrationRecord | None:
        """The registration the screening led to, None if none."""
        found = self._uow.session.execute(
            select(RegistrationRow, ParticipantRow)
            .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
            .where(RegistrationRow.screening_id == screening.id)
        ).first()
        if found is None:
            return None
        row, participant = found
        return self._registration(
            row,
            participant_record(participant, screening.trial_slug, screening.site_code),
            screening,
        )

    def registration_of_participant(
        self, participant: ParticipantRecord
    ) -> tuple[RegistrationRecord, ScreeningRecord] | None:
        """The participant's registration and screening; None for a participant registered
        before screening was recorded in radtrial."""
        found = self._uow.session.execute(
            select(RegistrationRow, ScreeningRow)
            .join(ScreeningRow, ScreeningRow.id == RegistrationRow.screening_id)
            .where(RegistrationRow.participant_id == participant.id)
        ).first()
        if found is None:
            return None
        row, screening_row = found
        screening = _screening(screening_row, participant.trial_slug, participant.site_code)
        return self._registration(row, participant, screening), screening

    def enrolment_state(
        self, participant: ParticipantRecord
    ) -> (
        tuple[RegistrationRecord, ScreeningRecord, EvaluationRecord | None, ConsentRecord | None]
        | None
    ):
        """In one query: the participant's registration and screening, and the screening's
        latest evaluation and consent. None for a participant registered before screening was
        recorded in radtrial."""
        latest_evaluation = (
            select(func.max(EligibilityEvaluationRow.id))
            .where(EligibilityEvaluationRow.screening_id == ScreeningRow.id)
            .correlate(ScreeningRow)
            .scalar_subquery()
        )
        latest_consent = (
            select(func.max(ConsentRow.id))
            .where(ConsentRow.screening_id == ScreeningRow.id)
            .correlate(ScreeningRow)
            .scalar_subquery()
        )
        found = self._uow.session.execute(
            select(RegistrationRow, ScreeningRow, EligibilityEvaluationRow, ConsentRow)
            .join(ScreeningRow, ScreeningRow.id == RegistrationRow.screening_id)
            .outerjoin(EligibilityEvaluationRow, EligibilityEvaluationRow.id == latest_evaluation)
            .outerjoin(ConsentRow, ConsentRow.id == latest_consent)
            .where(RegistrationRow.participant_id == participant.id)
        ).first()
        if found is None:
            return None
        row, screening_row, evaluation, consent = found
        screening = _screening(screening_row, participant.trial_slug, participant.site_code)
        return (
            self._registration(row, participant, screening),
            screening,
            None if evaluation is None else _evaluation(evaluation, screening.screening_id),
            None if consent is None else _consent(consent, screening.screening_id),
        )

    def evaluation(self, evaluation_id: int, screening: ScreeningRecord) -> EvaluationRecord:
        """The evaluation with this id; raises :class:`NotFound`."""
        row = self._uow.session.get(EligibilityEvaluationRow, evaluation_id)
        if row is None or row.screening_id != screening.id:
            raise NotFound(f"no evaluation {evaluation_id}", location="evaluation_id")
        return _evaluation(row, screening.screening_id)

    # -- withdrawals ----------------------------------------------------------------------

    def add_withdrawal(
        self, participant: ParticipantRecord, *, kind: str, withdrawn_on: date, note: str | None
    ) -> WithdrawalRecord:
        """Record a withdrawal (one per kind; a repeat is a :class:`Conflict`)."""
        row = WithdrawalRow(
            participant_id=participant.id,
            kind=kind,
            withdrawn_on=withdrawn_on,
            note=note,
            recorded_by=self._uow.actor,
            recorded_at=self._uow.now(),
        )
        self._uow.session.add(row)
        self._uow.session.flush()
        return _withdrawal(row, participant.study_id)

    def withdrawals(self, participant: ParticipantRecord) -> list[WithdrawalRecord]:
        """The participant's withdrawals, in the order recorded."""
        rows = self._uow.session.scalars(
            select(WithdrawalRow)
            .where(WithdrawalRow.participant_id == participant.id)
            .order_by(WithdrawalRow.id)
        )
        return [_withdrawal(row, participant.study_id) for row in rows]

    # -- the screening log ----------------------------------------------------------------

    def screening_log(
        self, trial_slug: str, site_codes: Collection[str] | None = None
    ) -> list[ScreeningLogRow]:
        """Every screening of the trial (at ``site_codes`` only, if given), by site and number,
        with its latest evaluation's status, closure, consent and registration."""
        session = self._uow.session
        trial_id = session.scalars(select(TrialRow.id).where(TrialRow.slug == trial_slug)).first()
        if trial_id is None:
            raise NotFound(f"no trial {trial_slug!r}", location="trial")
        query = (
            select(ScreeningRow, SiteRow.code)
            .join(SiteRow, SiteRow.id == ScreeningRow.site_id)
            .where(ScreeningRow.trial_id == trial_id)
            .order_by(SiteRow.code, ScreeningRow.number)
        )
        if site_codes is not None:
            query = query.where(SiteRow.code.in_(list(site_codes)))
        screenings = [
            (_screening(row, trial_slug, code), row.id) for row, code in session.execute(query)
        ]
        ids = [row_id for _, row_id in screenings]
        if not ids:
            return []
        latest_ids = (
            select(func.max(EligibilityEvaluationRow.id))
            .where(EligibilityEvaluationRow.screening_id.in_(ids))
            .group_by(EligibilityEvaluationRow.screening_id)
        )
        latest = {
            row.screening_id: row
            for row in session.scalars(
                select(EligibilityEvaluationRow).where(EligibilityEvaluationRow.id.in_(latest_ids))
            )
        }
        closures = {
            row.screening_id: row
            for row in session.scalars(
                select(ScreeningClosureRow).where(ScreeningClosureRow.screening_id.in_(ids))
            )
        }
        consented = set(
            session.scalars(select(ConsentRow.screening_id).where(ConsentRow.screening_id.in_(ids)))
        )
        registered = {
            screening_id: (study_id, arm)
            for screening_id, study_id, arm in session.execute(
                select(
                    RegistrationRow.screening_id, ParticipantRow.study_id, ParticipantRow.arm_code
                )
                .join(ParticipantRow, ParticipantRow.id == RegistrationRow.participant_id)
                .where(RegistrationRow.screening_id.in_(ids))
            )
        }
        out = []
        for screening, row_id in screenings:
            evaluation = latest.get(row_id)
            closure = closures.get(row_id)
            study_id, arm = registered.get(row_id, (None, None))
            not_met = tuple(
                str(result["criterion"])
                for result in (evaluation.results if evaluation is not None else [])
                if result.get("outcome") == "not_met"
            )
            out.append(
                ScreeningLogRow(
                    screening=screening,
                    status="incomplete" if evaluation is None else evaluation.status,
                    criteria_not_met=not_met,
                    closure=None if closure is None else _closure(closure, screening.screening_id),
                    consented=row_id in consented,
                    study_id=study_id,
                    arm_code=arm,
                )
            )
        return out

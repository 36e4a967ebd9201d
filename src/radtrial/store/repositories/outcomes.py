"""Clinical outcomes: target-symptom ratings, questionnaires, adverse events, ECOG, clinical
events, vital status and missed visits; and what outcome entry needs to know of a participant.

Rows are only ever added here (a correction is a later change with a reason, not offered
yet). :meth:`OutcomeRepository.facts` reads the dates that anchor visits and time-to-event data
from the enrolment records (registration, screening, consent, withdrawal), the allocation and
the RT course's delivered fractions; it only reads those tables.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from radtrial.errors import NotFound
from radtrial.store.outcome_records import (
    AdverseEventRecord,
    ClinicalEventRecord,
    EcogRecord,
    MissedVisitRecord,
    ParticipantFacts,
    QuestionnaireRecord,
    SymptomRatingRecord,
    ToxicityAssessmentRecord,
    VitalStatusRecord,
)
from radtrial.store.records import ParticipantRecord, ProtocolVersionRecord
from radtrial.store.repositories.participants import participant_record
from radtrial.store.tables import (
    AdverseEventRow,
    AllocationRow,
    ClinicalEventRow,
    ConsentRow,
    CourseRow,
    EcogAssessmentRow,
    FractionRow,
    MissedVisitRow,
    ParticipantRow,
    QuestionnaireSubmissionRow,
    RegistrationRow,
    SampleRow,
    ScreeningRow,
    SiteRow,
    SymptomRatingRow,
    ToxicityAssessmentRow,
    TrialRow,
    TumourBaselineRow,
    TumourFollowUpRow,
    VitalStatusCheckRow,
    WithdrawalRow,
)
from radtrial.store.unit_of_work import UnitOfWork
from radtrial.trial.sites import SITE_TIMEZONE

__all__ = ["OutcomeRepository", "local_date"]


def local_date(instant: datetime, zone: str = SITE_TIMEZONE) -> date:
    """The calendar date of ``instant`` at the site, in ``zone`` (default: the sites' zone, not
    the server's); an unknown stored zone falls back to the sites' zone."""
    try:
        return instant.astimezone(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return instant.astimezone(ZoneInfo(SITE_TIMEZONE)).date()


@dataclass(frozen=True, slots=True)
class _Provenance:
    protocol_version_id: int
    protocol_hash: str
    recorded_by: str
    recorded_at: datetime


class OutcomeRepository:
    """Outcome records by participant (see the module docstring)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def _provenance(self, version: ProtocolVersionRecord) -> _Provenance:
        return _Provenance(version.id, version.content_hash, self._uow.actor, self._uow.now())

    def _add(self, row: Any) -> None:
        self._uow.session.add(row)
        self._uow.session.flush()

    # -- participants -----------------------------------------------------------------------

    def participants(
        self, trial_slug: str | None = None, site_codes: Collection[str] | None = None
    ) -> list[ParticipantRecord]:
        """Participants of a trial (or all), at ``site_codes`` only if given, by study id."""
        query = (
            select(ParticipantRow, TrialRow.slug, SiteRow.code)
            .join(TrialRow, TrialRow.id == ParticipantRow.trial_id)
            .join(SiteRow, SiteRow.id == ParticipantRow.site_id)
            .order_by(ParticipantRow.study_id)
        )
        if trial_slug is not None:
            query = query.where(TrialRow.slug == trial_slug)
        if site_codes is not None:
            query = query.where(SiteRow.code.in_(sorted(site_codes)))
        return [
            participant_record(row, slug, code)
            for row, slug, code in self._uow.session.execute(query)
        ]

    def trial_exists(self, trial_slug: str) -> bool:
        """Whether a trial ``trial_slug`` is stored."""
        found = self._uow.session.scalars(select(TrialRow.id).where(TrialRow.slug == trial_slug))
        return found.first() is not None

    def facts(self, participant: ParticipantRecord) -> ParticipantFacts:
        """The participant's anchor dates, withdrawals, optional consents and end of follow-up.

        Registration falls back to the day the participant record was created when no
        registration row exists (participants registered before enrolment was recorded here).
        """
        session = self._uow.session
        found = session.execute(
            select(RegistrationRow.registered_on, ScreeningRow.screened_on, ScreeningRow.id)
            .join(ScreeningRow, ScreeningRow.id == RegistrationRow.screening_id)
            .where(RegistrationRow.participant_id == participant.id)
        ).first()
        consents: dict[str, bool] = {}
        if found is None:
            registered_on, screened_on = local_date(participant.created_at), None
        else:
            registered_on, screened_on, screening_pk = found
            consent = session.scalars(
                select(ConsentRow)
                .where(ConsentRow.screening_id == screening_pk)
                .order_by(ConsentRow.consented_on.desc(), ConsentRow.id.desc())
            ).first()
            if consent is not None:
                consents = {str(k): bool(v) for k, v in consent.optional.items()}
        allocated_at = session.scalars(
            select(AllocationRow.allocated_at).where(AllocationRow.participant_id == participant.id)
        ).first()
        first_fraction, last_fraction = self._fraction_dates(participant.id)
        withdrawals = tuple(
            (row.kind, row.withdrawn_on)
            for row in session.scalars(
                select(WithdrawalRow)
                .where(WithdrawalRow.participant_id == participant.id)
                .order_by(WithdrawalRow.id)
            )
        )
        events: dict[str, date] = {}
        for kind, on in session.execute(
            select(ClinicalEventRow.kind, ClinicalEventRow.event_on).where(
                ClinicalEventRow.participant_id == participant.id,
                ClinicalEventRow.kind.in_(["death", "off_study"]),
            )
        ):
            events[kind] = on
        return ParticipantFacts(
            participant=participant,
            registered_on=registered_on,
            screened_on=screened_on,
            randomised_on=None if allocated_at is None else local_date(allocated_at),
            first_fraction_on=first_fraction,
            last_fraction_on=last_fraction,
            withdrawals=withdrawals,
            optional_consents=consents,
            death_on=events.get("death"),
            off_study_on=events.get("off_study"),
        )

    def _fraction_dates(self, participant_id: int) -> tuple[date | None, date | None]:
        """The days (in the course's time zone) of the first delivered fraction and, once no
        fraction is left planned, of the last delivered one."""
        session = self._uow.session
        course = session.scalars(
            select(CourseRow).where(CourseRow.participant_id == participant_id)
        ).first()
        if course is None:
            return None, None
        fractions = list(
            session.scalars(select(FractionRow).where(FractionRow.course_id == course.id))
        )
        delivered = sorted(
            local_date(f.delivered_at, course.timezone)
            for f in fractions
            if f.status == "delivered" and f.delivered_at is not None
        )
        if not delivered:
            return None, None
        complete = all(f.status != "planned" for f in fractions)
        return delivered[0], delivered[-1] if complete else None

    # -- target-symptom ratings -------------------------------------------------------------

    def add_rating(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        visit_id: str,
        symptom: str,
        answered_at: datetime,
        nrs: int | None,
        nrs_assessment_id: str | None,
        global_impression: str | None,
        impression_assessment_id: str | None,
        analgesic_increased: bool | None,
    ) -> SymptomRatingRecord:
        """Store a target-symptom rating (one per participant and visit: else Conflict)."""
        p = self._provenance(version)
        row = SymptomRatingRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            visit_id=visit_id,
            symptom=symptom,
            answered_at=answered_at,
            nrs=nrs,
            nrs_assessment_id=nrs_assessment_id,
            global_impression=global_impression,
            impression_assessment_id=impression_assessment_id,
            analgesic_increased=analgesic_increased,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return _rating(row, participant.study_id)

    def ratings(self, participant: ParticipantRecord) -> list[SymptomRatingRecord]:
        """The participant's target-symptom ratings, oldest first."""
        rows = self._uow.session.scalars(
            select(SymptomRatingRow)
            .where(SymptomRatingRow.participant_id == participant.id)
            .order_by(SymptomRatingRow.answered_at, SymptomRatingRow.id)
        )
        return [_rating(row, participant.study_id) for row in rows]

    # -- questionnaires ---------------------------------------------------------------------

    def add_questionnaire(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        assessment_id: str,
        instrument: str,
        instrument_version: str | None,
        visit_id: str | None,
        answered_at: datetime,
        responses: Mapping[int, int | None],
        scores: Mapping[str, Mapping[str, Any]],
        scoring_version: str,
        state: str,
    ) -> QuestionnaireRecord:
        """Store a questionnaire submission with its computed scores."""
        p = self._provenance(version)
        row = QuestionnaireSubmissionRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            assessment_id=assessment_id,
            instrument=instrument,
            instrument_version=instrument_version,
            visit_id=visit_id,
            answered_at=answered_at,
            responses={str(k): v for k, v in sorted(responses.items())},
            scores={k: dict(v) for k, v in scores.items()},
            scoring_version=scoring_version,
            state=state,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return _questionnaire(row, participant.study_id)

    def questionnaire_exists(
        self, participant: ParticipantRecord, assessment_id: str, visit_id: str
    ) -> bool:
        """Whether this questionnaire was already submitted at this visit."""
        found = self._uow.session.scalars(
            select(QuestionnaireSubmissionRow.id).where(
                QuestionnaireSubmissionRow.participant_id == participant.id,
                QuestionnaireSubmissionRow.assessment_id == assessment_id,
                QuestionnaireSubmissionRow.visit_id == visit_id,
            )
        )
        return found.first() is not None

    def questionnaires(self, participant: ParticipantRecord) -> list[QuestionnaireRecord]:
        """The participant's questionnaire submissions, oldest first."""
        rows = self._uow.session.scalars(
            select(QuestionnaireSubmissionRow)
            .where(QuestionnaireSubmissionRow.participant_id == participant.id)
            .order_by(QuestionnaireSubmissionRow.answered_at, QuestionnaireSubmissionRow.id)
        )
        return [_questionnaire(row, participant.study_id) for row in rows]

    # -- adverse events ---------------------------------------------------------------------

    def add_adverse_event(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        **values: Any,
    ) -> AdverseEventRecord:
        """Store an adverse event; ``values`` are the columns of :class:`AdverseEventRow`
        other than the participant, protocol version and recording stamp."""
        p = self._provenance(version)
        row = AdverseEventRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
            **values,
        )
        self._add(row)
        return _adverse_event(row, participant.study_id)

    def adverse_events(self, participant: ParticipantRecord) -> list[AdverseEventRecord]:
        """The participant's adverse events by onset."""
        rows = self._uow.session.scalars(
            select(AdverseEventRow)
            .where(AdverseEventRow.participant_id == participant.id)
            .order_by(AdverseEventRow.onset_on, AdverseEventRow.id)
        )
        return [_adverse_event(row, participant.study_id) for row in rows]

    # -- toxicity assessments per visit -----------------------------------------------------

    def add_toxicity_assessment(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        visit_id: str,
        assessed_on: date,
        assessed_by: str,
        ctcae_version: str,
        category: str,
        no_adverse_event: bool,
        adverse_event_ids: Collection[int],
    ) -> ToxicityAssessmentRecord:
        """Store the assessment of one category at a visit (one per participant, visit and
        category: else Conflict)."""
        p = self._provenance(version)
        row = ToxicityAssessmentRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            visit_id=visit_id,
            assessed_on=assessed_on,
            assessed_by=assessed_by,
            ctcae_version=ctcae_version,
            category=category,
            no_adverse_event=no_adverse_event,
            adverse_event_ids=sorted(adverse_event_ids),
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return _toxicity_assessment(row, participant.study_id)

    def toxicity_assessments(
        self, participant: ParticipantRecord
    ) -> list[ToxicityAssessmentRecord]:
        """The participant's per-visit toxicity assessments, by date, visit and category."""
        rows = self._uow.session.scalars(
            select(ToxicityAssessmentRow)
            .where(ToxicityAssessmentRow.participant_id == participant.id)
            .order_by(
                ToxicityAssessmentRow.assessed_on,
                ToxicityAssessmentRow.visit_id,
                ToxicityAssessmentRow.id,
            )
        )
        return [_toxicity_assessment(row, participant.study_id) for row in rows]

    # -- ECOG -------------------------------------------------------------------------------

    def add_ecog(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        visit_id: str | None,
        assessed_on: date,
        status: int,
    ) -> EcogRecord:
        """Store a performance status (one per participant and day: else Conflict)."""
        p = self._provenance(version)
        row = EcogAssessmentRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            visit_id=visit_id,
            assessed_on=assessed_on,
            status=status,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return _ecog(row, participant.study_id)

    def ecog(self, participant: ParticipantRecord) -> list[EcogRecord]:
        """The participant's performance statuses by date."""
        rows = self._uow.session.scalars(
            select(EcogAssessmentRow)
            .where(EcogAssessmentRow.participant_id == participant.id)
            .order_by(EcogAssessmentRow.assessed_on)
        )
        return [_ecog(row, participant.study_id) for row in rows]

    # -- clinical events and vital status ---------------------------------------------------

    def add_event(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        kind: str,
        event_on: date,
        method: str | None = None,
        tumour_follow_up_id: int | None = None,
        death_cause: str | None = None,
        off_study_reason: str | None = None,
        note: str | None = None,
    ) -> ClinicalEventRecord:
        """Store the participant's first event of ``kind`` (a second is a Conflict)."""
        p = self._provenance(version)
        row = ClinicalEventRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            kind=kind,
            event_on=event_on,
            method=method,
            tumour_follow_up_id=tumour_follow_up_id,
            death_cause=death_cause,
            off_study_reason=off_study_reason,
            note=note,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return _event(row, participant.study_id)

    def move_event(self, event_id: int, *, event_on: date, follow_up_id: int) -> None:
        """Move a RECIST-derived event to the follow-up (and its date) that now shows it."""
        row = self._event_row(event_id)
        if (row.event_on, row.tumour_follow_up_id) != (event_on, follow_up_id):
            row.event_on, row.tumour_follow_up_id = event_on, follow_up_id
        self._uow.session.flush()

    def remove_event(self, event_id: int) -> None:
        """Delete an event no assessment shows any more (audited as a delete)."""
        self._uow.session.delete(self._event_row(event_id))
        self._uow.session.flush()

    def _event_row(self, event_id: int) -> ClinicalEventRow:
        row = self._uow.session.get(ClinicalEventRow, event_id)
        if row is None:
            raise NotFound(f"no clinical event {event_id}", location="event")
        return row

    def events(self, participant: ParticipantRecord) -> list[ClinicalEventRecord]:
        """The participant's clinical events by date."""
        rows = self._uow.session.scalars(
            select(ClinicalEventRow)
            .where(ClinicalEventRow.participant_id == participant.id)
            .order_by(ClinicalEventRow.event_on, ClinicalEventRow.id)
        )
        return [_event(row, participant.study_id) for row in rows]

    def add_vital_status(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        visit_id: str | None,
        known_alive_on: date,
        source: str,
    ) -> VitalStatusRecord:
        """Store a date the participant was known to be alive."""
        p = self._provenance(version)
        row = VitalStatusCheckRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            visit_id=visit_id,
            known_alive_on=known_alive_on,
            source=source,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return VitalStatusRecord(
            row.id,
            participant.study_id,
            row.visit_id,
            row.known_alive_on,
            row.source,
            row.protocol_version_id,
            row.protocol_hash,
            row.recorded_by,
            row.recorded_at,
        )

    # -- visits -----------------------------------------------------------------------------

    def add_missed_visit(
        self,
        participant: ParticipantRecord,
        version: ProtocolVersionRecord,
        *,
        visit_id: str,
        note: str,
    ) -> MissedVisitRecord:
        """Record a visit as not done (once per visit: else Conflict)."""
        p = self._provenance(version)
        row = MissedVisitRow(
            participant_id=participant.id,
            protocol_version_id=p.protocol_version_id,
            protocol_hash=p.protocol_hash,
            visit_id=visit_id,
            note=note,
            recorded_by=p.recorded_by,
            recorded_at=p.recorded_at,
        )
        self._add(row)
        return _missed(row, participant.study_id)

    def missed_visits(self, participant: ParticipantRecord) -> list[MissedVisitRecord]:
        """The participant's visits recorded as not done."""
        rows = self._uow.session.scalars(
            select(MissedVisitRow)
            .where(MissedVisitRow.participant_id == participant.id)
            .order_by(MissedVisitRow.id)
        )
        return [_missed(row, participant.study_id) for row in rows]

    def visit_dates(self, participant: ParticipantRecord) -> dict[str, date]:
        """Each visit with something recorded for it, and the earliest day it was."""
        days: dict[str, date] = {}
        for visit_id, day in self._dated(participant.id, with_visit=True):
            if visit_id is not None and (visit_id not in days or day < days[visit_id]):
                days[visit_id] = day
        return days

    def last_contact(self, participant: ParticipantRecord) -> date | None:
        """The latest day anything was recorded of the participant: ratings, questionnaires,
        adverse events, ECOG, tumour assessments, samples and vital-status checks."""
        days = [day for _, day in self._dated(participant.id, with_visit=False)]
        return max(days, default=None)

    def last_tumour_assessment(self, participant: ParticipantRecord) -> date | None:
        """The latest day of a RECIST baseline or follow-up of the participant."""
        session = self._uow.session
        days = [
            *session.scalars(
                select(TumourBaselineRow.assessed_on).where(
                    TumourBaselineRow.participant_id == participant.id
                )
            ),
            *session.scalars(
                select(TumourFollowUpRow.assessed_on).where(
                    TumourFollowUpRow.participant_id == participant.id
                )
            ),
        ]
        return max(days, default=None)

    def _dated(self, participant_id: int, *, with_visit: bool) -> list[tuple[str | None, date]]:
        session = self._uow.session
        out: list[tuple[str | None, date]] = []
        for visit, at in session.execute(
            select(SymptomRatingRow.visit_id, SymptomRatingRow.answered_at).where(
                SymptomRatingRow.participant_id == participant_id
            )
        ):
            out.append((visit, local_date(at)))
        for submitted_visit, at in session.execute(
            select(
                QuestionnaireSubmissionRow.visit_id, QuestionnaireSubmissionRow.answered_at
            ).where(QuestionnaireSubmissionRow.participant_id == participant_id)
        ):
            out.append((submitted_visit, local_date(at)))
        for visit, at in session.execute(
            select(SampleRow.visit_id, SampleRow.collected_at).where(
                SampleRow.participant_id == participant_id, SampleRow.parent_id.is_(None)
            )
        ):
            out.append((visit, local_date(at)))
        for table in (
            EcogAssessmentRow,
            TumourBaselineRow,
            TumourFollowUpRow,
            ToxicityAssessmentRow,
        ):
            out.extend(
                (optional_visit, day)
                for optional_visit, day in session.execute(
                    select(table.visit_id, table.assessed_on).where(
                        table.participant_id == participant_id
                    )
                )
            )
        out.extend(
            (checked_visit, day)
            for checked_visit, day in session.execute(
                select(VitalStatusCheckRow.visit_id, VitalStatusCheckRow.known_alive_on).where(
                    VitalStatusCheckRow.participant_id == participant_id
                )
            )
        )
        if not with_visit:
            # An adverse event is a contact on its onset and on its resolution, but it does not
            # mark a visit as done (it may be reported between visits).
            for onset, resolved in session.execute(
                select(AdverseEventRow.onset_on, AdverseEventRow.resolved_on).where(
                    AdverseEventRow.participant_id == participant_id
                )
            ):
                out.append((None, onset))
                if resolved is not None:
                    out.append((None, resolved))
        return out

    def require_participant_of(self, trial_slug: str, study_id: str) -> None:
        """Raise :class:`NotFound` unless ``study_id`` is a participant of ``trial_slug``."""
        found = self._uow.session.scalars(
            select(ParticipantRow.id)
            .join(TrialRow, TrialRow.id == ParticipantRow.trial_id)
            .where(ParticipantRow.study_id == study_id, TrialRow.slug == trial_slug)
        ).first()
        if found is None:
            raise NotFound(f"no participant {study_id!r} in {trial_slug}", location="study_id")


def _rating(row: SymptomRatingRow, study_id: str) -> SymptomRatingRecord:
    return SymptomRatingRecord(
        id=row.id,
        study_id=study_id,
        visit_id=row.visit_id,
        symptom=row.symptom,
        answered_at=row.answered_at,
        nrs=row.nrs,
        nrs_assessment_id=row.nrs_assessment_id,
        global_impression=row.global_impression,
        impression_assessment_id=row.impression_assessment_id,
        analgesic_increased=row.analgesic_increased,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _questionnaire(row: QuestionnaireSubmissionRow, study_id: str) -> QuestionnaireRecord:
    return QuestionnaireRecord(
        id=row.id,
        study_id=study_id,
        assessment_id=row.assessment_id,
        instrument=row.instrument,
        instrument_version=row.instrument_version,
        visit_id=row.visit_id,
        answered_at=row.answered_at,
        responses={int(k): v for k, v in row.responses.items()},
        scores={k: dict(v) for k, v in row.scores.items()},
        scoring_version=row.scoring_version,
        state=row.state,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _adverse_event(row: AdverseEventRow, study_id: str) -> AdverseEventRecord:
    return AdverseEventRecord(
        id=row.id,
        study_id=study_id,
        visit_id=row.visit_id,
        ctcae_version=row.ctcae_version,
        term=row.term,
        specify=row.specify,
        soc=row.soc,
        grade=row.grade,
        onset_on=row.onset_on,
        resolved_on=row.resolved_on,
        attribution=row.attribution,
        related=row.related,
        serious=row.serious,
        seriousness_criteria=tuple(row.seriousness_criteria),
        expected=row.expected,
        expedited_report=row.expedited_report,
        investigator_aware_at=row.investigator_aware_at,
        report_due_at=row.report_due_at,
        susar=row.susar,
        susar_report_due_at=row.susar_report_due_at,
        outcome=row.outcome,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _toxicity_assessment(row: ToxicityAssessmentRow, study_id: str) -> ToxicityAssessmentRecord:
    return ToxicityAssessmentRecord(
        id=row.id,
        study_id=study_id,
        visit_id=row.visit_id,
        assessed_on=row.assessed_on,
        assessed_by=row.assessed_by,
        ctcae_version=row.ctcae_version,
        category=row.category,
        no_adverse_event=row.no_adverse_event,
        adverse_event_ids=tuple(int(i) for i in row.adverse_event_ids),
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _ecog(row: EcogAssessmentRow, study_id: str) -> EcogRecord:
    return EcogRecord(
        id=row.id,
        study_id=study_id,
        visit_id=row.visit_id,
        assessed_on=row.assessed_on,
        status=row.status,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _event(row: ClinicalEventRow, study_id: str) -> ClinicalEventRecord:
    return ClinicalEventRecord(
        id=row.id,
        study_id=study_id,
        kind=row.kind,
        event_on=row.event_on,
        method=row.method,
        tumour_follow_up_id=row.tumour_follow_up_id,
        death_cause=row.death_cause,
        off_study_reason=row.off_study_reason,
        note=row.note,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )


def _missed(row: MissedVisitRow, study_id: str) -> MissedVisitRecord:
    return MissedVisitRecord(
        study_id=study_id,
        visit_id=row.visit_id,
        note=row.note,
        protocol_version_id=row.protocol_version_id,
        protocol_hash=row.protocol_hash,
        recorded_by=row.recorded_by,
        recorded_at=row.recorded_at,
    )

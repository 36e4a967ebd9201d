"""Registering many eligible, consented PALLSOFT participants quickly, for load tests.

The services do one person per transaction, which is right for a site but slow for setting up
thousands. This writes the same rows (screening, evaluation, consent, participant,
registration) through the audited unit of work, a few hundred people per transaction in three
flushes, numbering screenings and study ids per site as the repositories do. Shared by the
concurrency test and ``benchmarks/randomisation``.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database
from radtrial.store.tables import (
    ConsentRow,
    EligibilityEvaluationRow,
    ParticipantRow,
    RegistrationRow,
    ScreeningRow,
    SiteRow,
    TrialRow,
)
from radtrial.store.types import format_utc
from radtrial.trial.eligibility import evaluate, parse_screening_data, screening_data_to_json
from tests.enrolment import PALLSOFT_CONFIRM, PALLSOFT_PATIENT, TODAY

#: PALLSOFT's 11 sites.
SITES = ("HMR", "HUS", "NLSH", "VVHF", "SIHF", "SSHF", "OUS", "STHF", "SUS", "UNN", "STO")

BATCH = 500


def register_in_bulk(
    db: Database, count: int, *, trial_slug: str = "pallsoft", sites: tuple[str, ...] = SITES
) -> list[str]:
    """Register ``count`` participants, round-robin over ``sites``, in an otherwise empty
    trial; returns their study ids."""
    study_ids: list[str] = []
    numbers: Counter[str] = Counter()
    for start in range(0, count, BATCH):
        with db.unit_of_work("setup") as uow:
            session = uow.session
            protocol, version = current_protocol(uow, trial_slug)
            values = parse_screening_data(protocol.eligibility, PALLSOFT_PATIENT)
            result = evaluate(protocol.eligibility, values, PALLSOFT_CONFIRM)
            assert result.eligible
            stamp = {"by": "setup", "at": format_utc(uow.now())}
            trial_id = session.scalar(select(TrialRow.id).where(TrialRow.slug == trial_slug))
            site_ids = dict(session.execute(select(SiteRow.code, SiteRow.id)).all())
            now = uow.now()
            batch = [sites[n % len(sites)] for n in range(start, min(start + BATCH, count))]
            screenings = []
            for site in batch:
                numbers[site] += 1
                screenings.append(
                    ScreeningRow(
                        trial_id=trial_id,
                        site_id=site_ids[site],
                        number=numbers[site],
                        screened_on=TODAY,
                        screened_by="setup",
                        created_at=now,
                    )
                )
            session.add_all(screenings)
            session.flush()
            rows = []
            for site, screening in zip(batch, screenings, strict=True):
                study_id = protocol.registration.study_id(site, screening.number)
                evaluation = EligibilityEvaluationRow(
                    screening_id=screening.id,
                    protocol_version_id=version.id,
                    protocol_hash=version.content_hash,
                    data=screening_data_to_json(values),
                    confirmations=dict.fromkeys(PALLSOFT_CONFIRM, stamp),
                    results=result.to_json(),
                    status=result.status.value,
                    eligible=True,
                    evaluated_at=now,
                    evaluated_by="setup",
                )
                consent = ConsentRow(
                    screening_id=screening.id,
                    protocol_version_id=version.id,
                    document=protocol.consent.document,
                    document_version=protocol.consent.document_version,
                    consented_on=TODAY,
                    obtained_by="setup",
                    optional={},
                    recorded_by="setup",
                    recorded_at=now,
                )
                participant = ParticipantRow(
                    study_id=study_id,
                    trial_id=trial_id,
                    site_id=site_ids[site],
                    protocol_version_id=version.id,
                    created_at=now,
                    arm_code=None,
                )
                rows.append((site, screening, evaluation, consent, participant))
                session.add_all([evaluation, consent, participant])
                study_ids.append(study_id)
            session.flush()
            session.add_all(
                RegistrationRow(
                    participant_id=participant.id,
                    screening_id=screening.id,
                    trial_id=trial_id,
                    site_id=site_ids[site],
                    site_sequence=screening.number,
                    evaluation_id=evaluation.id,
                    consent_id=consent.id,
                    registered_on=TODAY,
                    registered_by="setup",
                    created_at=now,
                )
                for site, screening, evaluation, consent, participant in rows
            )
    return study_ids

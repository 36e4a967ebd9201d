"""Use case: register an eligible, consented person as a trial participant.

Registration gives the person a pseudonymous study id in the protocol's format with the site and
a sequence number per trial and site (``PALL-OUS-0007``, :meth:`Registration.study_id`). It
relies on the screening's latest eligibility evaluation, which must be *eligible* under the
protocol version in force (an amendment since needs a new evaluation), and on the latest
consent, which must be to the document version in force and not withdrawn. In a single-arm
trial the participant's arm is set here, with the planned prescription; a randomised trial's
arm is set by randomisation.

Registering twice cannot happen: the request takes the trial site's row lock before it checks
for an existing registration, so a racing second request waits and then finds the first one's
(:class:`AlreadyRegistered`); UNIQUE(screening) and UNIQUE(trial, site, sequence) refuse it even
if the check were skipped.
"""

from __future__ import annotations

from datetime import date

from radtrial.errors import (
    AlreadyRegistered,
    Conflict,
    InvalidInput,
    NotConsented,
    NotEligible,
)
from radtrial.protocol import Protocol
from radtrial.services.access import ENROLMENT_ROLES, acting_user, require_site_role
from radtrial.services.protocol_versions import current_protocol
from radtrial.services.screening import check_date, local_today, require_recruiting
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import EvaluationRecord, RegistrationRecord
from radtrial.store.repositories.randomisation import PlannedLevel
from radtrial.trial.eligibility import EligibilityResult
from radtrial.trial.optional_fraction import planned_prescription

__all__ = ["not_eligible", "planned_levels", "register"]


def not_eligible(evaluation: EvaluationRecord | None, what: str) -> NotEligible:
    """The refusal for a person whose latest evaluation is not eligible (or missing)."""
    if evaluation is None:
        return NotEligible(
            f"cannot {what}: no eligibility evaluation is recorded", location="eligibility"
        )
    result = EligibilityResult.from_json(evaluation.results)
    blocking = result.blocking()
    listed = "; ".join(f"{r.criterion_id} {r.outcome.value.replace('_', ' ')}" for r in blocking)
    return NotEligible(
        f"cannot {what}: the latest eligibility evaluation is {evaluation.status.replace('_', ' ')}"
        f" ({listed})",
        location="eligibility",
        detail={
            "status": evaluation.status,
            "criteria": [
                {
                    "criterion": r.criterion_id,
                    "outcome": r.outcome.value,
                    "reasons": list(r.reasons),
                }
                for r in blocking
            ],
        },
    )


def planned_levels(
    protocol: Protocol, arm_code: str, given: dict[str, bool] | None = None
) -> list[PlannedLevel]:
    """The planned prescription of ``arm_code``, with the optional fractions decided to be
    given (``given``: optional-fraction id -> give)."""
    return [
        PlannedLevel(
            p.dose_level,
            p.fractions,
            p.dose_per_fraction_gy,
            p.total_dose_gy,
            p.optional_fractions_added,
        )
        for p in planned_prescription(protocol.arm(arm_code), given or {})
    ]


def register(
    db: Database,
    *,
    actor: str,
    trial_slug: str,
    screening_id: str,
    registered_on: date | None = None,
) -> RegistrationRecord:
    """Register the screened person ``screening_id``; returns the registration.

    Refusals, with nothing written: :class:`PermissionDenied` (not an investigator or research
    nurse at the site), :class:`SiteNotActivated`, :class:`NotEligible` (latest evaluation not
    eligible, or made under another protocol version), :class:`NotConsented` (no consent, an
    outdated document version, or consent dated after the registration),
    :class:`AlreadyRegistered`, and :class:`Conflict` (a closed screening).
    """
    today = local_today(db)
    on = check_date(registered_on or today, today, "registered_on")

    def work(uow: ResearchUnitOfWork) -> RegistrationRecord:
        user = acting_user(uow, actor)
        enrolment = uow.enrolment
        screening = enrolment.screening(trial_slug, screening_id)
        require_site_role(
            user, ENROLMENT_ROLES, trial_slug, screening.site_code, "register participants"
        )
        # The lock comes before the checks, so a racing registration sees this one's commit.
        site = enrolment.trial_site(trial_slug, screening.site_code, lock=True)
        require_recruiting(site, "register participants")
        existing = enrolment.registration_of_screening(screening)
        if existing is not None:
            raise AlreadyRegistered(
                f"screening {screening.screening_id} is already registered as "
                f"{existing.participant.study_id}",
                location="screening_id",
                detail={"study_id": existing.participant.study_id},
            )
        closure = enrolment.closure(screening)
        if closure is not None:
            raise Conflict(
                f"screening {screening.screening_id} was closed ({closure.reason}) on "
                f"{closure.closed_on.isoformat()}",
                location="screening_id",
            )
        protocol, version = current_protocol(uow, trial_slug)
        evaluation = enrolment.latest_evaluation(screening)
        if evaluation is None or not evaluation.eligible:
            raise not_eligible(evaluation, "register")
        if evaluation.protocol_hash != version.content_hash:
            raise NotEligible(
                "cannot register: eligibility was evaluated under another protocol version; "
                f"screen {screening.screening_id} again under version {version.version_label}",
                location="eligibility",
                detail={
                    "evaluated_under": evaluation.protocol_hash,
                    "in_force": version.content_hash,
                },
            )
        consent = enrolment.latest_consent(screening)
        if consent is None:
            raise NotConsented(
                f"cannot register: no informed consent is recorded for {screening.screening_id}",
                location="consent",
            )
        if consent.document_version != protocol.consent.document_version:
            raise NotConsented(
                f"cannot register: consent was given to document version "
                f"{consent.document_version}; the protocol in force uses "
                f"{protocol.consent.document_version}",
                location="consent",
            )
        if consent.consented_on > on:
            raise InvalidInput(
                f"registration on {on.isoformat()} would precede the consent of "
                f"{consent.consented_on.isoformat()}",
                location="registered_on",
            )
        sequence = enrolment.next_site_sequence(site)
        study_id = protocol.registration.study_id(screening.site_code, sequence)
        randomised = protocol.randomisation is not None
        arm = None if randomised or len(protocol.arms) != 1 else protocol.arms[0].code
        registration = enrolment.add_registration(
            screening,
            site,
            study_id=study_id,
            site_sequence=sequence,
            protocol_version_id=version.id,
            evaluation_id=evaluation.id,
            consent_id=consent.id,
            registered_on=on,
            arm_code=arm,
        )
        if arm is not None:
            uow.randomisation.add_prescription(
                registration.participant,
                arm_code=arm,
                protocol_version_id=version.id,
                levels=planned_levels(protocol, arm),
            )
        return registration

    return db.run(work, actor=actor)

"""Use cases: record informed consent, record a withdrawal, and what may still be collected.

Consent is recorded against the screening (before registration): the consent document and its
version (which must be the one the protocol in force names), the date the person signed, who
obtained it (a user with the investigator or research nurse role at the site) and each optional
consent the protocol offers, ticked yes or no (PROSARC-2's biobank consent). A person may consent
again, to a new document version after an amendment; the latest consent counts.

A withdrawal is recorded against a registered participant: from treatment, from follow-up, or of
consent to data and samples (the kinds the protocol allows), once per kind, with the date and an
optional note (a participant need not give reasons). :func:`collection_status` applies the pure
rule :func:`radtrial.trial.consent.may_collect` to the participant's records, with what each
withdrawal kind stops as the participant's protocol version states it
(``consent.withdrawal_stops``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from radtrial.errors import Conflict, InvalidInput, NotFound
from radtrial.protocol.biobank import Withdrawal
from radtrial.services.access import ENROLMENT_ROLES, acting_user, has_role, require_site_role
from radtrial.services.protocol_versions import current_protocol, protocol_version
from radtrial.services.screening import check_date, local_today
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    ConsentRecord,
    ParticipantRecord,
    WithdrawalRecord,
)
from radtrial.trial.consent import (
    WITHDRAWAL_ORDER,
    Collectable,
    CollectionDecision,
    effective_withdrawals,
    may_collect,
)

__all__ = [
    "CollectionStatus",
    "collection_status",
    "record_consent",
    "record_withdrawal",
    "withdrawal_kinds",
]


def record_consent(
    db: Database,
    *,
    actor: str,
    trial_slug: str,
    screening_id: str,
    document_version: str,
    consented_on: date,
    obtained_by: str | None = None,
    optional: Mapping[str, bool] | None = None,
) -> ConsentRecord:
    """Record the screened person's informed consent.

    ``obtained_by`` defaults to the acting user and must be an investigator or research nurse
    at the screening's site. Every optional consent of the protocol must be answered; an
    unknown one is refused. Raises :class:`PermissionDenied`, :class:`InvalidInput` (wrong
    document version, a date in the future or before the screening, optional consents missing
    or unknown) and :class:`Conflict` (the screening is closed).
    """
    today = local_today(db)
    on = check_date(consented_on, today, "consented_on")
    answers = dict(optional or {})
    by = (obtained_by or actor).strip()

    def work(uow: ResearchUnitOfWork) -> ConsentRecord:
        user = acting_user(uow, actor)
        screening = uow.enrolment.screening(trial_slug, screening_id)
        require_site_role(user, ENROLMENT_ROLES, trial_slug, screening.site_code, "record consent")
        if by != actor:
            try:
                obtainer = uow.users.get(by)
            except NotFound:
                raise InvalidInput(
                    f"{by!r} is not a radtrial user", location="obtained_by"
                ) from None
            if not has_role(obtainer, ENROLMENT_ROLES, trial_slug, screening.site_code):
                raise InvalidInput(
                    f"{by!r} is not an investigator or research nurse at {screening.site_code} "
                    f"in {trial_slug}, so cannot have obtained consent",
                    location="obtained_by",
                )
        closure = uow.enrolment.closure(screening)
        if closure is not None:
            raise Conflict(
                f"screening {screening.screening_id} was closed ({closure.reason}); screen the "
                "person as a new screening",
                location="screening_id",
            )
        protocol, version = current_protocol(uow, trial_slug)
        document = protocol.consent
        if document_version.strip() != document.document_version:
            raise InvalidInput(
                f"the protocol in force ({version.version_label}) uses consent document version "
                f"{document.document_version}, not {document_version.strip()!r}",
                location="document_version",
            )
        offered = {o.code for o in document.optional}
        unknown = sorted(set(answers) - offered)
        if unknown:
            raise InvalidInput(
                f"{', '.join(unknown)} is not an optional consent of this protocol; it offers "
                f"{', '.join(sorted(offered)) or 'none'}",
                location="optional",
            )
        missing = sorted(offered - set(answers))
        if missing:
            raise InvalidInput(
                f"answer every optional consent (yes or no): {', '.join(missing)}",
                location="optional",
            )
        return uow.enrolment.add_consent(
            screening,
            protocol_version_id=version.id,
            document=document.document,
            document_version=document.document_version,
            consented_on=on,
            obtained_by=by,
            optional={code: bool(answers[code]) for code in sorted(offered)},
        )

    return db.run(work, actor=actor)


@dataclass(frozen=True)
class CollectionStatus:
    """A participant's withdrawals and, for each kind of collection, whether it may go on."""

    participant: ParticipantRecord
    withdrawals: tuple[WithdrawalRecord, ...]
    effective: tuple[Withdrawal, ...]
    optional_consents: Mapping[str, bool]
    decisions: Mapping[str, CollectionDecision]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "study_id": self.participant.study_id,
            "withdrawals": [
                {
                    "kind": w.kind,
                    "withdrawn_on": w.withdrawn_on.isoformat(),
                    "note": w.note,
                    "recorded_by": w.recorded_by,
                }
                for w in self.withdrawals
            ],
            "effective": list(self.effective),
            "optional_consents": dict(self.optional_consents),
            "may_collect": {
                what: {"allowed": d.allowed, "reason": d.reason}
                for what, d in self.decisions.items()
            },
        }


def withdrawal_kinds(uow: ResearchUnitOfWork, participant: ParticipantRecord) -> list[Withdrawal]:
    """The kinds of the participant's recorded withdrawals, from the least far-reaching."""
    kinds = {w.kind for w in uow.enrolment.withdrawals(participant)}
    return [kind for kind in WITHDRAWAL_ORDER if kind in kinds]


def _status(uow: ResearchUnitOfWork, participant: ParticipantRecord) -> CollectionStatus:
    withdrawals = tuple(uow.enrolment.withdrawals(participant))
    typed = withdrawal_kinds(uow, participant)
    registered = uow.enrolment.registration_of_participant(participant)
    consents: dict[str, bool] = {}
    if registered is not None:
        consent = uow.enrolment.latest_consent(registered[1])
        if consent is not None:
            consents = dict(consent.optional)
    protocol, _ = protocol_version(uow, participant.trial_slug, participant.protocol_version_id)
    samples = protocol.biobank.sample_types if protocol.biobank is not None else ()
    stops = protocol.consent.withdrawal_stops
    decisions: dict[str, CollectionDecision] = {}
    for what in Collectable:
        if what in (Collectable.NEW_SAMPLES, Collectable.STORED_SAMPLES_USE) and samples:
            for sample in samples:
                decisions[f"{what.value}.{sample.code}"] = may_collect(
                    what,
                    typed,
                    stops=stops,
                    optional_consents=consents,
                    requires_consent=sample.requires_consent,
                )
        else:
            decisions[what.value] = may_collect(
                what, typed, stops=stops, optional_consents=consents
            )
    effective = tuple(k for k in WITHDRAWAL_ORDER if k in effective_withdrawals(typed))
    return CollectionStatus(participant, withdrawals, effective, consents, decisions)


def collection_status(db: Database, *, actor: str, study_id: str) -> CollectionStatus:
    """What may still be collected from participant ``study_id`` (roles as for enrolment)."""

    def work(uow: ResearchUnitOfWork) -> CollectionStatus:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "see what may be collected",
        )
        return _status(uow, participant)

    return db.run(work, actor=actor, read_only=True)


def record_withdrawal(
    db: Database,
    *,
    actor: str,
    study_id: str,
    kind: Withdrawal,
    withdrawn_on: date,
    note: str | None = None,
) -> CollectionStatus:
    """Record that participant ``study_id`` withdraws (``kind``) as of ``withdrawn_on``.

    Returns what may still be collected afterwards. Raises :class:`InvalidInput` for a kind
    the protocol does not allow or a date in the future or before registration, and
    :class:`Conflict` for a kind already recorded.
    """
    today = local_today(db)
    on = check_date(withdrawn_on, today, "withdrawn_on")
    text = (note or "").strip() or None

    def work(uow: ResearchUnitOfWork) -> CollectionStatus:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id, lock=True)
        require_site_role(
            user,
            ENROLMENT_ROLES,
            participant.trial_slug,
            participant.site_code,
            "record a withdrawal",
        )
        protocol, _ = protocol_version(uow, participant.trial_slug, participant.protocol_version_id)
        if kind not in protocol.consent.withdrawal_kinds:
            raise InvalidInput(
                f"the protocol allows withdrawal {', '.join(protocol.consent.withdrawal_kinds)}, "
                f"not {kind!r}",
                location="kind",
            )
        registered = uow.enrolment.registration_of_participant(participant)
        if registered is not None and on < registered[0].registered_on:
            raise InvalidInput(
                f"{on.isoformat()} is before the registration on "
                f"{registered[0].registered_on.isoformat()}",
                location="withdrawn_on",
            )
        if any(w.kind == kind for w in uow.enrolment.withdrawals(participant)):
            raise Conflict(f"{study_id} already has a withdrawal of kind {kind}", location="kind")
        uow.enrolment.add_withdrawal(participant, kind=kind, withdrawn_on=on, note=text)
        return _status(uow, participant)

    return db.run(work, actor=actor)

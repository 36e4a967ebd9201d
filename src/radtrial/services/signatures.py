"""Electronic signatures of form records (issue 8 §4; 21 CFR 11.50, 11.70, 11.200; RELIABILITY.md
row 12).

An investigator at the participant's site signs an adverse event or a RECIST assessment by
re-entering their password (throttled like sign-in and counted against the same limits, so a
signature form is no way around them). The signature stores the signer's username and name, the
UTC time, the meaning ("I confirm this record is accurate") and the SHA-256 of the record's
canonical content. A signature is *valid* while it is not voided and the record's content still
hashes to the stored value; an edit of the record voids its signatures (audited: the void is an
update of the signature in the audit trail, with the edit's reason), and a signature copied onto
another record fails verification because the other record's content hashes differently.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from radtrial.errors import InvalidInput, NotAuthenticated, NotFound
from radtrial.services.access import INVESTIGATOR_ROLES, acting_user, require_site_role
from radtrial.services.auth import AuthPolicy, _reserve_attempt
from radtrial.services.policy import Action, require
from radtrial.services.users import verify_password
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import ParticipantRecord
from radtrial.store.repositories.access import AccessRepository
from radtrial.store.repositories.auth import AuthRepository
from radtrial.store.repositories.signatures import SignatureRecord, SignatureRepository

__all__ = [
    "DEFAULT_MEANING",
    "SIGNABLE",
    "SignatureRecord",
    "SignatureView",
    "SignedRecord",
    "content_sha256",
    "record_content",
    "sign_record",
    "signatures_of",
    "signed_record",
    "void_signatures",
]

#: The records that can be signed, by entity name.
SIGNABLE = ("adverse_events", "tumour_baselines", "tumour_follow_ups")
Signable = Literal["adverse_events", "tumour_baselines", "tumour_follow_ups"]

DEFAULT_MEANING = "I confirm this record is accurate"


@dataclass(frozen=True, slots=True)
class SignatureView:
    """A signature and its verification: ``valid``, ``voided``, or ``invalid`` (the record's
    content no longer hashes to the signed value: it was changed or the signature copied)."""

    signature: SignatureRecord
    status: Literal["valid", "voided", "invalid"]


def record_content(
    uow: ResearchUnitOfWork, participant: ParticipantRecord, entity: str, entity_id: int
) -> dict[str, Any]:
    """The record's fields as plain values; :class:`NotFound` unless it is the participant's."""
    found: Any = None
    if entity == "adverse_events":
        found = next(
            (e for e in uow.outcomes.adverse_events(participant) if e.id == entity_id), None
        )
    elif entity == "tumour_baselines":
        baseline = uow.tumours.baseline(participant)
        found = baseline if baseline is not None and baseline.id == entity_id else None
    elif entity == "tumour_follow_ups":
        found = next((f for f in uow.tumours.follow_ups(participant) if f.id == entity_id), None)
    else:
        raise InvalidInput(
            f"only {', '.join(SIGNABLE)} can be signed, not {entity!r}",
            location="entity",
            detail={"reason": "not_signable", "allowed": list(SIGNABLE)},
        )
    if found is None:
        raise NotFound(
            f"{participant.study_id} has no {entity.replace('_', ' ')} record {entity_id}",
            location="record_id",
        )
    return {"entity": entity, "record": asdict(found)}


def content_sha256(content: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of ``content`` (sorted keys, no spaces, ISO dates)."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _verify(uow: ResearchUnitOfWork, participant: ParticipantRecord, s: SignatureRecord) -> str:
    if s.voided_at is not None:
        return "voided"
    try:
        current = content_sha256(record_content(uow, participant, s.entity, s.entity_id))
    except NotFound:
        return "invalid"
    return "valid" if current == s.content_sha256 else "invalid"


def void_signatures(uow: ResearchUnitOfWork, entity: str, entity_id: int, reason: str) -> int:
    """Void the record's valid signatures in ``uow`` (an edit's unit of work); answers how many."""
    return len(SignatureRepository(uow).void(entity, entity_id, reason))


def sign_record(
    db: Database,
    policy: AuthPolicy,
    *,
    actor: str,
    study_id: str,
    entity: Signable | str,
    entity_id: int,
    password: str,
    meaning: str = DEFAULT_MEANING,
    client_address: str = "",
) -> SignatureView:
    """Sign the record as ``actor``, an investigator at the participant's site, after
    re-entering the password.

    Raises :class:`PermissionDenied` for another role or site, :class:`NotFound` for a record
    that is not the participant's, :class:`TooManyAttempts` beyond the sign-in limits and
    :class:`NotAuthenticated` for a wrong password (logged; the session stays open).
    """
    text = meaning.strip()
    if not text or len(text) > 200:
        raise InvalidInput("give the meaning in 1-200 characters", location="meaning")

    def check(uow: ResearchUnitOfWork) -> None:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require_site_role(
            user, INVESTIGATOR_ROLES, participant.trial_slug, participant.site_code, "sign records"
        )
        record_content(uow, participant, entity, entity_id)

    db.run(check, actor=actor, read_only=True)
    attempt = _reserve_attempt(db, policy, actor, client_address, "signature.password")
    credentials = db.run(
        lambda uow: AuthRepository(uow).credentials(actor), actor=actor, read_only=True
    )
    usable = credentials is not None and credentials.active
    known_hash = credentials.password_hash if credentials is not None and usable else None
    ok = verify_password(known_hash, password) and usable

    def work(uow: ResearchUnitOfWork) -> SignatureView | None:
        if not ok:
            AccessRepository(uow).append(
                action="signature.password",
                outcome="failed",
                entity=entity,
                entity_id=str(entity_id),
                client_address=client_address,
            )
            return None
        AuthRepository(uow).mark_attempt_succeeded(attempt)
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        digest = content_sha256(record_content(uow, participant, entity, entity_id))
        signed = SignatureRepository(uow).add(
            participant_id=participant.id,
            entity=entity,
            entity_id=entity_id,
            signer_name=user.full_name,
            meaning=text,
            content_sha256=digest,
        )
        return SignatureView(signed, "valid")

    done = db.run(work, actor=actor, reason=f"signed: {text}")
    if done is None:
        raise NotAuthenticated(
            "wrong password: re-enter your own password to sign", location="password"
        )
    return done


def signatures_of(
    db: Database, *, actor: str, study_id: str, entity: str, entity_id: int
) -> list[SignatureView]:
    """The record's signatures with their verification, for a user who may read the
    participant."""

    def work(uow: ResearchUnitOfWork) -> list[SignatureView]:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require(user, Action.PARTICIPANT_READ, participant.trial_slug, participant.site_code)
        record_content(uow, participant, entity, entity_id)
        return [
            SignatureView(s, _verify(uow, participant, s))  # type: ignore[arg-type]
            for s in SignatureRepository(uow).of_record(entity, entity_id)
        ]

    return db.run(work, actor=actor, read_only=True)


@dataclass(frozen=True)
class SignedRecord:
    """A signable record's fields and its signatures with their verification."""

    entity: str
    entity_id: int
    fields: dict[str, Any]
    signatures: tuple[SignatureView, ...]


def signed_record(
    db: Database, *, actor: str, study_id: str, entity: str, entity_id: int
) -> SignedRecord:
    """The record ``entity``/``entity_id`` of ``study_id`` with its signatures, for a user who
    may read the participant."""

    def work(uow: ResearchUnitOfWork) -> SignedRecord:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        require(user, Action.PARTICIPANT_READ, participant.trial_slug, participant.site_code)
        content = record_content(uow, participant, entity, entity_id)
        views = tuple(
            SignatureView(s, _verify(uow, participant, s))  # type: ignore[arg-type]
            for s in SignatureRepository(uow).of_record(entity, entity_id)
        )
        return SignedRecord(entity, entity_id, dict(content["record"]), views)

    return db.run(work, actor=actor, read_only=True)

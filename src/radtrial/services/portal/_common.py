"""What the portal's invitations and sessions share: the SHA-256 digests under which links,
codes and portal session tokens are stored, and the access log entry of a portal event."""

from __future__ import annotations

import hashlib

from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.records import ParticipantRecord
from radtrial.store.repositories.access import AccessRepository


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _token_digest(token: str) -> str:
    return _sha256("link:" + token)


def _code_digest(code: str) -> str:
    return _sha256("code:" + code)


def _session_digest(token: str) -> str:
    return _sha256("portal-session:" + token)


def _log(
    uow: ResearchUnitOfWork,
    action: str,
    outcome: str,
    address: str,
    participant: ParticipantRecord | None = None,
    **detail: object,
) -> None:
    AccessRepository(uow).append(
        action=action,
        outcome=outcome,
        entity=None if participant is None else "participants",
        entity_id=None if participant is None else participant.study_id,
        trial_slug=None if participant is None else participant.trial_slug,
        site_code=None if participant is None else participant.site_code,
        client_address=address,
        detail={k: v for k, v in detail.items() if v is not None} or None,
    )

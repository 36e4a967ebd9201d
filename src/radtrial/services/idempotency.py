"""Retried writes happen once: ``Idempotency-Key`` records (IETF
draft-ietf-httpapi-idempotency-key-header; RELIABILITY.md row 7).

A key is scoped to the signed-in user, so one user can never replay another's answer. The first
request with a key stores it *in flight* with the request's fingerprint (SHA-256 of method,
path, query and body); its answer is stored when it is given. A later request with the same key
gets that answer again, unchanged, if its fingerprint is the same; a different fingerprint is
refused (:class:`InvalidInput`, 422), and so is a duplicate that arrives while the first is still
in flight (:class:`Conflict`, 409). A request that fails without an answer worth keeping (a
server error) releases its key, and a key left in flight by a crash is taken over after
:data:`ABANDONED_AFTER`, so a retry is always possible.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from radtrial.errors import Conflict, InvalidInput
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.repositories.auth import AuthRepository

__all__ = [
    "ABANDONED_AFTER",
    "StoredAnswer",
    "begin",
    "complete",
    "fingerprint",
    "release",
    "validate_key",
]

#: An in-flight key older than this is taken to belong to a request that died.
ABANDONED_AFTER = timedelta(minutes=2)

_KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The answer given to the first request with a key, to send again."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    body: str


def validate_key(key: str) -> str:
    """The key, if it is 1-255 visible ASCII characters; :class:`InvalidInput` otherwise."""
    if not _KEY.fullmatch(key):
        raise InvalidInput("1-255 visible ASCII characters", location="Idempotency-Key")
    return key


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """The SHA-256 (hex) identifying a request's content."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), query.encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    digest.update(body)
    return digest.hexdigest()


def begin(db: Database, *, username: str, key: str, request_sha256: str) -> StoredAnswer | None:
    """Claim ``key`` for a new request (None: go ahead) or return the stored answer to replay.

    Raises :class:`InvalidInput` if the key was used for another request and :class:`Conflict`
    while the first request with it is still in flight.
    """
    validate_key(key)

    def work(uow: ResearchUnitOfWork) -> StoredAnswer | None:
        repo = AuthRepository(uow)
        stored = repo.idempotency_key(username, key)
        if stored is None or (
            stored.state == "in_flight" and uow.now() - stored.created_at > ABANDONED_AFTER
        ):
            repo.begin_idempotency_key(
                username, key, request_sha256, abandoned_before=uow.now() - ABANDONED_AFTER
            )
            return None
        if stored.request_sha256 != request_sha256:
            raise InvalidInput(
                "this Idempotency-Key was used for a different request; use a new key",
                location="Idempotency-Key",
            )
        if stored.state == "in_flight" or stored.status_code is None:
            raise Conflict(
                "a request with this Idempotency-Key is still being processed; retry later",
                location="Idempotency-Key",
            )
        return StoredAnswer(stored.status_code, stored.response_headers, stored.response_body or "")

    try:
        return db.run(work, actor=username)
    except Conflict as conflict:
        if conflict.location == "Idempotency-Key":
            raise
        # Two first requests raced to insert the key: the other one won and is in flight.
        raise Conflict(
            "a request with this Idempotency-Key is still being processed; retry later",
            location="Idempotency-Key",
        ) from conflict


def complete(
    db: Database,
    *,
    username: str,
    key: str,
    status_code: int,
    headers: list[tuple[str, str]],
    body: str,
) -> None:
    """Store the answer to the request that claimed ``key``."""
    db.run(
        lambda uow: AuthRepository(uow).complete_idempotency_key(
            username, key, status_code=status_code, headers=headers, body=body
        ),
        actor=username,
    )


def release(db: Database, *, username: str, key: str) -> None:
    """Forget the in-flight ``key`` of a request that failed, so a retry can run."""
    db.run(lambda uow: AuthRepository(uow).release_idempotency_key(username, key), actor=username)

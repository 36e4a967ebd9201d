"""Idempotency keys: first use claims, a duplicate in flight is refused, an answer is replayed,
an abandoned claim is taken over, and a claim committed by another request is never deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.errors import Conflict, InvalidInput
from radtrial.services import idempotency
from radtrial.store.database import Database
from tests.support import TickingClock

SHA = idempotency.fingerprint("POST", "/api/v1/users", "", b'{"username": "kari"}')
OTHER_SHA = idempotency.fingerprint("POST", "/api/v1/users", "", b'{"username": "ola"}')


def test_the_first_request_claims_and_a_duplicate_in_flight_is_a_conflict(
    database: Database,
) -> None:
    assert idempotency.begin(database, username="admin", key="k1", request_sha256=SHA) is None
    with pytest.raises(Conflict) as raised:
        idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)
    assert raised.value.location == "Idempotency-Key"


def test_a_completed_answer_is_replayed_and_a_different_body_is_refused(
    database: Database,
) -> None:
    idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)
    idempotency.complete(
        database,
        username="admin",
        key="k1",
        status_code=201,
        headers=[("content-type", "application/json")],
        body='{"ok": true}',
    )
    stored = idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)
    assert stored == idempotency.StoredAnswer(
        201, (("content-type", "application/json"),), '{"ok": true}'
    )
    with pytest.raises(InvalidInput, match="different request"):
        idempotency.begin(database, username="admin", key="k1", request_sha256=OTHER_SHA)
    # Keys are per user: another user's identical key is a fresh claim.
    assert idempotency.begin(database, username="other", key="k1", request_sha256=SHA) is None


def test_an_abandoned_claim_is_taken_over_but_a_recent_one_is_not(
    database: Database, clock: TickingClock
) -> None:
    idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)
    with pytest.raises(Conflict):
        idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)
    later = TickingClock(clock() + idempotency.ABANDONED_AFTER + timedelta(seconds=5))
    database.clock = later
    assert idempotency.begin(database, username="admin", key="k1", request_sha256=SHA) is None
    # The new claim is itself in flight.
    with pytest.raises(Conflict):
        idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)


def test_a_released_key_can_be_claimed_again(database: Database) -> None:
    idempotency.begin(database, username="admin", key="k1", request_sha256=SHA)
    idempotency.release(database, username="admin", key="k1")
    assert idempotency.begin(database, username="admin", key="k1", request_sha256=SHA) is None


def test_a_malformed_key_names_the_header(database: Database) -> None:
    with pytest.raises(InvalidInput) as raised:
        idempotency.begin(database, username="admin", key="has space", request_sha256=SHA)
    assert raised.value.location == "Idempotency-Key"

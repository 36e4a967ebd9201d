"""The audit trail: an append-only, hash-chained log with one row per changed field.

Each row records who (``actor``), when (``at_utc``), what (``action``, ``entity``,
``entity_id``, ``field``, ``old_value``, ``new_value``) and why (``reason``) for every insert,
update and delete, as 21 CFR Part 11 §11.10(e), EU Annex 11 §9 and ICH E6(R3) 4.2.2 require;
``tx_id`` groups the rows written by one unit of work.

Rows are numbered by ``seq``, a gap-free integer the application assigns, and chained:
``row_hash = SHA-256(prev_hash + canonical row)``, with 64 zeros before the first row. Any change
to a stored row breaks its own hash; a removed row leaves a gap or a broken link; a cut tail is
found against a :class:`Checkpoint` kept outside the database (the way Certificate Transparency
anchors a log head, RFC 9162). Database triggers refuse UPDATE, DELETE and TRUNCATE (see the
migrations), so the chain is the second line of defence, against whoever can drop a trigger.

Appends are serialised so the chain never forks: a SQLite write transaction already holds the
database's write lock (``BEGIN IMMEDIATE``); on PostgreSQL, :func:`lock_chain` takes a
transaction-scoped advisory lock before the head is read, and READ COMMITTED makes the read see
the previous holder's commit.

Timestamps are stored as canonical UTC text so that the hash covers exactly the stored bytes on
both engines (one ISO 8601 spelling, no driver-dependent rendering).
"""

from radtrial.store.audit.chain import (
    AUDIT_LOCK_KEY,
    GENESIS_HASH,
    REDACTED,
    AuditEntry,
    Change,
    append,
    audit_log_table,
    history,
    lock_chain,
    row_hash,
    serialise_value,
)
from radtrial.store.audit.verification import (
    AuditProblem,
    AuditReport,
    Checkpoint,
    verify,
)

__all__ = [
    "AUDIT_LOCK_KEY",
    "GENESIS_HASH",
    "REDACTED",
    "AuditEntry",
    "AuditProblem",
    "AuditReport",
    "Change",
    "Checkpoint",
    "append",
    "audit_log_table",
    "history",
    "lock_chain",
    "row_hash",
    "serialise_value",
    "verify",
]

"""Verifying both audit trails, and checkpoints of their heads kept outside the databases.

A hash chain shows that no stored row was changed, but whoever can rewrite the whole table can
also recompute every hash, and cutting rows off the end leaves a shorter chain that still
verifies. So the head of each chain (sequence number, count, hash) is written to a checkpoint
file that is kept away from the database (for example mailed to the sponsor or stored on
write-once media, daily), and later verifications compare against it, as Certificate
Transparency compares signed tree heads (RFC 9162; RELIABILITY.md row 2).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from radtrial.errors import AuditIntegrityError, Conflict, InvalidInput, NotFound
from radtrial.services.policy import Action, authorise, log_access
from radtrial.store.audit import AuditEntry, AuditReport, Checkpoint
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.migrations import CHAINS, Chain
from radtrial.store.records import UserRecord
from radtrial.store.repositories.access import AccessRepository

__all__ = [
    "CHECKPOINT_FORMAT",
    "ChainVerification",
    "RecordHistory",
    "read_checkpoint",
    "record_history",
    "verify_audit",
    "write_checkpoint",
]

#: The ``format`` field of a checkpoint file.
CHECKPOINT_FORMAT = "radtrial-audit-checkpoint/1"


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """The verification of one database's chain, and the checkpoint it was compared with."""

    chain: Chain
    database: str
    report: AuditReport
    checkpoint: Checkpoint | None

    @property
    def ok(self) -> bool:
        """True when the chain verified (and matched the checkpoint, if one was given)."""
        return self.report.ok

    def to_json(self) -> dict[str, Any]:
        """The JSON shape used by ``radtrial audit verify --json``."""
        problem = self.report.problem
        return {
            "chain": self.chain,
            "database": self.database,
            "ok": self.ok,
            "rows_checked": self.report.rows_checked,
            "head_seq": self.report.head_seq,
            "head_hash": self.report.head_hash,
            "problem": None
            if problem is None
            else {"kind": problem.kind, "seq": problem.seq, "message": problem.message},
            "checkpoint": None if self.checkpoint is None else self.checkpoint.to_json(),
        }


def read_checkpoint(path: Path) -> dict[Chain, Checkpoint]:
    """The checkpoints stored in the file at ``path``, by chain.

    Raises :class:`InvalidInput` located at the file if it cannot be read or is not a radtrial
    audit checkpoint.
    """
    location = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read the checkpoint: {exc}", location=location) from exc
    if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
        raise InvalidInput(f"not a {CHECKPOINT_FORMAT} file", location=location)
    chains = data.get("chains")
    if not isinstance(chains, dict) or set(chains) != set(CHAINS):
        raise InvalidInput(
            f"the checkpoint must hold the chains {', '.join(CHAINS)}", location=location
        )
    return {
        chain: Checkpoint.from_json(chains[chain], location=f"{location}:{chain}")
        for chain in CHAINS
    }


def verify_audit(db: Database, checkpoint_path: Path | None = None) -> list[ChainVerification]:
    """Verify the research and the identity chain, against a checkpoint file if given.

    Returns one result per chain (research first); a failed verification is a result, not an
    exception, so that both chains are always reported.
    """
    checkpoints = read_checkpoint(checkpoint_path) if checkpoint_path is not None else {}
    databases = db.describe()
    return [
        ChainVerification(
            chain=chain,
            database=databases[chain],
            report=db.verify_audit(chain, checkpoints.get(chain)),
            checkpoint=checkpoints.get(chain),
        )
        for chain in CHAINS
    ]


def write_checkpoint(db: Database, path: Path) -> dict[str, Any]:
    """Verify both chains, then write their heads to a new file at ``path``; returns its content.

    The heads written are the ones just verified. Only a chain that verifies is anchored:
    otherwise :class:`AuditIntegrityError` names the first bad row and nothing is written. An
    existing file is never overwritten (:class:`Conflict`), since an earlier checkpoint is
    exactly what later verifications need; the file appears complete or not at all.
    """
    verifications = verify_audit(db)
    for verification in verifications:
        problem = verification.report.problem
        if problem is not None:
            raise AuditIntegrityError(
                f"{verification.chain} audit trail does not verify, not anchoring it: "
                f"{problem.message}",
                location=f"{verification.chain}:audit_log.seq={problem.seq}",
                detail=verification.to_json(),
            )
    if path.exists():
        raise Conflict(
            "a checkpoint file already exists here; choose a new name", location=str(path)
        )
    taken_at = db.clock()
    content = {
        "format": CHECKPOINT_FORMAT,
        "chains": {
            v.chain: {"database": v.database, **v.report.checkpoint(taken_at).to_json()}
            for v in verifications
        },
    }
    _write_new_file(path, json.dumps(content, indent=2, ensure_ascii=False) + "\n")
    return content


def _write_new_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # link() fails if the name exists, so a concurrent writer cannot be overwritten either.
        os.link(temporary, path)
    except FileExistsError:
        raise Conflict(
            "a checkpoint file already exists here; choose a new name", location=str(path)
        ) from None
    finally:
        os.unlink(temporary)


@dataclass(frozen=True, slots=True)
class RecordHistory:
    """The audit trail of one record of the research database, oldest row first, with the
    trial and site the record belongs to (None: every trial or site)."""

    entity: str
    entity_id: str
    trial_slug: str | None
    site_code: str | None
    entries: list[AuditEntry]


def record_history(
    db: Database,
    *,
    user: UserRecord,
    entity: str,
    entity_id: str,
    client_address: str | None = None,
) -> RecordHistory:
    """Who changed what in the record ``entity``/``entity_id``, when and why.

    Allowed to a data manager, monitor or sponsor administrator whose grant covers the record's
    trial and site (:func:`radtrial.services.policy.decide`, ``audit.read``); every read and
    every refusal is written to the access log. Raises :class:`NotFound` for a record with no
    audit rows and :class:`PermissionDenied`.
    """

    def work(uow: ResearchUnitOfWork) -> RecordHistory:
        repo = AccessRepository(uow)
        entries = repo.history(entity, entity_id)
        if not entries:
            raise NotFound(f"no audit trail for {entity} {entity_id}", location="entity_id")
        trial, site = repo.scope(entity, entity_id, entries)
        return RecordHistory(entity, entity_id, trial, site, entries)

    history = db.run(work, actor=user.username, read_only=True)
    authorise(
        db,
        user,
        Action.AUDIT_READ,
        history.trial_slug,
        history.site_code,
        entity=entity,
        entity_id=entity_id,
        client_address=client_address,
    )
    log_access(
        db,
        actor=user.username,
        action=Action.AUDIT_READ.value,
        outcome="allowed",
        entity=entity,
        entity_id=entity_id,
        trial_slug=history.trial_slug,
        site_code=history.site_code,
        client_address=client_address,
    )
    return history

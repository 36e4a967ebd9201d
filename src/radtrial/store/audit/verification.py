"""Checking the chain: checkpoints kept outside the database and full verification.

See :mod:`radtrial.store.audit` for what the chain promises.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row, select

from radtrial.errors import AuditIntegrityError, InvalidInput
from radtrial.store.audit.chain import GENESIS_HASH, HASHED_COLUMNS, audit_log, row_hash
from radtrial.store.engine import snapshot
from radtrial.store.types import format_utc, require_utc

__all__ = ["AuditProblem", "AuditReport", "Checkpoint", "ProblemKind", "verify"]

ProblemKind = Literal["modified", "deleted", "inserted", "truncated", "rewritten"]

_BATCH_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of a chain at one moment, to be kept outside the database.

    A later :func:`verify` against it finds a cut tail (fewer rows) and a rewritten past (the
    row at ``head_seq`` no longer has ``head_hash``).
    """

    head_seq: int
    count: int
    head_hash: str
    taken_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The JSON form written to a checkpoint file."""
        return {
            "head_seq": self.head_seq,
            "count": self.count,
            "head_hash": self.head_hash,
            "taken_at_utc": format_utc(self.taken_at),
        }

    @classmethod
    def from_json(cls, data: Any, *, location: str) -> Checkpoint:
        """Read the JSON form back; raises :class:`InvalidInput` at ``location`` if malformed."""
        try:
            checkpoint = cls(
                head_seq=int(data["head_seq"]),
                count=int(data["count"]),
                head_hash=str(data["head_hash"]),
                taken_at=require_utc(datetime.fromisoformat(str(data["taken_at_utc"]))),
            )
        except (KeyError, TypeError, ValueError, InvalidInput) as exc:
            raise InvalidInput(f"not an audit checkpoint: {exc}", location=location) from exc
        if checkpoint.count != checkpoint.head_seq or len(checkpoint.head_hash) != 64:
            raise InvalidInput(
                "not an audit checkpoint: count must equal head_seq and head_hash be SHA-256",
                location=location,
            )
        return checkpoint


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """The first place the chain fails: what kind of tampering and at which ``seq``."""

    kind: ProblemKind
    seq: int
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of :func:`verify`.

    ``rows_checked``, ``head_seq`` and ``head_hash`` describe the verified prefix of the chain:
    all of it when :attr:`ok`, the rows before the problem otherwise.
    """

    rows_checked: int
    head_seq: int
    head_hash: str
    problem: AuditProblem | None

    @property
    def ok(self) -> bool:
        """True when the chain verified from the first row to the head (and the checkpoint)."""
        return self.problem is None

    def checkpoint(self, at: datetime) -> Checkpoint:
        """A checkpoint of the verified head, stamped ``at``; only for a chain that verified."""
        if self.problem is not None:
            raise AuditIntegrityError(
                "a chain that does not verify cannot be checkpointed",
                location=f"audit_log.seq={self.problem.seq}",
            )
        return Checkpoint(
            head_seq=self.head_seq,
            count=self.rows_checked,
            head_hash=self.head_hash,
            taken_at=require_utc(at),
        )


def verify(
    bind: Engine | Connection,
    checkpoint: Checkpoint | None = None,
    *,
    batch_rows: int = _BATCH_ROWS,
) -> AuditReport:
    """Recompute the whole chain and report the first row that does not verify.

    Rows are streamed in ``seq`` order, ``batch_rows`` at a time, inside one read snapshot. The
    first problem found is reported:

    * ``modified``: the row's stored hash differs from the hash of its stored content;
    * ``deleted``: ``seq`` jumps (the first missing ``seq`` is named), or a row's ``prev_hash``
      is not its predecessor's hash (the row before it was removed or replaced);
    * ``inserted``: a row links past its predecessor, which therefore does not belong, or a row
      has a ``seq`` below 1;
    * ``truncated``: the chain ends before the checkpoint's head (the first missing ``seq``);
    * ``rewritten``: the row at the checkpoint's head no longer has the checkpoint's hash.
    """
    if isinstance(bind, Connection):
        return _verify(bind, checkpoint, batch_rows)
    with snapshot(bind) as connection:
        return _verify(connection, checkpoint, batch_rows)


def _link_problem(row: Row[Any], prev_hash: str, before_prev_hash: str | None) -> AuditProblem:
    seq = row.seq
    if row.prev_hash == before_prev_hash:
        return AuditProblem(
            "inserted", seq - 1, f"row {seq} links to row {seq - 2}: row {seq - 1} was inserted"
        )
    return AuditProblem(
        "deleted",
        seq,
        f"row {seq} does not link to row {seq - 1}: a row before it was removed or replaced",
    )


def _row_problem(
    row: Row[Any],
    expected_seq: int,
    prev_hash: str,
    before_prev_hash: str | None,
    checkpoint: Checkpoint | None,
) -> AuditProblem | None:
    seq = row.seq
    if seq < expected_seq:
        return AuditProblem("inserted", seq, f"row {seq} is outside the chain (seq < 1)")
    if seq > expected_seq:
        missing = (
            f"row {expected_seq} is missing"
            if seq == expected_seq + 1
            else f"rows {expected_seq}-{seq - 1} are missing"
        )
        return AuditProblem("deleted", expected_seq, f"{missing}: seq jumps to {seq}")
    if row_hash(row.prev_hash, tuple(row[: len(HASHED_COLUMNS)])) != row.row_hash:
        return AuditProblem("modified", seq, f"row {seq} does not match its stored hash")
    if row.prev_hash != prev_hash:
        return _link_problem(row, prev_hash, before_prev_hash)
    if (
        checkpoint is not None
        and seq == checkpoint.head_seq
        and row.row_hash != checkpoint.head_hash
    ):
        return AuditProblem(
            "rewritten",
            seq,
            f"row {seq} differs from the checkpoint of {format_utc(checkpoint.taken_at)}: "
            "the chain up to it was rewritten",
        )
    return None


def _verify(connection: Connection, checkpoint: Checkpoint | None, batch_rows: int) -> AuditReport:
    columns = [audit_log.c[name] for name in HASHED_COLUMNS]
    columns += [audit_log.c.prev_hash, audit_log.c.row_hash]
    checked = 0
    prev_hash, before_prev_hash = GENESIS_HASH, None
    problem: AuditProblem | None = None
    last_seq: int | None = None
    while problem is None:
        query = select(*columns).order_by(audit_log.c.seq).limit(batch_rows)
        if last_seq is not None:
            query = query.where(audit_log.c.seq > last_seq)
        batch = connection.execute(query).all()
        if not batch:
            break
        for row in batch:
            problem = _row_problem(row, checked + 1, prev_hash, before_prev_hash, checkpoint)
            if problem is not None:
                break
            before_prev_hash, prev_hash = prev_hash, row.row_hash
            checked += 1
        last_seq = batch[-1].seq

    if problem is None and checkpoint is not None and checked < checkpoint.head_seq:
        problem = AuditProblem(
            "truncated",
            checked + 1,
            f"the chain ends at row {checked} but the checkpoint of "
            f"{format_utc(checkpoint.taken_at)} recorded {checkpoint.head_seq} rows",
        )
    return AuditReport(rows_checked=checked, head_seq=checked, head_hash=prev_hash, problem=problem)

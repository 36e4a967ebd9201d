"""``/audit``: the audit trail of one record, and verification of both chains."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.schemas import (
    ENTITY_ID_PATTERN,
    ENTITY_PATTERN,
    AuditEntryOut,
    AuditVerifyOut,
    ChainOut,
    RecordHistoryOut,
)
from radtrial.services import audit
from radtrial.services.policy import Action, authorise

router = APIRouter(prefix="/audit", tags=["audit"])

Entity = Annotated[
    str, Path(pattern=ENTITY_PATTERN, description="The record's table, e.g. participants")
]
EntityId = Annotated[str, Path(pattern=ENTITY_ID_PATTERN, description="The record's id")]


@router.get("/records/{entity}/{entity_id}", summary="A record's audit trail")
def record_history(
    entity: Entity,
    entity_id: EntityId,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> RecordHistoryOut:
    """Who changed what, when and why: every audit row of the record, oldest first. For data
    managers, monitors and sponsor administrators whose role covers the record's trial and
    site; each read is written to the access log."""
    history = audit.record_history(
        db, user=principal.user, entity=entity, entity_id=entity_id, client_address=address
    )
    return RecordHistoryOut(
        entity=history.entity,
        entity_id=history.entity_id,
        trial=history.trial_slug,
        site=history.site_code,
        entries=[
            AuditEntryOut(
                seq=e.seq,
                at_utc=e.at_utc,
                actor=e.actor,
                action=e.action,
                field=e.field,
                old_value=e.old_value,
                new_value=e.new_value,
                reason=e.reason,
                tx_id=e.tx_id,
            )
            for e in history.entries
        ],
    )


@router.get("/verify", summary="Verify both audit chains")
def verify(principal: ApiPrincipal, db: DatabaseDep, address: ClientAddress) -> AuditVerifyOut:
    """Recompute the research and identity hash chains (no record content is shown)."""
    authorise(db, principal.user, Action.AUDIT_VERIFY, None, None, client_address=address)
    results = audit.verify_audit(db)
    return AuditVerifyOut(
        ok=all(r.ok for r in results),
        chains=[
            ChainOut(
                chain=r.chain,
                ok=r.ok,
                rows_checked=r.report.rows_checked,
                head_seq=r.report.head_seq,
                head_hash=r.report.head_hash,
                problem=None
                if r.report.problem is None
                else {
                    "kind": r.report.problem.kind,
                    "seq": r.report.problem.seq,
                    "message": r.report.problem.message,
                },
            )
            for r in results
        ],
    )

"""``/trials/{slug}/randomisation``: the concealed allocation list, for the unblinded
statistician (generate, export) and anyone in the trial (verify, which shows no unused slot)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from radtrial.api.deps import ApiPrincipal, DatabaseDep
from radtrial.api.schemas import SLUG_PATTERN
from radtrial.api.schemas_enrolment import (
    AllocationListOut,
    ExportOut,
    StratumOut,
    VerificationOut,
)
from radtrial.errors import NotFound, RandomisationError
from radtrial.services import randomisation
from radtrial.services.participants import AllocationListRecord, StratumRecord

router = APIRouter(prefix="/trials/{slug}/randomisation", tags=["randomisation"])

Slug = Annotated[str, Path(pattern=SLUG_PATTERN, description="Trial slug, e.g. pallsoft")]


def _list_out(record: AllocationListRecord, strata: tuple[StratumRecord, ...]) -> dict[str, object]:
    return {
        "trial": record.trial_slug,
        "method": record.method,
        "algorithm": record.algorithm,
        "seed_sha256": record.seed_sha256,
        "generated_at": record.created_at,
        "generated_by": record.created_by,
        "strata": [StratumOut(stratum=s.key, slots=s.size, used=s.used) for s in strata],
    }


def _no_list(error: RandomisationError) -> NotFound:
    """A trial without a list yet: the list is the missing resource."""
    return NotFound(error.message, location="slug")


@router.post("/list", status_code=201, summary="Generate the allocation list")
def generate(slug: Slug, principal: ApiPrincipal, db: DatabaseDep) -> AllocationListOut:
    """Unblinded statistician only: generate the trial's list from the protocol in force and a
    fresh secret seed (shown only as its SHA-256). A list is never replaced (409)."""
    made = randomisation.generate_list(db, actor=principal.username, trial_slug=slug)
    return AllocationListOut.model_validate(_list_out(made.allocation_list, made.strata))


@router.get("/verify", summary="Verify the allocation list")
def verify(slug: Slug, principal: ApiPrincipal, db: DatabaseDep) -> VerificationOut:
    """Regenerate the list from its seed and check every used slot (no unused slot shown)."""
    try:
        checked = randomisation.verify_list(db, actor=principal.username, trial_slug=slug)
    except RandomisationError as error:
        if error.code != RandomisationError.code:
            raise
        raise _no_list(error) from None
    return VerificationOut.model_validate(
        {
            **_list_out(checked.allocation_list, checked.strata),
            "ok": checked.ok,
            "report": checked.report.to_json(),
        }
    )


@router.get("/export", summary="Export the allocation list (unblinded)")
def export(slug: Slug, principal: ApiPrincipal, db: DatabaseDep) -> ExportOut:
    """Unblinded statistician only: every slot, used or not; the export is recorded."""
    try:
        exported = randomisation.export_list(
            db, actor=principal.username, trial_slug=slug, format="json"
        )
    except RandomisationError as error:
        if error.code != RandomisationError.code:
            raise
        raise _no_list(error) from None
    record = exported.allocation_list
    return ExportOut(
        trial=record.trial_slug,
        seed_sha256=record.seed_sha256,
        list_sha256=record.list_sha256,
        rows=exported.rows(),
    )

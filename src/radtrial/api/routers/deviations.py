"""``/participants/{study_id}/course/deviations``: a course deviation acknowledged by the
investigator (a note required; it stays open while it applies). Audited by the course service
(see :mod:`radtrial.api.routers.course`, which shows the deviations with the course).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from radtrial.api.deps import ApiPrincipal, ClientAddress, DatabaseDep
from radtrial.api.routers.course import PREFIX, DeviationOut, ReasonIn, StudyId, deviation_out
from radtrial.services.course import acknowledge_deviation
from radtrial.services.course_access import course_write

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, tags=["course"])

DeviationId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Deviation id")]


@router.post("/deviations/{deviation_id}/acknowledgement", summary="Acknowledge a course deviation")
def acknowledge(
    study_id: StudyId,
    deviation_id: DeviationId,
    body: ReasonIn,
    principal: ApiPrincipal,
    db: DatabaseDep,
    address: ClientAddress,
) -> DeviationOut:
    """The investigator has seen the deviation (a note required); it stays open while it
    applies. Audited."""
    record = course_write(
        db,
        user=principal.user,
        study_id=study_id,
        client_address=address,
        write=lambda: acknowledge_deviation(
            db,
            actor=principal.username,
            study_id=study_id,
            deviation_id=deviation_id,
            reason=body.reason,
        ),
    )
    return deviation_out(record)

"""Path parameters and field types shared by the outcome routers: ``adverse_events``, ``ecog``,
``recist``, ``recist_corrections``, ``follow_up`` and ``biobank`` in :mod:`radtrial.api.routers`.

``Note`` is the enrolment schemas' free-text note (the same constraints), not a second copy.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

from radtrial.api.schemas import NONBLANK_PATTERN, SITE_PATTERN
from radtrial.api.schemas_enrolment import STUDY_ID_PATTERN, Note

__all__ = ["Note", "SiteCode", "StudyId", "Text", "VisitId"]

StudyId = Annotated[str, Path(pattern=STUDY_ID_PATTERN, description="Study id, PALL-OUS-0001")]
SiteCode = Annotated[str, Path(pattern=SITE_PATTERN, description="Site code, e.g. OUS")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=NONBLANK_PATTERN)]
VisitId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]

"""Endpoints with their definitions and time frames."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from radtrial.protocol.prescription import IDENT_PATTERN
from radtrial.protocol.section import Section

EndpointLevel = Literal["primary", "secondary", "exploratory"]
EndpointKind = Literal["binary", "time_to_event", "continuous", "ordinal", "count", "descriptive"]


class Endpoint(Section):
    """One endpoint of the trial."""

    id: str = Field(pattern=IDENT_PATTERN)
    level: EndpointLevel
    title: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    time_frame: str = Field(min_length=1)
    kind: EndpointKind
    assessments: tuple[str, ...] = Field(
        default=(), description="Assessment ids that supply the endpoint's data"
    )

"""The API's request and response bodies (the OpenAPI document's schemas).

Constraints that the services enforce are repeated here where JSON Schema can say them (name
patterns, lengths), so a request that the document calls valid is not refused as invalid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

USERNAME_PATTERN = r"^[a-z][a-z0-9._-]{1,63}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
SITE_PATTERN = r"^[A-Z][A-Z0-9]{1,7}$"
#: Stricter than the service's own check (ASCII only), so what the document calls valid is.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
ENTITY_PATTERN = r"^[a-z][a-z_]{0,63}$"
ENTITY_ID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z/_.-]{0,63}$"
#: Text with at least one visible character (not whitespace or a control character in either
#: JSON Schema's or Python's sense).
NONBLANK_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f\ufeff]"

RoleName = Literal[
    "investigator",
    "research_nurse",
    "physicist",
    "data_manager",
    "monitor",
    "unblinded_statistician",
    "sponsor_admin",
]


class Body(BaseModel):
    """Request bodies refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    """What went wrong: a stable ``code``, a message for people, the field at fault."""

    code: str = Field(description="Stable machine-readable error name, e.g. not_found")
    message: str
    location: str | None = Field(description="The field, parameter or header at fault")
    detail: dict[str, Any] = Field(description="Structured facts about the error")


class ErrorBody(BaseModel):
    """Every error answer has this shape; it never contains a stack trace."""

    error: ErrorDetail


# -- auth ---------------------------------------------------------------------------------


class LoginRequest(Body):
    username: Annotated[str, Field(min_length=1, max_length=64, pattern=NONBLANK_PATTERN)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class TotpRequest(Body):
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit TOTP code")]


class SignInStage(BaseModel):
    """After the password: the session may only present a TOTP code."""

    stage: Literal["second_factor"]
    username: str


class GrantOut(BaseModel):
    role: RoleName
    trial: str | None = Field(description="Trial slug; null: every trial")
    site: str | None = Field(description="Site code; null: every site")


class Me(BaseModel):
    """The signed-in user and the session's CSRF token (send it as ``X-CSRF-Token``)."""

    username: str
    full_name: str
    grants: list[GrantOut]
    csrf_token: str
    signed_in_at: datetime
    idle_expires_at: datetime
    expires_at: datetime


# -- trials -------------------------------------------------------------------------------


class VersionOut(BaseModel):
    label: str
    content_hash: str
    loaded_at: datetime
    loaded_by: str


class TrialSummaryOut(BaseModel):
    slug: str
    acronym: str
    title: str
    registry_id: str | None
    latest_version: VersionOut | None


class TrialSiteOut(BaseModel):
    code: str
    name: str
    city: str
    country: str
    status: str
    roles: list[str]


class AssumptionOut(BaseModel):
    path: str = Field(description="Where in the protocol the assumed value is")
    reason: str
    value: Any


class TrialOut(BaseModel):
    """A trial as one protocol version defines it, with its sites and version history."""

    slug: str
    acronym: str
    title: str
    registry_id: str | None
    version: VersionOut
    versions: list[VersionOut]
    sites: list[TrialSiteOut]
    protocol: dict[str, Any] = Field(description="The protocol version's validated content")
    assumptions: list[AssumptionOut]


# -- sites --------------------------------------------------------------------------------


class SiteTrialOut(BaseModel):
    trial: str
    status: str
    roles: list[str]
    participants: int = Field(description="Participants registered at the site in the trial")


class SiteOut(BaseModel):
    code: str
    name: str
    city: str
    country: str
    trials: list[SiteTrialOut] = Field(description="The trials at the site the user may see")


# -- users --------------------------------------------------------------------------------


class GrantIn(Body):
    role: RoleName
    trial: Annotated[str | None, Field(pattern=SLUG_PATTERN)] = None
    site: Annotated[str | None, Field(pattern=SITE_PATTERN)] = None


class NewUser(Body):
    username: Annotated[str, Field(pattern=USERNAME_PATTERN)]
    full_name: Annotated[str, Field(min_length=1, max_length=200, pattern=NONBLANK_PATTERN)]
    email: Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]
    grants: Annotated[list[GrantIn], Field(min_length=1, max_length=50)]
    password: Annotated[str | None, Field(min_length=12, max_length=1024)] = None


class UserPatch(Body):
    """Fields to change (absent: unchanged) and why."""

    full_name: Annotated[
        str | None, Field(min_length=1, max_length=200, pattern=NONBLANK_PATTERN)
    ] = None
    email: Annotated[str | None, Field(max_length=254, pattern=EMAIL_PATTERN)] = None
    active: bool | None = None
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NONBLANK_PATTERN)]


class UserOut(BaseModel):
    username: str
    full_name: str
    email: str
    active: bool
    has_password: bool
    created_at: datetime
    grants: list[GrantOut]
    version: str = Field(description="The user's version, also sent as the ETag")


# -- audit --------------------------------------------------------------------------------


class AuditEntryOut(BaseModel):
    seq: int
    at_utc: datetime
    actor: str
    action: str
    field: str
    old_value: Any
    new_value: Any
    reason: str | None
    tx_id: str


class RecordHistoryOut(BaseModel):
    entity: str
    entity_id: str
    trial: str | None
    site: str | None
    entries: list[AuditEntryOut]


class ChainOut(BaseModel):
    chain: str
    ok: bool
    rows_checked: int
    head_seq: int | None
    head_hash: str | None
    problem: dict[str, Any] | None


class AuditVerifyOut(BaseModel):
    ok: bool
    chains: list[ChainOut]

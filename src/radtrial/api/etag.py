"""Optimistic concurrency over HTTP: a representation's version travels as a strong ETag, and
an edit names the version it is based on in ``If-Match`` (RFC 9110 §8.8.3, §13.1.1). A stale
edit is answered 412 and a missing ``If-Match`` 428 (RFC 6585), so no update is lost."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from fastapi.responses import Response

__all__ = ["IfMatch", "etag", "expected_version", "set_etag"]

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag of the version the edit is based on (required: 428 without it, "
        "412 when it is no longer current)",
    ),
]


def etag(version: str) -> str:
    """The strong entity tag of ``version``."""
    return f'"{version}"'


def set_etag(response: Response, version: str) -> None:
    """Send ``version`` as the response's ETag."""
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None, current: str | None = None) -> str | None:
    """The version an ``If-Match`` header names: the first strong entity tag; ``*`` stands
    for ``current``. Weak tags never match (strong comparison). None when absent or empty."""
    if if_match is None or not if_match.strip():
        return None
    for tag in (part.strip() for part in if_match.split(",")):
        if tag == "*":
            return current if current is not None else "*"
        if tag.startswith('"') and tag.endswith('"') and len(tag) >= 2:
            return tag[1:-1]
    return "\x00unmatchable"

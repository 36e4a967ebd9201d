"""The protocol versions stored in the database, parsed once per process.

Enrolment checks every step against the protocol version in force (the latest loaded) or the
version a record was made under. Parsing a protocol file takes milliseconds, so parsed versions
are kept by content hash: the hash identifies the content, so a cached version can never be
stale, and the parse is checked to reproduce it.
"""

from __future__ import annotations

import threading

from radtrial.errors import NotFound, StorageError
from radtrial.protocol import Protocol, parse_protocol
from radtrial.store.database import ResearchUnitOfWork
from radtrial.store.records import ProtocolVersionRecord

__all__ = ["current_protocol", "protocol_version"]

_CACHE_SIZE = 64
_cache: dict[str, Protocol] = {}
_lock = threading.Lock()


def _parsed(uow: ResearchUnitOfWork, version: ProtocolVersionRecord) -> Protocol:
    with _lock:
        cached = _cache.get(version.content_hash)
    if cached is not None:
        return cached
    content = uow.trials.version_content(version.trial_slug, version.version_label)
    protocol = parse_protocol(
        content.source_text, f"{version.trial_slug} {version.version_label} (stored)"
    )
    if protocol.content_hash() != version.content_hash:
        raise StorageError(
            f"stored protocol version {version.version_label} of {version.trial_slug} no longer "
            "parses to its recorded content hash",
            location="protocol_versions",
        )
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[version.content_hash] = protocol
    return protocol


def current_protocol(
    uow: ResearchUnitOfWork, trial_slug: str
) -> tuple[Protocol, ProtocolVersionRecord]:
    """The trial's protocol version in force (the latest loaded) and its record.

    Raises :class:`NotFound` for an unknown trial or one without a protocol version.
    """
    version = uow.enrolment.protocol_version(trial_slug)
    if version is None:
        uow.trials.get(trial_slug)
        raise NotFound(
            f"trial {trial_slug!r} has no protocol version; load one with radtrial protocol load",
            location="trial",
        )
    return _parsed(uow, version), version


def protocol_version(
    uow: ResearchUnitOfWork, trial_slug: str, version_id: int
) -> tuple[Protocol, ProtocolVersionRecord]:
    """The trial's protocol version with this id, and its record; :class:`NotFound`."""
    version = uow.enrolment.protocol_version(trial_slug, version_id)
    if version is None:
        raise NotFound(
            f"trial {trial_slug!r} has no protocol version {version_id}",
            location="protocol_version",
        )
    return _parsed(uow, version), version

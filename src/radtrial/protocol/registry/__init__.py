"""Registry-record import: a ClinicalTrials.gov record -> a draft protocol that validates.

Two readers give one neutral :class:`RegistryRecord`: the plain-text mirror page
(:mod:`.text_record`) and the API v2 study JSON (:mod:`.ctgov_json`). :func:`draft_protocol`
maps the record onto the protocol model, marking every value the record does not give as an
assumption, and :func:`draft_toml` writes it as a protocol file. Pure: callers read files and
pass the import time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from radtrial.protocol.registry.ctgov_json import parse_ctgov_json
from radtrial.protocol.registry.draft import draft_protocol
from radtrial.protocol.registry.record import RegistryRecord, problem, record_error
from radtrial.protocol.registry.text_record import parse_text_record
from radtrial.protocol.registry.toml_writer import draft_toml_text

__all__ = [
    "RegistryRecord",
    "draft_protocol",
    "draft_toml",
    "read_registry_record",
]


def read_registry_record(text: str, source: str) -> RegistryRecord:
    """Read a registry record, JSON (API v2) or the mirror page's text, detected from ``text``.

    Raises :class:`~radtrial.errors.ProtocolError` naming ``source`` and what is wrong.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise record_error(source, [problem("", "the file is empty: not a registry record")])
    if stripped[0] in "{[":
        return parse_ctgov_json(stripped, source)
    return parse_text_record(text.lstrip("\ufeff"), source)


def draft_toml(record: RegistryRecord, imported_at: datetime) -> str:
    """The draft protocol of ``record`` as TOML text, headed by where and when it came from."""
    data: dict[str, Any] = draft_protocol(record, imported_at)
    return draft_toml_text(record, data, imported_at)

"""Protocol data -> TOML text, with a header saying it is an imported draft.

Serialised with ``tomli-w``; dates stay TOML dates. The header names the record and the import
time, which the caller passes in (the core never reads the clock).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tomli_w

from radtrial.protocol.registry.record import RegistryRecord


def header(record: RegistryRecord, imported_at: datetime) -> str:
    """The comment block at the top of an imported draft."""
    updated = record.last_updated.value.isoformat() if record.last_updated else "date not given"
    lines = [
        f"DRAFT protocol imported from the ClinicalTrials.gov record {record.registry_id} "
        f"(updated {updated}).",
        f"Source: {record.source}",
        f"Imported by radtrial at {imported_at.isoformat(timespec='seconds')}.",
        "",
        "Values the record does not give are placeholders marked with `assumption` /",
        "`assumptions` and the reason. Replace them from the full protocol, then load the file",
        "as a protocol version (`radtrial protocol load`).",
    ]
    if record.notes:
        lines += ["", "Importer notes:"]
        lines += [f"- {note}" for note in record.notes]
    return "".join(f"# {line}".rstrip() + "\n" for line in lines) + "\n"


def to_toml(data: dict[str, Any]) -> str:
    """The TOML text of protocol data."""
    return tomli_w.dumps(data, indent=2)


def draft_toml_text(record: RegistryRecord, data: dict[str, Any], imported_at: datetime) -> str:
    """Header plus TOML body of a drafted protocol."""
    return header(record, imported_at) + to_toml(data)

"""The assumption marks the importer writes, so no filled-in value passes for a sourced one.

``PLACEHOLDER`` marks a value the record does not give at all; :func:`derived` marks one the
importer read from the record's prose or worked out from it, which a person should check.
"""

from __future__ import annotations

import re
import unicodedata

PLACEHOLDER = (
    "Not in the registry record; placeholder set by the importer — replace from the protocol."
)


def placeholder(hint: str | None = None) -> str:
    """The placeholder reason, with an optional hint on what the value is or how it was chosen."""
    return f"{PLACEHOLDER} {hint}" if hint else PLACEHOLDER


def derived(how: str) -> str:
    """The reason for a value the importer derived from the record: ``how`` says from what."""
    return f"Not a field of the registry record; {how} — check against the protocol."


def ident(text: str, taken: set[str], fallback: str = "item", limit: int = 48) -> str:
    """A unique ``^[a-z][a-z0-9_]*$`` identifier from free text; adds it to ``taken``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.lower())
    name = ""
    for word in words:
        if len(name) + len(word) + 1 > limit and name:
            break
        name = f"{name}_{word}" if name else word
    if not name or not name[0].isalpha():
        name = f"{fallback}_{name}" if name else fallback
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    taken.add(candidate)
    return candidate

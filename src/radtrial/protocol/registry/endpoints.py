"""Endpoints for a draft: the record's outcome measures, else what its summary says.

The API's ``outcomesModule`` gives each outcome's measure, description and time frame. The
plain-text mirror page has no outcome list, so the summary's own sentences are used: "The
primary endpoint is local control after 2 years ..." and "Secondary endpoints include overall
survival, ...". The kind of endpoint (binary, time to event, ...) is never in the record; the
importer guesses it from the title and marks the guess.
"""

from __future__ import annotations

import re
from typing import Any

from radtrial.protocol.registry.marks import derived, ident, placeholder
from radtrial.protocol.registry.record import RegistryRecord

_LEVELS = {"primary": "primary", "secondary": "secondary", "other": "exploratory"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_PRIMARY = re.compile(
    r"\bprimary\s+(?:end\s*-?point|outcome(?:\s+measure)?)\s+(?:is|was|will\s+be)\s+(?:the\s+)?"
    r"(?P<title>[^,.;]+)",
    re.IGNORECASE,
)
_SECONDARY_LEAD = re.compile(
    r"\bsecondary\s+(?:end\s*-?points|outcomes)\s+(?:include|are|will\s+be|comprise)\s*:?\s*"
    r"(?P<items>.+?)\.?$",
    re.IGNORECASE,
)
_SECONDARY_TAIL = re.compile(
    r"^(?P<items>.+?)\s+will\s+be\s+(?:assessed|evaluated|investigated|explored)\s+as\s+"
    r"secondary\b",
    re.IGNORECASE,
)
_TIME = re.compile(
    r"\b(?:after|at|within|of|over)\s+(\d+\s+(?:days?|weeks?|months?|years?))\b|"
    r"\b(\d+)-(day|week|month|year)\b",
    re.IGNORECASE,
)
_KINDS: tuple[tuple[str, str], ...] = (
    (r"surviv|time\s+to|control|recurrence|progression|relapse", "time_to_event"),
    (r"\brates?\b|proportion|response|responder|feasib", "binary"),
    (r"toxicit|side\s+effect|adverse", "ordinal"),
    (r"quality\s+of\s+life|score|scale|intensity|satisfaction", "continuous"),
)
_KIND_REASON = derived("the kind of endpoint was guessed by the importer from its title")


def endpoint_kind(title: str) -> str:
    """A guess at the endpoint's kind from words in its title."""
    for pattern, kind in _KINDS:
        if re.search(pattern, title, re.IGNORECASE):
            return kind
    return "descriptive"


def time_frame_in(text: str) -> str | None:
    """ "local control after 2 years" -> "2 years"; "2-year LPFS" -> "2 years"."""
    match = _TIME.search(text)
    if match is None:
        return None
    if match.group(1):
        return match.group(1)
    count = int(match.group(2))
    return f"{count} {match.group(3).lower()}{'s' if count != 1 else ''}"


def _sentences(record: RegistryRecord) -> list[str]:
    texts = [t for t in (record.brief_summary, record.detailed_description) if t]
    return [s.strip() for text in texts for s in _SENTENCE_END.split(text) if s.strip()]


def _from_outcomes(record: RegistryRecord, taken: set[str]) -> list[dict[str, Any]]:
    out = []
    for outcome in record.outcomes:
        marks = {"kind": _KIND_REASON}
        if outcome.description is None:
            marks["definition"] = placeholder("The record gives only the measure; repeated here.")
        if outcome.time_frame is None:
            marks["time_frame"] = placeholder()
        out.append(
            {
                "id": ident(outcome.measure, taken, "endpoint"),
                "level": _LEVELS.get(outcome.level, "exploratory"),
                "title": outcome.measure,
                "definition": outcome.description or outcome.measure,
                "time_frame": outcome.time_frame or "Not in the registry record.",
                "kind": endpoint_kind(outcome.measure),
                "assumptions": marks,
            }
        )
    return out


def _split_list(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r",\s*", text) if p.strip()]
    if parts and " and " in parts[-1]:
        head, _, tail = parts[-1].partition(" and ")
        parts[-1:] = [head, tail] if head else [tail]
    cleaned = [re.sub(r"^(?:and|or)\s+", "", p).strip() for p in parts]
    return [c for c in cleaned if c]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _from_summary(record: RegistryRecord, taken: set[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for sentence in _sentences(record):
        primary = _PRIMARY.search(sentence)
        if primary and not any(e["level"] == "primary" for e in out):
            title = _capitalised(primary.group("title").strip())
            frame = time_frame_in(title) or time_frame_in(sentence)
            marks = {
                "title": derived("taken from the summary's sentence on the primary endpoint"),
                "kind": _KIND_REASON,
                "time_frame": derived("read from the summary's sentence")
                if frame
                else placeholder(),
            }
            out.append(
                {
                    "id": ident(title, taken, "endpoint"),
                    "level": "primary",
                    "title": title,
                    "definition": sentence,
                    "time_frame": frame or "Not in the registry record.",
                    "kind": endpoint_kind(title),
                    "assumptions": marks,
                }
            )
            continue
        secondary = _SECONDARY_LEAD.search(sentence) or _SECONDARY_TAIL.search(sentence)
        if secondary and not any(e["level"] == "secondary" for e in out):
            for item in _split_list(secondary.group("items")):
                title = _capitalised(item)
                out.append(
                    {
                        "id": ident(title, taken, "endpoint"),
                        "level": "secondary",
                        "title": title,
                        "definition": sentence,
                        "time_frame": "Not in the registry record.",
                        "kind": endpoint_kind(title),
                        "assumptions": {
                            "title": derived("listed in the summary's secondary endpoints"),
                            "time_frame": placeholder(),
                            "kind": _KIND_REASON,
                        },
                    }
                )
    return out


def draft_endpoints(record: RegistryRecord) -> list[dict[str, Any]]:
    """Endpoint tables for the draft; a marked placeholder primary if the record names none."""
    taken: set[str] = set()
    endpoints = _from_outcomes(record, taken) if record.outcomes else _from_summary(record, taken)
    if not any(e["level"] == "primary" for e in endpoints):
        endpoints.insert(
            0,
            {
                "id": ident("primary_endpoint", taken),
                "level": "primary",
                "title": "Primary endpoint (not in the registry record)",
                "definition": "Not in the registry record.",
                "time_frame": "Not in the registry record.",
                "kind": "descriptive",
                "assumption": placeholder(),
            },
        )
    return endpoints

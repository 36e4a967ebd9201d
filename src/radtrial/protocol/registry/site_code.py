"""Short site codes (``^[A-Z][A-Z0-9]{1,7}$``) for the facilities of a registry record.

A site code appears in every participant's study id, so it should be the abbreviation the
hospital is known by. The Norwegian hospitals that run radiotherapy have well-known ones (the
table below); any other facility gets the initials of its name. Codes are made unique within the
trial by a numeric suffix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: (pattern over the lower-cased facility name, code), first match wins.
KNOWN_SITES: tuple[tuple[str, str], ...] = (
    (r"oslo\s+universitetssykehus|oslo\s+university\s+hospital|radiumhospitalet|ullev[aå]l", "OUS"),
    (r"haukeland", "HUS"),
    (r"st\.?\s*olav", "STO"),
    (r"nord-?norge|north(?:ern)?\s+norway", "UNN"),
    (r"stavanger", "SUS"),
    (r"s[øo]rlandet|southern\s+norway", "SSHF"),
    (r"telemark", "STHF"),
    (r"innlandet", "SIHF"),
    (r"vestre\s+viken", "VVHF"),
    (r"nordlandssykehuset|\bnordland\b", "NLSH"),
    (r"m[øo]re\s+og\s+romsdal|more\s+and\s+romsdal", "HMR"),
    (r"akershus", "AHUS"),
    (r"f[øo]rde", "HFD"),
)
_STOP_WORDS = frozenset(
    {"of", "the", "and", "for", "at", "in", "i", "og", "av", "de", "la", "le", "du", "des",
     "der", "die", "und", "y", "e", "di", "del"}
)  # fmt: skip
_TRANSLITERATION = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss"})
_MAX_LENGTH = 8


@dataclass(frozen=True)
class SiteCode:
    """A site's code and whether it came from the table of known hospitals."""

    code: str
    known: bool


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def base_code(facility: str) -> SiteCode:
    """The code a facility would get on its own (before uniqueness)."""
    lowered = facility.lower()
    for pattern, code in KNOWN_SITES:
        if re.search(pattern, lowered):
            return SiteCode(code, known=True)
    words = re.findall(r"[A-Za-z0-9]+", _ascii(facility))
    initials = "".join(w[0] for w in words if w.lower() not in _STOP_WORDS).upper()
    if len(initials) < 2:
        initials = "".join(words).upper()[:4]
    if not initials or not initials[0].isalpha():
        initials = "S" + initials
    if len(initials) < 2:
        initials += "X"
    return SiteCode(initials[:_MAX_LENGTH], known=False)


def site_codes(facilities: list[str]) -> list[SiteCode]:
    """A unique code for each facility, in order (a repeated code gets a suffix 2, 3, ...)."""
    taken: set[str] = set()
    out: list[SiteCode] = []
    for facility in facilities:
        base = base_code(facility)
        code, number = base.code, 1
        while code in taken:
            number += 1
            suffix = str(number)
            code = base.code[: _MAX_LENGTH - len(suffix)] + suffix
        taken.add(code)
        out.append(SiteCode(code, base.known))
    return out

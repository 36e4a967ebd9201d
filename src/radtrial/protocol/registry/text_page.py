"""The plain-text mirror page cut into its sections: heading -> located lines.

A heading is a line that is exactly one of :data:`HEADINGS`; its section runs to the next
heading. The boilerplate sentence a mirror puts under most headings is dropped. Lines keep
their numbers so every problem found later can name its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from radtrial.protocol.registry.record import (
    RecordDate,
    parse_record_date,
    problem,
    unescape,
)

HEADINGS = frozenset(
    {
        "Study Results", "Basic Information", "Recruitment Status", "Clinical Phase",
        "Total Enrollment", "Study Classification", "Study Start Date",
        "Primary Completion Date", "Study Completion Date", "Brief Summary",
        "Detailed Description", "Conditions", "Keywords", "Study Design", "Allocation Method",
        "Intervention Model", "Primary Study Purpose", "Blinding Strategy", "Study Groups",
        "Interventions", "Eligibility Criteria", "Inclusion Criteria", "Exclusion Criteria",
        "Minimum Eligible Age", "Maximum Eligible Age", "Eligible Sex",
        "Accepts Healthy Volunteers", "Sponsors", "Responsible Party", "Principal Investigators",
        "Locations", "Countries", "Central Contacts", "Facility Contacts", "References",
        "Other Identifiers", "More Related Trials",
    }
)  # fmt: skip
#: Free text sections: only a known boilerplate opening is dropped from them.
_FREE_TEXT = frozenset({"Brief Summary", "Detailed Description"})
_KNOWN_BOILERPLATE = re.compile(
    r"^(Get a concise snapshot|Review the sponsor-provided synopsis|Dive into the extended "
    r"narrative|See the medical conditions|Understand how the trial|Review each arm|Learn about "
    r"the|Check the participation requirements|Meet the organizations|Identify the individual|"
    r"Explore where the study|Review the countries|Reach out to these|Find local site contact|"
    r"Explore related publications|Review additional registry numbers|Additional clinical "
    r"trials)\b"
)
#: A mirror's generic explanatory sentence at the top of a structured section.
_IMPERATIVE = re.compile(
    r"^(Get|Review|Dive|See|Understand|Learn|Check|Meet|Identify|Explore|Reach|Find)\b.*\.$"
)
KEY_VALUE = re.compile(r"^(NCT ID|Last Updated|Last Update Posted|First Posted):\s*(.*)$")


@dataclass(frozen=True)
class Line:
    """One line of the page: its number, stripped text and raw (indented) text."""

    number: int
    text: str
    raw: str


class Page:
    """A mirror page's sections and the problems found while reading them."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.problems: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.preamble: list[Line] = []
        self.sections: dict[str, list[Line]] = {}
        self.heading_lines: dict[str, int] = {}
        current: str | None = None
        for number, raw in enumerate(text.splitlines(), start=1):
            line = Line(number, raw.strip(), raw.rstrip())
            if line.text in HEADINGS:
                current = line.text
                self.sections.setdefault(current, [])
                self.heading_lines.setdefault(current, number)
            elif current is None:
                if line.text:
                    self.preamble.append(line)
            else:
                self.sections[current].append(line)
        for heading, lines in self.sections.items():
            self.sections[heading] = without_boilerplate(heading, lines)

    # -- access ---------------------------------------------------------------------------

    def lines(self, heading: str) -> list[Line]:
        """The non-blank lines of a section (none if the page lacks it)."""
        return [line for line in self.sections.get(heading, []) if line.text]

    def single(self, heading: str) -> Line | None:
        """The first line of a section: a single-value heading's value."""
        lines = self.lines(heading)
        return lines[0] if lines else None

    def paragraphs(self, heading: str) -> str | None:
        """A free-text section as plain text, paragraphs separated by a blank line."""
        paragraphs: list[list[str]] = [[]]
        for line in self.sections.get(heading, []):
            if line.text:
                paragraphs[-1].append(unescape(line.text))
            elif paragraphs[-1]:
                paragraphs.append([])
        text = "\n\n".join(" ".join(p) for p in paragraphs if p)
        return text or None

    def fail(self, heading: str, message: str, line: int | None) -> None:
        """Record a problem at ``heading``, ``line``."""
        self.problems.append(problem(heading, message, line))

    # -- coded and typed values -----------------------------------------------------------

    def coded(self, heading: str, allowed: frozenset[str], what: str) -> str | None:
        """A coded single value checked against ``allowed`` (upper-case, spaces as _)."""
        line = self.single(heading)
        if line is None:
            return None
        value = line.text.upper().replace(" ", "_")
        if value not in allowed:
            self.fail(heading, f"{line.text!r} is not {what}", line.number)
            return None
        return value

    def date(self, heading: str) -> RecordDate | None:
        """A single date value."""
        line = self.single(heading)
        if line is None:
            return None
        value = parse_record_date(line.text)
        if value is None:
            self.fail(heading, f"{line.text!r} is not a date (YYYY-MM-DD)", line.number)
        return value

    def preamble_value(self, key: str) -> Line | None:
        """The value of a ``Key: value`` line ("NCT ID: ..."), wherever it stands."""
        for line in (*self.preamble, *(ln for s in self.sections.values() for ln in s)):
            match = KEY_VALUE.match(line.text)
            if match and match.group(1) == key:
                return Line(line.number, match.group(2).strip(), line.raw)
        return None


def without_boilerplate(heading: str, lines: list[Line]) -> list[Line]:
    """The section's lines without the mirror's explanatory sentence at the top."""
    if heading in ("Study Results", "More Related Trials", "Basic Information", "Study Design"):
        return []
    for position, line in enumerate(lines):
        if not line.text:
            continue
        pattern = _KNOWN_BOILERPLATE if heading in _FREE_TEXT else _IMPERATIVE
        if pattern.match(line.text) or _KNOWN_BOILERPLATE.match(line.text):
            return lines[position + 1 :]
        return lines
    return lines

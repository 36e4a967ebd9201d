"""Dose and fractionation written in registry prose: "56 Gy in 16 fractions", "8 Gy x 1-2".

Recognised forms (doses in Gy or Gray, optionally "(RBE)"):

* total in count: "56 Gray (Gy) in 16 fractions";
* count of dose: "5 fractions of 5 Gy", "1-2 fractions of 8 Gy";
* dose times count: "8 Gy x 1-2", "5 Gy × 5"; count times dose: "5 x 5 Gy";
* a maximum level: "up to 80 Gy (5 Gy per fraction)", "a maximum dose-escalation to the tumor
  core of 80 Gy (5 Gy per fraction)";
* the weekly rhythm: "4 fractions per week", "14 Gy per week", "over 4 weeks".

A count range ("1-2") gives the lower count as planned fractions and the rest as optional ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUM = r"(\d+(?:[.,]\d+)?)"
_GY = r"\s*(?:Gy|Gray)(?:\s*\((?:Gy|Gray|RBE)\))?"
_COUNT = r"(\d{1,2})(?:\s*[-–]\s*(\d{1,2}))?"

_TOTAL_IN_COUNT = re.compile(rf"{_NUM}{_GY}\s+in\s+(\d{{1,2}})\s+(?:daily\s+)?fractions?\b", re.I)
_COUNT_OF_DOSE = re.compile(rf"\b{_COUNT}\s+fractions?\s+(?:of|à|at)\s+{_NUM}{_GY}", re.I)
_DOSE_TIMES = re.compile(rf"{_NUM}{_GY}\s*[x×]\s*{_COUNT}\b", re.I)
_TIMES_DOSE = re.compile(rf"\b(\d{{1,2}})\s*[x×]\s*{_NUM}{_GY}", re.I)
_MAXIMUM = re.compile(
    rf"(?:\bup\s+to|\bmaximum\b[^.]{{0,80}}?\b(?:of|to))\s+{_NUM}{_GY}\s*\(\s*{_NUM}{_GY}\s*"
    r"(?:per|/)\s*fraction\s*\)",
    re.I,
)
_PER_WEEK = re.compile(r"\b(\d)\s+fractions?\s+(?:per|a|each)\s+week\b", re.I)
_DOSE_PER_WEEK = re.compile(rf"{_NUM}{_GY}\s+per\s+week\b", re.I)
_OVER_WEEKS = re.compile(r"\bover\s+(\d{1,2})\s+weeks\b", re.I)

#: Tolerance for "a whole number of fractions" when dividing doses written in prose.
_WHOLE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Schedule:
    """A prescribed dose: planned fractions of one dose, plus optional extra fractions."""

    dose_per_fraction_gy: float
    fractions: int
    optional_fractions: int = 0
    phrase: str = ""

    @property
    def total_dose_gy(self) -> float:
        """Planned total dose (optional fractions not counted)."""
        return round(self.dose_per_fraction_gy * self.fractions, 6)


@dataclass(frozen=True)
class MaximumDose:
    """An upper dose level ("up to 80 Gy (5 Gy per fraction)")."""

    total_dose_gy: float
    dose_per_fraction_gy: float
    phrase: str

    @property
    def fractions(self) -> int | None:
        """Fractions implied by total / per-fraction dose, if a whole number."""
        return _whole(self.total_dose_gy / self.dose_per_fraction_gy)


@dataclass(frozen=True)
class Fractionation:
    """What a text says about dose and rhythm; ``None`` where it says nothing."""

    schedule: Schedule | None = None
    maximum: MaximumDose | None = None
    fractions_per_week: int | None = None
    rhythm_phrase: str | None = None


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _whole(value: float) -> int | None:
    nearest = round(value)
    return (
        nearest if nearest > 0 and math.isclose(value, nearest, abs_tol=_WHOLE_TOLERANCE) else None
    )


def _schedules(text: str) -> list[tuple[int, Schedule]]:
    found: list[tuple[int, Schedule]] = []
    for match in _TOTAL_IN_COUNT.finditer(text):
        total, count = _number(match.group(1)), int(match.group(2))
        found.append((match.start(), Schedule(round(total / count, 6), count, 0, match.group(0))))
    for match in _COUNT_OF_DOSE.finditer(text):
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        dose = _number(match.group(3))
        found.append((match.start(), Schedule(dose, low, max(high - low, 0), match.group(0))))
    for match in _DOSE_TIMES.finditer(text):
        dose = _number(match.group(1))
        low, high = int(match.group(2)), int(match.group(3) or match.group(2))
        found.append((match.start(), Schedule(dose, low, max(high - low, 0), match.group(0))))
    for match in _TIMES_DOSE.finditer(text):
        count, dose = int(match.group(1)), _number(match.group(2))
        found.append((match.start(), Schedule(dose, count, 0, match.group(0))))
    return sorted(found, key=lambda item: item[0])


def parse_fractionation(text: str) -> Fractionation:
    """The first prescribed schedule, a maximum level and the weekly rhythm found in ``text``."""
    schedules = [s for _, s in _schedules(text) if s.fractions > 0 and s.dose_per_fraction_gy > 0]
    schedule = schedules[0] if schedules else None
    maximum = None
    if match := _MAXIMUM.search(text):
        maximum = MaximumDose(_number(match.group(1)), _number(match.group(2)), match.group(0))
    per_week, phrase = _fractions_per_week(text, schedule)
    return Fractionation(schedule, maximum, per_week, phrase)


def _fractions_per_week(text: str, schedule: Schedule | None) -> tuple[int | None, str | None]:
    if match := _PER_WEEK.search(text):
        return int(match.group(1)), match.group(0)
    if schedule is None:
        return None, None
    if match := _DOSE_PER_WEEK.search(text):
        count = _whole(_number(match.group(1)) / schedule.dose_per_fraction_gy)
        if count is not None and count <= 7:
            return count, match.group(0)
    if match := _OVER_WEEKS.search(text):
        count = _whole(schedule.fractions / int(match.group(1)))
        if count is not None and count <= 7:
            return count, match.group(0)
    return None, None

"""Structure names: a plan's local ROI names normalised to AAPM TG-263 names.

TG-263 (Mayo et al., 2018, doi:10.1016/j.ijrobp.2017.12.013) standardises names such as
``SpinalCord``, ``Bowel_Small``, ``Kidneys``, ``Lungs``. Centres name ROIs their own way, so a
protocol carries per-site mapping tables (:class:`radtrial.protocol.constraints.StructureNames`).
Rules, first match wins: the site's exact names, the common (``"*"``) exact names, the site's
patterns, the common patterns, then the name itself when it already is a TG-263 name the
caller knows. Exact names match case-insensitively after trimming; patterns match in full,
case-insensitively. Names no rule maps are reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from radtrial.protocol.constraints import StructureNames

#: Common TG-263 names accepted as they are (targets are matched by prefix).
TG263_NAMES = frozenset(
    {
        "External", "Bladder", "Bowel", "Bowel_Large", "Bowel_Small", "BrachialPlex_L",
        "BrachialPlex_R", "Brain", "Brainstem", "CaudaEquina", "Colon_Sigmoid", "Duodenum",
        "Esophagus", "Femur_Head_L", "Femur_Head_R", "Femur_L", "Femur_R", "Genitals", "Heart",
        "Kidney_L", "Kidney_R", "Kidneys", "Liver", "Lung_L", "Lung_R", "Lungs", "Rectum",
        "Skin", "SpinalCanal", "SpinalCord", "Spleen", "Stomach",
    }
)  # fmt: skip
_TARGET = re.compile(r"^(GTV|CTV|ITV|PTV)(_[A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class NameMatch:
    """How one local name was mapped (``tg263`` is None when unmapped)."""

    local: str
    tg263: str | None
    rule: str  # "site", "common", "site_pattern", "common_pattern", "tg263" or "unmapped"


@dataclass(frozen=True)
class NameResolution:
    """The mapping of a plan's ROI names, and what could not be mapped."""

    matches: tuple[NameMatch, ...]

    @property
    def by_tg263(self) -> dict[str, str]:
        """TG-263 name -> the first local name mapped to it."""
        out: dict[str, str] = {}
        for match in self.matches:
            if match.tg263 is not None and match.tg263 not in out:
                out[match.tg263] = match.local
        return out

    @property
    def unmapped(self) -> tuple[str, ...]:
        """Local names no rule maps."""
        return tuple(m.local for m in self.matches if m.tg263 is None)

    @property
    def duplicates(self) -> dict[str, tuple[str, ...]]:
        """TG-263 names that several local names map to (the first is used)."""
        seen: dict[str, list[str]] = {}
        for match in self.matches:
            if match.tg263 is not None:
                seen.setdefault(match.tg263, []).append(match.local)
        return {name: tuple(locals_) for name, locals_ in seen.items() if len(locals_) > 1}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def normalise_names(
    local_names: Iterable[str],
    tables: Sequence[StructureNames],
    site: str | None = None,
    known: Iterable[str] = (),
) -> NameResolution:
    """Map each local ROI name to a TG-263 name by the site's and the common tables."""
    site_tables = [t for t in tables if site is not None and t.site == site]
    common = [t for t in tables if t.site == "*"]
    accepted = {_key(n): n for n in (*TG263_NAMES, *known)}
    matches = []
    for local in local_names:
        matches.append(_match(local, site_tables, common, accepted))
    return NameResolution(tuple(matches))


def _match(
    local: str,
    site_tables: list[StructureNames],
    common: list[StructureNames],
    accepted: dict[str, str],
) -> NameMatch:
    key = _key(local)
    for rule, group in (("site", site_tables), ("common", common)):
        for table in group:
            for name, tg263 in table.names.items():
                if _key(name) == key:
                    return NameMatch(local, tg263, rule)
    for rule, group in (("site_pattern", site_tables), ("common_pattern", common)):
        for table in group:
            for pattern, tg263 in table.patterns.items():
                if re.fullmatch(pattern, local.strip(), flags=re.IGNORECASE):
                    return NameMatch(local, tg263, rule)
    if key in accepted:
        return NameMatch(local, accepted[key], "tg263")
    if _TARGET.match(local.strip()):
        return NameMatch(local, local.strip(), "tg263")
    return NameMatch(local, None, "unmapped")

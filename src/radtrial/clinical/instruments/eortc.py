"""Scoring shared by the EORTC questionnaires: item checks, raw scores, linear transformation.

EORTC QLQ-C30 Scoring Manual, 3rd ed. (Fayers et al., EORTC 2001), "Scoring procedures":

* the raw score RS of a scale is the mean of its items;
* functional scales: S = [1 − (RS − 1)/range] × 100; symptom scales, single items and global
  health status: S = [(RS − 1)/range] × 100, where range is the highest answer minus 1 (3 for the
  four-point items, 6 for the seven-point items);
* missing items: when at least half of a scale's items are answered, RS is the mean of the
  answered items; otherwise the scale is missing. A single-item scale is missing when its item
  is ("Missing data").

Items are identified by number only. The item texts are the EORTC's copyright and are never part
of radtrial; a site loads its licensed texts per language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from radtrial.clinical._values import invalid, whole_number

__all__ = ["Scale", "ScaleKind", "ScaleScore", "read_items", "standard_score"]


class ScaleKind(StrEnum):
    """The direction of a scale: a high functional score is good, a high symptom score bad."""

    FUNCTIONAL = "functional"
    SYMPTOM = "symptom"
    GLOBAL = "global"


@dataclass(frozen=True, slots=True)
class Scale:
    """A scale of a questionnaire: its code (as in the scoring manual), name, kind and items."""

    code: str
    name: str
    kind: ScaleKind
    items: tuple[int, ...]


ScoringMethod = Literal["standard", "c15_pal_table"]


@dataclass(frozen=True, slots=True)
class ScaleScore:
    """A scale's 0–100 score, or None when too few of its items were answered.

    ``raw_score`` is the mean of the answered items for standard scoring and None for the
    QLQ-C15-PAL's table-scored scales. ``answered`` of ``items`` items were answered.
    """

    scale: str
    kind: ScaleKind
    score: float | None
    raw_score: float | None
    answered: int
    items: int
    method: ScoringMethod = "standard"


def read_items(
    responses: Mapping[int, object],
    *,
    instrument: str,
    highest: Mapping[int, int],
    field: str = "items",
) -> dict[int, int]:
    """The answered items of ``responses`` (item number → answer), checked.

    ``highest`` gives every item number of the instrument and its highest answer (4 or 7). An
    answer of None is a missing item. An unknown item number or an answer outside 1..highest is
    :class:`InvalidInput` located at ``items[<number>]``.
    """
    answered: dict[int, int] = {}
    for number, answer in responses.items():
        location = f"{field}[{number}]"
        if isinstance(number, bool) or not isinstance(number, int) or number not in highest:
            raise invalid(
                f"{instrument} has items 1–{max(highest)}, not {number!r}",
                location,
                "unknown_item",
            )
        if answer is None:
            continue
        answered[number] = whole_number(
            answer, location, 1, highest[number], f"{instrument} item {number}"
        )
    return answered


def standard_score(scale: Scale, answered: Mapping[int, int], highest: int) -> ScaleScore:
    """The scale's score by the scoring manual's mean, transformation and half-items rule."""
    values: Sequence[int] = [answered[i] for i in scale.items if i in answered]
    if 2 * len(values) < len(scale.items):
        return ScaleScore(scale.code, scale.kind, None, None, len(values), len(scale.items))
    raw = sum(values) / len(values)
    spread = highest - 1
    if scale.kind is ScaleKind.FUNCTIONAL:
        score = (1 - (raw - 1) / spread) * 100
    else:
        score = (raw - 1) / spread * 100
    return ScaleScore(scale.code, scale.kind, score, raw, len(values), len(scale.items))

"""EORTC QLQ-C30 version 3.0 scoring (Scoring Manual, 3rd ed., EORTC 2001).

30 items: 1–28 are answered 1–4, 29–30 (global health status) 1–7. Fifteen scales: five
functional, three symptom scales, six single items and global health status/QoL (DOMAIN.md
§6.1). Scale codes are those of DOMAIN.md; the manual writes the version-3 forms of PF, RF and
QL as PF2, RF2 and QL2. Worked examples: PF answers (2, 1, 1, 1, 1) give 93.33, PA (3, 2) gives
50.0 and QL (5, 4) gives 58.33.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from radtrial.clinical.instruments.eortc import (
    Scale,
    ScaleKind,
    ScaleScore,
    read_items,
    standard_score,
)

__all__ = ["QLQ_C30_HIGHEST", "QLQ_C30_SCALES", "score_qlq_c30"]

_F, _S, _G = ScaleKind.FUNCTIONAL, ScaleKind.SYMPTOM, ScaleKind.GLOBAL

#: The scales and their item numbers (Scoring Manual, "Scoring the QLQ-C30 version 3.0").
QLQ_C30_SCALES: tuple[Scale, ...] = (
    Scale("PF", "Physical functioning", _F, (1, 2, 3, 4, 5)),
    Scale("RF", "Role functioning", _F, (6, 7)),
    Scale("EF", "Emotional functioning", _F, (21, 22, 23, 24)),
    Scale("CF", "Cognitive functioning", _F, (20, 25)),
    Scale("SF", "Social functioning", _F, (26, 27)),
    Scale("FA", "Fatigue", _S, (10, 12, 18)),
    Scale("NV", "Nausea and vomiting", _S, (14, 15)),
    Scale("PA", "Pain", _S, (9, 19)),
    Scale("DY", "Dyspnoea", _S, (8,)),
    Scale("SL", "Insomnia", _S, (11,)),
    Scale("AP", "Appetite loss", _S, (13,)),
    Scale("CO", "Constipation", _S, (16,)),
    Scale("DI", "Diarrhoea", _S, (17,)),
    Scale("FI", "Financial difficulties", _S, (28,)),
    Scale("QL", "Global health status/QoL", _G, (29, 30)),
)

#: The highest answer of each item: 4 for items 1–28, 7 for items 29–30.
QLQ_C30_HIGHEST: Mapping[int, int] = MappingProxyType(
    {number: 7 if number >= 29 else 4 for number in range(1, 31)}
)


def score_qlq_c30(
    responses: Mapping[int, object], *, field: str = "items"
) -> dict[str, ScaleScore]:
    """Every scale's score from answers by item number (None or absent = not answered).

    Returns the scales in the manual's order, keyed by code; a scale with fewer than half its
    items answered scores None. Unknown items and out-of-range answers are
    :class:`InvalidInput` at ``items[<number>]``.
    """
    answered = read_items(responses, instrument="QLQ-C30", highest=QLQ_C30_HIGHEST, field=field)
    return {
        scale.code: standard_score(scale, answered, QLQ_C30_HIGHEST[scale.items[0]])
        for scale in QLQ_C30_SCALES
    }

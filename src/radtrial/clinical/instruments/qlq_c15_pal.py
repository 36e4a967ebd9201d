"""EORTC QLQ-C15-PAL scoring (Groenvold et al., Eur J Cancer 2006;42:55–64,
doi:10.1016/j.ejca.2005.06.022; Groenvold & Petersen, "Addendum to the EORTC QLQ-C30 Scoring
Manual: Scoring of the EORTC QLQ-C15-PAL", EORTC 2006).

15 items: 1–14 answered 1–4, item 15 (overall quality of life) 1–7. Ten scales (DOMAIN.md §6.2):

* **PF** (items 1–3), **EF** (13–14), **FA** (7, 11) and **NV** (9) are shortened versions of
  QLQ-C30 scales. Their scores come from lookup tables that map the answers to the expected
  QLQ-C30 score, so each is a point of the C30 scale it stands for: PF in steps of 100/15 (C30
  PF has 5 items × range 3), EF in steps of 100/12, FA of 100/9 and NV of 100/6. FA depends on
  both items, not only their sum.
* **QL** (15), **PA** (5, 12), **DY** (4), **SL** (6), **AP** (8) and **CO** (10) are scored as
  in the QLQ-C30 manual (:mod:`.eortc`), including its half-items rule.

Provenance (docs/decisions/0040-clinical-scales.md): the EORTC addendum itself was not available.
The tables were checked against the source code of the Stata command ``qlqc15`` (N.H. Bruun,
Aarhus University, 2016), which implements the addendum, and agree with DOMAIN.md §6.2 cell by
cell. Like that implementation, a table-scored scale needs all its items: the tables are
defined on complete answers, and no rule for a missing item was found. Verify both against the
addendum before production use.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

from radtrial.clinical.instruments.eortc import (
    Scale,
    ScaleKind,
    ScaleScore,
    read_items,
    standard_score,
)

__all__ = [
    "C15_PAL_EF_BY_SUM",
    "C15_PAL_FA_BY_ITEMS",
    "C15_PAL_NV_BY_ITEM",
    "C15_PAL_PF_BY_SUM",
    "QLQ_C15_PAL_HIGHEST",
    "QLQ_C15_PAL_SCALES",
    "score_qlq_c15_pal",
]

_F, _S, _G = ScaleKind.FUNCTIONAL, ScaleKind.SYMPTOM, ScaleKind.GLOBAL

QLQ_C15_PAL_SCALES: tuple[Scale, ...] = (
    Scale("PF", "Physical functioning", _F, (1, 2, 3)),
    Scale("EF", "Emotional functioning", _F, (13, 14)),
    Scale("FA", "Fatigue", _S, (7, 11)),
    Scale("NV", "Nausea and vomiting", _S, (9,)),
    Scale("PA", "Pain", _S, (5, 12)),
    Scale("DY", "Dyspnoea", _S, (4,)),
    Scale("SL", "Insomnia", _S, (6,)),
    Scale("AP", "Appetite loss", _S, (8,)),
    Scale("CO", "Constipation", _S, (10,)),
    Scale("QL", "Overall quality of life", _G, (15,)),
)

#: The highest answer of each item: 4 for items 1–14, 7 for item 15.
QLQ_C15_PAL_HIGHEST: Mapping[int, int] = MappingProxyType(
    {number: 7 if number == 15 else 4 for number in range(1, 16)}
)


def _steps(numerators: Mapping[int, int], denominator: int) -> Mapping[int, Fraction]:
    return MappingProxyType({k: Fraction(100 * n, denominator) for k, n in numerators.items()})


#: PF score by the sum of items 1–3 (3–12): C30 PF points n × 100/15.
C15_PAL_PF_BY_SUM: Mapping[int, Fraction] = _steps(
    {3: 14, 4: 11, 5: 9, 6: 7, 7: 5, 8: 4, 9: 3, 10: 2, 11: 1, 12: 0}, 15
)
#: EF score by the sum of items 13 and 14 (2–8): C30 EF points n × 100/12.
C15_PAL_EF_BY_SUM: Mapping[int, Fraction] = _steps({2: 12, 3: 10, 4: 8, 5: 6, 6: 5, 7: 2, 8: 0}, 12)
#: FA score by (item 7 "weak", item 11 "tired"): C30 FA points n × 100/9.
C15_PAL_FA_BY_ITEMS: Mapping[tuple[int, int], Fraction] = MappingProxyType(
    {
        (weak, tired): Fraction(100 * n, 9)
        for (weak, tired), n in {
            (1, 1): 0, (1, 2): 2, (1, 3): 3, (1, 4): 5,
            (2, 1): 2, (2, 2): 3, (2, 3): 5, (2, 4): 6,
            (3, 1): 3, (3, 2): 4, (3, 3): 6, (3, 4): 8,
            (4, 1): 4, (4, 2): 6, (4, 3): 8, (4, 4): 9,
        }.items()
    }
)  # fmt: skip
#: NV score by item 9 (1–4): C30 NV points n × 100/6.
C15_PAL_NV_BY_ITEM: Mapping[int, Fraction] = _steps({1: 0, 2: 1, 3: 3, 4: 6}, 6)


def _table_score(scale: Scale, answered: Mapping[int, int]) -> ScaleScore:
    values = [answered[i] for i in scale.items if i in answered]
    if len(values) < len(scale.items):
        return ScaleScore(
            scale.code, scale.kind, None, None, len(values), len(scale.items), "c15_pal_table"
        )
    if scale.code == "PF":
        exact = C15_PAL_PF_BY_SUM[sum(values)]
    elif scale.code == "EF":
        exact = C15_PAL_EF_BY_SUM[sum(values)]
    elif scale.code == "FA":
        exact = C15_PAL_FA_BY_ITEMS[(values[0], values[1])]
    else:
        exact = C15_PAL_NV_BY_ITEM[values[0]]
    return ScaleScore(
        scale.code, scale.kind, float(exact), None, len(values), len(scale.items), "c15_pal_table"
    )


_TABLE_SCORED = frozenset({"PF", "EF", "FA", "NV"})


def score_qlq_c15_pal(
    responses: Mapping[int, object], *, field: str = "items"
) -> dict[str, ScaleScore]:
    """Every scale's score from answers by item number (None or absent = not answered).

    PF, EF, FA and NV are scored by the addendum's tables and need all their items; the others
    follow the QLQ-C30 manual. Unknown items and out-of-range answers are
    :class:`InvalidInput` at ``items[<number>]``.
    """
    answered = read_items(
        responses, instrument="QLQ-C15-PAL", highest=QLQ_C15_PAL_HIGHEST, field=field
    )
    return {
        scale.code: (
            _table_score(scale, answered)
            if scale.code in _TABLE_SCORED
            else standard_score(scale, answered, QLQ_C15_PAL_HIGHEST[scale.items[0]])
        )
        for scale in QLQ_C15_PAL_SCALES
    }

"""The protocol's plan-quality constraints: a dose-constraint table and structure-name mapping.

Each row names a structure by its AAPM TG-263 name, a DVH metric in TG-263 notation
(``D95%``, ``Dmax``, ``D0.03cc``, ``V20Gy[%]``, ``Dmean``), the limit that passes, and the
threshold up to which a miss is a minor deviation; beyond it the deviation is major (the usual
per-protocol / minor / major scoring of trial RT quality assurance). Constraints a trial's
public record does not give are labelled assumptions with their source and, for organ-at-risk
limits taken from other fractionations, the EQD2 conversion that produced them.

Plans name structures as their centre does (``CTV_56``, ``Rectum_PRV``...). ``structure_names``
maps local names to TG-263 names per site; :mod:`radtrial.rt.constraints` reports names that
no rule maps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, model_validator

from radtrial.protocol.section import Section

Comparison = Literal["<=", ">="]
ConstraintKind = Literal["target_coverage", "target_maximum", "organ_at_risk"]

_METRIC = re.compile(r"^(Dmean|Dmin|Dmax|D\d+(\.\d+)?(%|cc)(\[Gy\])?|V\d+(\.\d+)?Gy(\[(%|cc)\])?)$")
_IDENT = r"^[a-z][a-z0-9_]*$"


class DoseConstraint(Section):
    """One row: ``metric(structure) comparison limit``, with a minor-deviation threshold."""

    id: str = Field(pattern=_IDENT)
    structure: str = Field(min_length=1, description="TG-263 structure name")
    metric: str = Field(description="TG-263 DVH metric, e.g. D95%, Dmax, D0.03cc, V20Gy[%]")
    comparison: Comparison
    limit: float = Field(description="Passes when metric comparison limit holds")
    minor_limit: float = Field(
        description="A miss that still satisfies metric comparison minor_limit is minor"
    )
    kind: ConstraintKind
    required: bool = Field(
        default=True, description="False: skipped (reported) when the plan lacks the structure"
    )
    source: str = Field(default="", description="Where the limit comes from")

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> DoseConstraint:
        if not _METRIC.match(self.metric):
            raise ValueError(
                f"metric {self.metric!r} is not a TG-263 DVH metric (D95%, Dmax, D0.03cc, "
                "V20Gy[%], Dmean)"
            )
        looser = self.minor_limit >= self.limit if self.comparison == "<=" else (
            self.minor_limit <= self.limit
        )  # fmt: skip
        if not looser:
            raise ValueError(
                f"minor_limit {self.minor_limit:g} must be looser than limit {self.limit:g} "
                f"for a '{self.comparison}' constraint"
            )
        return self


class StructureNames(Section):
    """How one site (or ``"*"``, every site) names structures: local name -> TG-263 name.

    Keys are matched case-insensitively after trimming; ``patterns`` are regular expressions
    (full match, case-insensitive) tried after the exact names.
    """

    site: str = Field(min_length=1)
    names: Mapping[str, str] = Field(default_factory=dict)
    patterns: Mapping[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _patterns_compile(self) -> StructureNames:
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"patterns.{pattern!r}: {exc}") from exc
        return self


class DoseConstraints(Section):
    """The plan-QA table of a protocol."""

    dose_unit: Literal["Gy", "Gy(RBE)"]
    prescription_gy: PositiveFloat = Field(description="Prescribed dose of the main target")
    fractions: PositiveInt
    target: str = Field(min_length=1, description="TG-263 name of the prescription target")
    rows: tuple[DoseConstraint, ...] = Field(min_length=1)
    structure_names: tuple[StructureNames, ...] = ()

    @model_validator(mode="after")
    def _unique_rows(self) -> DoseConstraints:
        seen: set[str] = set()
        for row in self.rows:
            if row.id in seen:
                raise ValueError(f"rows: duplicate id {row.id!r}")
            seen.add(row.id)
        return self

"""Analysis parameters: populations, the primary analysis and the responder definition."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, model_validator

from radtrial.protocol.prescription import IDENT_PATTERN
from radtrial.protocol.section import Section

Method = Literal["farrington_manning", "landmark_survival", "one_sample_logrank", "logrank"]


class Population(Section):
    """An analysis population (ICH E9 §5.2)."""

    id: str = Field(pattern=IDENT_PATTERN)
    label: str = Field(min_length=1)
    definition: str = Field(min_length=1)


class Responder(Section):
    """Who counts as a responder on a patient-reported scale."""

    assessment: str = Field(description="Assessment id of the scale")
    visit: str = Field(description="Visit id at which response is judged")
    min_reduction_points: PositiveFloat
    definition: str = Field(min_length=1)
    death_before_visit: Literal["non_responder", "excluded"]
    analgesic_rule_symptoms: tuple[str, ...] = Field(
        description="Target symptoms whose reduction counts only without an analgesic increase "
        "(empty: none)"
    )

    @model_validator(mode="after")
    def _symptom_ids(self) -> Responder:
        seen: set[str] = set()
        for symptom in self.analgesic_rule_symptoms:
            if not re.fullmatch(IDENT_PATTERN, symptom):
                raise ValueError(
                    f"analgesic_rule_symptoms: {symptom!r} is not a symptom category id "
                    "(lower case, e.g. pain)"
                )
            if symptom in seen:
                raise ValueError(f"analgesic_rule_symptoms: {symptom!r} is given twice")
            seen.add(symptom)
        return self

    def analgesic_rule_applies(self, symptom: str | None) -> bool:
        """Whether a reduction of ``symptom`` counts only without an analgesic increase."""
        return symptom is not None and symptom.strip().casefold() in self.analgesic_rule_symptoms


class PrimaryAnalysis(Section):
    """The primary analysis and the design parameters it was sized with."""

    endpoint: str
    method: Method
    population: str
    alpha: float = Field(gt=0, lt=0.5)
    sided: Literal[1, 2]
    power: float = Field(gt=0, lt=1)
    margin: float | None = Field(default=None, gt=0, lt=1, description="NI margin (risk diff)")
    p_control: float | None = Field(default=None, gt=0, lt=1)
    p_experimental: float | None = Field(default=None, gt=0, lt=1)
    s0: float | None = Field(default=None, gt=0, lt=1, description="Null survival at landmark")
    s1: float | None = Field(default=None, gt=0, lt=1, description="Alternative survival")
    landmark_months: PositiveFloat | None = None
    accrual_months: PositiveFloat | None = None
    follow_up_months: PositiveFloat | None = None
    dropout: float | None = Field(default=None, ge=0, lt=1)

    @model_validator(mode="after")
    def _method_parameters(self) -> PrimaryAnalysis:
        needs: dict[str, tuple[str, ...]] = {
            "farrington_manning": ("margin", "p_control", "p_experimental"),
            "landmark_survival": ("s0", "s1", "landmark_months"),
            "one_sample_logrank": ("s0", "s1", "landmark_months"),
            "logrank": (),
        }
        missing = [name for name in needs[self.method] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"method {self.method} needs {', '.join(missing)}")
        return self


class Analysis(Section):
    """Everything the statistician needs from the protocol."""

    populations: tuple[Population, ...] = Field(min_length=1)
    primary: PrimaryAnalysis
    responder: Responder | None = None
    ctcae_version: Literal["5.0", "6.0"]
    planned_sample_size: PositiveInt

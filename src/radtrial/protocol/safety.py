"""Safety reporting: the deadlines for expedited reports of serious adverse events.

The deadlines depend on the regulation a trial falls under (EU CTR 536/2014 for medicinal
products; in Norway radiotherapy-only trials fall under the Health Research Act and REK) and on
the protocol, so they are data in the protocol file, never defaults in code. Where the protocol
is not public they are labelled assumptions with their reason (:mod:`radtrial.protocol.section`).
"""

from __future__ import annotations

from pydantic import Field, PositiveInt, model_validator

from radtrial.protocol.section import Section

__all__ = ["ExpeditedReporting", "Safety"]


class ExpeditedReporting(Section):
    """Who reports a serious adverse event by when, counted from awareness."""

    sae_to_sponsor_hours: PositiveInt = Field(
        description="Investigator to sponsor, hours after the investigator learnt of an SAE"
    )
    susar_fatal_or_life_threatening_days: PositiveInt = Field(
        description="Sponsor to the authority, days after awareness of a fatal or "
        "life-threatening SUSAR"
    )
    susar_other_days: PositiveInt = Field(
        description="Sponsor to the authority, days after awareness of any other SUSAR"
    )
    basis: str = Field(min_length=1, description="The regulation or rule the deadlines follow")

    @model_validator(mode="after")
    def _fatal_first(self) -> ExpeditedReporting:
        if self.susar_fatal_or_life_threatening_days > self.susar_other_days:
            raise ValueError(
                "susar_fatal_or_life_threatening_days: a fatal or life-threatening SUSAR cannot "
                f"be due later ({self.susar_fatal_or_life_threatening_days} days) than any other "
                f"({self.susar_other_days} days)"
            )
        return self


class Safety(Section):
    """The protocol's safety section."""

    reporting: ExpeditedReporting

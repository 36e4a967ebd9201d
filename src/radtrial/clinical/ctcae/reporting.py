"""Expedited reporting of serious adverse events: who reports what, by when.

The deadlines are the protocol's (``[safety.reporting]``, :mod:`radtrial.protocol.safety`),
passed in as a :class:`ReportingRule`; there are no defaults in code. For reference, Regulation
(EU) No 536/2014 (CTR), which both bundled protocols assume (labelled as assumptions):

* art. 41(2): the investigator reports an SAE to the sponsor "without undue delay but not later
  than within 24 hours of obtaining knowledge of the events";
* art. 42(2): the sponsor reports a SUSAR to the EudraVigilance database within **7 days** of
  becoming aware when it is fatal or life-threatening, otherwise within **15 days**.

The CTR governs trials of medicinal products. PALLSOFT and PROSARC-2 test radiotherapy, which in
Norway falls under the Health Research Act (helseforskningsloven) and REK rather than the CTR,
hence the protocol decides. Due times are computed from the UTC instant the reporter became
aware; a 7-day deadline ends at the same clock time 7 days later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from radtrial.clinical._values import invalid, require_utc
from radtrial.clinical.ctcae.events import AdverseEvent
from radtrial.protocol.safety import ExpeditedReporting

__all__ = ["ExpeditedReport", "ReportingRule", "expedited_reports"]


@dataclass(frozen=True, slots=True)
class ReportingRule:
    """The protocol's expedited-report deadlines and the rule (``basis``) they follow."""

    sae_to_sponsor_hours: int
    susar_fatal_or_life_threatening_days: int
    susar_other_days: int
    basis: str

    @classmethod
    def of(cls, section: ExpeditedReporting) -> ReportingRule:
        """The rule of a protocol's ``[safety.reporting]`` section."""
        return cls(
            section.sae_to_sponsor_hours,
            section.susar_fatal_or_life_threatening_days,
            section.susar_other_days,
            section.basis,
        )

    def __post_init__(self) -> None:
        for name in (
            "sae_to_sponsor_hours",
            "susar_fatal_or_life_threatening_days",
            "susar_other_days",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise invalid(f"{name} must be a whole number ≥ 1, not {value!r}", name, "bad_rule")
        if not self.basis.strip():
            raise invalid("name the rule the deadlines follow", "basis", "bad_rule")


ReportKind = Literal["sae_to_sponsor", "susar_to_authority"]


@dataclass(frozen=True, slots=True)
class ExpeditedReport:
    """A report that is due: what, by when (UTC), and the rule it follows."""

    kind: ReportKind
    due_at: datetime
    basis: str


def expedited_reports(
    event: AdverseEvent,
    *,
    investigator_aware_at: datetime,
    sponsor_aware_at: datetime | None = None,
    rule: ReportingRule,
) -> tuple[ExpeditedReport, ...]:
    """The expedited reports ``event`` needs; none for an event that is not serious.

    An SAE needs the investigator's report to the sponsor; a SUSAR (serious, related,
    unexpected) also needs the sponsor's report to the authority, counted from
    ``sponsor_aware_at`` (default: when the investigator knew, i.e. the sponsor is told at
    once). Both instants must be UTC. ``rule`` is the protocol's.
    """
    require_utc(investigator_aware_at, "investigator_aware_at")
    if not event.serious:
        return ()
    reports = [
        ExpeditedReport(
            "sae_to_sponsor",
            investigator_aware_at + timedelta(hours=rule.sae_to_sponsor_hours),
            f"SAE: investigator to sponsor within {rule.sae_to_sponsor_hours} h of knowledge "
            f"({rule.basis})",
        )
    ]
    if event.susar:
        aware = sponsor_aware_at or investigator_aware_at
        require_utc(aware, "sponsor_aware_at")
        if aware < investigator_aware_at:
            raise invalid(
                "the sponsor cannot learn of the event before the investigator",
                "sponsor_aware_at",
                "sponsor_before_investigator",
            )
        if event.seriousness.fatal_or_life_threatening:
            days, which = rule.susar_fatal_or_life_threatening_days, "fatal or life-threatening"
        else:
            days, which = rule.susar_other_days, "not fatal or life-threatening"
        reports.append(
            ExpeditedReport(
                "susar_to_authority",
                aware + timedelta(days=days),
                f"SUSAR ({which}): sponsor to the authority within {days} days of awareness "
                f"({rule.basis})",
            )
        )
    return tuple(reports)

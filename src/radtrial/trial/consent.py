"""What may still be collected from a participant, given their consents and withdrawals.

A participant may withdraw in three steps (the protocol's ``consent.withdrawal_kinds``):

* **from treatment**: no more trial treatment, but follow-up continues: visits, questionnaires,
  adverse events, vital status and (with the optional consent) samples;
* **from follow-up**: no more trial contact either: no visits, questionnaires or new samples.
  Vital status may still be taken from health records and the population registry, which needs
  no contact, and data already collected stay in the trial;
* **of consent to data and samples**: nothing more is collected or taken from records, and
  stored samples may no longer be used (they are destroyed or returned). Data already used in
  analyses may be kept where erasure would seriously impair the research (GDPR art. 17(3)(d);
  Norwegian Health Research Act §16), which the sponsor decides case by case.

Each step includes the ones before it: withdrawing from follow-up ends trial treatment too, and
withdrawing consent to data and samples ends both. Which kind of collection each step stops is
the protocol's (``consent.withdrawal_stops``,
:class:`~radtrial.protocol.biobank.WithdrawalStops`), not this module's: the bundled files
state the split above as a labelled assumption, following CONSORT 2010's "discontinued
intervention" versus "lost to follow-up" and SPIRIT 2013 item 18b (outcome data still collected
from participants who discontinue the intervention), and a trial's protocol may narrow it.

Samples additionally need the optional consent their sample type names (for example PROSARC-2's
``biobank`` consent). Pure: the caller passes the recorded withdrawals, the optional consents and
the protocol's ``withdrawal_stops``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from radtrial.protocol.biobank import Withdrawal, WithdrawalStops

__all__ = [
    "WITHDRAWAL_ORDER",
    "Collectable",
    "CollectionDecision",
    "effective_withdrawals",
    "may_collect",
]

#: The withdrawal kinds from the least to the most far-reaching; each includes those before it.
WITHDRAWAL_ORDER: tuple[Withdrawal, ...] = ("treatment", "follow_up", "data_and_samples")


class Collectable(StrEnum):
    """Kinds of trial activity and data whose collection a withdrawal affects (the values of
    :data:`radtrial.protocol.biobank.Collection`, which protocol files use)."""

    TREATMENT = "treatment"
    VISIT_ASSESSMENTS = "visit_assessments"
    PATIENT_REPORTED_OUTCOMES = "patient_reported_outcomes"
    ADVERSE_EVENTS = "adverse_events"
    SURVIVAL_STATUS = "survival_status"
    NEW_SAMPLES = "new_samples"
    STORED_SAMPLES_USE = "stored_samples_use"


_SAMPLES = frozenset({Collectable.NEW_SAMPLES, Collectable.STORED_SAMPLES_USE})

_WORDS: Mapping[Withdrawal, str] = {
    "treatment": "withdrawn from treatment",
    "follow_up": "withdrawn from follow-up",
    "data_and_samples": "withdrew consent to data and samples",
}


@dataclass(frozen=True, slots=True)
class CollectionDecision:
    """Whether something may be collected, and why."""

    allowed: bool
    reason: str


def effective_withdrawals(withdrawn: Iterable[Withdrawal]) -> frozenset[Withdrawal]:
    """The recorded withdrawals with every step they include (follow-up includes treatment)."""
    deepest = max((WITHDRAWAL_ORDER.index(kind) for kind in withdrawn), default=-1)
    return frozenset(WITHDRAWAL_ORDER[: deepest + 1])


def may_collect(
    what: Collectable,
    withdrawn: Iterable[Withdrawal] = (),
    *,
    stops: WithdrawalStops,
    optional_consents: Mapping[str, bool] | None = None,
    requires_consent: str | None = None,
) -> CollectionDecision:
    """Whether ``what`` may still be collected (or, for stored samples, used).

    ``withdrawn`` lists the participant's recorded withdrawals; ``stops`` is the protocol's
    ``consent.withdrawal_stops`` (what each withdrawal kind stops); ``optional_consents`` maps
    each optional-consent code to whether it was given; ``requires_consent`` names the optional
    consent a sample type needs (``SampleType.requires_consent``).
    """
    recorded = list(withdrawn)
    effective = effective_withdrawals(recorded)
    stopper = stops.stopped_by(what.value)
    if stopper in effective:
        deepest = max(recorded, key=WITHDRAWAL_ORDER.index)
        return CollectionDecision(False, f"{what.value}: participant {_WORDS[deepest]}")
    consents = optional_consents or {}
    if what in _SAMPLES and requires_consent is not None and not consents.get(requires_consent):
        return CollectionDecision(False, f"{what.value}: no optional consent {requires_consent!r}")
    if effective:
        deepest = max(recorded, key=WITHDRAWAL_ORDER.index)
        return CollectionDecision(True, f"{what.value}: continues although {_WORDS[deepest]}")
    return CollectionDecision(True, f"{what.value}: consented, no withdrawal")

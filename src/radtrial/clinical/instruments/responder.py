"""Responder status on the target-symptom NRS, by the protocol's responder definition.

The protocol's ``[analysis.responder]`` (:class:`radtrial.protocol.analysis.Responder`) gives the
visit, the least NRS reduction from baseline that counts (PALLSOFT: 2 points, a labelled
assumption) and how death before the visit counts. For a pain target symptom a reduction only
counts **without an increase in analgesics**: the international consensus on palliative RT
endpoints defines partial pain response as a drop of ≥ 2 points "without analgesic increase"
(Chow et al., Int J Radiat Oncol Biol Phys 2012;82:1730–1737, doi:10.1016/j.ijrobp.2011.02.008),
and PALLSOFT's responder definition text says the same. The symptoms this applies to are the
protocol's (``analgesic_rule_symptoms`` of the responder definition, a labelled assumption in
PALLSOFT's file), not a default in code.

An alive patient without an assessment at the visit is, by default, a non-responder (the
intention-to-treat convention the issue names); ``missing="excluded"`` gives the per-protocol
view. The result says which rule decided, so listings and audits can show why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from radtrial.clinical._values import invalid
from radtrial.clinical.instruments.nrs import NRS_MAX, NRS_MIN, parse_nrs
from radtrial.protocol.analysis import Responder

__all__ = [
    "ResponderReason",
    "ResponderResult",
    "ResponderStatus",
    "classify_responder",
]


class ResponderStatus(StrEnum):
    """The outcome for the analysis: responder, non-responder, or left out of the denominator."""

    RESPONDER = "responder"
    NON_RESPONDER = "non_responder"
    EXCLUDED = "excluded"


class ResponderReason(StrEnum):
    """Which rule decided the status."""

    REDUCTION_MET = "reduction_met"
    REDUCTION_BELOW_THRESHOLD = "reduction_below_threshold"
    ANALGESIC_INCREASE = "analgesic_increase"
    DIED_BEFORE_VISIT = "died_before_visit"
    ASSESSMENT_MISSING = "assessment_missing"


@dataclass(frozen=True, slots=True)
class ResponderResult:
    """A responder status with the rule that decided it and the numbers it used."""

    status: ResponderStatus
    reason: ResponderReason
    explanation: str
    visit: str
    baseline_nrs: int
    visit_nrs: int | None
    reduction_points: int | None


def classify_responder(
    rule: Responder,
    *,
    symptom: str,
    baseline_nrs: object,
    visit_nrs: object | None,
    analgesic_increased: bool | None = None,
    died_before_visit: bool = False,
    missing: Literal["non_responder", "excluded"] = "non_responder",
    nrs_low: int = NRS_MIN,
    nrs_high: int = NRS_MAX,
) -> ResponderResult:
    """Classify one participant at the protocol's responder visit.

    ``visit_nrs`` is the rating at ``rule.visit`` (None: no rating). ``died_before_visit`` only
    matters without a rating, and contradicts one. When ``symptom`` is subject to the analgesic
    rule (``rule.analgesic_rule_symptoms``), ``analgesic_increased`` must be given. Ratings
    outside the NRS range, and the contradictions above, are :class:`InvalidInput` at the
    argument's name.
    """
    baseline = parse_nrs(baseline_nrs, field="baseline_nrs", low=nrs_low, high=nrs_high)
    needs_analgesics = rule.analgesic_rule_applies(symptom)

    def result(
        status: ResponderStatus,
        reason: ResponderReason,
        explanation: str,
        at_visit: int | None = None,
    ) -> ResponderResult:
        drop = None if at_visit is None else baseline - at_visit
        return ResponderResult(status, reason, explanation, rule.visit, baseline, at_visit, drop)

    if visit_nrs is None:
        if died_before_visit:
            status = ResponderStatus(rule.death_before_visit)
            return result(
                status,
                ResponderReason.DIED_BEFORE_VISIT,
                f"died before {rule.visit}: {status.value.replace('_', '-')} by the protocol",
            )
        status = ResponderStatus(missing)
        return result(
            status,
            ResponderReason.ASSESSMENT_MISSING,
            f"no rating at {rule.visit}: counted as {status.value.replace('_', '-')}",
        )
    if died_before_visit:
        raise invalid(
            f"a rating at {rule.visit} contradicts death before that visit",
            "died_before_visit",
            "rated_after_death",
        )
    at_visit = parse_nrs(visit_nrs, field="visit_nrs", low=nrs_low, high=nrs_high)
    if needs_analgesics and analgesic_increased is None:
        raise invalid(
            f"the target symptom is {symptom}: record whether analgesics were increased",
            "analgesic_increased",
            "analgesic_change_required",
        )
    drop = baseline - at_visit
    needed = rule.min_reduction_points
    change = f"NRS {baseline} → {at_visit}, a reduction of {drop} ({needed:g} needed)"
    if drop < needed:
        return result(
            ResponderStatus.NON_RESPONDER,
            ResponderReason.REDUCTION_BELOW_THRESHOLD,
            f"{change}: non-responder",
            at_visit,
        )
    if needs_analgesics and analgesic_increased:
        return result(
            ResponderStatus.NON_RESPONDER,
            ResponderReason.ANALGESIC_INCREASE,
            f"{change}, but analgesics were increased: non-responder",
            at_visit,
        )
    return result(
        ResponderStatus.RESPONDER, ResponderReason.REDUCTION_MET, f"{change}: responder", at_visit
    )

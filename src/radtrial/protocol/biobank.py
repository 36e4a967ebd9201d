"""Consent documents, what each kind of withdrawal stops, and biobank sample types."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from radtrial.protocol.prescription import IDENT_PATTERN
from radtrial.protocol.section import Section

Withdrawal = Literal["treatment", "follow_up", "data_and_samples"]

#: Kinds of trial activity and data whose collection a withdrawal may stop
#: (:class:`radtrial.trial.consent.Collectable` names the same values).
Collection = Literal[
    "treatment",
    "visit_assessments",
    "patient_reported_outcomes",
    "adverse_events",
    "survival_status",
    "new_samples",
    "stored_samples_use",
]
COLLECTIONS: tuple[Collection, ...] = get_args(Collection)
_KINDS: tuple[Withdrawal, ...] = get_args(Withdrawal)


class WithdrawalStops(Section):
    """What each kind of withdrawal stops, beyond what the kinds before it stop.

    The kinds are cumulative (``treatment`` < ``follow_up`` < ``data_and_samples``): a
    withdrawal from follow-up also ends treatment, and withdrawing consent to data and samples
    ends both. Each kind of collection is listed under exactly one withdrawal, the least
    far-reaching one that stops it, so the full withdrawal stops everything; a withdrawal from
    treatment must stop treatment. No public protocol of either trial states this split: the
    bundled files mark it as an assumption, and a trial may narrow what continues (list
    ``survival_status`` under ``follow_up`` when the consent does not cover registry look-ups).
    """

    treatment: tuple[Collection, ...] = Field(description="Stopped by withdrawal from treatment")
    follow_up: tuple[Collection, ...] = Field(
        description="Also stopped by withdrawal from follow-up"
    )
    data_and_samples: tuple[Collection, ...] = Field(
        description="Also stopped by withdrawal of consent to data and samples"
    )

    @model_validator(mode="after")
    def _each_collection_once(self) -> WithdrawalStops:
        problems: list[str] = []
        seen: dict[str, str] = {}
        for kind in _KINDS:
            for what in getattr(self, kind):
                if what in seen:
                    where = "twice" if seen[what] == kind else f"also under {seen[what]}"
                    problems.append(f"{kind}: {what!r} is listed {where}")
                seen.setdefault(what, kind)
        missing = [what for what in COLLECTIONS if what not in seen]
        if missing:
            problems.append(
                f"data_and_samples: {', '.join(missing)} would continue after every withdrawal; "
                "list each under the withdrawal that stops it"
            )
        if "treatment" not in self.treatment:
            problems.append("treatment: a withdrawal from treatment must stop 'treatment'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def stopped_by(self, what: str) -> Withdrawal:
        """The least far-reaching withdrawal that stops ``what``."""
        for kind in _KINDS:
            if what in getattr(self, kind):
                return kind
        raise KeyError(f"no withdrawal stops {what!r}")


class OptionalConsent(Section):
    """A separately ticked consent, e.g. biobank use."""

    code: str = Field(pattern=IDENT_PATTERN)
    label: str = Field(min_length=1)


class Consent(Section):
    """The informed-consent document and what a participant may withdraw from."""

    document: str = Field(min_length=1, description="Name of the consent document")
    document_version: str = Field(min_length=1)
    optional: tuple[OptionalConsent, ...] = ()
    withdrawal_kinds: tuple[Withdrawal, ...] = ("treatment", "follow_up", "data_and_samples")
    withdrawal_stops: WithdrawalStops = Field(
        description="What each withdrawal kind stops (the trial file states it; no default)"
    )


class SampleType(Section):
    """A kind of biological sample the trial collects."""

    code: str = Field(pattern=IDENT_PATTERN)
    label: str = Field(min_length=1)
    material: Literal["tissue", "blood", "plasma", "serum", "urine", "other"]
    requires_consent: str | None = Field(
        default=None, description="Optional-consent code the sample needs"
    )


class Biobank(Section):
    """The trial's biobank."""

    name: str = Field(min_length=1)
    sample_types: tuple[SampleType, ...] = Field(min_length=1)

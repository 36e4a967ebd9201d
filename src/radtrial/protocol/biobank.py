"""Consent documents and biobank sample types."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from radtrial.protocol.prescription import IDENT_PATTERN
from radtrial.protocol.section import Section

Withdrawal = Literal["treatment", "follow_up", "data_and_samples"]


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

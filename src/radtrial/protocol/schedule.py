"""The schedule of assessments: what is assessed (instruments, examinations) and when (visits).

Visit windows follow the clinicedc convention of a base day with lower and upper tolerances
(``rbase``/``rlower``/``rupper``), anchored on a trial event.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from radtrial.protocol.prescription import IDENT_PATTERN
from radtrial.protocol.section import Section

AssessmentKind = Literal[
    "nrs",
    "global_impression",
    "questionnaire",
    "performance_status",
    "toxicity",
    "tumour_response",
    "imaging",
    "survival",
    "clinical",
]
Anchor = Literal["screening", "registration", "randomisation", "first_fraction", "last_fraction"]


class RecistRules(Section):
    """How the trial applies RECIST 1.1 (Eisenhauer et al. 2009, doi:10.1016/j.ejca.2008.10.026).

    RECIST treats lesions in a previously irradiated area as non-measurable unless they have
    progressed (§3.1.2); a radiotherapy trial whose endpoint is the irradiated tumour must state
    an exception for its index lesion (DOMAIN.md 3). Confirmation of CR/PR (≥ 4 weeks) and the
    minimum duration of stable disease are protocol choices (§4.4).
    """

    irradiated_index_lesion_measurable: bool = Field(
        default=False, description="The irradiated index lesion may be a measurable target"
    )
    confirmation_required: bool = Field(
        default=False, description="CR/PR must be confirmed by a later assessment"
    )
    confirmation_min_days: PositiveInt = Field(
        default=28, description="Days from a response to the assessment confirming it"
    )
    min_stable_disease_days: int = Field(
        default=0, ge=0, description="Days from the start of treatment before SD can be best"
    )


class ToxicityCategory(Section):
    """A group of CTCAE adverse events reported together, e.g. bowel or bladder toxicity.

    ``socs`` are CTCAE system organ classes in snake case (``gastrointestinal_disorders``);
    ``terms`` are further CTCAE terms; an event belongs if its SOC or its term is listed. The
    names are checked against the CTCAE term table by ``radtrial.clinical.ctcae``.
    """

    id: str = Field(pattern=IDENT_PATTERN)
    label: str = Field(min_length=1)
    socs: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> ToxicityCategory:
        if not self.socs and not self.terms:
            raise ValueError(f"category {self.id!r} names neither socs nor terms")
        return self


class Assessment(Section):
    """Something assessed at visits: a PRO instrument, a clinician rating, an examination.

    Copyrighted questionnaires (EORTC) are referenced by name, version and item count only;
    their item texts are loaded per site under licence, never shipped.
    """

    id: str = Field(pattern=IDENT_PATTERN)
    kind: AssessmentKind
    name: str = Field(min_length=1)
    version: str | None = None
    respondent: Literal["patient", "clinician"]
    items: PositiveInt | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    licence: str | None = Field(default=None, description="Licence holder, if item texts are")
    recist: RecistRules | None = Field(
        default=None, description="RECIST rules of a tumour_response assessment"
    )
    categories: tuple[ToxicityCategory, ...] = Field(
        default=(), description="Reporting categories of a toxicity assessment"
    )

    @model_validator(mode="after")
    def _kind_specific_rules(self) -> Assessment:
        if self.recist is not None and self.kind != "tumour_response":
            raise ValueError("recist: only a tumour_response assessment has RECIST rules")
        if self.categories and self.kind != "toxicity":
            raise ValueError("categories: only a toxicity assessment has toxicity categories")
        ids = [c.id for c in self.categories]
        if len(set(ids)) != len(ids):
            raise ValueError(f"categories: duplicate ids in {ids}")
        return self


class Visit(Section):
    """A scheduled time point with its window, assessments and samples."""

    id: str = Field(pattern=IDENT_PATTERN)
    label: str = Field(min_length=1)
    anchor: Anchor
    day: int = Field(description="Target day relative to the anchor (0 = the anchor's day)")
    window_before_days: int = Field(ge=0)
    window_after_days: int = Field(ge=0)
    assessments: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()

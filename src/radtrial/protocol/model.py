"""The protocol: one frozen, validated object per protocol version.

A protocol version is identified by the SHA-256 of its canonical content (sorted-key JSON of the
validated model), so reformatting a file or editing its comments is not an amendment, while any
change of a value is. Records collected later carry that hash.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from radtrial.protocol.analysis import Analysis
from radtrial.protocol.biobank import Biobank, Consent
from radtrial.protocol.constraints import DoseConstraints
from radtrial.protocol.course import Course
from radtrial.protocol.eligibility import Eligibility
from radtrial.protocol.endpoint import Endpoint
from radtrial.protocol.prescription import Arm
from radtrial.protocol.randomisation import Randomisation
from radtrial.protocol.record import Site, TrialRecord
from radtrial.protocol.safety import Safety
from radtrial.protocol.schedule import Assessment, Visit
from radtrial.protocol.section import Section


class ProtocolVersion(Section):
    """The version label and what it changed."""

    label: str = Field(min_length=1, pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]*$")
    date: date
    description: str = Field(min_length=1, description="What this version is or changes")


class Registration(Section):
    """How a registered participant's pseudonymous study id is formed."""

    study_id_format: str = Field(
        description="Python format string with {site} and {seq}, e.g. 'PALL-{site}-{seq:04d}'"
    )

    @model_validator(mode="after")
    def _format_has_site_and_seq(self) -> Registration:
        try:
            names = {n for _, n, _, _ in string.Formatter().parse(self.study_id_format) if n}
            self.study_id_format.format(site="OUS", seq=1)
        except (ValueError, KeyError, IndexError) as exc:
            raise ValueError(f"study_id_format is not a valid format string: {exc}") from exc
        if names != {"site", "seq"}:
            raise ValueError("study_id_format must use exactly the fields {site} and {seq}")
        return self

    def study_id(self, site_code: str, seq: int) -> str:
        """The study id of the ``seq``-th participant registered at ``site_code``."""
        return self.study_id_format.format(site=site_code, seq=seq)


@dataclass(frozen=True)
class AssumptionMark:
    """A value the protocol file marks as assumed, with the reason given."""

    path: str
    reason: str
    value: Any


class Protocol(Section):
    """A trial protocol version, as data."""

    schema_version: Literal[1]
    protocol: ProtocolVersion
    trial: TrialRecord
    sites: tuple[Site, ...] = Field(min_length=1)
    arms: tuple[Arm, ...] = Field(min_length=1)
    eligibility: Eligibility
    consent: Consent
    registration: Registration
    randomisation: Randomisation | None = None
    endpoints: tuple[Endpoint, ...] = Field(min_length=1)
    assessments: tuple[Assessment, ...] = ()
    visits: tuple[Visit, ...] = ()
    biobank: Biobank | None = None
    analysis: Analysis
    safety: Safety | None = Field(
        default=None,
        description="Expedited SAE reporting; needed before a serious adverse event is recorded",
    )
    course: Course | None = Field(
        default=None, description="Radiobiology and treatment calendar of the RT course"
    )
    dose_constraints: DoseConstraints | None = Field(
        default=None, description="Plan-QA dose-constraint table and structure-name mapping"
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Protocol:
        problems: list[str] = []
        problems += _unique("sites", [s.code for s in self.sites])
        problems += _unique("arms", [a.code for a in self.arms])
        problems += _unique("endpoints", [e.id for e in self.endpoints])
        problems += _unique("assessments", [a.id for a in self.assessments])
        problems += _unique("visits", [v.id for v in self.visits])
        arms = {a.code for a in self.arms}
        design = self.trial.design
        if design.intervention_model == "single_group" and len(arms) != 1:
            problems.append(f"arms: a single_group trial has one arm, not {len(arms)}")
        if design.allocation == "randomised":
            if self.randomisation is None:
                problems.append("randomisation: a randomised trial needs a [randomisation] table")
            elif set(self.randomisation.ratio) != arms:
                problems.append(
                    f"randomisation.ratio: arms {sorted(self.randomisation.ratio)} do not match "
                    f"the trial's arms {sorted(arms)}"
                )
        elif self.randomisation is not None:
            problems.append(f"randomisation: allocation is {design.allocation}, not randomised")
        if self.randomisation is not None:
            fields = {f.name for f in self.eligibility.fields} | {"site"}
            factors = list(self.randomisation.stratify_by)
            if self.randomisation.minimisation is not None:
                factors += self.randomisation.minimisation.factors
            problems += [
                f"randomisation: stratification factor {f!r} is neither 'site' nor a screening "
                "field"
                for f in factors
                if f not in fields
            ]
        if not any(e.level == "primary" for e in self.endpoints):
            problems.append("endpoints: no primary endpoint")
        assessments = {a.id for a in self.assessments}
        for endpoint in self.endpoints:
            problems += [
                f"endpoints.{endpoint.id}.assessments: unknown assessment {a!r}"
                for a in endpoint.assessments
                if a not in assessments
            ]
        samples = {s.code for s in self.biobank.sample_types} if self.biobank else set()
        for visit in self.visits:
            problems += [
                f"visits.{visit.id}.assessments: unknown assessment {a!r}"
                for a in visit.assessments
                if a not in assessments
            ]
            problems += [
                f"visits.{visit.id}.samples: unknown sample type {s!r}"
                for s in visit.samples
                if s not in samples
            ]
        consents = {c.code for c in self.consent.optional}
        if self.biobank is not None:
            problems += [
                f"biobank.sample_types.{s.code}.requires_consent: {s.requires_consent!r} is not "
                "an optional consent"
                for s in self.biobank.sample_types
                if s.requires_consent is not None and s.requires_consent not in consents
            ]
        problems += self._analysis_references({v.id for v in self.visits}, assessments)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _analysis_references(self, visits: set[str], assessments: set[str]) -> list[str]:
        problems: list[str] = []
        primary = self.analysis.primary
        if primary.endpoint not in {e.id for e in self.endpoints}:
            problems.append(f"analysis.primary.endpoint: unknown endpoint {primary.endpoint!r}")
        if primary.population not in {p.id for p in self.analysis.populations}:
            problems.append(
                f"analysis.primary.population: unknown population {primary.population!r}"
            )
        responder = self.analysis.responder
        if responder is not None:
            if responder.visit not in visits:
                problems.append(f"analysis.responder.visit: unknown visit {responder.visit!r}")
            if responder.assessment not in assessments:
                problems.append(
                    f"analysis.responder.assessment: unknown assessment {responder.assessment!r}"
                )
        return problems

    # -- identity -------------------------------------------------------------------------

    @property
    def slug(self) -> str:
        """The trial's command-line handle, e.g. ``pallsoft``."""
        return self.trial.slug

    def canonical_json(self) -> str:
        """Sorted-key, whitespace-free JSON of the whole validated content."""
        return json.dumps(self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def content_hash(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_json`: the identity of this protocol version."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    # -- lookups --------------------------------------------------------------------------

    def site(self, code: str) -> Site:
        """The site with this code; ``KeyError`` names the known codes."""
        for site in self.sites:
            if site.code == code:
                return site
        raise KeyError(f"no site {code!r}; sites are {[s.code for s in self.sites]}")

    def arm(self, code: str) -> Arm:
        """The arm with this code; ``KeyError`` names the known codes."""
        for arm in self.arms:
            if arm.code == code:
                return arm
        raise KeyError(f"no arm {code!r}; arms are {[a.code for a in self.arms]}")

    def assessment(self, assessment_id: str) -> Assessment:
        """The assessment with this id; ``KeyError`` names the known ids."""
        for assessment in self.assessments:
            if assessment.id == assessment_id:
                return assessment
        raise KeyError(
            f"no assessment {assessment_id!r}; assessments are {[a.id for a in self.assessments]}"
        )

    def assumption_marks(self) -> list[AssumptionMark]:
        """Every value marked as an assumption, with its path and reason, in file order."""
        marks: list[AssumptionMark] = []
        _collect(self, "", marks)
        return marks


def _unique(section: str, keys: list[str]) -> list[str]:
    counts = Counter(keys)
    return [
        f"{section}: duplicate {key!r}" for key in sorted(k for k, n in counts.items() if n > 1)
    ]


def _key(item: BaseModel, index: int) -> str:
    for name in ("id", "code"):
        value = getattr(item, name, None)
        if isinstance(value, str):
            return value
    return str(index)


def _collect(node: BaseModel, path: str, marks: list[AssumptionMark]) -> None:
    if isinstance(node, Section):
        if node.assumption:
            marks.append(AssumptionMark(path or "(protocol)", node.assumption, node.content()))
        for name, reason in node.assumptions.items():
            value = getattr(node, name)
            shown = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            marks.append(AssumptionMark(f"{path}.{name}" if path else name, reason, shown))
    for name in type(node).model_fields:
        value = getattr(node, name)
        child = f"{path}.{name}" if path else name
        if isinstance(value, BaseModel):
            _collect(value, child, marks)
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _collect(item, f"{child}[{_key(item, index)}]", marks)

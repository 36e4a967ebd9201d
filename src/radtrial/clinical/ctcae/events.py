"""Adverse events graded by CTCAE, their categories, and maximum grades.

Every :class:`AdverseEvent` carries the CTCAE version it was graded with ("5.0" or "6.0"):
grades of different versions are not silently comparable, so summaries report the versions
they span. The term, the grade the term allows, the dates and the attribution to radiotherapy
are validated when the event is made; nothing invalid can exist to be stored.

Maximum grade per participant and per category is the usual toxicity summary of RT trials
(e.g. the highest grade of bowel and of bladder toxicity, PALLSOFT's secondary endpoint). The
categories come from the protocol's toxicity assessment (``[[assessments.categories]]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from radtrial.clinical._values import invalid, member, require_text
from radtrial.clinical.ctcae.seriousness import Seriousness
from radtrial.clinical.ctcae.terms import (
    CtcaeTerm,
    CtcaeVersion,
    Grade,
    Soc,
    parse_ctcae_version,
    parse_grade,
    term_table,
)
from radtrial.protocol.schedule import Assessment

__all__ = [
    "AdverseEvent",
    "Attribution",
    "EventCategory",
    "MaxGrade",
    "categories_from_protocol",
    "max_grade",
    "max_grade_by_category",
    "max_grade_by_soc",
    "max_grade_per_participant",
]


class Attribution(StrEnum):
    """How likely radiotherapy caused the event (the NCI CTEP five-point attribution scale)."""

    UNRELATED = "unrelated"
    UNLIKELY = "unlikely"
    POSSIBLE = "possible"
    PROBABLE = "probable"
    DEFINITE = "definite"

    @property
    def related(self) -> bool:
        """Possible, probable or definite: counted as a treatment-related event (a toxicity)."""
        return self in {Attribution.POSSIBLE, Attribution.PROBABLE, Attribution.DEFINITE}


@dataclass(frozen=True)
class AdverseEvent:
    """One adverse event: CTCAE version, term, grade, dates, attribution and seriousness.

    ``term`` may be given in any case or British spelling; it is stored as the CTCAE name.
    An "Other, specify" term needs ``specify`` naming the event. A grade-5 event is fatal and
    therefore serious with the criterion "death"; an event may not resolve before its onset.
    ``expected`` is the sponsor's judgement against the reference safety information (None: not
    yet assessed); a serious, related, unexpected event is a SUSAR.
    """

    ctcae_version: CtcaeVersion
    term: str
    grade: int
    onset_on: date
    attribution: Attribution
    resolved_on: date | None = None
    seriousness: Seriousness = field(default_factory=Seriousness)
    expected: bool | None = None
    specify: str | None = None

    def __post_init__(self) -> None:
        version = parse_ctcae_version(self.ctcae_version)
        term = term_table(version).term(self.term)
        object.__setattr__(self, "term", term.name)
        object.__setattr__(self, "grade", parse_grade(self.grade, term, version))
        object.__setattr__(
            self, "attribution", member(Attribution, self.attribution, "attribution", "Attribution")
        )
        if term.other_specify:
            if self.specify is None:
                raise invalid(
                    f"{term.name}: name the event in 'specify'", "specify", "specify_required"
                )
            require_text(self.specify, "specify")
        elif self.specify is not None:
            raise invalid(
                f"{term.name} is a CTCAE term: 'specify' is only for 'Other, specify' terms",
                "specify",
                "specify_not_allowed",
            )
        if self.resolved_on is not None and self.resolved_on < self.onset_on:
            raise invalid(
                f"the event cannot resolve ({self.resolved_on.isoformat()}) before its onset "
                f"({self.onset_on.isoformat()})",
                "resolved_on",
                "resolved_before_onset",
            )
        if self.grade == Grade.DEATH and not self.seriousness.death:
            raise invalid(
                "a grade 5 event is fatal: mark it serious with the criterion 'death'",
                "seriousness",
                "fatal_not_serious",
            )

    @property
    def ctcae_term(self) -> CtcaeTerm:
        """The term's table entry."""
        return term_table(self.ctcae_version).term(self.term)

    @property
    def soc(self) -> Soc:
        """The term's system organ class."""
        return self.ctcae_term.soc

    @property
    def serious(self) -> bool:
        """Whether any seriousness criterion is met (an SAE)."""
        return self.seriousness.serious

    @property
    def related(self) -> bool:
        """Whether radiotherapy is a possible, probable or definite cause."""
        return self.attribution.related

    @property
    def susar(self) -> bool:
        """A suspected unexpected serious adverse reaction: serious, related and unexpected."""
        return self.serious and self.related and self.expected is False


@dataclass(frozen=True, slots=True)
class EventCategory:
    """A reporting group of events: every term of the listed SOCs, plus the listed terms."""

    id: str
    label: str
    socs: frozenset[Soc] = frozenset()
    terms: frozenset[str] = frozenset()

    def contains(self, event: AdverseEvent) -> bool:
        """Whether ``event`` belongs to the category."""
        return event.soc in self.socs or event.term in self.terms


def categories_from_protocol(assessment: Assessment) -> tuple[EventCategory, ...]:
    """The protocol's categories of a toxicity assessment, checked against the term table.

    SOCs are snake-case names (``gastrointestinal_disorders``); terms are CTCAE names of the
    assessment's version (``version``, default "5.0"). An unknown name is :class:`InvalidInput`
    located at ``categories[<id>].socs`` or ``.terms``.
    """
    table = term_table(assessment.version or "5.0")
    out = []
    for category in assessment.categories:
        socs = set()
        for name in category.socs:
            try:
                socs.add(Soc(name))
            except ValueError:
                raise invalid(
                    f"{name!r} is not a CTCAE system organ class",
                    f"categories[{category.id}].socs",
                    "unknown_soc",
                ) from None
        terms = {
            table.term(name, field=f"categories[{category.id}].terms").name
            for name in category.terms
        }
        out.append(EventCategory(category.id, category.label, frozenset(socs), frozenset(terms)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class MaxGrade:
    """The highest grade among some events: 0 when there are none.

    ``versions`` lists the CTCAE versions of the events counted, so a summary that mixes
    versions (after an amendment changed the version) can say so.
    """

    grade: int
    events: int
    versions: tuple[str, ...]


def max_grade(events: Iterable[AdverseEvent], *, related_only: bool = False) -> MaxGrade:
    """The highest grade of ``events`` (only related ones with ``related_only``)."""
    counted = [e for e in events if e.related or not related_only]
    return MaxGrade(
        grade=max((e.grade for e in counted), default=0),
        events=len(counted),
        versions=tuple(sorted({e.ctcae_version for e in counted})),
    )


def max_grade_by_category(
    events: Iterable[AdverseEvent],
    categories: Sequence[EventCategory],
    *,
    related_only: bool = False,
) -> dict[str, MaxGrade]:
    """The highest grade in each category, by category id (0 for a category with no event)."""
    listed = list(events)
    return {
        c.id: max_grade((e for e in listed if c.contains(e)), related_only=related_only)
        for c in categories
    }


def max_grade_by_soc(
    events: Iterable[AdverseEvent], *, related_only: bool = False
) -> dict[Soc, MaxGrade]:
    """The highest grade in each SOC that has events, in SOC order."""
    listed = list(events)
    return {
        soc: max_grade((e for e in listed if e.soc is soc), related_only=related_only)
        for soc in Soc
        if any(e.soc is soc for e in listed)
    }


def max_grade_per_participant(
    events: Mapping[str, Iterable[AdverseEvent]],
    *,
    category: EventCategory | None = None,
    related_only: bool = False,
) -> dict[str, MaxGrade]:
    """Each participant's highest grade, overall or in ``category`` (0 with no event)."""
    return {
        participant: max_grade(
            (e for e in own if category is None or category.contains(e)),
            related_only=related_only,
        )
        for participant, own in events.items()
    }

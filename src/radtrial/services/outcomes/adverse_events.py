"""Adverse events graded by CTCAE, and the maximum grade per participant and category.

An event is validated by :class:`radtrial.clinical.ctcae.AdverseEvent` (version, term, the
grade the term has, dates, attribution, seriousness, grade 5 fatal) and stored with the CTCAE
version the protocol in force names: grading with another version is refused, so a trial's
events are comparable until an amendment changes the version (summaries then report the
versions they span). A serious event is flagged for expedited reporting with its due times
(:func:`radtrial.clinical.ctcae.expedited_reports`, counted from when the investigator learnt of
it, by default the moment it is recorded) by the deadlines of the protocol version in force
(``[safety.reporting]``); a protocol without them cannot take a serious event.

The outcome uses the ICH E2B(R3) categories: ``recovered``, ``recovering``, ``not_recovered``,
``recovered_with_sequelae``, ``fatal``, ``unknown``. A grade-5 event is fatal and a fatal
outcome is grade 5; a resolution date goes with a recovered or fatal outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from radtrial.clinical.ctcae import (
    AdverseEvent,
    EventCategory,
    MaxGrade,
    ReportingRule,
    Seriousness,
    categories_from_protocol,
    expedited_reports,
    max_grade,
    max_grade_by_category,
    parse_ctcae_version,
)
from radtrial.errors import Conflict, InvalidInput
from radtrial.protocol import Protocol
from radtrial.services.outcomes._context import (
    open_entry,
    open_read,
    optional_text,
    require_assessment,
    require_collectable,
    require_visit,
    resolve_target,
    utc_instant,
)
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import AdverseEventRecord, ToxicityAssessmentRecord
from radtrial.trial.consent import Collectable

__all__ = [
    "NO_ADVERSE_EVENT",
    "OUTCOMES",
    "ParticipantToxicity",
    "ParticipantVisitToxicity",
    "ToxicityByVisit",
    "ToxicitySummary",
    "VisitToxicity",
    "adverse_events_of",
    "as_adverse_event",
    "protocol_ctcae_version",
    "record_adverse_event",
    "record_toxicity_assessment",
    "toxicity_assessments_of",
    "toxicity_by_visit",
    "toxicity_summary",
]

#: Outcomes of an adverse event (ICH E2B(R3) data element E.i.7).
OUTCOMES = (
    "recovered",
    "recovering",
    "not_recovered",
    "recovered_with_sequelae",
    "fatal",
    "unknown",
)
_RESOLVED = frozenset({"recovered", "recovered_with_sequelae", "fatal"})


def protocol_ctcae_version(protocol: Protocol) -> str:
    """The CTCAE version the protocol grades with: its toxicity assessment's, else the
    analysis section's."""
    for assessment in protocol.assessments:
        if assessment.kind == "toxicity" and assessment.version:
            return assessment.version
    return protocol.analysis.ctcae_version


def as_adverse_event(record: AdverseEventRecord) -> AdverseEvent:
    """The core value object of a stored event (for maximum grades)."""
    return AdverseEvent(
        ctcae_version=parse_ctcae_version(record.ctcae_version),
        term=record.term,
        grade=record.grade,
        onset_on=record.onset_on,
        attribution=record.attribution,  # type: ignore[arg-type]  # validated on construction
        resolved_on=record.resolved_on,
        seriousness=Seriousness.of(*record.seriousness_criteria),
        expected=record.expected,
        specify=record.specify,
    )


def _outcome(value: str | None, event: AdverseEvent) -> str:
    if value is None:
        if event.grade == 5:
            return "fatal"
        return "recovered" if event.resolved_on is not None else "not_recovered"
    outcome = value.strip().casefold()
    if outcome not in OUTCOMES:
        raise InvalidInput(
            f"the outcome must be one of {', '.join(OUTCOMES)}, not {value!r}",
            location="outcome",
            detail={"reason": "not_allowed", "allowed": list(OUTCOMES)},
        )
    if (outcome == "fatal") != (event.grade == 5):
        raise InvalidInput(
            "a fatal outcome is CTCAE grade 5, and grade 5 is a fatal outcome",
            location="outcome",
            detail={"reason": "fatal_grade_mismatch"},
        )
    if outcome in {"recovered", "recovered_with_sequelae"} and event.resolved_on is None:
        raise InvalidInput(
            f"a {outcome.replace('_', ' ')} event needs its resolution date",
            location="resolved_on",
            detail={"reason": "resolution_date_required"},
        )
    if event.resolved_on is not None and outcome not in _RESOLVED:
        raise InvalidInput(
            f"an event with a resolution date cannot be {outcome.replace('_', ' ')}",
            location="outcome",
            detail={"reason": "resolved_but_ongoing"},
        )
    return outcome


def record_adverse_event(
    db: Database,
    *,
    actor: str,
    study_id: str,
    term: str,
    grade: object,
    onset_on: date,
    attribution: str,
    resolved_on: date | None = None,
    seriousness: Sequence[str] = (),
    expected: bool | None = None,
    specify: str | None = None,
    ctcae_version: str | None = None,
    visit_id: str | None = None,
    outcome: str | None = None,
    investigator_aware_at: datetime | None = None,
) -> AdverseEventRecord:
    """Record an adverse event of ``study_id``.

    ``ctcae_version`` defaults to the protocol's. Refused with nothing written (located
    :class:`InvalidInput`): another CTCAE version than the protocol's; an unknown term; a grade
    outside 1–5 or one the term does not have (grade 4 nausea); an unknown attribution or
    seriousness criterion; grade 5 without the criterion death; resolution before onset or in
    the future; an onset before registration, in the future, after death or after withdrawal
    from follow-up; an outcome that contradicts the grade or dates.
    """

    def work(uow: ResearchUnitOfWork) -> AdverseEventRecord:
        entry = open_entry(uow, actor, study_id, "record adverse events")
        protocol = entry.protocol
        in_force = protocol_ctcae_version(protocol)
        version = in_force if ctcae_version is None else parse_ctcae_version(ctcae_version)
        if version != in_force:
            raise InvalidInput(
                f"the protocol in force grades with CTCAE v{in_force}, not v{version}",
                location="ctcae_version",
                detail={"reason": "not_protocol_version", "allowed": [in_force]},
            )
        event = AdverseEvent(
            ctcae_version=parse_ctcae_version(version),
            term=term,
            grade=grade,  # type: ignore[arg-type]  # validated on construction
            onset_on=onset_on,
            attribution=attribution,  # type: ignore[arg-type]  # validated on construction
            resolved_on=resolved_on,
            seriousness=Seriousness.of(*seriousness),
            expected=expected,
            specify=optional_text(specify) if specify is not None else None,
        )
        entry.check_day(onset_on, "onset_on")
        if resolved_on is not None and resolved_on > entry.today:
            raise InvalidInput(
                f"{resolved_on.isoformat()} is in the future",
                location="resolved_on",
                detail={"reason": "in_future"},
            )
        require_collectable(
            entry.facts,
            Collectable.ADVERSE_EVENTS,
            onset_on,
            "onset_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        visit = None if visit_id is None else require_visit(protocol, visit_id)
        if visit is not None:
            require_assessment(protocol, "toxicity", visit=visit)
        result = _outcome(outcome, event)
        aware = (
            entry.now
            if investigator_aware_at is None
            else utc_instant(investigator_aware_at, "investigator_aware_at")
        )
        if aware > entry.now:
            raise InvalidInput(
                f"{aware.isoformat()} is in the future",
                location="investigator_aware_at",
                detail={"reason": "in_future"},
            )
        due: dict[str, datetime] = {}
        if event.serious:
            safety = protocol.safety
            if safety is None:
                raise InvalidInput(
                    f"the protocol of {protocol.slug} (version {entry.version.version_label}) "
                    "has no [safety.reporting] deadlines, so a serious adverse event's "
                    "expedited report cannot be dated: add them to the protocol first",
                    location="seriousness",
                    detail={"reason": "no_reporting_rule"},
                )
            reports = expedited_reports(
                event, investigator_aware_at=aware, rule=ReportingRule.of(safety.reporting)
            )
            due = {r.kind: r.due_at for r in reports}
        return uow.outcomes.add_adverse_event(
            entry.participant,
            entry.version,
            visit_id=None if visit is None else visit.id,
            ctcae_version=event.ctcae_version,
            term=event.term,
            specify=event.specify,
            soc=event.soc.value,
            grade=int(event.grade),
            onset_on=event.onset_on,
            resolved_on=event.resolved_on,
            attribution=event.attribution.value,
            related=event.related,
            serious=event.serious,
            seriousness_criteria=sorted(c.value for c in event.seriousness.criteria),
            expected=event.expected,
            expedited_report=event.serious,
            investigator_aware_at=aware if event.serious else None,
            report_due_at=due.get("sae_to_sponsor"),
            susar=event.susar,
            susar_report_due_at=due.get("susar_to_authority"),
            outcome=result,
        )

    return db.run(work, actor=actor)


def adverse_events_of(db: Database, *, actor: str, study_id: str) -> list[AdverseEventRecord]:
    """The participant's adverse events by onset."""

    def work(uow: ResearchUnitOfWork) -> list[AdverseEventRecord]:
        participant, _, _ = open_read(uow, actor, study_id)
        return uow.outcomes.adverse_events(participant)

    return db.run(work, actor=actor, read_only=True)


@dataclass(frozen=True, slots=True)
class ParticipantToxicity:
    """One participant's highest grade overall and in each protocol category."""

    study_id: str
    site_code: str
    arm_code: str | None
    overall: MaxGrade
    by_category: dict[str, MaxGrade]


@dataclass(frozen=True)
class ToxicitySummary:
    """Maximum grades per participant and category (PALLSOFT's bowel and bladder toxicity)."""

    trial_slug: str
    related_only: bool
    categories: tuple[EventCategory, ...]
    participants: tuple[ParticipantToxicity, ...]


def _categories(protocol: Protocol) -> tuple[EventCategory, ...]:
    try:
        assessment = require_assessment(protocol, "toxicity")
    except InvalidInput:
        return ()
    return categories_from_protocol(assessment)


def toxicity_summary(
    db: Database, *, actor: str, target: str, related_only: bool = False
) -> ToxicitySummary:
    """Maximum CTCAE grade per participant, overall and per protocol category, of a trial
    (``target`` a trial slug; sites the actor sees) or of one participant (a study id)."""

    def work(uow: ResearchUnitOfWork) -> ToxicitySummary:
        participants, protocol, trial_slug = resolve_target(uow, actor, target)
        categories = _categories(protocol)
        rows = []
        for participant in participants:
            events = [as_adverse_event(e) for e in uow.outcomes.adverse_events(participant)]
            rows.append(
                ParticipantToxicity(
                    participant.study_id,
                    participant.site_code,
                    participant.arm_code,
                    max_grade(events, related_only=related_only),
                    max_grade_by_category(events, categories, related_only=related_only),
                )
            )
        return ToxicitySummary(trial_slug, related_only, categories, tuple(rows))

    return db.run(work, actor=actor, read_only=True)


# -- toxicity assessed per visit (PALLSOFT's physician-assessed bowel and bladder toxicity) ------

#: The finding of a category assessed with no adverse event in it.
NO_ADVERSE_EVENT = "none"


def _category_field(category: str) -> str:
    return f"categories[{category}]"


def _assessed_by(value: str | None, actor: str) -> str:
    name = optional_text(value) or actor
    if len(name) > 128:
        raise InvalidInput(
            "the assessor's name is longer than 128 characters",
            location="assessed_by",
            detail={"reason": "too_long"},
        )
    return name


def _event_ids(category: str, finding: object) -> tuple[int, ...] | None:
    """None for "no adverse event", else the ids of the events found (at least one)."""
    field = _category_field(category)
    if isinstance(finding, str):
        if finding.strip().casefold() == NO_ADVERSE_EVENT:
            return None
        raise InvalidInput(
            f"{category}: give {NO_ADVERSE_EVENT!r} or the ids of the adverse events found, "
            f"not {finding!r}",
            location=field,
            detail={"reason": "not_allowed"},
        )
    if isinstance(finding, Sequence) and finding:
        ids = []
        for each in finding:
            if isinstance(each, bool) or not isinstance(each, int):
                raise InvalidInput(
                    f"{category}: {each!r} is not an adverse event id",
                    location=field,
                    detail={"reason": "not_an_id"},
                )
            ids.append(each)
        if len(set(ids)) != len(ids):
            raise InvalidInput(
                f"{category}: an adverse event is listed twice",
                location=field,
                detail={"reason": "duplicate"},
            )
        return tuple(sorted(ids))
    raise InvalidInput(
        f"{category}: give {NO_ADVERSE_EVENT!r} or the ids of the adverse events found",
        location=field,
        detail={"reason": "required"},
    )


def record_toxicity_assessment(
    db: Database,
    *,
    actor: str,
    study_id: str,
    visit_id: str,
    assessed_on: date,
    findings: Mapping[str, str | Sequence[int]],
    assessed_by: str | None = None,
    ctcae_version: str | None = None,
    open_event_note: str | None = None,
) -> list[ToxicityAssessmentRecord]:
    """Record that the physician assessed toxicity categories of ``study_id`` at a visit.

    ``findings`` maps each assessed protocol category (the ``[[assessments.categories]]`` of
    the toxicity assessment, e.g. ``bowel``, ``bladder``) to :data:`NO_ADVERSE_EVENT` ("none"),
    or to the ids of the participant's adverse events found in that category. A category left
    out stays "not assessed" at that visit. ``assessed_by`` defaults to the actor;
    ``ctcae_version`` to the protocol's. One record per category, in protocol order.

    Refused with nothing written (located :class:`InvalidInput`): no category; an unknown
    visit; a visit that does not schedule the toxicity assessment; an unknown category; another
    CTCAE version than the protocol's; a date before registration, in the future or after
    death; an adverse event that is not the participant's, not in the category, or starts
    after the assessment; "none" for a category with an adverse event recorded at that visit.
    A category already assessed at that visit is a :class:`Conflict`.

    "None" for a category in which an adverse event of grade 2 or more is still unresolved on
    the assessment day (onset on or before it, no resolution date or a later one) is refused
    (``open_adverse_event``) unless ``open_event_note`` says why the physician found none (the
    event resolved and its resolution is not recorded yet, say): the note is then the audit
    reason of the rows written, so the contradiction stays visible. A note where no such event
    is open is refused (``note_not_needed``).
    """
    note = optional_text(open_event_note)
    reason = (
        None
        if note is None
        else f"'none' despite an unresolved adverse event of grade 2 or more: {note}"
    )

    def work(uow: ResearchUnitOfWork) -> list[ToxicityAssessmentRecord]:
        entry = open_entry(uow, actor, study_id, "record toxicity assessments")
        protocol = entry.protocol
        if not findings:
            raise InvalidInput(
                "name at least one toxicity category assessed (e.g. bowel=none)",
                location="categories",
                detail={"reason": "required"},
            )
        visit = require_visit(protocol, visit_id)
        assessment = require_assessment(protocol, "toxicity", visit=visit)
        in_force = protocol_ctcae_version(protocol)
        version = in_force if ctcae_version is None else parse_ctcae_version(ctcae_version)
        if version != in_force:
            raise InvalidInput(
                f"the protocol in force grades with CTCAE v{in_force}, not v{version}",
                location="ctcae_version",
                detail={"reason": "not_protocol_version", "allowed": [in_force]},
            )
        categories = {c.id: c for c in categories_from_protocol(assessment)}
        for name in findings:
            if name not in categories:
                known = ", ".join(categories) or "none"
                raise InvalidInput(
                    f"the {assessment.id} assessment has no category {name!r} "
                    f"(categories: {known})",
                    location=_category_field(name),
                    detail={"reason": "unknown_category", "allowed": list(categories)},
                )
        entry.check_day(assessed_on, "assessed_on")
        require_collectable(
            entry.facts,
            Collectable.ADVERSE_EVENTS,
            assessed_on,
            "assessed_on",
            stops=entry.protocol.consent.withdrawal_stops,
        )
        by = _assessed_by(assessed_by, actor)
        events = {e.id: e for e in uow.outcomes.adverse_events(entry.participant)}
        done = {
            a.category
            for a in uow.outcomes.toxicity_assessments(entry.participant)
            if a.visit_id == visit.id
        }
        out = []
        note_used = False
        for name in categories:
            if name not in findings:
                continue
            category = categories[name]
            field = _category_field(name)
            if name in done:
                raise Conflict(
                    f"{name} toxicity is already assessed at {visit.id} for {study_id}",
                    location=field,
                    detail={"reason": "already_assessed"},
                )
            ids = _event_ids(name, findings[name])
            if ids is None:
                at_visit = [
                    e
                    for e in events.values()
                    if e.visit_id == visit.id and category.contains(as_adverse_event(e))
                ]
                if at_visit:
                    raise InvalidInput(
                        f"{name}: 'none' contradicts the adverse event recorded at {visit.id} "
                        f"({at_visit[0].term} grade {at_visit[0].grade}, id {at_visit[0].id})",
                        location=field,
                        detail={"reason": "contradicts_adverse_event", "ids": [at_visit[0].id]},
                    )
                still_open = [
                    e
                    for e in events.values()
                    if e.grade >= 2
                    and e.onset_on <= assessed_on
                    and (e.resolved_on is None or e.resolved_on > assessed_on)
                    and category.contains(as_adverse_event(e))
                ]
                if still_open and note is None:
                    listed = ", ".join(
                        f"id {e.id}: {e.term} grade {e.grade} from {e.onset_on.isoformat()}"
                        for e in still_open
                    )
                    raise InvalidInput(
                        f"{name}: 'none' while adverse events of grade 2 or more are unresolved "
                        f"on {assessed_on.isoformat()} ({listed}); list them "
                        f"({name}={','.join(str(e.id) for e in still_open)}) if present, or "
                        "confirm 'none' with a note saying why",
                        location=field,
                        detail={
                            "reason": "open_adverse_event",
                            "ids": [e.id for e in still_open],
                        },
                    )
                note_used = note_used or bool(still_open)
            else:
                for event_id in ids:
                    found = events.get(event_id)
                    if found is None:
                        raise InvalidInput(
                            f"{study_id} has no adverse event {event_id}",
                            location=field,
                            detail={"reason": "unknown_adverse_event", "id": event_id},
                        )
                    if not category.contains(as_adverse_event(found)):
                        raise InvalidInput(
                            f"adverse event {event_id} ({found.term}) is not {category.label}",
                            location=field,
                            detail={"reason": "not_in_category", "id": event_id},
                        )
                    if found.onset_on > assessed_on:
                        raise InvalidInput(
                            f"adverse event {event_id} starts on {found.onset_on.isoformat()}, "
                            f"after the assessment on {assessed_on.isoformat()}",
                            location=field,
                            detail={"reason": "after_assessment", "id": event_id},
                        )
            out.append(
                uow.outcomes.add_toxicity_assessment(
                    entry.participant,
                    entry.version,
                    visit_id=visit.id,
                    assessed_on=assessed_on,
                    assessed_by=by,
                    ctcae_version=version,
                    category=name,
                    no_adverse_event=ids is None,
                    adverse_event_ids=ids or (),
                )
            )
        if note is not None and not note_used:
            raise InvalidInput(
                "no category assessed as 'none' has an unresolved adverse event of grade 2 or "
                "more: leave the note out",
                location="open_event_note",
                detail={"reason": "note_not_needed"},
            )
        return out

    return db.run(work, actor=actor, reason=reason)


def toxicity_assessments_of(
    db: Database, *, actor: str, study_id: str
) -> list[ToxicityAssessmentRecord]:
    """The participant's per-visit toxicity assessments (one record per category)."""

    def work(uow: ResearchUnitOfWork) -> list[ToxicityAssessmentRecord]:
        participant, _, _ = open_read(uow, actor, study_id)
        return uow.outcomes.toxicity_assessments(participant)

    return db.run(work, actor=actor, read_only=True)


@dataclass(frozen=True, slots=True)
class VisitToxicity:
    """The highest grade per category at one visit: a :class:`MaxGrade` (grade 0 when the
    category was assessed and no adverse event found) or None when it was not assessed."""

    visit_id: str
    assessed_on: date | None
    grades: dict[str, MaxGrade | None]


@dataclass(frozen=True, slots=True)
class ParticipantVisitToxicity:
    """One participant's per-visit maximum grades, for every visit that schedules toxicity."""

    study_id: str
    site_code: str
    arm_code: str | None
    visits: tuple[VisitToxicity, ...]


@dataclass(frozen=True)
class ToxicityByVisit:
    """Per-visit maximum grade per category of a trial or participant (PALLSOFT's
    physician-assessed bowel and bladder toxicity)."""

    trial_slug: str
    related_only: bool
    categories: tuple[EventCategory, ...]
    visit_ids: tuple[str, ...]
    participants: tuple[ParticipantVisitToxicity, ...]


def _visit_toxicity(
    visit_id: str,
    assessments: Sequence[ToxicityAssessmentRecord],
    events: Sequence[AdverseEventRecord],
    categories: Sequence[EventCategory],
    related_only: bool,
) -> VisitToxicity:
    own = [a for a in assessments if a.visit_id == visit_id]
    assessed = {a.category for a in own}
    linked = {i for a in own for i in a.adverse_event_ids}
    found = [as_adverse_event(e) for e in events if e.id in linked or e.visit_id == visit_id]
    graded = max_grade_by_category(
        found, [c for c in categories if c.id in assessed], related_only=related_only
    )
    return VisitToxicity(
        visit_id,
        min((a.assessed_on for a in own), default=None),
        {c.id: graded.get(c.id) for c in categories},
    )


def toxicity_by_visit(
    db: Database, *, actor: str, target: str, related_only: bool = False
) -> ToxicityByVisit:
    """The maximum CTCAE grade per protocol category at each visit that schedules the
    toxicity assessment, for a trial (``target`` a slug; sites the actor sees) or one
    participant (a study id).

    A category assessed at a visit has the highest grade of the adverse events linked to the
    assessment or recorded at that visit (0: assessed, none found); a category not assessed is
    None (missing), never 0.
    """

    def work(uow: ResearchUnitOfWork) -> ToxicityByVisit:
        participants, protocol, trial_slug = resolve_target(uow, actor, target)
        categories = _categories(protocol)
        toxicity = next((a for a in protocol.assessments if a.kind == "toxicity"), None)
        visit_ids = tuple(
            v.id for v in protocol.visits if toxicity is not None and toxicity.id in v.assessments
        )
        rows = []
        for participant in participants:
            assessments = uow.outcomes.toxicity_assessments(participant)
            events = uow.outcomes.adverse_events(participant)
            rows.append(
                ParticipantVisitToxicity(
                    participant.study_id,
                    participant.site_code,
                    participant.arm_code,
                    tuple(
                        _visit_toxicity(v, assessments, events, categories, related_only)
                        for v in visit_ids
                    ),
                )
            )
        return ToxicityByVisit(trial_slug, related_only, categories, visit_ids, tuple(rows))

    return db.run(work, actor=actor, read_only=True)

"""Patient-reported outcomes: the target-symptom module and questionnaires; responder status.

**Target symptom.** At the baseline visit (the protocol's first visit that schedules the NRS)
the patient picks the target symptom from the protocol's categories and rates it; every later
visit that schedules the NRS or the global impression rates the same symptom. For a symptom
under the protocol's analgesic rule (PALLSOFT: pain) a follow-up NRS must say whether
analgesics were increased, because the responder definition needs it (Chow 2012). One rating
per visit.

**Questionnaires** (EORTC QLQ-C30, QLQ-C15-PAL) are stored as responses by item number, never
item texts, with the scores computed at entry and the scoring version that computed them;
``complete`` when every item was answered, else ``partial`` (the scales with too few answers
score None by the half-items rule).

**Responder status** follows the protocol's ``[analysis.responder]`` from the baseline rating
to the rating at the responder visit (:func:`radtrial.clinical.instruments.classify_responder`).
Without a rating at that visit the status is *pending* until the visit is over: the window has
closed, the visit was recorded as missed, the participant died or follow-up ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from radtrial.clinical.instruments import (
    ScaleScore,
    classify_responder,
    nrs_bounds,
    parse_global_impression,
    parse_nrs,
    score_qlq_c15_pal,
    score_qlq_c30,
)
from radtrial.clinical.instruments.eortc import read_items
from radtrial.clinical.instruments.qlq_c15_pal import QLQ_C15_PAL_HIGHEST
from radtrial.clinical.instruments.qlq_c30 import QLQ_C30_HIGHEST
from radtrial.errors import Conflict, InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.schedule import Assessment, Visit
from radtrial.services.outcomes._context import (
    Entry,
    anchors,
    follow_up_ended_on,
    open_entry,
    open_read,
    require_assessment,
    require_collectable,
    require_visit,
)
from radtrial.services.outcomes.visits import infer_visit
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.outcome_records import (
    MissedVisitRecord,
    ParticipantFacts,
    QuestionnaireRecord,
    SymptomRatingRecord,
)
from radtrial.store.repositories.outcomes import local_date
from radtrial.trial.consent import Collectable
from radtrial.trial.visits import visit_window

__all__ = [
    "SCORING_VERSIONS",
    "ResponderView",
    "SymptomCourse",
    "add_questionnaire",
    "add_symptom_rating",
    "baseline_visit",
    "record_questionnaire",
    "record_symptom",
    "responder_view",
    "scoring_instrument",
    "symptom_categories",
    "symptom_course",
]

#: What computed stored scores, per instrument (bump when scoring changes).
SCORING_VERSIONS = {
    "qlq_c30": "radtrial-eortc/1: QLQ-C30 Scoring Manual 3rd ed. (EORTC 2001)",
    "qlq_c15_pal": (
        "radtrial-eortc/1: QLQ-C15-PAL addendum tables (Groenvold & Petersen 2006, as in qlqc15)"
    ),
}


def baseline_visit(protocol: Protocol) -> Visit:
    """The visit where the target symptom is chosen: the first that schedules the NRS."""
    nrs = {a.id for a in protocol.assessments if a.kind == "nrs"}
    for visit in protocol.visits:
        if nrs & set(visit.assessments):
            return visit
    raise InvalidInput(
        f"the protocol of {protocol.slug} schedules no target-symptom NRS",
        location="visit",
        detail={"reason": "no_nrs_visit"},
    )


def symptom_categories(protocol: Protocol) -> tuple[str, ...] | None:
    """The target-symptom categories a patient may choose, None if the protocol names none.

    Read from the screening field ``target_symptom_category`` (PALLSOFT's five categories);
    ``other`` is left out because the inclusion criteria require one of the named categories.
    """
    for screening_field in protocol.eligibility.fields:
        if screening_field.name == "target_symptom_category" and screening_field.choices:
            return tuple(c for c in screening_field.choices if c != "other")
    return None


def _scheduled(protocol: Protocol, visit: Visit, kind: str) -> Assessment | None:
    return next(
        (a for a in protocol.assessments if a.kind == kind and a.id in visit.assessments), None
    )


def record_symptom(
    db: Database,
    *,
    actor: str,
    study_id: str,
    visit_id: str,
    answered_at: datetime | None = None,
    nrs: object | None = None,
    global_impression: str | None = None,
    analgesic_increased: bool | None = None,
    symptom: str | None = None,
) -> SymptomRatingRecord:
    """Record the target symptom's NRS and/or global impression at a visit.

    Refused with nothing written (located :class:`InvalidInput`): an unknown visit or one that
    does not schedule what is given; an NRS outside the protocol's range (an NRS of 11); no
    symptom, or one not in the protocol's categories, at baseline; a later rating before the
    baseline one or of another symptom; a pain rating without the analgesic answer; a day
    before registration, in the future, after death or after a withdrawal from follow-up.
    :class:`Conflict` for a second rating at the visit.
    """

    def work(uow: ResearchUnitOfWork) -> SymptomRatingRecord:
        entry = open_entry(uow, actor, study_id, "record patient-reported outcomes")
        return add_symptom_rating(
            uow,
            entry,
            visit_id=visit_id,
            answered_at=answered_at,
            nrs=nrs,
            global_impression=global_impression,
            analgesic_increased=analgesic_increased,
            symptom=symptom,
        )

    return db.run(work, actor=actor)


def add_symptom_rating(
    uow: ResearchUnitOfWork,
    entry: Entry,
    *,
    visit_id: str,
    answered_at: datetime | None = None,
    nrs: object | None = None,
    global_impression: str | None = None,
    analgesic_increased: bool | None = None,
    symptom: str | None = None,
) -> SymptomRatingRecord:
    """:func:`record_symptom` inside a unit of work, for an entry already opened (by staff,
    or by the participant's own portal session)."""
    study_id = entry.participant.study_id
    protocol = entry.protocol
    visit = require_visit(protocol, visit_id)
    at = entry.check_instant(answered_at or entry.now, "answered_at")
    require_collectable(
        entry.facts,
        Collectable.PATIENT_REPORTED_OUTCOMES,
        local_date(at),
        "answered_at",
        stops=entry.protocol.consent.withdrawal_stops,
    )
    if nrs is None and global_impression is None:
        raise InvalidInput(
            "give the NRS, the global impression or both",
            location="nrs",
            detail={"reason": "nothing_given"},
        )
    nrs_assessment = impression_assessment = None
    value: int | None = None
    impression: str | None = None
    if nrs is not None:
        nrs_assessment = require_assessment(protocol, "nrs", visit=visit)
        low, high = nrs_bounds(nrs_assessment)
        value = parse_nrs(nrs, low=low, high=high)
    if global_impression is not None:
        impression_assessment = require_assessment(
            protocol, "global_impression", visit=visit, field="global_impression"
        )
        impression = parse_global_impression(global_impression).value
    previous = uow.outcomes.ratings(entry.participant)
    if any(r.visit_id == visit.id for r in previous):
        raise Conflict(
            f"{study_id} already has a target-symptom rating at {visit.id}",
            location="visit",
        )
    chosen = _symptom(entry, visit, symptom, previous, value, analgesic_increased)
    return uow.outcomes.add_rating(
        entry.participant,
        entry.version,
        visit_id=visit.id,
        symptom=chosen,
        answered_at=at,
        nrs=value,
        nrs_assessment_id=None if nrs_assessment is None else nrs_assessment.id,
        global_impression=impression,
        impression_assessment_id=(
            None if impression_assessment is None else impression_assessment.id
        ),
        analgesic_increased=analgesic_increased,
    )


def _symptom(
    entry: Entry,
    visit: Visit,
    symptom: str | None,
    previous: Sequence[SymptomRatingRecord],
    nrs: int | None,
    analgesic_increased: bool | None,
) -> str:
    baseline = baseline_visit(entry.protocol)
    given = None if symptom is None else symptom.strip().casefold().replace(" ", "_")
    if visit.id == baseline.id:
        categories = symptom_categories(entry.protocol)
        if not given:
            allowed = f" ({', '.join(categories)})" if categories else ""
            raise InvalidInput(
                f"at {baseline.id} the patient chooses the target symptom{allowed}",
                location="symptom",
                detail={"reason": "symptom_required"},
            )
        if categories is not None and given not in categories:
            raise InvalidInput(
                f"the target symptom must be one of {', '.join(categories)}, not {symptom!r}",
                location="symptom",
                detail={"reason": "not_allowed", "allowed": list(categories)},
            )
        if analgesic_increased is not None:
            raise InvalidInput(
                "analgesic change is judged against baseline: leave it out at baseline",
                location="analgesic_increased",
                detail={"reason": "not_at_baseline"},
            )
        return given
    first = next((r for r in previous if r.visit_id == baseline.id), None)
    if first is None:
        raise InvalidInput(
            f"record the {baseline.id} rating (where the target symptom is chosen) first",
            location="visit",
            detail={"reason": "baseline_missing"},
        )
    if given and given != first.symptom:
        raise InvalidInput(
            f"the target symptom chosen at {baseline.id} is {first.symptom}, not {given}",
            location="symptom",
            detail={"reason": "symptom_changed"},
        )
    rule = entry.protocol.analysis.responder
    if (
        nrs is not None
        and rule is not None
        and rule.analgesic_rule_applies(first.symptom)
        and analgesic_increased is None
    ):
        raise InvalidInput(
            f"the target symptom is {first.symptom}: record whether analgesics were increased "
            "since baseline",
            location="analgesic_increased",
            detail={"reason": "analgesic_change_required"},
        )
    return first.symptom


# -- questionnaires -----------------------------------------------------------------------------


def _instrument(assessment: Assessment) -> str:
    name = assessment.name.upper().replace(" ", "")
    if "C15-PAL" in name:
        return "qlq_c15_pal"
    if "QLQ-C30" in name:
        return "qlq_c30"
    raise InvalidInput(
        f"radtrial cannot score {assessment.name!r}; it scores EORTC QLQ-C30 and QLQ-C15-PAL",
        location="assessment",
        detail={"reason": "unsupported_questionnaire"},
    )


#: Every item number of each instrument and its highest answer.
_HIGHEST: Mapping[str, Mapping[int, int]] = {
    "qlq_c30": QLQ_C30_HIGHEST,
    "qlq_c15_pal": QLQ_C15_PAL_HIGHEST,
}


def _score(instrument: str, responses: Mapping[int, object]) -> dict[str, ScaleScore]:
    if instrument == "qlq_c30":
        return score_qlq_c30(responses)
    return score_qlq_c15_pal(responses)


def _score_json(score: ScaleScore) -> dict[str, Any]:
    return {
        "kind": score.kind.value,
        "score": score.score,
        "raw_score": score.raw_score,
        "answered": score.answered,
        "items": score.items,
        "method": score.method,
    }


def record_questionnaire(
    db: Database,
    *,
    actor: str,
    study_id: str,
    assessment_id: str,
    responses: Mapping[int, object],
    visit_id: str | None = None,
    answered_at: datetime | None = None,
) -> QuestionnaireRecord:
    """Record a questionnaire's answers by item number and store its scores.

    Refused with nothing written: an assessment that is not a questionnaire radtrial scores; a
    visit that does not schedule it; an unknown item number or an answer out of range
    (``items[<n>]``); no answer at all; a day outside the participant's follow-up; a second
    submission of the questionnaire at the visit (:class:`Conflict`).
    """

    def work(uow: ResearchUnitOfWork) -> QuestionnaireRecord:
        entry = open_entry(uow, actor, study_id, "record patient-reported outcomes")
        chosen = visit_id
        if chosen is None:
            at = entry.check_instant(answered_at or entry.now, "answered_at")
            inferred = infer_visit(
                uow, entry, "questionnaire", local_date(at), assessment_id=assessment_id
            )
            chosen = None if inferred is None else inferred.id
        return add_questionnaire(
            uow,
            entry,
            assessment_id=assessment_id,
            responses=responses,
            visit_id=chosen,
            answered_at=answered_at,
        )

    return db.run(work, actor=actor)


def scoring_instrument(assessment: Assessment) -> str:
    """The instrument radtrial scores ``assessment`` as (``qlq_c30``, ``qlq_c15_pal``);
    :class:`InvalidInput` for a questionnaire it cannot score."""
    return _instrument(assessment)


def add_questionnaire(
    uow: ResearchUnitOfWork,
    entry: Entry,
    *,
    assessment_id: str,
    responses: Mapping[int, object],
    visit_id: str | None = None,
    answered_at: datetime | None = None,
) -> QuestionnaireRecord:
    """:func:`record_questionnaire` inside a unit of work, for an entry already opened."""
    study_id = entry.participant.study_id
    protocol = entry.protocol
    visit = None if visit_id is None else require_visit(protocol, visit_id)
    assessment = require_assessment(
        protocol, "questionnaire", visit=visit, assessment_id=assessment_id
    )
    instrument = _instrument(assessment)
    at = entry.check_instant(answered_at or entry.now, "answered_at")
    require_collectable(
        entry.facts,
        Collectable.PATIENT_REPORTED_OUTCOMES,
        local_date(at),
        "answered_at",
        stops=entry.protocol.consent.withdrawal_stops,
    )
    highest = _HIGHEST[instrument]
    answered = read_items(responses, instrument=assessment.name, highest=highest)
    if not answered:
        raise InvalidInput(
            "no item was answered", location="items", detail={"reason": "nothing_answered"}
        )
    scores = _score(instrument, answered)
    if visit is not None and uow.outcomes.questionnaire_exists(
        entry.participant, assessment.id, visit.id
    ):
        raise Conflict(f"{study_id} already has {assessment.id} at {visit.id}", location="visit")
    stored = {number: answered.get(number) for number in sorted(highest)}
    complete = all(value is not None for value in stored.values())
    return uow.outcomes.add_questionnaire(
        entry.participant,
        entry.version,
        assessment_id=assessment.id,
        instrument=assessment.name,
        instrument_version=assessment.version,
        visit_id=None if visit is None else visit.id,
        answered_at=at,
        responses=stored,
        scores={code: _score_json(score) for code, score in scores.items()},
        scoring_version=SCORING_VERSIONS[instrument],
        state="complete" if complete else "partial",
    )


# -- responder status and the course of the target symptom ---------------------------------------


@dataclass(frozen=True, slots=True)
class ResponderView:
    """A participant's responder status at the protocol's responder visit.

    ``status`` is ``responder``, ``non_responder`` or ``excluded`` (by the protocol's rule),
    ``pending`` (the visit is not over and has no rating) or ``no_baseline``.
    """

    study_id: str
    visit: str
    symptom: str | None
    status: str
    reason: str
    explanation: str
    baseline_nrs: int | None
    visit_nrs: int | None
    reduction_points: int | None


def responder_view(
    protocol: Protocol,
    facts: ParticipantFacts,
    ratings: Sequence[SymptomRatingRecord],
    missed: Sequence[MissedVisitRecord],
    today: date,
) -> ResponderView | None:
    """The participant's responder status, None when the protocol defines no responder."""
    rule = protocol.analysis.responder
    if rule is None:
        return None
    study_id = facts.participant.study_id
    baseline = baseline_visit(protocol)
    first = next((r for r in ratings if r.visit_id == baseline.id and r.nrs is not None), None)
    if first is None:
        return ResponderView(
            study_id,
            rule.visit,
            None,
            "no_baseline",
            "baseline_missing",
            f"no NRS at {baseline.id}",
            None,
            None,
            None,
        )
    assessment = protocol.assessment(rule.assessment)
    low, high = nrs_bounds(assessment)
    at_visit = next((r for r in ratings if r.visit_id == rule.visit and r.nrs is not None), None)
    died_before = False
    if at_visit is None:
        visit = require_visit(protocol, rule.visit)
        known = anchors(facts)
        window = visit_window(visit, known[visit.anchor]) if visit.anchor in known else None
        death = facts.death_on
        died_before = death is not None and (window is None or death <= window.closes_on)
        ended = follow_up_ended_on(facts)
        over = (
            died_before
            or any(m.visit_id == rule.visit for m in missed)
            or (ended is not None and (window is None or ended <= window.closes_on))
            or (window is not None and today > window.closes_on)
        )
        if not over:
            return ResponderView(
                study_id,
                rule.visit,
                first.symptom,
                "pending",
                "visit_not_over",
                f"no rating at {rule.visit} yet and the visit is not over",
                first.nrs,
                None,
                None,
            )
    result = classify_responder(
        rule,
        symptom=first.symptom,
        baseline_nrs=first.nrs,
        visit_nrs=None if at_visit is None else at_visit.nrs,
        analgesic_increased=None if at_visit is None else at_visit.analgesic_increased,
        died_before_visit=died_before,
        nrs_low=low,
        nrs_high=high,
    )
    return ResponderView(
        study_id,
        rule.visit,
        first.symptom,
        result.status.value,
        result.reason.value,
        result.explanation,
        result.baseline_nrs,
        result.visit_nrs,
        result.reduction_points,
    )


@dataclass(frozen=True)
class SymptomCourse:
    """A participant's target-symptom ratings, questionnaires and responder status."""

    study_id: str
    trial_slug: str
    ratings: tuple[SymptomRatingRecord, ...]
    questionnaires: tuple[QuestionnaireRecord, ...]
    responder: ResponderView | None


def symptom_course(db: Database, *, actor: str, study_id: str) -> SymptomCourse:
    """The participant's patient-reported outcomes and responder status (any role in the
    trial that sees the participant's site)."""

    def work(uow: ResearchUnitOfWork) -> SymptomCourse:
        participant, protocol, facts = open_read(uow, actor, study_id)
        ratings = uow.outcomes.ratings(participant)
        missed = uow.outcomes.missed_visits(participant)
        return SymptomCourse(
            study_id=participant.study_id,
            trial_slug=participant.trial_slug,
            ratings=tuple(ratings),
            questionnaires=tuple(uow.outcomes.questionnaires(participant)),
            responder=responder_view(protocol, facts, ratings, missed, local_date(uow.now())),
        )

    return db.run(work, actor=actor, read_only=True)

"""Due questionnaires: what the participant can answer now, and each one's form.

A participant sees the questionnaires of visits whose window is open today that have not been
answered: the target-symptom module (NRS and global impression, as the visit schedules them)
and EORTC questionnaires when the site has loaded licensed item texts
(:mod:`~radtrial.services.portal.texts`; the texts are copyrighted and never shipped).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from radtrial.clinical.instruments import nrs_bounds
from radtrial.errors import InvalidInput, NotFound
from radtrial.protocol import Protocol
from radtrial.protocol.schedule import Assessment, Visit
from radtrial.services.outcomes import pro
from radtrial.services.outcomes.visits import schedule_input
from radtrial.services.portal.sessions import PortalPrincipal
from radtrial.services.portal.texts import INSTRUMENT_ITEMS
from radtrial.services.protocol_versions import current_protocol
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import ParticipantRecord
from radtrial.store.repositories.outcomes import local_date
from radtrial.store.repositories.portal import InstrumentTextRecord, PortalRepository
from radtrial.trial.visits import VisitStatus, participant_schedule

__all__ = [
    "TARGET_SYMPTOM",
    "DueQuestionnaire",
    "PortalItem",
    "QuestionnaireForm",
    "due_questionnaires",
    "questionnaire_form",
]

#: The portal's name for the target-symptom module (NRS and global impression).
TARGET_SYMPTOM = "target_symptom"


@dataclass(frozen=True, slots=True)
class DueQuestionnaire:
    """A questionnaire the participant can answer now."""

    visit_id: str
    visit_label: str
    closes_on: date
    instrument: str
    name: str
    draft_id: int | None


@dataclass(frozen=True, slots=True)
class PortalItem:
    """A licensed questionnaire item: its number, text and answer choices (value, label)."""

    number: int
    text: str
    choices: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class QuestionnaireForm:
    """What the questionnaire page shows and accepts."""

    visit_id: str
    visit_label: str
    instrument: str
    name: str
    baseline: bool = False
    symptom_choices: tuple[str, ...] = ()
    symptom: str | None = None
    ask_nrs: bool = False
    nrs_low: int = 0
    nrs_high: int = 10
    ask_impression: bool = False
    ask_analgesic: bool = False
    items: tuple[PortalItem, ...] = ()
    text_language: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    draft_id: int | None = None

    def fields(self) -> tuple[str, ...]:
        """The answer names the form accepts."""
        if self.instrument != TARGET_SYMPTOM:
            return tuple(f"item_{item.number}" for item in self.items)
        names = []
        if self.baseline:
            names.append("symptom")
        if self.ask_nrs:
            names.append("nrs")
        if self.ask_analgesic:
            names.append("analgesic_increased")
        if self.ask_impression:
            names.append("global_impression")
        return tuple(names)


def _scheduled(protocol: Protocol, visit: Visit) -> list[Assessment]:
    return [
        a for a in protocol.assessments if a.id in visit.assessments and a.respondent == "patient"
    ]


def _instrument_of(assessment: Assessment) -> str | None:
    try:
        return pro.scoring_instrument(assessment)
    except InvalidInput:
        return None


def _due(
    uow: ResearchUnitOfWork, principal: PortalPrincipal
) -> tuple[ParticipantRecord, Protocol, list[tuple[Visit, str, Assessment | None, date]]]:
    """The participant's due (visit, instrument, questionnaire assessment, closing day)."""
    participant = uow.participants.get(principal.study_id)
    if participant.id != principal.participant_id:  # pragma: no cover - ids never change
        raise NotFound("no such participant", location="participant")
    protocol, _ = current_protocol(uow, participant.trial_slug)
    facts = uow.outcomes.facts(participant)
    today = local_date(uow.now())
    states = participant_schedule(
        protocol.visits, schedule_input(uow, participant, protocol, facts), today=today
    )
    rated = {r.visit_id for r in uow.outcomes.ratings(participant)}
    repo = PortalRepository(uow)
    out: list[tuple[Visit, str, Assessment | None, date]] = []
    visits = {v.id: v for v in protocol.visits}
    for state in states:
        window = state.visit.window
        if window is None or not window.contains(today):
            continue
        if state.status in {VisitStatus.MISSED, VisitStatus.NOT_REQUIRED}:
            continue
        visit = visits[state.visit.visit_id]
        scheduled = _scheduled(protocol, visit)
        if visit.id not in rated and any(a.kind in {"nrs", "global_impression"} for a in scheduled):
            out.append((visit, TARGET_SYMPTOM, None, window.closes_on))
        for assessment in scheduled:
            if assessment.kind != "questionnaire":
                continue
            instrument = _instrument_of(assessment)
            if instrument is None or not repo.texts(participant.site_code, instrument):
                continue
            if not uow.outcomes.questionnaire_exists(participant, assessment.id, visit.id):
                out.append((visit, assessment.id, assessment, window.closes_on))
    return participant, protocol, out


def due_questionnaires(db: Database, principal: PortalPrincipal) -> list[DueQuestionnaire]:
    """The questionnaires the participant can answer now, with any saved draft."""

    def work(uow: ResearchUnitOfWork) -> list[DueQuestionnaire]:
        participant, _, due = _due(uow, principal)
        drafts = {
            (d.visit_id, d.instrument): d.id for d in PortalRepository(uow).drafts(participant.id)
        }
        out = []
        for visit, instrument, assessment, closes in due:
            out.append(
                DueQuestionnaire(
                    visit_id=visit.id,
                    visit_label=visit.label,
                    closes_on=closes,
                    instrument=instrument,
                    name=assessment.name if assessment is not None else TARGET_SYMPTOM,
                    draft_id=drafts.get((visit.id, instrument)),
                )
            )
        return out

    return db.run(work, actor=principal.actor, read_only=True)


def _form(
    uow: ResearchUnitOfWork,
    principal: PortalPrincipal,
    visit_id: str,
    instrument: str,
    language: str,
) -> QuestionnaireForm:
    participant, protocol, due = _due(uow, principal)
    match = next(((v, a) for v, i, a, _ in due if v.id == visit_id and i == instrument), None)
    if match is None:
        raise NotFound("no such questionnaire is due", location="questionnaire")
    visit, assessment = match
    draft = PortalRepository(uow).draft(participant.id, visit.id, instrument)
    answers = draft.answers if draft is not None else {}
    draft_id = draft.id if draft is not None else None
    if assessment is None:
        scheduled = _scheduled(protocol, visit)
        nrs = next((a for a in scheduled if a.kind == "nrs"), None)
        baseline = pro.baseline_visit(protocol).id == visit.id
        chosen = next(
            (r.symptom for r in uow.outcomes.ratings(participant) if r.visit_id != visit.id),
            None,
        )
        low, high = nrs_bounds(nrs) if nrs is not None else (0, 10)
        return QuestionnaireForm(
            visit_id=visit.id,
            visit_label=visit.label,
            instrument=TARGET_SYMPTOM,
            name=TARGET_SYMPTOM,
            baseline=baseline,
            symptom_choices=(pro.symptom_categories(protocol) or ()) if baseline else (),
            symptom=chosen,
            ask_nrs=nrs is not None,
            nrs_low=low,
            nrs_high=high,
            ask_impression=any(a.kind == "global_impression" for a in scheduled),
            ask_analgesic=(
                not baseline
                and nrs is not None
                and protocol.analysis.responder is not None
                and protocol.analysis.responder.analgesic_rule_applies(chosen)
            ),
            answers=answers,
            draft_id=draft_id,
        )
    scoring = pro.scoring_instrument(assessment)
    loaded = PortalRepository(uow).texts(participant.site_code, scoring)
    texts = next((t for t in loaded if t.language == language), loaded[0])
    return QuestionnaireForm(
        visit_id=visit.id,
        visit_label=visit.label,
        instrument=assessment.id,
        name=assessment.name,
        items=_items(texts, INSTRUMENT_ITEMS[scoring]),
        text_language=texts.language,
        answers=answers,
        draft_id=draft_id,
    )


def _items(texts: InstrumentTextRecord, highest: Mapping[int, int]) -> tuple[PortalItem, ...]:
    items = texts.texts.get("items", {})
    choices = texts.texts.get("choices", {})
    out = []
    for number in sorted(highest):
        top = highest[number]
        labels = choices.get(str(top), {})
        out.append(
            PortalItem(
                number,
                str(items.get(str(number), "")),
                tuple((v, str(labels.get(str(v), v))) for v in range(1, top + 1)),
            )
        )
    return tuple(out)


def questionnaire_form(
    db: Database, principal: PortalPrincipal, *, visit_id: str, instrument: str, language: str
) -> QuestionnaireForm:
    """The form of a due questionnaire with its saved draft; :class:`NotFound` when the
    participant has no such questionnaire due."""
    return db.run(
        lambda uow: _form(uow, principal, visit_id, instrument, language),
        actor=principal.actor,
        read_only=True,
    )

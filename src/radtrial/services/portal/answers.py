"""The participant's answers: partial answers kept as a draft per participant, visit and
questionnaire until submitted; submission goes through :mod:`radtrial.services.outcomes.pro`,
so it is validated and audited with the portal session as the actor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from radtrial.errors import InvalidInput, NotFound
from radtrial.services.outcomes import pro
from radtrial.services.outcomes._context import open_own_entry
from radtrial.services.portal.questionnaires import TARGET_SYMPTOM, QuestionnaireForm, _form
from radtrial.services.portal.sessions import PortalPrincipal
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.repositories.portal import DraftRecord, PortalRepository

__all__ = ["find_draft", "save_draft", "submit"]

_MAX_ANSWER = 64


def find_draft(db: Database, principal: PortalPrincipal, draft_id: int) -> DraftRecord:
    """The participant's draft ``draft_id``; :class:`NotFound` for anyone else's."""

    def work(uow: ResearchUnitOfWork) -> DraftRecord | None:
        return PortalRepository(uow).draft_by_id(principal.participant_id, draft_id)

    draft = db.run(work, actor=principal.actor, read_only=True)
    if draft is None:
        raise NotFound(f"no draft {draft_id}", location="draft_id")
    return draft


def _clean(form: QuestionnaireForm, answers: Mapping[str, str]) -> dict[str, str]:
    allowed = set(form.fields())
    return {
        key: str(value).strip()[:_MAX_ANSWER]
        for key, value in answers.items()
        if key in allowed and str(value).strip()
    }


def save_draft(
    db: Database,
    principal: PortalPrincipal,
    *,
    visit_id: str,
    instrument: str,
    answers: Mapping[str, str],
) -> DraftRecord:
    """Keep the participant's partial answers to a due questionnaire (audited)."""

    def work(uow: ResearchUnitOfWork) -> DraftRecord:
        form = _form(uow, principal, visit_id, instrument, "en")
        return PortalRepository(uow).save_draft(
            principal.participant_id, visit_id, instrument, _clean(form, answers)
        )

    return db.run(work, actor=principal.actor, reason="partial answers saved by the participant")


def _number(value: str | None) -> object:
    """A whole number typed or chosen as text, else the text (which the PRO service refuses
    with its located message)."""
    if value is not None and re.fullmatch(r"-?\d{1,3}", value):
        return int(value)
    return value


def _missing(name: str, reason: str = "required") -> InvalidInput:
    return InvalidInput(f"answer {name}", location=name, detail={"reason": reason})


def submit(
    db: Database,
    principal: PortalPrincipal,
    *,
    visit_id: str,
    instrument: str,
    answers: Mapping[str, str],
) -> None:
    """Submit a due questionnaire through the PRO service (validated, audited with the portal
    session as actor) and forget its draft. Unanswered required questions are refused with a
    located :class:`InvalidInput` whose ``detail["fields"]`` lists every one."""

    def work(uow: ResearchUnitOfWork) -> None:
        form = _form(uow, principal, visit_id, instrument, "en")
        given = _clean(form, answers)
        entry = open_own_entry(uow, principal.study_id)
        if form.instrument == TARGET_SYMPTOM:
            missing = [name for name in form.fields() if name not in given]
            if missing:
                raise InvalidInput(
                    "answer every question",
                    location=missing[0],
                    detail={"reason": "required", "fields": missing},
                )
            analgesic = given.get("analgesic_increased")
            pro.add_symptom_rating(
                uow,
                entry,
                visit_id=visit_id,
                nrs=_number(given.get("nrs")),
                global_impression=given.get("global_impression"),
                analgesic_increased=None if analgesic is None else analgesic == "yes",
                symptom=given.get("symptom"),
            )
        else:
            responses: dict[int, object] = {
                int(name.removeprefix("item_")): _number(value) for name, value in given.items()
            }
            if not responses:
                raise _missing("item_1", "nothing_answered")
            try:
                pro.add_questionnaire(
                    uow, entry, assessment_id=instrument, responses=responses, visit_id=visit_id
                )
            except InvalidInput as error:
                location = error.location or ""
                found = re.search(r"\d+", location)
                if found is None:
                    raise
                raise InvalidInput(
                    str(error), location=f"item_{found.group()}", detail=error.detail
                ) from error
        PortalRepository(uow).delete_draft(principal.participant_id, visit_id, instrument)

    db.run(work, actor=principal.actor, reason="questionnaire submitted by the participant")

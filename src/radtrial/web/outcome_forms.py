"""The staff-entered patient-reported outcome on the participant's outcomes page, and the
reading of a typed time shared by the outcome and biobank forms.

A research nurse types a paper questionnaire or an interview answer: the target symptom's NRS
and/or the patient's global impression at a protocol visit, and at the baseline visit the
target symptom the patient chose. What the form offers comes from the protocol in force (the
visits that schedule the NRS or the global impression, the NRS range, the symptom categories,
whether the analgesic question applies to the chosen symptom); what is posted goes to the same
service as ``POST /api/v1/participants/{id}/symptom-ratings``
(:func:`radtrial.services.outcomes.pro.record_symptom`), which validates it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from radtrial.api.deps import DatabaseDep
from radtrial.clinical.instruments import GlobalImpression, nrs_bounds
from radtrial.errors import InvalidInput
from radtrial.rt.ledger import site_instant
from radtrial.services import participants
from radtrial.services.auth import Principal
from radtrial.services.course.state import SITE_TIMEZONE
from radtrial.services.outcome_views import SymptomRatingRecord
from radtrial.services.outcomes import pro

__all__ = [
    "IMPRESSIONS",
    "SymptomForm",
    "SymptomVisit",
    "form_instant",
    "record_symptom_rating",
    "symptom_form",
]

#: The global impressions, in the order the form offers them.
IMPRESSIONS = tuple(i.value for i in GlobalImpression)


def form_instant(value: str, field: str) -> datetime | None:
    """A typed time: with a UTC offset as given, without one as the site's wall-clock time
    (a time that does not exist or happens twice at a DST change is refused at ``field``)."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a time (YYYY-MM-DDTHH:MM)", location=field) from None
    return site_instant(moment, ZoneInfo(SITE_TIMEZONE), location=field)


@dataclass(frozen=True, slots=True)
class SymptomVisit:
    """A protocol visit that schedules the NRS and/or the global impression."""

    id: str
    label: str
    nrs: bool
    impression: bool


@dataclass(frozen=True, slots=True)
class SymptomForm:
    """What the target-symptom form shows: the protocol's choices and the ratings so far.

    ``categories`` is empty when the protocol names no symptom categories (the symptom is then
    typed); ``symptom`` is the one chosen at ``baseline`` once that rating is recorded.
    """

    visits: tuple[SymptomVisit, ...]
    baseline: SymptomVisit
    categories: tuple[str, ...]
    symptom: str | None
    nrs_low: int
    nrs_high: int
    impressions: tuple[str, ...]
    ask_analgesic: bool
    ratings: tuple[SymptomRatingRecord, ...]

    def visit_label(self, visit_id: str) -> str:
        """The protocol's label of ``visit_id`` (the id itself if the protocol has none)."""
        return next((v.label for v in self.visits if v.id == visit_id), visit_id)


def symptom_form(db: DatabaseDep, principal: Principal, study_id: str) -> SymptomForm | None:
    """The target-symptom form of ``study_id`` (the caller has authorised the read), None when
    the protocol in force schedules no target-symptom NRS."""
    course = pro.symptom_course(db, actor=principal.username, study_id=study_id)
    # The protocol version in force, the one the PRO service checks entries against.
    protocol = participants.enrolment_form(
        db, user=principal.user, trial_slug=course.trial_slug
    ).protocol
    try:
        baseline = pro.baseline_visit(protocol)
    except InvalidInput:
        return None
    kinds = {a.id: a.kind for a in protocol.assessments}
    visits = []
    for visit in protocol.visits:
        scheduled = {kinds.get(a) for a in visit.assessments}
        if {"nrs", "global_impression"} & scheduled:
            visits.append(
                SymptomVisit(
                    visit.id,
                    visit.label,
                    nrs="nrs" in scheduled,
                    impression="global_impression" in scheduled,
                )
            )
    scale = next(
        a for a in protocol.assessments if a.kind == "nrs" and a.id in baseline.assessments
    )
    low, high = nrs_bounds(scale)
    chosen = next((r.symptom for r in course.ratings if r.visit_id == baseline.id), None)
    rule = protocol.analysis.responder
    ask_analgesic = chosen is not None and rule is not None and rule.analgesic_rule_applies(chosen)
    return SymptomForm(
        visits=tuple(visits),
        baseline=next(v for v in visits if v.id == baseline.id),
        categories=pro.symptom_categories(protocol) or (),
        symptom=chosen,
        nrs_low=low,
        nrs_high=high,
        impressions=IMPRESSIONS,
        ask_analgesic=ask_analgesic,
        ratings=course.ratings,
    )


def _rating(text: str) -> object | None:
    """A chosen NRS as a whole number; other text is passed on for the service to refuse at
    ``nrs`` with its message; blank is None."""
    value = text.strip()
    if not value:
        return None
    return int(value) if re.fullmatch(r"-?\d{1,3}", value) else value


def record_symptom_rating(
    db: DatabaseDep, *, actor: str, study_id: str, form: Mapping[str, str]
) -> SymptomRatingRecord:
    """Parse the target-symptom form and record it through the PRO service (the caller has
    authorised the write, as the API route does); located errors propagate."""
    visit = form.get("visit", "").strip()
    if not visit:
        raise InvalidInput("choose the visit", location="visit")
    analgesic = form.get("analgesic_increased", "").strip()
    if analgesic not in ("", "yes", "no"):
        raise InvalidInput("choose yes or no", location="analgesic_increased")
    return pro.record_symptom(
        db,
        actor=actor,
        study_id=study_id,
        visit_id=visit,
        answered_at=form_instant(form.get("answered_at", ""), "answered_at"),
        nrs=_rating(form.get("nrs", "")),
        global_impression=form.get("global_impression", "").strip() or None,
        analgesic_increased=None if not analgesic else analgesic == "yes",
        symptom=form.get("symptom", "").strip() or None,
    )

"""The staff-entered patient-reported outcome on the participant's outcomes page, and the
reading of a typed time shared by the outcome and biobank forms.

A research nurse types a paper questionnaire or an interview answer: the target symptom's NRS
and/or the patient's global impression at a protocol visit, and at the baseline visit the
target symptom the patient chose. What the form offers comes from the protocol in force (the
visits that schedule the NRS or the global impression, the NRS range, the symptom categories,
whether the analgesic question applies to the chosen symptom); what is posted goes to the same
service as ``POST /api/v1/participants/{id}/symptom-ratings``
(:func:`radtrial.services.outcomes.pro.record_symptom`), which validates it.

:func:`error_target` places a refused form's error on the outcomes page, or on a record page's
correction form (:mod:`radtrial.web.corrections`): the element its ``location`` names (a field,
the input of a lesion's row, a lesion table, or the form itself) with the translated label the
error banner links to it by.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
    "ErrorTarget",
    "SymptomForm",
    "SymptomVisit",
    "error_target",
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


# -- where a refused form's error is shown ----------------------------------------------------

#: The element id and label key of each form's fields, by the field name an error's location
#: starts with.
_FIELDS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "adverse-event": {
        "term": ("ae-term", "outcomes.term"),
        "specify": ("ae-specify", "outcomes.specify"),
        "grade": ("ae-grade", "outcomes.grade"),
        "onset_on": ("ae-onset", "outcomes.onset"),
        "resolved_on": ("ae-resolved", "outcomes.resolved_on"),
        "attribution": ("ae-attribution", "outcomes.attribution"),
        "seriousness": ("ae-seriousness", "outcomes.seriousness"),
        "outcome": ("ae-outcome", "outcomes.ae_outcome"),
    },
    "ecog": {
        "status": ("ecog-status", "outcomes.ecog_status"),
        "assessed_on": ("ecog-date", "outcomes.assessed_on"),
    },
    "symptom-rating": {
        "visit": ("pro-visit", "outcomes.visit"),
        "answered_at": ("pro-answered", "outcomes.pro.answered_at_short"),
        "symptom": ("pro-symptom", "outcomes.pro.symptom"),
        "nrs": ("pro-nrs", "outcomes.pro.nrs_short"),
        "analgesic_increased": ("pro-analgesic", "outcomes.pro.analgesic_short"),
        "global_impression": ("pro-impression", "outcomes.pro.impression"),
    },
    "recist-baseline": {"assessed_on": ("bl-date", "outcomes.assessed_on")},
    "recist-follow-up": {
        "assessed_on": ("fu-date", "outcomes.assessed_on"),
        "non_target": ("fu-non-target", "outcomes.non_target"),
        "new_lesions": ("fu-new", "outcomes.new_lesions"),
    },
    "sample": {
        "label": ("s-label", "outcomes.label"),
        "sample_type": ("s-type", "outcomes.sample_type"),
        "visit": ("s-visit", "outcomes.visit"),
        "visit_id": ("s-visit", "outcomes.visit"),
        "collected_at": ("s-collected", "outcomes.collected_at"),
        "volume_ml": ("s-volume", "outcomes.volume_ml"),
    },
    "storage": {
        "label": ("st-label", "outcomes.label"),
        **{p: (f"st-{p}", f"outcomes.part.{p}") for p in ("freezer", "rack", "box", "position")},
    },
    # The correction forms of the record pages (radtrial.web.corrections).
    "adverse-event-correction": {
        "grade": ("cae-grade", "outcomes.grade"),
        "attribution": ("cae-attribution", "outcomes.attribution"),
        "resolved_on": ("cae-resolved", "outcomes.resolved_on"),
        "outcome": ("cae-outcome", "outcomes.ae_outcome"),
        "reason": ("cae-reason", "correction.reason"),
    },
    "recist-baseline-correction": {
        "assessed_on": ("cbl-date", "outcomes.assessed_on"),
        "reason": ("cbl-reason", "correction.reason"),
    },
    "recist-follow-up-correction": {
        "assessed_on": ("cfu-date", "outcomes.assessed_on"),
        "non_target": ("cfu-non-target", "outcomes.non_target"),
        "new_lesions": ("cfu-new", "outcomes.new_lesions"),
        "reason": ("cfu-reason", "correction.reason"),
    },
}
#: Each form's heading, naming an error no field of the form holds.
_TITLES = {
    "adverse-event": "outcomes.adverse_events",
    "ecog": "outcomes.ecog",
    "symptom-rating": "outcomes.pro.record_title",
    "recist-baseline": "outcomes.baseline",
    "recist-follow-up": "outcomes.follow_up",
    "sample": "outcomes.collect",
    "storage": "outcomes.store",
    "adverse-event-correction": "correction.heading",
    "recist-baseline-correction": "correction.heading",
    "recist-follow-up-correction": "correction.heading",
}
#: The input of a baseline lesion's row a ``…_lesions[<id>].<part>`` error marks, and its
#: column's label; any other part marks the lesion id.
_LESION_INPUTS = {
    "lesion_id": ("id", "outcomes.lesion_id"),
    "organ": ("organ", "outcomes.organ"),
    "baseline_mm": ("mm", "outcomes.diameter_mm"),
    "modality": ("modality", "record.lesion.modality"),
    "slice_thickness_mm": ("slice", "correction.slice_mm"),
    "nodal": ("nodal", "outcomes.nodal"),
    "irradiated_index": ("index", "outcomes.irradiated_index"),
    "previously_irradiated": ("prev", "record.lesion.previously_irradiated"),
    "progressed_after_irradiation": ("progressed", "record.lesion.progressed_after_irradiation"),
}
_COLUMN_LABELS = dict(_LESION_INPUTS.values())
#: The lesion rows of each baseline form: their id prefix and the columns a target (``t``) and a
#: non-target (``n``) row have.
_LESION_FORMS: Mapping[str, tuple[str, Mapping[str, frozenset[str]]]] = {
    "recist-baseline": (
        "bl",
        {
            "t": frozenset({"id", "organ", "mm", "nodal", "index"}),
            "n": frozenset({"id", "organ"}),
        },
    ),
    "recist-baseline-correction": (
        "cbl",
        {
            "t": frozenset(_COLUMN_LABELS),
            "n": frozenset({"id", "organ", "nodal", "index"}),
        },
    ),
}
#: The id prefix of each follow-up form's size inputs.
_SIZE_INPUTS = {"recist-follow-up": "fu", "recist-follow-up-correction": "cfu"}
_LESION = re.compile(r"(target|non_target)_lesions\[(.+?)\](?:\.(\w+))?")
_SIZE = re.compile(r"(?:sizes|diameters_mm)\[(.+)\]")
_ROW_ID = re.compile(r"([tn])(\d{1,2})_id")
#: A row's own input (``t3_id``), where a row is refused before it names a lesion.
_ROW_INPUT = re.compile(r"([tn])(\d{1,2})_([a-z]+)")


@dataclass(frozen=True, slots=True)
class ErrorTarget:
    """Where the outcomes page shows a refused form's error.

    ``place`` is ``field`` (the message right after the element ``field_id``, which is marked
    invalid), ``row`` (a full-width row under the lesion row ``row``, its input ``field_id``
    marked invalid), ``table`` (under the lesion table ``field_id``) or ``form`` (in the form's
    banner: no field holds it). The banner links to ``field_id`` by ``label``; ``error_id`` is
    the message's id.
    """

    form: str
    place: str
    field_id: str
    error_id: str
    label: str
    row: str | None = None


def _row_target(
    t: Callable[..., str], form: str, prefix: str, row: str, column: str, lesion: str
) -> ErrorTarget:
    where, columns = _LESION_FORMS[form]
    if column not in columns[prefix]:
        column = "id"
    label = t(_COLUMN_LABELS[column])
    return ErrorTarget(
        form,
        "row",
        f"{where}-{prefix}{row}-{column}",
        f"{where}-{prefix}{row}-error",
        t("outcomes.error_in_row", field=label, lesion=lesion) if lesion else label,
        row=f"{prefix}{row}",
    )


def _lesion_target(
    t: Callable[..., str], form: str, name: str, values: Mapping[str, str]
) -> ErrorTarget | None:
    own = _ROW_INPUT.fullmatch(name)
    if own is not None:
        prefix, row, column = own.groups()
        return _row_target(t, form, prefix, row, column, values.get(f"{prefix}{row}_id", ""))
    match = _LESION.fullmatch(name)
    if match is None:
        return None
    kind, lesion, part = match.groups()
    prefix = "t" if kind == "target" else "n"
    for key, typed in values.items():
        row = _ROW_ID.fullmatch(key)
        if row is None or row.group(1) != prefix or typed.strip() != lesion:
            continue
        if values.get(f"{prefix}{row.group(2)}_remove") == "on":
            continue  # a removed row does not hold the lesion
        column = _LESION_INPUTS.get(part or "", _LESION_INPUTS["lesion_id"])[0]
        return _row_target(t, form, prefix, row.group(2), column, lesion)
    return None


def error_target(
    t: Callable[..., str],
    form: str,
    location: str | None,
    values: Mapping[str, str],
    *,
    follow_up_targets: Sequence[tuple[str, str]] = (),
    symptom_chosen: bool = False,
) -> ErrorTarget:
    """Where the outcomes page shows the error at ``location`` of the refused ``form``.

    ``values`` are the posted fields (which row holds a baseline lesion), ``follow_up_targets``
    the baseline's target lesions (id, organ) in the follow-up form's order, ``symptom_chosen``
    whether the target symptom is already chosen (then shown as text, not asked).
    """
    name = (location or "").removeprefix("body.")
    if form in _LESION_FORMS:
        found = _lesion_target(t, form, name, values)
        if found is not None:
            return found
        where = _LESION_FORMS[form][0]
        if name.startswith("non_target_lesions"):
            label = t("outcomes.non_target_lesions")
            table = f"{where}-non-targets"
            return ErrorTarget(form, "table", table, f"{table}-error", label)
        if name.startswith("target_lesions") or name in ("lesion_id", "irradiated_index"):
            label = t("outcomes.target_lesions")
            return ErrorTarget(form, "table", f"{where}-targets", f"{where}-targets-error", label)
    size = _SIZE.fullmatch(name) if form in _SIZE_INPUTS else None
    if size is not None:
        for index, (lesion, organ) in enumerate(follow_up_targets, 1):
            if lesion == size.group(1):
                label = t("outcomes.lesion_size", lesion=lesion, organ=organ)
                field = f"{_SIZE_INPUTS[form]}-size-{index}"
                return ErrorTarget(form, "field", field, f"{field}-error", label)
    fields = _FIELDS.get(form, {})
    base = name if name in fields else re.split(r"[\[.]", name, maxsplit=1)[0]
    if base in fields:
        field_id, label = fields[base]
        if field_id == "pro-symptom" and symptom_chosen:
            field_id = "pro-chosen"
        return ErrorTarget(form, "field", field_id, f"{form}-{base}-error", t(label))
    return ErrorTarget(form, "form", f"form-{form}", f"{form}-error", t(_TITLES.get(form, "")))

"""The correction forms of a signable record's page (:mod:`radtrial.web.records`, which shows
them and routes their posts to ``…/{id}/correct``): what a form holds, what a posted one does.

:func:`current_values` fills a form with the stored record; :func:`now_stored` names, after a
stale post, the stored value of each field typed differently. :data:`SUBMIT` reads a posted form
into the arguments the API's ``PATCH`` on the record passes and calls the same service:
``correct_adverse_event`` (grade, attribution, resolution date, outcome;
:mod:`radtrial.services.outcomes.corrections`), ``correct_recist_baseline`` (date and every
lesion row: organ, method, slice thickness, size and flags; a row left empty or ticked "remove"
is no lesion) and ``correct_recist_follow_up`` (date, every target lesion's size, non-target
status, new lesions; :mod:`radtrial.services.outcomes.recist_corrections`). The version the
page showed (its content hash) is the ``If-Match``; the reason is required by the service. What
the service did (the follow-ups it re-evaluated, the RECIST progression events it recorded,
moved or removed, the signatures it voided) comes back as a :class:`Notice`, which the redirect
to the record page carries in its query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from radtrial.api.deps import DatabaseDep
from radtrial.clinical.recist.lesions import Modality, NonTargetLesion, TargetLesion
from radtrial.errors import InvalidInput
from radtrial.services import signatures
from radtrial.services.outcomes import corrections, recist_corrections
from radtrial.web.forms import form_date, form_number
from radtrial.web.record_view import DASH, Translate

__all__ = [
    "MAX_FIELDS",
    "NON_TARGET_ROWS",
    "SUBMIT",
    "TARGET_ROWS",
    "CorrectionData",
    "Notice",
    "current_values",
    "notice_query",
    "now_stored",
    "read_notice",
]

#: The most fields a correction form may post: a baseline's lesion rows take many.
MAX_FIELDS = 400
#: Target lesion rows of the baseline correction form (RECIST 1.1 allows 5 targets), and the
#: fewest non-target rows (at least two empty ones are offered to add a lesion).
TARGET_ROWS = 5
NON_TARGET_ROWS = 3

#: A baseline lesion row's inputs (``t1_mm``) and the lesion field each holds.
_TARGET_PARTS = {
    "id": "lesion_id",
    "organ": "organ",
    "modality": "modality",
    "slice": "slice_thickness_mm",
    "mm": "baseline_mm",
    "nodal": "nodal",
    "index": "irradiated_index",
    "prev": "previously_irradiated",
    "progressed": "progressed_after_irradiation",
}
_NON_TARGET_PARTS = {
    "id": "lesion_id",
    "organ": "organ",
    "nodal": "nodal",
    "index": "irradiated_index",
}
#: A lesion row's text inputs and tick boxes, besides its id and method.
_TEXTS = ("organ", "mm", "slice")
_TICKS = ("nodal", "index", "prev", "progressed")
_ROW_KEY = re.compile(r"[tn]\d{1,2}_[a-z]+")
_EVENT = re.compile(
    r"(local_progression|distant_progression)\.(recorded|moved|removed)"
    r"\.(\d{4}-\d\d-\d\d)?\.(\d{4}-\d\d-\d\d)?"
)
_VOIDED = re.compile(r"(adverse-events|recist-baselines|recist-follow-ups)\.(\d{1,10})\.(\d{1,4})")

#: The record page of each corrected RECIST entity.
_PAGES = {
    recist_corrections.BASELINES: "recist-baselines",
    recist_corrections.FOLLOW_UPS: "recist-follow-ups",
}


async def _form_data(request: Request) -> dict[str, str]:
    """The posted form's text fields (no files), each at most 2,000 characters."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    return {key: value[:2000] for key, value in form.items() if isinstance(value, str)}


CorrectionData = Annotated[dict[str, str], Depends(_form_data)]


# -- what a form holds ------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A stored value as a form field holds it: a ticked box is ``on``, nothing is blank."""
    if value is None or value is False:
        return ""
    if value is True:
        return "on"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def current_values(entity: str, fields: Mapping[str, Any]) -> dict[str, str]:
    """The correction form's fields filled with the stored record ``fields`` (the signed
    content): an adverse event's grade, attribution, resolution date and outcome; a baseline's
    date and lesion rows (``t1_id``, ``t1_mm``, …, ``n1_id``, …); a follow-up's date, target
    sizes (``size_<lesion>``), non-target status and new-lesion finding."""
    if entity == "adverse_events":
        names = ("grade", "attribution", "resolved_on", "outcome")
        return {name: _text(fields.get(name)) for name in names}
    values = {"assessed_on": _text(fields.get("assessed_on"))}
    if entity == "tumour_follow_ups":
        sizes = fields.get("measurements") or {}
        values.update({f"size_{lesion}": _text(size) for lesion, size in sizes.items()})
        values["non_target"] = _text(fields.get("non_target"))
        values["new_lesions"] = _text(bool(fields.get("new_lesions")))
        return values
    lesions = fields.get("lesions") or ()
    for prefix, role, parts in (
        ("t", "target", _TARGET_PARTS),
        ("n", "non_target", _NON_TARGET_PARTS),
    ):
        mine = [lesion for lesion in lesions if lesion.get("role") == role]
        for row, lesion in enumerate(mine, 1):
            values.update(
                {f"{prefix}{row}_{part}": _text(lesion.get(f)) for part, f in parts.items()}
            )
    return values


def _shown(t: Translate, name: str, stored: str) -> str:
    """A stored form value for people (the value now stored, under a field typed otherwise)."""
    if name == "new_lesions":
        return t("yes") if stored else t("no")
    if not stored:
        return DASH
    words = {"attribution": "outcomes.attribution", "outcome": "outcomes.ae_outcome"}
    if name in words or name == "non_target":
        return t(f"{words.get(name, 'outcomes.non_target')}.{stored}")
    return f"{stored} mm" if name.startswith("size_") else stored


def _row_shown(t: Translate, row: str, stored: Mapping[str, str]) -> str:
    """A lesion row as stored: id, organ, method, size, slice thickness and ticked flags."""
    get = {part: stored.get(f"{row}_{part}", "") for part in _TARGET_PARTS}
    if not get["id"]:
        return t("correction.empty_row")
    parts = [get["id"], get["organ"]]
    if get["modality"]:
        parts.append(t(f"record.modality.{get['modality']}"))
    if get["mm"]:
        parts.append(f"{get['mm']} mm")
    if get["slice"]:
        parts.append(t("correction.slice_of", mm=get["slice"]))
    parts += [t(f"record.lesion.{_TARGET_PARTS[flag]}") for flag in _TICKS if get[flag]]
    return ", ".join(parts)


def now_stored(
    t: Translate, typed: Mapping[str, str], stored: Mapping[str, str], rows: tuple[str, ...]
) -> dict[str, str]:
    """The stored value of each field, and of each lesion row, typed differently."""
    now = {}
    for name, value in stored.items():
        if _ROW_KEY.fullmatch(name) is None and typed.get(name, "") != value:
            now[name] = _shown(t, name, value)
    for row in rows:
        if not (typed.get(f"{row}_id", "").strip() or stored.get(f"{row}_id")):
            continue  # empty then, empty now
        keys = {k for k in (*typed, *stored) if k.startswith(f"{row}_") and k != f"{row}_remove"}
        if any(typed.get(k, "").strip() != stored.get(k, "") for k in keys):
            now[row] = _row_shown(t, row, stored)
    return now


# -- what a saved correction did --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    """A saved correction: the follow-ups whose evaluation it changed, what it did to the
    RECIST progression events (kind, change, from, to) and the signatures it voided (record
    page, record id, count)."""

    re_evaluated: tuple[int, ...] = ()
    events: tuple[tuple[str, str, str, str], ...] = ()
    voided: tuple[tuple[str, int, int], ...] = ()


def notice_query(notice: Notice) -> str:
    """The query a saved correction's redirect carries its :class:`Notice` in."""
    parts = ["corrected=true"]
    if notice.re_evaluated:
        parts.append("re_evaluated=" + ",".join(str(i) for i in notice.re_evaluated))
    if notice.events:
        parts.append("events=" + ",".join(".".join(e) for e in notice.events))
    if notice.voided:
        parts.append("voided=" + ",".join(f"{k}.{i}.{n}" for k, i, n in notice.voided))
    return "&".join(parts)


def read_notice(re_evaluated: str, events: str, voided: str) -> Notice:
    """The :class:`Notice` of a redirect's query; anything malformed is left out."""
    return Notice(
        re_evaluated=tuple(int(i) for i in re_evaluated.split(",") if i.isdigit() and len(i) < 11),
        events=tuple(
            (m.group(1), m.group(2), m.group(3) or "", m.group(4) or "")
            for e in events.split(",")
            if (m := _EVENT.fullmatch(e))
        ),
        voided=tuple(
            (m.group(1), int(m.group(2)), int(m.group(3)))
            for v in voided.split(",")
            if (m := _VOIDED.fullmatch(v))
        ),
    )


# -- reading the forms ------------------------------------------------------------------------


def _rows(form: Mapping[str, str], prefix: str) -> list[str]:
    """The lesion rows (``t1``, ``t2``, … or ``n1``, …) the form posted, in order."""
    numbers = {
        int(match.group(1))
        for key in form
        if (match := re.fullmatch(rf"{prefix}(\d{{1,2}})_id", key)) is not None
    }
    return [f"{prefix}{n}" for n in sorted(numbers)]


def _lesion_id(form: Mapping[str, str], row: str) -> str | None:
    """The lesion a row holds; None for a row ticked "remove" or left empty. A row with values
    but no id is refused at its id, rather than dropped."""
    if form.get(f"{row}_remove") == "on":
        return None
    lesion = form.get(f"{row}_id", "").strip()
    if lesion:
        return lesion
    if any(form.get(f"{row}_{part}", "").strip() for part in _TEXTS) or any(
        form.get(f"{row}_{tick}") == "on" for tick in _TICKS
    ):
        raise InvalidInput(
            "give the lesion's id, or tick Remove to leave the row out", location=f"{row}_id"
        )
    return None


def _targets(form: Mapping[str, str]) -> list[TargetLesion]:
    targets = []
    for row in _rows(form, "t"):
        lesion = _lesion_id(form, row)
        if lesion is None:
            continue
        where = f"target_lesions[{lesion}]"
        method = form.get(f"{row}_modality", "").strip() or Modality.CT.value
        if method not in {m.value for m in Modality}:
            raise InvalidInput(f"choose the method, not {method!r}", location=f"{where}.modality")
        size = form_number(form.get(f"{row}_mm", ""), f"{where}.baseline_mm")
        assert size is not None  # required
        targets.append(
            TargetLesion(
                lesion_id=lesion,
                organ=form.get(f"{row}_organ", ""),
                baseline_mm=size,
                nodal=form.get(f"{row}_nodal") == "on",
                modality=Modality(method),
                slice_thickness_mm=form_number(
                    form.get(f"{row}_slice", ""), f"{where}.slice_thickness_mm", required=False
                ),
                irradiated_index=form.get(f"{row}_index") == "on",
                previously_irradiated=form.get(f"{row}_prev") == "on",
                progressed_after_irradiation=form.get(f"{row}_progressed") == "on",
            )
        )
    return targets


def _non_targets(form: Mapping[str, str]) -> list[NonTargetLesion]:
    non_targets = []
    for row in _rows(form, "n"):
        lesion = _lesion_id(form, row)
        if lesion is not None:
            non_targets.append(
                NonTargetLesion(
                    lesion_id=lesion,
                    organ=form.get(f"{row}_organ", ""),
                    nodal=form.get(f"{row}_nodal") == "on",
                    irradiated_index=form.get(f"{row}_index") == "on",
                )
            )
    return non_targets


def _chosen(form: Mapping[str, str], name: str, missing: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise InvalidInput(missing, location=name)
    return value


# -- calling the services ---------------------------------------------------------------------


def _recist_notice(done: recist_corrections.RecistCorrection) -> Notice:
    return Notice(
        re_evaluated=done.re_evaluated,
        events=tuple(
            (c.kind, c.change, str(c.from_on or ""), str(c.to_on or "")) for c in done.event_changes
        ),
        voided=tuple((_PAGES[v.entity], v.entity_id, v.count) for v in done.voided),
    )


def _version(form: Mapping[str, str]) -> str | None:
    return form.get("version", "").strip() or None


def _correct_baseline(
    db: DatabaseDep, actor: str, study_id: str, record_id: int, form: Mapping[str, str]
) -> Notice:
    done = recist_corrections.correct_recist_baseline(
        db,
        actor=actor,
        study_id=study_id,
        baseline_id=record_id,
        reason=form.get("reason", ""),
        expected_version=_version(form),
        assessed_on=form_date(form.get("assessed_on", ""), "assessed_on"),
        targets=_targets(form),
        non_targets=_non_targets(form),
    )
    return _recist_notice(done)


def _correct_follow_up(
    db: DatabaseDep, actor: str, study_id: str, record_id: int, form: Mapping[str, str]
) -> Notice:
    sizes = {
        key.removeprefix("size_"): form_number(
            value, f"sizes[{key.removeprefix('size_')}]", required=False
        )
        for key, value in form.items()
        if key.startswith("size_")
    }
    done = recist_corrections.correct_recist_follow_up(
        db,
        actor=actor,
        study_id=study_id,
        follow_up_id=record_id,
        reason=form.get("reason", ""),
        expected_version=_version(form),
        assessed_on=form_date(form.get("assessed_on", ""), "assessed_on"),
        sizes=sizes or None,
        non_target=form.get("non_target", "").strip() or None,
        new_lesions=form.get("new_lesions") == "on",
    )
    return _recist_notice(done)


def _correct_adverse_event(
    db: DatabaseDep, actor: str, study_id: str, record_id: int, form: Mapping[str, str]
) -> Notice:
    grade = form.get("grade", "").strip()
    if not grade.isdigit():
        raise InvalidInput("choose the CTCAE grade (1-5)", location="grade")
    attribution = _chosen(form, "attribution", "choose how likely the treatment caused the event")
    outcome = _chosen(form, "outcome", "choose the outcome")
    resolved_on = form_date(form.get("resolved_on", ""), "resolved_on", required=False)
    # The service voids every signature not yet voided, and does not say how many.
    before = signatures.signed_record(
        db, actor=actor, study_id=study_id, entity="adverse_events", entity_id=record_id
    )
    unvoided = sum(1 for shown in before.signatures if shown.signature.voided_at is None)
    corrections.correct_adverse_event(
        db,
        actor=actor,
        study_id=study_id,
        event_id=record_id,
        reason=form.get("reason", ""),
        expected_version=_version(form),
        grade=int(grade),
        attribution=attribution,
        resolved_on=resolved_on,
        outcome=outcome,
    )
    return Notice(voided=(("adverse-events", record_id, unvoided),) if unvoided else ())


#: What a posted correction form does, by record page: reads the form and corrects the record
#: through its service (the caller has authorised the write, as the API route does), answering
#: what the service did. Located refusals, and a stale or missing version, propagate.
SUBMIT: Mapping[str, Callable[[DatabaseDep, str, str, int, Mapping[str, str]], Notice]] = {
    "adverse-events": _correct_adverse_event,
    "recist-baselines": _correct_baseline,
    "recist-follow-ups": _correct_follow_up,
}

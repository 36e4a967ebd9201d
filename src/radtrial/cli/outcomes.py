"""``radtrial pro``, ``ae``, ``ecog``, ``event`` and ``endpoints``: recording clinical outcomes.

* ``pro record STUDY --visit V [--symptom S] [--nrs N] [--impression I]
  [--analgesic-increased/--analgesics-not-increased]``: the target symptom at a visit;
  ``pro record STUDY --questionnaire ID --item N=V … [--visit V]``: a questionnaire by item
  number; ``pro show STUDY``: ratings, scores and responder status;
  ``pro load-texts FILE.json --site S --instrument qlq_c30|qlq_c15_pal --language nb``: a
  site's licensed EORTC item texts (none are shipped), which the patient portal then shows;
* ``ae record STUDY --term T --grade G --onset D --attribution A [--serious CRITERION …]``,
  ``ae list STUDY``, ``ae summary TRIAL|STUDY``: maximum grades per category;
  ``ae assess STUDY --visit V --on D --category bowel=none --category bladder=ID[,ID…]``: the
  physician's per-visit toxicity assessment ("none" beside an unresolved grade ≥ 2 event of the
  category needs ``--open-event-note``); ``ae by-visit TRIAL|STUDY``: maximum grade per
  visit and category (0 assessed and none found, blank/null not assessed);
* ``ecog record STUDY --status N --on D [--visit V]``, ``ecog list STUDY``: status over time;
* ``event record STUDY --kind local_progression|distant_progression|death|off_study|alive``,
  ``event list STUDY``;
* ``endpoints TRIAL|STUDY``: OS/PFS/LPFS time-to-event rows and responder status.

Every command takes ``--json``; dates are YYYY-MM-DD, times ISO 8601 with their zone.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.clinical.ctcae import MaxGrade
from radtrial.clinical.ecog import Ecog
from radtrial.errors import InvalidInput
from radtrial.services import portal
from radtrial.services.outcomes import adverse_events, ecog, endpoints, events, pro
from radtrial.store.outcome_records import (
    AdverseEventRecord,
    SymptomRatingRecord,
    ToxicityAssessmentRecord,
)

__all__ = [
    "ae_app",
    "ecog_app",
    "endpoints_command",
    "event_app",
    "parse_day",
    "parse_instant",
    "pro_app",
    "require_day",
]

pro_app = typer.Typer(help="Patient-reported outcomes: target symptom and questionnaires.")
ae_app = typer.Typer(help="Adverse events graded by CTCAE.")
ecog_app = typer.Typer(help="ECOG performance status.")
event_app = typer.Typer(help="Progression, death, off study and vital status.")

STUDY_ID = Annotated[str, typer.Argument(help="Study id, e.g. PALL-OUS-0001.")]
VISIT_OPTION = typer.Option(None, "--visit", help="Protocol visit id, e.g. week_8.")
ITEM_OPTION = typer.Option(
    [], "--item", help="Answer by item number, N=ANSWER (or N=1,M=2,...); repeat."
)
SERIOUS_OPTION = typer.Option(
    [],
    "--serious",
    help="Seriousness criterion (death, life_threatening, hospitalisation, disability, "
    "congenital_anomaly, important_medical_event); repeat.",
)


def parse_day(value: str | None, field: str) -> date | None:
    """``value`` as an ISO date (YYYY-MM-DD); :class:`InvalidInput` located at ``field``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a date (YYYY-MM-DD)", location=field, detail={"reason": "not_a_date"}
        ) from None


def require_day(value: str, field: str) -> date:
    """``value`` as an ISO date; it must be given."""
    day = parse_day(value, field)
    if day is None:
        raise InvalidInput("a date is required", location=field)
    return day


def parse_instant(value: str | None, field: str) -> datetime | None:
    """``value`` as an ISO 8601 time with its zone (``…Z`` or ``…+01:00``)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a time (e.g. 2026-03-02T09:30:00+01:00)",
            location=field,
            detail={"reason": "not_a_time"},
        ) from None


def _items(values: list[str]) -> dict[int, object]:
    out: dict[int, object] = {}
    for value in values:
        for part in value.split(","):
            number, sep, answer = part.partition("=")
            if not sep:
                raise InvalidInput(
                    f"{part!r} is not N=ANSWER", location="--item", detail={"reason": "syntax"}
                )
            try:
                key = int(number.strip())
            except ValueError:
                raise InvalidInput(
                    f"{number!r} is not an item number",
                    location="--item",
                    detail={"reason": "syntax"},
                ) from None
            text = answer.strip()
            if text.lower() in {"", "-", "na", "missing"}:
                out[key] = None
                continue
            try:
                out[key] = int(text)
            except ValueError:
                try:
                    out[key] = float(text)
                except ValueError:
                    out[key] = text
    return out


def _number(value: str | None, field: str) -> object | None:
    """A number typed on the command line, passed on as int or float for the core to check."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


# -- pro ------------------------------------------------------------------------------------


def _rating_line(r: SymptomRatingRecord) -> str:
    parts = [f"NRS {r.nrs}" if r.nrs is not None else "", r.global_impression or ""]
    if r.analgesic_increased is not None:
        parts.append(
            "analgesics increased" if r.analgesic_increased else "analgesics not increased"
        )
    return ", ".join(p for p in parts if p)


@pro_app.command("record")
@command
def pro_record(
    study_id: STUDY_ID,
    visit: str | None = VISIT_OPTION,
    symptom: str | None = typer.Option(
        None, "--symptom", help="Target symptom chosen at baseline (e.g. pain, bleeding)."
    ),
    nrs: str | None = typer.Option(None, "--nrs", help="Target-symptom NRS, 0-10."),
    impression: str | None = typer.Option(
        None,
        "--impression",
        help="Global impression: complete_resolution, improved, unchanged or worse.",
    ),
    analgesic_increased: bool | None = typer.Option(
        None,
        "--analgesic-increased/--analgesics-not-increased",
        help="Whether analgesics were increased since baseline (asked when the symptom is pain).",
    ),
    questionnaire: str | None = typer.Option(
        None, "--questionnaire", help="Questionnaire assessment id, e.g. qlq_c15_pal."
    ),
    items: list[str] = ITEM_OPTION,
    answered_at: str | None = typer.Option(
        None, "--answered-at", help="When answered (ISO time with zone); default now."
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the target symptom at a visit, or a questionnaire by item number."""
    at = parse_instant(answered_at, "--answered-at")
    user = resolve_actor(actor)
    if questionnaire is not None:
        if nrs is not None or impression is not None or symptom is not None:
            raise InvalidInput(
                "record a questionnaire or the target symptom, not both in one command",
                location="--questionnaire",
            )
        with open_database() as db:
            record = pro.record_questionnaire(
                db,
                actor=user,
                study_id=study_id,
                assessment_id=questionnaire,
                responses=_items(items),
                visit_id=visit,
                answered_at=at,
            )
        if as_json:
            print_json(asdict(record))
            return
        scored = ", ".join(
            f"{code} {s['score']:.1f}"
            for code, s in record.scores.items()
            if s["score"] is not None
        )
        console.print(
            f"recorded {record.assessment_id} ({record.state}) for [bold]{study_id}[/] at "
            f"{record.visit_id or 'an unscheduled time'}: {scored}",
            highlight=False,
            soft_wrap=True,
        )
        return
    if visit is None:
        raise InvalidInput("give the visit (--visit)", location="--visit")
    with open_database() as db:
        rating = pro.record_symptom(
            db,
            actor=user,
            study_id=study_id,
            visit_id=visit,
            answered_at=at,
            nrs=_number(nrs, "--nrs"),
            global_impression=impression,
            analgesic_increased=analgesic_increased,
            symptom=symptom,
        )
    if as_json:
        print_json(asdict(rating))
        return
    console.print(
        f"recorded {rating.symptom} for [bold]{study_id}[/] at {rating.visit_id}: "
        f"{_rating_line(rating)}",
        highlight=False,
        soft_wrap=True,
    )


def _responder_json(view: pro.ResponderView | None) -> dict[str, Any] | None:
    return None if view is None else asdict(view)


@pro_app.command("show")
@command
def pro_show(
    study_id: STUDY_ID, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The participant's target-symptom ratings, questionnaires and responder status."""
    with open_database() as db:
        course = pro.symptom_course(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json(
            {
                "study_id": course.study_id,
                "trial": course.trial_slug,
                "ratings": [asdict(r) for r in course.ratings],
                "questionnaires": [asdict(q) for q in course.questionnaires],
                "responder": _responder_json(course.responder),
            }
        )
        return
    table = Table(
        "visit", "answered (UTC)", "symptom", "rating", title=f"{study_id}: target symptom"
    )
    for r in course.ratings:
        table.add_row(
            r.visit_id, r.answered_at.strftime("%Y-%m-%d %H:%M"), r.symptom, _rating_line(r)
        )
    console.print(table)
    for q in course.questionnaires:
        scored = ", ".join(
            f"{code} {s['score']:.1f}" for code, s in q.scores.items() if s["score"] is not None
        )
        console.print(
            f"{q.assessment_id} at {q.visit_id or '—'} ({q.state}): {scored}", highlight=False
        )
    if course.responder is not None:
        view = course.responder
        console.print(
            f"responder status at {view.visit}: [bold]{view.status.replace('_', '-')}[/] "
            f"({view.explanation})",
            highlight=False,
            soft_wrap=True,
        )


def read_json_file(path: Path) -> Any:
    """The JSON document in ``path``; :class:`InvalidInput` naming the file (and line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", location=str(path)) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text", location=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path} line {exc.lineno}: not valid JSON ({exc.msg})", location=str(path)
        ) from None


@pro_app.command("load-texts")
@command
def pro_load_texts(
    file: Annotated[Path, typer.Argument(help='JSON: {"items": {"1": text, ...}, "choices": …}')],
    site: Annotated[str, typer.Option("--site", help="Site whose licence covers the texts.")],
    instrument: Annotated[str, typer.Option("--instrument", help="qlq_c30 or qlq_c15_pal.")],
    language: Annotated[str, typer.Option("--language", help="Language code, e.g. nb.")],
    licence: Annotated[
        str | None, typer.Option("--licence", help="The site's EORTC licence reference.")
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Load a site's licensed questionnaire texts (data manager or sponsor administrator)."""
    document = read_json_file(file)
    if not isinstance(document, dict):
        raise InvalidInput(f"{file} must hold a JSON object", location=str(file))
    with open_database() as db:
        record = portal.load_instrument_texts(
            db,
            actor=resolve_actor(actor),
            site_code=site,
            instrument=instrument,
            language=language,
            document=document,
            licence=licence,
        )
    if as_json:
        print_json(
            {
                "site": record.site_code,
                "instrument": record.instrument,
                "language": record.language,
                "items": len(record.texts.get("items", {})),
                "loaded_by": record.loaded_by,
                "loaded_at": record.loaded_at,
            }
        )
        return
    console.print(
        f"{record.instrument} texts in {record.language} loaded for {record.site_code} "
        f"({len(record.texts.get('items', {}))} items)",
        highlight=False,
    )


# -- ae -------------------------------------------------------------------------------------


def _ae_line(e: AdverseEventRecord) -> str:
    serious = f", SAE ({', '.join(e.seriousness_criteria)})" if e.serious else ""
    return (
        f"{e.term} grade {e.grade} (CTCAE v{e.ctcae_version}, {e.soc.replace('_', ' ')}), onset "
        f"{e.onset_on.isoformat()}, {e.attribution}{serious}, {e.outcome.replace('_', ' ')}"
    )


@ae_app.command("record")
@command
def ae_record(
    study_id: STUDY_ID,
    term: str = typer.Option(
        ..., "--term", help="CTCAE term, e.g. Diarrhea (British spellings ok)."
    ),
    grade: str = typer.Option(..., "--grade", help="CTCAE grade 1-5 the term has."),
    onset: str = typer.Option(..., "--onset", help="Onset date (YYYY-MM-DD)."),
    attribution: str = typer.Option(
        ..., "--attribution", help="To RT: unrelated, unlikely, possible, probable, definite."
    ),
    resolved: str | None = typer.Option(None, "--resolved", help="Resolution date."),
    serious: list[str] = SERIOUS_OPTION,
    expected: bool | None = typer.Option(
        None, "--expected/--unexpected", help="Expected per the reference safety information."
    ),
    specify: str | None = typer.Option(None, "--specify", help="The event, for 'Other, specify'."),
    ctcae_version: str | None = typer.Option(
        None, "--ctcae-version", help="Default: the protocol's."
    ),
    visit: str | None = VISIT_OPTION,
    outcome: str | None = typer.Option(
        None,
        "--outcome",
        help="recovered, recovering, not_recovered, recovered_with_sequelae, fatal, unknown.",
    ),
    aware_at: str | None = typer.Option(
        None, "--aware-at", help="When the investigator learnt of it (ISO time); default now."
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record an adverse event; an SAE is flagged for expedited report with its due time."""
    with open_database() as db:
        event = adverse_events.record_adverse_event(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            term=term,
            grade=_number(grade, "--grade"),
            onset_on=require_day(onset, "--onset"),
            attribution=attribution,
            resolved_on=parse_day(resolved, "--resolved"),
            seriousness=serious,
            expected=expected,
            specify=specify,
            ctcae_version=ctcae_version,
            visit_id=visit,
            outcome=outcome,
            investigator_aware_at=parse_instant(aware_at, "--aware-at"),
        )
    if as_json:
        print_json(asdict(event))
        return
    console.print(
        f"recorded for [bold]{study_id}[/]: {_ae_line(event)}", highlight=False, soft_wrap=True
    )
    if event.expedited_report and event.report_due_at is not None:
        console.print(
            f"[bold red]expedited report[/]: SAE to sponsor due {event.report_due_at.isoformat()}"
            + (
                f"; SUSAR to authority due {event.susar_report_due_at.isoformat()}"
                if event.susar_report_due_at
                else ""
            ),
            highlight=False,
            soft_wrap=True,
        )


@ae_app.command("list")
@command
def ae_list(
    study_id: STUDY_ID, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The participant's adverse events."""
    with open_database() as db:
        found = adverse_events.adverse_events_of(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([asdict(e) for e in found])
        return
    for e in found:
        console.print(_ae_line(e), highlight=False, soft_wrap=True)


@ae_app.command("summary")
@command
def ae_summary(
    target: Annotated[str, typer.Argument(help="Trial slug or study id.")],
    related_only: bool = typer.Option(False, "--related-only", help="Related events only."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Maximum CTCAE grade per participant, overall and per protocol category."""
    with open_database() as db:
        summary = adverse_events.toxicity_summary(
            db, actor=resolve_actor(actor), target=target, related_only=related_only
        )
    if as_json:
        print_json(
            {
                "trial": summary.trial_slug,
                "related_only": summary.related_only,
                "categories": [c.id for c in summary.categories],
                "participants": [asdict(p) for p in summary.participants],
            }
        )
        return
    table = Table("study id", "site", "arm", "overall", *(c.id for c in summary.categories))
    for p in summary.participants:
        table.add_row(
            p.study_id,
            p.site_code,
            p.arm_code or "",
            str(p.overall.grade),
            *(str(p.by_category[c.id].grade) for c in summary.categories),
        )
    console.print(table)


CATEGORY_OPTION = typer.Option(
    [],
    "--category",
    help="CATEGORY=none (assessed, no adverse event) or CATEGORY=ID[,ID...] (the adverse "
    "events found, by id from 'ae list'); repeat per category, e.g. bowel=none.",
)


def _findings(values: list[str]) -> dict[str, str | list[int]]:
    """``--category NAME=none`` or ``NAME=ID[,ID…]`` (adverse event ids) as service findings."""
    out: dict[str, str | list[int]] = {}
    for value in values:
        name, sep, finding = value.partition("=")
        name, finding = name.strip(), finding.strip()
        if not sep or not name or not finding:
            raise InvalidInput(
                f"{value!r}: write CATEGORY=none or CATEGORY=ID[,ID...] (adverse event ids)",
                location="--category",
                detail={"reason": "not_allowed"},
            )
        if name in out:
            raise InvalidInput(
                f"category {name!r} is given twice",
                location=f"categories[{name}]",
                detail={"reason": "duplicate"},
            )
        if finding.casefold() == adverse_events.NO_ADVERSE_EVENT:
            out[name] = adverse_events.NO_ADVERSE_EVENT
            continue
        ids = []
        for part in finding.split(","):
            try:
                ids.append(int(part.strip().removeprefix("#")))
            except ValueError:
                raise InvalidInput(
                    f"{name}: {part.strip()!r} is neither 'none' nor an adverse event id",
                    location=f"categories[{name}]",
                    detail={"reason": "not_an_id"},
                ) from None
        out[name] = ids
    return out


def _assessment_line(a: ToxicityAssessmentRecord) -> str:
    found = (
        "no adverse event"
        if a.no_adverse_event
        else "adverse events " + ", ".join(str(i) for i in a.adverse_event_ids)
    )
    return (
        f"{a.visit_id} {a.assessed_on.isoformat()} {a.category}: {found} "
        f"(CTCAE v{a.ctcae_version}, assessed by {a.assessed_by})"
    )


@ae_app.command("assess")
@command
def ae_assess(
    study_id: STUDY_ID,
    visit: str = typer.Option(..., "--visit", help="Protocol visit id, e.g. week_8."),
    on: str = typer.Option(..., "--on", help="Assessment date (YYYY-MM-DD)."),
    category: list[str] = CATEGORY_OPTION,
    by: str | None = typer.Option(None, "--by", help="Assessing physician; default the actor."),
    ctcae_version: str | None = typer.Option(
        None, "--ctcae-version", help="Default: the protocol's."
    ),
    open_event_note: str | None = typer.Option(
        None,
        "--open-event-note",
        help="Why a category is 'none' although an adverse event of grade 2 or more in it is "
        "unresolved (kept as the audit reason).",
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the physician's toxicity assessment at a visit, category by category."""
    findings = _findings(category)
    with open_database() as db:
        records = adverse_events.record_toxicity_assessment(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            visit_id=visit,
            assessed_on=require_day(on, "--on"),
            findings=findings,
            assessed_by=by,
            ctcae_version=ctcae_version,
            open_event_note=open_event_note,
        )
    if as_json:
        print_json([asdict(r) for r in records])
        return
    for r in records:
        console.print(
            f"recorded for [bold]{study_id}[/]: {_assessment_line(r)}",
            highlight=False,
            soft_wrap=True,
        )


def _grade(value: MaxGrade | None) -> int | None:
    return None if value is None else value.grade


def _events(value: MaxGrade | None) -> int | None:
    return None if value is None else value.events


@ae_app.command("by-visit")
@command
def ae_by_visit(
    target: Annotated[str, typer.Argument(help="Trial slug or study id.")],
    related_only: bool = typer.Option(False, "--related-only", help="Related events only."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Maximum CTCAE grade per visit and protocol category: 0 when assessed and none found,
    empty (null) when not assessed."""
    with open_database() as db:
        table = adverse_events.toxicity_by_visit(
            db, actor=resolve_actor(actor), target=target, related_only=related_only
        )
    ids = [c.id for c in table.categories]
    if as_json:
        print_json(
            {
                "trial": table.trial_slug,
                "related_only": table.related_only,
                "categories": ids,
                "visits": list(table.visit_ids),
                "participants": [
                    {
                        "study_id": p.study_id,
                        "site_code": p.site_code,
                        "arm_code": p.arm_code,
                        "visits": [
                            {
                                "visit_id": v.visit_id,
                                "assessed_on": v.assessed_on,
                                "grades": {c: _grade(v.grades[c]) for c in ids},
                                "events": {c: _events(v.grades[c]) for c in ids},
                            }
                            for v in p.visits
                        ],
                    }
                    for p in table.participants
                ],
            }
        )
        return
    out = Table("study id", "site", "arm", "visit", "assessed on", *ids)
    for p in table.participants:
        for v in p.visits:
            grades = [_grade(v.grades[c]) for c in ids]
            out.add_row(
                p.study_id,
                p.site_code,
                p.arm_code or "",
                v.visit_id,
                "" if v.assessed_on is None else v.assessed_on.isoformat(),
                *("" if g is None else str(g) for g in grades),
            )
    console.print(out)


# -- ecog -----------------------------------------------------------------------------------


@ecog_app.command("record")
@command
def ecog_record(
    study_id: STUDY_ID,
    status: str = typer.Option(..., "--status", help="ECOG 0-5."),
    on: str | None = typer.Option(None, "--on", help="Assessment date; default today."),
    visit: str | None = VISIT_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the participant's ECOG performance status."""
    with open_database() as db:
        record = ecog.record_ecog(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            status=_number(status, "--status"),
            assessed_on=parse_day(on, "--on"),
            visit_id=visit,
        )
    if as_json:
        print_json(asdict(record))
        return
    on_day = record.assessed_on.isoformat()
    where = "" if record.visit_id is None else f" at {record.visit_id}"
    console.print(
        f"recorded ECOG {record.status} for [bold]{study_id}[/] on {on_day}{where}",
        highlight=False,
    )


@ecog_app.command("list")
@command
def ecog_list(
    study_id: STUDY_ID, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The participant's ECOG performance statuses over time, oldest first."""
    with open_database() as db:
        found = ecog.ecog_history(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([asdict(e) for e in found])
        return
    table = Table("date", "ECOG", "meaning", "visit", "recorded by")
    for e in found:
        table.add_row(
            e.assessed_on.isoformat(),
            str(e.status),
            Ecog(e.status).description,
            e.visit_id or "",
            e.recorded_by,
        )
    console.print(table)


# -- events ---------------------------------------------------------------------------------

_KINDS = ("local_progression", "distant_progression", "death", "off_study", "alive")


@event_app.command("record")
@command
def event_record(
    study_id: STUDY_ID,
    kind: str = typer.Option(..., "--kind", help=f"One of: {', '.join(_KINDS)}."),
    on: str = typer.Option(..., "--on", help="Date of the event (of the assessment showing it)."),
    method: str | None = typer.Option(
        None, "--method", help="Progression shown by imaging, clinical or pathology."
    ),
    cause: str | None = typer.Option(
        None,
        "--cause",
        help="Cause of death: disease_under_study, treatment_toxicity, other, unknown.",
    ),
    off_study_reason: str | None = typer.Option(
        None,
        "--off-study-reason",
        help="completed_follow_up, withdrawal, lost_to_follow_up, death, investigator_decision, "
        "other.",
    ),
    source: str | None = typer.Option(
        None,
        "--source",
        help="How known alive: visit, telephone, health_records, population_registry.",
    ),
    visit: str | None = VISIT_OPTION,
    note: str | None = typer.Option(None, "--note", help="Free text."),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a progression, death, going off study, or a day the participant was alive."""
    day = require_day(on, "--on")
    user = resolve_actor(actor)

    def need(value: str | None, option: str) -> str:
        if value is None:
            raise InvalidInput(f"--kind {kind} needs {option}", location=option)
        return value

    with open_database() as db:
        record: Any
        if kind in {"local_progression", "distant_progression"}:
            record = events.record_progression(
                db,
                actor=user,
                study_id=study_id,
                kind=kind,
                event_on=day,
                method=need(method, "--method"),
                note=note,
            )
        elif kind == "death":
            record = events.record_death(
                db,
                actor=user,
                study_id=study_id,
                died_on=day,
                cause=need(cause, "--cause"),
                note=note,
            )
        elif kind == "off_study":
            record = events.record_off_study(
                db,
                actor=user,
                study_id=study_id,
                off_on=day,
                reason=need(off_study_reason, "--off-study-reason"),
                note=note,
            )
        elif kind == "alive":
            record = events.record_alive(
                db,
                actor=user,
                study_id=study_id,
                known_alive_on=day,
                source=need(source, "--source"),
                visit_id=visit,
            )
        else:
            raise InvalidInput(
                f"--kind must be one of {', '.join(_KINDS)}, not {kind!r}", location="--kind"
            )
    if as_json:
        print_json(asdict(record))
        return
    console.print(
        f"recorded {kind.replace('_', ' ')} of [bold]{study_id}[/] on {day.isoformat()}",
        highlight=False,
    )


@event_app.command("list")
@command
def event_list(
    study_id: STUDY_ID, actor: str | None = ACTOR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """The participant's clinical events."""
    with open_database() as db:
        found = events.events_of(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json([asdict(e) for e in found])
        return
    for e in found:
        detail = e.method or e.death_cause or e.off_study_reason or ""
        console.print(
            f"{e.event_on.isoformat()} {e.kind.replace('_', ' ')} ({detail})", highlight=False
        )


# -- endpoints ------------------------------------------------------------------------------


@command
def endpoints_command(
    target: Annotated[str, typer.Argument(help="Trial slug or study id.")],
    censor_at: str = typer.Option(
        "last_tumour_assessment",
        "--censor-at",
        help="Where PFS/LPFS without event are censored: last_tumour_assessment or last_contact.",
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Time-to-event rows (OS, and PFS/LPFS with tumour assessments) and responder status."""
    if censor_at not in {"last_tumour_assessment", "last_contact"}:
        raise InvalidInput(
            "--censor-at is last_tumour_assessment or last_contact", location="--censor-at"
        )
    with open_database() as db:
        report = endpoints.endpoint_report(
            db, actor=resolve_actor(actor), target=target, censor_progression_at=censor_at
        )
    if as_json:
        data: dict[str, Any] = {
            "target": report.target,
            "trial": report.trial_slug,
            "origin": report.origin,
            "censor_progression_at": report.censor_progression_at,
            "rows": [
                {
                    "study_id": r.study_id,
                    "site": r.site_code,
                    "arm": r.arm_code,
                    **asdict(r.time),
                    "months": r.time.months,
                }
                for r in report.rows
            ],
            "survival_data": {},
            "not_evaluable": [{"study_id": s, "reason": why} for s, why in report.not_evaluable],
            "responders": [asdict(v) for v in report.responders],
        }
        for endpoint in report.endpoints:
            if any(r.time.endpoint is endpoint for r in report.rows):
                durations, observed = report.survival_data(endpoint)
                data["survival_data"][endpoint.value] = {
                    "durations_days": durations.tolist(),
                    "events": observed.tolist(),
                }
        print_json(data)
        return
    table = Table(
        "study id",
        "arm",
        "endpoint",
        "from",
        "to",
        "days",
        "event",
        title=f"{report.trial_slug}: time to event from {report.origin}",
    )
    for r in report.rows:
        t = r.time
        table.add_row(
            r.study_id,
            r.arm_code or "",
            t.endpoint.value.upper(),
            t.origin_on.isoformat(),
            t.end_on.isoformat(),
            str(t.days),
            t.event_kind or f"censored ({t.censored_at})",
        )
    console.print(table)
    for study_id, why in report.not_evaluable:
        console.print(f"{study_id}: not evaluable ({why})", highlight=False)
    for view in report.responders:
        console.print(
            f"{view.study_id}: {view.status.replace('_', '-')} at {view.visit} "
            f"({view.explanation})",
            highlight=False,
            soft_wrap=True,
        )

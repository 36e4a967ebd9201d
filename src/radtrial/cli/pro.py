"""``radtrial pro``: patient-reported outcomes.

* ``pro record STUDY --visit V [--symptom S] [--nrs N] [--impression I]
  [--analgesic-increased/--analgesics-not-increased]``: the target symptom at a visit;
  ``pro record STUDY --questionnaire ID --item N=V … [--visit V]``: a questionnaire by item
  number; ``pro show STUDY``: ratings, scores and responder status;
* ``pro load-texts FILE.json --site S --instrument qlq_c30|qlq_c15_pal --language nb``: a
  site's licensed EORTC item texts (none are shipped), which the patient portal then shows.

Every command takes ``--json``; times are ISO 8601 with their zone.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.arguments import STUDY_ID, VISIT_OPTION, _number, parse_instant
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services import portal
from radtrial.services.outcomes import pro
from radtrial.store.outcome_records import SymptomRatingRecord

__all__ = ["pro_app", "read_json_file"]

pro_app = typer.Typer(help="Patient-reported outcomes: target symptom and questionnaires.")

ITEM_OPTION = typer.Option(
    [], "--item", help="Answer by item number, N=ANSWER (or N=1,M=2,...); repeat."
)


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

"""``radtrial ae``: adverse events graded by CTCAE.

* ``ae record STUDY --term T --grade G --onset D --attribution A [--serious CRITERION …]``,
  ``ae list STUDY``, ``ae summary TRIAL|STUDY``: maximum grades per category;
* ``ae assess STUDY --visit V --on D --category bowel=none --category bladder=ID[,ID…]``: the
  physician's per-visit toxicity assessment ("none" beside an unresolved grade ≥ 2 event of the
  category needs ``--open-event-note``); ``ae by-visit TRIAL|STUDY``: maximum grade per
  visit and category (0 assessed and none found, blank/null not assessed).

Every command takes ``--json``; dates are YYYY-MM-DD, times ISO 8601 with their zone.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from radtrial.cli.arguments import (
    STUDY_ID,
    VISIT_OPTION,
    _number,
    parse_day,
    parse_instant,
    require_day,
)
from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.clinical.ctcae import MaxGrade
from radtrial.errors import InvalidInput
from radtrial.services.outcomes import adverse_events
from radtrial.store.outcome_records import AdverseEventRecord, ToxicityAssessmentRecord

__all__ = ["ae_app"]

ae_app = typer.Typer(help="Adverse events graded by CTCAE.")

SERIOUS_OPTION = typer.Option(
    [],
    "--serious",
    help="Seriousness criterion (death, life_threatening, hospitalisation, disability, "
    "congenital_anomaly, important_medical_event); repeat.",
)


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

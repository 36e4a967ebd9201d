"""``radtrial screen``, ``consent``, ``register``, ``randomise``, ``withdraw`` and friends.

Top-level commands (merged into ``radtrial`` itself) for the enrolment of one person at a time:

* ``screen TRIAL --site S --set field=value … [--data FILE.json] [--confirm I1 …]``: a new
  screening, or ``--screening OUS-S0001`` to add data or confirmations to one;
* ``not-included TRIAL SCREENING --reason declined|other [--note]``;
* ``consent TRIAL SCREENING --document-version V --date D [--optional code=yes|no …]``;
* ``register TRIAL SCREENING``, ``randomise STUDY_ID``;
* ``withdraw STUDY_ID --kind treatment|follow_up|data_and_samples --date D``,
  ``may-collect STUDY_ID``;
* ``decide-optional-fraction STUDY_ID --criterion-met/--criterion-not-met --give/--no-give``;
* ``screening-log TRIAL [--site S] [--json]``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.protocol.biobank import Withdrawal
from radtrial.services.consent import (
    CollectionStatus,
    collection_status,
    record_consent,
    record_withdrawal,
)
from radtrial.services.optional_fractions import decide_optional_fraction
from radtrial.services.randomisation import randomise
from radtrial.services.registration import register
from radtrial.services.screening import ScreeningResult, close_screening, screen, screening_log
from radtrial.store.records import PrescriptionRecord
from radtrial.trial.eligibility import Outcome
from radtrial.trial.screening import ClosureReason

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

app = typer.Typer(help="Screening, consent, registration and randomisation.")

_OUTCOME_STYLE = {
    Outcome.MET: "green",
    Outcome.NOT_MET: "bold red",
    Outcome.MISSING_DATA: "yellow",
    Outcome.NEEDS_CONFIRMATION: "cyan",
}
_WITHDRAWALS: dict[str, Withdrawal] = {
    "treatment": "treatment",
    "follow_up": "follow_up",
    "data_and_samples": "data_and_samples",
}

DATE_OPTION = typer.Option(None, "--date", help="Date (YYYY-MM-DD); default today.")


def parse_date(value: str | None, field: str) -> date | None:
    """``value`` as an ISO date; :class:`InvalidInput` located at ``field``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", location=field) from None


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"{item!r} is not name=value", location=option)
        out[name.strip()] = value
    return out


def _screening_data(data_file: Path | None, sets: list[str]) -> dict[str, object]:
    data: dict[str, object] = {}
    if data_file is not None:
        try:
            loaded = json.loads(data_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(
                f"cannot read screening data: {exc}", location=str(data_file)
            ) from exc
        if not isinstance(loaded, dict):
            raise InvalidInput("screening data must be a JSON object", location=str(data_file))
        data.update(loaded)
    data.update(_pairs(sets, "--set"))
    return data


def _yes_no(value: str, where: str) -> bool:
    text = value.strip().lower()
    if text in {"yes", "y", "true", "1"}:
        return True
    if text in {"no", "n", "false", "0"}:
        return False
    raise InvalidInput(f"{value!r} is not yes or no", location=where)


def _result_json(result: ScreeningResult) -> dict[str, Any]:
    return {
        "screening_id": result.screening.screening_id,
        "trial": result.screening.trial_slug,
        "site": result.screening.site_code,
        "new_screening": result.created,
        "status": result.result.status.value,
        "eligible": result.result.eligible,
        "protocol_version": result.protocol_version.version_label,
        "protocol_hash": result.evaluation.protocol_hash,
        "evaluated_at": result.evaluation.evaluated_at,
        "evaluated_by": result.evaluation.evaluated_by,
        "data": result.evaluation.data,
        "confirmations": result.evaluation.confirmations,
        "criteria": result.result.to_json(),
    }


@app.command("screen")
@command
def screen_command(
    trial: Annotated[str, typer.Argument(help="Trial slug, e.g. pallsoft")],
    site: Annotated[str | None, typer.Option("--site", help="Site code of a new screening")] = None,
    screening: Annotated[
        str | None, typer.Option("--screening", help="Screening id to screen again (OUS-S0001)")
    ] = None,
    data_file: Annotated[
        Path | None, typer.Option("--data", help="JSON object of screening field values")
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="field=value (empty value: none/never); repeat"),
    ] = None,
    confirm: Annotated[
        list[str] | None,
        typer.Option("--confirm", help="Criterion id the investigator confirms; repeat"),
    ] = None,
    on: str | None = DATE_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Screen a person against the protocol's eligibility criteria and log the screening."""
    data = _screening_data(data_file, sets or [])
    confirmations = [c for item in confirm or [] for c in item.split(",")]
    with open_database() as db:
        result = screen(
            db,
            actor=resolve_actor(actor),
            trial_slug=trial,
            data=data,
            site_code=site,
            screening_id=screening,
            confirm=confirmations,
            screened_on=parse_date(on, "date"),
        )
    if as_json:
        print_json(_result_json(result))
        return
    table = Table("", "Result", "Reasons", title=f"Eligibility of {result.screening.screening_id}")
    for item in result.result.results:
        label = item.outcome.value.replace("_", " ")
        if item.confirmed:
            label += " (confirmed)"
        elif not item.applies:
            label += " (n/a)"
        table.add_row(
            item.criterion_id,
            f"[{_OUTCOME_STYLE[item.outcome]}]{label}[/]",
            "\n".join(item.reasons),
        )
    console.print(table)
    verb = "screened" if result.created else "screened again"
    console.print(
        f"{result.screening.screening_id} {verb} in {trial} at {result.screening.site_code}: "
        f"[bold]{result.result.status.value.replace('_', ' ')}[/] (protocol "
        f"{result.protocol_version.version_label}, sha256 "
        f"{result.evaluation.protocol_hash[:12]}…)",
        highlight=False,
        soft_wrap=True,
    )


@app.command("not-included")
@command
def not_included_command(
    trial: Annotated[str, typer.Argument(help="Trial slug")],
    screening: Annotated[str, typer.Argument(help="Screening id, e.g. OUS-S0003")],
    reason: Annotated[ClosureReason, typer.Option("--reason", help="declined or other")],
    note: Annotated[str | None, typer.Option("--note", help="Why (required for other)")] = None,
    on: str | None = DATE_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Close a screening: the person declined, or is not included for another reason."""
    with open_database() as db:
        closure = close_screening(
            db,
            actor=resolve_actor(actor),
            trial_slug=trial,
            screening_id=screening,
            reason=reason,
            note=note,
            closed_on=parse_date(on, "date"),
        )
    if as_json:
        print_json(asdict(closure))
        return
    console.print(
        f"{closure.screening_id} closed: {closure.reason}"
        + (f" ({closure.note})" if closure.note else ""),
        highlight=False,
    )


@app.command("consent")
@command
def consent_command(
    trial: Annotated[str, typer.Argument(help="Trial slug")],
    screening: Annotated[str, typer.Argument(help="Screening id, e.g. OUS-S0001")],
    document_version: Annotated[
        str, typer.Option("--document-version", help="Version of the signed consent document")
    ],
    on: Annotated[str, typer.Option("--date", help="Date the consent was signed (YYYY-MM-DD)")],
    obtained_by: Annotated[
        str | None, typer.Option("--obtained-by", help="Username who obtained it (default: you)")
    ] = None,
    optional: Annotated[
        list[str] | None,
        typer.Option("--optional", help="Optional consent code=yes|no, e.g. biobank=yes; repeat"),
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the screened person's informed consent (with any optional consents)."""
    answers = {
        code: _yes_no(value, f"--optional {code}")
        for code, value in _pairs(optional or [], "--optional").items()
    }
    consented_on = parse_date(on, "date")
    assert consented_on is not None
    with open_database() as db:
        consent = record_consent(
            db,
            actor=resolve_actor(actor),
            trial_slug=trial,
            screening_id=screening,
            document_version=document_version,
            consented_on=consented_on,
            obtained_by=obtained_by,
            optional=answers,
        )
    if as_json:
        print_json(asdict(consent))
        return
    extras = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in consent.optional.items())
    console.print(
        f"consent recorded for {consent.screening_id}: {consent.document} version "
        f"{consent.document_version}, signed {consent.consented_on}, obtained by "
        f"{consent.obtained_by}" + (f"; optional: {extras}" if extras else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("register")
@command
def register_command(
    trial: Annotated[str, typer.Argument(help="Trial slug")],
    screening: Annotated[str, typer.Argument(help="Screening id, e.g. OUS-S0001")],
    on: str | None = DATE_OPTION,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Register an eligible, consented person: gives the pseudonymous study id."""
    with open_database() as db:
        registration = register(
            db,
            actor=resolve_actor(actor),
            trial_slug=trial,
            screening_id=screening,
            registered_on=parse_date(on, "date"),
        )
    if as_json:
        print_json(asdict(registration))
        return
    participant = registration.participant
    arm = f", arm {participant.arm_code}" if participant.arm_code else ", to be randomised"
    console.print(
        f"registered [bold]{participant.study_id}[/] from {registration.screening_id} in "
        f"{participant.trial_slug} at {participant.site_code}{arm}",
        highlight=False,
    )


def _prescription_line(prescription: tuple[PrescriptionRecord, ...]) -> str:
    return "; ".join(
        f"{p.dose_level}: {p.total_dose_gy:g} Gy in {p.fractions} × {p.dose_per_fraction_gy:g} Gy"
        for p in prescription
    )


@app.command("randomise")
@command
def randomise_command(
    study_id: Annotated[str, typer.Argument(help="Study id, e.g. PALL-OUS-0001")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Randomise a registered participant: claims the next slot of their stratum."""
    with open_database() as db:
        result = randomise(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json(
            {
                "allocation": asdict(result.allocation),
                "participant": asdict(result.participant),
                "prescription": [asdict(p) for p in result.prescription],
            }
        )
        return
    allocation = result.allocation
    console.print(
        f"{allocation.study_id} randomised to arm [bold]{allocation.arm_code}[/] (stratum "
        f"{allocation.stratum}, slot {allocation.sequence}); prescription "
        f"{_prescription_line(result.prescription)}",
        highlight=False,
        soft_wrap=True,
    )


def _print_collection(status: CollectionStatus) -> None:
    table = Table(
        "Collection",
        "Allowed",
        "Why",
        title=f"What may be collected from {status.participant.study_id}",
    )
    for what, decision in status.decisions.items():
        table.add_row(what, "yes" if decision.allowed else "[red]no[/]", decision.reason)
    console.print(table)


@app.command("withdraw")
@command
def withdraw_command(
    study_id: Annotated[str, typer.Argument(help="Study id")],
    kind: Annotated[str, typer.Option("--kind", help="treatment, follow_up or data_and_samples")],
    on: Annotated[str, typer.Option("--date", help="Date of the withdrawal (YYYY-MM-DD)")],
    note: Annotated[str | None, typer.Option("--note", help="Optional note")] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a withdrawal and show what may still be collected."""
    normalised = kind.strip().lower().replace("-", "_")
    if normalised not in _WITHDRAWALS:
        raise InvalidInput(
            f"{kind!r} is not a withdrawal kind: treatment, follow_up or data_and_samples",
            location="kind",
        )
    withdrawn_on = parse_date(on, "date")
    assert withdrawn_on is not None
    with open_database() as db:
        status = record_withdrawal(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            kind=_WITHDRAWALS[normalised],
            withdrawn_on=withdrawn_on,
            note=note,
        )
    if as_json:
        print_json(status.to_json())
        return
    console.print(f"withdrawal from {normalised.replace('_', ' ')} recorded for {study_id}")
    _print_collection(status)


@app.command("may-collect")
@command
def may_collect_command(
    study_id: Annotated[str, typer.Argument(help="Study id")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Show what may still be collected from a participant, given consents and withdrawals."""
    with open_database() as db:
        status = collection_status(db, actor=resolve_actor(actor), study_id=study_id)
    if as_json:
        print_json(status.to_json())
        return
    _print_collection(status)


@app.command("decide-optional-fraction")
@command
def decide_command(
    study_id: Annotated[str, typer.Argument(help="Study id of an arm-A participant")],
    criterion_met: Annotated[
        bool,
        typer.Option(
            "--criterion-met/--criterion-not-met",
            help="Whether the protocol's criterion for the extra fraction is met",
        ),
    ],
    give: Annotated[
        bool, typer.Option("--give/--no-give", help="Whether the extra fraction is given")
    ],
    fraction: Annotated[
        str | None, typer.Option("--fraction", help="Optional fraction id (default: the only one)")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Clinical note")] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the decision on an optional fraction (PALLSOFT arm A's second 8 Gy)."""
    with open_database() as db:
        decided = decide_optional_fraction(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            criterion_met=criterion_met,
            give=give,
            optional_fraction=fraction,
            note=note,
        )
    if as_json:
        print_json(
            {
                "decision": asdict(decided.decision),
                "prescription": [asdict(p) for p in decided.prescription],
                "day_after_first_fraction": decided.day_after_first_fraction,
                "planned_fractions": [
                    {"number": f.number, "planned_date": f.planned_date} for f in decided.planned
                ],
                "window": None
                if decided.window is None
                else {"from": decided.window[0], "to": decided.window[1]},
            }
        )
        return
    decision = decided.decision
    day = decided.day_after_first_fraction
    console.print(
        f"{decision.study_id}: {decision.optional_fraction} "
        f"{'to be given' if decision.give else 'not given'} (criterion "
        f"{'met' if decision.criterion_met else 'not met'}: {decision.criterion}); decided by "
        f"{decision.decided_by} at {decision.decided_at:%Y-%m-%d %H:%M} UTC"
        + (f", day {day} after the first fraction" if day is not None else "")
        + f"; prescription {_prescription_line(decided.prescription)}",
        highlight=False,
        soft_wrap=True,
    )
    for planned in decided.planned:
        window = decided.window
        inside = window is not None and window[0] <= planned.planned_date <= window[1]
        where = (
            ""
            if window is None
            else f" ({'inside' if inside else '[yellow]outside[/]'} the protocol's window "
            f"{window[0].isoformat()} to {window[1].isoformat()})"
        )
        console.print(
            f"  fraction {planned.number} planned on {planned.planned_date.isoformat()} "
            f"{_WEEKDAYS[planned.planned_date.weekday()]}{where}; see rt course "
            f"{decision.study_id}",
            highlight=False,
            soft_wrap=True,
        )


# The PALLSOFT name for the same command.
app.command("decide-second-fraction", hidden=True)(decide_command)


@app.command("screening-log")
@command
def screening_log_command(
    trial: Annotated[str, typer.Argument(help="Trial slug")],
    site: Annotated[str | None, typer.Option("--site", help="One site only")] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Every screened person with date, site, outcome and reasons; the CONSORT counts."""
    with open_database() as db:
        log = screening_log(db, actor=resolve_actor(actor), trial_slug=trial, site_code=site)
    if as_json:
        print_json(log.to_json())
        return
    table = Table("Screening", "Site", "Date", "Outcome", "Reasons", "Study id", "Arm")
    for row, outcome in zip(log.rows, log.outcomes, strict=True):
        reasons = ", ".join(row.criteria_not_met)
        if row.closure is not None:
            reasons = row.closure.note or row.closure.reason
        table.add_row(
            row.screening.screening_id,
            row.screening.site_code,
            row.screening.screened_on.isoformat(),
            outcome.value.replace("_", " "),
            reasons,
            row.study_id or "",
            row.arm_code or "",
        )
    console.print(table)
    counts = log.counts
    criteria = ", ".join(f"{c} {n}" for c, n in counts.by_criterion.items())
    allocated = ", ".join(f"{a} {n}" for a, n in counts.allocated.items())
    console.print(
        f"Assessed for eligibility {counts.assessed}; excluded {counts.excluded} (not meeting "
        f"criteria {counts.not_meeting_criteria}{f': {criteria}' if criteria else ''}; declined "
        f"{counts.declined}; other {counts.other_reasons}); pending {counts.pending}; registered "
        f"{counts.registered}" + (f"; allocated {allocated}" if allocated else ""),
        highlight=False,
        soft_wrap=True,
    )

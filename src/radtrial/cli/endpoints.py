"""``radtrial endpoints TRIAL|STUDY``: OS/PFS/LPFS time-to-event rows and responder status.

Takes ``--json``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services.outcomes import endpoints

__all__ = ["endpoints_command"]


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

"""``radtrial rt site-closure``: the days a site gives no radiotherapy.

* ``site-closure add SITE DATE --reason TEXT`` (fractions planned on the day are moved) and
  ``site-closure list SITE``.

Added to the ``rt`` app by :mod:`radtrial.cli.rt`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.course import REASON, _date
from radtrial.cli.course_view import _WEEKDAYS, _asdict, _print_moves
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.services.course import add_site_closure, site_closures

__all__ = ["site_closure_app"]

site_closure_app = typer.Typer(help="Days a site gives no radiotherapy.", no_args_is_help=True)


@site_closure_app.command("add")
@command
def site_closure_add(
    site: Annotated[str, typer.Argument(help="Site code, e.g. OUS.")],
    day: Annotated[str, typer.Argument(help="The closed day, YYYY-MM-DD.")],
    reason: REASON,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a day the site gives no radiotherapy; fractions planned on it are moved."""
    with open_database() as db:
        result = add_site_closure(
            db, actor=resolve_actor(actor), site_code=site, day=_date(day, "DATE"), reason=reason
        )
    if as_json:
        print_json(
            {
                "closure": result.closure,
                "moved": [{"study_id": s, **_asdict(move)} for s, move in result.moved],
            }
        )
        return
    console.print(
        f"site {site} closed on {result.closure.day.isoformat()}: {result.closure.reason}",
        highlight=False,
    )
    for study, move in result.moved:
        _print_moves([move], prefix=f"{study}: ")


@site_closure_app.command("list")
@command
def site_closure_list(
    site: Annotated[str, typer.Argument(help="Site code, e.g. OUS.")],
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The days the site is closed."""
    with open_database() as db:
        closures = site_closures(db, actor=resolve_actor(actor), site_code=site)
    if as_json:
        print_json(closures)
        return
    if not closures:
        console.print(f"no closure days recorded for {site}")
    for closure in closures:
        console.print(
            f"  {closure.day.isoformat()} {_WEEKDAYS[closure.day.weekday()]}: {closure.reason} "
            f"(recorded by {closure.recorded_by})",
            highlight=False,
        )

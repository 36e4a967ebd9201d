"""``radtrial rt`` commands on a participant's fractions, over :mod:`radtrial.services.course`.

* ``deliver STUDY_ID --fraction N --dose-gy LEVEL=VALUE … [--at TIME] [--machine M]``: ``--at``
  without an offset is the site's wall-clock time in the course's time zone;
* ``miss STUDY_ID --fraction N --reason TEXT`` (rescheduled at once by the protocol's policy);
* ``cancel STUDY_ID (--fraction N … | --remaining) --reason TEXT``.

Registered on the ``rt`` app by :mod:`radtrial.cli.rt`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.course import REASON, STUDY_ID
from radtrial.cli.course_view import _asdict, _option_rows, _print_deviations, _print_moves
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services.course import cancel_fractions, deliver_fraction, miss_fraction, show_course

__all__ = ["cancel_command", "deliver_command", "miss_command"]

FRACTION = Annotated[int, typer.Option("--fraction", help="Fraction number (1 = the first).")]


def _instant(text: str) -> datetime:
    """An ISO 8601 time. Without an offset it stays naive: the service reads it as the
    wall-clock time at the treating site, in the course's time zone, and refuses a time that
    a daylight-saving change skips or repeats (then the offset must be given)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{text!r} is not a time YYYY-MM-DDTHH:MM[+HH:MM]", location="--at"
        ) from exc


def _doses(pairs: list[str], option: str) -> dict[str, float]:
    """``LEVEL=VALUE`` pairs; a lone ``VALUE`` is the dose to the arm's only level (``*``)."""
    out: dict[str, float] = {}
    for pair in pairs:
        level, sep, value = pair.partition("=")
        if not sep:
            level, value = "*", pair
        try:
            dose = float(value)
        except ValueError:
            raise InvalidInput(f"{pair!r}: give LEVEL=DOSE in Gy", location=option) from None
        level = level.strip()
        if level in out:
            raise InvalidInput(f"{level!r} given twice", location=option)
        out[level] = dose
    return out


def _single_level(doses: dict[str, float], study_id: str, actor: str) -> dict[str, float]:
    if "*" not in doses:
        return doses
    if len(doses) > 1:
        raise InvalidInput("name the dose level of every dose (LEVEL=DOSE)", location="--dose-gy")
    with open_database() as db:
        view = show_course(db, actor=actor, study_id=study_id)
    levels = sorted({d.dose_level for f in view.fractions for d in f.doses})
    if len(levels) != 1:
        raise InvalidInput(
            f"arm {view.arm_code} has dose levels {', '.join(levels)}: give LEVEL=DOSE for each",
            location="--dose-gy",
        )
    return {levels[0]: doses["*"]}


@command
def deliver_command(
    study_id: STUDY_ID,
    fraction: FRACTION,
    dose_gy: Annotated[
        list[str],
        typer.Option(
            "--dose-gy",
            help="LEVEL=DOSE per dose level, in Gy (Gy(RBE) for protons); repeat it. A lone "
            "DOSE is the dose to an arm's only level.",
        ),
    ],
    physical_gy: Annotated[
        list[str] | None,
        typer.Option("--physical-gy", help="LEVEL=DOSE physical dose (protons; default RBE)."),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="When it was given (default now): YYYY-MM-DDTHH:MM at the site, or with a UTC "
            "offset (needed for a time a daylight-saving change skips or repeats).",
        ),
    ] = None,
    machine: Annotated[
        str | None, typer.Option("--machine", help="Treatment machine (default: as before).")
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Site (default: the treating site).")
    ] = None,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a delivered fraction with its dose per dose level."""
    who = resolve_actor(actor)
    doses = _single_level(_doses(dose_gy, "--dose-gy"), study_id, who)
    physical = _doses(physical_gy or [], "--physical-gy")
    with open_database() as db:
        result = deliver_fraction(
            db,
            actor=who,
            study_id=study_id,
            fraction=fraction,
            doses=doses,
            physical_doses=physical,
            delivered_at=_instant(at) if at else None,
            machine=machine,
            site_code=site,
        )
    if as_json:
        print_json(
            {
                "fraction": result.fraction,
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
                "open_deviations": len(result.open_deviations),
            }
        )
        return
    given = result.fraction
    assert given.delivered_at is not None
    local = given.delivered_at.astimezone(ZoneInfo(result.timezone))
    dose_text = ", ".join(
        f"{d.dose_level} {d.dose_gy:g}"
        + (f" (physical {d.physical_dose_gy:.3f} Gy, {d.rbe_model})" if d.rbe_model else "")
        for d in given.doses
        if d.dose_gy is not None
    )
    console.print(
        f"fraction {given.number} of {study_id} delivered {local.strftime('%Y-%m-%d %H:%M')} at "
        f"{given.site_code} on {given.machine}: {dose_text}",
        highlight=False,
        soft_wrap=True,
    )
    _print_deviations(result.new_deviations, "new deviation")


@command
def miss_command(
    study_id: STUDY_ID,
    fraction: FRACTION,
    reason: REASON,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a missed fraction; it is rescheduled at once by the protocol's policy."""
    with open_database() as db:
        result = miss_fraction(
            db, actor=resolve_actor(actor), study_id=study_id, fraction=fraction, reason=reason
        )
    if as_json:
        print_json(
            {
                "missed": result.missed,
                "moves": result.moves,
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
                "gap_compensation": None if result.gaps is None else _option_rows(result.gaps),
            }
        )
        return
    missed = result.missed
    target = missed.rescheduled_to.isoformat() if missed.rescheduled_to else "-"
    console.print(
        f"fraction {missed.number} of {study_id} missed on {missed.planned_date.isoformat()} "
        f"({missed.reason}); rescheduled by the protocol's policy, the course now ends with a "
        f"fraction on {target}",
        highlight=False,
        soft_wrap=True,
    )
    _print_moves(result.moves)
    _print_deviations(result.new_deviations, "new deviation")
    if result.gaps is not None and result.gaps.options:
        console.print("  see the gap-compensation options with rt course " + study_id)


@command
def cancel_command(
    study_id: STUDY_ID,
    reason: REASON,
    fraction: Annotated[
        list[int] | None, typer.Option("--fraction", help="Fraction number; repeat it.")
    ] = None,
    remaining: Annotated[
        bool, typer.Option("--remaining", help="Cancel every fraction still planned.")
    ] = False,
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record that planned fractions will not be given."""
    if bool(fraction) == remaining:
        raise InvalidInput("give --fraction N (repeatable) or --remaining", location="--fraction")
    with open_database() as db:
        result = cancel_fractions(
            db,
            actor=resolve_actor(actor),
            study_id=study_id,
            reason=reason,
            fractions=None if remaining else fraction,
        )
    if as_json:
        print_json(
            {
                "cancelled": result.cancelled,
                "new_deviations": [
                    {**_asdict(d), "status": d.status} for d in result.new_deviations
                ],
            }
        )
        return
    numbers = ", ".join(str(n) for n in result.cancelled)
    console.print(f"cancelled fraction(s) {numbers} of {study_id}: {reason}", highlight=False)
    _print_deviations(result.new_deviations, "new deviation")

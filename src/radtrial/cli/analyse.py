"""``radtrial analyse TRIAL [--population itt|pp|treated] [--json]``: the primary and secondary
endpoint tables of a trial from the recorded data (:mod:`radtrial.services.analysis`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from radtrial.cli.context import ACTOR_OPTION, open_database, resolve_actor
from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.services.analysis import analyse

__all__ = ["analyse_command"]


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _interval(value: dict[str, Any] | None) -> str:
    if not value:
        return "–"
    return f"{_fmt(value.get('estimate'))} ({_fmt(value.get('lower'))}, {_fmt(value.get('upper'))})"


@command
def analyse_command(
    trial: Annotated[str, typer.Argument(help="Trial slug, e.g. pallsoft.")],
    population: str | None = typer.Option(
        None,
        "--population",
        help="Analysis population: itt, pp or treated (default: the protocol's primary one).",
    ),
    actor: str | None = ACTOR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Primary and secondary endpoint tables of TRIAL, every convention stated."""
    with open_database() as db:
        result = analyse(db, actor=resolve_actor(actor), trial_slug=trial, population=population)
    data = result.to_dict()
    if as_json:
        print_json(data)
        return
    console.print(
        f"[bold]{result.trial_slug}[/]: {result.population_label} ({result.population}), "
        f"{result.participants} participants, {len(result.excluded)} excluded",
        highlight=False,
    )
    tables = result.tables
    responders = tables.get("primary_responders")
    if responders:
        table = Table("arm", "n", "responders", "proportion", "Wilson 95%", "CP 95%")
        for code, arm in responders["arms"].items():
            table.add_row(
                code,
                str(arm["n"]),
                str(arm["responders"]),
                _fmt(arm["proportion"]),
                ", ".join(_fmt(v) for v in arm.get("wilson", [])) or "–",
                ", ".join(_fmt(v) for v in arm.get("clopper_pearson", [])) or "–",
            )
        console.print(table)
        rd = responders.get("risk_difference")
        if rd:
            console.print(f"risk difference {rd['direction']}: {_interval(rd)}", highlight=False)
        ni = responders.get("noninferiority")
        if ni:
            console.print(
                f"{ni['test']} {ni['hypothesis']}: z = {_fmt(ni['z'])}, "
                f"one-sided p = {_fmt(ni['p_value'], 4)}, reject at {ni['alpha']}: {ni['reject']}",
                highlight=False,
            )
    lpfs = tables.get("primary_lpfs")
    if lpfs:
        console.print(
            f"LPFS: n = {lpfs['n']}, events = {lpfs['events']}, "
            f"S(landmark) {_interval(lpfs.get('survival_at_landmark'))}",
            highlight=False,
        )
        test = lpfs.get("landmark_test")
        if test:
            console.print(
                f"landmark test {test['hypothesis']}: z = {_fmt(test['z'])}, "
                f"p = {_fmt(test['p_value'], 4)}, reject: {test['reject']}",
                highlight=False,
            )
        cif = tables.get("local_progression_cumulative_incidence")
        if cif and cif.get("cumulative_incidence"):
            console.print(
                f"cumulative incidence of local progression: "
                f"{_interval(cif['cumulative_incidence'])}",
                highlight=False,
            )
        pfs = tables.get("progression_free_survival") or {}
        console.print(f"PFS median (months): {_interval(pfs.get('median_months'))}")
    os_table = tables.get("overall_survival") or {}
    if "by_arm" in os_table:
        for code, arm in os_table["by_arm"].items():
            console.print(
                f"OS arm {code}: n = {arm['n']}, events = {arm['events']}, "
                f"median (months) {_interval(arm.get('median_months'))}",
                highlight=False,
            )
        lr = os_table.get("logrank")
        if lr:
            console.print(f"log-rank p = {_fmt(lr['p_value'], 4)}", highlight=False)
    elif os_table:
        console.print(
            f"OS median (months): {_interval(os_table.get('median_months'))}", highlight=False
        )
    for category, groups in tables.get("toxicity_max_grade", {}).items():
        console.print(f"max AE grade, {category}: {groups}", highlight=False)
    console.print("[bold]conventions[/]")
    for line in result.conventions:
        console.print(f"  - {line}", highlight=False)
    for line in result.notes:
        console.print(f"  note: {line}", highlight=False)

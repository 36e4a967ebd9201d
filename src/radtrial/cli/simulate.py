"""``radtrial simulate``: Monte Carlo operating characteristics, seeded and recorded."""

from __future__ import annotations

from typing import Annotated, cast

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from radtrial.cli.design import PROTOCOL_OPTION, Assumptions
from radtrial.cli.output import JSON_OPTION, command, console, err_console, print_json
from radtrial.stats.noninferiority import Variant
from radtrial.stats.simulate import Population, simulate_pallsoft

app = typer.Typer(help="Simulate trials: power and type I error with Monte Carlo error.")


@app.command("pallsoft")
@command
def pallsoft_command(
    n_per_arm: Annotated[
        int | None, typer.Option("--n-per-arm", help="Patients randomised per arm")
    ] = None,
    p_control: Annotated[
        float | None, typer.Option("--p-control", help="True responder rate, control")
    ] = None,
    p_experimental: Annotated[
        float | None, typer.Option("--p-experimental", help="True responder rate, experimental")
    ] = None,
    margin: Annotated[
        float | None, typer.Option("--margin", help="NI margin M on p_exp - p_ctl")
    ] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="One-sided alpha [default 0.025]")
    ] = None,
    dropout: Annotated[
        float | None,
        typer.Option("--dropout", help="P(survivor misses the primary assessment) [default 0]"),
    ] = None,
    death_before_primary: Annotated[
        float | None,
        typer.Option("--death-before-primary", help="P(death before the assessment) [default 0]"),
    ] = None,
    trials: Annotated[int, typer.Option("--trials", help="Number of simulated trials")] = 100_000,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed (a fresh one is drawn and printed if unset)")
    ] = None,
    test: Annotated[str, typer.Option("--test", help="fm (Farrington-Manning) or mn")] = "fm",
    population: Annotated[
        str | None,
        typer.Option("--population", help="itt (non-responders) or pp (excluded) [default itt]"),
    ] = None,
    protocol: Annotated[str | None, PROTOCOL_OPTION] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Simulate PALLSOFT trials and apply the non-inferiority test to each."""
    a = Assumptions(protocol, "farrington_manning")
    if n_per_arm is None and a.planned_sample_size is not None:
        n = a.planned_sample_size // 2
        a.note("n_per_arm", n, f"{a.protocol_label}: planned_sample_size / 2")
    else:
        n = int(a.take("n_per_arm", n_per_arm))
    pc = float(a.take("p_control", p_control))
    pe = float(a.take("p_experimental", p_experimental))
    m = float(a.take("margin", margin))
    al = a.one_sided_alpha(alpha, 0.025)
    drop = float(a.take("dropout", dropout, 0.0))
    death = float(a.take("death_before_primary", death_before_primary, 0.0))
    pop = cast(Population, str(a.take("population", population, "itt")))
    if seed is None:
        seed = int(cast(int, np.random.SeedSequence().entropy))
        a.note("seed", seed, "drawn from the operating system")
    else:
        a.note("seed", seed, "command line")
    rng = np.random.default_rng(seed)

    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} trials"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("simulate", total=trials)
        result = simulate_pallsoft(
            n_per_arm=n,
            p_control=pc,
            p_experimental=pe,
            margin=m,
            alpha=al,
            dropout=drop,
            death_before_primary=death,
            n_trials=trials,
            rng=rng,
            test=cast(Variant, test),
            population=pop,
            progress=lambda done: bar.update(task, completed=done),
        )
    if as_json:
        print_json({"result": result.to_dict(), "assumptions": a.to_dict()})
        return
    console.print(
        f"[bold]PALLSOFT simulation[/]: {result.n_trials:,} trials, {result.test.upper()} test, "
        f"{result.population.upper()} population, seed {result.seed}",
        highlight=False,
    )
    console.print(f"{result.hypothesis}, direction {result.direction}", highlight=False)
    console.print(a.table())
    table = Table("Quantity", "Value", title="Results")
    table.add_row(
        result.quantity, f"{result.rejection_rate:.4f} (Monte Carlo SE {result.monte_carlo_se:.4f})"
    )
    table.add_row(
        f"mean width of the {100 * (1 - 2 * al):g}% interval", f"{result.mean_ci_width:.4f}"
    )
    table.add_row("mean lower limit", f"{result.mean_ci_lower:.4f}")
    table.add_row("mean estimate p_exp - p_ctl", f"{result.mean_estimate:.4f}")
    table.add_row("mean evaluable per arm", f"{result.mean_evaluable_per_arm:.2f}")
    if result.untestable_trials:
        table.add_row("trials with an empty arm (not rejected)", str(result.untestable_trials))
    console.print(table)
    a.print_note()

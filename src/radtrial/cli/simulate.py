"""``radtrial simulate``: Monte Carlo operating characteristics, seeded and recorded."""

from __future__ import annotations

from typing import Annotated, cast

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from radtrial.cli.design import PROTOCOL_OPTION, Assumptions
from radtrial.cli.output import JSON_OPTION, command, console, err_console, print_json
from radtrial.errors import InvalidInput
from radtrial.stats.noninferiority import Variant
from radtrial.stats.simulate import Population, simulate_pallsoft
from radtrial.stats.simulate_survival import (
    ENDPOINTS,
    TESTS,
    Endpoint,
    PiecewiseHazard,
    SurvivalTestName,
    simulate_prosarc2,
)

app = typer.Typer(help="Simulate trials: power and type I error with Monte Carlo error.")


def _seed(a: Assumptions, seed: int | None) -> int:
    """The seed to use, recorded: the one given, or a fresh one from the operating system."""
    if seed is None:
        seed = int(cast(int, np.random.SeedSequence().entropy))
        a.note("seed", seed, "drawn from the operating system")
    else:
        a.note("seed", seed, "command line")
    return seed


def _progress(as_json: bool) -> Progress:
    """The Rich progress bar on stderr (off with --json, gone once the run ends)."""
    return Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} trials"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    )


SEED_OPTION = typer.Option("--seed", help="Seed (a fresh one is drawn and printed if unset)")
TRIALS_OPTION = typer.Option("--trials", help="Number of simulated trials")


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
        float | None, typer.Option("--alpha", help="One-sided alpha (default 0.025)")
    ] = None,
    dropout: Annotated[
        float | None,
        typer.Option("--dropout", help="P(survivor misses the primary assessment) (default 0)"),
    ] = None,
    death_before_primary: Annotated[
        float | None,
        typer.Option("--death-before-primary", help="P(death before the assessment) (default 0)"),
    ] = None,
    trials: Annotated[int, TRIALS_OPTION] = 100_000,
    seed: Annotated[int | None, SEED_OPTION] = None,
    test: Annotated[str, typer.Option("--test", help="fm (Farrington-Manning) or mn")] = "fm",
    population: Annotated[
        str | None,
        typer.Option("--population", help="itt (non-responders) or pp (excluded) (default itt)"),
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
    rng = np.random.default_rng(_seed(a, seed))

    with _progress(as_json) as bar:
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


def _numbers(text: str | None, option: str) -> tuple[float, ...] | None:
    """A comma-separated list of numbers ("6,12"), or None when the option is not given."""
    if text is None:
        return None
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"must be numbers separated by commas, got {text!r}", location=option
        ) from exc


def _endpoint(a: Assumptions, given: str | None) -> str:
    """lpfs or local-progression: the command line's, else the protocol's LPFS, else lpfs."""
    if given is not None:
        if given not in ENDPOINTS:
            raise InvalidInput(f"must be one of {', '.join(ENDPOINTS)}", location="--endpoint")
        a.note("endpoint", given, "command line")
        return given
    named = getattr(a.primary, "endpoint", None)
    if named == "local_progression_free_survival":
        a.note("endpoint", "lpfs", f"{a.protocol_label}: {named} (death is an event)")
    else:
        a.note("endpoint", "lpfs", "default")
    return "lpfs"


@app.command("prosarc2")
@command
def prosarc2_command(
    n: Annotated[
        int | None, typer.Option("--n", help="Patients enrolled (protocol: planned size)")
    ] = None,
    s0: Annotated[
        float | None, typer.Option("--s0", help="Null (historical) S at the landmark")
    ] = None,
    s1: Annotated[float | None, typer.Option("--s1", help="S at the landmark hoped for")] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="One-sided alpha (default 0.05)")
    ] = None,
    landmark_months: Annotated[
        float | None, typer.Option("--landmark-months", help="Landmark t0 (default 24)")
    ] = None,
    accrual_months: Annotated[
        float | None, typer.Option("--accrual-months", help="Uniform accrual period")
    ] = None,
    follow_up_months: Annotated[
        float | None, typer.Option("--follow-up-months", help="Follow-up after the last entry")
    ] = None,
    hazard_cuts: Annotated[
        str | None,
        typer.Option(
            "--hazard-cuts",
            help="Cut points (months) of a piecewise local-progression hazard, e.g. 6,12",
        ),
    ] = None,
    hazard_rates: Annotated[
        str | None,
        typer.Option(
            "--hazard-rates",
            help="Relative hazard on each piece (one more than cuts), e.g. 3,1,0.2 "
            "(default exponential)",
        ),
    ] = None,
    death_hazard: Annotated[
        float | None,
        typer.Option(
            "--death-hazard", help="Monthly hazard of death without progression (default 0)"
        ),
    ] = None,
    dropout: Annotated[
        float | None,
        typer.Option("--dropout", help="P(lost to follow-up by the landmark) (default 0)"),
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint",
            help="lpfs (death is an event, the protocol's) or local-progression "
            "(death competes; cumulative incidence) (default lpfs)",
        ),
    ] = None,
    test: Annotated[
        str, typer.Option("--test", help=f"One of {', '.join(TESTS)}")
    ] = "landmark-loglog",
    trials: Annotated[int, TRIALS_OPTION] = 100_000,
    seed: Annotated[int | None, SEED_OPTION] = None,
    protocol: Annotated[str | None, PROTOCOL_OPTION] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Simulate PROSARC-2 trials: power and type I error of the 2-year LPFS test."""
    a = Assumptions(protocol, "landmark_survival")
    if n is None and a.planned_sample_size is not None:
        size = a.planned_sample_size
        a.note("n", size, f"{a.protocol_label}: planned_sample_size")
    else:
        size = int(a.take("n", n))
    v0 = float(a.take("s0", s0))
    v1 = float(a.take("s1", s1))
    al = a.one_sided_alpha(alpha, 0.05)
    t0 = float(a.take("landmark_months", landmark_months, 24.0))
    acc = float(a.take("accrual_months", accrual_months))
    fu = float(a.take("follow_up_months", follow_up_months))
    cuts = _numbers(hazard_cuts, "--hazard-cuts")
    rates = _numbers(hazard_rates, "--hazard-rates")
    if cuts is None and rates is None:
        hazard: PiecewiseHazard = PiecewiseHazard()
        a.note("hazard", "exponential", "default")
    else:
        hazard = PiecewiseHazard(cuts or (), rates or (1.0,))
        a.note("hazard_cuts_months", list(hazard.cuts_months), "command line")
        a.note("hazard_relative_rates", list(hazard.relative_rates), "command line")
    death = float(a.take("death_hazard", death_hazard, 0.0))
    drop = float(a.take("dropout", dropout, 0.0))
    kind = cast(Endpoint, _endpoint(a, endpoint))
    a.note("test", test, "command line" if test != "landmark-loglog" else "default")
    rng = np.random.default_rng(_seed(a, seed))

    with _progress(as_json) as bar:
        task = bar.add_task("simulate", total=trials)
        result = simulate_prosarc2(
            rng=rng,
            n=size,
            s0=v0,
            s1=v1,
            alpha=al,
            landmark_months=t0,
            accrual_months=acc,
            follow_up_months=fu,
            hazard=hazard,
            death_hazard=death,
            dropout=drop,
            n_trials=trials,
            test=cast(SurvivalTestName, test),
            endpoint=kind,
            progress=lambda chunk: bar.advance(task, chunk),
        )
    if as_json:
        print_json({"result": result.to_dict(), "assumptions": a.to_dict()})
        return
    what = (
        "LPFS (local progression or death)"
        if result.endpoint == "lpfs"
        else "freedom from local progression, death competing (1 - cumulative incidence)"
    )
    console.print(
        f"[bold]PROSARC-2 simulation[/]: {result.n_trials:,} trials of {result.n} patients, "
        f"{result.test} test, seed {result.seed_entropy}",
        highlight=False,
    )
    console.print(
        f"endpoint {what}; H0 S({t0:g} months) <= {v0:g} against {v1:g}, one-sided alpha {al:g}",
        highlight=False,
    )
    console.print(a.table())
    table = Table("Scenario", "True S(t0)", "Rejection rate", "Monte Carlo SE", title="Results")
    table.add_row(
        "power (H1)", f"{result.s1:g}", f"{result.power:.4f}", f"{result.power_mc_se:.4f}"
    )
    table.add_row(
        "type I error (H0)",
        f"{result.s0:g}",
        f"{result.type_i_error:.4f}",
        f"{result.type_i_error_mc_se:.4f}",
    )
    console.print(table)
    a.print_note()

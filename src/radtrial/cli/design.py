"""``radtrial design``: sample sizes for PALLSOFT (non-inferiority), PROSARC-2 (landmark) and Simon.

Every command prints the assumptions it used and where each came from: the command line, the
protocol's ``[analysis.primary]`` (``--protocol``; values the protocol marks as assumptions are
labelled so), or a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, cast

import typer
from rich.table import Table

from radtrial.cli.output import JSON_OPTION, command, console, print_json
from radtrial.errors import InvalidInput
from radtrial.services import protocols
from radtrial.stats.designs import (
    TRANSFORMS,
    Transform,
    exact_sample_size,
    landmark_survival_design,
    noninferiority_sample_size,
    simon_two_stage,
    single_stage_binomial,
)
from radtrial.stats.proportions import DIRECTION

app = typer.Typer(help="Trial designs: sample size, exact power, assumptions shown.")

PROTOCOL_OPTION = typer.Option(
    "--protocol",
    help="Take unset values from this protocol's analysis.primary table (a .toml file or a slug)",
)


@dataclass(frozen=True)
class Assumption:
    """One design input: its value and where it came from."""

    name: str
    value: Any
    source: str


class Assumptions:
    """Design inputs resolved from the command line, then the protocol, then defaults."""

    def __init__(self, protocol_ref: str | None, method: str) -> None:
        self.items: dict[str, Assumption] = {}
        self.protocol_label: str | None = None
        self.protocol_note: str | None = None
        self.planned_sample_size: int | None = None
        self.primary: Any = None
        self._marked: set[str] = set()
        self._section_marked = False
        if protocol_ref is not None:
            protocol = protocols.validate(protocol_ref)
            primary = protocol.analysis.primary
            if primary.method != method:
                raise InvalidInput(
                    f"the protocol's primary analysis is {primary.method}, not {method}",
                    location="--protocol",
                )
            self.primary = primary
            self._marked = set(primary.assumptions)
            self._section_marked = primary.assumption is not None
            self.protocol_label = f"protocol {protocol.trial.acronym} {protocol.protocol.label}"
            self.protocol_note = primary.assumption
            self.planned_sample_size = protocol.analysis.planned_sample_size

    def take(self, name: str, given: Any, default: Any = None, *, field: str | None = None) -> Any:
        """The value for ``name``: ``given`` if set, else the protocol's ``field``, else default."""
        field = field or name
        if given is not None:
            self.items[name] = Assumption(name, given, "command line")
            return given
        value = getattr(self.primary, field, None) if self.primary is not None else None
        if value is not None:
            marked = self._section_marked or field in self._marked
            source = f"{self.protocol_label}{' (assumption)' if marked else ''}"
            self.items[name] = Assumption(name, value, source)
            return value
        if default is None:
            raise InvalidInput(
                f"give --{name.replace('_', '-')} or a --protocol that sets it",
                location=f"--{name.replace('_', '-')}",
            )
        self.items[name] = Assumption(name, default, "default")
        return default

    def one_sided_alpha(self, given: float | None, default: float) -> float:
        """α for a one-sided test: a protocol's two-sided α is halved (and that is recorded)."""
        value = float(self.take("alpha", given, default))
        if given is None and self.primary is not None and self.primary.sided == 2:
            value /= 2.0
            self.note("alpha", value, f"{self.protocol_label}: two-sided alpha / 2")
        return value

    def note(self, name: str, value: Any, source: str) -> None:
        """Record a derived input (e.g. the one-sided α from a two-sided protocol α)."""
        self.items[name] = Assumption(name, value, source)

    def to_dict(self) -> dict[str, Any]:
        """``{name: {value, source}}`` plus the protocol's own assumption note."""
        out: dict[str, Any] = {
            a.name: {"value": a.value, "source": a.source} for a in self.items.values()
        }
        return {
            "values": out,
            "protocol": self.protocol_label,
            "protocol_note": self.protocol_note,
            "protocol_planned_sample_size": self.planned_sample_size,
        }

    def table(self, title: str = "Assumptions") -> Table:
        """A Rich table of the inputs and their sources."""
        table = Table("Assumption", "Value", "Source", title=title)
        for a in self.items.values():
            style = "yellow" if "assumption" in a.source else ""
            table.add_row(a.name, _fmt(a.value), a.source, style=style)
        return table

    def print_note(self, computed_total: int | None = None) -> None:
        """Print the protocol's planned size and its reason for its assumed values, if any."""
        if self.planned_sample_size is not None and computed_total is not None:
            console.print(
                f"{self.protocol_label} plans {self.planned_sample_size} patients; "
                f"the computation above gives {computed_total} to enrol",
                highlight=False,
            )
        if self.protocol_note:
            console.print(
                f"[yellow]{self.protocol_label} marks these values as assumptions:[/] "
                f"{self.protocol_note}",
                highlight=False,
            )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@app.command("pallsoft")
@command
def pallsoft_command(
    p_control: Annotated[
        float | None, typer.Option("--p-control", help="Responder rate, control arm")
    ] = None,
    p_experimental: Annotated[
        float | None, typer.Option("--p-experimental", help="Responder rate, experimental arm")
    ] = None,
    margin: Annotated[
        float | None, typer.Option("--margin", help="NI margin M on p_exp - p_ctl")
    ] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="One-sided alpha (default 0.025)")
    ] = None,
    power: Annotated[float | None, typer.Option("--power", help="Power (default 0.8)")] = None,
    ratio: Annotated[
        float | None, typer.Option("--ratio", help="Allocation n_exp/n_ctl (default 1)")
    ] = None,
    dropout: Annotated[
        float | None, typer.Option("--dropout", help="Fraction not evaluable (default 0)")
    ] = None,
    protocol: Annotated[str | None, PROTOCOL_OPTION] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Non-inferiority sample size (Farrington-Manning; = gsDesign nBinomial) and exact power."""
    a = Assumptions(protocol, "farrington_manning")
    pc = float(a.take("p_control", p_control))
    pe = float(a.take("p_experimental", p_experimental))
    m = float(a.take("margin", margin))
    al = a.one_sided_alpha(alpha, 0.025)
    pw = float(a.take("power", power, 0.8))
    r = float(a.take("ratio", ratio, 1.0))
    drop = float(a.take("dropout", dropout, 0.0))
    design = noninferiority_sample_size(pc, pe, m, al, pw, r, drop)
    n_exp, n_ctl, exact_pw = exact_sample_size(pc, pe, m, al, pw, r)
    exact = {"n_experimental": n_exp, "n_control": n_ctl, "exact_power": exact_pw}
    if as_json:
        print_json(
            {
                "design": design.to_dict(),
                "smallest_n_with_exact_power": exact,
                "assumptions": a.to_dict(),
            }
        )
        return
    console.print(f"[bold]Non-inferiority design[/] (Farrington-Manning), direction {DIRECTION}")
    console.print(f"{design.hypothesis}, alpha {al:g}", highlight=False)
    console.print(a.table())
    table = Table("", "Control", "Experimental", "Total", title="Sample size")
    table.add_row(
        "evaluable (FM formula)",
        f"{design.n_control} ({design.n_control_exact:.2f})",
        f"{design.n_experimental} ({design.n_experimental_exact:.2f})",
        f"{design.n_total} ({design.n_total_exact:.3f})",
    )
    table.add_row(
        f"to enrol (dropout {drop:g})",
        str(design.n_control_enrolled),
        str(design.n_experimental_enrolled),
        str(design.n_total_enrolled),
    )
    console.print(table)
    console.print(
        f"exact FM power at {design.n_control}/{design.n_experimental} evaluable: "
        f"[bold]{design.exact_power:.4f}[/] (all outcomes enumerated)"
    )
    console.print(
        f"smallest n with exact power >= {pw:g}: control {n_ctl}, experimental {n_exp} "
        f"(exact power {exact_pw:.4f}; exact power is a sawtooth in n)"
    )
    a.print_note(design.n_total_enrolled)


@app.command("prosarc2")
@command
def prosarc2_command(
    s0: Annotated[
        float | None, typer.Option("--s0", help="Null (historical) survival at the landmark")
    ] = None,
    s1: Annotated[float | None, typer.Option("--s1", help="Survival hoped for")] = None,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="One-sided alpha (default 0.05)")
    ] = None,
    power: Annotated[float | None, typer.Option("--power", help="Power (default 0.8)")] = None,
    accrual_months: Annotated[
        float | None, typer.Option("--accrual-months", help="Uniform accrual period")
    ] = None,
    follow_up_months: Annotated[
        float | None, typer.Option("--follow-up-months", help="Follow-up after the last entry")
    ] = None,
    landmark_months: Annotated[
        float | None, typer.Option("--landmark-months", help="Landmark t0 (default 24)")
    ] = None,
    transform: Annotated[
        str | None,
        typer.Option("--transform", help=f"One of {', '.join(TRANSFORMS)} (default arcsine)"),
    ] = None,
    dropout: Annotated[
        float | None, typer.Option("--dropout", help="Fraction lost (default 0)")
    ] = None,
    protocol: Annotated[str | None, PROTOCOL_OPTION] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Single-arm design for a landmark survival rate against a historical rate."""
    a = Assumptions(protocol, "landmark_survival")
    v0 = float(a.take("s0", s0))
    v1 = float(a.take("s1", s1))
    al = a.one_sided_alpha(alpha, 0.05)
    pw = float(a.take("power", power, 0.8))
    acc = float(a.take("accrual_months", accrual_months))
    fu = float(a.take("follow_up_months", follow_up_months))
    t0 = float(a.take("landmark_months", landmark_months, 24.0))
    tr = cast(Transform, str(a.take("transform", transform, "arcsine")))
    drop = float(a.take("dropout", dropout, 0.0))
    design = landmark_survival_design(v0, v1, t0, acc, fu, al, pw, tr, drop)
    others = {
        name: landmark_survival_design(v0, v1, t0, acc, fu, al, pw, name, drop)
        for name in TRANSFORMS
    }
    binomial = single_stage_binomial(v0, v1, al, pw)
    if as_json:
        print_json(
            {
                "design": design.to_dict(),
                "by_transform": {k: d.n_evaluable for k, d in others.items()},
                "exact_binomial_if_no_censoring_before_landmark": binomial.to_dict(),
                "assumptions": a.to_dict(),
            }
        )
        return
    console.print(
        f"[bold]Landmark design[/]: H0 S({t0:g} months) <= {v0:g} against {v1:g}, "
        f"one-sided alpha {al:g}, power {pw:g}",
        highlight=False,
    )
    console.print(a.table())
    console.print(
        f"evaluable: [bold]{design.n_evaluable}[/] ({design.n_exact:.2f}), "
        f"to enrol with dropout {drop:g}: [bold]{design.n_enrolled}[/]  "
        f"[dim]({design.transform} transformation)[/]"
    )
    table = Table("Transformation", "Evaluable", "To enrol", title="By transformation")
    for name, d in others.items():
        table.add_row(
            name + (" *" if name == design.transform else ""), str(d.n_evaluable), str(d.n_enrolled)
        )
    console.print(table)
    console.print(
        f"exact binomial single stage (valid when nobody is censored before the landmark): "
        f"n = {binomial.n}, promising if at least {binomial.r + 1} reach it "
        f"(alpha {binomial.alpha:.4f}, power {binomial.power:.4f})"
    )
    console.print(f"[dim]{design.method}[/]", highlight=False)
    a.print_note(design.n_enrolled)


@app.command("simon")
@command
def simon_command(
    p0: Annotated[float, typer.Option("--p0", help="Response rate not worth pursuing")],
    p1: Annotated[float, typer.Option("--p1", help="Response rate hoped for")],
    alpha: Annotated[float, typer.Option("--alpha", help="One-sided alpha")] = 0.05,
    power: Annotated[float, typer.Option("--power", help="Power")] = 0.8,
    n_max: Annotated[
        int | None, typer.Option("--n-max", help="Largest n searched (default 1.5x single)")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Simon's optimal and minimax two-stage designs, and the exact single-stage design."""
    designs = simon_two_stage(p0, p1, alpha, power, n_max)
    single = single_stage_binomial(p0, p1, alpha, power)
    if as_json:
        print_json({"simon": designs.to_dict(), "single_stage": single.to_dict()})
        return
    console.print(
        f"[bold]Simon two-stage[/]: H0 p <= {p0:g}, H1 p >= {p1:g}, alpha {alpha:g}, "
        f"power {power:g} (searched n <= {designs.n_max})",
        highlight=False,
    )
    table = Table("Design", "r1/n1", "r/n", "EN0", "PET0", "alpha", "power")
    for d in (designs.optimal, designs.minimax):
        table.add_row(
            d.kind,
            f"{d.r1}/{d.n1}",
            f"{d.r}/{d.n}",
            f"{d.en0:.2f}",
            f"{d.pet0:.3f}",
            f"{d.alpha:.4f}",
            f"{d.power:.4f}",
        )
    table.add_row(
        "single stage",
        "",
        f"{single.r}/{single.n}",
        f"{single.n}",
        "",
        f"{single.alpha:.4f}",
        f"{single.power:.4f}",
    )
    console.print(table)
    console.print(
        "r1/n1: stop after n1 patients if r1 or fewer respond; "
        "r/n: inactive if r or fewer of n respond"
    )

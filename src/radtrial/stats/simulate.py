"""Monte Carlo operating characteristics of the PALLSOFT non-inferiority analysis.

Each simulated trial randomises ``n_per_arm`` patients to each arm. A patient dies before the
primary assessment with probability ``death_before_primary``; a survivor drops out (no primary
assessment) with probability ``dropout``; an assessed patient responds with the arm's rate. So
per arm, evaluable E ~ Bin(n, (1 − death)(1 − dropout)) and responders X ~ Bin(E, p).

Populations (ICH E9 §5.2; PALLSOFT's responder definition counts death before the visit as
non-response):

- ``"itt"``: all randomised patients, deaths and dropouts counted as non-responders, X/n;
- ``"pp"``: deaths and dropouts excluded, X/E.

The FM (or MN) test of H0: p_exp − p_ctl ≤ −M (:mod:`radtrial.stats.noninferiority`) is applied
to every trial at once: the draws are binomial arrays, and the test and its matching interval are
computed once per *distinct* table (a 100-per-arm ITT trial has at most 101² of them) and mapped
back. Reported: the rejection rate (power, or type I error when the true difference lies in H0)
with its Monte Carlo standard error √(p(1 − p)/N), and the mean width of the two-sided
100(1 − 2α)% interval. A PP trial with an arm left empty cannot be tested: it counts as not
rejecting, and is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from radtrial.errors import InvalidInput
from radtrial.stats.noninferiority import Variant, check_margin, null_hypothesis
from radtrial.stats.proportions import (
    DIRECTION,
    check_probability,
    score_interval,
    score_statistic,
)

__all__ = ["PallsoftSimulation", "Population", "seed_of", "simulate_pallsoft"]

Population = Literal["itt", "pp"]
IntArray = NDArray[np.int64]

DEFAULT_CHUNK = 250_000


@dataclass(frozen=True)
class PallsoftSimulation:
    """What a simulation assumed, how it was seeded, and what it found."""

    n_per_arm: int
    p_control: float
    p_experimental: float
    margin: float
    alpha: float
    dropout: float
    death_before_primary: float
    n_trials: int
    test: Variant
    population: Population
    seed: Any
    bit_generator: str
    under_null: bool
    rejection_rate: float
    monte_carlo_se: float
    mean_ci_width: float
    mean_ci_lower: float
    mean_estimate: float
    mean_evaluable_per_arm: float
    untestable_trials: int
    direction: str
    hypothesis: str

    @property
    def quantity(self) -> str:
        """``"type I error"`` when the true rates lie in H0, otherwise ``"power"``."""
        return "type I error" if self.under_null else "power"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (the seed included, so the run can be repeated)."""
        out = asdict(self)
        out["quantity"] = self.quantity
        return out


def seed_of(rng: np.random.Generator) -> Any:
    """The entropy of the generator's SeedSequence (what ``default_rng(seed)`` was given).

    It reproduces the run when the generator was fresh; ``None`` if the bit generator was not
    seeded through a SeedSequence.
    """
    seq = getattr(rng.bit_generator, "seed_seq", None)
    entropy = getattr(seq, "entropy", None)
    if isinstance(entropy, np.ndarray):
        return [int(v) for v in entropy]
    return entropy


def simulate_pallsoft(
    n_per_arm: int,
    p_control: float,
    p_experimental: float,
    margin: float,
    alpha: float,
    dropout: float,
    death_before_primary: float,
    n_trials: int,
    rng: np.random.Generator,
    test: Variant = "fm",
    population: Population = "itt",
    progress: Callable[[int], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> PallsoftSimulation:
    """Simulate ``n_trials`` PALLSOFT trials and apply the NI test to each (model: module doc).

    ``rng`` is the only source of randomness, and its seed is recorded in the result.
    ``progress``, if given, is called after each chunk with the number of trials done so far.
    """
    n = _whole(n_per_arm, "n_per_arm")
    trials = _whole(n_trials, "n_trials")
    chunk = _whole(chunk_size, "chunk_size")
    pc = check_probability(p_control, "p_control", closed=True)
    pe = check_probability(p_experimental, "p_experimental", closed=True)
    m = check_margin(margin)
    a = check_probability(alpha, "alpha", high=0.5)
    drop = _fraction(dropout, "dropout")
    death = _fraction(death_before_primary, "death_before_primary")
    if test not in ("fm", "mn"):
        raise InvalidInput(f"unknown test {test!r}; use fm or mn", location="test")
    if population not in ("itt", "pp"):
        raise InvalidInput(
            f"unknown population {population!r}; use itt or pp", location="population"
        )
    if not isinstance(rng, np.random.Generator):
        raise InvalidInput("must be a numpy.random.Generator", location="rng")

    assessed = (1.0 - death) * (1.0 - drop)
    z_crit = float(special.ndtri(1.0 - a))
    rejections = 0
    untestable = 0
    width_sum = lower_sum = estimate_sum = evaluable_sum = 0.0
    done = 0
    while done < trials:
        size = min(chunk, trials - done)
        e_exp = rng.binomial(n, assessed, size=size)
        e_ctl = rng.binomial(n, assessed, size=size)
        x_exp = rng.binomial(e_exp, pe)
        x_ctl = rng.binomial(e_ctl, pc)
        if population == "itt":
            n_exp = np.full(size, n, dtype=np.int64)
            n_ctl = n_exp
        else:
            n_exp, n_ctl = e_exp, e_ctl
        testable = (n_exp > 0) & (n_ctl > 0)
        untestable += int(size - np.count_nonzero(testable))
        reject, width, lower, estimate = _test_tables(
            x_exp[testable], n_exp[testable], x_ctl[testable], n_ctl[testable], n, m, z_crit, test
        )
        rejections += int(np.count_nonzero(reject))
        width_sum += float(width.sum())
        lower_sum += float(lower.sum())
        estimate_sum += float(estimate.sum())
        evaluable_sum += float(e_exp.sum() + e_ctl.sum()) / 2.0
        done += size
        if progress is not None:
            progress(done)

    tested = trials - untestable
    rate = rejections / trials
    return PallsoftSimulation(
        n_per_arm=n,
        p_control=pc,
        p_experimental=pe,
        margin=m,
        alpha=a,
        dropout=drop,
        death_before_primary=death,
        n_trials=trials,
        test=test,
        population=population,
        seed=seed_of(rng),
        bit_generator=type(rng.bit_generator).__name__,
        under_null=pe - pc <= -m + 1e-12,
        rejection_rate=rate,
        monte_carlo_se=float(np.sqrt(rate * (1.0 - rate) / trials)),
        mean_ci_width=width_sum / tested if tested else float("nan"),
        mean_ci_lower=lower_sum / tested if tested else float("nan"),
        mean_estimate=estimate_sum / tested if tested else float("nan"),
        mean_evaluable_per_arm=evaluable_sum / trials,
        untestable_trials=untestable,
        direction=DIRECTION,
        hypothesis=null_hypothesis(m),
    )


def _test_tables(
    x_exp: IntArray,
    n_exp: IntArray,
    x_ctl: IntArray,
    n_ctl: IntArray,
    n_max: int,
    margin: float,
    z_crit: float,
    test: Variant,
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The decision, interval width, lower limit and estimate for every table, via its key."""
    base = np.int64(n_max + 1)
    keys = ((x_exp * base + n_exp) * base + x_ctl) * base + n_ctl
    unique, inverse = np.unique(keys, return_inverse=True)
    u_nc = (unique % base).astype(np.float64)
    rest = unique // base
    u_xc = (rest % base).astype(np.float64)
    rest = rest // base
    u_ne = (rest % base).astype(np.float64)
    u_xe = (rest // base).astype(np.float64)
    mn = test == "mn"
    z = score_statistic(u_xe, u_ne, u_xc, u_nc, -margin, mn_correction=mn)
    lower, upper = score_interval(u_xe, u_ne, u_xc, u_nc, z_crit, mn_correction=mn)
    estimate = u_xe / u_ne - u_xc / u_nc
    inverse = inverse.reshape(-1)
    return (z > z_crit)[inverse], (upper - lower)[inverse], lower[inverse], estimate[inverse]


def _whole(value: int, name: str) -> int:
    try:
        out = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be a whole number", location=name) from exc
    if out != value or out < 1:
        raise InvalidInput(f"must be a whole number of at least 1, got {value}", location=name)
    return out


def _fraction(value: float, name: str) -> float:
    out = check_probability(value, name, closed=True)
    if out >= 1.0:
        raise InvalidInput(f"must be below 1, got {out}", location=name)
    return out

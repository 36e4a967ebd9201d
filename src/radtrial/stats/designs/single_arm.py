"""Single-arm designs for a response rate: the exact one-stage design and Simon's two-stage designs.

Hypotheses H0: p ≤ p0 (not worth pursuing) against H1: p ≥ p1, one-sided level α, power 1 − β.
Decision rules are stated as in Simon (1989): "r/n" means the treatment is declared inactive if
at most r of n patients respond; "r1/n1" means the trial stops after the first n1 patients if at
most r1 respond.

- Exact single stage: the smallest n for which some r gives P(X > r | p0) ≤ α and
  P(X > r | p1) ≥ 1 − β, X ~ Binomial(n, p) (A'Hern 2001, Stat Med 20:859–866,
  doi:10.1002/sim.721, the exact form).
- Simon two-stage (Simon 1989, Control Clin Trials 10:1–10, doi:10.1016/0197-2456(89)90015-9):
  every (n, n1, r1, r) is searched; a design is admissible when
  P(X1 > r1, X1 + X2 > r | p0) ≤ α and the same probability under p1 is ≥ 1 − β, with
  X1 ~ Bin(n1, p), X2 ~ Bin(n − n1, p). The *optimal* design minimises the expected sample size
  under p0, EN0 = n1 + (1 − PET0)(n − n1), PET0 = P(X1 ≤ r1 | p0); the *minimax* design has the
  smallest n, then the smallest EN0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from radtrial.errors import InvalidInput
from radtrial.stats.proportions import check_probability

__all__ = [
    "SimonDesign",
    "SimonDesigns",
    "SingleStageDesign",
    "simon_two_stage",
    "single_stage_binomial",
]

# Probabilities are sums of many small terms; allow for their rounding when comparing to α, β.
_TOL = 1e-12


def _check_rates(p0: float, p1: float, alpha: float, power: float) -> tuple[float, ...]:
    p0 = check_probability(p0, "p0")
    p1 = check_probability(p1, "p1")
    if p1 <= p0:
        raise InvalidInput("p1 must exceed p0", location="p1")
    alpha = check_probability(alpha, "alpha", high=0.5)
    power = check_probability(power, "power", low=alpha, high=1.0)
    return p0, p1, alpha, power


@dataclass(frozen=True)
class SingleStageDesign:
    """Treat n patients; the treatment is promising if more than r respond."""

    p0: float
    p1: float
    n: int
    r: int
    alpha_target: float
    power_target: float
    alpha: float
    power: float

    def to_dict(self) -> dict[str, float | int | str]:
        """A JSON-ready mapping with the rule in words."""
        out: dict[str, float | int | str] = asdict(self)
        out["rule"] = (
            f"treat {self.n}; promising if at least {self.r + 1} respond (H0 p <= {self.p0:g})"
        )
        return out


def single_stage_binomial(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.8, n_max: int = 10_000
) -> SingleStageDesign:
    """The smallest exact single-stage design (see the module docstring for the rule)."""
    p0, p1, alpha, power = _check_rates(p0, p1, alpha, power)
    for n in range(1, n_max + 1):
        r_grid = np.arange(n + 1)
        size = stats.binom.sf(r_grid, n, p0)
        ok = size <= alpha + _TOL
        r = int(np.argmax(ok))
        got = float(stats.binom.sf(r, n, p1))
        if got >= power - _TOL:
            return SingleStageDesign(p0, p1, n, r, alpha, power, float(size[r]), got)
    raise InvalidInput(f"no design with n up to {n_max}", location="n_max")


@dataclass(frozen=True)
class SimonDesign:
    """One Simon two-stage design: r1/n1 then r/n, with its operating characteristics."""

    kind: str
    r1: int
    n1: int
    r: int
    n: int
    pet0: float
    en0: float
    alpha: float
    power: float

    def to_dict(self) -> dict[str, float | int | str]:
        """A JSON-ready mapping with the rule in words."""
        out: dict[str, float | int | str] = asdict(self)
        out["rule"] = (
            f"stage 1: treat {self.n1}, stop if {self.r1} or fewer respond; "
            f"stage 2: treat {self.n - self.n1} more, inactive if {self.r} or fewer of {self.n}"
        )
        return out


@dataclass(frozen=True)
class SimonDesigns:
    """The optimal and minimax Simon designs for one (p0, p1, α, power)."""

    p0: float
    p1: float
    alpha: float
    power: float
    n_max: int
    optimal: SimonDesign
    minimax: SimonDesign

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping."""
        return {
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "n_max_searched": self.n_max,
            "optimal": self.optimal.to_dict(),
            "minimax": self.minimax.to_dict(),
        }


def simon_two_stage(
    p0: float, p1: float, alpha: float = 0.05, power: float = 0.8, n_max: int | None = None
) -> SimonDesigns:
    """Simon's optimal and minimax two-stage designs by exhaustive search.

    Every n from 2 to ``n_max`` (default: 1.5 times the exact single-stage n, plus 5), every
    n1 < n, every r1 < n1 and every r ≥ r1 is considered (for fixed n, n1, r1 the smallest r
    with level ≤ α gives the most power, so only it is kept). Rules and criteria: see the module
    docstring. Raises :class:`InvalidInput` when no design exists up to ``n_max``.
    """
    p0, p1, alpha, power = _check_rates(p0, p1, alpha, power)
    if n_max is None:
        n_max = math.ceil(1.5 * single_stage_binomial(p0, p1, alpha, power).n) + 5
    elif n_max < 2:
        raise InvalidInput("must be at least 2", location="n_max")
    best_optimal: tuple[float, int, int, int, int, float, float, float] | None = None
    best_minimax: tuple[float, int, int, int, int, float, float, float] | None = None
    for n in range(2, n_max + 1):
        for n1 in range(1, n):
            found = _best_for(n, n1, p0, p1, alpha, power)
            if found is None:
                continue
            en0, r1, r, pet0, size, pw = found
            row = (en0, n, n1, r1, r, pet0, size, pw)
            if best_optimal is None or (en0, n) < (best_optimal[0], best_optimal[1]):
                best_optimal = row
            if best_minimax is None or (n, en0) < (best_minimax[1], best_minimax[0]):
                best_minimax = row
    if best_optimal is None or best_minimax is None:
        raise InvalidInput(f"no two-stage design with n up to {n_max}", location="n_max")
    return SimonDesigns(
        p0=p0,
        p1=p1,
        alpha=alpha,
        power=power,
        n_max=n_max,
        optimal=_design("optimal", best_optimal),
        minimax=_design("minimax", best_minimax),
    )


def _design(kind: str, row: tuple[float, int, int, int, int, float, float, float]) -> SimonDesign:
    en0, n, n1, r1, r, pet0, size, pw = row
    return SimonDesign(kind, r1, n1, r, n, pet0, en0, size, pw)


def _best_for(
    n: int, n1: int, p0: float, p1: float, alpha: float, power: float
) -> tuple[float, int, int, float, float, float] | None:
    """For one (n, n1): the admissible r1 with the smallest EN0, as (EN0, r1, r, PET0, α, power)."""
    n2 = n - n1
    x1 = np.arange(n1 + 1)
    r_grid = np.arange(n)
    # k = r − x1 runs from −n1 to n − 1; P(X2 > k) is 1 for k < 0 and 0 for k ≥ n2.
    k_index = r_grid[None, :] - x1[:, None] + n1
    k_values = np.arange(-n1, n)
    reject: list[np.ndarray] = []
    pmf0 = stats.binom.pmf(x1, n1, p0)
    for p, pmf in ((p0, pmf0), (p1, stats.binom.pmf(x1, n1, p1))):
        sf2 = stats.binom.sf(k_values, n2, p)[k_index]
        joint = pmf[:, None] * sf2
        # tail[j] = Σ_{x1 ≥ j} joint[x1]; rejecting needs x1 > r1, so row r1 is tail[r1 + 1].
        tail = np.cumsum(joint[::-1], axis=0)[::-1]
        reject.append(tail[1:])
    size, pw = reject
    r1_grid = np.arange(n1)[:, None]
    ok = (r_grid[None, :] >= r1_grid) & (size <= alpha + _TOL)
    has = ok.any(axis=1)
    r_star = np.argmax(ok, axis=1)
    rows = np.arange(n1)
    power_at = pw[rows, r_star]
    feasible = has & (power_at >= power - _TOL)
    if not feasible.any():
        return None
    pet0 = np.cumsum(pmf0)[:n1]
    en0 = n1 + (1.0 - pet0) * n2
    en0 = np.where(feasible, en0, np.inf)
    best = int(np.argmin(en0))
    return (
        float(en0[best]),
        best,
        int(r_star[best]),
        float(pet0[best]),
        float(size[best, r_star[best]]),
        float(power_at[best]),
    )

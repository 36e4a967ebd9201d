"""A single-arm design for a landmark survival rate S(t0) against a historical rate s0.

H0: S(t0) ≤ s0 against H1: S(t0) = s1 > s0, tested one-sided at level α by
Z = (g(Ŝ(t0)) − g(s0)) / σ0·√n, where Ŝ is the Kaplan–Meier estimate and g a transformation.

Model (Fleming & Harrington 1991, *Counting Processes and Survival Analysis*, Wiley,
Theorem 6.3.1 and Example 6.3.1): exponential survival S(u) = exp(−λu) with
λ = −log(s)/t0; uniform accrual over A months and analysis F months after the last entry, so a
patient's administrative censoring time is uniform on [F, A + F] and the probability of still
being followed at u is G(u) = 1 (u ≤ F), (A + F − u)/A (F < u < A + F). The asymptotic variance
of √n·Ŝ(t0) is S(t0)²·∫₀^t0 λ/(S(u)·G(u)) du (the limit of Greenwood's formula); by the delta
method that of √n·g(Ŝ(t0)) is σ² = g′(S)²·S²·∫₀^t0 λ/(S·G) du.

Sample size (Nagashima, Noma, Sato & Gosho 2021, Pharm Stat 20:499–511, doi:10.1002/pst.2090 —
the formula with a valid normal approximation: null variance for the critical value,
alternative variance for the power)::

    n = (z_{1−α}·σ0 + z_{1−β}·σ1)² / (g(s1) − g(s0))²

with σ0 under λ0 = −log(s0)/t0 and σ1 under λ1 = −log(s1)/t0, the same accrual and follow-up.
Transformations: ``"arcsine"`` g = arcsin√S (Nagashima et al.'s recommendation and the default),
``"loglog"`` g = log(−log S), ``"logit"``, ``"log"`` and ``"identity"``. When t0 ≤ F nobody is
censored before t0 and, for the identity, σ² = S(1 − S): the binomial formula.

Losses to follow-up are not modelled as a hazard: the evaluable n is inflated by 1/(1 − dropout).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

from scipy import integrate, special

from radtrial.errors import InvalidInput
from radtrial.stats.proportions import check_probability

__all__ = ["TRANSFORMS", "LandmarkDesign", "Transform", "landmark_survival_design"]

Transform = Literal["arcsine", "loglog", "logit", "log", "identity"]
TRANSFORMS: tuple[Transform, ...] = ("arcsine", "loglog", "logit", "log", "identity")

# (g, g′) for each transformation.
_G: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "arcsine": (lambda s: math.asin(math.sqrt(s)), lambda s: 0.5 / math.sqrt(s * (1.0 - s))),
    "loglog": (lambda s: math.log(-math.log(s)), lambda s: 1.0 / (s * math.log(s))),
    "logit": (lambda s: math.log(s / (1.0 - s)), lambda s: 1.0 / (s * (1.0 - s))),
    "log": (math.log, lambda s: 1.0 / s),
    "identity": (lambda s: s, lambda s: 1.0),
}


def _positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be a number", location=name) from exc
    if not math.isfinite(out) or out < 0.0 or (out == 0.0 and not allow_zero):
        raise InvalidInput(f"must be a positive number, got {value}", location=name)
    return out


def km_variance(s: float, landmark: float, accrual: float, follow_up: float) -> float:
    """n·Var(Ŝ(t0)) in the limit: S(t0)²·∫₀^t0 λ/(S(u)G(u)) du (see the module docstring)."""
    lam = -math.log(s) / landmark
    end = accrual + follow_up
    if landmark >= end:
        raise InvalidInput(
            "the landmark must come before the end of follow-up (accrual + follow-up)",
            location="landmark_months",
        )

    def integrand(u: float) -> float:
        g = 1.0 if u <= follow_up else (end - u) / accrual
        return lam * math.exp(lam * u) / g

    if landmark <= follow_up:
        integral = math.exp(lam * landmark) - 1.0
    else:
        head = math.exp(lam * follow_up) - 1.0
        tail, _ = integrate.quad(integrand, follow_up, landmark, limit=200)
        integral = head + tail
    return s * s * integral


@dataclass(frozen=True)
class LandmarkDesign:
    """Patients needed for the landmark test, with every assumption it rests on."""

    s0: float
    s1: float
    landmark_months: float
    accrual_months: float
    follow_up_months: float
    alpha: float
    sided: int
    power: float
    transform: Transform
    dropout: float
    sigma0: float
    sigma1: float
    n_exact: float
    n_evaluable: int
    n_enrolled: int
    method: str

    def to_dict(self) -> dict[str, float | int | str]:
        """A JSON-ready mapping."""
        out: dict[str, float | int | str] = asdict(self)
        out["hypothesis"] = f"H0: S({self.landmark_months:g} months) <= {self.s0:g} (one-sided)"
        return out


def landmark_survival_design(
    s0: float,
    s1: float,
    landmark_months: float,
    accrual_months: float,
    follow_up_months: float,
    alpha: float = 0.05,
    power: float = 0.8,
    transform: Transform = "arcsine",
    dropout: float = 0.0,
) -> LandmarkDesign:
    """Sample size to show S(t0) > s0 when it is s1 (formula and model: module docstring)."""
    s0 = check_probability(s0, "s0")
    s1 = check_probability(s1, "s1")
    if s1 <= s0:
        raise InvalidInput("s1 must exceed s0", location="s1")
    landmark = _positive(landmark_months, "landmark_months")
    accrual = _positive(accrual_months, "accrual_months")
    follow_up = _positive(follow_up_months, "follow_up_months", allow_zero=True)
    alpha = check_probability(alpha, "alpha", high=0.5)
    power = check_probability(power, "power", low=alpha, high=1.0)
    drop = check_probability(dropout, "dropout", closed=True)
    if drop >= 1.0:
        raise InvalidInput("must be below 1", location="dropout")
    if transform not in _G:
        raise InvalidInput(
            f"unknown transform {transform!r}; use one of {', '.join(TRANSFORMS)}",
            location="transform",
        )
    g, dg = _G[transform]
    sigma0 = abs(dg(s0)) * math.sqrt(km_variance(s0, landmark, accrual, follow_up))
    sigma1 = abs(dg(s1)) * math.sqrt(km_variance(s1, landmark, accrual, follow_up))
    z_alpha = float(special.ndtri(1.0 - alpha))
    z_beta = float(special.ndtri(power))
    n_exact = ((z_alpha * sigma0 + z_beta * sigma1) / (g(s1) - g(s0))) ** 2
    n_evaluable = math.ceil(n_exact - 1e-9)
    return LandmarkDesign(
        s0=s0,
        s1=s1,
        landmark_months=landmark,
        accrual_months=accrual,
        follow_up_months=follow_up,
        alpha=alpha,
        sided=1,
        power=power,
        transform=transform,
        dropout=drop,
        sigma0=sigma0,
        sigma1=sigma1,
        n_exact=n_exact,
        n_evaluable=n_evaluable,
        n_enrolled=math.ceil(n_evaluable / (1.0 - drop) - 1e-9),
        method=(
            "Kaplan-Meier landmark test, exponential survival, uniform accrual, "
            f"{transform} transformation; Nagashima et al. (2021) doi:10.1002/pst.2090"
        ),
    )

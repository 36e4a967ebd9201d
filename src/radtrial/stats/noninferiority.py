"""The Farrington–Manning non-inferiority test for a risk difference, and its MN variant.

Hypotheses (direction p_exp − p_ctl, the event a good one such as a response):
H0: p_exp − p_ctl ≤ −M against H1: p_exp − p_ctl > −M, with margin M ≥ 0.

Statistic (Farrington & Manning 1990, Stat Med 9:1447–1454, doi:10.1002/sim.4780091208, eq. 4
and section 2)::

    z = (p̂_exp − p̂_ctl + M) / √(p̃_exp·q̃_exp/n_exp + p̃_ctl·q̃_ctl/n_ctl)

with (p̃_exp, p̃_ctl) the closed-form MLE restricted to p_exp − p_ctl = −M
(:func:`radtrial.stats.proportions.restricted_mle`). The one-sided p-value is 1 − Φ(z); H0 is
rejected when z > z_{1−α}. The ``"mn"`` variant multiplies the variance by N/(N − 1),
N = n_exp + n_ctl (Miettinen & Nurminen 1985, Stat Med 4:213–226, doi:10.1002/sim.4780040211).

The matching interval is the two-sided 100(1 − 2α)% score interval that inverts the same
statistic (Mee's for ``"fm"``, Miettinen–Nurminen's for ``"mn"``): its lower limit exceeds −M
exactly when the test rejects.

statsmodels' ``score`` method is wrong at a non-zero margin (statsmodels issue #10269): do not
substitute it for this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from radtrial.errors import InvalidInput
from radtrial.stats.proportions import (
    DIRECTION,
    as_counts,
    check_probability,
    restricted_mle,
    score_interval,
    score_statistic,
)

__all__ = [
    "FarringtonManningTest",
    "NonInferiorityResult",
    "Variant",
    "farrington_manning",
    "farrington_manning_z",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

Variant = Literal["fm", "mn"]


def _check_variant(variant: str) -> Variant:
    if variant == "fm":
        return "fm"
    if variant == "mn":
        return "mn"
    raise InvalidInput(f"unknown variant {variant!r}; use fm or mn", location="variant")


def check_margin(margin: float) -> float:
    """The margin M as a float in [0, 1); :class:`InvalidInput` otherwise."""
    try:
        m = float(margin)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be a number", location="margin") from exc
    if not 0.0 <= m < 1.0:
        raise InvalidInput(f"must lie in [0, 1), got {m}", location="margin")
    return m


def null_hypothesis(margin: float) -> str:
    """H0 in words, for outputs."""
    return f"H0: p_exp - p_ctl <= -{margin:g} (one-sided; H1: p_exp - p_ctl > -{margin:g})"


def farrington_manning_z(
    x_exp: ArrayLike,
    n_exp: ArrayLike,
    x_ctl: ArrayLike,
    n_ctl: ArrayLike,
    margin: float,
    variant: Variant = "fm",
) -> FloatArray:
    """The FM (or MN) z for H0: p_exp − p_ctl ≤ −``margin``; vectorised, input not checked.

    This is the inner loop of exact enumeration and simulation; see the module docstring for
    the formula and :func:`farrington_manning` for the checked, complete test.
    """
    return score_statistic(
        x_exp, n_exp, x_ctl, n_ctl, -float(margin), mn_correction=variant == "mn"
    )


@dataclass(frozen=True)
class NonInferiorityResult:
    """The FM test of one or many 2×2 tables (arrays broadcast from the counts)."""

    estimate: FloatArray
    z: FloatArray
    p_value: FloatArray
    reject: BoolArray
    p_exp_restricted: FloatArray
    p_ctl_restricted: FloatArray
    ci_lower: FloatArray | None
    ci_upper: FloatArray | None
    margin: float
    alpha: float
    variant: Variant
    ci_confidence: float
    direction: str = DIRECTION
    hypothesis: str = field(default="")


def farrington_manning(
    x_exp: ArrayLike,
    n_exp: ArrayLike,
    x_ctl: ArrayLike,
    n_ctl: ArrayLike,
    margin: float,
    alpha: float = 0.025,
    variant: Variant = "fm",
    *,
    interval: bool = True,
) -> NonInferiorityResult:
    """Test H0: p_exp − p_ctl ≤ −``margin`` at one-sided level ``alpha``, vectorised over counts.

    Returns the estimate p̂_exp − p̂_ctl, z, the one-sided p-value 1 − Φ(z), the decision
    z > z_{1−α}, the restricted MLE, and (unless ``interval=False``) the matching two-sided
    100(1 − 2α)% score interval. Formulas and sources: see the module docstring.
    """
    x1, n1 = as_counts(x_exp, n_exp, "x_exp", "n_exp")
    x2, n2 = as_counts(x_ctl, n_ctl, "x_ctl", "n_ctl")
    m = check_margin(margin)
    a = check_probability(alpha, "alpha", high=0.5)
    var = _check_variant(variant)
    try:
        f1, m1, f2, m2 = (arr.astype(np.float64) for arr in np.broadcast_arrays(x1, n1, x2, n2))
    except ValueError as exc:
        raise InvalidInput(f"shapes do not broadcast: {exc}", location="x_ctl") from exc
    z = score_statistic(f1, m1, f2, m2, -m, mn_correction=var == "mn")
    pe, pc = restricted_mle(f1, m1, f2, m2, -m)
    p_value = special.ndtr(-z)
    reject = z > special.ndtri(1.0 - a)
    lower: FloatArray | None = None
    upper: FloatArray | None = None
    if interval:
        lower, upper = score_interval(
            f1, m1, f2, m2, float(special.ndtri(1.0 - a)), mn_correction=var == "mn"
        )
    return NonInferiorityResult(
        estimate=f1 / m1 - f2 / m2,
        z=z,
        p_value=np.asarray(p_value, dtype=np.float64),
        reject=np.asarray(reject, dtype=np.bool_),
        p_exp_restricted=pe,
        p_ctl_restricted=pc,
        ci_lower=lower,
        ci_upper=upper,
        margin=m,
        alpha=a,
        variant=var,
        ci_confidence=1.0 - 2.0 * a,
        hypothesis=null_hypothesis(m),
    )


class FarringtonManningTest:
    """The FM non-inferiority test of one 2×2 table, in the fitter shape.

    Options in the constructor (margin M, one-sided α, variant ``"fm"`` or ``"mn"``);
    :meth:`fit` takes the counts and returns ``self``; results end in ``_``; :attr:`summary`
    is a one-row table (a mapping) with the direction and hypothesis stated.
    """

    def __init__(self, margin: float, alpha: float = 0.025, variant: Variant = "fm") -> None:
        self.margin = check_margin(margin)
        self.alpha = check_probability(alpha, "alpha", high=0.5)
        self.variant = _check_variant(variant)

    def fit(self, x_exp: int, n_exp: int, x_ctl: int, n_ctl: int) -> Self:
        """Run the test on x_exp/n_exp responders (experimental) and x_ctl/n_ctl (control)."""
        res = farrington_manning(
            x_exp, n_exp, x_ctl, n_ctl, self.margin, self.alpha, self.variant, interval=True
        )
        if res.z.ndim != 0:
            raise InvalidInput(
                "fit one table at a time; use farrington_manning for arrays", location="x_exp"
            )
        assert res.ci_lower is not None
        assert res.ci_upper is not None
        self.counts_ = (int(x_exp), int(n_exp), int(x_ctl), int(n_ctl))
        self.estimate_ = float(res.estimate)
        self.z_ = float(res.z)
        self.p_value_ = float(res.p_value)
        self.reject_ = bool(res.reject)
        self.restricted_mle_ = (float(res.p_exp_restricted), float(res.p_ctl_restricted))
        self.ci_ = (float(res.ci_lower), float(res.ci_upper))
        self.ci_confidence_ = res.ci_confidence
        return self

    @property
    def summary(self) -> dict[str, float | int | bool | str]:
        """The fitted test as one row: counts, estimate, z, p, interval, decision."""
        x1, n1, x2, n2 = self.counts_
        return {
            "direction": DIRECTION,
            "hypothesis": null_hypothesis(self.margin),
            "variant": self.variant,
            "x_exp": x1,
            "n_exp": n1,
            "x_ctl": x2,
            "n_ctl": n2,
            "estimate": self.estimate_,
            "margin": self.margin,
            "z": self.z_,
            "p_value_one_sided": self.p_value_,
            "alpha_one_sided": self.alpha,
            "ci_confidence": self.ci_confidence_,
            "ci_lower": self.ci_[0],
            "ci_upper": self.ci_[1],
            "non_inferior": self.reject_,
        }

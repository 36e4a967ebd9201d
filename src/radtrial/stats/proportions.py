"""Binomial proportions and the risk difference p_exp − p_ctl, with confidence intervals.

Direction: every risk difference here is **experimental minus control**, p_exp − p_ctl; a
positive value favours the experimental arm when the event is a good one (a response).

Intervals for one proportion: Clopper–Pearson (exact) and Wilson (score). Intervals for the risk
difference, named as in Newcombe (1998, Stat Med 17:873–890, doi:10.1002/(SICI)1097-0258(19980430)
17:8<873::AID-SIM779>3.0.CO;2-I):

- ``"wald"``: method 1, p̂_exp − p̂_ctl ± z·√(p̂q̂/n + p̂q̂/n), clipped to [−1, 1];
- ``"newcombe"``: method 10, the hybrid score interval built from the two Wilson intervals;
- ``"miettinen_nurminen"``: the score interval of Miettinen & Nurminen (1985, Stat Med 4:213–226,
  doi:10.1002/sim.4780040211), variance under the restricted MLE times N/(N − 1);
- ``"mee"``: the same score interval without the N/(N − 1) factor (Mee 1984, Biometrics 40:1175),
  which is also the interval that inverts the Farrington–Manning test.

Every function is vectorised: counts may be arrays (broadcast together); the ``*_interval``
functions return arrays, and :func:`risk_difference` / :func:`proportion` return a frozen
result for one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from radtrial.errors import InvalidInput

__all__ = [
    "DIRECTION",
    "ProportionEstimate",
    "ProportionMethod",
    "RiskDifference",
    "RiskDifferenceMethod",
    "clopper_pearson_interval",
    "proportion",
    "restricted_mle",
    "risk_difference",
    "risk_difference_interval",
    "score_statistic",
    "wilson_interval",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: The direction of every risk difference radtrial reports.
DIRECTION = "p_exp - p_ctl (experimental minus control)"

ProportionMethod = Literal["clopper_pearson", "wilson"]
RiskDifferenceMethod = Literal["wald", "newcombe", "miettinen_nurminen", "mee"]
_RD_METHODS: tuple[str, ...] = ("wald", "newcombe", "miettinen_nurminen", "mee")

# Bisection halves [-1, 1] down to below 2**-52: the score limits are exact to double precision.
_BISECTION_STEPS = 60


# --------------------------------------------------------------------------------------------
# Input checks (shared with noninferiority, designs and simulate)
# --------------------------------------------------------------------------------------------


def as_counts(x: ArrayLike, n: ArrayLike, x_name: str, n_name: str) -> tuple[IntArray, IntArray]:
    """``x`` and ``n`` as int64 arrays with 0 ≤ x ≤ n and n ≥ 1; :class:`InvalidInput` otherwise."""
    x_arr = _as_int(x, x_name)
    n_arr = _as_int(n, n_name)
    if np.any(n_arr < 1):
        raise InvalidInput("the number of patients must be at least 1", location=n_name)
    if np.any(x_arr < 0):
        raise InvalidInput("a count cannot be negative", location=x_name)
    try:
        too_many = np.any(x_arr > n_arr)
    except ValueError as exc:
        raise InvalidInput(f"shapes do not broadcast: {exc}", location=x_name) from exc
    if too_many:
        raise InvalidInput(f"a count exceeds its {n_name}", location=x_name)
    return x_arr, n_arr


def _as_int(value: ArrayLike, name: str) -> IntArray:
    arr = np.asarray(value)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number):
        raise InvalidInput("must be a whole number (or an array of them)", location=name)
    if np.issubdtype(arr.dtype, np.floating) and (
        not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))
    ):
        raise InvalidInput("must be a whole number (or an array of them)", location=name)
    return arr.astype(np.int64)


def check_probability(
    value: float, name: str, *, low: float = 0.0, high: float = 1.0, closed: bool = False
) -> float:
    """``value`` as a float in (low, high) — or [low, high] with ``closed`` — else InvalidInput."""
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("must be a number", location=name) from exc
    ok = low <= out <= high if closed else low < out < high
    if not ok or not np.isfinite(out):
        bracket = f"[{low}, {high}]" if closed else f"({low}, {high})"
        raise InvalidInput(f"must lie in {bracket}, got {out}", location=name)
    return out


def _z_two_sided(confidence: float) -> float:
    confidence = check_probability(confidence, "confidence")
    return float(special.ndtri(0.5 + confidence / 2.0))


# --------------------------------------------------------------------------------------------
# One proportion
# --------------------------------------------------------------------------------------------


def clopper_pearson_interval(
    x: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """The exact equal-tailed interval for a binomial proportion.

    Lower limit: the α/2 quantile of Beta(x, n − x + 1) (0 when x = 0); upper limit: the 1 − α/2
    quantile of Beta(x + 1, n − x) (1 when x = n). Clopper & Pearson (1934, Biometrika 26:404–413,
    doi:10.1093/biomet/26.4.404); Newcombe (1998, Stat Med 17:857–872, method 5).
    """
    xs, ns = as_counts(x, n, "x", "n")
    a = 1.0 - check_probability(confidence, "confidence")
    xs, ns = np.broadcast_arrays(xs, ns)
    lower = np.zeros(xs.shape)
    upper = np.ones(xs.shape)
    some = xs > 0
    lower[some] = stats.beta.ppf(a / 2.0, xs[some], ns[some] - xs[some] + 1)
    short = xs < ns
    upper[short] = stats.beta.ppf(1.0 - a / 2.0, xs[short] + 1, ns[short] - xs[short])
    return lower, upper


def wilson_interval(
    x: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """The Wilson score interval (no continuity correction).

    (2np̂ + z² ± z√(z² + 4np̂q̂)) / (2(n + z²)): Wilson (1927, JASA 22:209–212,
    doi:10.1080/01621459.1927.10502953); Newcombe (1998, Stat Med 17:857–872, method 3).
    The limits are exactly 0 for x = 0 and exactly 1 for x = n.
    """
    xs, ns = as_counts(x, n, "x", "n")
    z = _z_two_sided(confidence)
    lower, upper = _wilson(xs.astype(np.float64), ns.astype(np.float64), z)
    return lower, upper


def _wilson(x: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    p = x / n
    z2 = z * z
    centre = (x + z2 / 2.0) / (n + z2)
    half = z * np.sqrt(n * p * (1.0 - p) + z2 / 4.0) / (n + z2)
    lower = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


@dataclass(frozen=True)
class ProportionEstimate:
    """One proportion x/n with its interval."""

    x: int
    n: int
    estimate: float
    lower: float
    upper: float
    method: ProportionMethod
    confidence: float

    def to_dict(self) -> dict[str, float | int | str]:
        """A JSON-ready mapping."""
        return {
            "x": self.x,
            "n": self.n,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "method": self.method,
            "confidence": self.confidence,
        }


def proportion(
    x: int, n: int, method: ProportionMethod = "clopper_pearson", confidence: float = 0.95
) -> ProportionEstimate:
    """The proportion x/n with a Clopper–Pearson (default) or Wilson interval."""
    if method == "clopper_pearson":
        lower, upper = clopper_pearson_interval(x, n, confidence)
    elif method == "wilson":
        lower, upper = wilson_interval(x, n, confidence)
    else:
        raise InvalidInput(
            f"unknown method {method!r}; use clopper_pearson or wilson", location="method"
        )
    return ProportionEstimate(
        x=int(x),
        n=int(n),
        estimate=int(x) / int(n),
        lower=float(lower),
        upper=float(upper),
        method=method,
        confidence=float(confidence),
    )


# --------------------------------------------------------------------------------------------
# The restricted MLE and the score statistic for a risk difference
# --------------------------------------------------------------------------------------------


def restricted_mle(
    x_exp: ArrayLike, n_exp: ArrayLike, x_ctl: ArrayLike, n_ctl: ArrayLike, delta: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The MLE of (p_exp, p_ctl) under the constraint p_exp − p_ctl = ``delta``.

    The closed-form root of the likelihood cubic, Farrington & Manning (1990, Stat Med
    9:1447–1454, doi:10.1002/sim.4780091208, section 2 and the appendix), as in Miettinen &
    Nurminen (1985, doi:10.1002/sim.4780040211, appendix I). With θ = n_ctl/n_exp:
    a = 1 + θ; b = −(1 + θ + p̂_exp + θp̂_ctl + δ(θ + 2)); c = δ² + δ(2p̂_exp + θ + 1) + p̂_exp +
    θp̂_ctl; d = −p̂_exp·δ(1 + δ); v = b³/(27a³) − bc/(6a²) + d/(2a);
    u = sign(v)·√(b²/(9a²) − c/(3a)); w = (π + arccos(v/u³))/3;
    p̃_exp = 2u·cos(w) − b/(3a), p̃_ctl = p̃_exp − δ.

    The trigonometric root loses half the digits where the cubic has a (nearly) double root,
    which happens when the maximum sits on, or next to, an end of the feasible segment
    max(0, δ) ≤ p_exp ≤ min(1, 1 + δ) — e.g. 54/54 vs 7/7 at δ = 0 gave 0.99999998, not 1.
    So the root is finished on the score equation itself. The constrained log-likelihood
    ℓ(p) = x_exp log p + (n_exp − x_exp) log(1 − p) + x_ctl log(p − δ) + (n_ctl − x_ctl)
    log(1 − p + δ) is strictly concave on the segment, so its maximiser is an end exactly when
    the score ℓ′ (terms with a zero count dropped) has the wrong sign there — evaluated with the
    exact end values, so all-or-none tables give exactly 0 or 1 — and otherwise the simple root
    of ℓ′ inside, which safeguarded Newton steps (bisection when a step leaves the bracket)
    polish from the cubic's root to full double precision.

    Returns (p̃_exp, p̃_ctl), broadcast over the inputs; ``delta`` must lie in [−1, 1].
    Counts need not be whole numbers (the designs pass expected proportions with n = 1).
    Counts are not re-validated here (this is the inner loop of simulations); use the public
    tests and intervals for checked input.
    """
    given = [np.asarray(a, dtype=np.float64) for a in (x_exp, n_exp, x_ctl, n_ctl, delta)]
    # The cubic on the inputs as given (a scalar n stays a scalar: this is the costly part).
    cubic = _cubic_root(given[0] / given[1], given[2] / given[3], given[3] / given[1], given[4])
    pe_full, x1, m1, x2, m2, d0 = np.broadcast_arrays(cubic, *given)
    shape = pe_full.shape
    pe = pe_full.reshape(-1).copy()
    x1, m1, x2, m2, d0 = (a.reshape(-1) for a in (x1, m1, x2, m2, d0))
    f1 = m1 - x1
    f2 = m2 - x2
    # The feasible segment of p_exp and, at each end, the exact values of p_exp, 1 − p_exp,
    # p_ctl and 1 − p_ctl (``+ 0.0`` turns a −0.0 into +0.0, so a count over it is +inf).
    plus = np.maximum(0.0, d0) + 0.0
    minus = np.maximum(0.0, -d0) + 0.0
    low = plus
    high = 1.0 - minus
    # Only a zero count (or a one-point segment) can put the maximum on an end: otherwise the
    # score is +inf at the lower end and −inf at the upper one.
    edge = np.flatnonzero((x1 == 0.0) | (f1 == 0.0) | (x2 == 0.0) | (f2 == 0.0) | (low >= high))
    inside: NDArray[np.intp] | None = None  # None: every table
    if edge.size:
        e = edge
        with np.errstate(invalid="ignore"):  # inf − inf only where the segment is a point
            at_high = _score(x1[e], f1[e], x2[e], f2[e], high[e], minus[e], 1.0 - plus[e], plus[e])
            at_low = _score(
                x1[e], f1[e], x2[e], f2[e], low[e], 1.0 - plus[e], minus[e], 1.0 - minus[e]
            )
        on_high = (at_high >= 0.0) | (low[e] >= high[e])
        on_low = ~on_high & (at_low <= 0.0)
        pe[e] = np.where(on_high, high[e], np.where(on_low, low[e], pe[e]))
        settled = np.zeros(pe.size, dtype=np.bool_)
        settled[e] = on_high | on_low
        inside = np.flatnonzero(~settled)
    if inside is None:
        pe = _polish(pe, x1, f1, x2, f2, d0, low, high)
    elif inside.size:
        i = inside
        pe[i] = _polish(pe[i], x1[i], f1[i], x2[i], f2[i], d0[i], low[i], high[i])
    pc = np.clip(pe - d0, 0.0, 1.0)
    return pe.reshape(shape), pc.reshape(shape)


def _cubic_root(p1: FloatArray, p2: FloatArray, theta: FloatArray, d0: FloatArray) -> FloatArray:
    """Farrington & Manning's trigonometric root p̃_exp of the likelihood cubic, unpolished."""
    a = 1.0 + theta
    b = -(1.0 + theta + p1 + theta * p2 + d0 * (theta + 2.0))
    c = d0 * d0 + d0 * (2.0 * p1 + theta + 1.0) + p1 + theta * p2
    d = -p1 * d0 * (1.0 + d0)
    b3a = b / (3.0 * a)
    v = b3a**3 - b * c / (6.0 * a * a) + d / (2.0 * a)
    radicand = np.maximum(b3a * b3a - c / (3.0 * a), 0.0)
    u = np.where(v >= 0.0, 1.0, -1.0) * np.sqrt(radicand)
    u3 = u**3
    # u = 0 is a triple root (-b/3a); arccos(0) gives cos(w) = 0 and so exactly that root.
    safe = np.where(u3 == 0.0, 1.0, u3)
    ratio = np.where(u3 == 0.0, 0.0, np.clip(v / safe, -1.0, 1.0))
    w = (np.pi + np.arccos(ratio)) / 3.0
    return np.asarray(2.0 * u * np.cos(w) - b3a, dtype=np.float64)


def _term(count: FloatArray, denominator: FloatArray, power: int = 1) -> FloatArray:
    """count / denominator**power, 0 when the count is 0 (that term is absent), +inf at 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = count / denominator**power
    return np.asarray(np.where(count > 0.0, value, 0.0), dtype=np.float64)


def _score(
    x1: FloatArray,
    f1: FloatArray,
    x2: FloatArray,
    f2: FloatArray,
    pe: FloatArray,
    qe: FloatArray,
    pc: FloatArray,
    qc: FloatArray,
) -> FloatArray:
    """dℓ/dp_exp along p_exp − p_ctl = δ: x₁/p_e − f₁/q_e + x₂/p_c − f₂/q_c (f = n − x)."""
    return _term(x1, pe) - _term(f1, qe) + _term(x2, pc) - _term(f2, qc)


# Newton from the cubic's root needs two or three steps; bisection fallbacks at most ~55 more.
_POLISH_STEPS = 80


def _polish(
    p: FloatArray,
    x1: FloatArray,
    f1: FloatArray,
    x2: FloatArray,
    f2: FloatArray,
    d0: FloatArray,
    low: FloatArray,
    high: FloatArray,
) -> FloatArray:
    """The root of the decreasing score inside (low, high): Newton, bracketed by bisection.

    Inside the segment every denominator is positive, so a zero count's term is simply 0; a
    denominator that rounds to 0 gives a non-finite step, and bisection takes over.
    """
    lo = low.copy()
    hi = high.copy()
    out = np.where((p > lo) & (p < hi), p, (lo + hi) / 2.0)
    eps = np.finfo(np.float64).eps
    active: NDArray[np.intp] | None = None  # None: every entry (no copies on the first pass)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(_POLISH_STEPS):
            if active is None:
                pe, a1, b1, a2, b2, d, left, right = out, x1, f1, x2, f2, d0, lo, hi
            else:
                pe, a1, b1, a2, b2, d = (v[active] for v in (out, x1, f1, x2, f2, d0))
                left, right = lo[active], hi[active]
            qe = 1.0 - pe
            pc = pe - d
            qc = qe + d
            t1, t2, t3, t4 = a1 / pe, b1 / qe, a2 / pc, b2 / qc
            g = t1 - t2 + t3 - t4
            slope = -(t1 / pe + t2 / qe + t3 / pc + t4 / qc)
            step = g / slope
            left = np.where(g > 0.0, pe, left)
            right = np.where(g < 0.0, pe, right)
            newton = pe - step
            # Converged: the step is below an ulp or two of p (it may then not move p off the
            # bracket end it has just set), or the bracket has closed.
            small = (np.abs(step) <= 2.0 * eps * pe) & np.isfinite(slope)
            done = small | (g == 0.0) | (right - left <= 2.0 * eps)
            fine = (newton > left) & (newton < right)
            new = np.where(fine, newton, np.where(done, pe, (left + right) / 2.0))
            if active is None:
                out, lo, hi = new, left, right
                active = np.flatnonzero(~done)
            else:
                out[active], lo[active], hi[active] = new, left, right
                active = active[~done]
            if active.size == 0:
                break
    return np.asarray(out, dtype=np.float64)


def score_statistic(
    x_exp: ArrayLike,
    n_exp: ArrayLike,
    x_ctl: ArrayLike,
    n_ctl: ArrayLike,
    delta: ArrayLike,
    *,
    mn_correction: bool,
) -> FloatArray:
    """The score statistic for H: p_exp − p_ctl = ``delta`` (vectorised, unchecked input).

    T = (p̂_exp − p̂_ctl − δ) / √V, V = p̃_exp·q̃_exp/n_exp + p̃_ctl·q̃_ctl/n_ctl at the
    restricted MLE (Farrington & Manning 1990, eq. 4 with section 2's restricted estimates;
    Miettinen & Nurminen 1985, eq. 9). With ``mn_correction`` V is multiplied by N/(N − 1),
    N = n_exp + n_ctl (Miettinen & Nurminen); without it this is Mee's (1984) statistic and the
    Farrington–Manning z. T is 0 when the numerator is 0 and ±inf when only V is 0.
    """
    n1 = np.asarray(n_exp, dtype=np.float64)
    n2 = np.asarray(n_ctl, dtype=np.float64)
    var = _score_variance(x_exp, n1, x_ctl, n2, delta, mn_correction)
    num = np.asarray(x_exp, dtype=np.float64) / n1 - np.asarray(x_ctl, dtype=np.float64) / n2
    num = num - np.asarray(delta, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / np.sqrt(var)
    t = np.where(num == 0.0, 0.0, t)
    t = np.where((var <= 0.0) & (num != 0.0), np.copysign(np.inf, num), t)
    return np.asarray(t, dtype=np.float64)


def _score_variance(
    x_exp: ArrayLike,
    n_exp: FloatArray,
    x_ctl: ArrayLike,
    n_ctl: FloatArray,
    delta: ArrayLike,
    mn_correction: bool,
) -> FloatArray:
    pe, pc = restricted_mle(x_exp, n_exp, x_ctl, n_ctl, delta)
    # On the constraint p̃_exp − p̃_ctl = δ, q̃_exp = q̃_ctl − δ exactly. Computing q̃_exp as
    # 1 − p̃_exp loses a small |δ| to rounding when p̃_exp rounds to 1 (all successes), which
    # would zero the variance and send the statistic to ±inf; the larger of the two forms
    # keeps it (they agree to rounding everywhere else).
    q_exp = np.maximum(1.0 - pe, (1.0 - pc) - np.asarray(delta, dtype=np.float64))
    var = pe * q_exp / n_exp + pc * (1.0 - pc) / n_ctl
    if mn_correction:
        total = n_exp + n_ctl
        var = var * total / (total - 1.0)
    return np.asarray(var, dtype=np.float64)


def score_interval(
    x_exp: FloatArray,
    n_exp: FloatArray,
    x_ctl: FloatArray,
    n_ctl: FloatArray,
    z: float,
    *,
    mn_correction: bool,
) -> tuple[FloatArray, FloatArray]:
    """All δ with −z ≤ T(δ) ≤ z (vectorised; unchecked, broadcast input).

    The lower limit solves T(δ) = z on (−1, d̂), the upper T(δ) = −z on (d̂, 1); T is +inf at
    δ = −1 and −inf at δ = 1 unless d̂ is itself ±1, where the limit is ±1 (Newcombe 1998,
    Table II, 10/10 − 0/20). Each limit is first sought as the fixed point of
    δ ↦ d̂ ∓ z·√V(δ), which converges in a few steps for all but tiny or extreme tables; those
    that do not converge are solved by bisection, which is exact to double precision.
    """
    x1, n1, x2, n2 = (
        np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(x_exp, n_exp, x_ctl, n_ctl)
    )
    d_hat = x1 / n1 - x2 / n2
    lower = _score_limit(x1, n1, x2, n2, d_hat, z, -1.0, mn_correction)
    upper = _score_limit(x1, n1, x2, n2, d_hat, z, 1.0, mn_correction)
    lower = np.where(d_hat <= -1.0, -1.0, lower)
    upper = np.where(d_hat >= 1.0, 1.0, upper)
    return lower, upper


_FIXED_POINT_STEPS = 40
_FIXED_POINT_TOL = 1e-13


def _score_limit(
    x1: FloatArray,
    n1: FloatArray,
    x2: FloatArray,
    n2: FloatArray,
    d_hat: FloatArray,
    z: float,
    side: float,
    mn: bool,
) -> FloatArray:
    """The limit d̂ + side·z·√V(limit): fixed-point iteration, bisection where it fails."""
    limit = d_hat.copy()
    active = np.arange(d_hat.size)
    flat = [a.reshape(-1) for a in (x1, n1, x2, n2, d_hat)]
    out = limit.reshape(-1)
    current = out.copy()
    converged = np.zeros(d_hat.size, dtype=np.bool_)
    for _ in range(_FIXED_POINT_STEPS):
        a1, m1, a2, m2, dh = (f[active] for f in flat)
        var = _score_variance(a1, m1, a2, m2, current[active], mn)
        new = np.clip(dh + side * z * np.sqrt(var), -1.0, 1.0)
        done = np.abs(new - current[active]) <= _FIXED_POINT_TOL
        current[active] = new
        converged[active[done]] = True
        active = active[~done]
        if active.size == 0:
            break
    # A fixed point at δ = d̂ (V = 0 there) or on the ±1 clip is not the root sought.
    gap = side * (current - flat[4])
    good = converged & (gap > 0.0) & (np.abs(current) < 1.0)
    bad = np.flatnonzero(~good)
    if bad.size:
        a1, m1, a2, m2, dh = (f[bad] for f in flat)
        if side < 0.0:
            current[bad] = _bisect(a1, m1, a2, m2, np.full(bad.size, -1.0), dh.copy(), z, mn)
        else:
            current[bad] = _bisect(a1, m1, a2, m2, dh.copy(), np.ones(bad.size), -z, mn)
    return current.reshape(d_hat.shape)


def _bisect(
    x1: FloatArray,
    n1: FloatArray,
    x2: FloatArray,
    n2: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    target: float,
    mn: bool,
) -> FloatArray:
    """The δ in [lo, hi] where the decreasing T(δ) crosses ``target``."""
    for _ in range(_BISECTION_STEPS):
        mid = (lo + hi) / 2.0
        t = score_statistic(x1, n1, x2, n2, mid, mn_correction=mn)
        above = t > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return (lo + hi) / 2.0


# --------------------------------------------------------------------------------------------
# The risk difference
# --------------------------------------------------------------------------------------------


def risk_difference_interval(
    x_exp: ArrayLike,
    n_exp: ArrayLike,
    x_ctl: ArrayLike,
    n_ctl: ArrayLike,
    method: RiskDifferenceMethod = "newcombe",
    confidence: float = 0.95,
) -> tuple[FloatArray, FloatArray]:
    """The two-sided interval for p_exp − p_ctl by ``method`` (see the module docstring).

    Formulas: Wald and Newcombe's method 10, L = d̂ − √((p̂_exp − l_exp)² + (u_ctl − p̂_ctl)²),
    U = d̂ + √((u_exp − p̂_exp)² + (p̂_ctl − l_ctl)²) with (l, u) the Wilson limits (Newcombe 1998,
    Stat Med 17:873, section 2, method 10); Miettinen–Nurminen and Mee: {δ : |T(δ)| ≤ z} with T
    from :func:`score_statistic`.
    """
    x1, n1 = as_counts(x_exp, n_exp, "x_exp", "n_exp")
    x2, n2 = as_counts(x_ctl, n_ctl, "x_ctl", "n_ctl")
    if method not in _RD_METHODS:
        raise InvalidInput(
            f"unknown method {method!r}; use one of {', '.join(_RD_METHODS)}", location="method"
        )
    z = _z_two_sided(confidence)
    try:
        f1, m1, f2, m2 = (a.astype(np.float64) for a in np.broadcast_arrays(x1, n1, x2, n2))
    except ValueError as exc:
        raise InvalidInput(f"shapes do not broadcast: {exc}", location="x_ctl") from exc
    p1 = f1 / m1
    p2 = f2 / m2
    d_hat = p1 - p2
    if method == "wald":
        half = z * np.sqrt(p1 * (1.0 - p1) / m1 + p2 * (1.0 - p2) / m2)
        return np.clip(d_hat - half, -1.0, 1.0), np.clip(d_hat + half, -1.0, 1.0)
    if method == "newcombe":
        l1, u1 = _wilson(f1, m1, z)
        l2, u2 = _wilson(f2, m2, z)
        lower = d_hat - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        upper = d_hat + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        return np.clip(lower, -1.0, 1.0), np.clip(upper, -1.0, 1.0)
    return score_interval(f1, m1, f2, m2, z, mn_correction=method == "miettinen_nurminen")


@dataclass(frozen=True)
class RiskDifference:
    """p_exp − p_ctl for one 2×2 table, with its interval and the direction stated."""

    x_exp: int
    n_exp: int
    x_ctl: int
    n_ctl: int
    p_exp: float
    p_ctl: float
    estimate: float
    lower: float
    upper: float
    method: RiskDifferenceMethod
    confidence: float
    direction: str = DIRECTION

    def to_dict(self) -> dict[str, float | int | str]:
        """A JSON-ready mapping."""
        return {
            "direction": self.direction,
            "x_exp": self.x_exp,
            "n_exp": self.n_exp,
            "x_ctl": self.x_ctl,
            "n_ctl": self.n_ctl,
            "p_exp": self.p_exp,
            "p_ctl": self.p_ctl,
            "estimate": self.estimate,
            "lower": self.lower,
            "upper": self.upper,
            "method": self.method,
            "confidence": self.confidence,
        }


def risk_difference(
    x_exp: int,
    n_exp: int,
    x_ctl: int,
    n_ctl: int,
    method: RiskDifferenceMethod = "newcombe",
    confidence: float = 0.95,
) -> RiskDifference:
    """p̂_exp − p̂_ctl with its two-sided interval by ``method`` (default Newcombe method 10)."""
    lower, upper = risk_difference_interval(x_exp, n_exp, x_ctl, n_ctl, method, confidence)
    p_exp = int(x_exp) / int(n_exp)
    p_ctl = int(x_ctl) / int(n_ctl)
    return RiskDifference(
        x_exp=int(x_exp),
        n_exp=int(n_exp),
        x_ctl=int(x_ctl),
        n_ctl=int(n_ctl),
        p_exp=p_exp,
        p_ctl=p_ctl,
        estimate=p_exp - p_ctl,
        lower=float(lower),
        upper=float(upper),
        method=method,
        confidence=float(confidence),
    )

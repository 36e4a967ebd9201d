"""Pointwise confidence bands and quantile read-off, as R's survival package computes them.

Both functions mirror R survival 3.5 (``survfit_confint`` and ``findq``), so that a curve and its
median agree with ``survfit`` to rounding; the transforms themselves are those of Kalbfleisch &
Prentice (2002), *The Statistical Analysis of Failure Time Data*, 2nd ed., Wiley, §4.3
(doi:10.1002/9781118032985) and Borgan & Liestøl, Scand J Stat 1990;17:35–41
(https://www.jstor.org/stable/4616153).
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

ConfType = Literal["log", "log-log", "plain"]
CONF_TYPES: Final = ("log", "log-log", "plain")

#: R's default tolerance in ``quantile.survfit``: ``sqrt(.Machine$double.eps)``.
R_TOLERANCE: Final = float(np.sqrt(np.finfo(np.float64).eps))

FloatArray = NDArray[np.float64]


def z_value(conf_level: float) -> float:
    """The two-sided standard normal quantile ``qnorm(1 - (1 - level) / 2)``."""
    return float(ndtri(1.0 - (1.0 - conf_level) / 2.0))


def band(
    estimate: FloatArray,
    std_err_log: FloatArray,
    conf_type: ConfType,
    conf_level: float,
) -> tuple[FloatArray, FloatArray]:
    """Lower and upper pointwise limits for a probability curve.

    ``std_err_log`` is the standard error of ``log(estimate)`` (for Kaplan–Meier, the square root
    of Greenwood's sum). Limits, with z the normal quantile and s that standard error:

    - ``log``: exp(log p ∓ z s), upper limit capped at 1; undefined (NaN) where p = 0.
    - ``log-log``: exp(−exp(log(−log p) ∓ z s / log p)); NaN where p is 0 or 1.
    - ``plain``: p ∓ z s p, clipped to [0, 1].

    These are R's ``survfit_confint`` (survival 3.5) with ``ulimit = TRUE``.
    """
    z = z_value(conf_level)
    p = estimate
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = std_err_log * p * z
            # 0 * inf (p = 0 with infinite s) is 0 in R's ifelse-free arithmetic only by luck;
            # R gives NaN there and then pmax(NaN, 0) is NaN, so keep NaN.
            lower = np.maximum(p - half, 0.0)
            upper = np.minimum(p + half, 1.0)
            lower = np.where(np.isnan(half), np.nan, lower)
            upper = np.where(np.isnan(half), np.nan, upper)
        elif conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            half = z * std_err_log
            lower = np.exp(np.log(xx) - half)
            upper = np.minimum(np.exp(np.log(xx) + half), 1.0)
            upper = np.where(np.isnan(xx), np.nan, upper)
        else:
            xx = np.where((p == 0) | (p == 1), np.nan, p)
            log_xx = np.log(xx)
            half = z * std_err_log / log_xx
            lower = np.exp(-np.exp(np.log(-log_xx) - half))
            upper = np.exp(-np.exp(np.log(-log_xx) + half))
    return lower.astype(np.float64), upper.astype(np.float64)


def _first_occurrences(y: FloatArray) -> NDArray[np.intp]:
    """Positions of the first occurrence of each value, NaN equal to NaN (R's ``duplicated``)."""
    nan = np.isnan(y)
    finite_at = np.flatnonzero(~nan)
    finite = y[finite_at]
    if np.all(finite[1:] >= finite[:-1]):
        # The usual case, a monotone curve: repeats are consecutive, no sort needed.
        firsts = finite_at[np.r_[True, finite[1:] != finite[:-1]]] if finite.size else finite_at
        nan_at = np.flatnonzero(nan)[:1]
        return np.insert(firsts, np.searchsorted(firsts, nan_at), nan_at).astype(np.intp)
    key = np.where(nan, np.inf, y)
    _, first = np.unique(key, return_index=True)
    return np.sort(first).astype(np.intp)


def find_quantile(
    x: FloatArray,
    y: FloatArray,
    probs: FloatArray,
    tol: float = R_TOLERANCE,
) -> FloatArray:
    """Times at which a non-decreasing step curve ``y`` (such as 1 − S) first reaches ``probs``.

    R's rule (survival 3.5 ``findq``, used by ``quantile.survfit`` and ``print.survfit``):
    after dropping repeated ``y`` values (keeping the first time of each flat stretch), take the
    first time ``y >= p``; when ``y`` equals ``p`` within ``tol`` over a flat stretch, return the
    midpoint between the start of that stretch and the next time. A flat at ``p`` that lasts to
    the end of follow-up is averaged with the last time. NaN where the curve never reaches ``p``.
    ``x[0]`` must be the curve's start (time 0) with ``y[0] = 0``.
    """
    out = np.full(probs.shape, np.nan)
    finite = ~np.isnan(y)
    if not np.any(finite) or np.max(y[finite]) < np.min(probs):
        return out
    xmax = x[-1]
    keep = _first_occurrences(y)
    xs, ys = x[keep], y[keep]
    last_y = ys[-1]
    # approx(..., na.rm = TRUE) drops NaN knots but keeps the original positions.
    knots = ~np.isnan(ys)
    xk, yk = xs[knots], ys[knots]

    def first_at_or_above(threshold: FloatArray) -> NDArray[np.intp]:
        # approx(y ± tol, 1:n, p, "constant", f = 1): smallest knot >= p, NA outside the knots.
        idx = np.searchsorted(yk, threshold, side="left")
        inside = (idx < yk.size) & (threshold >= yk[0])
        return np.where(inside, idx, -1).astype(np.intp)

    i1 = first_at_or_above(probs - tol)
    i2 = first_at_or_above(probs + tol)
    valid = (i1 >= 0) & (i2 >= 0)
    out[valid] = (xk[i1[valid]] + xk[i2[valid]]) / 2.0
    out[probs == 0] = xs[0]
    if not np.isnan(last_y):
        lastpt = np.abs(probs - last_y) < tol
        use = lastpt & (i1 >= 0)
        out[use] = (xk[i1[use]] + xmax) / 2.0
        out[lastpt & (i1 < 0)] = np.nan
    return out

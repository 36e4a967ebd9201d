"""Cumulative incidence with competing risks (Aalen–Johansen) and Gray's k-sample test.

Estimator: Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov
chains based on censored observations. Scand J Stat 1978;5:141–150
(https://www.jstor.org/stable/4615704): dF_k(t) = S(t−) d_k(t)/n(t), S the all-cause
Kaplan–Meier estimate. Tied times are processed together and an event at t = 0 counts (every
subject is at risk from just before time 0), as R does.

Variance: the infinitesimal jackknife, the one R ``survival`` 3.5 ``survfit`` reports for
multi-state curves (``survfitCI``, ``robust = TRUE`` is forced):
var F_k(t) = Σ_i (w_i ∂F_k(t)/∂w_i)²;
Efron B. The Jackknife, the Bootstrap and Other Resampling Plans, SIAM 1982, ch. 6
(doi:10.1137/1.9781611970319); Therneau T, Crowson C, Atkinson E, "Multi-state models and
competing risks", survival package vignette, §2. The per-subject derivatives are summed in closed
form over time (see docs/decisions/0010-survival-conventions.md), so the cost is O(n log n).

Test: Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing
risk. Ann Stat 1988;16:1141–1154 (doi:10.1214/aos/1176350951), computed as R ``cmprsk`` 2.2
``cuminc`` (Fortran ``crstm``), vectorised over event times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._confint import CONF_TYPES, ConfType, band
from radtrial.stats._input import FloatArray, IntArray

__all__ = ["CumulativeIncidence", "GrayTest", "LandmarkIncidence", "landmark_cumulative_incidence"]


def _causes(values: ArrayLike, n: int, location: str = "events") -> IntArray:
    codes = _input.numeric(values, location, 1)
    if codes.shape != (n,):
        raise InvalidInput(f"has length {codes.size} but there are {n} rows", location=location)
    if np.any(codes < 0) or np.any(codes != np.round(codes)):
        raise InvalidInput(
            "must be whole numbers: 0 for censored, 1, 2, ... for the causes", location=location
        )
    return codes.astype(np.intp)


class CumulativeIncidence:
    """Aalen–Johansen cumulative incidence of each cause, as R ``survfit`` multi-state.

    ``events`` codes 0 for censored and a positive whole number for each cause. Options:
    ``conf_type`` (``"log"``, R's default, ``"log-log"`` or ``"plain"``; applied to F_k itself,
    as R does) and ``conf_level``.

    After :meth:`fit`: ``timeline_`` (every distinct time), ``causes_``, ``n_at_risk_``,
    ``n_events_`` (times × causes), ``n_censored_``, ``cumulative_incidence_`` (times × causes),
    ``std_err_`` (infinitesimal-jackknife SE of F_k), ``ci_lower_``, ``ci_upper_``,
    ``event_free_`` (all-cause S) and ``event_free_std_err_`` (its jackknife SE).
    """

    def __init__(self, conf_type: ConfType = "log", conf_level: float = 0.95) -> None:
        self.conf_type = cast(ConfType, _input.choice(conf_type, CONF_TYPES, "conf_type"))
        self.conf_level = _input.probability(conf_level, "conf_level")

    def fit(
        self,
        durations: ArrayLike,
        events: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> CumulativeIncidence:
        """Estimate every cause's cumulative incidence and its standard error."""
        time = _input.durations(durations)
        cause = _causes(events, time.size)
        wt = _input.weights(weights, time.size)
        w = np.ones(time.size) if wt is None else wt
        found = np.unique(cause[cause > 0])
        if found.size == 0:
            raise InvalidInput("there are no events of any cause", location="events")
        k = found.size
        cause_index = np.searchsorted(found, cause)  # valid where cause > 0
        order = np.argsort(time, kind="stable")
        t_sorted = time[order]
        starts = np.flatnonzero(np.r_[True, t_sorted[1:] != t_sorted[:-1]])
        m = starts.size
        position = np.empty(time.size, dtype=np.intp)
        position[order] = np.repeat(np.arange(m), np.diff(np.r_[starts, time.size]))
        has_event = cause > 0
        exits = np.bincount(position, weights=w, minlength=m).astype(np.float64)
        flat = position[has_event] * k + cause_index[has_event]
        d_k = (
            np.bincount(flat, weights=w[has_event], minlength=m * k)
            .reshape(m, k)
            .astype(np.float64)
        )
        d = d_k.sum(axis=1)
        n = np.cumsum(exits[::-1])[::-1]
        beyond = np.r_[n[1:], 0.0]
        survivors = beyond + (exits - d)
        with np.errstate(divide="ignore", invalid="ignore"):
            h_k = d_k / n[:, None]
            h = d / n
            g = np.where(survivors > 0, 1.0 / survivors, 0.0)
        surv = np.cumprod(np.where(d > 0, survivors / n, 1.0), dtype=np.float64)
        surv_prev = np.r_[1.0, surv[:-1]]
        increment = surv_prev[:, None] * h_k
        cif = np.cumsum(increment, axis=0)
        # Closed-form jackknife sums (derivation in docs/decisions/0010).
        c_cum = np.cumsum(h * g)
        c_prev = np.r_[0.0, c_cum[:-1]]
        q = np.cumsum(increment * c_prev[:, None], axis=0) - np.cumsum(
            surv_prev[:, None] * h_k / n[:, None], axis=0
        )
        j = position
        kappa = c_cum[j] - np.where(has_event, g[j], 0.0)
        own = np.zeros((time.size, k))
        own[has_event, cause_index[has_event]] = (surv_prev[j] / n[j])[has_event]
        alpha = q[j] + own - kappa[:, None] * cif[j]
        w2 = w * w
        after = np.r_[np.cumsum(np.bincount(j, weights=w2, minlength=m)[::-1])[::-1][1:], 0.0]

        def by_time(values: FloatArray) -> FloatArray:
            return np.cumsum(
                np.stack(
                    [np.bincount(j, weights=values[:, c], minlength=m) for c in range(k)],
                    axis=1,
                ),
                axis=0,
            )

        p1 = by_time(w2[:, None] * alpha**2)
        p2 = by_time(w2[:, None] * alpha * kappa[:, None])
        p3 = np.cumsum(np.bincount(j, weights=w2 * kappa**2, minlength=m))
        var = after[:, None] * q**2 + p1 + 2.0 * cif * p2 + cif**2 * p3[:, None]
        var_s = surv**2 * (after * c_cum**2 + p3)
        std_err = np.sqrt(np.maximum(var, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            se_log = np.where(std_err == 0, 0.0, std_err / cif)
        self.timeline_: FloatArray = t_sorted[starts]
        self.causes_: tuple[int, ...] = tuple(int(c) for c in found)
        self.n_at_risk_: FloatArray = n
        self.n_events_: FloatArray = d_k
        self.n_censored_: FloatArray = exits - d
        self.cumulative_incidence_: FloatArray = cif
        self.std_err_: FloatArray = std_err
        self.ci_lower_, self.ci_upper_ = band(cif, se_log, self.conf_type, self.conf_level)
        self.event_free_: FloatArray = surv
        self.event_free_std_err_: FloatArray = np.sqrt(np.maximum(var_s, 0.0))
        return self

    def _column(self, cause: int) -> int:
        if not hasattr(self, "causes_"):
            raise InvalidInput("call fit() first", location="CumulativeIncidence")
        if cause not in self.causes_:
            raise InvalidInput(f"is not one of the causes {self.causes_}", location="cause")
        return self.causes_.index(cause)

    def cumulative_incidence_at(self, times: ArrayLike, cause: int) -> dict[str, FloatArray]:
        """F_k(t), its standard error and band at arbitrary times (right-continuous steps)."""
        col = self._column(cause)
        t = _input.durations(np.atleast_1d(np.asarray(times, dtype=np.float64)), "times")
        idx = np.searchsorted(self.timeline_, t, side="right") - 1
        before = idx < 0
        safe = np.maximum(idx, 0)
        value = np.where(before, 0.0, self.cumulative_incidence_[safe, col])
        se = np.where(before, 0.0, self.std_err_[safe, col])
        lower = np.where(before, np.nan, self.ci_lower_[safe, col])
        upper = np.where(before, np.nan, self.ci_upper_[safe, col])
        return {
            "time": t,
            "cumulative_incidence": value,
            "std_err": se,
            "ci_lower": lower,
            "ci_upper": upper,
        }

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per time and cause: counts, F_k, its SE and band."""
        if not hasattr(self, "causes_"):
            raise InvalidInput("call fit() first", location="CumulativeIncidence")
        rows: list[dict[str, Any]] = []
        for i, t in enumerate(self.timeline_.tolist()):
            for c, cause in enumerate(self.causes_):
                rows.append(
                    {
                        "time": t,
                        "cause": cause,
                        "n_at_risk": float(self.n_at_risk_[i]),
                        "n_events": float(self.n_events_[i, c]),
                        "cumulative_incidence": float(self.cumulative_incidence_[i, c]),
                        "std_err": float(self.std_err_[i, c]),
                        "ci_lower": float(self.ci_lower_[i, c]),
                        "ci_upper": float(self.ci_upper_[i, c]),
                    }
                )
        return rows


@dataclass(frozen=True, slots=True)
class LandmarkIncidence:
    """Aalen–Johansen F_k(t0) and its jackknife variance, one entry per simulated trial."""

    landmark: float
    cause: int
    incidence: FloatArray
    variance: FloatArray


def landmark_cumulative_incidence(
    durations: ArrayLike, events: ArrayLike, landmark: float, cause: int = 1
) -> LandmarkIncidence:
    """F_k(t0) of one cause and its variance for many trials at once (rows = trials).

    ``durations`` and ``events`` are 2-D, one row per simulated trial (all rows the same n);
    ``events`` codes 0 for censored and 1, 2, ... for the causes. The estimate and the
    variance are those of :class:`CumulativeIncidence` (R ``survfit``): Aalen–Johansen, with the
    infinitesimal-jackknife variance Σ_i U_i(t0)², U_i = ∂F_k(t0)/∂w_i, in the closed form of
    docs/decisions/0010. Each row is sorted by time, events before censorings at equal times,
    and processed one subject at a time. For tied times this is the same function of the case
    weights as processing the tie at once — (1 − w_a/N)(1 − w_b/(N − w_a)) = 1 − (w_a + w_b)/N,
    and likewise for the increments of F — so the estimate *and* its derivatives, hence the
    variance, equal the fitter's row by row.
    """
    time = _input.durations(durations, ndim=2)
    code = _input.numeric(events, "events", 2)
    if code.shape != time.shape:
        raise InvalidInput(
            f"has shape {code.shape} but the durations have shape {time.shape}",
            location="events",
        )
    if np.any(code < 0) or np.any(code != np.round(code)):
        raise InvalidInput(
            "must be whole numbers: 0 for censored, 1, 2, ... for the causes", location="events"
        )
    t0 = float(landmark)
    if not np.isfinite(t0) or t0 < 0:
        raise InvalidInput("must be a finite, non-negative time", location="landmark")
    if int(cause) != cause or cause < 1:
        raise InvalidInput("must be a positive whole number", location="cause")
    n = time.shape[1]
    event = code > 0
    order = np.lexsort((~event, time), axis=1)
    t = np.take_along_axis(time, order, axis=1)
    within = t <= t0
    d = np.take_along_axis(event, order, axis=1) & within
    d_k = (np.take_along_axis(code, order, axis=1) == cause) & within
    at_risk = (n - np.arange(n, dtype=np.float64))[np.newaxis, :]
    left = at_risk - d
    with np.errstate(divide="ignore"):
        g = np.where(left > 0, 1.0 / np.maximum(left, 1.0), 0.0)  # 1/(n − d), 0 when n = d
    surv = np.cumprod(np.where(d, left / at_risk, 1.0), axis=1)
    surv_prev = np.hstack([np.ones((time.shape[0], 1)), surv[:, :-1]])
    c_cum = np.cumsum(np.where(d, g / at_risk, 0.0), axis=1)
    c_prev = np.hstack([np.zeros((time.shape[0], 1)), c_cum[:, :-1]])
    own = np.where(d_k, surv_prev / at_risk, 0.0)  # S(t−) d_k/n: the increment of F_k
    cif = np.cumsum(own, axis=1)
    q = np.cumsum(own * c_prev - own / at_risk, axis=1)
    f_t0 = cif[:, -1:]
    q_t0 = q[:, -1:]
    kappa = c_cum - np.where(d, g, 0.0)
    alpha = q + own - kappa * cif
    u = np.where(within, alpha + kappa * f_t0, q_t0)
    return LandmarkIncidence(
        landmark=t0,
        cause=int(cause),
        incidence=f_t0[:, 0].copy(),
        variance=np.sum(u * u, axis=1),
    )


def _gray_stratum(
    time: FloatArray, code: IntArray, group: IntArray, ng: int, rho: float
) -> tuple[FloatArray, FloatArray]:
    """Gray's score (first ng−1 groups) and its variance for one stratum (cmprsk ``crst``).

    ``code`` is 0 censored, 1 the cause of interest, 2 any other cause.
    """
    order = np.argsort(time, kind="stable")
    t, m_, g_ = time[order], code[order], group[order]
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    idx = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, t.size]))
    nt = starts.size
    counts = np.bincount((idx * ng + g_) * 3 + m_, minlength=nt * ng * 3).reshape(nt, ng, 3)
    counts = counts.astype(np.float64)
    exits = counts.sum(axis=2)
    d1, d2 = counts[:, :, 1], counts[:, :, 2]
    rs = np.cumsum(exits[::-1], axis=0)[::-1]
    pos = rs > 0
    td = d1 + d2
    with np.errstate(divide="ignore", invalid="ignore"):
        skm = np.cumprod(np.where(pos, (rs - td) / rs, 1.0), axis=0)
        skmm = np.vstack([np.ones((1, ng)), skm[:-1]])
        f1 = np.cumsum(np.where(pos, skmm * d1 / rs, 0.0), axis=0)
        f1m = np.vstack([np.zeros((1, ng)), f1[:-1]])
        t1 = np.where(pos, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(pos, rs * (1.0 - f1m) / skmm, 0.0).sum(axis=1)
        nd1, nd2 = d1.sum(axis=1), d2.sum(axis=1)
        is_event = (nd1 + nd2) > 0
        f = np.cumsum(np.where(is_event, nd1 / tr, 0.0))
        fm = np.r_[0.0, f[:-1]]
        fb = (1.0 - fm) ** rho
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(ng)[None] - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c_inc = np.where(is_event, nd1 / (tr * (1.0 - fm)), 0.0)
        c = np.cumsum(np.nan_to_num(a) * c_inc[:, None, None], axis=0)
        score_terms = np.where(
            is_event[:, None] & pos,
            fb[:, None] * (d1 - nd1[:, None] * t1 * (1.0 - f1m) / tq[:, None]),
            0.0,
        )
        # Cause of interest at this time.
        mask1 = (nd1 > 0)[:, None] & pos
        t4 = np.where(skm > 0, 1.0 - (1.0 - f[:, None]) / skm, 1.0)
        t5 = np.where(
            nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * skmm - 1.0), 1.0
        )
        t3 = np.where(mask1, t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        # Other causes at this time.
        mask2 = (nd2 > 0)[:, None] & (skm > 0) & (d2 > 0)
        u4 = np.where(mask2, (1.0 - f[:, None]) / skm, 0.0)
        u5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        u3 = np.where(mask2, u5 * skmm**2 * d2 / rs**2, 0.0)
    t4 = np.where(mask1, t4, 0.0)
    v3 = (t4**2 * t3).sum(axis=0) + (u4**2 * u3).sum(axis=0)
    b = np.nan_to_num(a) - t4[:, None, :] * c  # b[t, i, k]
    v2 = np.einsum("tik,tk->ik", b, t4 * t3) - np.einsum("tik,tk->ik", c, u4 * u4 * u3)
    v = np.einsum("tik,tjk,tk->ij", b, b, t3) + np.einsum("tik,tjk,tk->ij", c, c, u4**2 * u3)
    cf = c[-1]
    v = v + np.einsum("ik,jk,k->ij", cf, cf, v3) + cf @ v2.T + v2 @ cf.T
    score = score_terms.sum(axis=0)
    return score[: ng - 1], v[: ng - 1, : ng - 1]


class GrayTest:
    """Gray's test that k groups share each cause's cumulative incidence (``cmprsk::cuminc``).

    Option ``rho``: the power of the weight (1 − F(t−))^rho (0, the default, as cmprsk).

    After :meth:`fit`: ``groups_``, ``causes_``, and per cause (arrays in ``causes_`` order)
    ``statistic_`` (chi-square), ``df_``, ``p_value_``, plus ``score_``/``variance_`` dicts.
    """

    def __init__(self, rho: float = 0.0) -> None:
        if not np.isfinite(rho):
            raise InvalidInput("must be a finite number", location="rho")
        self.rho = float(rho)

    def fit(
        self,
        durations: ArrayLike,
        events: ArrayLike,
        groups: ArrayLike,
        strata: ArrayLike | None = None,
    ) -> GrayTest:
        """Test each cause; ``events`` codes 0 for censored and 1, 2, ... for the causes."""
        time = _input.durations(durations)
        cause = _causes(events, time.size)
        group, labels = _input.labels(groups, time.size, "groups")
        ng = len(labels)
        if ng < 2:
            raise InvalidInput("needs at least two groups", location="groups")
        if strata is None:
            stratum = np.zeros(time.size, dtype=np.intp)
            n_strata = 1
        else:
            stratum, stratum_labels = _input.labels(strata, time.size, "strata")
            n_strata = len(stratum_labels)
        found = np.unique(cause[cause > 0])
        if found.size == 0:
            raise InvalidInput("there are no events of any cause", location="events")
        stats, pvals = [], []
        self.score_: dict[int, FloatArray] = {}
        self.variance_: dict[int, FloatArray] = {}
        for k in found.tolist():
            code = np.where(cause == 0, 0, np.where(cause == k, 1, 2)).astype(np.intp)
            score = np.zeros(ng - 1)
            variance = np.zeros((ng - 1, ng - 1))
            for s in range(n_strata):
                rows = stratum == s
                sc, va = _gray_stratum(time[rows], code[rows], group[rows], ng, self.rho)
                score += sc
                variance += va
            if np.linalg.matrix_rank(variance) == ng - 1:
                stat = float(score @ np.linalg.solve(variance, score))
            else:
                stat = float("nan")
            self.score_[int(k)] = score
            self.variance_[int(k)] = variance
            stats.append(stat)
            pvals.append(float(chi2.sf(stat, ng - 1)))
        self.groups_: tuple[Any, ...] = labels
        self.causes_: tuple[int, ...] = tuple(int(c) for c in found)
        self.statistic_: FloatArray = np.array(stats)
        self.df_: int = ng - 1
        self.p_value_: FloatArray = np.array(pvals)
        return self

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per cause: statistic, df and p, as ``cuminc(...)$Tests``."""
        if not hasattr(self, "statistic_"):
            raise InvalidInput("call fit() first", location="GrayTest")
        return [
            {
                "cause": cause,
                "statistic": float(self.statistic_[i]),
                "df": self.df_,
                "p_value": float(self.p_value_[i]),
            }
            for i, cause in enumerate(self.causes_)
        ]

"""Cox proportional-hazards regression with Efron (default) or Breslow ties.

Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187–220
(doi:10.1111/j.2517-6161.1972.tb00899.x). Ties: Efron B. The efficiency of Cox's likelihood
function for censored data. J Am Stat Assoc 1977;72:557–565 (doi:10.1080/01621459.1977.10480613);
Breslow N. Covariance analysis of censored survival data. Biometrics 1974;30:89–99
(doi:10.2307/2529620). Tests: Therneau TM, Grambsch PM. Modeling Survival Data, Springer 2000,
§3.4 (doi:10.1007/978-1-4757-3294-8).

Fitted as R ``survival`` 3.5 ``coxph`` (C routine ``coxfit6``) does by default: Newton–Raphson
from β = 0 with step halving, stopping when |1 − ℓ_old/ℓ_new| ≤ 1e-9 (at most 20 iterations),
model-based variance, Wald, score and likelihood-ratio tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr
from scipy.stats import chi2

from radtrial.errors import InvalidInput
from radtrial.stats import _input
from radtrial.stats._confint import z_value
from radtrial.stats._input import BoolArray, FloatArray

__all__ = ["CoxPH"]

Ties = Literal["efron", "breslow"]


class _Stratum:
    """One stratum's data sorted by time, with the index arrays the likelihood needs."""

    def __init__(
        self, time: FloatArray, event: BoolArray, x: FloatArray, w: FloatArray, ties: Ties
    ):
        order = np.argsort(time, kind="stable")
        self.time = time[order]
        self.event = event[order]
        self.x = x[order]
        self.w = w[order]
        t = self.time
        self.starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        ev = self.event.astype(np.float64)
        self.n_dead = np.add.reduceat(ev, self.starts)
        self.dead_weight = np.add.reduceat(ev * self.w, self.starts)
        has = self.n_dead > 0
        self.event_groups = np.flatnonzero(has)
        counts = self.n_dead[has].astype(np.intp)
        # One entry per death: its time group, and l/d (Efron's fraction of the tied risk removed).
        self.term_group = np.repeat(self.event_groups, counts)
        offsets = np.repeat(np.cumsum(counts) - counts, counts)
        rank = np.arange(counts.sum()) - offsets
        d = np.repeat(counts, counts).astype(np.float64)
        self.fraction = rank / d if ties == "efron" else np.zeros(rank.size)
        self.mean_weight = np.repeat(self.dead_weight[has] / counts, counts)

    def evaluate(self, beta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Log partial likelihood, score vector and information matrix at ``beta``."""
        x, w, ev = self.x, self.w, self.event
        eta = x @ beta
        r = w * np.exp(eta)
        p = x.shape[1]
        rx = r[:, None] * x
        rxx = rx[:, :, None] * x[:, None, :]
        # Risk-set sums at each distinct time: everyone with time >= t (suffix sums).
        s0 = np.cumsum(r[::-1])[::-1][self.starts]
        s1 = np.cumsum(rx[::-1], axis=0)[::-1][self.starts]
        s2 = np.cumsum(rxx[::-1], axis=0)[::-1][self.starts]
        evf = ev.astype(np.float64)
        d0 = np.add.reduceat(r * evf, self.starts)
        d1 = np.add.reduceat(rx * evf[:, None], self.starts)
        d2 = np.add.reduceat(rxx * evf[:, None, None], self.starts)
        g, f, wave = self.term_group, self.fraction, self.mean_weight
        denom = s0[g] - f * d0[g]
        a = (s1[g] - f[:, None] * d1[g]) / denom[:, None]
        loglik = float(np.sum(w * evf * eta) - np.sum(wave * np.log(denom)))
        score = (w * evf) @ x - wave @ a
        second = (s2[g] - f[:, None, None] * d2[g]) / denom[:, None, None]
        info = np.einsum("t,tij->ij", wave, second) - np.einsum("t,ti,tj->ij", wave, a, a)
        return loglik, score, info.reshape(p, p)


class CoxPH:
    """Cox proportional-hazards model, fitted as R's ``coxph(Surv(time, status) ~ x)``.

    Options: ``ties`` (``"efron"``, R's default, or ``"breslow"``), ``conf_level`` for the Wald
    intervals of the hazard ratios, ``tol`` and ``max_iter`` (R's ``coxph.control`` defaults).

    After :meth:`fit`: ``names_``, ``coef_``, ``hazard_ratio_``, ``std_err_``, ``variance_``,
    ``z_``, ``p_value_`` (two-sided Wald), ``ci_lower_``/``ci_upper_`` (hazard-ratio scale),
    ``loglik_null_``, ``loglik_``, ``lr_test_``/``wald_test_``/``score_test_`` (each a
    (chi-square, df, p) tuple), ``n_``, ``n_events_``, ``n_iter_``.
    """

    def __init__(
        self,
        ties: Ties = "efron",
        conf_level: float = 0.95,
        *,
        tol: float = 1e-9,
        max_iter: int = 20,
    ) -> None:
        self.ties = cast(Ties, _input.choice(ties, ("efron", "breslow"), "ties"))
        self.conf_level = _input.probability(conf_level, "conf_level")
        if not tol > 0:
            raise InvalidInput("must be positive", location="tol")
        if max_iter < 1:
            raise InvalidInput("must be at least 1", location="max_iter")
        self.tol = float(tol)
        self.max_iter = int(max_iter)

    def fit(
        self,
        durations: ArrayLike,
        events: ArrayLike,
        covariates: ArrayLike,
        names: Sequence[str] | None = None,
        strata: ArrayLike | None = None,
        weights: ArrayLike | None = None,
    ) -> CoxPH:
        """Fit the model; ``covariates`` is n × p (or a vector for one covariate)."""
        time = _input.durations(durations)
        event = _input.events(events, time.shape)
        raw = np.asarray(covariates, dtype=np.float64)
        x = raw[:, None] if raw.ndim == 1 else raw
        if x.ndim != 2 or x.shape[0] != time.size:
            raise InvalidInput(
                f"must have one row per duration ({time.size}), got shape {raw.shape}",
                location="covariates",
            )
        if not np.all(np.isfinite(x)):
            raise InvalidInput("must be finite (no NaN or infinity)", location="covariates")
        p = x.shape[1]
        labels = list(names) if names is not None else [f"x{i + 1}" for i in range(p)]
        if len(labels) != p:
            raise InvalidInput(f"needs {p} names, got {len(labels)}", location="names")
        w = _input.weights(weights, time.size)
        weight = np.ones(time.size) if w is None else w
        if not event.any():
            raise InvalidInput("there are no events", location="events")
        # Centring changes no estimate (the partial likelihood is shift-invariant) but keeps
        # exp(x·β) finite, as R does.
        means = (weight @ x) / weight.sum()
        xc = x - means
        if strata is None:
            parts = [_Stratum(time, event, xc, weight, self.ties)]
        else:
            codes, found = _input.labels(strata, time.size, "strata")
            parts = [
                _Stratum(
                    time[codes == s],
                    event[codes == s],
                    xc[codes == s],
                    weight[codes == s],
                    self.ties,
                )
                for s in range(len(found))
            ]

        def evaluate(beta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
            loglik, score, info = 0.0, np.zeros(p), np.zeros((p, p))
            for part in parts:
                ll, u, i = part.evaluate(beta)
                loglik, score, info = loglik + ll, score + u, info + i
            return loglik, score, info

        beta = np.zeros(p)
        loglik0, score0, info0 = evaluate(beta)
        try:
            score_step = np.linalg.solve(info0, score0)
        except np.linalg.LinAlgError as exc:
            raise InvalidInput(
                "the information matrix is singular (collinear or constant covariates)",
                location="covariates",
            ) from exc
        score_test = float(score0 @ score_step)
        best = loglik0
        new_beta = beta + score_step
        halving = False
        converged = False
        n_iter = 0
        info = info0
        for n_iter in range(1, self.max_iter + 1):
            new_loglik, score, info = evaluate(new_beta)
            if abs(1.0 - best / new_loglik) <= self.tol and not halving:
                beta, best, converged = new_beta, new_loglik, True
                break
            if n_iter == self.max_iter:
                break
            if new_loglik < best:
                halving = True
                new_beta = (new_beta + beta) / 2.0
            else:
                halving = False
                best = new_loglik
                beta = new_beta
                new_beta = beta + np.linalg.solve(info, score)
        if not converged:
            raise InvalidInput(
                f"Newton–Raphson did not converge in {self.max_iter} iterations "
                "(monotone likelihood: a covariate may separate events)",
                location="covariates",
            )
        variance = np.asarray(np.linalg.inv(info), dtype=np.float64)
        se = np.sqrt(np.diag(variance))
        z = beta / se
        zq = z_value(self.conf_level)
        lr = 2.0 * (best - loglik0)
        wald = float(beta @ np.linalg.solve(variance, beta))
        self.names_: list[str] = labels
        self.means_: FloatArray = means
        self.coef_: FloatArray = beta
        self.std_err_: FloatArray = se
        self.variance_: FloatArray = variance
        self.z_: FloatArray = z
        self.p_value_: FloatArray = 2.0 * ndtr(-np.abs(z))
        with np.errstate(over="ignore"):
            self.ci_lower_: FloatArray = np.exp(beta - zq * se)
            self.ci_upper_: FloatArray = np.exp(beta + zq * se)
            self.hazard_ratio_: FloatArray = np.exp(beta)
        self.loglik_null_: float = loglik0
        self.loglik_: float = best
        self.lr_test_: tuple[float, int, float] = (lr, p, float(chi2.sf(lr, p)))
        self.wald_test_: tuple[float, int, float] = (wald, p, float(chi2.sf(wald, p)))
        self.score_test_: tuple[float, int, float] = (score_test, p, float(chi2.sf(score_test, p)))
        self.n_: int = int(time.size)
        self.n_events_: int = int(event.sum())
        self.n_iter_: int = n_iter
        return self

    @property
    def summary(self) -> list[dict[str, Any]]:
        """One row per covariate: coef, HR, SE, z, p and the hazard ratio's Wald interval."""
        if not hasattr(self, "coef_"):
            raise InvalidInput("call fit() first", location="CoxPH")
        return [
            {
                "covariate": name,
                "coef": float(self.coef_[i]),
                "hazard_ratio": float(self.hazard_ratio_[i]),
                "std_err": float(self.std_err_[i]),
                "z": float(self.z_[i]),
                "p_value": float(self.p_value_[i]),
                "ci_lower": float(self.ci_lower_[i]),
                "ci_upper": float(self.ci_upper_[i]),
            }
            for i, name in enumerate(self.names_)
        ]

"""Kaplan–Meier, log-rank, Cox and the one-sample tests against R survival 3.5, to 1e-6.

One R script computes every reference value from CSV copies of the data (R's ``lung``, and
lifelines' ``waltons``, ``rossi`` and ``gbsg2``, plus two small edge cases: an exact flat at
S = 0.5, and events at t = 0 with event/censoring ties and S falling to 0).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lifelines.datasets import load_gbsg2, load_lung, load_rossi, load_waltons

from radtrial.stats import (
    CoxPH,
    KaplanMeier,
    LandmarkTest,
    LogRankTest,
    OneSampleLogRank,
    exponential_cumulative_hazard,
    median_follow_up,
)
from tests.validation.conftest import RunR

RTOL = 1e-6
ATOL = 1e-9

#: R side: jsonlite writes NA and Inf alike as null, so ±Inf travels as ±1e300.
R_HELPERS = """
fx <- function(x) { x <- as.numeric(x); x[x == Inf] <- 1e300; x[x == -Inf] <- -1e300; x }
"""


def from_r(value: Any) -> np.ndarray:
    """R's JSON (number, list, nested list) as floats: null → NaN, ±1e300 → ±inf."""
    if isinstance(value, list):
        rows = [from_r(v) if isinstance(v, list) else (np.nan if v is None else v) for v in value]
        array = np.array(rows, dtype=np.float64)
    else:
        array = np.array(np.nan if value is None else value, dtype=np.float64)
    array[array >= 1e300] = np.inf
    array[array <= -1e300] = -np.inf
    return array


def close(ours: Any, r_value: Any, what: str = "") -> None:
    """Ours equals R's within 1e-6 relative (1e-9 absolute near 0); NaN and inf must coincide."""
    theirs = from_r(r_value)
    mine = np.asarray(ours, dtype=np.float64).reshape(theirs.shape)
    np.testing.assert_allclose(mine, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


def r_string(path: Path) -> str:
    """A file path as an R string literal."""
    return json.dumps(path.as_posix())


def write_csv(path: Path, columns: Mapping[str, Sequence[Any] | np.ndarray]) -> Path:
    """Columns to CSV, floats written with repr (round-trips exactly through R's read.csv)."""
    names = list(columns)
    arrays = [np.asarray(columns[name]).tolist() for name in names]
    lines = [",".join(names)]
    for row in zip(*arrays, strict=True):
        lines.append(",".join(repr(c) if isinstance(c, float) else str(c) for c in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _datasets() -> dict[str, dict[str, np.ndarray]]:
    lung = load_lung()
    waltons = load_waltons()
    rossi = load_rossi()
    gbsg2 = load_gbsg2()
    rows = np.arange(len(lung))
    return {
        "lung": {
            "time": lung["time"].to_numpy(float),
            "status": lung["status"].to_numpy(int),
            "sex": lung["sex"].to_numpy(int),
            "age": lung["age"].to_numpy(float),
            "w": (1 + rows % 3).astype(float),
        },
        "waltons": {
            "time": waltons["T"].to_numpy(float),
            "status": waltons["E"].to_numpy(int),
            "group": np.where(waltons["group"].to_numpy() == "control", "control", "miR137"),
        },
        "rossi": {
            "time": rossi["week"].to_numpy(float),
            "status": rossi["arrest"].to_numpy(int),
            **{c: rossi[c].to_numpy(float) for c in ("fin", "age", "race", "wexp", "mar")},
            **{c: rossi[c].to_numpy(float) for c in ("paro", "prio")},
        },
        "gbsg2": {
            "time": gbsg2["time"].to_numpy(float),
            "status": gbsg2["cens"].to_numpy(int),
            "tgrade": gbsg2["tgrade"].astype(str).to_numpy(),
            "menostat": gbsg2["menostat"].astype(str).to_numpy(),
            "horTh": (gbsg2["horTh"].astype(str).to_numpy() == "yes").astype(float),
            "age": gbsg2["age"].to_numpy(float),
            "tsize": gbsg2["tsize"].to_numpy(float),
            "pnodes": gbsg2["pnodes"].to_numpy(float),
            "w": gbsg2["age"].to_numpy(float) / 50.0,
        },
        # Five deaths among ten: S is exactly 0.5 from t = 5 until the next death at 8.
        "flat": {
            "time": np.array([1, 2, 3, 4, 5, 6, 8, 9, 9, 10], dtype=float),
            "status": np.array([1, 1, 1, 1, 1, 0, 1, 1, 1, 1]),
        },
        # Events at t = 0, an event tied with a censoring, and the last subject dies: S = 0.
        "zeros": {
            "time": np.array([0, 0, 1, 1, 1, 2, 3, 3, 4, 5], dtype=float),
            "status": np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 1]),
        },
    }


DATA = _datasets()
KM_SETS = ("lung", "waltons", "rossi", "gbsg2", "flat", "zeros")
CONF_TYPES = ("log", "log-log", "plain")
GRID: dict[str, list[float]] = {
    "lung": [0, 5, 100, 310, 365.25, 1022, 2000],
    "gbsg2": [0, 72, 365, 1825, 3000],
}
LANDMARKS = {"lung": (365.25, 0.3), "gbsg2": (1825.0, 0.55), "waltons": (50.0, 0.6)}
COX_MODELS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "lung_sex": ("lung", ("sex",), None),
    "lung_sex_age": ("lung", ("sex", "age"), None),
    "rossi": ("rossi", ("fin", "age", "race", "wexp", "mar", "paro", "prio"), None),
    "gbsg2_strata": ("gbsg2", ("horTh", "age", "tsize", "pnodes"), "menostat"),
}
LOGRANK: dict[str, tuple[str, str, str | None, float]] = {
    "lung_sex": ("lung", "sex", None, 0.0),
    "waltons_rho1": ("waltons", "group", None, 1.0),
    "gbsg2_tgrade": ("gbsg2", "tgrade", None, 0.0),
    "gbsg2_tgrade_by_menostat": ("gbsg2", "tgrade", "menostat", 0.0),
    "rossi_fin_by_race": ("rossi", "fin", "race", 0.0),
}


def _r_script(folder: Path) -> str:
    paths = {name: write_csv(folder / f"{name}.csv", cols) for name, cols in DATA.items()}
    load = "\n".join(f"D[[{json.dumps(n)}]] <- read.csv({r_string(p)})" for n, p in paths.items())
    cox_lines = []
    for key, (data, covs, strata) in COX_MODELS.items():
        rhs = " + ".join(covs) + (f" + strata({strata})" if strata else "")
        for ties in ("efron", "breslow"):
            cox_lines.append(
                f"out$cox[['{key}_{ties}']] <- coxinfo(coxph(Surv(time, status) ~ {rhs}, "
                f"data = D[['{data}']], ties = '{ties}'))"
            )
    lr_lines = []
    for key, (data, group, strata, rho) in LOGRANK.items():
        rhs = group + (f" + strata({strata})" if strata else "")
        lr_lines.append(
            f"out$logrank[['{key}']] <- lrinfo(survdiff(Surv(time, status) ~ {rhs}, "
            f"data = D[['{data}']], rho = {rho}))"
        )
    return f"""
suppressPackageStartupMessages(library(survival))
{R_HELPERS}
D <- list()
{load}
out <- list(km = list(), quant = list(), grid = list(), cox = list(), logrank = list(),
            landmark = list(), onesample = list(), weighted = list(), reverse = list())
curve <- function(f) list(time = f$time, n.risk = f$n.risk, n.event = f$n.event,
  n.censor = f$n.censor, surv = f$surv, std.err = fx(f$std.err), lower = f$lower,
  upper = f$upper)
for (name in c({", ".join(json.dumps(k) for k in KM_SETS)})) {{
  for (ct in c("log", "log-log", "plain")) {{
    f <- survfit(Surv(time, status) ~ 1, data = D[[name]], conf.type = ct)
    key <- paste(name, ct)
    out$km[[key]] <- curve(f)
    q <- quantile(f, c(0.25, 0.5, 0.75))
    out$quant[[key]] <- list(q = q$quantile, lower = q$lower, upper = q$upper)
    r <- survfit(Surv(time, 1 - status) ~ 1, data = D[[name]], conf.type = ct)
    qr <- quantile(r, 0.5)
    out$reverse[[key]] <- c(qr$quantile, qr$lower, qr$upper)
  }}
}}
grids <- list(lung = c({", ".join(map(str, GRID["lung"]))}),
              gbsg2 = c({", ".join(map(str, GRID["gbsg2"]))}))
for (name in names(grids)) for (ct in c("log", "log-log", "plain")) {{
  f <- survfit(Surv(time, status) ~ 1, data = D[[name]], conf.type = ct)
  s <- summary(f, times = grids[[name]], extend = TRUE)
  out$grid[[paste(name, ct)]] <- list(surv = s$surv, selog = s$std.err / s$surv,
    lower = s$lower, upper = s$upper, n.risk = s$n.risk)
}}
fw <- survfit(Surv(time, status) ~ 1, data = D$lung, weights = w)
out$weighted$lung <- curve(fw)
fw <- survfit(Surv(time, status) ~ 1, data = D$gbsg2, weights = w, robust = FALSE,
              conf.type = "log-log")
out$weighted$gbsg2 <- curve(fw)
coxinfo <- function(f) {{
  s <- summary(f)
  list(coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))), loglik = f$loglik,
       score = f$score, wald = f$wald.test, lrt = unname(s$logtest),
       lower = unname(s$conf.int[, 3]), upper = unname(s$conf.int[, 4]),
       p = unname(s$coefficients[, 5]))
}}
{chr(10).join(cox_lines)}
lrinfo <- function(s) {{
  o <- if (is.matrix(s$obs)) rowSums(s$obs) else s$obs
  e <- if (is.matrix(s$exp)) rowSums(s$exp) else s$exp
  df <- sum(e > 0) - 1
  list(chisq = s$chisq, obs = o, exp = e, var = s$var,
       p = pchisq(s$chisq, df, lower.tail = FALSE))
}}
{chr(10).join(lr_lines)}
landmarks <- list({", ".join(f"{k} = c({t}, {s})" for k, (t, s) in LANDMARKS.items())})
for (name in names(landmarks)) {{
  t0 <- landmarks[[name]][1]; s0 <- landmarks[[name]][2]
  f <- survfit(Surv(time, status) ~ 1, data = D[[name]])
  s <- summary(f, times = t0)
  S <- s$surv; sig <- s$std.err / S
  z <- c(plain = (S - s0) / (S * sig), log = (log(S) - log(s0)) / sig,
         loglog = (log(-log(s0)) - log(-log(S))) * (-log(S)) / sig)
  out$landmark[[name]] <- list(z = unname(z), p = unname(pnorm(z, lower.tail = FALSE)))
  d <- D[[name]]
  d$expected <- exp(log(s0) / t0 * d$time)  # survdiff wants the null survival probability
  o <- survdiff(Surv(time, status) ~ offset(expected), data = d)
  out$onesample[[name]] <- list(obs = o$obs, exp = o$exp, chisq = o$chisq,
                                p = pchisq(o$chisq, 1, lower.tail = FALSE))
}}
lung <- survival::lung
out$lung_data <- list(time = lung$time, status = lung$status - 1, sex = lung$sex)
emit(out)
"""


@pytest.fixture(scope="module")
def reference(run_r: RunR, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("survival_r")
    result: dict[str, Any] = run_r(_r_script(folder))
    return result


def test_lifelines_lung_is_r_lung(reference: dict[str, Any]) -> None:
    lung = DATA["lung"]
    close(lung["time"], reference["lung_data"]["time"])
    close(lung["status"], reference["lung_data"]["status"])
    close(lung["sex"], reference["lung_data"]["sex"])


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", KM_SETS)
def test_kaplan_meier_curve_and_band_match_survfit(
    reference: dict[str, Any], name: str, conf_type: str
) -> None:
    data = DATA[name]
    km = KaplanMeier(conf_type).fit(data["time"], data["status"])  # type: ignore[arg-type]
    r = reference["km"][f"{name} {conf_type}"]
    close(km.timeline_, r["time"], "time")
    close(km.n_at_risk_, r["n.risk"], "n.risk")
    close(km.n_events_, r["n.event"], "n.event")
    close(km.n_censored_, r["n.censor"], "n.censor")
    close(km.survival_, r["surv"], "surv")
    close(km.std_err_, r["std.err"], "std.err")
    close(km.ci_lower_, r["lower"], "lower")
    close(km.ci_upper_, r["upper"], "upper")


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", KM_SETS)
def test_quantiles_follow_r_rule(reference: dict[str, Any], name: str, conf_type: str) -> None:
    data = DATA[name]
    km = KaplanMeier(conf_type).fit(data["time"], data["status"])  # type: ignore[arg-type]
    r = reference["quant"][f"{name} {conf_type}"]
    found = [km.quantile(p) for p in (0.25, 0.5, 0.75)]
    close([q.time for q in found], r["q"], "quantile")
    close([q.lower for q in found], r["lower"], "lower")
    close([q.upper for q in found], r["upper"], "upper")
    close(
        [km.median_.time, km.median_.lower, km.median_.upper],
        [found[1].time, found[1].lower, found[1].upper],
    )


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", KM_SETS)
def test_median_follow_up_is_reverse_km_median(
    reference: dict[str, Any], name: str, conf_type: str
) -> None:
    data = DATA[name]
    fu = median_follow_up(data["time"], data["status"], conf_type=conf_type)  # type: ignore[arg-type]
    close([fu.time, fu.lower, fu.upper], reference["reverse"][f"{name} {conf_type}"])


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", sorted(GRID))
def test_survival_at_times_and_risk_table_match_summary(
    reference: dict[str, Any], name: str, conf_type: str
) -> None:
    data = DATA[name]
    km = KaplanMeier(conf_type).fit(data["time"], data["status"])  # type: ignore[arg-type]
    at = km.survival_at(GRID[name])
    r = reference["grid"][f"{name} {conf_type}"]
    close(at["survival"], r["surv"], "surv")
    close(at["std_err"], r["selog"], "std.err")
    close(at["ci_lower"], r["lower"], "lower")
    close(at["ci_upper"], r["upper"], "upper")
    close([row["n_at_risk"] for row in km.number_at_risk(GRID[name])], r["n.risk"])


def test_weighted_kaplan_meier_uses_greenwood_on_weighted_counts(
    reference: dict[str, Any],
) -> None:
    lung, gbsg2 = DATA["lung"], DATA["gbsg2"]
    km = KaplanMeier().fit(lung["time"], lung["status"], weights=lung["w"])
    r = reference["weighted"]["lung"]
    for ours, key in [
        (km.n_at_risk_, "n.risk"),
        (km.n_events_, "n.event"),
        (km.survival_, "surv"),
        (km.std_err_, "std.err"),
        (km.ci_lower_, "lower"),
        (km.ci_upper_, "upper"),
    ]:
        close(ours, r[key], key)
    km = KaplanMeier("log-log").fit(gbsg2["time"], gbsg2["status"], weights=gbsg2["w"])
    r = reference["weighted"]["gbsg2"]
    for ours, key in [
        (km.n_at_risk_, "n.risk"),
        (km.survival_, "surv"),
        (km.std_err_, "std.err"),
        (km.ci_lower_, "lower"),
        (km.ci_upper_, "upper"),
    ]:
        close(ours, r[key], key)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("model", sorted(COX_MODELS))
def test_cox_matches_coxph(reference: dict[str, Any], model: str, ties: str) -> None:
    data_name, covariates, strata = COX_MODELS[model]
    data = DATA[data_name]
    x = np.column_stack([data[c] for c in covariates])
    fit = CoxPH(ties=ties).fit(  # type: ignore[arg-type]
        data["time"],
        data["status"],
        x,
        names=list(covariates),
        strata=None if strata is None else data[strata],
    )
    r = reference["cox"][f"{model}_{ties}"]
    close(fit.coef_, r["coef"], "coef")
    close(fit.std_err_, r["se"], "se")
    close([fit.loglik_null_, fit.loglik_], r["loglik"], "loglik")
    close(fit.score_test_[0], r["score"], "score test")
    close(fit.wald_test_[0], r["wald"], "Wald test")
    close(fit.lr_test_, r["lrt"], "likelihood-ratio test")
    close(fit.ci_lower_, r["lower"], "HR lower")
    close(fit.ci_upper_, r["upper"], "HR upper")
    close(fit.p_value_, r["p"], "Wald p")


@pytest.mark.parametrize("case", sorted(LOGRANK))
def test_logrank_matches_survdiff(reference: dict[str, Any], case: str) -> None:
    data_name, group, strata, rho = LOGRANK[case]
    data = DATA[data_name]
    test = LogRankTest(rho=rho).fit(
        data["time"],
        data["status"],
        data[group],
        strata=None if strata is None else data[strata],
    )
    r = reference["logrank"][case]
    close(test.chi_square_, r["chisq"], "chisq")
    close(test.observed_, r["obs"], "observed")
    close(test.expected_, r["exp"], "expected")
    close(test.variance_, r["var"], "variance")
    close(test.p_value_, r["p"], "p")


@pytest.mark.parametrize("name", sorted(LANDMARKS))
def test_landmark_tests_use_survfit_estimate_and_greenwood(
    reference: dict[str, Any], name: str
) -> None:
    data = DATA[name]
    t0, s0 = LANDMARKS[name]
    r = reference["landmark"][name]
    for i, transform in enumerate(("plain", "log", "log-log")):
        test = LandmarkTest(t0, s0, transform=transform).fit(  # type: ignore[arg-type]
            data["time"], data["status"]
        )
        close(test.statistic_, r["z"][i], f"{transform} z")
        close(test.p_value_, r["p"][i], f"{transform} p")


@pytest.mark.parametrize("name", sorted(LANDMARKS))
def test_one_sample_logrank_matches_survdiff_with_offset(
    reference: dict[str, Any], name: str
) -> None:
    data = DATA[name]
    t0, s0 = LANDMARKS[name]
    test = OneSampleLogRank(exponential_cumulative_hazard(t0, s0), alternative="two-sided").fit(
        data["time"], data["status"]
    )
    r = reference["onesample"][name]
    close(test.observed_, r["obs"], "observed")
    close(test.expected_, r["exp"], "expected")
    close(test.chi_square_, r["chisq"], "chisq")
    close(test.p_value_, r["p"], "p")

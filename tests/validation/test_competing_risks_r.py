"""Aalen–Johansen cumulative incidence against R survfit, and Gray's test against cmprsk::cuminc.

Two kinds of data:

- **Datasets shipped with a PyPI package**, scikit-survival (a test-only dependency):
  ``sksurv.datasets.load_bmt`` — 35 leukaemia patients after stem-cell transplantation
  (Scrucca L, Santucci A, Aversa F. Bone Marrow Transplant 2007;40:381–387,
  doi:10.1038/sj.bmt.1705727), follow-up ``ftime`` in whole months, ``status`` 0 censored
  (11), 1 transplant-related mortality (9), 2 relapse (15) as scikit-survival documents it, and
  ``dis`` 0 ALL (17) / 1 AML (18); it has events of *both* causes at t = 0 and many ties, the
  cases lifelines gets wrong. ``sksurv.datasets.load_cgvhd`` — 100 patients of a randomised
  transplant trial, ``ftime`` in years (75 distinct times), ``status`` 0 censored (4), 1 chronic
  GVHD (86), 2 relapse (5), 3 death (5), with diagnosis ``dx`` (AML/CML), randomised
  treatment ``tx`` (BM/PB) and ``extent`` (L/E) for groups and strata.
- Seeded synthetic sets built to hit the same weak spots harder: many tied times, events of
  both causes at t = 0, events tied with censorings, weights, three groups and two strata.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sksurv.datasets import load_bmt, load_cgvhd

from radtrial.stats import CumulativeIncidence, GrayTest
from tests.validation.conftest import RunR
from tests.validation.test_survival_r import R_HELPERS, close, r_string, write_csv


def _synthetic(seed: int, n: int, rounding: float) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.choice(np.array(["A", "B", "C"]), size=n)
    shift = {"A": 1.0, "B": 1.3, "C": 0.8}
    scale = np.array([shift[g] for g in group])
    event_time = rng.exponential(12.0 * scale)
    censor_time = rng.uniform(0, 40, size=n)
    cause = rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15], size=n)
    time = np.minimum(event_time, censor_time)
    status = np.where(event_time <= censor_time, cause, 0)
    time = np.floor(time / rounding) * rounding  # ties, and t = 0 for the earliest
    return {
        "time": time,
        "status": status,
        "group": group,
        "stratum": rng.choice(np.array(["s1", "s2"]), size=n),
        "w": np.round(rng.uniform(0.5, 2.0, size=n), 3),
    }


DATA = {
    "coarse": _synthetic(20260101, 300, 2.0),
    "fine": _synthetic(7, 500, 0.25),
    "tiny": {
        "time": np.array([0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 4, 5], dtype=float),
        "status": np.array([1, 2, 0, 1, 0, 2, 1, 0, 1, 2, 0, 1]),
        "group": np.array(list("ABABABABABAB")),
        "stratum": np.array(["s1"] * 12),
        "w": np.ones(12),
    },
}


def _packaged() -> dict[str, dict[str, np.ndarray]]:
    bmt_x, bmt_y = load_bmt()
    cg_x, cg_y = load_cgvhd()
    return {
        "bmt": {
            "time": bmt_y["ftime"].astype(float),
            "status": bmt_y["status"].astype(int),
            "group": np.where(bmt_x["dis"].astype(int).to_numpy() == 0, "ALL", "AML"),
        },
        "cgvhd": {
            "time": cg_y["ftime"].astype(float),
            "status": cg_y["status"].astype(int),
            "group": cg_x["tx"].astype(str).to_numpy(),
            "dx": cg_x["dx"].astype(str).to_numpy(),
            "stratum": cg_x["extent"].astype(str).to_numpy(),
        },
    }


PACKAGED = _packaged()
PACKAGED_TIMES = {"bmt": [0, 1, 4, 10, 36, 80], "cgvhd": [0, 0.25, 0.4, 0.5, 1, 3]}
# (dataset, group column, strata column or None, rho)
PACKAGED_GRAY: dict[str, tuple[str, str, str | None, float]] = {
    "bmt_by_disease": ("bmt", "group", None, 0.0),
    "bmt_by_disease_rho1": ("bmt", "group", None, 1.0),
    "cgvhd_by_treatment": ("cgvhd", "group", None, 0.0),
    "cgvhd_by_treatment_within_extent": ("cgvhd", "group", "stratum", 0.0),
    "cgvhd_by_diagnosis_rho_half": ("cgvhd", "dx", None, 0.5),
}
CONF_TYPES = ("log", "log-log", "plain")
GRAY_CASES: dict[str, tuple[str, bool, float, tuple[str, ...]]] = {
    "coarse_3groups": ("coarse", False, 0.0, ("A", "B", "C")),
    "coarse_stratified": ("coarse", True, 0.0, ("A", "B", "C")),
    "coarse_rho1": ("coarse", False, 1.0, ("A", "B", "C")),
    "fine_2groups": ("fine", False, 0.0, ("A", "B")),
    "fine_stratified": ("fine", True, 0.0, ("A", "B", "C")),
    "tiny": ("tiny", False, 0.0, ("A", "B")),
}


def _script(folder: Path) -> str:
    paths = {name: write_csv(folder / f"{name}.csv", cols) for name, cols in DATA.items()}
    load = "\n".join(f"D[[{json.dumps(n)}]] <- read.csv({r_string(p)})" for n, p in paths.items())
    shipped = {name: write_csv(folder / f"pkg_{name}.csv", cols) for name, cols in PACKAGED.items()}
    load_shipped = "\n".join(
        f"P[[{json.dumps(n)}]] <- read.csv({r_string(p)})" for n, p in shipped.items()
    )
    packaged = [f"P <- list()\n{load_shipped}"]
    for name, times in PACKAGED_TIMES.items():
        packaged.append(
            f"for (ct in c('log', 'log-log', 'plain')) {{\n"
            f"  f <- survfit(Surv(time, factor(status)) ~ 1, data = P${name}, conf.type = ct)\n"
            f"  out$pkg_aj[[paste('{name}', ct)]] <- curve(f)\n}}\n"
            f"s <- summary(survfit(Surv(time, factor(status)) ~ 1, data = P${name}),"
            f" times = c({', '.join(map(str, times))}), extend = TRUE)\n"
            f"out$pkg_at[['{name}']] <- list(pstate = s$pstate, std.err = s$std.err)"
        )
    for key, (name, column, strata_column, rho) in PACKAGED_GRAY.items():
        strata = f", strata = P${name}${strata_column}" if strata_column else ""
        packaged.append(
            f"g <- cuminc(P${name}$time, P${name}$status, P${name}${column}, rho = {rho}"
            f"{strata})$Tests\n"
            f"out$pkg_gray[['{key}']] <- list(stat = unname(g[, 1]), p = unname(g[, 2]),"
            f" cause = as.numeric(rownames(g)))"
        )
    gray = []
    for key, (data, stratified, rho, groups) in GRAY_CASES.items():
        subset = (
            f"D[['{data}']][D[['{data}']]$group %in% c({', '.join(map(json.dumps, groups))}), ]"
        )
        strata = ", strata = d$stratum" if stratified else ""
        gray.append(
            f"d <- {subset}\n"
            f"g <- cuminc(d$time, d$status, d$group, rho = {rho}{strata})$Tests\n"
            f"out$gray[['{key}']] <- list(stat = unname(g[, 1]), p = unname(g[, 2]),"
            f" cause = as.numeric(rownames(g)))"
        )
    return f"""
suppressPackageStartupMessages({{library(survival); library(cmprsk)}})
{R_HELPERS}
D <- list()
{load}
out <- list(aj = list(), weighted = list(), gray = list(), at = list(),
  pkg_aj = list(), pkg_at = list(), pkg_gray = list())
curve <- function(f) list(time = f$time, n.risk = f$n.risk[, 1], pstate = f$pstate,
  std.err = f$std.err, lower = f$lower, upper = f$upper)
{chr(10).join(packaged)}
for (name in names(D)) for (ct in c("log", "log-log", "plain")) {{
  f <- survfit(Surv(time, factor(status)) ~ 1, data = D[[name]], conf.type = ct)
  out$aj[[paste(name, ct)]] <- curve(f)
}}
for (name in names(D)) {{
  f <- survfit(Surv(time, factor(status)) ~ 1, data = D[[name]], weights = w)
  out$weighted[[name]] <- curve(f)
}}
f <- survfit(Surv(time, factor(status)) ~ 1, data = D$coarse)
s <- summary(f, times = c(0, 1, 7, 20, 39), extend = TRUE)
out$at <- list(pstate = s$pstate, std.err = s$std.err)
{chr(10).join(gray)}
emit(out)
"""


@pytest.fixture(scope="module")
def reference(run_r: RunR, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result: dict[str, Any] = run_r(_script(tmp_path_factory.mktemp("competing_r")))
    return result


def test_synthetic_data_have_ties_and_events_at_time_zero() -> None:
    for name in ("coarse", "tiny"):
        data = DATA[name]
        at_zero = data["status"][data["time"] == 0]
        assert {1, 2} <= set(at_zero.tolist()), name
        assert np.unique(data["time"]).size <= data["time"].size / 2


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", sorted(DATA))
def test_aalen_johansen_matches_survfit_multistate(
    reference: dict[str, Any], name: str, conf_type: str
) -> None:
    data = DATA[name]
    fit = CumulativeIncidence(conf_type).fit(data["time"], data["status"])  # type: ignore[arg-type]
    r = reference["aj"][f"{name} {conf_type}"]
    close(fit.timeline_, r["time"], "time")
    close(fit.n_at_risk_, r["n.risk"], "n.risk")
    pstate = np.column_stack([fit.event_free_, fit.cumulative_incidence_])
    close(pstate, r["pstate"], "pstate")
    se = np.column_stack([fit.event_free_std_err_, fit.std_err_])
    close(se, r["std.err"], "std.err")
    close(fit.ci_lower_, np.asarray(r["lower"], dtype=object)[:, 1:].tolist(), "lower")
    close(fit.ci_upper_, np.asarray(r["upper"], dtype=object)[:, 1:].tolist(), "upper")


@pytest.mark.parametrize("name", sorted(DATA))
def test_weighted_aalen_johansen_matches_survfit(reference: dict[str, Any], name: str) -> None:
    data = DATA[name]
    fit = CumulativeIncidence().fit(data["time"], data["status"], weights=data["w"])
    r = reference["weighted"][name]
    close(np.column_stack([fit.event_free_, fit.cumulative_incidence_]), r["pstate"])
    close(np.column_stack([fit.event_free_std_err_, fit.std_err_]), r["std.err"])


def from_rows(value: Any) -> np.ndarray:
    return np.array(value, dtype=np.float64)


def test_incidence_at_times_matches_summary(reference: dict[str, Any]) -> None:
    data = DATA["coarse"]
    fit = CumulativeIncidence().fit(data["time"], data["status"])
    times = [0, 1, 7, 20, 39]
    pstate = from_rows(reference["at"]["pstate"])
    std_err = from_rows(reference["at"]["std.err"])
    for column, cause in enumerate(fit.causes_, start=1):
        at = fit.cumulative_incidence_at(times, cause)
        close(at["cumulative_incidence"], pstate[:, column].tolist())
        close(at["std_err"], std_err[:, column].tolist())


@pytest.mark.parametrize("case", sorted(GRAY_CASES))
def test_gray_test_matches_cuminc(reference: dict[str, Any], case: str) -> None:
    data_name, stratified, rho, groups = GRAY_CASES[case]
    data = DATA[data_name]
    keep = np.isin(data["group"], groups)
    test = GrayTest(rho=rho).fit(
        data["time"][keep],
        data["status"][keep],
        data["group"][keep],
        strata=data["stratum"][keep] if stratified else None,
    )
    r = reference["gray"][case]
    close(test.causes_, r["cause"], "causes")
    close(test.statistic_, r["stat"], "statistic")
    close(test.p_value_, r["p"], "p")


def test_the_packaged_data_are_what_the_docstring_says() -> None:
    bmt, cgvhd = PACKAGED["bmt"], PACKAGED["cgvhd"]
    assert bmt["time"].size == 35
    assert np.bincount(bmt["status"]).tolist() == [11, 9, 15]
    assert sorted(bmt["status"][bmt["time"] == 0].tolist()) == [1, 2]  # both causes at t = 0
    assert (np.sum(bmt["group"] == "ALL"), np.sum(bmt["group"] == "AML")) == (17, 18)
    assert cgvhd["time"].size == 100
    assert np.bincount(cgvhd["status"]).tolist() == [4, 86, 5, 5]
    assert np.unique(cgvhd["time"]).size == 75
    assert set(cgvhd["group"]) == {"BM", "PB"}
    assert set(cgvhd["stratum"]) == {"L", "E"}


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_aalen_johansen_matches_survfit_on_packaged_data(
    reference: dict[str, Any], name: str, conf_type: str
) -> None:
    data = PACKAGED[name]
    fit = CumulativeIncidence(conf_type).fit(data["time"], data["status"])  # type: ignore[arg-type]
    r = reference["pkg_aj"][f"{name} {conf_type}"]
    close(fit.timeline_, r["time"], "time")
    close(fit.n_at_risk_, r["n.risk"], "n.risk")
    close(np.column_stack([fit.event_free_, fit.cumulative_incidence_]), r["pstate"], "pstate")
    se = np.column_stack([fit.event_free_std_err_, fit.std_err_])
    close(se, r["std.err"], "std.err")
    close(fit.ci_lower_, np.asarray(r["lower"], dtype=object)[:, 1:].tolist(), "lower")
    close(fit.ci_upper_, np.asarray(r["upper"], dtype=object)[:, 1:].tolist(), "upper")


@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_incidence_at_times_matches_summary_on_packaged_data(
    reference: dict[str, Any], name: str
) -> None:
    data = PACKAGED[name]
    fit = CumulativeIncidence().fit(data["time"], data["status"])
    pstate = from_rows(reference["pkg_at"][name]["pstate"])
    std_err = from_rows(reference["pkg_at"][name]["std.err"])
    for column, cause in enumerate(fit.causes_, start=1):
        at = fit.cumulative_incidence_at(PACKAGED_TIMES[name], cause)
        close(at["cumulative_incidence"], pstate[:, column].tolist(), f"F{cause}")
        close(at["std_err"], std_err[:, column].tolist(), f"SE{cause}")


@pytest.mark.parametrize("case", sorted(PACKAGED_GRAY))
def test_gray_test_matches_cuminc_on_packaged_data(reference: dict[str, Any], case: str) -> None:
    name, column, strata_column, rho = PACKAGED_GRAY[case]
    data = PACKAGED[name]
    test = GrayTest(rho=rho).fit(
        data["time"],
        data["status"],
        data[column],
        strata=data[strata_column] if strata_column else None,
    )
    r = reference["pkg_gray"][case]
    close(test.causes_, r["cause"], "causes")
    close(test.statistic_, r["stat"], "statistic")
    close(test.p_value_, r["p"], "p")

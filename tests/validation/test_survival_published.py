"""R survival's published results on the ``lung`` data (docs/STATS.md), to their printed digits.

These run without R: lifelines ships the data set (status coded 0/1 there, 1/2 in R).
"""

from __future__ import annotations

import pytest
from lifelines.datasets import load_lung

from radtrial.stats import CoxPH, KaplanMeier, LogRankTest


@pytest.fixture(scope="module")
def lung() -> dict[str, list[float]]:
    frame = load_lung()
    return {
        "time": frame["time"].astype(float).tolist(),
        "status": frame["status"].astype(float).tolist(),
        "sex": frame["sex"].astype(float).tolist(),
    }


def test_lung_has_228_patients_and_165_deaths(lung: dict[str, list[float]]) -> None:
    km = KaplanMeier().fit(lung["time"], lung["status"])
    assert km.n_ == 228
    assert km.n_events_.sum() == 165


def test_lung_median_is_310_days_with_log_interval_285_to_363(
    lung: dict[str, list[float]],
) -> None:
    median = KaplanMeier().fit(lung["time"], lung["status"]).median_
    assert (median.time, median.lower, median.upper) == (310, 285, 363)


def test_lung_one_year_survival_is_0409_between_0345_and_0486(
    lung: dict[str, list[float]],
) -> None:
    at = KaplanMeier().fit(lung["time"], lung["status"]).survival_at([365.25])
    assert round(float(at["survival"][0]), 3) == 0.409
    assert round(float(at["ci_lower"][0]), 3) == 0.345
    assert round(float(at["ci_upper"][0]), 3) == 0.486


def test_lung_logrank_by_sex_gives_chi_square_103_and_p_000131(
    lung: dict[str, list[float]],
) -> None:
    test = LogRankTest().fit(lung["time"], lung["status"], lung["sex"])
    assert round(test.chi_square_, 1) == 10.3
    assert round(test.p_value_, 5) == 0.00131
    assert test.df_ == 1


def test_lung_cox_by_sex_gives_hazard_ratio_0588_between_0424_and_0816(
    lung: dict[str, list[float]],
) -> None:
    fit = CoxPH().fit(lung["time"], lung["status"], lung["sex"], names=["sex"])
    assert round(float(fit.hazard_ratio_[0]), 3) == 0.588
    assert round(float(fit.ci_lower_[0]), 3) == 0.424
    assert round(float(fit.ci_upper_[0]), 3) == 0.816

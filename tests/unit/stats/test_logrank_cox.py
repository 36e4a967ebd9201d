"""Log-rank and Cox: invariants that hold whatever the data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.stats import CoxPH, LogRankTest


@st.composite
def grouped(draw: st.DrawFn, k: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(6, 40))
    durations = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)), float)
    events = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    groups = np.array([i % k for i in range(n)])
    order = draw(st.permutations(range(n)))
    events[0] = 1
    return durations, events, groups[list(order)]


@given(grouped(k=3))
def test_observed_and_expected_events_have_the_same_total(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    test = LogRankTest().fit(*data)
    assert test.observed_.sum() == pytest.approx(test.expected_.sum())
    assert np.isnan(test.chi_square_) or test.chi_square_ >= -1e-12


@given(grouped(k=3))
def test_renaming_the_groups_does_not_change_the_statistic(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    durations, events, groups = data
    plain = LogRankTest().fit(durations, events, groups)
    renamed = LogRankTest().fit(durations, events, np.array(["c", "a", "b"])[groups])
    assert renamed.chi_square_ == pytest.approx(plain.chi_square_, rel=1e-9, abs=1e-12, nan_ok=True)


@given(grouped())
def test_a_single_stratum_gives_the_unstratified_test(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    durations, events, groups = data
    plain = LogRankTest().fit(durations, events, groups)
    stratified = LogRankTest().fit(durations, events, groups, strata=["s"] * len(groups))
    assert stratified.chi_square_ == pytest.approx(
        plain.chi_square_, rel=1e-12, abs=1e-15, nan_ok=True
    )


def test_identical_groups_give_a_statistic_of_zero() -> None:
    durations = [1, 2, 3, 4, 5, 6]
    events = [1, 1, 0, 1, 1, 0]
    test = LogRankTest().fit(durations * 2, events * 2, [0] * 6 + [1] * 6)
    assert test.chi_square_ == pytest.approx(0, abs=1e-12)
    assert test.p_value_ == pytest.approx(1)


def test_the_summary_lists_each_group_with_observed_and_expected() -> None:
    test = LogRankTest().fit([1, 2, 3, 4], [1, 1, 1, 1], ["b", "a", "b", "a"])
    rows = test.summary
    assert [row["group"] for row in rows] == ["a", "b"]
    assert {"observed", "expected", "(O-E)^2/V"} <= set(rows[0])


def test_a_test_without_information_gives_nan_not_an_error() -> None:
    # Every death empties its risk set: the variance is zero.
    test = LogRankTest().fit([2, 2], [1, 1], [0, 1])
    assert np.isnan(test.chi_square_)


def test_one_group_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        LogRankTest().fit([1, 2], [1, 1], [0, 0])
    assert caught.value.location == "groups"


def test_mismatched_group_length_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        LogRankTest().fit([1, 2], [1, 1], [0, 1, 1])
    assert caught.value.location == "groups"


@settings(max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(8, 60))
def test_the_cox_score_test_equals_the_logrank_test_without_ties(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    durations = rng.exponential(1.0, n)
    events = rng.integers(0, 2, n)
    events[0] = 1
    x = np.arange(n) % 2
    try:
        cox = CoxPH().fit(durations, events, x.astype(float))
    except InvalidInput:
        assume(False)  # a covariate that separates the events: no finite estimate
    logrank = LogRankTest().fit(durations, events, x)
    assert cox.score_test_[0] == pytest.approx(logrank.chi_square_, rel=1e-9)


def test_efron_and_breslow_agree_without_ties() -> None:
    rng = np.random.default_rng(3)
    durations = rng.exponential(1.0, 50)
    events = rng.integers(0, 2, 50)
    x = rng.normal(size=(50, 2))
    efron = CoxPH("efron").fit(durations, events, x)
    breslow = CoxPH("breslow").fit(durations, events, x)
    np.testing.assert_allclose(efron.coef_, breslow.coef_, rtol=1e-12)


def test_shifting_a_covariate_leaves_the_fit_unchanged_and_scaling_rescales_it() -> None:
    rng = np.random.default_rng(4)
    durations = rng.integers(1, 20, 80).astype(float)
    events = rng.integers(0, 2, 80)
    x = rng.normal(size=80)
    base = CoxPH().fit(durations, events, x)
    shifted = CoxPH().fit(durations, events, x + 100.0)
    scaled = CoxPH().fit(durations, events, 2.0 * x)
    assert shifted.coef_[0] == pytest.approx(base.coef_[0], rel=1e-9)
    assert scaled.coef_[0] == pytest.approx(base.coef_[0] / 2.0, rel=1e-9)
    assert scaled.p_value_[0] == pytest.approx(base.p_value_[0], rel=1e-9)


def test_the_cox_summary_has_a_row_per_covariate_with_a_hazard_ratio_interval() -> None:
    rng = np.random.default_rng(5)
    fit = CoxPH().fit(
        rng.exponential(1, 40), np.ones(40), rng.normal(size=(40, 2)), names=["age", "dose_gy"]
    )
    rows = fit.summary
    assert [row["covariate"] for row in rows] == ["age", "dose_gy"]
    for row in rows:
        assert row["ci_lower"] < row["hazard_ratio"] < row["ci_upper"]


def test_a_constant_covariate_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        CoxPH().fit([1, 2, 3, 4], [1, 1, 0, 1], [1.0, 1.0, 1.0, 1.0])
    assert caught.value.location == "covariates"


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"covariates": [[1.0], [2.0]]}, "covariates"),
        ({"names": ["a", "b"]}, "names"),
        ({"events": [0, 0, 0]}, "events"),
    ],
)
def test_bad_cox_input_is_refused_naming_the_argument(
    kwargs: dict[str, object], location: str
) -> None:
    arguments: dict[str, object] = {
        "durations": [1.0, 2.0, 3.0],
        "events": [1, 0, 1],
        "covariates": [0.0, 1.0, 0.5],
    }
    arguments.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        CoxPH().fit(**arguments)  # type: ignore[arg-type]
    assert caught.value.location == location

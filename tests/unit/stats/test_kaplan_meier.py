"""Kaplan–Meier: invariants, R's median rule, reverse follow-up, the batch landmark estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.stats import KaplanMeier, landmark_survival, median_follow_up

times = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40)


@st.composite
def samples(draw: st.DrawFn, max_size: int = 40) -> tuple[list[float], list[int]]:
    durations = draw(st.lists(st.integers(0, 12), min_size=1, max_size=max_size))
    events = draw(st.lists(st.integers(0, 1), min_size=len(durations), max_size=len(durations)))
    return [float(t) for t in durations], events


@given(times)
def test_without_censoring_the_curve_is_the_empirical_survival_function(
    durations: list[int],
) -> None:
    km = KaplanMeier().fit(durations, [1] * len(durations))
    data = np.array(durations)
    expected = [(data > t).mean() for t in km.timeline_]
    np.testing.assert_allclose(km.survival_, expected, atol=1e-12)


@given(samples())
def test_the_curve_is_a_non_increasing_probability_with_non_negative_variance(
    sample: tuple[list[float], list[int]],
) -> None:
    km = KaplanMeier().fit(*sample)
    assert np.all((km.survival_ >= 0) & (km.survival_ <= 1))
    assert np.all(np.diff(km.survival_) <= 1e-15)
    assert np.all(km.std_err_ >= 0)
    assert km.n_at_risk_[0] == len(sample[0])
    assert km.n_events_.sum() + km.n_censored_.sum() == len(sample[0])


@given(samples(max_size=15), st.lists(st.integers(1, 4), min_size=15, max_size=15))
def test_whole_number_weights_equal_repeating_the_rows(
    sample: tuple[list[float], list[int]], repeats: list[int]
) -> None:
    durations, events = sample
    w = repeats[: len(durations)]
    weighted = KaplanMeier().fit(durations, events, weights=w)
    repeated = KaplanMeier().fit(np.repeat(durations, w), np.repeat(events, w))
    np.testing.assert_allclose(weighted.survival_, repeated.survival_, rtol=1e-12)
    np.testing.assert_allclose(weighted.std_err_, repeated.std_err_, rtol=1e-12)
    np.testing.assert_allclose(weighted.n_at_risk_, repeated.n_at_risk_)


@settings(max_examples=60)
@given(
    st.integers(1, 6),
    st.integers(2, 25),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 3.0, 5.5, 12.0]),
)
def test_the_batch_landmark_estimate_equals_the_fitter_row_by_row(
    n_trials: int, n: int, seed: int, landmark: float
) -> None:
    rng = np.random.default_rng(seed)
    durations = rng.integers(0, 12, size=(n_trials, n)).astype(float)  # many ties
    events = rng.integers(0, 2, size=(n_trials, n))
    batch = landmark_survival(durations, events, landmark)
    for row in range(n_trials):
        at = KaplanMeier().fit(durations[row], events[row]).survival_at([landmark])
        np.testing.assert_allclose(batch.survival[row], at["survival"][0], rtol=1e-12, atol=0)
        np.testing.assert_allclose(batch.greenwood[row], at["std_err"][0] ** 2, rtol=1e-10)


def test_censored_subjects_tied_with_an_event_stay_at_risk_for_it() -> None:
    km = KaplanMeier().fit([2, 2, 2, 5], [1, 0, 0, 1])
    assert km.n_at_risk_.tolist() == [4, 1]
    assert km.survival_.tolist() == [0.75, 0.0]


def test_an_event_at_time_zero_counts() -> None:
    km = KaplanMeier().fit([0, 1, 2, 3], [1, 1, 0, 1])
    assert km.timeline_[0] == 0
    assert km.survival_[0] == 0.75


def test_survival_is_one_before_the_first_time_and_carried_after_the_last() -> None:
    km = KaplanMeier().fit([2, 4, 6], [1, 1, 0])
    at = km.survival_at([0, 1.9, 2, 100])
    np.testing.assert_allclose(at["survival"], [1, 1, 2 / 3, 1 / 3])
    assert at["std_err"][0] == 0
    assert at["ci_lower"][0] == at["ci_upper"][0] == 1


def test_the_standard_error_is_infinite_and_the_log_band_undefined_once_survival_is_zero() -> None:
    km = KaplanMeier().fit([1, 2, 3], [1, 1, 1])
    assert km.survival_[-1] == 0
    assert math.isinf(km.std_err_[-1])
    assert math.isnan(km.ci_lower_[-1])
    assert math.isnan(km.ci_upper_[-1])


def test_the_plain_band_is_clipped_to_the_unit_interval() -> None:
    km = KaplanMeier("plain").fit([1, 2, 3, 4], [1, 1, 0, 0])
    assert np.all(km.ci_lower_ >= 0)
    assert np.all(km.ci_upper_ <= 1)


def test_the_median_takes_the_midpoint_of_an_exact_flat_at_one_half() -> None:
    # Two of four die by t = 2; S stays at 0.5 until the next death at 6.
    km = KaplanMeier().fit([1, 2, 6, 9], [1, 1, 1, 0])
    assert km.median_.time == 4.0


def test_the_median_is_the_first_time_survival_drops_below_one_half() -> None:
    km = KaplanMeier().fit([1, 2, 3, 4, 5], [1, 1, 1, 1, 1])
    assert km.median_.time == 3.0
    assert km.quantile(0.3).time == 2.0
    assert km.quantile(0.2).time == 1.5  # S is exactly 0.8 from 1 to 2: the midpoint


def test_a_curve_that_never_reaches_one_half_has_no_median() -> None:
    km = KaplanMeier().fit([1, 2, 3, 4, 5], [1, 0, 0, 0, 0])
    assert math.isnan(km.median_.time)


def test_median_follow_up_treats_censorings_as_events() -> None:
    durations = [1.0, 3.0, 5.0, 7.0, 9.0]
    follow_up = median_follow_up(durations, [1, 0, 0, 0, 1])
    reverse = KaplanMeier().fit(durations, [0, 1, 1, 1, 0])
    # Reverse S: 3/4 at 3, exactly 1/2 from 5 to 7, so R's rule gives the midpoint 6.
    assert follow_up.time == reverse.median_.time == 6.0
    assert "reverse" in follow_up.method


def test_the_risk_table_counts_those_still_followed_and_events_so_far() -> None:
    km = KaplanMeier().fit([1, 2, 2, 4, 7], [1, 0, 1, 1, 0])
    table = km.number_at_risk([0, 2, 5, 8])
    assert [row["n_at_risk"] for row in table] == [5, 4, 1, 0]
    assert [row["cumulative_events"] for row in table] == [0, 2, 3, 3]
    assert [row["cumulative_censored"] for row in table] == [0, 1, 1, 2]


def test_the_summary_has_one_row_per_distinct_time() -> None:
    km = KaplanMeier().fit([1, 1, 2, 3], [1, 0, 1, 0])
    rows = km.summary
    assert [row["time"] for row in rows] == [1, 2, 3]
    assert set(rows[0]) >= {"n_at_risk", "survival", "ci_lower", "ci_upper"}


@pytest.mark.parametrize(
    ("durations", "events", "weights", "location"),
    [
        ([-1, 2], [1, 1], None, "durations"),
        ([1, float("nan")], [1, 1], None, "durations"),
        ([], [], None, "durations"),
        ([1, 2], [1], None, "events"),
        ([1, 2], [1, 2], None, "events"),
        ([1, 2], [1, 0], [1, -1], "weights"),
        ([1, 2], [1, 0], [1], "weights"),
        ([[1, 2]], [[1, 0]], None, "durations"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(
    durations: list[float],
    events: list[int],
    weights: list[float] | None,
    location: str,
) -> None:
    with pytest.raises(InvalidInput) as caught:
        KaplanMeier().fit(durations, events, weights)
    assert caught.value.location == location


def test_an_unknown_band_or_level_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        KaplanMeier("logit")  # type: ignore[arg-type]
    assert caught.value.location == "conf_type"
    with pytest.raises(InvalidInput) as caught:
        KaplanMeier(conf_level=1.5)
    assert caught.value.location == "conf_level"


def test_results_before_fitting_are_refused() -> None:
    with pytest.raises(InvalidInput):
        KaplanMeier().survival_at([1])


def test_the_batch_landmark_estimate_needs_rows_of_equal_shape() -> None:
    with pytest.raises(InvalidInput) as caught:
        landmark_survival([[1.0, 2.0]], [[1, 0, 1]], 1.0)
    assert caught.value.location == "events"
    with pytest.raises(InvalidInput) as caught:
        landmark_survival([[1.0, 2.0]], [[1, 0]], -1.0)
    assert caught.value.location == "landmark"

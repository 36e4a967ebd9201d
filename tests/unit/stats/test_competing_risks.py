"""Aalen–Johansen and Gray's test: invariants, time-zero events, the jackknife by brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.stats import (
    CumulativeIncidence,
    GrayTest,
    KaplanMeier,
    landmark_cumulative_incidence,
)


@st.composite
def competing(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 40))
    durations = np.array(draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)), float)
    causes = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    causes[0] = draw(st.integers(1, 3))
    return durations, causes


@given(competing())
def test_event_free_survival_and_all_incidences_sum_to_one(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    fit = CumulativeIncidence().fit(*data)
    total = fit.event_free_ + fit.cumulative_incidence_.sum(axis=1)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


@given(competing())
def test_event_free_survival_is_the_all_cause_kaplan_meier_curve(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    durations, causes = data
    fit = CumulativeIncidence().fit(durations, causes)
    km = KaplanMeier().fit(durations, (causes > 0).astype(int))
    np.testing.assert_allclose(fit.event_free_, km.survival_, atol=1e-12)


@given(competing())
def test_without_censoring_incidence_is_the_empirical_fraction_of_each_cause(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    durations, causes = data
    causes = np.where(causes == 0, 1, causes)
    fit = CumulativeIncidence().fit(durations, causes)
    for column, cause in enumerate(fit.causes_):
        expected = [np.mean((durations <= t) & (causes == cause)) for t in fit.timeline_]
        np.testing.assert_allclose(fit.cumulative_incidence_[:, column], expected, atol=1e-12)


def test_events_at_time_zero_count_and_ties_are_not_broken() -> None:
    fit = CumulativeIncidence().fit([0, 0, 0, 2, 2, 5], [1, 2, 0, 1, 1, 0])
    assert fit.timeline_.tolist() == [0, 2, 5]
    np.testing.assert_allclose(fit.cumulative_incidence_[0], [1 / 6, 1 / 6])
    np.testing.assert_allclose(fit.cumulative_incidence_[1], [1 / 6 + (4 / 6) * (2 / 3), 1 / 6])


def test_the_jackknife_error_equals_the_sum_of_squared_weight_derivatives() -> None:
    rng = np.random.default_rng(11)
    durations = rng.integers(0, 6, 25).astype(float)
    causes = rng.integers(0, 3, 25)
    causes[0] = 1
    weights = rng.uniform(0.5, 2.0, 25)
    fit = CumulativeIncidence().fit(durations, causes, weights)
    step = 1e-6
    derivative = np.empty((25, *fit.cumulative_incidence_.shape))
    for i in range(25):
        up, down = weights.copy(), weights.copy()
        up[i] += step
        down[i] -= step
        high = CumulativeIncidence().fit(durations, causes, up).cumulative_incidence_
        low = CumulativeIncidence().fit(durations, causes, down).cumulative_incidence_
        derivative[i] = (high - low) / (2 * step)
    brute = np.sqrt(np.sum((weights[:, None, None] * derivative) ** 2, axis=0))
    np.testing.assert_allclose(fit.std_err_, brute, rtol=1e-6, atol=1e-9)


def test_incidence_before_the_first_time_is_zero() -> None:
    fit = CumulativeIncidence().fit([1, 2, 3], [1, 2, 1])
    at = fit.cumulative_incidence_at([0.5, 1, 10], cause=1)
    np.testing.assert_allclose(at["cumulative_incidence"], [0, 1 / 3, 2 / 3])
    assert at["std_err"][0] == 0


def test_the_summary_has_a_row_per_time_and_cause() -> None:
    fit = CumulativeIncidence().fit([1, 2, 3], [1, 2, 0])
    assert len(fit.summary) == 3 * 2


@pytest.mark.parametrize(
    ("events", "location"),
    [([1, -1, 0], "events"), ([1, 1.5, 0], "events"), ([0, 0, 0], "events"), ([1, 2], "events")],
)
def test_bad_cause_codes_are_refused(events: list[float], location: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CumulativeIncidence().fit([1, 2, 3], events)
    assert caught.value.location == location


def test_asking_for_a_cause_that_never_happened_is_refused() -> None:
    fit = CumulativeIncidence().fit([1, 2, 3], [1, 1, 0])
    with pytest.raises(InvalidInput) as caught:
        fit.cumulative_incidence_at([1], cause=2)
    assert caught.value.location == "cause"


def test_grays_test_does_not_depend_on_which_group_comes_first() -> None:
    rng = np.random.default_rng(8)
    durations = rng.integers(0, 30, 150).astype(float)
    causes = rng.integers(0, 3, 150)
    groups = rng.integers(0, 3, 150)
    plain = GrayTest().fit(durations, causes, groups)
    renamed = GrayTest().fit(durations, causes, np.array(["z", "a", "m"])[groups])
    np.testing.assert_allclose(renamed.statistic_, plain.statistic_, rtol=1e-9)
    assert plain.df_ == 2
    assert [row["cause"] for row in plain.summary] == [1, 2]


def test_grays_test_of_identical_groups_is_zero() -> None:
    durations = [1.0, 2.0, 2.0, 3.0, 4.0, 6.0]
    causes = [1, 2, 0, 1, 1, 2]
    test = GrayTest().fit(durations * 2, causes * 2, [0] * 6 + [1] * 6)
    np.testing.assert_allclose(test.statistic_, 0.0, atol=1e-12)


def test_grays_test_needs_two_groups() -> None:
    with pytest.raises(InvalidInput) as caught:
        GrayTest().fit([1, 2, 3], [1, 2, 1], [0, 0, 0])
    assert caught.value.location == "groups"


@st.composite
def competing_batches(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, float]:
    rows = draw(st.integers(1, 5))
    n = draw(st.integers(2, 25))
    cells = st.lists(st.integers(0, 8), min_size=n * rows, max_size=n * rows)
    durations = np.array(draw(cells), float).reshape(rows, n)
    causes = np.array(draw(st.lists(st.integers(0, 3), min_size=n * rows, max_size=n * rows)))
    landmark = draw(st.sampled_from([0.0, 2.0, 4.5, 8.0, 20.0]))
    return durations, causes.reshape(rows, n), landmark


@settings(max_examples=150, deadline=None)
@given(competing_batches(), st.sampled_from([1, 2]))
def test_the_batch_landmark_incidence_equals_the_fitter_row_by_row(
    batch: tuple[np.ndarray, np.ndarray, float], cause: int
) -> None:
    # Many ties (times 0..8), events at t = 0 and events tied with censorings: the batch path
    # processes a tie one subject at a time and must still equal the fitter, variance included.
    durations, causes, landmark = batch
    got = landmark_cumulative_incidence(durations, causes, landmark, cause)
    for row in range(durations.shape[0]):
        if not np.any(causes[row] == cause):
            assert got.incidence[row] == 0.0
            assert got.variance[row] == 0.0
            continue
        at = CumulativeIncidence().fit(durations[row], causes[row])
        one = at.cumulative_incidence_at([landmark], cause)
        assert got.incidence[row] == pytest.approx(one["cumulative_incidence"][0], abs=1e-13)
        assert np.sqrt(got.variance[row]) == pytest.approx(one["std_err"][0], abs=1e-13)


def test_without_censoring_the_batch_incidence_is_a_binomial_proportion() -> None:
    # No censoring: F̂(t0) is the fraction failed from the cause, its jackknife variance F(1 − F)/n.
    durations = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]])
    causes = np.array([[1, 2, 1, 2, 1, 2, 1, 1]])
    got = landmark_cumulative_incidence(durations, causes, 6.5)
    assert got.incidence[0] == pytest.approx(3 / 8)
    assert got.variance[0] == pytest.approx(3 / 8 * 5 / 8 / 8)


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"events": [[1, 0, -1]]}, "events"),
        ({"events": [[1, 0]]}, "events"),
        ({"events": [[1, 0.5, 2]]}, "events"),
        ({"landmark": -1.0}, "landmark"),
        ({"cause": 0}, "cause"),
        ({"durations": [1.0, 2.0, 3.0]}, "durations"),
    ],
)
def test_the_batch_landmark_incidence_refuses_bad_input(
    kwargs: dict[str, object], location: str
) -> None:
    arguments: dict[str, object] = {
        "durations": [[1.0, 2.0, 3.0]],
        "events": [[1, 0, 2]],
        "landmark": 2.0,
        "cause": 1,
        **kwargs,
    }
    with pytest.raises(InvalidInput) as caught:
        landmark_cumulative_incidence(**arguments)  # type: ignore[arg-type]
    assert caught.value.location == location

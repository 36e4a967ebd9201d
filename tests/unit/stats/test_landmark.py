"""One-sample tests against a historical null: landmark (three scales) and one-sample log-rank."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.stats import (
    LandmarkTest,
    OneSampleLogRank,
    exponential_cumulative_hazard,
    landmark_z,
    normal_p_value,
)

TRANSFORMS = ("log", "log-log", "plain")


@pytest.mark.parametrize("transform", TRANSFORMS)
@given(
    st.floats(0.02, 0.98),
    st.floats(0.02, 0.98),
    st.floats(1e-4, 0.5),
)
def test_z_is_positive_exactly_when_the_estimate_beats_the_null(
    transform: str, estimate: float, null: float, greenwood: float
) -> None:
    # Within rounding of the null (a few ulps) the transformed difference can round to 0.
    assume(abs(estimate - null) > 1e-12)
    z = float(landmark_z(estimate, greenwood, null, transform)[()])  # type: ignore[arg-type]
    if estimate > null:
        assert z > 0
    elif estimate < null:
        assert z < 0


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_no_event_before_the_landmark_is_infinitely_convincing(transform: str) -> None:
    z = landmark_z([1.0, 0.0], [0.0, np.inf], 0.5, transform)  # type: ignore[arg-type]
    assert z.tolist() == [math.inf, -math.inf]


def test_the_log_scale_statistic_is_the_log_ratio_over_its_standard_error() -> None:
    z = landmark_z(0.8, 0.01, 0.6, "log")
    assert float(z[()]) == pytest.approx(math.log(0.8 / 0.6) / 0.1)


def test_the_p_value_alternatives_are_the_two_tails_and_both() -> None:
    greater = normal_p_value(1.96, "greater")[()]
    less = normal_p_value(1.96, "less")[()]
    both = normal_p_value(1.96, "two-sided")[()]
    assert greater == pytest.approx(0.025, abs=1e-4)
    assert less == pytest.approx(0.975, abs=1e-4)
    assert both == pytest.approx(0.05, abs=1e-4)


def test_the_landmark_test_reports_the_estimate_its_interval_and_p() -> None:
    durations = [3, 5, 8, 12, 14, 20, 25, 30, 30, 30]
    events = [1, 1, 0, 1, 0, 1, 0, 0, 0, 0]
    test = LandmarkTest(24, 0.4).fit(durations, events)
    assert test.ci_lower_ < test.survival_ < test.ci_upper_
    assert test.statistic_ > 0
    assert 0 < test.p_value_ < 0.5


def test_the_one_sample_logrank_compares_events_with_the_null_hazard() -> None:
    durations = np.array([2.0, 4.0, 6.0, 10.0])
    events = np.array([1, 0, 1, 0])
    hazard = exponential_cumulative_hazard(12, 0.5)
    test = OneSampleLogRank(hazard).fit(durations, events)
    expected = math.log(2) / 12 * durations.sum()
    assert test.observed_ == 2
    assert test.expected_ == pytest.approx(expected)
    assert test.statistic_ == pytest.approx((expected - 2) / math.sqrt(expected))
    assert test.chi_square_ == pytest.approx((2 - expected) ** 2 / expected)


def test_delayed_entry_removes_the_hazard_before_entry() -> None:
    hazard = exponential_cumulative_hazard(10, 0.5)
    late = OneSampleLogRank(hazard).fit([10.0, 12.0], [1, 0], entry=[4.0, 2.0])
    assert late.expected_ == pytest.approx(math.log(2) / 10 * (6 + 10))


def test_the_exponential_null_can_be_given_by_its_landmark_survival() -> None:
    a = OneSampleLogRank(landmark=24, null_survival=0.55).fit([5, 30], [1, 0])
    b = OneSampleLogRank(exponential_cumulative_hazard(24, 0.55)).fit([5, 30], [1, 0])
    assert a.statistic_ == b.statistic_


@pytest.mark.parametrize(
    ("call", "location"),
    [
        (lambda: LandmarkTest(-1, 0.5), "landmark"),
        (lambda: LandmarkTest(12, 1.0), "null_survival"),
        (lambda: LandmarkTest(12, 0.5, transform="arcsine"), "transform"),  # type: ignore[arg-type]
        (lambda: LandmarkTest(12, 0.5, alternative="bigger"), "alternative"),  # type: ignore[arg-type]
        (lambda: OneSampleLogRank(), "cumulative_hazard"),
        (lambda: exponential_cumulative_hazard(0, 0.5), "landmark"),
        (
            lambda: OneSampleLogRank(landmark=10, null_survival=0.5).fit([1, 2], [1, 0], [3, 0]),
            "entry",
        ),
        (
            lambda: OneSampleLogRank(lambda t: -t).fit([1, 2], [1, 0]),
            "cumulative_hazard",
        ),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(call: object, location: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()  # type: ignore[operator]
    assert caught.value.location == location

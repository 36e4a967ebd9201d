"""PROSARC-2 simulation: reproducible, chunked, with the hazard scaled to the landmark target."""

from __future__ import annotations

import numpy as np
import pytest

from radtrial.errors import InvalidInput
from radtrial.stats import PiecewiseHazard, simulate_prosarc2


def test_the_same_seed_gives_the_same_operating_characteristics() -> None:
    first = simulate_prosarc2(rng=np.random.default_rng(42), n_trials=2_000)
    second = simulate_prosarc2(rng=np.random.default_rng(42), n_trials=2_000)
    assert first == second
    assert first.seed_entropy == 42


def test_progress_is_reported_once_per_chunk_and_adds_up_to_all_trials() -> None:
    seen: list[int] = []
    simulate_prosarc2(
        rng=np.random.default_rng(1), n_trials=2_500, chunk_size=1_000, progress=seen.append
    )
    assert seen == [1_000, 1_000, 500]


def test_chunking_does_not_change_what_a_seed_can_show() -> None:
    result = simulate_prosarc2(rng=np.random.default_rng(5), n_trials=3_000, chunk_size=700)
    assert 0 <= result.type_i_error < result.power <= 1


@pytest.mark.parametrize(
    "test", ["landmark-loglog", "landmark-log", "landmark-plain", "one-sample-logrank"]
)
def test_power_under_s1_exceeds_the_type_one_error_under_s0(test: str) -> None:
    result = simulate_prosarc2(rng=np.random.default_rng(7), n_trials=4_000, test=test)  # type: ignore[arg-type]
    assert result.power > 0.6
    assert result.type_i_error < 0.12
    assert result.power_mc_se == pytest.approx(np.sqrt(result.power * (1 - result.power) / 4_000))
    assert [row["scenario"] for row in result.summary] == ["H1: S(t0) = S1", "H0: S(t0) = S0"]


def test_the_log_log_landmark_test_keeps_its_level_near_alpha() -> None:
    result = simulate_prosarc2(rng=np.random.default_rng(2026), n_trials=20_000)
    # Discreteness at n = 40 makes it a little conservative, never liberal beyond MC error.
    assert result.type_i_error < 0.05 + 4 * result.type_i_error_mc_se


@pytest.mark.parametrize(
    "shape",
    [PiecewiseHazard(), PiecewiseHazard((6.0, 12.0), (3.0, 1.0, 0.2))],
)
def test_the_hazard_is_scaled_so_that_survival_at_the_landmark_is_the_target(
    shape: PiecewiseHazard,
) -> None:
    rng = np.random.default_rng(3)
    times = shape.sample(shape.scale_for(0.7, 24.0), rng.standard_exponential(200_000))
    assert np.mean(times > 24.0) == pytest.approx(0.7, abs=0.004)


def test_a_hazard_that_ends_at_zero_leaves_a_cured_fraction() -> None:
    shape = PiecewiseHazard((12.0,), (1.0, 0.0))
    rng = np.random.default_rng(4)
    times = shape.sample(shape.scale_for(0.6, 24.0), rng.standard_exponential(10_000))
    assert np.isinf(times).mean() == pytest.approx(0.6, abs=0.02)


def test_competing_death_and_dropout_cost_power() -> None:
    plain = simulate_prosarc2(rng=np.random.default_rng(9), n_trials=5_000)
    thinned = simulate_prosarc2(
        rng=np.random.default_rng(9), n_trials=5_000, death_hazard=0.01, dropout=0.2
    )
    assert thinned.power < plain.power


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"n": 1}, "n"),
        ({"n_trials": 0}, "n_trials"),
        ({"s0": 1.2}, "s0"),
        ({"alpha": 0}, "alpha"),
        ({"test": "wilcoxon"}, "test"),
        ({"death_hazard": -0.1}, "death_hazard"),
        ({"dropout": 1.0}, "dropout"),
        ({"hazard": "weibull"}, "hazard"),
        ({"accrual_months": 0}, "accrual_months"),
    ],
)
def test_bad_design_values_are_refused_naming_the_argument(
    kwargs: dict[str, object], location: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        simulate_prosarc2(rng=np.random.default_rng(0), **{"n_trials": 10, **kwargs})  # type: ignore[arg-type]
    assert caught.value.location == location


def test_a_piecewise_shape_needs_one_more_rate_than_cuts() -> None:
    with pytest.raises(InvalidInput) as caught:
        PiecewiseHazard((6.0,), (1.0,))
    assert caught.value.location == "relative_rates"

"""Simulated PALLSOFT trials: seeded, vectorised, and in agreement with the exact power."""

from __future__ import annotations

import numpy as np
import pytest

from radtrial.errors import InvalidInput
from radtrial.stats.designs import exact_rejection_probability, exact_type_one_error
from radtrial.stats.simulate import PallsoftSimulation, seed_of, simulate_pallsoft


def run(**overrides: object) -> PallsoftSimulation:
    args: dict[str, object] = {
        "n_per_arm": 100,
        "p_control": 0.6,
        "p_experimental": 0.6,
        "margin": 0.15,
        "alpha": 0.025,
        "dropout": 0.0,
        "death_before_primary": 0.0,
        "n_trials": 50_000,
        "rng": np.random.default_rng(20260101),
    }
    args.update(overrides)
    return simulate_pallsoft(**args)  # type: ignore[arg-type]


def test_the_same_seed_gives_the_same_result_and_is_recorded() -> None:
    first = run(rng=np.random.default_rng(42))
    second = run(rng=np.random.default_rng(42))
    assert first == second
    assert first.seed == 42
    assert first.to_dict()["seed"] == 42
    assert first.bit_generator == "PCG64"


def test_the_simulated_power_agrees_with_the_exact_power() -> None:
    result = run(n_trials=200_000)
    exact = exact_rejection_probability(100, 100, 0.6, 0.6, 0.15)
    assert result.quantity == "power"
    assert abs(result.rejection_rate - exact) < 4 * result.monte_carlo_se


def test_on_the_null_boundary_the_rejection_rate_is_the_type_one_error() -> None:
    result = run(p_experimental=0.45, n_trials=200_000, test="mn")
    exact = exact_type_one_error(100, 100, 0.6, 0.15, variant="mn")
    assert result.quantity == "type I error"
    assert abs(result.rejection_rate - exact) < 4 * result.monte_carlo_se


def test_the_monte_carlo_error_is_the_binomial_standard_error() -> None:
    result = run()
    p = result.rejection_rate
    assert result.monte_carlo_se == pytest.approx(np.sqrt(p * (1 - p) / 50_000))


def test_itt_counts_deaths_as_non_responders_and_pp_excludes_them() -> None:
    itt = run(death_before_primary=0.2, rng=np.random.default_rng(5))
    pp = run(death_before_primary=0.2, population="pp", rng=np.random.default_rng(5))
    # Same draws: ITT sees 0.6·0.8 = 0.48 in both arms over 100, PP sees 0.6 over about 80.
    assert itt.mean_evaluable_per_arm == pytest.approx(pp.mean_evaluable_per_arm)
    assert pp.mean_evaluable_per_arm == pytest.approx(80, abs=0.2)
    assert itt.mean_ci_width < pp.mean_ci_width


def test_without_losses_itt_and_pp_are_the_same_analysis() -> None:
    itt = run(rng=np.random.default_rng(9))
    pp = run(population="pp", rng=np.random.default_rng(9))
    assert itt.rejection_rate == pp.rejection_rate
    assert itt.mean_ci_width == pytest.approx(pp.mean_ci_width)


def test_the_mean_interval_width_is_that_of_the_matching_score_interval() -> None:
    result = run(n_trials=20_000)
    # 95% two-sided (alpha 0.025 one-sided) at p = 0.6 and 100 per arm: ± 1.96·√(0.48/100).
    assert result.mean_ci_width == pytest.approx(2 * 1.96 * np.sqrt(0.0048), rel=0.03)


def test_progress_is_reported_after_every_chunk_with_the_trials_done() -> None:
    seen: list[int] = []
    run(n_trials=25_000, chunk_size=10_000, progress=seen.append)
    assert seen == [10_000, 20_000, 25_000]


def test_chunking_does_not_change_the_estimate_beyond_monte_carlo_error() -> None:
    a = run(chunk_size=7_000, rng=np.random.default_rng(3))
    b = run(chunk_size=50_000, rng=np.random.default_rng(3))
    assert a.n_trials == b.n_trials
    assert abs(a.rejection_rate - b.rejection_rate) < 5 * a.monte_carlo_se


def test_an_empty_pp_arm_cannot_be_tested_and_is_counted() -> None:
    result = run(n_per_arm=1, dropout=0.5, population="pp", n_trials=1000)
    assert result.untestable_trials > 0


def test_a_generator_built_from_a_seed_sequence_records_its_entropy() -> None:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7)))
    assert seed_of(rng) == 7


@pytest.mark.parametrize(
    ("overrides", "location"),
    [
        ({"rng": 42}, "rng"),
        ({"n_trials": 0}, "n_trials"),
        ({"n_per_arm": 2.5}, "n_per_arm"),
        ({"dropout": 1.0}, "dropout"),
        ({"death_before_primary": -0.1}, "death_before_primary"),
        ({"test": "wald"}, "test"),
        ({"population": "mitt"}, "population"),
        ({"margin": 1.5}, "margin"),
    ],
)
def test_bad_input_is_named(overrides: dict[str, object], location: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        run(**overrides)
    assert caught.value.location == location

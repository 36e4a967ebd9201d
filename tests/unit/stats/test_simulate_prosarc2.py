"""PROSARC-2 simulation: reproducible, chunked, hazards scaled to the target, death competing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import ndtri
from scipy.stats import binom

from radtrial.errors import InvalidInput
from radtrial.stats import (
    CumulativeIncidence,
    LandmarkTest,
    OneSampleLogRank,
    PiecewiseHazard,
    landmark_z,
    simulate_prosarc2,
)
from radtrial.stats import simulate_survival as S


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


@pytest.mark.parametrize("endpoint", ["lpfs", "local-progression"])
def test_dropout_before_the_landmark_costs_power(endpoint: str) -> None:
    common = {"n_trials": 5_000, "death_hazard": 0.01, "endpoint": endpoint}
    full = simulate_prosarc2(rng=np.random.default_rng(9), **common)  # type: ignore[arg-type]
    thinned = simulate_prosarc2(rng=np.random.default_rng(9), dropout=0.3, **common)  # type: ignore[arg-type]
    assert thinned.power < full.power - 4 * np.hypot(thinned.power_mc_se, full.power_mc_se)


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
        ({"endpoint": "os"}, "endpoint"),
        # Death alone (e^(-0.02·24) = 0.62) leaves LPFS below S1 = 0.75: no hazard reaches it.
        ({"death_hazard": 0.02}, "death_hazard"),
        # Nobody can progress before 12 months, and by then death leaves e^(-1.2) = 0.30 < 0.45.
        (
            {
                "death_hazard": 0.1,
                "endpoint": "local-progression",
                "hazard": PiecewiseHazard((12.0,), (0.0, 1.0)),
            },
            "death_hazard",
        ),
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


# --------------------------------------------------------------------------------------------
# Death as a competing event: the model, the analysis and the end-to-end operating
# characteristics, with a piecewise hazard.
# --------------------------------------------------------------------------------------------

SHAPE = PiecewiseHazard((6.0, 12.0), (3.0, 1.0, 0.2))
DEATH = 0.01  # per month


def _design(endpoint: str, test: str = "landmark-loglog", **changes: Any) -> S._Design:
    values: dict[str, Any] = {
        "n": 40,
        "s0": 0.55,
        "shape": SHAPE,
        "landmark": 24.0,
        "accrual": 36.0,
        "follow_up": 24.0,
        "death_hazard": DEATH,
        "dropout_rate": 0.0,
        "endpoint": endpoint,
        "test": test,
        "critical": float(ndtri(0.95)),
    }
    return S._Design(**{**values, **changes})


def test_the_competing_incidence_is_the_integral_of_the_cause_specific_density() -> None:
    theta = SHAPE.competing_scale_for(0.55, 24.0, DEATH)

    def density(u: float) -> float:
        hazard = theta * SHAPE.relative_cumulative_hazard(np.array([u + 1e-12]))[0]
        rate = theta * float(np.interp(u, [0, 6, 6, 12, 12, 1e9], [3, 3, 1, 1, 0.2, 0.2]))
        return rate * float(np.exp(-hazard - DEATH * u))

    integral = sum(quad(density, a, b, epsabs=1e-13)[0] for a, b in [(0, 6), (6, 12), (12, 24)])
    assert SHAPE.cumulative_incidence(theta, DEATH, 24.0) == pytest.approx(integral, rel=1e-10)
    assert 1.0 - integral == pytest.approx(0.55, rel=1e-10)
    # Death takes some who would have progressed: θ exceeds the value without death.
    assert theta > SHAPE.scale_for(0.55, 24.0)


@pytest.mark.parametrize(
    ("endpoint", "target"),
    [("lpfs", "event-free"), ("local-progression", "free of local progression")],
)
def test_the_hazards_are_scaled_so_that_the_endpoint_hits_its_target(
    endpoint: str, target: str
) -> None:
    # Nobody is censored before 24 months (accrual 36, then 24 months' follow-up).
    design = _design(endpoint)
    truth = 0.7
    observed, code = S._draw(np.random.default_rng(8), design, 4_000, design.scale(truth))
    before = observed <= 24.0
    if target == "event-free":
        fraction = 1.0 - np.mean(before & (code > 0))
    else:
        fraction = 1.0 - np.mean(before & (code == S.LOCAL_PROGRESSION))
    se = np.sqrt(truth * (1 - truth) / observed.size)
    assert abs(fraction - truth) < 4 * se
    died = np.mean(before & (code == S.DEATH))
    assert died > 0.1  # deaths really do happen before the landmark, about 1 − e^(−0.24)


def test_under_lpfs_death_shares_a_constant_total_hazard_with_progression() -> None:
    # Exponential shape: the LPFS hazard θ + λ_D is constant, so adding death only relabels
    # events, in the ratio λ_D : θ (cause-specific hazards, Putter et al. 2007).
    design = _design("lpfs", shape=PiecewiseHazard(), follow_up=1e6)
    theta = design.scale(0.55)
    assert theta + DEATH == pytest.approx(-np.log(0.55) / 24.0, rel=1e-14)
    _, code = S._draw(np.random.default_rng(4), design, 2_000, theta)
    share = np.mean(code[code > 0] == S.DEATH)
    expected = DEATH / (theta + DEATH)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / np.sum(code > 0))


def _exact_rejection_rate(n: int, truth: float, s0: float, transform: str, alpha: float) -> float:
    """P(reject) of a landmark test when nobody is censored before the landmark.

    Then Ŝ(t0) (Kaplan–Meier of LPFS, or 1 − Aalen–Johansen F̂_LP) is (n − X)/n with
    X ~ Bin(n, 1 − S), and var log Ŝ is X/(n(n − X)) both for Greenwood's sum (it telescopes)
    and for the jackknife (F̂(1 − F̂)/n over (1 − F̂)²): the exact rate is a binomial sum.
    """
    x = np.arange(n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = landmark_z((n - x) / n, x / (n * (n - x)), s0, transform)  # type: ignore[arg-type]
    return float(np.sum(binom.pmf(x, n, 1.0 - truth)[z > ndtri(1.0 - alpha)]))


@pytest.mark.parametrize("endpoint", ["lpfs", "local-progression"])
@pytest.mark.parametrize("test", ["landmark-loglog", "landmark-log", "landmark-plain"])
def test_simulated_size_and_power_equal_the_exact_binomial_values_within_mc_error(
    endpoint: str, test: str
) -> None:
    # End to end, piecewise hazard and death: at the null the simulated type I error must be
    # the test's exact size (not α: at n = 40 the discrete test's size is 0.039 on the log-log
    # scale, 0.075 on the log and plain ones), and under S1 the exact power, each within 4
    # Monte-Carlo SEs of the exact value. A wrong hazard scaling (or death not counted as the
    # endpoint defines it) moves X's binomial probability and fails this.
    trials = 40_000
    result = simulate_prosarc2(
        rng=np.random.default_rng(20261),
        n_trials=trials,
        hazard=SHAPE,
        death_hazard=DEATH,
        endpoint=endpoint,  # type: ignore[arg-type]
        test=test,  # type: ignore[arg-type]
    )
    transform = S._TRANSFORM[test]
    for simulated, truth in ((result.type_i_error, 0.55), (result.power, 0.75)):
        exact = _exact_rejection_rate(40, truth, 0.55, transform, 0.05)
        mc_se = np.sqrt(exact * (1 - exact) / trials)
        assert abs(simulated - exact) < 4 * mc_se, (truth, simulated, exact)
    assert result.endpoint == endpoint
    assert result.death_hazard == DEATH


@pytest.mark.parametrize("endpoint", ["lpfs", "local-progression"])
def test_the_one_sample_logrank_test_holds_its_level_in_a_large_censored_trial(
    endpoint: str,
) -> None:
    # Censoring before the landmark (12 months' follow-up, 10% dropout) leaves no exact value;
    # the score test is asymptotically level α, so at n = 300 the simulated size must lie
    # within 4 Monte-Carlo SEs of α (its finite-sample bias is below that resolution).
    trials = 6_000
    result = simulate_prosarc2(
        rng=np.random.default_rng(77),
        n=300,
        s1=0.6,
        n_trials=trials,
        hazard=SHAPE,
        death_hazard=DEATH,
        dropout=0.1,
        follow_up_months=12.0,
        endpoint=endpoint,  # type: ignore[arg-type]
        test="one-sample-logrank",
    )
    mc_se = np.sqrt(0.05 * 0.95 / trials)
    assert abs(result.type_i_error - 0.05) < 4 * mc_se


def _scalar_z(design: S._Design, durations: np.ndarray, code: np.ndarray) -> float:
    """One trial analysed with the fitters (the per-trial path the simulation avoids)."""
    lpfs = design.endpoint == "lpfs"
    events = (code > 0) if lpfs else (code == S.LOCAL_PROGRESSION)
    if design.test == "one-sample-logrank":
        theta0 = design.scale(design.s0)
        death = design.death_hazard if lpfs else 0.0

        def null(t: np.ndarray) -> np.ndarray:
            return theta0 * design.shape.relative_cumulative_hazard(t) + death * t

        return OneSampleLogRank(null).fit(durations, events.astype(int)).statistic_
    transform = S._TRANSFORM[design.test]
    if lpfs:
        test = LandmarkTest(design.landmark, design.s0, transform)
        return test.fit(durations, events.astype(int)).statistic_
    if not np.any(events):
        return float("inf")
    fit = CumulativeIncidence().fit(durations, code)
    at = fit.cumulative_incidence_at([design.landmark], S.LOCAL_PROGRESSION)
    free = 1.0 - at["cumulative_incidence"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(landmark_z(free, at["std_err"] ** 2 / free**2, design.s0, transform)[0])


@pytest.mark.parametrize("endpoint", ["lpfs", "local-progression"])
@pytest.mark.parametrize(
    "test", ["landmark-loglog", "landmark-log", "landmark-plain", "one-sample-logrank"]
)
def test_the_vectorised_statistics_equal_the_per_trial_fitters(endpoint: str, test: str) -> None:
    # Short follow-up and dropout censor patients before the landmark; death competes.
    design = _design(endpoint, test, follow_up=12.0, dropout_rate=0.01, death_hazard=0.02)
    observed, code = S._draw(np.random.default_rng(31), design, 8, design.scale(0.55))
    assert np.any((code == 0) & (observed < 24.0))  # censored before the landmark
    assert np.any(code == S.DEATH)
    batch = S._z(design, observed, code)
    for row in range(8):
        assert batch[row] == pytest.approx(_scalar_z(design, observed[row], code[row]), rel=1e-11)

"""Designs against published values: gsDesign's nBinomial example, Simon (1989), and the
PALLSOFT design observation in STATS.md (exact FM power, sizes for 80% and 90%)."""

from __future__ import annotations

import pytest

from radtrial.stats.designs import (
    exact_rejection_probability,
    nbinomial_total,
    noninferiority_sample_size,
    simon_two_stage,
)


def test_gsdesign_nbinomial_example_total_is_2056_671() -> None:
    # nBinomial(p1 = .677, p2 = .677, delta0 = .07, ratio = 2) in the gsDesign manual.
    assert round(nbinomial_total(0.677, 0.677, delta0=0.07, ratio=2), 3) == 2056.671


@pytest.mark.parametrize(
    ("p0", "p1", "optimal", "minimax"),
    [
        (0.1, 0.3, (1, 10, 5, 29), (1, 15, 5, 25)),
        (0.2, 0.4, (3, 13, 12, 43), (4, 18, 10, 33)),
    ],
)
def test_simon_1989_designs_at_alpha_5_and_beta_20_percent(
    p0: float,
    p1: float,
    optimal: tuple[int, int, int, int],
    minimax: tuple[int, int, int, int],
) -> None:
    designs = simon_two_stage(p0, p1, alpha=0.05, power=0.8)
    o, m = designs.optimal, designs.minimax
    assert (o.r1, o.n1, o.r, o.n) == optimal
    assert (m.r1, m.n1, m.r, m.n) == minimax


def test_pallsoft_exact_power_at_100_per_arm_is_about_0_59() -> None:
    power = exact_rejection_probability(100, 100, 0.6, 0.6, margin=0.15, alpha=0.025)
    assert power == pytest.approx(0.59, abs=0.005)


def test_pallsoft_needs_about_166_per_arm_for_80_and_222_for_90_percent_power() -> None:
    eighty = noninferiority_sample_size(0.6, 0.6, 0.15, alpha=0.025, power=0.8)
    ninety = noninferiority_sample_size(0.6, 0.6, 0.15, alpha=0.025, power=0.9)
    assert eighty.n_control == eighty.n_experimental == 166
    assert ninety.n_control == ninety.n_experimental == 222
    assert eighty.exact_power >= 0.8
    assert ninety.exact_power >= 0.9

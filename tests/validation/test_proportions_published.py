"""Intervals for proportions and risk differences against Newcombe's published tables.

Newcombe RG. Two-sided confidence intervals for the single proportion. Stat Med 1998;17:857–872
(Table I, Wilson, method 3). Newcombe RG. Interval estimation for the difference between
independent proportions. Stat Med 1998;17:873–890 (Table II: Wald = method 1, Mee = method 7,
Miettinen–Nurminen = method 8, Newcombe's hybrid score = method 10). All to 4 decimal places.
"""

from __future__ import annotations

import pytest

from radtrial.stats.proportions import risk_difference, wilson_interval

TABLE_II = [
    # (x_exp, n_exp, x_ctl, n_ctl, method, lower, upper)
    (56, 70, 48, 80, "wald", 0.0575, 0.3425),
    (56, 70, 48, 80, "mee", 0.0533, 0.3377),
    (56, 70, 48, 80, "miettinen_nurminen", 0.0528, 0.3382),
    (56, 70, 48, 80, "newcombe", 0.0524, 0.3339),
    (9, 10, 3, 10, "wald", 0.2605, 0.9395),
    (9, 10, 3, 10, "mee", 0.1821, 0.8370),
    (9, 10, 3, 10, "miettinen_nurminen", 0.1700, 0.8406),
    (9, 10, 3, 10, "newcombe", 0.1705, 0.8090),
    (10, 10, 0, 20, "miettinen_nurminen", 0.7156, 1.0),
    (10, 10, 0, 20, "newcombe", 0.6791, 1.0),
    (84, 101, 89, 105, "miettinen_nurminen", -0.1191, 0.0860),
    (84, 101, 89, 105, "newcombe", -0.1177, 0.0851),
]

TABLE_I_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("x1", "n1", "x2", "n2", "method", "lower", "upper"), TABLE_II)
def test_newcombe_table_ii_to_four_decimals(
    x1: int, n1: int, x2: int, n2: int, method: str, lower: float, upper: float
) -> None:
    result = risk_difference(x1, n1, x2, n2, method=method)  # type: ignore[arg-type]
    assert round(result.lower, 4) == pytest.approx(lower, abs=1e-12)
    assert round(result.upper, 4) == pytest.approx(upper, abs=1e-12)


@pytest.mark.parametrize(("x", "n", "lower", "upper"), TABLE_I_WILSON)
def test_newcombe_table_i_wilson_to_four_decimals(
    x: int, n: int, lower: float, upper: float
) -> None:
    lo, hi = wilson_interval(x, n)
    assert round(float(lo), 4) == pytest.approx(lower, abs=1e-12)
    assert round(float(hi), 4) == pytest.approx(upper, abs=1e-12)

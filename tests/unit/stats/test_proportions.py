"""Proportions and the risk difference p_exp − p_ctl: intervals that behave on every table."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import xlog1py, xlogy

from radtrial.errors import InvalidInput
from radtrial.stats import proportions as P
from radtrial.stats.proportions import (
    DIRECTION,
    clopper_pearson_interval,
    proportion,
    restricted_mle,
    risk_difference,
    risk_difference_interval,
    wilson_interval,
)

METHODS = ("wald", "newcombe", "miettinen_nurminen", "mee")


@st.composite
def tables(draw: st.DrawFn, n_max: int = 60) -> tuple[int, int, int, int]:
    n1 = draw(st.integers(1, n_max))
    n2 = draw(st.integers(1, n_max))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


def test_a_zero_count_has_a_lower_limit_of_exactly_zero() -> None:
    for interval in (wilson_interval, clopper_pearson_interval):
        lower, upper = interval(0, 20)
        assert float(lower) == 0.0
        assert 0.0 < float(upper) < 1.0


def test_a_full_count_has_an_upper_limit_of_exactly_one() -> None:
    for interval in (wilson_interval, clopper_pearson_interval):
        lower, upper = interval(20, 20)
        assert float(upper) == 1.0
        assert 0.0 < float(lower) < 1.0


def test_the_risk_difference_is_experimental_minus_control() -> None:
    result = risk_difference(9, 10, 3, 10, method="miettinen_nurminen")
    assert result.estimate == pytest.approx(0.6)
    assert result.direction == DIRECTION
    assert result.to_dict()["direction"].startswith("p_exp - p_ctl")


def test_every_method_gives_a_proper_interval_for_the_edge_table_9_of_10_vs_3_of_10() -> None:
    for method in METHODS:
        result = risk_difference(9, 10, 3, 10, method=method)
        assert -1.0 <= result.lower < result.estimate < result.upper <= 1.0


def test_all_or_none_tables_reach_the_bound_of_the_difference() -> None:
    for method in ("newcombe", "miettinen_nurminen", "mee"):
        up = risk_difference(10, 10, 0, 20, method=method)
        down = risk_difference(0, 20, 10, 10, method=method)
        assert up.upper == 1.0
        assert down.lower == -1.0
        assert up.lower == pytest.approx(-down.upper, abs=1e-12)


def test_two_empty_arms_give_an_interval_around_zero() -> None:
    for method in ("newcombe", "miettinen_nurminen", "mee"):
        result = risk_difference(0, 15, 0, 15, method=method)
        assert result.lower < 0.0 < result.upper
        assert result.lower == pytest.approx(-result.upper, abs=1e-12)


def test_proportion_reports_the_method_and_the_confidence() -> None:
    est = proportion(81, 263, method="wilson", confidence=0.9)
    assert est.method == "wilson"
    assert est.confidence == 0.9
    assert est.lower < est.estimate < est.upper


@pytest.mark.parametrize(
    ("call", "location"),
    [
        (lambda: risk_difference(11, 10, 3, 10), "x_exp"),
        (lambda: risk_difference(1, 10, -1, 10), "x_ctl"),
        (lambda: risk_difference(1, 0, 1, 10), "n_exp"),
        (lambda: risk_difference(1.5, 10, 1, 10), "x_exp"),  # type: ignore[arg-type]
        (lambda: risk_difference(1, 10, 1, 10, confidence=1.0), "confidence"),
        (lambda: risk_difference(1, 10, 1, 10, method="exact"), "method"),  # type: ignore[arg-type]
        (lambda: proportion(1, 10, method="jeffreys"), "method"),  # type: ignore[arg-type]
        (lambda: wilson_interval([1, 2], [10, 10, 10]), "x"),
    ],
)
def test_bad_input_raises_invalid_input_naming_the_argument(call: object, location: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()  # type: ignore[operator]
    assert caught.value.location == location


@settings(max_examples=200, deadline=None)
@given(tables(), st.sampled_from(METHODS), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_every_interval_contains_the_point_estimate(
    table: tuple[int, int, int, int], method: str, confidence: float
) -> None:
    x1, n1, x2, n2 = table
    lower, upper = risk_difference_interval(x1, n1, x2, n2, method, confidence)  # type: ignore[arg-type]
    estimate = x1 / n1 - x2 / n2
    assert -1.0 <= float(lower) <= estimate + 1e-12
    assert estimate - 1e-12 <= float(upper) <= 1.0


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(("newcombe", "miettinen_nurminen", "mee")))
def test_swapping_the_arms_mirrors_the_interval(
    table: tuple[int, int, int, int], method: str
) -> None:
    x1, n1, x2, n2 = table
    lower, upper = risk_difference_interval(x1, n1, x2, n2, method)  # type: ignore[arg-type]
    lower_s, upper_s = risk_difference_interval(x2, n2, x1, n1, method)  # type: ignore[arg-type]
    assert float(lower) == pytest.approx(-float(upper_s), abs=1e-9)
    assert float(upper) == pytest.approx(-float(lower_s), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(tables())
def test_the_miettinen_nurminen_interval_contains_mees(table: tuple[int, int, int, int]) -> None:
    mn = risk_difference_interval(*table, method="miettinen_nurminen")
    mee = risk_difference_interval(*table, method="mee")
    assert float(mn[0]) <= float(mee[0]) + 1e-10
    assert float(mn[1]) >= float(mee[1]) - 1e-10


@settings(max_examples=60, deadline=None)
@given(st.lists(tables(), min_size=1, max_size=12), st.sampled_from(METHODS))
def test_the_vectorised_interval_equals_the_scalar_one(
    rows: list[tuple[int, int, int, int]], method: str
) -> None:
    x1, n1, x2, n2 = (np.array(col) for col in zip(*rows, strict=True))
    lower, upper = risk_difference_interval(x1, n1, x2, n2, method)  # type: ignore[arg-type]
    for i, row in enumerate(rows):
        one = risk_difference(*row, method=method)  # type: ignore[arg-type]
        assert lower[i] == pytest.approx(one.lower, abs=1e-12)
        assert upper[i] == pytest.approx(one.upper, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(tables(n_max=40), st.sampled_from([False, True]))
def test_the_fast_score_limits_equal_plain_bisection(
    table: tuple[int, int, int, int], mn: bool
) -> None:
    x1, n1, x2, n2 = (np.array([float(v)]) for v in table)
    lower, upper = P.score_interval(x1, n1, x2, n2, 1.959963984540054, mn_correction=mn)
    d = x1 / n1 - x2 / n2
    slow_lower = P._bisect(x1, n1, x2, n2, np.array([-1.0]), d.copy(), 1.959963984540054, mn)
    slow_upper = P._bisect(x1, n1, x2, n2, d.copy(), np.array([1.0]), -1.959963984540054, mn)
    if d[0] > -1.0:
        assert lower[0] == pytest.approx(slow_lower[0], abs=1e-9)
    if d[0] < 1.0:
        assert upper[0] == pytest.approx(slow_upper[0], abs=1e-9)


def _loglik_on_constraint(
    table: tuple[int, int, int, int], delta: float
) -> Callable[[np.ndarray], np.ndarray]:
    x1, n1, x2, n2 = table

    def loglik(p_ctl: np.ndarray) -> np.ndarray:
        p_exp = p_ctl + delta
        return np.asarray(
            xlogy(x1, p_exp)
            + xlog1py(n1 - x1, -p_exp)
            + xlogy(x2, p_ctl)
            + xlog1py(n2 - x2, -p_ctl)
        )

    return loglik


@settings(max_examples=150, deadline=None)
@given(tables(), st.floats(-0.95, 0.95))
# Hypothesis found this one: the trigonometric root gave 0.99999997670, not 1 (a double root
# of the cubic at the end of the segment), which cost 1.4e-6 of log-likelihood.
@example(table=(54, 54, 7, 7), delta=0.0)
def test_the_restricted_mle_maximises_the_likelihood_on_the_constraint(
    table: tuple[int, int, int, int], delta: float
) -> None:
    pe, pc = (float(v) for v in restricted_mle(*table, delta))
    assert pe - pc == pytest.approx(delta, abs=1e-12)
    assert 0.0 <= pc <= 1.0
    assert 0.0 <= pe <= 1.0
    loglik = _loglik_on_constraint(table, delta)
    grid = np.linspace(max(0.0, -delta), min(1.0, 1.0 - delta), 2001)
    best = float(np.max(loglik(grid)))
    assert float(loglik(np.array([pc]))[0]) >= best - 1e-12 * max(1.0, abs(best))


def _score_root_by_bisection(table: tuple[int, int, int, int], delta: float) -> float:
    """p̃_ctl by plain bisection on the sign of dℓ/dp_ctl: an independent reference.

    ℓ is concave on the segment, so where the score keeps one sign the bisection runs into the
    end it points to; only interior points are ever evaluated.
    """
    x1, n1, x2, n2 = table
    lo, hi = max(0.0, -delta), min(1.0, 1.0 - delta)
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if mid in (lo, hi):
            break
        p_exp, p_ctl = mid + delta, mid
        score = (
            (x1 / p_exp if x1 else 0.0)
            - ((n1 - x1) / (1.0 - p_exp) if n1 > x1 else 0.0)
            + (x2 / p_ctl if x2 else 0.0)
            - ((n2 - x2) / (1.0 - p_ctl) if n2 > x2 else 0.0)
        )
        if score > 0.0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


@settings(max_examples=300, deadline=None)
@given(tables(), st.floats(-0.99, 0.99))
@example(table=(54, 54, 7, 7), delta=0.0)
@example(table=(0, 30, 1, 1), delta=0.0)
@example(table=(20, 20, 0, 19), delta=0.95)
@example(table=(1, 22, 21, 21), delta=-0.1)
def test_the_restricted_mle_is_exact_to_double_precision(
    table: tuple[int, int, int, int], delta: float
) -> None:
    # Before the Newton polish the cubic's root was off by up to 6e-8 (20/20 vs 0/19, δ = 0.95).
    _, pc = restricted_mle(*table, delta)
    assert float(pc) == pytest.approx(_score_root_by_bisection(table, delta), abs=1e-13)


@pytest.mark.parametrize(
    ("table", "delta", "expected"),
    [
        ((54, 54, 7, 7), 0.0, (1.0, 1.0)),  # everyone responds: the MLE is the corner
        ((0, 54, 0, 7), 0.0, (0.0, 0.0)),  # nobody responds
        ((30, 30, 30, 30), 0.0, (1.0, 1.0)),
        ((5, 5, 3, 4), 0.2, (1.0, 0.8)),  # all responders in the experimental arm, δ > 0
        ((0, 5, 0, 4), -0.2, (0.0, 0.2)),
        ((3, 5, 2, 7), 1.0, (1.0, 0.0)),  # δ = ±1 leaves a single feasible point
        ((3, 5, 2, 7), -1.0, (0.0, 1.0)),
    ],
)
def test_all_or_none_tables_put_the_restricted_mle_exactly_on_the_end(
    table: tuple[int, int, int, int], delta: float, expected: tuple[float, float]
) -> None:
    pe, pc = restricted_mle(*table, delta)
    assert (float(pe), float(pc)) == expected


def test_the_restricted_mle_broadcasts_and_takes_expected_proportions() -> None:
    # The designs pass expected proportions with n = 1; arrays broadcast against scalars.
    pe, pc = restricted_mle(np.array([0.6, 0.3]), 1.0, 0.6, 1.0, np.array([[-0.15], [0.0]]))
    assert pe.shape == (2, 2)
    np.testing.assert_allclose(pe - pc, [[-0.15, -0.15], [0.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(pe[1], [0.6, 0.45], rtol=1e-14)  # δ = 0: the pooled rate


def test_wilson_limits_solve_the_score_equation() -> None:
    # |p̂ − p| = z·√(p(1 − p)/n) at both limits (Wilson 1927).
    x, n, z = 15, 148, 1.959963984540054
    lower, upper = wilson_interval(x, n)
    for p in (float(lower), float(upper)):
        assert abs(x / n - p) == pytest.approx(z * np.sqrt(p * (1 - p) / n), rel=1e-10)

"""The Farrington–Manning test of H0: p_exp − p_ctl ≤ −M, and its MN variant."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from radtrial.errors import InvalidInput
from radtrial.stats.noninferiority import (
    FarringtonManningTest,
    farrington_manning,
    farrington_manning_z,
)
from radtrial.stats.proportions import risk_difference


@st.composite
def tables(draw: st.DrawFn, n_max: int = 80) -> tuple[int, int, int, int]:
    n1 = draw(st.integers(2, n_max))
    n2 = draw(st.integers(2, n_max))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


def test_equal_rates_at_100_per_arm_are_non_inferior_with_a_15_point_margin() -> None:
    result = farrington_manning(60, 100, 60, 100, margin=0.15)
    assert float(result.z) == pytest.approx(2.1867, abs=1e-4)
    assert float(result.p_value) == pytest.approx(norm.sf(float(result.z)))
    assert bool(result.reject)
    assert "p_exp - p_ctl <= -0.15" in result.hypothesis


def test_the_restricted_estimates_lie_on_the_null_boundary() -> None:
    result = farrington_manning(56, 70, 48, 80, margin=0.1)
    assert float(result.p_exp_restricted - result.p_ctl_restricted) == pytest.approx(-0.1)


def test_a_zero_margin_gives_the_pooled_two_proportion_z_test() -> None:
    x1, n1, x2, n2 = 30, 50, 20, 60
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert float(farrington_manning(x1, n1, x2, n2, margin=0.0).z) == pytest.approx(z)


def test_the_mn_variant_shrinks_z_by_the_root_of_n_minus_one_over_n() -> None:
    fm = float(farrington_manning_z(56, 70, 48, 80, 0.1, "fm"))
    mn = float(farrington_manning_z(56, 70, 48, 80, 0.1, "mn"))
    assert mn == pytest.approx(fm * math.sqrt(149 / 150))


def test_the_matching_interval_is_mees_for_fm_and_mn_for_mn() -> None:
    fm = farrington_manning(56, 70, 48, 80, margin=0.1, alpha=0.025)
    mn = farrington_manning(56, 70, 48, 80, margin=0.1, alpha=0.025, variant="mn")
    mee = risk_difference(56, 70, 48, 80, method="mee")
    mnci = risk_difference(56, 70, 48, 80, method="miettinen_nurminen")
    assert fm.ci_confidence == pytest.approx(0.95)
    assert float(fm.ci_lower) == pytest.approx(mee.lower, abs=1e-12)
    assert float(mn.ci_upper) == pytest.approx(mnci.upper, abs=1e-12)


def test_the_fitter_returns_itself_and_summarises_one_row() -> None:
    test = FarringtonManningTest(margin=0.15)
    assert test.fit(60, 100, 60, 100) is test
    summary = test.summary
    assert summary["direction"].startswith("p_exp - p_ctl")  # type: ignore[union-attr]
    assert summary["non_inferior"] is True
    assert test.ci_[0] > -0.15


def test_the_fitter_refuses_arrays() -> None:
    with pytest.raises(InvalidInput):
        FarringtonManningTest(0.1).fit(np.array([1, 2]), 10, 3, 10)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"margin": 1.0}, "margin"),
        ({"margin": -0.1}, "margin"),
        ({"alpha": 0.6}, "alpha"),
        ({"variant": "wald"}, "variant"),
        ({"x_exp": 11}, "x_exp"),
        ({"n_ctl": 0}, "n_ctl"),
    ],
)
def test_bad_input_is_named(kwargs: dict[str, object], location: str) -> None:
    args: dict[str, object] = {
        "x_exp": 5,
        "n_exp": 10,
        "x_ctl": 5,
        "n_ctl": 10,
        "margin": 0.1,
        "alpha": 0.025,
        "variant": "fm",
    }
    args.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        farrington_manning(**args)  # type: ignore[arg-type]
    assert caught.value.location == location


@settings(max_examples=150, deadline=None)
@given(tables(), st.floats(0.0, 0.4), st.floats(0.01, 0.4), st.sampled_from(["fm", "mn"]))
def test_z_increases_with_the_margin(
    table: tuple[int, int, int, int], m: float, step: float, variant: str
) -> None:
    small = float(farrington_manning_z(*table, m, variant))  # type: ignore[arg-type]
    large = float(farrington_manning_z(*table, min(m + step, 0.99), variant))  # type: ignore[arg-type]
    assert large >= small - 1e-12


@settings(max_examples=150, deadline=None)
@given(
    tables(), st.floats(0.01, 0.4), st.sampled_from([0.025, 0.05]), st.sampled_from(["fm", "mn"])
)
def test_the_test_rejects_exactly_when_the_lower_limit_clears_the_margin(
    table: tuple[int, int, int, int], margin: float, alpha: float, variant: str
) -> None:
    result = farrington_manning(*table, margin=margin, alpha=alpha, variant=variant)  # type: ignore[arg-type]
    assert result.ci_lower is not None
    lower = float(result.ci_lower)
    if abs(lower + margin) > 1e-9:  # away from the knife edge
        assert bool(result.reject) == (lower > -margin)


@settings(max_examples=60, deadline=None)
@given(st.lists(tables(), min_size=1, max_size=10), st.floats(0.0, 0.3))
def test_the_vectorised_test_equals_one_table_at_a_time(
    rows: list[tuple[int, int, int, int]], margin: float
) -> None:
    x1, n1, x2, n2 = (np.array(col) for col in zip(*rows, strict=True))
    many = farrington_manning(x1, n1, x2, n2, margin)
    assert many.ci_lower is not None
    for i, row in enumerate(rows):
        one = farrington_manning(*row, margin)
        assert many.z[i] == pytest.approx(float(one.z), abs=1e-12)
        assert many.p_value[i] == pytest.approx(float(one.p_value), abs=1e-12)
        assert many.ci_lower[i] == pytest.approx(float(one.ci_lower), abs=1e-12)  # type: ignore[arg-type]


def test_statsmodels_score_test_differs_from_fm_at_a_nonzero_margin() -> None:
    """Documents statsmodels issue #10269: its ``score`` method is wrong when the margin ≠ 0.

    It agrees with FM at margin 0, and disagrees at margin 0.15 (60/100 vs 60/100: 2.1769
    against FM's 2.1867); its score interval also fails outright on 9/10 vs 3/10.
    """
    from statsmodels.stats import proportion  # a dev dependency: imported, never skipped

    sm0 = proportion.test_proportions_2indep(
        56, 70, 48, 80, value=0.0, method="score", compare="diff", correction=False
    )
    assert sm0.statistic == pytest.approx(float(farrington_manning_z(56, 70, 48, 80, 0.0)))
    sm = proportion.test_proportions_2indep(
        60,
        100,
        60,
        100,
        value=-0.15,
        method="score",
        compare="diff",
        alternative="larger",
        correction=False,
    )
    ours = float(farrington_manning_z(60, 100, 60, 100, 0.15))
    assert abs(sm.statistic - ours) > 5e-3
    with pytest.raises(ValueError, match="different signs"):
        proportion.confint_proportions_2indep(9, 10, 3, 10, method="score", compare="diff")

"""A DVH is the exact distribution of weighted dose samples: point masses step, spread samples
are uniform over their dose range, and Dx/Vx are read off that function, not off bins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radtrial.rt.dvh.histogram import Dvh


def test_point_masses_give_a_stepped_cumulative_dvh() -> None:
    dvh = Dvh.from_samples(np.array([1.0, 2.0, 3.0, 4.0]), np.full(4, 0.25))
    assert dvh.volume_cc == 1.0
    assert list(dvh.volume_at_dose(np.array([0.5, 1.0, 1.5, 4.0, 4.5]))) == pytest.approx(
        [1.0, 1.0, 0.75, 0.25, 0.0]
    )
    assert dvh.dose_at_percent(100.0)[0] == 1.0
    assert dvh.dose_at_percent(50.0)[0] == 3.0  # the hottest half receives at least 3 Gy
    assert dvh.dose_at_percent(30.0)[0] == 3.0
    assert dvh.min_gy == 1.0
    assert dvh.max_gy == 4.0
    assert dvh.mean_gy == 2.5


def test_a_spread_sample_is_uniform_over_its_dose_range() -> None:
    dvh = Dvh.from_samples(np.array([10.0]), np.array([2.0]), np.array([1.0]))
    assert dvh.volume_at_dose(np.array([9.0, 9.5, 10.0, 11.0]))[:] == pytest.approx(
        [2.0, 1.5, 1.0, 0.0]
    )
    assert dvh.dose_at_percent(np.array([98.0, 50.0, 2.0])) == pytest.approx([9.04, 10.0, 10.96])
    assert dvh.min_gy == 9.0
    assert dvh.max_gy == 11.0


def test_uniform_slabs_of_a_linear_gradient_reproduce_the_continuous_quantiles() -> None:
    # A 10 mm slab in 1 Gy/mm sampled by ten 1 mm cells: exactly uniform on [0, 10] Gy.
    centres = np.arange(10) + 0.5
    dvh = Dvh.from_samples(centres, np.full(10, 0.1), np.full(10, 0.5))
    assert dvh.dose_at_percent(np.array([95.0, 62.5, 2.0])) == pytest.approx([0.5, 3.75, 9.8])


def test_metrics_are_not_quantised_to_bins() -> None:
    dvh = Dvh.from_samples(np.array([1.23456, 7.654321]), np.array([1.0, 1.0]))
    assert dvh.dose_at_percent(50.0)[0] == 7.654321
    assert dvh.volume_at_dose(1.234561)[0] == 1.0


def test_cumulative_and_differential_curves_share_edges_and_total() -> None:
    rng = np.random.default_rng(1)
    dvh = Dvh.from_samples(rng.uniform(0, 5, 1000), np.full(1000, 0.001), np.full(1000, 0.05))
    edges = dvh.dose_edges(0.01)
    cumulative = dvh.cumulative(edges)
    assert cumulative[0] == pytest.approx(1.0)
    assert cumulative[-1] == pytest.approx(0.0, abs=1e-12)
    assert dvh.differential(edges).sum() == pytest.approx(1.0)
    # Edges on the internal grid and arbitrary doses agree.
    assert dvh.volume_at_dose(edges[123] + 1e-12)[0] == pytest.approx(cumulative[123], abs=1e-9)


def test_an_empty_dvh_has_no_volume() -> None:
    dvh = Dvh.from_samples(np.zeros(0), np.zeros(0))
    assert dvh.is_empty
    assert dvh.volume_cc == 0.0
    assert dvh.mean_gy == 0.0
    assert dvh.dose_at_percent(50.0)[0] == 0.0


def test_scaling_multiplies_every_dose() -> None:
    dvh = Dvh.from_samples(np.array([2.0, 4.0]), np.array([1.0, 1.0]), np.array([0.1, 0.2]))
    scaled = dvh.scaled(1.1)
    assert scaled.max_gy == pytest.approx(1.1 * 4.2)
    assert scaled.dose_at_percent(50.0)[0] == pytest.approx(1.1 * dvh.dose_at_percent(50.0)[0])


samples = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0, 80), min_size=n, max_size=n),
        st.lists(st.floats(1e-3, 5), min_size=n, max_size=n),
        st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 3)), min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(samples, st.lists(st.floats(-1, 85), min_size=2, max_size=8))
def test_the_cumulative_dvh_never_increases_with_dose(
    data: tuple[list[float], list[float], list[float]], doses: list[float]
) -> None:
    dvh = Dvh.from_samples(np.array(data[0]), np.array(data[1]), np.array(data[2]))
    ordered = np.sort(np.array(doses))
    volumes = dvh.volume_at_dose(ordered)
    assert np.all(np.diff(volumes) <= 1e-9 * dvh.volume_cc)
    assert np.all(volumes <= dvh.volume_cc * (1 + 1e-12))


@settings(max_examples=150, deadline=None)
@given(samples, st.floats(0.5, 99.5))
def test_dose_at_volume_inverts_volume_at_dose(
    data: tuple[list[float], list[float], list[float]], percent: float
) -> None:
    dvh = Dvh.from_samples(np.array(data[0]), np.array(data[1]), np.array(data[2]))
    target = percent / 100 * dvh.volume_cc
    dose = dvh.dose_at_volume(target)[0]
    tolerance = 1e-7 * dvh.volume_cc
    assert dvh.volume_at_dose(dose)[0] >= target - tolerance
    assert dvh.volume_at_dose(dose + 1e-6)[0] <= target + tolerance


@settings(max_examples=200, deadline=None)
@given(
    doses=st.lists(
        st.one_of(st.integers(0, 40).map(lambda k: k * 0.005), st.floats(0, 20)),
        min_size=1,
        max_size=60,
    ),
    weight=st.sampled_from([0.01875, 0.001, 1.0 / 3.0]),
    percents=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=6),
)
def test_equal_weight_point_masses_take_the_selection_path_and_match_a_sort(
    doses: list[float], weight: float, percents: list[float]
) -> None:
    # tps voxels: one weight each, many equal doses (quantised by DoseGridScaling). Dx is the
    # dose of the sample at which the volume counted from the hottest first reaches x.
    values = np.array(doses)
    dvh = Dvh.from_samples(values, np.full(values.size, weight))
    descending = np.sort(values)[::-1]
    reached = np.arange(1, values.size + 1) * weight
    total = values.size * weight
    for percent in percents:
        target = percent / 100 * total - 1e-12 * total
        expected = descending[min(int(np.searchsorted(reached, target)), values.size - 1)]
        assert dvh.dose_at_percent(percent)[0] == expected, percent

"""Hypothesis properties of RECIST: the nadir, and the 20 % / 5 mm and 30 % rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from radtrial.clinical.recist import RecistSeries, Response

from .recist_helpers import PROSARC2_RULES, lesion, series

# Whole millimetres keep the independent oracle below in integers.
sizes_mm = st.integers(min_value=1, max_value=150)


@st.composite
def measured_series(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    count = draw(st.integers(1, 3))
    baseline = [draw(st.integers(10, 150)) for _ in range(count)]
    rows = draw(st.lists(st.lists(sizes_mm, min_size=count, max_size=count), max_size=8))
    return baseline, rows


def build(baseline: list[int], rows: list[list[int]]) -> RecistSeries:
    targets = [lesion(f"L{i}", float(mm), organ=f"organ {i}") for i, mm in enumerate(baseline)]
    return series(targets, [[float(mm) for mm in row] for row in rows])


@given(measured_series())
def test_the_nadir_never_increases_and_is_the_smallest_sum_so_far(
    data: tuple[list[int], list[list[int]]],
) -> None:
    baseline, rows = data
    result = build(baseline, rows)
    sums = [sum(baseline)] + [sum(row) for row in rows]
    nadirs = [p.nadir_mm for p in result.time_points]
    assert nadirs == sorted(nadirs, reverse=True)
    for i, point in enumerate(result.time_points):
        assert point.nadir_mm == min(sums[: i + 1])
        assert point.sum_mm == sums[i + 1]
    assert result.nadir_mm == min(sums)


@given(measured_series())
def test_pd_pr_and_sd_follow_the_rules_against_nadir_and_baseline(
    data: tuple[list[int], list[list[int]]],
) -> None:
    baseline, rows = data
    base = sum(baseline)
    nadir = base
    seen_cr = False
    for point, row in zip(build(baseline, rows).time_points, rows, strict=True):
        total = sum(row)
        rise = total - nadir
        assert not seen_cr  # sizes ≥ 1 mm: no CR
        if rise >= 5 and 5 * rise >= nadir:
            assert point.target is Response.PD
        elif 10 * total <= 7 * base:
            assert point.target is Response.PR
        else:
            assert point.target is Response.SD
        nadir = min(nadir, total)


@settings(max_examples=60)
@given(st.integers(10, 150), st.lists(st.integers(0, 200), min_size=1, max_size=8))
def test_local_progression_is_the_index_lesions_own_rule(baseline: int, sizes: list[int]) -> None:
    index = lesion("T1", float(baseline), organ="thigh", irradiated_index=True)
    result = series([index], [[float(s)] for s in sizes], rules=PROSARC2_RULES)
    nadir = baseline
    for point, size in zip(result.time_points, sizes, strict=True):
        assert point.index_nadir_mm == nadir
        rise = size - nadir
        expected = (rise >= 5 and 5 * rise >= nadir) or (nadir == 0 and size > 0)
        assert point.local_progression is expected
        nadir = min(nadir, size)

"""Designs: the FM sample size, exact power and type I error, Simon, single stage, landmark."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, norm

from radtrial.errors import InvalidInput
from radtrial.stats.designs import (
    TRANSFORMS,
    exact_rejection_probability,
    exact_sample_size,
    exact_type_one_error,
    landmark_survival_design,
    nbinomial_total,
    noninferiority_sample_size,
    simon_two_stage,
    single_stage_binomial,
)
from radtrial.stats.noninferiority import farrington_manning

# --- non-inferiority, two proportions -------------------------------------------------------


def test_the_gsdesign_example_needs_2056_671_patients() -> None:
    assert nbinomial_total(0.677, 0.677, delta0=0.07, ratio=2) == pytest.approx(2056.671, abs=5e-4)


def test_the_design_maps_the_ni_question_onto_nbinomial() -> None:
    # Success and failure swap the sign of the margin; the ratio is inverted (n_exp / n_ctl).
    design = noninferiority_sample_size(0.323, 0.323, 0.07, alpha=0.025, power=0.9, ratio=0.5)
    assert design.n_total_exact == pytest.approx(2056.671, abs=5e-4)
    assert design.n_control_exact == pytest.approx(2 * design.n_experimental_exact)


def test_pallsoft_at_15_points_needs_166_per_arm_for_80_and_222_for_90_percent() -> None:
    assert noninferiority_sample_size(0.6, 0.6, 0.15, power=0.8).n_control == 166
    assert noninferiority_sample_size(0.6, 0.6, 0.15, power=0.9).n_control == 222


def test_dropout_inflates_the_evaluable_size_and_is_rounded_up() -> None:
    design = noninferiority_sample_size(0.6, 0.6, 0.2, dropout=0.05)
    assert design.n_control == 92
    assert design.n_control_enrolled == math.ceil(92 / 0.95)
    assert design.to_dict()["n_total_enrolled"] == 2 * design.n_control_enrolled


def test_the_design_states_its_direction_and_hypothesis() -> None:
    out = noninferiority_sample_size(0.6, 0.6, 0.15).to_dict()
    assert str(out["direction"]).startswith("p_exp - p_ctl")
    assert "<= -0.15" in str(out["hypothesis"])


def test_without_a_margin_nbinomial_uses_the_pooled_rate() -> None:
    p1, p2, z_a, z_b = 0.3, 0.2, norm.isf(0.025), norm.isf(0.1)
    pbar = (p1 + p2) / 2
    n = (
        (
            z_a * math.sqrt(2 * pbar * (1 - pbar) * 2)
            + z_b * math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) * 2)
        )
        / (p1 - p2)
    ) ** 2
    assert nbinomial_total(p1, p2) == pytest.approx(n)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.2, 0.8), st.floats(0.05, 0.15), st.floats(0.02, 0.1))
def test_a_wider_margin_needs_fewer_patients(p: float, margin: float, step: float) -> None:
    narrow = nbinomial_total(p, p, delta0=-margin, beta=0.2)
    wide = nbinomial_total(p, p, delta0=-min(margin + step, p - 0.01), beta=0.2)
    assert wide <= narrow


def test_exact_power_at_100_per_arm_is_about_0_59() -> None:
    assert exact_rejection_probability(100, 100, 0.6, 0.6, 0.15) == pytest.approx(0.5873, abs=1e-4)


def test_exact_power_matches_a_direct_sum_over_outcomes() -> None:
    n1, n2, pe, pc, m = 7, 9, 0.5, 0.6, 0.2
    crit = norm.isf(0.05)
    total = 0.0
    for x1 in range(n1 + 1):
        for x2 in range(n2 + 1):
            if float(farrington_manning(x1, n1, x2, n2, m, alpha=0.05, interval=False).z) > crit:
                total += binom.pmf(x1, n1, pe) * binom.pmf(x2, n2, pc)
    assert exact_rejection_probability(n1, n2, pe, pc, m, alpha=0.05) == pytest.approx(total)


def test_the_smallest_exact_size_for_80_percent_is_163_per_arm() -> None:
    n_exp, n_ctl, power = exact_sample_size(0.6, 0.6, 0.15)
    assert (n_exp, n_ctl) == (163, 163)
    assert power >= 0.8
    assert exact_rejection_probability(162, 162, 0.6, 0.6, 0.15) < 0.8


@settings(max_examples=20, deadline=None)
@given(
    st.integers(200, 400),
    st.floats(0.3, 0.9),
    st.sampled_from([0.05, 0.1, 0.15, 0.2]),
    st.sampled_from(["fm", "mn"]),
)
def test_the_exact_type_one_error_stays_near_alpha_for_large_trials(
    n: int, p_ctl: float, margin: float, variant: str
) -> None:
    size = exact_type_one_error(n, n, p_ctl, margin, alpha=0.025, variant=variant)  # type: ignore[arg-type]
    assert size <= 0.025 + 0.005


def test_a_null_boundary_below_zero_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        exact_type_one_error(50, 50, 0.1, 0.2)
    assert caught.value.location == "p_ctl"


@pytest.mark.parametrize(
    ("kwargs", "location"),
    [
        ({"p_control": 1.2}, "p_control"),
        ({"margin": 0.0}, "margin"),
        ({"ratio": 0.0}, "ratio"),
        ({"dropout": 1.0}, "dropout"),
        ({"power": 0.01}, "power"),
        ({"p_experimental": 0.3}, "p_experimental"),
    ],
)
def test_bad_design_input_is_named(kwargs: dict[str, float], location: str) -> None:
    args = {"p_control": 0.6, "p_experimental": 0.6, "margin": 0.15}
    args.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        noninferiority_sample_size(**args)  # type: ignore[arg-type]
    assert caught.value.location == location


# --- single arm -------------------------------------------------------------------------------


def test_simon_designs_meet_their_constraints_and_optimal_beats_minimax_on_en0() -> None:
    designs = simon_two_stage(0.2, 0.4, 0.05, 0.8)
    for d in (designs.optimal, designs.minimax):
        assert d.alpha <= 0.05
        assert d.power >= 0.8
        assert d.r1 < d.n1 < d.n
        assert d.en0 == pytest.approx(d.n1 + (1 - d.pet0) * (d.n - d.n1))
    assert designs.optimal.en0 <= designs.minimax.en0
    assert designs.minimax.n <= designs.optimal.n


def test_a_simon_design_rule_reads_in_words() -> None:
    rule = simon_two_stage(0.1, 0.3).optimal.to_dict()["rule"]
    assert rule == (
        "stage 1: treat 10, stop if 1 or fewer respond; stage 2: treat 19 more, "
        "inactive if 5 or fewer of 29"
    )


def test_a_too_small_search_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        simon_two_stage(0.1, 0.3, n_max=10)
    assert caught.value.location == "n_max"


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 0.7), st.floats(0.15, 0.3))
def test_the_single_stage_design_is_the_smallest_that_works(p0: float, gap: float) -> None:
    p1 = min(p0 + gap, 0.95)
    d = single_stage_binomial(p0, p1)
    assert binom.sf(d.r, d.n, p0) <= 0.05 + 1e-12
    assert binom.sf(d.r, d.n, p1) >= 0.8 - 1e-12
    smaller = d.n - 1
    ok = [
        r
        for r in range(smaller + 1)
        if binom.sf(r, smaller, p0) <= 0.05 and binom.sf(r, smaller, p1) >= 0.8
    ]
    assert ok == []


def test_p1_must_exceed_p0() -> None:
    with pytest.raises(InvalidInput) as caught:
        simon_two_stage(0.3, 0.3)
    assert caught.value.location == "p1"


# --- landmark survival ------------------------------------------------------------------------


def test_without_censoring_before_the_landmark_the_identity_design_is_binomial() -> None:
    s0, s1, za, zb = 0.55, 0.75, norm.isf(0.05), norm.isf(0.2)
    binomial = (za * math.sqrt(s0 * (1 - s0)) + zb * math.sqrt(s1 * (1 - s1))) ** 2 / (s1 - s0) ** 2
    d = landmark_survival_design(s0, s1, 24, 36, 24, transform="identity")
    assert d.n_exact == pytest.approx(binomial)


def test_the_arcsine_design_for_prosarc2_needs_35_evaluable_and_39_with_10_percent_loss() -> None:
    d = landmark_survival_design(0.55, 0.75, 24, 36, 24, dropout=0.1)
    assert d.transform == "arcsine"
    assert (d.n_evaluable, d.n_enrolled) == (35, 39)
    assert d.sigma0 == pytest.approx(0.5)


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_censoring_before_the_landmark_needs_more_patients(transform: str) -> None:
    early = landmark_survival_design(0.55, 0.75, 24, 36, 24, transform=transform)  # type: ignore[arg-type]
    late = landmark_survival_design(0.55, 0.75, 36, 36, 12, transform=transform)  # type: ignore[arg-type]
    assert late.n_exact > early.n_exact


def test_a_landmark_after_the_end_of_follow_up_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        landmark_survival_design(0.55, 0.75, 70, 36, 24)
    assert caught.value.location == "landmark_months"


def test_an_unknown_transformation_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        landmark_survival_design(0.55, 0.75, 24, 36, 24, transform="probit")  # type: ignore[arg-type]
    assert caught.value.location == "transform"

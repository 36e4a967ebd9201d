"""Designs against R: rpact's getSampleSizeRates, gsDesign's nBinomial formula re-typed in R,
an exact-power enumeration written in R, and the landmark variance by R's ``integrate``."""

from __future__ import annotations

import pytest

from radtrial.stats.designs import (
    exact_rejection_probability,
    landmark_survival_design,
    nbinomial_total,
    noninferiority_sample_size,
)
from tests.validation.conftest import RunR

# (p_exp, p_ctl, margin, ratio n_exp/n_ctl, alpha, power)
COMBOS = [
    (0.6, 0.6, 0.15, 1.0, 0.025, 0.8),
    (0.6, 0.6, 0.2, 1.0, 0.025, 0.8),
    (0.6, 0.6, 0.15, 1.0, 0.025, 0.9),
    (0.323, 0.323, 0.07, 0.5, 0.025, 0.9),
    (0.7, 0.65, 0.1, 2.0, 0.025, 0.8),
    (0.45, 0.5, 0.12, 1.5, 0.05, 0.85),
    (0.85, 0.9, 0.1, 1.0, 0.025, 0.9),
    (0.3, 0.25, 0.05, 0.75, 0.01, 0.8),
]


def test_the_ni_sample_size_equals_rpact_get_sample_size_rates(run_r: RunR) -> None:
    rows = ",\n".join(
        f"getSampleSizeRates(pi1 = {pe}, pi2 = {pc}, thetaH0 = {-m}, "
        f"allocationRatioPlanned = {r}, alpha = {a}, beta = {1 - pw}, sided = 1)$nFixed"
        for pe, pc, m, r, a, pw in COMBOS
    )
    got = run_r(f"suppressPackageStartupMessages(library(rpact))\nemit(c({rows}))\n")
    for (pe, pc, m, r, a, pw), n_r in zip(COMBOS, got, strict=True):
        design = noninferiority_sample_size(pc, pe, m, alpha=a, power=pw, ratio=r)
        assert design.n_total_exact == pytest.approx(n_r, rel=1e-6)


def test_the_nbinomial_formula_retyped_in_r_gives_2056_671(run_r: RunR) -> None:
    # gsDesign is not packaged for Debian: its nBinomial (scale = "Difference") formula,
    # Farrington & Manning (1990) section 3, typed into R with a numerically found restricted
    # MLE instead of the cubic root.
    got = run_r(
        r"""
nb <- function(p1, p2, delta0, ratio, alpha = 0.025, beta = 0.1) {
  ll <- function(q1) { q2 <- q1 - delta0
    p1 * log(q1) + (1 - p1) * log(1 - q1) + ratio * (p2 * log(q2) + (1 - p2) * log(1 - q2)) }
  q1 <- optimize(ll, c(max(0, delta0), min(1, 1 + delta0)), maximum = TRUE, tol = 1e-14)$maximum
  q2 <- q1 - delta0
  s0 <- sqrt((q1 * (1 - q1) + q2 * (1 - q2) / ratio) * (ratio + 1))
  s1 <- sqrt((p1 * (1 - p1) + p2 * (1 - p2) / ratio) * (ratio + 1))
  ((qnorm(1 - alpha) * s0 + qnorm(1 - beta) * s1) / (p1 - p2 - delta0))^2
}
emit(c(nb(.677, .677, .07, 2), nb(.6, .6, -.15, 1, beta = .2), nb(.7, .65, -.1, .5)))
"""
    )
    assert got[0] == pytest.approx(2056.671, abs=5e-4)
    assert nbinomial_total(0.677, 0.677, 0.07, ratio=2) == pytest.approx(got[0], rel=1e-8)
    assert nbinomial_total(0.6, 0.6, -0.15, beta=0.2) == pytest.approx(got[1], rel=1e-8)
    assert nbinomial_total(0.7, 0.65, -0.1, ratio=0.5) == pytest.approx(got[2], rel=1e-8)


def test_exact_fm_power_agrees_with_an_enumeration_written_in_r(run_r: RunR) -> None:
    # The R side solves Miettinen & Nurminen's cubic for the control rate (their eq. 9
    # parametrisation), not the experimental rate as radtrial does.
    script = r"""
fmz <- function(x1, n1, x2, n2, d) {
  N <- n1 + n2; X <- x1 + x2
  L3 <- N; L2 <- (n1 + 2 * n2) * d - N - X
  L1 <- (n2 * d - N - 2 * x2) * d + X; L0 <- x2 * d * (1 - d)
  q <- L2^3 / (27 * L3^3) - L1 * L2 / (6 * L3^2) + L0 / (2 * L3)
  p <- ifelse(q >= 0, 1, -1) * sqrt(pmax(L2^2 / (9 * L3^2) - L1 / (3 * L3), 0))
  a <- ifelse(p == 0, 0, pmin(pmax(q / p^3, -1), 1))
  pc <- 2 * p * cos((pi + acos(a)) / 3) - L2 / (3 * L3)
  pe <- pc + d
  (x1 / n1 - x2 / n2 - d) / sqrt(pe * (1 - pe) / n1 + pc * (1 - pc) / n2)
}
power <- function(n1, n2, pe, pc, m, alpha) {
  g <- expand.grid(x1 = 0:n1, x2 = 0:n2)
  rej <- fmz(g$x1, n1, g$x2, n2, -m) > qnorm(1 - alpha)
  sum(dbinom(g$x1, n1, pe) * dbinom(g$x2, n2, pc) * rej)
}
emit(c(power(100, 100, .6, .6, .15, .025), power(166, 166, .6, .6, .15, .025),
       power(100, 100, .45, .6, .15, .025), power(60, 90, .7, .65, .1, .05)))
"""
    got = run_r(script)
    ours = [
        exact_rejection_probability(100, 100, 0.6, 0.6, 0.15, 0.025),
        exact_rejection_probability(166, 166, 0.6, 0.6, 0.15, 0.025),
        exact_rejection_probability(100, 100, 0.45, 0.6, 0.15, 0.025),
        exact_rejection_probability(60, 90, 0.7, 0.65, 0.1, 0.05),
    ]
    assert ours == pytest.approx(got, rel=1e-9)
    assert got[0] == pytest.approx(0.59, abs=0.005)


def test_the_landmark_design_agrees_with_an_r_integration(run_r: RunR) -> None:
    got = run_r(
        r"""
sig2 <- function(s, t0, A, F) {
  lam <- -log(s) / t0
  G <- function(u) ifelse(u <= F, 1, (A + F - u) / A)
  s^2 * integrate(function(u) lam * exp(lam * u) / G(u), 0, t0, rel.tol = 1e-12)$value
}
n <- function(s0, s1, t0, A, F, g, dg, alpha = .05, power = .8) {
  ((qnorm(1 - alpha) * abs(dg(s0)) * sqrt(sig2(s0, t0, A, F)) +
    qnorm(power) * abs(dg(s1)) * sqrt(sig2(s1, t0, A, F))) / (g(s1) - g(s0)))^2
}
asn <- function(s) asin(sqrt(s)); dasn <- function(s) 0.5 / sqrt(s * (1 - s))
ll <- function(s) log(-log(s)); dll <- function(s) 1 / (s * log(s))
emit(c(n(.55, .75, 24, 36, 24, asn, dasn), n(.55, .75, 36, 36, 12, asn, dasn),
       n(.55, .75, 36, 36, 12, ll, dll), n(.3, .5, 30, 24, 12, ll, dll)))
"""
    )
    ours = [
        landmark_survival_design(0.55, 0.75, 24, 36, 24).n_exact,
        landmark_survival_design(0.55, 0.75, 36, 36, 12).n_exact,
        landmark_survival_design(0.55, 0.75, 36, 36, 12, transform="loglog").n_exact,
        landmark_survival_design(0.3, 0.5, 30, 24, 12, transform="loglog").n_exact,
    ]
    assert ours == pytest.approx(got, rel=1e-7)

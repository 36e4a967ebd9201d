"""Proportions, the FM test and score intervals against R, computed independently there.

R's ``binom.test`` gives Clopper–Pearson and ``prop.test(correct = FALSE)`` Wilson. For the
Farrington–Manning z and the Mee / Miettinen–Nurminen intervals the R script does not use the
closed-form cubic root at all: it maximises the constrained likelihood numerically
(``optimize``) and inverts the statistic with ``uniroot``.
"""

from __future__ import annotations

import numpy as np
import pytest

from radtrial.stats.noninferiority import farrington_manning
from radtrial.stats.proportions import (
    clopper_pearson_interval,
    risk_difference_interval,
    wilson_interval,
)
from tests.validation.conftest import RunR

SINGLE = [(0, 5), (1, 5), (5, 5), (0, 20), (7, 20), (20, 20), (81, 263), (15, 148), (1, 29)]
TABLES = [
    (56, 70, 48, 80),
    (9, 10, 3, 10),
    (60, 100, 60, 100),
    (84, 101, 89, 105),
    (5, 40, 12, 38),
    (30, 31, 25, 30),
    (0, 12, 3, 15),
]
MARGINS = [0.0, 0.1, 0.15, 0.2]

R_SCORE = r"""
rmle <- function(x1, n1, x2, n2, d) {
  # constrained MLE of p_ctl (p_exp = p_ctl + d) by numerical maximisation
  lo <- max(0, -d); hi <- min(1, 1 - d)
  ll <- function(p2) { p1 <- p2 + d
    sum(c(if (x1 > 0) x1 * log(p1) else 0, if (n1 > x1) (n1 - x1) * log(1 - p1) else 0,
          if (x2 > 0) x2 * log(p2) else 0, if (n2 > x2) (n2 - x2) * log(1 - p2) else 0)) }
  p2 <- optimize(ll, c(lo, hi), maximum = TRUE, tol = 1e-13)$maximum
  c(p2 + d, p2)
}
score <- function(x1, n1, x2, n2, d, mn) {
  p <- rmle(x1, n1, x2, n2, d)
  v <- p[1] * (1 - p[1]) / n1 + p[2] * (1 - p[2]) / n2
  if (mn) v <- v * (n1 + n2) / (n1 + n2 - 1)
  (x1 / n1 - x2 / n2 - d) / sqrt(v)
}
ci <- function(x1, n1, x2, n2, z, mn) {
  dh <- x1 / n1 - x2 / n2
  lower <- if (dh <= -1) -1 else uniroot(function(d) score(x1, n1, x2, n2, d, mn) - z,
    c(-1 + 1e-12, dh - 1e-12), tol = 1e-13)$root
  upper <- if (dh >= 1) 1 else uniroot(function(d) score(x1, n1, x2, n2, d, mn) + z,
    c(dh + 1e-12, 1 - 1e-12), tol = 1e-13)$root
  c(lower, upper)
}
"""


def _r_vector(values: list[int] | list[float]) -> str:
    return "c(" + ", ".join(repr(v) for v in values) + ")"


def test_clopper_pearson_and_wilson_agree_with_r(run_r: RunR) -> None:
    xs = [x for x, _ in SINGLE]
    ns = [n for _, n in SINGLE]
    got = run_r(
        f"x <- {_r_vector(xs)}; n <- {_r_vector(ns)}\n"
        "cp <- t(mapply(function(a, b) binom.test(a, b)$conf.int, x, n))\n"
        "wi <- t(mapply(function(a, b) suppressWarnings(prop.test(a, b, correct = FALSE))"
        "$conf.int, x, n))\n"
        "emit(list(cp = cp, wilson = wi))\n"
    )
    cp_lo, cp_hi = clopper_pearson_interval(xs, ns)
    w_lo, w_hi = wilson_interval(xs, ns)
    np.testing.assert_allclose(cp_lo, np.array(got["cp"])[:, 0], atol=1e-10)
    np.testing.assert_allclose(cp_hi, np.array(got["cp"])[:, 1], atol=1e-10)
    np.testing.assert_allclose(w_lo, np.array(got["wilson"])[:, 0], atol=1e-10)
    np.testing.assert_allclose(w_hi, np.array(got["wilson"])[:, 1], atol=1e-10)


def test_fm_and_mn_z_agree_with_a_numerically_maximised_likelihood_in_r(run_r: RunR) -> None:
    rows = [(*t, m) for t in TABLES for m in MARGINS]
    cols = list(zip(*rows, strict=True))
    got = run_r(
        R_SCORE
        + f"x1 <- {_r_vector(list(cols[0]))}; n1 <- {_r_vector(list(cols[1]))}\n"
        + f"x2 <- {_r_vector(list(cols[2]))}; n2 <- {_r_vector(list(cols[3]))}\n"
        + f"m <- {_r_vector(list(cols[4]))}\n"
        + "fm <- mapply(function(a, b, c, d, e) score(a, b, c, d, -e, FALSE), x1, n1, x2, n2, m)\n"
        + "mn <- mapply(function(a, b, c, d, e) score(a, b, c, d, -e, TRUE), x1, n1, x2, n2, m)\n"
        + "emit(list(fm = fm, mn = mn))\n"
    )
    for i, (x1, n1, x2, n2, m) in enumerate(rows):
        fm = float(farrington_manning(x1, n1, x2, n2, m, interval=False).z)
        mn = float(farrington_manning(x1, n1, x2, n2, m, variant="mn", interval=False).z)
        assert fm == pytest.approx(got["fm"][i], rel=1e-6, abs=1e-9)
        assert mn == pytest.approx(got["mn"][i], rel=1e-6, abs=1e-9)


def test_mee_and_mn_intervals_agree_with_r_root_finding(run_r: RunR) -> None:
    cols = list(zip(*TABLES, strict=True))
    got = run_r(
        R_SCORE
        + f"x1 <- {_r_vector(list(cols[0]))}; n1 <- {_r_vector(list(cols[1]))}\n"
        + f"x2 <- {_r_vector(list(cols[2]))}; n2 <- {_r_vector(list(cols[3]))}\n"
        + "z <- qnorm(0.975)\n"
        + "mee <- t(mapply(function(a, b, c, d) ci(a, b, c, d, z, FALSE), x1, n1, x2, n2))\n"
        + "mn <- t(mapply(function(a, b, c, d) ci(a, b, c, d, z, TRUE), x1, n1, x2, n2))\n"
        + "emit(list(mee = mee, mn = mn))\n"
    )
    x1, n1, x2, n2 = (np.array(c) for c in cols)
    for method, key in (("mee", "mee"), ("miettinen_nurminen", "mn")):
        lower, upper = risk_difference_interval(x1, n1, x2, n2, method)  # type: ignore[arg-type]
        r_limits = np.array(got[key], dtype=np.float64)
        # 1e-6 relative, as every R cross-check (no limit here is near 0, where a relative
        # tolerance would mean nothing). Observed: 9e-8, the precision of R's optimize().
        assert np.all(np.abs(r_limits) > 1e-3)
        np.testing.assert_allclose(lower, r_limits[:, 0], rtol=1e-6, atol=0.0, err_msg=method)
        np.testing.assert_allclose(upper, r_limits[:, 1], rtol=1e-6, atol=0.0, err_msg=method)

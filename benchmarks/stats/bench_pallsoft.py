"""Benchmark: 1,000,000 simulated PALLSOFT trials, vectorised FM versus a statsmodels loop.

The peer a user would otherwise pick is a per-trial loop over
``statsmodels.stats.proportion.test_proportions_2indep(..., method="score", value=-M)``. It is
timed on a sample of trials and scaled up to the full number. (Its score test is also wrong at a
non-zero margin — statsmodels issue #10269 — so this measures speed only.)

Run: ``.venv/bin/python benchmarks/stats/bench_pallsoft.py [--trials N] [--sample N]``.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable

import numpy as np

from radtrial.stats.noninferiority import farrington_manning_z
from radtrial.stats.simulate import simulate_pallsoft

N_PER_ARM, P, MARGIN, ALPHA = 100, 0.6, 0.15, 0.025


def machine() -> str:
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}"
    )


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()

    from statsmodels.stats.proportion import test_proportions_2indep

    rng = np.random.default_rng(2026)
    x_exp = rng.binomial(N_PER_ARM, P, size=args.trials)
    x_ctl = rng.binomial(N_PER_ARM, P, size=args.trials)

    # 1. The whole simulation: binomial draws, FM test and matching 95% score interval.
    full = best_of(
        3,
        lambda: simulate_pallsoft(
            N_PER_ARM, P, P, MARGIN, ALPHA, 0.0, 0.0, args.trials, np.random.default_rng(1)
        ),
    )
    # 2. The FM test alone on a million tables, without the distinct-table shortcut.
    z_only = best_of(3, lambda: farrington_manning_z(x_exp, N_PER_ARM, x_ctl, N_PER_ARM, MARGIN))

    # 3. The statsmodels loop on a sample, scaled up.
    def loop() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for i in range(args.sample):
                test_proportions_2indep(
                    int(x_exp[i]),
                    N_PER_ARM,
                    int(x_ctl[i]),
                    N_PER_ARM,
                    value=-MARGIN,
                    method="score",
                    compare="diff",
                    alternative="larger",
                    correction=False,
                )

    sample_time = best_of(1, loop)
    loop_time = sample_time * args.trials / args.sample

    print(f"machine: {machine()}")
    print(f"trials: {args.trials:,} at {N_PER_ARM} per arm, p = {P}, M = {MARGIN}, alpha = {ALPHA}")
    print(f"radtrial simulate_pallsoft (draws + FM + 95% CI): {full:8.3f} s")
    print(f"radtrial farrington_manning_z on {args.trials:,} tables:   {z_only:8.3f} s")
    print(
        f"statsmodels test_proportions_2indep loop: {loop_time:8.1f} s "
        f"(measured {sample_time:.3f} s for {args.sample:,}, scaled up)"
    )
    print(f"ratio (statsmodels loop / simulate_pallsoft): {loop_time / full:,.0f}x")
    print(f"ratio (statsmodels loop / vectorised FM z):   {loop_time / z_only:,.0f}x")


if __name__ == "__main__":
    main()

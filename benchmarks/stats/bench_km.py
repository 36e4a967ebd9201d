"""Benchmark: Kaplan–Meier with pointwise CIs on 1,000,000 rows, radtrial versus lifelines.

The peer is ``lifelines.KaplanMeierFitter().fit(T, E)``, which computes the curve, its log-log
band and the median. radtrial is timed doing the same (``KaplanMeier("log-log")``, which also
computes the median and its CI by R's rule). Two data shapes: continuous times (every time
distinct) and times in whole days (heavy ties). Both run in this process, best of 3.

Run: ``.venv/bin/python benchmarks/stats/bench_km.py [--rows N]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable

import numpy as np

from radtrial.stats import KaplanMeier


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
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import lifelines

    rng = np.random.default_rng(2026)
    event_time = rng.exponential(700.0, args.rows)
    censor_time = rng.uniform(0, 2000.0, args.rows)
    continuous = np.minimum(event_time, censor_time)
    events = (event_time <= censor_time).astype(int)
    shapes = {"continuous times": continuous, "whole days": np.ceil(continuous)}

    print(f"Kaplan–Meier with 95% pointwise CIs and the median, {args.rows:,} rows")
    print(f"machine: {machine()}; lifelines {lifelines.__version__}")
    for label, durations in shapes.items():

        def ours(durations: np.ndarray = durations) -> KaplanMeier:
            return KaplanMeier("log-log").fit(durations, events)

        def peer(durations: np.ndarray = durations) -> object:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitter = lifelines.KaplanMeierFitter().fit(durations, events)
                _ = fitter.median_survival_time_
                return fitter

        mine = best_of(3, ours)
        theirs = best_of(3, peer)
        # Same curve? Compare S at a few times.
        fitted = ours()
        check = peer()
        grid = np.array([100.0, 500.0, 1000.0])
        ours_s = fitted.survival_at(grid)["survival"]
        peer_s = check.survival_function_at_times(grid).to_numpy()  # type: ignore[attr-defined]
        agree = float(np.max(np.abs(ours_s - peer_s)))
        print(
            f"  {label:17s} distinct times {fitted.timeline_.size:>9,}: radtrial {mine:6.3f} s, "
            f"lifelines {theirs:6.3f} s, ratio {theirs / mine:5.1f}x "
            f"(max |ΔS| {agree:.1e})"
        )


if __name__ == "__main__":
    main()

"""Benchmark: 100,000 simulated PROSARC-2 trials (KM + landmark test), vectorised vs lifelines.

radtrial's ``simulate_prosarc2`` simulates and analyses every trial twice (under S1 for power
and under S0 for the type I error), i.e. 200,000 Kaplan–Meier fits with a log-log landmark test.
The peer a user would otherwise write is a loop calling ``lifelines.KaplanMeierFitter.fit`` per
trial, reading S(24) and Greenwood's sum from its event table, and computing the same z. The loop
is timed on a sample of trials (drawn the same way) and scaled to 200,000 analyses; data
generation is not charged to the peer. The sample also checks that both give the same z.

Run: ``.venv/bin/python benchmarks/stats/bench_prosarc2.py [--trials N] [--sample N]``.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np

from radtrial.stats import landmark_survival, landmark_z, simulate_prosarc2

N, S0, S1, LANDMARK, ACCRUAL, FOLLOW_UP = 40, 0.55, 0.75, 24.0, 36.0, 24.0


def machine() -> str:
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, numpy {np.__version__}"
    )


def draw(rng: np.random.Generator, trials: int, survival: float) -> tuple[np.ndarray, np.ndarray]:
    rate = -np.log(survival) / LANDMARK
    event_time = rng.exponential(1 / rate, (trials, N))
    censor = ACCRUAL + FOLLOW_UP - rng.uniform(0, ACCRUAL, (trials, N))
    return np.minimum(event_time, censor), event_time <= censor


def lifelines_z(durations: np.ndarray, events: np.ndarray) -> float:
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(durations, events)
    table = fitter.event_table
    upto = table[table.index <= LANDMARK]
    d, n = upto["observed"].to_numpy(float), upto["at_risk"].to_numpy(float)
    greenwood = float(np.sum(d / (n * (n - d))))
    survival = float(fitter.survival_function_at_times(LANDMARK).iloc[0])
    return float(landmark_z(survival, greenwood, S0, "log-log")[()])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()

    import lifelines

    start = time.perf_counter()
    result = simulate_prosarc2(rng=np.random.default_rng(2026), n_trials=args.trials)
    ours = time.perf_counter() - start
    analyses = 2 * args.trials

    durations, events = draw(np.random.default_rng(7), args.sample, S1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lifelines_z(durations[0], events[0])  # import and warm-up
        start = time.perf_counter()
        peer_z = np.array([lifelines_z(durations[i], events[i]) for i in range(args.sample)])
        per_trial = (time.perf_counter() - start) / args.sample
    batch = landmark_survival(durations, events, LANDMARK)
    ours_z = landmark_z(batch.survival, batch.greenwood, S0, "log-log")
    agree = float(np.max(np.abs(ours_z - peer_z)))
    peer_total = per_trial * analyses

    print(f"PROSARC-2: {args.trials:,} trials x 2 scenarios, n = {N}, log-log landmark test")
    print(f"machine: {machine()}; lifelines {lifelines.__version__}")
    print(
        f"  radtrial simulate_prosarc2: {ours:6.2f} s for {analyses:,} analyses "
        f"(power {result.power:.4f} ± {result.power_mc_se:.4f}, "
        f"type I error {result.type_i_error:.4f} ± {result.type_i_error_mc_se:.4f})"
    )
    print(
        f"  lifelines loop: {per_trial * 1e3:6.2f} ms per trial on {args.sample} trials, "
        f"scaled {peer_total:8.1f} s ({peer_total / 60:.1f} min); max |Δz| {agree:.1e}"
    )
    print(f"  ratio {peer_total / ours:,.0f}x")


if __name__ == "__main__":
    main()

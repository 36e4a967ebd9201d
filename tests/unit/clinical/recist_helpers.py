"""Builders shared by the RECIST tests."""

from __future__ import annotations

from datetime import date, timedelta

from radtrial.clinical.recist import (
    Baseline,
    FollowUp,
    NonTargetLesion,
    NonTargetStatus,
    RecistSeries,
    TargetLesion,
    evaluate_series,
)
from radtrial.protocol.schedule import RecistRules

BASELINE_ON = date(2026, 2, 2)
START = date(2026, 2, 9)
PROSARC2_RULES = RecistRules(irradiated_index_lesion_measurable=True, min_stable_disease_days=56)


def lesion(lesion_id: str, size: float, organ: str = "liver", **kw: object) -> TargetLesion:
    return TargetLesion(lesion_id, organ, size, **kw)  # type: ignore[arg-type]


def week(n: int) -> date:
    return START + timedelta(weeks=n)


def series(
    targets: list[TargetLesion],
    sizes: list[list[float | None]],
    *,
    non_targets: int = 0,
    statuses: list[NonTargetStatus] | None = None,
    new: list[bool] | None = None,
    weeks: list[int] | None = None,
    rules: RecistRules | None = None,
) -> RecistSeries:
    """A series with one follow-up per row of ``sizes`` (one size per target, in order)."""
    baseline = Baseline(
        BASELINE_ON,
        tuple(targets),
        tuple(NonTargetLesion(f"N{i}", "bone") for i in range(non_targets)),
        rules or RecistRules(),
    )
    weeks = weeks or [8 * (i + 1) for i in range(len(sizes))]
    follow_ups = [
        FollowUp(
            week(weeks[i]),
            {t.lesion_id: row[j] for j, t in enumerate(targets)},
            non_target=(statuses[i] if statuses else None) if non_targets else None,
            new_lesions=bool(new and new[i]),
        )
        for i, row in enumerate(sizes)
    ]
    return evaluate_series(baseline, follow_ups)

"""Best overall response (Eisenhauer et al. 2009, doi:10.1016/j.ejca.2008.10.026, §4.4.3,
Table 3; DOMAIN.md §3).

The best response recorded from the start of treatment until the first progression, in the
order CR > PR > SD (non-CR/non-PD for non-target disease only) > PD > NE:

* **without confirmation** (the default for randomised trials and where response is not the
  primary endpoint) a CR or PR counts as soon as it is seen;
* **with confirmation** (the protocol's ``confirmation_required``) a CR needs a later CR, and a
  PR a later PR or CR, at least ``confirmation_min_days`` (≥ 4 weeks) later, with nothing
  worse in between (a not-evaluable time point neither breaks nor confirms). An unconfirmed
  response counts as stable disease, as in Table 3;
* stable disease counts only at a time point at least ``min_stable_disease_days`` after the
  start of treatment; otherwise the best response is PD if progression followed, else NE.

Where a CR is followed by a PR (possible only through non-target disease here, since a target
reappearing after CR is PD), the CR counts towards confirming a PR: Table 3's reading that the
first "CR" was in fact a PR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from radtrial.clinical.recist.response import Response
from radtrial.clinical.recist.series import RecistSeries, TimePoint
from radtrial.protocol.schedule import RecistRules

__all__ = ["BestResponse", "best_overall_response"]


@dataclass(frozen=True, slots=True)
class BestResponse:
    """The best overall response, the time point that gave it, and its confirmation."""

    response: Response
    assessed_on: date | None
    confirmed_on: date | None
    explanation: str


def _until_progression(points: Sequence[TimePoint]) -> list[TimePoint]:
    kept: list[TimePoint] = []
    for point in points:
        kept.append(point)
        if point.overall is Response.PD:
            break
    return kept


def _confirmation(
    points: Sequence[TimePoint], level: Response, rules: RecistRules
) -> tuple[TimePoint, TimePoint] | None:
    allowed = {Response.CR} if level is Response.CR else {Response.CR, Response.PR}
    for i, first in enumerate(points):
        if first.overall not in allowed:
            continue
        for later in points[i + 1 :]:
            if later.overall is Response.NE:
                continue
            if later.overall not in allowed:
                break
            if (later.assessed_on - first.assessed_on).days >= rules.confirmation_min_days:
                return first, later
    return None


def best_overall_response(
    series: RecistSeries, *, treatment_start: date, rules: RecistRules | None = None
) -> BestResponse:
    """The series' best overall response under the protocol's rules.

    ``rules`` defaults to those the baseline was validated with; ``treatment_start`` (the first
    fraction) is where the minimum duration of stable disease is counted from.
    """
    rules = rules or series.baseline.rules
    points = _until_progression(series.time_points)
    stable = Response.SD if series.baseline.targets else Response.NON_CR_NON_PD

    for level in (Response.CR, Response.PR):
        if rules.confirmation_required:
            pair = _confirmation(points, level, rules)
            if pair is not None:
                first, later = pair
                return BestResponse(
                    level,
                    first.assessed_on,
                    later.assessed_on,
                    f"{level.value} on {first.assessed_on.isoformat()}, confirmed on "
                    f"{later.assessed_on.isoformat()} "
                    f"(≥ {rules.confirmation_min_days} days later)",
                )
        else:
            seen = next((p for p in points if p.overall is level), None)
            if seen is not None:
                return BestResponse(
                    level,
                    seen.assessed_on,
                    None,
                    f"{level.value} on {seen.assessed_on.isoformat()} (no confirmation required)",
                )

    at_least_stable = {Response.CR, Response.PR, Response.SD, Response.NON_CR_NON_PD}
    for point in points:
        days = (point.assessed_on - treatment_start).days
        if point.overall in at_least_stable and days >= rules.min_stable_disease_days:
            unconfirmed = (
                f" (unconfirmed {point.overall.value})"
                if point.overall in {Response.CR, Response.PR}
                else ""
            )
            return BestResponse(
                stable,
                point.assessed_on,
                None,
                f"{stable.value} on {point.assessed_on.isoformat()}{unconfirmed}, {days} days "
                f"after the start of treatment (≥ {rules.min_stable_disease_days} required)",
            )

    progression = next((p for p in points if p.overall is Response.PD), None)
    if progression is not None:
        return BestResponse(
            Response.PD,
            progression.assessed_on,
            None,
            f"PD on {progression.assessed_on.isoformat()} with no earlier response or stable "
            "disease long enough to count",
        )
    return BestResponse(Response.NE, None, None, "no time point qualifies for a response, SD or PD")

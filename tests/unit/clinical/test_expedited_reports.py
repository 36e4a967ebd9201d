"""Serious adverse events get an expedited-report flag and due times (EU CTR 536/2014 art. 41–42),
with the deadlines as parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from radtrial.clinical.ctcae import (
    AdverseEvent,
    ReportingRule,
    Seriousness,
    expedited_reports,
)
from radtrial.errors import InvalidInput

AWARE = datetime(2026, 4, 7, 14, 30, tzinfo=UTC)


def event(*criteria: str, grade: int = 3, expected: bool | None = None) -> AdverseEvent:
    return AdverseEvent(
        "5.0",
        "Rectal hemorrhage",
        grade,
        date(2026, 4, 6),
        "probable",
        seriousness=Seriousness.of(*criteria),
        expected=expected,
    )


def test_a_non_serious_event_needs_no_expedited_report() -> None:
    assert expedited_reports(event(), investigator_aware_at=AWARE) == ()


def test_an_sae_is_due_to_the_sponsor_24_hours_after_the_investigator_knew() -> None:
    (report,) = expedited_reports(event("hospitalisation"), investigator_aware_at=AWARE)
    assert report.kind == "sae_to_sponsor"
    assert report.due_at == AWARE + timedelta(hours=24)
    assert "art. 41(2)" in report.basis


def test_a_non_fatal_susar_is_due_to_the_authority_within_15_days() -> None:
    reports = expedited_reports(
        event("hospitalisation", expected=False), investigator_aware_at=AWARE
    )
    assert [r.kind for r in reports] == ["sae_to_sponsor", "susar_to_authority"]
    assert reports[1].due_at == AWARE + timedelta(days=15)
    assert "42(2)(b)" in reports[1].basis


def test_a_fatal_or_life_threatening_susar_is_due_within_7_days_of_sponsor_awareness() -> None:
    sponsor = AWARE + timedelta(hours=5)
    for criteria, grade in ((("death",), 5), (("life_threatening",), 4)):
        reports = expedited_reports(
            event(*criteria, grade=grade, expected=False),
            investigator_aware_at=AWARE,
            sponsor_aware_at=sponsor,
        )
        assert reports[1].due_at == sponsor + timedelta(days=7)
        assert "42(2)(a)" in reports[1].basis


def test_the_deadlines_are_parameters() -> None:
    rule = ReportingRule(sae_to_sponsor_hours=48, susar_other_days=10)
    reports = expedited_reports(
        event("disability", expected=False), investigator_aware_at=AWARE, rule=rule
    )
    assert [r.due_at - AWARE for r in reports] == [timedelta(hours=48), timedelta(days=10)]


def test_a_deadline_below_1_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        ReportingRule(susar_other_days=0)
    assert caught.value.location == "susar_other_days"


def test_awareness_must_be_a_utc_instant() -> None:
    oslo = timezone(timedelta(hours=2))
    with pytest.raises(InvalidInput) as caught:
        expedited_reports(event("hospitalisation"), investigator_aware_at=AWARE.astimezone(oslo))
    assert caught.value.location == "investigator_aware_at"
    with pytest.raises(InvalidInput):
        expedited_reports(
            event("hospitalisation"), investigator_aware_at=AWARE.replace(tzinfo=None)
        )


def test_the_sponsor_cannot_know_before_the_investigator() -> None:
    with pytest.raises(InvalidInput) as caught:
        expedited_reports(
            event("hospitalisation", expected=False),
            investigator_aware_at=AWARE,
            sponsor_aware_at=AWARE - timedelta(minutes=1),
        )
    assert caught.value.location == "sponsor_aware_at"

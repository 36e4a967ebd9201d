"""Serious adverse events get an expedited-report flag and due times by the protocol's deadlines
(``[safety.reporting]``; both bundled files assume EU CTR 536/2014 art. 41-42)."""

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
from radtrial.protocol import Protocol

AWARE = datetime(2026, 4, 7, 14, 30, tzinfo=UTC)
CTR = ReportingRule(24, 7, 15, "EU CTR 536/2014 art. 41(2) and 42(2)")


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
    assert expedited_reports(event(), investigator_aware_at=AWARE, rule=CTR) == ()


def test_an_sae_is_due_to_the_sponsor_24_hours_after_the_investigator_knew() -> None:
    (report,) = expedited_reports(event("hospitalisation"), investigator_aware_at=AWARE, rule=CTR)
    assert report.kind == "sae_to_sponsor"
    assert report.due_at == AWARE + timedelta(hours=24)
    assert "art. 41(2)" in report.basis


def test_a_non_fatal_susar_is_due_to_the_authority_within_15_days() -> None:
    reports = expedited_reports(
        event("hospitalisation", expected=False), investigator_aware_at=AWARE, rule=CTR
    )
    assert [r.kind for r in reports] == ["sae_to_sponsor", "susar_to_authority"]
    assert reports[1].due_at == AWARE + timedelta(days=15)
    assert "not fatal or life-threatening" in reports[1].basis
    assert "42(2)" in reports[1].basis


def test_a_fatal_or_life_threatening_susar_is_due_within_7_days_of_sponsor_awareness() -> None:
    sponsor = AWARE + timedelta(hours=5)
    for criteria, grade in ((("death",), 5), (("life_threatening",), 4)):
        reports = expedited_reports(
            event(*criteria, grade=grade, expected=False),
            investigator_aware_at=AWARE,
            sponsor_aware_at=sponsor,
            rule=CTR,
        )
        assert reports[1].due_at == sponsor + timedelta(days=7)
        assert "(fatal or life-threatening)" in reports[1].basis


def test_the_deadlines_are_parameters() -> None:
    rule = ReportingRule(48, 7, 10, "Health Research Act, REK approval")
    reports = expedited_reports(
        event("disability", expected=False), investigator_aware_at=AWARE, rule=rule
    )
    assert [r.due_at - AWARE for r in reports] == [timedelta(hours=48), timedelta(days=10)]


def test_a_deadline_below_1_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        ReportingRule(24, 7, 0, "x")
    assert caught.value.location == "susar_other_days"


def test_awareness_must_be_a_utc_instant() -> None:
    oslo = timezone(timedelta(hours=2))
    with pytest.raises(InvalidInput) as caught:
        expedited_reports(
            event("hospitalisation"), investigator_aware_at=AWARE.astimezone(oslo), rule=CTR
        )
    assert caught.value.location == "investigator_aware_at"
    with pytest.raises(InvalidInput):
        expedited_reports(
            event("hospitalisation"), investigator_aware_at=AWARE.replace(tzinfo=None), rule=CTR
        )


def test_the_sponsor_cannot_know_before_the_investigator() -> None:
    with pytest.raises(InvalidInput) as caught:
        expedited_reports(
            event("hospitalisation", expected=False),
            investigator_aware_at=AWARE,
            sponsor_aware_at=AWARE - timedelta(minutes=1),
            rule=CTR,
        )
    assert caught.value.location == "sponsor_aware_at"


def test_the_rule_comes_from_the_protocol_files_as_a_labelled_assumption(
    pallsoft: Protocol, prosarc2: Protocol
) -> None:
    for protocol in (pallsoft, prosarc2):
        assert protocol.safety is not None
        assert ReportingRule.of(protocol.safety.reporting) == CTR
        marks = {m.path: m.reason for m in protocol.assumption_marks()}
        assert "Health Research Act" in marks["safety.reporting"]

"""Time-to-event rows from event dates: the first qualifying event, else censoring."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from radtrial.errors import InvalidInput
from radtrial.stats import KaplanMeier
from radtrial.trial.time_to_event import (
    DAYS_PER_MONTH,
    Censoring,
    Endpoint,
    FollowUpFacts,
    survival_data,
    time_to_event,
)

ORIGIN = date(2026, 1, 26)


def day(n: int) -> date:
    return ORIGIN + timedelta(days=n)


def test_overall_survival_is_death_or_censoring_at_last_contact() -> None:
    alive = FollowUpFacts(
        "P1", ORIGIN, last_contact_on=day(300), last_tumour_assessment_on=day(200)
    )
    row = time_to_event(alive, Endpoint.OS)
    assert (row.event, row.censored_at, row.days, row.end_on) == (
        False,
        "last_contact",
        300,
        day(300),
    )
    dead = FollowUpFacts("P2", ORIGIN, last_contact_on=day(100), death_on=day(120))
    row = time_to_event(dead, "os")
    assert (row.event, row.event_kind, row.days) == (True, "death", 120)
    assert row.months == pytest.approx(120 / DAYS_PER_MONTH)


def test_lpfs_counts_local_progression_or_death_but_not_distant_progression() -> None:
    facts = FollowUpFacts(
        "P1",
        ORIGIN,
        last_contact_on=day(500),
        death_on=day(480),
        local_progression_on=day(400),
        distant_progression_on=day(150),
        progression_on=day(150),
        last_tumour_assessment_on=day(400),
    )
    lpfs = time_to_event(facts, Endpoint.LPFS)
    assert (lpfs.event_kind, lpfs.days) == ("local_progression", 400)
    pfs = time_to_event(facts, Endpoint.PFS)
    assert (pfs.event_kind, pfs.days) == ("distant_progression", 150)


def test_progression_endpoints_are_censored_at_the_last_tumour_assessment_by_default() -> None:
    facts = FollowUpFacts(
        "P1", ORIGIN, last_contact_on=day(400), last_tumour_assessment_on=day(270)
    )
    assert time_to_event(facts, Endpoint.LPFS).days == 270
    at_contact = time_to_event(facts, Endpoint.LPFS, censor_progression_at=Censoring.LAST_CONTACT)
    assert (at_contact.days, at_contact.censored_at) == (400, "last_contact")


def test_without_follow_up_after_the_origin_a_participant_is_censored_at_time_zero() -> None:
    facts = FollowUpFacts("P1", ORIGIN, last_contact_on=ORIGIN - timedelta(days=3))
    row = time_to_event(facts, Endpoint.PFS)
    assert (row.days, row.censored_at, row.event) == (0, "origin", False)


def test_an_event_before_the_origin_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        FollowUpFacts("P1", ORIGIN, death_on=ORIGIN - timedelta(days=1))
    assert caught.value.location == "death_on"


def test_survival_data_are_the_arrays_kaplan_meier_fits() -> None:
    rows = [
        time_to_event(FollowUpFacts("P1", ORIGIN, death_on=day(100)), Endpoint.OS),
        time_to_event(FollowUpFacts("P2", ORIGIN, last_contact_on=day(200)), Endpoint.OS),
        time_to_event(FollowUpFacts("P3", ORIGIN, death_on=day(300)), Endpoint.OS),
    ]
    durations, events = survival_data(rows)
    assert durations.tolist() == [100.0, 200.0, 300.0]
    assert events.tolist() == [1, 0, 1]
    fit = KaplanMeier().fit(durations, events)
    # Death at 100 of 3 at risk; P2 censored at 200; at 250, S = 2/3.
    assert fit.survival_at([250.0])["survival"][0] == pytest.approx(2 / 3)
    months, _ = survival_data(rows, unit="months")
    assert months[0] == pytest.approx(100 / DAYS_PER_MONTH)
    with pytest.raises(InvalidInput):
        survival_data([*rows, time_to_event(FollowUpFacts("P4", ORIGIN), Endpoint.PFS)])
    with pytest.raises(InvalidInput):
        survival_data(rows, unit="weeks")


@given(
    st.lists(st.one_of(st.none(), st.integers(0, 2000)), min_size=6, max_size=6),
    st.sampled_from(list(Endpoint)),
)
def test_the_row_ends_at_the_first_qualifying_event_or_the_censoring_day(
    offsets: list[int | None], endpoint: Endpoint
) -> None:
    names = (
        "last_contact_on",
        "death_on",
        "local_progression_on",
        "distant_progression_on",
        "progression_on",
        "last_tumour_assessment_on",
    )
    facts = FollowUpFacts(
        "P",
        ORIGIN,
        **{n: None if o is None else day(o) for n, o in zip(names, offsets, strict=True)},
    )
    row = time_to_event(facts, endpoint)
    assert row.days >= 0
    assert row.end_on == ORIGIN + timedelta(days=row.days)
    if row.event:
        assert row.event_kind is not None
        assert row.censored_at is None
        assert getattr(facts, f"{row.event_kind}_on") == row.end_on
    else:
        assert row.event_kind is None
        assert row.censored_at in {
            "last_contact",
            "last_tumour_assessment",
            "origin",
        }
    durations, events = survival_data([row])
    assert durations.dtype == np.float64
    assert events.tolist() == [int(row.event)]


def test_every_exported_name_exists_once() -> None:
    from radtrial.trial import time_to_event as module

    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name

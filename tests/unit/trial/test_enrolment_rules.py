"""Pure enrolment rules: withdrawal effects, screening outcomes and CONSORT counts, and the
optional-fraction decision."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radtrial.errors import InvalidInput, ProtocolError
from radtrial.protocol import parse_protocol
from radtrial.protocol.biobank import COLLECTIONS, Withdrawal
from radtrial.trial.consent import (
    WITHDRAWAL_ORDER,
    Collectable,
    effective_withdrawals,
    may_collect,
)
from radtrial.trial.eligibility import ScreeningStatus
from radtrial.trial.optional_fraction import (
    check_decision,
    check_decision_timing,
    planned_prescription,
)
from radtrial.trial.screening import (
    ClosureReason,
    ScreeningEntry,
    ScreeningOutcome,
    consort_counts,
    screening_outcome,
)

TRIALS = Path(__file__).resolve().parents[3] / "src" / "radtrial" / "protocol" / "trials"
PALLSOFT = parse_protocol((TRIALS / "pallsoft.toml").read_text(encoding="utf-8"), "pallsoft")
PROSARC2 = parse_protocol((TRIALS / "prosarc2.toml").read_text(encoding="utf-8"), "prosarc2")
BUNDLED = PALLSOFT.consent.withdrawal_stops

# -- withdrawal -----------------------------------------------------------------------------

#: What each withdrawal stops (the rest continues).
STOPS: dict[Withdrawal | None, set[Collectable]] = {
    None: set(),
    "treatment": {Collectable.TREATMENT},
    "follow_up": {
        Collectable.TREATMENT,
        Collectable.VISIT_ASSESSMENTS,
        Collectable.PATIENT_REPORTED_OUTCOMES,
        Collectable.ADVERSE_EVENTS,
        Collectable.NEW_SAMPLES,
    },
    "data_and_samples": set(Collectable),
}


@pytest.mark.parametrize("withdrawal", [None, *WITHDRAWAL_ORDER])
def test_each_withdrawal_stops_exactly_its_kinds_of_collection(
    withdrawal: Withdrawal | None,
) -> None:
    withdrawn = [] if withdrawal is None else [withdrawal]
    for protocol in (PALLSOFT, PROSARC2):
        stops = protocol.consent.withdrawal_stops
        stopped = {
            what for what in Collectable if not may_collect(what, withdrawn, stops=stops).allowed
        }
        assert stopped == STOPS[withdrawal]


def test_vital_status_continues_after_follow_up_withdrawal_but_not_after_data_withdrawal() -> None:
    assert may_collect(Collectable.SURVIVAL_STATUS, ["follow_up"], stops=BUNDLED).allowed
    decision = may_collect(
        Collectable.SURVIVAL_STATUS, ["follow_up", "data_and_samples"], stops=BUNDLED
    )
    assert not decision.allowed
    assert "withdrew consent to data and samples" in decision.reason


@given(st.lists(st.sampled_from(WITHDRAWAL_ORDER)))
def test_a_further_withdrawal_never_allows_more(withdrawn: list[Withdrawal]) -> None:
    effective = effective_withdrawals(withdrawn)
    deepest = max((WITHDRAWAL_ORDER.index(k) for k in withdrawn), default=-1)
    assert effective == frozenset(WITHDRAWAL_ORDER[: deepest + 1])
    for what in Collectable:
        if not may_collect(what, withdrawn, stops=BUNDLED).allowed:
            for more in WITHDRAWAL_ORDER:
                assert not may_collect(what, [*withdrawn, more], stops=BUNDLED).allowed


def test_samples_need_the_optional_biobank_consent() -> None:
    need = PROSARC2.biobank.sample_types[0].requires_consent  # type: ignore[union-attr]
    assert need == "biobank"
    stops = PROSARC2.consent.withdrawal_stops
    yes = may_collect(
        Collectable.NEW_SAMPLES,
        stops=stops,
        optional_consents={"biobank": True},
        requires_consent=need,
    )
    no = may_collect(
        Collectable.NEW_SAMPLES,
        stops=stops,
        optional_consents={"biobank": False},
        requires_consent=need,
    )
    assert yes.allowed
    assert not no.allowed
    assert "no optional consent 'biobank'" in no.reason
    # Withdrawing from treatment does not stop consented sampling.
    assert may_collect(
        Collectable.NEW_SAMPLES,
        ["treatment"],
        stops=stops,
        optional_consents={"biobank": True},
        requires_consent=need,
    ).allowed


NARROWED_STOPS = """[consent.withdrawal_stops]
treatment = ["treatment"]
follow_up = ["visit_assessments", "patient_reported_outcomes", "adverse_events", "new_samples",
  "survival_status"]
data_and_samples = ["stored_samples_use"]
assumption = "This consent covers no registry look-ups after withdrawal from follow-up."
"""


def _with_stops(section: str) -> str:
    """PALLSOFT with its ``[consent.withdrawal_stops]`` table replaced by ``section``."""
    text = (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")
    start = text.index("[consent.withdrawal_stops]")
    end = text.index("\n[", start + 1)
    return text[:start] + section + text[end:]


def test_the_withdrawal_effects_are_the_protocols_labelled_assumption() -> None:
    for protocol in (PALLSOFT, PROSARC2):
        marks = {m.path: m.reason for m in protocol.assumption_marks()}
        for kind in WITHDRAWAL_ORDER:
            reason = marks[f"consent.withdrawal_stops.{kind}"]
            assert "not public" in reason.lower()
    assert set(Collectable) == set(COLLECTIONS)  # the enum and the file's vocabulary agree
    assert BUNDLED.stopped_by("survival_status") == "data_and_samples"


def test_a_protocol_that_narrows_the_effects_stops_vital_status_at_follow_up() -> None:
    narrowed = parse_protocol(_with_stops(NARROWED_STOPS), "narrowed")
    stops = narrowed.consent.withdrawal_stops
    decision = may_collect(Collectable.SURVIVAL_STATUS, ["follow_up"], stops=stops)
    assert not decision.allowed
    assert "withdrawn from follow-up" in decision.reason
    assert may_collect(Collectable.SURVIVAL_STATUS, ["treatment"], stops=stops).allowed
    # The bundled rule lets vital status continue after the same withdrawal.
    assert may_collect(Collectable.SURVIVAL_STATUS, ["follow_up"], stops=BUNDLED).allowed
    assert [m.path for m in narrowed.assumption_marks() if "withdrawal" in m.path] == [
        "consent.withdrawal_stops"
    ]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            '[consent.withdrawal_stops]\ntreatment = ["treatment"]\nfollow_up = '
            '["visit_assessments"]\ndata_and_samples = ["stored_samples_use"]\n',
            "patient_reported_outcomes, adverse_events, survival_status, new_samples would "
            "continue after every withdrawal",
        ),
        (
            '[consent.withdrawal_stops]\ntreatment = ["treatment", "new_samples"]\nfollow_up = '
            '["visit_assessments", "patient_reported_outcomes", "adverse_events", "new_samples"]'
            '\ndata_and_samples = ["survival_status", "stored_samples_use"]\n',
            "follow_up: 'new_samples' is listed also under treatment",
        ),
        (
            '[consent.withdrawal_stops]\ntreatment = []\nfollow_up = ["treatment", '
            '"visit_assessments", "patient_reported_outcomes", "adverse_events", "new_samples"]'
            '\ndata_and_samples = ["survival_status", "stored_samples_use"]\n',
            "a withdrawal from treatment must stop 'treatment'",
        ),
        (
            '[consent.withdrawal_stops]\ntreatment = ["treatment"]\nfollow_up = ["visits"]\n'
            'data_and_samples = ["survival_status"]\n',
            "consent.withdrawal_stops.follow_up",
        ),
        ("", "consent.withdrawal_stops"),
    ],
)
def test_withdrawal_effects_are_validated_with_located_errors(section: str, message: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(_with_stops(section), "bad.toml")
    problems = caught.value.detail["problems"]
    assert any(message in f"{problem['path']}: {problem['message']}" for problem in problems), (
        problems
    )


# -- screening outcomes and CONSORT ---------------------------------------------------------


def test_registration_outranks_closure_and_closure_outranks_eligibility() -> None:
    assert (
        screening_outcome(ScreeningStatus.ELIGIBLE, ClosureReason.DECLINED, True)
        is ScreeningOutcome.REGISTERED
    )
    assert (
        screening_outcome(ScreeningStatus.ELIGIBLE, ClosureReason.DECLINED, False)
        is ScreeningOutcome.DECLINED
    )
    assert screening_outcome(ScreeningStatus.INCOMPLETE, None, False) is ScreeningOutcome.INCOMPLETE


def test_the_consort_counts_split_the_excluded_and_count_each_failed_criterion() -> None:
    entries = [
        ScreeningEntry("OUS", ScreeningOutcome.REGISTERED, arm_code="A"),
        ScreeningEntry("OUS", ScreeningOutcome.REGISTERED, arm_code="B"),
        ScreeningEntry("HUS", ScreeningOutcome.REGISTERED, arm_code="A"),
        ScreeningEntry("OUS", ScreeningOutcome.INELIGIBLE, ("I7", "I10")),
        ScreeningEntry("HUS", ScreeningOutcome.INELIGIBLE, ("I10",)),
        ScreeningEntry("HUS", ScreeningOutcome.INELIGIBLE, ("E7",)),
        ScreeningEntry("OUS", ScreeningOutcome.DECLINED),
        ScreeningEntry("OUS", ScreeningOutcome.NOT_INCLUDED_OTHER),
        ScreeningEntry("OUS", ScreeningOutcome.AWAITING_CONFIRMATION),
        ScreeningEntry("OUS", ScreeningOutcome.ELIGIBLE),
    ]
    counts = consort_counts(entries)
    assert counts.assessed == 10
    assert counts.excluded == 5
    assert (counts.not_meeting_criteria, counts.declined, counts.other_reasons) == (3, 1, 1)
    assert counts.pending == 2
    assert counts.registered == 3
    assert list(counts.by_criterion.items()) == [("I7", 1), ("I10", 2), ("E7", 1)]
    assert counts.allocated == {"A": 2, "B": 1}
    assert counts.assessed == counts.excluded + counts.pending + counts.registered


@given(st.lists(st.sampled_from(list(ScreeningOutcome))))
def test_every_screened_person_is_counted_once(outcomes: list[ScreeningOutcome]) -> None:
    counts = consort_counts(ScreeningEntry("OUS", outcome) for outcome in outcomes)
    assert counts.assessed == len(outcomes)
    assert counts.excluded + counts.pending + counts.registered == len(outcomes)


# -- the optional fraction ------------------------------------------------------------------


def test_a_second_8_gy_fraction_adds_one_fraction_and_8_gy_to_arm_a() -> None:
    arm_a = PALLSOFT.arm("A")
    chosen = check_decision(arm_a, None, criterion_met=True, give=True)
    assert chosen.id == "second_8gy"
    (before,) = planned_prescription(arm_a, {})
    (after,) = planned_prescription(arm_a, {"second_8gy": True})
    assert (before.fractions, before.total_dose_gy) == (1, 8.0)
    assert (after.fractions, after.total_dose_gy, after.optional_fractions_added) == (2, 16.0, 1)
    (withheld,) = planned_prescription(arm_a, {"second_8gy": False})
    assert withheld == before


def test_the_fraction_may_be_withheld_when_the_criterion_is_met_but_not_given_when_it_is_not() -> (
    None
):
    arm_a = PALLSOFT.arm("A")
    assert check_decision(arm_a, "second_8gy", criterion_met=True, give=False).id == "second_8gy"
    assert check_decision(arm_a, None, criterion_met=False, give=False).id == "second_8gy"
    with pytest.raises(InvalidInput) as caught:
        check_decision(arm_a, None, criterion_met=False, give=True)
    assert caught.value.location == "give"


@pytest.mark.parametrize(
    ("arm", "fraction", "location"),
    [("B", None, "arm"), ("A", "third_8gy", "optional_fraction")],
)
def test_a_decision_for_arm_b_or_an_unknown_fraction_is_refused(
    arm: str, fraction: str | None, location: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_decision(PALLSOFT.arm(arm), fraction, criterion_met=True, give=True)
    assert caught.value.location == location


# -- when the decision on the optional fraction is made ----------------------------------------

SECOND = PALLSOFT.arm("A").prescription.optional_fractions[0]
FIRST = date(2025, 1, 13)  # the first 8 Gy fraction


def test_the_bundled_window_is_days_21_to_42_after_the_first_fraction() -> None:
    assert (SECOND.earliest_day_after_first_fraction, SECOND.latest_day_after_first_fraction) == (
        21,
        42,
    )


@pytest.mark.parametrize(
    ("day", "give", "allowed"),
    [
        (0, False, False),
        (20, True, False),
        (20, False, False),
        (21, True, True),
        (42, True, True),
        (43, True, False),
        (43, False, True),  # a decision not to give it may be recorded late
    ],
)
def test_the_decision_is_made_inside_the_window(day: int, give: bool, allowed: bool) -> None:
    today = FIRST + timedelta(days=day)
    if allowed:
        assert check_decision_timing(SECOND, FIRST, today, give=give) == day
        return
    with pytest.raises(InvalidInput) as caught:
        check_decision_timing(SECOND, FIRST, today, give=give)
    assert caught.value.location == "decided_at"
    assert "days 21-42 after the first fraction of 2025-01-13 (2025-02-03 to 2025-02-24)" in (
        caught.value.message
    )
    assert ("too early" if day < 21 else "too late") in caught.value.message


def test_no_decision_before_the_first_fraction_is_delivered() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_decision_timing(SECOND, None, FIRST, give=False)
    assert caught.value.location == "decided_at"
    assert "none has been delivered yet" in caught.value.message

"""The SAE reporting deadlines and the responder's analgesic rule are read from the protocol
version in force, not from code: an amendment that changes them changes what the services do,
and a protocol without reporting deadlines cannot take a serious adverse event."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from radtrial.errors import InvalidInput
from radtrial.services import trials
from radtrial.services.outcomes import pro
from radtrial.store.database import Database
from tests.outcomes_support import (
    START,
    CalendarClock,
    at,
    audit_count,
    enrol_pallsoft,
    record_adverse_event,
    set_up,
)

TRIALS = Path(__file__).resolve().parents[2] / "src" / "radtrial" / "protocol" / "trials"
REPORTING = """sae_to_sponsor_hours = 24
susar_fatal_or_life_threatening_days = 7
susar_other_days = 15
"""


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


def _amend(db: Database, tmp_path: Path, label: str, *edits: tuple[str, str]) -> None:
    """Load PALLSOFT's bundled file with ``edits`` applied as an amendment ``label``."""
    text = (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    first_label = 'label = "'
    start = text.index(first_label)
    end = text.index('"', start + len(first_label))
    text = text[:start] + f'label = "{label}' + text[end:]
    path = tmp_path / f"pallsoft-{label}.toml"
    path.write_text(text, encoding="utf-8")
    trials.load_protocol(db, str(path), actor="dm", reason=f"amendment {label}")


def _serious(db: Database, study_id: str, hour: int = 14) -> object:
    return record_adverse_event(
        db,
        study_id,
        term="Proctitis",
        onset_on=START + timedelta(days=5),
        grade=3,
        seriousness=["hospitalisation"],
        expected=False,
        investigator_aware_at=at(START + timedelta(days=29), hour=hour),
    )


def test_an_amendment_that_changes_the_reporting_deadlines_changes_the_due_times(
    database: Database, clock: CalendarClock, tmp_path: Path
) -> None:
    set_up(database)
    study_id = enrol_pallsoft(database, clock)
    clock.set_day(START + timedelta(days=30))
    aware = at(START + timedelta(days=29), hour=14)
    before = _serious(database, study_id)
    assert before.report_due_at == aware + timedelta(hours=24)  # type: ignore[attr-defined]
    _amend(
        database,
        tmp_path,
        "9.9-test",
        (
            REPORTING,
            "sae_to_sponsor_hours = 48\nsusar_fatal_or_life_threatening_days = 7\n"
            "susar_other_days = 10\n",
        ),
    )
    after = _serious(database, study_id, hour=15)
    later = at(START + timedelta(days=29), hour=15)
    assert after.report_due_at == later + timedelta(hours=48)  # type: ignore[attr-defined]
    assert after.susar_report_due_at == later + timedelta(days=10)  # type: ignore[attr-defined]


def test_a_protocol_without_reporting_deadlines_refuses_a_serious_event(
    database: Database, clock: CalendarClock, tmp_path: Path
) -> None:
    set_up(database)
    study_id = enrol_pallsoft(database, clock)
    clock.set_day(START + timedelta(days=30))
    text = (TRIALS / "pallsoft.toml").read_text(encoding="utf-8")
    start = text.index("[safety.reporting]")
    end = text.index("\n[analysis]\n")
    _amend(database, tmp_path, "9.8-test", (text[start:end], ""))
    count = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _serious(database, study_id)
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "seriousness",
        "no_reporting_rule",
    )
    assert "[safety.reporting]" in str(caught.value)
    assert audit_count(database) == count
    # A non-serious event needs no deadlines.
    record_adverse_event(database, study_id, term="Diarrhoea", onset_on=START + timedelta(days=5))


def test_the_analgesic_rule_applies_to_the_symptoms_the_protocol_names(
    database: Database, clock: CalendarClock, tmp_path: Path
) -> None:
    set_up(database)
    pain = enrol_pallsoft(database, clock, symptom="pain")
    bleeding = enrol_pallsoft(database, clock, symptom="bleeding")
    for study_id, symptom in ((pain, "pain"), (bleeding, "bleeding")):
        pro.record_symptom(
            database,
            actor="nurse_ous",
            study_id=study_id,
            visit_id="baseline",
            symptom=symptom,
            nrs=7,
        )
    clock.set_day(START + timedelta(days=1))
    # As bundled: pain needs the analgesic answer, bleeding does not.
    with pytest.raises(InvalidInput) as caught:
        pro.record_symptom(database, actor="nurse_ous", study_id=pain, visit_id="end_of_rt", nrs=4)
    assert caught.value.detail["reason"] == "analgesic_change_required"
    pro.record_symptom(database, actor="nurse_ous", study_id=bleeding, visit_id="end_of_rt", nrs=4)
    # An amendment puts bleeding under the rule and takes pain out of it.
    _amend(
        database,
        tmp_path,
        "9.7-test",
        ('analgesic_rule_symptoms = ["pain"]', 'analgesic_rule_symptoms = ["bleeding"]'),
    )
    pro.record_symptom(database, actor="nurse_ous", study_id=pain, visit_id="end_of_rt", nrs=4)
    with pytest.raises(InvalidInput) as caught:
        pro.record_symptom(database, actor="nurse_ous", study_id=bleeding, visit_id="week_4", nrs=3)
    assert caught.value.detail["reason"] == "analgesic_change_required"

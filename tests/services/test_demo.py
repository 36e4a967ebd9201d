"""The demo database of ``radtrial serve --demo``, on SQLite and PostgreSQL: both trials, the
demo users and a few dozen simulated participants at every stage, every record written through
the audited services, nothing dated after the build started, and the same seed giving the same
demo."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from radtrial.services.audit import verify_audit
from radtrial.services.course import show_course
from radtrial.services.demo import DEFAULT_SEED, Demo, Stage, build_demo
from radtrial.services.outcomes import adverse_events, biobank, ecog, events, pro, tumour
from radtrial.services.screening import screening_log
from radtrial.store.audit import history
from radtrial.store.database import Database
from tests.support import TickingClock

MONITOR = "monitor"  # the demo's trial-wide monitor sees every site


def _build(database: Database, seed: int = DEFAULT_SEED) -> tuple[Demo, datetime]:
    end = database.clock()  # the TickingClock's next reading is when the build starts
    demo = build_demo(database, seed=seed)
    return demo, end


def _by_stage(demo: Demo, trial: str) -> Counter[Stage]:
    return Counter(p.stage for p in demo.participants if p.trial_slug == trial)


def test_the_demo_has_participants_at_every_stage_through_the_audited_services(
    database: Database, clock: TickingClock
) -> None:
    demo, end = _build(database)

    # The promised cohort: 35 screened for PALLSOFT at five sites, 8 for PROSARC-2.
    pallsoft = _by_stage(demo, "pallsoft")
    assert pallsoft[Stage.INELIGIBLE] == 5
    assert pallsoft[Stage.DECLINED] == 3
    assert pallsoft[Stage.SCREENED] == 2
    assert pallsoft[Stage.CONSENTED] == 1
    assert pallsoft[Stage.REGISTERED] == 2
    assert pallsoft[Stage.RANDOMISED] == 3
    assert pallsoft[Stage.ON_TREATMENT] >= 3
    assert pallsoft[Stage.FOLLOW_UP] >= 10
    assert sum(pallsoft.values()) == 35
    prosarc2 = _by_stage(demo, "prosarc2")
    assert prosarc2 == {
        Stage.INELIGIBLE: 2,
        Stage.DECLINED: 1,
        Stage.REGISTERED: 1,
        Stage.ON_TREATMENT: 1,
        Stage.FOLLOW_UP: 2,
        Stage.PROGRESSED: 1,
    }
    sites = {p.site_code for p in demo.participants if p.trial_slug == "pallsoft"}
    assert sites == {"OUS", "HUS", "SUS", "STO", "UNN"}
    # The demo research nurse's hospital has someone at every PALLSOFT stage.
    ous = {p.stage for p in demo.participants if (p.trial_slug, p.site_code) == ("pallsoft", "OUS")}
    assert ous >= set(Stage) - {Stage.PROGRESSED}
    assert [u.username for u in demo.users][:4] == [
        "admin",
        "monitor",
        "datamanager",
        "statistician",
    ]

    # The screening log in the database agrees: ineligible with the failed criterion, declined.
    log = screening_log(database, actor=MONITOR, trial_slug="pallsoft")
    counts = log.counts
    assert (counts.assessed, counts.not_meeting_criteria, counts.declined) == (35, 5, 3)
    assert counts.registered == 35 - 5 - 3 - 2 - 1
    assert {"I10", "I11", "I6", "E2", "E3"} <= set(counts.by_criterion)
    # Randomised in both arms.
    assert set(counts.allocated) == {"A", "B"}
    assert all(n > 0 for n in counts.allocated.values())
    arms = Counter(p.arm_code for p in demo.participants if p.trial_slug == "pallsoft")
    assert sum(counts.allocated.values()) == arms["A"] + arms["B"]

    # On treatment: a course with fractions delivered and a missed fraction in the ledger.
    treated = [
        p for p in demo.participants if p.stage is Stage.ON_TREATMENT and p.trial_slug == "prosarc2"
    ]
    course = show_course(database, actor=MONITOR, study_id=treated[0].study_id or "")
    assert course.delivered_fractions > 0
    assert course.fractions_remaining > 0
    assert [m.number for m in course.missed] == [3]
    assert course.site_code == "HUS"  # treated with protons at the other treating site
    ous_missed = [
        show_course(database, actor="nurse.ous", study_id=p.study_id or "").missed
        for p in demo.participants
        if (p.trial_slug, p.site_code, p.arm_code) == ("pallsoft", "OUS", "B")
        and p.stage in {Stage.ON_TREATMENT, Stage.FOLLOW_UP}
    ]
    assert any(ous_missed), "the OUS nurse sees a PALLSOFT course with a missed fraction"

    # Follow-up: PROs at baseline and later visits, responders at week 8, AEs and ECOG.
    followed = [
        p.study_id or ""
        for p in demo.participants
        if p.stage is Stage.FOLLOW_UP and p.trial_slug == "pallsoft"
    ]
    statuses: Counter[str] = Counter()
    ae_count = 0
    for study_id in followed:
        symptoms = pro.symptom_course(database, actor=MONITOR, study_id=study_id)
        visits = [r.visit_id for r in symptoms.ratings]
        assert visits[0] == "baseline"
        if symptoms.responder is not None:
            statuses[symptoms.responder.status] += 1
        ae_count += len(
            adverse_events.adverse_events_of(database, actor=MONITOR, study_id=study_id)
        )
        assert ecog.ecog_history(database, actor=MONITOR, study_id=study_id)
    assert statuses["responder"] > 0
    assert statuses["non_responder"] > 0
    assert ae_count > 0

    # PROSARC-2: a RECIST series ending in local progression, and stored samples.
    progressed = next(p for p in demo.participants if p.stage is Stage.PROGRESSED)
    series = tumour.tumour_series(database, actor=MONITOR, study_id=progressed.study_id or "")
    assert series.series is not None
    assert series.series.first_local_progression_on is not None
    kinds = [
        e.kind
        for e in events.events_of(database, actor=MONITOR, study_id=progressed.study_id or "")
    ]
    assert "local_progression" in kinds
    samples = biobank.participant_samples(
        database, actor=MONITOR, study_id=progressed.study_id or ""
    )
    positions = [s.storage_position for s in samples if s.parent_label is not None]
    assert len(positions) == 8  # plasma and serum, two aliquots each, at baseline and end of RT
    assert all(positions)
    assert len(set(positions)) == len(positions)

    # Every record went through the audited unit of work: both chains verify, the audit trail
    # holds every registration, and nothing is dated after the build started.
    assert all(result.ok for result in verify_audit(database))
    entries = history(database.engine("research"))
    registered = [e for e in entries if e.entity == "participants" and e.field == "study_id"]
    assert len(registered) == sum(1 for p in demo.participants if p.study_id is not None)
    assert max(e.at_utc for e in entries) < end
    assert end - entries[0].at_utc > timedelta(days=250)  # the history goes back months
    # The database's own clock is back.
    assert database.clock is clock


@pytest.mark.parametrize("database_urls", ["sqlite"], indirect=True)
def test_the_same_seed_builds_the_same_demo(
    database: Database, database_urls: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    first, _ = _build(database, seed=7)
    folder = tmp_path_factory.mktemp("again")
    with Database(
        f"sqlite:///{folder / 'research.db'}",
        f"sqlite:///{folder / 'identity.db'}",
        clock=TickingClock(),
    ) as again:
        second, _ = _build(again, seed=7)
        log = screening_log(again, actor=MONITOR, trial_slug="pallsoft")
    assert first.participants == second.participants
    assert first.steps == second.steps
    assert screening_log(database, actor=MONITOR, trial_slug="pallsoft").counts == log.counts

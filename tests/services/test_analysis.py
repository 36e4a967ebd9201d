"""``radtrial analyse`` as a service, on SQLite and PostgreSQL: PALLSOFT responders, risk
difference, FM test and OS by arm; PROSARC-2 LPFS at 24 months with the landmark test and the
cumulative incidence of local progression; each number checked against :mod:`radtrial.stats` on
the same counts and arrays; the populations and the access rule."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from radtrial.clinical.recist import TargetLesion
from radtrial.errors import InvalidInput, PermissionDenied
from radtrial.services.analysis import analyse
from radtrial.services.outcomes import endpoints, events, pro, tumour
from radtrial.stats import (
    CumulativeIncidence,
    KaplanMeier,
    LandmarkTest,
    farrington_manning,
    proportion,
    risk_difference,
)
from radtrial.store.database import Database
from radtrial.store.records import Role
from tests.outcomes_support import (
    START,
    CalendarClock,
    at,
    enrol_pallsoft,
    enrol_prosarc,
    set_up,
    treat,
)


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


def _pallsoft(db: Database, clock: CalendarClock, *, treated: int = 0) -> dict[str, str]:
    """Four PALLSOFT participants: two responders, one non-responder, one death before week 8;
    the first ``treated`` of them given their whole course. Returns study id → expected
    status."""
    set_up(db)
    ids = [enrol_pallsoft(db, clock) for _ in range(4)]
    for study_id in ids:
        pro.record_symptom(
            db, actor="nurse_ous", study_id=study_id, visit_id="baseline", symptom="pain", nrs=7
        )
    for study_id in ids[:treated]:
        treat(db, clock, study_id, START + timedelta(days=7))
    clock.set_day(START + timedelta(days=21))
    events.record_death(
        db,
        actor="inv_ous",
        study_id=ids[2],
        died_on=START + timedelta(days=20),
        cause="disease_under_study",
    )
    clock.set_day(START + timedelta(days=63))
    for study_id, nrs in ((ids[0], 3), (ids[1], 6), (ids[3], 2)):
        pro.record_symptom(
            db,
            actor="nurse_ous",
            study_id=study_id,
            visit_id="week_8",
            nrs=nrs,
            analgesic_increased=False,
            answered_at=at(START + timedelta(days=62)),
        )
    return {
        ids[0]: "responder",
        ids[1]: "non_responder",
        ids[2]: "non_responder",
        ids[3]: "responder",
    }


def test_pallsoft_itt_responders_risk_difference_fm_test_and_os_by_arm(
    database: Database, clock: CalendarClock
) -> None:
    expected = _pallsoft(database, clock)
    report = endpoints.endpoint_report(database, actor="stat", target="pallsoft")
    arms = {r.study_id: r.arm_code for r in report.rows}
    assert {v.study_id: v.status for v in report.responders} == expected

    result = analyse(database, actor="stat", trial_slug="pallsoft", population="itt")
    assert (result.population, result.participants, result.excluded) == ("itt", 4, ())
    table = result.tables["primary_responders"]
    counts = {}
    for code in ("A", "B"):
        members = [s for s, arm in arms.items() if arm == code]
        x = sum(expected[s] == "responder" for s in members)
        n = len(members)
        counts[code] = (x, n)
        assert (table["arms"][code]["responders"], table["arms"][code]["n"]) == (x, n)
        if n:
            exact = proportion(x, n, method="clopper_pearson")
            assert table["arms"][code]["clopper_pearson"] == pytest.approx(
                [exact.lower, exact.upper]
            )
            assert table["arms"][code]["proportion"] == pytest.approx(x / n)
    (x_a, n_a), (x_b, n_b) = counts["A"], counts["B"]
    if n_a and n_b:
        rd = risk_difference(x_a, n_a, x_b, n_b, method="newcombe")
        assert table["risk_difference"]["estimate"] == pytest.approx(x_a / n_a - x_b / n_b)
        assert table["risk_difference"]["lower"] == pytest.approx(rd.lower)
        assert table["risk_difference"]["upper"] == pytest.approx(rd.upper)
        fm = farrington_manning(x_a, n_a, x_b, n_b, 0.20, 0.025)
        ni = table["noninferiority"]
        assert ni["z"] == pytest.approx(float(np.asarray(fm.z)))
        assert ni["p_value"] == pytest.approx(float(np.asarray(fm.p_value)))
        assert (ni["margin"], ni["alpha"], ni["sided"]) == (0.20, 0.025, "one-sided")
    else:
        assert table["risk_difference"] is None

    overall = result.tables["overall_survival"]
    for code in ("A", "B"):
        durations, observed = report.survival_data("os", unit="months", arm=code)
        assert overall["by_arm"][code]["n"] == len(durations)
        assert overall["by_arm"][code]["events"] == int(observed.sum())
        if len(durations):
            median = KaplanMeier().fit(durations, observed).quantile(0.5).time
            got = overall["by_arm"][code]["median_months"]["estimate"]
            assert (got is None and np.isnan(median)) or got == pytest.approx(median)
    assert any("Newcombe" in c for c in result.conventions)
    assert any("p_exp - p_ctl" in c for c in result.conventions)
    assert any("non-responder" in c for c in result.conventions)


def test_pallsoft_per_protocol_excludes_participants_without_a_complete_course(
    database: Database, clock: CalendarClock
) -> None:
    expected = _pallsoft(database, clock)
    result = analyse(database, actor="monitor", trial_slug="pallsoft")
    assert result.population == "pp"  # the protocol's primary population
    assert result.participants == 0
    assert {s for s, _ in result.excluded} == set(expected)
    assert all("course" in why for _, why in result.excluded)
    assert result.tables["primary_responders"]["risk_difference"] is None


def test_pallsoft_per_protocol_keeps_treated_participants_assessed_at_week_8(
    database: Database, clock: CalendarClock
) -> None:
    expected = _pallsoft(database, clock, treated=1)
    first = next(iter(expected))
    result = analyse(database, actor="stat", trial_slug="pallsoft", population="pp")
    assert result.participants == 1
    assert {s for s, _ in result.excluded} == set(expected) - {first}
    arms = result.tables["primary_responders"]["arms"]
    assert sum(a["n"] for a in arms.values()) == 1
    assert sum(a["responders"] for a in arms.values()) == 1  # the first is a responder


def test_analysis_is_for_sponsor_and_statistics_roles_only_and_known_populations(
    database: Database, clock: CalendarClock
) -> None:
    _pallsoft(database, clock)
    for actor in ("nurse_ous", "inv_ous"):
        with pytest.raises(PermissionDenied) as refused:
            analyse(database, actor=actor, trial_slug="pallsoft")
        assert refused.value.location == "actor"
    with database.unit_of_work("setup") as uow:
        uow.users.add(
            username="sponsor",
            full_name="Sponsor",
            email="sponsor@example.org",
            password_hash=None,
        )
        uow.users.grant(username="sponsor", role=Role.SPONSOR_ADMIN, site_code=None)
    assert (
        analyse(database, actor="sponsor", trial_slug="pallsoft", population="itt").participants
        == 4
    )
    with pytest.raises(InvalidInput) as bad:
        analyse(database, actor="stat", trial_slug="pallsoft", population="treated")
    assert bad.value.location == "population"


def test_prosarc2_lpfs_landmark_test_and_competing_local_progression(
    database: Database, clock: CalendarClock
) -> None:
    set_up(database)
    first = enrol_prosarc(database, clock)
    second = enrol_prosarc(database, clock)
    untreated = enrol_prosarc(database, clock)
    censored = enrol_prosarc(database, clock)
    tumour.record_baseline(
        database,
        actor="inv_ous",
        study_id=censored,
        assessed_on=START,
        targets=[TargetLesion("T1", "thigh", 80.0, modality="mri", irradiated_index=True)],
        visit_id="baseline",
    )
    _, last = treat(database, clock, first, START + timedelta(days=14))
    _, last = treat(database, clock, second, last + timedelta(days=7))
    treat(database, clock, censored, last + timedelta(days=7))
    clock.set_day(START + timedelta(days=400))
    events.record_progression(
        database,
        actor="inv_ous",
        study_id=first,
        kind="local_progression",
        event_on=START + timedelta(days=200),
        method="imaging",
    )
    events.record_death(
        database,
        actor="inv_ous",
        study_id=second,
        died_on=START + timedelta(days=300),
        cause="disease_under_study",
    )
    clock.set_day(START + timedelta(days=760))  # past 24 months: censored after the landmark
    tumour.record_follow_up(
        database,
        actor="inv_ous",
        study_id=censored,
        assessed_on=START + timedelta(days=760),
        sizes={"T1": 60.0},
    )

    result = analyse(database, actor="stat", trial_slug="prosarc2")
    assert (result.population, result.participants) == ("treated", 3)
    assert result.excluded == ((untreated, "no fraction delivered"),)

    report = endpoints.endpoint_report(database, actor="stat", target="prosarc2")
    treated = {first, second, censored}
    rows = [r.time for r in report.rows if r.study_id in treated]
    lpfs = [t for t in rows if t.endpoint.value == "lpfs"]
    months = np.array([t.months for t in lpfs])
    observed = np.array([int(t.event) for t in lpfs])
    km = KaplanMeier(conf_type="log-log").fit(months, observed).survival_at([24.0])
    primary = result.tables["primary_lpfs"]
    assert (primary["n"], primary["events"]) == (3, 2)
    s24 = primary["survival_at_landmark"]
    assert s24["estimate"] == pytest.approx(1 / 3)  # (2/3)·(1/2) by hand
    assert s24["estimate"] == pytest.approx(float(km["survival"][0]))
    assert (s24["lower"], s24["upper"]) == pytest.approx(
        (float(km["ci_lower"][0]), float(km["ci_upper"][0]))
    )
    test = LandmarkTest(landmark=24.0, null_survival=0.55).fit(months, observed)
    landmark = primary["landmark_test"]
    assert landmark["z"] == pytest.approx(test.statistic_)
    assert landmark["p_value"] == pytest.approx(test.p_value_)
    assert landmark["reject"] is False
    assert (landmark["s0"], landmark["transform"]) == (0.55, "log-log")

    cif_table = result.tables["local_progression_cumulative_incidence"]
    assert (cif_table["local_progression"], cif_table["death_first"]) == (1, 1)
    causes = [{"local_progression": 1, "death": 2}.get(t.event_kind or "", 0) for t in lpfs]
    cif = CumulativeIncidence().fit(months, causes).cumulative_incidence_at([24.0], cause=1)
    assert cif_table["cumulative_incidence"]["estimate"] == pytest.approx(
        float(cif["cumulative_incidence"][0])
    )
    assert "toxicity_max_grade" in result.tables
    assert any("competing" in c for c in result.conventions)

"""A PROSARC-2 patient's RECIST series ending in local progression of the irradiated tumour, the
events it records, death and off study, and the LPFS/PFS/OS data they produce."""

from __future__ import annotations

from datetime import timedelta

import pytest

from radtrial.clinical.recist import NonTargetLesion, TargetLesion
from radtrial.errors import Conflict, InvalidInput, PermissionDenied
from radtrial.services.outcomes import ecog, endpoints, events, tumour
from radtrial.stats import KaplanMeier
from radtrial.store.database import Database
from radtrial.store.outcome_records import TumourBaselineRecord
from tests.outcomes_support import (
    START,
    CalendarClock,
    audit_count,
    audit_rows,
    enrol_pallsoft,
    enrol_prosarc,
    set_up,
)

INDEX = TargetLesion("T1", "thigh", 80.0, modality="mri", irradiated_index=True)
LUNG = TargetLesion("T2", "lung", 15.0)
NON_TARGET = NonTargetLesion("N1", "lung")


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    return enrol_prosarc(database, clock)


def _baseline(db: Database, study_id: str, **values: object) -> TumourBaselineRecord:
    fields: dict[str, object] = {
        "assessed_on": START,
        "targets": [INDEX, LUNG],
        "non_targets": [NON_TARGET],
        "visit_id": "baseline",
    }
    fields.update(values)
    return tumour.record_baseline(db, actor="inv_ous", study_id=study_id, **fields)  # type: ignore[arg-type]


def _follow(
    db: Database, clock: CalendarClock, study_id: str, day: int, index: float | None, lung: float
) -> tumour.FollowUpResult:
    clock.set_day(START + timedelta(days=day))
    return tumour.record_follow_up(
        db,
        actor="inv_ous",
        study_id=study_id,
        assessed_on=START + timedelta(days=day),
        sizes={"T1": index, "T2": lung},
        non_target="non_cr_non_pd",
    )


def test_a_prosarc2_recist_series_ends_in_local_progression_with_the_assessment_date(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    assert baseline.sum_mm == 95.0
    assert baseline.rules["irradiated_index_lesion_measurable"] is True
    month_3 = _follow(database, clock, patient, 95, 60.0, 15.0)
    assert (month_3.follow_up.overall_response, month_3.follow_up.sum_mm) == ("SD", 75.0)
    assert month_3.events == ()
    month_6 = _follow(database, clock, patient, 185, 55.0, 14.0)
    assert month_6.follow_up.nadir_mm == 75.0
    # The index lesion grows 12 mm (21.8 %) over its own nadir of 55 mm: local progression,
    # although the whole sum (81 mm, +17.4 % over its nadir of 69 mm) is not overall PD.
    month_9 = _follow(database, clock, patient, 275, 67.0, 14.0)
    stored = month_9.follow_up
    assert (stored.local_progression, stored.distant_progression) == (True, False)
    assert (stored.overall_response, stored.index_nadir_mm, stored.index_mm) == ("SD", 55.0, 67.0)
    assert [(e.kind, e.event_on, e.method) for e in month_9.events] == [
        ("local_progression", START + timedelta(days=275), "recist")
    ]
    assert month_9.events[0].tumour_follow_up_id == stored.id

    series = tumour.tumour_series(database, actor="monitor", study_id=patient)
    assert series.series is not None
    assert series.series.first_local_progression_on == START + timedelta(days=275)
    assert series.series.first_distant_progression_on is None
    assert [f.overall_response for f in series.follow_ups] == ["SD", "SD", "SD"]
    assert series.best is not None
    assert series.best.response.value == "SD"

    report = endpoints.endpoint_report(database, actor="monitor", target=patient)
    assert report.origin == "registration"
    rows = {row.time.endpoint.value: row.time for row in report.rows}
    assert (rows["lpfs"].event, rows["lpfs"].event_kind, rows["lpfs"].days) == (
        True,
        "local_progression",
        275,
    )
    assert (rows["pfs"].event, rows["pfs"].days) == (True, 275)
    assert (rows["os"].event, rows["os"].censored_at, rows["os"].days) == (
        False,
        "last_contact",
        275,
    )
    # Every step is audited, the derived event too.
    assert ("inv_ous", "insert", "overall_response", "SD") in audit_rows(
        database, "tumour_follow_ups"
    )
    assert ("inv_ous", "insert", "kind", "local_progression") in audit_rows(
        database, "clinical_events"
    )
    assert ("inv_ous", "insert", "diameter_mm", 67.0) in audit_rows(database, "tumour_measurements")
    assert {("inv_ous", "insert")} == {
        (actor, action) for actor, action, *_ in audit_rows(database, "tumour_lesions")
    }


def test_lpfs_data_of_a_trial_fit_a_kaplan_meier_curve(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    second = enrol_prosarc(database, clock)
    _baseline(database, patient)
    _baseline(database, second, targets=[INDEX], non_targets=[])
    _follow(database, clock, patient, 95, 60.0, 15.0)
    clock.set_day(START + timedelta(days=100))
    tumour.record_follow_up(
        database,
        actor="inv_ous",
        study_id=second,
        assessed_on=START + timedelta(days=100),
        sizes={"T1": 70.0},
    )
    _follow(database, clock, patient, 200, 75.0, 15.0)
    clock.set_day(START + timedelta(days=300))
    events.record_death(
        database,
        actor="inv_ous",
        study_id=second,
        died_on=START + timedelta(days=290),
        cause="disease_under_study",
    )
    report = endpoints.endpoint_report(database, actor="stat", target="prosarc2")
    assert report.endpoints[0].value == "lpfs"
    durations, observed = report.survival_data("lpfs")
    assert list(durations) == [200.0, 290.0]
    assert list(observed) == [1, 1]
    months, _ = report.survival_data("lpfs", unit="months")
    assert months[0] == pytest.approx(200 / 30.4375)
    fit = KaplanMeier().fit(durations, observed)
    assert fit.survival_at([250.0])["survival"][0] == pytest.approx(0.5)
    os_durations, os_events = report.survival_data("os")
    assert list(os_events) == [0, 1]
    assert os_durations[1] == 290.0


@pytest.mark.parametrize(
    ("targets", "location", "reason"),
    [
        (
            [TargetLesion(f"T{n}", organ, 20.0) for n, organ in
             enumerate(["lung", "liver", "bone", "skin", "kidney", "spleen"], 1)],
            "target_lesions",
            "too_many_targets",
        ),
        (
            [TargetLesion("T1", "lung", 20.0), TargetLesion("T2", "Lung", 20.0),
             TargetLesion("T3", "lung ", 20.0)],
            "target_lesions[T3].organ",
            "too_many_in_organ",
        ),
        ([TargetLesion("T1", "lung", 8.0)], "target_lesions[T1].baseline_mm", "not_measurable"),
    ],
)  # fmt: skip
def test_invalid_baselines_are_refused_located_and_nothing_is_written(
    database: Database, patient: str, targets: list[TargetLesion], location: str, reason: str
) -> None:
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _baseline(database, patient, targets=targets, non_targets=[])
    assert (caught.value.location, caught.value.detail["reason"]) == (location, reason)
    assert audit_count(database) == before


def test_a_sixth_target_lesion_is_named(database: Database, patient: str) -> None:
    six = [
        TargetLesion(f"T{n}", organ, 20.0)
        for n, organ in enumerate(["lung", "liver", "bone", "skin", "kidney", "spleen"], 1)
    ]
    with pytest.raises(InvalidInput) as caught:
        _baseline(database, patient, targets=six, non_targets=[])
    assert "'T6' would be number 6" in str(caught.value)


def test_the_irradiated_index_lesion_is_measurable_only_by_the_protocols_exception(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    pallsoft = enrol_pallsoft(database, clock)
    with pytest.raises(InvalidInput) as caught:
        _baseline(database, pallsoft, visit_id=None)
    assert caught.value.detail["reason"] == "no_such_assessment"
    _baseline(database, patient)
    with pytest.raises(Conflict):
        _baseline(database, patient)


def test_tumour_assessments_are_refused_before_registration_and_out_of_order(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _baseline(database, patient, assessed_on=START - timedelta(days=1))
    assert caught.value.detail["reason"] == "before_registration"
    with pytest.raises(InvalidInput) as caught:
        _follow(database, clock, patient, 95, 60.0, 15.0)
    assert caught.value.detail["reason"] == "baseline_missing"
    _baseline(database, patient)
    _follow(database, clock, patient, 95, 60.0, 15.0)
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        _follow(database, clock, patient, 90, 60.0, 15.0)
    assert caught.value.detail["reason"] == "not_after_latest"
    clock.set_day(START + timedelta(days=190))
    with pytest.raises(InvalidInput) as caught:
        tumour.record_follow_up(
            database,
            actor="inv_ous",
            study_id=patient,
            assessed_on=START + timedelta(days=185),
            sizes={"T1": 50.0},
            non_target="non_cr_non_pd",
        )
    assert caught.value.location == "diameters_mm[T2]"
    with pytest.raises(InvalidInput) as caught:
        tumour.record_follow_up(
            database,
            actor="inv_ous",
            study_id=patient,
            assessed_on=START + timedelta(days=185),
            sizes={"T1": 50.0, "T2": 10.0},
            non_target="non_cr_non_pd",
            visit_id="end_of_rt",
        )
    assert caught.value.detail["reason"] == "not_scheduled"
    assert audit_count(database) == before


def test_death_ends_follow_up_and_nothing_is_recorded_after_it(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    _baseline(database, patient)
    _follow(database, clock, patient, 95, 60.0, 15.0)
    clock.set_day(START + timedelta(days=120))
    with pytest.raises(InvalidInput) as caught:
        events.record_death(
            database,
            actor="inv_ous",
            study_id=patient,
            died_on=START + timedelta(days=90),
            cause="unknown",
        )
    assert caught.value.detail["reason"] == "records_after_death"
    with pytest.raises(InvalidInput) as caught:
        events.record_death(
            database,
            actor="inv_ous",
            study_id=patient,
            died_on=START + timedelta(days=110),
            cause="other",
        )
    assert caught.value.location == "note"
    death = events.record_death(
        database,
        actor="inv_ous",
        study_id=patient,
        died_on=START + timedelta(days=110),
        cause="treatment_toxicity",
        note="rectal bleeding",
    )
    assert (death.kind, death.death_cause) == ("death", "treatment_toxicity")
    with pytest.raises(InvalidInput) as caught:
        ecog.record_ecog(
            database,
            actor="inv_ous",
            study_id=patient,
            status=4,
            assessed_on=START + timedelta(days=115),
        )
    assert caught.value.detail["reason"] == "after_death"
    with pytest.raises(Conflict):
        events.record_death(
            database,
            actor="inv_ous",
            study_id=patient,
            died_on=START + timedelta(days=111),
            cause="unknown",
        )
    off = events.record_off_study(
        database,
        actor="inv_ous",
        study_id=patient,
        off_on=START + timedelta(days=110),
        reason="death",
    )
    assert off.off_study_reason == "death"
    kinds = [e.kind for e in events.events_of(database, actor="monitor", study_id=patient)]
    assert kinds == ["death", "off_study"]
    rows = {r.time.endpoint.value: r.time for r in endpoints.endpoint_report(
        database, actor="monitor", target=patient).rows}  # fmt: skip
    assert (rows["os"].event, rows["os"].days) == (True, 110)
    assert (rows["lpfs"].event_kind, rows["lpfs"].days) == ("death", 110)


def test_distant_progression_by_hand_and_vital_status_contacts(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    clock.set_day(START + timedelta(days=200))
    distant = events.record_progression(
        database,
        actor="inv_ous",
        study_id=patient,
        kind="distant_progression",
        event_on=START + timedelta(days=150),
        method="imaging",
        note="new lung nodules on chest CT",
    )
    assert (distant.kind, distant.method) == ("distant_progression", "imaging")
    with pytest.raises(InvalidInput) as caught:
        events.record_progression(
            database,
            actor="inv_ous",
            study_id=patient,
            kind="local_progression",
            event_on=START + timedelta(days=150),
            method="recist",
        )
    assert caught.value.location == "method"
    events.record_alive(
        database,
        actor="nurse_ous",
        study_id=patient,
        known_alive_on=START + timedelta(days=190),
        source="telephone",
    )
    report = endpoints.endpoint_report(database, actor="monitor", target=patient)
    rows = {r.time.endpoint.value: r.time for r in report.rows}
    assert (rows["pfs"].event_kind, rows["pfs"].days) == ("distant_progression", 150)
    assert (rows["lpfs"].event, rows["lpfs"].censored_at, rows["lpfs"].days) == (
        False,
        "origin",
        0,
    )
    assert (rows["os"].censored_at, rows["os"].days) == ("last_contact", 190)
    assert ("nurse_ous", "insert", "source", "telephone") in audit_rows(
        database, "vital_status_checks"
    )


def test_endpoint_data_of_another_sites_participants_is_not_shown(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    with pytest.raises(PermissionDenied):
        endpoints.endpoint_report(database, actor="inv_hus", target=patient)
    report = endpoints.endpoint_report(database, actor="inv_hus", target="prosarc2")
    assert report.rows == ()

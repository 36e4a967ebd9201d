"""Corrections of RECIST baselines and follow-ups (decision 0062): a monitor's query ("lesion 2
was 34 mm, not 43 mm") is answered with a reasoned, versioned, audited correction; the series is
re-evaluated by the core (sum, nadir, responses, progression events), signatures of every
record whose content changed are voided, and a baseline correction that would leave recorded
follow-ups unevaluable is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from radtrial.clinical.recist import NonTargetLesion, TargetLesion, evaluate_series
from radtrial.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
)
from radtrial.services import consent, signatures
from radtrial.services.outcomes import endpoints, events, tumour
from radtrial.services.outcomes import recist_corrections as rc
from radtrial.services.outcomes.tumour import baseline_of, follow_up_of
from radtrial.store.audit import history
from radtrial.store.database import Database
from radtrial.store.outcome_records import TumourBaselineRecord, TumourFollowUpRecord
from radtrial.store.repositories.signatures import SignatureRepository
from tests.outcomes_support import START, CalendarClock, audit_count, enrol_prosarc, set_up

INDEX = TargetLesion("T1", "thigh", 80.0, modality="mri", irradiated_index=True)
LUNG_TYPO = TargetLesion("T2", "lung", 43.0)
LUNG = TargetLesion("T2", "lung", 34.0)
NON_TARGET = NonTargetLesion("N1", "lung")
SOURCE = "source document: lesion T2 measured 34 mm, not 43 mm"


@pytest.fixture
def clock() -> CalendarClock:
    return CalendarClock()


@pytest.fixture
def patient(database: Database, clock: CalendarClock) -> str:
    set_up(database)
    return enrol_prosarc(database, clock)


def _baseline(db: Database, study_id: str, *targets: TargetLesion) -> TumourBaselineRecord:
    return tumour.record_baseline(
        db,
        actor="inv_ous",
        study_id=study_id,
        assessed_on=START,
        targets=list(targets) or [INDEX, LUNG_TYPO],
        non_targets=[NON_TARGET],
        visit_id="baseline",
    )


def _follow(
    db: Database, clock: CalendarClock, study_id: str, day: int, index: float, lung: float
) -> TumourFollowUpRecord:
    clock.set_day(START + timedelta(days=day))
    return tumour.record_follow_up(
        db,
        actor="inv_ous",
        study_id=study_id,
        assessed_on=START + timedelta(days=day),
        sizes={"T1": index, "T2": lung},
        non_target="non_cr_non_pd",
    ).follow_up


def _sign(db: Database, study_id: str, entity: str, entity_id: int) -> int:
    """Store the signature :func:`signatures.sign_record` stores once the password is checked
    (the password step is the API tests'); its id."""
    with db.unit_of_work("inv_ous", reason=f"signed: {signatures.DEFAULT_MEANING}") as uow:
        participant = uow.participants.get(study_id)
        digest = signatures.content_sha256(
            signatures.record_content(uow, participant, entity, entity_id)
        )
        return (
            SignatureRepository(uow)
            .add(
                participant_id=participant.id,
                entity=entity,
                entity_id=entity_id,
                signer_name="Inv Ous",
                meaning=signatures.DEFAULT_MEANING,
                content_sha256=digest,
            )
            .id
        )


def _statuses(db: Database, study_id: str, entity: str, entity_id: int) -> list[str]:
    return [
        v.status
        for v in signatures.signatures_of(
            db, actor="monitor", study_id=study_id, entity=entity, entity_id=entity_id
        )
    ]


def _baseline_version(db: Database, study_id: str, baseline_id: int) -> str:
    return rc.recist_baseline_version(
        db, actor="inv_ous", study_id=study_id, baseline_id=baseline_id
    )


def _follow_up_version(db: Database, study_id: str, follow_up_id: int) -> str:
    return rc.recist_follow_up_version(
        db, actor="inv_ous", study_id=study_id, follow_up_id=follow_up_id
    )


def _updates(db: Database, entity: str, field: str) -> list[tuple[object, object, str | None]]:
    return [
        (e.old_value, e.new_value, e.reason)
        for e in history(db.engine("research"), entity=entity)
        if e.action == "update" and e.field == field
    ]


def test_a_baseline_correction_recomputes_the_sum_and_re_evaluates_every_follow_up(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    assert baseline.sum_mm == 123.0
    first = _follow(database, clock, patient, 95, 50.0, 30.0)
    second = _follow(database, clock, patient, 185, 48.0, 30.0)
    # With the typo the first follow-up is a partial response: 80 mm is 35 % below 123 mm.
    assert (first.overall_response, second.overall_response) == ("PR", "PR")

    done = rc.correct_recist_baseline(
        database,
        actor="inv_ous",
        study_id=patient,
        baseline_id=baseline.id,
        reason=SOURCE,
        expected_version=_baseline_version(database, patient, baseline.id),
        targets=[INDEX, LUNG],
    )
    assert done.baseline.sum_mm == 114.0
    sizes = {lesion.lesion_id: lesion.baseline_mm for lesion in done.baseline.lesions}
    assert sizes == {"T1": 80.0, "T2": 34.0, "N1": None}
    # 80 mm is 29.8 % below 114 mm: no longer a partial response but stable disease.
    after = {f.id: f for f in done.follow_ups}
    assert (after[first.id].overall_response, after[first.id].target_response) == ("SD", "SD")
    assert after[first.id].nadir_mm == 114.0
    assert after[first.id].change_from_baseline_percent == pytest.approx(-29.82, abs=0.01)
    assert (after[second.id].nadir_mm, after[second.id].overall_response) == (80.0, "PR")
    assert done.re_evaluated == (first.id, second.id)
    assert done.version == _baseline_version(database, patient, baseline.id)

    # What is stored is what the core computes from the corrected inputs, nothing stale.
    series = tumour.tumour_series(database, actor="monitor", study_id=patient)
    assert series.baseline is not None
    fresh = evaluate_series(
        baseline_of(series.baseline), [follow_up_of(f) for f in series.follow_ups]
    )
    assert (
        [p.overall.value for p in fresh.time_points]
        == [f.overall_response for f in series.follow_ups]
        == ["SD", "PR"]
    )
    assert [p.sum_mm for p in fresh.time_points] == [f.sum_mm for f in series.follow_ups]
    assert series.best is not None

    # The audit trail has the old and new values with the reason.
    assert (43.0, 34.0, SOURCE) in _updates(database, "tumour_lesions", "baseline_mm")
    assert (123.0, 114.0, SOURCE) in _updates(database, "tumour_baselines", "sum_mm")
    assert ("PR", "SD", SOURCE) in _updates(database, "tumour_follow_ups", "overall_response")
    entries = [
        e
        for e in history(database.engine("research"), entity="tumour_lesions")
        if e.action == "update"
    ]
    assert {e.actor for e in entries} == {"inv_ous"}


def test_a_signed_baseline_and_the_follow_ups_it_changes_lose_their_signatures_audited(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    follow_up = _follow(database, clock, patient, 95, 50.0, 30.0)
    on_baseline = _sign(database, patient, rc.BASELINES, baseline.id)
    on_follow_up = _sign(database, patient, rc.FOLLOW_UPS, follow_up.id)
    assert _statuses(database, patient, rc.BASELINES, baseline.id) == ["valid"]

    done = rc.correct_recist_baseline(
        database,
        actor="nurse_ous",
        study_id=patient,
        baseline_id=baseline.id,
        reason=SOURCE,
        expected_version=_baseline_version(database, patient, baseline.id),
        targets=[INDEX, LUNG],
    )
    assert [(v.entity, v.entity_id, v.count) for v in done.voided] == [
        (rc.BASELINES, baseline.id, 1),
        (rc.FOLLOW_UPS, follow_up.id, 1),
    ]
    assert _statuses(database, patient, rc.BASELINES, baseline.id) == ["voided"]
    assert _statuses(database, patient, rc.FOLLOW_UPS, follow_up.id) == ["voided"]
    views = signatures.signatures_of(
        database, actor="monitor", study_id=patient, entity=rc.BASELINES, entity_id=baseline.id
    )
    assert views[0].signature.voided_by == "nurse_ous"
    assert views[0].signature.void_reason == f"record edited: {SOURCE}"
    (re_evaluated,) = signatures.signatures_of(
        database, actor="monitor", study_id=patient, entity=rc.FOLLOW_UPS, entity_id=follow_up.id
    )
    assert re_evaluated.signature.void_reason == (
        f"re-evaluated after a correction of the RECIST baseline {baseline.id}: {SOURCE}"
    )
    voids = [
        (e.entity_id, e.actor, e.reason)
        for e in history(database.engine("research"), entity="record_signatures")
        if e.action == "update" and e.field == "voided_at"
    ]
    assert voids == [
        (str(on_baseline), "nurse_ous", SOURCE),
        (str(on_follow_up), "nurse_ous", SOURCE),
    ]


def test_a_follow_up_correction_moves_removes_and_records_the_local_progression_event(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient, INDEX, TargetLesion("T2", "lung", 15.0))
    month_3 = _follow(database, clock, patient, 95, 60.0, 15.0)
    month_6 = _follow(database, clock, patient, 185, 55.0, 14.0)
    month_9 = _follow(database, clock, patient, 275, 67.0, 14.0)
    assert month_9.local_progression is True
    signed_3 = _sign(database, patient, rc.FOLLOW_UPS, month_3.id)
    _sign(database, patient, rc.FOLLOW_UPS, month_9.id)
    assert baseline.sum_mm == 95.0

    # The index lesion was 60 mm at month 6, not 55 mm: its nadir is 60 mm, and 67 mm is 11.7 %
    # above it, which is not local progression. The month-9 event goes.
    removed = rc.correct_recist_follow_up(
        database,
        actor="inv_ous",
        study_id=patient,
        follow_up_id=month_6.id,
        reason="index lesion re-measured on the month-6 MRI: 60 mm",
        expected_version=_follow_up_version(database, patient, month_6.id),
        sizes={"T1": 60.0},
    )
    after = {f.id: f for f in removed.follow_ups}
    assert after[month_6.id].measurements == {"T1": 60.0, "T2": 14.0}
    assert (after[month_9.id].local_progression, after[month_9.id].index_nadir_mm) == (False, 60.0)
    assert removed.re_evaluated == (month_9.id,)
    assert [(c.kind, c.change, c.from_on) for c in removed.event_changes] == [
        ("local_progression", "removed", START + timedelta(days=275))
    ]
    assert removed.events == ()
    assert [e.kind for e in events.events_of(database, actor="monitor", study_id=patient)] == []
    rows = {r.time.endpoint.value: r.time for r in endpoints.endpoint_report(
        database, actor="monitor", target=patient).rows}  # fmt: skip
    assert rows["lpfs"].event is False
    # The month-3 follow-up's evaluation did not change: its signature stands.
    assert _statuses(database, patient, rc.FOLLOW_UPS, month_3.id) == ["valid"]
    assert _statuses(database, patient, rc.FOLLOW_UPS, month_9.id) == ["voided"]
    assert signed_3 > 0

    # Corrected back, the event is recorded again from the month-9 assessment ...
    again = rc.correct_recist_follow_up(
        database,
        actor="inv_ous",
        study_id=patient,
        follow_up_id=month_6.id,
        reason="second reading confirms 55 mm",
        expected_version=removed.version,
        sizes={"T1": 55.0},
    )
    assert [(c.kind, c.change, c.to_on) for c in again.event_changes] == [
        ("local_progression", "recorded", START + timedelta(days=275))
    ]
    assert [(e.kind, e.tumour_follow_up_id) for e in again.events] == [
        ("local_progression", month_9.id)
    ]
    # ... and moves with that assessment's corrected date.
    moved = rc.correct_recist_follow_up(
        database,
        actor="inv_ous",
        study_id=patient,
        follow_up_id=month_9.id,
        reason="scan date mistyped",
        expected_version=_follow_up_version(database, patient, month_9.id),
        assessed_on=START + timedelta(days=270),
    )
    assert [(c.change, c.from_on, c.to_on) for c in moved.event_changes] == [
        ("moved", START + timedelta(days=275), START + timedelta(days=270))
    ]
    assert [e.event_on for e in moved.events] == [START + timedelta(days=270)]
    assert ("inv_ous", "delete", "kind", None) in [
        (e.actor, e.action, e.field, e.new_value)
        for e in history(database.engine("research"), entity="clinical_events")
    ]


def test_a_progression_recorded_by_hand_is_left_to_the_investigator(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    _baseline(database, patient, INDEX, TargetLesion("T2", "lung", 15.0))
    month_3 = _follow(database, clock, patient, 95, 60.0, 15.0)
    events.record_progression(
        database,
        actor="inv_ous",
        study_id=patient,
        kind="local_progression",
        event_on=START + timedelta(days=90),
        method="clinical",
    )
    done = rc.correct_recist_follow_up(
        database,
        actor="inv_ous",
        study_id=patient,
        follow_up_id=month_3.id,
        reason="index lesion 100 mm",
        expected_version=_follow_up_version(database, patient, month_3.id),
        sizes={"T1": 100.0},
    )
    assert done.follow_ups[0].local_progression is True
    assert done.event_changes == ()
    assert [(e.kind, e.method, e.event_on) for e in done.events] == [
        ("local_progression", "clinical", START + timedelta(days=90))
    ]


def test_with_follow_ups_a_baseline_keeps_its_targets_and_precedes_them(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    follow_up = _follow(database, clock, patient, 95, 50.0, 30.0)
    version = _baseline_version(database, patient, baseline.id)
    before = audit_count(database)

    def correct(**values: object) -> object:
        return rc.correct_recist_baseline(
            database,
            actor="inv_ous",
            study_id=patient,
            baseline_id=baseline.id,
            reason=SOURCE,
            expected_version=version,
            **values,  # type: ignore[arg-type]
        )

    with pytest.raises(Conflict) as caught:
        correct(targets=[INDEX, LUNG, TargetLesion("T3", "liver", 20.0)])
    assert caught.value.location == "target_lesions"
    assert caught.value.detail["reason"] == "follow_ups_recorded"
    assert caught.value.detail["follow_ups"] == [follow_up.id]
    with pytest.raises(Conflict) as caught:
        correct(targets=[INDEX])
    assert caught.value.location == "target_lesions"
    with pytest.raises(Conflict) as caught:
        correct(non_targets=[])
    assert caught.value.location == "non_target_lesions"
    with pytest.raises(InvalidInput) as caught:
        correct(assessed_on=START + timedelta(days=95))
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "assessed_on",
        "before_baseline",
    )
    assert audit_count(database) == before
    # A further non-target lesion, a target's organ or method: the series stays evaluable.
    done = rc.correct_recist_baseline(
        database,
        actor="inv_ous",
        study_id=patient,
        baseline_id=baseline.id,
        reason="second non-target lesion on the baseline CT",
        expected_version=version,
        non_targets=[NON_TARGET, NonTargetLesion("N2", "pleura")],
    )
    assert [lesion.lesion_id for lesion in done.baseline.lesions] == ["T1", "T2", "N1", "N2"]
    assert done.re_evaluated == ()


def test_without_follow_ups_a_baseline_can_take_another_set_of_lesions(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    clock.set_day(START + timedelta(days=3))
    done = rc.correct_recist_baseline(
        database,
        actor="inv_ous",
        study_id=patient,
        baseline_id=baseline.id,
        reason="T2 is a node; the liver lesion is the second target",
        expected_version=_baseline_version(database, patient, baseline.id),
        assessed_on=START + timedelta(days=1),
        targets=[INDEX, TargetLesion("T3", "liver", 25.0)],
        non_targets=[NON_TARGET, NonTargetLesion("T2", "mediastinum", nodal=True)],
    )
    assert done.baseline.assessed_on == START + timedelta(days=1)
    assert done.baseline.sum_mm == 105.0
    roles = {lesion.lesion_id: lesion.role for lesion in done.baseline.lesions}
    assert roles == {"T1": "target", "T2": "non_target", "N1": "non_target", "T3": "target"}
    assert (done.follow_ups, done.voided) == ((), ())
    assert ("update", "role", "non_target") in [
        (e.action, e.field, e.new_value)
        for e in history(database.engine("research"), entity="tumour_lesions")
    ]


def test_versions_reasons_and_no_op_corrections_are_refused_with_nothing_written(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    follow_up = _follow(database, clock, patient, 95, 50.0, 30.0)
    version = _baseline_version(database, patient, baseline.id)
    before = audit_count(database)
    kwargs: dict[str, object] = {
        "actor": "inv_ous",
        "study_id": patient,
        "baseline_id": baseline.id,
        "targets": [INDEX, LUNG],
    }
    with pytest.raises(PreconditionRequired) as required:
        rc.correct_recist_baseline(database, reason=SOURCE, expected_version=None, **kwargs)  # type: ignore[arg-type]
    assert required.value.location == "If-Match"
    with pytest.raises(PreconditionFailed) as stale:
        rc.correct_recist_baseline(database, reason=SOURCE, expected_version="0" * 64, **kwargs)  # type: ignore[arg-type]
    assert stale.value.detail["current"] == version
    with pytest.raises(InvalidInput) as no_reason:
        rc.correct_recist_baseline(database, reason="  ", expected_version=version, **kwargs)  # type: ignore[arg-type]
    assert no_reason.value.location == "reason"
    with pytest.raises(InvalidInput) as nothing:
        rc.correct_recist_baseline(
            database,
            actor="inv_ous",
            study_id=patient,
            baseline_id=baseline.id,
            reason=SOURCE,
            expected_version=version,
            targets=[LUNG_TYPO, INDEX],  # the same lesions in another order
        )
    assert nothing.value.location == "body"
    assert "the correction changes nothing" in str(nothing.value)
    with pytest.raises(InvalidInput) as nothing:
        rc.correct_recist_follow_up(
            database,
            actor="inv_ous",
            study_id=patient,
            follow_up_id=follow_up.id,
            reason=SOURCE,
            expected_version=_follow_up_version(database, patient, follow_up.id),
            sizes={"T2": 30},
            non_target="non_cr_non_pd",
        )
    assert nothing.value.location == "body"
    with pytest.raises(NotFound) as missing:
        rc.correct_recist_follow_up(
            database,
            actor="inv_ous",
            study_id=patient,
            follow_up_id=follow_up.id + 100,
            reason=SOURCE,
            expected_version=version,
            sizes={"T2": 3},
        )
    assert missing.value.location == "follow_up_id"
    assert audit_count(database) == before
    # Once corrected, the version read before is stale.
    rc.correct_recist_baseline(database, reason=SOURCE, expected_version=version, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(PreconditionFailed):
        rc.correct_recist_baseline(
            database,
            actor="inv_ous",
            study_id=patient,
            baseline_id=baseline.id,
            reason="again",
            expected_version=version,
            targets=[INDEX, LUNG_TYPO],
        )


@pytest.mark.parametrize(
    ("values", "location", "reason"),
    [
        ({"sizes": {"T2": -1.0}}, "diameters_mm[T2]", None),
        ({"sizes": {"T9": 10.0}}, "diameters_mm[T9]", "unknown_lesion"),
        ({"non_target": "maybe"}, "non_target", None),
        ({"assessed_on": START}, "assessed_on", "before_baseline"),
        ({"assessed_on": date(2099, 1, 1)}, "assessed_on", "in_future"),
    ],
)
def test_invalid_follow_up_corrections_name_the_field(
    database: Database,
    clock: CalendarClock,
    patient: str,
    values: dict[str, object],
    location: str,
    reason: str | None,
) -> None:
    _baseline(database, patient)
    follow_up = _follow(database, clock, patient, 95, 50.0, 30.0)
    before = audit_count(database)
    with pytest.raises(InvalidInput) as caught:
        rc.correct_recist_follow_up(
            database,
            actor="inv_ous",
            study_id=patient,
            follow_up_id=follow_up.id,
            reason=SOURCE,
            expected_version=_follow_up_version(database, patient, follow_up.id),
            **values,  # type: ignore[arg-type]
        )
    assert caught.value.location == location
    if reason is not None:
        assert caught.value.detail["reason"] == reason
    assert audit_count(database) == before


def test_an_unmeasurable_corrected_target_is_named(database: Database, patient: str) -> None:
    baseline = _baseline(database, patient)
    with pytest.raises(InvalidInput) as caught:
        rc.correct_recist_baseline(
            database,
            actor="inv_ous",
            study_id=patient,
            baseline_id=baseline.id,
            reason=SOURCE,
            expected_version=_baseline_version(database, patient, baseline.id),
            targets=[INDEX, TargetLesion("T2", "lung", 8.0)],
        )
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "target_lesions[T2].baseline_mm",
        "not_measurable",
    )


def test_only_staff_at_the_participants_site_correct(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    baseline = _baseline(database, patient)
    follow_up = _follow(database, clock, patient, 95, 50.0, 30.0)
    version = _baseline_version(database, patient, baseline.id)
    for actor in ("inv_hus", "monitor", "stat"):
        with pytest.raises(PermissionDenied):
            rc.correct_recist_baseline(
                database,
                actor=actor,
                study_id=patient,
                baseline_id=baseline.id,
                reason=SOURCE,
                expected_version=version,
                targets=[INDEX, LUNG],
            )
        with pytest.raises(PermissionDenied):
            rc.correct_recist_follow_up(
                database,
                actor=actor,
                study_id=patient,
                follow_up_id=follow_up.id,
                reason=SOURCE,
                expected_version=version,
                sizes={"T2": 31.0},
            )
    with pytest.raises(PermissionDenied):
        rc.recist_baseline(database, actor="inv_hus", study_id=patient, baseline_id=baseline.id)
    shown = rc.recist_baseline(database, actor="monitor", study_id=patient, baseline_id=baseline.id)
    assert (shown.record.id, shown.version) == (baseline.id, version)


def test_a_withdrawal_from_follow_up_applies_to_the_corrected_date(
    database: Database, clock: CalendarClock, patient: str
) -> None:
    _baseline(database, patient)
    _follow(database, clock, patient, 95, 50.0, 30.0)
    month_6 = _follow(database, clock, patient, 185, 48.0, 30.0)
    clock.set_day(START + timedelta(days=250))
    consent.record_withdrawal(
        database,
        actor="inv_ous",
        study_id=patient,
        kind="follow_up",
        withdrawn_on=START + timedelta(days=200),
    )
    with pytest.raises(InvalidInput) as caught:
        rc.correct_recist_follow_up(
            database,
            actor="inv_ous",
            study_id=patient,
            follow_up_id=month_6.id,
            reason="scan date mistyped",
            expected_version=_follow_up_version(database, patient, month_6.id),
            assessed_on=START + timedelta(days=210),
        )
    assert (caught.value.location, caught.value.detail["reason"]) == (
        "assessed_on",
        "not_collectable",
    )
    # Data collected before the withdrawal can still be corrected to its source.
    done = rc.correct_recist_follow_up(
        database,
        actor="inv_ous",
        study_id=patient,
        follow_up_id=month_6.id,
        reason="T2 re-measured",
        expected_version=_follow_up_version(database, patient, month_6.id),
        sizes={"T2": 29.0},
    )
    assert done.follow_ups[-1].sum_mm == 77.0

"""Plan QA of a participant's RT plan on SQLite and PostgreSQL: the evaluation, its constraint
rows and the HTML report are stored through the audited unit of work (hash-chained audit rows
by the physicist), read back by who may read the participant, and every refusal or failure
(unknown participant, another role or site, mismatched DICOM files, a trial without a
constraint table) writes nothing.

Participants are enrolled through the enrolment services (tests.course_support).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from radtrial.errors import DicomError, InvalidInput, NotFound, PermissionDenied, RadtrialError
from radtrial.services.plan_qa import (
    PlanFiles,
    check_participant_plan,
    plan_qa_evaluation,
    plan_qa_evaluations,
    plan_qa_report,
)
from radtrial.store.audit import verify
from radtrial.store.database import Database
from tests.course_support import (
    audit_rows,
    pallsoft_participant,
    prepare,
    prosarc2_participant,
)
from tests.dicom import plans, writer

TABLES = ("plan_qa_evaluations", "plan_qa_results", "plan_qa_reports")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return plans.plan_files(tmp_path_factory.mktemp("plan"))


@pytest.fixture
def db(database: Database) -> Database:
    return prepare(database)


def files(folder: dict[str, Path], plan: str = "rp", rs: str = "rs", *doses: str) -> PlanFiles:
    return PlanFiles.of(folder[plan], folder[rs], [folder[d] for d in doses or ("rd",)])


def refused(db: Database, error: type[RadtrialError], call: Callable[[], Any]) -> RadtrialError:
    """Run ``call``, expect ``error``, and check that nothing at all was written."""
    before = len(audit_rows(db))
    with pytest.raises(error) as caught:
        call()
    assert len(audit_rows(db)) == before, "a refusal wrote to the database"
    return caught.value


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_physicist_stores_the_verdict_every_row_and_the_report_in_the_audit_trail(
    db: Database, folder: dict[str, Path]
) -> None:
    study_id = prosarc2_participant(db)
    stored = check_participant_plan(
        db, actor="phys_ous", study_id=study_id, files=files(folder), mode="tps"
    )
    evaluation = stored.evaluation
    assert evaluation.verdict == "pass"
    assert evaluation.study_id == study_id
    assert evaluation.mode == "tps"
    assert evaluation.dose_unit == "Gy(RBE)"
    assert evaluation.dose_factor == pytest.approx(1.1)
    assert evaluation.plan_label == "PHANTOM"
    assert evaluation.radiation_types == ("PROTON",)
    assert evaluation.fractions_planned == 16
    assert evaluation.rtplan_sha256 == sha256(folder["rp"])
    assert evaluation.rtstruct_sha256 == sha256(folder["rs"])
    assert evaluation.rtdose_sha256 == (sha256(folder["rd"]),)
    assert evaluation.structure_site == "OUS"
    assert evaluation.unmapped_names == ("Couch",)
    assert evaluation.evaluated_by == "phys_ous"
    assert evaluation.evaluated_at.utcoffset() is not None
    grades = {r.constraint_id: r for r in evaluation.results}
    assert grades["ctv_d95"].grade == "pass"
    assert grades["ctv_d95"].local_name == "CTV_56"
    assert grades["ctv_d95"].value == pytest.approx(57.2, abs=0.01)
    assert grades["spinalcord_d003cc"].local_name == "Medulla"  # OUS's structure names
    assert grades["kidneys_dmean"].grade == "not_evaluated"
    assert grades["plan_radiation_type"].grade == "pass"
    assert grades["plan_radiation_type"].limit is None

    # Every table's rows are in the hash-chained audit trail, by the physicist, as inserts.
    for table in TABLES:
        rows = audit_rows(db, table)
        assert rows, table
        assert {r.actor for r in rows} == {"phys_ous"}
        assert {r.action for r in rows} == {"insert"}
    verdict = [r for r in audit_rows(db, "plan_qa_evaluations") if r.field == "verdict"]
    assert [r.new_value for r in verdict] == ["pass"]
    grade_rows = [r for r in audit_rows(db, "plan_qa_results") if r.field == "grade"]
    assert len(grade_rows) == len(evaluation.results)
    html = plan_qa_report(db, actor="phys_ous", evaluation_id=evaluation.id)
    assert html.startswith("<!DOCTYPE html>")
    assert study_id in html
    assert sha256(folder["rp"]) in html
    assert "Target indices" in html
    stored_html = [r for r in audit_rows(db, "plan_qa_reports") if r.field == "html"]
    assert [r.new_value for r in stored_html] == [html]
    sha = [r for r in audit_rows(db, "plan_qa_reports") if r.field == "sha256"]
    assert sha[0].new_value == hashlib.sha256(html.encode("utf-8")).hexdigest()
    assert verify(db.engine("research")).ok


def test_the_participants_evaluations_are_listed_for_those_who_may_read_them(
    db: Database, folder: dict[str, Path]
) -> None:
    study_id = prosarc2_participant(db)
    first = check_participant_plan(
        db, actor="phys_ous", study_id=study_id, files=files(folder, "rp7"), mode="tps"
    ).evaluation
    second = check_participant_plan(
        db, actor="inv_ous", study_id=study_id, files=files(folder), mode="tps", reason="replanned"
    ).evaluation
    assert first.verdict == "major"  # 7 fractions instead of 16
    assert second.verdict == "pass"
    assert {
        r.reason for r in audit_rows(db, "plan_qa_evaluations") if r.entity_id == str(second.id)
    } == {"replanned"}
    for reader in ("phys_ous", "nurse_ous", "monitor"):
        listed = plan_qa_evaluations(db, actor=reader, study_id=study_id)
        assert [e.id for e in listed] == [first.id, second.id]
        assert listed[0].results == first.results
    assert plan_qa_evaluation(db, actor="monitor", evaluation_id=second.id) == second
    refused(
        db, PermissionDenied, lambda: plan_qa_evaluations(db, actor="inv_hus", study_id=study_id)
    )
    refused(
        db, PermissionDenied, lambda: plan_qa_report(db, actor="inv_hus", evaluation_id=first.id)
    )
    refused(db, NotFound, lambda: plan_qa_report(db, actor="phys_ous", evaluation_id=999))


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("nurse_ous", PermissionDenied),  # may write the participant, but not check plans
        ("inv_hus", PermissionDenied),  # an investigator at another site
        ("monitor", PermissionDenied),
        ("nobody", PermissionDenied),
    ],
)
def test_only_a_physicist_or_investigator_at_the_site_may_check(
    db: Database, folder: dict[str, Path], actor: str, error: type[RadtrialError]
) -> None:
    study_id = prosarc2_participant(db)
    caught = refused(
        db,
        error,
        lambda: check_participant_plan(db, actor=actor, study_id=study_id, files=files(folder)),
    )
    assert caught.location == "actor"


def test_an_unknown_participant_writes_nothing(db: Database, folder: dict[str, Path]) -> None:
    refused(
        db,
        NotFound,
        lambda: check_participant_plan(
            db, actor="phys_ous", study_id="NOBODY", files=files(folder)
        ),
    )


def test_a_dose_in_another_frame_of_reference_writes_nothing(
    db: Database, folder: dict[str, Path], tmp_path: Path
) -> None:
    study_id = prosarc2_participant(db)
    other = plans.write_dose(tmp_path / "RD.dcm", frame_of_reference="1.2.826.0.1.3680043.8.498.99")
    caught = refused(
        db,
        DicomError,
        lambda: check_participant_plan(
            db, actor="phys_ous", study_id=study_id,
            files=PlanFiles.of(folder["rp"], folder["rs"], other), mode="tps",
        ),
    )  # fmt: skip
    assert caught.detail["attribute"] == "FrameOfReferenceUID"
    assert caught.location == str(other)


def test_a_constrained_structure_outside_the_dose_grid_writes_nothing(
    db: Database, folder: dict[str, Path], tmp_path: Path
) -> None:
    study_id = prosarc2_participant(db)
    rois = [r for r in plans.rois() if r[1] != "CTV_56"]
    rois.append((1, "CTV_56", plans.sphere(12.0, (0, 0, 45), 3.0)))
    rs = writer.write(tmp_path / "RS.dcm", writer.structure_set(rois))
    caught = refused(
        db,
        DicomError,
        lambda: check_participant_plan(
            db, actor="phys_ous", study_id=study_id,
            files=PlanFiles.of(folder["rp"], rs, folder["rd"]), mode="tps",
        ),
    )  # fmt: skip
    assert caught.detail["structure"] == "CTV_56"


def test_a_corrupted_plan_writes_nothing(
    db: Database, folder: dict[str, Path], tmp_path: Path
) -> None:
    study_id = prosarc2_participant(db)
    bogus = tmp_path / "RP.dcm"
    bogus.write_bytes(b"\x00" * 300)
    refused(
        db,
        DicomError,
        lambda: check_participant_plan(
            db, actor="phys_ous", study_id=study_id,
            files=PlanFiles.of(bogus, folder["rs"], folder["rd"]),
        ),
    )  # fmt: skip


def test_a_trial_without_a_constraint_table_is_refused_before_reading_files(
    db: Database, tmp_path: Path
) -> None:
    study_id = pallsoft_participant(db, None)
    missing = tmp_path / "absent.dcm"
    caught = refused(
        db,
        InvalidInput,
        lambda: check_participant_plan(
            db, actor="phys_ous", study_id=study_id,
            files=PlanFiles.of(missing, missing, missing),
        ),
    )  # fmt: skip
    assert "has no dose-constraint table" in caught.message


def test_a_photon_plan_and_summed_beam_doses_are_graded_and_stored(
    db: Database, folder: dict[str, Path], tmp_path: Path
) -> None:
    study_id = prosarc2_participant(db)
    dose = plans.physical_dose()
    beams = [
        plans.write_dose(tmp_path / f"RD{n}.dcm", dose * share, summation="BEAM", beams=[n])
        for n, share in ((1, 0.5), (2, 0.5))
    ]
    summed = check_participant_plan(
        db, actor="phys_ous", study_id=study_id,
        files=PlanFiles.of(folder["rp"], folder["rs"], beams), mode="tps",
    ).evaluation  # fmt: skip
    assert summed.verdict == "pass"
    assert summed.rtdose_sha256 == tuple(sha256(p) for p in beams)
    assert any("sum of 2 BEAM doses" in n for n in summed.notes)
    photon = check_participant_plan(
        db, actor="phys_ous", study_id=study_id, files=files(folder, "rp_photon"), mode="tps"
    ).evaluation
    assert photon.verdict == "major"
    grades = {r.constraint_id: r.grade for r in photon.results}
    assert grades["plan_radiation_type"] == "major"
    assert np.isclose(photon.dose_factor, 1.0)

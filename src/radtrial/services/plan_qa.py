"""Use case: plan quality assurance, an RT plan's DICOM files against the protocol's dose
constraints (issue 5; docs/decisions/0030-dvh-engine.md).

* :func:`check_plan_files`: read the RT Plan, RT Structure Set and RT Dose(s), add the doses up
  to the whole course, compute the DVHs the constraint table needs and grade every row
  (:func:`radtrial.rt.constraints.check_plan`). No database: ``radtrial qa check`` calls it
  for an ad-hoc check of any plan against a trial's protocol.
* :func:`check_participant_plan`: the same for a participant, stored. A physicist or an
  investigator at the participant's site (or the treating site of the participant's course)
  may check; the protocol version is the one the participant's course follows (else the one
  the participant was registered under); the site's structure-name table is the treating
  site's. The evaluation, one row per constraint and the HTML report are written in one
  audited unit of work, with the SHA-256 of every file checked. Anything refused or failing
  (unknown participant, another role, files of different frames of reference, a constrained
  structure outside the dose grid) writes nothing.
* :func:`plan_qa_evaluations`, :func:`plan_qa_evaluation`, :func:`plan_qa_report`: reading
  them back, for users the site-isolation policy lets read the participant.

The DVH computation (seconds in ``accurate`` mode) runs between two short units of work: a
read-only one that checks who may act and finds the protocol, and the write, which checks
again before storing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from radtrial.dicom import read_dose, read_plan, read_structure_set
from radtrial.errors import Conflict, InvalidInput
from radtrial.protocol import Protocol
from radtrial.protocol.constraints import DoseConstraints
from radtrial.rt.constraints import PlanCheck, check_plan, plan_report
from radtrial.rt.dvh import Mode
from radtrial.rt.dvh.plan import Plan
from radtrial.services.access import acting_user
from radtrial.services.course.state import require_course_role
from radtrial.services.policy import Action
from radtrial.services.protocol_versions import protocol_version
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    ParticipantRecord,
    PlanQaEvaluationRecord,
    PlanQaResultRecord,
    ProtocolVersionRecord,
    Role,
)
from radtrial.store.repositories.plan_qa import NewPlanQaEvaluation, PlanQaRepository

__all__ = [
    "PLAN_QA_ROLES",
    "PlanFiles",
    "PlanQa",
    "StoredPlanQa",
    "check_participant_plan",
    "check_plan_files",
    "constraint_table",
    "plan_qa_evaluation",
    "plan_qa_evaluations",
    "plan_qa_report",
]

#: Who checks a participant's plan: the physicist, or an investigator, at the site.
PLAN_QA_ROLES = frozenset({Role.PHYSICIST, Role.INVESTIGATOR})


@dataclass(frozen=True)
class PlanFiles:
    """The DICOM RT files of one plan: RT Plan, RT Structure Set and one or more RT Doses
    (one PLAN dose, or beam or fraction-group doses to add up)."""

    rtplan: Path
    rtstruct: Path
    rtdose: tuple[Path, ...]

    @classmethod
    def of(cls, rtplan: Path, rtstruct: Path, rtdose: Path | Sequence[Path]) -> PlanFiles:
        """Files from paths (a single RT Dose or several)."""
        doses = (rtdose,) if isinstance(rtdose, Path) else tuple(rtdose)
        if not doses:
            raise InvalidInput("give at least one RT Dose file", location="--rtdose")
        return cls(Path(rtplan), Path(rtstruct), tuple(Path(d) for d in doses))


@dataclass(frozen=True)
class PlanQa:
    """A plan checked against a protocol: the check, the plan and what was read."""

    protocol: Protocol
    table: DoseConstraints
    files: PlanFiles
    plan: Plan
    check: PlanCheck
    site: str | None
    modality: str | None
    rtplan_sha256: str
    rtstruct_sha256: str
    rtdose_sha256: tuple[str, ...]

    @property
    def overall(self) -> str:
        """The plan's verdict: pass, minor, major or incomplete."""
        return self.check.overall

    def report(
        self,
        generated: datetime,
        *,
        participant: str | None = None,
        evaluation_id: int | None = None,
    ) -> str:
        """The HTML report (constraint table, target indices, DVH plot)."""
        protocol = self.protocol
        facts = [
            ("Trial", f"{protocol.trial.acronym} (protocol {protocol.protocol.label})"),
            *([("Participant", participant)] if participant else []),
            *([("Plan QA evaluation", str(evaluation_id))] if evaluation_id is not None else []),
            ("RT Plan", f"{self.files.rtplan.name} (SHA-256 {self.rtplan_sha256})"),
            ("RT Structure Set", f"{self.files.rtstruct.name} (SHA-256 {self.rtstruct_sha256})"),
            *(
                ("RT Dose", f"{path.name} (SHA-256 {digest})")
                for path, digest in zip(self.files.rtdose, self.rtdose_sha256, strict=True)
            ),
            ("Plan label", self.plan.label or "-"),
            ("Radiation", ", ".join(self.plan.radiation_types) or "-"),
            ("Fractions planned", str(self.plan.fractions_planned)),
            ("Structure names", f"site {self.site}" if self.site else "common table only"),
        ]
        return plan_report(
            self.check,
            title=f"{protocol.trial.acronym} plan QA: {self.plan.label or self.files.rtplan.name}",
            generated=generated.isoformat(timespec="seconds"),
            facts=facts,
        )


@dataclass(frozen=True)
class StoredPlanQa:
    """A participant's stored evaluation, the check it records and the stored report."""

    evaluation: PlanQaEvaluationRecord
    qa: PlanQa
    report_html: str


def constraint_table(protocol: Protocol) -> DoseConstraints:
    """The protocol's dose-constraint table; :class:`InvalidInput` when it has none."""
    table = protocol.dose_constraints
    if table is None:
        # No square brackets: the CLI prints messages with Rich, which would take
        # "[dose_constraints]" for markup and drop it.
        raise InvalidInput(
            f"protocol {protocol.slug} (version {protocol.protocol.label}) has no dose-constraint "
            "table (no dose_constraints section)",
            location="trial",
            detail={"reason": "no_dose_constraints"},
        )
    return table


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _prescription(protocol: Protocol, arm_code: str | None) -> tuple[str | None, float | None]:
    """(modality, RBE) of the participant's arm, or what every arm of the protocol shares."""
    if arm_code is not None:
        try:
            prescription = protocol.arm(arm_code).prescription
        except KeyError as exc:
            raise InvalidInput(str(exc.args[0]), location="arm") from exc
        return prescription.modality, (
            prescription.rbe.value if prescription.rbe is not None else None
        )
    modalities = {arm.prescription.modality for arm in protocol.arms}
    rbe = next(
        (a.prescription.rbe.value for a in protocol.arms if a.prescription.rbe is not None), None
    )
    return (next(iter(modalities)) if len(modalities) == 1 else None), rbe


def check_plan_files(
    protocol: Protocol,
    files: PlanFiles,
    *,
    mode: Mode = "accurate",
    site: str | None = None,
    arm_code: str | None = None,
) -> PlanQa:
    """Check the plan in ``files`` against ``protocol``'s dose constraints (nothing stored).

    ``site`` chooses the site's structure-name table; ``arm_code`` the arm whose modality and
    RBE apply (default: what all arms share). Raises :class:`InvalidInput` for a protocol
    without a constraint table and :class:`DicomError` for unreadable or mismatched files.
    """
    table = constraint_table(protocol)
    plan = read_plan(files.rtplan)
    structure_set = read_structure_set(files.rtstruct)
    doses = [read_dose(path) for path in files.rtdose]
    modality, rbe = _prescription(protocol, arm_code)
    check = check_plan(
        table, structure_set, doses, plan, rbe=rbe, mode=mode, site=site, modality=modality
    )
    return PlanQa(
        protocol=protocol,
        table=table,
        files=files,
        plan=plan,
        check=check,
        site=site,
        modality=modality,
        rtplan_sha256=_sha256(files.rtplan),
        rtstruct_sha256=_sha256(files.rtstruct),
        rtdose_sha256=tuple(_sha256(path) for path in files.rtdose),
    )


@dataclass(frozen=True)
class _Context:
    participant: ParticipantRecord
    protocol: Protocol
    version: ProtocolVersionRecord
    treating_site: str


def _open(uow: ResearchUnitOfWork, actor: str, study_id: str, *, lock: bool) -> _Context:
    """Who acts on whom, under which protocol version, at which treating site."""
    user = acting_user(uow, actor)
    participant = uow.participants.get(study_id, lock=lock)
    course = uow.course.get(participant)
    treating = course.site_code if course is not None else participant.site_code
    require_course_role(
        user,
        participant,
        action=Action.PARTICIPANT_WRITE,
        what="check the RT plan",
        treating_site=treating,
        roles=PLAN_QA_ROLES,
    )
    version_id = course.protocol_version_id if course is not None else None
    protocol, version = protocol_version(
        uow, participant.trial_slug, version_id or participant.protocol_version_id
    )
    return _Context(participant, protocol, version, treating)


def _new_evaluation(qa: PlanQa) -> NewPlanQaEvaluation:
    check = qa.check
    return NewPlanQaEvaluation(
        mode=check.mode,
        verdict=check.overall,
        dose_unit=qa.table.dose_unit,
        dose_factor=check.dose_factor,
        plan_label=qa.plan.label,
        radiation_types=qa.plan.radiation_types,
        fractions_planned=qa.plan.fractions_planned,
        rtplan_sha256=qa.rtplan_sha256,
        rtstruct_sha256=qa.rtstruct_sha256,
        rtdose_sha256=qa.rtdose_sha256,
        structure_site=qa.site,
        unmapped_names=check.names.unmapped,
        notes=(f"dose: {check.dose_note}", *check.notes),
        results=tuple(
            PlanQaResultRecord(
                constraint_id=r.id,
                structure=r.structure,
                local_name=r.local_name,
                metric=r.metric,
                comparison=r.comparison,
                limit=r.limit,
                minor_limit=r.minor_limit,
                unit=r.unit,
                value=r.value,
                grade=r.verdict,
                required=r.required,
                note=r.note,
            )
            for r in check.evaluation.results
        ),
    )


def check_participant_plan(
    db: Database,
    *,
    actor: str,
    study_id: str,
    files: PlanFiles,
    mode: Mode = "accurate",
    reason: str | None = None,
) -> StoredPlanQa:
    """Check the participant's plan against the protocol's dose constraints and store the
    evaluation, its constraint rows and the HTML report (audited; see the module docstring).

    Refused with nothing written: an unknown participant (:class:`NotFound`), an actor who is
    not a physicist or investigator at the participant's or treating site
    (:class:`PermissionDenied`), a protocol version without a constraint table
    (:class:`InvalidInput`), unreadable or mismatched DICOM files (:class:`DicomError`).
    """
    context = db.run(lambda uow: _open(uow, actor, study_id, lock=False), actor=actor,
                     read_only=True)  # fmt: skip
    arm_code = context.participant.arm_code
    qa = check_plan_files(
        context.protocol, files, mode=mode, site=context.treating_site, arm_code=arm_code
    )
    new = _new_evaluation(qa)

    def write(uow: ResearchUnitOfWork) -> StoredPlanQa:
        now = _open(uow, actor, study_id, lock=True)
        if now.version.id != context.version.id or now.treating_site != context.treating_site:
            raise Conflict(
                f"{study_id}'s course changed while the plan was being checked (protocol "
                "version or treating site); check the plan again",
                location="study_id",
            )
        repository = PlanQaRepository(uow)
        record = repository.add(now.participant, now.version, new)
        html = qa.report(record.evaluated_at, participant=study_id, evaluation_id=record.id)
        repository.add_report(record.id, html)
        return StoredPlanQa(record, qa, html)

    return db.run(write, actor=actor, reason=reason)


def _readable(uow: ResearchUnitOfWork, actor: str, study_id: str) -> ParticipantRecord:
    user = acting_user(uow, actor)
    participant = uow.participants.get(study_id)
    course = uow.course.get(participant)
    require_course_role(
        user,
        participant,
        action=Action.PARTICIPANT_READ,
        what="see the plan QA",
        treating_site=course.site_code if course is not None else None,
    )
    return participant


def plan_qa_evaluations(db: Database, *, actor: str, study_id: str) -> list[PlanQaEvaluationRecord]:
    """The participant's plan-QA evaluations, oldest first, with their constraint rows."""

    def work(uow: ResearchUnitOfWork) -> list[PlanQaEvaluationRecord]:
        participant = _readable(uow, actor, study_id)
        return PlanQaRepository(uow).of_participant(participant)

    return db.run(work, actor=actor, read_only=True)


def plan_qa_evaluation(db: Database, *, actor: str, evaluation_id: int) -> PlanQaEvaluationRecord:
    """One evaluation by id, for a user who may read its participant."""

    def work(uow: ResearchUnitOfWork) -> PlanQaEvaluationRecord:
        repository = PlanQaRepository(uow)
        participant = _readable(uow, actor, repository.participant_of(evaluation_id))
        return repository.get(participant, evaluation_id)

    return db.run(work, actor=actor, read_only=True)


def plan_qa_report(db: Database, *, actor: str, evaluation_id: int) -> str:
    """The HTML report stored with an evaluation, for a user who may read its participant."""

    def work(uow: ResearchUnitOfWork) -> str:
        repository = PlanQaRepository(uow)
        _readable(uow, actor, repository.participant_of(evaluation_id))
        return repository.report(evaluation_id)

    return db.run(work, actor=actor, read_only=True)

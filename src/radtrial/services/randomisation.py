"""Use cases: generate, serve, verify and export a trial's concealed allocation list.

**Generate.** The list is made from the protocol version in force (its ``[randomisation]``
table and sites, :func:`~radtrial.trial.randomisation.design_from_protocol`) and a fresh
128-bit seed from the operating system's CSPRNG (:func:`secrets.randbits`). The database keeps
the design, the seed, the seed's SHA-256 and the SHA-256 of the whole list; the audit trail
records the two fingerprints and "[redacted]" for the seed. No slot is stored ahead of use, so
no table, export or audit row shows an upcoming allocation to anyone but the unblinded
statistician, who alone may export the list (each export is itself recorded).

**Randomise.** One transaction: lock the participant's row; check, with nothing written on a
refusal, that the actor is an investigator or research nurse at the participant's site, the
site recruits, the latest eligibility evaluation is eligible, consent is recorded and not
withdrawn, the participant has no allocation, and every stratification factor has a value; then
lock the stratum's row, take the next slot (``used + 1``, :class:`AllocationListExhausted` past
the end), compute its arm from the seed, and insert the allocation (who, when, stratum, slot,
arm, factor levels, how it was chosen, the list's seed hash) together with the participant's arm
and planned prescription. See :mod:`radtrial.store.repositories.randomisation` for why this is
safe under concurrency on both engines.

**Verify.** Regenerate the list from the stored seed and design and check it against the
recorded fingerprint and every used slot (:func:`~radtrial.trial.randomisation.verify`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from radtrial.errors import (
    AlreadyRandomised,
    Conflict,
    NotConsented,
    RandomisationError,
)
from radtrial.protocol import Protocol
from radtrial.services.access import (
    ENROLMENT_ROLES,
    GENERATE_ROLES,
    acting_user,
    require_site_role,
    require_trial_role,
)
from radtrial.services.protocol_versions import current_protocol, protocol_version
from radtrial.services.registration import not_eligible, planned_levels
from radtrial.services.screening import require_recruiting
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import (
    AllocationListRecord,
    AllocationRecord,
    ParticipantRecord,
    PrescriptionRecord,
    Role,
    StratumRecord,
)
from radtrial.trial.eligibility import parse_screening_data
from radtrial.trial.randomisation import (
    ALL,
    AllocationDesign,
    UsedSlot,
    VerificationReport,
    allocate,
    design_from_protocol,
    list_content,
    list_sha256,
    permuted_blocks,
    seed_sha256,
    verify,
)

__all__ = [
    "ARM_REASON",
    "ExportedList",
    "GeneratedList",
    "Randomised",
    "Verification",
    "export_list",
    "generate_list",
    "randomise",
    "verify_list",
]

#: The reason recorded in the audit trail for setting a participant's arm.
ARM_REASON = "arm allocated by randomisation"

#: Bits of a generated seed.
SEED_BITS = 128


@dataclass(frozen=True)
class GeneratedList:
    """A newly generated list: its record and strata (sizes only)."""

    allocation_list: AllocationListRecord
    strata: tuple[StratumRecord, ...]


def generate_list(
    db: Database, *, actor: str, trial_slug: str, seed: int | None = None
) -> GeneratedList:
    """Generate the trial's allocation list from the protocol version in force.

    ``seed`` is for reproducing a list in tests and benchmarks; by default a fresh 128-bit seed
    is drawn. Only the unblinded statistician may generate it: whoever generates the list can
    see it, so concealment keeps it from everyone else, sponsor administrators included. Raises
    :class:`PermissionDenied` (not the trial's unblinded statistician),
    :class:`RandomisationError` (the trial is not randomised) and :class:`Conflict` (the trial
    already has a list: lists are never replaced).
    """
    chosen = secrets.randbits(SEED_BITS) if seed is None else seed

    def work(uow: ResearchUnitOfWork) -> GeneratedList:
        user = acting_user(uow, actor)
        require_trial_role(user, GENERATE_ROLES, trial_slug, "generate the allocation list")
        protocol, version = current_protocol(uow, trial_slug)
        if protocol.randomisation is None:
            raise _not_randomised(protocol)
        existing = uow.randomisation.list_of(trial_slug)
        if existing is not None:
            raise Conflict(
                f"{trial_slug} already has an allocation list, generated "
                f"{existing.created_at:%Y-%m-%d %H:%M} UTC by {existing.created_by}; a list in "
                "use is never replaced",
                location="trial",
            )
        design = design_from_protocol(protocol)
        strata = [
            (key, len(permuted_blocks(design, chosen, key)))
            if design.method == "permuted_blocks"
            else (key, design.slots_per_stratum)
            for key in design.strata()
        ]
        record = uow.randomisation.add_list(
            trial_slug=trial_slug,
            protocol_version_id=version.id,
            method=design.method,
            algorithm=design.algorithm,
            design=design.to_json(),
            seed=chosen,
            seed_sha256=seed_sha256(chosen),
            list_sha256=list_sha256(design, chosen),
            strata=strata,
        )
        return GeneratedList(record, tuple(uow.randomisation.strata(record)))

    return db.run(work, actor=actor)


@dataclass(frozen=True)
class Randomised:
    """A randomisation: the allocation, the participant with their arm, the prescription."""

    allocation: AllocationRecord
    participant: ParticipantRecord
    prescription: tuple[PrescriptionRecord, ...]


def _no_list(trial_slug: str) -> RandomisationError:
    return RandomisationError(
        f"{trial_slug} has no allocation list yet; the unblinded statistician generates it "
        f"with radtrial randomisation generate {trial_slug}",
        location="trial",
    )


def _not_randomised(
    protocol: Protocol, participant: ParticipantRecord | None = None
) -> RandomisationError:
    """Randomisation does not apply: a single-arm (or otherwise non-randomised) trial."""
    design = protocol.trial.design
    if len(protocol.arms) == 1:
        arm = protocol.arms[0]
        what = (
            f"{protocol.trial.acronym} ({protocol.slug}) is a single-arm trial: randomisation "
            f"does not apply"
        )
        where = (
            f"; {participant.study_id} is on arm {participant.arm_code or arm.code} "
            f"({arm.label}) from registration"
            if participant is not None
            else f"; every participant is on arm {arm.code} ({arm.label}) from registration"
        )
        message = what + where
    else:
        message = (
            f"{protocol.trial.acronym} ({protocol.slug}) is not randomised (allocation: "
            f"{design.allocation}): randomisation does not apply"
        )
    return RandomisationError(message, location="trial", detail={"randomised": False})


def _require_list(uow: ResearchUnitOfWork, trial_slug: str) -> AllocationListRecord:
    allocation_list = uow.randomisation.list_of(trial_slug)
    if allocation_list is None:
        protocol, _ = current_protocol(uow, trial_slug)
        if protocol.randomisation is None:
            raise _not_randomised(protocol)
        raise _no_list(trial_slug)
    return allocation_list


def _used(allocation: AllocationRecord) -> UsedSlot:
    return UsedSlot(
        participant=allocation.study_id,
        stratum=allocation.stratum,
        sequence=allocation.sequence,
        arm=allocation.arm_code,
        levels=allocation.levels,
    )


def randomise(db: Database, *, actor: str, study_id: str) -> Randomised:
    """Allocate participant ``study_id`` to an arm (see the module docstring).

    Refusals, each with nothing written: :class:`PermissionDenied`, :class:`SiteNotActivated`,
    :class:`NotEligible`, :class:`NotConsented`, :class:`AlreadyRandomised`,
    :class:`MissingStratificationFactor`, :class:`AllocationListExhausted`, and
    :class:`RandomisationError` (no list yet; or a single-arm trial, where randomisation does
    not apply).
    """

    def work(uow: ResearchUnitOfWork) -> Randomised:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id, lock=True)
        trial_slug = participant.trial_slug
        require_site_role(user, ENROLMENT_ROLES, trial_slug, participant.site_code, "randomise")
        protocol, version = protocol_version(uow, trial_slug, participant.protocol_version_id)
        if protocol.randomisation is None:
            raise _not_randomised(protocol, participant)
        require_recruiting(uow.enrolment.trial_site(trial_slug, participant.site_code), "randomise")
        existing = uow.randomisation.allocation_of(participant)
        if existing is not None:
            raise AlreadyRandomised(
                f"{study_id} was already randomised to arm {existing.arm_code} "
                f"(stratum {existing.stratum}, slot {existing.sequence}) on "
                f"{existing.allocated_at:%Y-%m-%d %H:%M} UTC by {existing.allocated_by}",
                location="study_id",
                detail={
                    "arm": existing.arm_code,
                    "stratum": existing.stratum,
                    "sequence": existing.sequence,
                },
            )
        state = uow.enrolment.enrolment_state(participant)
        if state is None:
            raise not_eligible(None, "randomise")
        _, _, evaluation, consent = state
        if evaluation is None or not evaluation.eligible:
            raise not_eligible(evaluation, "randomise")
        if consent is None:
            raise NotConsented(f"cannot randomise {study_id}: no consent is recorded")
        withdrawals = uow.enrolment.withdrawals(participant)
        if withdrawals:
            kinds = ", ".join(w.kind.replace("_", " ") for w in withdrawals)
            raise NotConsented(
                f"cannot randomise {study_id}: the participant has withdrawn ({kinds})",
                location="consent",
                detail={"withdrawals": [w.kind for w in withdrawals]},
            )
        listed = uow.randomisation.list_and_seed(trial_slug)
        if listed is None:
            raise _no_list(trial_slug)
        allocation_list, seed = listed
        design = AllocationDesign.from_json(allocation_list.design)
        data = parse_screening_data(protocol.eligibility, evaluation.data)
        levels = design.levels_of(participant.site_code, data)
        key = design.stratum_of(levels)
        # The stratum's row lock serialises claims in the stratum (see the repository).
        stratum = uow.randomisation.stratum(allocation_list, key, lock=True)
        sequence = stratum.used + 1
        history = (
            [_used(a) for a in uow.randomisation.allocations(allocation_list, stratum)]
            if design.method == "minimisation"
            else []
        )
        allocation = allocate(design, seed, key, sequence, levels, history)
        record = uow.randomisation.add_allocation(
            allocation_list,
            stratum,
            participant,
            sequence=sequence,
            arm_code=allocation.arm,
            levels=levels,
            detail=allocation.detail,
        )
        updated = uow.participants.set_arm(participant, allocation.arm)
        prescription = uow.randomisation.add_prescription(
            updated,
            arm_code=allocation.arm,
            protocol_version_id=version.id,
            levels=planned_levels(protocol, allocation.arm),
        )
        # One flush writes the allocation, the arm and the prescription, and their audit rows.
        uow.session.flush()
        return Randomised(record, updated, tuple(prescription))

    return db.run(work, actor=actor, reason=ARM_REASON)


@dataclass(frozen=True)
class Verification:
    """The list's record and strata, and the verification report."""

    allocation_list: AllocationListRecord
    strata: tuple[StratumRecord, ...]
    report: VerificationReport

    @property
    def ok(self) -> bool:
        """True when the list verified."""
        return self.report.ok

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (reveals no unused slot)."""
        record = self.allocation_list
        return {
            "trial": record.trial_slug,
            "method": record.method,
            "algorithm": record.algorithm,
            "seed_sha256": record.seed_sha256,
            "generated_at": record.created_at,
            "generated_by": record.created_by,
            "strata": [{"stratum": s.key, "slots": s.size, "used": s.used} for s in self.strata],
            **self.report.to_json(),
        }


def verify_list(db: Database, *, actor: str, trial_slug: str) -> Verification:
    """Regenerate the trial's list from its seed and check every used slot (any role in the
    trial may verify; the report shows no unused slot)."""

    def work(uow: ResearchUnitOfWork) -> Verification:
        user = acting_user(uow, actor)
        require_trial_role(user, frozenset(Role), trial_slug, "verify the allocation list")
        allocation_list = _require_list(uow, trial_slug)
        design = AllocationDesign.from_json(allocation_list.design)
        used = [_used(a) for a in uow.randomisation.allocations(allocation_list)]
        report = verify(
            design, uow.randomisation.seed(allocation_list), allocation_list.list_sha256, used
        )
        return Verification(
            allocation_list, tuple(uow.randomisation.strata(allocation_list)), report
        )

    return db.run(work, actor=actor, read_only=True)


@dataclass(frozen=True)
class ExportedList:
    """The whole list for the unblinded statistician: every slot, used or not."""

    allocation_list: AllocationListRecord
    content: dict[str, Any]
    used: tuple[AllocationRecord, ...]

    def rows(self) -> list[dict[str, Any]]:
        """One row per slot (permuted blocks) or per used draw (minimisation)."""
        used = {(a.stratum, a.sequence): a for a in self.used}
        out: list[dict[str, Any]] = []
        if "strata" in self.content:
            for stratum, slots in self.content["strata"].items():
                for sequence, arm, block, size, position in slots:
                    allocation = used.get((stratum, sequence))
                    out.append(
                        {
                            "stratum": stratum,
                            "sequence": sequence,
                            "block": block,
                            "block_size": size,
                            "position": position,
                            "arm": arm,
                            "study_id": allocation.study_id if allocation else None,
                            "allocated_at": allocation.allocated_at if allocation else None,
                        }
                    )
            return out
        for sequence, draw in enumerate(self.content["draws"], start=1):
            allocation = used.get((ALL, sequence))
            out.append(
                {
                    "stratum": ALL,
                    "sequence": sequence,
                    "draw": draw,
                    "arm": allocation.arm_code if allocation else None,
                    "study_id": allocation.study_id if allocation else None,
                    "allocated_at": allocation.allocated_at if allocation else None,
                }
            )
        return out


def export_list(db: Database, *, actor: str, trial_slug: str, format: str) -> ExportedList:
    """The whole list, for the unblinded statistician only; the export is recorded."""

    def work(uow: ResearchUnitOfWork) -> ExportedList:
        user = acting_user(uow, actor)
        require_trial_role(
            user,
            frozenset({Role.UNBLINDED_STATISTICIAN}),
            trial_slug,
            "export the allocation list",
        )
        allocation_list = _require_list(uow, trial_slug)
        design = AllocationDesign.from_json(allocation_list.design)
        content = list_content(design, uow.randomisation.seed(allocation_list))
        uow.randomisation.record_export(allocation_list, format=format)
        return ExportedList(
            allocation_list, content, tuple(uow.randomisation.allocations(allocation_list))
        )

    return db.run(work, actor=actor)

"""Use case: review a participant's course.

The view joins what is stored (the fractions, the missed fractions, the deviations with their
acknowledgement) with what the pure core computes from it: the dose to date per dose level with
BED and EQD2 for every tissue of the protocol (sum form over the fractions delivered, with the
protocol's overall-time correction where it sets one), the same projected to the end of the plan
(the fractions delivered and those still planned, at their planned doses), the fractions
remaining, the overall time to date and projected, and the gap-compensation options while a
missed fraction awaits a decision. Anyone who may read the participant's records may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from radtrial.rt import lq
from radtrial.rt.gaps import GapAnalysis
from radtrial.rt.ledger import LevelSummary, rbe_model_name, time_factor_for
from radtrial.services.access import acting_user
from radtrial.services.course.state import (
    CourseState,
    load_state,
    require_course_role,
    today_at_site,
)
from radtrial.services.policy import Action
from radtrial.store.database import Database, ResearchUnitOfWork
from radtrial.store.records import DeviationRecord, FractionRecord, MissedFractionRecord

__all__ = ["CourseView", "ProjectedDose", "course_view", "show_course"]


@dataclass(frozen=True)
class ProjectedDose:
    """BED and EQD2 of one dose level for one tissue if the plan is given as it stands."""

    dose_level: str
    tissue: str
    alpha_beta_gy: float
    total_dose_gy: float
    bed_gy: float
    eqd2_gy: float


@dataclass(frozen=True)
class CourseView:
    """A participant's course: plan, ledger, dose accounting, deviations, gap options."""

    study_id: str
    trial_slug: str
    trial_acronym: str
    arm_code: str
    arm_label: str
    protocol_version: str
    protocol_hash: str
    site_code: str
    timezone: str
    start_date: date
    modality: str
    dose_unit: str
    rbe_model: str | None
    fractions: tuple[FractionRecord, ...]
    missed: tuple[MissedFractionRecord, ...]
    prescribed_fractions: int
    delivered_fractions: int
    cancelled_fractions: int
    fractions_remaining: int
    overall_time_days: int
    projected_overall_time_days: int
    max_overall_time_days: int | None
    levels: tuple[LevelSummary, ...]
    projected: tuple[ProjectedDose, ...]
    deviations: tuple[DeviationRecord, ...]
    gaps: GapAnalysis | None
    as_of: date

    @property
    def open_deviations(self) -> tuple[DeviationRecord, ...]:
        """Deviations that still apply (acknowledged or not)."""
        return tuple(d for d in self.deviations if d.resolved_at is None)


def _projected(state: CourseState) -> tuple[ProjectedDose, ...]:
    ledger = state.ledger
    days = ledger.projected_overall_time_days()
    rows = []
    for level in state.prescription.dose_levels:
        doses = [
            *ledger.fraction_doses_gy(level.id),
            *(
                dose.planned_dose_gy
                for fraction in state.planned
                for dose in fraction.doses
                if dose.dose_level == level.id
            ),
        ]
        for tissue in state.radiobiology.tissues:
            factor = time_factor_for(state.radiobiology, tissue.id)
            rows.append(
                ProjectedDose(
                    dose_level=level.id,
                    tissue=tissue.id,
                    alpha_beta_gy=tissue.alpha_beta_gy,
                    total_dose_gy=sum(doses),
                    bed_gy=lq.bed(
                        doses, tissue.alpha_beta_gy, overall_time_days=days, time_factor=factor
                    ),
                    eqd2_gy=lq.eqd2(
                        doses, tissue.alpha_beta_gy, overall_time_days=days, time_factor=factor
                    ),
                )
            )
    return tuple(rows)


def course_view(uow: ResearchUnitOfWork, state: CourseState) -> CourseView:
    """The view of the course in ``state`` as of today at the site."""
    ledger = state.ledger
    prescription = state.prescription
    today = today_at_site(uow, state.course.timezone)
    return CourseView(
        study_id=state.participant.study_id,
        trial_slug=state.protocol.slug,
        trial_acronym=state.protocol.trial.acronym,
        arm_code=state.arm.code,
        arm_label=state.arm.label,
        protocol_version=state.version.version_label,
        protocol_hash=state.version.content_hash,
        site_code=state.course.site_code,
        timezone=state.course.timezone,
        start_date=state.course.start_date,
        modality=prescription.modality,
        dose_unit=prescription.dose_unit,
        rbe_model=rbe_model_name(prescription.rbe) if prescription.rbe else None,
        fractions=state.fractions,
        missed=state.missed,
        prescribed_fractions=ledger.prescribed_fractions,
        delivered_fractions=len(ledger.delivered),
        cancelled_fractions=len(ledger.cancelled),
        fractions_remaining=ledger.fractions_remaining,
        overall_time_days=ledger.overall_time_days,
        projected_overall_time_days=ledger.projected_overall_time_days(),
        max_overall_time_days=prescription.max_overall_time_days,
        levels=ledger.dose_summary(state.radiobiology),
        projected=_projected(state),
        deviations=tuple(uow.course.deviations(state.course.id)),
        gaps=state.gap_analysis(today),
        as_of=today,
    )


def show_course(db: Database, *, actor: str, study_id: str) -> CourseView:
    """The participant's course as it stands (see the module docstring)."""

    def work(uow: ResearchUnitOfWork) -> CourseView:
        user = acting_user(uow, actor)
        participant = uow.participants.get(study_id)
        course = uow.course.get(participant)
        require_course_role(
            user,
            participant,
            action=Action.PARTICIPANT_READ,
            what="see the course",
            treating_site=course.site_code if course else None,
        )
        return course_view(uow, load_state(uow, participant, course))

    return db.run(work, actor=actor, read_only=True)

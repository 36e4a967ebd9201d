"""Research database: enrolment and randomisation.

Screenings with their eligibility evaluations, closures (declined / other), consents,
registrations and withdrawals; allocation lists, their strata, the used slots (allocations)
and list exports; participants' planned prescriptions and optional-fraction decisions; and the
participant's arm (``participants.arm_code``).

Revision ID: r0002
Revises: r0001
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=f"pk_{table}"
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}")


def _trial_site_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["trial_id", "site_id"],
        ["trial_sites.trial_id", "trial_sites.site_id"],
        name=f"fk_{table}_trial_id_site_id",
    )


def _user(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(128), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("arm_code", sa.String(8), nullable=True))

    op.create_table(
        "screenings",
        *_id("screenings"),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        _user("screened_by"),
        _timestamp("created_at"),
        sa.UniqueConstraint(
            "trial_id", "site_id", "number", name="uq_screenings_trial_id_site_id_number"
        ),
        _trial_site_fk("screenings"),
    )
    op.create_table(
        "eligibility_evaluations",
        *_id("eligibility_evaluations"),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("confirmations", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        _timestamp("evaluated_at"),
        _user("evaluated_by"),
        _fk("eligibility_evaluations", "screening_id", "screenings.id"),
        _fk("eligibility_evaluations", "protocol_version_id", "protocol_versions.id"),
    )
    op.create_table(
        "screening_closures",
        *_id("screening_closures"),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=False),
        _user("recorded_by"),
        _timestamp("recorded_at"),
        sa.UniqueConstraint("screening_id", name="uq_screening_closures_screening_id"),
        _fk("screening_closures", "screening_id", "screenings.id"),
    )
    op.create_table(
        "consents",
        *_id("consents"),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("document_version", sa.String(64), nullable=False),
        sa.Column("consented_on", sa.Date(), nullable=False),
        _user("obtained_by"),
        sa.Column("optional", sa.JSON(), nullable=False),
        _user("recorded_by"),
        _timestamp("recorded_at"),
        _fk("consents", "screening_id", "screenings.id"),
        _fk("consents", "protocol_version_id", "protocol_versions.id"),
    )
    op.create_table(
        "registrations",
        *_id("registrations"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("site_sequence", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        _user("registered_by"),
        _timestamp("created_at"),
        sa.UniqueConstraint("participant_id", name="uq_registrations_participant_id"),
        sa.UniqueConstraint("screening_id", name="uq_registrations_screening_id"),
        sa.UniqueConstraint(
            "trial_id",
            "site_id",
            "site_sequence",
            name="uq_registrations_trial_id_site_id_site_sequence",
        ),
        _fk("registrations", "participant_id", "participants.id"),
        _fk("registrations", "screening_id", "screenings.id"),
        _fk("registrations", "evaluation_id", "eligibility_evaluations.id"),
        _fk("registrations", "consent_id", "consents.id"),
        _trial_site_fk("registrations"),
    )
    op.create_table(
        "withdrawals",
        *_id("withdrawals"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _user("recorded_by"),
        _timestamp("recorded_at"),
        sa.UniqueConstraint("participant_id", "kind", name="uq_withdrawals_participant_id_kind"),
        _fk("withdrawals", "participant_id", "participants.id"),
    )
    op.create_table(
        "allocation_lists",
        *_id("allocation_lists"),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("algorithm", sa.String(128), nullable=False),
        sa.Column("design", sa.JSON(), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("seed_sha256", sa.String(64), nullable=False),
        sa.Column("list_sha256", sa.String(64), nullable=False),
        _timestamp("created_at"),
        _user("created_by"),
        sa.UniqueConstraint("trial_id", name="uq_allocation_lists_trial_id"),
        _fk("allocation_lists", "trial_id", "trials.id"),
        _fk("allocation_lists", "protocol_version_id", "protocol_versions.id"),
    )
    op.create_table(
        "allocation_strata",
        *_id("allocation_strata"),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.UniqueConstraint("list_id", "key", name="uq_allocation_strata_list_id_key"),
        _fk("allocation_strata", "list_id", "allocation_lists.id"),
    )
    op.create_table(
        "allocations",
        *_id("allocations"),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("stratum_id", sa.Integer(), nullable=False),
        sa.Column("stratum_key", sa.String(255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("arm_code", sa.String(8), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("list_seed_sha256", sa.String(64), nullable=False),
        _timestamp("allocated_at"),
        _user("allocated_by"),
        sa.UniqueConstraint(
            "list_id", "stratum_id", "sequence", name="uq_allocations_list_id_stratum_id_sequence"
        ),
        sa.UniqueConstraint(
            "trial_id", "participant_id", name="uq_allocations_trial_id_participant_id"
        ),
        _fk("allocations", "list_id", "allocation_lists.id"),
        _fk("allocations", "stratum_id", "allocation_strata.id"),
        _fk("allocations", "trial_id", "trials.id"),
        _fk("allocations", "participant_id", "participants.id"),
    )
    op.create_table(
        "allocation_list_exports",
        *_id("allocation_list_exports"),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        _timestamp("exported_at"),
        _user("exported_by"),
        _fk("allocation_list_exports", "list_id", "allocation_lists.id"),
    )
    op.create_table(
        "participant_prescriptions",
        *_id("participant_prescriptions"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("arm_code", sa.String(8), nullable=False),
        sa.Column("dose_level", sa.String(64), nullable=False),
        sa.Column("fractions", sa.Integer(), nullable=False),
        sa.Column("dose_per_fraction_gy", sa.Float(), nullable=False),
        sa.Column("total_dose_gy", sa.Float(), nullable=False),
        sa.Column("optional_fractions_added", sa.Integer(), nullable=False),
        _timestamp("updated_at"),
        sa.UniqueConstraint(
            "participant_id",
            "dose_level",
            name="uq_participant_prescriptions_participant_id_dose_level",
        ),
        _fk("participant_prescriptions", "participant_id", "participants.id"),
        _fk("participant_prescriptions", "protocol_version_id", "protocol_versions.id"),
    )
    op.create_table(
        "optional_fraction_decisions",
        *_id("optional_fraction_decisions"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("optional_fraction", sa.String(64), nullable=False),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column("criterion_met", sa.Boolean(), nullable=False),
        sa.Column("give", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _timestamp("decided_at"),
        _user("decided_by"),
        sa.UniqueConstraint(
            "participant_id",
            "optional_fraction",
            name="uq_optional_fraction_decisions_participant_id_optional_fraction",
        ),
        _fk("optional_fraction_decisions", "participant_id", "participants.id"),
        _fk("optional_fraction_decisions", "protocol_version_id", "protocol_versions.id"),
    )


def downgrade() -> None:
    raise RuntimeError(
        "enrolment and randomisation records are audited trial records and are never dropped "
        "by a downgrade; restore a backup instead"
    )

"""Research database: plan quality assurance of a participant's RT plan (issue 5).

``plan_qa_evaluations``: one check of a participant's plan against the dose-constraint table of
a protocol version (id and hash): DVH mode, overall verdict, dose unit and the factor applied to
the RT Dose (RBE), plan label, radiation types and fractions, the SHA-256 of the RT Plan, RT
Structure Set and each RT Dose checked, the site whose structure names were used, unmapped
names, notes, who checked and when (UTC). ``plan_qa_results``: one row per constraint (TG-263
structure and the plan's name, metric, limits, value, grade). ``plan_qa_reports``: the HTML
report shown to the physicist and its SHA-256.

Revision ID: r0008
Revises: r0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0008"
down_revision = "r0007"
branch_labels = None
depends_on = None

MODES = ("tps", "accurate")
VERDICTS = ("pass", "minor", "major", "incomplete")
GRADES = ("pass", "minor", "major", "not_evaluated")


def _one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def upgrade() -> None:
    op.create_table(
        "plan_qa_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("dose_unit", sa.String(16), nullable=False),
        sa.Column("dose_factor", sa.Float(), nullable=False),
        sa.Column("plan_label", sa.String(128), nullable=False),
        sa.Column("radiation_types", sa.JSON(), nullable=False),
        sa.Column("fractions_planned", sa.Integer(), nullable=True),
        sa.Column("rtplan_sha256", sa.String(64), nullable=False),
        sa.Column("rtstruct_sha256", sa.String(64), nullable=False),
        sa.Column("rtdose_sha256", sa.JSON(), nullable=False),
        sa.Column("structure_site", sa.String(32), nullable=True),
        sa.Column("unmapped_names", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluated_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plan_qa_evaluations"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_plan_qa_evaluations_participant_id",
        ),
        sa.ForeignKeyConstraint(
            ["protocol_version_id"],
            ["protocol_versions.id"],
            name="fk_plan_qa_evaluations_protocol_version_id",
        ),
        _one_of("plan_qa_evaluations", "mode", MODES),
        _one_of("plan_qa_evaluations", "verdict", VERDICTS),
    )
    op.create_index(
        "ix_plan_qa_evaluations_participant_id", "plan_qa_evaluations", ["participant_id"]
    )
    op.create_table(
        "plan_qa_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("constraint_id", sa.String(64), nullable=False),
        sa.Column("structure", sa.String(128), nullable=False),
        sa.Column("local_name", sa.String(128), nullable=True),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("comparison", sa.String(4), nullable=False),
        sa.Column("limit_value", sa.Float(), nullable=True),
        sa.Column("minor_limit", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plan_qa_results"),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["plan_qa_evaluations.id"],
            name="fk_plan_qa_results_evaluation_id",
        ),
        sa.UniqueConstraint(
            "evaluation_id",
            "constraint_id",
            name="uq_plan_qa_results_evaluation_id_constraint_id",
        ),
        _one_of("plan_qa_results", "grade", GRADES),
    )
    op.create_table(
        "plan_qa_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_plan_qa_reports"),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["plan_qa_evaluations.id"],
            name="fk_plan_qa_reports_evaluation_id",
        ),
        sa.UniqueConstraint("evaluation_id", name="uq_plan_qa_reports_evaluation_id"),
    )


def downgrade() -> None:
    raise RuntimeError(
        "plan QA evaluations are audited trial records and are never dropped by a downgrade; "
        "restore a backup instead"
    )

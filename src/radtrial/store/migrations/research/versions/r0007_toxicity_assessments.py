"""Research database: per-visit toxicity assessments (PALLSOFT's bowel and bladder endpoint).

One row per participant, visit and protocol toxicity category (``bowel``, ``bladder``): the
physician assessed the category on a date, under a CTCAE version, and either found no adverse
event in it (``no_adverse_event``) or found the adverse events listed in ``adverse_event_ids``.
A category without a row was not assessed at that visit, so "assessed, none" (grade 0) is told
apart from "not assessed" (missing).

Revision ID: r0007
Revises: r0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0007"
down_revision = "r0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "toxicity_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(64), nullable=False),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessed_by", sa.String(128), nullable=False),
        sa.Column("ctcae_version", sa.String(8), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("no_adverse_event", sa.Boolean(), nullable=False),
        sa.Column("adverse_event_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_toxicity_assessments"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name="fk_toxicity_assessments_participant_id",
        ),
        sa.ForeignKeyConstraint(
            ["protocol_version_id"],
            ["protocol_versions.id"],
            name="fk_toxicity_assessments_protocol_version_id",
        ),
        sa.UniqueConstraint(
            "participant_id",
            "visit_id",
            "category",
            name="uq_toxicity_assessments_participant_id_visit_id_category",
        ),
    )


def downgrade() -> None:
    raise RuntimeError(
        "toxicity assessments are audited trial records and are never dropped by a downgrade; "
        "restore a backup instead"
    )

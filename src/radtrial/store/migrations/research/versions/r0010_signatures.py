"""Research database: electronic signatures of form records (issue 8 §4; RELIABILITY.md row 12).

``record_signatures``: who signed which record (entity and id) when, with what meaning, and the
SHA-256 of the record's canonical content when signed; a signature is voided (who, when, why)
when the record is edited afterwards. Audited like any record.

Revision ID: r0010
Revises: r0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0010"
down_revision = "r0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(128), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("meaning", sa.String(200), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.String(128), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_record_signatures"),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name="fk_record_signatures_participant_id"
        ),
    )
    op.create_index(
        "ix_record_signatures_entity_entity_id", "record_signatures", ["entity", "entity_id"]
    )


def downgrade() -> None:
    raise RuntimeError(
        "signatures are audited records and are never dropped by a downgrade; restore a backup "
        "instead"
    )

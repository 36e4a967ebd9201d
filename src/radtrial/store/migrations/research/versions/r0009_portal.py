"""Research database: the patient portal (issue 8).

``portal_invitations``: a participant's one-time link and code, stored as SHA-256 only, with
who issued it, expiry, redemption and revocation (audited). ``portal_sessions``: the portal
sessions opened by redeeming an invitation (operational state, like ``auth_sessions``).
``portal_drafts``: partial answers per participant, visit and questionnaire (audited).
``instrument_texts``: a site's licensed questionnaire item texts per language (audited).

Revision ID: r0009
Revises: r0008
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "r0009"
down_revision = "r0008"
branch_labels = None
depends_on = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _participant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["participant_id"], ["participants.id"], name=f"fk_{table}_participant_id"
    )


def upgrade() -> None:
    op.create_table(
        "portal_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        _timestamp("issued_at"),
        _timestamp("expires_at"),
        _timestamp("redeemed_at", nullable=True),
        _timestamp("revoked_at", nullable=True),
        sa.Column("revoked_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_invitations"),
        _participant_fk("portal_invitations"),
        sa.UniqueConstraint("token_sha256", name="uq_portal_invitations_token_sha256"),
        sa.UniqueConstraint("code_sha256", name="uq_portal_invitations_code_sha256"),
    )
    op.create_index(
        "ix_portal_invitations_participant_id", "portal_invitations", ["participant_id"]
    )
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_seen_at"),
        _timestamp("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_sessions"),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["portal_invitations.id"],
            name="fk_portal_sessions_invitation_id",
        ),
        _participant_fk("portal_sessions"),
        sa.UniqueConstraint("token_sha256", name="uq_portal_sessions_token_sha256"),
    )
    op.create_index("ix_portal_sessions_invitation_id", "portal_sessions", ["invitation_id"])
    op.create_table(
        "portal_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.String(64), nullable=False),
        sa.Column("instrument", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_portal_drafts"),
        _participant_fk("portal_drafts"),
        sa.UniqueConstraint(
            "participant_id",
            "visit_id",
            "instrument",
            name="uq_portal_drafts_participant_id_visit_id_instrument",
        ),
    )
    op.create_table(
        "instrument_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(255), nullable=True),
        sa.Column("loaded_by", sa.String(128), nullable=False),
        _timestamp("loaded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_instrument_texts"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_instrument_texts_site_id"),
        sa.UniqueConstraint(
            "site_id",
            "instrument",
            "language",
            name="uq_instrument_texts_site_id_instrument_language",
        ),
    )


def downgrade() -> None:
    raise RuntimeError(
        "portal invitations, drafts and licensed texts are audited records and are never dropped "
        "by a downgrade; restore a backup instead"
    )

"""Research database, initial schema: trials, protocol versions, sites, users, grants,
participants, and the append-only audit log.

Revision ID: r0001
Revises: (none)
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = (
    "investigator",
    "research_nurse",
    "physicist",
    "data_manager",
    "monitor",
    "unblinded_statistician",
    "sponsor_admin",
)

# The audit log refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE) for every user, so the
# trail cannot be edited through the application or by mistake (21 CFR Part 11 §11.10(e)).
SQLITE_APPEND_ONLY = (
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
    """,
)
POSTGRESQL_APPEND_ONLY = (
    """
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
    """,
)


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("registry_id", sa.String(64), nullable=True),
        sa.Column("acronym", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_trials"),
        sa.UniqueConstraint("slug", name="uq_trials_slug"),
        sa.UniqueConstraint("registry_id", name="uq_trials_registry_id"),
    )
    op.create_table(
        "protocol_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("version_label", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("canonical_json", sa.Text(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        _timestamp("loaded_at"),
        sa.Column("loaded_by", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_protocol_versions"),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name="fk_protocol_versions_trial_id"),
        sa.UniqueConstraint(
            "trial_id", "content_hash", name="uq_protocol_versions_trial_id_content_hash"
        ),
        sa.UniqueConstraint(
            "trial_id", "version_label", name="uq_protocol_versions_trial_id_version_label"
        ),
        sa.UniqueConstraint("trial_id", "id", name="uq_protocol_versions_trial_id_id"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("country", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
        sa.UniqueConstraint("code", name="uq_sites_code"),
    )
    op.create_table(
        "trial_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trial_sites"),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name="fk_trial_sites_trial_id"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_trial_sites_site_id"),
        sa.UniqueConstraint("trial_id", "site_id", name="uq_trial_sites_trial_id_site_id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_role_grants"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_role_grants_user_id"),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name="fk_role_grants_trial_id"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_role_grants_site_id"),
        sa.CheckConstraint(
            "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")",
            name="ck_role_grants_role",
        ),
    )
    # NULL means "every trial" / "every site" and must count as one value for uniqueness.
    op.create_index(
        "uq_role_grants_scope",
        "role_grants",
        ["user_id", "role", sa.text("coalesce(trial_id, 0)"), sa.text("coalesce(site_id, 0)")],
        unique=True,
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.String(64), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_participants"),
        sa.UniqueConstraint("study_id", name="uq_participants_study_id"),
        sa.ForeignKeyConstraint(
            ["trial_id", "site_id"],
            ["trial_sites.trial_id", "trial_sites.site_id"],
            name="fk_participants_trial_id_site_id",
        ),
        sa.ForeignKeyConstraint(
            ["trial_id", "protocol_version_id"],
            ["protocol_versions.trial_id", "protocol_versions.id"],
            name="fk_participants_trial_id_protocol_version_id",
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at_utc", sa.String(27), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("tx_id", sa.String(32), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id"])
    statements = (
        POSTGRESQL_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else SQLITE_APPEND_ONLY
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError(
        "the initial research schema holds the audit trail and is never downgraded; "
        "restore a backup instead"
    )

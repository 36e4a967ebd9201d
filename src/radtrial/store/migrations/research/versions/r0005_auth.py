"""Research database: the web platform's authentication and access tables.

TOTP second factors (``user_totp``, audited like every record, secret redacted) and the last
accepted time step per user (``totp_steps``); server-side web sessions (``auth_sessions``);
sign-in attempts for throttling (``login_attempts``); ``Idempotency-Key`` records with the
answer to replay (``idempotency_keys``); and the append-only ``access_log``.

Revision ID: r0005
Revises: r0002
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0002"
branch_labels = None
depends_on = None

# The access log refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE), like the audit log.
SQLITE_APPEND_ONLY = (
    """
    CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    BEGIN SELECT RAISE(ABORT, 'access_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    BEGIN SELECT RAISE(ABORT, 'access_log is append-only: DELETE refused'); END
    """,
)
POSTGRESQL_APPEND_ONLY = (
    """
    CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER access_log_no_update_delete BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only()
    """,
    """
    CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()
    """,
)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=f"pk_{table}"
    )


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id")


def upgrade() -> None:
    op.create_table(
        "user_totp",
        *_id("user_totp"),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        _timestamp("enrolled_at"),
        sa.Column("enrolled_by", sa.String(128), nullable=False),
        _user_fk("user_totp"),
        sa.UniqueConstraint("user_id", name="uq_user_totp_user_id"),
    )
    op.create_table(
        "totp_steps",
        *_id("totp_steps"),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=False),
        _user_fk("totp_steps"),
        sa.UniqueConstraint("user_id", name="uq_totp_steps_user_id"),
    )
    op.create_table(
        "auth_sessions",
        *_id("auth_sessions"),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _timestamp("created_at"),
        _timestamp("last_seen_at"),
        _timestamp("ended_at", nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        _user_fk("auth_sessions"),
        sa.UniqueConstraint("token_sha256", name="uq_auth_sessions_token_sha256"),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        *_id("login_attempts"),
        _timestamp("at"),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index(
        "ix_login_attempts_client_address_at", "login_attempts", ["client_address", "at"]
    )
    op.create_table(
        "idempotency_keys",
        *_id("idempotency_keys"),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("completed_at", nullable=True),
        sa.UniqueConstraint("username", "key", name="uq_idempotency_keys_username_key"),
    )
    op.create_table(
        "access_log",
        *_id("access_log"),
        _timestamp("at"),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(64), nullable=True),
        sa.Column("entity_id", sa.String(64), nullable=True),
        sa.Column("trial_slug", sa.String(64), nullable=True),
        sa.Column("site_code", sa.String(32), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
    )
    statements = (
        POSTGRESQL_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else SQLITE_APPEND_ONLY
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    raise RuntimeError(
        "the access log is append-only and is never downgraded; restore a backup instead"
    )

"""Research database: the radiotherapy course.

A participant's planned course (``rt_courses``: arm, prescription snapshot, protocol version
and hash, treating site, start date), one row per fraction number (``rt_fractions``: planned
date, status, delivery time, site and machine, reason) with its dose per dose level
(``rt_fraction_doses``: planned, delivered RBE-weighted and physical, RBE model), the missed
fractions (``rt_missed_fractions``: the day missed, why, where it went, how it was compensated),
the deviations found (``rt_deviations``) and the days a site is closed (``site_closures``).

Optional-fraction decisions are the enrolment's (``optional_fraction_decisions``, r0002).

Revision ID: r0003
Revises: r0002
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

FRACTION_STATUSES = ("planned", "delivered", "cancelled")
SEVERITIES = ("minor", "major")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(table: str) -> tuple[sa.Column[int], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=f"pk_{table}"
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], name=f"fk_{table}_{column}")


def _user(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(128), nullable=nullable)


def _one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def upgrade() -> None:
    op.create_table(
        "rt_courses",
        *_id("rt_courses"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(64), nullable=False),
        sa.Column("arm_code", sa.String(8), nullable=False),
        sa.Column("prescription", sa.JSON(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        _timestamp("planned_at"),
        _user("planned_by"),
        sa.UniqueConstraint("participant_id", name="uq_rt_courses_participant_id"),
        _fk("rt_courses", "participant_id", "participants.id"),
        _fk("rt_courses", "protocol_version_id", "protocol_versions.id"),
        _fk("rt_courses", "site_id", "sites.id"),
    )
    op.create_table(
        "rt_fractions",
        *_id("rt_fractions"),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        _timestamp("delivered_at", nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("machine", sa.String(64), nullable=True),
        sa.Column("optional_fraction", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _timestamp("recorded_at"),
        _user("recorded_by"),
        sa.UniqueConstraint("course_id", "number", name="uq_rt_fractions_course_id_number"),
        _one_of("rt_fractions", "status", FRACTION_STATUSES),
        _fk("rt_fractions", "course_id", "rt_courses.id"),
        _fk("rt_fractions", "site_id", "sites.id"),
    )
    op.create_table(
        "rt_fraction_doses",
        *_id("rt_fraction_doses"),
        sa.Column("fraction_id", sa.Integer(), nullable=False),
        sa.Column("dose_level", sa.String(64), nullable=False),
        sa.Column("planned_dose_gy", sa.Float(), nullable=False),
        sa.Column("dose_gy", sa.Float(), nullable=True),
        sa.Column("physical_dose_gy", sa.Float(), nullable=True),
        sa.Column("rbe_model", sa.String(64), nullable=True),
        sa.UniqueConstraint(
            "fraction_id", "dose_level", name="uq_rt_fraction_doses_fraction_id_dose_level"
        ),
        _fk("rt_fraction_doses", "fraction_id", "rt_fractions.id"),
    )
    op.create_table(
        "rt_missed_fractions",
        *_id("rt_missed_fractions"),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rescheduled_to", sa.Date(), nullable=True),
        _timestamp("recorded_at"),
        _user("recorded_by"),
        sa.Column("compensation", sa.String(32), nullable=True),
        _timestamp("compensated_at", nullable=True),
        _user("compensated_by", nullable=True),
        sa.UniqueConstraint(
            "course_id",
            "number",
            "planned_date",
            name="uq_rt_missed_fractions_course_id_number_planned_date",
        ),
        _fk("rt_missed_fractions", "course_id", "rt_courses.id"),
    )
    op.create_table(
        "rt_deviations",
        *_id("rt_deviations"),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("fraction", sa.Integer(), nullable=True),
        sa.Column("dose_level", sa.String(64), nullable=True),
        sa.Column("protocol_version_id", sa.Integer(), nullable=False),
        sa.Column("protocol_hash", sa.String(64), nullable=False),
        _timestamp("detected_at"),
        _user("acknowledged_by", nullable=True),
        _timestamp("acknowledged_at", nullable=True),
        _timestamp("resolved_at", nullable=True),
        _one_of("rt_deviations", "severity", SEVERITIES),
        _fk("rt_deviations", "course_id", "rt_courses.id"),
        _fk("rt_deviations", "protocol_version_id", "protocol_versions.id"),
    )
    op.create_table(
        "site_closures",
        *_id("site_closures"),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _timestamp("recorded_at"),
        _user("recorded_by"),
        sa.UniqueConstraint("site_id", "day", name="uq_site_closures_site_id_day"),
        _fk("site_closures", "site_id", "sites.id"),
    )


def downgrade() -> None:
    raise RuntimeError(
        "radiotherapy course records are audited trial records and are never dropped by a "
        "downgrade; restore a backup instead"
    )

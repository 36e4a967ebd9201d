"""Research database: join the course (r0003), outcomes (r0004) and web-auth (r0005) branches.

The three were developed in parallel from the enrolment revision (r0002) and touch disjoint
tables, so the merge has no schema change of its own.

Revision ID: r0006
Revises: r0003, r0004, r0005
"""

from __future__ import annotations

revision = "r0006"
down_revision = ("r0003", "r0004", "r0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: the merged branches' tables do not overlap."""


def downgrade() -> None:
    """Nothing to do: see :func:`upgrade`."""

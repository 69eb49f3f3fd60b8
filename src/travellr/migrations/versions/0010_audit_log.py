"""audit_log: who changed what, when, from where and why.

Written by the use cases in the transaction of the change it records; read by
GET /admin/audit-log, newest first, so every index ends in the (at, id) keyset.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(10), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject_type", sa.String(30), nullable=False),
        sa.Column("subject_id", sa.String(255), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at_id", "audit_log", ["at", "id"])
    op.create_index("ix_audit_log_actor_id_at_id", "audit_log", ["actor_id", "at", "id"])
    op.create_index("ix_audit_log_action_at_id", "audit_log", ["action", "at", "id"])
    op.create_index(
        "ix_audit_log_subject_at_id", "audit_log", ["subject_type", "subject_id", "at", "id"]
    )


def downgrade() -> None:
    op.drop_table("audit_log")
